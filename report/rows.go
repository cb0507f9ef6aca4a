package report

import (
	"slices"
	"strings"
	"time"

	"switchboard/model"
	"switchboard/sla"
)

// Row is one case with every figure: the reports' case export. Times are
// RFC 3339 in UTC, "" when there is none; durations are whole seconds,
// nil when there is none. The same Row makes the JSON and the CSV.
type Row struct {
	ID        string `json:"id"`
	Channel   string `json:"channel"`
	ThreadRef string `json:"thread_ref"`
	Created   string `json:"created"`
	Status    string `json:"status"`
	Priority  string `json:"priority"`
	Public    bool   `json:"public"`
	Agent     string `json:"agent"`
	// BrandAccount, for a case no agent's figures count for, is the brand
	// whose own page or account answered it on the platform, outside
	// Switchboard (its configured brand, else the account's name); "" when
	// an agent's figures count or nobody answered.
	BrandAccount string `json:"brand_account"`
	Team         string `json:"team"`
	Tier         string `json:"tier"`
	Reach        string `json:"reach"`
	// Calendar is the business calendar the business figures count in.
	Calendar   string `json:"calendar"`
	MergedInto string `json:"merged_into"`

	FirstResponseAt        string  `json:"first_response_at"`
	FirstResponseWallS     *int64  `json:"first_response_wall_s"`
	FirstResponseBusinessS *int64  `json:"first_response_business_s"`
	NextResponsesWallS     []int64 `json:"next_responses_wall_s"`
	NextResponsesBusinessS []int64 `json:"next_responses_business_s"`
	Waiting                bool    `json:"waiting"` // a customer's message is unanswered
	ResolvedAt             string  `json:"resolved_at"`
	ResolutionWallS        *int64  `json:"resolution_wall_s"`
	ResolutionBusinessS    *int64  `json:"resolution_business_s"`
	Reopened               int     `json:"reopened"`

	Policy           string `json:"sla_policy"`
	FirstResponseDue string `json:"first_response_due"`
	NextResponseDue  string `json:"next_response_due"`
	ResolutionDue    string `json:"resolution_due"`
	// SLAState is the live state at the report's time: ok, at_risk,
	// breached ("" without a policy).
	SLAState string `json:"sla_state"`
	// Breached is whether any clock missed its target; BreachedMetrics
	// which ("first_response next_response").
	Breached        bool   `json:"sla_breached"`
	BreachedMetrics string `json:"sla_breached_metrics"`
	// Outcome is met (every clock stopped in time), breached, running, or
	// "" without a policy; attainment counts met and breached.
	Outcome string `json:"sla_outcome"`

	created time.Time
	m       measured
}

// BrandKeyPrefix starts the agent key of the cases only the brand's own
// account answered ("brand:@SkyWingsAir"): their group in a summary by
// agent, and the agent filter that keeps them. No Switchboard agent name
// contains a colon.
const BrandKeyPrefix = "brand:"

