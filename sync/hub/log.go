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
	Close() error
}

var (
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
	out := make([]model.Event, len(evs))
	err := l.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLog)
		for i, ev := range evs {
			seq, err := b.NextSequence()
			if err != nil {
				return err
			}
			ev.Seq = seq
			raw, err := json.Marshal(ev)
			if err != nil {
				return fmt.Errorf("encode event: %w", err)
			}
			if err := b.Put(binary.BigEndian.AppendUint64(nil, seq), raw); err != nil {
				return err
			}
			out[i] = ev
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("hub: append: %w", err)
	}
	return out, nil
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
