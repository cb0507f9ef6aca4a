package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"switchboard/model"
)

// The outbox holds the agent's ops until the hub has answered them. Unlike
// the rest of the cache it cannot be rebuilt from the hub: Reset keeps it.
var (
	bucketOutbox   = []byte("outbox")     // 8-byte order → op
	bucketOutboxID = []byte("outbox_ids") // op id → order key
	bucketRejected = []byte("rejected")   // op id → RejectedOp
	keyAgent       = []byte("agent")
	keyRole        = []byte("role")

	kept = [][]byte{bucketMeta, bucketOutbox, bucketOutboxID, bucketRejected}
)

// RejectedOp is an op the hub refused, kept until the agent retries or
// discards it.
type RejectedOp struct {
	Op      model.Op        `json:"op"`
	Reject  model.Rejection `json:"reject"`
	Current *model.Case     `json:"current,omitempty"`
	At      time.Time       `json:"at"`
}

// Enqueue writes an op to the outbox. When it returns nil the op is on
// disk (appended to the outbox journal and fsync'd) and will reach the hub.
func (s *Store) Enqueue(op model.Op) error {
	s.jmu.Lock()
	defer s.jmu.Unlock()
	in, err := s.queued(op.ID)
	if err == nil && in {
		err = fmt.Errorf("op %s is already queued", op.ID)
	}
	if err == nil {
		err = s.journal.append(op)
	}
	if err != nil {
		return fmt.Errorf("store: enqueue %s: %w", op.Kind, err)
	}
	return nil
}

// Outbox returns the unanswered ops in the order they were made: the
// outbox bucket's, then the journal's (journal.go) as they are, without
// folding them first. A console that reconnects with a long outbox reads it
// before it can send anything, and folding (every op encoded again and
// written in a commit) was most of that read; a journal it found is folded
// behind it, in the background (while the ops travel to the hub), or by the
// next change to the outbox, whichever comes first.
func (s *Store) Outbox() ([]model.Op, error) {
	s.jmu.Lock()
	defer s.jmu.Unlock()
	if s.journal != nil && len(s.journal.pending) > 0 {
		go func() { _ = s.foldJournal() }() // waits for jmu; an error: the next change folds
	}
	var out []model.Op
	err := s.db.View(func(tx *bolt.Tx) error {
		err := tx.Bucket(bucketOutbox).ForEach(func(k, v []byte) error {
			var op model.Op
			if err := json.Unmarshal(v, &op); err != nil {
				return fmt.Errorf("store: outbox entry %d: %w", binary.BigEndian.Uint64(k), err)
			}
			out = append(out, op)
			return nil
		})
		if err != nil || s.journal == nil {
			return err
		}
		ids := tx.Bucket(bucketOutboxID)
		for _, op := range s.journal.pending {
			if ids.Get([]byte(op.ID)) == nil { // else folded before a crash that kept the journal
				out = append(out, op)
			}
		}
		return nil
	})
	return out, err
}

func removeOp(tx *bolt.Tx, opID string) (bool, error) {
	ids := tx.Bucket(bucketOutboxID)
	k := ids.Get([]byte(opID))
	if k == nil {
		return false, nil
	}
	if err := tx.Bucket(bucketOutbox).Delete(k); err != nil {
		return false, err
	}
	return true, ids.Delete([]byte(opID))
}

// Acked drops an op the hub has applied. An unknown id (answered before)
// is not an error.
func (s *Store) Acked(opID string) error {
	return s.outboxUpdate(func(tx *bolt.Tx) error {
		_, err := removeOp(tx, opID)
		return err
	})
}

// Rejected moves a refused op from the outbox to the rejected list and
// takes the case state the hub sent, unless the cache already has a newer
// one.
func (s *Store) Rejected(opID string, r model.Rejection, current *model.Case) error {
	var ro RejectedOp
	err := s.outboxUpdate(func(tx *bolt.Tx) error {
		k := tx.Bucket(bucketOutboxID).Get([]byte(opID))
		if k == nil {
			return nil // answered before
		}
		if err := json.Unmarshal(tx.Bucket(bucketOutbox).Get(k), &ro.Op); err != nil {
			return err
		}
		if _, err := removeOp(tx, opID); err != nil {
			return err
		}
		ro.Reject, ro.Current, ro.At = r, current, time.Now().UTC()
		raw, err := json.Marshal(ro)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketRejected).Put([]byte(opID), raw); err != nil {
			return err
		}
		if current != nil {
			var cached model.Summary
			if old := tx.Bucket(bucketSummaries).Get([]byte(current.ID)); old != nil {
				cached, _ = decodeSummary(old)
			}
			if current.Version >= cached.Version {
				return putCase(tx, current, touchedSet{})
			}
		}
		return nil
	})
	return err
}

// RejectedOps lists the refused ops the agent has not dealt with.
func (s *Store) RejectedOps() ([]RejectedOp, error) {
	var out []RejectedOp
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRejected).ForEach(func(_, v []byte) error {
			var ro RejectedOp
			if err := json.Unmarshal(v, &ro); err != nil {
				return err
			}
			out = append(out, ro)
			return nil
		})
	})
	return out, err
}

// Resolve drops a rejected op; with retry set it queues retry (a new op,
// with a new id) in the same transaction.
func (s *Store) Resolve(opID string, retry *model.Op) error {
	var raw []byte
	if retry != nil {
		var err error
		if raw, err = json.Marshal(retry); err != nil {
			return err
		}
	}
	return s.outboxUpdate(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketRejected).Delete([]byte(opID)); err != nil {
			return err
		}
		if retry == nil {
			return nil
		}
		b := tx.Bucket(bucketOutbox)
		n, err := b.NextSequence()
		if err != nil {
			return err
		}
		if err := b.Put(u64(n), raw); err != nil {
			return err
		}
		return tx.Bucket(bucketOutboxID).Put([]byte(retry.ID), u64(n))
	})
}

// Agent is the agent name the hub last welcomed this console as.
func (s *Store) Agent() string {
	var a string
	_ = s.db.View(func(tx *bolt.Tx) error {
		a = string(tx.Bucket(bucketMeta).Get(keyAgent))
		return nil
	})
	return a
}

// Role is the role the hub last welcomed this console with.
func (s *Store) Role() string {
	var r string
	_ = s.db.View(func(tx *bolt.Tx) error {
		r = string(tx.Bucket(bucketMeta).Get(keyRole))
		return nil
	})
	return r
}

// Welcomed records the agent name and role the hub welcomed this console
// as.
func (s *Store) Welcomed(agent, role string) error {
	if agent == s.Agent() && role == s.Role() {
		return nil
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if err := meta.Put(keyAgent, []byte(agent)); err != nil {
			return err
		}
		return meta.Put(keyRole, []byte(role))
	})
}
