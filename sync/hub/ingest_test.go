package hub

import (
	"errors"
	"fmt"
	"hash/maphash"
	"strings"
	"sync"
	"testing"

	"switchboard/model"
)

// A case read by an item's caller before it queued is used only if nothing
// changed the case since: here an agent solves it in between, and the
// follow-up must reopen the solved case, not fold into the state read
// before (which would put it back to new and lose a version).
func TestIngestPrefetchedCaseGoneStale(t *testing.T) {
	h, l := openTestHub(t, t.TempDir())
	defer l.Close()
	id, _, err := h.Ingest(tweet("t1", "p1", "my bag is lost"))
	if err != nil {
		t.Fatal(err)
	}
	in := tweet("t1", "p2", "any news?")
	if err := h.validate(&in); err != nil {
		t.Fatal(err)
	}
	var pre prefetched
	var out Ingested
	if !h.prefetch(&in, &pre, &out) || !pre.ok || pre.id != id || pre.c.Status != model.StatusNew {
		t.Fatalf("prefetch: %+v %+v", pre, out)
	}
	if err := h.SetStatus(id, model.StatusSolved, h.cfg.Now()); err != nil {
		t.Fatal(err)
	}
	solved, _ := h.Case(id)
	h.mu.Lock()
	h.grouping = true
	got, dup, err := h.ingestPreLocked(in, &pre)
	h.grouping = false
	g := h.group
	h.group = nil
	waits := h.takeWaitsLocked()
	h.mu.Unlock()
	if g != nil {
		waits = append(waits, g.Seal())
	}
	if werr := waitAll(waits); err == nil {
		err = werr
	}
	if err != nil || dup || got != id {
		t.Fatalf("ingest: %s %v %v", got, dup, err)
	}
	c, _ := h.Case(id)
	if c.Status != model.StatusOpen || c.Version != solved.Version+1 || c.MessageCount != 2 {
		t.Fatalf("after a follow-up to the solved case: status %s version %d (solved at %d) messages %d; want open, %d, 2",
			c.Status, c.Version, solved.Version, c.MessageCount, solved.Version+1)
	}

	// Unchanged, the prefetched case is the one folded into.
	in = tweet("t1", "p3", "still waiting")
	if err := h.validate(&in); err != nil {
		t.Fatal(err)
	}
	pre, out = prefetched{}, Ingested{}
	if !h.prefetch(&in, &pre, &out) || !pre.ok || pre.c.Version != c.Version {
		t.Fatalf("prefetch: %+v", pre)
	}
	if _, _, err := h.Ingest(in); err != nil {
		t.Fatal(err)
	}
	if c2, _ := h.Case(id); c2.Version != c.Version+1 || c2.MessageCount != 3 {
		t.Fatalf("version %d messages %d, want %d, 3", c2.Version, c2.MessageCount, c.Version+1)
	}
}

