package forum

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// fetched is the outcome of one conditional GET.
type fetched struct {
	notModified bool
	body        []byte
	base        *url.URL // the URL the body came from, after redirects
	etag        string
	lastMod     string
	contentType string
	retryAt     time.Time // set with an error when the server asked to wait
}

// maxRetryAfter caps how long a Retry-After can silence a feed.
const maxRetryAfter = 24 * time.Hour

func (p *Poller) fetch(ctx context.Context, f *feed, etag, lastMod string) (fetched, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.URL, nil)
	if err != nil {
		return fetched{}, fmt.Errorf("request: %w", err)
	}
	req.Header.Set("User-Agent", p.cfg.UserAgent)
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1")
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	if lastMod != "" {
		req.Header.Set("If-Modified-Since", lastMod)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return fetched{}, fmt.Errorf("fetch: %w", err)
	}
	defer resp.Body.Close()

	switch {
	case resp.StatusCode == http.StatusNotModified:
		return fetched{notModified: true}, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
		at := retryAfter(resp.Header.Get("Retry-After"), p.cfg.Now())
		if at.IsZero() {
			return fetched{}, fmt.Errorf("fetch: HTTP %d", resp.StatusCode)
		}
		return fetched{retryAt: at}, fmt.Errorf("fetch: HTTP %d, retry after %s", resp.StatusCode, at.UTC().Format(time.RFC3339))
	case resp.StatusCode != http.StatusOK:
		return fetched{}, fmt.Errorf("fetch: HTTP %d", resp.StatusCode)
	}

	max := p.cfg.MaxBody
	if resp.ContentLength > max {
		return fetched{}, fmt.Errorf("feed of %d bytes, limit %d", resp.ContentLength, max)
	}
	// The limit holds after decompression too: the transport gunzips
	// transparently, so the reader below sees the inflated bytes.
	body, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return fetched{}, fmt.Errorf("feed truncated in transit after %d bytes: %w", len(body), err)
		}
		return fetched{}, fmt.Errorf("read: %w", err)
	}
	if int64(len(body)) > max {
		return fetched{}, fmt.Errorf("feed larger than the limit of %d bytes", max)
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return fetched{
		body:        body,
		base:        resp.Request.URL,
		etag:        resp.Header.Get("ETag"),
		lastMod:     resp.Header.Get("Last-Modified"),
		contentType: ct,
	}, nil
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(h string, now time.Time) time.Time {
	if h == "" {
		return time.Time{}
	}
	var d time.Duration
	if secs, err := strconv.Atoi(h); err == nil {
		d = time.Duration(min(secs, int(maxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = t.Sub(now)
	} else {
		return time.Time{}
	}
	if d <= 0 {
		return time.Time{}
	}
	return now.Add(min(d, maxRetryAfter))
}
