// Package wire is the sync protocol between hub and console: the frames,
// their JSON encoding, and the limits both sides enforce. docs/protocol.md
// describes the same thing for people.
package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"

	"switchboard/model"
)

// Protocol is the version this build speaks.
const Protocol = 1

const (
	// MaxFrame is the largest frame either side reads; larger ones close
	// the connection with 1009 (message too big).
	MaxFrame = 4 << 20
	// MaxPage is the most events the hub puts in one events frame.
	MaxPage = 500
	// MaxOpsBatch is the most ops one ops frame may carry (a hub may
	// advertise fewer in welcome's max_ops_batch, never more).
	MaxOpsBatch = 200
	// SyncPath is the websocket endpoint under the hub's base URL.
	SyncPath = "/v1/sync"
)

// Type is the frame discriminator, the "type" field of every frame.
type Type string

const (
	TypeHello    Type = "hello"
	TypeWelcome  Type = "welcome"
	TypeEvents   Type = "events"
	TypeCaughtUp Type = "caught_up"
	TypeError    Type = "error"
	TypeOp       Type = "op"
	TypeOps      Type = "ops"
	TypeAck      Type = "ack"
	TypeAcks     Type = "acks"
	TypeReject   Type = "reject"
	TypePresence Type = "presence"
	TypeSnapshot Type = "snapshot"
)

// Frame is any message on the wire.
type Frame interface{ Type() Type }

// Hello is the client's first frame.
type Hello struct {
	Protocol int    `json:"protocol"`
	ClientID string `json:"client_id"`
	// Cursor is the seq of the last event the client has applied; 0 for none.
	Cursor uint64 `json:"cursor"`
}

// Welcome answers a valid hello.
type Welcome struct {
	Agent string `json:"agent"`
	Role  string `json:"role"`
	// Head is the seq of the newest event in the hub's log.
	Head uint64 `json:"head"`
	// MaxOpsBatch, when above 0, says the hub takes ops frames of up to
	// that many ops; OpRate and OpBurst are its budget of ops per second
	// per connection (a token bucket, every op counts, in op and ops
	// frames alike). A hub that sends none of them takes op frames only.
	MaxOpsBatch int     `json:"max_ops_batch,omitempty"`
	OpRate      float64 `json:"op_rate,omitempty"`
	OpBurst     int     `json:"op_burst,omitempty"`
}

// Events carries consecutive events in seq order.
type Events struct {
	Events []model.Event `json:"events"`
	// Head is the hub's head when the page was sent, for progress.
	Head uint64 `json:"head"`
}

// CaughtUp says the client has every event up to Seq.
type CaughtUp struct {
	Seq uint64 `json:"seq"`
}

// Error reports a problem with what the peer sent. OpID names the op a
// bad_op is about, when the frame had a well-formed op_id.
type Error struct {
	Code   string `json:"code"`
	Reason string `json:"reason"`
	OpID   string `json:"op_id,omitempty"`
}

// Op is an agent's action; the fields are those of model.Op.
type Op struct {
	model.Op
}

// Ops carries several ops in one frame, to a hub whose welcome has
// max_ops_batch: the hub applies them in order, as if each had come in its
// own op frame, and durably before it answers any of them. It answers the
// applied ones with one acks frame (after their events), and the others
// each with their reject or bad_op error, as for an op frame.
type Ops struct {
	Ops []model.Op `json:"ops"`
	// malformed are the bad_op errors of the frame's ops that did not
	// decode (Malformed); Decode leaves them out of Ops.
	malformed []Error
}

// Malformed are the bad_op errors of the ops of a decoded ops frame whose
// fields did not decode (a field of the wrong JSON type), each naming its
// op when its op_id is well formed; Ops holds the others, in order.
func (o Ops) Malformed() []Error { return o.malformed }

// Acks answers the applied ops of one ops frame, in their order; each is
// what an ack frame would say. The hub sends the events up to the last
// ack's Seq before it.
type Acks struct {
	Acks []Ack `json:"acks"`
}

