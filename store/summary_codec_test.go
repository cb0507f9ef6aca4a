package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"switchboard/model"
)

func TestSummaryCodecRoundTrip(t *testing.T) {
	at := time.Date(2026, 3, 1, 9, 30, 15, 123456789, time.UTC)
	for _, s := range []model.Summary{
		{},
		{ID: "c-1", Channel: model.ChannelTwitter, Author: "Dr. Markus Brenner", Handle: "@mbrenner_travels", Reach: model.ReachHigh,
			Preview: "Senator for 9 years… ünïcödé 🤡", Status: model.StatusOpen, Priority: model.PriorityUrgent, Assignee: "anna",
			CustomerID: "4711", Created: at, LastMessageAt: at.Add(time.Hour), WaitingSince: at.Add(time.Minute), MessageCount: 12, Version: 99},
		{ID: "c-2", Priority: model.PriorityLow, Version: -1}, // odd but representable
		{ID: "c-3", Status: model.StatusOpen, SLA: model.SLAAtRisk, Due: at.Add(15 * time.Minute), Category: "billing",
			Urgency: "high", Sentiment: "negative", Lang: "de", TriageSource: "model:gpt-4o-mini", Score: 87, Troll: true, Irrelevant: true},
		{ID: "c-4", SLA: model.SLABreached, Spam: true, Score: -3},
		{ID: "c-5", Channel: model.ChannelFacebook, Public: true, Reach: model.ReachInfluencer},
	} {
		got, err := decodeSummary(encodeSummary(s))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, s) {
			t.Fatalf("round trip\n got %+v\nwant %+v", got, s)
		}
	}
}

func TestSummaryCodecRefusesCorruptRecords(t *testing.T) {
	good := encodeSummary(model.Summary{ID: "c-1", Author: "Kim", Preview: "hello"})
	for name, b := range map[string][]byte{
		"empty":         nil,
		"json":          []byte(`{"id":"c-1"}`),
		"truncated":     good[:len(good)-3],
		"trailing":      append(append([]byte(nil), good...), 0),
		"huge length":   {summaryCodec, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"wrong version": append([]byte{9}, good[1:]...),
		"unknown flag":  append(append([]byte(nil), good[:len(good)-1]...), 0x80),
	} {
		if _, err := decodeSummary(b); !errors.Is(err, errCorruptSummary) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

// A cache written before version 2 keeps its summaries: they decode with
// the SLA and triage fields empty.
func TestSummaryCodecReadsVersion1(t *testing.T) {
	at := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	want := model.Summary{ID: "c-1", Channel: model.ChannelForum, Author: "Kim", Handle: "kim", Preview: "hello",
		Status: model.StatusOpen, Priority: model.PriorityHigh, CustomerID: "4711", Created: at, MessageCount: 3, Version: 7}
	// The version 1 layout, written out by hand.
	v1 := []byte{summaryCodecV1}
	for _, s := range []string{want.ID, string(want.Channel), want.Author, want.Handle, "", want.Preview, string(want.Status), "", want.CustomerID} {
		v1 = binary.AppendUvarint(v1, uint64(len(s)))
		v1 = append(v1, s...)
	}
	v1 = binary.AppendVarint(v1, int64(want.Priority))
	v1 = binary.AppendVarint(v1, at.UnixNano())
	v1 = binary.AppendVarint(v1, 0)
	v1 = binary.AppendVarint(v1, 0)
	v1 = binary.AppendUvarint(v1, 3)
	v1 = binary.AppendVarint(v1, 7)
	got, err := decodeSummary(v1)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("v1 record\n got %+v\nwant %+v", got, want)
	}
	if id, ok := summaryCustomerID(v1); !ok || string(id) != "4711" {
		t.Fatalf("customer id of a v1 record = %q, %v", id, ok)
	}
	if _, err := decodeSummary(append(v1, 0)); !errors.Is(err, errCorruptSummary) {
		t.Fatalf("a v1 record with trailing bytes: err = %v", err)
	}
}

func FuzzDecodeSummary(f *testing.F) {
	f.Add(encodeSummary(model.Summary{ID: "c", Author: "a", Created: time.Unix(1, 0)}))
	f.Add([]byte{summaryCodec})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decodeSummary(b)
		if err != nil {
			return
		}
		again, err := decodeSummary(encodeSummary(s))
		if err != nil || !reflect.DeepEqual(again, s) {
			t.Fatalf("accepted record does not round-trip: %+v / %+v (%v)", s, again, err)
		}
	})
}

func TestSchema1SummariesAreMigrated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "console.db")
	sum := model.Summary{ID: "c-1", Author: "Kim", Preview: "hello", Status: model.StatusNew, Created: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		meta, _ := tx.CreateBucket(bucketMeta)
		if err := meta.Put(keySchema, binary.BigEndian.AppendUint64(nil, 1)); err != nil {
			return err
		}
		raw, _ := json.Marshal(sum)
		b, _ := tx.CreateBucket(bucketSummaries)
		return b.Put([]byte(sum.ID), raw)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.Summaries()
	if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], sum) {
		t.Fatalf("migrated summaries = %+v, %v", got, err)
	}
	if v, _ := st.SchemaVersion(); v != SchemaVersion {
		t.Fatalf("schema after migration = %d", v)
	}
}
