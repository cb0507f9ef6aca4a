package ui_test

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"switchboard/app"
	"switchboard/model"
	"switchboard/ui"
)

// idBackend is a live queue that names the cases each change touched and
// looks cases up by id, as the core does (Change.Cases, Core.Summary); it
// counts the cases it hands out, in lists and one by one.
type idBackend struct {
	*liveBackend
	reads atomic.Int64
}

func (b *idBackend) Queue(f app.Filter) []model.Summary {
	rows := b.liveBackend.Queue(f)
	b.reads.Add(int64(len(rows)))
	return rows
}

func (b *idBackend) Summary(id string) (model.Summary, bool) {
	b.reads.Add(1)
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, s := range b.rows {
		if s.ID == id {
			return s, true
		}
	}
	return model.Summary{}, false
}

// change applies f to the rows and tells the console which cases changed.
func (b *idBackend) change(c *ui.Console, f func([]model.Summary)) {
	b.mu.Lock()
	before := slices.Clone(b.rows)
	f(b.rows)
	var ids []string
	for i, s := range b.rows {
		if s != before[i] {
			ids = append(ids, s.ID)
		}
	}
	fs := slices.Clone(b.onChange)
	b.mu.Unlock()
	for _, f := range fs {
		f(app.Change{Queue: true, Cases: ids})
	}
	if c != nil {
		c.Wait()
	}
}

// Do applies a claim at once, as the core does, naming the case.
func (b *idBackend) Do(op model.Op) (model.Op, error) {
	b.change(nil, func(rows []model.Summary) {
		for i := range rows {
			if rows[i].ID == op.CaseID && op.Kind == model.OpClaim {
				rows[i].Assignee = b.Me()
			}
		}
	})
	return op, nil
}

// The notifications read the cases a queue change names, not every open
// case: each change read the whole open queue (and announce went through
// it on the UI goroutine), 40 cases a change here at 40 open cases and
// 400 at 400 — with 300+ open cases and up to ten changes a second. Now a
// change of one case reads one, at either size, and the notifications are
// the same: a case put in Mine by someone else, a high-reach case, a case
// that leaves Mine and comes back; not the case the agent claims.
func TestNotificationsReadOnlyTheChangedCases(t *testing.T) {
	perChange := map[int]float64{}
	for _, open := range []int{40, 400} {
		test.NewTempApp(t)
		b := &idBackend{liveBackend: &liveBackend{rows: liveRows(open)}}
		c := ui.New(b)
		c.Wait()
		var mu sync.Mutex
		var notes []string
		var w fyne.Window
		c.Locked(func() {
			c.SetNotifier(func(n *fyne.Notification) {
				mu.Lock()
				notes = append(notes, n.Title+" | "+n.Content)
				mu.Unlock()
			})
			w = test.NewWindow(c.Content())
			w.Resize(fyne.NewSize(1280, 800))
			c.InstallKeys(w)
		})
		got := func() []string { mu.Lock(); defer mu.Unlock(); return slices.Clone(notes) }
		// The list shows a search that finds nothing: its own reads are
		// not counted.
		c.Locked(func() { c.Search().SetText("no such case") })
		c.Wait()
		b.reads.Store(0)
		changes := 0
		change := func(f func([]model.Summary)) { changes++; b.change(c, f) }

		change(func(r []model.Summary) { r[1].Assignee = "anna" })
		// anna claims case 2 herself (a, from the case view).
		c.Locked(func() { c.Search().SetText(""); c.Select("case-002") })
		eventually(t, c, "case 2 open", func() bool { return c.Selected() == "case-002" && c.Actions().Visible() })
		c.Locked(func() { c.Search().SetText("no such case") })
		c.Wait()
		b.reads.Store(0)
		changes = 0
		w.Canvas().OnTypedRune()('a')
		changes++
		eventually(t, c, "case 2 claimed", func() bool { return c.ViewButton("m").Text == "Mine  2" })
		change(func(r []model.Summary) { r[4].Reach = model.ReachHigh })
		change(func(r []model.Summary) { r[1].Assignee = "bob" })
		change(func(r []model.Summary) { r[1].Assignee = "anna" })
		change(func(r []model.Summary) { r[7].Status = model.StatusSolved })
		c.Wait()
		reads := b.reads.Load()
		perChange[open] = float64(reads) / float64(changes)
		t.Logf("%d open cases: %d cases read for the notifications in %d queue changes (%.1f a change)", open, reads, changes, perChange[open])

		want := []string{
			"New in Mine | Customer 001: message of case 1",
			"High-reach case | Customer 004 @cust004: message of case 4",
			"New in Mine | Customer 001: message of case 1", // back in Mine
		}
		eventually(t, c, "the notifications", func() bool { return len(got()) >= len(want) })
		c.Wait()
		if n := got(); !slices.Equal(n, want) {
			t.Errorf("%d open cases: notified %q, want %q", open, n, want)
		}
		for _, n := range got() {
			if strings.Contains(n, "case 2") {
				t.Errorf("the agent's own claim notified %q", n)
			}
		}
		if reads > int64(changes) {
			t.Errorf("%d open cases: %d cases read in %d changes of one case each", open, reads, changes)
		}
		c.Locked(w.Close)
		c.Wait()
	}
	if perChange[400] > perChange[40] {
		t.Errorf("cases read a change grow with the open cases: %.1f at 40, %.1f at 400", perChange[40], perChange[400])
	}
}