// Ack says an op was applied (or had been applied before). Seq is the last
// event the op produced, 0 when it changed nothing; the hub sends the
// events up to Seq before the ack.
type Ack struct {
	OpID string `json:"op_id"`
	Seq  uint64 `json:"seq"`
}

// Reject says an op was refused, why, and what the case looks like now.
type Reject struct {
	OpID    string      `json:"op_id"`
	Code    string      `json:"code"`
	Reason  string      `json:"reason"`
	Current *model.Case `json:"current,omitempty"`
}

// Snapshot replaces a client's cache when its cursor is older than the
// hub's log horizon: pages of the current state (First on the first page:
// drop the cache, but never the outbox), then Done with the Seq that state
// is at, which becomes the client's cursor. Events in a snapshot are
// entities, not log entries: only messages carry a seq (for thread order).
type Snapshot struct {
	Events []model.Event `json:"events"`
	First  bool          `json:"first,omitempty"`
	Done   bool          `json:"done,omitempty"`
	Seq    uint64        `json:"seq,omitempty"`
}

// Presence says who looks at or types in a case. A client sends its own
// (Agent empty: the hub fills it in); the hub sends everyone's, and an
// empty State when someone left. Presence is not logged and expires.
type Presence struct {
	Agent    string `json:"agent,omitempty"`
	ClientID string `json:"client_id,omitempty"`
	CaseID   string `json:"case_id,omitempty"`
	State    string `json:"state"` // viewing, typing, or "" for gone
}

// Presence states.
const (
	PresenceViewing = "viewing"
	PresenceTyping  = "typing"
)

// Error codes.
const (
	CodeBadFrame    = "bad_frame"
	CodeUnknownType = "unknown_type"
	CodeProtocol    = "protocol_mismatch"
	CodeBadHello    = "bad_hello"
	CodeResync      = "resync"
	CodeBadOp       = "bad_op"
	CodeRateLimited = "rate_limited"
	CodeRevoked     = "token_revoked"
)

func (Hello) Type() Type    { return TypeHello }
func (Welcome) Type() Type  { return TypeWelcome }
func (Events) Type() Type   { return TypeEvents }
func (CaughtUp) Type() Type { return TypeCaughtUp }
func (Error) Type() Type    { return TypeError }

func (Presence) Type() Type { return TypePresence }
func (Snapshot) Type() Type { return TypeSnapshot }
func (Op) Type() Type       { return TypeOp }
func (Ack) Type() Type      { return TypeAck }
func (Ops) Type() Type      { return TypeOps }
func (Acks) Type() Type     { return TypeAcks }
func (Reject) Type() Type   { return TypeReject }

func (e Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Reason) }

// ErrTooLarge is returned for frames over MaxFrame.
var ErrTooLarge = errors.New("wire: frame too large")

// Encode writes f as a JSON object with its "type" field first.
func Encode(f Frame) ([]byte, error) {
	body, err := json.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("wire: encode %s: %w", f.Type(), err)
	}
	var buf bytes.Buffer
	buf.Grow(len(body) + 24)
	buf.WriteString(`{"type":"`)
	buf.WriteString(string(f.Type()))
	buf.WriteByte('"')
	if len(body) > 2 {
		buf.WriteByte(',')
		buf.Write(body[1:])
	} else {
		buf.WriteByte('}')
	}
	if buf.Len() > MaxFrame {
		return nil, ErrTooLarge
	}
	return buf.Bytes(), nil
}

// Decode parses one frame and checks it is well formed. Unknown fields are
// ignored (newer peers may add some); an unknown type is an Error with
// CodeUnknownType.
func Decode(b []byte) (Frame, error) {
	if len(b) > MaxFrame {
		return nil, ErrTooLarge
	}
	var head struct {
		Type Type `json:"type"`
	}
	if t, ok := leadingType(b); ok {
		// Encode puts the type first: no pass over the whole frame just
		// for it (the frame is still checked whole when it is decoded).
		head.Type = t
	} else if err := json.Unmarshal(b, &head); err != nil {
		return nil, Error{Code: CodeBadFrame, Reason: "not a JSON object: " + err.Error()}
	}
	if head.Type == "" {
		return nil, Error{Code: CodeBadFrame, Reason: "frame without type"}
	}
	decode, ok := decoders[head.Type]
	if !ok {
		return nil, Error{Code: CodeUnknownType, Reason: fmt.Sprintf("unknown frame type %.64q", head.Type)}
	}
	return decode(b)
}

