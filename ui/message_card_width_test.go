package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"switchboard/model"
)

// A message card's header (the author and the stamp "reply · delivered ·
// Wed 2 Dec 14:40") fits the case pane of the default 1400×860 window
// (about 520 units wide): a brand reply signed "NordNetz Service (Tom)
// @SkyWingsAir" with its tags made the case view wider than its pane, so
// the composer, the title and "Ask an expert…" ran under the customer
// split behind a horizontal scroll, found working the demo queue. The
// stamp wraps under a narrow pane instead, and the card's text stays whole.
func TestMessageCardHeaderFitsTheCasePane(t *testing.T) {
	test.NewTempApp(t)
	v := NewCaseView()
	at := time.Date(2026, 12, 2, 14, 40, 0, 0, time.UTC)
	c := model.Case{ID: "c-1", Channel: model.ChannelTwitter}
	brand := model.Message{ID: "m-1", CaseID: "c-1", Direction: model.DirectionOut, Delivery: model.DeliverySent,
		Author: model.Identity{Platform: model.ChannelTwitter, DisplayName: "NordNetz Service (Tom)", Handle: "@SkyWingsAir"},
		Text:   "Hi, there's a fibre fault in Schwabing, technicians are on site.", Time: at}
	merged := brand
	merged.ID, merged.CaseID, merged.Private, merged.Edited = "m-2", "c-0", true, at.Add(time.Minute)
	merged.Author.Platform = model.ChannelFacebook
	for _, m := range []model.Message{brand, merged} {
		card := v.messageCard(m, c, nil)
		if w := card.MinSize().Width; w > 440 {
			t.Errorf("message %s: the card needs %.0f units of width; the case pane at 1400×860 has about 520 (want 440 or less)", m.ID, w)
		}
		// Laid out narrow, the card is taller (the stamp wraps) rather
		// than cut, and still shows its whole text.
		card.Resize(fyne.NewSize(1000, card.MinSize().Height))
		wide := card.MinSize().Height
		card.Resize(fyne.NewSize(360, wide))
		if narrow := card.MinSize().Height; narrow <= wide {
			t.Errorf("message %s: %.0f units high at 360 units of width, %.0f at 1000: the stamp does not wrap", m.ID, narrow, wide)
		}
		box := card.(*messageBox)
		if box.text.Text != m.Text {
			t.Errorf("message %s: text %q, want %q", m.ID, box.text.Text, m.Text)
		}
		if got := box.stamp; got == "" {
			t.Errorf("message %s: no stamp", m.ID)
		}
	}
}
