// Package model holds Switchboard's domain types and the pure rules on them.
// It imports nothing of the project, so the hub, the console and the
// connectors agree on one vocabulary.
package model

import (
	"strings"
	"time"
)

// Channel is the platform a case came from.
type Channel string

const (
	ChannelTwitter  Channel = "twitter"
	ChannelFacebook Channel = "facebook"
	ChannelForum    Channel = "forum"
)

// Valid reports whether c is a channel Switchboard knows.
func (c Channel) Valid() bool {
	switch c {
	case ChannelTwitter, ChannelFacebook, ChannelForum:
		return true
	}
	return false
}

// Status is where a case stands in its life.
type Status string

const (
	StatusNew     Status = "new"
	StatusOpen    Status = "open"
	StatusPending Status = "pending"
	StatusSolved  Status = "solved"
	StatusClosed  Status = "closed"
)

// Active reports whether the case still needs the team.
func (s Status) Active() bool { return s == StatusNew || s == StatusOpen || s == StatusPending }

// Priority orders cases; higher is more urgent.
type Priority int

const (
	PriorityLow Priority = iota
	PriorityNormal
	PriorityHigh
	PriorityUrgent
)

func (p Priority) String() string {
	switch p {
	case PriorityLow:
		return "low"
	case PriorityNormal:
		return "normal"
	case PriorityHigh:
		return "high"
	case PriorityUrgent:
		return "urgent"
	}
	return "unknown"
}

// Direction says who wrote a message: the customer (in), an agent to the
// customer (out), or an agent to the team only (note).
type Direction string

const (
	DirectionIn   Direction = "in"
	DirectionOut  Direction = "out"
	DirectionNote Direction = "note"
)

// Delivery is the state of an outbound message on its platform.
type Delivery string

const (
	DeliveryNone   Delivery = ""
	DeliveryQueued Delivery = "queued"
	DeliverySent   Delivery = "sent"
	DeliveryFailed Delivery = "failed"
	DeliveryManual Delivery = "manual"
	// DeliveryPending marks, in a console only, a message still in its
	// outbox: the hub has not accepted it yet.
	DeliveryPending Delivery = "pending"
)

// Identity is a person on one platform.
type Identity struct {
	Platform    Channel `json:"platform"`
	Handle      string  `json:"handle"`
	PlatformID  string  `json:"platform_id,omitempty"`
	DisplayName string  `json:"display_name"`
	Followers   int     `json:"followers"`
	Verified    bool    `json:"verified,omitempty"`
	// Expert marks a known community expert (customers helping customers).
	Expert bool `json:"expert,omitempty"`
	// Engagement is the author's recent engagement: the interactions
	// (likes, reposts, replies, quotes) the platform reports on their latest
	// post in the case, when it arrived; 0 where a platform tells none.
	Engagement int   `json:"engagement,omitempty"`
	Influence  int   `json:"influence"`
	Reach      Reach `json:"reach,omitempty"`
	// Bio is the profile text and link, where cross-links to the same
	// person on another platform show.
	Bio string `json:"bio,omitempty"`
}

// Key identifies the identity across the system: platform and handle, in
// lower case and without a leading @ ("twitter:mbrenner_fly"), so "@Ann"
// from a platform and "ann" from a CRM are one identity.
func (i Identity) Key() string {
	return string(i.Platform) + ":" + strings.ToLower(strings.TrimPrefix(strings.TrimSpace(i.Handle), "@"))
}

// IdentityKey normalises a configured key "platform:handle" as Key does.
func IdentityKey(key string) string {
	p, h, _ := strings.Cut(key, ":")
	return Identity{Platform: Channel(strings.ToLower(strings.TrimSpace(p))), Handle: h}.Key()
}

// Name is what to show for the identity.
func (i Identity) Name() string {
	if i.DisplayName != "" {
		return i.DisplayName
	}
	return i.Handle
}