// leadingType reads the type of a frame that starts {"type":"…", as
// Encode writes them, with a type of plain letters and underscores.
func leadingType(b []byte) (Type, bool) {
	const prefix = `{"type":"`
	if !bytes.HasPrefix(b, []byte(prefix)) {
		return "", false
	}
	for i := len(prefix); i < len(b) && i < len(prefix)+32; i++ {
		switch c := b[i]; {
		case c == '"':
			if i == len(prefix) || i+1 >= len(b) || (b[i+1] != ',' && b[i+1] != '}') {
				return "", false
			}
			return Type(b[len(prefix):i]), true
		case c >= 'a' && c <= 'z' || c == '_':
		default:
			return "", false
		}
	}
	return "", false
}

var decoders = map[Type]func([]byte) (Frame, error){
	TypeHello: decodeAs[Hello], TypeWelcome: decodeAs[Welcome], TypeEvents: decodeAs[Events],
	TypeCaughtUp: decodeAs[CaughtUp], TypeError: decodeAs[Error], TypeOp: decodeOp,
	TypeAck: decodeAs[Ack], TypeReject: decodeAs[Reject], TypeSnapshot: decodeAs[Snapshot],
	TypePresence: decodeAs[Presence], TypeOps: decodeOps, TypeAcks: decodeAs[Acks],
}

// decodeOp parses an op frame. An op with an op_id whose other fields do
// not decode (a field of the wrong JSON type: "priority": "high", a
// created that is no RFC 3339 time) is a bad_op like one whose fields do
// not fit its kind, naming the op when its op_id is well formed: the
// client can tell which op it was and set it aside, rather than send it
// again and again unanswered. A frame that is no JSON, or whose op_id is
// no string, stays a bad_frame.
func decodeOp(b []byte) (Frame, error) {
	var o Op
	if err := json.Unmarshal(b, &o); err != nil {
		if e, ok := malformedOp(b, err); ok {
			return nil, e
		}
		return nil, bad(TypeOp, err)
	}
	if err := o.check(); err != nil {
		return nil, err
	}
	return o, nil
}

