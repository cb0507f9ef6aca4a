package hub_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/connector"
	"switchboard/internal/natstest"
	"switchboard/model"
	"switchboard/store"
	"switchboard/sync/client"
	"switchboard/sync/hub"
)

// Failover: a three-node JetStream cluster (R3) and two hubs under ingest,
// ops and delivery; one NATS node and one hub are killed mid-load. What
// was acknowledged is there once, what was delivered was posted once, the
// log stays gap-free, and a node and a hub that come back catch up.
func TestJSFailoverKillNodeAndHub(t *testing.T) {
	if testing.Short() {
		t.Skip("a three-node cluster and a minute of load: not with -short")
	}
	cl := natstest.StartCluster(t, 3, t.TempDir())
	urls := cl.URLs()
	a, b := twoHubs(t, urls, 3)
	alive := []jsHub{a, b}
	var aDead atomic.Bool
	pick := func(i int) jsHub {
		if i%2 == 0 && !aDead.Load() {
			return alive[0]
		}
		return alive[1]
	}
	p := &countingPlatform{posts: map[string]int{}}
	senders := map[model.Channel]connector.Sender{model.ChannelTwitter: p}
	ctxA, cancelA := context.WithCancel(context.Background())
	ctxB, cancelB := context.WithCancel(context.Background())
	defer cancelB()
	var bg sync.WaitGroup
	for _, x := range []struct {
		h   *hub.Hub
		ctx context.Context
	}{{a.h, ctxA}, {b.h, ctxB}} {
		bg.Add(2)
		go func() { defer bg.Done(); x.h.RunDelivery(x.ctx, senders) }()
		go func() { defer bg.Done(); x.h.ReconcileOrphans(x.ctx, senders, 200*time.Millisecond) }()
	}
	defer func() { cancelA(); cancelB(); bg.Wait() }()

	// Two consoles, each given both hubs (in turn, in opposite orders).
	tsA := httptest.NewServer(hub.NewServer(a.h, hub.DefaultTiming).Handler())
	tsB := httptest.NewServer(hub.NewServer(b.h, hub.DefaultTiming).Handler())
	defer tsB.Close()
	var caches []*store.Store
	cctx, ccancel := context.WithCancel(context.Background())
	var cwg sync.WaitGroup
	defer func() { ccancel(); cwg.Wait() }()
	for _, urls := range []string{tsA.URL + "," + tsB.URL, tsB.URL + "," + tsA.URL} {
		st, err := store.Open(t.TempDir() + "/console.db")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		caches = append(caches, st)
		c := &client.Client{HubURL: urls, Cache: st, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond}
		cwg.Add(1)
		go func() { defer cwg.Done(); _ = c.Run(cctx) }()
	}

	// The load: items ingested as a platform's webhook would, through
	// either hub, again through the other until one acknowledges; notes
	// and replies sent as a console would, the same op again until one
	// hub answers.
	const items = 120
	var mu sync.Mutex
	acked := map[string]string{} // platform id → case
	var notes, replies []string
	anna := hub.Agent{Name: "anna", Role: hub.RoleAgent}
	deadline := time.Now().Add(45 * time.Second)
	retry := func(what string, f func(x jsHub) error, i int) {
		for try := 0; ; try++ {
			err := f(pick(i + try))
			if err == nil {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("%s: no hub took it: %v", what, err)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	var load sync.WaitGroup
	for w := range 2 {
		load.Add(1)
		go func() {
			defer load.Done()
			for i := w; i < items; i += 2 {
				pid := fmt.Sprint("p", i)
				var caseID string
				retry("ingest "+pid, func(x jsHub) error {
					id, _, err := x.h.Ingest(tweet(fmt.Sprint("th-", i/3), pid, "@kim", "help "+pid, t0.Add(time.Duration(i)*time.Second)))
					caseID = id
					return err
				}, i)
				mu.Lock()
				acked[pid] = caseID
				mu.Unlock()
				if i%4 == 1 && caseID != "" {
					kind, id := model.OpNote, fmt.Sprint("note-", i)
					if i%8 == 1 {
						kind, id = model.OpReply, fmt.Sprint("reply-", i)
					}
					retry(id, func(x jsHub) error {
						r, err := x.h.ApplyOp(anna, model.Op{ID: id, Kind: kind, CaseID: caseID, Text: "text of " + id})
						if err == nil && r.Reject != nil {
							return fmt.Errorf("rejected: %+v", r.Reject)
						}
						return err
					}, i)
					mu.Lock()
					if kind == model.OpNote {
						notes = append(notes, id)
					} else {
						replies = append(replies, id)
					}
					mu.Unlock()
				}
			}
		}()
	}
	// Mid-load: the stream's leader node and hub a die.
	jsWaitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(acked) >= items/3 }, "a third of the load")
	leader := streamLeader(t, cl)
	cl.Kill(leader)
	aDead.Store(true)
	a.l.Kill()
	tsA.CloseClientConnections() // its consoles lose it and go to hub b
	tsA.Close()
	cancelA()
	load.Wait()
	if t.Failed() {
		return
	}
	// Rejoin: the node comes back, and so does a hub (on a new replica).
	cl.Restart(leader)
	cl.WaitLeader()
	a2 := jsHub{l: openJS(t, urls, t.TempDir(), 3)}
	t.Cleanup(func() { a2.l.Close() })
	a2.h = hubOn(t, a2.l, quietConfig(time.Now))

	evs := waitSame(t, a2.l, b.l, b.l.Head())
	for i, ev := range evs {
		if ev.Seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d: a gap", i, ev.Seq)
		}
	}
	perPID, perText := map[string]int{}, map[string]int{}
	for _, ev := range evs {
		if ev.Type == model.EventMessageAdded {
			if ev.Message.PlatformID != "" {
				perPID[ev.Message.PlatformID]++
			}
			perText[ev.Message.Text]++
		}
	}
	for pid := range acked {
		if perPID[pid] != 1 {
			t.Errorf("platform message %s stored %d times", pid, perPID[pid])
		}
	}
	for _, id := range append(notes, replies...) {
		if n := perText["text of "+id]; n != 1 {
			t.Errorf("op %s applied %d times", id, n)
		}
	}
	jsWaitFor(t, func() bool {
		jobs, _ := b.l.Jobs(hub.JobDone)
		return len(jobs) == len(replies)
	}, "every reply delivered")
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, id := range replies {
		if p.posts[id] != 1 {
			t.Errorf("reply %s posted %d times", id, p.posts[id])
		}
	}
	// The consoles (one of them moved from hub a to hub b) hold what the
	// log holds: every case with every message, at the same seqs.
	head := b.l.Head()
	for i, st := range caches {
		jsWaitFor(t, func() bool { cur, _ := st.Cursor(); return cur >= head }, fmt.Sprintf("console %d at head %d", i, head))
		sums, err := st.Summaries()
		if err != nil {
			t.Fatal(err)
		}
		if len(sums) != b.h.CaseCount() {
			t.Fatalf("console %d holds %d cases, the hub %d", i, len(sums), b.h.CaseCount())
		}
		for _, sum := range sums {
			_, msgs, err := st.Case(sum.ID)
			if err != nil {
				t.Fatal(err)
			}
			want, err := b.l.Thread(sum.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) != len(want) {
				t.Fatalf("console %d: case %s has %d messages, the log %d", i, sum.ID, len(msgs), len(want))
			}
			for k := range msgs {
				if msgs[k].ID != want[k].ID || msgs[k].Seq != want[k].Seq {
					t.Fatalf("console %d: case %s message %d is %s@%d, the log's %s@%d", i, sum.ID, k, msgs[k].ID, msgs[k].Seq, want[k].ID, want[k].Seq)
				}
			}
		}
	}
	t.Logf("%d events, %d items, %d notes, %d replies; node %d and hub a killed at a third", len(evs), len(acked), len(notes), len(replies), leader)
}

func jsWaitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(40 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// streamLeader is the node that leads the event stream.
func streamLeader(t *testing.T, cl *natstest.Cluster) int {
	t.Helper()
	for i, s := range cl.Nodes {
		if s != nil && s.JetStreamIsStreamLeader("$G", "SB_EVENTS") {
			return i
		}
	}
	return 0
}
