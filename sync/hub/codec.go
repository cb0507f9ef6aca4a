package hub

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"switchboard/model"
)

// The ingest codec. Every inbound message logs a message event and its
// case's case.upserted, and a follow-up reads its case first: with
// encoding/json's reflection that was a third of a message's CPU and most
// of its garbage. The cases and messages of events are encoded here by
// hand, byte for byte what encoding/json makes of them (the log's records,
// their state pointers, and everything that reads them stay as they were),
// and a case record is decoded by hand when it is as this encoder writes
// it; anything else in it (a key this decoder does not know, a number
// with a fraction, a string with an escape) goes to encoding/json, so any
// record encoding/json reads reads alike. Nested values the hub sets
// rarely (a case's SLA, triage and hand-off) are left to encoding/json.
//
// The hand codec knows the fields of model.Case, model.Message and
// model.Identity as they are; fastCodec checks them at start and, when a
// field was added or changed, leaves everything to encoding/json (slower,
// never wrong), and TestCodecKnowsTheModel fails until this file knows it.

var fastCodec = codecFieldsMatch()

// codecFields are the fields the hand codec knows: name, JSON tag, type.
var codecFields = map[reflect.Type][]string{
	reflect.TypeFor[model.Identity](): {
		"Platform platform model.Channel", "Handle handle string", "PlatformID platform_id,omitempty string",
		"DisplayName display_name string", "Followers followers int", "Verified verified,omitempty bool",
		"Expert expert,omitempty bool", "Engagement engagement,omitempty int", "Influence influence int",
		"Reach reach,omitempty model.Reach", "Bio bio,omitempty string",
	},
	reflect.TypeFor[model.Case](): {
		"ID id string", "Channel channel model.Channel", "ThreadRef thread_ref string", "Source source string",
		"Subject subject string", "Author author model.Identity", "CustomerID customer_id,omitempty string",
		"Status status model.Status", "Priority priority model.Priority", "Assignee assignee,omitempty string",
		"Tags tags,omitempty []string", "Public public bool", "Lang lang,omitempty string", "URL url,omitempty string",
		"Created created time.Time", "Updated updated time.Time", "LastMessageAt last_message_at time.Time",
		"WaitingSince waiting_since,omitzero time.Time", "FirstResponse first_response,omitzero time.Time",
		"Resolved resolved,omitzero time.Time", "SnoozedUntil snoozed_until,omitzero time.Time", "MessageCount message_count int", "Version version int64",
		"Merged merged,omitempty []string", "MergedInto merged_into,omitempty string",
		"Dismissed dismissed,omitempty []string", "Brand brand,omitempty string", "SLA sla,omitempty *model.CaseSLA",
		"Triage triage,omitempty *model.CaseTriage", "Handoff handoff,omitempty *model.Handoff",
	},
	reflect.TypeFor[model.Message](): {
		"ID id string", "CaseID case_id string", "Direction direction model.Direction", "Author author model.Identity",
		"Text text string", "Time time time.Time", "PlatformID platform_id,omitempty string",
		"Delivery delivery,omitempty model.Delivery", "DeliveryError delivery_error,omitempty string",
		"Public public bool", "Private private,omitempty bool", "Seq seq,omitempty uint64",
		"Edited edited,omitzero time.Time", "Deleted deleted,omitempty bool",
	},
	reflect.TypeFor[model.Event](): {
		"Seq seq uint64", "Type type model.EventType", "Time time time.Time", "Case case,omitempty *model.Case",
		"Message message,omitempty *model.Message", "Customer customer,omitempty *model.Customer",
		"SLA sla,omitempty *model.SLAChange", "Expert expert,omitempty *model.Expert",
		"Listen listen,omitempty *model.ListenItem",
	},
}

// codecMismatch names the first field of the model the hand codec does not
// know ("" when it knows them all).
func codecMismatch() string {
	for t, want := range codecFields {
		if t.NumField() != len(want) {
			return t.String() + ": the fields changed"
		}
		for i := range t.NumField() {
			f := t.Field(i)
			if got := f.Name + " " + f.Tag.Get("json") + " " + f.Type.String(); got != want[i] {
				return t.String() + ": field " + got
			}
		}
	}
	return ""
}

func codecFieldsMatch() bool { return codecMismatch() == "" }

// marshalCase is json.Marshal(c).
func marshalCase(b []byte, c *model.Case) ([]byte, error) {
	if fastCodec {
		if out, ok := appendCase(b, c); ok {
			return out, nil
		}
	}
	raw, err := json.Marshal(c)
	return append(b, raw...), err
}

