package ui_test

import (
	"fmt"
	"reflect"
	"testing"

	"fyne.io/fyne/v2"

	"switchboard/app"
	"switchboard/ui"
)

// openSettings opens the settings by keyboard (",") over the lounge case,
// the agent having two canned answers.
func openSettings(t *testing.T) (*ui.Console, fyne.Window, *memSettings, keyboard) {
	t.Helper()
	_, c, w := openLounge(t)
	undo := 7
	set := &memSettings{s: app.Settings{UndoSeconds: &undo, Escalate: &app.Escalate{AtRisk: true, HighReachMinutes: 20},
		Canned: []app.Canned{{Name: "thanks", Text: "Thank you, {first_name}."}, {Name: "sorry", Text: "We are sorry."}}}}
	c.Locked(func() { c.OnSettings(set.get, set.save) })
	kb := keyboard{t, c, w}
	kb.rune_(',')
	c.Locked(func() {
		if top := w.Canvas().Overlays().Top(); top == nil || !top.Visible() {
			t.Fatal(", showed no settings")
		}
	})
	return c, w, set, kb
}

// tab is the Tab key as the desktop window takes it: a focused widget that
// accepts tabs gets it, else the focus moves on (back with Shift).
func tab(c *ui.Console, w fyne.Window, shift bool) {
	c.Locked(func() {
		cv := w.Canvas()
		if tb, ok := cv.Focused().(fyne.Tabbable); ok && tb.AcceptsTab() {
			cv.Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyTab})
			return
		}
		if shift {
			cv.FocusPrevious()
		} else {
			cv.FocusNext()
		}
	})
}

// control names a focusable widget of the settings by its kind and text.
func control(f fyne.Focusable) string {
	if f == nil {
		return "nothing"
	}
	v := reflect.ValueOf(f).Elem()
	text := func(field string) string { return fmt.Sprint(v.FieldByName(field).Interface()) }
	switch {
	case v.FieldByName("Checked").IsValid():
		return "check " + text("Text")
	case v.FieldByName("Options").IsValid():
		return "select " + text("Selected")
	case v.FieldByName("CursorRow").IsValid():
		return "box " + text("Text")
	case v.FieldByName("OnTapped").IsValid():
		return "button " + text("Text")
	}
	return fmt.Sprintf("%T", f)
}

// Every control of the settings is reached by Tab, top to bottom, and by
// Shift+Tab backwards: Tab went from the dialog's start into the canned
// answers (the border put its centre first), where the multi-line box
// took the Tab as a character, so Mute and everything after it could only
// be reached with the mouse (issue 13 point 6).
func TestSettingsTabReachesEveryControlInOrder(t *testing.T) {
	c, w, set, kb := openSettings(t)
	want := []string{
		"select System language", "select Follow the system", "box 7",
		"check Mute notifications", "check Tell me when a case goes at risk", "check Tell me when a case breaches its SLA", "box 20",
		"box thanks", "box Thank you, {first_name}.", "box sorry", "box We are sorry.",
		"button Add canned answer", "button Save settings", "button Close",
	}
	var got []string
	for range want {
		tab(c, w, false)
		got = append(got, control(kb.focused()))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Tab through the settings:\n got %q\nwant %q", got, want)
	}
	tab(c, w, false)
	if f := control(kb.focused()); f != want[0] {
		t.Errorf("Tab after the last control: %s, want it back at %s", f, want[0])
	}
	// Shift+Tab walks back, through the canned answers' text too.
	var back []string
	for range want {
		tab(c, w, true)
		back = append(back, control(kb.focused()))
	}
	for i, j := 0, len(back)-1; i < j; i, j = i+1, j-1 {
		back[i], back[j] = back[j], back[i]
	}
	if !reflect.DeepEqual(back, want) {
		t.Errorf("Shift+Tab through the settings (reversed):\n got %q\nwant %q", back, want)
	}

	// Mute by keyboard alone: Tab to it, Space, Tabs to Save, Space. (A
	// space comes as its key and its character, as the window sends them.)
	space := func() { kb.key(fyne.KeySpace); kb.rune_(' ') }
	c.Locked(func() { w.Canvas().Unfocus() })
	for range 4 {
		tab(c, w, false)
	}
	if f := control(kb.focused()); f != "check Mute notifications" {
		t.Fatalf("four Tabs from the top: %s, want Mute", f)
	}
	space()
	for control(kb.focused()) != "button Save settings" {
		tab(c, w, false)
	}
	space()
	set.mu.Lock()
	defer set.mu.Unlock()
	if set.n != 1 || !set.s.Mute {
		t.Errorf("Mute by Space and Save by Space: %d saves, mute %v", set.n, set.s.Mute)
	}
}

// Esc closes the settings whichever control has the focus: the check
// boxes, pickers and buttons kept the key (a focused widget gets every
// key and the queue's Esc never ran), so after a Tab to Mute the settings
// could not be closed by keyboard.
func TestSettingsCloseOnEscFromEveryControl(t *testing.T) {
	c, w, _, kb := openSettings(t)
	var n int
	for i := 0; ; i++ {
		if i > 0 {
			kb.rune_(',')
		}
		for range i + 1 {
			tab(c, w, false)
		}
		f := control(kb.focused())
		if i > 0 && f == "select System language" {
			break // round
		}
		n++
		kb.key(fyne.KeyEscape)
		c.Locked(func() {
			if top := w.Canvas().Overlays().Top(); top != nil && top.Visible() {
				t.Errorf("Esc on %s did not close the settings", f)
				top.Hide()
			}
			if w.Canvas().Focused() != nil {
				t.Errorf("after Esc on %s the focus stays on %s", f, control(w.Canvas().Focused()))
				w.Canvas().Unfocus()
			}
		})
		if i > 20 {
			t.Fatal("Tab never came round")
		}
	}
	if n != 14 {
		t.Errorf("Esc tried on %d controls, want 14", n)
	}
}
