package ui_test

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"switchboard/ui"
)

// labels lists the labels under o, in tree order.
func labels(o fyne.CanvasObject) []*widget.Label {
	var out []*widget.Label
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Label:
			out = append(out, x)
		case *fyne.Container:
			for _, ch := range x.Objects {
				walk(ch)
			}
		case fyne.Widget: // a pop-up, Fyne's overlay around it
			for _, ch := range test.WidgetRenderer(x).Objects() {
				walk(ch)
			}
		}
	}
	walk(o)
	return out
}

// The "?" sheet: every key sits on the row of what it does. The keys and
// their words were two columns of labels, the monospace keys a little
// shorter each, so by the twelfth row "/" stood beside "snooze the case"
// and "u" beside "show the new cases" (seen in the window).
func TestShortcutSheetKeepsEachKeyOnItsRow(t *testing.T) {
	_, c, w := openLounge(t)
	kb := keyboard{t, c, w}
	kb.rune_('?')
	c.Locked(func() {
		var shown []*widget.Label
		for _, o := range w.Canvas().Overlays().List() {
			if o.Visible() {
				shown = append(shown, labels(o)...)
			}
		}
		if len(shown) == 0 {
			t.Fatal("? showed nothing")
		}
		byText := map[string]*widget.Label{}
		for _, l := range shown {
			if l.TextStyle.Monospace {
				byText["key:"+l.Text] = l
			} else {
				byText[l.Text] = l
			}
		}
		d := fyne.CurrentApp().Driver()
		for _, s := range ui.Shortcuts() {
			k, does := byText["key:"+s.Keys], byText[s.Does]
			if k == nil || does == nil {
				t.Errorf("%q: key %v, text %v shown", s.Keys, k != nil, does != nil)
				continue
			}
			ky, dy := d.AbsolutePositionForObject(k).Y, d.AbsolutePositionForObject(does).Y
			if ky != dy || k.Size().Height != does.Size().Height {
				t.Errorf("%q at y %.0f (h %.0f), %q at y %.0f (h %.0f)", s.Keys, ky, k.Size().Height, s.Does, dy, does.Size().Height)
			}
		}
	})
}
