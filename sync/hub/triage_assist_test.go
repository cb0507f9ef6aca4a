package hub_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"switchboard/assist"
	"switchboard/sync/hub"
	"switchboard/sync/wire"
)

func TestAssistOfflineDraftsAndSummary(t *testing.T) {
	h, _, _ := newHub(t)
	runTriager(t, h, hub.TriageConfig{})
	id := ingest(t, h, tweet("t1", "p1", "ana", "Mein Koffer ist in Lissabon nicht angekommen, die Hochzeit ist morgen!", t0))
	waitFor(t, "the triage", func() bool { return triageOf(h, id) != nil })
	a := hub.NewAssistant(nil, []assist.Canned{{ID: "bag-de", Category: assist.CategoryDeliveryBaggage, Lang: assist.LangDE,
		Text: "Hallo {first_name}, wir suchen deinen Koffer (Fall {case_id}). {dm} ^{agent}"}})
	ans := a.Answer(context.Background(), h, wire.AssistRequest{RequestID: "r1", CaseID: id, Kind: wire.AssistDrafts}, "Mia")
	if ans.Error != "" || len(ans.Drafts) < 2 || ans.Source != assist.SourceOffline {
		t.Fatalf("answer %+v", ans)
	}
	if d := ans.Drafts[0]; d.CannedID != "bag-de" || !strings.HasPrefix(d.Text, "Hallo ANA, wir suchen deinen Koffer (Fall "+id+").") ||
		!strings.HasSuffix(d.Text, "^Mia") || !strings.Contains(d.Text, "DM") || d.Limit != 280 {
		t.Fatalf("first draft %+v", d)
	}
	sum := a.Answer(context.Background(), h, wire.AssistRequest{RequestID: "r2", CaseID: id, Kind: wire.AssistThreadSummary}, "Mia")
	if sum.Source != assist.SourceOffline || !strings.HasPrefix(sum.Summary, "Anliegen: Mein Koffer") {
		t.Fatalf("summary %+v", sum)
	}
	if bad := a.Answer(context.Background(), h, wire.AssistRequest{RequestID: "r3", CaseID: "nope", Kind: wire.AssistDrafts}, "Mia"); bad.Error == "" {
		t.Fatalf("unknown case answered %+v", bad)
	}
}

const modelDrafts = `{"drafts":[{"text":"Hallo Ana, das tut uns sehr leid! Wir suchen deinen Koffer sofort. Schreib uns per DM deine Buchungsnummer. ^Mia"},{"text":"Hallo Ana, oh nein, kurz vor der Hochzeit! Wir kümmern uns jetzt darum, schick uns bitte eine DM. ^Mia"}]}`

func TestAssistModelDraftsCachedPerCaseVersion(t *testing.T) {
	f := newFakeModel(t, func(n int, msg string, w http.ResponseWriter, r *http.Request) {
		if strings.Contains(msg, "SWB") {
			t.Errorf("the system prompt's marker reached the user message")
		}
		chatReply(w, modelDrafts)
	})
	h, _, _ := newHub(t)
	id := ingest(t, h, tweet("t1", "p1", "ana", "Mein Koffer ist nicht angekommen", t0))
	a := hub.NewAssistant(f.client(func(c *assist.Config) { c.Timeout = 5 * time.Second }), nil)
	req := wire.AssistRequest{RequestID: "r1", CaseID: id, Kind: wire.AssistDrafts}
	ans := a.Answer(context.Background(), h, req, "Mia")
	if ans.Source != "model:gpt-test" || len(ans.Drafts) != 2 || ans.Note != "" || !strings.HasPrefix(ans.Drafts[0].Text, "Hallo Ana, das tut uns") {
		t.Fatalf("answer %+v", ans)
	}
	req.RequestID = "r2"
	again := a.Answer(context.Background(), h, req, "Mia")
	if f.calls.Load() != 1 || again.RequestID != "r2" || again.Drafts[0] != ans.Drafts[0] {
		t.Fatalf("asked again for the same case version: %d calls, %+v", f.calls.Load(), again)
	}
	ingest(t, h, tweet("t1", "p2", "ana", "Hallo??", t0.Add(time.Minute)))
	a.Answer(context.Background(), h, req, "Mia")
	if f.calls.Load() != 2 {
		t.Fatalf("a new message: %d calls, want a second", f.calls.Load())
	}
}

type oneToken struct{}

func (oneToken) Authenticate(token string) (hub.Agent, error) {
	if token == "sb_mia" {
		return hub.Agent{Name: "Mia", Role: hub.RoleAgent}, nil
	}
	return hub.Agent{}, hub.ErrUnauthorized
}

func TestAssistOverHTTP(t *testing.T) {
	h, _, _ := newHub(t)
	id := ingest(t, h, tweet("t1", "p1", "ana", "you charged my card twice", t0))
	srv := hub.NewServer(h, hub.Timing{})
	srv.SetAuth(oneToken{})
	srv.Mount("POST "+hub.AssistPath, srv.AssistHandler())
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	defer srv.Close()
	post := func(token, body string) (int, wire.AssistAnswer) {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+hub.AssistPath, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var a wire.AssistAnswer
		_ = json.NewDecoder(resp.Body).Decode(&a)
		return resp.StatusCode, a
	}
	if code, _ := post("", `{"request_id":"r1","case_id":"`+id+`","kind":"drafts"}`); code != http.StatusUnauthorized {
		t.Fatalf("no token: %d", code)
	}
	if code, _ := post("sb_mia", `{"request_id":"r1","case_id":"`+id+`","kind":"poem"}`); code != http.StatusBadRequest {
		t.Fatalf("bad kind: %d", code)
	}
	code, a := post("sb_mia", `{"request_id":"r1","case_id":"`+id+`","kind":"drafts"}`)
	if code != http.StatusOK || a.RequestID != "r1" || len(a.Drafts) < 2 || !strings.HasSuffix(a.Drafts[0].Text, "^Mia") {
		t.Fatalf("%d %+v", code, a)
	}
}
