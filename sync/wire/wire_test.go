package wire_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"switchboard/model"
	"switchboard/sync/wire"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func sampleEvents() []model.Event {
	c := &model.Case{
		ID: "case-1", Channel: model.ChannelForum, ThreadRef: "t-9", Source: "forum", Subject: "Wi-Fi <down> & out",
		Author:     model.Identity{Platform: model.ChannelForum, Handle: "mia", Followers: 120_000, Reach: model.ReachHigh, Influence: 100},
		CustomerID: "C-7", Status: model.StatusOpen, Priority: model.PriorityHigh, Tags: []string{"wifi", "room"},
		Public: true, Created: t0, Updated: t0.Add(time.Hour), LastMessageAt: t0.Add(time.Minute),
		WaitingSince: t0, MessageCount: 2, Version: 3,
	}
	m := &model.Message{ID: "m-1", CaseID: "case-1", Direction: model.DirectionIn, Author: c.Author, Text: "Grüße, no Wi-Fi 📶", Time: t0, PlatformID: "p-1", Public: true}
	cu := &model.Customer{ID: "C-7", Name: "Mia", Tier: "gold", LifetimeValue: 1234.5,
		Links: []model.Link{{Identity: c.Author, Consent: model.Consent{Service: true, By: "anna", At: t0}}}, Purchases: []model.Purchase{{Date: t0, Item: "Suite", Amount: 899.9}}, Vouchers: []model.Voucher{{Code: "V1", Issued: t0, Value: 20}}}
	return []model.Event{
		{Seq: 41, Type: model.EventMessageAdded, Time: t0, Message: m},
		{Seq: 42, Type: model.EventCaseUpserted, Time: t0, Case: c},
		{Seq: 43, Type: model.EventCustomerUpserted, Time: t0, Customer: cu},
		// A kind a newer hub may log: it travels without an entity.
		{Seq: 44, Type: "case.merged", Time: t0},
	}
}

func TestRoundTrip(t *testing.T) {
	frames := []struct {
		name string
		f    wire.Frame
		typ  wire.Type
	}{
		{"hello", wire.Hello{Protocol: wire.Protocol, ClientID: "c-1", Cursor: 17}, wire.TypeHello},
		{"welcome", wire.Welcome{Agent: "demo", Role: "agent", Head: 99}, wire.TypeWelcome},
		{"events", wire.Events{Events: sampleEvents(), Head: 44}, wire.TypeEvents},
		{"empty events", wire.Events{Head: 3}, wire.TypeEvents},
		{"caught up", wire.CaughtUp{Seq: 44}, wire.TypeCaughtUp},
		{"error", wire.Error{Code: wire.CodeResync, Reason: "cursor ahead"}, wire.TypeError},
	}
	for _, tc := range frames {
		t.Run(tc.name, func(t *testing.T) {
			b, err := wire.Encode(tc.f)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			if prefix := `{"type":"` + string(tc.typ) + `",`; !bytes.HasPrefix(b, []byte(prefix)) {
				t.Errorf("encoding %s does not start with %s", b, prefix)
			}
			if !json.Valid(b) {
				t.Fatalf("encoding is not valid JSON: %s", b)
			}
			got, err := wire.Decode(b)
			if err != nil {
				t.Fatalf("decode %s: %v", b, err)
			}
			if got.Type() != tc.typ {
				t.Errorf("Type() = %q, want %q", got.Type(), tc.typ)
			}
			if !reflect.DeepEqual(got, tc.f) {
				t.Errorf("round trip:\n got %#v\nwant %#v", got, tc.f)
			}
		})
	}
}

