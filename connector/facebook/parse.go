package facebook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"switchboard/model"
)

// Thread refs: every comment of one post joins the post's case; each
// Messenger conversation (one person, the page) is one case.
const (
	postThreadPrefix      = "fb-post-"
	messengerThreadPrefix = "fb-msgr-"
)

// The webhook body, decoded in layers: one odd change or messaging event
// is skipped with a logged reason instead of failing (and so re-sending)
// the whole batch of up to 1,000 updates.
type envelope struct {
	Object string            `json:"object"`
	Entry  []json.RawMessage `json:"entry"`
}

type entry struct {
	ID        flexID            `json:"id"`
	Time      flexTime          `json:"time"`
	Changes   []json.RawMessage `json:"changes"`
	Messaging []json.RawMessage `json:"messaging"`
}

type change struct {
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
}

// feedValue is the value of a "feed" change. Older payloads name the
// author with sender_id/sender_name instead of from{id,name}.
type feedValue struct {
	Item        string   `json:"item"`
	Verb        string   `json:"verb"`
	CommentID   flexID   `json:"comment_id"`
	PostID      flexID   `json:"post_id"`
	ParentID    flexID   `json:"parent_id"`
	From        *party   `json:"from"`
	SenderID    flexID   `json:"sender_id"`
	SenderName  string   `json:"sender_name"`
	Message     string   `json:"message"`
	CreatedTime flexTime `json:"created_time"`
	Photo       string   `json:"photo"`
	Video       string   `json:"video"`
	Link        string   `json:"link"`
}

type party struct {
	ID   flexID `json:"id"`
	Name string `json:"name"`
}

type messagingEvent struct {
	Sender      party             `json:"sender"`
	Recipient   party             `json:"recipient"`
	Timestamp   flexTime          `json:"timestamp"`
	Message     *messengerMessage `json:"message"`
	MessageEdit *messageEdit      `json:"message_edit"`
}

type messengerMessage struct {
	MID         string       `json:"mid"`
	Text        string       `json:"text"`
	IsEcho      bool         `json:"is_echo"`
	IsDeleted   bool         `json:"is_deleted"`
	Attachments []attachment `json:"attachments"`
}

type attachment struct {
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload"` // its shape varies by type
}

type messageEdit struct {
	MID  string `json:"mid"`
	Text string `json:"text"`
}

// flexID takes an id as a JSON string or number: older payloads send
// sender_id and some ids as numbers. The number's literal is kept, so ids
// beyond 2^53 stay exact.
type flexID string

const maxIDLen = 256

func (id *flexID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*id = ""
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if len(s) > maxIDLen {
			return fmt.Errorf("id of %d bytes", len(s))
		}
		*id = flexID(strings.TrimSpace(s))
		return nil
	}
	if len(b) == 0 || len(b) > maxIDLen {
		return fmt.Errorf("id literal of %d bytes", len(b))
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return fmt.Errorf("id %s is not a string or an integer", b)
		}
	}
	*id = flexID(b)
	return nil
}

// flexTime takes unix seconds, unix milliseconds (Messenger's timestamp)
// or a Graph API datetime string ("2016-01-05T20:31:27+0000", or RFC 3339).
// Anything else leaves it zero: the hub then stamps the arrival time.
type flexTime struct{ time.Time }

// Unix times below this are seconds, above milliseconds (1e12 s is the
// year 33658; 1e12 ms is 2001).
const msThreshold = 1e12

var (
	minTime = time.Date(2004, 1, 1, 0, 0, 0, 0, time.UTC) // Facebook's launch
	maxTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

func (t *flexTime) UnmarshalJSON(b []byte) error {
	t.Time = time.Time{}
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	s := string(b)
	if b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
	}
	var v time.Time
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		switch {
		case f != f || f <= 0: // NaN or not a time
		case f >= msThreshold:
			v = time.UnixMilli(int64(f))
		default:
			v = time.Unix(int64(f), 0)
		}
	} else {
		for _, layout := range []string{"2006-01-02T15:04:05-0700", time.RFC3339, "2006-01-02T15:04:05Z0700"} {
			if p, err := time.Parse(layout, s); err == nil {
				v = p
				break
			}
		}
	}
	if v.After(minTime) && v.Before(maxTime) {
		t.Time = v.UTC()
	}
	return nil
}

// parser turns a verified webhook body into inbound items for one page.
type parser struct {
	pageID   string
	pageName string
	brand    string            // set on every item of the page
	listen   bool              // a listen-only page: feed items are Listen, Messenger skipped
	topics   []string          // its listened keywords, lower-cased
	also     map[string]parser // more pages of the same app, by page id (pages.go)
}

// skip is an item left out, with the reason logged. warn marks what
// points at a misconfiguration or a payload shape this code does not
// know, rather than an event Switchboard has no use for.
type skip struct {
	what   string
	reason string
	warn   bool
}

var errNotWebhook = errors.New("not a webhook body")

