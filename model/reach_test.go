package model

import "testing"

func TestInfluenceScore(t *testing.T) {
	tests := []struct {
		followers, engagement int
		verified              bool
		want                  int
	}{
		{0, 0, false, 0},
		{-5, -1, false, 0}, // nonsense counts are nobody
		{9, 0, false, 18},
		{99, 0, false, 36},
		{2_000, 0, false, 59},
		{10_000, 0, false, 72},
		{100_000, 0, false, 90},
		{100_000, 0, true, 100},
		{10_000, 99, false, 88}, // 100 interactions per post add 16
		{0, 999, false, 24},
		{1_000_000, 0, false, 100}, // capped
		{50_000_000, 1_000_000, true, 100},
	}
	for _, tc := range tests {
		if got := InfluenceScore(tc.followers, tc.engagement, tc.verified); got != tc.want {
			t.Errorf("InfluenceScore(%d, %d, %v) = %d, want %d", tc.followers, tc.engagement, tc.verified, got, tc.want)
		}
	}
}

func TestReachLabelBoundaries(t *testing.T) {
	custom := ReachThresholds{Notable: 500, Influencer: 5_000, High: 50_000}
	tests := []struct {
		t                     ReachThresholds
		followers, engagement int
		verified              bool
		want                  Reach
	}{
		{DefaultReach, 1_999, 0, false, ReachNone},
		{DefaultReach, 2_000, 0, false, ReachNotable},
		{DefaultReach, 9_999, 0, false, ReachNotable},
		{DefaultReach, 10_000, 0, false, ReachInfluencer},
		{DefaultReach, 99_999, 0, false, ReachInfluencer},
		{DefaultReach, 100_000, 0, false, ReachHigh},
		// Engagement and the badge count: a verified 30k account reaches
		// past an unverified 100k one; 1k followers with lively posts are
		// notable.
		{DefaultReach, 30_000, 0, true, ReachHigh},
		{DefaultReach, 1_000, 20, false, ReachNotable},
		{DefaultReach, 1_000, 0, false, ReachNone},
		{custom, 499, 0, false, ReachNone},
		{custom, 500, 0, false, ReachNotable},
		{custom, 5_000, 0, false, ReachInfluencer},
		{custom, 50_000, 0, false, ReachHigh},
		// A zero threshold turns its label off.
		{ReachThresholds{High: 1_000}, 999_999, 0, false, ReachHigh},
		{ReachThresholds{High: 1_000}, 999, 0, false, ReachNone},
	}
	for _, tc := range tests {
		if got := tc.t.Label(tc.followers, tc.engagement, tc.verified); got != tc.want {
			t.Errorf("%+v.Label(%d, %d, %v) = %q, want %q", tc.t, tc.followers, tc.engagement, tc.verified, got, tc.want)
		}
	}
}

func TestReachRaise(t *testing.T) {
	tests := []struct {
		name   string
		t      ReachThresholds
		p      Priority
		public bool
		r      Reach
		want   Priority
	}{
		{"default raises public high reach", DefaultReach, PriorityNormal, true, ReachHigh, PriorityHigh},
		{"zero config is the default", ReachThresholds{}, PriorityNormal, true, ReachHigh, PriorityHigh},
		{"private stays", DefaultReach, PriorityNormal, false, ReachHigh, PriorityNormal},
		{"below raise_at stays", DefaultReach, PriorityNormal, true, ReachInfluencer, PriorityNormal},
		{"never lowers", DefaultReach, PriorityUrgent, true, ReachHigh, PriorityUrgent},
		{"configured from influencer to urgent", ReachThresholds{RaiseAt: ReachInfluencer, RaiseTo: PriorityUrgent}, PriorityNormal, true, ReachHigh, PriorityUrgent},
		{"configured, at raise_at", ReachThresholds{RaiseAt: ReachInfluencer, RaiseTo: PriorityUrgent}, PriorityNormal, true, ReachInfluencer, PriorityUrgent},
		{"turned off", ReachThresholds{RaiseAt: ReachOff}, PriorityNormal, true, ReachHigh, PriorityNormal},
		{"nobody", ReachThresholds{RaiseAt: ReachNotable}, PriorityNormal, true, ReachNone, PriorityNormal},
	}
	for _, tc := range tests {
		if got := tc.t.Raise(tc.p, tc.public, tc.r); got != tc.want {
			t.Errorf("%s: Raise = %s, want %s", tc.name, got, tc.want)
		}
	}
}
