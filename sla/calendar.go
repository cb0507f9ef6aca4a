// Package sla holds Switchboard's service-level rules: business calendars
// (time zone, weekly hours, holidays), policies chosen by the first
// matching condition, and the clocks that measure a case against a target
// in business or wall time, paused while the case waits on the customer.
// It is pure: no clock of its own, no disk but an iCalendar file read at
// configuration time. The hub applies it (sync/hub/sla.go), the reports
// (report/) measure with it, so a figure and its due time agree.
package sla

import (
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
)

// Calendar is when a team works: weekly opening hours in a time zone,
// less holidays. A nil *Calendar is open all the time (24/7, wall time).
type Calendar struct {
	Name     string
	Location *time.Location
	// Hours holds, per weekday (time.Sunday = 0), the open spans in
	// minutes after local midnight, sorted and not overlapping.
	Hours [7][]Span
	// Holidays are local dates ("2026-12-25") on which it is closed.
	Holidays map[string]bool
}

// Span is an open span of a day, in minutes after local midnight; End may
// be 1440 (24:00).
type Span struct{ Start, End int }

// maxDays bounds every walk over a calendar: a target that a calendar
// cannot reach within ten years has no due time.
const maxDays = 3660

// Open reports whether the calendar is open at t.
func (c *Calendar) Open(t time.Time) bool {
	if c == nil {
		return true
	}
	lt := t.In(c.Location)
	if c.Holidays[lt.Format(time.DateOnly)] {
		return false
	}
	min := lt.Hour()*60 + lt.Minute()
	for _, s := range c.Hours[lt.Weekday()] {
		if min >= s.Start && min < s.End {
			return true
		}
	}
	return false
}

// openSpans calls fn with each open interval of the local day d (its
// midnight in c.Location), in order; fn returns false to stop.
// time.Date resolves the wall clock of each bound in the day's own offset,
// so a day with a DST change is as long as its open hours really are.
func (c *Calendar) openSpans(y int, m time.Month, d int, fn func(a, b time.Time) bool) bool {
	day := time.Date(y, m, d, 0, 0, 0, 0, c.Location)
	if c.Holidays[day.Format(time.DateOnly)] {
		return true
	}
	for _, s := range c.Hours[day.Weekday()] {
		a := time.Date(y, m, d, s.Start/60, s.Start%60, 0, 0, c.Location)
		b := time.Date(y, m, d, s.End/60, s.End%60, 0, 0, c.Location)
		if !fn(a, b) {
			return false
		}
	}
	return true
}

// Between is the open time in [a, b): wall time for a nil calendar.
func (c *Calendar) Between(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	if c == nil {
		return b.Sub(a)
	}
	var total time.Duration
	la := a.In(c.Location)
	y, m, d := la.Date()
	for i := 0; i < maxDays; i++ {
		day := time.Date(y, m, d+i, 0, 0, 0, 0, c.Location)
		if !day.Before(b) {
			break
		}
		dy, dm, dd := day.Date()
		c.openSpans(dy, dm, dd, func(s, e time.Time) bool {
			s, e = later(s, a), earlier(e, b)
			if e.After(s) {
				total += e.Sub(s)
			}
			return true
		})
	}
	return total
}

// Add returns the instant at which d of open time has passed since a; the
// zero time when the calendar does not reach it within ten years.
func (c *Calendar) Add(a time.Time, d time.Duration) time.Time {
	if c == nil {
		return a.Add(d)
	}
	if d <= 0 {
		return c.nextOpen(a)
	}
	left := d
	var due time.Time
	la := a.In(c.Location)
	y, m, dd := la.Date()
	for i := 0; i < maxDays && due.IsZero(); i++ {
		day := time.Date(y, m, dd+i, 0, 0, 0, 0, c.Location)
		dy, dm, ddd := day.Date()
		c.openSpans(dy, dm, ddd, func(s, e time.Time) bool {
			s = later(s, a)
			if !e.After(s) {
				return true
			}
			if span := e.Sub(s); span >= left {
				due = s.Add(left)
				return false
			} else {
				left -= span
			}
			return true
		})
	}
	return due
}

