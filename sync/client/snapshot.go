package client

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/gorilla/websocket"

	"switchboard/model"
	"switchboard/store"
	"switchboard/sync/wire"
)

// A snapshot is most of what a fresh console receives (100,000 cases are
// some 200 MB of JSON), and decoding it into model.Events only to encode
// every entity again for the cache was most of a sync's CPU. So snapshot
// frames are read by a scanner of their own: it checks the whole frame is
// JSON (as encoding/json would), and keeps each entity's JSON as it came,
// with what the cache files it by (type, seq, case id); the cache stores
// those bytes as they are. Every other frame goes through wire.Decode.

// snapshotPage is a snapshot frame as the scanner reads it.
type snapshotPage struct {
	Entities []store.Entity
	First    bool
	Done     bool
	Seq      uint64
}

func (snapshotPage) Type() wire.Type { return wire.TypeSnapshot }

// EntityCache is a Cache that takes snapshot entities as their JSON
// (store.Store does). A Cache without it gets decoded events.
type EntityCache interface {
	ApplySnapshotEntities(ents []store.Entity) (store.Applied, error)
}

// readMessage reads one message, at most wire.MaxFrame+1 bytes after
// inflation, into a buffer sized from the message before it (hint):
// snapshot pages come in a row of similar sizes, and a buffer grown by
// doubling from 512 bytes copied each of them many times.
func readMessage(conn *websocket.Conn, hint *int) ([]byte, error) {
	_, r, err := conn.NextReader()
	if err != nil {
		return nil, err
	}
	buf := make([]byte, 0, max(*hint, 512))
	for len(buf) <= wire.MaxFrame {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, len(buf))
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	*hint = min(len(buf)+len(buf)/8, wire.MaxFrame+1)
	return buf, nil
}

// decodeFrame decodes a frame from the hub; snapshot frames become a
// snapshotPage, its cases decoded (here, in the reader, while the cache
// writes the frames before).
func decodeFrame(raw []byte) (wire.Frame, error) {
	if len(raw) > wire.MaxFrame {
		return nil, wire.ErrTooLarge
	}
	if !isSnapshot(raw) {
		return wire.Decode(raw)
	}
	p, err := scanSnapshot(raw)
	if err == nil {
		err = p.decodeCases()
	}
	if err != nil {
		return nil, wire.Error{Code: wire.CodeBadFrame, Reason: err.Error()}
	}
	return p, nil
}

// decodeCases decodes the page's cases (the cache needs their summaries).
func (p snapshotPage) decodeCases() error {
	for i := range p.Entities {
		e := &p.Entities[i]
		if e.Type != model.EventCaseUpserted {
			continue
		}
		e.Case = new(model.Case)
		if err := json.Unmarshal(e.JSON, e.Case); err != nil {
			return fmt.Errorf("snapshot case %s: %w", e.ID, err)
		}
	}
	return nil
}

// isSnapshot says whether the frame's type is snapshot, reading only up to
// its type field (the hub writes it first; a frame with it elsewhere goes
// the general way).
func isSnapshot(raw []byte) bool {
	s := scanner{b: raw}
	s.ws()
	if !s.eat('{') {
		return false
	}
	s.ws()
	k, err := s.str()
	if err != nil || string(k) != "type" {
		return false
	}
	s.ws()
	if !s.eat(':') {
		return false
	}
	s.ws()
	v, err := s.str()
	return err == nil && string(v) == string(wire.TypeSnapshot)
}

// scanSnapshot reads a snapshot frame: fields in any order, unknown ones
// skipped (but checked), as the protocol says.
func scanSnapshot(raw []byte) (snapshotPage, error) {
	var p snapshotPage
	s := scanner{b: raw}
	err := s.object(func(key []byte) error {
		var err error
		switch string(key) {
		case "type":
			_, err = s.str()
		case "first":
			p.First, err = s.boolean()
		case "done":
			p.Done, err = s.boolean()
		case "seq":
			p.Seq, err = s.uint()
		case "events":
			p.Entities, err = s.entities(p.Entities[:0])
		default:
			err = s.value()
		}
		return err
	})
	if err == nil {
		s.ws()
		if s.i != len(s.b) {
			err = s.fail("data after the frame")
		}
	}
	if err != nil {
		return snapshotPage{}, fmt.Errorf("snapshot frame: %w", err)
	}
	return p, nil
}