// Case is one conversation with one customer on one channel.
type Case struct {
	ID        string   `json:"id"`
	Channel   Channel  `json:"channel"`
	ThreadRef string   `json:"thread_ref"`
	Source    string   `json:"source"`
	Subject   string   `json:"subject"`
	Author    Identity `json:"author"`
	// CustomerID is the CRM customer number, once the identity is linked.
	CustomerID    string    `json:"customer_id,omitempty"`
	Status        Status    `json:"status"`
	Priority      Priority  `json:"priority"`
	Assignee      string    `json:"assignee,omitempty"`
	Tags          []string  `json:"tags,omitempty"`
	Public        bool      `json:"public"`
	Lang          string    `json:"lang,omitempty"`
	URL           string    `json:"url,omitempty"`
	Created       time.Time `json:"created"`
	Updated       time.Time `json:"updated"`
	LastMessageAt time.Time `json:"last_message_at"`
	// WaitingSince is when the customer's oldest unanswered message arrived;
	// zero when the team has the last word.
	WaitingSince  time.Time `json:"waiting_since,omitzero"`
	FirstResponse time.Time `json:"first_response,omitzero"`
	Resolved      time.Time `json:"resolved,omitzero"`
	// SnoozedUntil is when a snoozed case comes back to the team's open
	// views (op snooze); zero, or a time past, when it is awake. A new
	// message in the case wakes it; solving or closing it ends the snooze.
	SnoozedUntil time.Time `json:"snoozed_until,omitzero"`
	MessageCount int       `json:"message_count"`
	Version      int64     `json:"version"`
	// Merged are cases folded into this one (their threads show here);
	// MergedInto is set on such a case.
	Merged     []string `json:"merged,omitempty"`
	MergedInto string   `json:"merged_into,omitempty"`
	// Dismissed are customer numbers an agent ruled out as this author's
	// customer record: they are no longer suggested here.
	Dismissed []string `json:"dismissed,omitempty"`
	// Brand is the brand whose page or account the case came in on, from
	// its first message; replies go out with that brand's credentials.
	Brand string `json:"brand,omitempty"`
	// SLA is the service level the hub measures the case against, with
	// its due times and state (sla/, docs/metrics.md); nil until the hub
	// has applied a policy. The hub sets it without changing Version: it
	// is a measurement, not an agent's change an op could conflict with.
	SLA *CaseSLA `json:"sla,omitempty"`
	// Triage is the hub's reading of the case (assist/): the offline
	// classifier's at ingest, replaced by a language model's when one is
	// configured and answers; nil until the hub has triaged the case. Like
	// SLA it is a measurement and does not change Version.
	Triage *CaseTriage `json:"triage,omitempty"`
	// Handoff is the question handed to a community expert (ask_expert),
	// with the expert's answer once it came in.
	Handoff *Handoff `json:"handoff,omitempty"`
}

// CaseTriage is the hub's triage of a case's latest customer message.
type CaseTriage struct {
	// Category is one of the hub's configured categories (assist's
	// defaults: booking, billing, cancellation, delivery_baggage,
	// technical, account, service_complaint, praise, question, other).
	Category string `json:"category"`
	// Sentiment is −1 … 1, SentimentLabel negative/neutral/positive.
	Sentiment      float64 `json:"sentiment"`
	SentimentLabel string  `json:"sentiment_label"`
	// Urgency is 0 … 1, UrgencyLabel low/normal/high.
	Urgency      float64 `json:"urgency"`
	UrgencyLabel string  `json:"urgency_label"`
	// Troll and Spam are likelihoods 0 … 1.
	Troll float64 `json:"troll"`
	Spam  float64 `json:"spam"`
	// Lang is the detected language: de, en or other.
	Lang string `json:"lang"`
	// Relevant is false for chatter that merely mentions the brand.
	Relevant bool `json:"relevant"`
	// Summary is one line about the case.
	Summary string `json:"summary"`
	// Source is "offline" (the offline classifier) or "model:<name>".
	Source string `json:"source"`
	// Score is the priority score 0 … 100 (urgency, sentiment, reach,
	// tier, waiting time; trolls and spam demoted).
	Score int `json:"score"`
	// MessageID is the customer message triaged; At when.
	MessageID string    `json:"message_id,omitempty"`
	At        time.Time `json:"at,omitzero"`
}

