package hub_test

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/connector"
	"switchboard/internal/natstest"
	"switchboard/model"
	"switchboard/sync/hub"
)

// The EventLog behaviour, table-driven over both implementations: bbolt
// (the default) and JetStream (an in-process nats-server in t.TempDir()).

type backend struct {
	name string
	// setup prepares what the logs of one test share (the NATS server)
	// and returns open: a log on dir, reopened on the same state.
	setup func(t *testing.T) (open func(t *testing.T, dir string) hub.EventLog)
}

var backends = []backend{
	{"bolt", func(t *testing.T) func(*testing.T, string) hub.EventLog {
		return func(t *testing.T, dir string) hub.EventLog { return openLog(t, dir) }
	}},
	{"jetstream", func(t *testing.T) func(*testing.T, string) hub.EventLog {
		s := natstest.Start(t, t.TempDir())
		return func(t *testing.T, dir string) hub.EventLog { return openJS(t, s.ClientURL(), dir, 1) }
	}},
}

func openJS(t *testing.T, urls, dir string, replicas int) *hub.JSLog {
	t.Helper()
	l, err := hub.OpenJSLog(hub.JSConfig{URLs: urls, Cache: dir, Replicas: replicas, HubTTL: 2 * time.Second,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("open JetStream log: %v", err)
	}
	return l
}

// hubOn builds a hub on either log.
func hubOn(t *testing.T, l hub.EventLog, cfg hub.Config) *hub.Hub {
	t.Helper()
	var h *hub.Hub
	var err error
	if js, ok := l.(*hub.JSLog); ok {
		h, err = hub.NewOnJS(js, cfg)
	} else {
		h, err = hub.New(l, cfg)
	}
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func forBackends(t *testing.T, f func(t *testing.T, open func(*testing.T, string) hub.EventLog)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { f(t, b.setup(t)) })
	}
}

func TestLogBackendsAppendReadReopen(t *testing.T) {
	forBackends(t, func(t *testing.T, open func(*testing.T, string) hub.EventLog) {
		dir := t.TempDir()
		l := open(t, dir)
		var evs []model.Event
		for i := range 25 {
			evs = append(evs, customerEvent(fmt.Sprint("c", i)))
		}
		stored, err := l.Append(evs[:10])
		if err != nil {
			t.Fatal(err)
		}
		if stored[0].Seq != 1 || stored[9].Seq != 10 || l.Head() != 10 {
			t.Fatalf("seqs %d..%d head %d, want 1..10 head 10", stored[0].Seq, stored[9].Seq, l.Head())
		}
		if _, err := l.Append(evs[10:]); err != nil {
			t.Fatal(err)
		}
		page, err := l.Read(5, 7)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) != 7 || page[0].Seq != 6 || page[6].Seq != 12 || page[0].Customer.ID != "c5" {
			t.Fatalf("page after 5: %d events from %d", len(page), page[0].Seq)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		l = open(t, dir)
		defer l.Close()
		all := readAll(t, l)
		if len(all) != 25 || l.Head() != 25 {
			t.Fatalf("after reopen: %d events, head %d", len(all), l.Head())
		}
		for i, ev := range all {
			if ev.Seq != uint64(i+1) {
				t.Fatalf("event %d has seq %d: the log has a gap", i, ev.Seq)
			}
		}
		stored, err = l.Append([]model.Event{customerEvent("next")})
		if err != nil || stored[0].Seq != 26 {
			t.Fatalf("append after reopen: %+v %v", stored, err)
		}
	})
}

