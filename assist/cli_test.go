package assist

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func readOutputs(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("output line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

func TestTriageCLIOffline(t *testing.T) {
	in := strings.Join([]string{
		`{"id":"1","text":"@SkyWingsAir my bag didn't arrive in Lisbon, wedding tomorrow morning!","channel":"twitter"}`,
		``,
		`{"id":"2","text":"Toll, schon wieder verspätet. Danke für nichts","lang":"de"}`,
		`not json`,
		`{"id":"4"}`,
		`{"id":"5","text":"Earn $$$ from home, DM me 👉 bit.ly/x"}`,
	}, "\n")
	var out bytes.Buffer
	if err := RunTriageCLI(context.Background(), strings.NewReader(in), &out, CLIConfig{}); err != nil {
		t.Fatal(err)
	}
	rows := readOutputs(t, out.Bytes())
	if len(rows) != 5 {
		t.Fatalf("%d output lines for 5 non-blank input lines:\n%s", len(rows), out.String())
	}
	first := rows[0]
	for _, field := range []string{"id", "category", "sentiment", "sentiment_label", "urgency", "troll", "spam", "relevant", "lang", "summary", "source"} {
		if _, ok := first[field]; !ok {
			t.Errorf("field %s missing in %v", field, first)
		}
	}
	if first["id"] != "1" || first["category"] != CategoryDeliveryBaggage || first["source"] != SourceOffline ||
		first["urgency_label"] != UrgencyHigh || first["lang"] != LangEN {
		t.Errorf("line 1: %v", first)
	}
	if _, ok := first["sentiment"].(float64); !ok {
		t.Errorf("sentiment is not a number: %v", first["sentiment"])
	}
	if rows[1]["id"] != "2" || rows[1]["sentiment_label"] != SentimentNegative || rows[1]["lang"] != LangDE {
		t.Errorf("line 2: %v", rows[1])
	}
	if e, _ := rows[2]["error"].(string); !strings.HasPrefix(e, "line 4:") {
		t.Errorf("bad JSON line: %v", rows[2])
	}
	if e, _ := rows[3]["error"].(string); rows[3]["id"] != "4" || !strings.Contains(e, "no text") {
		t.Errorf("line without text: %v", rows[3])
	}
	if rows[4]["spam"].(float64) < 0.5 || rows[4]["relevant"] != false {
		t.Errorf("spam line: %v", rows[4])
	}
}

// TestTriageCLITenThousandLines: `hub triage` handles 10,000 lines in a
// few seconds, in order.
func TestTriageCLITenThousandLines(t *testing.T) {
	set := loadLabelled(t)
	var in bytes.Buffer
	const n = 10000
	for i := range n {
		l := set[i%len(set)]
		line, _ := json.Marshal(CLIInput{ID: fmt.Sprint(i), Text: l.Text, Channel: l.Channel})
		in.Write(line)
		in.WriteByte('\n')
	}
	var out bytes.Buffer
	start := time.Now()
	if err := RunTriageCLI(context.Background(), &in, &out, CLIConfig{}); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	fmt.Printf("triage cli lines=%d seconds=%.2f\n", n, took.Seconds())
	rows := readOutputs(t, out.Bytes())
	if len(rows) != n {
		t.Fatalf("%d output lines", len(rows))
	}
	for i, r := range rows {
		if r["id"] != fmt.Sprint(i) {
			t.Fatalf("line %d has id %v: order lost", i, r["id"])
		}
		if i < len(set) {
			if want := Classify(set[i].Text); r["category"] != want.Category || r["summary"] != want.Summary {
				t.Fatalf("line %d: %v, want %+v", i, r, want)
			}
		}
	}
	// a few seconds without -race; -race on a loaded 2-core box is slower
	if took > 30*time.Second {
		t.Fatalf("10,000 lines took %v", took)
	}
}

func TestTriageCLIWithModel(t *testing.T) {
	f := newFakeAPI(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			apiError(w, http.StatusInternalServerError, "boom")
			return
		}
		reply(w, goodAnswer, 50)
	})
	c, _ := testClient(t, f, nil)
	in := `{"id":"a","text":"where is my bag"}` + "\n" + `{"id":"b","text":"my wifi is down"}` + "\n"
	var out bytes.Buffer
	if err := RunTriageCLI(context.Background(), strings.NewReader(in), &out, CLIConfig{Client: c, Workers: 1}); err != nil {
		t.Fatal(err)
	}
	rows := readOutputs(t, out.Bytes())
	if len(rows) != 2 || rows[0]["source"] != "model:test-model" || rows[1]["source"] != SourceOffline || rows[1]["model_error"] == nil {
		t.Fatalf("%s", out.String())
	}
}