// parse decodes body. It fails only when the body as a whole is not a
// webhook notification; items it cannot or need not use are skipped.
func (p parser) parse(body []byte) (items []model.Inbound, skips []skip, err error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", errNotWebhook, err)
	}
	if env.Object != "page" {
		return nil, []skip{{"body", fmt.Sprintf("object %q is not page", env.Object), true}}, nil
	}
	for i, raw := range env.Entry {
		var e entry
		if err := json.Unmarshal(raw, &e); err != nil {
			skips = append(skips, skip{fmt.Sprintf("entry %d", i), err.Error(), true})
			continue
		}
		p, ok := p.forPage(string(e.ID))
		if !ok {
			skips = append(skips, skip{fmt.Sprintf("entry %d", i), fmt.Sprintf("page %q is not a configured page of this app", e.ID), true})
			continue
		}
		for j, raw := range e.Changes {
			what := fmt.Sprintf("entry %d change %d", i, j)
			in, sk := p.change(e, raw)
			if sk.reason != "" {
				sk.what = what
				skips = append(skips, sk)
				continue
			}
			in.Brand = p.brand
			if p.listen {
				p.mark(&in)
			}
			items = append(items, in)
		}
		for j, raw := range e.Messaging {
			what := fmt.Sprintf("entry %d messaging %d", i, j)
			if p.listen {
				skips = append(skips, skip{what, "Messenger message to a listen-only page: not handled (subscribe its app to feed only)", true})
				continue
			}
			in, sk := p.messaging(raw)
			if sk.reason != "" {
				sk.what = what
				skips = append(skips, sk)
				continue
			}
			in.Brand = p.brand
			items = append(items, in)
		}
	}
	return items, skips, nil
}

func (p parser) change(e entry, raw json.RawMessage) (model.Inbound, skip) {
	var c change
	if err := json.Unmarshal(raw, &c); err != nil {
		return model.Inbound{}, skip{reason: "change: " + err.Error(), warn: true}
	}
	if c.Field != "feed" {
		return model.Inbound{}, skip{reason: fmt.Sprintf("field %q not handled", c.Field)}
	}
	var v feedValue
	if err := json.Unmarshal(c.Value, &v); err != nil {
		return model.Inbound{}, skip{reason: "feed value: " + err.Error(), warn: true}
	}
	in, reason := p.feed(e, v)
	return in, skip{reason: reason}
}

// feed maps one feed change: comments and visitor posts; edits and
// removals name the item by its id.
func (p parser) feed(e entry, v feedValue) (model.Inbound, string) {
	var action model.InboundAction
	switch v.Verb {
	case "add":
		action = model.InboundNew
	case "edited", "edit": // "edit" seen on visitor-post edits (restfb#749)
		action = model.InboundEdit
	case "remove":
		action = model.InboundDelete
	default:
		return model.Inbound{}, fmt.Sprintf("verb %q not handled", v.Verb)
	}
	if v.PostID == "" {
		return model.Inbound{}, "no post_id"
	}
	authorID, authorName := v.SenderID, v.SenderName
	if v.From != nil { // the current form; the sender_ fields are older
		authorID = flexID(firstNonEmpty(string(v.From.ID), string(authorID)))
		authorName = firstNonEmpty(v.From.Name, authorName)
	}
	byPage := string(authorID) == p.pageID

	in := model.Inbound{
		Channel:   model.ChannelFacebook,
		ThreadRef: postThreadPrefix + string(v.PostID),
		Text:      v.Message,
		Time:      v.CreatedTime.Time,
		Public:    true,
		Source:    "Facebook page " + p.pageName,
		URL:       "https://www.facebook.com/" + string(v.PostID),
		Direction: model.DirectionIn,
		Action:    action,
	}
	switch v.Item {
	case "comment":
		if v.CommentID == "" {
			return model.Inbound{}, "comment without comment_id"
		}
		in.PlatformID = string(v.CommentID)
		if in.Text == "" {
			in.Text = mediaText(map[string]string{"photo": v.Photo, "video": v.Video})
		}
	case "post", "status", "photo", "video":
		if byPage && action != model.InboundDelete {
			// The page's own posts are not customer messages: a case per
			// brand post would flood the queue. Comments under them are
			// what matters, and they open the post's case. A removal
			// by the page may be moderation of a visitor post: kept.
			return model.Inbound{}, "the page's own post"
		}
		in.PlatformID = string(v.PostID)
		if in.Text == "" {
			in.Text = mediaText(map[string]string{v.Item: firstNonEmpty(v.Photo, v.Video, v.Link)})
		}
	default:
		return model.Inbound{}, fmt.Sprintf("item %q not handled", v.Item)
	}
	if in.Time.IsZero() {
		in.Time = e.Time.Time
	}
	if byPage {
		in.Direction = model.DirectionOut
		in.Author = p.pageIdentity(authorName)
	} else {
		in.Author = identity(string(authorID), authorName)
	}
	if reason := usable(in); reason != "" {
		return model.Inbound{}, reason
	}
	return in, ""
}

// mark makes a feed item of a listen-only page a listened post, with the
// page's topics it names.
func (p parser) mark(in *model.Inbound) {
	in.Listen = true
	lower := strings.ToLower(in.Text)
	for _, k := range p.topics {
		if strings.Contains(lower, k) {
			in.Keywords = append(in.Keywords, k)
		}
	}
}

