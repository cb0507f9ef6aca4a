package ui_test

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"switchboard/app"
)

// At 200 % on a 1600×1000 screen (a 760×440 window) the settings scroll,
// and the scroll's bar was drawn over the fields' right edge: no field may
// reach the bar of the scroll it is in (issue 13 point 9).
func TestSettingsFieldsEndBeforeTheScrollBar(t *testing.T) {
	test.NewTempApp(t)
	c, w := openWindow(t, fixture(t))
	w.Resize(fyne.NewSize(760, 440))
	undo := 7
	set := &memSettings{s: app.Settings{UndoSeconds: &undo, Escalate: &app.Escalate{},
		Canned: []app.Canned{{Name: "thanks", Text: "Thank you."}, {Name: "sorry", Text: "We are sorry."}}}}
	c.Locked(func() { c.OnSettings(set.get, set.save) })
	keyboard{t, c, w}.rune_(',')
	c.Locked(func() {
		p := shownPopUp(t, w)
		bar := theme.Size(theme.SizeNameScrollBar)
		var scrolls []*container.Scroll
		for _, o := range under(p) {
			if s, ok := o.(*container.Scroll); ok {
				scrolls = append(scrolls, s)
			}
		}
		if len(scrolls) == 0 {
			t.Fatal("the settings do not scroll")
		}
		checked := 0
		for _, s := range scrolls {
			edge := place(s).x + s.Size().Width - bar
			for _, o := range under(s.Content) {
				switch o.(type) {
				case *widget.Entry, *widget.Select, *widget.Check, *widget.Button:
				default:
					if _, ok := o.(fyne.Focusable); !ok {
						continue
					}
				}
				checked++
				if b := place(o); b.x+b.w > edge+0.5 {
					t.Errorf("a %T ends at x %.1f, under the scroll bar from x %.1f", o, b.x+b.w, edge)
				}
			}
		}
		if checked == 0 {
			t.Fatal("no field found in the settings' scrolls")
		}
	})
}
