package model

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Rejection codes an op can be answered with.
const (
	RejectInvalid     = "invalid"
	RejectUnknownCase = "unknown_case"
	RejectClaimed     = "claimed"   // another agent holds the case
	RejectStale       = "stale"     // base_version is behind the case
	RejectForbidden   = "forbidden" // the role may not do this
	RejectConsent     = "consent_required"
	RejectTooLong     = "too_long"
)

// Rejection says why an op was not applied.
type Rejection struct {
	Code   string `json:"code"`
	Reason string `json:"reason"`
}

func (r *Rejection) Error() string { return r.Code + ": " + r.Reason }

func reject(code, format string, args ...any) *Rejection {
	return &Rejection{Code: code, Reason: fmt.Sprintf(format, args...)}
}

// MaxSnooze is how far ahead a case may be snoozed.
const MaxSnooze = 366 * 24 * time.Hour

// MaxDismissed caps the customers ruled out on one case.
const MaxDismissed = 32

// CheckReplyLength refuses a reply longer than its channel takes.
func CheckReplyLength(ch Channel, text string) *Rejection {
	if limit, n := ChannelLimit(ch), ReplyLength(ch, text); limit > 0 && n > limit {
		return reject(RejectTooLong, "%d characters as %s counts them, the limit is %d", n, ch, limit)
	}
	return nil
}

// Actor is who applies an op.
type Actor struct {
	Name string
	Lead bool
}

