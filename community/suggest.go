package community

import (
	"math"
	"slices"
	"sort"
	"time"

	"switchboard/model"
)

// Query is what a case asks of the directory.
type Query struct {
	// Topics of the case: its tags, its triage category, and the known
	// topics its text mentions (TopicsIn).
	Topics []string
	// Lang is the case's language ("" when unknown).
	Lang string
	// Exclude are identity keys never to suggest: the case's own author
	// (an expert asking for help is a customer here).
	Exclude []string
}

// Suggestion is one expert for a case, with why.
type Suggestion struct {
	Expert model.Expert `json:"expert"`
	Score  float64      `json:"score"`
	// Matched are the query's topics the expert covers, listed or learned.
	Matched []string `json:"matched"`
	// Evidence is the learned stats behind the matched topics.
	Evidence []TopicEvidence `json:"evidence,omitempty"`
	// Available is false while the expert is away; AwayUntil then says
	// until when (zero: no date given).
	Available bool      `json:"available"`
	AwayUntil time.Time `json:"away_until,omitzero"`
	// Load is the hand-offs to the expert still waiting on an answer.
	Load int `json:"load"`
	// LangMatch is false when the expert lists languages and not the
	// case's.
	LangMatch bool `json:"lang_match"`
}

// Suggest ranks the directory's experts for q at now: only experts who
// cover at least one of the query's topics (listed in the directory or
// learned with evidence) are suggested; available ones come before those
// away; among them the score orders: a listed topic 3, a learned one by
// the weight of its evidence (up to 3), the case's language +1 (a listed
// other language only −2), each open hand-off −0.75. load gives the
// open hand-offs per expert key. At most max suggestions (0: all).
func Suggest(experts []model.Expert, ev Evidence, load map[string]int, q Query, now time.Time, max int) []Suggestion {
	var topics []string
	for _, t := range q.Topics {
		if t = normal(t); t != "" && !slices.Contains(topics, t) {
			topics = append(topics, t)
		}
	}
	var out []Suggestion
	for _, e := range experts {
		if e.Removed || slices.Contains(q.Exclude, e.Key) {
			continue
		}
		s := Suggestion{Expert: e, Available: !e.AwayAt(now), Load: load[e.Key], LangMatch: true}
		if !s.Available && e.Away != nil {
			s.AwayUntil = e.Away.Until
		}
		for _, t := range topics {
			listed := slices.Contains(e.Topics, t)
			learned := ev[e.Key][t]
			if !listed && (learned == nil || learned.Answers == 0) {
				continue
			}
			s.Matched = append(s.Matched, t)
			if listed {
				s.Score += 3
			}
			if learned != nil {
				s.Score += math.Min(3, math.Log2(1+learned.Weight()))
				s.Evidence = append(s.Evidence, TopicEvidence{Topic: t, Stats: *learned})
			}
		}
		if len(s.Matched) == 0 {
			continue
		}
		if q.Lang != "" && len(e.Languages) > 0 {
			if slices.Contains(e.Languages, q.Lang) {
				s.Score++
			} else {
				s.Score -= 2
				s.LangMatch = false
			}
		}
		s.Score -= 0.75 * float64(s.Load)
		s.Score = math.Round(s.Score*100) / 100
		out = append(out, s)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Available != b.Available {
			return a.Available
		}
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		return a.Expert.Key < b.Expert.Key
	})
	if max > 0 && len(out) > max {
		out = out[:max]
	}
	return out
}
