package hub

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"switchboard/internal/natstest"
	"switchboard/model"
)

// jsHubAt builds a hub on a JetStream log of the server at url.
func jsHubAt(t *testing.T, url string) (*Hub, *JSLog) {
	t.Helper()
	l := openJSAt(t, url, t.TempDir())
	h, err := NewOnJS(l, Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return h, l
}

// An op whose first event a hub stored before it died (the stream's
// leader died under its publish) is sent again by the console, through
// another hub, after the case moved on. Its first event is then the
// stream's duplicate; the next must expect the case's subject where the
// hub read it, not at the duplicate's seq: that conflicted on every try
// for the duplicate window's two minutes, and the session ended on each
// of the console's resends (TestJSProcFailover: a console's 40 ops never
// drained).
func TestJSOpHalfPublishedByADeadHubCompletes(t *testing.T) {
	s := natstest.Start(t, t.TempDir())
	h, l := jsHubAt(t, s.ClientURL())
	id, _, err := h.Ingest(tweet("th-1", "p1", "my bag is lost"))
	if err != nil {
		t.Fatal(err)
	}
	// The dead hub's half of op note-1: its case event, as publish names it.
	c, ok, err := l.Case(id)
	if err != nil || !ok {
		t.Fatalf("case %s: %v %v", id, ok, err)
	}
	c.Version++
	c.MessageCount++
	raw, err := json.Marshal(jsEnvelope{Ev: model.Event{Type: model.EventCaseUpserted, Time: time.Now().UTC(), Case: &c}})
	if err != nil {
		t.Fatal(err)
	}
	msg := &nats.Msg{Subject: l.caseSubject(id), Data: raw, Header: nats.Header{}}
	msg.Header.Set(hdrHub, "a-hub-that-died")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	half, err := l.js.PublishMsg(ctx, msg, jetstream.WithMsgID("o:"+b64("kim")+":"+b64("note-1")+":0"))
	if err != nil {
		t.Fatal(err)
	}
	// The case moves on: the customer writes again.
	if _, _, err := h.Ingest(tweet("th-1", "p2", "still lost")); err != nil {
		t.Fatal(err)
	}
	if l.Head() <= half.Sequence {
		t.Fatalf("head %d, the half op at %d: the case did not move on", l.Head(), half.Sequence)
	}
	res, err := h.ApplyOp(Agent{Name: "kim", Role: RoleAgent}, model.Op{ID: "note-1", Kind: model.OpNote, CaseID: id, Text: "on it"})
	if err != nil || res.Reject != nil {
		t.Fatalf("note-1 sent again: %+v (reject %+v), %v", res, res.Reject, err)
	}
	thread, err := l.Thread(id)
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, m := range thread {
		if m.Direction == model.DirectionNote {
			notes = append(notes, m.Text)
		}
	}
	if strings.Join(notes, "|") != "on it" || len(thread) != 3 {
		t.Fatalf("the thread holds %d messages, notes %q: want both tweets and the note once", len(thread), notes)
	}
	if res.Seq != l.Head() {
		t.Fatalf("the note answered at seq %d, its event is at %d", res.Seq, l.Head())
	}
}
