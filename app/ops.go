package app

import (
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"switchboard/model"
	"switchboard/store"
)

// The console applies an agent's ops to what it shows at once, before the
// hub has answered: the view of a case is the cached case with the pending
// ops of the outbox applied by the same rule the hub uses. The hub's answer
// replaces the guess: its events carry the real state, a reject carries the
// current state and lands in the rejected list.

// Me is the agent name this console acts as (known after the first welcome).
func (c *Core) Me() string {
	if a := c.store.Agent(); a != "" {
		return a
	}
	return "me"
}

// Lead reports whether this console acts for a team lead.
func (c *Core) Lead() bool { return c.store.Role() == "lead" }

// actor is who this console acts as, for previews of ops.
func (c *Core) actor() model.Actor {
	return model.Actor{Name: c.Me(), Lead: c.Lead()}
}

// Do queues an op: it gets an id, is checked against the current view of
// its case, written to the outbox (fsynced) and shown. When Do returns nil
// the op is queued and will reach the hub. A reply or note waits the undo
// window (SetUndoWindow) first: Cancel takes it back until then. It writes
// to disk: call it off the UI goroutine.
func (c *Core) Do(op model.Op) (model.Op, error) {
	if op.ID == "" { // the UI may name the op, to undo it
		op.ID = uuid.NewString()
	}
	op.Created = time.Now().UTC()
	if err := op.Validate(); err != nil {
		return op, err
	}
	view, err := c.view(op.CaseID)
	if err != nil {
		return op, err
	}
	if op.Kind == model.OpSetStatus || op.Kind == model.OpSetPriority || op.Kind == model.OpSnooze {
		op.BaseVersion, op.BaseMessages = view.Version, view.MessageCount
	}
	// Refuse at once what the hub would refuse for sure on this view.
	if _, _, rej := model.ApplyOp(view, op, c.actor(), time.Now()); rej != nil && rej.Code != model.RejectConsent {
		return op, rej
	}
	// A reply or note is held for the undo window: marked before it is on
	// disk, so the pump never sees it unheld.
	hold := c.holdFor(op)
	c.opMu.Lock()
	defer c.opMu.Unlock()
	if err := c.store.Enqueue(op); err != nil {
		return op, err
	}
	c.queuedLocked(op)
	if hold > 0 {
		c.wakeAfter(hold)
	}
	return op, nil
}

// queuedLocked shows an op just written to the outbox and wakes the pump.
// The caller holds opMu.
func (c *Core) queuedLocked(op model.Op) {
	c.pending[op.CaseID] = append(c.pending[op.CaseID], op)
	c.refresh(op.CaseID)
	if k := c.kick; k != nil {
		k()
	}
}

// Outbox returns the ops waiting for the hub, oldest first.
func (c *Core) Outbox() ([]model.Op, error) { return c.store.Outbox() }

// IsPending reports whether the op with this id is still in the outbox of
// its case (not yet answered by the hub). Memory only.
func (c *Core) IsPending(caseID, opID string) bool {
	c.opMu.Lock()
	defer c.opMu.Unlock()
	return slices.ContainsFunc(c.pending[caseID], func(op model.Op) bool { return op.ID == opID })
}

// Pending is the number of ops waiting for the hub.
func (c *Core) Pending() int {
	c.opMu.Lock()
	defer c.opMu.Unlock()
	n := 0
	for _, ops := range c.pending {
		n += len(ops)
	}
	return n
}

// Rejected lists the ops the hub refused, oldest first. It reads memory
// only: the list is loaded at Open and kept in step with the store.
func (c *Core) Rejected() ([]store.RejectedOp, error) {
	c.opMu.Lock()
	defer c.opMu.Unlock()
	return slices.Clone(c.rejected), nil
}

// loadRejected rereads the rejected list. The caller holds opMu.
func (c *Core) loadRejected() error {
	ros, err := c.store.RejectedOps()
	if err != nil {
		return err
	}
	slices.SortFunc(ros, func(a, b store.RejectedOp) int { return a.At.Compare(b.At) })
	c.rejected = ros
	return nil
}

// Discard drops a rejected op.
func (c *Core) Discard(opID string) error {
	c.opMu.Lock()
	defer c.opMu.Unlock()
	if err := c.store.Resolve(opID, nil); err != nil {
		return err
	}
	c.post(Change{Rejected: true})
	return c.loadRejected()
}

