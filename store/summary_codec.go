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
//
// Version 2 appends the service level and the triage: the SLA state, the
// due time, the category, urgency, sentiment, language and triage source
// strings, the score (varint) and a flags byte (troll, spam, irrelevant).
// Version 1 records (caches written before it) still decode, with those
// fields empty; they are rewritten as v2 when their case next changes.
// The flags byte's fourth bit (public) came later within v2: records
// written before it read as private until their case next changes.

const (
	summaryCodecV1 = 1
	summaryCodec   = 2
)

const (
	flagTroll = 1 << iota
	flagSpam
	flagIrrelevant
	flagPublic
)

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
	b = binary.AppendVarint(b, s.Version)
	b = binary.AppendUvarint(b, uint64(len(s.SLA)))
	b = append(b, s.SLA...)
	b = binary.AppendVarint(b, unixNano(s.Due))
	for _, str := range []string{s.Category, s.Urgency, s.Sentiment, s.Lang, s.TriageSource} {
		b = binary.AppendUvarint(b, uint64(len(str)))
		b = append(b, str...)
	}
	b = binary.AppendVarint(b, int64(s.Score))
	var flags byte
	if s.Troll {
		flags |= flagTroll
	}
	if s.Spam {
		flags |= flagSpam
	}
	if s.Irrelevant {
		flags |= flagIrrelevant
	}
	if s.Public {
		flags |= flagPublic
	}
	return append(b, flags)
}

func decodeSummary(b []byte) (model.Summary, error) {
	var s model.Summary
	if len(b) == 0 || (b[0] != summaryCodec && b[0] != summaryCodecV1) {
		return s, errCorruptSummary
	}
	// One string holds the record's text: its fields are slices of it,
	// one allocation per summary instead of one per field.
	d := decoder{b: b[1:], src: string(b[1:])}
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
	if b[0] >= summaryCodec {
		s.SLA = model.SLAState(d.str())
		if n := d.varint(); n != 0 {
			s.Due = time.Unix(0, n).UTC()
		}
		for _, p := range []*string{&s.Category, &s.Urgency, &s.Sentiment, &s.Lang, &s.TriageSource} {
			*p = d.str()
		}
		s.Score = int(d.varint())
		var flags byte
		if len(d.b) > 0 {
			flags, d.b = d.b[0], d.b[1:]
		} else {
			d.bad = true
		}
		if flags&^(flagTroll|flagSpam|flagIrrelevant|flagPublic) != 0 {
			d.bad = true
		}
		s.Troll, s.Spam, s.Irrelevant = flags&flagTroll != 0, flags&flagSpam != 0, flags&flagIrrelevant != 0
		s.Public = flags&flagPublic != 0
	}
	if d.bad || len(d.b) != 0 {
		return model.Summary{}, errCorruptSummary
	}
	return s, nil
}

// summaryCustomerID returns the customer id field of an encoded summary,
// without decoding the rest; the bytes live as long as b.
func summaryCustomerID(b []byte) ([]byte, bool) {
	if len(b) == 0 || (b[0] != summaryCodec && b[0] != summaryCodecV1) {
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
	src string // b as a string, when set: str returns slices of it
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
	var s string
	if n > 0 && d.src != "" {
		off := len(d.src) - len(d.b)
		s = d.src[off : off+int(n)]
	} else {
		s = string(d.b[:n])
	}
	d.b = d.b[n:]
	return s
}
