package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"switchboard/app"
	"switchboard/model"
	"switchboard/sync/client"
)

// Issue 13 point 3: the panes stay where the agent put them. Opening a
// case whose content is wider (a long subject, a long handle on the send
// button, long words in the thread, a wide customer record) moved the
// splits: each pane asked the split for its content's minimum, and the
// split gave it that much whatever its offset (seen under Xvfb: the case
// view's divider 7 pixels right on "Send publicly to hist_customer_340").
func TestSplitsStayWhereTheAgentPutThem(t *testing.T) {
	t.Cleanup(func() { SetLanguage("en") })
	for _, lang := range []string{"en", "de"} {
		for _, sz := range []fyne.Size{{Width: 1400, Height: 860}, {Width: 1200, Height: 800}, {Width: 800, Height: 500}} {
			t.Run(fmt.Sprintf("%s_%.0f", lang, sz.Width), func(t *testing.T) {
				SetLanguage(lang)
				a := test.NewTempApp(t)
				a.Settings().SetTheme(NewTheme("light"))
				c := New(wideCache(t, time.Now()))
				c.Wait()
				var w fyne.Window
				c.Locked(func() {
					w = test.NewWindow(c.Content())
					w.Resize(sz)
					c.Banner().Set(client.Status{State: client.StateOnline}, 0)
				})
				t.Cleanup(func() { c.Locked(w.Close); c.Wait() })
				open := func(id string) layoutShot {
					t.Helper()
					c.Locked(func() { c.Select(id) })
					eventually(t, c, "case "+id, func() bool { return c.Actions().caseID == id && c.loading == "" })
					c.Wait()
					var s layoutShot
					c.Locked(func() {
						w.Resize(sz.AddWidthHeight(1, 0)) // the test canvas lays out on a resize
						w.Resize(sz)
						s = shot(c)
					})
					return s
				}
				narrow := open("c-short")
				wide := open("c-wide")
				if wide != narrow {
					t.Errorf("opening the wide case moved the panes:\n short %+v\n wide  %+v", narrow, wide)
				}
				if back := open("c-short"); back != narrow {
					t.Errorf("back on the short case the panes are not where they were:\n before %+v\n after  %+v", narrow, back)
				}
				// Where the agent drags a divider, it stays there too.
				c.Locked(func() {
					sp := c.Splits()
					sp[0].SetOffset(0.33)
					if len(sp) > 1 && sp[1].Visible() {
						sp[1].SetOffset(0.7)
					}
				})
				moved := open("c-short")
				if moved.queueW == narrow.queueW {
					t.Fatalf("the queue pane did not follow its split's new offset: %+v", moved)
				}
				if wide := open("c-wide"); wide != moved {
					t.Errorf("after the agent moved the splits the wide case moved them again:\n short %+v\n wide  %+v", moved, wide)
				}
			})
		}
	}
}

// layoutShot is where the console's panes are.
type layoutShot struct {
	offsets                 [2]float64
	queueW, detailX, detail float32
	customerX               float32
}

func shot(c *Console) layoutShot {
	var s layoutShot
	sp := c.Splits()
	for i := 0; i < len(sp) && i < 2; i++ {
		s.offsets[i] = sp[i].Offset
	}
	d := fyne.CurrentApp().Driver()
	s.queueW = sp[0].Leading.Size().Width
	dp := c.customer.fold.detailPane
	s.detailX, s.detail = d.AbsolutePositionForObject(dp).X, dp.Size().Width
	if c.CustomerShown() {
		s.customerX = d.AbsolutePositionForObject(c.customer).X
	}
	return s
}

// wideCache holds two cases: one of short texts, one as wide as a case
// gets — a subject of one long word, a long handle (the send button names
// it), long words in the thread, a customer with a long name and e-mail.
func wideCache(t *testing.T, now time.Time) *app.Core {
	t.Helper()
	dir := t.TempDir()
	var evs []model.Event
	add := func(ev model.Event) { ev.Seq = uint64(len(evs) + 1); ev.Time = now; evs = append(evs, ev) }
	longHandle := "@" + strings.Repeat("sky", 11) + "_official_customer_care_account"
	who := model.Identity{Platform: model.ChannelTwitter, Handle: longHandle, DisplayName: "Maximiliane Alexandra von und zu Oberhausen-Schwarzenberg", Followers: 250_000}
	model.DefaultReach.Rate(&who)
	add(model.Event{Type: model.EventCustomerUpserted, Customer: &model.Customer{ID: "c1", Name: who.DisplayName, Tier: "senator", LifetimeValue: 982450,
		Email: "maximiliane.alexandra.oberhausen-schwarzenberg@a-very-long-company-domain.example.com",
		Notes: "https://www.example.com/" + strings.Repeat("very-long-path-segment-", 8),
		Links: []model.Link{{Identity: who, Consent: model.Consent{Service: true, By: "crm", At: now.AddDate(-1, 0, 0)}}}}})
	short := model.Identity{Platform: model.ChannelFacebook, Handle: "sam", DisplayName: "Sam"}
	for _, cs := range []struct {
		c    model.Case
		msgs []string
	}{
		{model.Case{ID: "c-short", Channel: model.ChannelFacebook, Subject: "Hi", Author: short}, []string{"Hi", "Thanks"}},
		{model.Case{ID: "c-wide", Channel: model.ChannelTwitter, CustomerID: "c1", Author: who,
			Subject: "Entschädigungsforderungsbearbeitungsverzögerungsbeschwerde" + strings.Repeat("X", 60)},
			[]string{"https://www.example.com/booking/" + strings.Repeat("ABCDEFGHIJ", 20), strings.Repeat("Donaudampfschifffahrtsgesellschaft", 6)}},
	} {
		cs.c.Status, cs.c.Priority, cs.c.Public, cs.c.Version = model.StatusOpen, model.PriorityNormal, true, 1
		cs.c.Created, cs.c.LastMessageAt = now.Add(-time.Hour), now.Add(-time.Minute)
		add(model.Event{Type: model.EventCaseUpserted, Case: &cs.c})
		for i, text := range cs.msgs {
			add(model.Event{Type: model.EventMessageAdded, Message: &model.Message{ID: fmt.Sprintf("%s-%d", cs.c.ID, i), CaseID: cs.c.ID,
				Direction: model.DirectionIn, Author: cs.c.Author, Text: text, Time: now.Add(-time.Duration(10-i) * time.Minute)}})
		}
	}
	return openCache(t, dir, evs)
}
