package hub

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"switchboard/model"
)

// EventLog is the hub's append-only log. It is the one thing a clustered
// engine (a replicated stream with sequence numbers) has to provide to
// replace bbolt; the protocol and the console do not change.
type EventLog interface {
	// Append stores events in one atomic step, giving them the next
	// consecutive seqs, and returns them as stored.
	Append(evs []model.Event) ([]model.Event, error)
	// Read returns up to max events with seq > after, in order.
	Read(after uint64, max int) ([]model.Event, error)
	// Head is the seq of the newest event, 0 when empty.
	Head() uint64
	// AppendOp appends an op's events (possibly none) and records its
	// answer in the same atomic step, so that a repeat of the op finds the
	// first answer after any crash or restart.
	AppendOp(a OpAnswer, evs []model.Event) ([]model.Event, OpAnswer, error)
	// LookupOp returns the recorded answer of an op.
	LookupOp(opID string) (OpAnswer, bool, error)
	Close() error
}

// OpAnswer is the hub's first and only answer to an op: applied up to
// Seq, or rejected.
type OpAnswer struct {
	OpID    string           `json:"op_id"`
	Seq     uint64           `json:"seq,omitempty"`
	Reject  *model.Rejection `json:"reject,omitempty"`
	Current *model.Case      `json:"current,omitempty"`
	At      time.Time        `json:"at"`
}

var (
	bucketOps  = []byte("ops")
	bucketLog  = []byte("log")
	bucketMeta = []byte("meta")
	keySchema  = []byte("schema_version")
)

const logSchema = 1

// BoltLog is the EventLog in one bbolt file; keys are 8-byte big-endian seqs.
type BoltLog struct {
	db *bolt.DB
}

// OpenBoltLog opens or creates the log in dir/hub.db.
func OpenBoltLog(dir string) (*BoltLog, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("hub: create data folder: %w", err)
	}
	path := filepath.Join(dir, "hub.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("hub: %s is in use by another hub", path)
	}
	if err != nil {
		return nil, fmt.Errorf("hub: open %s: %w", path, err)
	}
	l := &BoltLog{db: db}
	err = db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		if raw := meta.Get(keySchema); raw != nil && binary.BigEndian.Uint64(raw) > logSchema {
			return fmt.Errorf("hub: log has schema %d, this hub knows up to %d", binary.BigEndian.Uint64(raw), logSchema)
		}
		if err := meta.Put(keySchema, binary.BigEndian.AppendUint64(nil, logSchema)); err != nil {
			return err
		}
		if _, err = tx.CreateBucketIfNotExists(bucketOps); err != nil {
			return err
		}
		_, err = tx.CreateBucketIfNotExists(bucketLog)
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("hub: init log: %w", err)
	}
	return l, nil
}

// Append implements EventLog.
func (l *BoltLog) Append(evs []model.Event) ([]model.Event, error) {
	if len(evs) == 0 {
		return nil, nil
	}
	var out []model.Event
	err := l.db.Update(func(tx *bolt.Tx) error {
		var err error
		out, err = appendTx(tx, evs)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("hub: append: %w", err)
	}
	return out, nil
}

func appendTx(tx *bolt.Tx, evs []model.Event) ([]model.Event, error) {
	b := tx.Bucket(bucketLog)
	out := make([]model.Event, len(evs))
	for i, ev := range evs {
		seq, err := b.NextSequence()
		if err != nil {
			return nil, err
		}
		ev.Seq = seq
		raw, err := json.Marshal(ev)
		if err != nil {
			return nil, fmt.Errorf("encode event: %w", err)
		}
		if err := b.Put(binary.BigEndian.AppendUint64(nil, seq), raw); err != nil {
			return nil, err
		}
		out[i] = ev
	}
	return out, nil
}

// AppendOp implements EventLog.
func (l *BoltLog) AppendOp(a OpAnswer, evs []model.Event) ([]model.Event, OpAnswer, error) {
	var out []model.Event
	err := l.db.Update(func(tx *bolt.Tx) error {
		ops := tx.Bucket(bucketOps)
		if ops.Get([]byte(a.OpID)) != nil {
			return fmt.Errorf("op %s answered twice", a.OpID)
		}
		var err error
		if out, err = appendTx(tx, evs); err != nil {
			return err
		}
		if len(out) > 0 {
			a.Seq = out[len(out)-1].Seq
		}
		raw, err := json.Marshal(a)
		if err != nil {
			return err
		}
		return ops.Put([]byte(a.OpID), raw)
	})
	if err != nil {
		return nil, OpAnswer{}, fmt.Errorf("hub: append op: %w", err)
	}
	return out, a, nil
}

// LookupOp implements EventLog.
func (l *BoltLog) LookupOp(opID string) (OpAnswer, bool, error) {
	var a OpAnswer
	var found bool
	err := l.db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketOps).Get([]byte(opID))
		if raw == nil {
			return nil
		}
		found = true
		return json.Unmarshal(raw, &a)
	})
	return a, found, err
}

// Read implements EventLog.
func (l *BoltLog) Read(after uint64, max int) ([]model.Event, error) {
	var out []model.Event
	err := l.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketLog).Cursor()
		for k, v := c.Seek(binary.BigEndian.AppendUint64(nil, after+1)); k != nil && len(out) < max; k, v = c.Next() {
			var ev model.Event
			if err := json.Unmarshal(v, &ev); err != nil {
				return fmt.Errorf("hub: decode event %d: %w", binary.BigEndian.Uint64(k), err)
			}
			out = append(out, ev)
		}
		return nil
	})
	return out, err
}

// Head implements EventLog. The bucket's sequence only moves in committed
// appends, so it is the seq of the newest event.
func (l *BoltLog) Head() uint64 {
	var h uint64
	_ = l.db.View(func(tx *bolt.Tx) error {
		h = tx.Bucket(bucketLog).Sequence()
		return nil
	})
	return h
}

// Close implements EventLog.
func (l *BoltLog) Close() error { return l.db.Close() }
