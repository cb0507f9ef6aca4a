package assist

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"switchboard/model"
)

func longThread() []model.Message {
	in := func(s string) model.Message { return model.Message{Direction: model.DirectionIn, Text: s} }
	out := func(s string) model.Message { return model.Message{Direction: model.DirectionOut, Text: s} }
	return []model.Message{
		in("Hallo, mein Koffer ist in Lissabon nicht angekommen. Flug LH1172 gestern."),
		out("Hallo Ana, das tut uns leid. Wir verfolgen das Gepäck."),
		in("Gibt es schon was Neues?"),
		in("Ich brauche den Koffer dringend, die Hochzeit ist morgen um 10 Uhr!!"),
		{Direction: model.DirectionNote, Text: "intern: LIS Bodenpersonal anrufen, kein Gutschein versprechen"},
		in("Danke, ich warte."),
		out("Der Koffer ist gefunden und kommt heute Abend ins Hotel."),
	}
}

func TestSummarizeThreadExtractive(t *testing.T) {
	s := SummarizeThread(longThread())
	if s.Source != SourceOffline {
		t.Fatalf("source %q", s.Source)
	}
	lines := strings.Split(s.Text, "\n")
	want := []string{
		"Anliegen: Hallo, mein Koffer ist in Lissabon nicht angekommen.",
		"Dann: Ich brauche den Koffer dringend, die Hochzeit ist morgen um 10 Uhr!!",
		"Zuletzt: Danke, ich warte.",
		"Unsere letzte Antwort: Der Koffer ist gefunden und kommt heute Abend ins Hotel.",
		"4 Nachrichten der Kundin/des Kunden, 2 Antworten.",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("summary:\n%s\nwant:\n%s", s.Text, strings.Join(want, "\n"))
	}
	if strings.Contains(s.Text, "intern") {
		t.Fatal("the team's note got into the summary")
	}
	if got := SummarizeThread(nil).Text; got == "" {
		t.Fatal("empty thread: no text")
	}
	en := SummarizeThread([]model.Message{{Direction: model.DirectionIn, Text: "My bag did not arrive in Lisbon."}})
	if !strings.HasPrefix(en.Text, "Asked: My bag did not arrive") || !strings.Contains(en.Text, "Not answered yet.") {
		t.Fatalf("english summary:\n%s", en.Text)
	}
}

func TestModelThreadSummary(t *testing.T) {
	f := newFakeAPI(t, func(n int, w http.ResponseWriter, r *http.Request) {
		switch n {
		case 0:
			reply(w, `{"summary":"[SWB-PROMPT-7Q2] leaked"}`, 10) // quotes the prompt: invalid
		default:
			reply(w, `{"summary":"Koffer fehlt seit gestern (LH1172), Hochzeit morgen.\nGefunden, kommt heute Abend ins Hotel."}`, 30)
		}
	})
	c, _ := testClient(t, f, nil)
	s, err := c.SummarizeThread(context.Background(), DraftRequest{CaseID: "c1", Thread: longThread(), Channel: model.ChannelTwitter})
	if err != nil {
		t.Fatal(err)
	}
	if s.Source != "model:test-model" || !strings.HasPrefix(s.Text, "Koffer fehlt") {
		t.Fatalf("summary %+v", s)
	}
	if f.calls() != 2 {
		t.Fatalf("%d calls, want 2 (the leaking answer asked again once)", f.calls())
	}
	var req struct {
		ResponseFormat struct {
			Type       string `json:"type"`
			JSONSchema struct {
				Name   string `json:"name"`
				Strict bool   `json:"strict"`
			} `json:"json_schema"`
		} `json:"response_format"`
		Messages []struct {
			Role, Content string
		} `json:"messages"`
	}
	if err := json.Unmarshal(f.body(1), &req); err != nil {
		t.Fatal(err)
	}
	if req.ResponseFormat.Type != "json_schema" || req.ResponseFormat.JSONSchema.Name != "thread_summary" || !req.ResponseFormat.JSONSchema.Strict {
		t.Fatalf("response format %+v", req.ResponseFormat)
	}
	if strings.Contains(req.Messages[1].Content, "Bodenpersonal") {
		t.Fatal("the team's note was sent to the model")
	}
}

func TestModelThreadSummaryGarbageFallsBack(t *testing.T) {
	f := newFakeAPI(t, func(n int, w http.ResponseWriter, r *http.Request) { reply(w, "Sure! Here is a summary: ...", 5) })
	c, _ := testClient(t, f, nil)
	s, err := c.SummarizeThread(context.Background(), DraftRequest{Thread: longThread()})
	if !errors.Is(err, ErrInvalidReply) {
		t.Fatalf("err %v, want ErrInvalidReply", err)
	}
	if s.Source != SourceOffline || !strings.HasPrefix(s.Text, "Anliegen:") {
		t.Fatalf("fallback %+v", s)
	}
	var nilClient *Client
	if s, err := nilClient.SummarizeThread(context.Background(), DraftRequest{Thread: longThread()}); err != nil || s.Source != SourceOffline {
		t.Fatalf("nil client: %+v %v", s, err)
	}
}