func TestLogBackendsOpLedgerAndJobs(t *testing.T) {
	forBackends(t, func(t *testing.T, open func(*testing.T, string) hub.EventLog) {
		dir := t.TempDir()
		l := open(t, dir)
		c := &model.Case{ID: "case-1", Channel: model.ChannelTwitter, ThreadRef: "t1", Version: 1, Status: model.StatusNew}
		msg := &model.Message{ID: "op-1", CaseID: "case-1", Direction: model.DirectionOut, Text: "hello"}
		job := hub.Job{ID: "op-1", CaseID: "case-1", State: hub.JobPending, Reply: connector.Reply{Key: "op-1", Text: "hello"}}
		stored, a, err := l.AppendOp("anna", hub.OpAnswer{OpID: "op-1", At: t0}, []model.Event{
			{Type: model.EventCaseUpserted, Time: t0, Case: c},
			{Type: model.EventMessageAdded, Time: t0, Message: msg},
		}, job)
		if err != nil {
			t.Fatal(err)
		}
		if len(stored) != 2 || a.Seq != 2 {
			t.Fatalf("op stored %d events, answer seq %d", len(stored), a.Seq)
		}
		if _, _, err := l.AppendOp("anna", hub.OpAnswer{OpID: "rej-1", At: t0, Reject: &model.Rejection{Code: model.RejectClaimed}}, nil); err != nil {
			t.Fatal(err)
		}
		jobs, err := l.Jobs(hub.JobPending)
		if err != nil || len(jobs) != 1 || jobs[0].ID != "op-1" || jobs[0].Reply.Text != "hello" {
			t.Fatalf("pending jobs: %+v %v", jobs, err)
		}
		l.Close()
		l = open(t, dir)
		defer l.Close()
		got, ok, err := l.LookupOp("anna", "op-1", t0.Add(30*24*time.Hour))
		if err != nil || !ok || got.Seq != 2 {
			t.Fatalf("applied op after reopen and a month: %+v %v %v", got, ok, err)
		}
		if _, ok, _ := l.LookupOp("ben", "op-1", t0); ok {
			t.Fatal("another agent's op id found: op ids are the agent's own")
		}
		if got, ok, _ := l.LookupOp("anna", "rej-1", t0.Add(time.Hour)); !ok || got.Reject == nil {
			t.Fatalf("reject within the window: %+v %v", got, ok)
		}
		if _, ok, _ := l.LookupOp("anna", "rej-1", t0.Add(hub.OpWindow+time.Minute)); ok {
			t.Fatal("a reject is still recognised after OpWindow")
		}
		// The job moves through its states; each PutJob stores the newest.
		job.State, job.Attempts = hub.JobSending, 1
		if _, err := l.PutJob(job); err != nil {
			t.Fatal(err)
		}
		if jobs, _ := l.Jobs(hub.JobPending); len(jobs) != 0 {
			t.Fatalf("a job being sent is still pending: %+v", jobs)
		}
		job.State, job.PlatformID = hub.JobDone, "tw-9"
		m := *msg
		m.Delivery, m.PlatformID, m.Seq = model.DeliverySent, "tw-9", 2
		stored, err = l.PutJob(job, model.Event{Type: model.EventMessageUpdated, Time: t0, Message: &m})
		if err != nil || len(stored) != 1 || stored[0].Seq != 3 {
			t.Fatalf("put job with event: %+v %v", stored, err)
		}
		waitJobs(t, l, hub.JobDone, 1)
		th, err := l.Thread("case-1")
		if err != nil || len(th) != 1 || th[0].PlatformID != "tw-9" || th[0].Seq != 2 {
			t.Fatalf("thread: %+v %v", th, err)
		}
		var snap []model.Event
		head, err := l.Snapshot(func(ev model.Event) error { snap = append(snap, ev); return nil })
		if err != nil || head != 3 || len(snap) != 2 {
			t.Fatalf("snapshot at %d: %d events, %v", head, len(snap), err)
		}
	})
}

