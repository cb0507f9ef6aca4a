package hub

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"switchboard/model"
)

// TestCodecKnowsTheModel: the hand codec (codec.go) knows every field of
// the model's case, message, identity and event; a field added there needs
// its line in codec.go (appendCase or appendMessage, caseObj, codecFields)
// or every event is encoded by encoding/json again.
func TestCodecKnowsTheModel(t *testing.T) {
	if m := codecMismatch(); m != "" {
		t.Fatalf("codec.go does not know the model: %s", m)
	}
	if !fastCodec {
		t.Fatal("the hand codec is off")
	}
}

// codecStrings are texts encoding/json escapes in every way it does.
var codecStrings = []string{
	"", "plain", `quote " and \ backslash`, "<b>&amp;</b>", "line\nbreak\r\ttab\b\f",
	"ctl \x00\x01\x1f\x7f", "ümlaut ß €", "emoji 🙂 zwj 👩‍💻", "sep \u2028 \u2029",
	"bad utf8 \xff\xfe end", "trunc \xe2\x82", "/slash/", "\u00e9\u0301",
}

func randCodecString(r *rand.Rand) string {
	if r.IntN(3) == 0 {
		return codecStrings[r.IntN(len(codecStrings))] + codecStrings[r.IntN(len(codecStrings))]
	}
	return codecStrings[r.IntN(len(codecStrings))]
}

func randCodecTime(r *rand.Rand) time.Time {
	switch r.IntN(6) {
	case 0:
		return time.Time{}
	case 1:
		return time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)
	case 2:
		return time.Date(2026, 3, 29, 1, 59, 59, r.IntN(1e9), time.FixedZone("", 2*3600+30*60))
	case 3:
		return time.Date(1999, 1, 2, 3, 4, 5, 100, time.FixedZone("X", -7*3600))
	}
	return time.Unix(r.Int64N(4e9), r.Int64N(1e9)).UTC()
}

func randCodecIdentity(r *rand.Rand) model.Identity {
	return model.Identity{Platform: model.Channel(randCodecString(r)), Handle: randCodecString(r),
		PlatformID: randCodecString(r), DisplayName: randCodecString(r), Followers: r.IntN(3) * r.IntN(1e6),
		Verified: r.IntN(2) == 0, Expert: r.IntN(2) == 0, Engagement: r.IntN(3) - 1, Influence: r.IntN(100) - 50,
		Reach: model.Reach(randCodecString(r)), Bio: randCodecString(r)}
}

func randCodecStrings(r *rand.Rand) []string {
	switch r.IntN(3) {
	case 0:
		return nil
	case 1:
		return []string{}
	}
	out := make([]string, 1+r.IntN(3))
	for i := range out {
		out[i] = randCodecString(r)
	}
	return out
}

func randCodecCase(r *rand.Rand) model.Case {
	c := model.Case{ID: randCodecString(r), Channel: model.Channel(randCodecString(r)), ThreadRef: randCodecString(r),
		Source: randCodecString(r), Subject: randCodecString(r), Author: randCodecIdentity(r),
		CustomerID: randCodecString(r), Status: model.Status(randCodecString(r)), Priority: model.Priority(r.IntN(5) - 1),
		Assignee: randCodecString(r), Tags: randCodecStrings(r), Public: r.IntN(2) == 0, Lang: randCodecString(r),
		URL: randCodecString(r), Created: randCodecTime(r), Updated: randCodecTime(r), LastMessageAt: randCodecTime(r),
		WaitingSince: randCodecTime(r), FirstResponse: randCodecTime(r), Resolved: randCodecTime(r),
		MessageCount: r.IntN(50), Version: r.Int64N(1<<40) - 5, Merged: randCodecStrings(r),
		MergedInto: randCodecString(r), Dismissed: randCodecStrings(r), Brand: randCodecString(r)}
	if r.IntN(3) == 0 {
		c.SLA = &model.CaseSLA{Policy: randCodecString(r), FirstResponseDue: randCodecTime(r)}
	}
	if r.IntN(3) == 0 {
		c.Triage = &model.CaseTriage{Category: "billing", Sentiment: -0.25, Urgency: 1e-7, Summary: randCodecString(r), Score: 77}
	}
	if r.IntN(3) == 0 {
		c.Handoff = &model.Handoff{Expert: randCodecString(r), At: randCodecTime(r), Text: randCodecString(r)}
	}
	return c
}

