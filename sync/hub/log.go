package hub

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"switchboard/internal/boltcheck"
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
	// answer under (agent, op id) in the same atomic step, so that a repeat
	// of the op finds the first answer after any crash or restart. Delivery
	// jobs the op creates are recorded in that step too. An answer with
	// events is kept for good; one that appended none (a reject, an ack
	// that changed nothing) is kept for OpWindow and for at most
	// OpAnswersPerAgent such answers of the agent, the oldest going first.
	AppendOp(agent string, a OpAnswer, evs []model.Event, jobs ...Job) ([]model.Event, OpAnswer, error)
	// PutJob appends events (possibly none) and stores a delivery job's new
	// state in one atomic step.
	PutJob(j Job, evs ...model.Event) ([]model.Event, error)
	// Jobs lists delivery jobs in the given states.
	Jobs(states ...JobState) ([]Job, error)
	// Thread returns a case's messages in log order, each with its Seq.
	Thread(caseID string) ([]model.Message, error)
	// LookupOp returns the recorded answer of an agent's op, if it is
	// still kept at now (see AppendOp).
	LookupOp(agent, opID string, now time.Time) (OpAnswer, bool, error)
	// Horizon is the seq below which events may have been compacted away:
	// Read(after) needs after >= Horizon().
	Horizon() uint64
	// Snapshot emits the current state (every customer, case and message)
	// as events, from one consistent view, and returns the seq of the
	// newest event that state includes. Messages carry the seq they were
	// logged at, cases and customers none.
	Snapshot(emit func(model.Event) error) (uint64, error)
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

// ErrCompacted is returned by Read for events older than the horizon.
var ErrCompacted = errors.New("hub: events before the log's horizon were compacted")

var (
	// The state buckets hold the newest version of every entity, written in
	// the same transaction as its event, so the log can be compacted and a
	// console far behind gets a snapshot.
	bucketCases     = []byte("state_cases")     // case id → case
	bucketMessages  = []byte("state_messages")  // case id, 0, seq → message
	bucketCustomers = []byte("state_customers") // customer id → customer
	keyHorizon      = []byte("horizon")
	bucketJobs      = []byte("delivery_jobs") // op id → Job

	bucketLog  = []byte("log")
	bucketMeta = []byte("meta")
	keySchema  = []byte("schema_version")
)

// logSchema 2 added the state buckets; a schema-1 file is migrated by
// replaying its log into them.
const logSchema = 2

// BoltLog is the EventLog in one bbolt file; keys are 8-byte big-endian seqs.
type BoltLog struct {
	db *bolt.DB
	// opAnswersPerAgent overrides OpAnswersPerAgent (tests).
	opAnswersPerAgent int
}

// ErrLogInUse is returned by OpenBoltLog when a running hub holds the log.
var ErrLogInUse = errors.New("in use by another hub")

// OpenBoltLog opens or creates the log in dir/hub.db. The file is checked
// first (see dbcheck.go): a damaged one, or an empty or missing one in a
// folder that held a log, is refused with an error that names the file and
// says what to do (ErrDamaged).
func OpenBoltLog(dir string, opts ...LogOption) (_ *BoltLog, err error) {
	var o logOptions
	for _, opt := range opts {
		opt(&o)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("hub: create data folder: %w", err)
	}
	path := filepath.Join(dir, "hub.db")
	if err := checkLog(dir, path, o); err != nil {
		return nil, err
	}
	// The last resort for what the check cannot see (a file too big for
	// the full walk): a fault while reading it is an error, not a crash.
	defer boltcheck.OnFault(path, func(d *boltcheck.Damage) { err = logDamaged(path, d.Reason) })()
	db, err := boltcheck.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("hub: %s: %w", path, ErrLogInUse)
	}
	if errors.Is(err, ErrDamaged) {
		return nil, logDamaged(path, reason(err))
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
		var schema uint64
		if raw := meta.Get(keySchema); raw != nil {
			schema = binary.BigEndian.Uint64(raw)
		}
		if schema > logSchema {
			return fmt.Errorf("hub: log has schema %d, this hub knows up to %d", schema, logSchema)
		}
		for _, b := range [][]byte{bucketOps, bucketLog, bucketCases, bucketMessages, bucketCustomers, bucketJobs} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		if schema == 1 {
			if err := tx.Bucket(bucketLog).ForEach(func(_, v []byte) error {
				var ev model.Event
				if err := json.Unmarshal(v, &ev); err != nil {
					return err
				}
				return putState(tx, ev)
			}); err != nil {
				return fmt.Errorf("migrate to schema 2: %w", err)
			}
		}
		return meta.Put(keySchema, binary.BigEndian.AppendUint64(nil, logSchema))
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("hub: init log %s: %w", path, err)
	}
	if err := l.migrateLedger(); err != nil {
		db.Close()
		return nil, err
	}
	if err := markLog(dir, l.Head()); err != nil {
		db.Close()
		return nil, err
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
		if err := putState(tx, ev); err != nil {
			return nil, err
		}
		out[i] = ev
	}
	return out, nil
}