// Many callers at once, each platform message sent by two of them, into a
// few threads: every message is stored once, in its thread's case, and
// each case counts exactly its messages, one version each.
func TestIngestConcurrentCallersDedupeAndCount(t *testing.T) {
	h, l := openTestHub(t, t.TempDir())
	defer l.Close()
	const threads, perThread, callers = 5, 40, 16
	type item struct{ thread, n int }
	var items []item
	for n := range perThread {
		for th := range threads {
			items = append(items, item{th, n})
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	stored := map[string]string{} // platform id → case, from the answers not dup
	dups := map[string]string{}   // platform id → case, from the dup answers
	errs := make(chan error, callers)
	for w := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Two callers send each item: w and w+callers/2 take the same
			// share, in opposite orders.
			share := w % (callers / 2)
			for k := range items {
				i := k
				if w >= callers/2 {
					i = len(items) - 1 - k
				}
				if i%(callers/2) != share {
					continue
				}
				it := items[i]
				pid := fmt.Sprintf("p-%d-%d", it.thread, it.n)
				id, dup, err := h.Ingest(tweet(fmt.Sprintf("t%d", it.thread), pid, fmt.Sprintf("message %d", it.n)))
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				if dup {
					dups[pid] = id
				} else if prev, ok := stored[pid]; ok {
					errs <- fmt.Errorf("%s stored twice (%s, %s)", pid, prev, id)
				} else {
					stored[pid] = id
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(stored) != threads*perThread || len(dups) != threads*perThread {
		t.Fatalf("%d messages stored, %d answered as duplicates; want %d each", len(stored), len(dups), threads*perThread)
	}
	for pid, id := range dups {
		if stored[pid] != id {
			t.Errorf("%s: duplicate answered with case %s, stored in %s", pid, id, stored[pid])
		}
	}
	for th := range threads {
		c, ok := h.CaseByThread(model.ChannelTwitter, fmt.Sprintf("t%d", th))
		if !ok {
			t.Fatalf("no case for thread t%d", th)
		}
		msgs, err := h.log.Thread(c.ID)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, m := range msgs {
			if seen[m.PlatformID] {
				t.Errorf("case %s holds %s twice", c.ID, m.PlatformID)
			}
			seen[m.PlatformID] = true
			if stored[m.PlatformID] != c.ID {
				t.Errorf("%s answered as stored in %s, is in %s", m.PlatformID, stored[m.PlatformID], c.ID)
			}
		}
		if len(msgs) != perThread || c.MessageCount != perThread || c.Version != perThread {
			t.Errorf("thread t%d: %d messages, count %d, version %d; want %d each", th, len(msgs), c.MessageCount, c.Version, perThread)
		}
	}
}

// The seen filter is built from the seen index of a log opened again, and
// keeps what is queued while it is built: a message stored before either
// is still a duplicate, and most keys never seen are answered by the
// filter alone.
func TestSeenFilter(t *testing.T) {
	if maphash.String(seenSeed, "twitter|p1") != maphash.Bytes(seenSeed, []byte("twitter|p1")) {
		t.Fatal("the filter's string and bytes hashes differ")
	}
	dir := t.TempDir()
	h, l := openTestHub(t, dir)
	var ins []Inbound
	for i := range 300 {
		ins = append(ins, tweet(fmt.Sprintf("t%d", i%7), fmt.Sprintf("old-%d", i), "hello"))
	}
	for _, r := range h.IngestMany(ins) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	l.Close()

	h, l = openTestHub(t, dir)
	defer l.Close()
	if l.seenBuilt != nil {
		t.Fatal("the filter's build started with the open, before any lookup")
	}
	l.Seen("twitter|none") // the first lookup starts the build
	<-l.seenBuilt
	if l.q.seenF.Load() == nil {
		t.Fatal("no seen filter after the build")
	}
	// As if the filter were still being built: what is queued now is kept
	// for it.
	l.q.mu.Lock()
	l.q.seenF.Store(nil)
	l.q.mu.Unlock()
	if _, _, err := h.Ingest(tweet("t1", "during-build", "hi")); err != nil {
		t.Fatal(err)
	}
	l.q.mu.Lock()
	kept := len(l.q.seenAdds)
	l.q.mu.Unlock()
	if kept != 1 {
		t.Fatalf("%d keys kept for the filter, want 1", kept)
	}
	l.buildSeenFilter()
	if l.q.seenF.Load() == nil {
		t.Fatal("no seen filter after the second build")
	}
	for _, pid := range []string{"old-0", "old-150", "old-299", "during-build"} {
		if l.q.seenMiss(threadKey(model.ChannelTwitter, pid)) {
			t.Errorf("the filter misses %s", pid)
		}
		if _, dup, err := h.Ingest(tweet("t1", pid, "again")); err != nil || !dup {
			t.Errorf("%s again: dup %v err %v", pid, dup, err)
		}
	}
	if _, dup, err := h.Ingest(tweet("t1", "after-build", "new")); err != nil || dup {
		t.Fatalf("a new message: dup %v err %v", dup, err)
	}
	if _, dup, _ := h.Ingest(tweet("t1", "after-build", "new")); !dup {
		t.Fatal("a message stored after the build is not a duplicate")
	}
	misses := 0
	for i := range 1000 {
		if l.q.seenMiss(threadKey(model.ChannelTwitter, fmt.Sprintf("never-%d", i))) {
			misses++
		}
	}
	if misses < 900 {
		t.Fatalf("the filter answers %d of 1000 unseen keys, want most", misses)
	}
}

// When the commit of a group fails, every item of it is answered with the
// error, not as stored: a message of a case and a listened post (logged,
// with no case) alike, and a caller whose single Ingest shared the group.
func TestIngestManyAnswersFailedCommit(t *testing.T) {
	h, l := openTestHub(t, t.TempDir())
	defer l.Close()
	if _, _, err := h.Ingest(tweet("t1", "p1", "first")); err != nil {
		t.Fatal(err)
	}
	l.q.mu.Lock()
	l.q.failNext = errors.New("no space left on device")
	l.q.mu.Unlock()
	listened := Inbound{Channel: model.ChannelTwitter, ThreadRef: "x1", PlatformID: "x1", Listen: true,
		Author: model.Identity{Handle: "@someone"}, Text: "anyone else flying tomorrow?"}
	res := h.IngestMany([]Inbound{tweet("t1", "p2", "second"), listened, tweet("t2", "p3", "a new thread")})
	for i, r := range res {
		if r.Err == nil || !strings.Contains(r.Err.Error(), "no space left") || r.CaseID != "" || r.Dup {
			t.Errorf("item %d: %+v, want the commit's error", i, r)
		}
	}
	// The memory is ahead of the disk now: later writes fail too, until a
	// restart loads what the disk holds.
	if _, _, err := h.Ingest(tweet("t3", "p4", "later")); err == nil {
		t.Fatal("an ingest after a failed commit was answered as stored")
	}
}
