package ui_test

import (
	"testing"
	"time"

	"switchboard/ui"
)

// The status line says a snooze's time as the row and the case view do:
// "Snoozed until 16:30." today (it said "Snoozed until Wed 2 Dec 16:30."
// beside a case header saying "Snoozed until 16:30", seen in the window),
// the day only for another day.
func TestSnoozedMessageSaysTheTimeAsTheCaseDoes(t *testing.T) {
	_, c, _ := openLounge(t)
	now := time.Now()
	until := now.Add(20 * time.Minute).Truncate(time.Minute)
	want := ui.SnoozeLabel(until, now) + "."
	c.Locked(func() { c.Snooze("c-lounge", until) })
	eventually(t, c, "the snooze's message", func() bool { return c.StatusBar().FlashText() != "" })
	c.Locked(func() {
		if got := c.StatusBar().FlashText(); got != want {
			t.Errorf("status %q, want %q", got, want)
		}
	})
}
