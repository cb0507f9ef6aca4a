package app

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"switchboard/model"
	"switchboard/store"
)

// The agent can take back what is still only in the outbox: a reply or
// note is held for the undo window before the pump may send it, and any
// op the pump has not been handed yet can be edited or cancelled (while
// offline, that is every op queued since the connection ended).

// extState is the Core's state for undo-send, outbox edits and drafts.
type extState struct {
	mu     sync.Mutex
	undo   time.Duration
	hold   map[string]time.Time // op id → not before
	handed map[string]bool      // op ids the pump has been given
}

// exts holds each Core's extState (a Core is made in one place only, and
// lives as long as the console).
var exts sync.Map // *Core → *extState

func (c *Core) ext() *extState {
	if v, ok := exts.Load(c); ok {
		return v.(*extState)
	}
	v, _ := exts.LoadOrStore(c, &extState{})
	return v.(*extState)
}

// ErrAlreadySent is returned for an op the pump has handed to the hub (or
// that was answered already): it can no longer be taken back.
var ErrAlreadySent = errors.New("this action has already gone to the hub and can no longer be changed")

// SetUndoWindow sets how long replies and notes wait in the outbox before
// they are sent, so the agent can undo them; 0 sends at once.
func (c *Core) SetUndoWindow(d time.Duration) {
	x := c.ext()
	x.mu.Lock()
	x.undo = max(d, 0)
	x.mu.Unlock()
}

// UndoWindow is the undo-send window now.
func (c *Core) UndoWindow() time.Duration {
	x := c.ext()
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.undo
}

