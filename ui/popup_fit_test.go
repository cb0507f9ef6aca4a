package ui_test

import (
	"reflect"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"switchboard/app"
	"switchboard/ui"
)

// under lists the objects under o (o too), in tree order, through
// containers and widgets' renderers.
func under(o fyne.CanvasObject) []fyne.CanvasObject {
	out := []fyne.CanvasObject{o}
	switch x := o.(type) {
	case *fyne.Container:
		for _, ch := range x.Objects {
			out = append(out, under(ch)...)
		}
	case fyne.Widget:
		for _, ch := range test.WidgetRenderer(x).Objects() {
			out = append(out, under(ch)...)
		}
	}
	return out
}

// shownPopUp is the pop-up on top of w's canvas.
func shownPopUp(t *testing.T, w fyne.Window) *widget.PopUp {
	t.Helper()
	for _, o := range under(w.Canvas().Overlays().Top()) {
		if p, ok := o.(*widget.PopUp); ok && p.Visible() {
			return p
		}
	}
	t.Fatal("no pop-up shows")
	return nil
}

// box is an object's place on the canvas.
type box struct{ x, y, w, h float32 }

func place(o fyne.CanvasObject) box {
	p := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
	return box{p.X, p.Y, o.Size().Width, o.Size().Height}
}

func (b box) inside(o box) bool {
	const e = 0.5
	return b.x >= o.x-e && b.y >= o.y-e && b.x+b.w <= o.x+o.w+e && b.y+b.h <= o.y+o.h+e
}

// button is the button under o that says text (a widget.Button, or one
// of the settings' own buttons around it).
func button(t *testing.T, o fyne.CanvasObject, text string) fyne.CanvasObject {
	t.Helper()
	for _, x := range under(o) {
		v := reflect.ValueOf(x)
		if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
			continue
		}
		if f := v.Elem().FieldByName("OnTapped"); f.IsValid() && v.Elem().FieldByName("Text").IsValid() && v.Elem().FieldByName("Text").String() == text {
			return x
		}
	}
	t.Fatalf("no %s button", text)
	return nil
}

// closeButton is the pop-up's Close button.
func closeButton(t *testing.T, p *widget.PopUp) fyne.CanvasObject { return button(t, p, "Close") }

// The settings fit the window at 200 % on a 1600×1000 screen (760×440
// units): they were 640×560 units whatever the window, and at 760×440 the
// dialog ran off the window's foot with its Close button (walk_log item
// 9). In a big window they are 640×560 as before.
func TestSettingsFitTheWindow(t *testing.T) {
	for _, sz := range []fyne.Size{{Width: 760, Height: 440}, {Width: 1400, Height: 860}} {
		test.NewTempApp(t)
		c, w := openWindow(t, fixture(t))
		w.Resize(sz)
		undo := 7
		set := &memSettings{s: app.Settings{UndoSeconds: &undo, Escalate: &app.Escalate{},
			Canned: []app.Canned{{Name: "thanks", Text: "Thank you."}, {Name: "sorry", Text: "We are sorry."}}}}
		c.Locked(func() { c.OnSettings(set.get, set.save) })
		keyboard{t, c, w}.rune_(',')
		c.Locked(func() {
			p := shownPopUp(t, w)
			win := box{0, 0, w.Canvas().Size().Width, w.Canvas().Size().Height}
			if got := place(p); !got.inside(win) {
				t.Errorf("%v: the settings at %+v, outside the window", sz, got)
			}
			if got := place(p.Content); !got.inside(win) {
				t.Errorf("%v: the settings' content at %+v, outside the window", sz, got)
			}
			if got := place(closeButton(t, p)); !got.inside(place(p)) {
				t.Errorf("%v: Close at %+v, outside the settings at %+v", sz, got, place(p))
			}
			if sz.Width >= 1400 {
				if got := p.Content.Size(); got != fyne.NewSize(640, 560) {
					t.Errorf("%v: the settings are %v, want 640×560 as before", sz, got)
				}
				return
			}
			// Everything is in the scroll above Close: the last control,
			// Save settings, is reached by scrolling.
			var sc *container.Scroll
			for _, o := range under(p) {
				if x, ok := o.(*container.Scroll); ok {
					sc = x
					break
				}
			}
			save := button(t, p, "Save settings")
			if sc == nil {
				t.Fatalf("%v: the settings do not scroll", sz)
			}
			if pc, pv := place(closeButton(t, p)), place(sc); pv.y+pv.h > pc.y {
				t.Errorf("%v: the settings' scroll (%+v) runs under Close (%+v)", sz, pv, pc)
			}
			sc.ScrollToBottom()
			if got := place(save); !got.inside(place(sc)) {
				t.Errorf("%v: scrolled to the end, Save settings at %+v is outside the scroll at %+v", sz, got, place(sc))
			}
		})
	}
}

// The "?" sheet fits a 760×440 window (200 % on a 1600×1000 screen): it
// showed 10 of the keys there, and the last line ran under Close (walk_log
// item 13). Now each shortcut is in the sheet's scroll, within its width,
// the scroll stops above Close, and j (Down) scrolls to each of them.
func TestShortcutSheetFitsASmallWindow(t *testing.T) {
	for _, sz := range []fyne.Size{{Width: 760, Height: 440}, {Width: 1400, Height: 860}} {
		test.NewTempApp(t)
		c, w := openWindow(t, fixture(t))
		w.Resize(sz)
		kb := keyboard{t, c, w}
		kb.rune_('?')
		var sc *container.Scroll
		var p *widget.PopUp
		c.Locked(func() {
			p = shownPopUp(t, w)
			win := box{0, 0, w.Canvas().Size().Width, w.Canvas().Size().Height}
			if got := place(p); !got.inside(win) {
				t.Errorf("%v: the sheet at %+v, outside the window", sz, got)
			}
			for _, o := range under(p) {
				if s, ok := o.(*container.Scroll); ok {
					sc = s
					break
				}
			}
			if sc == nil {
				t.Fatalf("%v: the sheet does not scroll", sz)
			}
			if pc, pv := place(closeButton(t, p)), place(sc); pv.y+pv.h > pc.y || !pc.inside(place(p)) {
				t.Errorf("%v: the sheet's scroll (%+v) and Close (%+v) overlap, or Close is outside it", sz, pv, pc)
			}
		})
		for _, s := range ui.Shortcuts() {
			for range 40 { // j until the shortcut is in sight, or the end
				seen := false
				c.Locked(func() {
					for _, l := range labels(sc.Content) {
						if l.Text == s.Does && !l.TextStyle.Monospace {
							b := place(l)
							seen = b.inside(place(sc))
							if !box(b).inside(box{place(sc.Content).x, place(sc.Content).y, sc.Content.Size().Width, sc.Content.Size().Height}) {
								t.Errorf("%v: %q at %+v sticks out of the sheet", sz, s.Does, b)
							}
						}
					}
				})
				if seen {
					break
				}
				kb.rune_('j')
			}
			c.Locked(func() {
				var l *widget.Label
				for _, x := range labels(sc.Content) {
					if x.Text == s.Does {
						l = x
					}
				}
				if l == nil || !place(l).inside(place(sc)) {
					t.Errorf("%v: %q never comes into sight", sz, s.Keys)
				}
			})
		}
		c.Locked(func() {
			if !p.Visible() {
				t.Errorf("%v: j closed the sheet", sz)
			}
		})
	}
}
