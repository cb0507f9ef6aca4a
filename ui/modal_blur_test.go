package ui_test

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"switchboard/ui"
)

// The console's pop-ups draw no blur behind them: Fyne's modal pop-up
// blurs the whole window under it in every frame (two passes over the
// window's pixels), and with the queue changing under the settings each
// frame took long enough on a software-rendered display to hold the UI
// goroutine's queue back: a quit (SIGTERM, the window closed) waited
// 2-9 s behind the frames, up to a minute under load. The shadow still
// dims the window.
func TestModalPopUpsDrawNoBlur(t *testing.T) {
	_, c, w := openLounge(t)
	fyne.CurrentApp().Settings().SetTheme(ui.NewTheme("dark"))
	set := &memSettings{}
	c.Locked(func() { c.OnSettings(set.get, set.save) })
	kb := keyboard{t, c, w}
	for _, k := range []rune{',', '?'} {
		kb.rune_(k)
		c.Locked(func() {
			top := w.Canvas().Overlays().Top()
			if top == nil {
				t.Fatalf("%c opened no pop-up", k)
			}
			var blurs int
			walkAll(top, func(o fyne.CanvasObject) {
				if b, ok := o.(*canvas.Blur); ok && b.Radius > 0 && b.Visible() {
					blurs++
				}
			})
			if blurs > 0 {
				t.Errorf("the pop-up of %c blurs the window under it (%d blurs)", k, blurs)
			}
		})
		kb.key(fyne.KeyEscape)
	}
}

// walkAll calls f on o and everything under it, widgets' parts too.
func walkAll(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	f(o)
	var kids []fyne.CanvasObject
	switch x := o.(type) {
	case *fyne.Container:
		kids = x.Objects
	case fyne.Widget:
		kids = test.WidgetRenderer(x).Objects()
	}
	for _, k := range kids {
		walkAll(k, f)
	}
}
