package hub

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"

	"switchboard/model"
)

// testdata/schema4/hub.db is a log written by the schema-4 hub (commit
// 77c9e18): 11 cases and 70 messages on X, an edit, the first 30 events
// compacted away (their messages' records made JSON), then a batch of 30
// messages and an edit whose state records were still behind the log when
// the hub stopped without writing them (as a kill -9 leaves it).
// threads.json is every case's thread as that hub read it. schema5 is the
// same from the schema-5 hub of dc74514, with 60 messages in the batch.
func TestSchema4And5LogsAreMigrated(t *testing.T) {
	for _, from := range []struct {
		dir  string
		msgs int
	}{{"schema4", 70}, {"schema5", 100}} {
		t.Run(from.dir, func(t *testing.T) { testMigrated(t, from.dir, from.msgs) })
	}
}

func testMigrated(t *testing.T, from string, stored int) {
	dir := t.TempDir()
	if err := copyFile(filepath.Join("testdata", from, "hub.db"), filepath.Join(dir, "hub.db")); err != nil {
		t.Fatal(err)
	}
	var want map[string][]model.Message
	raw, err := os.ReadFile(filepath.Join("testdata", from, "threads.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	h, l := openTestHub(t, dir)
	// The file is schema 6 now, without the old message records and index.
	var oldLeft bool
	var schema uint64
	var msgRecs int
	if err := l.viewState(func(tx *bolt.Tx) error {
		oldLeft = tx.Bucket(bucketOldMessages) != nil || tx.Bucket(bucketCaseIndex) != nil
		schema = binary.BigEndian.Uint64(tx.Bucket(bucketMeta).Get(keySchema))
		msgRecs = tx.Bucket(bucketMsgs).Stats().KeyN
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if oldLeft || schema != logSchema {
		t.Fatalf("after the open: schema %d, old message or case index bucket left %v", schema, oldLeft)
	}
	// Records for the 15 messages compacted (one of them, p1, edited
	// later: its record points at the edit) and the other edit only.
	if msgRecs != 16 {
		t.Errorf("%d message records, want 16", msgRecs)
	}
	if got := h.CaseCount(); got != len(want) {
		t.Fatalf("%d cases, want %d", got, len(want))
	}
	check := func(when string, l *BoltLog, extra map[string]int) {
		t.Helper()
		for id, th := range want {
			got, err := l.Thread(id)
			if err != nil {
				t.Fatalf("%s: thread of %s: %v", when, id, err)
			}
			if len(got) != len(th)+extra[id] || !reflect.DeepEqual(got[:len(th)], th) {
				t.Fatalf("%s: thread of %s:\n got %+v\nwant %+v (+%d)", when, id, got, th, extra[id])
			}
		}
		// The snapshot holds the same, each message once, under its case.
		msgs := map[string][]model.Message{}
		if _, err := l.Snapshot(func(ev model.Event) error {
			if ev.Message != nil {
				msgs[ev.Message.CaseID] = append(msgs[ev.Message.CaseID], *ev.Message)
			}
			return nil
		}); err != nil {
			t.Fatalf("%s: snapshot: %v", when, err)
		}
		for id, th := range want {
			if len(msgs[id]) != len(th)+extra[id] || !reflect.DeepEqual(msgs[id][:len(th)], th) {
				t.Fatalf("%s: snapshot of %s: %d messages, want %d (+%d)", when, id, len(msgs[id]), len(th), extra[id])
			}
		}
	}
	check("migrated", l, nil)
	var edited, seen int
	for _, th := range want {
		for _, m := range th {
			if !m.Edited.IsZero() {
				edited++
			}
		}
	}
	// Every stored platform id is a duplicate; a follow-up joins its case.
	for i := range stored {
		if _, dup, err := h.Ingest(tweet(fmt.Sprintf("t%d", i%11), fmt.Sprintf("p%d", i), "again")); err != nil || !dup {
			t.Fatalf("p%d again: dup %v, %v", i, dup, err)
		}
		seen++
	}
	id, dup, err := h.Ingest(tweet("t3", "p-new", "one more"))
	if err != nil || dup {
		t.Fatal(dup, err)
	}
	if edited != 2 || seen != stored {
		t.Fatalf("%d edited messages in the old threads, %d seen", edited, seen)
	}
	check("followed up", l, map[string]int{id: 1})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// And once more from the file, all of it written.
	_, l = openTestHub(t, dir)
	check("reopened", l, map[string]int{id: 1})
	// Compacting all of it keeps every thread.
	if _, err := l.Compact(0); err != nil {
		t.Fatal(err)
	}
	check("compacted", l, map[string]int{id: 1})
}

// The case record's forms: a merge keeps the list in order, adds a seq
// once, keeps the head and index record unless given new ones, and takes
// a JSON head (schema 4's) into its own form.
func TestCaseRecordMerge(t *testing.T) {
	ptr, idx := statePtr(9, 3, 40), []byte("index record")
	rec, err := mergeCaseRec(nil, nil, 5)
	if err != nil {
		t.Fatal(err)
	}
	if h, x, _, err := splitCaseRec(rec); err != nil || h[0] != caseRecNone || len(x) != 0 {
		t.Fatalf("messages first: head %x, index %q, %v", h, x, err)
	}
	if rec, err = mergeCaseRec(rec, caseBlob(ptr, idx), 0); err != nil {
		t.Fatal(err)
	}
	for _, add := range []uint64{7, 7, 6, 11} { // 7 twice and 6 (replayed)
		if rec, err = mergeCaseRec(rec, nil, add); err != nil {
			t.Fatal(err)
		}
	}
	head, x, seqs, err := splitCaseRec(rec)
	if err != nil || !slices.Equal(head, ptr) || string(x) != string(idx) {
		t.Fatalf("head %x, index %q, %v", head, x, err)
	}
	var got []uint64
	_ = eachSeq(seqs, func(s uint64) error { got = append(got, s); return nil })
	if !slices.Equal(got, []uint64{5, 7, 11}) {
		t.Fatalf("seqs %v", got)
	}
	js := []byte(`{"id":"c1"}`)
	if rec, err = mergeCaseRec(js, nil, 3); err != nil { // before schema 6
		t.Fatal(err)
	}
	if head, _, seqs, err = splitCaseRec(rec); err != nil || head[0] != caseRecJSON || string(head[5:]) != string(js) || len(seqs) != 8 {
		t.Fatalf("JSON head: %q, %d bytes of seqs, %v", head, len(seqs), err)
	}
	for _, bad := range [][]byte{{}, {7}, slices.Clone(ptr), append(caseBlob(ptr, idx), 1, 2), {caseRecJSON, 0, 0, 0, 9, '{'}, {caseRecNone, 0, 0, 0, 1}} {
		if _, _, _, err := splitCaseRec(bad); err == nil {
			t.Errorf("%x: no error", bad)
		}
	}
}
