package hub_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"switchboard/assist"
	"switchboard/model"
	"switchboard/sync/hub"
)

// seatCase is the demo history's shape (demo/history.go): a customer's
// complaint, the team's answer, then "Thanks, any news?" (praise for the
// classifier, said nothing specific), all logged before any triage (an
// import, or a flood the triager folds).
func seatCase(t *testing.T, h *hub.Hub, thread, handle string) string {
	t.Helper()
	id := ingest(t, h, tweet(thread, thread+"-1", handle, "Hi, the seat I paid for was given away", t0))
	applyOK(t, h, "anna", model.Op{ID: thread + "-r", Kind: model.OpReply, CaseID: id, Text: "Sorry to hear that — we are on it and will get back to you."})
	ingest(t, h, tweet(thread, thread+"-2", handle, "Thanks, any news?", t0.Add(time.Hour)))
	return id
}

// A case whose messages all wait for triage (history imported, a backfill
// after a stop) is triaged as the fold of its customer messages in order,
// not from its newest message alone; a real change of topic moves it.
func TestTriageFoldsTheMessagesOfACaseTriagedLate(t *testing.T) {
	for _, tc := range []struct {
		name     string
		backfill int
	}{
		{"backfill", 0},
		// The backfill sees only the newest message's events: the
		// case's thread gives the ones before.
		{"thread", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, _, _ := newHub(t)
			bag := ingest(t, h, tweet("t-bag", "b1", "bob", "Hi, my bag arrived damaged, who pays?", t0))
			ingest(t, h, tweet("t-bag", "b2", "bob", "I also want to cancel my booking", t0.Add(time.Minute)))
			seat := seatCase(t, h, "t-seat", "ana")
			tr := runTriager(t, h, hub.TriageConfig{Backfill: tc.backfill})
			want := 2 - tc.backfill/2 // both cases, or the seat case alone
			waitFor(t, "the triage", func() bool { return tr.CaughtUp() && tr.Stats().Offline >= want })
			got := triageOf(h, seat)
			if got.Category != assist.CategoryBilling || got.Summary != "Hi, the seat I paid for was given away" || !got.Relevant {
				t.Fatalf("seat complaint then thanks: %+v", got)
			}
			if got.SentimentLabel != assist.Classify("Thanks, any news?").SentimentLabel {
				t.Fatalf("the mood is the newest message's: %+v", got)
			}
			if tc.backfill == 0 {
				if b := triageOf(h, bag); b == nil || b.Category != assist.CategoryCancellation {
					t.Fatalf("baggage then a cancellation: %+v", b)
				}
			}
			if s := tr.Stats(); s.Offline != want {
				t.Fatalf("stats %+v: one triage stored per case", s)
			}
		})
	}
}

// The model's answer for the newest message follows the fold of the ones
// before it, as the offline triage did: its "praise" for "Thanks, any
// news?" keeps the seat complaint a billing case.
func TestTriageModelAnswerFollowsTheFold(t *testing.T) {
	f := newFakeModel(t, func(n int, msg string, w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(msg, "Thanks, any news?") {
			t.Errorf("the model was asked about %s", msg)
		}
		chatReply(w, `{"category":"praise","sentiment":0.4,"sentiment_label":"positive","urgency":0.2,"urgency_label":"low","troll":0,"spam":0,"lang":"en","relevant":true,"summary":"Customer thanks and asks for news"}`)
	})
	h, _, _ := newHub(t)
	seat := seatCase(t, h, "t-seat", "ana")
	tr := runTriager(t, h, hub.TriageConfig{Client: f.client(nil)})
	waitFor(t, "the model's answer", func() bool { s := tr.Stats(); return s.Model+s.ModelError == 1 })
	got := triageOf(h, seat)
	if got.Source != "model:gpt-test" || got.Category != assist.CategoryBilling || got.Summary != "Hi, the seat I paid for was given away" ||
		got.Sentiment != 0.4 {
		t.Fatalf("model triage %+v", got)
	}
	if n := f.calls.Load(); n != 1 {
		t.Fatalf("%d model calls, want one for the case's newest message", n)
	}
}