// TrollLikely, SpamLikely: the likelihood from which the queue flags a
// case as troll or spam.
const (
	TrollLikely = 0.5
	SpamLikely  = 0.5
)

// SLAState is how a case stands against its service level.
type SLAState string

const (
	SLAOK       SLAState = "ok"
	SLAAtRisk   SLAState = "at_risk"
	SLABreached SLAState = "breached"
)

// CaseSLA is a case's service level as the hub last measured it. A due
// time is zero when that clock does not run (met, not targeted, paused).
type CaseSLA struct {
	Policy           string    `json:"policy"`
	State            SLAState  `json:"state"`
	FirstResponseDue time.Time `json:"first_response_due,omitzero"`
	NextResponseDue  time.Time `json:"next_response_due,omitzero"`
	ResolutionDue    time.Time `json:"resolution_due,omitzero"`
	// Breached lists the clocks that ever missed their target
	// (first_response, next_response, resolution).
	Breached []string `json:"breached,omitempty"`
}

// SLAChange marks the case.upserted event that records a breach or a
// recovery: the case's SLA state moved From → To.
type SLAChange struct {
	From   SLAState `json:"from"`
	To     SLAState `json:"to"`
	Policy string   `json:"policy"`
	// Metric is the clock that breached (or, on a recovery, the one that
	// had): first_response, next_response or resolution.
	Metric string `json:"metric,omitempty"`
}

// Summary is the compact record the queue shows; start-up reads only these.
type Summary struct {
	ID            string    `json:"id"`
	Channel       Channel   `json:"ch"`
	Author        string    `json:"au"`
	Handle        string    `json:"h"`
	Reach         Reach     `json:"r,omitempty"`
	Preview       string    `json:"p"`
	Status        Status    `json:"s"`
	Priority      Priority  `json:"pr"`
	Assignee      string    `json:"as,omitempty"`
	CustomerID    string    `json:"cu,omitempty"`
	Created       time.Time `json:"c"`
	LastMessageAt time.Time `json:"l"`
	WaitingSince  time.Time `json:"w,omitzero"`
	MessageCount  int       `json:"n"`
	Version       int64     `json:"v"`
	// SLA is the case's service-level state ("" until measured) and Due
	// the earliest due time of its running clocks (zero when none runs).
	SLA SLAState  `json:"sla,omitempty"`
	Due time.Time `json:"due,omitzero"`
	// Category, Urgency (label), Sentiment (label), Lang, TriageSource and
	// Score come from Case.Triage; Troll, Spam and Irrelevant flag it.
	Category     string `json:"cat,omitempty"`
	Urgency      string `json:"urg,omitempty"`
	Sentiment    string `json:"sen,omitempty"`
	Lang         string `json:"lang,omitempty"`
	TriageSource string `json:"ts,omitempty"`
	Score        int    `json:"sc,omitempty"`
	Troll        bool   `json:"troll,omitempty"`
	Spam         bool   `json:"spam,omitempty"`
	Irrelevant   bool   `json:"irr,omitempty"`
	// Public is the case's thread being public (a post or comment, not a
	// direct message): the high-reach escalation counts public cases only.
	Public bool `json:"pub,omitempty"`
	// Snoozed is Case.SnoozedUntil.
	Snoozed time.Time `json:"sn,omitzero"`
}

// Asleep reports whether the case is snoozed at now: still open, and its
// snooze time to come. The open views leave it out until then.
func (s Summary) Asleep(now time.Time) bool { return s.Status.Active() && s.Snoozed.After(now) }

// NextDue is the earliest of the SLA's running due times, zero when no
// clock runs.
func (s *CaseSLA) NextDue() time.Time {
	var due time.Time
	if s == nil {
		return due
	}
	for _, t := range []time.Time{s.FirstResponseDue, s.NextResponseDue, s.ResolutionDue} {
		if !t.IsZero() && (due.IsZero() || t.Before(due)) {
			due = t
		}
	}
	return due
}

