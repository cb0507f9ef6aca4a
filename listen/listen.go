// Package listen computes the listening view of posts from listen-only
// sources (model.ListenItem): how often each topic came up per day, and
// the days a topic spiked — an issue surfacing in a neutral community
// before it reaches the care channels. It is pure: the items and the clock
// are given.
package listen

import (
	"math"
	"sort"
	"time"

	"switchboard/model"
)

// Spike rule: a topic spikes on a day when it has at least MinSpike items,
// at least SpikeFactor times its daily mean over the Baseline days before
// (a mean under one counting as one), and more than that mean plus three
// standard deviations.
const (
	MinSpike    = 5
	SpikeFactor = 3.0
	Baseline    = 14
	// minBaseline days must precede a day for it to spike: the first days
	// of a view have nothing to compare with.
	minBaseline = 3
)

// Topic is one topic's counts per day, oldest first, over the view's days.
type Topic struct {
	Topic  string `json:"topic"`
	Counts []int  `json:"counts"`
	Total  int    `json:"total"`
	// Spike is set when the newest day spiked; SpikeDays lists every
	// spiking day (indexes into Counts).
	Spike     bool    `json:"spike"`
	SpikeDays []int   `json:"spike_days,omitempty"`
	Mean      float64 `json:"mean"` // of the baseline before the newest day
}

// View is the listening view of a period of days ending today.
type View struct {
	Days   []time.Time `json:"days"` // midnight of each day, in loc
	Topics []Topic     `json:"topics"`
	Items  int         `json:"items"`
	// Adopted counts items turned into care cases.
	Adopted int `json:"adopted"`
}

// Trend groups items by topic and by day over the days days ending with
// now's day (in loc), topics with a spike on the newest day first, then
// by total. Items without a topic count under "other".
func Trend(items []model.ListenItem, now time.Time, loc *time.Location, days int) View {
	if days < 1 {
		days = 1
	}
	if loc == nil {
		loc = time.UTC
	}
	now = now.In(loc)
	last := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	first := last.AddDate(0, 0, -(days - 1))
	v := View{}
	for i := 0; i < days; i++ {
		v.Days = append(v.Days, first.AddDate(0, 0, i))
	}
	counts := map[string][]int{}
	seen := map[string]bool{}
	for _, it := range items {
		if seen[it.ID] {
			continue // a repeat delivery of the same post
		}
		seen[it.ID] = true
		t := it.Time.In(loc)
		d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
		if d.Before(first) || d.After(last) {
			continue
		}
		idx := int(math.Round(d.Sub(first).Hours() / 24))
		if idx < 0 || idx >= days {
			continue
		}
		v.Items++
		if it.Adopted != "" {
			v.Adopted++
		}
		topics := it.Topics
		if len(topics) == 0 {
			topics = []string{"other"}
		}
		for _, tp := range topics {
			c := counts[tp]
			if c == nil {
				c = make([]int, days)
				counts[tp] = c
			}
			c[idx]++
		}
	}
	for tp, c := range counts {
		t := Topic{Topic: tp, Counts: c}
		for i, n := range c {
			t.Total += n
			if spikes(c, i) {
				t.SpikeDays = append(t.SpikeDays, i)
			}
		}
		t.Spike = len(t.SpikeDays) > 0 && t.SpikeDays[len(t.SpikeDays)-1] == days-1
		t.Mean, _ = stats(c, days-1)
		v.Topics = append(v.Topics, t)
	}
	sort.Slice(v.Topics, func(i, j int) bool {
		a, b := v.Topics[i], v.Topics[j]
		if a.Spike != b.Spike {
			return a.Spike
		}
		if a.Total != b.Total {
			return a.Total > b.Total
		}
		return a.Topic < b.Topic
	})
	return v
}

// spikes reports whether day i of c spiked against the Baseline days
// before it.
func spikes(c []int, i int) bool {
	n := c[i]
	if n < MinSpike || i < minBaseline {
		return false
	}
	mean, sd := stats(c, i)
	floor := math.Max(mean, 1)
	return float64(n) >= SpikeFactor*floor && float64(n) > mean+3*sd
}

// stats is the mean and standard deviation of the Baseline days before
// day i (fewer at the start of the period).
func stats(c []int, i int) (mean, sd float64) {
	from := max(0, i-Baseline)
	k := i - from
	if k == 0 {
		return 0, 0
	}
	for _, n := range c[from:i] {
		mean += float64(n)
	}
	mean /= float64(k)
	for _, n := range c[from:i] {
		d := float64(n) - mean
		sd += d * d
	}
	return mean, math.Sqrt(sd / float64(k))
}
