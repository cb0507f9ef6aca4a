package sla

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"switchboard/model"
)

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatalf("no tz data: %v", err)
	}
	return loc
}

func cal(t *testing.T, cc CalendarConfig) *Calendar {
	t.Helper()
	c, err := cc.Build("test")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func at(t *testing.T, loc *time.Location, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestBusinessHoursAcrossWeekendAndHoliday(t *testing.T) {
	loc := berlin(t)
	c := cal(t, CalendarConfig{TimeZone: "Europe/Berlin", Hours: map[string]string{"mon-fri": "09:00-12:00,13:00-17:00"},
		Holidays: []string{"2026-11-23"}})
	// Friday 20 Nov 2026 16:00 + 2 business hours: 1h on Friday, Saturday
	// and Sunday closed, Monday 23 a holiday, Tuesday 09:00 + 1h.
	from := at(t, loc, "2026-11-20 16:00")
	if got, want := c.Add(from, 2*time.Hour), at(t, loc, "2026-11-24 10:00"); !got.Equal(want) {
		t.Fatalf("Add = %v, want %v", got, want)
	}
	if got := c.Between(from, at(t, loc, "2026-11-24 10:00")); got != 2*time.Hour {
		t.Fatalf("Between = %v, want 2h", got)
	}
	// The lunch break does not count; a start before opening counts from 09:00.
	if got := c.Between(at(t, loc, "2026-11-24 07:00"), at(t, loc, "2026-11-24 14:30")); got != 4*time.Hour+30*time.Minute {
		t.Fatalf("Between over lunch = %v, want 4h30m", got)
	}
	if got, want := c.Add(at(t, loc, "2026-11-24 11:30"), time.Hour), at(t, loc, "2026-11-24 13:30"); !got.Equal(want) {
		t.Fatalf("Add over lunch = %v, want %v", got, want)
	}
	if c.Open(at(t, loc, "2026-11-23 10:00")) || !c.Open(at(t, loc, "2026-11-24 10:00")) || c.Open(at(t, loc, "2026-11-21 10:00")) {
		t.Fatal("Open is wrong on a holiday, a workday or a Saturday")
	}
	// Nil is 24/7.
	var always *Calendar
	if got := always.Between(from, from.Add(90*time.Minute)); got != 90*time.Minute {
		t.Fatalf("nil calendar Between = %v", got)
	}
}

func TestBusinessHoursAcrossDSTChange(t *testing.T) {
	loc := berlin(t)
	// 25 Oct 2026, 03:00 CEST becomes 02:00 CET: that Sunday has 25 hours.
	allWeek := cal(t, CalendarConfig{TimeZone: "Europe/Berlin", Hours: map[string]string{"mon-sun": "00:00-24:00"}})
	if got := allWeek.Between(at(t, loc, "2026-10-24 00:00"), at(t, loc, "2026-10-26 00:00")); got != 49*time.Hour {
		t.Fatalf("Sat+Sun over the change = %v, want 49h", got)
	}
	// A span over the change is as long as it really is: 01:00 CEST to
	// 04:00 CET is four hours.
	night := cal(t, CalendarConfig{TimeZone: "Europe/Berlin", Hours: map[string]string{"sun": "01:00-04:00"}})
	if got := night.Between(at(t, loc, "2026-10-25 00:00"), at(t, loc, "2026-10-26 00:00")); got != 4*time.Hour {
		t.Fatalf("night span over the change = %v, want 4h", got)
	}
	// Business hours keep their local clock on both sides: Friday 23 Oct
	// 16:00 CEST + 2h of Mon–Fri 09–17 is Monday 26 Oct 10:00 CET: 67
	// wall hours later, one more than the local clocks suggest.
	biz := cal(t, CalendarConfig{TimeZone: "Europe/Berlin", Hours: map[string]string{"mon-fri": "09:00-17:00"}})
	from := at(t, loc, "2026-10-23 16:00")
	due := biz.Add(from, 2*time.Hour)
	if want := at(t, loc, "2026-10-26 10:00"); !due.Equal(want) {
		t.Fatalf("due = %v, want %v", due, want)
	}
	if wall := due.Sub(from); wall != 67*time.Hour {
		// 16:00 CEST = 14:00 UTC; 10:00 CET = 09:00 UTC three days on.
		t.Fatalf("wall time to due = %v, want 67h", wall)
	}
}

func TestHolidaysFromICalendar(t *testing.T) {
	path := filepath.Join("testdata", "holidays.ics")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	days, err := ICSDays(f, berlin(t))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2026-10-03", "2026-11-11", "2026-12-25", "2026-12-26"}
	if !slices.Equal(days, want) {
		t.Fatalf("days = %v, want %v", days, want)
	}
	c := cal(t, CalendarConfig{TimeZone: "Europe/Berlin", Hours: map[string]string{"mon-sun": "09:00-17:00"}, HolidaysICS: path})
	loc := berlin(t)
	// Thu 24 Dec 16:00 + 2h: Christmas Day and Boxing Day are closed.
	if got, want := c.Add(at(t, loc, "2026-12-24 16:00"), 2*time.Hour), at(t, loc, "2026-12-27 10:00"); !got.Equal(want) {
		t.Fatalf("due over Christmas = %v, want %v", got, want)
	}
	if _, err := (CalendarConfig{Hours: map[string]string{"mon": "09:00-17:00"}, HolidaysICS: "testdata/missing.ics"}).Build("x"); err == nil {
		t.Fatal("a missing iCalendar file was accepted")
	}
	if _, err := ICSDays(strings.NewReader("not a calendar"), time.UTC); err == nil {
		t.Fatal("garbage parsed as iCalendar")
	}
}

func TestClockPauses(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	k := Clock{Pauses: Normalize([]Interval{{t0.Add(10 * time.Minute), t0.Add(40 * time.Minute)}, {t0.Add(30 * time.Minute), t0.Add(50 * time.Minute)}})}
	if len(k.Pauses) != 1 || !k.Pauses[0].End.Equal(t0.Add(50*time.Minute)) {
		t.Fatalf("overlapping pauses not joined: %v", k.Pauses)
	}
	if got := k.Elapsed(t0, t0.Add(60*time.Minute)); got != 20*time.Minute {
		t.Fatalf("Elapsed = %v, want 20m", got)
	}
	// A 30-minute target: 10 minutes before the pause, 20 after its end.
	if got, want := k.Due(t0, 30*time.Minute), t0.Add(70*time.Minute); !got.Equal(want) {
		t.Fatalf("Due = %v, want %v", got, want)
	}
	// Met before the pause.
	if got, want := k.Due(t0, 5*time.Minute), t0.Add(5*time.Minute); !got.Equal(want) {
		t.Fatalf("Due = %v, want %v", got, want)
	}
	// Paused with no end: no due time, and the clock stands.
	open := Clock{Pauses: []Interval{{Start: t0.Add(10 * time.Minute)}}}
	if got := open.Due(t0, 30*time.Minute); !got.IsZero() {
		t.Fatalf("Due while paused = %v, want none", got)
	}
	if got := open.Elapsed(t0, t0.Add(5*time.Hour)); got != 10*time.Minute {
		t.Fatalf("Elapsed while paused = %v, want 10m", got)
	}
}

func TestPolicySelectionFirstMatch(t *testing.T) {
	r := Default()
	cases := []struct {
		s    Subject
		want string
	}{
		{Subject{Channel: model.ChannelTwitter, Public: true, Reach: model.ReachHigh}, "social-public-high-reach"},
		{Subject{Channel: model.ChannelFacebook, Public: true, Reach: model.ReachInfluencer}, "social-public"},
		{Subject{Channel: model.ChannelTwitter, Public: false, Reach: model.ReachHigh}, "social-private"},
		{Subject{Channel: model.ChannelForum, Public: true}, "forum"},
	}
	for _, tc := range cases {
		p := r.Select(tc.s)
		if p == nil || p.Name != tc.want {
			t.Errorf("Select(%+v) = %v, want %s", tc.s, p, tc.want)
		}
	}
	if d := r.Select(cases[0].s).Targets[MetricFirstResponse]; d != 15*time.Minute {
		t.Fatalf("high reach first response %v, want 15m", d)
	}
	forum := r.Select(cases[3].s)
	if forum.Targets[MetricFirstResponse] != 8*time.Hour || r.ClockCalendar(forum, "") == nil {
		t.Fatal("forum policy is not 8 business hours")
	}
	if r.ClockCalendar(r.Select(cases[1].s), "") != nil {
		t.Fatal("social policy is not 24/7")
	}

	var cfg Config
	raw := `{"at_risk": 0.5,
	  "calendars": {"berlin": {"time_zone": "Europe/Berlin", "hours": {"mon-fri": "08:00-20:00", "sat": "10:00-14:00"}}},
	  "teams": {"vip": {"agents": ["anna"], "calendar": "berlin"}},
	  "policies": [
	    {"name": "gold-urgent", "when": {"tiers": ["Gold"], "priorities": ["urgent", "high"]}, "first_response": "10m"},
	    {"name": "gold", "when": {"tiers": ["gold"]}, "first_response": "20m", "calendar": "team"},
	    {"name": "vip-team", "when": {"teams": ["vip"]}, "resolution": "4h", "calendar": "berlin"},
	    {"name": "rest", "when": {}, "first_response": "2h"}]}`
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatal(err)
	}
	cr, err := cfg.Build()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		s    Subject
		want string
	}{
		{Subject{Tier: "gold", Priority: model.PriorityUrgent}, "gold-urgent"},
		{Subject{Tier: "GOLD", Priority: model.PriorityNormal}, "gold"},
		{Subject{Tier: "silver", Team: "vip"}, "vip-team"},
		{Subject{Channel: model.ChannelForum}, "rest"},
	} {
		if p := cr.Select(tc.s); p == nil || p.Name != tc.want {
			t.Errorf("Select(%+v) = %v, want %s", tc.s, p, tc.want)
		}
	}
	gold := cr.Select(Subject{Tier: "gold"})
	if c := cr.ClockCalendar(gold, "vip"); c == nil || c.Name != "berlin" {
		t.Fatalf("team calendar of vip = %v", c)
	}
	if c := cr.ClockCalendar(gold, ""); c == nil || c.Name != "default" {
		t.Fatalf("team calendar of no team = %v", c)
	}
	if cr.TeamOf("anna") != "vip" || cr.AtRisk != 0.5 {
		t.Fatal("teams or at_risk not taken")
	}
	none := []PolicyConfig{}
	if r, err := (Config{Policies: &none}).Build(); err != nil || r.Select(Subject{Channel: model.ChannelTwitter}) != nil {
		t.Fatal("an empty policy list still selects a policy")
	}
}