// Summary derives the queue record of c.
func (c *Case) Summary() Summary {
	s := c.summary()
	if c.SLA != nil {
		s.SLA, s.Due = c.SLA.State, c.SLA.NextDue()
	}
	if t := c.Triage; t != nil {
		s.Category, s.Urgency, s.Sentiment, s.Lang = t.Category, t.UrgencyLabel, t.SentimentLabel, t.Lang
		s.TriageSource, s.Score = t.Source, t.Score
		s.Troll, s.Spam, s.Irrelevant = t.Troll >= TrollLikely, t.Spam >= SpamLikely, !t.Relevant
	}
	return s
}

func (c *Case) summary() Summary {
	return Summary{
		ID:            c.ID,
		Channel:       c.Channel,
		Author:        c.Author.Name(),
		Handle:        c.Author.Handle,
		Reach:         c.Author.Reach,
		Public:        c.Public,
		Preview:       FirstLine(c.Subject, 140),
		Status:        c.Status,
		Priority:      c.Priority,
		Assignee:      c.Assignee,
		CustomerID:    c.CustomerID,
		Created:       c.Created,
		LastMessageAt: c.LastMessageAt,
		WaitingSince:  c.WaitingSince,
		MessageCount:  c.MessageCount,
		Version:       c.Version,
		Snoozed:       c.SnoozedUntil,
	}
}

// Message is one post in a case's thread.
type Message struct {
	ID         string    `json:"id"`
	CaseID     string    `json:"case_id"`
	Direction  Direction `json:"direction"`
	Author     Identity  `json:"author"`
	Text       string    `json:"text"`
	Time       time.Time `json:"time"`
	PlatformID string    `json:"platform_id,omitempty"`
	Delivery   Delivery  `json:"delivery,omitempty"`
	// DeliveryError says why a reply failed or must be posted by hand.
	DeliveryError string `json:"delivery_error,omitempty"`
	Public        bool   `json:"public"`
	Private       bool   `json:"private,omitempty"` // a DM or Messenger message
	// Seq is the seq of the event that added the message; updates of the
	// message (edits, deletions, delivery) name it by CaseID and Seq.
	Seq     uint64    `json:"seq,omitempty"`
	Edited  time.Time `json:"edited,omitzero"`
	Deleted bool      `json:"deleted,omitempty"`
}

// EventType names what an event records.
type EventType string

const (
	EventCaseUpserted EventType = "case.upserted"
	EventMessageAdded EventType = "message.added"
	// EventMessageUpdated carries a message (with its Seq) that changed:
	// edited, deleted, or its delivery moved on.
	EventMessageUpdated   EventType = "message.updated"
	EventCustomerUpserted EventType = "customer.upserted"
)

// Event is one entry of the hub's append-only log. Seq is gap-free from 1.
// Each event carries the full new state of the entity it names, so a
// console applies it without knowing the rule that produced it.
type Event struct {
	Seq      uint64    `json:"seq"`
	Type     EventType `json:"type"`
	Time     time.Time `json:"time"`
	Case     *Case     `json:"case,omitempty"`
	Message  *Message  `json:"message,omitempty"`
	Customer *Customer `json:"customer,omitempty"`
	// SLA is set on the case.upserted that records an SLA breach or
	// recovery of Case (sync/hub/sla.go).
	SLA *SLAChange `json:"sla,omitempty"`
	// Expert is the directory entry of an expert.upserted event.
	Expert *Expert `json:"expert,omitempty"`
	// Listen is the listened post of a listen.item event.
	Listen *ListenItem `json:"listen,omitempty"`
}

// FirstLine returns the first non-empty line of s, cut to max runes.
func FirstLine(s string, max int) string {
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		r := []rune(line)
		if len(r) > max {
			return strings.TrimSpace(string(r[:max-1])) + "…"
		}
		return line
	}
	return ""
}