func randCodecMessage(r *rand.Rand) model.Message {
	return model.Message{ID: randCodecString(r), CaseID: randCodecString(r), Direction: model.Direction(randCodecString(r)),
		Author: randCodecIdentity(r), Text: randCodecString(r), Time: randCodecTime(r), PlatformID: randCodecString(r),
		Delivery: model.Delivery(randCodecString(r)), DeliveryError: randCodecString(r), Public: r.IntN(2) == 0,
		Private: r.IntN(2) == 0, Seq: uint64(r.IntN(3)) * r.Uint64N(1<<50), Edited: randCodecTime(r), Deleted: r.IntN(2) == 0}
}

// jsonEventRecord is encodeEvent's record as encoding/json makes it: the
// event without its entity, then the entity.
func jsonEventRecord(t *testing.T, ev model.Event) []byte {
	e, field := ev, "case"
	var body []byte
	var err error
	if ev.Case != nil {
		body, err = json.Marshal(ev.Case)
		e.Case = nil
	} else {
		body, err = json.Marshal(ev.Message)
		e.Message, field = nil, "message"
	}
	if err != nil {
		t.Fatal(err)
	}
	head, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Appendf(nil, `%s,"%s":%s}`, head[:len(head)-1], field, body)
}

// TestCodecEncodesAsEncodingJSON: cases, messages and their event records
// come out byte for byte as encoding/json makes them, escapes, zones,
// empty and nil slices and the nested values included.
func TestCodecEncodesAsEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 1000 {
		c, m := randCodecCase(r), randCodecMessage(r)
		want, err := json.Marshal(&c)
		if err != nil {
			t.Fatal(err)
		}
		got, err := marshalCase(nil, &c)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("case %d:\n got %s (%v)\nwant %s", i, got, err, want)
		}
		want, _ = json.Marshal(&m)
		if got, err = marshalMessage(nil, &m); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("message %d:\n got %s (%v)\nwant %s", i, got, err, want)
		}
		for _, ev := range []model.Event{
			{Seq: r.Uint64N(1 << 40), Type: model.EventCaseUpserted, Time: randCodecTime(r), Case: &c},
			{Seq: r.Uint64N(1 << 40), Type: model.EventType(randCodecString(r)), Time: randCodecTime(r), Message: &m},
		} {
			raw, off, n, err := encodeEvent(ev)
			if err != nil {
				t.Fatal(err)
			}
			if want := jsonEventRecord(t, ev); !bytes.Equal(raw, want) {
				t.Fatalf("event %d:\n got %s\nwant %s", i, raw, want)
			}
			if eo, en := entityIn(raw, ev); eo != off || en != n {
				t.Fatalf("event %d: entity at %d+%d, entityIn finds %d+%d", i, off, n, eo, en)
			}
		}
	}
	// A time encoding/json refuses is refused alike.
	c := model.Case{Created: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
	if _, err := marshalCase(nil, &c); err == nil {
		t.Fatal("a year past 9999 encoded")
	}
	if _, _, _, err := encodeEvent(model.Event{Type: model.EventCaseUpserted, Case: &c}); err == nil {
		t.Fatal("an event with a year past 9999 encoded")
	}
	c = model.Case{Created: time.Date(2000, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600))}
	if _, err := marshalCase(nil, &c); err == nil {
		t.Fatal("a zone of 24 hours encoded")
	}
}

// checkCaseDecode compares unmarshalCase with json.Unmarshal on data.
func checkCaseDecode(t *testing.T, data []byte) {
	t.Helper()
	var want, got model.Case
	werr := json.Unmarshal(data, &want)
	gerr := unmarshalCase(data, &got)
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("%q: error %v, encoding/json's %v", data, gerr, werr)
	}
	if werr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n got %+v\nwant %+v", data, got, want)
	}
}