// Retry queues a rejected op again as a new op against the case as it is
// now; a reply refused because someone else holds the case is sent with
// the agent's confirmation.
func (c *Core) Retry(opID string) (model.Op, error) {
	ros, _ := c.Rejected()
	i := slices.IndexFunc(ros, func(r store.RejectedOp) bool { return r.Op.ID == opID })
	if i < 0 {
		return model.Op{}, fmt.Errorf("no rejected op %s", opID)
	}
	op := ros[i].Op
	op.ID, op.Created = uuid.NewString(), time.Now().UTC()
	if op.Kind == model.OpReply && ros[i].Reject.Code == model.RejectClaimed {
		op.Confirm = true
	}
	view, err := c.view(op.CaseID)
	if err != nil {
		return op, err
	}
	if op.BaseVersion != 0 {
		op.BaseVersion, op.BaseMessages = view.Version, view.MessageCount
	}
	c.opMu.Lock()
	defer c.opMu.Unlock()
	if err := c.store.Resolve(opID, &op); err != nil {
		return op, err
	}
	if err := c.loadRejected(); err != nil {
		return op, err
	}
	c.queuedLocked(op)
	c.post(Change{Rejected: true})
	return op, nil
}

// view is the case as the agent should see it: cached state plus pending ops.
func (c *Core) view(id string) (model.Case, error) {
	cs, err := c.store.CaseRecord(id)
	if err != nil {
		return cs, err
	}
	c.opMu.Lock()
	ops := slices.Clone(c.pending[id])
	c.opMu.Unlock()
	v, _ := overlay(cs, ops, c.actor())
	return v, nil
}

// overlay applies pending ops to a case and returns the view and the
// messages the ops add, marked as waiting for the hub.
func overlay(cs model.Case, ops []model.Op, me model.Actor) (model.Case, []model.Message) {
	var msgs []model.Message
	for _, op := range ops {
		next, msg, rej := model.ApplyOp(cs, op, me, op.Created)
		if rej != nil {
			continue // the hub will say so; show the case without it
		}
		cs = next
		if msg != nil {
			msg.Delivery = model.DeliveryPending
			msgs = append(msgs, *msg)
		}
	}
	return cs, msgs
}

// refresh recomputes the queue entry of a case from cache and pending ops.
// The caller holds opMu.
func (c *Core) refresh(id string) { c.refreshMany([]string{id}) }

// refreshMany is refresh for the cases of ids at once: the case records
// not at hand read in one transaction, the rows filed under one hold of
// the index lock, one change posted. A case with ops still pending keeps
// its record at hand (bases) until the cache next writes it: an outbox
// drain refreshes each case when the hub's events for its ops arrive and
// again when their acks do, and decoding its JSON twice was most of the
// console's share of the drain. The caller holds opMu.
func (c *Core) refreshMany(ids []string) {
	c.watchSnoozes() // the wake timer knows this table's snoozes (snooze.go)
	if len(ids) == 0 {
		return
	}
	var need []string
	for _, id := range ids {
		if _, ok := c.bases[id]; !ok {
			need = append(need, id)
		}
	}
	if len(need) > 0 {
		read, err := c.store.CaseRecords(need)
		if err != nil { // a record that does not decode: the others still
			read = map[string]model.Case{}
			for _, id := range need {
				if cs, err := c.store.CaseRecord(id); err == nil {
					read[id] = cs
				}
			}
		}
		if c.bases == nil {
			c.bases = make(map[string]model.Case, len(read))
		}
		for id, cs := range read {
			c.bases[id] = cs
		}
	}
	me := c.actor()
	sums := make([]model.Summary, 0, len(ids))
	done := make([]string, 0, len(ids))
	for _, id := range ids {
		cs, ok := c.bases[id]
		if !ok {
			continue // not cached (yet)
		}
		ops := c.pending[id]
		if len(ops) == 0 {
			delete(c.bases, id)
		}
		v, _ := overlay(cs, ops, me)
		sums = append(sums, v.Summary())
		done = append(done, id)
	}
	if len(sums) == 0 {
		return
	}
	c.mu.Lock()
	for _, s := range sums {
		c.t.put(s)
	}
	c.mu.Unlock()
	c.post(Change{Queue: true, Cases: done})
}

// forget drops the case records at hand of cases the cache has just
// written (all of them: nil). The caller holds opMu.
func (c *Core) forget(ids []string) {
	if ids == nil {
		clear(c.bases)
		return
	}
	for _, id := range ids {
		delete(c.bases, id)
	}
}

// settle drops an answered op from the pending view.
func (c *Core) settle(opID string) {
	c.opMu.Lock()
	defer c.opMu.Unlock()
	for id, ops := range c.pending {
		if i := slices.IndexFunc(ops, func(o model.Op) bool { return o.ID == opID }); i >= 0 {
			c.pending[id] = slices.Delete(ops, i, i+1)
			if len(c.pending[id]) == 0 {
				delete(c.pending, id)
			}
			c.refresh(id)
			return
		}
	}
}

// RejectedOp is an op the hub refused, as the UI lists it.
type RejectedOp = store.RejectedOp
