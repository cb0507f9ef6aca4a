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

// Draft is the unsent text of one case's composer: the composer has two
// modes, each with its own text, and both are kept.
type Draft struct {
	CaseID string
	Reply  string // the reply's text
	Note   string // the internal note's text
	// NoteShown: the composer showed the note when the draft was kept (it
	// opens in that mode again).
	NoteShown bool
	Private   bool // the reply is a private one
	At        time.Time
}

// Empty: neither mode holds text.
func (d Draft) Empty() bool { return d.Reply == "" && d.Note == "" }

// draftRecord is a draft on disk. A cache written before both modes were
// kept holds one text: Text, a note when Note is set (V is 0). V 2 holds
// both; it writes Text and Note too, the text shown (or the one there), so
// an older console opening the cache still finds the draft it knew.
type draftRecord struct {
	CaseID    string    `json:"case_id"`
	Text      string    `json:"text,omitempty"`
	Note      bool      `json:"note,omitempty"`
	Private   bool      `json:"private,omitempty"`
	At        time.Time `json:"at"`
	V         int       `json:"v,omitempty"`
	Reply     string    `json:"reply,omitempty"`
	NoteText  string    `json:"note_text,omitempty"`
	NoteShown bool      `json:"note_shown,omitempty"`
}

const draftV = 2

func (d Draft) record() draftRecord {
	r := draftRecord{CaseID: d.CaseID, Private: d.Private, At: d.At, V: draftV, Reply: d.Reply, NoteText: d.Note, NoteShown: d.NoteShown}
	if d.NoteShown && d.Note != "" || d.Reply == "" {
		r.Text, r.Note = d.Note, true
	} else {
		r.Text = d.Reply
	}
	return r
}

func (r draftRecord) draft() Draft {
	d := Draft{CaseID: r.CaseID, Private: r.Private, At: r.At}
	if r.V < draftV { // one text, in the mode it was written in
		if r.Note {
			d.Note, d.NoteShown = r.Text, true
		} else {
			d.Reply = r.Text
		}
		return d
	}
	d.Reply, d.Note, d.NoteShown = r.Reply, r.NoteText, r.NoteShown
	return d
}

func decodeDraft(raw []byte) (Draft, error) {
	var r draftRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return Draft{}, err
	}
	return r.draft(), nil
}

// SaveDraft keeps d; a draft with neither text deletes the case's draft.
func (s *Store) SaveDraft(d Draft) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketDrafts)
		if err != nil {
			return err
		}
		if d.Empty() {
			return b.Delete([]byte(d.CaseID))
		}
		raw, err := json.Marshal(d.record())
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
		d, err = decodeDraft(raw)
		return err
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
			d, err := decodeDraft(v)
			if err != nil {
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
