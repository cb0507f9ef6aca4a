package app_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/model"
)

// proxyBacklog is how many unanswered ops the agent lets pile up: the
// producer waits below it, as an agent does not click faster than the hub
// answers for minutes on end.
const proxyBacklog = 48

// proxyOps notes go through a proxy that cuts every connection after a
// random number of bytes (anywhere, also inside a frame or the handshake)
// or a random time. The seed is logged; SWITCHBOARD_TEST_SEED repeats the
// proxy's choices. Every op is applied exactly once and the console ends
// with the hub's state.
func TestFlakyProxyExactlyOnce(t *testing.T) {
	seed := testSeed(t)
	h := startLiveHub(t, t.TempDir())
	cases := h.seedCases(t, "flaky", 250)
	// Batched ops (up to 200 a frame) drain 800 ops in about a second and
	// 200 KiB: the budgets are small enough that such a run is cut too.
	px := startProxy(t, h.addr, &flakiness{
		minBytes: 16 << 10, maxBytes: 128 << 10,
		minLife: 100 * time.Millisecond, maxLife: 700 * time.Millisecond,
		early: 0.1,
	}, seed)
	core := openCore(t, t.TempDir())
	connectTo(t, core, px.url())
	pollUntil(t, "first sync through the proxy", time.Minute, func() bool {
		_, err := core.Case(cases[len(cases)-1])
		return err == nil
	})

	start := time.Now()
	ids := make([]string, proxyOps)
	var queued atomic.Int64
	errc := make(chan error, 1)
	go func() { // the agent, online or not
		for i := range ids {
			for core.Pending() >= proxyBacklog {
				time.Sleep(time.Millisecond)
			}
			op, err := core.Do(model.Op{Kind: model.OpNote, CaseID: cases[i%len(cases)], Text: fmt.Sprintf("flaky note %d", i)})
			if err != nil {
				errc <- fmt.Errorf("op %d: %w", i, err)
				return
			}
			ids[i] = op.ID
			queued.Add(1)
		}
		errc <- nil
	}()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(3 * time.Minute):
		t.Fatalf("queued only %d of %d ops in 3 minutes (%d cuts)", queued.Load(), proxyOps, px.cuts.Load())
	}
	pollUntil(t, "outbox drained", 2*time.Minute, func() bool { return core.Pending() == 0 })
	waitCaughtUp(t, core, h, time.Minute)
	t.Logf("%d ops in %v through %d connections, %d cut; %d KiB up, %d KiB down",
		proxyOps, time.Since(start).Round(time.Millisecond), px.accepted.Load(), px.cuts.Load(),
		px.moved[up].Load()>>10, px.moved[down].Load()>>10)
	if px.cuts.Load() == 0 {
		t.Error("the proxy never cut a connection")
	}

	assertAppliedOnce(t, h.log, ids)
	if count, _ := hubNotes(t, h.log); len(count) != proxyOps {
		t.Errorf("hub holds %d notes, want %d", len(count), proxyOps)
	}
	if rs, err := core.Rejected(); err != nil || len(rs) != 0 {
		t.Errorf("rejected ops: %+v, %v", rs, err)
	}
	assertConverged(t, h, core)
}
