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

// ReachThresholds are the follower counts at which the labels start.
type ReachThresholds struct {
	Notable    int `json:"notable"`
	Influencer int `json:"influencer"`
	High       int `json:"high"`
}

// DefaultReach is 2k / 10k / 100k followers.
var DefaultReach = ReachThresholds{Notable: 2_000, Influencer: 10_000, High: 100_000}

// Label returns the reach label for a follower count.
func (t ReachThresholds) Label(followers int) Reach {
	switch {
	case followers >= t.High:
		return ReachHigh
	case followers >= t.Influencer:
		return ReachInfluencer
	case followers >= t.Notable:
		return ReachNotable
	}
	return ReachNone
}

// InfluenceScore maps followers and verification onto 0–100, log-scaled:
// 20·log10(followers+1), plus 10 for a verified account, capped at 100.
// 100 followers score 40, 10k score 80, 100k score 100.
func InfluenceScore(followers int, verified bool) int {
	if followers < 0 {
		followers = 0
	}
	s := 20 * math.Log10(float64(followers)+1)
	if verified {
		s += 10
	}
	return int(math.Round(math.Min(100, s)))
}

// Rate fills in Influence and Reach of an identity from its followers.
func (t ReachThresholds) Rate(id *Identity) {
	id.Influence = InfluenceScore(id.Followers, id.Verified)
	id.Reach = t.Label(id.Followers)
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
