package hub

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"switchboard/model"
)

// Threads (schema 6; schema 5, of commit dc74514 only, kept the index
// records apart). A case's state record holds the case (its JSON, or
// the pointer to it in the event that logged it), its compact index record
// (encodeCaseRec, what the hub loads at start: a 4-byte length and the
// record), and the seqs of its messages in order, 8 bytes each. A message needs no state record of its
// own while the event that added it is in the log: its JSON is read there.
// Only a message changed since (a delivery recorded, an edit) or one whose
// event was compacted away has a record, in bucketMsgs under its seq.
//
// Before, every message had a record keyed by its case and seq: one more
// write at a random place in a big bucket for every inbound message, most
// of the pages the committer wrote behind the log (README, "Performance").
// So was the case's index record, in a bucket of its own. Now an inbound
// message changes its case's record, which its case event changes anyway,
// and nothing else of the state but its seen entry.

var (
	// bucketMsgs: message seq → the message (a pointer into the log or
	// its JSON), for the messages the log does not hold as they are.
	bucketMsgs = []byte("state_msgs")
	// bucketOldMessages and bucketCaseIndex are schema 4's message
	// records (case id, 0, seq → message) and case index (case id →
	// encodeCaseRec), moved into the case records at open
	// (migrateThreads).
	bucketOldMessages = []byte("state_messages")
	bucketCaseIndex   = []byte("state_case_index")
)

// The first byte of a case record: a pointer (statePtr: 17 bytes), the
// case's JSON (caseRecJSON, then a 4-byte length and the JSON), or no case
// yet (caseRecNone: messages of a case whose own event is not in yet).
const (
	caseRecPtr  = 0
	caseRecJSON = 1
	caseRecNone = 2
)

// splitCaseRec is a case record's head (what says the case), its index
// record and its messages' seqs. A record that is JSON ('{', written by a
// hub before schema 6) is all head.
func splitCaseRec(v []byte) (head, idx, seqs []byte, err error) {
	bad := func() ([]byte, []byte, []byte, error) {
		return nil, nil, nil, fmt.Errorf("%w: a case record of %d bytes that is no case", ErrDamaged, len(v))
	}
	if len(v) == 0 {
		return bad()
	}
	n := 0
	switch v[0] {
	case caseRecPtr:
		n = 17
	case caseRecJSON:
		if len(v) < 5 {
			return bad()
		}
		n = 5 + int(binary.BigEndian.Uint32(v[1:5]))
	case caseRecNone:
		n = 1
	case '{':
		return v, nil, nil, nil
	default:
		return bad()
	}
	if n+4 > len(v) {
		return bad()
	}
	il := int(binary.BigEndian.Uint32(v[n:]))
	if n+4+il > len(v) || (len(v)-n-4-il)%8 != 0 {
		return bad()
	}
	return v[:n], v[n+4 : n+4+il], v[n+4+il:], nil
}

// caseHead is the head of a case record holding the case's JSON.
func caseHead(js []byte) []byte {
	b := make([]byte, 5, 5+len(js))
	b[0] = caseRecJSON
	binary.BigEndian.PutUint32(b[1:], uint32(len(js)))
	return append(b, js...)
}

// caseBlob is a case record's head and index record, as a case event
// writes them (mergeCaseRec).
func caseBlob(head, idx []byte) []byte {
	b := make([]byte, 0, len(head)+4+len(idx))
	b = append(b, head...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(idx)))
	return append(b, idx...)
}

// casePtrBlob is caseBlob(statePtr(seq, off, n), encodeCaseRec(c)), made
// in one buffer.
func casePtrBlob(seq uint64, off, n int, c *model.Case) []byte {
	b := make([]byte, 17+4, 17+4+64+len(c.ThreadRef)+len(c.ID))
	binary.BigEndian.PutUint64(b[1:], seq)
	binary.BigEndian.PutUint32(b[9:], uint32(off))
	binary.BigEndian.PutUint32(b[13:], uint32(n))
	b = appendCaseRec(b, c)
	binary.BigEndian.PutUint32(b[17:], uint32(len(b)-21))
	return b[:len(b):len(b)] // an append to it copies, as to caseBlob's
}

// mergeCaseRec is the case record cur (nil: none) with its head and index
// record replaced by blob (caseBlob; nil: kept) and message seq add
// appended (0: none). A seq not after the last one is there already (an
// event replayed at open).
func mergeCaseRec(cur, blob []byte, add uint64) ([]byte, error) {
	var seqs []byte
	if cur != nil {
		head, idx, s, err := splitCaseRec(cur)
		if err != nil {
			return nil, err
		}
		if blob == nil {
			if head[0] == '{' {
				head = caseHead(head)
			}
			blob = caseBlob(head, idx)
		}
		seqs = s
	}
	if blob == nil {
		blob = caseBlob([]byte{caseRecNone}, nil)
	}
	if add != 0 && len(seqs) >= 8 && binary.BigEndian.Uint64(seqs[len(seqs)-8:]) >= add {
		add = 0
	}
	out := make([]byte, 0, len(blob)+len(seqs)+8)
	out = append(append(out, blob...), seqs...)
	if add != 0 {
		out = binary.BigEndian.AppendUint64(out, add)
	}
	return out, nil
}