// entities reads the events array of a snapshot. A case, message or
// customer entity is kept as its object's JSON, with the id the cache
// files it by; an event of another kind (expert, listened item, a kind
// this build does not know) is kept whole, for the cache to decode.
func (s *scanner) entities(out []store.Entity) ([]store.Entity, error) {
	if s.null() {
		return out, nil
	}
	type object struct {
		json, id, caseID []byte
	}
	err := s.array(func() error {
		var e store.Entity
		var objs [3]object // case, message, customer
		s.ws()
		start := s.i
		err := s.object(func(key []byte) error {
			var err error
			k := -1
			switch string(key) {
			case "seq":
				e.Seq, err = s.uint()
				return err
			case "type":
				var t []byte
				t, err = s.str()
				e.Type = model.EventType(t)
				return err
			case "case":
				k = 0
			case "message":
				k = 1
			case "customer":
				k = 2
			default:
				return s.value()
			}
			if s.null() {
				objs[k] = object{}
				return nil
			}
			from := s.i
			id, caseID, err := s.objectIDs()
			objs[k] = object{s.b[from:s.i], id, caseID}
			return err
		})
		if err != nil {
			return err
		}
		if len(out) == wire.MaxPage {
			return s.refuse(fmt.Sprintf("more than %d entities in one snapshot page", wire.MaxPage))
		}
		var o object
		switch e.Type {
		case model.EventCaseUpserted, model.EventCustomerUpserted:
			if o = objs[0]; e.Type == model.EventCustomerUpserted {
				o = objs[2]
			}
			e.ID = string(o.id)
		case model.EventMessageAdded, model.EventMessageUpdated:
			// A message is filed under its case; wire's check wants
			// both ids, and its seq.
			if o = objs[1]; len(o.id) == 0 {
				o.json = nil
			}
			e.ID = string(o.caseID)
			if e.Seq == 0 && o.json != nil {
				return s.refuse("message without its seq")
			}
		default:
			e.JSON = s.b[start:s.i]
			out = append(out, e)
			return nil
		}
		if o.json == nil || e.ID == "" {
			return s.refuse(fmt.Sprintf("%s entity without its object or id", e.Type))
		}
		e.JSON = o.json
		out = append(out, e)
		return nil
	})
	return out, err
}

// events decodes a page's entities, for a cache that takes events.
func (p snapshotPage) events() ([]model.Event, error) {
	out := make([]model.Event, 0, len(p.Entities))
	for _, e := range p.Entities {
		ev, err := e.Event()
		if err != nil {
			return nil, fmt.Errorf("snapshot entity %s: %w", e.ID, err)
		}
		out = append(out, ev)
	}
	return out, nil
}

// scanner checks and splits JSON as RFC 8259 has it (and as encoding/json
// reads it: bytes of strings are not checked for UTF-8).
type scanner struct {
	b     []byte
	i     int
	depth int
}

// maxDepth bounds nesting, as encoding/json does.
const maxDepth = 10000

var errSyntax = errors.New("invalid JSON")

func (s *scanner) fail(what string) error {
	return fmt.Errorf("%w at byte %d: %s", errSyntax, s.i, what)
}

// refuse is a frame that is JSON but not a snapshot page a console may
// apply (wire's checks of a snapshot).
func (s *scanner) refuse(what string) error {
	return fmt.Errorf("at byte %d: %s", s.i, what)
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *scanner) null() bool {
	s.ws()
	if bytes.HasPrefix(s.b[s.i:], []byte("null")) {
		s.i += 4
		return true
	}
	return false
}

// plain marks the bytes a string holds as they are: not '"', not '\\',
// not a control character.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// plainRun skips, eight bytes at a time, the bytes from i on that a
// string holds as they are (most of a snapshot is text): it stops at or
// before the first '"', '\\' or control character.
func plainRun(b []byte, i int) int {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	for i+8 <= len(b) {
		x := binary.LittleEndian.Uint64(b[i:])
		q, bs := x^(lo*'"'), x^(lo*'\\')
		// A byte of q or bs is zero, or a byte of x is below 0x20.
		if ((q-lo)&^q|(bs-lo)&^bs|(x-lo*0x20)&^x)&hi != 0 {
			return i
		}
		i += 8
	}
	return i
}

