package ui_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"switchboard/app"
	"switchboard/model"
)

// handoffFixture: a forum question, an expert who chose X direct messages
// and one who answers in the thread, and three cases whose hand-off's
// private message was sent, failed, or is to be sent by hand.
func handoffFixture(t *testing.T) *app.Core {
	t.Helper()
	now := time.Now().UTC()
	anna := model.Identity{Platform: model.ChannelForum, Handle: "anna_k@f.example", DisplayName: "Anna Keller"}
	consent := model.ExpertConsent{At: now.AddDate(0, -1, 0), By: "lena"}
	var evs []model.Event
	add := func(ev model.Event) { ev.Seq = uint64(len(evs) + 1); ev.Time = now; evs = append(evs, ev) }
	add(model.Event{Type: model.EventExpertUpserted, Expert: &model.Expert{Key: "forum:kohlmark@f.example", Name: "kohlmark", Level: "Superuser",
		Topics: []string{"galaxy s24"}, Languages: []string{"de"}, Contact: "twitter:kohlmark", Consent: consent}})
	add(model.Event{Type: model.EventExpertUpserted, Expert: &model.Expert{Key: "forum:wim@f.example", Name: "wim",
		Topics: []string{"galaxy s24"}, Languages: []string{"de"}, Contact: "thread", Consent: consent}})
	handoff := func(via string, d model.Delivery, why string) *model.Handoff {
		return &model.Handoff{Expert: "forum:kohlmark@f.example", By: "arno", At: now.Add(-time.Hour), Via: via, Text: "Galaxy S24 ohne WLAN?",
			MessageID: "n-" + string(d), Delivery: d, DeliveryError: why}
	}
	cases := []model.Case{
		{ID: "c-q", Channel: model.ChannelForum, Subject: "Galaxy S24 verliert WLAN nach dem Update", Author: anna, Lang: "de"},
		{ID: "c-sent", Channel: model.ChannelForum, Subject: "Galaxy S24 WLAN", Author: anna, Lang: "de",
			Handoff: handoff("twitter:kohlmark", model.DeliverySent, "")},
		{ID: "c-failed", Channel: model.ChannelForum, Subject: "Galaxy S24 WLAN weg", Author: anna, Lang: "de",
			Handoff: handoff("twitter:kohlmark", model.DeliveryFailed, "X refused the direct message: they do not accept direct messages from this account")},
		{ID: "c-manual", Channel: model.ChannelForum, Subject: "Galaxy S24 kein WLAN", Author: anna, Lang: "de",
			Handoff: handoff("forum:hans@other.example", model.DeliveryManual, "")},
	}
	for i := range cases {
		c := &cases[i]
		c.Status, c.Public, c.Created, c.LastMessageAt, c.Version = model.StatusOpen, true, now.Add(-3*time.Hour), now.Add(-3*time.Hour), 1
		add(model.Event{Type: model.EventCaseUpserted, Case: c})
		add(model.Event{Type: model.EventMessageAdded, Message: &model.Message{ID: c.ID + "-1", CaseID: c.ID, Direction: model.DirectionIn,
			Author: anna, Text: c.Subject, Time: c.Created}})
	}
	return cacheCore(t, t.TempDir(), evs)
}

func TestExpertHandoffPanelShowsThePrivateMessage(t *testing.T) {
	_, c := openConsoleWith(t, handoffFixture)
	for id, want := range map[string]string{
		"c-sent":   "Private message sent to @kohlmark.",
		"c-failed": "Private message to @kohlmark failed: X refused the direct message: they do not accept direct messages from this account — send it by hand",
		"c-manual": "Send the hand-off to forum:hans@other.example by hand",
	} {
		c.Locked(func() { c.Select(id) })
		eventually(t, c, id+"'s hand-off", func() bool {
			s := c.Detail().CommunityStatus()
			return strings.Contains(s, "Waiting on community expert kohlmark") && strings.Contains(s, want)
		})
	}
}

func TestExpertHandoffDialogSaysHowItGoesOut(t *testing.T) {
	core, c := openConsoleWith(t, handoffFixture)
	c.Locked(func() { c.Select("c-q") })
	eventually(t, c, "the ask button", func() bool { return c.Detail().AskExpertButton() != nil })
	c.Locked(func() { test.Tap(c.Detail().AskExpertButton()) })
	eventually(t, c, "the hand-off dialog", func() bool { return c.AskExpert() != nil })
	c.Locked(func() {
		a := c.AskExpert()
		var kohl, wim string
		for _, o := range a.Experts.Options {
			switch {
			case strings.HasPrefix(o, "kohlmark"):
				kohl = o
			case strings.HasPrefix(o, "wim"):
				wim = o
			}
		}
		if kohl == "" || wim == "" {
			t.Fatalf("suggestions %q", a.Experts.Options)
		}
		a.Experts.SetSelected(wim)
		if !strings.Contains(a.How.Text, "mention in the forum thread") {
			t.Fatalf("wim (thread): %q", a.How.Text)
		}
		a.Experts.SetSelected(kohl)
		if !strings.Contains(a.How.Text, "direct message on X to @kohlmark") {
			t.Fatalf("kohlmark (X): %q", a.How.Text)
		}
		a.Text.SetText("Kennst du WLAN-Abbrüche am Galaxy S24 nach dem Update?")
		if a.Send.Disabled() {
			t.Fatalf("Send disabled: %q", a.Findings.Text)
		}
		test.Tap(a.Send)
	})
	eventually(t, c, "the hand-off queued", func() bool {
		ops, _ := core.Outbox()
		return slices.ContainsFunc(ops, func(o model.Op) bool {
			return o.Kind == model.OpAskExpert && o.CaseID == "c-q" && o.Expert == "forum:kohlmark@f.example" && o.Contact == "twitter:kohlmark"
		})
	})
}
