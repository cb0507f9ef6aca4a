package hub

import (
	"cmp"
	"slices"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"

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
	msg     *websocket.PreparedMessage // p, encoded for the sessions that join
	expires time.Time
}

func newPresenceBoard(now func() time.Time) *presenceBoard {
	return &presenceBoard{entries: map[*session]presenceEntry{}, sessions: map[*session]struct{}{}, now: now}
}

// join registers a session and queues everyone's current presence for it
// (all of it: the queue coalesces, it does not overflow).
func (b *presenceBoard) join(ss *session) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sessions[ss] = struct{}{}
	for _, e := range b.entries {
		ss.offerPresence(e.p, e.msg)
	}
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
	e := presenceEntry{p: p, msg: old.msg, expires: b.now().Add(PresenceTTL)}
	if !had || old.p != p {
		e.msg = b.broadcastLocked(p, ss)
	}
	b.entries[ss] = e
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

// broadcastLocked hands p to every session but from. Each session keeps
// the latest presence per agent, console and case until its writer sends
// it, so a burst of changes never overflows a buffer: a bystander gets
// the newest state, not every step.
func (b *presenceBoard) broadcastLocked(p wire.Presence, from *session) *websocket.PreparedMessage {
	msg := preparePresence(p) // encoded once for every session
	for ss := range b.sessions {
		if ss != from {
			ss.offerPresence(p, msg)
		}
	}
	return msg
}

// preparePresence encodes p once for every connection that sends it.
func preparePresence(p wire.Presence) *websocket.PreparedMessage {
	b, err := wire.Encode(p)
	if err != nil {
		panic(err) // a presence frame has bounded fields: it always encodes
	}
	msg, err := websocket.NewPreparedMessage(websocket.TextMessage, b)
	if err != nil {
		panic(err)
	}
	return msg
}

// maxPendingPresence bounds what a session holds for its writer. Keys are
// one per other console and case it moved through since the writer last
// ran; only a writer stuck on a peer that does not read gets near it.
const maxPendingPresence = 10_000

// presenceKey names one line of presence: an agent's console in a case.
type presenceKey struct{ agent, client, caseID string }

type queuedPresence struct {
	p     wire.Presence
	msg   *websocket.PreparedMessage
	order uint64
}

// offerPresence queues p for the writer, replacing what was queued under
// the same key. The writer sends the latest of each key, in the order of
// those latest changes, so a console that keeps one presence per agent (or
// one per case) ends where the board is.
func (ss *session) offerPresence(p wire.Presence, msg *websocket.PreparedMessage) {
	ss.pmu.Lock()
	if ss.pending == nil {
		ss.pending = map[presenceKey]queuedPresence{}
	}
	ss.porder++
	ss.pending[presenceKey{p.Agent, p.ClientID, p.CaseID}] = queuedPresence{p: p, msg: msg, order: ss.porder}
	n := len(ss.pending)
	ss.pmu.Unlock()
	if n > maxPendingPresence {
		ss.drop("slow consumer: presence backlog")
		return
	}
	select {
	case ss.pwake <- struct{}{}:
	default: // the writer has been woken already
	}
}

// takePresence hands the writer everything queued, oldest change first.
func (ss *session) takePresence() []*websocket.PreparedMessage {
	ss.pmu.Lock()
	q := ss.pending
	ss.pending = nil
	ss.pmu.Unlock()
	qs := make([]queuedPresence, 0, len(q))
	for _, e := range q {
		qs = append(qs, e)
	}
	slices.SortFunc(qs, func(a, b queuedPresence) int { return cmp.Compare(a.order, b.order) })
	out := make([]*websocket.PreparedMessage, len(qs))
	for i, e := range qs {
		out[i] = e.msg
	}
	return out
}

// presenceGate passes a session's own presence to the board at most
// Timing.PresenceRate a second (a token bucket). Presence sent faster is
// held, the latest replacing the earlier, and passed on when the bucket
// allows: never dropped as a whole, never a reason to close.
type presenceGate struct {
	mu      sync.Mutex
	lim     *rate.Limiter
	held    *wire.Presence
	timer   *time.Timer
	stopped bool
}

// ownPresence is the reader's way in for the session's own presence.
func (ss *session) ownPresence(p wire.Presence) {
	g := &ss.gate
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopped {
		return
	}
	if g.timer == nil && g.lim.Allow() {
		ss.srv.presence.set(ss, p)
		return
	}
	g.held = &p
	if g.timer == nil {
		g.timer = time.AfterFunc(g.lim.Reserve().Delay(), ss.flushPresence)
	}
}

func (ss *session) flushPresence() {
	g := &ss.gate
	g.mu.Lock()
	defer g.mu.Unlock()
	g.timer = nil
	if g.stopped || g.held == nil {
		return
	}
	ss.srv.presence.set(ss, *g.held)
	g.held = nil
}

// stopPresence ends the gate before the session leaves the board, so no
// held presence comes back after the leave.
func (ss *session) stopPresence() {
	g := &ss.gate
	g.mu.Lock()
	defer g.mu.Unlock()
	g.stopped = true
	if g.timer != nil {
		g.timer.Stop()
	}
}
