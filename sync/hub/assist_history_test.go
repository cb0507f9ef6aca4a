package hub_test

import (
	"context"
	"encoding/json"
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
	"switchboard/sync/wire"
)

// historyHub has customer C-7 linked on X (mia) and Facebook (Mia
// Brandt), with a settled billing case on Facebook, an open baggage case
// on X and the case open now; tom's case is someone else's.
func historyHub(t *testing.T) (h *hub.Hub, now, tom string) {
	h, _, _ = newHub(t)
	tw := model.Identity{Platform: model.ChannelTwitter, Handle: "mia"}
	fb := model.Identity{Platform: model.ChannelFacebook, Handle: "mia.brandt"}
	if err := upsert(h, model.Customer{ID: "C-7", Name: "Mia Brandt", Tier: "gold", Links: consentLinks(tw, fb)}); err != nil {
		t.Fatal(err)
	}
	bill := ingest(t, h, hub.Inbound{Channel: model.ChannelFacebook, ThreadRef: "fb-1", PlatformID: "f1",
		Author: model.Identity{Handle: "mia.brandt", DisplayName: "Mia Brandt"}, Text: "You charged my card twice for one booking.",
		Time: t0, Source: "page"})
	applyOK(t, h, "anna", model.Op{ID: "r1", Kind: model.OpReply, CaseID: bill, Text: "We refunded the second charge today."})
	applyOK(t, h, "anna", model.Op{ID: "s1", Kind: model.OpSetStatus, CaseID: bill, Status: model.StatusSolved})
	ingest(t, h, tweet("t-bag", "p1", "mia", "my bag didn't arrive in Lisbon, wedding tomorrow!", t0.Add(24*time.Hour)))
	now = ingest(t, h, tweet("t-now", "p2", "mia", "and now the app won't let me check in", t0.Add(48*time.Hour)))
	tom = ingest(t, h, tweet("t-tom", "p3", "tom", "where is my refund", t0.Add(time.Hour)))
	return h, now, tom
}

func TestAssistCustomerHistoryOffline(t *testing.T) {
	h, now, tom := historyHub(t)
	a := hub.NewAssistant(nil, nil)
	ans := a.Answer(context.Background(), h, wire.AssistRequest{RequestID: "r1", CaseID: now, Kind: wire.AssistCustomerHistory}, "Mia")
	want := strings.Join([]string{
		"2 other cases since 1 Mar 2026 on Facebook, X: 1 open, 1 settled.",
		"Open since 2 Mar 2026 (X): my bag didn't arrive in Lisbon, wedding tomorrow!",
		"Last settled, 1 Mar 2026 (Facebook): You charged my card twice for one booking. — our answer: We refunded the second charge today.",
	}, "\n")
	if ans.Error != "" || ans.Source != assist.SourceOffline || ans.Kind != wire.AssistCustomerHistory {
		t.Fatalf("answer %+v", ans)
	}
	// Without a triager the cases have no triage: no topics, no mood.
	if ans.Summary != want {
		t.Fatalf("summary:\n%s\nwant:\n%s", ans.Summary, want)
	}
	if strings.Contains(ans.Summary, "refund\n") || strings.Contains(ans.Summary, "where is my refund") {
		t.Fatal("another customer's case is in the history")
	}
	if bad := a.Answer(context.Background(), h, wire.AssistRequest{RequestID: "r2", CaseID: tom, Kind: wire.AssistCustomerHistory}, "Mia"); bad.Error == "" {
		t.Fatalf("a case with no customer answered %+v", bad)
	}
	if err := (wire.AssistRequest{RequestID: "r3", CaseID: now, Kind: wire.AssistCustomerHistory}).Check(); err != nil {
		t.Fatal(err)
	}
}

func TestAssistCustomerHistoryFromTheModelCachedPerCaseVersions(t *testing.T) {
	var lastMsg atomic.Value
	f := newFakeModel(t, func(n int, msg string, w http.ResponseWriter, r *http.Request) {
		lastMsg.Store(msg)
		chatReply(w, `{"summary":"Two earlier cases: a double charge on Facebook (refunded) and a lost bag on X, still open."}`)
	})
	h, now, _ := historyHub(t)
	a := hub.NewAssistant(f.client(nil), nil)
	req := wire.AssistRequest{RequestID: "r1", CaseID: now, Kind: wire.AssistCustomerHistory}
	ans := a.Answer(context.Background(), h, req, "Mia")
	if ans.Source != "model:gpt-test" || !strings.HasPrefix(ans.Summary, "Two earlier cases") || ans.Note != "" {
		t.Fatalf("answer %+v", ans)
	}
	var data struct {
		Tier  string `json:"tier"`
		Cases []struct {
			Channel, Status, Asked string
			Answer                 string `json:"last_answer"`
		} `json:"cases"`
	}
	if err := json.Unmarshal([]byte(lastMsg.Load().(string)), &data); err != nil || len(data.Cases) != 2 || data.Tier != "gold" ||
		data.Cases[0].Channel != "twitter" || data.Cases[1].Status != "solved" || data.Cases[1].Answer != "We refunded the second charge today." {
		t.Fatalf("the model was sent %s (%v)", lastMsg.Load(), err)
	}
	// Asked again, by anyone, for the same versions: the cache.
	req.RequestID = "r2"
	if again := a.Answer(context.Background(), h, req, "Tom"); again.Summary != ans.Summary || again.RequestID != "r2" || f.calls.Load() != 1 {
		t.Fatalf("asked twice for the same versions: %d calls, %+v", f.calls.Load(), again)
	}
	// A new message on one of the other cases: asked again.
	ingest(t, h, tweet("t-bag", "p9", "mia", "still no bag??", t0.Add(50*time.Hour)))
	a.Answer(context.Background(), h, req, "Mia")
	if f.calls.Load() != 2 {
		t.Fatalf("after a new message on another case: %d calls, want 2", f.calls.Load())
	}
	if st := a.Stats(); st.Answers != 3 || st.CacheHits != 1 || st.Model != 2 {
		t.Fatalf("stats %+v", st)
	}
}

