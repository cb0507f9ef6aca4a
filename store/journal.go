package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"os"

	bolt "go.etcd.io/bbolt"

	"switchboard/model"
)

// The outbox journal makes Enqueue one fsync'd file append: a bbolt commit
// is two fsyncs (the pages, then the meta page), twice the cost of the
// append the agent waits for. Enqueue appends the op to path.outbox and
// syncs it; every other change to the outbox first folds what the journal
// holds into the outbox bucket (one transaction for all of it, in order)
// and then empties the journal (Outbox reads both, and folds behind its
// read). Open folds a journal left by a crash. A
// record is a 4-byte big-endian length, the CRC-32 (IEEE) of the payload
// and the op's JSON; a torn last record (a crash during its write, so its
// Enqueue never returned) is dropped. Folding skips ops already in the
// outbox, so a journal left behind by a crash after a fold's commit adds
// nothing twice.

// journalSuffix names the journal next to the cache file.
const journalSuffix = ".outbox"

type journal struct {
	f       *os.File
	pending []model.Op // appended, not yet folded, in order
	ids     map[string]bool
}

func openJournal(path string) (*journal, error) {
	f, err := os.OpenFile(path+journalSuffix, os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: open outbox journal: %w", err)
	}
	j := &journal{f: f, ids: map[string]bool{}}
	raw, err := io.ReadAll(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("store: read outbox journal: %w", err)
	}
	for len(raw) >= 8 {
		n := binary.BigEndian.Uint32(raw)
		sum := binary.BigEndian.Uint32(raw[4:])
		if uint64(n) > uint64(len(raw)-8) || crc32.ChecksumIEEE(raw[8:8+n]) != sum {
			break // torn: its Enqueue did not return
		}
		var op model.Op
		if json.Unmarshal(raw[8:8+n], &op) == nil && !j.ids[op.ID] {
			j.pending = append(j.pending, op)
			j.ids[op.ID] = true
		}
		raw = raw[8+n:]
	}
	return j, nil
}

// append writes op and syncs it.
func (j *journal) append(op model.Op) error {
	payload, err := json.Marshal(op)
	if err != nil {
		return fmt.Errorf("store: encode op: %w", err)
	}
	rec := make([]byte, 8, 8+len(payload))
	binary.BigEndian.PutUint32(rec, uint32(len(payload)))
	binary.BigEndian.PutUint32(rec[4:], crc32.ChecksumIEEE(payload))
	rec = append(rec, payload...)
	if _, err := j.f.Write(rec); err != nil {
		return fmt.Errorf("store: write outbox journal: %w", err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("store: sync outbox journal: %w", err)
	}
	j.pending = append(j.pending, op)
	j.ids[op.ID] = true
	return nil
}

// foldTx moves the journal's ops into the outbox bucket in tx and, once tx
// has committed, empties the journal. Call with s.jmu held, and hold it
// until tx has committed.
func (s *Store) foldTx(tx *bolt.Tx) error {
	j := s.journal
	if j == nil || len(j.pending) == 0 {
		return nil
	}
	b, ids := tx.Bucket(bucketOutbox), tx.Bucket(bucketOutboxID)
	for _, op := range j.pending {
		if ids.Get([]byte(op.ID)) != nil {
			continue // folded before a crash that kept the journal
		}
		raw, err := json.Marshal(op)
		if err != nil {
			return err
		}
		n, err := b.NextSequence()
		if err != nil {
			return err
		}
		if err := b.Put(u64(n), raw); err != nil {
			return err
		}
		if err := ids.Put([]byte(op.ID), u64(n)); err != nil {
			return err
		}
	}
	tx.OnCommit(func() {
		j.pending, j.ids = nil, map[string]bool{}
		// An emptying lost to a crash only means a fold that adds nothing.
		if j.f.Truncate(0) == nil {
			_ = j.f.Sync()
		}
	})
	return nil
}

// outboxUpdate runs f in a write transaction after folding the journal
// into it: every change to the outbox goes through here.
func (s *Store) outboxUpdate(f func(tx *bolt.Tx) error) error {
	s.jmu.Lock()
	defer s.jmu.Unlock()
	return s.db.Update(func(tx *bolt.Tx) error {
		if err := s.foldTx(tx); err != nil {
			return fmt.Errorf("store: fold outbox journal: %w", err)
		}
		if f == nil {
			return nil
		}
		return f(tx)
	})
}

// foldJournal folds the journal, if it holds anything.
func (s *Store) foldJournal() error {
	s.jmu.Lock()
	empty := s.journal == nil || len(s.journal.pending) == 0
	s.jmu.Unlock()
	if empty {
		return nil
	}
	return s.outboxUpdate(nil)
}

// queued says whether an op id is in the outbox or the journal.
func (s *Store) queued(id string) (bool, error) {
	if s.journal != nil && s.journal.ids[id] {
		return true, nil
	}
	var in bool
	err := s.db.View(func(tx *bolt.Tx) error {
		in = tx.Bucket(bucketOutboxID).Get([]byte(id)) != nil
		return nil
	})
	return in, err
}
