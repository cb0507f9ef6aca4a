// Package report computes Switchboard's service figures from the event
// log, the one source of truth: a Folder takes model.Events in log order
// (the hub's log, a snapshot followed by the events after it, or a
// console's copy) and keeps per case the facts the figures need; Rows and
// Summarize measure them with an sla.Rules. docs/metrics.md defines every
// figure; the hub serves them (GET /v1/reports/…) and a console computes
// the same with the same code.
package report

import (
	"strings"
	"time"

	"switchboard/model"
)

// Folder folds events into per-case timelines. It is not safe for
// concurrent use; the caller serialises Apply and the measuring calls.
type Folder struct {
	cases map[string]*timeline
	tiers map[string]string // customer id → CRM tier
	seq   uint64
}

// NewFolder returns an empty folder.
func NewFolder() *Folder {
	return &Folder{cases: map[string]*timeline{}, tiers: map[string]string{}}
}

type statusAt struct {
	at time.Time
	st model.Status
}

type msgAt struct {
	at     time.Time
	author string // identity key
}

type reply struct {
	at    time.Time
	agent string
	// account is the brand account that posted it on the platform itself,
	// outside Switchboard ("" for an agent's reply): it counts as a
	// response, but for no agent (agent is then "").
	account string
}

// outsideAccount is the name of the brand account that posted m on the
// platform itself, outside Switchboard, or "" for an agent's reply. Such
// an item reaches the hub delivered (a connector's copy of the page's or
// account's post) with the platform's identity of its author: a platform
// id or an X handle. A reply sent through Switchboard carries the agent's
// name, and imported history names its agent (Switchboard names never
// start with @ and carry no platform id). On a forum, whose people have no
// platform ids, the forum connector marks the post of a feed's staff
// account with the id "staff@" and the forum's host (forum.StaffID): every
// staff name there is the one brand account, named by that id.
func outsideAccount(m *model.Message) string {
	a := m.Author
	handle := strings.TrimSpace(a.Handle)
	if a.Platform == model.ChannelForum && strings.HasPrefix(a.PlatformID, forumStaffPrefix) {
		return a.PlatformID // the forum's staff account, whoever signed
	}
	if a.PlatformID == "" && !strings.HasPrefix(handle, "@") {
		return ""
	}
	switch {
	case strings.HasPrefix(handle, "@"):
		return handle // X: the account's handle names it
	case a.DisplayName != "" && a.DisplayName != a.PlatformID:
		return strings.TrimSpace(a.DisplayName) // a page: its name, never its id
	}
	if a.Platform == model.ChannelFacebook {
		return "Facebook page"
	}
	return "brand account"
}

// forumStaffPrefix starts the author id of a forum staff post: forum.StaffPrefix
// (report does not import the connector; TestForumStaffPostsCountForTheBrand
// ingests through it).
const forumStaffPrefix = "staff@"

// caseInfo is what the figures need of a case's latest state: the case
// without its texts, so a folder of every case stays small.
type caseInfo struct {
	ID, ThreadRef, Assignee, CustomerID, MergedInto, Brand string
	author                                                 string // identity key
	Channel                                                model.Channel
	Status                                                 model.Status
	Priority                                               model.Priority
	Reach                                                  model.Reach
	Public                                                 bool
	Created                                                time.Time
	lastMsg                                                time.Time
}

func info(c *model.Case) *caseInfo {
	return &caseInfo{ID: c.ID, ThreadRef: c.ThreadRef, Assignee: c.Assignee, CustomerID: c.CustomerID, MergedInto: c.MergedInto,
		Brand: c.Brand, author: c.Author.Key(), Channel: c.Channel, Status: c.Status, Priority: c.Priority, Reach: c.Author.Reach, Public: c.Public,
		Created: c.Created.UTC(), lastMsg: c.LastMessageAt}
}

// timeline is what a case's figures are computed from.
type timeline struct {
	c        *caseInfo // the latest state; nil until the case's first upsert
	statuses []statusAt
	ins      []msgAt
	outs     []reply
	pending  map[string]reply // reply id → its author, not delivered yet
	counted  map[string]bool  // reply ids counted as responses
	mergedAt time.Time
}

// Seq is the seq of the newest event applied (0 for snapshot events).
func (f *Folder) Seq() uint64 { return f.seq }