// AppendOp implements EventLog.
func (l *BoltLog) AppendOp(agent string, a OpAnswer, evs []model.Event, jobs ...Job) ([]model.Event, OpAnswer, error) {
	var out []model.Event
	err := l.db.Update(func(tx *bolt.Tx) error {
		if _, ok, err := lookupOpTx(tx, agent, a.OpID, a.At); err != nil {
			return err
		} else if ok {
			return fmt.Errorf("op %s of %s answered twice", a.OpID, agent)
		}
		var err error
		if out, err = appendTx(tx, evs); err != nil {
			return err
		}
		for _, j := range jobs {
			if err := putJob(tx, j); err != nil {
				return err
			}
		}
		if len(out) > 0 {
			a.Seq = out[len(out)-1].Seq
		}
		return putOpTx(tx, agent, a, len(out) == 0, l.opCap())
	})
	if err != nil {
		return nil, OpAnswer{}, fmt.Errorf("hub: append op: %w", err)
	}
	return out, a, nil
}

// LookupOp implements EventLog.
func (l *BoltLog) LookupOp(agent, opID string, now time.Time) (OpAnswer, bool, error) {
	var a OpAnswer
	var found bool
	err := l.db.View(func(tx *bolt.Tx) error {
		var err error
		a, found, err = lookupOpTx(tx, agent, opID, now)
		return err
	})
	return a, found, err
}

// putState keeps the state buckets in step with one event.
func putState(tx *bolt.Tx, ev model.Event) error {
	var k, v []byte
	var b *bolt.Bucket
	var err error
	switch ev.Type {
	case model.EventCaseUpserted:
		b, k = tx.Bucket(bucketCases), []byte(ev.Case.ID)
		v, err = json.Marshal(ev.Case)
	case model.EventMessageAdded, model.EventMessageUpdated:
		m := *ev.Message
		if ev.Type == model.EventMessageAdded {
			m.Seq = ev.Seq
		}
		b = tx.Bucket(bucketMessages)
		k = binary.BigEndian.AppendUint64(append([]byte(m.CaseID), 0), m.Seq)
		v, err = json.Marshal(m)
	case model.EventCustomerUpserted:
		b, k = tx.Bucket(bucketCustomers), []byte(ev.Customer.ID)
		v, err = json.Marshal(ev.Customer)
	default:
		return nil
	}
	if err != nil {
		return err
	}
	return b.Put(k, v)
}

// Horizon implements EventLog.
func (l *BoltLog) Horizon() uint64 {
	var h uint64
	_ = l.db.View(func(tx *bolt.Tx) error {
		h = horizon(tx)
		return nil
	})
	return h
}

func horizon(tx *bolt.Tx) uint64 {
	if raw := tx.Bucket(bucketMeta).Get(keyHorizon); len(raw) == 8 {
		return binary.BigEndian.Uint64(raw)
	}
	return 0
}

// Compact drops events so that at most keep remain, in transactions of
// at most 10,000 deletions; the state buckets keep everything they say.
// It returns the new horizon.
func (l *BoltLog) Compact(keep uint64) (uint64, error) {
	for {
		var h uint64
		var more bool
		err := l.db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketLog)
			head := b.Sequence()
			if head <= keep {
				h = horizon(tx)
				return nil
			}
			target := head - keep
			h = horizon(tx)
			c := b.Cursor()
			n := 0
			for k, _ := c.First(); k != nil && binary.BigEndian.Uint64(k) <= target; k, _ = c.First() {
				if n == 10_000 {
					more = true
					break
				}
				if err := b.Delete(k); err != nil {
					return err
				}
				h = binary.BigEndian.Uint64(k)
				n++
			}
			return tx.Bucket(bucketMeta).Put(keyHorizon, binary.BigEndian.AppendUint64(nil, h))
		})
		if err != nil {
			return 0, fmt.Errorf("hub: compact: %w", err)
		}
		if !more {
			return h, nil
		}
	}
}

