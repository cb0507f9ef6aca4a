package store

import (
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"switchboard/model"
)

func noteOp(id string) model.Op {
	return model.Op{ID: id, Kind: model.OpNote, CaseID: "case-1", Text: "note " + id}
}

func outboxIDs(t *testing.T, s *Store) []string {
	t.Helper()
	ops, err := s.Outbox()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, op := range ops {
		ids = append(ids, op.ID)
	}
	return ids
}

func journalRecord(t *testing.T, op model.Op) []byte {
	t.Helper()
	payload, err := json.Marshal(op)
	if err != nil {
		t.Fatal(err)
	}
	rec := binary.BigEndian.AppendUint32(nil, uint32(len(payload)))
	rec = binary.BigEndian.AppendUint32(rec, crc32.ChecksumIEEE(payload))
	return append(rec, payload...)
}

// Enqueue is a journal append; the outbox keeps the order of every way in
// (journal, fold, retry) and refuses an id queued twice, in the journal or
// folded.
func TestJournalKeepsOutboxOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "console.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, id := range []string{"a", "b"} {
		if err := s.Enqueue(noteOp(id)); err != nil {
			t.Fatal(err)
		}
	}
	if fi, err := os.Stat(path + journalSuffix); err != nil || fi.Size() == 0 {
		t.Fatalf("journal after two enqueues: %v, %v", fi, err)
	}
	if err := s.Enqueue(noteOp("a")); err == nil {
		t.Error("an op id queued twice (in the journal) was accepted")
	}
	if got := outboxIDs(t, s); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("outbox = %v", got)
	}
	if err := s.foldJournal(); err != nil { // Outbox reads the journal as it is; a change folds it
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path + journalSuffix); fi.Size() != 0 {
		t.Errorf("journal holds %d bytes after a fold", fi.Size())
	}
	if err := s.Enqueue(noteOp("b")); err == nil {
		t.Error("an op id queued twice (folded) was accepted")
	}
	if err := s.Enqueue(noteOp("c")); err != nil {
		t.Fatal(err)
	}
	// A refused op retried after c was queued comes after c.
	if err := s.Rejected("a", model.Rejection{Code: model.RejectClaimed}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Enqueue(noteOp("d")); err != nil {
		t.Fatal(err)
	}
	retry := noteOp("a2")
	if err := s.Resolve("a", &retry); err != nil {
		t.Fatal(err)
	}
	if got := outboxIDs(t, s); !slices.Equal(got, []string{"b", "c", "d", "a2"}) {
		t.Errorf("outbox = %v, want b c d a2", got)
	}
	// An op only in the journal can be taken back and acked.
	if err := s.Enqueue(noteOp("e")); err != nil {
		t.Fatal(err)
	}
	if err := s.Acked("e"); err != nil {
		t.Fatal(err)
	}
	if got := outboxIDs(t, s); !slices.Equal(got, []string{"b", "c", "d", "a2"}) {
		t.Errorf("outbox after acking a journalled op = %v", got)
	}
}

// A journal left by a crash is folded at open, in order; a torn last
// record (its Enqueue never returned) is dropped; ops already folded
// before the crash are not queued twice.
func TestJournalLeftByACrashIsFolded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "console.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Enqueue(noteOp("a")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Outbox(); err != nil { // folds a
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// As a crash after the fold's commit, before the journal was emptied,
	// and during the write of d, would leave it.
	var j []byte
	for _, id := range []string{"a", "b", "c"} {
		j = append(j, journalRecord(t, noteOp(id))...)
	}
	torn := journalRecord(t, noteOp("d"))
	j = append(j, torn[:len(torn)-3]...)
	if err := os.WriteFile(path+journalSuffix, j, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := outboxIDs(t, s); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("outbox after the crash = %v, want a b c", got)
	}
	if fi, _ := os.Stat(path + journalSuffix); fi.Size() != 0 {
		t.Errorf("journal holds %d bytes after open", fi.Size())
	}
	if err := s.Enqueue(noteOp("d")); err != nil {
		t.Errorf("d, torn in the crash, cannot be queued again: %v", err)
	}
}
