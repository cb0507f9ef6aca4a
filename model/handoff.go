package model

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// OpAskExpert hands a case's question to a community expert: on a forum
// a prepared mention in the thread (posted by hand, like forum replies),
// elsewhere a private note to the expert through the contact they chose
// (Op.Contact): a private message the hub sends on X and Facebook
// (HandoffDM), an internal note to send by hand elsewhere. Op.Expert names the expert's identity key, Op.Text is
// the hand-off text; the hub refuses one that carries the customer's
// personal data (RejectPersonalData).
const OpAskExpert OpKind = "ask_expert"

// RejectPersonalData: a hand-off text names the customer's personal data.
const RejectPersonalData = "personal_data"

// Handoff is a case's question handed to a community expert, and its
// answer once the expert's post comes in.
type Handoff struct {
	Expert string    `json:"expert"` // identity key
	Name   string    `json:"name,omitempty"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	// Via is "thread" (a mention in the forum thread) or the identity key
	// the note goes to.
	Via  string `json:"via"`
	Text string `json:"text"`
	// MessageID is the hand-off's message in the thread.
	MessageID string `json:"message_id,omitempty"`
	// AnsweredAt and AnswerID: the expert's first post after the hand-off
	// in the case's thread — the community answer.
	AnsweredAt time.Time `json:"answered_at,omitzero"`
	AnswerID   string    `json:"answer_id,omitempty"`
	// Delivery is where the private note stands: queued, sent or failed
	// when the hub sends it (HandoffDM), manual when the agent sends it
	// by hand; empty for a mention in the thread (its reply message has
	// the state). DeliveryError says why it failed; PlatformID is the
	// sent message's id on the platform.
	Delivery      Delivery `json:"delivery,omitempty"`
	DeliveryError string   `json:"delivery_error,omitempty"`
	PlatformID    string   `json:"platform_id,omitempty"`
}

// HandoffDM reports whether a hand-off to contact (an identity key) goes
// out as a private message the hub sends: an X direct message or a
// Messenger message. A forum has no private-message API: a note to a
// forum identity is sent by hand.
func HandoffDM(contact string) bool {
	p, h, ok := strings.Cut(contact, ":")
	return ok && h != "" && (Channel(p) == ChannelTwitter || Channel(p) == ChannelFacebook)
}

// Waiting reports whether the case waits on the expert.
func (h *Handoff) Waiting() bool { return h != nil && h.AnsweredAt.IsZero() }

// NoteCommunityAnswer records m as the community answer of c's open
// hand-off when the handed-to expert wrote it after the hand-off (feeds
// give whole seconds: a post stamped in the hand-off's second counts). It
// reports whether it did.
func (c *Case) NoteCommunityAnswer(m Message) bool {
	h := c.Handoff
	if !h.Waiting() || m.Direction != DirectionIn || m.Author.Key() != h.Expert || m.Time.Before(h.At.Truncate(time.Second)) {
		return false
	}
	nh := *h
	nh.AnsweredAt, nh.AnswerID = m.Time, m.ID
	c.Handoff = &nh
	return true
}

func validateAskExpert(o Op) error {
	p, h, ok := strings.Cut(o.Expert, ":")
	if !ok || !Channel(p).Valid() || h == "" || len(o.Expert) > 200 {
		return fmt.Errorf("ask_expert: expert must be an identity key platform:handle")
	}
	if strings.TrimSpace(o.Text) == "" {
		return fmt.Errorf("ask_expert: empty text")
	}
	if len(o.Text) > MaxOpText || !utf8.ValidString(o.Text) {
		return fmt.Errorf("ask_expert: text must be UTF-8 of at most %d bytes", MaxOpText)
	}
	return nil
}

// applyAskExpert hands c over to the expert named by op (contact "thread"
// or an identity key, name for display): a public mention in a forum
// thread goes out like a forum reply (posted by hand); a contact on X or
// Facebook gets a private message the hub's delivery sends (the note
// records it, queued); any other contact is an internal note that says
// where to send it by hand.
func applyAskExpert(c *Case, op Op, by Actor, now time.Time) (*Message, *Rejection) {
	if c.Assignee != "" && c.Assignee != by.Name && !op.Confirm {
		return nil, reject(RejectClaimed, "claimed by %s; confirm to hand it over anyway", c.Assignee)
	}
	via := op.Contact
	if via == "" {
		via = "thread"
	}
	if via == "thread" && c.Channel != ChannelForum {
		return nil, reject(RejectInvalid, "a %s case has no forum thread to mention the expert in; use the expert's contact", c.Channel)
	}
	if via != "thread" {
		via = IdentityKey(via)
	}
	c.Handoff = &Handoff{Expert: IdentityKey(op.Expert), By: by.Name, At: now, Via: via, Text: op.Text, MessageID: op.ID}
	msg := &Message{ID: op.ID, CaseID: c.ID, Text: op.Text, Time: now,
		Author: Identity{Platform: c.Channel, Handle: by.Name, DisplayName: by.Name}}
	if via == "thread" {
		msg.Direction, msg.Public, msg.Delivery = DirectionOut, c.Public, DeliveryQueued
		c.LastMessageAt = now
	} else if HandoffDM(via) {
		msg.Direction, msg.Delivery = DirectionNote, DeliveryQueued
		msg.Text = fmt.Sprintf("Hand-off to %s via %s (private message, sent by the hub):\n%s", op.Expert, via, op.Text)
		c.Handoff.Delivery = DeliveryQueued
	} else {
		msg.Direction = DirectionNote
		msg.Text = fmt.Sprintf("Hand-off to %s via %s (send by hand):\n%s", op.Expert, via, op.Text)
		c.Handoff.Delivery = DeliveryManual
	}
	if c.Assignee == "" {
		c.Assignee = by.Name
	}
	if c.Status == StatusNew {
		c.Status = StatusOpen
	}
	c.MessageCount++
	return msg, nil
}
