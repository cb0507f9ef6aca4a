package sla

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"switchboard/model"
)

// The clocks a policy may target.
const (
	MetricFirstResponse = "first_response"
	MetricNextResponse  = "next_response"
	MetricResolution    = "resolution"
)

// Subject is what a policy's conditions look at in a case.
type Subject struct {
	Channel  model.Channel
	Priority model.Priority
	Tier     string // the linked customer's CRM tier; empty when not linked
	Reach    model.Reach
	Public   bool
	Team     string // the assignee's team; empty when unassigned or in none
}

// Condition selects cases; an empty list matches everything, a list
// matches a case whose value is in it, and every given field must match.
type Condition struct {
	Channels   []model.Channel `json:"channels,omitempty"`
	Priorities []string        `json:"priorities,omitempty"` // low, normal, high, urgent
	Tiers      []string        `json:"tiers,omitempty"`      // CRM tiers, any case; "" matches no linked customer
	Reach      []model.Reach   `json:"reach,omitempty"`      // notable, influencer, high-reach; "" none
	Public     *bool           `json:"public,omitempty"`     // true: public posts; false: private messages
	Teams      []string        `json:"teams,omitempty"`
}

// Match reports whether s meets every condition.
func (c Condition) Match(s Subject) bool {
	if len(c.Channels) > 0 && !slices.Contains(c.Channels, s.Channel) {
		return false
	}
	if len(c.Priorities) > 0 && !slices.ContainsFunc(c.Priorities, func(p string) bool { return strings.EqualFold(p, s.Priority.String()) }) {
		return false
	}
	if len(c.Tiers) > 0 && !slices.ContainsFunc(c.Tiers, func(t string) bool { return strings.EqualFold(t, s.Tier) }) {
		return false
	}
	if len(c.Reach) > 0 && !slices.Contains(c.Reach, s.Reach) {
		return false
	}
	if c.Public != nil && *c.Public != s.Public {
		return false
	}
	if len(c.Teams) > 0 && !slices.Contains(c.Teams, s.Team) {
		return false
	}
	return true
}

// PolicyConfig is a policy as the config file gives it. Targets are Go
// durations ("30m", "8h"); an empty target is not measured. Calendar
// names the calendar the targets count in: empty for 24/7 (wall time),
// "team" for the assignee's team's calendar (the default calendar when
// unassigned), or a calendar's name.
type PolicyConfig struct {
	Name          string    `json:"name"`
	When          Condition `json:"when"`
	FirstResponse string    `json:"first_response,omitempty"`
	NextResponse  string    `json:"next_response,omitempty"`
	Resolution    string    `json:"resolution,omitempty"`
	Calendar      string    `json:"calendar,omitempty"`
}

// TeamConfig is a team: its agents and the calendar it works by.
type TeamConfig struct {
	Agents   []string `json:"agents"`
	Calendar string   `json:"calendar,omitempty"` // empty: the default calendar
}

// Config is the "sla" section of the hub's config file.
type Config struct {
	// AtRisk is the share of a target used after which a running clock
	// is at risk: 0.8 (the default) turns a 30-minute target amber at 24.
	AtRisk float64 `json:"at_risk,omitempty"`
	// PauseIn are the states that stop the next-response and resolution
	// clocks (default pending, solved, closed). The first-response clock
	// stops only in solved and closed.
	PauseIn []model.Status `json:"pause_in,omitempty"`
	// Calendars by name; "default" is the one business figures count in
	// when neither the policy nor the team names one (Mon–Fri 09:00–17:00
	// UTC when not given).
	Calendars map[string]CalendarConfig `json:"calendars,omitempty"`
	Teams     map[string]TeamConfig     `json:"teams,omitempty"`
	// Policies in order: the first that matches a case applies. Absent:
	// DefaultPolicies; an empty list measures no case against a target.
	Policies *[]PolicyConfig `json:"policies,omitempty"`
	// EvaluateEvery is how often the hub checks running clocks ("15s").
	EvaluateEvery string `json:"evaluate_every,omitempty"`
}

// DefaultCalendar is the default calendar when the config names none.
var DefaultCalendar = CalendarConfig{Hours: map[string]string{"mon-fri": "09:00-17:00"}}

