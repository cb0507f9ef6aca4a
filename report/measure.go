package report

import (
	"slices"
	"sort"
	"time"

	"switchboard/model"
	"switchboard/sla"
)

// period is one wait of the customer: from a message of theirs the team
// had not answered to the next response (End zero: still waiting).
type period struct {
	Start, End time.Time
	Agent      string
	account    string // the brand account that answered it outside Switchboard
}

// clock is one SLA clock of a case.
type clock struct {
	metric      string
	start, stop time.Time // stop zero: running
	target      time.Duration
	k           sla.Clock
}

func (c clock) elapsed(now time.Time) time.Duration {
	end := c.stop
	if end.IsZero() {
		end = now
	}
	return c.k.Elapsed(c.start, end)
}

func (c clock) due() time.Time { return c.k.Due(c.start, c.target) }

// measured is everything computed for one case.
type measured struct {
	t          *timeline
	agent      string
	brand      string // with no agent: the brand whose own account answered
	team       string
	tier       string
	periods    []period
	resolvedAt time.Time
	reopened   int
	policy     *sla.Policy
	businessCl *sla.Calendar
	clocks     []clock
}

// customerMessages are the case author's messages, in time order (all
// inbound messages when none is the author's: a case handed to its first
// customer).
func (t *timeline) customerMessages() []time.Time {
	key := t.c.author
	var own, all []time.Time
	for _, m := range t.ins {
		all = append(all, m.at)
		if m.author == key {
			own = append(own, m.at)
		}
	}
	if len(own) == 0 {
		own = all
	}
	slices.SortFunc(own, func(a, b time.Time) int { return a.Compare(b) })
	return own
}

// waits splits the thread into the customer's waits: a wait starts with a
// customer message while the team has the last word and ends at the next
// response at or after it. A response older than every customer message
// answers nothing.
func (t *timeline) waits() []period {
	ins := t.customerMessages()
	outs := slices.Clone(t.outs)
	sort.SliceStable(outs, func(i, j int) bool { return outs[i].at.Before(outs[j].at) })
	var ps []period
	j := 0
	for i := 0; i < len(ins); {
		start := ins[i]
		for j < len(outs) && outs[j].at.Before(start) {
			j++
		}
		if j == len(outs) {
			ps = append(ps, period{Start: start})
			break
		}
		ps = append(ps, period{Start: start, End: outs[j].at, Agent: outs[j].agent, account: outs[j].account})
		for i < len(ins) && !ins[i].After(outs[j].at) {
			i++ // answered by that response
		}
		j++
	}
	return ps
}

// pauses returns the spans in which the case stood in one of states; a
// pending span also ends at the customer's next message (the case waits on
// the team again). A merged case stands from its merge on.
func (t *timeline) pauses(states map[model.Status]bool, ins []time.Time) []sla.Interval {
	var out []sla.Interval
	for i, s := range t.statuses {
		if !states[s.st] {
			continue
		}
		var end time.Time
		for _, next := range t.statuses[i+1:] {
			if !states[next.st] {
				end = next.at
				break
			}
		}
		if s.st == model.StatusPending {
			for _, m := range ins {
				if m.After(s.at) {
					if end.IsZero() || m.Before(end) {
						end = m
					}
					break
				}
			}
		}
		out = append(out, sla.Interval{Start: s.at, End: end})
	}
	if !t.mergedAt.IsZero() {
		out = append(out, sla.Interval{Start: t.mergedAt})
	}
	return sla.Normalize(out)
}

var resolvedStates = map[model.Status]bool{model.StatusSolved: true, model.StatusClosed: true}

