package ui_test

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// The settings close on Esc also from one of their text boxes: a plain
// entry kept the key, and once a box had the focus (Tab from the top, or
// a click) the settings could not be closed by keyboard (seen in the live
// console: Esc Esc left them open over the queue).
func TestSettingsCloseOnEscFromATextBox(t *testing.T) {
	_, c, w := openLounge(t)
	set := &memSettings{}
	c.Locked(func() { c.OnSettings(set.get, set.save) })
	kb := keyboard{t, c, w}
	kb.rune_(',')
	var box fyne.Focusable
	c.Locked(func() {
		top := w.Canvas().Overlays().Top()
		if top == nil || !top.Visible() {
			t.Fatal(", showed no settings")
		}
		box = firstTextBox(top)
	})
	if box == nil {
		t.Fatal("no text box in the settings")
	}
	c.Locked(func() { w.Canvas().Focus(box) })
	kb.key(fyne.KeyEscape)
	c.Locked(func() {
		if top := w.Canvas().Overlays().Top(); top != nil && top.Visible() {
			t.Error("Esc in a text box of the settings did not close them")
		}
	})
}

// firstTextBox is the first focusable text entry under o.
func firstTextBox(o fyne.CanvasObject) fyne.Focusable {
	if f, ok := o.(fyne.Focusable); ok {
		if _, entry := o.(interface{ SetPlaceHolder(string) }); entry {
			return f
		}
	}
	var kids []fyne.CanvasObject
	switch x := o.(type) {
	case *fyne.Container:
		kids = x.Objects
	case fyne.Widget:
		kids = test.WidgetRenderer(x).Objects()
	}
	for _, k := range kids {
		if f := firstTextBox(k); f != nil {
			return f
		}
	}
	return nil
}