func yes() *bool { t := true; return &t }
func no() *bool  { f := false; return &f }

// DefaultPolicies are targets for social care: on X and Facebook the public
// answer within minutes (15 for high-reach authors, 30 for everyone else),
// private messages within the hour, forums within a business day (8 hours
// of the default calendar).
func DefaultPolicies() []PolicyConfig {
	social := []model.Channel{model.ChannelTwitter, model.ChannelFacebook}
	return []PolicyConfig{
		{Name: "social-public-high-reach", When: Condition{Channels: social, Public: yes(), Reach: []model.Reach{model.ReachHigh}},
			FirstResponse: "15m", NextResponse: "30m", Resolution: "24h"},
		{Name: "social-public", When: Condition{Channels: social, Public: yes()},
			FirstResponse: "30m", NextResponse: "1h", Resolution: "24h"},
		{Name: "social-private", When: Condition{Channels: social, Public: no()},
			FirstResponse: "1h", NextResponse: "2h", Resolution: "48h"},
		{Name: "forum", When: Condition{Channels: []model.Channel{model.ChannelForum}},
			FirstResponse: "8h", NextResponse: "8h", Resolution: "40h", Calendar: "default"},
	}
}

// Policy is a built policy.
type Policy struct {
	Name    string
	When    Condition
	Targets map[string]time.Duration // by metric; absent: not measured
	// Calendar is what the targets count in; nil with TeamCalendar false
	// is 24/7.
	Calendar     *Calendar
	TeamCalendar bool
}

// Rules are the built SLA configuration.
type Rules struct {
	AtRisk        float64
	PauseIn       map[model.Status]bool
	Calendars     map[string]*Calendar
	Default       *Calendar
	Policies      []Policy
	EvaluateEvery time.Duration
	team          map[string]string    // agent → team
	teamCal       map[string]*Calendar // team → calendar
}

// Build checks the configuration and makes the rules; the error names the
// field at fault.
func (c Config) Build() (*Rules, error) {
	r := &Rules{AtRisk: c.AtRisk, PauseIn: map[model.Status]bool{}, Calendars: map[string]*Calendar{},
		team: map[string]string{}, teamCal: map[string]*Calendar{}, EvaluateEvery: 15 * time.Second}
	if r.AtRisk == 0 {
		r.AtRisk = 0.8
	}
	if r.AtRisk < 0 || r.AtRisk >= 1 {
		return nil, fmt.Errorf("at_risk %v: want a share of the target between 0 and 1 (0.8 = at risk after 80%%)", c.AtRisk)
	}
	pause := c.PauseIn
	if pause == nil {
		pause = []model.Status{model.StatusPending, model.StatusSolved, model.StatusClosed}
	}
	for _, s := range pause {
		switch s {
		case model.StatusNew, model.StatusOpen, model.StatusPending, model.StatusSolved, model.StatusClosed:
			r.PauseIn[s] = true
		default:
			return nil, fmt.Errorf("pause_in: unknown status %q", s)
		}
	}
	if c.EvaluateEvery != "" {
		d, err := time.ParseDuration(c.EvaluateEvery)
		if err != nil || d < time.Second {
			return nil, fmt.Errorf("evaluate_every %q: want a duration of at least 1s", c.EvaluateEvery)
		}
		r.EvaluateEvery = d
	}
	cals := c.Calendars
	if _, ok := cals["default"]; !ok {
		cals = mapsWith(cals, "default", DefaultCalendar)
	}
	for name, cc := range cals {
		if strings.TrimSpace(name) == "" || name == "team" {
			return nil, fmt.Errorf("calendars: %q cannot be a calendar's name", name)
		}
		cal, err := cc.Build(name)
		if err != nil {
			return nil, err
		}
		r.Calendars[name] = cal
	}
	r.Default = r.Calendars["default"]
	for name, tc := range c.Teams {
		cal := r.Default
		if tc.Calendar != "" {
			var ok bool
			if cal, ok = r.Calendars[tc.Calendar]; !ok {
				return nil, fmt.Errorf("teams.%s: no calendar %q", name, tc.Calendar)
			}
		}
		r.teamCal[name] = cal
		for _, a := range tc.Agents {
			if other, ok := r.team[a]; ok && other != name {
				return nil, fmt.Errorf("teams: agent %s is in %s and %s; an agent is in one team", a, other, name)
			}
			r.team[a] = name
		}
	}
	pcs := DefaultPolicies()
	if c.Policies != nil {
		pcs = *c.Policies
	}
	names := map[string]bool{}
	for i, pc := range pcs {
		p, err := r.buildPolicy(pc)
		if err != nil {
			return nil, fmt.Errorf("policies[%d] %s: %w", i, pc.Name, err)
		}
		if names[p.Name] {
			return nil, fmt.Errorf("policies[%d]: name %q given twice", i, p.Name)
		}
		names[p.Name] = true
		r.Policies = append(r.Policies, p)
	}
	return r, nil
}