// ApplyOp is the rule for one op on one case, shared by the hub (which
// decides) and the console (which shows the op's effect before the hub has
// answered). It returns the new case and, for replies and notes, the new
// message; or why the op is refused. c is not modified. merge and
// link_identity touch other records and are completed by the hub.
func ApplyOp(c Case, op Op, by Actor, now time.Time) (Case, *Message, *Rejection) {
	if err := op.Validate(); err != nil {
		return c, nil, reject(RejectInvalid, "%v", err)
	}
	now = now.UTC()
	c.Tags = slices.Clone(c.Tags)
	var msg *Message
	switch op.Kind {
	case OpClaim:
		to := by.Name
		if op.Assignee != "" && op.Assignee != by.Name {
			if !by.Lead {
				return c, nil, reject(RejectForbidden, "only a lead can assign a case to %s", op.Assignee)
			}
			to = op.Assignee
		} else if c.Assignee != "" && c.Assignee != by.Name && !by.Lead {
			return c, nil, reject(RejectClaimed, "claimed by %s", c.Assignee)
		}
		if c.Assignee == to {
			return c, nil, nil // already theirs: nothing changes
		}
		c.Assignee = to
		if c.Status == StatusNew {
			c.Status = StatusOpen
		}
	case OpRelease:
		if c.Assignee == "" {
			return c, nil, nil
		}
		if c.Assignee != by.Name && !by.Lead {
			return c, nil, reject(RejectForbidden, "claimed by %s; only they or a lead can release it", c.Assignee)
		}
		c.Assignee = ""
	case OpReply, OpNote:
		if op.Via != "" && op.Via != c.ID && !slices.Contains(c.Merged, op.Via) {
			return c, nil, reject(RejectInvalid, "case %s is not merged into this case", op.Via)
		}
		if op.Kind == OpReply && c.Assignee != "" && c.Assignee != by.Name && !op.Confirm {
			return c, nil, reject(RejectClaimed, "claimed by %s; confirm to reply anyway", c.Assignee)
		}
		if op.Kind == OpReply && op.Private && !PrivateReplies(c.Channel) {
			return c, nil, reject(RejectInvalid, "%s has no private messages", c.Channel)
		}
		// A reply via a merged case is measured by the hub, which knows
		// that case's channel.
		if op.Kind == OpReply && (op.Via == "" || op.Via == c.ID) {
			if rej := CheckReplyLength(c.Channel, op.Text); rej != nil {
				return c, nil, rej
			}
		}
		msg = &Message{
			ID: op.ID, CaseID: c.ID, Text: op.Text, Time: now,
			Author: Identity{Platform: c.Channel, Handle: by.Name, DisplayName: by.Name},
		}
		if op.Kind == OpNote {
			msg.Direction = DirectionNote
		} else {
			msg.Direction = DirectionOut
			msg.Public = c.Public && !op.Private
			msg.Private = op.Private
			msg.Delivery = DeliveryQueued
			if c.FirstResponse.IsZero() {
				c.FirstResponse = now
			}
			c.WaitingSince = time.Time{}
			if c.Assignee == "" {
				c.Assignee = by.Name // who answers owns the case
			}
			if c.Status == StatusNew {
				c.Status = StatusOpen
			}
			c.LastMessageAt = now
		}
		c.MessageCount++
	case OpSetStatus:
		if op.BaseVersion != 0 && op.BaseVersion != c.Version {
			return c, nil, staleReject(c, op, string(c.Status))
		}
		if c.Status == op.Status {
			return c, nil, nil
		}
		c.Status = op.Status
		if op.Status.Active() {
			c.Resolved = time.Time{}
		} else {
			c.SnoozedUntil = time.Time{} // done: nothing to wake
			if c.Resolved.IsZero() {
				c.Resolved = now
			}
		}
	case OpSetPriority:
		if op.BaseVersion != 0 && op.BaseVersion != c.Version {
			return c, nil, staleReject(c, op, fmt.Sprintf("%s priority", c.Priority))
		}
		if c.Priority == *op.Priority {
			return c, nil, nil
		}
		c.Priority = *op.Priority
	case OpTag:
		t := strings.ToLower(strings.TrimSpace(op.Tag))
		if slices.Contains(c.Tags, t) {
			return c, nil, nil
		}
		c.Tags = append(c.Tags, t)
		slices.Sort(c.Tags)
	case OpUntag:
		t := strings.ToLower(strings.TrimSpace(op.Tag))
		i := slices.Index(c.Tags, t)
		if i < 0 {
			return c, nil, nil
		}
		c.Tags = slices.Delete(c.Tags, i, i+1)
	case OpLinkIdentity:
		if op.Consent == nil || !op.Consent.Service {
			return c, nil, reject(RejectConsent, "linking %s to customer %s needs the customer's consent for service", c.Author.Handle, op.CustomerID)
		}
		if c.CustomerID != "" && c.CustomerID != op.CustomerID {
			return c, nil, reject(RejectInvalid, "the author is linked to customer %s; unlink first", c.CustomerID)
		}
		c.CustomerID = op.CustomerID
		c.Dismissed = slices.DeleteFunc(slices.Clone(c.Dismissed), func(id string) bool { return id == op.CustomerID })
	case OpUnlinkIdentity:
		if c.CustomerID != op.CustomerID {
			return c, nil, reject(RejectInvalid, "the author is not linked to customer %s", op.CustomerID)
		}
		c.CustomerID = ""
	case OpDismissLink:
		if slices.Contains(c.Dismissed, op.CustomerID) {
			return c, nil, nil
		}
		if len(c.Dismissed) >= MaxDismissed {
			return c, nil, reject(RejectInvalid, "%d customers already ruled out for this case", len(c.Dismissed))
		}
		c.Dismissed = append(slices.Clone(c.Dismissed), op.CustomerID)
	case OpSnooze, OpUnsnooze:
		// As a reply: the assignee's, an unassigned case anyone's, a lead
		// any case.
		if c.Assignee != "" && c.Assignee != by.Name && !by.Lead {
			return c, nil, reject(RejectClaimed, "claimed by %s; only they or a lead can %s it", c.Assignee, op.Kind)
		}
		until := op.Until.UTC()
		if op.Kind == OpUnsnooze || !until.After(now) {
			until = time.Time{} // a time already past (queued offline) wakes it
		}
		if !until.IsZero() {
			if !c.Status.Active() {
				return c, nil, reject(RejectInvalid, "the case is %s; only an open case can be snoozed", c.Status)
			}
			if until.After(now.Add(MaxSnooze)) {
				return c, nil, reject(RejectInvalid, "a snooze ends within %d days", int(MaxSnooze.Hours()/24))
			}
			// The customer wrote after the agent chose to snooze: their
			// message is not put to sleep unseen.
			if op.BaseMessages > 0 && c.MessageCount > op.BaseMessages && !c.WaitingSince.IsZero() {
				return c, nil, staleReject(c, op, "awake")
			}
		}
		if c.SnoozedUntil.Equal(until) {
			return c, nil, nil
		}
		c.SnoozedUntil = until
	case OpMarkPosted:
		// The hub updates the message; the case itself does not change.
		return c, nil, nil
	case OpAskExpert:
		var rej *Rejection
		if msg, rej = applyAskExpert(&c, op, by, now); rej != nil {
			return c, nil, rej
		}
	case OpMerge:
		if c.MergedInto != "" {
			return c, nil, reject(RejectInvalid, "case was itself merged into %s", c.MergedInto)
		}
		if slices.Contains(c.Merged, op.Other) {
			return c, nil, nil
		}
		c.Merged = append(slices.Clone(c.Merged), op.Other)
	}
	c.Version++
	c.Updated = now
	return c, msg, nil
}

// StaleCustomerWrote starts the reason of a stale refusal when the case
// moved on because the customer wrote after the agent acted: the console
// then says so instead of "someone changed this case".
const StaleCustomerWrote = "the customer wrote again"

// staleReject refuses an op made on an older version of c; now names the
// field's current value.
func staleReject(c Case, op Op, now string) *Rejection {
	if op.BaseMessages > 0 && c.MessageCount > op.BaseMessages && !c.WaitingSince.IsZero() {
		return reject(RejectStale, "%s since (version %d, now %d, %s)", StaleCustomerWrote, op.BaseVersion, c.Version, now)
	}
	return reject(RejectStale, "case changed since version %d (now %d, %s)", op.BaseVersion, c.Version, now)
}
