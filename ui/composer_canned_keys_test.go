package ui_test

import (
	"slices"
	"testing"

	"fyne.io/fyne/v2"

	"switchboard/app"
)

// "::" then the name, typed as the window types: into the widget that has
// the canvas's focus. The canned answers' pop-up menu took the focus after
// "::", so "sorry" went into the menu and Down+Enter put in the first
// answer (the keyboard walk under Xvfb, 14:44). The list now shows under
// the box as a hint, the keys stay in the box.
func TestCannedNameTypedAfterColonsThroughTheFocus(t *testing.T) {
	_, c, w := openLounge(t)
	c.SetCanned([]app.Canned{
		{Name: "thanks", Text: "Thanks {first_name}!"},
		{Name: "sorry", Text: "Sorry for the trouble, {first_name}."},
		{Name: "status", Text: "We are checking your booking."},
	})
	comp := c.Actions().Composer()
	c.Locked(func() { comp.Refresh() })
	kb := keyboard{t, c, w}
	entry := func() fyne.Focusable { return comp.Entry() }
	text := func() (s string) { c.Locked(func() { s = c.Actions().ReplyEntry().Text }); return s }
	hint := func() (h []string) { c.Locked(func() { h = comp.CannedHint() }); return h }

	kb.rune_('r')
	kb.typ("Sorry! ::")
	if f := kb.focused(); f != entry() {
		t.Fatalf("after :: the keys are on %T, not the box", f)
	}
	if h := hint(); !slices.Equal(h, []string{"thanks", "sorry", "status"}) {
		t.Errorf("after :: the hint lists %v", h)
	}
	kb.typ("s")
	if h := hint(); !slices.Equal(h, []string{"sorry", "status"}) {
		t.Errorf("after ::s the hint lists %v", h)
	}
	kb.typ("orry")
	if got, want := text(), "Sorry! Sorry for the trouble, Markus."; got != want {
		t.Fatalf("typed ::sorry: the box holds %q, want %q", got, want)
	}
	if h := hint(); len(h) != 0 {
		t.Errorf("the hint stays after the answer went in: %v", h)
	}
	if f := kb.focused(); f != entry() {
		t.Errorf("after the answer the keys are on %T", f)
	}

	// Down and Enter pick from the hint, the keys still in the box.
	c.Locked(func() { c.Actions().ReplyEntry().SetText("") })
	kb.typ("::st")
	if h := hint(); !slices.Equal(h, []string{"status"}) {
		t.Errorf("after ::st the hint lists %v", h)
	}
	c.Locked(func() { c.Actions().ReplyEntry().SetText("") })
	kb.typ("::")
	kb.key(fyne.KeyDown)
	kb.key(fyne.KeyReturn)
	if got, want := text(), "Sorry for the trouble, Markus."; got != want {
		t.Errorf(":: Down Enter: the box holds %q, want %q", got, want)
	}

	// Esc closes the hint, leaves the text and the keys in the box.
	c.Locked(func() { c.Actions().ReplyEntry().SetText("") })
	kb.typ("see ::")
	kb.key(fyne.KeyEscape)
	if got := text(); got != "see ::" {
		t.Errorf("Esc on the hint left %q", got)
	}
	if h := hint(); len(h) != 0 {
		t.Errorf("Esc left the hint open: %v", h)
	}
	if f := kb.focused(); f != entry() {
		t.Errorf("Esc on the hint took the keys out of the box (%T)", f)
	}
	kb.key(fyne.KeyReturn) // a new line, not an answer
	if got := text(); got != "see ::\n" {
		t.Errorf("Enter after Esc: %q", got)
	}
	// A second Esc leaves the box as before.
	kb.key(fyne.KeyEscape)
	if f := kb.focused(); f != nil {
		t.Errorf("Esc without the hint left the keys on %T", f)
	}
}

// The compact composer (a short case pane) lists them the same way, and
// its box keeps the keys.
func TestCannedHintInTheCompactComposer(t *testing.T) {
	_, c, w := openLounge(t)
	c.SetCanned([]app.Canned{{Name: "thanks", Text: "Thanks {first_name}!"}, {Name: "sorry", Text: "Sorry, {first_name}."}})
	comp := c.Actions().Composer()
	c.Locked(func() { comp.Refresh(); c.Actions().SetCompact(true) })
	kb := keyboard{t, c, w}
	kb.rune_('r')
	kb.typ("Hi ::s")
	c.Locked(func() {
		if f := w.Canvas().Focused(); f != fyne.Focusable(comp.Entry()) {
			t.Errorf("compact, after ::s the keys are on %T", f)
		}
		if h := comp.CannedHint(); !slices.Equal(h, []string{"sorry"}) {
			t.Errorf("compact, after ::s the hint lists %v", h)
		}
	})
	kb.key(fyne.KeyReturn)
	c.Locked(func() {
		if got := c.Actions().ReplyEntry().Text; got != "Hi Sorry, Markus." {
			t.Errorf("compact, ::s Enter: %q", got)
		}
		if !c.Actions().Compact() {
			t.Error("no longer compact")
		}
	})
}
