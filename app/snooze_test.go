package app_test

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"switchboard/app"
	"switchboard/model"
)

// viewCount is the count of the core's own view name.
func viewCount(c *app.Core, name string) int {
	for _, v := range c.Views() {
		if v.Group == "" && v.Name == name {
			return v.Count
		}
	}
	return -1
}

func queueIDs(c *app.Core, f app.Filter) []string {
	var ids []string
	for _, s := range c.Queue(f) {
		ids = append(ids, s.ID)
	}
	slices.Sort(ids)
	return ids
}

var openAwake = app.Filter{ActiveOnly: true, Snooze: app.SnoozeAwake}

// A snooze by one console is the team's (issue 13): over real websockets,
// anna snoozes a case and ben's console lists it in Snoozed and no longer
// in his open views; when its time comes ben's views take it back without
// any op, and his listeners hear of the case.
func TestSnoozeByOneConsoleShowsInAnother(t *testing.T) {
	th := startAuthHub(t)
	lost := th.post(t, post{ch: model.ChannelTwitter, thread: "t-1", handle: "kim", text: "my bag is lost"})
	wifi := th.post(t, post{ch: model.ChannelTwitter, thread: "t-2", handle: "lou", text: "wifi down"})
	late := th.post(t, post{ch: model.ChannelForum, thread: "f-1", handle: "max", text: "refund?"})
	anna, ben := openConsole(t, t.TempDir()), openConsole(t, t.TempDir())
	t.Cleanup(func() { anna.Close(); ben.Close() })
	rec := &changes{}
	ben.OnChange(rec.add)
	th.connect(t, anna, "tok-anna")
	th.connect(t, ben, "tok-ben")
	waitFor(t, "both synced", func() bool {
		return anna.Status().Cursor == th.log.Head() && ben.Status().Cursor == th.log.Head()
	})
	if n := viewCount(ben, "All open"); n != 3 {
		t.Fatalf("ben's All open counts %d before, want 3", n)
	}

	until := time.Now().Add(time.Hour).Truncate(time.Second)
	if _, err := anna.Snooze(lost, until); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "ben sees the snooze", func() bool { return viewCount(ben, "Snoozed") == 1 })
	if got := queueIDs(ben, app.Filter{ActiveOnly: true, Snooze: app.SnoozeAsleep}); !slices.Equal(got, []string{lost}) {
		t.Errorf("ben's Snoozed view lists %v, want the lost bag", got)
	}
	if got := queueIDs(ben, openAwake); slices.Contains(got, lost) || len(got) != 2 {
		t.Errorf("ben's open view lists %v: the snoozed case should be out", got)
	}
	for _, v := range []string{"All open", "Unassigned", "Customer waiting"} {
		if n := viewCount(ben, v); n != 2 {
			t.Errorf("ben's %s counts %d, want 2", v, n)
		}
	}
	if s, _ := ben.Summary(lost); !s.Snoozed.Equal(until) {
		t.Errorf("ben's row snoozed until %v, want %v", s.Snoozed, until)
	}
	if c := caseOf(t, ben, lost); !c.SnoozedUntil.Equal(until) {
		t.Errorf("ben's case snoozed until %v", c.SnoozedUntil)
	}
	if hc, _ := th.hub.Case(lost); !hc.SnoozedUntil.Equal(until) {
		t.Errorf("the hub's case snoozed until %v", hc.SnoozedUntil)
	}

	// A short snooze: ben's views take it back when its time comes.
	soon := time.Now().Add(1500 * time.Millisecond)
	if _, err := anna.Snooze(wifi, soon); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "ben has the short snooze", func() bool {
		s, _ := ben.Summary(wifi)
		return s.Snoozed.Equal(soon.UTC().Truncate(0))
	})
	if time.Now().Before(soon.Add(-200*time.Millisecond)) && viewCount(ben, "Snoozed") != 2 {
		t.Errorf("before its time the short snooze is not in Snoozed: %d", viewCount(ben, "Snoozed"))
	}
	mark := len(rec.snapshot())
	waitFor(t, "the short snooze wakes on ben's console", func() bool {
		return viewCount(ben, "Snoozed") == 1 && slices.Contains(queueIDs(ben, openAwake), wifi)
	})
	if time.Now().Before(soon) {
		t.Fatalf("woke before its time (%v left)", time.Until(soon))
	}
	waitFor(t, "ben's listeners hear of the woken case", func() bool {
		return slices.ContainsFunc(rec.snapshot()[mark:], func(ch app.Change) bool { return ch.Queue && slices.Contains(ch.Cases, wifi) })
	})
	if viewCount(ben, "All open") != 2 || !slices.Equal(queueIDs(ben, openAwake), sortedIDs(wifi, late)) {
		t.Errorf("after waking: All open %d, open %v", viewCount(ben, "All open"), queueIDs(ben, openAwake))
	}

	// Unsnooze from ben's console (the case is unassigned): back for both.
	if _, err := ben.Snooze(lost, time.Time{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "anna sees it woken", func() bool { return viewCount(anna, "Snoozed") == 0 && viewCount(anna, "All open") == 3 })
}

func sortedIDs(ids ...string) []string {
	slices.Sort(ids)
	return ids
}

