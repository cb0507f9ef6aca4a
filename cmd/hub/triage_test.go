package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
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
