package hub_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"

	"switchboard/model"
	"switchboard/sync/hub"
	"switchboard/sync/wire"
)

// joinWelcome opens a caught-up session and returns the hub's welcome.
func (h *inputHub) joinWelcome(t *testing.T, name string) (*peer, wire.Welcome) {
	t.Helper()
	p := h.dialPeer(t, name, websocket.Dialer{}, nil)
	p.send(wire.Hello{Protocol: wire.Protocol, ClientID: name, Cursor: h.log.Head()})
	w := p.next("welcome", func(f wire.Frame) bool { _, ok := f.(wire.Welcome); return ok }).(wire.Welcome)
	p.next("caught_up", func(f wire.Frame) bool { _, ok := f.(wire.CaughtUp); return ok })
	return p, w
}

// An ops frame is applied in order like its ops one by one: a malformed op
// gets its bad_op (and is not applied), a refused one its reject, and the
// applied ones one acks frame, in their order, after every event up to
// the last ack's seq. The hub says in welcome that it takes them.
func TestOpsFrameAnswers(t *testing.T) {
	h := startInputHub(t, inputTiming)
	p, w := h.joinWelcome(t, "anna")
	if w.MaxOpsBatch != wire.MaxOpsBatch || w.OpRate != hub.DefaultOpRate || w.OpBurst != hub.DefaultOpBurst {
		t.Fatalf("welcome %+v: want max_ops_batch %d, op_rate %d, op_burst %d", w, wire.MaxOpsBatch, hub.DefaultOpRate, hub.DefaultOpBurst)
	}
	op := func(kind model.OpKind, c int) model.Op {
		return model.Op{ID: uuid.NewString(), Kind: kind, CaseID: h.cases[c], Created: time.Now().UTC()}
	}
	var ops []model.Op
	for i := range 120 {
		o := op(model.OpNote, i%3)
		o.Text = fmt.Sprintf("note %d", i)
		ops = append(ops, o)
	}
	bad := op(model.OpTag, 0)
	bad.Tag = "bell\a"
	stale := op(model.OpSetStatus, 1)
	stale.Status, stale.BaseVersion = model.StatusSolved, 999
	ops = append(ops[:60], append([]model.Op{bad, stale}, ops[60:]...)...)
	head := h.log.Head()
	p.send(wire.Ops{Ops: ops})

	var acks *wire.Acks
	seen := head
	var badErr *wire.Error
	var rej *wire.Reject
	for acks == nil {
		f := p.next("answers", func(wire.Frame) bool { return true })
		switch f := f.(type) {
		case wire.Events:
			seen = f.Events[len(f.Events)-1].Seq
		case wire.Error:
			badErr = &f
		case wire.Reject:
			rej = &f
		case wire.Acks:
			acks = &f
		case wire.Ack:
			t.Fatalf("an ack frame %+v in answer to an ops frame", f)
		}
	}
	if badErr == nil || badErr.Code != wire.CodeBadOp || badErr.OpID != bad.ID {
		t.Errorf("the malformed op got %+v, want bad_op naming it", badErr)
	}
	if rej == nil || rej.OpID != stale.ID || rej.Code != model.RejectStale {
		t.Errorf("the stale op got %+v, want a stale reject", rej)
	}
	if len(acks.Acks) != 120 {
		t.Fatalf("%d acks, want 120", len(acks.Acks))
	}
	want := 0
	var last uint64
	for _, o := range ops {
		if o.ID == bad.ID || o.ID == stale.ID {
			continue
		}
		a := acks.Acks[want]
		if a.OpID != o.ID || a.Seq <= last {
			t.Fatalf("ack %d: %+v after seq %d, want op %s with a later seq", want, a, last, o.ID)
		}
		last, want = a.Seq, want+1
	}
	if seen < last {
		t.Errorf("acks for events up to %d arrived after events up to %d only", last, seen)
	}
	if got := h.log.Head() - head; got != 240 {
		t.Errorf("%d events logged, want 240 (a message and a case per note)", got)
	}
	// The whole frame again: the same answers, nothing logged.
	head = h.log.Head()
	p.send(wire.Ops{Ops: ops})
	again := p.next("acks of the repeat", func(f wire.Frame) bool { _, ok := f.(wire.Acks); return ok }).(wire.Acks)
	for i := range again.Acks {
		if again.Acks[i] != acks.Acks[i] {
			t.Fatalf("repeat ack %d: %+v, first %+v", i, again.Acks[i], acks.Acks[i])
		}
	}
	if h.log.Head() != head {
		t.Errorf("the repeated frame logged %d events", h.log.Head()-head)
	}
	// An empty frame, or one over the limit, is refused whole; the session
	// goes on.
	p.send(wire.Ops{})
	p.nextError(wire.CodeBadFrame)
	over := make([]model.Op, wire.MaxOpsBatch+1)
	for i := range over {
		over[i] = op(model.OpNote, 0)
		over[i].Text = "too many"
	}
	p.send(wire.Ops{Ops: over})
	p.nextError(wire.CodeBadFrame)
	if h.log.Head() != head {
		t.Errorf("a refused ops frame logged %d events", h.log.Head()-head)
	}
	h.assertServes(t, p)
}

