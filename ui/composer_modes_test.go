package ui_test

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"switchboard/model"
	"switchboard/ui"
)

// A note typed after n never becomes a public reply after r and
// Ctrl+Enter: each mode keeps its own draft, and the send button names
// the reader.
func TestReplyBoxNeverHoldsTheNotesText(t *testing.T) {
	core, c, w := openLounge(t)
	rune_ := func(r rune) { w.Canvas().OnTypedRune()(r) }
	comp := c.Actions().Composer()
	rune_('n')
	c.Locked(func() {
		if comp.Mode() != ui.ModeNote {
			t.Fatalf("n: mode %v", comp.Mode())
		}
		test.Type(c.Actions().ReplyEntry(), "VIP: lounge manager called, do not promise refund")
		w.Canvas().Unfocus()
	})
	rune_('r')
	c.Locked(func() {
		if comp.Mode() != ui.ModeReply {
			t.Fatalf("r: mode %v", comp.Mode())
		}
		if got := c.Actions().ReplyEntry().Text; got != "" {
			t.Errorf("the reply box holds %q after n, typing, r", got)
		}
		if got := c.Actions().SendButton().Text; got != "Send publicly to @mbrenner_travels" {
			t.Errorf("reply send button %q", got)
		}
		// Ctrl+Enter on the empty reply sends nothing.
		comp.Entry().TypedShortcut(&ctrlEnter)
		test.Type(c.Actions().ReplyEntry(), "Sorry about the lounge, we are on it.")
		w.Canvas().Unfocus()
	})
	if core.Pending() != 0 {
		t.Fatalf("%d ops queued from an empty reply", core.Pending())
	}
	rune_('n')
	c.Locked(func() {
		if got := c.Actions().ReplyEntry().Text; got != "VIP: lounge manager called, do not promise refund" {
			t.Errorf("back in note mode the box holds %q", got)
		}
		if got := c.Actions().SendButton().Text; got != "Add internal note" {
			t.Errorf("note send button %q", got)
		}
		w.Canvas().Unfocus()
	})
	rune_('r')
	c.Locked(func() {
		if got := c.Actions().ReplyEntry().Text; got != "Sorry about the lounge, we are on it." {
			t.Errorf("back in reply mode the box holds %q", got)
		}
		comp.Entry().TypedShortcut(&ctrlEnter)
	})
	eventually(t, c, "the reply queued", func() bool { return c.Actions().Info() == "Reply queued" })
	q, _ := core.Queued()
	if len(q) != 1 || q[0].Op.Kind != model.OpReply || q[0].Op.Text != "Sorry about the lounge, we are on it." {
		t.Fatalf("queued %+v", q)
	}
	// The note is still there, and goes out as a note.
	rune_('n')
	c.Locked(func() {
		if got := c.Actions().ReplyEntry().Text; got != "VIP: lounge manager called, do not promise refund" {
			t.Errorf("after the reply went, the note box holds %q", got)
		}
		comp.Send()
	})
	eventually(t, c, "the note queued", func() bool { return c.Actions().Info() == "Note queued" })
	q, _ = core.Queued()
	if len(q) != 2 || q[1].Op.Kind != model.OpNote || !strings.HasPrefix(q[1].Op.Text, "VIP:") {
		t.Fatalf("queued %+v", q)
	}
}

// The note typed in one case is still the note when the agent comes back
// to the case, not the reply.
func TestNoteDraftStaysANoteAcrossCases(t *testing.T) {
	_, c, w := openLounge(t)
	rune_ := func(r rune) { w.Canvas().OnTypedRune()(r) }
	comp := c.Actions().Composer()
	var other string
	c.Locked(func() {
		for _, r := range c.Rows() {
			if r.ID != "c-lounge" {
				other = r.ID
				break
			}
		}
	})
	if other == "" {
		t.Fatal("no second case in the fixture")
	}
	rune_('n')
	c.Locked(func() {
		test.Type(c.Actions().ReplyEntry(), "internal only")
		w.Canvas().Unfocus()
	})
	rune_('r')
	c.Locked(func() {
		test.Type(c.Actions().ReplyEntry(), "public words")
		c.Select(other)
	})
	eventually(t, c, "the other case", func() bool {
		return c.Actions().Visible() && c.Selected() == other && !strings.Contains(c.Detail().Title(), "lounge")
	})
	c.Locked(func() { c.Select("c-lounge") })
	eventually(t, c, "back on the lounge case", func() bool {
		return c.Selected() == "c-lounge" && c.Actions().ReplyEntry().Text != ""
	})
	c.Locked(func() {
		if comp.Mode() != ui.ModeReply || c.Actions().ReplyEntry().Text != "public words" {
			t.Errorf("reply mode %v holds %q", comp.Mode() == ui.ModeReply, c.Actions().ReplyEntry().Text)
		}
		comp.SetMode(ui.ModeNote)
		if got := c.Actions().ReplyEntry().Text; got != "internal only" {
			t.Errorf("note box holds %q", got)
		}
	})
}

// The line under the buttons ("Note…", "Note queued") keeps its room:
// the send button stays where it was.
func TestComposerSendButtonHoldsStill(t *testing.T) {
	_, c, w := openLounge(t)
	comp := c.Actions().Composer()
	pos := func() fyne.Position {
		// The test canvas lays out again on a resize only (the window's
		// does on each frame where a minimum size changed).
		w.Resize(fyne.NewSize(1401, 860))
		w.Resize(fyne.NewSize(1400, 860))
		return fyne.CurrentApp().Driver().AbsolutePositionForObject(c.Actions().SendButton())
	}
	var before fyne.Position
	c.Locked(func() {
		comp.SetMode(ui.ModeNote)
		if got := c.Actions().Info(); got != "" {
			t.Fatalf("info line %q before sending", got)
		}
		before = pos()
		test.Type(c.Actions().ReplyEntry(), "Lounge manager informed.")
		comp.Send()
	})
	eventually(t, c, "the note queued", func() bool { return c.Actions().Info() == "Note queued" })
	c.Locked(func() {
		if after := pos(); after.Y != before.Y {
			t.Errorf("send button moved from y=%v to y=%v as the info line came", before.Y, after.Y)
		}
	})
}
