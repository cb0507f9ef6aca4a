package ui_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"switchboard/app"
	"switchboard/model"
	"switchboard/ui"
)

// triagedCache holds a German baggage case triaged offline, with a long
// thread, and an English one triaged by a model.
func triagedCache(t *testing.T) *app.Core {
	t.Helper()
	dir := t.TempDir()
	now := time.Now().UTC()
	jule := model.Identity{Platform: model.ChannelTwitter, Handle: "jule_b", DisplayName: "Jule Brandt", Followers: 80}
	bag := model.Case{ID: "c-bag", Channel: model.ChannelTwitter, Subject: "Mein Koffer ist in Lissabon nicht angekommen!", Author: jule,
		Status: model.StatusNew, Public: true, Created: now.Add(-time.Hour), LastMessageAt: now, WaitingSince: now.Add(-time.Hour), Version: 6,
		Triage: &model.CaseTriage{Category: "delivery_baggage", Sentiment: -0.6, SentimentLabel: "negative", Urgency: 0.8, UrgencyLabel: "high",
			Lang: "de", Relevant: true, Summary: "Mein Koffer ist in Lissabon nicht angekommen!", Source: "offline", Score: 55, MessageID: "b6"}}
	sam := model.Identity{Platform: model.ChannelTwitter, Handle: "sam", DisplayName: "Sam", Followers: 10}
	troll := model.Case{ID: "c-troll", Channel: model.ChannelTwitter, Subject: "you are all clowns", Author: sam,
		Status: model.StatusNew, Public: true, Created: now, LastMessageAt: now, Version: 1,
		Triage: &model.CaseTriage{Category: "other", Sentiment: -0.8, SentimentLabel: "negative", Urgency: 0.05, UrgencyLabel: "low", Troll: 0.9,
			Lang: "en", Relevant: false, Summary: "Insults, no issue", Source: "model:gpt-test", Score: 2, MessageID: "t1"}}
	var evs []model.Event
	add := func(ev model.Event) { ev.Seq = uint64(len(evs) + 1); ev.Time = now; evs = append(evs, ev) }
	add(model.Event{Type: model.EventCaseUpserted, Case: &bag})
	add(model.Event{Type: model.EventCaseUpserted, Case: &troll})
	texts := []string{"Mein Koffer ist in Lissabon nicht angekommen!", "Hallo?? Gibt es was Neues?", "Die Hochzeit ist morgen um 10 Uhr, ich brauche den Koffer dringend!",
		"Bitte melden Sie sich.", "Ich warte seit einer Stunde.", "Immer noch nichts."}
	for i, text := range texts {
		add(model.Event{Type: model.EventMessageAdded, Message: &model.Message{ID: fmt.Sprintf("b%d", i+1), CaseID: "c-bag", Direction: model.DirectionIn,
			Author: jule, Text: text, Time: now.Add(time.Duration(i-6) * time.Minute), Public: true}})
	}
	add(model.Event{Type: model.EventMessageAdded, Message: &model.Message{ID: "t1", CaseID: "c-troll", Direction: model.DirectionIn, Author: sam, Text: "you are all clowns", Time: now}})
	return cacheCore(t, dir, evs)
}

func TestCaseViewShowsTriageAndDraftFillsTheComposer(t *testing.T) {
	t.Setenv("SWITCHBOARD_LOCAL_MODEL_URL", "")
	test.NewTempApp(t)
	core := triagedCache(t)
	c := ui.New(core)
	c.Wait()
	w := test.NewWindow(c.Content())
	w.Resize(fyne.NewSize(1400, 900))
	t.Cleanup(func() { w.Close(); c.Wait() })

	c.Locked(func() { c.Select("c-bag") })
	eventually(t, c, "the triage of the bag case", func() bool { return c.Detail().TriageText() != "" })
	var tri string
	c.Locked(func() { tri = c.Detail().TriageText() })
	for _, want := range []string{"Delivery / baggage", "negative -0.6", "urgency high", "German", "care case", "priority 55",
		"Mein Koffer ist in Lissabon nicht angekommen!", "Triage by the offline classifier"} {
		if !strings.Contains(tri, want) {
			t.Errorf("triage %q lacks %q", tri, want)
		}
	}
	var summaryShown bool
	c.Locked(func() { summaryShown = c.Detail().SummaryButton().Visible() })
	if !summaryShown {
		t.Error("a thread of six messages offers no summary")
	}

	c.Locked(func() { test.Tap(c.Detail().DraftButton()) })
	var entry string
	eventually(t, c, "a draft in the composer", func() bool {
		entry = c.Actions().Composer().Entry().Text
		return entry != ""
	})
	if !strings.HasPrefix(entry, "Hallo Jule,") {
		t.Errorf("draft %q: not German, or not to Jule", entry)
	}
	var status string
	var drafts []string
	c.Locked(func() { status, drafts = c.Detail().AssistStatus(), c.Detail().DraftTexts() })
	if !strings.Contains(status, "Template answer") || !strings.Contains(status, "offline classifier") || !strings.Contains(status, "this console, offline") {
		t.Errorf("status %q does not say the draft is an offline template", status)
	}
	if len(drafts) < 2 || drafts[0] != entry {
		t.Errorf("drafts offered %q", drafts)
	}
	if n := core.Pending(); n != 0 {
		t.Fatalf("a draft queued %d ops: drafts are never sent", n)
	}

	c.Locked(func() { test.Tap(c.Detail().SummaryButton()) })
	eventually(t, c, "the thread summary", func() bool { return c.Detail().ThreadSummary() != "" })
	var sum string
	c.Locked(func() { sum = c.Detail().ThreadSummary() })
	if !strings.HasPrefix(sum, "Anliegen: Mein Koffer") || !strings.Contains(sum, "Hochzeit ist morgen") {
		t.Errorf("summary %q", sum)
	}

	// Another case: its own triage, from the model, flagged; the drafts go.
	c.Locked(func() { c.Select("c-troll") })
	eventually(t, c, "the troll case's triage", func() bool { return strings.Contains(c.Detail().TriageText(), "gpt-test") })
	c.Locked(func() { tri, drafts = c.Detail().TriageText(), c.Detail().DraftTexts() })
	for _, want := range []string{"Likely a troll (90%)", "brand chatter, not a care case", "Triage by the model gpt-test"} {
		if !strings.Contains(tri, want) {
			t.Errorf("troll triage %q lacks %q", tri, want)
		}
	}
	if len(drafts) != 0 {
		t.Errorf("the last case's drafts are still shown: %q", drafts)
	}
}