// str reads a string and returns its value (unescaped only when it holds
// an escape).
func (s *scanner) str() ([]byte, error) {
	s.ws()
	if !s.eat('"') {
		return nil, s.fail("expected a string")
	}
	start := s.i
	escaped := false
	for {
		s.i = plainRun(s.b, s.i)
		for s.i < len(s.b) && plain[s.b[s.i]] {
			s.i++
		}
		if s.i == len(s.b) {
			return nil, s.fail("unterminated string")
		}
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			if !escaped {
				return s.b[start : s.i-1], nil
			}
			var v string
			if err := json.Unmarshal(s.b[start-1:s.i], &v); err != nil {
				return nil, s.fail("bad string")
			}
			return []byte(v), nil
		case c == '\\':
			escaped = true
			s.i++
			if s.i == len(s.b) {
				return nil, s.fail("unterminated string")
			}
			switch s.b[s.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i++
			case 'u':
				if s.i+5 > len(s.b) {
					return nil, s.fail("short \\u escape")
				}
				for _, h := range s.b[s.i+1 : s.i+5] {
					if !isHex(h) {
						return nil, s.fail("bad \\u escape")
					}
				}
				s.i += 5
			default:
				return nil, s.fail("bad escape")
			}
		default:
			return nil, s.fail("control character in string")
		}
	}
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// object reads an object, calling field for each key with the scanner at
// its value; field must read the value.
func (s *scanner) object(field func(key []byte) error) error {
	s.ws()
	if !s.eat('{') {
		return s.fail("expected an object")
	}
	if s.depth++; s.depth > maxDepth {
		return s.fail("nested too deeply")
	}
	defer func() { s.depth-- }()
	s.ws()
	if s.eat('}') {
		return nil
	}
	for {
		k, err := s.str()
		if err != nil {
			return err
		}
		s.ws()
		if !s.eat(':') {
			return s.fail("expected ':'")
		}
		if err := field(k); err != nil {
			return err
		}
		s.ws()
		if s.eat('}') {
			return nil
		}
		if !s.eat(',') {
			return s.fail("expected ',' or '}'")
		}
	}
}

// array reads an array, calling elem with the scanner at each element.
func (s *scanner) array(elem func() error) error {
	s.ws()
	if !s.eat('[') {
		return s.fail("expected an array")
	}
	if s.depth++; s.depth > maxDepth {
		return s.fail("nested too deeply")
	}
	defer func() { s.depth-- }()
	s.ws()
	if s.eat(']') {
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		s.ws()
		if s.eat(']') {
			return nil
		}
		if !s.eat(',') {
			return s.fail("expected ',' or ']'")
		}
	}
}

// objectIDs reads an object and returns the string values of its "id"
// and "case_id" fields (the last of each, as encoding/json keeps; nil when
// absent or not a string).
func (s *scanner) objectIDs() (id, caseID []byte, err error) {
	err = s.object(func(k []byte) error {
		s.ws()
		if s.i < len(s.b) && s.b[s.i] == '"' {
			switch string(k) {
			case "id":
				v, err := s.str()
				id = v
				return err
			case "case_id":
				v, err := s.str()
				caseID = v
				return err
			}
		}
		return s.value()
	})
	return id, caseID, err
}

// value reads (and checks) any value.
func (s *scanner) value() error {
	s.ws()
	if s.i == len(s.b) {
		return s.fail("unexpected end")
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return s.object(func([]byte) error { return s.value() })
	case c == '[':
		return s.array(s.value)
	case c == '"':
		_, err := s.str()
		return err
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		_, err := s.number()
		return err
	}
	return s.fail("unexpected character")
}

func (s *scanner) literal(lit string) error {
	if !bytes.HasPrefix(s.b[s.i:], []byte(lit)) {
		return s.fail("bad literal")
	}
	s.i += len(lit)
	return nil
}

func (s *scanner) boolean() (bool, error) {
	s.ws()
	switch {
	case bytes.HasPrefix(s.b[s.i:], []byte("true")):
		s.i += 4
		return true, nil
	case bytes.HasPrefix(s.b[s.i:], []byte("false")):
		s.i += 5
		return false, nil
	case s.null():
		return false, nil
	}
	return false, s.fail("expected a boolean")
}