// Every op counts against the op budget, in ops frames as in op frames: a
// batch is not one frame of free budget. Past it the hub says
// rate_limited and closes with 1008, and the welcome says the budget.
func TestOpBudgetCountsEveryOp(t *testing.T) {
	tm := inputTiming
	tm.OpRate, tm.OpBurst = 0.01, 250
	h := startInputHub(t, tm)
	p, w := h.joinWelcome(t, "anna")
	if w.MaxOpsBatch != wire.MaxOpsBatch || w.OpBurst != 250 {
		t.Fatalf("welcome %+v: want max_ops_batch %d and op_burst 250", w, wire.MaxOpsBatch)
	}
	batch := func(n int) []model.Op {
		ops := make([]model.Op, n)
		for i := range ops {
			ops[i] = model.Op{ID: uuid.NewString(), Kind: model.OpNote, CaseID: h.cases[i%3], Text: "n"}
		}
		return ops
	}
	p.send(wire.Ops{Ops: batch(200)})
	p.next("acks", func(f wire.Frame) bool { _, ok := f.(wire.Acks); return ok })
	for range 40 {
		p.send(wire.Op{Op: batch(1)[0]}) // 240 of 250
		p.next("ack", func(f wire.Frame) bool { _, ok := f.(wire.Ack); return ok })
	}
	head := h.log.Head()
	p.send(wire.Ops{Ops: batch(20)}) // 260: over
	fs, err := p.closed()
	if !websocket.IsCloseError(err, websocket.ClosePolicyViolation) {
		t.Fatalf("over the op budget the session ended with %v, want close 1008", err)
	}
	limited := false
	for _, f := range fs {
		if e, ok := f.(wire.Error); ok && e.Code == wire.CodeRateLimited {
			limited = true
		}
	}
	if !limited {
		t.Errorf("frames before the close %v: want rate_limited", fs)
	}
	if h.log.Head() != head {
		t.Errorf("the ops over the budget logged %d events", h.log.Head()-head)
	}
	// A small budget advertises batches no larger than itself.
	tm.OpBurst = 50
	h2 := startInputHub(t, tm)
	if _, w := h2.joinWelcome(t, "ben"); w.MaxOpsBatch != 50 {
		t.Errorf("op_burst 50: max_ops_batch %d, want 50", w.MaxOpsBatch)
	}
}

// The hub applies the next ops frame while the one before is on its way
// to the disk, but answers keep the order of the frames: sent back to
// back, two ops frames, an op frame and a frame a client may not send are
// answered acks, acks, ack, unknown_type.
func TestAnswersKeepFrameOrder(t *testing.T) {
	h := startInputHub(t, inputTiming)
	p, _ := h.joinWelcome(t, "anna")
	batch := func(n int) []model.Op {
		ops := make([]model.Op, n)
		for i := range ops {
			ops[i] = model.Op{ID: uuid.NewString(), Kind: model.OpNote, CaseID: h.cases[i%3], Text: fmt.Sprintf("note %d", i)}
		}
		return ops
	}
	a, b := batch(150), batch(150)
	single := batch(1)[0]
	p.send(wire.Ops{Ops: a})
	p.send(wire.Ops{Ops: b})
	p.send(wire.Op{Op: single})
	if err := p.sendRaw([]byte(`{"type":"subscribe"}`)); err != nil {
		t.Fatal(err)
	}
	var got []string
	for len(got) < 4 {
		switch f := p.next("answers", func(wire.Frame) bool { return true }).(type) {
		case wire.Acks:
			got = append(got, "acks:"+f.Acks[0].OpID)
		case wire.Ack:
			got = append(got, "ack:"+f.OpID)
		case wire.Error:
			got = append(got, "error:"+f.Code)
		case wire.Reject:
			t.Fatalf("reject %+v", f)
		}
	}
	want := []string{"acks:" + a[0].ID, "acks:" + b[0].ID, "ack:" + single.ID, "error:" + wire.CodeUnknownType}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("answers %v, want %v", got, want)
		}
	}
}
