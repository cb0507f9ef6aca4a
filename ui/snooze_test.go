package ui_test

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"switchboard/model"
	"switchboard/ui"
)

// Snoozed offline, the snooze waits in the outbox like any action: the
// outbox panel lists it ("Snooze until …" on its case), the case view
// says "Snoozed until …", the case is in Snoozed and out of the open
// views; cancelling it in the panel brings the case back.
func TestSnoozeOfflineInTheOutboxPanelAndCancelled(t *testing.T) {
	core, c, _ := openLounge(t)
	until := time.Now().Add(2 * time.Hour).Truncate(time.Minute)
	c.Locked(func() { c.Snooze("c-lounge", until) })
	eventually(t, c, "the snooze waits in the outbox", func() bool {
		return len(c.OutboxPanel().Rows()) == 1 && c.ViewButton("z").Text == "Snoozed  1"
	})
	if q, _ := core.Queued(); len(q) != 1 || q[0].Op.Kind != model.OpSnooze || !q[0].Op.Until.Equal(until.UTC()) {
		t.Fatalf("outbox %+v", q)
	}
	c.Locked(func() {
		r := c.OutboxPanel().Rows()[0]
		if want := "Snooze until " + ui.Stamp(until); !strings.Contains(r.Text(), want) || !strings.Contains(r.Text(), "@mbrenner_travels") {
			t.Errorf("outbox row %q, want %q on the lounge case", r.Text(), want)
		}
	})
	eventually(t, c, "the case view says it sleeps", func() bool {
		return strings.Contains(c.Detail().Texts()[0], ui.SnoozeLabel(until, time.Now()))
	})
	c.Locked(func() {
		r := c.OutboxPanel().Rows()[0]
		test.Tap(r.CancelButton()) // asks
		test.Tap(r.CancelButton()) // cancels
	})
	eventually(t, c, "cancelled", func() bool {
		return core.Pending() == 0 && len(c.OutboxPanel().Rows()) == 0 && c.SnoozedUntil("c-lounge").IsZero()
	})
	// This fixture's core is not started, so it posts no changes: the
	// view is asked for again.
	c.Locked(func() { c.SetView("a") })
	eventually(t, c, "awake again", func() bool { return c.ViewButton("z").Text == "Snoozed  0" })
}
