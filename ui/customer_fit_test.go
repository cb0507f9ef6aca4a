package ui_test

import (
	"testing"

	"fyne.io/fyne/v2"

	"switchboard/ui"
)

// TestCustomerPanelFitsItsPane: at the console's first size the customer
// panel's content is no wider than its pane, in English and German, so the
// pane never scrolls sideways and cuts the tier badge, the merge buttons
// and the purchases at its edge (seen in the German captures: the hidden
// vouchers' line unwrapped and each other case's date beside its "Hier
// zusammenführen" asked 327 units of a 298-unit pane).
func TestCustomerPanelFitsItsPane(t *testing.T) {
	for _, lang := range []string{"en", "de"} {
		t.Run(lang, func(t *testing.T) {
			ui.SetLanguage(lang)
			t.Cleanup(func() { ui.SetLanguage("en") })
			_, c, w := openLounge(t)
			w.Resize(fyne.NewSize(1400, 860))
			c.Locked(func() {
				p := c.Customer()
				if min, got := p.MinSize().Width, p.Size().Width; min > got {
					t.Errorf("the customer panel needs %.0f units, its pane gives %.0f", min, got)
				}
			})
		})
	}
}
