package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// Issue 13 point 9: usable at 200 % on a 1600×1000 screen. At FYNE_SCALE=2
// that screen is 800×500 units, so the console's own minimum — with a case
// open, in English and German — must fit in it; the window then opens at
// that size instead of growing past the screen (it needed about
// 1,270×665 units in German before the panes scrolled).
func TestConsoleFitsA1600x1000ScreenAt200Percent(t *testing.T) {
	t.Cleanup(func() { SetLanguage("en") })
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, lang := range []string{"en", "de"} {
		t.Run(lang, func(t *testing.T) {
			SetLanguage(lang)
			a := test.NewTempApp(t)
			a.Settings().SetTheme(NewTheme("light"))
			c := New(goldenCache(t, now))
			var w fyne.Window
			c.Locked(func() {
				w = test.NewWindow(c.Content())
				w.Resize(fyne.NewSize(1400, 860))
				c.Select("c-lounge")
			})
			defer func() { c.Locked(w.Close); c.Wait() }()
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				var ok bool
				c.Locked(func() { ok = c.Detail().Title() != "" && c.Actions().Visible() })
				if ok {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the case did not open")
				}
			}
			c.Wait()
			c.Locked(func() {
				if min := w.Content().MinSize(); min.Width > 800 || min.Height > 500 {
					t.Errorf("the console needs %.0f×%.0f units with a case open; a 1600×1000 screen at 200 %% has 800×500", min.Width, min.Height)
				}
				w.Resize(fyne.NewSize(800, 500))
				if got := w.Canvas().Size(); got.Width > 800 || got.Height > 500 {
					t.Errorf("resized to 800×500 the window is %.0f×%.0f", got.Width, got.Height)
				}
			})
		})
	}
}
