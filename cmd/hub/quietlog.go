package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Repeats of one WARN or ERROR message pass at most quietPerSecond a
// second (a burst of quietBurst); the rest are counted and told in one
// line quietSummaryAfter after the first held back.
const (
	quietPerSecond    = 10
	quietBurst        = 10
	quietSummaryAfter = time.Second
	// quietMaxKeys bounds the messages tracked; messages are constant
	// strings, so this is never reached but by a bug.
	quietMaxKeys = 4096
)

// quietHandler throttles the hub's log lines of level WARN and above per
// message: a peer that sends thousands of bad webhook signatures, bodies
// or tokens gets each kind of refusal logged ten times a second, with a
// count of the rest, and cannot fill the disk. Lower levels pass as they
// are.
type quietHandler struct {
	inner slog.Handler
	st    *quietState
}

type quietState struct {
	mu   sync.Mutex
	keys map[string]*quietKey
}

type quietKey struct {
	lim        *rate.Limiter
	suppressed int
	pending    bool
}

func newQuietHandler(inner slog.Handler) *quietHandler {
	return &quietHandler{inner: inner, st: &quietState{keys: map[string]*quietKey{}}}
}

func (h *quietHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

func (h *quietHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &quietHandler{inner: h.inner.WithAttrs(as), st: h.st}
}

func (h *quietHandler) WithGroup(name string) slog.Handler {
	return &quietHandler{inner: h.inner.WithGroup(name), st: h.st}
}

func (h *quietHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelWarn {
		return h.inner.Handle(ctx, r)
	}
	h.st.mu.Lock()
	k := h.st.keys[r.Message]
	if k == nil {
		if len(h.st.keys) >= quietMaxKeys {
			h.st.mu.Unlock()
			return h.inner.Handle(ctx, r)
		}
		k = &quietKey{lim: rate.NewLimiter(quietPerSecond, quietBurst)}
		h.st.keys[r.Message] = k
	}
	if k.lim.Allow() {
		h.st.mu.Unlock()
		return h.inner.Handle(ctx, r)
	}
	k.suppressed++
	if !k.pending {
		k.pending = true
		level, msg := r.Level, r.Message
		time.AfterFunc(quietSummaryAfter, func() {
			h.st.mu.Lock()
			n := k.suppressed
			k.suppressed, k.pending = 0, false
			h.st.mu.Unlock()
			s := slog.NewRecord(time.Now(), level, msg+" (similar lines suppressed)", 0)
			s.AddAttrs(slog.Int("suppressed", n))
			_ = h.inner.Handle(context.Background(), s)
		})
	}
	h.st.mu.Unlock()
	return nil
}
