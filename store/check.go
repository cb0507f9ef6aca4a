package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"

	"switchboard/internal/boltcheck"
	"switchboard/model"
)

// A damaged cache is no reason to stop: everything in it but the outbox
// comes again from the hub. Open refuses a damaged file with ErrDamaged
// (bbolt would crash on it: a truncated file is SIGBUS); Recover sets it
// aside, starts a new cache, and copies in what of the outbox can still be
// read.

// ErrDamaged is wrapped by Open's error for a damaged cache file.
var ErrDamaged = boltcheck.ErrDamaged

// deepLimit is the size up to which Open reads the whole cache before
// trusting it; a bigger one gets the meta-page check and the fault guard.
const deepLimit = 64 << 20

// checkCache checks the file at path before bbolt maps it.
func checkCache(path string) error {
	_, err := boltcheck.Check(path, boltcheck.Options{DeepLimit: deepLimit, Timeout: time.Second})
	switch {
	case errors.Is(err, bolt.ErrTimeout):
		return fmt.Errorf("store: %s is in use by another Switchboard console", path)
	case errors.Is(err, boltcheck.ErrDamaged):
		return fmt.Errorf("store: %w", err)
	case err != nil:
		return fmt.Errorf("store: check %s: %w", path, err)
	}
	return nil
}

// Recovery says what Recover did.
type Recovery struct {
	Path     string // the new cache
	Aside    string // where the damaged file was kept
	Reason   string // what was wrong with it
	Outbox   int    // queued actions copied into the new cache
	Rejected int    // refused actions copied
	Lost     int    // parts of the damaged file that could not be read
}

// Message is the line the console shows and logs.
func (r Recovery) Message() string {
	msg := fmt.Sprintf("the local cache was damaged (%s) and was moved to %s; a new cache is being rebuilt from the hub", r.Reason, r.Aside)
	switch {
	case r.Outbox == 1:
		msg += "; 1 queued action was recovered"
	case r.Outbox > 1:
		msg += fmt.Sprintf("; %d queued actions were recovered", r.Outbox)
	}
	if r.Lost > 0 {
		msg += "; parts of it could not be read: actions queued while offline may be lost, check the case threads"
	}
	return msg
}

// Recover moves the damaged cache at path aside (to
// path.damaged-<UTC time>, kept for inspection), opens a new cache at path
// and copies into it the outbox, the refused ops and the client id, as far
// as the damaged file can be read. The new cache has cursor 0: the next
// sync rebuilds it from the hub.
func Recover(path string, damage error, now time.Time) (*Store, Recovery, error) {
	rec := Recovery{Path: path, Reason: "unreadable", Aside: path + ".damaged-" + now.UTC().Format("20060102T150405Z")}
	if d := (*boltcheck.Damage)(nil); errors.As(damage, &d) {
		rec.Reason = d.Reason
	} else if damage != nil {
		rec.Reason = damage.Error()
	}
	if err := os.Rename(path, rec.Aside); err != nil {
		return nil, rec, fmt.Errorf("store: set the damaged %s aside: %w", path, err)
	}
	s, err := open(path)
	if err != nil {
		return nil, rec, err
	}
	if err := s.recoverFrom(rec.Aside, &rec); err != nil {
		s.Close()
		return nil, rec, err
	}
	// The journal's ops were queued after the salvaged ones.
	if err := s.foldJournal(); err != nil {
		s.Close()
		return nil, rec, err
	}
	return s, rec, nil
}

// recoverFrom copies what it can read of the damaged file's outbox,
// refused ops and client identity into s.
func (s *Store) recoverFrom(damaged string, rec *Recovery) error {
	outbox, lost1, err := boltcheck.Salvage(damaged, bucketOutbox)
	if err != nil {
		rec.Lost++
	}
	rejected, lost2, err := boltcheck.Salvage(damaged, bucketRejected)
	if err != nil {
		rec.Lost++
	}
	meta, _, _ := boltcheck.Salvage(damaged, bucketMeta)
	rec.Lost += lost1 + lost2
	err = s.db.Update(func(tx *bolt.Tx) error {
		b, ids := tx.Bucket(bucketOutbox), tx.Bucket(bucketOutboxID)
		var last uint64
		for _, kv := range outbox {
			var op model.Op
			if len(kv.Key) != 8 || json.Unmarshal(kv.Value, &op) != nil || op.ID == "" || ids.Get([]byte(op.ID)) != nil {
				rec.Lost++
				continue
			}
			if err := b.Put(kv.Key, kv.Value); err != nil {
				return err
			}
			if err := ids.Put([]byte(op.ID), kv.Key); err != nil {
				return err
			}
			last = max(last, binary.BigEndian.Uint64(kv.Key))
			rec.Outbox++
		}
		// New ops are queued after the recovered ones.
		if err := b.SetSequence(last); err != nil {
			return err
		}
		rb := tx.Bucket(bucketRejected)
		for _, kv := range rejected {
			var r RejectedOp
			if json.Unmarshal(kv.Value, &r) != nil || r.Op.ID != string(kv.Key) {
				rec.Lost++
				continue
			}
			if err := rb.Put(kv.Key, kv.Value); err != nil {
				return err
			}
			rec.Rejected++
		}
		// The same client id: the hub sees the same console come back.
		m := tx.Bucket(bucketMeta)
		for _, kv := range meta {
			switch string(kv.Key) {
			case string(keyClientID), string(keyAgent), string(keyRole):
				if len(kv.Value) > 0 && len(kv.Value) <= 256 {
					if err := m.Put(kv.Key, kv.Value); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: recover the outbox into %s: %w", s.db.Path(), err)
	}
	return nil
}
