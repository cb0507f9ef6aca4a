package ui_test

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"switchboard/model"
)

// The "N new — show" bar keeps its room while hidden: it pushed the list
// down when it came and pulled it up when it went, so "." (or a tap on the
// bar) moved every row under the pointer, and the next new case moved them
// back (seen in the live console at 300 demo messages a minute).
func TestNewBarComingAndGoingDoesNotMoveTheList(t *testing.T) {
	rows := liveRows(50)
	b, c, w := openLive(t, rows)
	c.Locked(func() { c.InstallKeys(w); c.Select("case-001") })
	listY := func() float32 {
		var y float32
		c.Locked(func() {
			w.Resize(fyne.NewSize(1281, 800)) // the test canvas lays out again on a resize
			w.Resize(fyne.NewSize(1280, 800))
			y = fyne.CurrentApp().Driver().AbsolutePositionForObject(c.List()).Y
		})
		return y
	}
	before := listY()
	// And the room is not a blank strip over the list while nothing is
	// new (most of the time): the bar lies over the list's first row.
	// Its slot under the header left 36 units empty at 100 %.
	c.Locked(func() {
		sort := c.SortSelect()
		bottom := fyne.CurrentApp().Driver().AbsolutePositionForObject(sort).Y + sort.Size().Height
		if c.NewBar().Visible() || before-bottom > 2*theme.Padding() {
			t.Errorf("the list starts %.0f units under the queue's header (bar shown: %v); want at most %.0f", before-bottom, c.NewBar().Visible(), 2*theme.Padding())
		}
	})
	s := liveRows(1)[0]
	s.ID, s.Author = "new-0", "Newcomer"
	b.set(c, append([]model.Summary{s}, rows...))
	eventually(t, c, "the bar", func() bool { return c.NewBar().Visible() })
	if y := listY(); y != before {
		t.Errorf("the bar came: the list moved from y=%v to y=%v", before, y)
	}
	keyboard{t, c, w}.rune_('.')
	eventually(t, c, "the bar gone", func() bool { return !c.NewBar().Visible() })
	if y := listY(); y != before {
		t.Errorf("the bar went: the list moved from y=%v to y=%v", before, y)
	}
	c.Locked(func() {
		if sz := c.NewBar().Size(); sz.Height < c.NewBar().MinSize().Height {
			t.Errorf("the bar at %v", sz)
		}
	})
}
