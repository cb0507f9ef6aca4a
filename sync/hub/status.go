package hub

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// StatusPath is where the hub serves its connectors' status (any valid
// token).
const StatusPath = "/v1/status"

// maxStatusError caps the error text a connector's status keeps.
const maxStatusError = 300

// ConnectorStatus is one connector's state as GET /v1/status shows it.
type ConnectorStatus struct {
	// Name is unique on the hub: "twitter/@SkyWingsAir", "facebook/104000000001",
	// "forum/autoforum", "generic".
	Name string `json:"name"`
	Kind string `json:"kind"` // twitter, facebook, forum, generic
	// LastSuccess is the last poll, platform call or webhook delivery
	// that worked.
	LastSuccess time.Time `json:"last_success,omitzero"`
	// LastError and LastErrorAt are the newest failure; they stay after a
	// success, which LastSuccess being later tells.
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
	// Items counts inbound items handed to the hub since it started.
	Items int64 `json:"items"`
	// Errors counts failures since the hub started.
	Errors int64 `json:"errors"`
	// Refused counts webhook requests refused for a missing or wrong
	// signature or verify token: many of them may be a wrong secret.
	Refused int64 `json:"refused,omitempty"`
}

// StatusBoard holds the status of every connector; connectors report to it
// through their ConnectorReport.
type StatusBoard struct {
	m   *Metrics
	mu  sync.Mutex
	all map[string]*ConnectorStatus
	now func() time.Time
}

func newStatusBoard(m *Metrics) *StatusBoard {
	return &StatusBoard{m: m, all: map[string]*ConnectorStatus{}, now: time.Now}
}

// ConnectorReport is how one connector reports; safe for concurrent use.
type ConnectorReport struct {
	b    *StatusBoard
	name string
}

// Connector registers a connector (or finds it, when the name is known)
// and returns its report.
func (b *StatusBoard) Connector(kind, name string) *ConnectorReport {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.all[name]; !ok {
		b.all[name] = &ConnectorStatus{Name: name, Kind: kind}
		// Zero series show up at once: a rate() sees the first error.
		b.m.connErrors.WithLabelValues(name)
		b.m.connItems.WithLabelValues(name)
	}
	return &ConnectorReport{b: b, name: name}
}

func (r *ConnectorReport) update(f func(s *ConnectorStatus, now time.Time)) {
	r.b.mu.Lock()
	defer r.b.mu.Unlock()
	f(r.b.all[r.name], r.b.now().UTC())
}

// Success records a poll, call or delivery that worked.
func (r *ConnectorReport) Success() {
	r.update(func(s *ConnectorStatus, now time.Time) { s.LastSuccess = now })
}

// Items records n inbound items handed to the hub (a success too).
func (r *ConnectorReport) Items(n int) {
	if n <= 0 {
		return
	}
	r.b.m.connItems.WithLabelValues(r.name).Add(float64(n))
	r.update(func(s *ConnectorStatus, now time.Time) { s.Items += int64(n); s.LastSuccess = now })
}

// Error records a failure. Its text is kept short and on one line; a
// reporter must not pass secrets (connectors' reports name method, host
// and path, never a query string or a body).
func (r *ConnectorReport) Error(err error) {
	if err == nil {
		return
	}
	r.b.m.connErrors.WithLabelValues(r.name).Inc()
	msg := oneLineClip(err.Error(), maxStatusError)
	r.update(func(s *ConnectorStatus, now time.Time) { s.Errors++; s.LastError, s.LastErrorAt = msg, now })
}

// Refused records a webhook request refused for its signature or token.
func (r *ConnectorReport) Refused() {
	r.update(func(s *ConnectorStatus, _ time.Time) { s.Refused++ })
}

// Snapshot returns every connector's status, sorted by name.
func (b *StatusBoard) Snapshot() []ConnectorStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]ConnectorStatus, 0, len(b.all))
	for _, s := range b.all {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b ConnectorStatus) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Handler serves {"connectors": [...]} as JSON. Mount it behind
// Server.RequireToken.
func (b *StatusBoard) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(map[string]any{"connectors": b.Snapshot()})
	})
}

func oneLineClip(s string, limit int) string {
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " ")
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
