package community

import (
	"sort"
	"time"

	"switchboard/model"
)

// Recognition is the community's help in a period (the hub's
// /v1/reports/community): every community answer (to a hand-off, or a
// member's answer in a forum thread), the helpers ranked (the first is the
// period's hero), and the hand-offs still waiting.
type Recognition struct {
	From    time.Time       `json:"from"`
	To      time.Time       `json:"to"`
	Helpers []Helper        `json:"helpers"`
	Answers []Answer        `json:"answers"`
	Waiting []model.Handoff `json:"waiting"`
}

// Answer is one community answer: an expert's post that answered a case
// handed over to them (or a forum question they answered first).
type Answer struct {
	Expert string    `json:"expert"`
	Name   string    `json:"name,omitempty"`
	Topic  string    `json:"topic,omitempty"`
	CaseID string    `json:"case_id,omitempty"`
	Asked  time.Time `json:"asked"`
	At     time.Time `json:"at"`
	// Solved is set when the case was solved with this answer.
	Solved bool `json:"solved,omitempty"`
	// Thanked or Accepted by the asker.
	Thanked  bool `json:"thanked,omitempty"`
	Accepted bool `json:"accepted,omitempty"`
}

// Helper is one expert's community answers in a period.
type Helper struct {
	Expert   string `json:"expert"`
	Name     string `json:"name,omitempty"`
	Answers  int    `json:"answers"`
	Solved   int    `json:"solved"`
	Thanked  int    `json:"thanked"`
	Accepted int    `json:"accepted"`
	// Topics counts the answers per topic.
	Topics map[string]int `json:"topics,omitempty"`
	// MedianWait is the median time from hand-off (or question) to the
	// answer.
	MedianWait time.Duration `json:"median_wait_ns"`
	// Points rank the helpers: an answer 1, solved +2, accepted +2,
	// thanked +1.
	Points int `json:"points"`
}

// Recognise sums the answers given in [from, to) per expert, the most
// helpful first (by points, then answers, then key): the month's first
// is its "hero of the month".
func Recognise(answers []Answer, from, to time.Time) []Helper {
	by := map[string]*Helper{}
	waits := map[string][]time.Duration{}
	for _, a := range answers {
		if a.At.Before(from) || !a.At.Before(to) || a.Expert == "" {
			continue
		}
		h := by[a.Expert]
		if h == nil {
			h = &Helper{Expert: a.Expert, Topics: map[string]int{}}
			by[a.Expert] = h
		}
		if a.Name != "" {
			h.Name = a.Name
		}
		h.Answers++
		h.Points++
		if a.Solved {
			h.Solved++
			h.Points += 2
		}
		if a.Accepted {
			h.Accepted++
			h.Points += 2
		}
		if a.Thanked {
			h.Thanked++
			h.Points++
		}
		if a.Topic != "" {
			h.Topics[a.Topic]++
		}
		if !a.Asked.IsZero() && !a.At.Before(a.Asked) {
			waits[a.Expert] = append(waits[a.Expert], a.At.Sub(a.Asked))
		}
	}
	out := make([]Helper, 0, len(by))
	for k, h := range by {
		if w := waits[k]; len(w) > 0 {
			sort.Slice(w, func(i, j int) bool { return w[i] < w[j] })
			if len(w)%2 == 1 {
				h.MedianWait = w[len(w)/2]
			} else {
				h.MedianWait = (w[len(w)/2-1] + w[len(w)/2]) / 2
			}
		}
		out = append(out, *h)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Points != b.Points {
			return a.Points > b.Points
		}
		if a.Answers != b.Answers {
			return a.Answers > b.Answers
		}
		return a.Expert < b.Expert
	})
	return out
}

// Month is the calendar month of t in t's location: [from, to).
func Month(t time.Time) (from, to time.Time) {
	from = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, t.Location())
	return from, from.AddDate(0, 1, 0)
}
