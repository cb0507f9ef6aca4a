package sla

import (
	"sort"
	"time"
)

// Interval is a span of time; a zero End is still open.
type Interval struct{ Start, End time.Time }

// Clock measures time against a target: the open time of its calendar
// (all of it for a nil calendar) outside its pauses.
type Clock struct {
	Cal *Calendar
	// Pauses are the spans in which the clock stands still (the case
	// waits on the customer, or is solved), sorted by Start and not
	// overlapping; see Normalize.
	Pauses []Interval
}

// Normalize sorts pauses and joins the ones that overlap or touch.
func Normalize(ps []Interval) []Interval {
	out := make([]Interval, 0, len(ps))
	for _, p := range ps {
		if !p.End.IsZero() && !p.End.After(p.Start) {
			continue
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	merged := out[:0]
	for _, p := range out {
		if n := len(merged); n > 0 {
			last := &merged[n-1]
			if last.End.IsZero() {
				continue // open-ended: covers everything after it
			}
			if !p.Start.After(last.End) {
				if p.End.IsZero() || p.End.After(last.End) {
					last.End = p.End
				}
				continue
			}
		}
		merged = append(merged, p)
	}
	return merged
}

// Elapsed is the clock's time in [a, b).
func (k Clock) Elapsed(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	var total time.Duration
	cur := a
	for _, p := range k.Pauses {
		if !p.End.IsZero() && !p.End.After(cur) {
			continue
		}
		if !p.Start.Before(b) {
			break
		}
		if p.Start.After(cur) {
			total += k.Cal.Between(cur, p.Start)
		}
		if p.End.IsZero() {
			return total
		}
		cur = later(cur, p.End)
	}
	return total + k.Cal.Between(cur, b)
}

// Due is the instant at which the clock, started at a, reaches target;
// the zero time while it stands in a pause that has not ended (or when its
// calendar never reaches the target).
func (k Clock) Due(a time.Time, target time.Duration) time.Time {
	cur, left := a, target
	for _, p := range k.Pauses {
		if !p.End.IsZero() && !p.End.After(cur) {
			continue
		}
		if p.Start.After(cur) {
			if t := k.Cal.Add(cur, left); !t.IsZero() && !t.After(p.Start) {
				return t
			}
			left -= k.Cal.Between(cur, p.Start)
		}
		if p.End.IsZero() {
			return time.Time{}
		}
		cur = later(cur, p.End)
	}
	return k.Cal.Add(cur, left)
}
