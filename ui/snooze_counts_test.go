package ui_test

import (
	"testing"
	"time"
)

// A snoozed case changed while out of sight leaves the counts right: the
// console counted a snoozed case out of the views as its row last showed
// it, so a snoozed pending case solved from Mine (where it is not listed)
// still counted out of On hold, which showed -1 (seen in the window);
// here solved from Unassigned.
func TestSnoozedCaseSolvedOutOfSightKeepsTheCounts(t *testing.T) {
	_, c, _ := openLounge(t)
	c.Locked(func() { c.Key("a") })
	eventually(t, c, "claimed", func() bool { return c.ViewButton("m").Text == "Mine  1" })
	c.Locked(func() { c.Key("p") })
	eventually(t, c, "the lounge on hold", func() bool { return c.ViewButton("p").Text == "On hold  1" })
	c.Locked(func() { c.Snooze("c-lounge", time.Now().Add(time.Hour)) })
	eventually(t, c, "snoozed: out of On hold", func() bool {
		return c.ViewButton("p").Text == "On hold  0" && c.ViewButton("z").Text == "Snoozed  1"
	})
	c.Locked(func() {
		c.SetView("u") // the lounge is the agent's: not listed, still open
		c.Key("e")
	})
	eventually(t, c, "solved: counted nowhere", func() bool {
		return c.ViewButton("z").Text == "Snoozed  0" && c.ViewButton("p").Text == "On hold  0"
	})
	c.Locked(func() {
		for _, k := range []string{"m", "u", "h", "w", "r", "p", "b", "z", "d", "a"} {
			if b := c.ViewButton(k); b != nil && len(b.Text) > 0 && b.Text[len(b.Text)-2:] == "-1" {
				t.Errorf("view %s: %q", k, b.Text)
			}
		}
	})
}
