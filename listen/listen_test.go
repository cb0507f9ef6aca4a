package listen

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"switchboard/model"
)

func TestTrendFindsTheSpikeOfTheNewestDay(t *testing.T) {
	now := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	var items []model.ListenItem
	add := func(daysAgo, n int, topics ...string) {
		for i := 0; i < n; i++ {
			items = append(items, model.ListenItem{ID: fmt.Sprintf("%v-%d-%d", topics, daysAgo, i), Topics: topics,
				Time: now.AddDate(0, 0, -daysAgo).Add(-time.Duration(i) * time.Minute)})
		}
	}
	for d := 1; d < 14; d++ {
		add(d, 2, "technical") // steady chatter
		add(d, 1+d%2, "praise")
	}
	add(0, 2, "praise")
	add(0, 11, "technical")                    // the 4.2 update breaks something
	add(0, 1)                                  // no topic: other
	add(30, 50, "billing")                     // outside the period
	items = append(items, items[len(items)-3]) // a repeat delivery
	v := Trend(items, now, time.UTC, 14)
	if len(v.Days) != 14 || !v.Days[13].Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("days %v", v.Days)
	}
	if v.Items != 26+20+2+11+1 {
		t.Fatalf("items %d", v.Items)
	}
	if v.Topics[0].Topic != "technical" || !v.Topics[0].Spike || v.Topics[0].Counts[13] != 11 || v.Topics[0].Mean != 2 {
		t.Fatalf("first topic %+v", v.Topics[0])
	}
	for _, tp := range v.Topics[1:] {
		if tp.Spike {
			t.Fatalf("%s spiked: %+v", tp.Topic, tp)
		}
	}
	if !slices.ContainsFunc(v.Topics, func(tp Topic) bool { return tp.Topic == "other" && tp.Total == 1 }) {
		t.Fatalf("untopiced item: %+v", v.Topics)
	}
}

func TestTrendNoSpikeFromFewOrSteadyItems(t *testing.T) {
	now := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	var items []model.ListenItem
	for d := 0; d < 14; d++ {
		for i := 0; i < 6; i++ { // six a day, every day
			items = append(items, model.ListenItem{ID: fmt.Sprint(d, i), Topics: []string{"booking"}, Time: now.AddDate(0, 0, -d)})
		}
	}
	items = append(items, model.ListenItem{ID: "x1", Topics: []string{"new"}, Time: now}, model.ListenItem{ID: "x2", Topics: []string{"new"}, Time: now})
	for _, tp := range Trend(items, now, time.UTC, 14).Topics {
		if tp.Spike || len(tp.SpikeDays) > 0 {
			t.Fatalf("%+v spiked", tp)
		}
	}
	// Five from nothing is a spike (an issue new today).
	for i := 0; i < 3; i++ {
		items = append(items, model.ListenItem{ID: fmt.Sprint("y", i), Topics: []string{"new"}, Time: now})
	}
	v := Trend(items, now, time.UTC, 14)
	if v.Topics[0].Topic != "new" || !v.Topics[0].Spike {
		t.Fatalf("%+v", v.Topics)
	}
}
