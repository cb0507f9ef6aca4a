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
// written before it read as private until their case next changes. The
// fifth bit (snoozed) came later still: when set, the snooze time follows
// the flags as a varint; without it a case is awake.

const (
	summaryCodecV1 = 1
	summaryCodec   = 2
)

const (
	flagTroll = 1 << iota
	flagSpam
	flagIrrelevant
	flagPublic
	flagSnoozed
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
	if !s.Snoozed.IsZero() {
		flags |= flagSnoozed
	}
	b = append(b, flags)
	if !s.Snoozed.IsZero() {
		b = binary.AppendVarint(b, unixNano(s.Snoozed))
	}
	return b
}

// SummaryRecord is one encoded summary decoded in place: its strings are
// slices of the record's bytes (valid only as long as those are: during a
// ReadSummaryRecords call back) and its times Unix nanoseconds, 0 for the
// zero time. It is what the console's start-up files its queue index from
// without a model.Summary, a string or a time.Time in between.
type SummaryRecord struct {
	ID, Channel, Author, Handle, Reach, Preview, Status, Assignee, CustomerID []byte
	Priority                                                                  int64
	Created, LastMessageAt, WaitingSince                                      int64
	MessageCount                                                              uint64
	Version                                                                   int64
	SLA                                                                       []byte
	Due                                                                       int64
	Category, Urgency, Sentiment, Lang, TriageSource                          []byte
	Score                                                                     int64
	Troll, Spam, Irrelevant, Public                                           bool
	Snoozed                                                                   int64
}

// decodeRecord decodes b (either version) into r; the one decoder of the
// layout: decodeSummary is made from it.
func decodeRecord(b []byte, r *SummaryRecord) error {
	*r = SummaryRecord{}
	if len(b) == 0 || (b[0] != summaryCodec && b[0] != summaryCodecV1) {
		return errCorruptSummary
	}
	d := decoder{b: b[1:]}
	r.ID, r.Channel, r.Author, r.Handle, r.Reach = d.bytes(), d.bytes(), d.bytes(), d.bytes(), d.bytes()
	r.Preview, r.Status, r.Assignee, r.CustomerID = d.bytes(), d.bytes(), d.bytes(), d.bytes()
	r.Priority = d.varint()
	r.Created, r.LastMessageAt, r.WaitingSince = d.varint(), d.varint(), d.varint()
	r.MessageCount = d.uvarint()
	r.Version = d.varint()
	if b[0] >= summaryCodec {
		r.SLA = d.bytes()
		r.Due = d.varint()
		r.Category, r.Urgency, r.Sentiment, r.Lang, r.TriageSource = d.bytes(), d.bytes(), d.bytes(), d.bytes(), d.bytes()
		r.Score = d.varint()
		var flags byte
		if d.rest() > 0 {
			flags = d.b[d.i]
			d.i++
		} else {
			d.bad = true
		}
		if flags&^(flagTroll|flagSpam|flagIrrelevant|flagPublic|flagSnoozed) != 0 {
			d.bad = true
		}
		r.Troll, r.Spam, r.Irrelevant = flags&flagTroll != 0, flags&flagSpam != 0, flags&flagIrrelevant != 0
		r.Public = flags&flagPublic != 0
		if flags&flagSnoozed != 0 {
			r.Snoozed = d.varint()
		}
	}
	if d.bad || d.rest() != 0 {
		*r = SummaryRecord{}
		return errCorruptSummary
	}
	return nil
}

func decodeSummary(b []byte) (model.Summary, error) {
	var r SummaryRecord
	if err := decodeRecord(b, &r); err != nil {
		return model.Summary{}, err
	}
	// One string holds the record's text: its fields are slices of it,
	// one allocation per summary instead of one per field.
	src := string(b)
	str := func(f []byte) string {
		if len(f) == 0 {
			return ""
		}
		off := cap(b) - cap(f) // f is b[off : off+len(f)]
		return src[off : off+len(f)]
	}
	return model.Summary{
		ID: str(r.ID), Channel: model.Channel(str(r.Channel)), Author: str(r.Author), Handle: str(r.Handle),
		Reach: model.Reach(str(r.Reach)), Preview: str(r.Preview), Status: model.Status(str(r.Status)),
		Assignee: str(r.Assignee), CustomerID: str(r.CustomerID),
		Priority: model.Priority(r.Priority),
		Created:  fromNano(r.Created), LastMessageAt: fromNano(r.LastMessageAt), WaitingSince: fromNano(r.WaitingSince),
		MessageCount: int(r.MessageCount), Version: r.Version,
		SLA: model.SLAState(str(r.SLA)), Due: fromNano(r.Due),
		Category: str(r.Category), Urgency: str(r.Urgency), Sentiment: str(r.Sentiment), Lang: str(r.Lang),
		TriageSource: str(r.TriageSource), Score: int(r.Score),
		Troll: r.Troll, Spam: r.Spam, Irrelevant: r.Irrelevant, Public: r.Public, Snoozed: fromNano(r.Snoozed),
	}, nil
}

func fromNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
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

// decoder reads a record from position i on; bad is set, and the rest
// reads as zero, at the first field that does not fit. The one-byte
// forms (most lengths and counts) are read inline.
type decoder struct {
	b   []byte
	i   int
	bad bool
}

func (d *decoder) rest() int { return len(d.b) - d.i }

func (d *decoder) uvarint() uint64 {
	if i := d.i; i < len(d.b) {
		if c := d.b[i]; c < 0x80 {
			d.i = i + 1
			return uint64(c)
		}
	}
	return d.uvarintLong()
}

func (d *decoder) uvarintLong() uint64 {
	v, n := binary.Uvarint(d.b[min(d.i, len(d.b)):])
	if n <= 0 {
		d.bad, d.i = true, len(d.b)
		return 0
	}
	d.i += n
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b[min(d.i, len(d.b)):])
	if n <= 0 {
		d.bad, d.i = true, len(d.b)
		return 0
	}
	d.i += n
	return v
}

// bytes is the next string field, a slice of the record. Its capacity
// runs to the record's end (decodeSummary finds a field's offset by it):
// never append to it.
func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if n > uint64(len(d.b)-d.i) {
		d.bad, d.i = true, len(d.b)
		return nil
	}
	d.i += int(n)
	return d.b[d.i-int(n) : d.i]
}
