package ui_test

import (
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"switchboard/app"
	"switchboard/internal/bench"
	"switchboard/model"
	"switchboard/sync/client"
	"switchboard/ui"
)

// scrollBackend is a console backend that holds n queue rows in memory and
// nothing else: the scroll scenario measures the list, not the core.
// ui.Backend is embedded so that a method added to the interface later
// does not break this file's build; the console calls only those below
// while it is shown and scrolled.
type scrollBackend struct {
	ui.Backend
	rows []model.Summary
}

func (b *scrollBackend) Queue(app.Filter) []model.Summary           { return b.rows }
func (b *scrollBackend) Status() client.Status                      { return client.Status{State: client.StateOffline} }
func (b *scrollBackend) Count() int                                 { return len(b.rows) }
func (b *scrollBackend) OnChange(func(app.Change))                  {}
func (b *scrollBackend) Me() string                                 { return "anna" }
func (b *scrollBackend) Lead() bool                                 { return false }
func (b *scrollBackend) Pending() int                               { return 0 }
func (b *scrollBackend) Rejected() ([]app.RejectedOp, error)        { return nil, nil }
func (b *scrollBackend) SetPresence(string, bool)                   {}
func (b *scrollBackend) Presence(string) (viewing, typing []string) { return nil, nil }

// scrollRows are n queue rows as a busy team's cache holds them: every
// channel, status and reach, authors and previews of real length.
func scrollRows(n int) []model.Summary {
	now := time.Now().UTC()
	channels := []model.Channel{model.ChannelTwitter, model.ChannelFacebook, model.ChannelForum}
	statuses := []model.Status{model.StatusNew, model.StatusOpen, model.StatusPending, model.StatusSolved}
	reach := []model.Reach{model.ReachNone, model.ReachNone, model.ReachNone, model.ReachNotable, model.ReachInfluencer, model.ReachHigh}
	subjects := []string{
		"@SkyWingsAir my bag did not arrive in Lisbon, file LIS-SW-%d, three days now",
		"Refund for the cancelled flight %d still not on my card after six weeks",
		"Software 4.2 range dropped by 40 km since the update (car %d)",
		"Why was I refused at the lounge? Senator for 9 years, booking %d",
		"Voucher %d does not work in the app, says expired",
	}
	rows := make([]model.Summary, n)
	for i := range rows {
		t := now.Add(-time.Duration(i) * 37 * time.Second)
		rows[i] = model.Summary{
			ID:            fmt.Sprintf("case-%07d", i),
			Channel:       channels[i%len(channels)],
			Author:        fmt.Sprintf("Customer Number %d", i),
			Handle:        fmt.Sprintf("@customer_%d", i),
			Reach:         reach[i%len(reach)],
			Preview:       fmt.Sprintf(subjects[i%len(subjects)], 20_000+i),
			Status:        statuses[i%len(statuses)],
			Priority:      model.PriorityNormal,
			Created:       t.Add(-time.Hour),
			LastMessageAt: t,
			MessageCount:  3,
			Version:       1,
		}
	}
	return rows
}

const (
	scrollWarm  = 30  // steps before measuring: row widgets made, caches warm
	scrollSteps = 400 // measured steps per run
)

// scrollP99 shows the console on rows in a test window and returns the
// p99 of one mouse-wheel step over the queue list: the scroll event, the
// list's offset update, and the update and layout of the rows that come
// into view (test driver: no GL, no painting). It scrolls from the middle
// of the list, down and then back up.
func scrollP99(tb testing.TB, rows []model.Summary) time.Duration {
	test.NewTempApp(tb)
	c := ui.New(&scrollBackend{rows: rows})
	c.Wait() // the queue is computed off the UI goroutine
	w := test.NewWindow(c.Content())
	defer func() { w.Close(); c.Wait() }()
	w.Resize(fyne.NewSize(1280, 800))
	// The console computes its rows on a goroutine; wait for them, and
	// drive the widgets under its lock (the test driver runs fyne.Do on
	// the caller's goroutine).
	c.Wait()
	var list *widget.List
	var at fyne.Position
	c.Locked(func() {
		list, at = queueList(tb, w, len(rows))
		// Start mid-list: at 300k rows that is far from anything a small
		// list ever reaches.
		list.ScrollToBottom()
		list.ScrollToOffset(list.GetScrollOffset() / 2)
	})
	const delta = 120 // a few rows per step, as a fast wheel turn
	step := func(i int) {
		d := float32(-delta)
		if (i/100)%2 == 1 {
			d = delta
		}
		test.Scroll(w.Canvas(), at, 0, d)
	}
	for i := range scrollWarm {
		c.Locked(func() { step(i) })
	}
	ds := make([]time.Duration, scrollSteps)
	for i := range ds {
		var before, after float32
		c.Locked(func() {
			before = list.GetScrollOffset()
			t := time.Now()
			step(i)
			ds[i] = time.Since(t)
			after = list.GetScrollOffset()
		})
		if after == before {
			tb.Fatalf("scroll step %d at %d rows did not move the queue (offset %v)", i, len(rows), before)
		}
	}
	return bench.Percentile(ds, 99)
}

// queueList finds the console's queue (the list of n rows) in w, and a
// point over it for scroll events.
func queueList(tb testing.TB, w fyne.Window, n int) (*widget.List, fyne.Position) {
	for _, o := range test.LaidOutObjects(w.Content()) {
		if l, ok := o.(*widget.List); ok && l.Length != nil && l.Length() == n {
			pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(l)
			return l, pos.Add(fyne.NewPos(l.Size().Width/2, l.Size().Height/2))
		}
	}
	tb.Fatalf("no list of %d rows in the console", n)
	return nil, fyne.Position{}
}

// BenchmarkScenarioUIScroll is ui_scroll_p99 of `make bench`: one scroll
// step of the console's queue list at 300,000 rows, against the same at
// 1,000 rows. Each size is measured bench.Runs() times, alternating, and
// the medians of the runs' p99 are reported.
func BenchmarkScenarioUIScroll(b *testing.B) {
	big, small := scrollRows(300_000), scrollRows(1_000)
	for b.Loop() {
		var bigP, smallP []float64
		for range bench.Runs() {
			smallP = append(smallP, bench.Ms(scrollP99(b, small)))
			bigP = append(bigP, bench.Ms(scrollP99(b, big)))
		}
		bench.Report("ui_scroll_p99", bench.Median(bigP), "ms", bench.Median(smallP))
	}
}

// TestScrollMovesTheQueue checks that the scenario's scroll events reach
// the queue list and change the rows it shows.
func TestScrollMovesTheQueue(t *testing.T) {
	test.NewTempApp(t)
	c := ui.New(&scrollBackend{rows: scrollRows(1_000)})
	c.Wait() // the queue is computed off the UI goroutine
	w := test.NewWindow(c.Content())
	defer func() { w.Close(); c.Wait() }()
	w.Resize(fyne.NewSize(1280, 800))
	c.Wait() // the rows come from a goroutine
	c.Locked(func() {
		list, at := queueList(t, w, 1_000)
		before := test.RenderToMarkup(w.Canvas())
		test.Scroll(w.Canvas(), at, 0, -2000)
		if list.GetScrollOffset() == 0 {
			t.Fatal("a scroll over the queue did not move it")
		}
		if test.RenderToMarkup(w.Canvas()) == before {
			t.Fatal("a scroll over the queue did not change what it shows")
		}
	})
}
