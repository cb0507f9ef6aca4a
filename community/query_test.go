package community

import (
	"slices"
	"testing"

	"switchboard/model"
)

// A case's triage category is one of its topics only when it names what
// the case is about: a shop's delivery complaint triaged "a complaint
// about the service" must not match a car forum's expert who once
// answered a thread triaged the same (seen on the demo hub: RolandK of
// the car forum suggested for it).
func TestQueryTakesOnlyATopicCategory(t *testing.T) {
	for _, c := range []struct {
		category string
		topic    bool
	}{
		{"delivery_baggage", true}, {"technical", true}, {"roaming", true},
		{"service_complaint", false}, {"question", false}, {"praise", false}, {"other", false}, {"", false},
	} {
		cs := model.Case{ID: "c1", Subject: "where is my parcel", Triage: &model.CaseTriage{Category: c.category}}
		q := QueryOf(cs, nil, nil)
		if got := slices.Contains(q.Topics, c.category) && c.category != ""; got != c.topic {
			t.Errorf("category %q: topics %v, want it a topic: %v", c.category, q.Topics, c.topic)
		}
	}
}
