package twitter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxResponse caps what is read of an API answer: a full mentions page
// with its users is well under 1 MiB.
const maxResponse = 4 << 20

// APIError is an unsuccessful answer of the X API, with the problem
// details X sends (RFC 7807 style: title, detail, type).
type APIError struct {
	Method, Path string
	Status       int
	Title        string
	Detail       string
	Type         string
}

func (e *APIError) Error() string {
	msg := e.Detail
	if msg == "" {
		msg = e.Title
	}
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	return fmt.Sprintf("twitter: %s %s: %d %s", e.Method, e.Path, e.Status, msg)
}

// Unwrap lets errors.Is(err, ErrDuplicate) find X's duplicate refusal.
func (e *APIError) Unwrap() error {
	if e.Status == http.StatusForbidden && strings.Contains(strings.ToLower(e.Detail+" "+e.Title), "duplicate") {
		return ErrDuplicate
	}
	return nil
}

// ErrDuplicate is X refusing a tweet identical to one the account posted
// recently. After a send whose outcome was unknown, it suggests the first
// attempt did get through; the error is permanent either way.
var ErrDuplicate = errors.New("X refused duplicate content")

// RateLimitError says X refused a call (429), or will, until Reset.
// It is transient: the caller waits until Reset and tries again.
type RateLimitError struct {
	Path  string
	Reset time.Time
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("twitter: %s: rate limited until %s", e.Path, e.Reset.UTC().Format(time.RFC3339))
}

// problem is X's error body: v2 problem details, or an errors array.
type problem struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Type   string `json:"type"`
	Errors []struct {
		Message string `json:"message"`
		Title   string `json:"title"`
		Detail  string `json:"detail"`
	} `json:"errors"`
}

func apiError(method, path string, status int, body []byte) *APIError {
	e := &APIError{Method: method, Path: path, Status: status}
	var p problem
	if json.Unmarshal(body, &p) == nil {
		e.Title, e.Detail, e.Type = p.Title, p.Detail, p.Type
		if len(p.Errors) > 0 {
			first := p.Errors[0]
			if e.Detail == "" {
				e.Detail = first.Detail
			}
			if e.Detail == "" {
				e.Detail = first.Message
			}
			if e.Title == "" {
				e.Title = first.Title
			}
		}
	}
	e.Detail = clip(e.Detail, 300)
	e.Title = clip(e.Title, 100)
	return e
}

// rateReset reads x-rate-limit-reset (unix seconds).
func rateReset(h http.Header) (time.Time, bool) {
	v := strings.TrimSpace(h.Get("x-rate-limit-reset"))
	if v == "" {
		return time.Time{}, false
	}
	sec, err := strconv.ParseInt(v, 10, 64)
	if err != nil || sec <= 0 {
		return time.Time{}, false
	}
	return time.Unix(sec, 0), true
}

// exhausted reports whether x-rate-limit-remaining says the window is used up.
func exhausted(h http.Header) bool {
	return strings.TrimSpace(h.Get("x-rate-limit-remaining")) == "0"
}

// response is a read API answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// call sends req with a bearer token and reads the answer (capped).
func call(ctx context.Context, client *http.Client, req *http.Request, token string) (response, error) {
	req = req.WithContext(ctx)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return response{}, fmt.Errorf("twitter: %s %s: %w", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return response{}, fmt.Errorf("twitter: %s %s: read answer: %w", req.Method, req.URL.Path, err)
	}
	if len(body) > maxResponse {
		return response{}, fmt.Errorf("twitter: %s %s: answer larger than %d bytes", req.Method, req.URL.Path, maxResponse)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: body}, nil
}

// unescape undoes the HTML escaping X applies to tweet text (&amp; &lt;
// &gt; only; anything else is literal text).
func unescape(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
