package report

import (
	"fmt"
	"math"
	"slices"
	"time"

	"switchboard/model"
	"switchboard/sla"
)

// Groupings of a summary.
const (
	ByChannel = "channel"
	ByAgent   = "agent"
	ByTeam    = "team"
	ByDay     = "day"
	ByWeek    = "week"
)

// ValidGroup reports whether g is a grouping (or "", all in one).
func ValidGroup(g string) bool {
	switch g {
	case "", ByChannel, ByAgent, ByTeam, ByDay, ByWeek:
		return true
	}
	return false
}

// Stats are a figure's distribution in whole seconds: nearest-rank median
// and 90th percentile, and the mean rounded to the second; nil with no
// value.
type Stats struct {
	Count   int    `json:"count"`
	MedianS *int64 `json:"median_s"`
	P90S    *int64 `json:"p90_s"`
	MeanS   *int64 `json:"mean_s"`
}

func stats(vs []int64) Stats {
	s := Stats{Count: len(vs)}
	if len(vs) == 0 {
		return s
	}
	vs = slices.Clone(vs)
	slices.Sort(vs)
	rank := func(p float64) *int64 {
		i := int(math.Ceil(p*float64(len(vs)))) - 1
		v := vs[max(0, i)]
		return &v
	}
	var sum float64
	for _, v := range vs {
		sum += float64(v)
	}
	mean := int64(math.Round(sum / float64(len(vs))))
	s.MedianS, s.P90S, s.MeanS = rank(0.5), rank(0.9), &mean
	return s
}

// Group is the summary of one group of cases.
type Group struct {
	Key   string `json:"key"`
	Cases int    `json:"cases"` // created in the period

	FirstResponseWall     Stats `json:"first_response_wall"`
	FirstResponseBusiness Stats `json:"first_response_business"`
	NextResponseWall      Stats `json:"next_response_wall"`
	NextResponseBusiness  Stats `json:"next_response_business"`
	ResolutionWall        Stats `json:"resolution_wall"`
	ResolutionBusiness    Stats `json:"resolution_business"`

	SLAMet      int `json:"sla_met"`
	SLABreached int `json:"sla_breached"`
	// SLAAttainmentPct is met / (met + breached) in percent, one decimal;
	// nil when no case's outcome is known yet.
	SLAAttainmentPct *float64 `json:"sla_attainment_pct"`

	Resolved      int      `json:"resolved"`
	Reopened      int      `json:"reopened"`
	ReopenRatePct *float64 `json:"reopen_rate_pct"` // reopened / resolved-at-least-once

	VolumeIn  int `json:"volume_in"`  // customer messages in the period
	VolumeOut int `json:"volume_out"` // responses in the period

	// Backlog is the open cases at the period's end (or now, if sooner)
	// by age since created.
	BacklogUnder1h int `json:"backlog_under_1h"`
	Backlog1To4h   int `json:"backlog_1h_4h"`
	Backlog4To24h  int `json:"backlog_4h_24h"`
	Backlog1To3d   int `json:"backlog_1d_3d"`
	BacklogOver3d  int `json:"backlog_over_3d"`

	fr, frb, nr, nrb, rs, rsb []int64
	everResolved              int
}

func pct(a, b int) *float64 {
	if b == 0 {
		return nil
	}
	v := math.Round(1000*float64(a)/float64(b)) / 10
	return &v
}

// Summary is the aggregate report: one group per key, then the total
// (key "all").
type Summary struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Group string `json:"group"`
	// Zone is the time zone the day and week keys are in: the default
	// business calendar's, the team's. "Today" on a lead's board and in
	// an agent's own figures begins at midnight there too.
	Zone   string `json:"zone"`
	Filter Filter `json:"filter,omitzero"`
	// Target is the service level a public, normal-priority case of the
	// filter's channel (X without one) gets: the charts' target line.
	Target *Target `json:"target,omitempty"`
	Groups []Group `json:"groups"`
}

// Target is a policy's targets in seconds (nil: not measured) and whether
// they count in business hours.
type Target struct {
	Policy         string `json:"policy"`
	FirstResponseS *int64 `json:"first_response_s"`
	NextResponseS  *int64 `json:"next_response_s"`
	ResolutionS    *int64 `json:"resolution_s"`
	Business       bool   `json:"business"`
}

// TypicalTarget is the Target of a public, normal-priority case on
// channel (X when empty) by no notable author; nil without a policy.
func TypicalTarget(r *sla.Rules, channel string) *Target {
	ch := model.Channel(channel)
	if ch == "" {
		ch = model.ChannelTwitter
	}
	p := r.Select(sla.Subject{Channel: ch, Priority: model.PriorityNormal, Public: true})
	if p == nil {
		return nil
	}
	t := &Target{Policy: p.Name, Business: p.Calendar != nil || p.TeamCalendar}
	for metric, dst := range map[string]**int64{sla.MetricFirstResponse: &t.FirstResponseS, sla.MetricNextResponse: &t.NextResponseS, sla.MetricResolution: &t.ResolutionS} {
		if d, ok := p.Targets[metric]; ok {
			*dst = secs(d)
		}
	}
	return t
}