func TestConfigValidation(t *testing.T) {
	p := func(ps ...PolicyConfig) *[]PolicyConfig { return &ps }
	for name, cfg := range map[string]Config{
		"at_risk":       {AtRisk: 1.5},
		"pause state":   {PauseIn: []model.Status{"sleeping"}},
		"time zone":     {Calendars: map[string]CalendarConfig{"x": {TimeZone: "Mars/Olympus", Hours: map[string]string{"mon": "09:00-17:00"}}}},
		"no hours":      {Calendars: map[string]CalendarConfig{"x": {}}},
		"bad day":       {Calendars: map[string]CalendarConfig{"x": {Hours: map[string]string{"funday": "09:00-17:00"}}}},
		"bad span":      {Calendars: map[string]CalendarConfig{"x": {Hours: map[string]string{"mon": "17:00-09:00"}}}},
		"overlap":       {Calendars: map[string]CalendarConfig{"x": {Hours: map[string]string{"mon": "09:00-12:00,11:00-13:00"}}}},
		"holiday":       {Calendars: map[string]CalendarConfig{"x": {Hours: map[string]string{"mon": "09:00-17:00"}, Holidays: []string{"25.12.2026"}}}},
		"no target":     {Policies: p(PolicyConfig{Name: "a"})},
		"bad target":    {Policies: p(PolicyConfig{Name: "a", FirstResponse: "soon"})},
		"no name":       {Policies: p(PolicyConfig{FirstResponse: "1h"})},
		"twice":         {Policies: p(PolicyConfig{Name: "a", FirstResponse: "1h"}, PolicyConfig{Name: "a", FirstResponse: "2h"})},
		"calendar":      {Policies: p(PolicyConfig{Name: "a", FirstResponse: "1h", Calendar: "nowhere"})},
		"channel":       {Policies: p(PolicyConfig{Name: "a", FirstResponse: "1h", When: Condition{Channels: []model.Channel{"myspace"}}})},
		"priority":      {Policies: p(PolicyConfig{Name: "a", FirstResponse: "1h", When: Condition{Priorities: []string{"asap"}}})},
		"reach":         {Policies: p(PolicyConfig{Name: "a", FirstResponse: "1h", When: Condition{Reach: []model.Reach{"famous"}}})},
		"team calendar": {Teams: map[string]TeamConfig{"t": {Calendar: "nowhere"}}},
		"two teams":     {Teams: map[string]TeamConfig{"t": {Agents: []string{"a"}}, "u": {Agents: []string{"a"}}}},
		"evaluate":      {EvaluateEvery: "1ms"},
	} {
		if _, err := cfg.Build(); err == nil {
			t.Errorf("%s: config accepted", name)
		}
	}
}
