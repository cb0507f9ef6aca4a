package hub

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"switchboard/connector"
	"switchboard/internal/natstest"
	"switchboard/model"
)

var errHubDied = errors.New("test: the hub died here")

// openJSAt opens a JetStream log on url with its replica in cache.
func openJSAt(t *testing.T, url, cache string) *JSLog {
	t.Helper()
	l, err := OpenJSLog(JSConfig{URLs: url, Cache: cache, HubTTL: 2 * time.Second,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("open JetStream log: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// publishReplyAndDie has a publish a reply op (case-1, op-1) and die
// once it is in the stream, before its ledger entry and job are written.
func publishReplyAndDie(t *testing.T, a *JSLog, now time.Time) {
	t.Helper()
	die := func() error { return errHubDied }
	a.testBeforeRecord.Store(&die)
	c := &model.Case{ID: "case-1", Channel: model.ChannelTwitter, ThreadRef: "t1", Version: 1, Status: model.StatusNew}
	msg := &model.Message{ID: "op-1", CaseID: "case-1", Direction: model.DirectionOut, Text: "hello", Delivery: model.DeliveryQueued}
	job := Job{ID: "op-1", CaseID: "case-1", State: JobPending, Reply: connector.Reply{Key: "op-1", CaseID: "case-1", Text: "hello"}}
	if _, _, err := a.AppendOp("anna", OpAnswer{OpID: "op-1", At: now}, []model.Event{
		{Type: model.EventCaseUpserted, Time: now, Case: c},
		{Type: model.EventMessageAdded, Time: now, Message: msg},
	}, job); !errors.Is(err, errHubDied) {
		t.Fatalf("the op of a hub that died before its ledger: %v", err)
	}
	a.Kill()
}

// reopenWithTheDeadOp waits until b's replica holds the dead hub's op (its
// two events), kills b and opens it again on its cache: a hub that
// stopped before any repair of the op landed, starting again.
func reopenWithTheDeadOp(t *testing.T, url string, b *JSLog, cache string) *JSLog {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); b.Head() < 2; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("b's replica at %d, want the op's 2 events", b.Head())
		}
	}
	b.Kill()
	return openJSAt(t, url, cache)
}

// reconciling starts a hub on l that reconciles orphans every tick until
// the test ends.
func reconciling(t *testing.T, l *JSLog, tick time.Duration) *Hub {
	t.Helper()
	h, err := NewOnJS(l, Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); h.ReconcileOrphans(ctx, nil, tick) }()
	t.Cleanup(func() { cancel(); <-done })
	return h
}

// waitReplyJob waits until l lists op-1's job as pending (and, with
// ledger, its answer at seq 2).
func waitReplyJob(t *testing.T, l *JSLog, now time.Time, ledger bool, what func() string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		jobs, err := l.Jobs(JobPending)
		if err != nil {
			t.Fatal(err)
		}
		got, ok, err := l.LookupOp("anna", "op-1", now)
		if err != nil {
			t.Fatal(err)
		}
		if len(jobs) == 1 && jobs[0].ID == "op-1" && jobs[0].Reply.Text == "hello" && (!ledger || ok && got.Seq == 2) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the surviving hub lists pending jobs %+v and the op's answer %+v (found %v), want the dead hub's reply op-1 "+
				"(it is in the stream and queued)%s", jobs, got, ok, what())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A hub that dies between publishing a reply op and writing its ledger
// entry and delivery job leaves both to the hubs that fold the op. The
// surviving hub's repair may find the cluster briefly unavailable (a
// NATS node died with the hub: TestJSProcFailover kills both at once):
// the repair is retried until it lands, so the reply still gets its
// delivery job (before, a failed write of the ledger entry dropped the
// job with it, and the reply stayed queued for good).
func TestJSRepairOfADeadHubsOpSurvivesAFailedWrite(t *testing.T) {
	s := natstest.Start(t, t.TempDir())
	a, b := openJSAt(t, s.ClientURL(), t.TempDir()), openJSAt(t, s.ClientURL(), t.TempDir())
	// b's first writes of the op's ledger entry and job fail as they do
	// while the buckets' leaders are being elected.
	var fails atomic.Int32
	fails.Store(2)
	fail := func() error {
		if fails.Add(-1) >= 0 {
			return nats.ErrTimeout
		}
		return nil
	}
	b.testRecord.Store(&fail)
	now := time.Now().UTC()
	publishReplyAndDie(t, a, now)
	waitReplyJob(t, b, now, true, func() string { return "" })
}

// A hub that folded a dead hub's reply op but stopped before its repair
// wrote the job does not fold the op again when it starts (its replica
// has it): it restores the job of the reply still queued when it starts
// reconciling (ReconcileOrphans), so the reply is sent.
func TestJSRestartedHubRestoresAQueuedReplysMissingJob(t *testing.T) {
	s := natstest.Start(t, t.TempDir())
	cacheB := t.TempDir()
	a, b := openJSAt(t, s.ClientURL(), t.TempDir()), openJSAt(t, s.ClientURL(), cacheB)
	never := func() error { return errHubDied }
	b.testRecord.Store(&never) // b dies before any repair lands
	now := time.Now().UTC()
	publishReplyAndDie(t, a, now)
	b = reopenWithTheDeadOp(t, s.ClientURL(), b, cacheB)
	if jobs, _ := b.Jobs(JobPending); len(jobs) != 0 {
		t.Fatalf("pending jobs %+v before the restart's reconcile: the test does not stage the lost job", jobs)
	}
	reconciling(t, b, time.Hour)
	waitReplyJob(t, b, now, false, func() string { return " after a restart" })
	jobs, _ := b.Jobs(JobPending)
	if r := jobs[0].Reply; r.CaseID != "case-1" || r.Channel != model.ChannelTwitter || r.ThreadRef != "t1" || r.Key != "op-1" {
		t.Fatalf("restored reply %+v, want op-1 on case-1's twitter thread t1", r)
	}
}
