package hub

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	bolt "go.etcd.io/bbolt"

	"switchboard/model"
	"switchboard/sync/wire"
)

// A snapshot is made of the state's JSON as it is stored, never decoded
// and encoded again: a field this build does not know (a newer hub wrote
// it) reaches the console as it was stored. Pages stay within MaxPage
// entities and MaxFrame bytes, also with entities of a megabyte, and
// carry every entity, a case's messages with their seqs.
func TestSnapshotSendsStoredJSON(t *testing.T) {
	l, err := OpenBoltLog(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(l, Config{Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 7))
	var ins []Inbound
	for c := range 300 {
		for i := range 2 {
			ins = append(ins, benchInbound(r, c, i, time.Now()))
		}
	}
	for _, res := range h.IngestMany(ins) {
		if res.Err != nil {
			t.Fatal(res.Err)
		}
	}
	// A case as a newer hub stored it, and five messages of 1 MB.
	var marked []byte
	big := strings.Repeat("x", 1<<20)
	var k, idx, seqs []byte
	if err := l.viewState(func(tx *bolt.Tx) error { // the state written up to the head
		kk, v := tx.Bucket(bucketCases).Cursor().Last()
		_, x, _, err := splitCaseRec(v)
		idx = append(idx, x...)
		v, s, _, err := caseRecValue(tx, v)
		k, seqs = append(k, kk...), append(seqs, s...)
		marked = append(bytes.TrimSuffix(v, []byte("}")), `,"x_newer_hub":{"kept":[1,2]}}`...)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := l.db.Update(func(tx *bolt.Tx) error {
		rec := append(caseBlob(caseHead(marked), idx), seqs...)
		for i := range 5 {
			m, _ := json.Marshal(model.Message{ID: "big-" + string(rune('a'+i)), CaseID: string(k), Text: big, Seq: 1_000_000 + uint64(i)})
			if err := tx.Bucket(bucketMsgs).Put(seqKey(1_000_000+uint64(i)), m); err != nil {
				return err
			}
			rec = binary.BigEndian.AppendUint64(rec, 1_000_000+uint64(i))
		}
		return tx.Bucket(bucketCases).Put(k, rec)
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Compact(1); err != nil { // cursor 0 is behind the horizon
		t.Fatal(err)
	}
	srv := NewServer(h, Timing{HelloWait: 5 * time.Second, WriteWait: 5 * time.Second, PongWait: time.Minute, PingEvery: 30 * time.Second})
	ts := httptest.NewServer(srv.Handler())
	defer func() { ts.Close(); srv.Close(); l.Close() }()

	conn, _, err := (&websocket.Dialer{EnableCompression: true}).Dial("ws"+strings.TrimPrefix(ts.URL, "http")+wire.SyncPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadLimit(wire.MaxFrame)
	hello, _ := wire.Encode(wire.Hello{Protocol: wire.Protocol, ClientID: "fresh", Cursor: 0})
	if err := conn.WriteMessage(websocket.TextMessage, hello); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	var pages, cases, msgs, bigs int
	seen := false
	for done := false; !done; {
		_, raw, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("after %d snapshot pages: %v", pages, err)
		}
		f, err := wire.Decode(raw)
		if err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		sn, ok := f.(wire.Snapshot)
		if !ok {
			continue // welcome
		}
		if len(raw) > wire.MaxFrame || len(sn.Events) > wire.MaxPage || sn.First != (pages == 0) {
			t.Errorf("page %d: %d bytes, %d entities, first %v", pages, len(raw), len(sn.Events), sn.First)
		}
		pages++
		seen = seen || bytes.Contains(raw, marked)
		for _, ev := range sn.Events {
			switch {
			case ev.Case != nil:
				cases++
			case ev.Message != nil:
				msgs++
				if ev.Seq == 0 || ev.Message.Seq != ev.Seq {
					t.Errorf("message %s: seq %d, its own %d", ev.Message.ID, ev.Seq, ev.Message.Seq)
				}
				if len(ev.Message.Text) == len(big) {
					bigs++
				}
			}
		}
		if done = sn.Done; done && sn.Seq != l.Head() {
			t.Errorf("snapshot at seq %d, head %d", sn.Seq, l.Head())
		}
	}
	if !seen {
		t.Error("the stored case did not reach the console byte for byte")
	}
	if cases != 300 || msgs != 600+5 || bigs != 5 {
		t.Errorf("%d cases, %d messages (%d of 1 MB) in %d pages", cases, msgs, bigs, pages)
	}
}

// SnapshotJSON emits what Snapshot emits, entity for entity: the raw path
// of a console's snapshot and the decoded one never drift apart.
func TestSnapshotJSONMatchesSnapshot(t *testing.T) {
	l, err := OpenBoltLog(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	h, err := New(l, Config{Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(8, 8))
	var ins []Inbound
	for c := range 50 {
		for i := range 3 {
			ins = append(ins, benchInbound(r, c, i, time.Now()))
		}
	}
	for _, res := range h.IngestMany(ins) {
		if res.Err != nil {
			t.Fatal(res.Err)
		}
	}
	for _, c := range []model.Customer{{ID: "C-1", Name: "Sandra"}, {ID: "C-2", Name: "Tom", Consent: model.Consent{Service: true}}} {
		if _, err := h.UpsertCustomer(c); err != nil {
			t.Fatal(err)
		}
	}
	var want []model.Event
	wantSeq, err := l.Snapshot(func(ev model.Event) error { want = append(want, ev); return nil })
	if err != nil {
		t.Fatal(err)
	}
	var got []model.Event
	gotSeq, err := l.SnapshotJSON(func(typ model.EventType, seq uint64, field string, raw []byte) error {
		b := []byte(`{"seq":` + strconv.FormatUint(seq, 10) + `,"type":"` + string(typ) + `","` + field + `":` + string(raw) + `}`)
		var ev model.Event
		if err := json.Unmarshal(b, &ev); err != nil {
			return err
		}
		if ev.Message != nil && ev.Message.Seq == 0 {
			ev.Message.Seq = ev.Seq // a message's JSON may not say its seq
		}
		got = append(got, ev)
		return nil
	})
	if err != nil || gotSeq != wantSeq {
		t.Fatalf("seq %d, want %d (%v)", gotSeq, wantSeq, err)
	}
	if len(got) != len(want) || len(want) != 2+50+150 {
		t.Fatalf("%d entities, Snapshot %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("entity %d:\n%+v\nwant\n%+v", i, got[i], want[i])
		}
	}
}