// Snapshot implements EventLog.
func (l *BoltLog) Snapshot(emit func(model.Event) error) (uint64, error) {
	var seq uint64
	err := l.db.View(func(tx *bolt.Tx) error {
		seq = tx.Bucket(bucketLog).Sequence()
		if err := tx.Bucket(bucketCustomers).ForEach(func(_, v []byte) error {
			var c model.Customer
			if err := json.Unmarshal(v, &c); err != nil {
				return err
			}
			return emit(model.Event{Type: model.EventCustomerUpserted, Customer: &c})
		}); err != nil {
			return err
		}
		msgs := tx.Bucket(bucketMessages).Cursor()
		return tx.Bucket(bucketCases).ForEach(func(k, v []byte) error {
			var c model.Case
			if err := json.Unmarshal(v, &c); err != nil {
				return err
			}
			if err := emit(model.Event{Type: model.EventCaseUpserted, Case: &c}); err != nil {
				return err
			}
			prefix := append(append([]byte(nil), k...), 0)
			for mk, mv := msgs.Seek(prefix); mk != nil && bytes.HasPrefix(mk, prefix); mk, mv = msgs.Next() {
				var m model.Message
				if err := json.Unmarshal(mv, &m); err != nil {
					return err
				}
				if m.Seq == 0 { // written before messages carried their seq
					m.Seq = binary.BigEndian.Uint64(mk[len(prefix):])
				}
				// A message keeps the seq it was logged at: consoles order
				// a thread by it.
				if err := emit(model.Event{Seq: m.Seq, Type: model.EventMessageAdded, Message: &m}); err != nil {
					return err
				}
			}
			return nil
		})
	})
	if err != nil {
		return 0, snapshotError(l.db.Path(), err)
	}
	return seq, nil
}

// Read implements EventLog.
func (l *BoltLog) Read(after uint64, max int) ([]model.Event, error) {
	var out []model.Event
	err := l.db.View(func(tx *bolt.Tx) error {
		if after < horizon(tx) {
			return ErrCompacted
		}
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

func putJob(tx *bolt.Tx, j Job) error {
	raw, err := json.Marshal(j)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketJobs).Put([]byte(j.ID), raw)
}

// PutJob implements EventLog.
func (l *BoltLog) PutJob(j Job, evs ...model.Event) ([]model.Event, error) {
	var out []model.Event
	err := l.db.Update(func(tx *bolt.Tx) error {
		var err error
		if out, err = appendTx(tx, evs); err != nil {
			return err
		}
		return putJob(tx, j)
	})
	if err != nil {
		return nil, fmt.Errorf("hub: store delivery job %s: %w", j.ID, err)
	}
	return out, nil
}

// Jobs implements EventLog.
func (l *BoltLog) Jobs(states ...JobState) ([]Job, error) {
	var out []Job
	err := l.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketJobs).ForEach(func(_, v []byte) error {
			var j Job
			if err := json.Unmarshal(v, &j); err != nil {
				return err
			}
			if slices.Contains(states, j.State) {
				out = append(out, j)
			}
			return nil
		})
	})
	return out, err
}

// Thread implements EventLog.
func (l *BoltLog) Thread(caseID string) ([]model.Message, error) {
	var out []model.Message
	err := l.db.View(func(tx *bolt.Tx) error {
		prefix := append([]byte(caseID), 0)
		c := tx.Bucket(bucketMessages).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var m model.Message
			if err := json.Unmarshal(v, &m); err != nil {
				return err
			}
			if m.Seq == 0 {
				m.Seq = binary.BigEndian.Uint64(k[len(prefix):])
			}
			out = append(out, m)
		}
		return nil
	})
	return out, err
}

var bucketConnState = []byte("connector_state")

// GetState reads a connector's saved state (a poller's since_id, feed
// ETags); nil when there is none.
func (l *BoltLog) GetState(key string) ([]byte, error) {
	var out []byte
	err := l.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketConnState); b != nil {
			out = bytes.Clone(b.Get([]byte(key)))
		}
		return nil
	})
	return out, err
}

// PutState saves a connector's state.
func (l *BoltLog) PutState(key string, v []byte) error {
	return l.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketConnState)
		if err != nil {
			return err
		}
		return b.Put([]byte(key), v)
	})
}
