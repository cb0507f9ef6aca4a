package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/app"
	"switchboard/assist"
	"switchboard/model"
)

// countingModel is a local OpenAI-style endpoint that counts requests per
// response schema (reply_drafts, customer_history, …).
type countingModel struct {
	srv     *httptest.Server
	mu      sync.Mutex
	calls   map[string]int
	arrived chan string
	hang    bool
}

func newCountingModel(t *testing.T) *countingModel {
	m := &countingModel{calls: map[string]int{}, arrived: make(chan string, 16)}
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req struct {
			ResponseFormat struct {
				JSONSchema struct{ Name string } `json:"json_schema"`
			} `json:"response_format"`
		}
		_ = json.Unmarshal(body, &req)
		name := req.ResponseFormat.JSONSchema.Name
		m.mu.Lock()
		m.calls[name]++
		hang := m.hang
		m.mu.Unlock()
		m.arrived <- name
		if hang {
			<-r.Context().Done() // until the client gives up
			return
		}
		content := `{"summary":"Earlier: a double charge on Facebook, refunded; a lost bag on X, still open."}`
		if name == "reply_drafts" {
			content = `{"drafts":[{"text":"Hi Mia, so sorry about the bag! We're on it."},{"text":"Hi Mia, we're checking where your bag is right now."}]}`
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"id": "x", "object": "chat.completion",
			"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": content}}},
			"usage":   map[string]any{"total_tokens": 10}})
	}))
	t.Cleanup(m.srv.Close)
	return m
}

func (m *countingModel) count(name string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls[name]
}

func (m *countingModel) setHang(b bool) {
	m.mu.Lock()
	m.hang = b
	m.mu.Unlock()
}

func TestCustomerHistoryFromTheHubAndTheLocalModelAskedOnce(t *testing.T) {
	th := startAssistHub(t)
	tw := model.Identity{Platform: model.ChannelTwitter, Handle: "mia"}
	fb := model.Identity{Platform: model.ChannelFacebook, Handle: "mia.brandt"}
	crm := model.Consent{Service: true, By: "crm", At: t0}
	if _, err := th.hub.UpsertCustomer(model.Customer{ID: "C-7", Name: "Mia Brandt", Tier: "gold",
		Links: []model.Link{{Identity: tw, Consent: crm}, {Identity: fb, Consent: crm}}}); err != nil {
		t.Fatal(err)
	}
	th.post(t, post{model.ChannelFacebook, "fb-1", "mia.brandt", "Mia Brandt", 10, "You charged my card twice for one booking.", 0})
	th.post(t, post{model.ChannelTwitter, "tw-bag", "mia", "Mia Brandt", 10, "my bag didn't arrive in Lisbon", time.Hour})
	now := th.post(t, post{model.ChannelTwitter, "tw-now", "mia", "Mia Brandt", 10, "and now the app won't let me check in", 2 * time.Hour})
	stranger := th.post(t, post{model.ChannelTwitter, "tw-tom", "tom", "Tom", 10, "where is my refund", 0})
	core, _ := startCore(t, t.TempDir(), th)
	waitFor(t, "the customer's cases in the console", func() bool {
		d, err := core.Case(now)
		return err == nil && d.Customer != nil && len(d.Others) == 2
	})

	// From the hub (offline there): it read the customer's cases itself.
	res, err := core.CustomerHistory(context.Background(), now)
	if err != nil || res.Via != app.ViaHub || res.Source != assist.SourceOffline ||
		!strings.HasPrefix(res.Summary, "2 other cases since 1 Mar 2026 on Facebook, X: 2 open, 0 settled.") {
		t.Fatalf("from the hub: %+v %v", res, err)
	}
	if _, err := core.CustomerHistory(context.Background(), stranger); !errors.Is(err, app.ErrNoCustomer) {
		t.Fatalf("a case with no customer: %v", err)
	}

	// From the agent's local model: asked once per case versions.
	m := newCountingModel(t)
	t.Setenv("SWITCHBOARD_LOCAL_MODEL_URL", "")
	core.UseLocalModel(&app.LocalModel{BaseURL: m.srv.URL + "/v1", Model: "llama-local"})
	defer core.UseLocalModel(nil)
	for i := 0; i < 3; i++ {
		res, err = core.CustomerHistory(context.Background(), now)
		if err != nil || res.Via != app.ViaLocal || res.Source != "model:llama-local" || !strings.HasPrefix(res.Summary, "Earlier: a double charge") {
			t.Fatalf("from the local model (%d): %+v %v", i, res, err)
		}
		if d, err := core.Drafts(context.Background(), now); err != nil || d.Source != "model:llama-local" {
			t.Fatalf("drafts from the local model (%d): %+v %v", i, d, err)
		}
	}
	if h, d := m.count("customer_history"), m.count("reply_drafts"); h != 1 || d != 1 {
		t.Fatalf("asked the local model %d times for the history and %d for drafts of the same versions, want once each", h, d)
	}
	// A new message on another of the customer's cases: the history is
	// asked again, the drafts of this case are not.
	th.post(t, post{model.ChannelTwitter, "tw-bag", "mia", "Mia Brandt", 10, "still no bag??", 3 * time.Hour})
	waitFor(t, "the new message in the console", func() bool {
		d, _ := core.Case(now)
		for _, o := range d.Others {
			if o.MessageCount == 2 {
				return true
			}
		}
		return false
	})
	if _, err := core.CustomerHistory(context.Background(), now); err != nil {
		t.Fatal(err)
	}
	if _, err := core.Drafts(context.Background(), now); err != nil {
		t.Fatal(err)
	}
	if h, d := m.count("customer_history"), m.count("reply_drafts"); h != 2 || d != 1 {
		t.Fatalf("after a new message on another case: %d history, %d drafts calls; want 2 and 1", h, d)
	}

	// The agent switches cases while the model is thinking: the request
	// is cancelled at once, nothing is cached, the next one asks again.
	for len(m.arrived) > 0 {
		<-m.arrived
	}
	m.setHang(true)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := core.ThreadSummary(ctx, now); done <- err }()
	select {
	case <-m.arrived:
	case <-time.After(20 * time.Second):
		t.Fatal("the summary request never reached the model")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a cancelled request went on")
	}
	m.setHang(false)
	if res, err := core.ThreadSummary(context.Background(), now); err != nil || res.Source != "model:llama-local" || m.count("thread_summary") != 2 {
		t.Fatalf("after the cancel: %+v %v (%d calls)", res, err, m.count("thread_summary"))
	}
}
