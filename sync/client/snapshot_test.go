package client_test

import (
	"testing"

	"switchboard/sync/client"
)

// freshSnapshot is the log length from which the hubs of these tests send
// a console at cursor 0 a snapshot (production: 50,000 events).
const freshSnapshot = 5_000

// freshBacklog fills a hub's log past freshSnapshot with many events per
// case, so that a console at cursor 0 is sent a snapshot.
func freshBacklog(t *testing.T) *hubEnv {
	t.Helper()
	dir := t.TempDir()
	e := openHub(t, dir)
	appendBacklog(t, e.log, freshSnapshot/2+100, 40)
	e.stop()
	e = openHub(t, dir)
	tm := timing
	tm.FreshSnapshot = freshSnapshot
	e.serveWith(t, "", tm)
	if e.log.Head() < freshSnapshot {
		t.Fatalf("setup: head %d", e.log.Head())
	}
	return e
}

// A fresh console gets the hub's state, not the log from its start: a
// snapshot (written in batches), its cursor at the hub's head when it is
// done, and then live events as usual.
func TestFreshConsoleGetsASnapshot(t *testing.T) {
	checkGoroutines(t)
	e := freshBacklog(t)
	head := e.log.Head()
	w := &watchedCache{Store: openStore(t)}
	rec := runWatched(t, e, w, nil)
	waitSynced(t, rec, w.Store, e)
	assertMirrors(t, w.Store, e)

	w.mu.Lock()
	if len(w.begins) != 1 || len(w.ends) != 1 || w.ends[0] != head || len(w.ranges) != 0 {
		t.Errorf("snapshots begun at %v, ended at %v, events applied %v: want one snapshot to %d and no replay", w.begins, w.ends, w.ranges, head)
	}
	// 40 cases and 2,600 messages: about 6 pages of entities.
	if w.snapWrites == 0 || w.snapWrites > 6 {
		t.Errorf("%d snapshot writes", w.snapWrites)
	}
	w.mu.Unlock()

	// While it comes in, the status counts its cases (the cursor moves only
	// at its end: it said "0 of N events" until then); at the end the
	// count is gone.
	rec.mu.Lock()
	most := 0
	for _, s := range rec.all {
		if s.SnapshotCases > 0 && (s.State != client.StateSyncing || s.Cursor != 0) {
			t.Errorf("status %+v: a snapshot count outside a snapshot", s)
		}
		most = max(most, s.SnapshotCases)
	}
	last := rec.all[len(rec.all)-1]
	rec.mu.Unlock()
	if most != 40 || last.SnapshotCases != 0 {
		t.Errorf("snapshot cases counted up to %d (want the 40 cases), %d at the end", most, last.SnapshotCases)
	}

	// Live events follow as events.
	e.ingestN(t, "live", 3, 1)
	waitSynced(t, rec, w.Store, e)
	assertMirrors(t, w.Store, e)
	w.assertOnce(t, head, e.log.Head())
}

// A snapshot cut off in the middle leaves the cursor at 0, so the next
// connection gets the snapshot again, from its first page: the console ends
// with exactly the hub's state.
func TestInterruptedSnapshotRestartsCleanly(t *testing.T) {
	checkGoroutines(t)
	e := freshBacklog(t)
	head := e.log.Head()
	// The log's first page is about the size of a snapshot page.
	d, _, dials := countingDialer(3*pageBytes(t, e.log) + 1000)
	w := &watchedCache{Store: openStore(t)}
	rec := runWatched(t, e, w, d)
	waitSynced(t, rec, w.Store, e)
	assertMirrors(t, w.Store, e)
	if n := dials.Load(); n < 2 {
		t.Fatalf("%d connections, want the first one cut", n)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.begins) != 2 || w.begins[0] != 0 || w.begins[1] != 0 {
		t.Errorf("snapshots begun at cursors %v, want two at 0", w.begins)
	}
	if len(w.ends) != 1 || w.ends[0] != head {
		t.Errorf("snapshots ended at %v, want once at %d", w.ends, head)
	}
}

// Below the length from which a fresh console gets a snapshot, or with few
// events per case, the log is replayed: a replay resumes from the cursor.
func TestShortLogIsReplayedToAFreshConsole(t *testing.T) {
	checkGoroutines(t)
	dir := t.TempDir()
	e := openHub(t, dir)
	appendBacklog(t, e.log, freshSnapshot/2-100, 40)
	e.stop()
	e = openHub(t, dir)
	tm := timing
	tm.FreshSnapshot = freshSnapshot
	e.serveWith(t, "", tm)
	w := &watchedCache{Store: openStore(t)}
	rec := runWatched(t, e, w, nil)
	waitSynced(t, rec, w.Store, e)
	assertMirrors(t, w.Store, e)
	w.assertOnce(t, 0, e.log.Head())
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.begins) != 0 {
		t.Errorf("%d snapshots for a log of %d events", len(w.begins), e.log.Head())
	}
}
