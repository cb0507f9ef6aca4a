package model

import "time"

// InboundAction says what an inbound item does to its message.
type InboundAction string

const (
	InboundNew    InboundAction = ""       // a new message
	InboundEdit   InboundAction = "edit"   // the author changed the text
	InboundDelete InboundAction = "delete" // the author or platform removed it
)

// Inbound is one message from a platform, normalised by a connector: what
// the hub folds into a case.
type Inbound struct {
	Channel    Channel
	ThreadRef  string // messages with the same ref join one case
	PlatformID string // the platform's id of this message, for dedupe
	Author     Identity
	Text       string
	Time       time.Time
	Public     bool
	Source     string // where it was posted: "@brand mentions", "Facebook page Hotel Alpenblick"
	URL        string
	Lang       string
	// Direction is in for customers and the community; out for the brand's
	// own posts seen on the platform (the page's echoes and comments, the
	// account's tweets and DMs, staff posts). An out item joins its
	// thread's case as the team's answer and never opens a case: with no
	// case in its thread it is dropped (the hub returns no case id).
	Direction Direction
	// Action is new, edit or delete; edits and deletions name the message
	// by PlatformID.
	Action InboundAction
	// Private marks a direct message (X DM, Messenger): replies go back the
	// same private way.
	Private bool
	// Brand names the brand whose page or account received it, on a hub
	// serving several (the connector's configured brand); empty: the only one.
	Brand string
	// Listen marks a post from a listen-only source: the hub logs it as a
	// listen.item and opens no case (model.ListenItem).
	Listen bool
	// Keywords are the listened keywords the post names (the feed's
	// Include terms it matched), topics of the listening view.
	Keywords []string
}
