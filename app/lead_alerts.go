package app

import (
	"slices"
	"time"

	"switchboard/model"
)

// Escalate is which SLA transitions raise a desktop notification: a case
// going at risk (the hub's at_risk threshold of its target) and a case
// breaching. A lead hears of every case, an agent of the cases assigned
// to them. Nil in Settings: both on.
type Escalate struct {
	AtRisk   bool `json:"at_risk"`
	Breached bool `json:"breached"`
	// HighReachMinutes tells the leads of a public case from a high-reach
	// author whose customer has waited that long for an answer (0: never)
	// — a clumsy silence in public to someone with a large following
	// becomes a story; a direct message does not.
	HighReachMinutes int `json:"high_reach_minutes"`
}

// DefaultHighReachMinutes is how long a high-reach author waits before
// the leads are told, unless configured.
const DefaultHighReachMinutes = 15

// Escalation returns the settings' escalation choice, all on by default.
func (s Settings) Escalation() Escalate {
	if s.Escalate == nil {
		return Escalate{AtRisk: true, Breached: true, HighReachMinutes: DefaultHighReachMinutes}
	}
	return *s.Escalate
}

// Escalation is one case that moved to at risk or breached.
type Escalation struct {
	Case model.Summary
	To   model.SLAState
	// Mine is set when the case is assigned to this console's agent.
	Mine bool
	// HighReach is set when the case is told because its high-reach
	// author has waited HighReachMinutes in public (To is then the case's
	// SLA state).
	HighReach bool
}

// Escalations remembers each active case's SLA state so that each move up
// (ok → at risk → breached) is told once: a case that stays breached is
// not told again, one that recovers and goes at risk again is. It is not
// safe for concurrent use.
type Escalations struct {
	seen   map[string]model.SLAState
	primed bool
	// told are the high-reach waits already told: case id → the wait's
	// start, so a new wait of the same case is told again.
	told map[string]time.Time
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

var slaRank = map[model.SLAState]int{"": 0, model.SLAOK: 0, model.SLAAtRisk: 1, model.SLABreached: 2}

// Scan takes the active cases now and returns the transitions since the
// last scan that concern this console: every case for a lead, the cases
// assigned to me otherwise, filtered by want. The first scan only learns
// the states (a console that starts does not tell the whole backlog).
func (e *Escalations) Scan(active []model.Summary, me string, lead bool, want Escalate) []Escalation {
	fresh := make(map[string]model.SLAState, len(active))
	var out []Escalation
	for _, s := range active {
		if !s.Status.Active() {
			continue
		}
		fresh[s.ID] = s.SLA
		before, known := e.seen[s.ID]
		if !e.primed || slaRank[s.SLA] <= slaRank[before] && known {
			continue
		}
		if !known && s.SLA != model.SLAAtRisk && s.SLA != model.SLABreached {
			continue
		}
		mine := me != "" && s.Assignee == me
		if !lead && !mine {
			continue
		}
		if (s.SLA == model.SLAAtRisk && want.AtRisk) || (s.SLA == model.SLABreached && want.Breached) {
			out = append(out, Escalation{Case: s, To: s.SLA, Mine: mine})
		}
	}
	e.seen, e.primed = fresh, true
	out = append(out, e.highReach(active, lead, want)...)
	slices.SortFunc(out, func(a, b Escalation) int { return a.Case.Due.Compare(b.Case.Due) })
	return out
}

// highReach returns, for a lead, the active public cases of high-reach
// authors whose customer has waited HighReachMinutes or more, each wait
// once. A private message is not seen by the author's following.
func (e *Escalations) highReach(active []model.Summary, lead bool, want Escalate) []Escalation {
	if !lead || want.HighReachMinutes <= 0 {
		return nil
	}
	now := time.Now()
	if e.Now != nil {
		now = e.Now()
	}
	told := make(map[string]time.Time, len(e.told))
	var out []Escalation
	for _, s := range active {
		if !s.Status.Active() || !s.Public || s.Reach != model.ReachHigh || s.WaitingSince.IsZero() {
			continue
		}
		if at, ok := e.told[s.ID]; ok && at.Equal(s.WaitingSince) {
			told[s.ID] = at
			continue
		}
		if now.Sub(s.WaitingSince) >= time.Duration(want.HighReachMinutes)*time.Minute {
			told[s.ID] = s.WaitingSince
			out = append(out, Escalation{Case: s, To: s.SLA, HighReach: true})
		}
	}
	e.told = told
	return out
}