// holdFor marks a new op as held for the undo window, before it reaches
// the outbox; it returns the window (0: not held).
func (c *Core) holdFor(op model.Op) time.Duration {
	x := c.ext()
	if op.Kind != model.OpReply && op.Kind != model.OpNote {
		return 0
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.undo <= 0 {
		return 0
	}
	if x.hold == nil {
		x.hold = map[string]time.Time{}
	}
	x.hold[op.ID] = time.Now().Add(x.undo)
	return x.undo
}

// wakeAfter wakes the pump once a hold ends.
func (c *Core) wakeAfter(d time.Duration) {
	time.AfterFunc(d+10*time.Millisecond, func() {
		c.wake()
		c.post(Change{Queue: true, Status: true})
	})
}

// sendable is the outbox as the pump may send it: up to the first op still
// held (later ops wait behind it, so ops keep their order). What it returns
// counts as handed over and can no longer be taken back.
func (c *Core) sendable() ([]model.Op, error) {
	x := c.ext()
	x.mu.Lock()
	defer x.mu.Unlock()
	ops, err := c.store.Outbox()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	handed := make(map[string]bool, len(ops))
	cut := len(ops)
	for i, op := range ops {
		if t, ok := x.hold[op.ID]; ok && now.Before(t) && i < cut {
			cut = i
		}
		if x.handed[op.ID] || i < cut {
			handed[op.ID] = true
		}
	}
	// Only ended holds go: a hold is made before its op is on disk.
	for id, t := range x.hold {
		if !now.Before(t) {
			delete(x.hold, id)
		}
	}
	x.handed = handed
	return ops[:cut], nil
}

// QueuedOp is one op of the outbox as the outbox panel lists it.
type QueuedOp struct {
	Op model.Op
	// HeldUntil is the end of its undo window (zero: not held).
	HeldUntil time.Time
	// Changeable is true while it can still be edited or cancelled.
	Changeable bool
}

// Queued lists the outbox, oldest first, with what can still be changed.
func (c *Core) Queued() ([]QueuedOp, error) {
	x := c.ext()
	x.mu.Lock()
	defer x.mu.Unlock()
	ops, err := c.store.Outbox()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	out := make([]QueuedOp, len(ops))
	for i, op := range ops {
		out[i] = QueuedOp{Op: op, Changeable: !x.handed[op.ID]}
		if t, ok := x.hold[op.ID]; ok && now.Before(t) {
			out[i].HeldUntil = t
		}
	}
	return out, nil
}

// QueuedCases is Queued with the summary of each case the outbox names,
// looked up by id: O(queued ops), never a pass over the cached cases. The
// offline banner and the outbox panel read it on every change while ops
// wait (they listed every cached case to find the few with ops: 100,000
// visited per keystroke at 100,000 cases). A case no longer in the cache
// has no entry.
func (c *Core) QueuedCases() ([]QueuedOp, map[string]model.Summary, error) {
	q, err := c.Queued()
	if err != nil {
		return nil, nil, err
	}
	cases := make(map[string]model.Summary, len(q))
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, op := range q {
		id := op.Op.CaseID
		if _, ok := cases[id]; ok {
			continue
		}
		if s, ok := c.t.get(id); ok {
			cases[id] = s
		}
	}
	return q, cases, nil
}

// Cancel takes an op back out of the outbox before it was sent: undo-send,
// or cancelling a queued action in the outbox panel.
func (c *Core) Cancel(opID string) error {
	x := c.ext()
	x.mu.Lock()
	if x.handed[opID] {
		x.mu.Unlock()
		return ErrAlreadySent
	}
	found, err := c.store.Unqueue(opID)
	delete(x.hold, opID)
	x.mu.Unlock()
	if err != nil {
		return err
	}
	if !found {
		return ErrAlreadySent
	}
	c.settle(opID)
	c.wake() // ops queued behind it may go now
	c.post(Change{Status: true})
	return nil
}

// wake kicks the outbox pump.
func (c *Core) wake() {
	c.opMu.Lock()
	k := c.kick
	c.opMu.Unlock()
	if k != nil {
		k()
	}
}

// Edit changes the text of a queued reply or note not yet sent; it keeps
// its place in the outbox.
func (c *Core) Edit(opID, text string) (model.Op, error) {
	x := c.ext()
	x.mu.Lock()
	if x.handed[opID] {
		x.mu.Unlock()
		return model.Op{}, ErrAlreadySent
	}
	ops, err := c.store.Outbox()
	if err != nil {
		x.mu.Unlock()
		return model.Op{}, err
	}
	i := slices.IndexFunc(ops, func(o model.Op) bool { return o.ID == opID })
	if i < 0 {
		x.mu.Unlock()
		return model.Op{}, ErrAlreadySent
	}
	op := ops[i]
	if op.Kind != model.OpReply && op.Kind != model.OpNote {
		x.mu.Unlock()
		return op, fmt.Errorf("only replies and notes can be edited; cancel this action instead")
	}
	op.Text = text
	if err := op.Validate(); err != nil {
		x.mu.Unlock()
		return op, err
	}
	if op.Kind == model.OpReply {
		if cs, err := c.store.CaseRecord(op.CaseID); err == nil {
			ch := cs.Channel
			if r := model.CheckReplyLength(ch, text); r != nil {
				x.mu.Unlock()
				return op, r
			}
		}
	}
	_, err = c.store.Requeue(op)
	x.mu.Unlock()
	if err != nil {
		return op, err
	}
	c.opMu.Lock()
	for j, p := range c.pending[op.CaseID] {
		if p.ID == op.ID {
			c.pending[op.CaseID][j] = op
		}
	}
	c.refresh(op.CaseID)
	c.opMu.Unlock()
	return op, nil
}

// Reconnect tries the hub now instead of at the end of the backoff wait.
func (c *Core) Reconnect() {
	c.opMu.Lock()
	cl := c.client
	c.opMu.Unlock()
	if cl != nil {
		cl.Reconnect()
	}
}

// SaveDraft keeps what the agent typed in a case's composer; an empty text
// drops it. It writes to disk: call it off the UI goroutine.
func (c *Core) SaveDraft(d store.Draft) error {
	d.At = time.Now().UTC()
	return c.store.SaveDraft(d)
}

// Draft is the case's kept draft, if any.
func (c *Core) Draft(caseID string) (store.Draft, bool) {
	d, ok, err := c.store.Draft(caseID)
	if err != nil {
		return store.Draft{}, false
	}
	return d, ok
}

// Draft is a composer's unsent text, as kept in the cache.
type Draft = store.Draft
