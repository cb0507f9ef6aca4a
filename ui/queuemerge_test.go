package ui_test

import (
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"switchboard/model"
	"switchboard/ui"
)

// TestCatchUpKeepsTheTopRowUnderThePointer: while the initial sync runs
// and no case is open, the list takes each new order as it comes, but a
// list the agent scrolled keeps the row at its top where it is. It jumped
// back to the top with every hand-over (ten a second), seen scrolling a
// fresh console during a 100k sync.
func TestCatchUpKeepsTheTopRowUnderThePointer(t *testing.T) {
	rows := liveRows(200)
	b, c, _ := openLive(t, rows[5:])
	b.mu.Lock()
	b.syncing = true
	b.mu.Unlock()
	var top string
	c.Locked(func() {
		c.List().ScrollTo(60)
		first := c.FirstVisible()
		if first == 0 {
			t.Fatal("the list did not scroll")
		}
		top = c.Rows()[first].ID
	})
	b.set(c, rows) // five new cases above
	c.Locked(func() {
		if got := c.Rows(); len(got) != 200 || got[0].ID != "case-000" || c.NewBar().Visible() {
			t.Fatalf("catch-up: %d rows from %s, bar %v; want the new order shown at once", len(got), got[0].ID, c.NewBar().Visible())
		}
		if got := c.Rows()[c.FirstVisible()].ID; got != top {
			t.Fatalf("the top row is %s after the hand-over; want %s, where the agent scrolled to", got, top)
		}
	})
}

// TestQueueHandOverWorkOnTheUIGoroutineIsBounded: what a new queue costs
// the UI goroutine does not grow with the queue. With a case open (the
// list keeps its order), one row changing in a queue of 100k took several
// passes over all rows on the UI goroutine (a map by id, the kept order, a
// set of the shown, the open count, the open case searched for): 900 ms
// a hand-over without -race, and the list stuttered while a sync or the
// demo ran. The worker does them now. Time on a loaded machine is noisy,
// so the test counts what the passes leave behind, the memory the
// hand-over allocates: at 30k rows it was 30 times that at 1k (tens of
// MB), now about the same.
func TestQueueHandOverWorkOnTheUIGoroutineIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a queue of 30k rows")
	}
	var small, large handOverCost
	t.Run("1k", func(t *testing.T) { small = handOver(t, 1_000) })
	t.Run("30k", func(t *testing.T) { large = handOver(t, 30_000) })
	if t.Failed() {
		return
	}
	t.Logf("hand-over on the UI goroutine: %v and %d bytes at 1k rows, %v and %d bytes at 30k", small.took, small.bytes, large.took, large.bytes)
	if large.bytes > 4*small.bytes+1<<20 {
		t.Fatalf("a hand-over at 30k rows allocated %d bytes on the UI goroutine, %d at 1k; want about the same", large.bytes, small.bytes)
	}
}

type handOverCost struct {
	took  time.Duration
	bytes uint64
}

// handOver is the least cost of a few hand-overs of a changed queue of n
// rows to a list with a case open.
func handOver(t *testing.T, n int) handOverCost {
	rows := liveRows(n)
	b, c, _ := openLive(t, rows)
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
		shown := 0
		c.Locked(func() { shown = len(c.Rows()) })
		if shown == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d rows shown after a minute", shown, n)
		}
	}
	c.Locked(func() { c.Select(rows[3].ID) })
	c.Wait()
	waiting, run := ui.HoldUIPostsHere(t)
	best := handOverCost{took: 1 << 62, bytes: 1 << 62}
	for i := range 3 {
		next := slices.Clone(rows)
		next[7].Preview = fmt.Sprintf("change %d", i)
		next[n-1].Status = model.StatusSolved
		b.set(c, next)
		if waiting() == 0 {
			t.Fatalf("no hand-over waits for the UI (%d rows, change %d)", n, i)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		run()
		took := time.Since(start)
		runtime.ReadMemStats(&after)
		best.took, best.bytes = min(best.took, took), min(best.bytes, after.TotalAlloc-before.TotalAlloc)
		c.Locked(func() {
			if got := c.Rows()[7].Preview; got != next[7].Preview {
				t.Fatalf("row 7 shows %q; want %q", got, next[7].Preview)
			}
		})
	}
	return best
}