// marshalMessage is json.Marshal(m).
func marshalMessage(b []byte, m *model.Message) ([]byte, error) {
	if fastCodec {
		if out, ok := appendMessage(b, m); ok {
			return out, nil
		}
	}
	raw, err := json.Marshal(m)
	return append(b, raw...), err
}

// appendEventHead is json.Marshal of an event with no entity and no SLA
// change, without its closing brace.
func appendEventHead(b []byte, ev *model.Event) ([]byte, bool) {
	b = append(b, `{"seq":`...)
	b = strconv.AppendUint(b, ev.Seq, 10)
	b = append(b, `,"type":`...)
	b = appendString(b, string(ev.Type))
	b = append(b, `,"time":`...)
	return appendTime(b, ev.Time)
}

func appendIdentity(b []byte, a *model.Identity) []byte {
	b = append(b, `{"platform":`...)
	b = appendString(b, string(a.Platform))
	b = append(b, `,"handle":`...)
	b = appendString(b, a.Handle)
	if a.PlatformID != "" {
		b = append(b, `,"platform_id":`...)
		b = appendString(b, a.PlatformID)
	}
	b = append(b, `,"display_name":`...)
	b = appendString(b, a.DisplayName)
	b = append(b, `,"followers":`...)
	b = strconv.AppendInt(b, int64(a.Followers), 10)
	if a.Verified {
		b = append(b, `,"verified":true`...)
	}
	if a.Expert {
		b = append(b, `,"expert":true`...)
	}
	if a.Engagement != 0 {
		b = append(b, `,"engagement":`...)
		b = strconv.AppendInt(b, int64(a.Engagement), 10)
	}
	b = append(b, `,"influence":`...)
	b = strconv.AppendInt(b, int64(a.Influence), 10)
	if a.Reach != "" {
		b = append(b, `,"reach":`...)
		b = appendString(b, string(a.Reach))
	}
	if a.Bio != "" {
		b = append(b, `,"bio":`...)
		b = appendString(b, a.Bio)
	}
	return append(b, '}')
}

func appendCase(b []byte, c *model.Case) ([]byte, bool) {
	ok := true
	b = append(b, `{"id":`...)
	b = appendString(b, c.ID)
	b = append(b, `,"channel":`...)
	b = appendString(b, string(c.Channel))
	b = append(b, `,"thread_ref":`...)
	b = appendString(b, c.ThreadRef)
	b = append(b, `,"source":`...)
	b = appendString(b, c.Source)
	b = append(b, `,"subject":`...)
	b = appendString(b, c.Subject)
	b = append(b, `,"author":`...)
	b = appendIdentity(b, &c.Author)
	if c.CustomerID != "" {
		b = append(b, `,"customer_id":`...)
		b = appendString(b, c.CustomerID)
	}
	b = append(b, `,"status":`...)
	b = appendString(b, string(c.Status))
	b = append(b, `,"priority":`...)
	b = strconv.AppendInt(b, int64(c.Priority), 10)
	if c.Assignee != "" {
		b = append(b, `,"assignee":`...)
		b = appendString(b, c.Assignee)
	}
	if len(c.Tags) > 0 {
		b = append(b, `,"tags":`...)
		b = appendStrings(b, c.Tags)
	}
	if c.Public {
		b = append(b, `,"public":true`...)
	} else {
		b = append(b, `,"public":false`...)
	}
	if c.Lang != "" {
		b = append(b, `,"lang":`...)
		b = appendString(b, c.Lang)
	}
	if c.URL != "" {
		b = append(b, `,"url":`...)
		b = appendString(b, c.URL)
	}
	var t bool
	b = append(b, `,"created":`...)
	b, t = appendTime(b, c.Created)
	ok = ok && t
	b = append(b, `,"updated":`...)
	b, t = appendTime(b, c.Updated)
	ok = ok && t
	b = append(b, `,"last_message_at":`...)
	b, t = appendTime(b, c.LastMessageAt)
	ok = ok && t
	if !c.WaitingSince.IsZero() {
		b = append(b, `,"waiting_since":`...)
		b, t = appendTime(b, c.WaitingSince)
		ok = ok && t
	}
	if !c.FirstResponse.IsZero() {
		b = append(b, `,"first_response":`...)
		b, t = appendTime(b, c.FirstResponse)
		ok = ok && t
	}
	if !c.Resolved.IsZero() {
		b = append(b, `,"resolved":`...)
		b, t = appendTime(b, c.Resolved)
		ok = ok && t
	}
	if !c.SnoozedUntil.IsZero() {
		b = append(b, `,"snoozed_until":`...)
		b, t = appendTime(b, c.SnoozedUntil)
		ok = ok && t
	}
	b = append(b, `,"message_count":`...)
	b = strconv.AppendInt(b, int64(c.MessageCount), 10)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, c.Version, 10)
	if len(c.Merged) > 0 {
		b = append(b, `,"merged":`...)
		b = appendStrings(b, c.Merged)
	}
	if c.MergedInto != "" {
		b = append(b, `,"merged_into":`...)
		b = appendString(b, c.MergedInto)
	}
	if len(c.Dismissed) > 0 {
		b = append(b, `,"dismissed":`...)
		b = appendStrings(b, c.Dismissed)
	}
	if c.Brand != "" {
		b = append(b, `,"brand":`...)
		b = appendString(b, c.Brand)
	}
	for _, n := range []struct {
		key string
		v   any
		set bool
	}{{`,"sla":`, c.SLA, c.SLA != nil}, {`,"triage":`, c.Triage, c.Triage != nil}, {`,"handoff":`, c.Handoff, c.Handoff != nil}} {
		if !n.set {
			continue
		}
		raw, err := json.Marshal(n.v)
		if err != nil {
			return b, false
		}
		b = append(b, n.key...)
		b = append(b, raw...)
	}
	return append(b, '}'), ok
}

