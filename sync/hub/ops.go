package hub

import (
	"fmt"
	"slices"
	"time"

	"switchboard/model"
)

// ApplyOp applies an agent's op at most once. A repeated op_id of the same
// agent gets the first answer again, also after a restart: the answer is
// stored in the same transaction as the op's events. An op id is the
// agent's own: another agent's op with the same id is applied on its own.
// Answers that changed nothing are recognised for OpWindow (ledger.go).
//
// The answer is given once it is durable; the op's events and its answer
// go to the disk with other ops' and ingests' in one transaction (group
// commit), and h.mu is not held while they do.
func (h *Hub) ApplyOp(by Agent, op model.Op) (res OpAnswer, err error) {
	defer h.metrics.opDone(&op, time.Now(), &res, &err)
	h.mu.Lock()
	res, wait, err := h.applyOpLocked(by, op)
	h.mu.Unlock()
	if err == nil && wait != nil {
		err = wait()
	}
	if err != nil {
		return OpAnswer{}, err
	}
	return res, nil
}

func (h *Hub) applyOpLocked(by Agent, op model.Op) (OpAnswer, func() error, error) {
	now := h.cfg.Now().UTC()
	if prev, ok, err := h.log.LookupOp(by.Name, op.ID, now); err != nil {
		return OpAnswer{}, nil, err
	} else if ok {
		return prev, nil, nil
	}
	answer := OpAnswer{OpID: op.ID, At: now}
	refuse := func(r *model.Rejection, cur *model.Case) (OpAnswer, func() error, error) {
		answer.Reject, answer.Current = r, cur
		_, a, wait, err := h.ilog.AppendOpAsync(by.Name, answer, nil)
		return a, wait, err
	}
	cur, ok, err := h.fullCase(op.CaseID)
	if err != nil {
		return OpAnswer{}, nil, err
	}
	if !ok {
		// Not recorded: it changed nothing, names nothing the hub holds, and
		// a repeat gets the same answer anyway (case ids are the hub's).
		answer.Reject = &model.Rejection{Code: model.RejectUnknownCase, Reason: fmt.Sprintf("no case %s", op.CaseID)}
		return answer, nil, nil
	}
	actor := model.Actor{Name: by.Name, Lead: by.Role == RoleLead}
	c, msg, rej := model.ApplyOp(cur, op, actor, now)
	if rej == nil && op.Kind == model.OpAskExpert {
		rej = h.checkHandoffLocked(cur, op)
	}
	if rej != nil {
		return refuse(rej, &cur)
	}
	var evs []model.Event
	var jobs []Job
	if msg != nil {
		// A reply via a merged case goes out on that case's channel and
		// thread, and is kept in its thread.
		target := c
		if op.Via != "" && op.Via != c.ID {
			t, ok, err := h.fullCase(op.Via)
			if err != nil {
				return OpAnswer{}, nil, err
			}
			if !ok {
				return refuse(&model.Rejection{Code: model.RejectUnknownCase, Reason: fmt.Sprintf("no case %s to reply via", op.Via)}, &cur)
			}
			target = t
			if rej := model.CheckReplyLength(t.Channel, op.Text); op.Kind == model.OpReply && rej != nil {
				return refuse(rej, &cur)
			}
			msg.CaseID, msg.Author.Platform = t.ID, t.Channel
			if msg.Direction == model.DirectionOut {
				msg.Public = t.Public
			}
		}
		evs = append(evs, model.Event{Type: model.EventMessageAdded, Time: now, Message: msg})
		if msg.Direction == model.DirectionOut {
			jobs = append(jobs, h.replyJob(target, *msg))
		}
	}
	switch op.Kind {
	case model.OpMarkPosted:
		m, err := h.message(c.ID, op.MessageID)
		for _, other := range c.Merged {
			if err == nil {
				break
			}
			m, err = h.message(other, op.MessageID)
		}
		if err != nil {
			return refuse(&model.Rejection{Code: model.RejectInvalid, Reason: err.Error()}, &cur)
		}
		if m.Direction != model.DirectionOut {
			return refuse(&model.Rejection{Code: model.RejectInvalid, Reason: fmt.Sprintf("message %s is not a reply (it is %s); only a reply waiting to be posted by hand can be marked posted", m.ID, directionName(m.Direction))}, &cur)
		}
		if m.Delivery != model.DeliveryManual && m.Delivery != model.DeliveryFailed {
			return refuse(&model.Rejection{Code: model.RejectInvalid, Reason: fmt.Sprintf("the reply is %s, not waiting to be posted by hand", m.Delivery)}, &cur)
		}
		m.Delivery, m.DeliveryError = model.DeliverySent, "posted by "+by.Name
		evs = append(evs, model.Event{Type: model.EventMessageUpdated, Time: now, Message: &m})
		jobs = append(jobs, Job{ID: m.ID, CaseID: m.CaseID, State: JobDone})
	case model.OpMerge:
		other, ok, err := h.fullCase(op.Other)
		if err != nil {
			return OpAnswer{}, nil, err
		}
		if !ok {
			return refuse(&model.Rejection{Code: model.RejectUnknownCase, Reason: fmt.Sprintf("no case %s to merge", op.Other)}, &cur)
		}
		if other.MergedInto != "" && other.MergedInto != c.ID {
			return refuse(&model.Rejection{Code: model.RejectInvalid, Reason: fmt.Sprintf("case %s is already merged into %s", op.Other, other.MergedInto)}, &cur)
		}
		if c.Version != cur.Version { // something changed: fold the other case in
			o := other
			o.MergedInto, o.Status, o.Version, o.Updated = c.ID, model.StatusClosed, o.Version+1, now
			if o.Resolved.IsZero() {
				o.Resolved = now
			}
			c.MessageCount += o.MessageCount
			evs = append(evs, model.Event{Type: model.EventCaseUpserted, Time: now, Case: &o})
		}
	case model.OpDismissLink:
		if _, ok := h.customers[op.CustomerID]; !ok {
			return refuse(&model.Rejection{Code: model.RejectInvalid, Reason: fmt.Sprintf("no customer %s", op.CustomerID)}, &cur)
		}
	case model.OpLinkIdentity, model.OpUnlinkIdentity:
		cust, ok := h.customers[op.CustomerID]
		if !ok {
			return refuse(&model.Rejection{Code: model.RejectInvalid, Reason: fmt.Sprintf("no customer %s", op.CustomerID)}, &cur)
		}
		key := c.Author.Key()
		nc := *cust
		if op.Kind == model.OpLinkIdentity {
			if owner, ok := h.idents[key]; ok && owner != op.CustomerID {
				return refuse(&model.Rejection{Code: model.RejectInvalid, Reason: fmt.Sprintf("%s is linked to customer %s; unlink it there first", c.Author.Handle, owner)}, &cur)
			}
			// The hub records who took the consent and when, not the console.
			consent := *op.Consent
			consent.By, consent.At = by.Name, now
			nc.Link(c.Author, consent)
			moved, err := h.relinkCasesLocked([]string{key}, "", nc.ID, now)
			if err != nil {
				return OpAnswer{}, nil, err
			}
			evs = append(evs, moved...)
		} else if nc.Unlink(key, by.Name, now) {
			moved, err := h.relinkCasesLocked([]string{key}, nc.ID, "", now)
			if err != nil {
				return OpAnswer{}, nil, err
			}
			evs = append(evs, moved...)
		}
		// c itself is written below, with the op's change.
		evs = slices.DeleteFunc(evs, func(ev model.Event) bool { return ev.Case != nil && ev.Case.ID == c.ID })
		if !sameJSON(*cust, nc) {
			evs = append(evs, model.Event{Type: model.EventCustomerUpserted, Time: now, Customer: &nc})
		}
	}
	if c.Version != cur.Version {
		evs = append(evs, model.Event{Type: model.EventCaseUpserted, Time: now, Case: &c})
	}
	stored, a, wait, err := h.ilog.AppendOpAsync(by.Name, answer, evs, jobs...)
	if err != nil {
		return OpAnswer{}, nil, err
	}
	for _, ev := range stored {
		h.fold(ev)
	}
	h.metrics.markAppended(stored)
	return a, wait, nil
}

// directionName says what a message is, for a reject reason.
func directionName(d model.Direction) string {
	switch d {
	case model.DirectionIn:
		return "a customer's message"
	case model.DirectionNote:
		return "a note"
	}
	return string(d)
}
