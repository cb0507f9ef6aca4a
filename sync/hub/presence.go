package hub

import (
	"sync"
	"time"

	"switchboard/sync/wire"
)

// PresenceTTL is how long a console's presence lasts without being
// repeated; consoles repeat it well within that while a case stays open.
const PresenceTTL = 45 * time.Second

// presenceBoard knows who views or types in which case, one entry per
// session, and tells every session of each change. Presence is not logged:
// it dies with the session or after PresenceTTL.
type presenceBoard struct {
	mu       sync.Mutex
	entries  map[*session]presenceEntry
	sessions map[*session]struct{}
	now      func() time.Time
}

type presenceEntry struct {
	p       wire.Presence
	expires time.Time
}

func newPresenceBoard(now func() time.Time) *presenceBoard {
	return &presenceBoard{entries: map[*session]presenceEntry{}, sessions: map[*session]struct{}{}, now: now}
}

// join registers a session and returns everyone's current presence.
func (b *presenceBoard) join(ss *session) []wire.Presence {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sessions[ss] = struct{}{}
	out := make([]wire.Presence, 0, len(b.entries))
	for _, e := range b.entries {
		out = append(out, e.p)
	}
	return out
}

// leave drops a session and tells the others it is gone.
func (b *presenceBoard) leave(ss *session) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.sessions, ss)
	if e, ok := b.entries[ss]; ok {
		delete(b.entries, ss)
		b.broadcastLocked(gone(e.p), nil)
	}
}

// set records a session's presence and tells the others.
func (b *presenceBoard) set(ss *session, p wire.Presence) {
	b.mu.Lock()
	defer b.mu.Unlock()
	old, had := b.entries[ss]
	if had && old.p.CaseID != p.CaseID && old.p.CaseID != "" {
		b.broadcastLocked(gone(old.p), ss)
	}
	if p.State == "" || p.CaseID == "" {
		delete(b.entries, ss)
		if had {
			b.broadcastLocked(gone(old.p), ss)
		}
		return
	}
	b.entries[ss] = presenceEntry{p: p, expires: b.now().Add(PresenceTTL)}
	if !had || old.p != p {
		b.broadcastLocked(p, ss)
	}
}

// sweep expires presence that was not repeated.
func (b *presenceBoard) sweep() {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	for ss, e := range b.entries {
		if now.After(e.expires) {
			delete(b.entries, ss)
			b.broadcastLocked(gone(e.p), nil)
		}
	}
}

func gone(p wire.Presence) wire.Presence { p.State = ""; return p }

// broadcastLocked hands p to every session but from. A session whose
// buffer is full is a slow consumer: it is dropped, never waited for.
func (b *presenceBoard) broadcastLocked(p wire.Presence, from *session) {
	for ss := range b.sessions {
		if ss == from {
			continue
		}
		select {
		case ss.presence <- p:
		default:
			ss.drop("slow consumer: presence buffer full")
		}
	}
}