func appendMessage(b []byte, m *model.Message) ([]byte, bool) {
	b = append(b, `{"id":`...)
	b = appendString(b, m.ID)
	b = append(b, `,"case_id":`...)
	b = appendString(b, m.CaseID)
	b = append(b, `,"direction":`...)
	b = appendString(b, string(m.Direction))
	b = append(b, `,"author":`...)
	b = appendIdentity(b, &m.Author)
	b = append(b, `,"text":`...)
	b = appendString(b, m.Text)
	b = append(b, `,"time":`...)
	b, ok := appendTime(b, m.Time)
	if m.PlatformID != "" {
		b = append(b, `,"platform_id":`...)
		b = appendString(b, m.PlatformID)
	}
	if m.Delivery != "" {
		b = append(b, `,"delivery":`...)
		b = appendString(b, string(m.Delivery))
	}
	if m.DeliveryError != "" {
		b = append(b, `,"delivery_error":`...)
		b = appendString(b, m.DeliveryError)
	}
	if m.Public {
		b = append(b, `,"public":true`...)
	} else {
		b = append(b, `,"public":false`...)
	}
	if m.Private {
		b = append(b, `,"private":true`...)
	}
	if m.Seq != 0 {
		b = append(b, `,"seq":`...)
		b = strconv.AppendUint(b, m.Seq, 10)
	}
	if !m.Edited.IsZero() {
		var t bool
		b = append(b, `,"edited":`...)
		b, t = appendTime(b, m.Edited)
		ok = ok && t
	}
	if m.Deleted {
		b = append(b, `,"deleted":true`...)
	}
	return append(b, '}'), ok
}

func appendStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

// appendTime is time.Time's MarshalJSON; false for a time it refuses
// (the caller leaves the value to encoding/json, for its error).
func appendTime(b []byte, t time.Time) ([]byte, bool) {
	n0 := len(b)
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	ok := true
	switch {
	case len(b) < n0+6 || b[n0+1+len("9999")] != '-':
		ok = false
	case b[len(b)-1] != 'Z':
		c := b[len(b)-len("Z07:00")]
		num2 := 10*(b[len(b)-5]-'0') + (b[len(b)-4] - '0')
		ok = !('0' <= c && c <= '9') && num2 < 24
	}
	return append(b, '"'), ok
}

const hexDigits = "0123456789abcdef"

// appendString is encoding/json's string encoding (HTML-safe, as Marshal
// makes it).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// unmarshalCase is json.Unmarshal(data, c) into a zero c.
func unmarshalCase(data []byte, c *model.Case) error {
	if fastCodec {
		d := caseDecoder{b: data}
		if d.caseObj(c) && d.end() {
			return nil
		}
		*c = model.Case{}
	}
	return json.Unmarshal(data, c)
}

// caseDecoder reads a case record as appendCase writes it (see "The
// ingest codec"); any call that returns false leaves the record to
// encoding/json.
type caseDecoder struct {
	b []byte
	i int
}

func (d *caseDecoder) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *caseDecoder) end() bool {
	d.ws()
	return d.i == len(d.b)
}