// nextOpen is the first open instant at or after a.
func (c *Calendar) nextOpen(a time.Time) time.Time {
	la := a.In(c.Location)
	y, m, dd := la.Date()
	var at time.Time
	for i := 0; i < maxDays && at.IsZero(); i++ {
		day := time.Date(y, m, dd+i, 0, 0, 0, 0, c.Location)
		dy, dm, ddd := day.Date()
		c.openSpans(dy, dm, ddd, func(s, e time.Time) bool {
			if e.After(a) {
				at = later(s, a)
				return false
			}
			return true
		})
	}
	return at
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// CalendarConfig is a calendar as the hub's config file gives it.
type CalendarConfig struct {
	// TimeZone is an IANA name ("Europe/Berlin"); empty: UTC.
	TimeZone string `json:"time_zone,omitempty"`
	// Hours maps days ("mon", "sat", a range "mon-fri") to open spans
	// ("09:00-17:00", "08:00-12:00,13:00-17:00", "00:00-24:00"). A day
	// not named is closed.
	Hours map[string]string `json:"hours"`
	// Holidays are closed dates, "2026-12-25".
	Holidays []string `json:"holidays,omitempty"`
	// HolidaysICS is an iCalendar file (RFC 5545) whose events are closed
	// days: each all-day event closes the days it covers, a timed event
	// the local days it touches.
	HolidaysICS string `json:"holidays_ics,omitempty"`
}

var dayNames = map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday,
	"wed": time.Wednesday, "thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}

// Build checks the configuration and makes the calendar.
func (cc CalendarConfig) Build(name string) (*Calendar, error) {
	loc := time.UTC
	if cc.TimeZone != "" {
		l, err := time.LoadLocation(cc.TimeZone)
		if err != nil {
			return nil, fmt.Errorf("calendar %s: time_zone %q: %w", name, cc.TimeZone, err)
		}
		loc = l
	}
	c := &Calendar{Name: name, Location: loc, Holidays: map[string]bool{}}
	for key, val := range cc.Hours {
		days, err := parseDays(key)
		if err != nil {
			return nil, fmt.Errorf("calendar %s: hours %q: %w", name, key, err)
		}
		spans, err := parseSpans(val)
		if err != nil {
			return nil, fmt.Errorf("calendar %s: hours %q: %w", name, key, err)
		}
		for _, d := range days {
			c.Hours[d] = append(c.Hours[d], spans...)
		}
	}
	open := false
	for d := range c.Hours {
		s := c.Hours[d]
		sort.Slice(s, func(i, j int) bool { return s[i].Start < s[j].Start })
		for i := 1; i < len(s); i++ {
			if s[i].Start < s[i-1].End {
				return nil, fmt.Errorf("calendar %s: %s has overlapping hours", name, time.Weekday(d))
			}
		}
		open = open || len(s) > 0
	}
	if !open {
		return nil, fmt.Errorf("calendar %s: no opening hours: give hours such as {\"mon-fri\": \"09:00-17:00\"}", name)
	}
	for _, h := range cc.Holidays {
		d, err := time.Parse(time.DateOnly, strings.TrimSpace(h))
		if err != nil {
			return nil, fmt.Errorf("calendar %s: holiday %q: want a date like 2026-12-25", name, h)
		}
		c.Holidays[d.Format(time.DateOnly)] = true
	}
	if cc.HolidaysICS != "" {
		f, err := os.Open(cc.HolidaysICS)
		if err != nil {
			return nil, fmt.Errorf("calendar %s: holidays_ics: %w", name, err)
		}
		defer f.Close()
		days, err := ICSDays(f, loc)
		if err != nil {
			return nil, fmt.Errorf("calendar %s: holidays_ics %s: %w", name, cc.HolidaysICS, err)
		}
		for _, d := range days {
			c.Holidays[d] = true
		}
	}
	return c, nil
}

func parseDays(key string) ([]time.Weekday, error) {
	key = strings.ToLower(strings.TrimSpace(key))
	from, to, isRange := strings.Cut(key, "-")
	a, ok := dayNames[strings.TrimSpace(from)]
	if !ok {
		return nil, fmt.Errorf("unknown day %q: use mon, tue, wed, thu, fri, sat, sun or a range mon-fri", from)
	}
	if !isRange {
		return []time.Weekday{a}, nil
	}
	b, ok := dayNames[strings.TrimSpace(to)]
	if !ok {
		return nil, fmt.Errorf("unknown day %q: use mon, tue, wed, thu, fri, sat, sun or a range mon-fri", to)
	}
	var out []time.Weekday
	for d := a; ; d = (d + 1) % 7 {
		out = append(out, d)
		if d == b {
			return out, nil
		}
	}
}

func parseSpans(val string) ([]Span, error) {
	var out []Span
	for _, part := range strings.Split(val, ",") {
		from, to, ok := strings.Cut(strings.TrimSpace(part), "-")
		if !ok {
			return nil, fmt.Errorf("%q: want HH:MM-HH:MM", part)
		}
		a, err1 := parseClock(from)
		b, err2 := parseClock(to)
		if err1 != nil || err2 != nil || b <= a {
			return nil, fmt.Errorf("%q: want HH:MM-HH:MM with the end after the start", part)
		}
		out = append(out, Span{a, b})
	}
	return out, nil
}

func parseClock(s string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return 0, fmt.Errorf("no colon")
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh*60+mm > 24*60 {
		return 0, fmt.Errorf("bad time")
	}
	return hh*60 + mm, nil
}

// ICSDays reads an iCalendar file and returns the local dates its events
// cover, sorted: an all-day event (DTSTART;VALUE=DATE) covers its days up
// to DTEND, exclusive (one day without DTEND); a timed event covers every
// local day it touches in loc.
func ICSDays(r io.Reader, loc *time.Location) ([]string, error) {
	cal, err := ics.ParseCalendar(r)
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, ev := range cal.Events() {
		if s, err := ev.GetAllDayStartAt(); err == nil && isDateValue(ev) {
			e, err := ev.GetAllDayEndAt()
			if err != nil || !e.After(s) {
				e = s.AddDate(0, 0, 1)
			}
			for d := s; d.Before(e) && len(set) < maxDays; d = d.AddDate(0, 0, 1) {
				set[d.Format(time.DateOnly)] = true
			}
			continue
		}
		s, err := ev.GetStartAt()
		if err != nil {
			return nil, fmt.Errorf("event %s: %w", ev.Id(), err)
		}
		e, err := ev.GetEndAt()
		if err != nil || !e.After(s) {
			e = s
		}
		ls, le := s.In(loc), e.In(loc)
		for d := time.Date(ls.Year(), ls.Month(), ls.Day(), 0, 0, 0, 0, loc); !d.After(le) && len(set) < maxDays; d = d.AddDate(0, 0, 1) {
			if d.Equal(le) && !e.Equal(s) {
				break // ends at midnight: the next day is not touched
			}
			set[d.Format(time.DateOnly)] = true
		}
	}
	out := make([]string, 0, len(set))
	for d := range set {
		out = append(out, d)
	}
	slices.Sort(out)
	return out, nil
}

// isDateValue reports whether the event's DTSTART is a DATE (all day).
func isDateValue(ev *ics.VEvent) bool {
	p := ev.GetProperty(ics.ComponentPropertyDtStart)
	if p == nil {
		return false
	}
	if v, ok := p.ICalParameters["VALUE"]; ok && len(v) > 0 && strings.EqualFold(v[0], "DATE") {
		return true
	}
	return len(strings.TrimSpace(p.Value)) == 8
}
