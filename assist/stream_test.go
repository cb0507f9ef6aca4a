package assist

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"switchboard/model"
)

// streamChunks writes content as server-sent chat-completion chunks of
// size bytes, pausing between them, then the usage chunk and [DONE].
// stall, when set, stops after the first chunk until the request ends.
func streamChunks(w http.ResponseWriter, r *http.Request, content string, size int, pause time.Duration, stall bool) {
	w.Header().Set("Content-Type", "text/event-stream")
	fl := w.(http.Flusher)
	send := func(v any) {
		b, _ := json.Marshal(v)
		fmt.Fprintf(w, "data: %s\n\n", b)
		fl.Flush()
	}
	for i := 0; i < len(content); i += size {
		part := content[i:min(i+size, len(content))]
		send(map[string]any{"id": "s", "object": "chat.completion.chunk", "model": "test-model",
			"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": part}}}})
		if stall {
			<-r.Context().Done()
			return
		}
		select {
		case <-time.After(pause):
		case <-r.Context().Done():
			return
		}
	}
	send(map[string]any{"id": "s", "object": "chat.completion.chunk", "model": "test-model", "choices": []any{},
		"usage": map[string]any{"prompt_tokens": 100, "completion_tokens": 80, "total_tokens": 180}})
	fmt.Fprint(w, "data: [DONE]\n\n")
	fl.Flush()
}

var streamReq = DraftRequest{CaseID: "c-42", Thread: bagThread(), Channel: model.ChannelTwitter, Public: true, FirstName: "Ana", Agent: "Mia"}

func TestDraftsStreamSlowButSteady(t *testing.T) {
	f := newFakeAPI(t, func(n int, w http.ResponseWriter, r *http.Request) {
		streamChunks(w, r, goodDrafts, 20, 10*time.Millisecond, false)
	})
	c, _ := testClient(t, f, func(cfg *Config) { cfg.StreamIdle = time.Second })
	var seen []int
	ds, err := c.DraftsStream(context.Background(), streamReq, func(n int) { seen = append(seen, n) })
	if err != nil || len(ds) != 2 || !strings.HasPrefix(ds[0].Source, "model:") {
		t.Fatalf("%+v %v", ds, err)
	}
	if len(seen) < 5 || seen[len(seen)-1] != len(goodDrafts) {
		t.Fatalf("progress %v, want steps up to %d", seen, len(goodDrafts))
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] < seen[i-1] {
			t.Fatalf("progress went back: %v", seen)
		}
	}
	var body map[string]any
	json.Unmarshal(f.body(0), &body)
	if body["stream"] != true || body["stream_options"].(map[string]any)["include_usage"] != true {
		t.Errorf("request %v", body)
	}
	if u := c.Usage(); u.TotalTokens != 180 {
		t.Errorf("streamed usage not counted: %+v", u)
	}
}

func TestDraftsStreamStalledFallsBack(t *testing.T) {
	f := newFakeAPI(t, func(n int, w http.ResponseWriter, r *http.Request) {
		streamChunks(w, r, goodDrafts, 20, 0, true)
	})
	c, _ := testClient(t, f, func(cfg *Config) { cfg.StreamIdle = 100 * time.Millisecond })
	start := time.Now()
	ds, err := c.DraftsStream(context.Background(), streamReq, nil)
	if !errors.Is(err, ErrStreamStalled) || len(ds) < 2 || ds[0].Source != SourceOffline {
		t.Fatalf("%+v %v", ds, err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("a stalled stream held the call for %v", d)
	}
	if u := c.Usage(); u.Failures != 1 {
		t.Errorf("a stall is a failure: %+v", u)
	}
}

func TestDraftsStreamTrickleCutByTimeout(t *testing.T) {
	f := newFakeAPI(t, func(n int, w http.ResponseWriter, r *http.Request) {
		streamChunks(w, r, goodDrafts, 2, 20*time.Millisecond, false) // ~4s in all
	})
	c, _ := testClient(t, f, func(cfg *Config) { cfg.Timeout = 300 * time.Millisecond; cfg.StreamIdle = 200 * time.Millisecond })
	start := time.Now()
	ds, err := c.DraftsStream(context.Background(), streamReq, nil)
	if err == nil || len(ds) < 2 || ds[0].Source != SourceOffline {
		t.Fatalf("%+v %v", ds, err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("a trickling stream held the call for %v", d)
	}
}

func TestDraftsStream429(t *testing.T) {
	f := newFakeAPI(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "600")
		apiError(w, http.StatusTooManyRequests, "rate limited")
	})
	c, _ := testClient(t, f, nil)
	if _, err := c.DraftsStream(context.Background(), streamReq, nil); !errors.Is(err, ErrRetryAfter) {
		t.Fatalf("%v", err)
	}
}