// An answer the model could not give for a passing reason (here its
// breaker is open after 500s) is not cached: once the endpoint works
// again, the same case version is asked of it.
func TestAssistPassingFailureIsNotCached(t *testing.T) {
	var healthy atomic.Bool
	f := newFakeModel(t, func(n int, msg string, w http.ResponseWriter, r *http.Request) {
		if !healthy.Load() {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"error":{"message":"down"}}`))
			return
		}
		chatReply(w, modelDrafts)
	})
	h, _, _ := newHub(t)
	id := ingest(t, h, tweet("t1", "p1", "ana", "Mein Koffer ist nicht angekommen", t0))
	var clockMu sync.Mutex
	clock := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return clock }
	a := hub.NewAssistant(f.client(func(c *assist.Config) { c.BreakerFailures = 1; c.BreakerCooldown = time.Minute; c.Now = now }), nil)
	req := wire.AssistRequest{RequestID: "r1", CaseID: id, Kind: wire.AssistDrafts}
	for i, wantNote := range []string{"model call", "failed repeatedly"} {
		ans := a.Answer(context.Background(), h, req, "Mia")
		if ans.Source != assist.SourceOffline || len(ans.Drafts) < 2 || !strings.Contains(ans.Note, wantNote) {
			t.Fatalf("answer %d: %+v", i, ans)
		}
	}
	if f.calls.Load() != 1 {
		t.Fatalf("%d calls, want 1 before the breaker opened", f.calls.Load())
	}
	healthy.Store(true)
	clockMu.Lock()
	clock = clock.Add(2 * time.Minute) // the cool-down is over
	clockMu.Unlock()
	ans := a.Answer(context.Background(), h, req, "Mia")
	if ans.Source != "model:gpt-test" || f.calls.Load() != 2 {
		t.Fatalf("after the cool-down, the same version: %+v (%d calls)", ans, f.calls.Load())
	}
}

type leadAndAgent struct{}

func (leadAndAgent) Authenticate(token string) (hub.Agent, error) {
	switch token {
	case "sb_lea":
		return hub.Agent{Name: "Lea", Role: hub.RoleLead}, nil
	case "sb_mia":
		return hub.Agent{Name: "Mia", Role: hub.RoleAgent}, nil
	}
	return hub.Agent{}, hub.ErrUnauthorized
}

// The lead sees the model's budget in use, drafts included (triage and
// the assistant share one client), and what the assistant answered; over
// the hourly budget drafts are canned, and the refusal is counted.
func TestAssistUsageShowsTheBudgetToLeads(t *testing.T) {
	f := newFakeModel(t, func(n int, msg string, w http.ResponseWriter, r *http.Request) { chatReply(w, modelDrafts) })
	h, _, _ := newHub(t)
	id := ingest(t, h, tweet("t1", "p1", "ana", "Mein Koffer ist nicht angekommen", t0))
	client := f.client(func(c *assist.Config) { c.CallsPerHour = 1 })
	srv := hub.NewServer(h, hub.Timing{})
	srv.SetAuth(leadAndAgent{})
	srv.SetAssistant(hub.NewAssistant(client, nil))
	srv.Mount("GET "+hub.AssistUsagePath, srv.AssistUsageHandler(hub.NewTriager(h, hub.TriageConfig{Client: client})))
	srv.Mount("POST "+hub.AssistPath, srv.AssistHandler())
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	defer srv.Close()
	do := func(method, path, token, body string, v any) int {
		req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		_ = json.NewDecoder(resp.Body).Decode(v)
		return resp.StatusCode
	}
	var a wire.AssistAnswer
	if code := do("POST", hub.AssistPath, "sb_mia", `{"request_id":"r1","case_id":"`+id+`","kind":"drafts"}`, &a); code != 200 || a.Source != "model:gpt-test" {
		t.Fatalf("drafts: %d %+v", code, a)
	}
	if code := do("POST", hub.AssistPath, "sb_mia", `{"request_id":"r2","case_id":"`+id+`","kind":"thread_summary"}`, &a); code != 200 ||
		a.Source != assist.SourceOffline || !strings.Contains(a.Note, "budget") {
		t.Fatalf("over budget: %d %+v", code, a)
	}
	var none map[string]any
	if code := do("GET", hub.AssistUsagePath, "sb_mia", "", &none); code != http.StatusForbidden {
		t.Fatalf("an agent read the usage: %d", code)
	}
	var u struct {
		Model  assist.Usage
		Assist hub.AssistStats
	}
	if code := do("GET", hub.AssistUsagePath, "sb_lea", "", &u); code != 200 {
		t.Fatalf("usage: %d", code)
	}
	if u.Model.Calls != 1 || u.Model.CallsPerHour != 1 || u.Model.OverBudget != 1 || u.Model.TotalTokens != 20 ||
		u.Assist.Answers != 2 || u.Assist.Model != 1 || u.Assist.Offline != 1 || u.Assist.Notes != 1 || f.calls.Load() != 1 {
		t.Fatalf("usage %+v (%d calls)", u, f.calls.Load())
	}
}