// waitJobs waits until the log lists n jobs in state (the JetStream log
// learns other writes of the jobs bucket by watching it).
func waitJobs(t *testing.T, l hub.EventLog, state hub.JobState, n int) []hub.Job {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		jobs, err := l.Jobs(state)
		if err != nil {
			t.Fatal(err)
		}
		if len(jobs) == n {
			return jobs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d jobs %s, want %d", len(jobs), state, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLogBackendsHubIngestOpsDelivery(t *testing.T) {
	forBackends(t, func(t *testing.T, open func(*testing.T, string) hub.EventLog) {
		dir := t.TempDir()
		l := open(t, dir)
		defer l.Close()
		clk := &clock{now: t0}
		cfg := quietConfig(clk.Now)
		cfg.RetryBase = time.Millisecond
		h := hubOn(t, l, cfg)
		id := ingest(t, h, tweet("th-1", "p1", "@kim", "my bag is lost", t0))
		if id2 := ingest(t, h, tweet("th-1", "p2", "@kim", "still lost", t0.Add(time.Minute))); id2 != id {
			t.Fatalf("second message of the thread opened case %s, not %s", id2, id)
		}
		if _, dup, err := h.Ingest(tweet("th-1", "p2", "@kim", "still lost", t0.Add(time.Minute))); err != nil || !dup {
			t.Fatalf("the same platform message again: dup %v err %v", dup, err)
		}
		anna := hub.Agent{Name: "anna", Role: hub.RoleAgent}
		a, err := h.ApplyOp(anna, model.Op{ID: "claim-1", Kind: model.OpClaim, CaseID: id})
		if err != nil || a.Reject != nil {
			t.Fatalf("claim: %+v %v", a, err)
		}
		again, err := h.ApplyOp(anna, model.Op{ID: "claim-1", Kind: model.OpClaim, CaseID: id})
		if err != nil || again != a {
			t.Fatalf("repeat of the claim: %+v %v, first %+v", again, err, a)
		}
		r, err := h.ApplyOp(hub.Agent{Name: "ben", Role: hub.RoleAgent}, model.Op{ID: "claim-2", Kind: model.OpClaim, CaseID: id})
		if err != nil || r.Reject == nil || r.Reject.Code != model.RejectClaimed {
			t.Fatalf("ben's claim of anna's case: %+v %v", r, err)
		}
		if _, err := h.ApplyOp(anna, model.Op{ID: "reply-1", Kind: model.OpReply, CaseID: id, Text: "We found it!"}); err != nil {
			t.Fatal(err)
		}
		p := &platform{}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			h.RunDelivery(ctx, map[model.Channel]connector.Sender{model.ChannelTwitter: p})
		}()
		m := waitDelivery(t, logWithThread(l), id, "reply-1", model.DeliverySent)
		cancel()
		<-done
		if calls := p.calls(); len(calls) != 1 || calls[0].InReplyTo != "p2" {
			t.Fatalf("platform calls: %+v", calls)
		}
		c, _ := h.Case(id)
		if c.Assignee != "anna" || c.MessageCount != 3 || m.PlatformID == "" {
			t.Fatalf("case %+v, reply %+v", c, m)
		}
		evs := readAll(t, l)
		for i, ev := range evs {
			if ev.Seq != uint64(i+1) {
				t.Fatalf("event %d has seq %d", i, ev.Seq)
			}
		}
	})
}

func logWithThread(l hub.EventLog) *hub.BoltLog {
	if js, ok := l.(*hub.JSLog); ok {
		return js.Replica()
	}
	return l.(*hub.BoltLog)
}

// Several hubs on one stream.

type jsHub struct {
	l *hub.JSLog
	h *hub.Hub
}

func twoHubs(t *testing.T, urls string, replicas int) (a, b jsHub) {
	t.Helper()
	for _, x := range []*jsHub{&a, &b} {
		x.l = openJS(t, urls, t.TempDir(), replicas)
		t.Cleanup(func() { x.l.Close() })
		cfg := quietConfig(time.Now)
		cfg.RetryBase = time.Millisecond
		x.h = hubOn(t, x.l, cfg)
	}
	return a, b
}

