package hub

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"switchboard/model"
	"switchboard/sync/wire"
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
	for try := 0; errors.Is(err, ErrConflict) && try < 3; try++ {
		// Another hub on the JetStream log changed the case since it was
		// read (jslog.go): read it again and decide afresh.
		res, wait, err = h.applyOpLocked(by, op)
	}
	h.mu.Unlock()
	if err == nil && wait != nil {
		err = wait()
	}
	if err != nil {
		return OpAnswer{}, err
	}
	return res, nil
}

// ApplyOps applies the ops of one ops frame in order, each as ApplyOp
// would (at most once per agent and op_id, with the same answers), under
// one hold of h.mu, and returns once all of them are durable: their events
// and answers go to the disk in one transaction (an open log group holds
// the committer off until the last op is queued; a batch over the log's
// maxBatch requests takes more than one). An op whose application reads
// the log in a way that waits for the disk (see groupable) seals the group
// before it. An error is the log's: none of the answers may be given, and
// the client sends the ops again (those stored answer as repeats).
func (h *Hub) ApplyOps(by Agent, ops []model.Op) ([]OpAnswer, error) {
	q := h.queueOps(by, ops)
	return q.wait()
}

// queuedOps is a batch of ops applied and queued in the log, not yet
// known to be durable.
type queuedOps struct {
	h       *Hub
	ops     []model.Op
	out     []OpAnswer
	waits   []func() error
	applied int   // ops applied (or failed) before the loop stopped
	failed  error // the log's
	start   time.Time
}

