package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"switchboard/demo"
	"switchboard/sla"
)

// Issue 11: the demo hub's history is made in Europe/Berlin, so its
// business calendar is Berlin's — set the way a config file sets one, and
// valid as such — and the hub's day (the board's and My figures' "today",
// the summary's zone: the default calendar's) begins at midnight in
// Berlin, not in UTC. A config's own default calendar is kept.
func TestDemoHubHasABerlinTeamCalendar(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	p, err := demo.StartPlatform(ctx, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	cfg := demoConfig(Config{}, p)
	if cfg.SLA == nil {
		t.Fatal("the demo config has no sla section: its day is UTC's")
	}
	// Written into a config file and loaded as the hub loads one.
	raw, err := json.Marshal(map[string]any{"sla": cfg.SLA})
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := loadConfig(writeConfig(t, string(raw)))
	if err != nil {
		t.Fatalf("the demo's sla section does not validate: %v\n%s", err, raw)
	}
	rules, err := slaRules(loaded)
	if err != nil {
		t.Fatal(err)
	}
	if got := rules.Default.Location.String(); got != "Europe/Berlin" {
		t.Fatalf("the demo's default calendar is in %s, want Europe/Berlin", got)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	for _, c := range []struct {
		at   time.Time
		open bool
	}{
		{time.Date(2026, 11, 30, 7, 30, 0, 0, berlin), false}, // Monday before hours (06:30 UTC)
		{time.Date(2026, 11, 30, 8, 30, 0, 0, berlin), true},  // 07:30 UTC: open in Berlin, before 08:00 UTC
		{time.Date(2026, 11, 30, 20, 30, 0, 0, berlin), false},
		{time.Date(2026, 12, 6, 11, 0, 0, 0, berlin), true}, // Sunday: fewer hours
		{time.Date(2026, 12, 6, 17, 0, 0, 0, berlin), false},
	} {
		if got := rules.Default.Open(c.at); got != c.open {
			t.Errorf("open at %s: %v, want %v", c.at, got, c.open)
		}
	}

	// A config that names its own default calendar keeps it; one that
	// names others gets the demo's default beside them.
	own := demoConfig(Config{SLA: &sla.Config{Calendars: map[string]sla.CalendarConfig{"default": {TimeZone: "Asia/Tokyo", Hours: map[string]string{"mon-fri": "09:00-18:00"}}}}}, p)
	if tz := own.SLA.Calendars["default"].TimeZone; tz != "Asia/Tokyo" {
		t.Errorf("the config's own default calendar became %s", tz)
	}
	other := &sla.Config{Calendars: map[string]sla.CalendarConfig{"forum-team": {TimeZone: "UTC", Hours: map[string]string{"mon-fri": "10:00-16:00"}}}}
	both := demoConfig(Config{SLA: other}, p)
	if both.SLA.Calendars["default"].TimeZone != "Europe/Berlin" || both.SLA.Calendars["forum-team"].TimeZone != "UTC" {
		t.Errorf("calendars %+v", both.SLA.Calendars)
	}
	if _, ok := other.Calendars["default"]; ok {
		t.Error("demoConfig changed the loaded config's calendars in place")
	}
}
