package ui_test

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// After "/" the search box had the keys for good: Esc did nothing, so j
// and k went into the search text. Esc now leaves it, Enter opens the first
// match.
func TestSearchBoxGivesTheKeysBack(t *testing.T) {
	_, c, w := openLounge(t)
	kb := keyboard{t, c, w}
	kb.key(fyne.KeyEscape) // nothing focused: harmless
	kb.rune_('/')
	if kb.focused() != c.Search() {
		t.Fatalf("/ focused %T", kb.focused())
	}
	kb.typ("range")
	eventually(t, c, "the search narrows the queue", func() bool { return len(c.Rows()) == 1 && c.Rows()[0].ID == "c-forum" })
	kb.key(fyne.KeyEscape)
	if f := kb.focused(); f != nil {
		t.Fatalf("Esc left the focus on %T", f)
	}
	kb.rune_('j') // a queue key again, not a letter of the search
	c.Locked(func() {
		if got := c.Search().Text; got != "range" {
			t.Errorf("search text %q", got)
		}
	})
	eventually(t, c, "j opens the match", func() bool { return c.Selected() == "c-forum" })

	kb.rune_('/')
	c.Locked(func() { c.Search().SetText("lounge") })
	eventually(t, c, "the lounge matches", func() bool { return len(c.Rows()) == 1 && c.Rows()[0].ID == "c-lounge" })
	kb.key(fyne.KeyReturn)
	if f := kb.focused(); f != nil {
		t.Fatalf("Enter left the focus on %T", f)
	}
	eventually(t, c, "Enter opens the first match", func() bool { return c.Selected() == "c-lounge" })
}

// The snooze times: the time box has the keys, Esc closes them, Enter
// snoozes; before, Esc did nothing and the box was too narrow to read.
func TestSnoozeTimesByKeyboard(t *testing.T) {
	_, c, w := openLounge(t)
	kb := keyboard{t, c, w}
	shown := func() (n int) {
		c.Locked(func() {
			for _, o := range w.Canvas().Overlays().List() {
				if o.Visible() {
					n++
				}
			}
		})
		return n
	}

	kb.rune_('s')
	if shown() != 1 {
		t.Fatal("s showed no snooze times")
	}
	if _, ok := kb.focused().(*widget.Entry); ok || kb.focused() == nil {
		t.Fatalf("the snooze time box should have the keys (a box Esc can leave), has %T", kb.focused())
	}
	kb.key(fyne.KeyEscape) // in the time box
	if shown() != 0 || kb.focused() != nil {
		t.Fatalf("Esc in the time box: %d pop-ups, focus %T", shown(), kb.focused())
	}
	kb.rune_('s')
	kb.typ("23:59")
	kb.key(fyne.KeyReturn)
	eventually(t, c, "snoozed by the keyboard", func() bool { return !c.SnoozedUntil("c-lounge").IsZero() })
	if shown() != 0 {
		t.Error("the snooze times stay after Enter")
	}
	kb.rune_('s')
	c.Locked(func() {
		top := w.Canvas().Overlays().Top()
		if top == nil || top.Size().Width < 300 {
			t.Errorf("snooze times %v wide", top)
		}
	})
	kb.key(fyne.KeyEscape)
}
