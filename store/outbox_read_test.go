package store

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Outbox lists the journal's ops without a commit first: a console with a
// long outbox reads it before it can send anything. While a write
// transaction is open (another change of the cache), the read does not
// wait for it; the journal is folded behind the read, and the outbox keeps
// its order through the fold and the changes after it.
func TestOutboxReadsTheJournalWithoutACommit(t *testing.T) {
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
	started, release := make(chan struct{}), make(chan struct{})
	writing := make(chan error, 1)
	go func() {
		writing <- s.db.Update(func(*bolt.Tx) error { close(started); <-release; return nil })
	}()
	<-started
	read := make(chan []string, 1)
	go func() { read <- outboxIDs(t, s) }()
	select {
	case got := <-read:
		if !slices.Equal(got, []string{"a", "b"}) {
			t.Errorf("outbox = %v, want [a b]", got)
		}
	case <-time.After(10 * time.Second):
		t.Error("Outbox waited for the open write transaction")
		defer func() { <-read }()
	}
	close(release)
	if err := <-writing; err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		fi, err := os.Stat(path + journalSuffix)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("journal still holds %d bytes: not folded behind the read", fi.Size())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := s.Enqueue(noteOp("c")); err != nil {
		t.Fatal(err)
	}
	if got := outboxIDs(t, s); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("outbox after the fold = %v", got)
	}
	if err := s.Acked("a"); err != nil {
		t.Fatal(err)
	}
	if got := outboxIDs(t, s); !slices.Equal(got, []string{"b", "c"}) {
		t.Fatalf("outbox after an ack = %v", got)
	}
}