// Len is the number of cases folded.
func (f *Folder) Len() int {
	n := 0
	for _, t := range f.cases {
		if t.c != nil {
			n++
		}
	}
	return n
}

func (f *Folder) line(id string) *timeline {
	t, ok := f.cases[id]
	if !ok {
		t = &timeline{pending: map[string]reply{}, counted: map[string]bool{}}
		f.cases[id] = t
	}
	return t
}

// at is when an event happened: its hub time, or for snapshot events
// (which carry none) the fallback.
func at(ev model.Event, fallback time.Time) time.Time {
	if ev.Time.IsZero() {
		return fallback.UTC()
	}
	return ev.Time.UTC()
}

// Apply folds one event. Kinds it does not know are skipped.
func (f *Folder) Apply(ev model.Event) {
	if ev.Seq > f.seq {
		f.seq = ev.Seq
	}
	switch ev.Type {
	case model.EventCaseUpserted:
		if ev.Case == nil {
			return
		}
		c := *ev.Case
		t := f.line(c.ID)
		when := at(ev, c.Updated)
		if t.c == nil {
			if ev.Time.IsZero() && !c.Status.Active() {
				// A snapshot tells only the current state.
				t.statuses = append(t.statuses, statusAt{c.Created, model.StatusOpen}, statusAt{orTime(c.Resolved, when), c.Status})
			} else {
				t.statuses = append(t.statuses, statusAt{c.Created, c.Status})
			}
		} else if t.c.Status != c.Status {
			st := when
			last := t.statuses[len(t.statuses)-1].at
			switch {
			case !c.Status.Active() && !c.Resolved.IsZero() && t.c.Status.Active():
				st = c.Resolved // SetStatus records when it was solved
			case !c.LastMessageAt.Equal(t.c.lastMsg) && c.LastMessageAt.After(last) && c.LastMessageAt.Before(when):
				// Moved by the message this event adds (a reply opens the
				// case, a customer's message reopens it): at its time,
				// which for imported history is the real one.
				st = c.LastMessageAt.UTC()
			}
			if st.Before(last) {
				st = last
			}
			t.statuses = append(t.statuses, statusAt{st, c.Status})
		}
		if c.MergedInto != "" && t.mergedAt.IsZero() {
			t.mergedAt = when
		}
		t.c = info(&c)
	case model.EventMessageAdded, model.EventMessageUpdated:
		m := ev.Message
		if m == nil {
			return
		}
		t := f.line(m.CaseID)
		switch m.Direction {
		case model.DirectionIn:
			if ev.Type == model.EventMessageAdded {
				t.ins = append(t.ins, msgAt{m.Time.UTC(), m.Author.Key()})
			}
			// An edit or deletion changes no figure: the customer waited
			// from when they wrote.
		case model.DirectionOut:
			if t.counted[m.ID] {
				return
			}
			if m.Delivery != model.DeliverySent {
				if _, ok := t.pending[m.ID]; !ok {
					t.pending[m.ID] = reply{agent: m.Author.Handle}
				}
				return
			}
			// Delivered: an item that arrives delivered (imported history,
			// the platform's copy of a reply made outside) counts at its
			// own time; a reply the hub sent, when it was delivered or
			// marked posted.
			// A reply that arrives delivered and was never queued is the
			// platform's copy of a post made outside Switchboard, or
			// imported history; the brand account's own post counts for
			// no agent.
			r := reply{at: m.Time.UTC(), agent: m.Author.Handle}
			if ev.Type == model.EventMessageUpdated {
				r.at = at(ev, m.Time)
			}
			if p, ok := t.pending[m.ID]; ok {
				r.agent = p.agent // sent through Switchboard: its agent's
			} else if acc := outsideAccount(m); acc != "" && ev.Type == model.EventMessageAdded {
				r.agent, r.account = "", acc
			}
			delete(t.pending, m.ID)
			t.counted[m.ID] = true
			t.outs = append(t.outs, r)
		}
		// Notes are never a response.
	case model.EventCustomerUpserted:
		if ev.Customer != nil {
			f.tiers[ev.Customer.ID] = ev.Customer.Tier
		}
	}
}

func orTime(a, b time.Time) time.Time {
	if a.IsZero() {
		return b
	}
	return a
}
