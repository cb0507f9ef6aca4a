package main

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"switchboard/connector"
	"switchboard/connector/forum"
	"switchboard/connector/twitter"
	"switchboard/model"
	"switchboard/sync/hub"
)

// Connectors report to the hub's status board (GET /v1/status) and its
// connector metrics through three wrappers: their sink (items stored or
// not), their HTTP client (platform calls), their webhook (deliveries).

// reportSink counts the items a connector hands to the hub.
type reportSink struct {
	connector.Sink
	rep *hub.ConnectorReport // nil: no report
}

func (s reportSink) Ingest(in model.Inbound) (string, bool, error) {
	id, dup, err := s.Sink.Ingest(in)
	switch {
	case s.rep == nil:
	case err == nil:
		s.rep.Items(1)
	case !connector.IsPermanent(err):
		// A permanent error is the item's fault (invalid), not the
		// connector's; a transient one means the hub could not store it.
		s.rep.Error(fmt.Errorf("ingest: %w", err))
	}
	return id, dup, err
}

func (s reportSink) ThreadOf(ch model.Channel, platformID string) (string, bool) {
	if f, ok := s.Sink.(twitter.ThreadFinder); ok {
		return f.ThreadOf(ch, platformID)
	}
	return "", false
}

// reportClient is an HTTP client whose calls report to rep: a network
// error, a 5xx, 401, 403 or 429 is an error, anything else a success. The
// error names method, host and path only: query strings carry tokens.
func reportClient(rep *hub.ConnectorReport) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: reportTransport{http.DefaultTransport, rep}}
}

type reportTransport struct {
	next http.RoundTripper
	rep  *hub.ConnectorReport
}

func (t reportTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	where := r.Method + " " + r.URL.Host + r.URL.Path
	switch {
	case err != nil:
		t.rep.Error(fmt.Errorf("%s: %s", where, netReason(err)))
	case resp.StatusCode >= 500, resp.StatusCode == http.StatusUnauthorized, resp.StatusCode == http.StatusForbidden,
		resp.StatusCode == http.StatusTooManyRequests:
		t.rep.Error(fmt.Errorf("%s: %s", where, resp.Status))
	default:
		t.rep.Success()
	}
	return resp, err
}

// netReason is a transport error without the URL (*url.Error prints it,
// query and all).
func netReason(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// reportHandler reports a webhook's answers: 2xx a success, 401/403 a
// refusal (a stranger, or a wrong secret here or on the platform), 5xx an
// error (the platform will deliver again).
func reportHandler(next http.Handler, rep *hub.ConnectorReport) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		switch {
		case sw.status < 300:
			rep.Success()
		case sw.status == http.StatusUnauthorized, sw.status == http.StatusForbidden:
			rep.Refused()
		case sw.status >= 500:
			rep.Error(fmt.Errorf("webhook %s answered %d: some items were not stored", r.Method, sw.status))
		}
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// reportFeeds reports one forum poll, feed by feed.
func reportFeeds(reps map[string]*hub.ConnectorReport, res []forum.FeedResult) {
	for _, r := range res {
		rep := reps[r.Feed]
		if rep == nil {
			continue
		}
		if r.Err != nil {
			rep.Error(r.Err)
		} else if !r.Deferred {
			rep.Success()
		}
		rep.Items(r.Passed)
	}
}