// waitSame waits until both logs hold the same events (and returns them).
func waitSame(t *testing.T, a, b hub.EventLog, atLeast uint64) []model.Event {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if a.Head() >= atLeast && a.Head() == b.Head() {
			ea, eb := readAll(t, a), readAll(t, b)
			if reflect.DeepEqual(ea, eb) {
				return ea
			}
			if time.Now().After(deadline) {
				t.Fatalf("two hubs' logs differ at head %d", a.Head())
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("heads %d and %d, want the same, at least %d", a.Head(), b.Head(), atLeast)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestJSTwoHubsServeOneTeam(t *testing.T) {
	s := natstest.Start(t, t.TempDir())
	a, b := twoHubs(t, s.ClientURL(), 1)
	id := ingest(t, a.h, tweet("th-1", "p1", "@kim", "my bag is lost", t0))
	// The second hub joins the thread the first opened, and knows the
	// platform message the first stored.
	waitSame(t, a.l, b.l, 2)
	if id2 := ingest(t, b.h, tweet("th-1", "p2", "@kim", "still lost", t0.Add(time.Minute))); id2 != id {
		t.Fatalf("hub b opened case %s for the thread of %s", id2, id)
	}
	if _, dup, err := b.h.Ingest(tweet("th-1", "p1", "@kim", "my bag is lost", t0)); err != nil || !dup {
		t.Fatalf("hub a's platform message on hub b: dup %v, %v", dup, err)
	}
	// An op through one hub, repeated through the other, is applied once.
	anna := hub.Agent{Name: "anna", Role: hub.RoleAgent}
	first, err := a.h.ApplyOp(anna, model.Op{ID: "tag-1", Kind: model.OpTag, CaseID: id, Tag: "lost"})
	if err != nil || first.Reject != nil {
		t.Fatalf("tag: %+v %v", first, err)
	}
	head := waitSame(t, a.l, b.l, first.Seq)
	again, err := b.h.ApplyOp(anna, model.Op{ID: "tag-1", Kind: model.OpTag, CaseID: id, Tag: "lost"})
	if err != nil || again.Seq != first.Seq || again.Reject != nil {
		t.Fatalf("repeat through hub b: %+v %v, first %+v", again, err, first)
	}
	if after := readAll(t, b.l); len(after) != len(head) {
		t.Fatalf("the repeat appended %d events", len(after)-len(head))
	}
	if c, _ := b.h.Case(id); c.MessageCount != 2 || len(c.Tags) != 1 {
		t.Fatalf("hub b's case: %+v", c)
	}
	if n := b.h.CaseCount(); n != 1 {
		t.Fatalf("hub b holds %d cases", n)
	}
}

func TestJSClaimThroughTwoHubsOneWins(t *testing.T) {
	s := natstest.Start(t, t.TempDir())
	a, b := twoHubs(t, s.ClientURL(), 1)
	for round := range 10 {
		id := ingest(t, a.h, tweet(fmt.Sprint("th-", round), fmt.Sprint("p", round), "@kim", "help", t0))
		waitSame(t, a.l, b.l, a.l.Head())
		var wg sync.WaitGroup
		res := make([]hub.OpAnswer, 2)
		errs := make([]error, 2)
		for i, x := range []jsHub{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				by := hub.Agent{Name: []string{"anna", "ben"}[i], Role: hub.RoleAgent}
				op := model.Op{ID: fmt.Sprint("claim-", round), Kind: model.OpClaim, CaseID: id}
				// The loser of the race reads the case again and is
				// refused: the console gets an answer, not an error.
				res[i], errs[i] = x.h.ApplyOp(by, op)
			}()
		}
		wg.Wait()
		wins := 0
		for i := range 2 {
			if errs[i] != nil {
				t.Fatalf("round %d: claim %d: %v", round, i, errs[i])
			}
			if res[i].Reject == nil {
				wins++
			} else if res[i].Reject.Code != model.RejectClaimed {
				t.Fatalf("round %d: loser's reject %+v", round, res[i].Reject)
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d claims won: %+v", round, wins, res)
		}
		waitSame(t, a.l, b.l, max(res[0].Seq, res[1].Seq))
		ca, _ := a.h.Case(id)
		cb, _ := b.h.Case(id)
		if ca.Assignee == "" || ca.Assignee != cb.Assignee || ca.Version != cb.Version {
			t.Fatalf("round %d: hubs see %q v%d and %q v%d", round, ca.Assignee, ca.Version, cb.Assignee, cb.Version)
		}
	}
}

// countingPlatform counts the posts of each reply.
type countingPlatform struct {
	mu    sync.Mutex
	posts map[string]int
	slow  chan struct{} // when set, Send blocks on it (a hub dying mid-send)
	in    chan string   // when set, Send reports the reply it is in
}

func (p *countingPlatform) Send(ctx context.Context, r connector.Reply) (string, error) {
	if p.in != nil {
		p.in <- r.Key
	}
	if p.slow != nil {
		select {
		case <-p.slow:
		case <-ctx.Done():
			return "", ctx.Err() // the hub died before the post went out
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.posts[r.Key]++
	return "posted-" + r.Key, nil
}

func (p *countingPlatform) Find(_ context.Context, r connector.Reply) (string, bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.posts[r.Key] > 0 {
		return "posted-" + r.Key, true, nil
	}
	return "", false, nil
}

func TestJSDeliveryOncePerTeam(t *testing.T) {
	s := natstest.Start(t, t.TempDir())
	a, b := twoHubs(t, s.ClientURL(), 1)
	p := &countingPlatform{posts: map[string]int{}}
	senders := map[model.Channel]connector.Sender{model.ChannelTwitter: p}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, x := range []jsHub{a, b} {
		wg.Add(1)
		go func() { defer wg.Done(); x.h.RunDelivery(ctx, senders) }()
	}
	defer func() { cancel(); wg.Wait() }()
	anna := hub.Agent{Name: "anna", Role: hub.RoleAgent}
	var ids []string
	for i := range 20 {
		id := ingest(t, a.h, tweet(fmt.Sprint("th-", i), fmt.Sprint("p", i), "@kim", "help", t0))
		waitSame(t, a.l, b.l, a.l.Head())
		via := []jsHub{a, b}[i%2]
		op := fmt.Sprint("reply-", i)
		if r, err := via.h.ApplyOp(anna, model.Op{ID: op, Kind: model.OpReply, CaseID: id, Text: "on its way"}); err != nil || r.Reject != nil {
			t.Fatalf("reply %d: %+v %v", i, r, err)
		}
		ids = append(ids, op)
	}
	waitJobs(t, a.l, hub.JobDone, len(ids))
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, id := range ids {
		if p.posts[id] != 1 {
			t.Fatalf("reply %s posted %d times", id, p.posts[id])
		}
	}
}

func TestJSHubDyingMidSendNeverPostsTwice(t *testing.T) {
	s := natstest.Start(t, t.TempDir())
	a, b := twoHubs(t, s.ClientURL(), 1)
	p := &countingPlatform{posts: map[string]int{}, slow: make(chan struct{}), in: make(chan string, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	doneA := make(chan struct{})
	go func() {
		defer close(doneA)
		a.h.RunDelivery(ctx, map[model.Channel]connector.Sender{model.ChannelTwitter: p})
	}()
	id := ingest(t, a.h, tweet("th-1", "p1", "@kim", "help", t0))
	anna := hub.Agent{Name: "anna", Role: hub.RoleAgent}
	if _, err := a.h.ApplyOp(anna, model.Op{ID: "reply-1", Kind: model.OpReply, CaseID: id, Text: "on its way"}); err != nil {
		t.Fatal(err)
	}
	<-p.in // hub a is sending: the job is recorded as sending by it
	// The platform takes the post; then hub a dies before recording it.
	p.mu.Lock()
	p.posts["reply-1"]++
	p.mu.Unlock()
	a.l.Kill()
	cancel()
	<-doneA
	ctxB, cancelB := context.WithCancel(context.Background())
	defer cancelB()
	p.slow, p.in = nil, nil // hub a is gone: nothing else reads them
	senders := map[model.Channel]connector.Sender{model.ChannelTwitter: p}
	go b.h.RunDelivery(ctxB, senders)
	go b.h.ReconcileOrphans(ctxB, senders, 100*time.Millisecond)
	m := waitDelivery(t, b.l.Replica(), id, "reply-1", model.DeliverySent)
	if m.PlatformID != "posted-reply-1" {
		t.Fatalf("reply after reconcile: %+v", m)
	}
	p.mu.Lock()
	n := p.posts["reply-1"]
	p.mu.Unlock()
	if n != 1 {
		t.Fatalf("reply posted %d times", n)
	}
}

func TestJSLeaseRunsOncePerTeam(t *testing.T) {
	s := natstest.Start(t, t.TempDir())
	logs := []*hub.JSLog{openJS(t, s.ClientURL(), t.TempDir(), 1), openJS(t, s.ClientURL(), t.TempDir(), 1)}
	var running, most, started atomic.Int32
	var leader atomic.Int32
	run := func(who int) func(ctx context.Context) {
		return func(ctx context.Context) {
			started.Add(1)
			leader.Store(int32(who))
			n := running.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			<-ctx.Done()
			running.Add(-1)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i, l := range logs {
		wg.Add(1)
		go func() { defer wg.Done(); l.Lead(ctx, "poller", run(i)) }()
	}
	defer func() { cancel(); wg.Wait() }()
	deadline := time.Now().Add(20 * time.Second)
	for started.Load() < 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(time.Second) // both hubs try more than once meanwhile
	if started.Load() != 1 || most.Load() != 1 {
		t.Fatalf("started %d, at most %d at once; want one leader", started.Load(), most.Load())
	}
	// The leader dies: the other takes over once its lease expires.
	first := leader.Load()
	logs[first].Kill()
	other := logs[1-first]
	defer other.Close()
	for (started.Load() < 2 || leader.Load() == first) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if leader.Load() == first {
		t.Fatal("no hub took the lease over from the dead one")
	}
	if most.Load() != 1 {
		t.Fatalf("%d ran at once", most.Load())
	}
}
