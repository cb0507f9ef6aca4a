package store

import (
	"encoding/binary"
	"errors"
	"time"

	"switchboard/model"
)

// Summaries are read at every start-up, 100,000 of them for a big team, so
// they have a compact binary form instead of JSON (about 10× faster to
// decode; see BenchmarkSummaries). Layout, version 1: a version byte, then
// the fields in the order below; strings are a uvarint length and bytes,
// numbers varints, times Unix nanoseconds (0 for the zero time).

const summaryCodec = 1

var errCorruptSummary = errors.New("store: corrupt summary record")

func encodeSummary(s model.Summary) []byte {
	b := make([]byte, 0, 64+len(s.ID)+len(s.Author)+len(s.Handle)+len(s.Preview))
	b = append(b, summaryCodec)
	for _, str := range []string{s.ID, string(s.Channel), s.Author, s.Handle, string(s.Reach), s.Preview, string(s.Status), s.Assignee, s.CustomerID} {
		b = binary.AppendUvarint(b, uint64(len(str)))
		b = append(b, str...)
	}
	b = binary.AppendVarint(b, int64(s.Priority))
	for _, t := range []time.Time{s.Created, s.LastMessageAt, s.WaitingSince} {
		b = binary.AppendVarint(b, unixNano(t))
	}
	b = binary.AppendUvarint(b, uint64(s.MessageCount))
	return binary.AppendVarint(b, s.Version)
}

func decodeSummary(b []byte) (model.Summary, error) {
	var s model.Summary
	if len(b) == 0 || b[0] != summaryCodec {
		return s, errCorruptSummary
	}
	d := decoder{b: b[1:]}
	strs := []*string{&s.ID, (*string)(&s.Channel), &s.Author, &s.Handle, (*string)(&s.Reach), &s.Preview, (*string)(&s.Status), &s.Assignee, &s.CustomerID}
	for _, p := range strs {
		*p = d.str()
	}
	s.Priority = model.Priority(d.varint())
	for _, t := range []*time.Time{&s.Created, &s.LastMessageAt, &s.WaitingSince} {
		if n := d.varint(); n != 0 {
			*t = time.Unix(0, n).UTC()
		}
	}
	s.MessageCount = int(d.uvarint())
	s.Version = d.varint()
	if d.bad || len(d.b) != 0 {
		return model.Summary{}, errCorruptSummary
	}
	return s, nil
}

// summaryCustomerID returns the customer id field of an encoded summary,
// without decoding the rest; the bytes live as long as b.
func summaryCustomerID(b []byte) ([]byte, bool) {
	if len(b) == 0 || b[0] != summaryCodec {
		return nil, false
	}
	b = b[1:]
	// CustomerID is the ninth string of the layout.
	for i := 0; i < 9; i++ {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return nil, false
		}
		if i == 8 {
			return b[k : k+int(n)], true
		}
		b = b[k+int(n):]
	}
	return nil, false
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

type decoder struct {
	b   []byte
	bad bool
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.bad, d.b = true, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.bad, d.b = true, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) str() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.bad, d.b = true, nil
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}
