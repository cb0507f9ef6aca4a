package ui_test

import (
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
)

func TestUndoSendTakesTheReplyBack(t *testing.T) {
	core, c, _ := openLounge(t)
	core.SetUndoWindow(time.Minute)
	c.Locked(func() {
		test.Type(c.Actions().ReplyEntry(), "Wrong customer, sorry")
		test.Tap(c.Actions().SendButton())
	})
	eventually(t, c, "undo offered", func() bool { return c.Actions().Composer().UndoButton().Visible() })
	if core.Pending() != 1 {
		t.Fatalf("pending %d", core.Pending())
	}
	c.Locked(func() { test.Tap(c.Actions().Composer().UndoButton()) })
	eventually(t, c, "the reply taken back", func() bool { return c.Actions().Info() == "Taken back: not sent" })
	c.Locked(func() {
		if got := c.Actions().ReplyEntry().Text; got != "Wrong customer, sorry" {
			t.Errorf("text not put back: %q", got)
		}
	})
	if core.Pending() != 0 {
		t.Fatalf("pending after undo %d", core.Pending())
	}
}