func TestDecodeIgnoresUnknownFields(t *testing.T) {
	f, err := wire.Decode([]byte(`{"type":"hello","protocol":1,"client_id":"x","cursor":5,"compression":"zstd"}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := (wire.Hello{Protocol: 1, ClientID: "x", Cursor: 5}); f != want {
		t.Errorf("got %#v, want %#v", f, want)
	}
}

func eventsJSON(evs ...string) string {
	return `{"type":"events","head":9,"events":[` + strings.Join(evs, ",") + `]}`
}

func TestDecodeErrors(t *testing.T) {
	caseJSON := func(seq int) string {
		return fmt.Sprintf(`{"seq":%d,"type":"case.upserted","case":{"id":"c%d"}}`, seq, seq)
	}
	var many []string
	for i := 1; i <= wire.MaxPage+1; i++ {
		many = append(many, caseJSON(i))
	}
	tests := []struct {
		name string
		in   string
		code string
	}{
		{"truncated JSON", `{"type":"hello","protocol":`, wire.CodeBadFrame},
		{"not JSON", `hello`, wire.CodeBadFrame},
		{"array", `[{"type":"hello"}]`, wire.CodeBadFrame},
		{"type not a string", `{"type":7}`, wire.CodeBadFrame},
		{"empty input", ``, wire.CodeBadFrame},
		{"missing type", `{"protocol":1,"client_id":"x"}`, wire.CodeBadFrame},
		{"null", `null`, wire.CodeBadFrame},
		{"empty type", `{"type":""}`, wire.CodeBadFrame},
		{"unknown type", `{"type":"subscribe","topic":"x"}`, wire.CodeUnknownType},
		{"hello without protocol", `{"type":"hello","client_id":"x","cursor":0}`, wire.CodeBadHello},
		{"hello protocol 0", `{"type":"hello","protocol":0}`, wire.CodeBadHello},
		{"hello negative protocol", `{"type":"hello","protocol":-1}`, wire.CodeBadHello},
		{"hello protocol as string", `{"type":"hello","protocol":"1"}`, wire.CodeBadFrame},
		{"hello without client_id", `{"type":"hello","protocol":1}`, wire.CodeBadHello},
		{"hello client_id too long", `{"type":"hello","protocol":1,"client_id":"` + strings.Repeat("a", 65) + `"}`, wire.CodeBadHello},
		{"hello client_id with a space", `{"type":"hello","protocol":1,"client_id":"a b"}`, wire.CodeBadHello},
		{"op case_id with a slash", `{"type":"op","op_id":"o","kind":"claim","case_id":"a/b"}`, wire.CodeBadOp},
		{"op op_id too long", `{"type":"op","op_id":"` + strings.Repeat("a", 65) + `","kind":"claim","case_id":"c"}`, wire.CodeBadOp},
		{"op tag with a control character", `{"type":"op","op_id":"o","kind":"tag","case_id":"c","tag":"a\u0000"}`, wire.CodeBadOp},
		{"presence unknown state", `{"type":"presence","case_id":"c","state":"away"}`, wire.CodeBadFrame},
		{"presence without case", `{"type":"presence","state":"typing"}`, wire.CodeBadFrame},
		{"presence case_id too long", `{"type":"presence","case_id":"` + strings.Repeat("c", 65) + `","state":"typing"}`, wire.CodeBadFrame},
		{"hello negative cursor", `{"type":"hello","protocol":1,"cursor":-1}`, wire.CodeBadFrame},
		{"welcome head as string", `{"type":"welcome","head":"9"}`, wire.CodeBadFrame},
		{"caught up bad seq", `{"type":"caught_up","seq":1.5}`, wire.CodeBadFrame},
		{"error code not string", `{"type":"error","code":1}`, wire.CodeBadFrame},
		{"events not a list", `{"type":"events","events":{}}`, wire.CodeBadFrame},
		{"events not consecutive", eventsJSON(caseJSON(1), caseJSON(3)), wire.CodeBadFrame},
		{"events going back", eventsJSON(caseJSON(2), caseJSON(1)), wire.CodeBadFrame},
		{"events repeated", eventsJSON(caseJSON(2), caseJSON(2)), wire.CodeBadFrame},
		{"event without seq", eventsJSON(`{"type":"case.upserted","case":{"id":"c"}}`), wire.CodeBadFrame},
		{"case event without case", eventsJSON(`{"seq":1,"type":"case.upserted"}`), wire.CodeBadFrame},
		{"case event with empty id", eventsJSON(`{"seq":1,"type":"case.upserted","case":{"id":""}}`), wire.CodeBadFrame},
		{"message event without message", eventsJSON(`{"seq":1,"type":"message.added"}`), wire.CodeBadFrame},
		{"message without case id", eventsJSON(`{"seq":1,"type":"message.added","message":{"id":"m"}}`), wire.CodeBadFrame},
		{"customer event without customer", eventsJSON(`{"seq":1,"type":"customer.upserted","case":{"id":"c"}}`), wire.CodeBadFrame},
		{"event with bad time", eventsJSON(`{"seq":1,"type":"case.upserted","time":"yesterday","case":{"id":"c"}}`), wire.CodeBadFrame},
		{"page over MaxPage", eventsJSON(many...), wire.CodeBadFrame},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := wire.Decode([]byte(tc.in))
			if err == nil {
				t.Fatalf("decoded %#v, want an error", f)
			}
			if f != nil {
				t.Errorf("frame %#v returned with error", f)
			}
			var we wire.Error
			if !errors.As(err, &we) {
				t.Fatalf("err = %T %v, want wire.Error", err, err)
			}
			if we.Code != tc.code {
				t.Errorf("code = %q (%v), want %q", we.Code, err, tc.code)
			}
			if we.Reason == "" {
				t.Error("error without reason")
			}
		})
	}
}

func TestDecodeAcceptsPageOfMaxPage(t *testing.T) {
	evs := make([]model.Event, wire.MaxPage)
	for i := range evs {
		evs[i] = model.Event{Seq: uint64(i + 1), Type: model.EventCustomerUpserted, Customer: &model.Customer{ID: fmt.Sprint(i)}}
	}
	b, err := wire.Encode(wire.Events{Events: evs, Head: wire.MaxPage})
	if err != nil {
		t.Fatal(err)
	}
	f, err := wire.Decode(b)
	if err != nil {
		t.Fatalf("a full page is refused: %v", err)
	}
	if n := len(f.(wire.Events).Events); n != wire.MaxPage {
		t.Errorf("decoded %d events", n)
	}
}

func TestTooLarge(t *testing.T) {
	big := make([]byte, wire.MaxFrame+1)
	copy(big, `{"type":"hello","protocol":1}`)
	if _, err := wire.Decode(big); !errors.Is(err, wire.ErrTooLarge) {
		t.Errorf("decode of %d bytes: err = %v, want ErrTooLarge", len(big), err)
	}

	// Encode refuses what the peer would refuse to read.
	if _, err := wire.Encode(wire.Error{Code: wire.CodeBadFrame, Reason: strings.Repeat("x", wire.MaxFrame)}); !errors.Is(err, wire.ErrTooLarge) {
		t.Errorf("encode over MaxFrame: err = %v, want ErrTooLarge", err)
	}
	// Exactly at the limit is fine both ways.
	overhead := len(`{"type":"error","code":"","reason":""}`)
	at := wire.Error{Reason: strings.Repeat("x", wire.MaxFrame-overhead)}
	b, err := wire.Encode(at)
	if err != nil || len(b) != wire.MaxFrame {
		t.Fatalf("encode at MaxFrame: %d bytes, %v", len(b), err)
	}
	if _, err := wire.Decode(b); err != nil {
		t.Errorf("decode at MaxFrame: %v", err)
	}
}

func TestErrorIsAnError(t *testing.T) {
	var err error = wire.Error{Code: wire.CodeProtocol, Reason: "hub speaks protocol 1"}
	if got := err.Error(); !strings.Contains(got, wire.CodeProtocol) || !strings.Contains(got, "hub speaks protocol 1") {
		t.Errorf("Error() = %q", got)
	}
}

// FuzzDecode checks that Decode never panics, and that whatever it accepts
// survives Encode and Decode again unchanged. Frames are compared by their
// encoding: it is deterministic, and it does not trip on time.Location
// pointers that differ between two parses of the same offset.
func FuzzDecode(f *testing.F) {
	for _, fr := range []wire.Frame{
		wire.Hello{Protocol: 1, ClientID: "c", Cursor: 3},
		wire.Welcome{Agent: "a", Role: "agent", Head: 3},
		wire.Events{Events: sampleEvents(), Head: 44},
		wire.CaughtUp{Seq: 3},
		wire.Error{Code: wire.CodeResync, Reason: "r"},
	} {
		b, err := wire.Encode(fr)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"type":"hello"}`))
	f.Add([]byte(`{"type":"events","events":[{"seq":2,"type":"x"},{"seq":1,"type":"x"}]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		fr, err := wire.Decode(in)
		if err != nil {
			if fr != nil {
				t.Fatalf("frame %#v returned with error %v", fr, err)
			}
			var we wire.Error
			if !errors.As(err, &we) && !errors.Is(err, wire.ErrTooLarge) {
				t.Fatalf("error of unexpected kind %T: %v", err, err)
			}
			return
		}
		b1, err := wire.Encode(fr)
		if errors.Is(err, wire.ErrTooLarge) && len(in)*6 > wire.MaxFrame {
			return // JSON escaping can grow an input near the limit past it
		}
		if err != nil {
			t.Fatalf("accepted frame %#v does not encode: %v", fr, err)
		}
		fr2, err := wire.Decode(b1)
		if err != nil {
			t.Fatalf("re-encoded frame %s does not decode: %v", b1, err)
		}
		if reflect.TypeOf(fr2) != reflect.TypeOf(fr) || fr2.Type() != fr.Type() {
			t.Fatalf("type changed: %T → %T", fr, fr2)
		}
		b2, err := wire.Encode(fr2)
		if err != nil {
			t.Fatalf("encode again: %v", err)
		}
		if !bytes.Equal(b1, b2) {
			t.Fatalf("frame changed across a round trip:\n%s\n%s", b1, b2)
		}
	})
}
