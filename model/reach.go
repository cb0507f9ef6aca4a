package model

import "math"

// Reach labels how far an author's voice carries.
type Reach string

const (
	ReachNone       Reach = ""
	ReachNotable    Reach = "notable"
	ReachInfluencer Reach = "influencer"
	ReachHigh       Reach = "high-reach"
)

// rank orders the labels: none < notable < influencer < high-reach.
func (r Reach) rank() int {
	switch r {
	case ReachNotable:
		return 1
	case ReachInfluencer:
		return 2
	case ReachHigh:
		return 3
	}
	return 0
}

// AtLeast reports whether r is o or a wider reach.
func (r Reach) AtLeast(o Reach) bool { return r.rank() >= o.rank() }

// Valid reports whether r is one of the labels (or none).
func (r Reach) Valid() bool { return r == ReachNone || r.rank() > 0 }

// ReachThresholds configure the reach labels and what a wide reach does to
// a new public case. The cut-offs are follower counts: an author earns a
// label when their influence (followers, verification and engagement
// together) reaches that of an unverified account with that many followers
// and no engagement. So 100,000 followers alone make "high-reach", and so
// do fewer followers with a verified badge or a lot of engagement.
type ReachThresholds struct {
	Notable    int `json:"notable"`
	Influencer int `json:"influencer"`
	High       int `json:"high"`
	// RaiseAt is the lowest label whose new public cases get priority
	// RaiseTo; "none" turns raising off. Empty means high-reach.
	RaiseAt Reach `json:"raise_at,omitempty"`
	// RaiseTo is the priority given; zero (low) means high.
	RaiseTo Priority `json:"raise_to,omitempty"`
}

// DefaultReach is 2k / 10k / 100k followers, raising public high-reach
// cases to high priority.
var DefaultReach = ReachThresholds{Notable: 2_000, Influencer: 10_000, High: 100_000, RaiseAt: ReachHigh, RaiseTo: PriorityHigh}

// ReachOff is the RaiseAt that turns raising priority off.
const ReachOff Reach = "none"

// influence is the unrounded, uncapped score.
func influence(followers, engagement int, verified bool) float64 {
	s := 18*math.Log10(float64(max(0, followers))+1) + 8*math.Log10(float64(max(0, engagement))+1)
	if verified {
		s += 10
	}
	return s
}

// InfluenceScore maps an identity's followers, verification and recent
// engagement onto 0–100, log-scaled so each tenfold counts the same:
//
//	18·log10(followers+1) + 8·log10(engagement+1) + 10 if verified
//
// rounded and capped at 100. Engagement is the interactions on the
// author's latest post in the case, as the platform reports them.
// 2,000 followers score 59, 10,000 score 72, 100,000 score 90; 100
// interactions on the post add 16, a verified badge 10.
func InfluenceScore(followers, engagement int, verified bool) int {
	return int(math.Round(math.Min(100, influence(followers, engagement, verified))))
}

// Label returns the reach label of an identity.
func (t ReachThresholds) Label(followers, engagement int, verified bool) Reach {
	s := influence(followers, engagement, verified)
	cut := func(n int) bool { return n > 0 && s >= influence(n, 0, false) }
	switch {
	case cut(t.High):
		return ReachHigh
	case cut(t.Influencer):
		return ReachInfluencer
	case cut(t.Notable):
		return ReachNotable
	}
	return ReachNone
}

// Rate fills in Influence and Reach of an identity.
func (t ReachThresholds) Rate(id *Identity) {
	id.Influence = InfluenceScore(id.Followers, id.Engagement, id.Verified)
	id.Reach = t.Label(id.Followers, id.Engagement, id.Verified)
}

// Raise returns the priority a new case gets: raised when it is public and
// its author's reach is at or above RaiseAt.
func (t ReachThresholds) Raise(p Priority, public bool, r Reach) Priority {
	at, to := t.RaiseAt, t.RaiseTo
	if at == "" {
		at = ReachHigh
	}
	if to == PriorityLow {
		to = PriorityHigh
	}
	if at == ReachOff || !public || r == ReachNone || !r.AtLeast(at) || p >= to {
		return p
	}
	return to
}

// Badge is the short text the queue shows for a reach label.
func (r Reach) Badge() string {
	switch r {
	case ReachHigh:
		return "HIGH REACH"
	case ReachInfluencer:
		return "INFLUENCER"
	case ReachNotable:
		return "NOTABLE"
	}
	return ""
}
