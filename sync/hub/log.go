package hub

import (
	"bytes"
	"container/list"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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
	bucketCases     = []byte("state_cases")     // case id → case, index record and messages' seqs (threads.go)
	bucketCustomers = []byte("state_customers") // customer id → customer
	bucketExperts   = []byte("state_experts")   // identity key → expert directory entry
	bucketListen    = []byte("state_listen")    // listened item id → model.ListenItem
	bucketSeen      = []byte("state_seen")      // channel|platform id → case id
	keyHorizon      = []byte("horizon")
	// keyStateSeq (meta): every event up to this seq is in the state
	// buckets; the later ones are replayed into them at open.
	keyStateSeq = []byte("state_seq")
	bucketJobs  = []byte("delivery_jobs") // op id → Job

	bucketLog  = []byte("log")
	bucketMeta = []byte("meta")
	keySchema  = []byte("schema_version")
)

// logSchema 2 added the state buckets; a schema-1 file is migrated by
// replaying its log into them. Schema 3 added the compact case index and
// the seen index (what the hub loads at start instead of every case); a
// schema-2 file gets them from its state buckets. Schema 4 lets a case's
// or a message's state record point at its JSON inside the event that
// logged it (statePtr) and writes the state buckets behind the log (see
// "State behind the log"); a schema-3 file needs nothing. Schema 5 (commit
// dc74514) kept a case's messages' seqs in its record and a message's
// record only when the log does not hold it as it is; schema 6 keeps the
// case's index record there too (threads.go, migrateThreads).
const logSchema = 6

