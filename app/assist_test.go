package app_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"switchboard/app"
	"switchboard/assist"
	"switchboard/model"
	"switchboard/sync/hub"
)

func TestDraftsFromTheHubThenOfflineThenLocal(t *testing.T) {
	th := startAssistHub(t)
	tr := hub.NewTriager(th.hub, hub.TriageConfig{})
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); tr.Run(ctx) }()
	t.Cleanup(func() { stop(); <-done })
	id := th.post(t, post{model.ChannelTwitter, "tw-9", "jule", "Jule Brandt", 50, "Mein Koffer ist in Lissabon nicht angekommen!", 0})
	core, _ := startCore(t, t.TempDir(), th)
	waitFor(t, "the case's triage in the console", func() bool {
		d, err := core.Case(id)
		return err == nil && d.Case.Triage != nil
	})

	res, err := core.Drafts(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if res.Via != app.ViaHub || res.Source != assist.SourceOffline || len(res.Drafts) < 2 {
		t.Fatalf("from the hub: %+v", res)
	}
	if !strings.HasPrefix(res.Drafts[0].Text, "Hallo Jule,") {
		t.Fatalf("draft not in the customer's language or not to her: %q", res.Drafts[0].Text)
	}
	sum, err := core.ThreadSummary(context.Background(), id)
	if err != nil || sum.Via != app.ViaHub || !strings.HasPrefix(sum.Summary, "Anliegen: Mein Koffer") {
		t.Fatalf("summary from the hub: %+v %v", sum, err)
	}

	// A local endpoint named by the agent answers instead of the hub.
	var calls int
	local := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"id": "x", "object": "chat.completion",
			"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant",
				"content": `{"drafts":[{"text":"Hallo Jule, das tut uns leid! Wir suchen den Koffer."},{"text":"Hallo Jule, wir kümmern uns sofort darum."}]}`}}},
			"usage": map[string]any{"total_tokens": 10}})
	}))
	defer local.Close()
	t.Setenv("SWITCHBOARD_LOCAL_MODEL_URL", "")
	core.UseLocalModel(&app.LocalModel{BaseURL: local.URL + "/v1", Model: "llama-local"})
	res, err = core.Drafts(context.Background(), id)
	if err != nil || res.Via != app.ViaLocal || res.Source != "model:llama-local" || calls != 1 {
		t.Fatalf("from the local model: %+v %v (%d calls)", res, err, calls)
	}
	core.UseLocalModel(nil)
}

// startAssistHub is startHub with the hub's assistant and its HTTP
// endpoint, as cmd/hub serves them.
func startAssistHub(t *testing.T) *testHub {
	t.Helper()
	l, err := hub.OpenBoltLog(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	h, err := hub.New(l, hub.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := hub.NewServer(h, hub.Timing{HelloWait: 2 * time.Second, WriteWait: 2 * time.Second, PongWait: 2 * time.Minute, PingEvery: time.Minute})
	srv.SetAssistant(hub.NewAssistant(nil, nil))
	srv.Mount("POST "+hub.AssistPath, srv.AssistHandler())
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		ts.Close()
		srv.Close()
		l.Close()
	})
	return &testHub{hub: h, log: l, url: ts.URL}
}
