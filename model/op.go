package model

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// OpKind names an agent operation.
type OpKind string

const (
	OpClaim        OpKind = "claim"
	OpRelease      OpKind = "release"
	OpReply        OpKind = "reply"
	OpNote         OpKind = "note"
	OpSetStatus    OpKind = "set_status"
	OpSetPriority  OpKind = "set_priority"
	OpTag          OpKind = "tag"
	OpUntag        OpKind = "untag"
	OpLinkIdentity OpKind = "link_identity"
	OpMerge        OpKind = "merge"
	// OpUnlinkIdentity ends the link of the case author's identity to
	// CustomerID; the hub records who ended it and when.
	OpUnlinkIdentity OpKind = "unlink_identity"
	// OpDismissLink rules CustomerID out as the author's customer: the
	// suggestion goes away for everyone.
	OpDismissLink OpKind = "dismiss_link"
	// OpMarkPosted records that an agent posted a manual reply (a forum
	// has no reply API) by hand; MessageID names the reply.
	OpMarkPosted OpKind = "mark_posted"
	// OpSnooze takes the case out of the team's open views until Until
	// (Case.SnoozedUntil); OpUnsnooze wakes it now. A new message in the
	// case wakes it too (docs/protocol.md).
	OpSnooze   OpKind = "snooze"
	OpUnsnooze OpKind = "unsnooze"
)

// Op is one action of an agent on a case. The console gives it a UUID when
// the agent acts; the hub applies each ID at most once.
type Op struct {
	ID     string `json:"op_id"`
	Kind   OpKind `json:"kind"`
	CaseID string `json:"case_id"`
	// BaseVersion is the case version the agent saw; set_status and
	// set_priority are refused when the case has moved on since.
	BaseVersion int64 `json:"base_version,omitempty"`
	// BaseMessages is how many messages the case had in the agent's view
	// (with BaseVersion): a stale refusal then tells a customer's new
	// message from another agent's change.
	BaseMessages int       `json:"base_messages,omitempty"`
	Text         string    `json:"text,omitempty"`     // reply, note
	Status       Status    `json:"status,omitempty"`   // set_status
	Priority     *Priority `json:"priority,omitempty"` // set_priority
	Tag          string    `json:"tag,omitempty"`      // tag, untag
	// Assignee on a claim hands the case to someone else (leads only).
	Assignee string `json:"assignee,omitempty"`
	// Confirm sends a reply on a case another agent has claimed.
	Confirm bool `json:"confirm,omitempty"`
	// Private sends a reply as a direct message to the author instead of
	// in public, on channels that have one (X, Facebook).
	Private    bool   `json:"private,omitempty"`
	CustomerID string `json:"customer_id,omitempty"` // link_identity
	// Consent is what the customer agreed to, for link_identity.
	Consent *Consent `json:"consent,omitempty"`
	// Other is the case merged into CaseID, for merge.
	Other string `json:"other_case_id,omitempty"`
	// Via names the thread a reply goes to on a merged case: the case
	// itself (or empty) or one of the cases merged into it, so each
	// channel keeps its reply path.
	Via string `json:"via,omitempty"`
	// MessageID names a message, for mark_posted.
	MessageID string `json:"message_id,omitempty"`
	// Until is when a snoozed case wakes, for snooze.
	Until time.Time `json:"until,omitzero"`
	// Expert is the identity key of the community expert, for ask_expert;
	// Contact is how the question reaches them: "thread" (the default) or
	// the identity key of the expert's chosen contact.
	Expert  string    `json:"expert,omitempty"`
	Contact string    `json:"contact,omitempty"`
	Created time.Time `json:"created"`
}

// Consent records what a customer agreed to, per purpose.
type Consent struct {
	Service   bool      `json:"service"`
	Marketing bool      `json:"marketing"`
	By        string    `json:"by,omitempty"`
	At        time.Time `json:"at,omitzero"`
}

// MaxOpText caps reply and note text in bytes.
const MaxOpText = 16 << 10

// Validate checks an op's fields for its kind, without looking at any case.
func (o Op) Validate() error {
	if o.ID == "" || len(o.ID) > 64 {
		return fmt.Errorf("op needs an op_id of 1–64 characters")
	}
	if o.CaseID == "" {
		return fmt.Errorf("op %s: no case_id", o.Kind)
	}
	switch o.Kind {
	case OpClaim, OpRelease:
	case OpReply, OpNote:
		if strings.TrimSpace(o.Text) == "" {
			return fmt.Errorf("%s: empty text", o.Kind)
		}
		if len(o.Text) > MaxOpText || !utf8.ValidString(o.Text) {
			return fmt.Errorf("%s: text must be UTF-8 of at most %d bytes", o.Kind, MaxOpText)
		}
	case OpSetStatus:
		if !slices.Contains([]Status{StatusNew, StatusOpen, StatusPending, StatusSolved, StatusClosed}, o.Status) {
			return fmt.Errorf("set_status: unknown status %q", o.Status)
		}
	case OpSetPriority:
		if o.Priority == nil || *o.Priority < PriorityLow || *o.Priority > PriorityUrgent {
			return fmt.Errorf("set_priority: priority must be 0–3")
		}
	case OpTag, OpUntag:
		if t := strings.TrimSpace(o.Tag); t == "" || len(t) > 64 {
			return fmt.Errorf("%s: tag must be 1–64 characters", o.Kind)
		}
	case OpLinkIdentity, OpUnlinkIdentity, OpDismissLink:
		if o.CustomerID == "" || len(o.CustomerID) > 64 {
			return fmt.Errorf("%s: customer_id must be 1–64 characters", o.Kind)
		}
	case OpMerge:
		if o.Other == "" || o.Other == o.CaseID {
			return fmt.Errorf("merge: other_case_id must name another case")
		}
	case OpSnooze:
		if o.Until.IsZero() {
			return fmt.Errorf("snooze: no until")
		}
	case OpUnsnooze:
	case OpMarkPosted:
		if o.MessageID == "" {
			return fmt.Errorf("mark_posted: no message_id")
		}
	case OpAskExpert:
		return validateAskExpert(o)
	default:
		return fmt.Errorf("unknown op kind %q", o.Kind)
	}
	return nil
}

// ChannelLimit is the longest reply a channel takes, in its own count
// (ReplyLength); 0 for no limit.
func ChannelLimit(ch Channel) int {
	switch ch {
	case ChannelTwitter:
		return 280
	case ChannelFacebook:
		return 8000 // a comment; Messenger allows 2,000, checked on sending
	}
	return 0
}

// PrivateReplies reports whether a channel can answer by direct message.
func PrivateReplies(ch Channel) bool { return ch == ChannelTwitter || ch == ChannelFacebook }

// ReplyLength counts a reply the way its channel does: X weighs
// characters and URLs (TweetLength), others count characters.
func ReplyLength(ch Channel, text string) int {
	if ch == ChannelTwitter {
		return TweetLength(text)
	}
	return utf8.RuneCountInString(text)
}
