package ui_test

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
)

// Sending offers Undo for the undo window. The button came beside the send
// button and widened the action bar by its own width, so the splits gave
// the case pane that much of the queue's width for those seconds (seen in
// the live console at 1400×860: the queue 487 → 438 px and back). It now
// takes the canned answers' place: the bar keeps its width, and the Undo
// button shows at its full size, on top.
func TestUndoKeepsTheActionBarsWidth(t *testing.T) {
	core, c, w := openLounge(t)
	core.SetUndoWindow(time.Minute)
	kb := keyboard{t, c, w}
	var before float32
	kb.rune_('n')
	c.Locked(func() { before = c.Actions().MinSize().Width })
	kb.typ("Lounge manager informed")
	c.Locked(func() { c.Actions().Composer().Entry().TypedShortcut(&ctrlEnter) })
	eventually(t, c, "undo offered", func() bool { return c.Actions().Composer().UndoButton().Visible() })
	c.Locked(func() {
		w.Resize(fyne.NewSize(1401, 860))
		w.Resize(fyne.NewSize(1400, 860))
		if after := c.Actions().MinSize().Width; after != before {
			t.Errorf("the action bar wants %.0f px with Undo showing, %.0f before", after, before)
		}
		u := c.Actions().Composer().UndoButton()
		if sz, want := u.Size(), u.MinSize(); sz.Width < want.Width || sz.Height < want.Height {
			t.Errorf("Undo shown at %v, needs %v", sz, want)
		}
	})
	kb.rune_('u') // ends the undo timer: the console's Wait need not sit it out
}
