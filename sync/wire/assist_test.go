package wire

import (
	"errors"
	"reflect"
	"testing"
)

func TestAssistFramesRoundTrip(t *testing.T) {
	for _, f := range []Frame{
		AssistRequest{RequestID: "r-1", CaseID: "c-1", Kind: AssistDrafts, Agent: "Mia"},
		AssistRequest{RequestID: "r-2", CaseID: "c-1", Kind: AssistThreadSummary},
		AssistAnswer{RequestID: "r-1", CaseID: "c-1", Kind: AssistDrafts, Source: "model:gpt-4o-mini",
			Drafts: []AssistDraft{{Text: "Hi Ana", Source: "model:gpt-4o-mini", Length: 6, Limit: 280}}},
		AssistAnswer{RequestID: "r-2", Kind: AssistThreadSummary, Summary: "Asked: …", Source: "offline", Note: "assist: no model"},
	} {
		b, err := Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(b)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if !reflect.DeepEqual(got, f) {
			t.Fatalf("round trip %s: %#v", b, got)
		}
	}
}

func TestAssistRequestChecked(t *testing.T) {
	for _, raw := range []string{
		`{"type":"assist_request","request_id":"r1","case_id":"c1","kind":"poem"}`,
		`{"type":"assist_request","request_id":"","case_id":"c1","kind":"drafts"}`,
		`{"type":"assist_request","request_id":"r1","case_id":"c 1","kind":"drafts"}`,
		`{"type":"assist_answer","case_id":"c1"}`,
	} {
		_, err := Decode([]byte(raw))
		var we Error
		if !errors.As(err, &we) || we.Code != CodeBadFrame {
			t.Errorf("%s: %v, want bad_frame", raw, err)
		}
	}
}