// BoltLog is the EventLog in one bbolt file; keys are 8-byte big-endian seqs.
type BoltLog struct {
	db *bolt.DB
	// opAnswersPerAgent overrides OpAnswersPerAgent (tests).
	opAnswersPerAgent int
	// q is the group commit: every write of events goes through it (see
	// commit.go's part of this file, "Group commit").
	q commitQueue
	// seenBuilt is closed once the seen filter is built (ingest_seen.go);
	// the build starts with the first lookup (seenStart), not with the
	// open, whose CPU is the start's.
	seenStart sync.Once
	seenBuilt chan struct{}
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
		for _, b := range [][]byte{bucketOps, bucketLog, bucketCases, bucketMsgs, bucketCustomers, bucketJobs, bucketSeen, bucketExperts, bucketListen} {
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
		} else if schema == 2 {
			if err := migrateIndexes(tx); err != nil {
				return fmt.Errorf("migrate to schema 3: %w", err)
			}
		}
		if schema >= 2 && schema < 6 {
			if err := migrateThreads(tx); err != nil {
				return fmt.Errorf("migrate to schema 6: %w", err)
			}
		}
		if err := replayState(tx); err != nil {
			return fmt.Errorf("bring the state up to the log: %w", err)
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
	l.startCommitter()
	return l, nil
}

// Append implements EventLog: the events are durable when it returns.
func (l *BoltLog) Append(evs []model.Event) ([]model.Event, error) {
	if len(evs) == 0 {
		return nil, nil
	}
	out, wait, err := l.AppendAsync(evs)
	if err != nil {
		return nil, err
	}
	return out, wait()
}

// AppendOp implements EventLog: the events and the answer are durable when
// it returns.
func (l *BoltLog) AppendOp(agent string, a OpAnswer, evs []model.Event, jobs ...Job) ([]model.Event, OpAnswer, error) {
	out, a, wait, err := l.AppendOpAsync(agent, a, evs, jobs...)
	if err != nil {
		return nil, OpAnswer{}, err
	}
	if err := wait(); err != nil {
		return nil, OpAnswer{}, err
	}
	return out, a, nil
}

// LookupOp implements EventLog. An answer still on its way to the disk is
// found too, once it is there: a repeat of an op never applies it twice.
func (l *BoltLog) LookupOp(agent, opID string, now time.Time) (OpAnswer, bool, error) {
	if r := l.q.pendingOp(agent, opID); r != nil {
		if err := r.wait(); err != nil {
			return OpAnswer{}, false, err
		}
	}
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
	kvs, err := stateKVs(ev, nil)
	if err != nil {
		return err
	}
	return putKVs(tx, kvs)
}

// stateKV is one write to a state bucket. A write to a case's record
// (bucketCases) is a merge (mergeCaseRec): val is its new head (nil: the
// same), add a message seq its list gets (0: none).
type stateKV struct {
	bucket, key, val []byte
	add              uint64
}

func putKVs(tx *bolt.Tx, kvs []stateKV) error {
	for _, kv := range kvs {
		b := tx.Bucket(kv.bucket)
		val := kv.val
		if &kv.bucket[0] == &bucketCases[0] {
			var err error
			if val, err = mergeCaseRec(b.Get(kv.key), kv.val, kv.add); err != nil {
				return fmt.Errorf("case %s: %w", kv.key, err)
			}
		}
		if err := b.Put(kv.key, val); err != nil {
			return err
		}
	}
	return nil
}

// lazyBuckets are the state buckets written behind the log (see "State
// behind the log"): one record of each per case or message, at random
// places in big buckets. The others (customers, experts) are written with
// their events.
var lazyBuckets = [][]byte{bucketCases, bucketCaseIndex, bucketMsgs, bucketSeen}

// lazyOf is a bucket's index in lazyBuckets, -1 for one written at once.
func lazyOf(bucket []byte) int {
	for i, b := range lazyBuckets {
		if &b[0] == &bucket[0] {
			return i
		}
	}
	return -1
}

// statePtr is the state record of an entity logged whole in one event:
// a zero byte, the event's seq, and where the entity's JSON is in the
// event's log record (offset, length). A JSON record starts with '{'.
func statePtr(seq uint64, off, n int) []byte {
	b := make([]byte, 17)
	binary.BigEndian.PutUint64(b[1:], seq)
	binary.BigEndian.PutUint32(b[9:], uint32(off))
	binary.BigEndian.PutUint32(b[13:], uint32(n))
	return b
}

// stateValue is the JSON of a state record: the record, or the part of
// the event it points at. It is valid only during tx.
func stateValue(tx *bolt.Tx, v []byte) ([]byte, error) {
	if len(v) != 17 || v[0] != 0 {
		return v, nil
	}
	seq := binary.BigEndian.Uint64(v[1:])
	off, n := int(binary.BigEndian.Uint32(v[9:])), int(binary.BigEndian.Uint32(v[13:]))
	raw := tx.Bucket(bucketLog).Get(v[1:9])
	if raw == nil || off+n > len(raw) {
		return nil, fmt.Errorf("%w: a state record points at event %d, which the log does not hold", ErrDamaged, seq)
	}
	return raw[off : off+n], nil
}

// encodeEvent is an event's log record: the event's JSON with its entity
// (case, message, customer or expert) last, and where that entity's JSON
// is in it (off < 0: none, or more than one).
func encodeEvent(ev model.Event) (raw []byte, off, n int, err error) {
	e := ev
	var ent any
	var field string
	count := 0
	if ev.Case != nil {
		ent, field, e.Case = ev.Case, "case", nil
		count++
	}
	if ev.Message != nil {
		ent, field, e.Message = ev.Message, "message", nil
		count++
	}
	if ev.Customer != nil {
		ent, field, e.Customer = ev.Customer, "customer", nil
		count++
	}
	if ev.Expert != nil {
		ent, field, e.Expert = ev.Expert, "expert", nil
		count++
	}
	if count != 1 {
		raw, err = json.Marshal(ev)
		return raw, -1, 0, err
	}
	if raw, off, n, ok := encodeEventFast(ev); ok {
		return raw, off, n, nil
	}
	head, err := json.Marshal(e)
	if err != nil {
		return nil, 0, 0, err
	}
	body, err := json.Marshal(ent)
	if err != nil {
		return nil, 0, 0, err
	}
	raw = make([]byte, 0, len(head)+len(field)+4+len(body))
	raw = append(raw, head[:len(head)-1]...)
	raw = append(raw, `,"`...)
	raw = append(raw, field...)
	raw = append(raw, `":`...)
	off = len(raw)
	raw = append(raw, body...)
	raw = append(raw, '}')
	return raw, off, len(body), nil
}

// entityIn finds, in a log record encodeEvent made, where its entity's
// JSON is (off < 0: not found).
func entityIn(raw []byte, ev model.Event) (off, n int) {
	var field string
	switch {
	case ev.Case != nil:
		field = "case"
	case ev.Message != nil:
		field = "message"
	default:
		return -1, 0
	}
	i := bytes.Index(raw, []byte(`,"`+field+`":{`))
	if i < 0 || raw[len(raw)-1] != '}' || raw[len(raw)-2] != '}' {
		return -1, 0
	}
	off = i + len(field) + 4
	return off, len(raw) - 1 - off
}

// eventKVs are the state writes of one logged event, appended to kvs: as
// stateKVs, with a case's and a message's record pointing at its JSON in
// the event's record raw (off, n: see encodeEvent).
func eventKVs(ev model.Event, raw []byte, off, n int, kvs []stateKV) ([]stateKV, error) {
	switch {
	case off >= 0 && ev.Type == model.EventCaseUpserted && ev.Case != nil:
		k := []byte(ev.Case.ID)
		return append(kvs, stateKV{bucket: bucketCases, key: k, val: casePtrBlob(ev.Seq, off, n, ev.Case)}), nil
	case off >= 0 && (ev.Type == model.EventMessageAdded || ev.Type == model.EventMessageUpdated) && ev.Message != nil:
		m := ev.Message
		caseID := []byte(m.CaseID) // (read only: one copy for both writes)
		if ev.Type == model.EventMessageAdded {
			// Its case's list gets it; its JSON stays in the log.
			kvs = append(kvs, stateKV{bucket: bucketCases, key: caseID, add: ev.Seq})
		} else {
			kvs = append(kvs, stateKV{bucket: bucketMsgs, key: seqKey(m.Seq), val: statePtr(ev.Seq, off, n)})
		}
		if m.PlatformID != "" {
			kvs = append(kvs, stateKV{bucket: bucketSeen, key: seenKeyBytes(m), val: caseID})
		}
		return kvs, nil
	case off >= 0 && ev.Type == model.EventCustomerUpserted && ev.Customer != nil:
		return append(kvs, stateKV{bucket: bucketCustomers, key: []byte(ev.Customer.ID), val: raw[off : off+n]}), nil
	}
	return stateKVs(ev, kvs)
}

// replayState writes into the state buckets the events logged after
// keyStateSeq (a hub stopped with state still behind the log, see "State
// behind the log"), in order: each record ends as the newest event says.
func replayState(tx *bolt.Tx) error {
	meta, logb := tx.Bucket(bucketMeta), tx.Bucket(bucketLog)
	raw := meta.Get(keyStateSeq)
	if len(raw) != 8 {
		return nil // written by a hub that kept its state with its events
	}
	from, head := binary.BigEndian.Uint64(raw), logb.Sequence()
	if from >= head {
		return nil
	}
	c := logb.Cursor()
	var kvs []stateKV
	for k, v := c.Seek(binary.BigEndian.AppendUint64(nil, from+1)); k != nil; k, v = c.Next() {
		var ev model.Event
		if err := json.Unmarshal(v, &ev); err != nil {
			return fmt.Errorf("decode event %d: %w", binary.BigEndian.Uint64(k), err)
		}
		off, n := entityIn(v, ev)
		var err error
		if kvs, err = eventKVs(ev, v, off, n, kvs[:0]); err != nil {
			return err
		}
		for i := range kvs { // v is valid only in tx: copy what stays
			kvs[i].key, kvs[i].val = bytes.Clone(kvs[i].key), bytes.Clone(kvs[i].val)
		}
		if err := putKVs(tx, kvs); err != nil {
			return err
		}
	}
	return meta.Put(keyStateSeq, binary.BigEndian.AppendUint64(nil, head))
}

// stateKVs are the state writes of one event, appended to kvs: the entity,
// and for a case its compact index record (caseindex.go's part of hub.go),
// for a message with a platform id its entry in the seen index.
func stateKVs(ev model.Event, kvs []stateKV) ([]stateKV, error) {
	switch ev.Type {
	case model.EventCaseUpserted:
		v, err := json.Marshal(ev.Case)
		if err != nil {
			return nil, err
		}
		k := []byte(ev.Case.ID)
		kvs = append(kvs, stateKV{bucket: bucketCases, key: k, val: caseBlob(caseHead(v), encodeCaseRec(ev.Case))})
	case model.EventMessageAdded, model.EventMessageUpdated:
		m := *ev.Message
		if ev.Type == model.EventMessageAdded {
			m.Seq = ev.Seq
		}
		v, err := json.Marshal(m)
		if err != nil {
			return nil, err
		}
		if ev.Type == model.EventMessageAdded {
			kvs = append(kvs, stateKV{bucket: bucketCases, key: []byte(m.CaseID), add: m.Seq})
		}
		kvs = append(kvs, stateKV{bucket: bucketMsgs, key: seqKey(m.Seq), val: v})
		if m.PlatformID != "" {
			kvs = append(kvs, stateKV{bucket: bucketSeen, key: []byte(seenKey(m)), val: []byte(m.CaseID)})
		}
	case model.EventCustomerUpserted:
		v, err := json.Marshal(ev.Customer)
		if err != nil {
			return nil, err
		}
		kvs = append(kvs, stateKV{bucket: bucketCustomers, key: []byte(ev.Customer.ID), val: v})
	case model.EventExpertUpserted:
		if ev.Expert == nil {
			break
		}
		v, err := json.Marshal(ev.Expert)
		if err != nil {
			return nil, err
		}
		kvs = append(kvs, stateKV{bucket: bucketExperts, key: []byte(ev.Expert.Key), val: v})
	case model.EventListenItem:
		if ev.Listen == nil {
			break
		}
		v, err := json.Marshal(ev.Listen)
		if err != nil {
			return nil, err
		}
		kvs = append(kvs, stateKV{bucket: bucketListen, key: []byte(ev.Listen.ID), val: v})
	}
	return kvs, nil
}

// seenKey is a message's key in the seen index: the channel (a message's
// author is on its case's channel: the hub sets it so) and platform id.
func seenKey(m model.Message) string { return threadKey(m.Author.Platform, m.PlatformID) }

// seenKeyBytes is []byte(seenKey(*m)), made at once.
func seenKeyBytes(m *model.Message) []byte {
	b := make([]byte, 0, len(m.Author.Platform)+1+len(m.PlatformID))
	return append(append(append(b, m.Author.Platform...), '|'), m.PlatformID...)
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
			// Not past the state: what is behind the log needs its events.
			if raw := tx.Bucket(bucketMeta).Get(keyStateSeq); len(raw) == 8 {
				target = min(target, binary.BigEndian.Uint64(raw))
			}
			h = horizon(tx)
			c := b.Cursor()
			n := 0
			for k, v := c.First(); k != nil && binary.BigEndian.Uint64(k) <= target; k, v = c.First() {
				if n == 10_000 {
					more = true
					break
				}
				if err := materialize(tx, k, v); err != nil {
					return err
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

// materialize gives the state records that point into the event (seq k,
// record v) about to be compacted away the entity's JSON itself: a case's
// record its case, and a message the record in bucketMsgs it had no need
// of while its event was in the log (threads.go).
func materialize(tx *bolt.Tx, k, v []byte) error {
	var ev model.Event
	if err := json.Unmarshal(v, &ev); err != nil {
		return fmt.Errorf("decode event %d: %w", binary.BigEndian.Uint64(k), err)
	}
	seq := binary.BigEndian.Uint64(k)
	off, n := entityIn(v, ev)
	body := func(ent any) ([]byte, error) {
		if off >= 0 {
			return bytes.Clone(v[off : off+n]), nil
		}
		return json.Marshal(ent)
	}
	pointsHere := func(rec []byte) bool {
		return len(rec) >= 17 && rec[0] == 0 && binary.BigEndian.Uint64(rec[1:9]) == seq
	}
	switch {
	case ev.Type == model.EventCaseUpserted && ev.Case != nil:
		b := tx.Bucket(bucketCases)
		cur := b.Get([]byte(ev.Case.ID))
		if cur == nil {
			return nil
		}
		head, idx, seqs, err := splitCaseRec(cur)
		if err != nil || !pointsHere(head) {
			return err
		}
		js, err := body(ev.Case)
		if err != nil {
			return err
		}
		return b.Put([]byte(ev.Case.ID), append(caseBlob(caseHead(js), idx), seqs...))
	case ev.Type == model.EventMessageAdded && ev.Message != nil:
		b := tx.Bucket(bucketMsgs)
		if b.Get(k) != nil {
			return nil // changed since: its record holds it
		}
		js, err := messageOfEvent(v, seq)
		if err != nil {
			return err
		}
		return b.Put(bytes.Clone(k), bytes.Clone(js))
	case ev.Type == model.EventMessageUpdated && ev.Message != nil:
		b := tx.Bucket(bucketMsgs)
		mk := seqKey(ev.Message.Seq)
		if !pointsHere(b.Get(mk)) {
			return nil
		}
		js, err := body(ev.Message)
		if err != nil {
			return err
		}
		return b.Put(mk, js)
	}
	return nil
}

// Snapshot implements EventLog.
func (l *BoltLog) Snapshot(emit func(model.Event) error) (uint64, error) {
	var seq uint64
	err := l.viewState(func(tx *bolt.Tx) error {
		seq = tx.Bucket(bucketLog).Sequence()
		if b := tx.Bucket(bucketExperts); b != nil {
			if err := b.ForEach(func(_, v []byte) error {
				var e model.Expert
				if err := json.Unmarshal(v, &e); err != nil {
					return err
				}
				return emit(model.Event{Type: model.EventExpertUpserted, Expert: &e})
			}); err != nil {
				return err
			}
		}
		if b := tx.Bucket(bucketListen); b != nil {
			if err := b.ForEach(func(_, v []byte) error {
				var it model.ListenItem
				if err := json.Unmarshal(v, &it); err != nil {
					return err
				}
				return emit(model.Event{Type: model.EventListenItem, Listen: &it})
			}); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bucketCustomers).ForEach(func(_, v []byte) error {
			var c model.Customer
			if err := json.Unmarshal(v, &c); err != nil {
				return err
			}
			return emit(model.Event{Type: model.EventCustomerUpserted, Customer: &c})
		}); err != nil {
			return err
		}
		return tx.Bucket(bucketCases).ForEach(func(k, v []byte) error {
			v, seqs, ok, err := caseRecValue(tx, v)
			if err != nil || !ok {
				return err
			}
			var c model.Case
			if err := json.Unmarshal(v, &c); err != nil {
				return err
			}
			if err := emit(model.Event{Type: model.EventCaseUpserted, Case: &c}); err != nil {
				return err
			}
			return eachSeq(seqs, func(seq uint64) error {
				mv, err := threadMessage(tx, seq, nil)
				if err != nil {
					return err
				}
				var m model.Message
				if err := json.Unmarshal(mv, &m); err != nil {
					return err
				}
				if m.Seq == 0 { // written before messages carried their seq
					m.Seq = seq
				}
				// A message keeps the seq it was logged at: consoles order
				// a thread by it.
				return emit(model.Event{Seq: m.Seq, Type: model.EventMessageAdded, Message: &m})
			})
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

// Close implements EventLog: writes already queued are committed first.
func (l *BoltLog) Close() error {
	l.q.stop()
	l.seenStart.Do(func() {}) // no build from now on
	if l.seenBuilt != nil {
		<-l.seenBuilt
	}
	return l.db.Close()
}

func putJob(tx *bolt.Tx, j Job) error {
	raw, err := json.Marshal(j)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketJobs).Put([]byte(j.ID), raw)
}

// PutJob implements EventLog.
func (l *BoltLog) PutJob(j Job, evs ...model.Event) ([]model.Event, error) {
	out, wait, err := l.enqueue(evs, []Job{j}, nil)
	if err == nil {
		err = wait()
	}
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

// Thread implements EventLog. Messages of the case still on their way to
// the disk are waited for.
func (l *BoltLog) Thread(caseID string) ([]model.Message, error) {
	if err := l.q.settle(caseID); err != nil {
		return nil, err
	}
	// The case's record and its messages' records, behind the log or in
	// the buckets, in one view (see viewState).
	q := &l.q
	q.viewMu.RLock()
	tx, err := l.db.Begin(false)
	if err != nil {
		q.viewMu.RUnlock()
		return nil, err
	}
	defer tx.Rollback()
	q.mu.Lock()
	rec, isBehind := q.dirtyVal(0, caseID)
	q.mu.Unlock()
	if !isBehind {
		rec = tx.Bucket(bucketCases).Get([]byte(caseID))
	}
	var seqs []byte
	if rec != nil {
		if _, _, seqs, err = splitCaseRec(rec); err != nil {
			q.viewMu.RUnlock()
			return nil, err
		}
	}
	recs := make([][]byte, len(seqs)/8)
	q.mu.Lock()
	for i := range recs {
		recs[i], _ = q.dirtyVal(2, string(seqs[i*8:i*8+8]))
	}
	q.mu.Unlock()
	q.viewMu.RUnlock()
	out := make([]model.Message, 0, len(recs))
	for i := range recs {
		seq := binary.BigEndian.Uint64(seqs[i*8:])
		v, err := threadMessage(tx, seq, recs[i])
		if err != nil {
			return nil, err
		}
		var m model.Message
		if err := json.Unmarshal(v, &m); err != nil {
			return nil, err
		}
		if m.Seq == 0 {
			m.Seq = seq
		}
		out = append(out, m)
	}
	return out, nil
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

// migrateIndexes builds the compact case index and the seen index of a
// schema-2 file from its state buckets.
func migrateIndexes(tx *bolt.Tx) error {
	idx, err := tx.CreateBucketIfNotExists(bucketCaseIndex) // moved by migrateThreads
	if err != nil {
		return err
	}
	seen := tx.Bucket(bucketSeen)
	if err := tx.Bucket(bucketCases).ForEach(func(k, v []byte) error {
		var c model.Case
		if err := json.Unmarshal(v, &c); err != nil {
			return err
		}
		return idx.Put(k, encodeCaseRec(&c))
	}); err != nil {
		return err
	}
	old := tx.Bucket(bucketOldMessages)
	if old == nil {
		return nil
	}
	return old.ForEach(func(_, v []byte) error {
		var m model.Message
		if err := json.Unmarshal(v, &m); err != nil {
			return err
		}
		if m.PlatformID == "" {
			return nil
		}
		return seen.Put([]byte(seenKey(m)), []byte(m.CaseID))
	})
}

// Group commit. Every write of events (Append, AppendOp, PutJob and their
// Async forms) is a request in one queue: the request gets its seqs, in
// queue order, when it is queued, and one committer goroutine writes all
// the requests waiting, in that order, in one fsync'd bbolt transaction.
// A request is durable when its wait returns nil; nothing is acknowledged
// before. While one transaction is on its way to the disk the next batch
// gathers, so a storm of ingests costs a few fsyncs, not one each.
//
// Because the seqs are handed out at queue time, the hub folds a request's
// events into its memory at once, in seq order, and lets go of its lock
// before the disk has them (hub.go). A failed transaction fails every
// request in it and every later one: the hub's memory is ahead of the disk
// and only a restart (which loads the disk's state) puts it right.

// maxBatch bounds the requests of one transaction.
const maxBatch = 4096

type commitReq struct {
	// sealed: the request is complete; a group (IngestMany) is queued
	// open and takes more events until it is sealed, and the committer
	// takes no request from an open one on.
	sealed bool
	evs    []model.Event // with their seqs
	raws   [][]byte      // evs encoded for the log bucket
	kvs    []stateKV     // state bucket writes
	// lazy holds, for each of kvs written behind the log, its write as
	// the committer keeps it (nil for a write made at once): made by
	// whoever encodes the request, not by the committer.
	lazy []*dirtyKV
	// lazyBuf is where the next of lazy are made, a few at a time (one
	// allocation, not one a write; appended within its capacity only, so
	// what lazy points at stays put).
	lazyBuf []dirtyKV
	// A group's events are encoded when it is sealed, outside the
	// queue's lock (and the hub's): encoded of evs are, encErr failed.
	group   bool
	encoded int
	encErr  error
	jobs    []Job
	op      *pendingOp
	done    chan struct{}
	err     error
}

type pendingOp struct {
	agent    string
	a        OpAnswer
	expiring bool
}

func (r *commitReq) wait() error {
	<-r.done
	return r.err
}

type commitQueue struct {
	l         *BoltLog
	mu        sync.Mutex
	queued    []*commitReq
	reserved  uint64 // the newest seq handed out
	committed atomic.Uint64
	failed    error
	closed    bool
	kick      chan struct{}
	stopped   chan struct{}
	// What queued requests write, for lookups before the disk has it:
	// op answers by ledger key; cases (the newest queued version) and seen
	// keys; the newest seq of each case's queued messages.
	ops      map[string]*commitReq
	cases    map[string]pendingCase
	seen     map[string]pendingSeen
	messages map[string]*commitReq
	// onCommit gets every committed batch's events, in order, from the
	// committer goroutine (the hub's ring of live events and its wake-up).
	onCommit func([]model.Event)

	// State behind the log: committed writes to the lazy buckets not yet
	// in them (see "State behind the log"). dirty and its indexes change
	// only on the committer goroutine, under mu; readers look in dirty
	// under mu. viewMu is held by the committer from a transaction's
	// commit until dirty says what it wrote, so that a reader holding it
	// sees the file and dirty agree (viewState).
	dirty     map[string]*dirtyKV // lazy bucket index byte + key
	byAge     *list.List          // of *dirtyKV, oldest since first
	sorted    []*dirtyKV          // dirty in key order (and some gone), for partial writes
	adds      []*dirtyKV          // dirty in key order, not yet in sorted (smaller than it)
	pend      []*dirtyKV          // dirty, in neither, unsorted
	spareAdds []*dirtyKV          // the array adds was merged into before
	elevator  string              // the last key a partial write wrote
	spare     []*dirtyKV          // the array sorted was merged into before
	// The committer's scratch (commit): the batch's lazy writes by key,
	// in order, and those not behind before.
	local        map[string]*dirtyKV
	order, fresh []*dirtyKV
	viewMu       sync.RWMutex
	views        []chan viewTx // viewState's requests, served after a commit that writes all
	stateSeq     uint64        // every event up to it is in the state buckets
	noDrain      atomic.Bool   // tests: no writing behind the log when idle

	// The seen filter (ingest_seen.go): nil until built; the keys queued
	// meanwhile are kept in seenAdds, unless building failed (seenOff).
	seenF    atomic.Pointer[seenFilter]
	seenAdds []uint64
	seenOff  bool

	// failNext, set by a test, fails the next commit of events with it
	// (as a full disk would).
	failNext error
}

// dirtyKV is a committed write to a lazy bucket not yet in it.
type dirtyKV struct {
	ck     string // lazy bucket index byte + key
	bucket int    // in lazyBuckets
	key    []byte
	val    []byte
	// add, for a case's record: a message seq its list gets; val is
	// then the record's new head (nil: the same) until the committer
	// makes it the whole record (caseRecs).
	add     uint64
	since   uint64 // the oldest event of the key not in the bucket
	age     *list.Element
	writing bool // in the transaction being written
	gone    bool // written: no longer behind
}

// viewTx is a read transaction on a state with nothing behind the log.
type viewTx struct {
	tx  *bolt.Tx
	err error
}

type pendingCase struct {
	seq uint64
	c   *model.Case
}

type pendingSeen struct {
	seq    uint64
	caseID string
}

func (l *BoltLog) startCommitter() {
	q := &l.q
	q.l = l
	q.kick = make(chan struct{}, 1)
	q.stopped = make(chan struct{})
	q.ops = map[string]*commitReq{}
	q.cases = map[string]pendingCase{}
	q.seen = map[string]pendingSeen{}
	q.messages = map[string]*commitReq{}
	q.dirty = map[string]*dirtyKV{}
	q.byAge = list.New()
	q.reserved = l.Head()
	q.committed.Store(q.reserved)
	q.stateSeq = q.reserved // OpenBoltLog replayed the state up to the log
	go q.run()
}

// OnCommit sets the function that gets every committed batch of events, in
// order, before their writers are told they are durable. Set it before the
// first write; it must not block on the log.
func (l *BoltLog) OnCommit(f func([]model.Event)) {
	l.q.mu.Lock()
	l.q.onCommit = f
	l.q.mu.Unlock()
}

// AppendAsync queues events: they get their seqs now (returned as stored)
// and are durable once wait returns nil. Seqs follow the order of the
// calls, whoever makes them.
func (l *BoltLog) AppendAsync(evs []model.Event) ([]model.Event, func() error, error) {
	return l.enqueue(evs, nil, nil)
}

// AppendOpAsync is AppendOp, queued: see AppendAsync. A repeat of the op
// queued or stored before is refused.
func (l *BoltLog) AppendOpAsync(agent string, a OpAnswer, evs []model.Event, jobs ...Job) ([]model.Event, OpAnswer, func() error, error) {
	if prev := l.q.pendingOp(agent, a.OpID); prev != nil {
		return nil, OpAnswer{}, nil, fmt.Errorf("hub: append op: op %s of %s answered twice", a.OpID, agent)
	}
	if _, ok, err := l.LookupOp(agent, a.OpID, a.At); err != nil {
		return nil, OpAnswer{}, nil, fmt.Errorf("hub: append op: %w", err)
	} else if ok {
		return nil, OpAnswer{}, nil, fmt.Errorf("hub: append op: op %s of %s answered twice", a.OpID, agent)
	}
	op := &pendingOp{agent: agent, a: a, expiring: len(evs) == 0}
	out, wait, err := l.enqueue(evs, jobs, op)
	if err != nil {
		return nil, OpAnswer{}, nil, fmt.Errorf("hub: append op: %w", err)
	}
	return out, op.a, wait, nil
}

// Committed is the seq of the newest durable event.
func (l *BoltLog) Committed() uint64 { return l.q.committed.Load() }

func (l *BoltLog) enqueue(evs []model.Event, jobs []Job, op *pendingOp) ([]model.Event, func() error, error) {
	q := &l.q
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.usableLocked(); err != nil {
		return nil, nil, err
	}
	r := &commitReq{jobs: jobs, op: op, done: make(chan struct{}), sealed: true}
	out, err := q.addLocked(r, evs)
	if err != nil {
		return nil, nil, err
	}
	if op != nil {
		if len(out) > 0 {
			op.a.Seq = out[len(out)-1].Seq
		}
		q.ops[string(ledgerKey(op.a.OpID, op.agent))] = r
	}
	q.queued = append(q.queued, r)
	q.kickLocked()
	return out, r.wait, nil
}

func (q *commitQueue) usableLocked() error {
	if q.failed != nil {
		return q.failed
	}
	if q.closed {
		return errors.New("hub: log closed")
	}
	return nil
}

func (q *commitQueue) kickLocked() {
	select {
	case q.kick <- struct{}{}:
	default:
	}
}

// addLocked gives evs their seqs, encodes them and adds them to r.
func (q *commitQueue) addLocked(r *commitReq, evs []model.Event) ([]model.Event, error) {
	seq := q.reserved
	out := make([]model.Event, len(evs))
	for i, ev := range evs {
		seq++
		ev.Seq = seq
		if ev.Type == model.EventMessageAdded && ev.Message != nil && ev.Message.Seq == 0 {
			m := *ev.Message // the message carries the seq it was logged at
			m.Seq = seq
			ev.Message = &m
		}
		out[i] = ev
	}
	r.evs = append(r.evs, out...)
	if !r.group {
		if err := r.encode(); err != nil {
			r.evs = r.evs[:len(r.evs)-len(out)]
			return nil, err
		}
	}
	q.reserved = seq
	for _, ev := range out {
		switch {
		case ev.Case != nil:
			q.cases[ev.Case.ID] = pendingCase{ev.Seq, ev.Case}
		case ev.Message != nil:
			q.messages[ev.Message.CaseID] = r
			if ev.Message.PlatformID != "" {
				key := seenKey(*ev.Message)
				q.seen[key] = pendingSeen{ev.Seq, ev.Message.CaseID}
				q.noteSeenLocked(key)
			}
		}
	}
	return out, nil
}

// encode encodes the request's events not encoded yet, with their state
// writes.
func (r *commitReq) encode() error {
	for _, ev := range r.evs[r.encoded:] {
		raw, off, n, err := encodeEvent(ev)
		if err != nil {
			return fmt.Errorf("encode event: %w", err)
		}
		if r.kvs, err = eventKVs(ev, raw, off, n, r.kvs); err != nil {
			return fmt.Errorf("encode state: %w", err)
		}
		for _, kv := range r.kvs[len(r.lazy):] {
			b := lazyOf(kv.bucket)
			if b < 0 {
				r.lazy = append(r.lazy, nil)
				continue
			}
			var buf [64]byte // the key made on the stack, copied once as ck
			ck := append(append(buf[:0], byte(b)), kv.key...)
			if len(r.lazyBuf) == cap(r.lazyBuf) {
				r.lazyBuf = make([]dirtyKV, 0, lazyBufLen)
			}
			r.lazyBuf = append(r.lazyBuf, dirtyKV{ck: string(ck), bucket: b, key: kv.key, val: kv.val, add: kv.add, since: ev.Seq})
			r.lazy = append(r.lazy, &r.lazyBuf[len(r.lazyBuf)-1])
		}
		r.raws = append(r.raws, raw)
		r.encoded++
	}
	return nil
}

// lazyBufLen is how many lazy writes a request makes at a time (a
// message's two or three): a few, as one still behind the log keeps the
// others' memory.
const lazyBufLen = 16

// Group is a request that takes the events of many calls, committed in
// one transaction once sealed (IngestMany). Nothing queued after it is
// committed before it: seal it before waiting on the log.
type Group struct {
	l *BoltLog
	r *commitReq
	// direct, when set, appends at once: a log with no group commit
	// (JSLog, jslog.go) hands out such groups.
	direct func([]model.Event) ([]model.Event, error)
}

// OpenGroup queues an open group.
func (l *BoltLog) OpenGroup() (*Group, error) {
	q := &l.q
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.usableLocked(); err != nil {
		return nil, err
	}
	r := &commitReq{done: make(chan struct{}), group: true}
	q.queued = append(q.queued, r)
	return &Group{l: l, r: r}, nil
}

// Append adds events to the group (see AppendAsync).
func (g *Group) Append(evs []model.Event) ([]model.Event, error) {
	if g.direct != nil {
		return g.direct(evs)
	}
	q := &g.l.q
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.usableLocked(); err != nil {
		return nil, err
	}
	return q.addLocked(g.r, evs)
}

// Seal ends the group: it is committed with what it holds (nothing is
// fine), and wait returns once that is durable. Its events are encoded
// here, by the caller: nothing else may add to the group meanwhile.
func (g *Group) Seal() (wait func() error) {
	if g.direct != nil {
		return func() error { return nil }
	}
	g.r.encErr = g.r.encode()
	q := &g.l.q
	q.mu.Lock()
	g.r.sealed = true
	q.kickLocked()
	q.mu.Unlock()
	return g.r.wait
}

func (q *commitQueue) pendingOp(agent, opID string) *commitReq {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.ops[string(ledgerKey(opID, agent))]
}

// settle waits until the queued messages of a case are durable.
func (q *commitQueue) settle(caseID string) error {
	q.mu.Lock()
	r := q.messages[caseID]
	q.mu.Unlock()
	if r == nil {
		return nil
	}
	return r.wait()
}

func (q *commitQueue) stop() {
	q.mu.Lock()
	if q.closed || q.stopped == nil {
		q.mu.Unlock()
		return
	}
	q.closed = true
	q.mu.Unlock()
	select {
	case q.kick <- struct{}{}:
	default:
	}
	<-q.stopped
}

func (q *commitQueue) run() {
	defer close(q.stopped)
	idleTimer := time.NewTimer(time.Hour)
	idleTimer.Stop()
	timerSet := false
	for {
		draining := false
		select {
		case <-q.kick:
		case <-idleTimer.C:
			timerSet, draining = false, true
		}
		for {
			q.mu.Lock()
			n := 0
			for n < len(q.queued) && n < maxBatch && q.queued[n].sealed {
				n++
			}
			batch := slices.Clone(q.queued[:n])
			q.queued = slices.Delete(q.queued, 0, n)
			closed, onCommit := q.closed, q.onCommit
			idle := len(q.queued) == 0
			views := len(q.views) > 0
			q.mu.Unlock()
			if len(batch) > 0 {
				draining = false
				q.commit(batch, onCommit, lazyBehind)
				continue
			}
			// Nothing to log: write what is behind, all of it when
			// closing or asked for a view, else a step a transaction once
			// no events came for lazyIdle.
			if closed || views {
				if len(q.dirty) > 0 || views {
					q.commit(nil, onCommit, lazyEvery)
					continue
				}
				if closed {
					return
				}
			}
			if len(q.dirty) > 0 && idle && q.failed == nil && !q.noDrain.Load() {
				if draining {
					q.commit(nil, onCommit, lazyDrain)
					continue
				}
				if !timerSet {
					idleTimer.Reset(lazyIdle)
					timerSet = true
				}
			}
			break
		}
	}
}

// lazyIdle is how long the committer waits with no events before it
// writes what is behind the log.
const lazyIdle = 20 * time.Millisecond

// State behind the log. A case's and a message's state record is a
// pointer into the log (statePtr), and the log is appended to in order:
// what makes a commit cost is the state buckets' records, one each at a
// random place in big buckets for every message (its case, the case's
// index record, the message, its seen entry). So the committer writes
// those records behind the log: the events are durable when their
// transaction is, and the state records wait in dirty (in memory, where
// reads find them) until a later transaction writes them, in key order a
// slice at a time (an elevator over the key space: a record changed many
// times is written once, and records written together share pages). Each
// transaction records the seq up to which the state buckets hold every
// event (keyStateSeq); OpenBoltLog replays the events after it, so a hub
// killed with records behind loses none. A small backlog (less than
// lazyAll records) is written whole with the events, as before; the
// committer writes the rest when no events wait, and everything before it
// stops.

// lazyAll is the backlog written whole with the events. A bigger one
// waits until it holds lazyHold records (the more it holds, the more of
// them share a page), and is then written lazyStep records a transaction,
// more as it grows; with no events to log, a step a transaction.
const lazyAll = 64

// (Variables so that a test can run the partial writes at a small size.)
var (
	lazyHold = 1 << 17
	lazyStep = 2048
)

// How a commit writes the records behind the log.
const (
	lazyBehind = iota // with events: as lazyAll and lazyHold say
	lazyDrain         // no events waiting: a step
	lazyEvery         // all of them
)

// commit writes a batch in one transaction, then answers its requests.
func (q *commitQueue) commit(batch []*commitReq, onCommit func([]model.Event), mode int) {
	var last uint64
	var evs []model.Event
	q.mu.Lock()
	all := mode == lazyEvery || len(q.views) > 0
	injected := q.failNext
	if len(batch) > 0 {
		q.failNext = nil
	} else {
		injected = nil
	}
	if failed := q.failed; failed != nil {
		// The memory is ahead of the disk: nothing more is written.
		views := q.views
		q.views = nil
		q.mu.Unlock()
		for _, v := range views {
			v <- viewTx{err: failed}
		}
		for _, r := range batch {
			r.err = failed
			close(r.done)
		}
		return
	}
	q.mu.Unlock()
	// The batch's lazy writes, newest value per key, in event order;
	// fresh are those not behind the log before. (local, order and fresh
	// are the committer's, kept from one commit to the next.)
	if q.local == nil {
		q.local = map[string]*dirtyKV{}
	}
	local := q.local
	clear(local)
	order, fresh := q.order[:0], q.fresh[:0]
	defer func() {
		clear(order)
		clear(fresh)
		q.order, q.fresh = order[:0], fresh[:0]
		clear(local)
	}()
	var caseErr error
	var rtx *bolt.Tx // read lazily, for a case record neither here nor behind
	for _, r := range batch {
		for _, d := range r.lazy {
			if d == nil {
				continue
			}
			if d.bucket == 0 && caseErr == nil {
				caseErr = q.caseRec(d, local, &rtx)
			}
			if prev, ok := local[d.ck]; ok {
				prev.val = d.val
				continue
			}
			local[d.ck] = d
			order = append(order, d)
			if _, ok := q.dirty[d.ck]; !ok {
				fresh = append(fresh, d)
			}
		}
	}
	// What this transaction writes of them and of what is behind.
	var write []*dirtyKV
	total := len(q.dirty) + len(fresh)
	switch {
	case all || total <= lazyAll:
		for ck, d := range q.dirty {
			d.writing = true
			if nd, ok := local[ck]; ok {
				nd.writing = true
				d = nd // the batch's newer value
			}
			write = append(write, d)
		}
		for _, d := range order {
			if _, ok := q.dirty[d.ck]; !ok {
				d.writing = true
				write = append(write, d)
			}
		}
	case total > lazyHold || mode == lazyDrain:
		step := lazyStep
		if total > lazyHold {
			step = lazyStep * total / lazyHold
		}
		// What came behind since the last step joins adds (sorted,
		// small); adds joins sorted (all behind, sorted) only once it is
		// an eighth of it: merging every record behind into one array on
		// every commit made a sustained storm's commits cost O(behind).
		pend := append(q.pend, fresh...)
		q.pend = q.pend[:0]
		slices.SortFunc(pend, func(a, b *dirtyKV) int { return strings.Compare(a.ck, b.ck) })
		old := q.adds
		q.adds = mergeLive(old, pend, q.spareAdds[:0])
		clear(old[:cap(old)])
		q.spareAdds = old[:0]
		clear(pend)
		if len(q.adds) > max(lazyStep, len(q.sorted)/8) {
			merged := mergeLive(q.sorted, q.adds, q.spare[:0])
			clear(q.sorted[:cap(q.sorted)])
			q.sorted, q.spare = merged, q.sorted[:0]
			clear(q.adds[:cap(q.adds)])
			q.adds = q.adds[:0]
		}
		sorted, adds := q.sorted, q.adds
		after := func(l []*dirtyKV) int {
			at, _ := slices.BinarySearchFunc(l, q.elevator, func(d *dirtyKV, k string) int {
				if d.ck <= k {
					return -1
				}
				return 1
			})
			return at
		}
		i, j := after(sorted), after(adds)
		for n, seen := 0, 0; n < step && seen < len(sorted)+len(adds); seen++ {
			if i == len(sorted) && j == len(adds) {
				i, j = 0, 0 // round the key space
			}
			var d *dirtyKV
			if j == len(adds) || i < len(sorted) && sorted[i].ck <= adds[j].ck {
				d = sorted[i]
				i++
			} else {
				d = adds[j]
				j++
			}
			if d.gone || d.writing {
				continue
			}
			n++
			d.writing = true
			q.elevator = d.ck
			if nd, ok := local[d.ck]; ok && nd != d {
				nd.writing = true
				d = nd // the batch's newer value
			}
			write = append(write, d)
		}
	default:
		q.pend = append(q.pend, fresh...)
	}
	for _, r := range batch {
		for _, ev := range r.evs {
			last = ev.Seq
		}
	}
	if last == 0 {
		last = q.committed.Load()
	}
	// The state's seq after this transaction: before the oldest record
	// still behind.
	stateSeq := last
	for e := q.byAge.Front(); e != nil; e = e.Next() {
		if d := e.Value.(*dirtyKV); !d.writing {
			stateSeq = d.since - 1
			break
		}
	}
	for _, d := range fresh {
		if !d.writing {
			stateSeq = min(stateSeq, d.since-1)
			break
		}
	}

	if rtx != nil {
		_ = rtx.Rollback() // before the write: it may grow the mapping
	}
	err := injected
	for _, r := range batch {
		if r.encErr != nil {
			err = r.encErr
		}
	}
	if err == nil && caseErr != nil {
		err = caseErr
	}
	var tx *bolt.Tx
	if err == nil {
		tx, err = q.l.db.Begin(true)
	}
	if err == nil {
		err = q.fill(tx, batch, write, stateSeq)
		if err != nil {
			_ = tx.Rollback()
		} else {
			q.viewMu.Lock()
			if err = tx.Commit(); err != nil {
				q.viewMu.Unlock()
			}
		}
	}
	q.mu.Lock()
	if err != nil {
		err = fmt.Errorf("hub: commit: %w", err)
		if q.failed == nil {
			q.failed = err
		}
	} else {
		// Behind the log: what was written goes, what was not joins.
		for _, d := range write {
			d.gone = true
			if old, ok := q.dirty[d.ck]; ok {
				old.gone = true
				q.byAge.Remove(old.age)
				delete(q.dirty, d.ck)
			}
		}
		for _, d := range order {
			if d.writing {
				continue
			}
			if old, ok := q.dirty[d.ck]; ok {
				if !old.gone {
					old.val = d.val
				}
				continue
			}
			d.age = q.byAge.PushBack(d)
			q.dirty[d.ck] = d
		}
		if len(q.dirty) == 0 {
			q.sorted, q.adds, q.pend, q.spare, q.spareAdds = nil, nil, nil, nil, nil
		}
		q.stateSeq = stateSeq
	}
	if err != nil {
		for _, d := range write {
			d.writing = false
		}
	}
	for _, r := range batch {
		evs = append(evs, r.evs...)
		for _, ev := range r.evs {
			switch {
			case ev.Case != nil:
				if p, ok := q.cases[ev.Case.ID]; ok && p.seq <= ev.Seq {
					delete(q.cases, ev.Case.ID)
				}
			case ev.Message != nil:
				if q.messages[ev.Message.CaseID] == r {
					delete(q.messages, ev.Message.CaseID)
				}
				if ev.Message.PlatformID != "" {
					if p, ok := q.seen[seenKey(*ev.Message)]; ok && p.seq <= ev.Seq {
						delete(q.seen, seenKey(*ev.Message))
					}
				}
			}
		}
		if r.op != nil {
			if k := string(ledgerKey(r.op.a.OpID, r.op.agent)); q.ops[k] == r {
				delete(q.ops, k)
			}
		}
	}
	var views []chan viewTx
	if err == nil && len(q.dirty) == 0 {
		views, q.views = q.views, nil
	}
	q.mu.Unlock()
	if err == nil {
		// Views of this state, before any other transaction.
		for _, v := range views {
			rtx, verr := q.l.db.Begin(false)
			v <- viewTx{rtx, verr}
		}
		q.viewMu.Unlock()
	}
	if err == nil && len(evs) > 0 {
		q.committed.Store(last)
		if onCommit != nil {
			onCommit(evs)
		}
	}
	for _, r := range batch {
		if err != nil {
			r.err = q.failed
		}
		close(r.done)
	}
}

// caseRec makes a case record's write d (its new head, or a message seq
// for its list: see dirtyKV.add) the whole record, from the newest one:
// the batch's (local), the one behind the log, or the bucket's (read in
// *rtx, begun here when needed).
func (q *commitQueue) caseRec(d *dirtyKV, local map[string]*dirtyKV, rtx **bolt.Tx) error {
	var cur []byte
	if prev, ok := local[d.ck]; ok {
		cur = prev.val
	} else if prev, ok := q.dirty[d.ck]; ok {
		cur = prev.val
	} else {
		if *rtx == nil {
			tx, err := q.l.db.Begin(false)
			if err != nil {
				return err
			}
			*rtx = tx
		}
		cur = (*rtx).Bucket(bucketCases).Get(d.key)
	}
	v, err := mergeCaseRec(cur, d.val, d.add)
	if err != nil {
		return fmt.Errorf("case %s: %w", d.key, err)
	}
	d.val, d.add = v, 0
	return nil
}

// fill writes a batch's events, direct state, jobs and op answers, and
// the lazy records of write, into tx.
func (q *commitQueue) fill(tx *bolt.Tx, batch []*commitReq, write []*dirtyKV, stateSeq uint64) error {
	logb := tx.Bucket(bucketLog)
	logb.FillPercent = 1 // appended in order: full pages
	var last uint64
	for _, r := range batch {
		for i, ev := range r.evs {
			if err := logb.Put(binary.BigEndian.AppendUint64(nil, ev.Seq), r.raws[i]); err != nil {
				return err
			}
			last = ev.Seq
		}
		for _, kv := range r.kvs {
			if lazyOf(kv.bucket) >= 0 {
				continue
			}
			if err := tx.Bucket(kv.bucket).Put(kv.key, kv.val); err != nil {
				return err
			}
		}
		for _, j := range r.jobs {
			if err := putJob(tx, j); err != nil {
				return err
			}
		}
		if r.op != nil {
			if err := putOpTx(tx, r.op.agent, r.op.a, r.op.expiring, q.l.opCap()); err != nil {
				return err
			}
		}
	}
	if last > 0 {
		if err := logb.SetSequence(last); err != nil {
			return err
		}
	}
	// In key order: neighbours share pages.
	slices.SortFunc(write, func(a, b *dirtyKV) int { return strings.Compare(a.ck, b.ck) })
	var bks [4]*bolt.Bucket
	for i, name := range lazyBuckets {
		bks[i] = tx.Bucket(name)
	}
	for _, d := range write {
		if err := bks[d.bucket].Put(d.key, d.val); err != nil {
			return err
		}
	}
	return tx.Bucket(bucketMeta).Put(keyStateSeq, binary.BigEndian.AppendUint64(nil, stateSeq))
}

// mergeLive merges two lists in key order into into, leaving out the
// records written since (gone).
func mergeLive(a, b, into []*dirtyKV) []*dirtyKV {
	if cap(into) < len(a)+len(b) {
		into = make([]*dirtyKV, 0, (len(a)+len(b))*5/4)
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		var d *dirtyKV
		if j == len(b) || i < len(a) && a[i].ck <= b[j].ck {
			d = a[i]
			i++
		} else {
			d = b[j]
			j++
		}
		if !d.gone {
			into = append(into, d)
		}
	}
	return into
}

// dirtyVal is the value behind the log of a lazy bucket's key, if any.
// The caller holds q.mu.
func (q *commitQueue) dirtyVal(bucket int, key string) ([]byte, bool) {
	if d, ok := q.dirty[string(rune(bucket))+key]; ok {
		return d.val, true
	}
	return nil, false
}

// viewState runs fn in a read transaction on a state with nothing behind
// the log: at once when nothing is, else after the committer has written
// everything behind (and before it commits anything else).
func (l *BoltLog) viewState(fn func(tx *bolt.Tx) error) error {
	q := &l.q
	q.viewMu.RLock()
	q.mu.Lock()
	started := q.stopped != nil
	behind := len(q.dirty) > 0
	q.mu.Unlock()
	if !behind || !started {
		tx, err := l.db.Begin(false)
		q.viewMu.RUnlock()
		if err != nil {
			return err
		}
		defer tx.Rollback()
		return fn(tx)
	}
	q.viewMu.RUnlock()
	ch := make(chan viewTx, 1)
	q.mu.Lock()
	if err := q.usableLocked(); err != nil {
		q.mu.Unlock()
		return err
	}
	q.views = append(q.views, ch)
	q.kickLocked()
	q.mu.Unlock()
	v := <-ch
	if v.err != nil {
		return v.err
	}
	defer v.tx.Rollback()
	return fn(v.tx)
}

// Case reads a case's newest state: queued, or from the state bucket.
func (l *BoltLog) Case(id string) (model.Case, bool, error) {
	l.q.mu.Lock()
	p, ok := l.q.cases[id]
	l.q.mu.Unlock()
	if ok {
		return cloneCase(*p.c), true, nil
	}
	l.q.mu.Lock()
	behind, isBehind := l.q.dirtyVal(0, id)
	l.q.mu.Unlock()
	var c model.Case
	found := false
	err := l.db.View(func(tx *bolt.Tx) error {
		raw := behind
		if !isBehind {
			raw = tx.Bucket(bucketCases).Get([]byte(id))
		}
		if raw == nil {
			return nil
		}
		v, _, ok, err := caseRecValue(tx, raw)
		if err != nil || !ok {
			return err
		}
		found = true
		return unmarshalCase(v, &c)
	})
	if err != nil {
		return model.Case{}, false, fmt.Errorf("hub: read case %s: %w", id, err)
	}
	return c, found, nil
}

// Seen finds the case of a platform message (channel|platform id, see
// seenKey): queued, or in the seen index.
func (l *BoltLog) Seen(key string) (string, bool) {
	l.seenStart.Do(l.startSeenFilter)
	if l.q.seenMiss(key) {
		return "", false
	}
	l.q.mu.Lock()
	p, ok := l.q.seen[key]
	l.q.mu.Unlock()
	if ok {
		return p.caseID, true
	}
	l.q.mu.Lock()
	behind, isBehind := l.q.dirtyVal(3, key)
	l.q.mu.Unlock()
	if isBehind {
		return string(behind), true
	}
	var id string
	_ = l.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketSeen).Get([]byte(key)); v != nil {
			id = string(v)
		}
		return nil
	})
	return id, id != ""
}

// cloneCase copies a case with its own slices.
func cloneCase(c model.Case) model.Case {
	c.Tags, c.Merged, c.Dismissed = slices.Clone(c.Tags), slices.Clone(c.Merged), slices.Clone(c.Dismissed)
	return c
}

// recordCheckLimit is the file size up to which LoadIndex decodes every
// stored case, to refuse a damaged record at start; a larger file's cases
// are decoded when they are used.
const recordCheckLimit = 16 << 20

// LoadIndex emits, from one consistent view, every case's compact record
// (the case index) and every customer, and returns the seq of the newest
// event that state includes: what the hub loads at start.
func (l *BoltLog) LoadIndex(cas func(id string, rec []byte) error, cust func(model.Customer) error) (uint64, error) {
	var seq uint64
	err := l.viewState(func(tx *bolt.Tx) error {
		seq = tx.Bucket(bucketLog).Sequence()
		if err := tx.Bucket(bucketCustomers).ForEach(func(_, v []byte) error {
			var c model.Customer
			if err := json.Unmarshal(v, &c); err != nil {
				return err
			}
			return cust(c)
		}); err != nil {
			return err
		}
		if tx.Size() <= recordCheckLimit {
			// A small file's case records are all read once, as the deep
			// check reads its pages (dbcheck.go): damage shows at start.
			if err := tx.Bucket(bucketCases).ForEach(func(_, v []byte) error {
				v, _, ok, err := caseRecValue(tx, v)
				if err != nil || !ok {
					return err
				}
				var c model.Case
				return json.Unmarshal(v, &c)
			}); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketCases).ForEach(func(k, v []byte) error {
			_, idx, _, err := splitCaseRec(v)
			if err != nil || len(idx) == 0 {
				return err // no case yet (its messages came first)
			}
			return cas(string(k), idx)
		})
	})
	if err != nil {
		return 0, snapshotError(l.db.Path(), err)
	}
	// The index is read once: its pages need not stay mapped.
	dropMapped(l.db.Path())
	return seq, nil
}