func (p parser) messaging(raw json.RawMessage) (model.Inbound, skip) {
	var ev messagingEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		return model.Inbound{}, skip{reason: "messaging event: " + err.Error(), warn: true}
	}
	in, reason := p.message(ev)
	return in, skip{reason: reason}
}

// message maps one Messenger event: a message (or its echo, edit or
// deletion) in the conversation between one person and the page.
func (p parser) message(ev messagingEvent) (model.Inbound, string) {
	in := model.Inbound{
		Channel:   model.ChannelFacebook,
		Time:      ev.Timestamp.Time,
		Public:    false,
		Private:   true,
		Source:    "Messenger · " + p.pageName,
		Direction: model.DirectionIn,
	}
	var echo bool
	switch {
	case ev.Message != nil:
		m := ev.Message
		in.PlatformID = m.MID
		in.Text = m.Text
		echo = m.IsEcho
		if m.IsDeleted {
			in.Action = model.InboundDelete
		} else if in.Text == "" {
			in.Text = attachmentsText(m.Attachments)
		}
	case ev.MessageEdit != nil:
		in.PlatformID = ev.MessageEdit.MID
		in.Text = ev.MessageEdit.Text
		in.Action = model.InboundEdit
	default:
		// deliveries, reads, reactions, postbacks, optins: no message.
		return model.Inbound{}, "messaging event without a message"
	}
	if in.PlatformID == "" {
		return model.Inbound{}, "message without mid"
	}
	// Echoes are the page's own messages, sent by Switchboard or typed in
	// the page inbox: out, in the conversation of the person they went to,
	// so they join that person's case (the hub dedupes ours by mid, the
	// Send API's message_id) and open none of their own. Meta documents
	// the echo's sender as the page and its recipient as the person;
	// captured echoes with the two the other way round exist (restfb's
	// messaging-message-basic-echo.json), so the person is whichever of
	// the two is not the page.
	psid := string(ev.Sender.ID)
	if echo || psid == p.pageID {
		psid = string(ev.Recipient.ID)
		if psid == p.pageID {
			psid = string(ev.Sender.ID)
		}
		in.Direction = model.DirectionOut
		in.Author = p.pageIdentity("")
	} else {
		// Messenger events carry no names; the PSID is the handle. The
		// webhook fills in the name from the profile (profile.go).
		in.Author = identity(psid, "")
	}
	if psid == "" || psid == p.pageID {
		return model.Inbound{}, "no person in the conversation"
	}
	in.ThreadRef = messengerThreadPrefix + psid
	if reason := usable(in); reason != "" {
		return model.Inbound{}, reason
	}
	return in, ""
}

// usable applies the hub's rules for inbound items ahead of time, so an
// item the hub would reject is skipped with a reason instead of failing
// the request (which Facebook would re-send for 36 hours). A deletion
// names its message and needs no text.
func usable(in model.Inbound) string {
	switch {
	case in.Author.Handle == "":
		return "no author id or name"
	case in.Action != model.InboundDelete && strings.TrimSpace(in.Text) == "":
		return "no text"
	}
	return ""
}

func (p parser) pageIdentity(name string) model.Identity {
	if name == "" {
		name = p.pageName
	}
	return model.Identity{Platform: model.ChannelFacebook, Handle: p.pageID, PlatformID: p.pageID, DisplayName: name}
}

// identity builds a Facebook user's identity. The handle is the user's
// (app- or page-scoped) id: Facebook has no public handles, and a name
// slug would merge two people of the same name into one identity, and so
// into one CRM link. The name slug is used only when the id is missing.
func identity(id, name string) model.Identity {
	handle := id
	if handle == "" {
		handle = slug(name)
	}
	return model.Identity{Platform: model.ChannelFacebook, Handle: handle, PlatformID: id, DisplayName: strings.TrimSpace(name)}
}

// slug turns "Jane Doe-Smith" into "jane.doe.smith".
func slug(name string) string {
	var b strings.Builder
	dot := false
	for _, r := range strings.ToLower(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dot && b.Len() > 0 {
				b.WriteByte('.')
			}
			dot = false
			b.WriteRune(r)
		} else {
			dot = true
		}
	}
	return b.String()
}

// mediaText stands in for a message that is only a photo or video, so
// the agent sees it: "[photo] https://…".
func mediaText(media map[string]string) string {
	for _, kind := range []string{"photo", "video", "post", "status"} {
		if u := strings.TrimSpace(media[kind]); u != "" {
			return "[" + kind + "] " + u
		}
	}
	return ""
}

func attachmentsText(as []attachment) string {
	var parts []string
	for _, a := range as {
		var p struct {
			URL string `json:"url"`
		}
		_ = json.Unmarshal(a.Payload, &p) // payloads differ by type; a URL is a bonus
		kind := a.Type
		if kind == "" {
			kind = "attachment"
		}
		parts = append(parts, strings.TrimSpace("["+kind+"] "+p.URL))
	}
	return strings.Join(parts, "\n")
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