// queueOps applies ops in order under h.mu and queues what they write;
// wait says when it is durable. The session applies the next batch while
// the log commits this one.
func (h *Hub) queueOps(by Agent, ops []model.Op) *queuedOps {
	q := &queuedOps{h: h, ops: ops, out: make([]OpAnswer, len(ops)), start: time.Now()}
	var g *Group
	var inGroup map[string]bool // op ids queued behind the open group
	seal := func() {
		if g != nil {
			q.waits = append(q.waits, g.Seal())
			g, inGroup = nil, nil
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	defer seal() // never left open: nothing queued after it would be committed
	for i, op := range ops {
		// A repeat of an op queued behind the open group would wait for
		// it in LookupOp: the group is sealed first.
		if !groupable[op.Kind] || inGroup[op.ID] {
			seal()
		} else if g == nil {
			var err error
			if g, err = h.ilog.OpenGroup(); err != nil {
				q.failed = err
				return q
			}
			inGroup = map[string]bool{}
		}
		q.applied = i + 1
		a, wait, err := h.applyOpLocked(by, op)
		for try := 0; errors.Is(err, ErrConflict) && try < 3; try++ {
			a, wait, err = h.applyOpLocked(by, op) // as in ApplyOp
		}
		if err != nil {
			q.failed = err
			return q
		}
		q.out[i] = a
		if wait != nil {
			q.waits = append(q.waits, wait)
		}
		if g != nil {
			inGroup[op.ID] = true
		}
	}
	return q
}

// wait returns the answers once every op of the batch is durable, or the
// log's error (then none of them may be given).
func (q *queuedOps) wait() ([]OpAnswer, error) {
	if err := waitAll(q.waits); err != nil && q.failed == nil {
		q.failed = err
	}
	for i := range q.ops[:q.applied] {
		a, err := q.out[i], q.failed
		q.h.metrics.opDone(&q.ops[i], q.start, &a, &err)
	}
	if q.failed != nil {
		return nil, q.failed
	}
	return q.out, nil
}

// groupable are the op kinds ApplyOps applies behind an open log group:
// applying them reads nothing that waits for queued writes (LookupOp of a
// pending op, or Thread of a case with queued messages), which behind the
// still open group would wait forever. A reply (its delivery job reads the
// thread) and mark_posted (reads the message) are not; a kind added to
// applyOpLocked is not until it is known not to wait.
var groupable = map[model.OpKind]bool{
	model.OpNote: true, model.OpClaim: true, model.OpRelease: true, model.OpSetStatus: true,
	model.OpSetPriority: true, model.OpTag: true, model.OpUntag: true, model.OpLinkIdentity: true,
	model.OpUnlinkIdentity: true, model.OpDismissLink: true, model.OpMerge: true,
	model.OpSnooze: true, model.OpUnsnooze: true,
}

// opsPipe answers a session's ops frames (server.go's read loop): the
// reader applies one frame's ops and goes on to read and apply the next
// while the log commits them; one goroutine waits for each batch to be
// durable and hands its answers to the writer, in order. Any other frame
// waits for the answers before it (flush), so answers keep the order of
// the frames they answer.
type opsPipe struct {
	ss      *session
	ctx     context.Context
	log     *slog.Logger
	q       chan opsAnswer
	pending sync.WaitGroup // batches not yet answered
	done    chan struct{}
}

// opsAnswer is one ops frame on its way: frames to send first (bad_op
// errors), then the batch's answers once it is durable.
type opsAnswer struct {
	first []wire.Frame
	batch *queuedOps
}

// opsInFlight is how many ops frames may wait for the disk at once.
const opsInFlight = 2

func (ss *session) startOps(ctx context.Context, log *slog.Logger) *opsPipe {
	p := &opsPipe{ss: ss, ctx: ctx, log: log, q: make(chan opsAnswer, opsInFlight), done: make(chan struct{})}
	go p.run()
	return p
}

// apply checks each op as an op frame's is (a malformed one gets its
// bad_op and is not applied, the others are), applies the rest in order
// and queues their answers: rejects each in its frame, the applied ones
// one acks frame, which the writer holds until it has sent their events.
func (p *opsPipe) apply(ops []model.Op) {
	var a opsAnswer
	good := make([]model.Op, 0, len(ops))
	for _, op := range ops {
		if err := wire.CheckOp(op); err != nil {
			var refused wire.Error
			if !errors.As(err, &refused) {
				refused = wire.Error{Code: wire.CodeBadOp, Reason: err.Error()}
			}
			a.first = append(a.first, refused)
			continue
		}
		good = append(good, op)
	}
	if len(good) > 0 {
		a.batch = p.ss.srv.hub.queueOps(p.ss.agent, good)
	}
	p.pending.Add(1)
	select {
	case p.q <- a:
	case <-p.ctx.Done():
		p.pending.Done()
	}
}

// flush waits until the answers of every ops frame before are with the
// writer (or the session ended).
func (p *opsPipe) flush() { p.pending.Wait() }

// stop ends the pipe once what it holds is answered or dropped.
func (p *opsPipe) stop() {
	close(p.q)
	<-p.done
}

func (p *opsPipe) run() {
	defer close(p.done)
	failed := false
	for a := range p.q {
		if !failed && !p.answer(a) {
			failed = true // nothing after it is answered either
		}
		p.pending.Done()
	}
}

// answer waits for one batch and hands its answers to the writer; false
// when the session ends (the log failed: nothing of the batch is
// answered, the client sends its ops again).
func (p *opsPipe) answer(a opsAnswer) bool {
	reply := func(f wire.Frame) bool {
		select {
		case p.ss.replies <- f:
			return true
		case <-p.ctx.Done():
			return false
		}
	}
	for _, f := range a.first {
		if !reply(f) {
			return false
		}
	}
	if a.batch == nil {
		return true
	}
	as, err := a.batch.wait()
	if err != nil {
		p.log.Error("sync: apply ops", "ops", len(a.batch.ops), "first", a.batch.ops[0].ID, "err", err)
		p.ss.end(websocket.CloseInternalServerErr, "could not store the ops")
		return false
	}
	acks := make([]wire.Ack, 0, len(as))
	for _, a := range as {
		if a.Reject != nil {
			if !reply(wire.Reject{OpID: a.OpID, Code: a.Reject.Code, Reason: a.Reject.Reason, Current: a.Current}) {
				return false
			}
			continue
		}
		acks = append(acks, wire.Ack{OpID: a.OpID, Seq: a.Seq})
	}
	return len(acks) == 0 || reply(wire.Acks{Acks: acks})
}

// isOpsFrame says whether raw is an ops frame as wire.Encode writes it
// (type first); the read loop lets only those past answers still on their
// way. Another frame, or an ops frame written otherwise, waits for them.
func isOpsFrame(raw []byte) bool {
	return bytes.HasPrefix(raw, []byte(`{"type":"ops"`)) && len(raw) > 13 && (raw[13] == ',' || raw[13] == '}')
}

// answerSeq is the newest event an answer follows (an ack's or an acks
// frame's seq), which the writer sends before it; 0 for other frames.
func answerSeq(f wire.Frame) uint64 {
	switch a := f.(type) {
	case wire.Ack:
		return a.Seq
	case wire.Acks:
		var s uint64
		for _, k := range a.Acks {
			s = max(s, k.Seq)
		}
		return s
	}
	return 0
}

// isAck says whether f is an ack or an acks frame: the answers the writer
// holds back until their events are sent.
func isAck(f wire.Frame) bool {
	switch f.(type) {
	case wire.Ack, wire.Acks:
		return true
	}
	return false
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
		if j, ok := h.handoffJob(c, op, *msg); ok { // the hand-off's private message (experts.go)
			jobs = append(jobs, j)
		}
		if msg.Direction == model.DirectionOut {
			j, err := h.replyJob(target, *msg)
			if err != nil {
				return OpAnswer{}, nil, err // not answered: the console sends it again
			}
			jobs = append(jobs, j)
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

// The op budget of one connection (Timing.OpRate and OpBurst): a console
// that reconnects with a backlog of up to DefaultOpBurst ops sends it at
// once (10,000 ops in 50 frames of 200), and then DefaultOpRate a second;
// the frame limit still counts every frame. A connection past it is closed
// (rate_limited, 1008) and its ops, unanswered, are sent again.
const (
	DefaultOpRate  = 2000
	DefaultOpBurst = 20_000
)

// opCount is how many ops a frame carries, for the op budget.
func opCount(f wire.Frame) int {
	switch v := f.(type) {
	case wire.Op:
		return 1
	case wire.Ops:
		return len(v.Ops)
	}
	return 0
}
