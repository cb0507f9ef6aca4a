package hub_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"switchboard/sync/hub"
	"switchboard/sync/wire"
)

// A triage changes no case's version: a customer history answered before
// the customer's cases were triaged (or before the model's triage replaced
// the offline one) must not be served from the cache afterwards.
func TestAssistCustomerHistoryCachedPerTriage(t *testing.T) {
	h, now, _ := historyHub(t)
	a := hub.NewAssistant(nil, nil)
	req := wire.AssistRequest{RequestID: "r1", CaseID: now, Kind: wire.AssistCustomerHistory}
	before := a.Answer(context.Background(), h, req, "Mia")
	if before.Error != "" || strings.Contains(before.Summary, "Topics:") {
		t.Fatalf("before the triage: %+v", before)
	}
	c0, _ := h.Case(now)
	tr := runTriager(t, h, hub.TriageConfig{})
	waitFor(t, "the triage", func() bool { return tr.CaughtUp() && tr.Stats().Offline == 4 })
	if c, _ := h.Case(now); c.Version != c0.Version {
		t.Fatalf("the triage changed the version %d → %d", c0.Version, c.Version)
	}
	req.RequestID = "r2"
	after := a.Answer(context.Background(), h, req, "Mia")
	if !strings.Contains(after.Summary, "Topics: ") || !strings.Contains(after.Summary, "billing 1") {
		t.Fatalf("after the triage the history still has no topics:\n%s", after.Summary)
	}
	req.RequestID = "r3"
	if again := a.Answer(context.Background(), h, req, "Mia"); again.Summary != after.Summary {
		t.Fatalf("asked again: %+v", again)
	}
	if st := a.Stats(); st.Answers != 3 || st.CacheHits != 1 {
		t.Fatalf("stats %+v: want one cache hit, for the third request", st)
	}
}

// Drafts, too, are asked again of the model once the case's triage came
// in (the model is sent the triage: category, summary).
func TestAssistDraftsCachedPerTriage(t *testing.T) {
	f := newFakeModel(t, func(n int, msg string, w http.ResponseWriter, r *http.Request) { chatReply(w, modelDrafts) })
	h, _, _ := newHub(t)
	id := ingest(t, h, tweet("t1", "p1", "ana", "Mein Koffer ist nicht angekommen", t0))
	a := hub.NewAssistant(f.client(nil), nil)
	req := wire.AssistRequest{RequestID: "r1", CaseID: id, Kind: wire.AssistDrafts}
	a.Answer(context.Background(), h, req, "Mia")
	a.Answer(context.Background(), h, req, "Mia")
	if n := f.calls.Load(); n != 1 {
		t.Fatalf("%d calls for one case version", n)
	}
	runTriager(t, h, hub.TriageConfig{})
	waitFor(t, "the triage", func() bool { return triageOf(h, id) != nil })
	a.Answer(context.Background(), h, req, "Mia")
	a.Answer(context.Background(), h, req, "Mia")
	if n := f.calls.Load(); n != 2 {
		t.Fatalf("%d calls, want 2: one before the triage, one after", n)
	}
}
