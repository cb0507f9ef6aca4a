package hub

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/internal/natstest"
	"switchboard/model"
)

// A reply whose hub cannot read the case's thread (the cluster electing
// a leader) is not applied: built without the thread, its job would have
// no message to reply to and fail for good ("no tweet to reply to", seen
// in TestJSProcFailover). The console sends it again and it goes out in
// reply to the customer's tweet.
func TestJSReplyNotAppliedWithoutItsThread(t *testing.T) {
	s := natstest.Start(t, t.TempDir())
	h, l := jsHubAt(t, s.ClientURL())
	id, _, err := h.Ingest(tweet("th-1", "p1", "my bag is lost"))
	if err != nil {
		t.Fatal(err)
	}
	unavailable := errors.New("test: the cluster has no leader")
	fail := func() error { return unavailable }
	l.testThread.Store(&fail)
	kim := Agent{Name: "kim", Role: RoleAgent}
	op := model.Op{ID: "reply-1", Kind: model.OpReply, CaseID: id, Text: "Sorry, we are on it."}
	head := l.Head()
	if res, err := h.ApplyOp(kim, op); !errors.Is(err, unavailable) {
		t.Fatalf("a reply whose thread cannot be read: %+v (reject %+v), %v; want the read's error", res, res.Reject, err)
	}
	if l.Head() != head {
		t.Fatalf("the reply appended events (head %d → %d) without its thread", head, l.Head())
	}
	l.testThread.Store(nil)
	if res, err := h.ApplyOp(kim, op); err != nil || res.Reject != nil {
		t.Fatalf("the reply sent again: %+v, %v", res, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		jobs, err := l.Jobs(JobPending)
		if err != nil {
			t.Fatal(err)
		}
		if len(jobs) == 1 {
			if jobs[0].Reply.InReplyTo != "p1" {
				t.Fatalf("the reply's job answers %q, want the tweet p1", jobs[0].Reply.InReplyTo)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pending jobs %+v, want reply-1's", jobs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A hub restoring the job of a queued reply (ReconcileOrphans) while it
// cannot read the reply's thread writes no job (it would have nothing to
// reply to, for good: the job is create-only) and tries again.
func TestJSRestoreWaitsForTheReplysThread(t *testing.T) {
	s := natstest.Start(t, t.TempDir())
	cacheB := t.TempDir()
	a, b := openJSAt(t, s.ClientURL(), t.TempDir()), openJSAt(t, s.ClientURL(), cacheB)
	never := func() error { return errHubDied }
	b.testRecord.Store(&never) // b dies before any repair lands
	now := time.Now().UTC()
	publishReplyAndDie(t, a, now)
	b = reopenWithTheDeadOp(t, s.ClientURL(), b, cacheB)
	var reads atomic.Int32
	unavailable := errors.New("test: the cluster has no leader")
	fail := func() error { reads.Add(1); return unavailable }
	b.testThread.Store(&fail)
	reconciling(t, b, 20*time.Millisecond)
	for deadline := time.Now().Add(20 * time.Second); reads.Load() < 3; time.Sleep(5 * time.Millisecond) {
		if jobs, _ := b.Jobs(JobPending); len(jobs) != 0 {
			t.Fatalf("jobs %+v written while the reply's thread could not be read", jobs)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the restore read the thread %d times in 20 s, want it tried again", reads.Load())
		}
	}
	if jobs, _ := b.Jobs(JobPending); len(jobs) != 0 {
		t.Fatalf("jobs %+v written while the reply's thread could not be read", jobs)
	}
	b.testThread.Store(nil)
	waitReplyJob(t, b, now, false, func() string { return " once the thread reads again" })
}
