package app_test

import (
	"context"
	"testing"
	"time"

	"switchboard/app"
	"switchboard/model"
	"switchboard/sla"
	"switchboard/sync/hub"
)

// TestLiveBoardFromTheHubsSLA: a lead's console counts the active cases by
// the SLA state the hub's evaluator put on them, and lists the urgent ones
// by due time.
func TestLiveBoardFromTheHubsSLA(t *testing.T) {
	th := startHub(t)
	now := time.Now().UTC()
	th.post(t, post{ch: model.ChannelTwitter, thread: "t1", handle: "@a", name: "A", text: "lost bag", at: now.Add(-29 * time.Minute).Sub(t0)})
	th.post(t, post{ch: model.ChannelTwitter, thread: "t2", handle: "@b", name: "B", text: "refund", at: now.Add(-45 * time.Minute).Sub(t0)})
	th.post(t, post{ch: model.ChannelForum, thread: "f1", handle: "c@forum", name: "C", text: "range", at: now.Add(-10 * time.Minute).Sub(t0)})
	e := hub.NewSLA(th.hub, sla.Default())
	if n, err := e.Evaluate(); err != nil || n != 3 {
		t.Fatalf("evaluate: %d %v", n, err)
	}
	core, err := app.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer core.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := core.Start(ctx, "ws"+th.url[len("http"):], "")
	defer func() { cancel(); <-done }()
	var b app.LiveBoard
	deadline := time.Now().Add(10 * time.Second)
	for b = core.LiveBoard(app.LiveFilter{}); b.All.Open != 3 || b.All.Breached != 1 || b.All.AtRisk != 1; b = core.LiveBoard(app.LiveFilter{}) {
		if time.Now().After(deadline) {
			t.Fatalf("board %+v", b)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if len(b.Channels) != 3 || b.Channels[0].Key != "twitter" || b.Channels[0].Breached != 1 || b.Channels[0].AtRisk != 1 || b.Channels[2].Open != 1 {
		t.Fatalf("channels %+v", b.Channels)
	}
	if len(b.Urgent) != 2 || b.Urgent[0].SLA != model.SLABreached || !b.Urgent[0].Due.Before(b.Urgent[1].Due) {
		t.Fatalf("urgent %+v", b.Urgent)
	}
	if len(b.Agents) != 1 || b.Agents[0].Key != app.Unassigned || b.Agents[0].Waiting != 3 || b.All.OldestWaiting.IsZero() {
		t.Fatalf("agents %+v", b.Agents)
	}
	if f := core.LiveBoard(app.LiveFilter{Channel: model.ChannelForum}); f.All.Open != 1 || len(f.Channels) != 1 || len(f.Urgent) != 0 {
		t.Fatalf("forum only: %+v", f)
	}
	if cs := core.ActiveCases(app.LiveFilter{}, "channel", "twitter", "at_risk"); len(cs) != 1 || cs[0].SLA != model.SLAAtRisk {
		t.Fatalf("drill-down: %+v", cs)
	}
}