func (f *Folder) measure(r *sla.Rules, t *timeline) measured {
	c := t.c
	m := measured{t: t, periods: t.waits(), tier: f.tiers[c.CustomerID]}
	m.agent = c.Assignee
	if m.agent == "" {
		for _, p := range m.periods {
			if p.Agent != "" {
				m.agent = p.Agent
				break
			}
		}
	}
	if m.agent == "" {
		// Answered only by the brand's own account on the platform: the
		// figures count for no agent, under the brand's name.
		for _, p := range m.periods {
			if p.account != "" {
				m.brand = c.Brand
				if m.brand == "" {
					m.brand = p.account
				}
				break
			}
		}
	}
	m.team = r.TeamOf(m.agent)
	for i := 1; i < len(t.statuses); i++ {
		if !t.statuses[i-1].st.Active() && t.statuses[i].st.Active() {
			m.reopened++
		}
	}
	if !c.Status.Active() && c.MergedInto == "" {
		for i := len(t.statuses) - 1; i >= 0; i-- {
			if t.statuses[i].st.Active() {
				break
			}
			m.resolvedAt = t.statuses[i].at
		}
	}
	m.policy = r.Select(sla.Subject{Channel: c.Channel, Priority: c.Priority, Tier: m.tier, Reach: c.Reach, Public: c.Public, Team: m.team})
	m.businessCl = r.BusinessCalendar(m.policy, m.team)
	if m.policy == nil {
		return m
	}
	cal := r.ClockCalendar(m.policy, m.team)
	ins := t.customerMessages()
	firstK := sla.Clock{Cal: cal, Pauses: t.pauses(resolvedStates, ins)}
	otherK := sla.Clock{Cal: cal, Pauses: t.pauses(r.PauseIn, ins)}
	if d, ok := m.policy.Targets[sla.MetricFirstResponse]; ok && len(m.periods) > 0 {
		p := m.periods[0]
		m.clocks = append(m.clocks, clock{sla.MetricFirstResponse, p.Start, p.End, d, firstK})
	}
	if d, ok := m.policy.Targets[sla.MetricNextResponse]; ok {
		for _, p := range m.periods[min(1, len(m.periods)):] {
			m.clocks = append(m.clocks, clock{sla.MetricNextResponse, p.Start, p.End, d, otherK})
		}
	}
	if d, ok := m.policy.Targets[sla.MetricResolution]; ok {
		m.clocks = append(m.clocks, clock{sla.MetricResolution, c.Created, m.resolvedAt, d, otherK})
	}
	return m
}

// agentKey is who the case's figures count for: its agent, "" for none,
// or BrandKeyPrefix and the brand when only the brand's own account
// answered it (outside Switchboard).
func (m measured) agentKey() string {
	if m.agent == "" && m.brand != "" {
		return BrandKeyPrefix + m.brand
	}
	return m.agent
}

// stopped reports whether a clock stands for good at now: stopped, or the
// case is resolved or merged (no wait of its own is running).
func (m measured) stopped(cl clock) bool {
	return !cl.stop.IsZero() || !m.t.c.Status.Active() || m.t.c.MergedInto != ""
}

// live is the case's SLA as it stands at now, for the hub to put on the
// case; next is when it may change without a new event (zero: never).
func (m measured) live(r *sla.Rules, now time.Time) (s *model.CaseSLA, next time.Time) {
	if m.policy == nil {
		return nil, time.Time{}
	}
	s = &model.CaseSLA{Policy: m.policy.Name, State: model.SLAOK}
	rank := map[model.SLAState]int{model.SLAOK: 0, model.SLAAtRisk: 1, model.SLABreached: 2}
	for _, cl := range m.clocks {
		el := cl.elapsed(now)
		if el > cl.target && !slices.Contains(s.Breached, cl.metric) {
			s.Breached = append(s.Breached, cl.metric)
		}
		if m.stopped(cl) {
			continue
		}
		due := cl.due()
		switch cl.metric {
		case sla.MetricFirstResponse:
			s.FirstResponseDue = due
		case sla.MetricNextResponse:
			s.NextResponseDue = due
		case sla.MetricResolution:
			s.ResolutionDue = due
		}
		st := model.SLAOK
		switch {
		case el > cl.target:
			st = model.SLABreached
		case float64(el) >= r.AtRisk*float64(cl.target):
			st = model.SLAAtRisk
		}
		if rank[st] > rank[s.State] {
			s.State = st
		}
		// The next instants the state moves at, if the clock runs on.
		for _, t := range []time.Time{cl.k.Due(cl.start, time.Duration(r.AtRisk*float64(cl.target))), due.Add(time.Second)} {
			if t.After(now) && (next.IsZero() || t.Before(next)) {
				next = t
			}
		}
	}
	return s, next
}
