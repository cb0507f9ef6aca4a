package ui

import (
	"testing"

	"fyne.io/fyne/v2"
)

// At 800×500 units (200 % on a 1600×1000 screen) the case view's header
// scrolls with the thread, so the thread gets the room between the pane's
// top and the composer (under a header of about 200 units it had 32) and
// opens at its newest message, and stays there as the pane is resized; at
// 1400×860 the header stays above the thread, as before.
func TestCaseThreadHasRoomAt200Percent(t *testing.T) {
	t.Cleanup(func() { SetLanguage("en") })
	c, w := openAt(t, "en", fyne.NewSize(800, 500), false)
	c.Locked(func() {
		savePNG(t, w, "compact_case")
		d := c.Detail()
		if !d.Compact() {
			t.Fatal("the case view's header does not scroll with the thread at 800×500")
		}
		// 32 units under the header before; the composer's rows take the
		// rest of the pane.
		if h := d.ThreadHeight(); h < 100 {
			t.Errorf("the thread's scroll is %.0f units high at 800×500; want 100 or more", h)
		}
		if off, max := d.scroll.Offset.Y, d.inner.MinSize().Height-d.scroll.Size().Height; max > 0 && off < max-1 {
			t.Errorf("the thread opens at offset %.0f of %.0f: not at its newest message", off, max)
		}
	})
	c2, _ := openAt(t, "en", fyne.NewSize(1400, 860), false)
	c2.Locked(func() {
		if c2.Detail().Compact() {
			t.Error("the case view is compact at 1400×860")
		}
	})
}
