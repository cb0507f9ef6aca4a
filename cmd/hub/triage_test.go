package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hub triage reads JSON lines and answers each, in order, offline when no
// model is configured.
func TestTriageCommandOffline(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	in := strings.Join([]string{
		`{"id": "1", "text": "Mein Koffer ist seit drei Tagen verschwunden, ich fliege morgen früh zurück!"}`,
		`{"id": "2", "text": "Thanks so much to the crew on LH400, best flight ever", "channel": "twitter"}`,
		`not json`,
		`{"id": "3", "text": "How do I change the name on my booking?", "lang": "en"}`,
	}, "\n")
	var out, errOut bytes.Buffer
	if err := runTriage(context.Background(), nil, strings.NewReader(in), &out, &errOut); err != nil {
		t.Fatalf("triage: %v (%s)", err, errOut.String())
	}
	var got []map[string]any
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("output line %q: %v", sc.Text(), err)
		}
		got = append(got, m)
	}
	if len(got) != 4 {
		t.Fatalf("%d output lines for 4 input lines: %s", len(got), out.String())
	}
	if got[0]["id"] != "1" || got[0]["lang"] != "de" || got[0]["source"] != "offline" || got[0]["category"] != "delivery_baggage" || got[0]["urgency_label"] != "high" {
		t.Errorf("German complaint: %v", got[0])
	}
	if got[1]["lang"] != "en" || got[1]["sentiment_label"] != "positive" || got[1]["category"] != "praise" {
		t.Errorf("English praise: %v", got[1])
	}
	if got[2]["error"] == nil {
		t.Errorf("a line that is not JSON has no error: %v", got[2])
	}
	for _, field := range []string{"category", "sentiment", "sentiment_label", "urgency", "troll", "spam", "relevant", "lang", "summary", "source"} {
		if _, ok := got[3][field]; !ok {
			t.Errorf("output lacks %q: %v", field, got[3])
		}
	}
	if err := runTriage(context.Background(), []string{"file.jsonl"}, strings.NewReader(""), &out, &errOut); err == nil {
		t.Error("a file argument is accepted; input is standard input")
	}
}

// --config's "triage" section names the model; the environment wins over it.
func TestTriageCommandWithConfiguredModel(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	t.Setenv("SWITCHBOARD_MODEL", "")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model string `json:"model"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id": "x", "object": "chat.completion", "model": req.Model,
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant",
				"content": `{"category":"billing","sentiment":-0.5,"sentiment_label":"negative","urgency":0.5,"urgency_label":"normal","troll":0,"spam":0,"lang":"en","relevant":true,"summary":"Charged twice"}`}}},
			"usage": map[string]any{"total_tokens": 20},
		})
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "hub.json")
	if err := os.WriteFile(cfg, []byte(`{"triage": {"base_url": "`+srv.URL+`/v1", "model": "local-llm", "timeout": "5s", "calls_per_hour": 100}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if err := runTriage(context.Background(), []string{"--config", cfg}, strings.NewReader(`{"id":"1","text":"you charged me twice"}`), &out, &errOut); err != nil {
		t.Fatalf("%v (%s)", err, errOut.String())
	}
	if !strings.Contains(out.String(), `"source":"model:local-llm"`) || !strings.Contains(out.String(), `"category":"billing"`) {
		t.Fatalf("output %s", out.String())
	}
	t.Setenv("SWITCHBOARD_MODEL", "from-env")
	out.Reset()
	if err := runTriage(context.Background(), []string{"--config", cfg}, strings.NewReader(`{"id":"1","text":"you charged me twice"}`), &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"source":"model:from-env"`) {
		t.Fatalf("the environment does not win: %s", out.String())
	}
	out.Reset()
	if err := runTriage(context.Background(), []string{"--config", cfg, "--offline"}, strings.NewReader(`{"id":"1","text":"you charged me twice"}`), &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"source":"offline"`) {
		t.Fatalf("--offline: %s", out.String())
	}
	for _, bad := range []string{`{"triage": {"timeout": "soon"}}`, `{"triage": {"calls_per_hour": -1}}`, `{"triage": {"categories": ["billing"]}}`} {
		os.WriteFile(cfg, []byte(bad), 0o600)
		if _, err := loadTriageConfig(cfg); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