// number reads a number and returns its text.
func (s *scanner) number() ([]byte, error) {
	start := s.i
	s.eat('-')
	digits := func() int {
		n := 0
		for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	switch {
	case s.eat('0'):
	case digits() == 0:
		return nil, s.fail("bad number")
	}
	if s.eat('.') && digits() == 0 {
		return nil, s.fail("bad number")
	}
	if s.eat('e') || s.eat('E') {
		if !s.eat('+') {
			s.eat('-')
		}
		if digits() == 0 {
			return nil, s.fail("bad number")
		}
	}
	return s.b[start:s.i], nil
}

// uint reads a number that must be an unsigned integer (or null: 0).
func (s *scanner) uint() (uint64, error) {
	s.ws()
	if s.null() {
		return 0, nil
	}
	if s.i == len(s.b) || s.b[s.i] != '-' && (s.b[s.i] < '0' || s.b[s.i] > '9') {
		return 0, s.fail("expected a number")
	}
	n, err := s.number()
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseUint(string(n), 10, 64)
	if err != nil {
		return 0, s.fail("expected an unsigned integer")
	}
	return v, nil
}

// SnapshotBatch is the most snapshot entities written in one cache
// transaction when several pages are waiting: a commit (two fsyncs) per
// 8,000 entities, some 8 MB of a typical snapshot.
const SnapshotBatch = 16 * wire.MaxPage

// snapshot handles a snapshot frame and the snapshot frames already
// waiting after it (more), up to SnapshotBatch entities, in one cache write; it
// returns whether the snapshot is done and its seq.
func (c *Client) snapshot(f wire.Frame, more func(keep func(wire.Frame) bool) (wire.Frame, bool)) (bool, uint64, error) {
	p, err := asPage(f)
	if err != nil {
		return false, 0, err
	}
	first := p.First
	if first {
		if err := c.Cache.BeginSnapshot(); err != nil {
			return false, 0, fmt.Errorf("begin snapshot: %w", err)
		}
	}
	// The pages that follow, up to the last, go into one transaction; a
	// first page (a new snapshot) starts a batch.
	ents := p.Entities
	for !p.Done && len(ents) < SnapshotBatch {
		nf, ok := more(func(f wire.Frame) bool {
			switch sn := f.(type) {
			case snapshotPage:
				return !sn.First
			case wire.Snapshot:
				return !sn.First
			}
			return false
		})
		if !ok {
			break
		}
		if p, err = asPage(nf); err != nil {
			return false, 0, err
		}
		ents = append(ents, p.Entities...)
	}
	var applied store.Applied
	if ec, ok := c.Cache.(EntityCache); ok {
		applied, err = ec.ApplySnapshotEntities(ents)
	} else {
		var evs []model.Event
		if evs, err = (snapshotPage{Entities: ents}).events(); err == nil {
			applied, err = c.Cache.ApplySnapshot(evs)
		}
	}
	if err != nil {
		return false, 0, fmt.Errorf("apply snapshot: %w", err)
	}
	c.set(func(s *Status) {
		if first {
			s.SnapshotCases = 0
		}
		s.SnapshotCases += len(applied.Cases)
	})
	if c.OnApplied != nil && (len(applied.Cases) > 0 || len(applied.Customers) > 0) {
		c.OnApplied(applied)
	}
	if p.Done {
		if err := c.Cache.EndSnapshot(p.Seq); err != nil {
			return false, 0, fmt.Errorf("end snapshot: %w", err)
		}
	}
	return p.Done, p.Seq, nil
}

// asPage is a snapshot frame as a snapshotPage: a wire.Snapshot (a frame
// whose type field was not first, decoded the general way) is encoded
// again and scanned.
func asPage(f wire.Frame) (snapshotPage, error) {
	switch f := f.(type) {
	case snapshotPage:
		return f, nil
	case wire.Snapshot:
		raw, err := wire.Encode(f)
		if err != nil {
			return snapshotPage{}, err
		}
		p, err := scanSnapshot(raw)
		if err == nil {
			err = p.decodeCases()
		}
		return p, err
	}
	return snapshotPage{}, fmt.Errorf("not a snapshot frame: %T", f)
}
