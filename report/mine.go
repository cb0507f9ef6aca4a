package report

import (
	"time"

	"switchboard/model"
	"switchboard/sla"
)

// The periods of an agent's own figures.
const (
	PeriodToday = "today"
	Period7d    = "7d"
	Period30d   = "30d"
)

// Mine is one agent's own figures (GET /v1/reports/me): their response
// times and service levels today, over 7 and over 30 days, and their open
// cases by SLA state now. A period's figures are the summary's, filtered
// to the agent, of the cases created in it: the same numbers a lead gets
// from GET /v1/reports/summary?agent=NAME&from=…&to=….
type Mine struct {
	Agent string `json:"agent"`
	At    string `json:"at"`   // the figures' time (RFC 3339 UTC)
	Zone  string `json:"zone"` // the time zone "today" starts in
	// Periods are today (since midnight in Zone), 7d and 30d (up to At).
	Periods []MinePeriod `json:"periods"`
	Open    MineOpen     `json:"open"`
}

// MinePeriod is an agent's figures of one period.
type MinePeriod struct {
	Period string `json:"period"` // today, 7d, 30d
	From   string `json:"from"`
	To     string `json:"to"`
	// Handled is the cases created in the period whose figures count for
	// the agent (the summary's cases); Solved, those of them solved or
	// closed now (its resolved).
	Handled int `json:"handled"`
	Solved  int `json:"solved"`

	FirstResponseWall     Stats `json:"first_response_wall"`
	FirstResponseBusiness Stats `json:"first_response_business"`
	NextResponseWall      Stats `json:"next_response_wall"`
	NextResponseBusiness  Stats `json:"next_response_business"`

	SLAMet           int      `json:"sla_met"`
	SLABreached      int      `json:"sla_breached"`
	SLAAttainmentPct *float64 `json:"sla_attainment_pct"`
}

// MineOpen is an agent's open cases now (new, open or pending, not
// merged, whose figures count for the agent) by their live SLA state.
type MineOpen struct {
	Total    int `json:"total"`
	OK       int `json:"ok"`
	AtRisk   int `json:"at_risk"`
	Breached int `json:"breached"`
	NoPolicy int `json:"no_policy"` // no service level applies
	// Waiting is those whose customer waits for an answer; OldestWaiting
	// when the longest of those waits began ("" without one).
	Waiting       int    `json:"waiting"`
	OldestWaiting string `json:"oldest_waiting"`
}

// MineFrom is when a period of the agent's figures begins at now; today
// begins at midnight in loc.
func MineFrom(period string, now time.Time, loc *time.Location) time.Time {
	switch period {
	case PeriodToday:
		y, m, d := now.In(loc).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, loc)
	case Period7d:
		return now.Add(-7 * 24 * time.Hour)
	}
	return now.Add(-30 * 24 * time.Hour)
}

// Mine is agent's own figures at now; loc (nil: UTC) is the zone of
// "today" (the default calendar's, as the summary's days).
func (f *Folder) Mine(r *sla.Rules, agent string, now time.Time, loc *time.Location) Mine {
	if loc == nil {
		loc = time.UTC
	}
	out := Mine{Agent: agent, At: stamp(now), Zone: loc.String()}
	fl := Filter{Agent: agent}
	for _, p := range []string{PeriodToday, Period7d, Period30d} {
		from := MineFrom(p, now, loc)
		s := f.SummarizeOf(r, from, now, now, "", loc, fl)
		g := s.Groups[len(s.Groups)-1]
		out.Periods = append(out.Periods, MinePeriod{Period: p, From: stamp(from), To: stamp(now),
			Handled: g.Cases, Solved: g.Resolved,
			FirstResponseWall: g.FirstResponseWall, FirstResponseBusiness: g.FirstResponseBusiness,
			NextResponseWall: g.NextResponseWall, NextResponseBusiness: g.NextResponseBusiness,
			SLAMet: g.SLAMet, SLABreached: g.SLABreached, SLAAttainmentPct: g.SLAAttainmentPct})
	}
	var oldest time.Time
	for _, t := range f.cases {
		c := t.c
		if c == nil || !c.Status.Active() || c.MergedInto != "" {
			continue
		}
		m := f.measure(r, t)
		if m.agent != agent {
			continue
		}
		out.Open.Total++
		live, _ := m.live(r, now)
		switch {
		case live == nil:
			out.Open.NoPolicy++
		case live.State == model.SLABreached:
			out.Open.Breached++
		case live.State == model.SLAAtRisk:
			out.Open.AtRisk++
		default:
			out.Open.OK++
		}
		if n := len(m.periods); n > 0 && m.periods[n-1].End.IsZero() {
			out.Open.Waiting++
			if s := m.periods[n-1].Start; oldest.IsZero() || s.Before(oldest) {
				oldest = s
			}
		}
	}
	out.Open.OldestWaiting = stamp(oldest)
	return out
}
