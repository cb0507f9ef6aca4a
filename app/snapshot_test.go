package app_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"switchboard/app"
	"switchboard/model"
)

// digestOf describes a console's cache the way the hub would: every case
// with its version, status and assignee, and the ids of its messages in
// thread order.
func digestOf(t *testing.T, c *app.Core) []string {
	t.Helper()
	var out []string
	for _, s := range c.Queue(app.Filter{}) {
		d, err := c.Case(s.ID)
		if err != nil {
			t.Fatal(err)
		}
		line := fmt.Sprintf("%s v%d %s %s %s:", s.ID, d.Case.Version, d.Case.Status, d.Case.Assignee, d.Case.CustomerID)
		for _, m := range d.Thread {
			line += " " + m.ID
		}
		out = append(out, line)
	}
	slices.Sort(out)
	return out
}

// hubDigest is the same description from the hub's own state view.
func hubDigest(t *testing.T, th *testHub) []string {
	t.Helper()
	cases := map[string]model.Case{}
	msgs := map[string][]string{}
	if _, err := th.log.Snapshot(func(ev model.Event) error {
		switch {
		case ev.Case != nil:
			cases[ev.Case.ID] = *ev.Case
		case ev.Message != nil:
			msgs[ev.Message.CaseID] = append(msgs[ev.Message.CaseID], ev.Message.ID)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var out []string
	for id, c := range cases {
		line := fmt.Sprintf("%s v%d %s %s %s:", id, c.Version, c.Status, c.Assignee, c.CustomerID)
		for _, m := range msgs[id] {
			line += " " + m
		}
		out = append(out, line)
	}
	slices.Sort(out)
	return out
}

func TestConsoleBehindTheHorizonGetsASnapshotAndKeepsItsOutbox(t *testing.T) {
	th := startAuthHub(t)
	var first string
	for i := range 40 {
		id := th.post(t, post{ch: model.ChannelTwitter, thread: fmt.Sprintf("t%d", i%7), handle: fmt.Sprintf("@u%d", i%7), text: fmt.Sprintf("message %d", i), at: time.Duration(i) * time.Minute})
		if first == "" {
			first = id
		}
	}
	// A console that synced early, then went offline and queued work.
	dir := t.TempDir()
	anna := openConsole(t, dir)
	defer anna.Close()
	stop := th.connect(t, anna, "tok-anna")
	waitFor(t, "first sync", func() bool { return anna.Status().Cursor == th.log.Head() })
	stop()
	if _, err := anna.Do(model.Op{Kind: model.OpClaim, CaseID: first}); err != nil {
		t.Fatal(err)
	}
	// Meanwhile the hub moves on and compacts its log far past her cursor.
	for i := 40; i < 80; i++ {
		th.post(t, post{ch: model.ChannelFacebook, thread: fmt.Sprintf("p%d", i%5), handle: fmt.Sprintf("u%d", i%5), text: fmt.Sprintf("message %d", i), at: time.Duration(i) * time.Minute})
	}
	horizon, err := th.log.Compact(5)
	if err != nil {
		t.Fatal(err)
	}
	if horizon <= anna.Status().Cursor {
		t.Fatalf("horizon %d not past the console's cursor %d", horizon, anna.Status().Cursor)
	}
	if _, err := th.log.Read(0, 10); err == nil {
		t.Fatal("compacted log still reads from 0")
	}

	th.connect(t, anna, "tok-anna")
	waitFor(t, "snapshot and outbox", func() bool { return anna.Status().Cursor == th.log.Head() && anna.Pending() == 0 })
	if got := anna.Status().Cursor; got != th.log.Head() {
		t.Fatalf("cursor %d, head %d", got, th.log.Head())
	}
	hc, _ := th.hub.Case(first)
	if hc.Assignee != "anna" {
		t.Fatalf("claim queued before the snapshot was lost: assignee %q", hc.Assignee)
	}
	waitFor(t, "console digest equals the hub's", func() bool { return slices.Equal(digestOf(t, anna), hubDigest(t, th)) })

	// A brand-new console syncs from a compacted log too.
	fresh := openConsole(t, t.TempDir())
	defer fresh.Close()
	th.connect(t, fresh, "tok-ben")
	waitFor(t, "fresh console", func() bool { return fresh.Status().Cursor == th.log.Head() })
	if got, want := digestOf(t, fresh), hubDigest(t, th); !slices.Equal(got, want) {
		t.Fatalf("fresh console\n got %v\nwant %v", got, want)
	}
}