// caseRecValue is the case's JSON in a case record and its messages' seqs
// (ok false: a record with no case yet). The JSON is valid only during tx.
func caseRecValue(tx *bolt.Tx, v []byte) (js, seqs []byte, ok bool, err error) {
	head, _, seqs, err := splitCaseRec(v)
	if err != nil {
		return nil, nil, false, err
	}
	switch head[0] {
	case caseRecPtr:
		js, err = stateValue(tx, head)
		return js, seqs, err == nil, err
	case caseRecJSON:
		return head[5:], seqs, true, nil
	case caseRecNone:
		return nil, seqs, false, nil
	}
	return head, seqs, true, nil
}

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// threadMessage is the JSON of message seq: its record rec (nil: the one
// in bucketMsgs, if any), else the event that added it. Valid only during
// tx.
func threadMessage(tx *bolt.Tx, seq uint64, rec []byte) ([]byte, error) {
	k := seqKey(seq)
	if rec == nil {
		rec = tx.Bucket(bucketMsgs).Get(k)
	}
	if rec != nil {
		return stateValue(tx, rec)
	}
	raw := tx.Bucket(bucketLog).Get(k)
	if raw == nil {
		return nil, fmt.Errorf("%w: message %d is neither in the log nor in the state", ErrDamaged, seq)
	}
	return messageOfEvent(raw, seq)
}

// messageOfEvent is the message's JSON in the log record of the event
// that added it: where encodeEvent put it (last), else decoded.
func messageOfEvent(raw []byte, seq uint64) ([]byte, error) {
	const field = `,"message":{`
	if i := bytes.Index(raw, []byte(field)); i >= 0 && len(raw) >= 2 && raw[len(raw)-1] == '}' && raw[len(raw)-2] == '}' {
		return raw[i+len(field)-1 : len(raw)-1], nil
	}
	var ev model.Event
	if err := json.Unmarshal(raw, &ev); err != nil || ev.Message == nil || ev.Type != model.EventMessageAdded {
		return nil, fmt.Errorf("%w: event %d, which added a message, holds none", ErrDamaged, seq)
	}
	return json.Marshal(ev.Message)
}

// eachSeq calls f with every seq of a case record's list.
func eachSeq(seqs []byte, f func(seq uint64) error) error {
	for i := 0; i+8 <= len(seqs); i += 8 {
		if err := f(binary.BigEndian.Uint64(seqs[i:])); err != nil {
			return err
		}
	}
	return nil
}

// migrateThreads moves the case index (bucketCaseIndex) of a schema 2-5
// file and the message records (bucketOldMessages) of a schema 2-4 one
// into the case records (schema 6, see "Threads"): each case record takes
// schema 6's form with its index record, then gets its messages' seqs; a
// message record that points at the event that added the message goes,
// any other (a later version, or JSON) moves to bucketMsgs.
func migrateThreads(tx *bolt.Tx) error {
	cases, msgs := tx.Bucket(bucketCases), tx.Bucket(bucketMsgs)
	idxs := tx.Bucket(bucketCaseIndex)
	var keys [][]byte
	if err := cases.ForEach(func(k, _ []byte) error {
		keys = append(keys, bytes.Clone(k))
		return nil
	}); err != nil {
		return err
	}
	for _, k := range keys {
		v := cases.Get(k)
		// Schema 4's pointer or JSON, or schema 5's head and seqs.
		var head, seqs []byte
		n := 0
		switch {
		case len(v) >= 17 && v[0] == caseRecPtr:
			n = 17
		case len(v) >= 5 && v[0] == caseRecJSON:
			n = 5 + int(binary.BigEndian.Uint32(v[1:5]))
		case len(v) >= 1 && v[0] == caseRecNone:
			n = 1
		case len(v) > 0 && v[0] == '{':
			head = caseHead(v)
		}
		if head == nil {
			if n == 0 || n > len(v) || (len(v)-n)%8 != 0 {
				return fmt.Errorf("%w: case %s: a record of %d bytes that is no case", ErrDamaged, k, len(v))
			}
			head, seqs = bytes.Clone(v[:n]), bytes.Clone(v[n:])
		}
		var idx []byte
		if idxs != nil {
			idx = bytes.Clone(idxs.Get(k))
		}
		if idx == nil && head[0] != caseRecNone { // none of a hub's files lacks it: made from the case
			js, err := stateValue(tx, head)
			if head[0] == caseRecJSON {
				js = head[5:]
			}
			if err != nil {
				return err
			}
			var c model.Case
			if err := json.Unmarshal(js, &c); err != nil {
				return fmt.Errorf("case %s: %w", k, err)
			}
			idx = encodeCaseRec(&c)
		}
		if err := cases.Put(k, append(caseBlob(head, idx), seqs...)); err != nil {
			return err
		}
	}
	if idxs != nil {
		if err := tx.DeleteBucket(bucketCaseIndex); err != nil {
			return err
		}
	}
	old := tx.Bucket(bucketOldMessages)
	if old == nil {
		return nil
	}
	var id, seqs []byte
	flush := func() error {
		if id == nil {
			return nil
		}
		rec, err := mergeCaseRec(bytes.Clone(cases.Get(id)), nil, 0)
		if err != nil {
			return fmt.Errorf("case %s: %w", id, err)
		}
		return cases.Put(id, append(rec, seqs...)) // it had none
	}
	c := old.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) < 9 || k[len(k)-9] != 0 {
			return fmt.Errorf("%w: message key %q", ErrDamaged, k)
		}
		cid, seq := k[:len(k)-9], binary.BigEndian.Uint64(k[len(k)-8:])
		if !bytes.Equal(cid, id) {
			if err := flush(); err != nil {
				return err
			}
			id, seqs = bytes.Clone(cid), seqs[:0]
		}
		seqs = binary.BigEndian.AppendUint64(seqs, seq)
		if len(v) == 17 && v[0] == 0 && binary.BigEndian.Uint64(v[1:9]) == seq {
			continue // the event that added it: read there
		}
		if err := msgs.Put(seqKey(seq), bytes.Clone(v)); err != nil {
			return err
		}
	}
	if err := flush(); err != nil {
		return err
	}
	return tx.DeleteBucket(bucketOldMessages)
}
