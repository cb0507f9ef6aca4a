package ui_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"switchboard/app"
	"switchboard/model"
	"switchboard/ui"
)

// historyCache holds customer C-7, linked on X and Facebook, with a
// settled billing case, an open baggage case and the case open now;
// c-stranger is someone else's.
func historyCache(t *testing.T) *app.Core {
	t.Helper()
	now := time.Now().UTC()
	tw := model.Identity{Platform: model.ChannelTwitter, Handle: "mia", DisplayName: "Mia Brandt", Followers: 20}
	fb := model.Identity{Platform: model.ChannelFacebook, Handle: "mia.brandt", DisplayName: "Mia Brandt"}
	tom := model.Identity{Platform: model.ChannelTwitter, Handle: "tom", DisplayName: "Tom", Followers: 5}
	tri := func(cat string, s float64, label string) *model.CaseTriage {
		return &model.CaseTriage{Category: cat, Sentiment: s, SentimentLabel: label, Urgency: 0.4, UrgencyLabel: "normal", Lang: "en", Relevant: true, Source: "offline"}
	}
	cases := []model.Case{
		{ID: "c-bill", Channel: model.ChannelFacebook, Subject: "charged twice", Author: fb, CustomerID: "C-7", Status: model.StatusSolved,
			Created: now.Add(-72 * time.Hour), LastMessageAt: now.Add(-71 * time.Hour), Version: 3, MessageCount: 2, Triage: tri("billing", 0.1, "neutral")},
		{ID: "c-bag", Channel: model.ChannelTwitter, Subject: "bag", Author: tw, CustomerID: "C-7", Status: model.StatusOpen, Public: true,
			Created: now.Add(-24 * time.Hour), LastMessageAt: now.Add(-24 * time.Hour), Version: 1, MessageCount: 1, Triage: tri("delivery_baggage", -0.7, "negative")},
		{ID: "c-now", Channel: model.ChannelTwitter, Subject: "check-in", Author: tw, CustomerID: "C-7", Status: model.StatusNew, Public: true,
			Created: now.Add(-time.Hour), LastMessageAt: now.Add(-time.Hour), Version: 1, MessageCount: 1, Triage: tri("technical", -0.4, "negative")},
		{ID: "c-stranger", Channel: model.ChannelTwitter, Subject: "refund", Author: tom, Status: model.StatusNew, Public: true,
			Created: now.Add(-time.Hour), LastMessageAt: now.Add(-time.Hour), Version: 1, MessageCount: 1},
	}
	var evs []model.Event
	add := func(ev model.Event) { ev.Seq = uint64(len(evs) + 1); ev.Time = now; evs = append(evs, ev) }
	consent := model.Consent{Service: true, By: "crm", At: now.AddDate(-1, 0, 0)}
	add(model.Event{Type: model.EventCustomerUpserted, Customer: &model.Customer{ID: "C-7", Name: "Mia Brandt", Tier: "gold",
		Links: []model.Link{{Identity: tw, Consent: consent}, {Identity: fb, Consent: consent}}}})
	for i := range cases {
		add(model.Event{Type: model.EventCaseUpserted, Case: &cases[i]})
	}
	msg := func(id, caseID string, dir model.Direction, who model.Identity, text string, at time.Time) {
		add(model.Event{Type: model.EventMessageAdded, Message: &model.Message{ID: id, CaseID: caseID, Direction: dir, Author: who, Text: text, Time: at}})
	}
	agent := model.Identity{Handle: "anna", DisplayName: "anna"}
	msg("m1", "c-bill", model.DirectionIn, fb, "You charged my card twice for one booking.", now.Add(-72*time.Hour))
	msg("m2", "c-bill", model.DirectionOut, agent, "We refunded the second charge today.", now.Add(-71*time.Hour))
	msg("m3", "c-bag", model.DirectionIn, tw, "my bag didn't arrive in Lisbon", now.Add(-24*time.Hour))
	msg("m4", "c-now", model.DirectionIn, tw, "and now the app won't let me check in", now.Add(-time.Hour))
	msg("m5", "c-stranger", model.DirectionIn, tom, "where is my refund", now.Add(-time.Hour))
	return cacheCore(t, t.TempDir(), evs)
}