// decodeOps parses an ops frame op by op, so that one op that does not
// decode is refused alone (Malformed), as if it had come in its own op
// frame, and the others are applied.
func decodeOps(b []byte) (Frame, error) {
	var whole Ops // the common case, in one pass: every op decodes
	if err := json.Unmarshal(b, &whole); err == nil {
		if err := whole.check(); err != nil {
			return nil, err
		}
		return whole, nil
	} else if !json.Valid(b) {
		return nil, bad(TypeOps, err)
	}
	var raw struct {
		Ops []json.RawMessage `json:"ops"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, bad(TypeOps, err)
	}
	o := Ops{Ops: make([]model.Op, 0, len(raw.Ops))}
	for _, r := range raw.Ops {
		var op model.Op
		if err := json.Unmarshal(r, &op); err != nil {
			e, _ := malformedOp(r, err) // in a batch, a bad_op even when it cannot be named
			o.malformed = append(o.malformed, e)
			continue
		}
		o.Ops = append(o.Ops, op)
	}
	if err := o.check(); err != nil {
		return nil, err
	}
	return o, nil
}

// malformedOp is the bad_op of an op that did not decode, with its op_id
// when that one is a well-formed id; ok says the op is JSON with an op_id
// that is a string.
func malformedOp(raw []byte, err error) (e Error, ok bool) {
	e = Error{Code: CodeBadOp, Reason: cut("malformed op: "+err.Error(), 200)}
	var id struct {
		OpID *string `json:"op_id"`
	}
	if json.Unmarshal(raw, &id) != nil || id.OpID == nil {
		return e, false
	}
	if ValidID(*id.OpID) {
		e.OpID = *id.OpID
	}
	return e, true
}

// decodeAs parses a frame of one type and runs its check, if it has one.
func decodeAs[T Frame](b []byte) (Frame, error) {
	var f T
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, bad(f.Type(), err)
	}
	if c, ok := any(f).(interface{ check() error }); ok {
		if err := c.check(); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// MaxID is the longest id a peer may send (client_id, op_id, case ids,
// message_id); ids use the characters of ValidID.
const MaxID = 64

// ValidID says whether s is an id as the protocol takes it: 1 to 64 ASCII
// letters, digits, '.', '_', ':' or '-' (a UUID is one). Ids travel into
// other agents' frames and into log lines, so their form is bounded.
func ValidID(s string) bool {
	if s == "" || len(s) > MaxID {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == ':', c == '-':
		default:
			return false
		}
	}
	return true
}

// printable says whether s is at most max bytes of UTF-8 without control
// characters: the form of names a peer sends (tags, customer numbers,
// assignees).
func printable(s string, max int) bool {
	if len(s) > max || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

const idForm = "1–64 letters, digits, '.', '_', ':' or '-'"

func (h Hello) check() error {
	if h.Protocol <= 0 {
		return Error{Code: CodeBadHello, Reason: "hello without protocol version"}
	}
	if !ValidID(h.ClientID) {
		return Error{Code: CodeBadHello, Reason: "client_id must be " + idForm}
	}
	return nil
}

func (e Events) check() error { return checkEvents(e.Events) }

// check refuses an op whose fields do not fit its kind, or whose ids or
// names are not of their documented form. The answer names the op when its
// op_id is well formed, so a client with many ops in flight knows which one
// it was.
func (o Op) check() error {
	refuse := func(reason string) error {
		e := Error{Code: CodeBadOp, Reason: reason}
		if ValidID(o.ID) {
			e.OpID = o.ID
		}
		return e
	}
	if !ValidID(o.ID) {
		return refuse("op_id must be " + idForm)
	}
	if err := o.Validate(); err != nil {
		return refuse(cut(err.Error(), 200))
	}
	ids := []struct {
		name, v  string
		optional bool
	}{
		{"case_id", o.CaseID, false}, {"other_case_id", o.Other, true}, {"via", o.Via, true}, {"message_id", o.MessageID, true},
	}
	if o.Kind == model.OpAskExpert {
		// expert and contact are identity keys (name@host on a forum).
		for _, n := range []struct{ name, v string }{{"contact", o.Contact}, {"expert", o.Expert}} {
			if !printable(n.v, 200) {
				return refuse(n.name + " must be at most 200 bytes of UTF-8 without control characters")
			}
		}
	}
	for _, id := range ids {
		if (id.v != "" || !id.optional) && !ValidID(id.v) {
			return refuse(id.name + " must be " + idForm)
		}
	}
	names := []struct{ name, v string }{{"tag", o.Tag}, {"customer_id", o.CustomerID}, {"assignee", o.Assignee}}
	for _, n := range names {
		if !printable(n.v, MaxID) {
			return refuse(n.name + " must be at most 64 bytes of UTF-8 without control characters")
		}
	}
	return nil
}

// CheckOp checks one op of an ops frame as an op frame's is checked: the
// error is a bad_op Error, naming the op when its op_id is well formed.
func CheckOp(op model.Op) error { return Op{op}.check() }

// check refuses an empty ops frame or one over MaxOpsBatch as a whole
// (bad_frame); the ops in it are checked one by one (CheckOp) by the hub,
// so that one malformed op does not refuse the others.
func (o Ops) check() error {
	if n := len(o.Ops) + len(o.malformed); n == 0 || n > MaxOpsBatch {
		return Error{Code: CodeBadFrame, Reason: fmt.Sprintf("%d ops in one ops frame: want 1 to %d", n, MaxOpsBatch)}
	}
	return nil
}

func (a Acks) check() error {
	if len(a.Acks) == 0 {
		return Error{Code: CodeBadFrame, Reason: "acks without an ack"}
	}
	for _, k := range a.Acks {
		if err := k.check(); err != nil {
			return err
		}
	}
	return nil
}

// cut shortens s to at most n bytes, on a rune boundary, so an error never
// repeats much of what a peer sent.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func (a Ack) check() error {
	if a.OpID == "" {
		return Error{Code: CodeBadFrame, Reason: "ack without op_id"}
	}
	return nil
}

func (r Reject) check() error {
	if r.OpID == "" || r.Code == "" {
		return Error{Code: CodeBadFrame, Reason: "reject without op_id or code"}
	}
	return nil
}

func (sn Snapshot) check() error {
	if len(sn.Events) > MaxPage {
		return Error{Code: CodeBadFrame, Reason: fmt.Sprintf("%d entities in one snapshot page, limit %d", len(sn.Events), MaxPage)}
	}
	for _, ev := range sn.Events {
		if err := checkEntity(ev); err != nil {
			return err
		}
	}
	return nil
}

func (p Presence) check() error {
	if p.State != "" && p.State != PresenceViewing && p.State != PresenceTyping {
		return Error{Code: CodeBadFrame, Reason: fmt.Sprintf("presence state %.20q: want viewing, typing or empty", p.State)}
	}
	if p.State != "" && p.CaseID == "" {
		return Error{Code: CodeBadFrame, Reason: "presence without case_id"}
	}
	if (p.CaseID != "" && !ValidID(p.CaseID)) || (p.ClientID != "" && !ValidID(p.ClientID)) {
		return Error{Code: CodeBadFrame, Reason: "presence case_id and client_id must be " + idForm}
	}
	if !printable(p.Agent, 128) {
		return Error{Code: CodeBadFrame, Reason: "presence agent too long or not printable"}
	}
	return nil
}

func bad(t Type, err error) error {
	return Error{Code: CodeBadFrame, Reason: fmt.Sprintf("malformed %s: %v", t, err)}
}

// checkEvents rejects pages a console must not apply: out of order, or an
// event without the entity its type names.
func checkEvents(evs []model.Event) error {
	if len(evs) > MaxPage {
		return Error{Code: CodeBadFrame, Reason: fmt.Sprintf("%d events in one page, limit %d", len(evs), MaxPage)}
	}
	for i, ev := range evs {
		if ev.Seq == 0 {
			return Error{Code: CodeBadFrame, Reason: "event without seq"}
		}
		if i > 0 && ev.Seq != evs[i-1].Seq+1 {
			return Error{Code: CodeBadFrame, Reason: fmt.Sprintf("events not consecutive: %d after %d", ev.Seq, evs[i-1].Seq)}
		}
		if err := checkEntity(ev); err != nil {
			return err
		}
	}
	return nil
}

// checkEntity rejects an event without the entity its type names.
func checkEntity(ev model.Event) error {
	var ok bool
	switch ev.Type {
	case model.EventCaseUpserted:
		ok = ev.Case != nil && ev.Case.ID != ""
	case model.EventMessageAdded:
		ok = ev.Message != nil && ev.Message.ID != "" && ev.Message.CaseID != ""
	case model.EventMessageUpdated:
		ok = ev.Message != nil && ev.Message.ID != "" && ev.Message.CaseID != "" && ev.Message.Seq != 0
	case model.EventCustomerUpserted:
		ok = ev.Customer != nil && ev.Customer.ID != ""
	default:
		// A newer hub may log kinds this console does not know; it
		// still advances its cursor past them.
		ok = true
	}
	if !ok {
		return Error{Code: CodeBadFrame, Reason: fmt.Sprintf("event %d (%s) without its entity", ev.Seq, ev.Type)}
	}
	return nil
}
