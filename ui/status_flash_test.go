package ui_test

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// A message flashed in the status bar can be read: it sat in the bar's
// right-hand box, where a truncating label gets its minimum width, and
// every message showed as a red "…" (snoozing a case in the window). A
// success shows in the text colour, an error in red; the state keeps its
// words beside them.
func TestStatusBarMessagesCanBeRead(t *testing.T) {
	_, c, w := openLounge(t)
	kb := keyboard{t, c, w}
	find := func(text string) (l *widget.Label) {
		for _, x := range labels(w.Canvas().Content()) {
			if x.Text == text {
				l = x
			}
		}
		return l
	}
	fits := func(l *widget.Label) bool {
		need := fyne.MeasureText(l.Text, theme.TextSize(), l.TextStyle).Width + 2*theme.InnerPadding()
		return l.Visible() && l.Size().Width >= need-1
	}
	kb.rune_('o') // nothing waits: an informative message
	const info = "No actions waiting for the hub"
	c.Locked(func() {
		l := find(info)
		if l == nil || !fits(l) {
			t.Fatalf("%q: label %v, cut to %v", info, l != nil, l != nil && !fits(l))
		}
		if c.StatusBar().FlashIsError() {
			t.Errorf("%q shows as an error", info)
		}
		if st := find(c.StatusBar().Text()); st == nil || !fits(st) {
			t.Errorf("the state %q is cut beside the message", c.StatusBar().Text())
		}
		c.StatusBar().Flash("Reply not queued. The reply is 312 characters long; X allows 280.")
	})
	c.Locked(func() {
		l := find("Reply not queued. The reply is 312 characters long; X allows 280.")
		if l == nil || !fits(l) || !c.StatusBar().FlashIsError() {
			t.Errorf("the error: shown %v, whole %v, red %v", l != nil, l != nil && fits(l), c.StatusBar().FlashIsError())
		}
	})
}
