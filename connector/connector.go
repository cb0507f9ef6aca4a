// Package connector holds what every platform connector shares: how inbound
// items reach the hub, and how replies go out. The platforms live in
// connector/twitter, connector/facebook and connector/forum; they import
// model and this package, never the hub.
package connector

import (
	"context"
	"errors"
	"fmt"

	"switchboard/model"
)

// Sink takes normalised inbound items (the hub's Ingest). It returns dup
// for an item it already has.
type Sink interface {
	Ingest(in model.Inbound) (caseID string, dup bool, err error)
}

// BatchSink is a Sink that stores many items in one durable step (the
// hub's group commit); connectors that receive batches use it when the
// sink has it.
type BatchSink interface {
	Sink
	// IngestMany ingests items in order; each result is what Ingest
	// would have returned for it.
	IngestMany(ins []model.Inbound) []Ingested
}

// Ingested is one item's outcome in BatchSink.IngestMany.
type Ingested struct {
	CaseID string
	Dup    bool
	Err    error
}

// Reply is an agent's reply on its way to a platform.
type Reply struct {
	// Key is unique per reply (the op id): platforms that take an
	// idempotency key get it, and the hub records it before sending.
	Key       string
	CaseID    string
	Channel   model.Channel
	ThreadRef string
	// InReplyTo is the platform id of the message answered: a tweet id, a
	// Facebook comment or post id.
	InReplyTo string
	// Recipient is the platform user id for a private reply (X DM,
	// Messenger PSID).
	Recipient string
	// RecipientHandle is the recipient's handle when Recipient is not
	// known: a hand-off to a community expert names their chosen contact
	// ("kohlmark" of "twitter:kohlmark"). X looks the user id up; Messenger
	// has no handles (a Facebook contact's handle is the PSID).
	RecipientHandle string
	// Proactive marks a private message that answers nothing of the
	// recipient's (a hand-off to an expert): Messenger sends it as an
	// UPDATE, X finds it after a crash by its text alone.
	Proactive bool
	Private   bool
	Text      string
	// Brand is the case's brand: on a hub serving several pages or
	// accounts of one platform, it picks whose credentials send the reply.
	Brand string
}

// Sender delivers replies to one platform. It returns the platform's id of
// the new message. An error wrapped with Permanent is not retried.
type Sender interface {
	Send(ctx context.Context, r Reply) (platformID string, err error)
}

// ErrManual is what a sender answers for a platform without a reply API:
// the reply is then marked for the agent to post by hand.
var ErrManual = errors.New("no reply API: post the reply by hand")

// PermanentError marks an error retrying cannot fix (a 400, a deleted
// tweet, a missing permission).
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return "permanent: " + e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent wraps err as permanent.
func Permanent(err error) error { return &PermanentError{Err: err} }

// Permanentf formats a permanent error.
func Permanentf(format string, args ...any) error {
	return &PermanentError{Err: fmt.Errorf(format, args...)}
}

// IsPermanent reports whether err must not be retried.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}