// AgentKey is who the row's figures count for: Agent, "" for no one, or
// BrandKeyPrefix + BrandAccount — the key of its summary group by agent.
func (r Row) AgentKey() string {
	if r.Agent == "" && r.BrandAccount != "" {
		return BrandKeyPrefix + r.BrandAccount
	}
	return r.Agent
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func secs(d time.Duration) *int64 {
	s := int64(d.Round(time.Second) / time.Second)
	return &s
}

// Filter narrows a report to the cases of one channel, agent and team;
// an empty field keeps every case. Agent and team are the ones a case's
// figures count for (Row.AgentKey, Row.Team): Agent "brand:NAME" keeps
// the cases only the brand's own account answered.
type Filter struct {
	Channel string `json:"channel,omitempty"`
	Agent   string `json:"agent,omitempty"`
	Team    string `json:"team,omitempty"`
}

// Any reports whether the filter keeps every case.
func (fl Filter) Any() bool { return fl == Filter{} }

func (fl Filter) keeps(channel, agent, team string) bool {
	return (fl.Channel == "" || fl.Channel == channel) && (fl.Agent == "" || fl.Agent == agent) && (fl.Team == "" || fl.Team == team)
}

// Rows measures the cases created in [from, to) at now, oldest first.
func (f *Folder) Rows(r *sla.Rules, from, to, now time.Time) []Row {
	return f.RowsOf(r, from, to, now, Filter{})
}

// RowsOf is Rows of the cases fl keeps.
func (f *Folder) RowsOf(r *sla.Rules, from, to, now time.Time, fl Filter) []Row {
	var ts []*timeline
	for _, t := range f.cases {
		if t.c == nil || t.c.Created.Before(from) || !t.c.Created.Before(to) {
			continue
		}
		if fl.Channel != "" && string(t.c.Channel) != fl.Channel {
			continue
		}
		ts = append(ts, t)
	}
	// Sorted before measuring: a row is big to move.
	slices.SortFunc(ts, func(a, b *timeline) int {
		if c := a.c.Created.Compare(b.c.Created); c != 0 {
			return c
		}
		return strings.Compare(a.c.ID, b.c.ID)
	})
	out := make([]Row, 0, len(ts))
	for _, t := range ts {
		if row := f.row(r, t, now); fl.keeps(row.Channel, row.AgentKey(), row.Team) {
			out = append(out, row)
		}
	}
	return out
}

// Live is the SLA of case id at now, as the hub puts it on the case, and
// when it may next change by itself; ok false for a case not folded.
func (f *Folder) Live(r *sla.Rules, id string, now time.Time) (s *model.CaseSLA, next time.Time, ok bool) {
	t, ok := f.cases[id]
	if !ok || t.c == nil {
		return nil, time.Time{}, false
	}
	s, next = f.measure(r, t).live(r, now)
	return s, next, true
}

func (f *Folder) row(r *sla.Rules, t *timeline, now time.Time) Row {
	c := t.c
	m := f.measure(r, t)
	row := Row{ID: c.ID, Channel: string(c.Channel), ThreadRef: c.ThreadRef, Created: stamp(c.Created), Status: string(c.Status),
		Priority: c.Priority.String(), Public: c.Public, Agent: m.agent, BrandAccount: m.brand, Team: m.team, Tier: m.tier, Reach: string(c.Reach),
		MergedInto: c.MergedInto, Reopened: m.reopened, created: c.Created, m: m,
		NextResponsesWallS: []int64{}, NextResponsesBusinessS: []int64{}}
	if m.businessCl != nil {
		row.Calendar = m.businessCl.Name
	}
	for i, p := range m.periods {
		if p.End.IsZero() {
			row.Waiting = true
			continue
		}
		wall, biz := secs(p.End.Sub(p.Start)), secs(m.businessCl.Between(p.Start, p.End))
		if i == 0 {
			row.FirstResponseAt, row.FirstResponseWallS, row.FirstResponseBusinessS = stamp(p.End), wall, biz
		} else {
			row.NextResponsesWallS = append(row.NextResponsesWallS, *wall)
			row.NextResponsesBusinessS = append(row.NextResponsesBusinessS, *biz)
		}
	}
	if !m.resolvedAt.IsZero() {
		row.ResolvedAt = stamp(m.resolvedAt)
		row.ResolutionWallS = secs(m.resolvedAt.Sub(c.Created))
		row.ResolutionBusinessS = secs(m.businessCl.Between(c.Created, m.resolvedAt))
	}
	if m.policy == nil {
		return row
	}
	row.Policy = m.policy.Name
	live, _ := m.live(r, now)
	row.SLAState = string(live.State)
	row.Breached = len(live.Breached) > 0
	row.BreachedMetrics = strings.Join(live.Breached, " ")
	running := false
	for _, cl := range m.clocks {
		due := stamp(cl.due())
		switch cl.metric {
		case sla.MetricFirstResponse:
			row.FirstResponseDue = due
		case sla.MetricNextResponse:
			row.NextResponseDue = due // the last wait's
		case sla.MetricResolution:
			row.ResolutionDue = due
		}
		running = running || !m.stopped(cl)
	}
	switch {
	case row.Breached:
		row.Outcome = "breached"
	case c.MergedInto != "":
		row.Outcome = "merged" // its wait goes on in the case it joined
	case running || (len(m.clocks) == 0 && c.Status.Active()):
		row.Outcome = "running"
	default:
		row.Outcome = "met"
	}
	return row
}
