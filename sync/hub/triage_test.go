package hub_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/assist"
	"switchboard/model"
	"switchboard/sync/hub"
)

// runTriager runs a triager on h until the test ends.
func runTriager(t *testing.T, h *hub.Hub, cfg hub.TriageConfig) *hub.Triager {
	t.Helper()
	tr := hub.NewTriager(h, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); tr.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return tr
}

// waitFor polls cond until it holds or 20 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func triageOf(h *hub.Hub, id string) *model.CaseTriage {
	c, ok := h.Case(id)
	if !ok {
		return nil
	}
	return c.Triage
}

func TestTriageOfflineStoredAndSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir)
	clk := &clock{now: t0}
	h, err := hub.New(l, quietConfig(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	tr := hub.NewTriager(h, hub.TriageConfig{})
	done := make(chan struct{})
	go func() { defer close(done); tr.Run(ctx) }()

	id := ingest(t, h, tweet("t1", "p1", "ana", "@SkyWings my suitcase did not arrive in Lisbon, my wedding is tomorrow at 10am!", t0))
	waitFor(t, "the offline triage", func() bool { return triageOf(h, id) != nil })
	c, _ := h.Case(id)
	if c.Triage.Source != assist.SourceOffline || c.Triage.Category != assist.CategoryDeliveryBaggage || c.Triage.Lang != "en" ||
		c.Triage.MessageID == "" || c.Triage.Score <= 0 || !c.Triage.Relevant {
		t.Fatalf("triage %+v", c.Triage)
	}
	if c.Version != 1 {
		t.Fatalf("triage changed the case's version to %d", c.Version)
	}
	// A follow-up that says nothing specific keeps the case what it is.
	ingest(t, h, tweet("t1", "p2", "ana", "any news??", t0.Add(time.Minute)))
	waitFor(t, "the follow-up's triage", func() bool { tg := triageOf(h, id); return tg != nil && tg.MessageID != c.Triage.MessageID })
	follow := triageOf(h, id)
	if follow.Category != assist.CategoryDeliveryBaggage || follow.Summary != c.Triage.Summary {
		t.Fatalf("follow-up triage %+v", follow)
	}
	cancel()
	<-done
	if s := tr.Stats(); s.Offline != 2 || s.Model != 0 {
		t.Fatalf("stats %+v", s)
	}

	// The triage is in the log: a case.upserted carrying it.
	var logged int
	for _, ev := range readAll(t, l) {
		if ev.Type == model.EventCaseUpserted && ev.Case.Triage != nil {
			logged++
		}
	}
	if logged < 2 {
		t.Fatalf("%d case events carry a triage, want the two triages", logged)
	}
	l.Close()

	// After a restart the hub still has it, and the queue's summary shows it.
	l2 := openLog(t, dir)
	t.Cleanup(func() { l2.Close() })
	h2, err := hub.New(l2, quietConfig(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	c2, ok := h2.Case(id)
	if !ok || c2.Triage == nil || *c2.Triage != *follow {
		t.Fatalf("after restart: %+v, want %+v", c2.Triage, follow)
	}
	s := c2.Summary()
	if s.Category != assist.CategoryDeliveryBaggage || s.TriageSource != assist.SourceOffline || s.Lang != "en" ||
		s.Score != follow.Score || s.Urgency != follow.UrgencyLabel || s.Sentiment != follow.SentimentLabel || s.Irrelevant || s.Troll || s.Spam {
		t.Fatalf("summary %+v", s)
	}
}

func TestTriageBackfillsWhatAStopLeftUntriaged(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir)
	clk := &clock{now: t0}
	h, err := hub.New(l, quietConfig(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	// No triager ran: the hub stopped before triaging.
	spam := ingest(t, h, tweet("t2", "p3", "promo", "Earn 5000$ a day with crypto, DM me, link in bio www.win-big.xyz", t0))
	l.Close()
	l2 := openLog(t, dir)
	t.Cleanup(func() { l2.Close() })
	h2, err := hub.New(l2, quietConfig(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	runTriager(t, h2, hub.TriageConfig{})
	waitFor(t, "the backfilled triage", func() bool { return triageOf(h2, spam) != nil })
	s := func() model.Summary { c, _ := h2.Case(spam); return c.Summary() }()
	if !s.Spam || !s.Irrelevant || s.Category != assist.CategoryOther {
		t.Fatalf("spam summary %+v", s)
	}
}

// fakeModel is an httptest server speaking the chat-completions API.
type fakeModel struct {
	srv    *httptest.Server
	calls  atomic.Int32
	answer func(n int, msg string, w http.ResponseWriter, r *http.Request)
}

func newFakeModel(t *testing.T, answer func(n int, msg string, w http.ResponseWriter, r *http.Request)) *fakeModel {
	f := &fakeModel{answer: answer}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req struct {
			Messages []struct{ Role, Content string } `json:"messages"`
		}
		_ = json.Unmarshal(body, &req)
		msg := ""
		if len(req.Messages) > 1 {
			msg = req.Messages[1].Content
		}
		n := int(f.calls.Add(1)) - 1
		f.answer(n, msg, w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeModel) client(edit func(*assist.Config)) *assist.Client {
	cfg := assist.Config{BaseURL: f.srv.URL + "/v1", Model: "gpt-test", Timeout: 3 * time.Second}
	if edit != nil {
		edit(&cfg)
	}
	return assist.NewClient(cfg)
}

func chatReply(w http.ResponseWriter, content string) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id": "x", "object": "chat.completion", "created": 1, "model": "gpt-test",
		"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": content}}},
		"usage":   map[string]any{"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
	})
}

const modelBag = `{"category":"delivery_baggage","sentiment":-0.7,"sentiment_label":"negative","urgency":0.95,"urgency_label":"high","troll":0,"spam":0,"lang":"en","relevant":true,"summary":"Suitcase lost in Lisbon, wedding tomorrow"}`

func TestTriageModelReplacesOffline(t *testing.T) {
	cases := []struct {
		name      string
		answer    func(n int, w http.ResponseWriter)
		wantModel bool
		calls     int32
	}{
		{"valid", func(n int, w http.ResponseWriter) { chatReply(w, modelBag) }, true, 1},
		{"invalid then valid", func(n int, w http.ResponseWriter) {
			if n == 0 {
				chatReply(w, `{"category":"luggage","sentiment":-3}`)
				return
			}
			chatReply(w, modelBag)
		}, true, 2},
		{"garbage twice", func(n int, w http.ResponseWriter) { chatReply(w, "I think this is about a bag.") }, false, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeModel(t, func(n int, _ string, w http.ResponseWriter, _ *http.Request) { tc.answer(n, w) })
			h, _, _ := newHub(t)
			tr := runTriager(t, h, hub.TriageConfig{Client: f.client(nil)})
			id := ingest(t, h, tweet("t1", "p1", "ana", "my suitcase did not arrive in Lisbon, wedding tomorrow", t0))
			waitFor(t, "the model's answer", func() bool { s := tr.Stats(); return s.Model+s.ModelError == 1 })
			got := triageOf(h, id)
			if tc.wantModel {
				if got.Source != "model:gpt-test" || got.Summary != "Suitcase lost in Lisbon, wedding tomorrow" || got.Urgency != 0.95 {
					t.Fatalf("triage %+v", got)
				}
			} else if got.Source != assist.SourceOffline {
				t.Fatalf("garbage answers: triage %+v, want the offline one", got)
			}
			if n := f.calls.Load(); n != tc.calls {
				t.Fatalf("%d model calls, want %d", n, tc.calls)
			}
			if c, _ := h.Case(id); c.Version != 1 {
				t.Fatalf("version %d", c.Version)
			}
		})
	}
}

func TestTriageSlowModelKeepsOfflineAndNewerMessageWins(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	f := newFakeModel(t, func(n int, msg string, w http.ResponseWriter, r *http.Request) {
		if strings.Contains(msg, "first message") {
			select { // slow: answers only once the second message is in
			case <-release:
			case <-r.Context().Done():
				return
			}
		}
		chatReply(w, strings.Replace(modelBag, "Suitcase lost in Lisbon, wedding tomorrow", "answer to: "+map[bool]string{true: "first", false: "second"}[strings.Contains(msg, "first message")], 1))
	})
	h, _, _ := newHub(t)
	tr := runTriager(t, h, hub.TriageConfig{Client: f.client(nil), Workers: 2})
	id := ingest(t, h, tweet("t1", "p1", "ana", "first message: my bag is lost", t0))
	waitFor(t, "the offline triage of the first message", func() bool { return triageOf(h, id) != nil })
	if got := triageOf(h, id); got.Source != assist.SourceOffline {
		t.Fatalf("while the model is slow the offline triage stands: %+v", got)
	}
	ingest(t, h, tweet("t1", "p2", "ana", "second message: still no bag!", t0.Add(time.Minute)))
	waitFor(t, "the second message's model triage", func() bool { tg := triageOf(h, id); return tg != nil && tg.Summary == "answer to: second" })
	once.Do(func() { close(release) })
	waitFor(t, "the first answer to come back", func() bool { s := tr.Stats(); return s.Model+s.Superseded+s.ModelError >= 2 })
	if got := triageOf(h, id); got.Summary != "answer to: second" {
		t.Fatalf("a late answer for an older message replaced the newer triage: %+v", got)
	}
	if s := tr.Stats(); s.Superseded != 1 || s.Model != 1 {
		t.Fatalf("stats %+v", s)
	}
}

func TestTriageModelTimeoutAndBudgetKeepOffline(t *testing.T) {
	f := newFakeModel(t, func(n int, _ string, w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // hangs
	})
	h, _, _ := newHub(t)
	tr := runTriager(t, h, hub.TriageConfig{Client: f.client(func(c *assist.Config) { c.Timeout = 200 * time.Millisecond; c.CallsPerHour = 1 })})
	a := ingest(t, h, tweet("t1", "p1", "ana", "my bag is lost", t0))
	b := ingest(t, h, tweet("t2", "p2", "bob", "my invoice is wrong, charged twice", t0))
	waitFor(t, "both model attempts to end", func() bool { return tr.Stats().ModelError == 2 })
	for _, id := range []string{a, b} {
		if got := triageOf(h, id); got == nil || got.Source != assist.SourceOffline {
			t.Fatalf("case %s: %+v, want the offline triage", id, got)
		}
	}
	if n := f.calls.Load(); n != 1 {
		t.Fatalf("%d calls, want 1: the budget allows one an hour", n)
	}
	if u := tr.Usage(); u == nil || u.OverBudget != 1 || u.Failures != 1 {
		t.Fatalf("usage %+v", u)
	}
}

func TestTriageRestartDoesNotTriageAgain(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir)
	clk := &clock{now: t0}
	h, err := hub.New(l, quietConfig(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	tr := hub.NewTriager(h, hub.TriageConfig{Batch: 1})
	done := make(chan struct{})
	go func() { defer close(done); tr.Run(ctx) }()
	a := ingest(t, h, tweet("t1", "p1", "ana", "my bag is lost", t0))
	ingest(t, h, tweet("t1", "p2", "ana", "and my invoice is wrong too, charged twice", t0))
	b := ingest(t, h, tweet("t2", "p3", "bob", "the app crashes when I pay", t0))
	waitFor(t, "both cases triaged", func() bool { return tr.CaughtUp() && tr.Stats().Offline >= 2 })
	cancel()
	<-done
	want := *triageOf(h, a)
	head := l.Head()
	l.Close()

	l2 := openLog(t, dir)
	t.Cleanup(func() { l2.Close() })
	h2, err := hub.New(l2, quietConfig(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	tr2 := runTriager(t, h2, hub.TriageConfig{Batch: 1})
	waitFor(t, "the backfill read", tr2.CaughtUp)
	if l2.Head() != head || tr2.Stats().Offline != 0 {
		t.Fatalf("a restart triaged again: head %d → %d, %+v", head, l2.Head(), tr2.Stats())
	}
	if got := triageOf(h2, a); *got != want || triageOf(h2, b) == nil {
		t.Fatalf("after restart %+v, want %+v", got, want)
	}
}
