package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"switchboard/sync/client"
)

// When the offline banner goes (the hub answers), the console moves up
// into its room at once: it stayed where the banner had put it, under an
// empty band as tall as the banner across the queue, the case and the
// customer, until something else laid the window out (seen at
// FYNE_SCALE=2, --lang de, a ~107-unit band until the first case opened).
func TestConsoleMovesUpWhenTheBannerGoes(t *testing.T) {
	t.Cleanup(func() { SetLanguage("en") })
	c, _ := openAt(t, "en", fyne.NewSize(1400, 860), true)
	var console fyne.CanvasObject
	c.Locked(func() {
		if !c.Banner().Visible() {
			t.Fatal("no offline banner on a console that never connected")
		}
		console = c.Content().(*fyne.Container).Objects[1]
		if y := console.Position().Y; y <= theme.Padding()+1 {
			t.Fatalf("the console is at %.0f, not under the banner", y)
		}
		c.Banner().Set(client.Status{State: client.StateOnline}, 0)
	})
	c.Locked(func() {
		if y := console.Position().Y; y > theme.Padding()+1 {
			t.Errorf("the banner went, the console stays %.0f units down (want %.0f)", y, theme.Padding())
		}
	})
}
