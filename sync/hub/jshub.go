package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"switchboard/connector"
	"switchboard/model"
)

// NewOnJS builds a hub on a JetStream log, as New does, and folds into
// its memory the cases and customers other hubs append to the stream
// from then on (the tail of the stream, jslog.go). Events appended while
// New loads the replica's state are folded once New is done (the fold
// reads the replica's newest state, so a fold twice changes nothing).
func NewOnJS(l *JSLog, cfg Config) (*Hub, error) {
	var h *Hub
	gate := make(chan struct{})
	l.OnFold(func(evs []model.Event) {
		<-gate
		if h != nil {
			h.foldForeign(l, evs)
		}
	})
	h, err := New(l, cfg)
	if err != nil {
		h = nil
		close(gate)
		l.OnFold(nil)
		return nil, err
	}
	close(gate)
	return h, nil
}

// foldForeign folds another hub's case and customer events, from the
// replica's newest state of each (never older than what the hub holds:
// the replica has folded the hub's own writes before they were answered).
func (h *Hub) foldForeign(l *JSLog, evs []model.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	done := map[string]bool{}
	for _, ev := range evs {
		switch {
		case ev.Case != nil:
			if done["c"+ev.Case.ID] {
				continue
			}
			done["c"+ev.Case.ID] = true
			c, ok, err := l.rep.Case(ev.Case.ID)
			if err != nil || !ok {
				h.cfg.Logger.Error("hub: fold another hub's case", "case", ev.Case.ID, "err", err)
				continue
			}
			h.fold(model.Event{Type: model.EventCaseUpserted, Case: &c})
		case ev.Customer != nil:
			if done["u"+ev.Customer.ID] {
				continue
			}
			done["u"+ev.Customer.ID] = true
			c, ok, err := l.rep.customer(ev.Customer.ID)
			if err != nil || !ok {
				h.cfg.Logger.Error("hub: fold another hub's customer", "customer", ev.Customer.ID, "err", err)
				continue
			}
			h.fold(model.Event{Type: model.EventCustomerUpserted, Customer: &c})
		}
	}
}

// customer reads a customer's stored state.
func (l *BoltLog) customer(id string) (model.Customer, bool, error) {
	var c model.Customer
	found := false
	err := l.db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketCustomers).Get([]byte(id))
		if raw == nil {
			return nil
		}
		found = true
		return json.Unmarshal(raw, &c)
	})
	if err != nil {
		return model.Customer{}, false, fmt.Errorf("hub: read customer %s: %w", id, err)
	}
	return c, found, nil
}

// ReconcileOrphans reconciles (on the JetStream log; on bbolt it returns
// at once), every interval until ctx ends, the
// delivery jobs a hub that is no longer alive left sending (RunDelivery
// reconciles a hub's own only when it starts): found on the platform they
// count as sent, not found they are sent again, with no way to know they
// fail with a note. Of several hubs reconciling one job one writes it.
//
// First it restores missing jobs (restoreJobs).
func (h *Hub) ReconcileOrphans(ctx context.Context, senders map[model.Channel]connector.Sender, every time.Duration) {
	l, ok := h.log.(*JSLog)
	if !ok {
		return // one hub on bbolt: RunDelivery reconciles at its start
	}
	// Until it succeeds (it was tried once): a hub starting while the
	// cluster elects a leader may not read a thread or write a job at
	// once.
	restored := false
	restore := func() {
		n, err := h.restoreJobs(l)
		if err != nil {
			h.cfg.Logger.Warn("delivery: restore missing jobs, will retry", "err", err)
			return
		}
		restored = true
		if n > 0 {
			h.cfg.Logger.Warn("delivery: restored the jobs of queued replies a stopped hub left without one", "jobs", n)
			h.wake()
		}
	}
	restore()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !restored {
			restore()
		}
		jobs, err := h.log.Jobs(JobSending)
		if err != nil {
			h.cfg.Logger.Error("delivery: list orphaned jobs", "err", err)
			continue
		}
		if len(jobs) > 0 {
			h.cfg.Logger.Warn("delivery: reconciling jobs a stopped hub left sending", "jobs", len(jobs))
			h.reconcile(ctx, senders)
			h.wake()
		}
	}
}

// lead runs run once per team: on bbolt (one hub) at once, on the
// JetStream log while this hub holds the named lease (JSLog.Lead; another
// hub takes it within HubTTL of this one stopping). The triager and the
// service-level evaluator run so: with several hubs the model is asked
// once per message and a breach is logged once.
func (h *Hub) lead(ctx context.Context, name string, run func(context.Context)) {
	if l, ok := h.log.(*JSLog); ok {
		l.Lead(ctx, name, run)
		return
	}
	run(ctx)
}

// restoreJobs writes the delivery job of every reply the replica holds
// as queued while the jobs bucket has no job for it, and says how many it
// wrote. An op's jobs travel in its last stream message and every hub
// that folds it writes them (repairLoop), but a hub that folded the op
// and stopped before its repair landed does not fold it again: without
// this the reply would stay queued for good. Create-only: a job any hub
// wrote (taken, sent or failed since) stays as it is, so nothing is sent
// twice.
func (h *Hub) restoreJobs(l *JSLog) (int, error) {
	type queued struct {
		c   model.Case
		msg model.Message
	}
	var found []queued
	var cur model.Case
	_, err := l.rep.Snapshot(func(ev model.Event) error {
		switch {
		case ev.Type == model.EventCaseUpserted && ev.Case != nil:
			cur = *ev.Case
		case ev.Type == model.EventMessageAdded && ev.Message != nil:
			m := ev.Message
			if m.Direction == model.DirectionOut && m.Delivery == model.DeliveryQueued && m.PlatformID == "" && !m.Deleted &&
				m.CaseID == cur.ID && !l.hasJob(m.ID) {
				found = append(found, queued{cur, *m})
			} else if _, ok := h.handoffJob(cur, model.Op{Kind: model.OpAskExpert}, *m); ok && m.CaseID == cur.ID && !m.Deleted && !l.hasJob(m.ID) {
				found = append(found, queued{cur, *m}) // a hand-off's private message still queued (experts.go)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, q := range found {
		j, handoff := h.handoffJob(q.c, model.Op{Kind: model.OpAskExpert}, q.msg)
		if !handoff {
			var err error
			if j, err = h.replyJob(q.c, q.msg); err != nil {
				return n, err
			}
		}
		ok, err := l.createJob(j)
		if err != nil {
			return n, fmt.Errorf("job %s: %w", q.msg.ID, err)
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// unfoldedCase reads a case the hub's memory does not hold (fullCase). On
// bbolt there is none. On the JetStream log it may be another hub's new
// case that this hub's fold has not reached: the fold runs behind the
// stream, seconds behind when a NATS node died and the tail is started
// again. A console that moved here from the dead hub sends its outbox at
// once; an op on such a case answered unknown_case would be dropped by
// the console for good (TestJSProcFailover: a note applied 0 times). The
// stream's leader says whether the case exists (JSLog.Case waits for the
// replica to hold its newest event); when it does, it is folded in now.
func (h *Hub) unfoldedCase(id string) (model.Case, bool, error) {
	l, ok := h.log.(*JSLog)
	if !ok {
		return model.Case{}, false, nil
	}
	c, ok, err := l.Case(id)
	if err != nil || !ok {
		return model.Case{}, false, err
	}
	h.fold(model.Event{Type: model.EventCaseUpserted, Case: &c})
	return c, true, nil
}
