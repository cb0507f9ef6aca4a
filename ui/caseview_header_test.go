package ui

import (
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"switchboard/app"
	"switchboard/assist"
	"switchboard/model"
)

// TestCaseHeaderLeavesTheThreadRoom: a case with the high-reach caution,
// the triage, two assistant drafts and a hand-off under its title left the
// thread about 100 units of the case view at 1400×860 (the header scrolls
// with the thread only below compactCaseH). The header now takes at most
// headerShare of the view and scrolls within it; the thread keeps at
// least 45 % of it, in English and German. The view is the size its pane
// has at 1400×860 (540×560: the console's splits and the composer take
// the rest).
func TestCaseHeaderLeavesTheThreadRoom(t *testing.T) {
	for _, lang := range []string{"en", "de"} {
		t.Run(lang, func(t *testing.T) {
			SetLanguage(lang)
			t.Cleanup(func() { SetLanguage("en") })
			test.NewTempApp(t)
			now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
			v := NewCaseView()
			v.assist.enabled = true
			w := test.NewWindow(v)
			t.Cleanup(w.Close)
			w.SetPadded(false)
			size := fyne.NewSize(540, 560)
			w.Resize(size)
			author := model.Identity{Platform: model.ChannelTwitter, Handle: "@frequentflyer", DisplayName: "Emily Carter", Followers: 250000, Reach: model.ReachHigh}
			c := model.Case{ID: "c1", Channel: model.ChannelTwitter, Subject: "My bag never arrived in Frankfurt and nobody at the desk could tell me where it is", Author: author,
				Status: model.StatusOpen, Public: true, Created: now.Add(-time.Hour), WaitingSince: now.Add(-time.Hour),
				Triage: &model.CaseTriage{Category: "delivery_baggage", Sentiment: -0.7, SentimentLabel: "negative", Urgency: 0.8, UrgencyLabel: "high", Troll: 0.1, Lang: "en"},
				Handoff: &model.Handoff{Expert: "forum:kohlmark@f.example", By: "arno", At: now.Add(-30 * time.Minute), Via: "twitter:kohlmark",
					Text: "Can you help with a lost bag?", MessageID: "n1", Delivery: model.DeliverySent}}
			d := app.CaseDetail{Case: c}
			for i := range 6 {
				d.Thread = append(d.Thread, model.Message{ID: fmt.Sprint("m", i), CaseID: "c1", Direction: model.DirectionIn, Author: author,
					Text: "Still nothing about my bag, flight LH 400, tag FRA 123456.", Time: now.Add(time.Duration(i-6) * time.Minute), Public: true})
			}
			v.SetCase(d, now)
			v.assist.finished(app.AssistResult{Source: assist.SourceOffline, Via: app.ViaConsole, Drafts: []assist.Draft{
				{Text: "Hello Emily, I am sorry your bag has not arrived yet. Please send us your file reference by direct message and we will trace it with the airport today."},
				{Text: "Hi Emily, we are on it: the bag is being traced. Could you send us the tag number and your delivery address by direct message?"}}}, nil, false)
			v.Refresh()
			w.Resize(size.AddWidthHeight(0, 1))
			w.Resize(size)
			if v.Compact() {
				t.Fatal("the case view is compact at its 1400×860 size")
			}
			if v.top.MinSize().Height < size.Height*headerShare {
				t.Fatalf("the header needs %.0f units: too little for this test to show anything", v.top.MinSize().Height)
			}
			h := v.ThreadHeight()
			t.Logf("%s: header %.0f (needs %.0f), thread %.0f of %.0f units", lang, v.HeaderHeight(), v.top.MinSize().Height, h, size.Height)
			if h < 0.45*size.Height {
				t.Errorf("the thread has %.0f of the case view's %.0f units (%.0f %%); want at least 45 %%", h, size.Height, 100*h/size.Height)
			}
		})
	}
}