func mapsWith(m map[string]CalendarConfig, k string, v CalendarConfig) map[string]CalendarConfig {
	out := make(map[string]CalendarConfig, len(m)+1)
	for a, b := range m {
		out[a] = b
	}
	out[k] = v
	return out
}

func (r *Rules) buildPolicy(pc PolicyConfig) (Policy, error) {
	p := Policy{Name: strings.TrimSpace(pc.Name), When: pc.When, Targets: map[string]time.Duration{}}
	if p.Name == "" {
		return p, fmt.Errorf("a policy needs a name")
	}
	for _, ch := range pc.When.Channels {
		if !ch.Valid() {
			return p, fmt.Errorf("when.channels: unknown channel %q", ch)
		}
	}
	for _, pr := range pc.When.Priorities {
		if !slices.Contains([]string{"low", "normal", "high", "urgent"}, strings.ToLower(pr)) {
			return p, fmt.Errorf("when.priorities: %q is not low, normal, high or urgent", pr)
		}
	}
	for _, re := range pc.When.Reach {
		if !re.Valid() {
			return p, fmt.Errorf("when.reach: %q is not notable, influencer, high-reach or \"\"", re)
		}
	}
	for metric, s := range map[string]string{MetricFirstResponse: pc.FirstResponse, MetricNextResponse: pc.NextResponse, MetricResolution: pc.Resolution} {
		if s == "" {
			continue
		}
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return p, fmt.Errorf("%s %q: want a positive duration such as 30m or 8h", metric, s)
		}
		p.Targets[metric] = d
	}
	if len(p.Targets) == 0 {
		return p, fmt.Errorf("no target: give first_response, next_response or resolution")
	}
	switch pc.Calendar {
	case "":
	case "team":
		p.TeamCalendar = true
	default:
		cal, ok := r.Calendars[pc.Calendar]
		if !ok {
			return p, fmt.Errorf("calendar %q: no such calendar", pc.Calendar)
		}
		p.Calendar = cal
	}
	return p, nil
}

// Select returns the first policy whose conditions s meets; nil for none.
func (r *Rules) Select(s Subject) *Policy {
	for i := range r.Policies {
		if r.Policies[i].When.Match(s) {
			return &r.Policies[i]
		}
	}
	return nil
}

// TeamOf is the team of an agent; empty when in none.
func (r *Rules) TeamOf(agent string) string { return r.team[agent] }

// ClockCalendar is the calendar p's targets count in for a case of team:
// nil for 24/7.
func (r *Rules) ClockCalendar(p *Policy, team string) *Calendar {
	switch {
	case p == nil:
		return nil
	case p.TeamCalendar:
		return r.BusinessCalendar(nil, team)
	}
	return p.Calendar
}

// BusinessCalendar is the calendar a case's business-hours figures count
// in: its policy's, else its team's, else the default.
func (r *Rules) BusinessCalendar(p *Policy, team string) *Calendar {
	if p != nil && p.Calendar != nil {
		return p.Calendar
	}
	if c, ok := r.teamCal[team]; ok {
		return c
	}
	return r.Default
}

// Default builds the rules of an empty configuration.
func Default() *Rules {
	r, err := Config{}.Build()
	if err != nil {
		panic("sla: default rules: " + err.Error())
	}
	return r
}