// Offline a snooze is an op in the outbox like any other: the case leaves
// the open views at once, the outbox lists the op, and cancelling it
// brings the case back; online the next snooze reaches the hub.
func TestSnoozeOfflineQueuedAndCancelled(t *testing.T) {
	th := startAuthHub(t)
	id := th.post(t, post{ch: model.ChannelTwitter, thread: "t-1", handle: "kim", text: "my bag is lost"})
	anna := openConsole(t, t.TempDir())
	t.Cleanup(func() { anna.Close() })
	stop := th.connect(t, anna, "tok-anna")
	waitFor(t, "synced", func() bool { return anna.Status().Cursor == th.log.Head() })
	stop()

	op, err := anna.Snooze(id, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if viewCount(anna, "Snoozed") != 1 || viewCount(anna, "All open") != 0 {
		t.Fatalf("offline snooze: Snoozed %d, All open %d", viewCount(anna, "Snoozed"), viewCount(anna, "All open"))
	}
	q, err := anna.Queued()
	if err != nil || len(q) != 1 || q[0].Op.ID != op.ID || q[0].Op.Kind != model.OpSnooze || !q[0].Changeable {
		t.Fatalf("outbox %+v, %v", q, err)
	}
	if err := anna.Cancel(op.ID); err != nil {
		t.Fatal(err)
	}
	if viewCount(anna, "Snoozed") != 0 || viewCount(anna, "All open") != 1 || anna.Pending() != 0 {
		t.Fatalf("cancelled: Snoozed %d, All open %d, pending %d", viewCount(anna, "Snoozed"), viewCount(anna, "All open"), anna.Pending())
	}

	// Queued offline again, it lands when the console is back.
	until := time.Now().Add(2 * time.Hour).Truncate(time.Second)
	if _, err := anna.Snooze(id, until); err != nil {
		t.Fatal(err)
	}
	th.connect(t, anna, "tok-anna")
	waitFor(t, "the snooze lands", func() bool {
		hc, _ := th.hub.Case(id)
		return anna.Pending() == 0 && hc.SnoozedUntil.Equal(until)
	})
	if viewCount(anna, "Snoozed") != 1 {
		t.Errorf("after landing Snoozed counts %d", viewCount(anna, "Snoozed"))
	}
}

// A console that kept its snoozes in snoozed.json (before they were
// shared) turns them into ops once: the snooze still to come is queued,
// the past one and the unknown case are dropped, and the file is set
// aside so a second start queues nothing.
func TestOldSnoozedFileBecomesOpsOnce(t *testing.T) {
	th := startAuthHub(t)
	id := th.post(t, post{ch: model.ChannelTwitter, thread: "t-1", handle: "kim", text: "my bag is lost"})
	other := th.post(t, post{ch: model.ChannelTwitter, thread: "t-2", handle: "lou", text: "wifi"})
	dir := t.TempDir()
	anna := openConsole(t, dir)
	t.Cleanup(func() { anna.Close() })
	stop := th.connect(t, anna, "tok-anna")
	waitFor(t, "synced", func() bool { return anna.Status().Cursor == th.log.Head() })
	stop()

	until := time.Now().Add(time.Hour).Truncate(time.Second)
	raw, _ := json.Marshal(map[string]time.Time{id: until, other: time.Now().Add(-time.Hour), "no-such-case": until})
	if err := os.WriteFile(filepath.Join(dir, app.SnoozeFile), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	n, err := anna.MigrateSnoozes(dir)
	if err != nil || n != 1 {
		t.Fatalf("migrated %d, %v; want 1", n, err)
	}
	q, _ := anna.Queued()
	if len(q) != 1 || q[0].Op.Kind != model.OpSnooze || q[0].Op.CaseID != id || !q[0].Op.Until.Equal(until) {
		t.Fatalf("outbox %+v", q)
	}
	if _, err := os.Stat(filepath.Join(dir, app.SnoozeFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("snoozed.json still there: %v", err)
	}
	if n, err := anna.MigrateSnoozes(dir); n != 0 || err != nil {
		t.Errorf("second start migrated %d, %v", n, err)
	}
	th.connect(t, anna, "tok-anna")
	waitFor(t, "the migrated snooze reaches the hub", func() bool {
		hc, _ := th.hub.Case(id)
		return hc.SnoozedUntil.Equal(until)
	})
}

// A console opened with snoozed cases in its cache wakes them at their
// time, offline and without an op: the wake-up is in the loaded rows.
func TestSnoozedCaseInTheCacheWakesAfterARestart(t *testing.T) {
	th := startAuthHub(t)
	id := th.post(t, post{ch: model.ChannelTwitter, thread: "t-1", handle: "kim", text: "my bag is lost"})
	dir := t.TempDir()
	anna := openConsole(t, dir)
	stop := th.connect(t, anna, "tok-anna")
	waitFor(t, "synced", func() bool { return anna.Status().Cursor == th.log.Head() })
	soon := time.Now().Add(2 * time.Second)
	if _, err := anna.Snooze(id, soon); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the snooze lands", func() bool { return anna.Pending() == 0 })
	stop()
	anna.Close()

	again := openConsole(t, dir)
	t.Cleanup(func() { again.Close() })
	if time.Now().Before(soon.Add(-500*time.Millisecond)) && viewCount(again, "Snoozed") != 1 {
		t.Errorf("reopened before its time: Snoozed counts %d", viewCount(again, "Snoozed"))
	}
	waitFor(t, "woken after the restart", func() bool { return viewCount(again, "Snoozed") == 0 && viewCount(again, "All open") == 1 })
	if time.Now().Before(soon) {
		t.Fatalf("woke %v early", time.Until(soon))
	}
}
