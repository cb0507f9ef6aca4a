package store

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"switchboard/model"
)

// Drafts are what an agent has typed into a case's composer and not sent:
// they survive reopening the case, a restart and a crash. Like the outbox
// they cannot be rebuilt from the hub, so the bucket is not one Reset
// empties; it is made on the first draft.
var bucketDrafts = []byte("drafts") // case id → Draft

// Draft is the unsent text of one case's composer.
type Draft struct {
	CaseID  string    `json:"case_id"`
	Text    string    `json:"text"`
	Note    bool      `json:"note,omitempty"`    // an internal note, not a reply
	Private bool      `json:"private,omitempty"` // a private reply
	At      time.Time `json:"at"`
}

// SaveDraft keeps d; an empty text deletes the case's draft.
func (s *Store) SaveDraft(d Draft) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketDrafts)
		if err != nil {
			return err
		}
		if d.Text == "" {
			return b.Delete([]byte(d.CaseID))
		}
		raw, err := json.Marshal(d)
		if err != nil {
			return err
		}
		return b.Put([]byte(d.CaseID), raw)
	})
	if err != nil {
		return fmt.Errorf("store: save draft: %w", err)
	}
	return nil
}

// Draft returns the case's draft; ok is false when there is none.
func (s *Store) Draft(caseID string) (d Draft, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDrafts)
		if b == nil {
			return nil
		}
		raw := b.Get([]byte(caseID))
		if raw == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(raw, &d)
	})
	return d, ok, err
}

// Drafts lists every kept draft.
func (s *Store) Drafts() ([]Draft, error) {
	var out []Draft
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDrafts)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			var d Draft
			if err := json.Unmarshal(v, &d); err != nil {
				return err
			}
			out = append(out, d)
			return nil
		})
	})
	return out, err
}

// Unqueue removes an op from the outbox before it was sent (the agent took
// it back); false when it is not there any more.
func (s *Store) Unqueue(opID string) (bool, error) {
	var found bool
	err := s.outboxUpdate(func(tx *bolt.Tx) error {
		var err error
		found, err = removeOp(tx, opID)
		return err
	})
	return found, err
}

// Requeue rewrites a queued op in place, keeping its place in the outbox
// (the agent edited it before it was sent); false when it is not there.
func (s *Store) Requeue(op model.Op) (bool, error) {
	raw, err := json.Marshal(op)
	if err != nil {
		return false, err
	}
	var found bool
	err = s.outboxUpdate(func(tx *bolt.Tx) error {
		k := tx.Bucket(bucketOutboxID).Get([]byte(op.ID))
		if k == nil {
			return nil
		}
		found = true
		return tx.Bucket(bucketOutbox).Put(k, raw)
	})
	return found, err
}