// TestCodecDecodesAsEncodingJSON: a case record reads as encoding/json
// reads it: the hand encoder's records, records with white space, escapes,
// nulls, keys in another case or order, unknown keys, bad JSON.
func TestCodecDecodesAsEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 600 {
		c := randCodecCase(r)
		raw, err := json.Marshal(&c)
		if err != nil {
			t.Fatal(err)
		}
		checkCaseDecode(t, raw)
		ind, _ := json.MarshalIndent(&c, " ", "\t")
		checkCaseDecode(t, ind)
		// A record cut short, or with a byte changed.
		checkCaseDecode(t, raw[:r.IntN(len(raw))])
		bad := bytes.Clone(raw)
		bad[r.IntN(len(bad))] = `{}[]:,"\0a-1.e nulltruefalse`[r.IntN(27)]
		checkCaseDecode(t, bad)
	}
	for _, s := range []string{
		`{}`, `null`, ` {"id":"a"} `, `{"id":"a",}`, `{"id":"a"}x`, `{"id":null,"tags":null,"sla":null,"author":null}`,
		`{"tags":[]}`, `{"tags":["a","b\n"]}`, `{"ID":"upper"}`, `{"i\u0064":"escaped key"}`, `{"unknown":1,"id":"x"}`,
		`{"version":01}`, `{"version":-0}`, `{"version":1e3}`, `{"version":1.0}`, `{"version":99999999999999999999}`,
		`{"message_count":-}`, `{"public":"true"}`, `{"public":tru}`, `{"public":truex}`, `{"priority":2,"priority":3}`,
		`{"author":{"handle":"a"},"author":{"followers":3}}`, `{"created":"2026-12-01T20:00:00Z"}`,
		`{"created":"2026-12-01T20:00:00.5+02:00"}`, `{"created":"2026-12-01 20:00:00Z"}`, `{"created":"\u0032026-12-01T20:00:00Z"}`,
		`{"created":null}`, `{"subject":"\ud83d\ude42 \ud83d x"}`, "{\"subject\":\"raw \xff\"}", "{\"subject\":\"ctl \x01\"}",
		`{"sla":{"policy":"p","state":"ok"}}`, `{"sla":[1]}`, `{"triage":{"summary":"} {","score":5}}`,
		`{"handoff":{"text":"a \"}\" b"}}`, `{"tags":{}}`, `{"id":"a" "b"}`, `{"id":"a",,"b":1}`, `[]`, ``, `"x"`,
	} {
		checkCaseDecode(t, []byte(s))
	}
}

// FuzzCodecDecode: any input reads as encoding/json reads it.
func FuzzCodecDecode(f *testing.F) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 20 {
		c := randCodecCase(r)
		raw, _ := json.Marshal(&c)
		f.Add(raw)
	}
	f.Add([]byte(`{"id":"a","tags":[],"author":{"handle":"x"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkCaseDecode(t, data)
	})
}

// TestCodecReadsRecordsEncodingJSONWrote: a case record the hand encoder
// did not write (encoding/json's, indented, with a key this hub does not
// know and escapes, as an older or newer hub may have left it in hub.db)
// is read whole by a follow-up's ingest, which keeps every field.
func TestCodecReadsRecordsEncodingJSONWrote(t *testing.T) {
	dir := t.TempDir()
	l, err := OpenBoltLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	old := model.Case{ID: "case-old", Channel: model.ChannelTwitter, ThreadRef: "tw-old", Source: "mention",
		Subject: "Koffer <weg> & \"kaputt\"\nbitte", Author: model.Identity{Platform: model.ChannelTwitter, Handle: "@alt", DisplayName: "Ält"},
		Status: model.StatusOpen, Priority: model.PriorityHigh, Tags: []string{"baggage", "vip"}, Public: true,
		Created: at, Updated: at, LastMessageAt: at, WaitingSince: at, MessageCount: 1, Version: 3, Brand: "air",
		Triage: &model.CaseTriage{Category: "delivery_baggage", Urgency: 0.75, Score: 80}}
	raw, err := json.MarshalIndent(old, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	raw = append([]byte(`{"from_a_newer_hub": {"x": [1, 2]},`), raw[1:]...)
	if err := l.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCases).Put([]byte(old.ID), caseBlob(caseHead(raw), encodeCaseRec(&old)))
	}); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l, err = OpenBoltLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	h, err := New(l, Config{Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := h.Ingest(Inbound{Channel: model.ChannelTwitter, ThreadRef: "tw-old", PlatformID: "tw-new-1",
		Author: old.Author, Text: "noch da?", Time: at.Add(time.Hour)})
	if err != nil || id != old.ID {
		t.Fatalf("follow-up went to %q (%v), want %s", id, err, old.ID)
	}
	got, ok := h.Case(old.ID)
	if !ok {
		t.Fatal("case gone")
	}
	want := old
	want.MessageCount, want.Version, want.LastMessageAt = 2, 4, at.Add(time.Hour)
	want.Updated = got.Updated
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("case after the follow-up:\n got %+v\nwant %+v", got, want)
	}
}
