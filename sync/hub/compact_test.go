package hub_test

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"switchboard/model"
	"switchboard/sync/hub"
)

func TestCompactKeepsStateAndRebuildsTheHub(t *testing.T) {
	dir := t.TempDir()
	l, err := hub.OpenBoltLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	h, err := hub.New(l, hub.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for i := range 30 {
		id, _, err := h.Ingest(hub.Inbound{Channel: model.ChannelForum, ThreadRef: fmt.Sprintf("th-%d", i%4), PlatformID: fmt.Sprintf("p%d", i),
			Author: model.Identity{Handle: fmt.Sprintf("u%d", i%4)}, Text: fmt.Sprintf("post %d", i), Time: time.Date(2026, 3, 1, 9, i, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		ids[id] = true
	}
	head := l.Head()
	hz, err := l.Compact(10)
	if err != nil {
		t.Fatal(err)
	}
	if hz != head-10 || l.Horizon() != hz {
		t.Fatalf("horizon %d (%d), want %d", hz, l.Horizon(), head-10)
	}
	if _, err := l.Read(hz-1, 5); !errors.Is(err, hub.ErrCompacted) {
		t.Fatalf("read below the horizon: %v", err)
	}
	evs, err := l.Read(hz, 100)
	if err != nil || len(evs) != 10 || evs[0].Seq != hz+1 {
		t.Fatalf("read at the horizon: %d events from %v, %v", len(evs), evs, err)
	}
	l.Close()

	// A hub restarted on the compacted log knows every case and still
	// dedupes a platform item it saw before the horizon.
	l, err = hub.OpenBoltLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	h, err = hub.New(l, hub.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if h.CaseCount() != len(ids) {
		t.Fatalf("cases after restart = %d, want %d", h.CaseCount(), len(ids))
	}
	_, dup, err := h.Ingest(hub.Inbound{Channel: model.ChannelForum, ThreadRef: "th-0", PlatformID: "p0", Author: model.Identity{Handle: "u0"}, Text: "post 0"})
	if err != nil || !dup {
		t.Fatalf("replayed first post: dup=%v err=%v", dup, err)
	}
	msgs := 0
	seq, err := l.Snapshot(func(ev model.Event) error {
		if ev.Message != nil {
			msgs++
		}
		return nil
	})
	if err != nil || seq != l.Head() || msgs != 30 {
		t.Fatalf("snapshot: seq %d (head %d), %d messages, %v", seq, l.Head(), msgs, err)
	}
}

func TestSchema1LogIsMigrated(t *testing.T) {
	dir := t.TempDir()
	// A log as the first hub wrote it: events only, no state buckets.
	db, err := bolt.Open(filepath.Join(dir, "hub.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &model.Case{ID: "c1", Channel: model.ChannelTwitter, ThreadRef: "t", Author: model.Identity{Handle: "@a"}, Status: model.StatusNew, Version: 1}
	m := &model.Message{ID: "m1", CaseID: "c1", Text: "hi", Direction: model.DirectionIn}
	err = db.Update(func(tx *bolt.Tx) error {
		meta, _ := tx.CreateBucket([]byte("meta"))
		if err := meta.Put([]byte("schema_version"), binary.BigEndian.AppendUint64(nil, 1)); err != nil {
			return err
		}
		b, _ := tx.CreateBucket([]byte("log"))
		for _, ev := range []model.Event{{Type: model.EventMessageAdded, Message: m}, {Type: model.EventCaseUpserted, Case: c}} {
			seq, _ := b.NextSequence()
			ev.Seq = seq
			raw, _ := json.Marshal(ev)
			if err := b.Put(binary.BigEndian.AppendUint64(nil, seq), raw); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	l, err := hub.OpenBoltLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	h, err := hub.New(l, hub.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := h.Case("c1"); !ok || got.Author.Handle != "@a" {
		t.Fatalf("migrated case = %+v, %v", got, ok)
	}
}
