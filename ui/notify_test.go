package ui_test

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"switchboard/app"
	"switchboard/model"
	"switchboard/ui"
)

// claimingBackend is a live queue whose Do applies a claim as the core
// does at once: the case is the agent's.
type claimingBackend struct{ *liveBackend }

func (b claimingBackend) Do(op model.Op) (model.Op, error) {
	b.mu.Lock()
	for i := range b.rows {
		if b.rows[i].ID == op.CaseID && op.Kind == model.OpClaim {
			b.rows[i].Assignee = b.Me()
		}
	}
	fs := slices.Clone(b.onChange)
	b.mu.Unlock()
	for _, f := range fs {
		f(app.Change{Queue: true})
	}
	return op, nil
}

// Notifications in a session: a case someone else puts in Mine and a new
// high-reach case notify, with the author, handle and first line; a case
// the agent claims themselves (a) does not — it notified "New in Mine"
// for the case just claimed (seen with a notification server on D-Bus);
// muted, nothing notifies.
func TestNotificationsForMineAndHighReachNotForOwnClaims(t *testing.T) {
	test.NewTempApp(t)
	lb := &liveBackend{rows: liveRows(8)}
	c := ui.New(claimingBackend{lb})
	c.Wait()
	var mu sync.Mutex
	var notes []string
	c.Locked(func() {
		c.SetNotifier(func(n *fyne.Notification) {
			mu.Lock()
			notes = append(notes, n.Title+" | "+n.Content)
			mu.Unlock()
		})
	})
	var w fyne.Window
	c.Locked(func() {
		w = test.NewWindow(c.Content())
		w.Resize(fyne.NewSize(1280, 800))
		c.InstallKeys(w)
	})
	t.Cleanup(func() { c.Locked(w.Close); c.Wait() })
	got := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(notes)
	}
	told := func(what, want string) {
		t.Helper()
		eventually(t, c, what, func() bool { return slices.Contains(got(), want) })
	}
	rows := func(change func([]model.Summary)) {
		lb.mu.Lock()
		r := slices.Clone(lb.rows)
		lb.mu.Unlock()
		change(r)
		lb.set(c, r)
	}

	// A lead gives case 1 to anna.
	rows(func(r []model.Summary) { r[1].Assignee = "anna" })
	told("case 1 new in Mine", "New in Mine | Customer 001: message of case 1")

	// anna claims case 2 herself, then the lead gives her case 3.
	c.Locked(func() { c.Select("case-002") })
	eventually(t, c, "case 2 open", func() bool { return c.Selected() == "case-002" && c.Actions().Visible() })
	w.Canvas().OnTypedRune()('a')
	eventually(t, c, "case 2 claimed", func() bool { return c.ViewButton("m").Text == "Mine  2" })
	rows(func(r []model.Summary) { r[3].Assignee = "anna" })
	told("case 3 new in Mine", "New in Mine | Customer 003: message of case 3")

	// A high-reach author writes.
	rows(func(r []model.Summary) { r[4].Reach = model.ReachHigh })
	told("case 4 high reach", "High-reach case | Customer 004 @cust004: message of case 4")

	// Muted: case 5 in Mine says nothing; unmuted, case 6 does.
	c.Locked(func() { c.SetMute(true) })
	rows(func(r []model.Summary) { r[5].Assignee = "anna" })
	eventually(t, c, "Mine counts case 5", func() bool { return c.ViewButton("m").Text == "Mine  4" })
	c.Wait()
	c.Locked(func() { c.SetMute(false) })
	rows(func(r []model.Summary) { r[6].Assignee = "anna" })
	told("case 6 new in Mine", "New in Mine | Customer 006: message of case 6")

	for _, n := range got() {
		if strings.Contains(n, "case 2") || strings.Contains(n, "case 5") {
			t.Errorf("notified %q", n)
		}
	}
	if n := len(got()); n != 4 {
		t.Errorf("%d notifications, want 4: %q", n, got())
	}
}
