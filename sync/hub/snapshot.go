package hub

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/gorilla/websocket"
	bolt "go.etcd.io/bbolt"

	"switchboard/model"
	"switchboard/sync/wire"
)

// A snapshot is the hub's state sent to a console: for 100,000 cases some
// 200 MB of JSON. The state buckets hold every entity as the JSON a
// console may get (customers aside: see forConsole), so a snapshot page is
// made of those bytes as they are, never decoded and encoded again.

// jsonSnapshotter is a log that emits its state as the entities' stored
// JSON (BoltLog). A log without it is snapshotted through Snapshot.
type jsonSnapshotter interface {
	// SnapshotJSON is Snapshot with each entity's JSON: field is the
	// event's field that holds it ("case", "message", "customer", …),
	// raw is valid only during the call; a message's seq is the one it
	// was logged at (its JSON may not say it).
	SnapshotJSON(emit func(t model.EventType, seq uint64, field string, raw []byte) error) (uint64, error)
}

// SnapshotJSON implements jsonSnapshotter as Snapshot does (the same
// entities in the same order, from the same consistent state: see
// TestSnapshotJSONMatchesSnapshot): experts, listened items, customers,
// then each case followed by its messages, each with the seq it was logged
// at (its key's).
func (l *BoltLog) SnapshotJSON(emit func(t model.EventType, seq uint64, field string, raw []byte) error) (uint64, error) {
	var seq uint64
	err := l.viewState(func(tx *bolt.Tx) error {
		seq = tx.Bucket(bucketLog).Sequence()
		plain := []struct {
			bucket []byte
			t      model.EventType
			field  string
		}{
			{bucketExperts, model.EventExpertUpserted, "expert"},
			{bucketListen, model.EventListenItem, "listen"},
			{bucketCustomers, model.EventCustomerUpserted, "customer"},
		}
		for _, p := range plain {
			if b := tx.Bucket(p.bucket); b != nil {
				if err := b.ForEach(func(_, v []byte) error { return emit(p.t, 0, p.field, v) }); err != nil {
					return err
				}
			}
		}
		return tx.Bucket(bucketCases).ForEach(func(k, v []byte) error {
			v, seqs, ok, err := caseRecValue(tx, v)
			if err != nil || !ok {
				return err
			}
			if err := emit(model.EventCaseUpserted, 0, "case", v); err != nil {
				return err
			}
			return eachSeq(seqs, func(seq uint64) error {
				mv, err := threadMessage(tx, seq, nil)
				if err != nil {
					return err
				}
				return emit(model.EventMessageAdded, seq, "message", mv)
			})
		})
	})
	if err != nil {
		return 0, snapshotError(l.db.Path(), err)
	}
	return seq, nil
}

// snapshotWriter builds snapshot frames from entities' JSON and writes
// them: at most wire.MaxPage entities and wire.MaxFrame bytes a frame.
type snapshotWriter struct {
	ss    *session
	buf   []byte
	n     int // entities in buf
	first bool
}

const snapshotHead = `{"type":"snapshot","events":[`

// frameSlack is room for a frame's end (first, done, seq).
const frameSlack = 64

func (w *snapshotWriter) add(t model.EventType, seq uint64, field string, raw []byte) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) < 2 || raw[0] != '{' || raw[len(raw)-1] != '}' {
		return ErrDamaged // a record that is not a JSON object
	}
	if t == model.EventCustomerUpserted {
		// What an agent may see of a customer (forConsole); few, so
		// decoded here.
		var c model.Customer
		if err := json.Unmarshal(raw, &c); err != nil {
			return err
		}
		b, err := json.Marshal(c.ForAgent())
		if err != nil {
			return err
		}
		raw = b
	}
	size := len(`{"seq":,"type":"","":},`) + 20 + len(t) + len(field) + len(raw)
	if w.n > 0 && (w.n == wire.MaxPage || len(w.buf)+size+frameSlack > wire.MaxFrame) {
		if err := w.flush(false, 0); err != nil {
			return err
		}
	}
	if len(snapshotHead)+size+frameSlack > wire.MaxFrame {
		return wire.ErrTooLarge
	}
	if w.n == 0 {
		w.buf = append(w.buf[:0], snapshotHead...)
	} else {
		w.buf = append(w.buf, ',')
	}
	w.buf = append(w.buf, `{"seq":`...)
	w.buf = strconv.AppendUint(w.buf, seq, 10)
	w.buf = append(w.buf, `,"type":"`...)
	w.buf = append(w.buf, t...)
	w.buf = append(w.buf, `","`...)
	w.buf = append(w.buf, field...)
	w.buf = append(w.buf, `":`...)
	w.buf = append(w.buf, raw...)
	w.buf = append(w.buf, '}')
	w.n++
	return nil
}

// flush writes the frame of the entities added since the last one (none
// is fine for the last frame).
func (w *snapshotWriter) flush(done bool, seq uint64) error {
	if w.n == 0 {
		w.buf = append(w.buf[:0], snapshotHead...)
	}
	w.buf = append(w.buf, ']')
	if w.first {
		w.buf = append(w.buf, `,"first":true`...)
	}
	if done {
		w.buf = append(w.buf, `,"done":true,"seq":`...)
		w.buf = strconv.AppendUint(w.buf, seq, 10)
	}
	w.buf = append(w.buf, '}')
	w.first, w.n = false, 0
	_ = w.ss.conn.SetWriteDeadline(time.Now().Add(w.ss.srv.timing.WriteWait))
	return w.ss.conn.WriteMessage(websocket.TextMessage, w.buf)
}

// sendSnapshot streams the hub's state in pages and returns its seq.
func (ss *session) sendSnapshot() (uint64, error) {
	js, ok := ss.srv.hub.log.(jsonSnapshotter)
	if !ok {
		return ss.sendDecodedSnapshot()
	}
	w := &snapshotWriter{ss: ss, buf: make([]byte, 0, 1<<20), first: true}
	seq, err := js.SnapshotJSON(w.add)
	if err != nil {
		return 0, err
	}
	return seq, w.flush(true, seq)
}

// sendDecodedSnapshot streams the state of a log that emits it decoded.
func (ss *session) sendDecodedSnapshot() (uint64, error) {
	var page []model.Event
	first := true
	flush := func(done bool, seq uint64) error {
		err := ss.writeSnapshot(page, first, done, seq)
		page, first = page[:0], false
		return err
	}
	seq, err := ss.srv.hub.log.Snapshot(func(ev model.Event) error {
		page = append(page, ev)
		if len(page) == wire.MaxPage {
			return flush(false, 0)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return seq, flush(true, seq)
}

// writeSnapshot writes one snapshot page, halving it while it is over the
// frame limit (entities can be large).
func (ss *session) writeSnapshot(evs []model.Event, first, done bool, seq uint64) error {
	err := ss.write(wire.Snapshot{Events: evs, First: first, Done: done, Seq: seq})
	if !errors.Is(err, wire.ErrTooLarge) || len(evs) < 2 {
		return err
	}
	half := len(evs) / 2
	if err := ss.writeSnapshot(evs[:half], first, false, 0); err != nil {
		return err
	}
	return ss.writeSnapshot(evs[half:], false, done, seq)
}