func TestCustomerPanelHistorySummary(t *testing.T) {
	t.Setenv("SWITCHBOARD_LOCAL_MODEL_URL", "")
	test.NewTempApp(t)
	core := historyCache(t)
	c := ui.New(core)
	c.Wait()
	w := test.NewWindow(c.Content())
	w.Resize(fyne.NewSize(1400, 900))
	t.Cleanup(func() { w.Close(); c.Wait() })
	p := c.Customer()

	// No customer: no history.
	c.Locked(func() { c.Select("c-stranger") })
	eventually(t, c, "the stranger's case", func() bool { return p.Name() == "Tom" })
	var shown bool
	c.Locked(func() { shown = p.HistoryShown() })
	if shown {
		t.Fatal("a case with no customer offers a history")
	}

	// Offline, from the console's cache.
	c.Locked(func() { c.Select("c-now") })
	eventually(t, c, "the customer panel", func() bool { return p.Name() == "Mia Brandt" && p.HistoryShown() })
	c.Locked(func() { test.Tap(p.HistoryButton()) })
	eventually(t, c, "the history summary", func() bool { return p.HistorySummary() != "" })
	var sum, status string
	c.Locked(func() { sum, status = p.HistorySummary(), p.HistoryStatus() })
	for _, want := range []string{"2 other cases since", "on Facebook, X: 1 open, 1 settled.", "Topics: billing 1, delivery/baggage 1.",
		"my bag didn't arrive in Lisbon", "our answer: We refunded the second charge today.", "Mood: getting worse (neutral → negative)."} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary %q lacks %q", sum, want)
		}
	}
	if strings.Contains(sum, "refund\n") || strings.Contains(sum, "where is my refund") {
		t.Error("another customer's case is in the history")
	}
	if !strings.Contains(status, "From the cases' triage") || !strings.Contains(status, "this console, offline") {
		t.Errorf("status %q does not say where the summary came from", status)
	}

	// A local model that thinks forever: switching cases cancels the request.
	var calls atomic.Int32
	var hang atomic.Bool
	cancelled := make(chan struct{}, 4)
	arrived := make(chan struct{}, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body) // the server notices a client gone only once the body is read
		calls.Add(1)
		arrived <- struct{}{}
		if hang.Load() {
			<-r.Context().Done()
			cancelled <- struct{}{}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"id": "x", "object": "chat.completion",
			"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant",
				"content": `{"summary":"Earlier: a double charge on Facebook (refunded), a lost bag on X still open."}`}}},
			"usage": map[string]any{"total_tokens": 10}})
	}))
	defer srv.Close()
	core.UseLocalModel(&app.LocalModel{BaseURL: srv.URL + "/v1", Model: "llama-local"})
	hang.Store(true)
	c.Locked(func() { c.Select("c-bag") })
	eventually(t, c, "the bag case", func() bool { return p.HistoryShown() && p.HistorySummary() == "" })
	c.Locked(func() { test.Tap(p.HistoryButton()) })
	select {
	case <-arrived:
	case <-time.After(20 * time.Second):
		t.Fatal("the history request did not reach the local model")
	}
	c.Locked(func() { status = p.HistoryStatus() })
	if !strings.Contains(status, "Summarizing") {
		t.Errorf("no progress shown: %q", status)
	}
	c.Locked(func() { c.Select("c-stranger") })
	select {
	case <-cancelled:
	case <-time.After(20 * time.Second):
		t.Fatal("switching cases did not cancel the request")
	}

	// Back, with the model answering: its summary, labelled; asked once.
	hang.Store(false)
	c.Locked(func() { c.Select("c-bag") })
	eventually(t, c, "the bag case again", func() bool { return p.HistoryShown() && !p.HistoryButton().Disabled() })
	for i := 0; i < 2; i++ {
		c.Locked(func() { test.Tap(p.HistoryButton()) })
		eventually(t, c, "the model's history", func() bool {
			return !p.HistoryButton().Disabled() && strings.HasPrefix(p.HistorySummary(), "Earlier: a double charge")
		})
	}
	c.Locked(func() { status = p.HistoryStatus() })
	if !strings.Contains(status, "model llama-local") || !strings.Contains(status, "your local model") {
		t.Errorf("status %q", status)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("%d calls to the local model, want 2 (the cancelled one, then one for these versions)", n)
	}
	core.UseLocalModel(nil)
}
