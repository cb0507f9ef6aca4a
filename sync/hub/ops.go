package hub

import (
	"fmt"
	"slices"

	"switchboard/model"
)

// ApplyOp applies an agent's op at most once. A repeated op_id gets the
// first answer again, also after a restart: the answer is stored in the same
// transaction as the op's events.
func (h *Hub) ApplyOp(by Agent, op model.Op) (OpAnswer, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if prev, ok, err := h.log.LookupOp(op.ID); err != nil {
		return OpAnswer{}, err
	} else if ok {
		return prev, nil
	}
	now := h.cfg.Now().UTC()
	answer := OpAnswer{OpID: op.ID, At: now}
	refuse := func(r *model.Rejection, cur *model.Case) (OpAnswer, error) {
		answer.Reject, answer.Current = r, cur
		_, a, err := h.log.AppendOp(answer, nil)
		return a, err
	}
	old, ok := h.cases[op.CaseID]
	if !ok {
		return refuse(&model.Rejection{Code: model.RejectUnknownCase, Reason: fmt.Sprintf("no case %s", op.CaseID)}, nil)
	}
	cur := *old
	actor := model.Actor{Name: by.Name, Lead: by.Role == RoleLead}
	c, msg, rej := model.ApplyOp(cur, op, actor, now)
	if rej != nil {
		return refuse(rej, &cur)
	}
	var evs []model.Event
	var jobs []Job
	if msg != nil {
		evs = append(evs, model.Event{Type: model.EventMessageAdded, Time: now, Message: msg})
		if msg.Direction == model.DirectionOut {
			jobs = append(jobs, h.replyJob(c, *msg))
		}
	}
	switch op.Kind {
	case model.OpMarkPosted:
		m, err := h.message(c.ID, op.MessageID)
		if err != nil {
			return refuse(&model.Rejection{Code: model.RejectInvalid, Reason: err.Error()}, &cur)
		}
		if m.Delivery != model.DeliveryManual && m.Delivery != model.DeliveryFailed {
			return refuse(&model.Rejection{Code: model.RejectInvalid, Reason: fmt.Sprintf("the reply is %s, not waiting to be posted by hand", m.Delivery)}, &cur)
		}
		m.Delivery, m.DeliveryError = model.DeliverySent, "posted by "+by.Name
		evs = append(evs, model.Event{Type: model.EventMessageUpdated, Time: now, Message: &m})
		jobs = append(jobs, Job{ID: m.ID, CaseID: c.ID, State: JobDone})
	case model.OpMerge:
		other, ok := h.cases[op.Other]
		if !ok {
			return refuse(&model.Rejection{Code: model.RejectUnknownCase, Reason: fmt.Sprintf("no case %s to merge", op.Other)}, &cur)
		}
		if other.MergedInto != "" && other.MergedInto != c.ID {
			return refuse(&model.Rejection{Code: model.RejectInvalid, Reason: fmt.Sprintf("case %s is already merged into %s", op.Other, other.MergedInto)}, &cur)
		}
		if c.Version != cur.Version { // something changed: fold the other case in
			o := *other
			o.MergedInto, o.Status, o.Version, o.Updated = c.ID, model.StatusClosed, o.Version+1, now
			if o.Resolved.IsZero() {
				o.Resolved = now
			}
			c.MessageCount += o.MessageCount
			evs = append(evs, model.Event{Type: model.EventCaseUpserted, Time: now, Case: &o})
		}
	case model.OpLinkIdentity:
		cust, ok := h.customers[op.CustomerID]
		if !ok {
			return refuse(&model.Rejection{Code: model.RejectInvalid, Reason: fmt.Sprintf("no customer %s", op.CustomerID)}, &cur)
		}
		if !slices.ContainsFunc(cust.Identities, func(i model.Identity) bool { return i.Key() == c.Author.Key() }) {
			nc := *cust
			nc.Identities = append(slices.Clone(cust.Identities), c.Author)
			evs = append(evs, model.Event{Type: model.EventCustomerUpserted, Time: now, Customer: &nc})
		}
	}
	if c.Version != cur.Version {
		evs = append(evs, model.Event{Type: model.EventCaseUpserted, Time: now, Case: &c})
	}
	stored, a, err := h.log.AppendOp(answer, evs, jobs...)
	if err != nil {
		return OpAnswer{}, err
	}
	for _, ev := range stored {
		h.fold(ev)
	}
	if len(stored) > 0 {
		h.wake()
	}
	return a, nil
}
