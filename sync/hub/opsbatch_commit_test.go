package hub

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"switchboard/model"
)

// The ops of one batch go to the disk in one transaction, and are there
// when ApplyOps returns: a copy of the folder as a kill would leave it
// answers every op as a repeat, with the same seq.
func TestApplyOpsOneDurableTransaction(t *testing.T) {
	dir := t.TempDir()
	h, l := openTestHub(t, dir)
	defer l.Close()
	var cases []string
	for i := range 3 {
		id, _, err := h.Ingest(tweet(fmt.Sprintf("t%d", i), fmt.Sprintf("p%d", i), "my bag"))
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, id)
	}
	var mu sync.Mutex
	var commits []int
	l.OnCommit(func(evs []model.Event) { // the test's, in place of the hub's ring
		mu.Lock()
		commits = append(commits, len(evs))
		mu.Unlock()
	})
	var ops []model.Op
	for i := range 200 {
		ops = append(ops, model.Op{ID: uuid.NewString(), Kind: model.OpNote, CaseID: cases[i%3], Text: fmt.Sprintf("note %d", i)})
	}
	anna := Agent{Name: "anna", Role: RoleAgent}
	as, err := h.ApplyOps(anna, ops)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	got := commits
	mu.Unlock()
	if len(got) != 1 || got[0] != 400 {
		t.Fatalf("the batch went to the disk in commits of %v events, want one of 400", got)
	}
	var last uint64
	for i, a := range as {
		if a.OpID != ops[i].ID || a.Reject != nil || a.Seq <= last {
			t.Fatalf("answer %d: %+v after seq %d, want an ack in op order", i, a, last)
		}
		last = a.Seq
	}
	_, l2 := crashCopy(t, dir)
	defer l2.Close()
	for i, op := range ops {
		prev, ok, err := l2.LookupOp("anna", op.ID, time.Now())
		if err != nil || !ok || prev.Seq != as[i].Seq {
			t.Fatalf("after a kill, op %d answers %+v (%v, %v), acknowledged with seq %d", i, prev, ok, err, as[i].Seq)
		}
	}
	// The whole batch again: every op a repeat, nothing logged twice.
	head := l.Head()
	again, err := h.ApplyOps(anna, ops)
	if err != nil {
		t.Fatal(err)
	}
	for i := range again {
		if again[i].Seq != as[i].Seq || again[i].Reject != nil {
			t.Fatalf("repeat of op %d answered %+v, first %+v", i, again[i], as[i])
		}
	}
	if l.Head() != head {
		t.Fatalf("a repeated batch logged %d events", l.Head()-head)
	}
}

// Ops that read the log while they are applied (a reply's delivery job
// reads the thread, mark_posted the message) and an op_id twice in one
// batch do not wait on the batch's own queued writes: the batch is
// answered, in order, like the same ops one by one.
func TestApplyOpsThatReadTheLogDoNotWaitOnTheBatch(t *testing.T) {
	h, l := openTestHub(t, t.TempDir())
	defer l.Close()
	id, _, err := h.Ingest(tweet("t", "p", "where is my bag"))
	if err != nil {
		t.Fatal(err)
	}
	note := model.Op{ID: uuid.NewString(), Kind: model.OpNote, CaseID: id, Text: "checking"}
	ops := []model.Op{
		note,
		{ID: uuid.NewString(), Kind: model.OpReply, CaseID: id, Text: "We are on it."},
		{ID: uuid.NewString(), Kind: model.OpTag, CaseID: id, Tag: "bags"},
		note, // a repeat inside the batch
		{ID: uuid.NewString(), Kind: model.OpReply, CaseID: id, Text: "Found it."},
		{ID: uuid.NewString(), Kind: model.OpMarkPosted, CaseID: id, MessageID: "no-such-message"},
		{ID: uuid.NewString(), Kind: model.OpNote, CaseID: id, Text: "done"},
	}
	type result struct {
		as  []OpAnswer
		err error
	}
	done := make(chan result, 1)
	go func() {
		as, err := h.ApplyOps(Agent{Name: "anna", Role: RoleAgent}, ops)
		done <- result{as, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("ApplyOps did not return: an op waited on the batch's own writes")
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	for i, a := range r.as {
		wantReject := ops[i].Kind == model.OpMarkPosted
		if a.OpID != ops[i].ID || (a.Reject != nil) != wantReject {
			t.Errorf("answer %d (%s): %+v", i, ops[i].Kind, a)
		}
	}
	if r.as[3].Seq != r.as[0].Seq {
		t.Errorf("the repeat answered seq %d, the first %d", r.as[3].Seq, r.as[0].Seq)
	}
	c, _ := h.Case(id)
	if c.MessageCount != 5 || len(c.Tags) != 1 { // the tweet, 2 notes, 2 replies
		t.Errorf("case after the batch: %d messages, tags %v; want 5 and [bags]", c.MessageCount, c.Tags)
	}
}
