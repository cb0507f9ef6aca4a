package client

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"switchboard/model"
	"switchboard/store"
	"switchboard/sync/wire"
)

// sampleSnapshot is a snapshot frame as the hub writes one, with a case,
// its message and a customer.
func sampleSnapshot(t testing.TB) []byte {
	t.Helper()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	b, err := wire.Encode(wire.Snapshot{First: true, Done: true, Seq: 42, Events: []model.Event{
		{Type: model.EventCustomerUpserted, Customer: &model.Customer{ID: "C-1", Name: "Kim \"K\" Lee"}},
		{Type: model.EventCaseUpserted, Case: &model.Case{ID: "case-1", Channel: model.ChannelTwitter, Subject: "bag \u00e9 \\ lost\n", Created: at, Version: 3,
			Tags: []string{"a", "b"}, Author: model.Identity{Platform: model.ChannelTwitter, Handle: "@kim", Followers: 12}}},
		{Seq: 7, Type: model.EventMessageAdded, Message: &model.Message{ID: "m-1", CaseID: "case-1", Text: "where is \"it\"? \t 1e5 -0.5", Time: at, Seq: 7}},
		{Type: model.EventExpertUpserted, Expert: &model.Expert{Key: "forum:ann"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The scanner keeps each entity's JSON as it came, with its type, seq and
// the id the cache files it by; decoded, the entities are those
// wire.Decode reads. An event of another kind (an expert) is kept whole.
func TestScanSnapshotKeepsEntitiesAsSent(t *testing.T) {
	raw := sampleSnapshot(t)
	f, err := decodeFrame(raw)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := f.(snapshotPage)
	if !ok {
		t.Fatalf("decoded as %T", f)
	}
	if !p.First || !p.Done || p.Seq != 42 || len(p.Entities) != 4 {
		t.Fatalf("page %+v", p)
	}
	want, err := wire.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := p.events()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(evs, want.(wire.Snapshot).Events) {
		t.Errorf("entities decode to\n%+v\nwant\n%+v", evs, want.(wire.Snapshot).Events)
	}
	ids := []string{"C-1", "case-1", "case-1"}
	for i, e := range p.Entities[:3] {
		if e.ID != ids[i] || !strings.Contains(string(raw), string(e.JSON)) || !json.Valid(e.JSON) {
			t.Errorf("entity %d: id %q, JSON %s", i, e.ID, e.JSON)
		}
	}
	if p.Entities[1].Case == nil || p.Entities[1].Case.Subject != "bag \u00e9 \\ lost\n" || p.Entities[2].Seq != 7 {
		t.Errorf("case decoded as %+v, message seq %d", p.Entities[1].Case, p.Entities[2].Seq)
	}
}

// A snapshot frame written another way (whitespace, fields in another
// order, escapes in keys, the type field not first) reads the same.
func TestScanSnapshotOtherSpellings(t *testing.T) {
	frames := []string{
		` { "type" : "snapshot" , "seq" : 5 , "done" : true , "events" : [ { "message" : { "case_id" : "c1" , "text" : "x", "id": "m" } , "type" : "message.added" , "seq" : 3 } ] } `,
		`{"events":[{"seq":3,"type":"message.added","message":{"id":"m","text":"x","case_id":"c1"}}],"type":"snapshot","done":true,"seq":5}`,
		`{"type":"snapshot","ev\u0065nts":[{"seq":3,"typ\u0065":"message.added","message":{"text":"x","case_\u0069d":"c\u0031","\u0069d":"m"}}],"done":true,"seq":5,"later":{"a":[1,2.5e-3,null,true]}}`,
	}
	for _, s := range frames {
		f, err := decodeFrame([]byte(s))
		if err != nil {
			t.Errorf("%s: %v", s, err)
			continue
		}
		p, err := asPage(f)
		if err != nil || !p.Done || p.Seq != 5 || len(p.Entities) != 1 || p.Entities[0].ID != "c1" || p.Entities[0].Seq != 3 {
			t.Errorf("%s: %+v, %v", s, p, err)
		}
	}
}

// What is not JSON is refused, as encoding/json refuses it (the cache
// never stores bytes it could not read back), and so is an entity without
// its ids, as wire's check of a snapshot refuses it.
func TestScanSnapshotRefusesBadJSON(t *testing.T) {
	bad := []string{
		`{"type":"snapshot","events":[{"seq":3,"type":"message.added","message":{"case_id":"c1","text":"x}}]}`,
		`{"type":"snapshot","events":[{"seq":3,"type":"message.added","message":{"case_id":"c1","n":01}}]}`,
		`{"type":"snapshot","events":[{"seq":3,"type":"message.added","message":{"case_id":"c1","n":1.}}]}`,
		`{"type":"snapshot","events":[{"seq":3,"type":"message.added","message":{"case_id":"c1",}}]}`,
		`{"type":"snapshot","events":[{"seq":3,"type":"message.added","message":{"case_id":"c1","t":"\x"}}]}`,
		"{\"type\":\"snapshot\",\"events\":[{\"seq\":3,\"type\":\"message.added\",\"message\":{\"case_id\":\"c1\",\"t\":\"a\nb\"}}]}",
		`{"type":"snapshot","events":[{"seq":3,"type":"message.added","message":{"case_id":"c1","t":tru}}]}`,
		`{"type":"snapshot","events":[{"seq":-3,"type":"message.added","message":{"case_id":"c1"}}]}`,
		`{"type":"snapshot","events":[{"type":"message.added","message":{"case_id":"c1"}}]}`,
		`{"type":"snapshot","events":[{"seq":3,"type":"case.upserted"}]}`,
		`{"type":"snapshot","events":[]} x`,
		`{"type":"snapshot","events":[]`,
		`{"type":"snapshot","events":[{"seq":3,"type":"case.upserted","case":{"id":5}}]}`,
		`{"type":"snapshot","events":[{"seq":3,"type":"message.added","message":{"case_id":"c1"}}]}`,
		`{"type":"snapshot","events":[{"seq":3,"type":"message.added","message":{"id":"m1"}}]}`,
		`{"type":"snapshot","events":[{"type":"customer.upserted","customer":{"name":"x"}}]}`,
	}
	for _, s := range bad {
		if _, err := decodeFrame([]byte(s)); err == nil {
			t.Errorf("accepted %s", s)
		}
	}
}

// FuzzScanSnapshot: on any input that starts as a snapshot frame, the
// scanner accepts only what encoding/json accepts as JSON.
func FuzzScanSnapshot(f *testing.F) {
	f.Add(sampleSnapshot(f))
	f.Add([]byte(`{"type":"snapshot","events":[{"seq":3,"type":"message.added","message":{"case_id":"c1","x":[1,{"a":"\u00e9"}]}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if !isSnapshot(b) {
			return
		}
		p, err := scanSnapshot(b)
		if err == nil && !json.Valid(b) {
			t.Fatalf("scanner accepted invalid JSON %q", b)
		}
		for _, e := range p.Entities {
			if !json.Valid(e.JSON) {
				t.Fatalf("entity JSON %q", e.JSON)
			}
		}
	})
}

var _ EntityCache = (*store.Store)(nil)

// plainRun never skips a byte a string may not hold as it is, and skips
// whole words of plain bytes.
func TestPlainRun(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = byte(r.IntN(256))
			if r.IntN(4) > 0 {
				b[i] = 'a' + byte(r.IntN(26)) // mostly plain
			}
		}
		first := len(b)
		for i, c := range b {
			if !plain[c] {
				first = i
				break
			}
		}
		if n := plainRun(b, 0); n > first || first-n >= 8 && n+8 <= len(b) {
			t.Fatalf("plainRun(%q) = %d, first special byte at %d", b, n, first)
		}
	}
}