// Summarize aggregates the cases created in [from, to) at now by group;
// volumes count the messages and responses in [from, to), the backlog the
// open cases at to (or now, if sooner). loc is the zone of day and week
// keys (the default calendar's).
func (f *Folder) Summarize(r *sla.Rules, from, to, now time.Time, group string, loc *time.Location) Summary {
	return f.SummarizeOf(r, from, to, now, group, loc, Filter{})
}

// SummarizeOf is Summarize of the cases fl keeps (their volumes and
// backlog too).
func (f *Folder) SummarizeOf(r *sla.Rules, from, to, now time.Time, group string, loc *time.Location, fl Filter) Summary {
	if loc == nil {
		loc = time.UTC
	}
	groups := map[string]*Group{}
	total := &Group{Key: "all"}
	get := func(key string) *Group {
		g, ok := groups[key]
		if !ok {
			g = &Group{Key: key}
			groups[key] = g
		}
		return g
	}
	keyOf := func(m measured, at time.Time) string {
		switch group {
		case ByChannel:
			return string(m.t.c.Channel)
		case ByAgent:
			return m.agentKey()
		case ByTeam:
			return m.team
		case ByDay:
			return at.In(loc).Format(time.DateOnly)
		case ByWeek:
			y, w := at.In(loc).ISOWeek()
			return fmt.Sprintf("%04d-W%02d", y, w)
		}
		return "all"
	}
	each := func(key string, fn func(g *Group)) {
		fn(total)
		if group != "" {
			fn(get(key))
		}
	}
	backlogAt := to
	if now.Before(backlogAt) {
		backlogAt = now
	}
	for _, t := range f.cases {
		if t.c == nil {
			continue
		}
		c := t.c
		if fl.Channel != "" && string(c.Channel) != fl.Channel {
			continue
		}
		inPeriod := !c.Created.Before(from) && c.Created.Before(to)
		var m measured
		var row Row
		if inPeriod {
			row = f.row(r, t, now)
			m = row.m
		} else {
			m = f.measure(r, t)
		}
		if !fl.keeps(string(c.Channel), m.agentKey(), m.team) {
			continue
		}
		if inPeriod {
			each(keyOf(m, c.Created), func(g *Group) { g.add(row) })
		}
		for _, in := range t.customerMessages() {
			if !in.Before(from) && in.Before(to) {
				each(keyOf(m, in), func(g *Group) { g.VolumeIn++ })
			}
		}
		for _, o := range t.outs {
			if !o.at.Before(from) && o.at.Before(to) {
				each(keyOf(m, o.at), func(g *Group) { g.VolumeOut++ })
			}
		}
		if st, ok := statusAtTime(t, backlogAt); ok && st.Active() && !c.Created.After(backlogAt) && (t.mergedAt.IsZero() || t.mergedAt.After(backlogAt)) {
			age := backlogAt.Sub(c.Created)
			each(keyOf(m, c.Created), func(g *Group) { g.backlog(age) })
		}
	}
	out := Summary{From: stamp(from), To: stamp(to), Group: group, Zone: loc.String(), Filter: fl, Target: TypicalTarget(r, fl.Channel)}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		out.Groups = append(out.Groups, groups[k].finish())
	}
	out.Groups = append(out.Groups, total.finish())
	return out
}

// statusAtTime is the case's status at instant at.
func statusAtTime(t *timeline, at time.Time) (model.Status, bool) {
	var st model.Status
	ok := false
	for _, s := range t.statuses {
		if s.at.After(at) {
			break
		}
		st, ok = s.st, true
	}
	return st, ok
}

func (g *Group) add(r Row) {
	g.Cases++
	if r.FirstResponseWallS != nil {
		g.fr, g.frb = append(g.fr, *r.FirstResponseWallS), append(g.frb, *r.FirstResponseBusinessS)
	}
	g.nr, g.nrb = append(g.nr, r.NextResponsesWallS...), append(g.nrb, r.NextResponsesBusinessS...)
	if r.ResolutionWallS != nil {
		g.rs, g.rsb = append(g.rs, *r.ResolutionWallS), append(g.rsb, *r.ResolutionBusinessS)
	}
	switch r.Outcome {
	case "met":
		g.SLAMet++
	case "breached":
		g.SLABreached++
	}
	if r.ResolvedAt != "" || r.Reopened > 0 {
		g.everResolved++
	}
	if r.ResolvedAt != "" {
		g.Resolved++
	}
	if r.Reopened > 0 {
		g.Reopened++
	}
}

func (g *Group) backlog(age time.Duration) {
	switch {
	case age < time.Hour:
		g.BacklogUnder1h++
	case age < 4*time.Hour:
		g.Backlog1To4h++
	case age < 24*time.Hour:
		g.Backlog4To24h++
	case age < 72*time.Hour:
		g.Backlog1To3d++
	default:
		g.BacklogOver3d++
	}
}

func (g *Group) finish() Group {
	g.FirstResponseWall, g.FirstResponseBusiness = stats(g.fr), stats(g.frb)
	g.NextResponseWall, g.NextResponseBusiness = stats(g.nr), stats(g.nrb)
	g.ResolutionWall, g.ResolutionBusiness = stats(g.rs), stats(g.rsb)
	g.SLAAttainmentPct = pct(g.SLAMet, g.SLAMet+g.SLABreached)
	g.ReopenRatePct = pct(g.Reopened, g.everResolved)
	return *g
}
