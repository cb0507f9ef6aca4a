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
	} {
		if _, err := decodeSummary(b); !errors.Is(err, errCorruptSummary) {
			t.Errorf("%s: err = %v", name, err)
		}
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
