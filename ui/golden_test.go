package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"switchboard/app"
	"switchboard/model"
)

// The main window in light and dark, English and German, on fixed data at
// a fixed time: the pictures are in testdata/.
func TestMainWindowGoldens(t *testing.T) {
	loc := time.Local
	time.Local = time.UTC
	t.Cleanup(func() { time.Local = loc; SetLanguage("en") })
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ lang, theme string }{{"en", "light"}, {"en", "dark"}, {"de", "light"}, {"de", "dark"}} {
		t.Run(tc.lang+"_"+tc.theme, func(t *testing.T) {
			SetLanguage(tc.lang)
			a := test.NewTempApp(t)
			a.Settings().SetTheme(NewTheme(tc.theme))
			core := goldenCache(t, now)
			clock = func() time.Time { return now }
			defer func() { clock = time.Now }()
			c := New(core)
			var w fyne.Window
			c.Locked(func() {
				w = test.NewWindow(c.Content())
				w.Resize(fyne.NewSize(1400, 860))
			})
			defer func() { c.Locked(w.Close); c.Wait() }()
			c.Locked(func() { c.Select("c-lounge") })
			for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
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
				w.Resize(fyne.NewSize(1401, 860))
				w.Resize(fyne.NewSize(1400, 860))
				test.AssertImageMatches(t, "main_"+tc.lang+"_"+tc.theme+".png", w.Canvas().Capture())
			})
		})
	}
}

func goldenCache(t *testing.T, now time.Time) *app.Core {
	t.Helper()
	dir := t.TempDir()
	brenner := model.Identity{Platform: model.ChannelTwitter, Handle: "@mbrenner_travels", DisplayName: "Dr. Markus Brenner", Followers: 148_300, Verified: true}
	model.DefaultReach.Rate(&brenner)
	kim := model.Identity{Platform: model.ChannelFacebook, Handle: "kim.lee", DisplayName: "Kim Lee", Followers: 230}
	cases := []model.Case{
		{ID: "c-lounge", Channel: model.ChannelTwitter, Subject: "@SkyWingsAir refused at the lounge", Author: brenner, CustomerID: "4711",
			Status: model.StatusNew, Priority: model.PriorityHigh, Public: true, Created: now.Add(-time.Hour), LastMessageAt: now.Add(-50 * time.Minute), Version: 1},
		{ID: "c-bag", Channel: model.ChannelFacebook, Subject: "Bag lost in Munich", Author: kim,
			Status: model.StatusOpen, Priority: model.PriorityNormal, Public: true, Created: now.Add(-26 * time.Hour), LastMessageAt: now.Add(-26 * time.Hour), Version: 2},
	}
	var evs []model.Event
	add := func(ev model.Event) { ev.Seq = uint64(len(evs) + 1); ev.Time = now; evs = append(evs, ev) }
	add(model.Event{Type: model.EventCustomerUpserted, Customer: &model.Customer{ID: "4711", Name: "Dr. Markus Brenner", Tier: "senator", LifetimeValue: 182450,
		Links: []model.Link{{Identity: brenner, Consent: model.Consent{Service: true, By: "crm:senator-desk", At: now.AddDate(-1, 0, 0)}}}}})
	for i := range cases {
		add(model.Event{Type: model.EventCaseUpserted, Case: &cases[i]})
	}
	msgs := []model.Message{
		{ID: "m1", CaseID: "c-lounge", Direction: model.DirectionIn, Author: brenner, Text: "Senator for 9 years and turned away at the lounge.", Time: now.Add(-time.Hour)},
		{ID: "m2", CaseID: "c-lounge", Direction: model.DirectionNote, Author: model.Identity{Handle: "anna", DisplayName: "anna"}, Text: "Lounge FRA confirms: full until 14:00.", Time: now.Add(-55 * time.Minute)},
		{ID: "m3", CaseID: "c-lounge", Direction: model.DirectionIn, Author: brenner, Text: "Still no reply.", Time: now.Add(-50 * time.Minute)},
		{ID: "m4", CaseID: "c-bag", Direction: model.DirectionIn, Author: kim, Text: "My bag did not arrive in Munich.", Time: now.Add(-26 * time.Hour)},
	}
	for i := range msgs {
		add(model.Event{Type: model.EventMessageAdded, Message: &msgs[i]})
	}
	return openCache(t, dir, evs)
}
