package app_test

import (
	"fmt"
	"testing"
	"time"

	"switchboard/app"
	"switchboard/model"
	"switchboard/sync/client"
	"switchboard/sync/hub"
)

// openCore opens a console in dir, closed at cleanup after its sync stopped.
func openCore(t *testing.T, dir string) *app.Core {
	t.Helper()
	c, err := app.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// writeBacklog logs msgs customer messages over the given number of cases
// into the hub's data dir, one transaction per page of 1,000 events, as a
// hub would have logged them over months.
func writeBacklog(t *testing.T, dir string, msgs, cases int) {
	t.Helper()
	l, err := hub.OpenBoltLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	counts := make([]int, cases)
	var page []model.Event
	for i := range msgs {
		k := i % cases
		counts[k]++
		id := fmt.Sprintf("case-%03d", k)
		at := t0.Add(time.Duration(i) * time.Minute)
		author := model.Identity{Platform: model.ChannelForum, Handle: fmt.Sprintf("guest%d", k), DisplayName: fmt.Sprintf("Guest %d", k)}
		page = append(page,
			model.Event{Type: model.EventMessageAdded, Time: at, Message: &model.Message{
				ID: fmt.Sprintf("m-%05d", i), CaseID: id, Direction: model.DirectionIn, Author: author,
				Text: fmt.Sprintf("message %d about room %d: the %s does not work", i, 100+i%397, []string{"heating", "shower", "wifi", "tv", "lamp"}[i%5]),
				Time: at, PlatformID: fmt.Sprintf("p-%05d", i), Public: true}},
			model.Event{Type: model.EventCaseUpserted, Time: at, Case: &model.Case{
				ID: id, Channel: model.ChannelForum, ThreadRef: id, Subject: "topic " + id, Author: author,
				Status: model.StatusNew, Priority: model.PriorityNormal, Public: true,
				Created: t0, Updated: at, LastMessageAt: at, WaitingSince: t0, MessageCount: counts[k], Version: int64(counts[k])}},
		)
		if len(page) >= 1000 || i == msgs-1 {
			if _, err := l.Append(page); err != nil {
				t.Fatal(err)
			}
			page = page[:0]
		}
	}
}

// The hub goes down twice while a new console pulls a log of 2×backlogMsg
// events, each time with pages in flight that are lost; the console
// resumes from its cursor and ends with the hub's state. The proxy holds
// the sync after a byte budget, so each restart happens at a known point in
// the middle of the sync, not after it on a fast machine: the whole sync
// is ~80 bytes a message compressed (~800 KB for 20,000 events), the
// budgets are 15 and 25 bytes a message.
func TestHubRestartsDuringInitialSync(t *testing.T) {
	dir := t.TempDir()
	writeBacklog(t, dir, backlogMsg, 200)
	h := startLiveHub(t, dir)
	head := h.log.Head()
	px := startProxy(t, h.addr, nil, 0)
	core := openCore(t, t.TempDir())

	px.setBudget(down, 15*backlogMsg)
	connectTo(t, core, px.url())
	var last uint64
	for i, more := range []int64{25 * backlogMsg, -1} {
		pollUntil(t, "the sync held by the proxy", time.Minute, func() bool {
			return px.holding(down) && core.Status().Cursor > last
		})
		px.cutAll() // the hub dies: what was in flight is lost
		h.restart(t)
		// The budget so far is below the sync's size: the console is
		// in the middle.
		cur := core.Status().Cursor
		if cur <= last || cur >= head {
			t.Fatalf("restart %d: console at %d of %d events, previous restart at %d", i+1, cur, head, last)
		}
		t.Logf("hub restarted with the console at event %d of %d", cur, head)
		last = cur
		px.setBudget(down, more)
	}
	waitCaughtUp(t, core, h, 2*time.Minute)
	assertConverged(t, h, core)
}

// A console that worked offline drains replayOps notes while the hub goes
// down twice: first after it applied a window of ops whose acks were lost
// on the way (the console sends them again; the hub must answer from its
// ledger, not apply them again), then in the middle of the drain. Every op
// is applied once and the console ends with the hub's state.
func TestHubRestartsDuringOutboxReplay(t *testing.T) {
	h := startLiveHub(t, t.TempDir())
	// An op burst that keeps the console's window at window ops (the
	// least it keeps), below replayOps: the drain has a middle.
	const window = client.OpsWindowUnannounced
	h.timing.OpRate, h.timing.OpBurst = 2000, window*10/9+1
	h.restart(t)
	cases := h.seedCases(t, "replay", 100)
	px := startProxy(t, h.addr, nil, 0)
	core := openCore(t, t.TempDir())
	stop := connectTo(t, core, px.url())
	waitCaughtUp(t, core, h, time.Minute)
	stop()

	ids := make([]string, replayOps)
	for i := range ids {
		op, err := core.Do(model.Op{Kind: model.OpNote, CaseID: cases[i%len(cases)], Text: fmt.Sprintf("offline note %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = op.ID
	}
	base := h.log.Head()
	applied := func() int { return int(h.log.Head()-base) / 2 } // a note logs a message and its case

	// 1: the hub applies a window of ops (the console sends them in ops
	// frames, window in flight), but hardly any answer gets back.
	up0 := px.moved[up].Load()
	px.setBudget(down, 2<<10)
	connectTo(t, core, px.url())
	pollUntil(t, "a window of ops applied, answers held", time.Minute, func() bool {
		return applied() >= window && px.holding(down)
	})
	// What an op takes on the wire up, in compressed ops frames.
	perOp := max(1, (px.moved[up].Load()-up0)/int64(window))
	tries := px.accepted.Load()
	px.cutAll()
	h.stop()
	h.open(t) // back from its data dir, not yet serving
	// Once the console tries again it has read all that reached it.
	pollUntil(t, "the console to notice", time.Minute, func() bool { return px.accepted.Load() > tries })
	n1, acked := applied(), replayOps-core.Pending()
	if n1 <= acked {
		t.Fatalf("setup: hub applied %d ops, console has %d acks: no answer was lost", n1, acked)
	}
	t.Logf("hub down with %d ops applied, %d acked", n1, acked)
	h.serve(t)

	// 2: answers flow; the hub goes down again in the middle of the drain,
	// after the resent window and about a quarter of the rest.
	px.setBudget(down, -1)
	px.setBudget(up, int64(window+replayOps/4)*perOp)
	pollUntil(t, "the drain held by the proxy", time.Minute, func() bool {
		return px.holding(up) && applied() > n1
	})
	px.cutAll()
	h.restart(t)
	n2 := applied()
	if n2 >= replayOps {
		t.Fatalf("setup: all %d ops applied before the second restart", n2)
	}
	t.Logf("hub restarted with %d of %d ops applied, %d pending on the console", n2, replayOps, core.Pending())
	px.setBudget(up, -1)

	pollUntil(t, "outbox drained", 2*time.Minute, func() bool { return core.Pending() == 0 })
	waitCaughtUp(t, core, h, time.Minute)
	assertAppliedOnce(t, h.log, ids)
	if n := applied(); n != replayOps {
		t.Errorf("hub applied %d ops, want %d", n, replayOps)
	}
	if rs, err := core.Rejected(); err != nil || len(rs) != 0 {
		t.Errorf("rejected ops: %+v, %v", rs, err)
	}
	assertConverged(t, h, core)
}