func (d *caseDecoder) byte(c byte) bool {
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

// null consumes a null literal.
func (d *caseDecoder) null() bool {
	d.ws()
	if bytes.HasPrefix(d.b[d.i:], []byte("null")) {
		d.i += 4
		return true
	}
	return false
}

// rawString is a string's bytes (between the quotes) if it has no
// escape and is valid UTF-8.
func (d *caseDecoder) rawString() ([]byte, bool) {
	d.ws()
	if d.i >= len(d.b) || d.b[d.i] != '"' {
		return nil, false
	}
	j := bytes.IndexByte(d.b[d.i+1:], '"')
	if j < 0 {
		return nil, false
	}
	s := d.b[d.i+1 : d.i+1+j]
	if bytes.IndexByte(s, '\\') >= 0 {
		return nil, false
	}
	ascii := true
	for _, c := range s {
		if c < 0x20 {
			return nil, false
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	if !ascii && !utf8.Valid(s) {
		return nil, false
	}
	d.i += j + 2
	return s, true
}

// str reads a string into s (null leaves it).
func (d *caseDecoder) str(s *string) bool {
	if d.null() {
		return true
	}
	d.ws()
	start := d.i
	raw, ok := d.rawString()
	if ok {
		*s = string(raw)
		return true
	}
	// A string with escapes: encoding/json unquotes it.
	end, ok := d.stringEnd(start)
	if !ok {
		return false
	}
	if json.Unmarshal(d.b[start:end], s) != nil {
		return false
	}
	d.i = end
	return true
}

// stringEnd is the index after the string that starts at i.
func (d *caseDecoder) stringEnd(i int) (int, bool) {
	if i >= len(d.b) || d.b[i] != '"' {
		return 0, false
	}
	for j := i + 1; j < len(d.b); j++ {
		switch d.b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, true
		}
	}
	return 0, false
}

// number reads an integer (null: set is false).
func (d *caseDecoder) number() (n int64, set, ok bool) {
	if d.null() {
		return 0, false, true
	}
	d.ws()
	j := d.i
	if j < len(d.b) && d.b[j] == '-' {
		j++
	}
	digits := j
	for j < len(d.b) && d.b[j] >= '0' && d.b[j] <= '9' {
		j++
	}
	if j-digits > 1 && d.b[digits] == '0' {
		return 0, false, false // a leading zero: not JSON
	}
	if j < len(d.b) && (d.b[j] == '.' || d.b[j] == 'e' || d.b[j] == 'E') {
		return 0, false, false
	}
	n, err := strconv.ParseInt(string(d.b[d.i:j]), 10, 64)
	if err != nil {
		return 0, false, false
	}
	d.i = j
	return n, true, true
}

func (d *caseDecoder) int64(v *int64) bool {
	n, set, ok := d.number()
	if set {
		*v = n
	}
	return ok
}

func (d *caseDecoder) int(v *int) bool {
	n, set, ok := d.number()
	if !ok || int64(int(n)) != n {
		return false
	}
	if set {
		*v = int(n)
	}
	return true
}

func (d *caseDecoder) bool(v *bool) bool {
	d.ws()
	switch {
	case bytes.HasPrefix(d.b[d.i:], []byte("true")):
		*v, d.i = true, d.i+4
	case bytes.HasPrefix(d.b[d.i:], []byte("false")):
		*v, d.i = false, d.i+5
	default:
		return d.null()
	}
	return true
}

func (d *caseDecoder) time(t *time.Time) bool {
	d.ws()
	start := d.i
	if _, ok := d.rawString(); !ok {
		if d.null() {
			return true
		}
		return false
	}
	return t.UnmarshalJSON(d.b[start:d.i]) == nil
}

func (d *caseDecoder) strings(v *[]string) bool {
	if d.null() {
		*v = nil
		return true
	}
	if !d.byte('[') {
		return false
	}
	out := (*v)[:0]
	if d.byte(']') {
		if out == nil {
			out = []string{}
		}
		*v = out
		return true
	}
	for {
		var s string
		if !d.str(&s) {
			return false
		}
		out = append(out, s)
		if d.byte(']') {
			*v = out
			return true
		}
		if !d.byte(',') {
			return false
		}
	}
}

// rawValue leaves an object (or null) to encoding/json: into v.
func (d *caseDecoder) rawValue(v any) bool {
	d.ws()
	start := d.i
	if d.null() {
		return json.Unmarshal(d.b[start:d.i], v) == nil
	}
	if d.i >= len(d.b) || d.b[d.i] != '{' {
		return false
	}
	depth := 0
	for j := d.i; j < len(d.b); j++ {
		switch d.b[j] {
		case '"':
			end, ok := d.stringEnd(j)
			if !ok {
				return false
			}
			j = end - 1
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				d.i = j + 1
				return json.Unmarshal(d.b[start:d.i], v) == nil
			}
		}
	}
	return false
}

// object reads an object's members: field gets each key (false: not
// for the hand decoder), as the bytes of the input (a string made of each
// was an allocation a member).
func (d *caseDecoder) object(field func(key []byte) bool) bool {
	if d.null() {
		return true
	}
	if !d.byte('{') {
		return false
	}
	if d.byte('}') {
		return true
	}
	for {
		key, ok := d.rawString()
		if !ok || !d.byte(':') || !field(key) {
			return false
		}
		if d.byte('}') {
			return true
		}
		if !d.byte(',') {
			return false
		}
	}
}

func (d *caseDecoder) identity(a *model.Identity) bool {
	return d.object(func(key []byte) bool {
		switch string(key) { // (compared, not copied)
		case "platform":
			return d.str((*string)(&a.Platform))
		case "handle":
			return d.str(&a.Handle)
		case "platform_id":
			return d.str(&a.PlatformID)
		case "display_name":
			return d.str(&a.DisplayName)
		case "followers":
			return d.int(&a.Followers)
		case "verified":
			return d.bool(&a.Verified)
		case "expert":
			return d.bool(&a.Expert)
		case "engagement":
			return d.int(&a.Engagement)
		case "influence":
			return d.int(&a.Influence)
		case "reach":
			return d.str((*string)(&a.Reach))
		case "bio":
			return d.str(&a.Bio)
		}
		return false
	})
}

func (d *caseDecoder) caseObj(c *model.Case) bool {
	return d.object(func(key []byte) bool {
		switch string(key) { // (compared, not copied)
		case "id":
			return d.str(&c.ID)
		case "channel":
			return d.str((*string)(&c.Channel))
		case "thread_ref":
			return d.str(&c.ThreadRef)
		case "source":
			return d.str(&c.Source)
		case "subject":
			return d.str(&c.Subject)
		case "author":
			return d.identity(&c.Author)
		case "customer_id":
			return d.str(&c.CustomerID)
		case "status":
			return d.str((*string)(&c.Status))
		case "priority":
			p := int(c.Priority)
			ok := d.int(&p)
			c.Priority = model.Priority(p)
			return ok
		case "assignee":
			return d.str(&c.Assignee)
		case "tags":
			return d.strings(&c.Tags)
		case "public":
			return d.bool(&c.Public)
		case "lang":
			return d.str(&c.Lang)
		case "url":
			return d.str(&c.URL)
		case "created":
			return d.time(&c.Created)
		case "updated":
			return d.time(&c.Updated)
		case "last_message_at":
			return d.time(&c.LastMessageAt)
		case "waiting_since":
			return d.time(&c.WaitingSince)
		case "first_response":
			return d.time(&c.FirstResponse)
		case "resolved":
			return d.time(&c.Resolved)
		case "snoozed_until":
			return d.time(&c.SnoozedUntil)
		case "message_count":
			return d.int(&c.MessageCount)
		case "version":
			return d.int64(&c.Version)
		case "merged":
			return d.strings(&c.Merged)
		case "merged_into":
			return d.str(&c.MergedInto)
		case "dismissed":
			return d.strings(&c.Dismissed)
		case "brand":
			return d.str(&c.Brand)
		case "sla":
			return d.rawValue(&c.SLA)
		case "triage":
			return d.rawValue(&c.Triage)
		case "handoff":
			return d.rawValue(&c.Handoff)
		}
		return false
	})
}

// encodeEventFast is encodeEvent for an event of one case or one message
// and nothing else (false: not for the hand encoder).
func encodeEventFast(ev model.Event) (raw []byte, off, n int, ok bool) {
	if !fastCodec || ev.SLA != nil || ev.Listen != nil || ev.Customer != nil || ev.Expert != nil || (ev.Case == nil) == (ev.Message == nil) {
		return nil, 0, 0, false
	}
	buf := codecBufs.Get().(*[]byte)
	defer codecBufs.Put(buf)
	b, ok := appendEventHead((*buf)[:0], &ev)
	if !ok {
		return nil, 0, 0, false
	}
	if ev.Case != nil {
		b = append(b, `,"case":`...)
		off = len(b)
		b, ok = appendCase(b, ev.Case)
	} else {
		b = append(b, `,"message":`...)
		off = len(b)
		b, ok = appendMessage(b, ev.Message)
	}
	if !ok {
		return nil, 0, 0, false
	}
	n = len(b) - off
	b = append(b, '}')
	*buf = b
	return bytes.Clone(b), off, n, true
}

// codecBufs are encodeEventFast's scratch buffers: the record is copied
// out at its size.
var codecBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}
