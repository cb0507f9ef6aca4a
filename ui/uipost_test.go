package ui_test

import (
	"fmt"
	"testing"

	"switchboard/model"
	"switchboard/ui"
)

// TestQueueUpdatesWaitingForTheUIStayBounded: with a UI goroutine that
// lags behind the core (a busy window), the queue worker and the extras
// posted one closure per change, each holding the whole queue, and fyne.Do
// queued them without bound — the console reached 1.1 GB after ten minutes
// of the demo hub (issue 13). Now at most one update per producer waits,
// and the UI, once it runs, shows the newest queue.
func TestQueueUpdatesWaitingForTheUIStayBounded(t *testing.T) {
	b, c, _ := openLive(t, liveRows(300))
	waiting, run := ui.HoldUIPosts(t)
	const changes = 200
	for i := range changes {
		rows := liveRows(300)
		rows[0].Preview = fmt.Sprintf("change %d", i)
		b.set(c, rows)
	}
	if n := waiting(); n == 0 || n > 2 {
		t.Fatalf("%d updates wait for the UI after %d changes; want 1 or 2 (one per producer)", n, changes)
	}
	run()
	c.Wait()
	var first model.Summary
	c.Locked(func() {
		if rows := c.Rows(); len(rows) > 0 {
			first = rows[0]
		}
	})
	if want := fmt.Sprintf("change %d", changes-1); first.Preview != want {
		t.Fatalf("the list shows %q at the top; want the newest queue (%q)", first.Preview, want)
	}
	if n := waiting(); n != 0 {
		t.Fatalf("%d updates still wait after the UI ran", n)
	}
}
