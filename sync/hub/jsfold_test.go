package hub

import (
	"testing"

	"switchboard/internal/natstest"
	"switchboard/model"
)

// A console that moves from a dead hub to another sends its outbox there
// at once, while that hub's fold of the stream may still be behind (its
// tail is started again seconds after a NATS node died): an op on a case
// another hub opened must be applied, not refused as an unknown case —
// the console drops a refused op for good (TestJSProcFailover saw a note
// applied 0 times and replies never delivered). The hub asks the stream.
func TestJSOpOnACaseTheHubHasNotFoldedYet(t *testing.T) {
	s := natstest.Start(t, t.TempDir())
	a, _ := jsHubAt(t, s.ClientURL())
	b, lb := jsHubAt(t, s.ClientURL())
	lb.OnFold(nil) // hub b's fold stands still, as behind a stalled tail
	id, _, err := a.Ingest(tweet("th-1", "p1", "my bag is lost"))
	if err != nil {
		t.Fatal(err)
	}
	if n := b.CaseCount(); n != 0 {
		t.Fatalf("hub b folded %d cases: the test does not stage a fold behind", n)
	}
	kim := Agent{Name: "kim", Role: RoleAgent}
	for _, op := range []model.Op{
		{ID: "note-1", Kind: model.OpNote, CaseID: id, Text: "on it"},
		{ID: "reply-1", Kind: model.OpReply, CaseID: id, Text: "Sorry, we are on it."},
	} {
		res, err := b.ApplyOp(kim, op)
		if err != nil || res.Reject != nil || res.Seq == 0 {
			t.Fatalf("%s through hub b on hub a's new case: %+v (reject %+v), %v", op.ID, res, res.Reject, err)
		}
	}
	thread, err := lb.Thread(id)
	if err != nil || len(thread) != 3 {
		t.Fatalf("the case's thread: %d messages, %v; want the tweet, the note and the reply", len(thread), err)
	}
	jobs, err := lb.Jobs(JobPending)
	if err != nil || len(jobs) != 1 || jobs[0].Reply.InReplyTo != "p1" {
		t.Fatalf("pending jobs %+v, %v: want reply-1's, in reply to p1", jobs, err)
	}
	if c, ok := b.Case(id); !ok || c.MessageCount != 3 {
		t.Fatalf("hub b's case: %+v, %v", c, ok)
	}
	// The leader's word on the case's subject: its newest event.
	if got, err := lb.lastSubjectSeq(lb.caseSubject(id)); err != nil || got != lb.Head() {
		t.Fatalf("the leader has the case's subject at %d (%v), want the head %d", got, err, lb.Head())
	}
	if got, err := lb.lastSubjectSeq(lb.caseSubject("no-such-case")); err != nil || got != 0 {
		t.Fatalf("the leader has no case's subject at %d (%v), want 0", got, err)
	}
	// A case no hub opened is still unknown, and costs no event.
	head := lb.Head()
	res, err := b.ApplyOp(kim, model.Op{ID: "note-2", Kind: model.OpNote, CaseID: "no-such-case", Text: "hm"})
	if err != nil || res.Reject == nil || res.Reject.Code != model.RejectUnknownCase {
		t.Fatalf("an op on no case: %+v, %v", res, err)
	}
	if lb.Head() != head {
		t.Fatalf("the refused op appended events (head %d → %d)", head, lb.Head())
	}
}
