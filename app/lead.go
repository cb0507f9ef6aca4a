package app

import (
	"slices"
	"strings"
	"time"

	"switchboard/model"
)

// LiveCount is one line of the lead's live board: the active cases of a
// channel or an agent as the hub's SLA evaluator last measured them
// (Summary.SLA), from the console's own synced cache.
type LiveCount struct {
	Key      string
	Open     int // new, open and pending
	Waiting  int // a customer's message is unanswered
	AtRisk   int
	Breached int
	// OldestWaiting is when the longest wait began; zero when none waits.
	OldestWaiting time.Time
}

func (l *LiveCount) add(s model.Summary) {
	l.Open++
	if !s.WaitingSince.IsZero() {
		l.Waiting++
		if l.OldestWaiting.IsZero() || s.WaitingSince.Before(l.OldestWaiting) {
			l.OldestWaiting = s.WaitingSince
		}
	}
	switch s.SLA {
	case model.SLAAtRisk:
		l.AtRisk++
	case model.SLABreached:
		l.Breached++
	}
}

// LiveFilter narrows the live board: a channel, one agent, or a set of
// agents (a team's); empty fields keep all.
type LiveFilter struct {
	Channel model.Channel
	Agent   string
	Agents  []string // nil: any
}

func (f LiveFilter) keeps(s model.Summary) bool {
	return (f.Channel == "" || s.Channel == f.Channel) && (f.Agent == "" || s.Assignee == f.Agent) &&
		(f.Agents == nil || slices.Contains(f.Agents, s.Assignee))
}

// LiveBoard is the live part of the lead view.
type LiveBoard struct {
	All      LiveCount
	Channels []LiveCount // twitter, facebook, forum
	Agents   []LiveCount // by name; unassigned cases under ""
	// Urgent are the active cases at risk or breached, the soonest due
	// first (a breached case's due time is past, so it leads).
	Urgent []model.Summary
}

// Unassigned is the agent key of cases nobody holds.
const Unassigned = ""

// LiveBoard counts the active cases f keeps. It reads the queue index
// (memory only): call it off the UI goroutine for big queues.
func (c *Core) LiveBoard(f LiveFilter) LiveBoard {
	return liveBoard(c.Queue(Filter{ActiveOnly: true}), f)
}

// ActiveCases are the active cases f keeps whose live figure key names:
// what a live count of the board is made of (drill-down). metric is
// "open", "waiting", "at_risk" or "breached"; by is "channel", "agent" or
// "" (all).
func (c *Core) ActiveCases(f LiveFilter, by, key, metric string) []model.Summary {
	var out []model.Summary
	for _, s := range c.Queue(Filter{ActiveOnly: true}) {
		if !f.keeps(s) {
			continue
		}
		switch by {
		case "channel":
			if string(s.Channel) != key {
				continue
			}
		case "agent":
			if s.Assignee != key {
				continue
			}
		}
		switch metric {
		case "waiting":
			if s.WaitingSince.IsZero() {
				continue
			}
		case "at_risk":
			if s.SLA != model.SLAAtRisk {
				continue
			}
		case "breached":
			if s.SLA != model.SLABreached {
				continue
			}
		}
		out = append(out, s)
	}
	sortUrgent(out)
	return out
}

func liveBoard(active []model.Summary, f LiveFilter) LiveBoard {
	b := LiveBoard{All: LiveCount{Key: "all"}}
	chans := map[model.Channel]*LiveCount{}
	for _, ch := range []model.Channel{model.ChannelTwitter, model.ChannelFacebook, model.ChannelForum} {
		if f.Channel == "" || f.Channel == ch {
			chans[ch] = &LiveCount{Key: string(ch)}
		}
	}
	agents := map[string]*LiveCount{}
	for _, a := range f.Agents {
		agents[a] = &LiveCount{Key: a}
	}
	if f.Agent != "" {
		agents[f.Agent] = &LiveCount{Key: f.Agent}
	}
	for _, s := range active {
		if !s.Status.Active() || !f.keeps(s) {
			continue
		}
		b.All.add(s)
		if l, ok := chans[s.Channel]; ok {
			l.add(s)
		}
		l, ok := agents[s.Assignee]
		if !ok {
			l = &LiveCount{Key: s.Assignee}
			agents[s.Assignee] = l
		}
		l.add(s)
		if s.SLA == model.SLAAtRisk || s.SLA == model.SLABreached {
			b.Urgent = append(b.Urgent, s)
		}
	}
	for _, ch := range []model.Channel{model.ChannelTwitter, model.ChannelFacebook, model.ChannelForum} {
		if l, ok := chans[ch]; ok {
			b.Channels = append(b.Channels, *l)
		}
	}
	for _, l := range agents {
		b.Agents = append(b.Agents, *l)
	}
	slices.SortFunc(b.Agents, func(x, y LiveCount) int {
		// Unassigned last: it is nobody's load.
		if (x.Key == Unassigned) != (y.Key == Unassigned) {
			if x.Key == Unassigned {
				return 1
			}
			return -1
		}
		return strings.Compare(x.Key, y.Key)
	})
	sortUrgent(b.Urgent)
	return b
}

// sortUrgent orders cases by due time, the soonest first; cases without a
// running clock after them, then by id.
func sortUrgent(ss []model.Summary) {
	slices.SortStableFunc(ss, func(a, b model.Summary) int {
		switch {
		case a.Due.IsZero() != b.Due.IsZero():
			if a.Due.IsZero() {
				return 1
			}
			return -1
		case !a.Due.Equal(b.Due):
			return a.Due.Compare(b.Due)
		}
		return strings.Compare(a.ID, b.ID)
	})
}
