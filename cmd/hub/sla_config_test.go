package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchboard/model"
	"switchboard/sla"
)

func writeSLAFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigSLASection(t *testing.T) {
	dir := t.TempDir()
	writeSLAFile(t, dir, "holidays.ics", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:1@t\r\nDTSTAMP:20261101T000000Z\r\n"+
		"DTSTART;VALUE=DATE:20261225\r\nSUMMARY:Christmas\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
	path := writeSLAFile(t, dir, "hub.json", `{"sla": {"at_risk": 0.5,
	  "calendars": {"default": {"time_zone": "Europe/Berlin", "hours": {"mon-fri": "08:00-18:00"}, "holidays_ics": "holidays.ics"}},
	  "teams": {"social": {"agents": ["anna", "ben"]}},
	  "policies": [{"name": "vip", "when": {"tiers": ["gold"]}, "first_response": "10m", "calendar": "team"},
	               {"name": "rest", "when": {}, "first_response": "1h", "resolution": "72h"}]}}`)
	cfg, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := slaRules(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.AtRisk != 0.5 || len(r.Policies) != 2 || r.TeamOf("ben") != "social" {
		t.Fatalf("rules = %+v", r)
	}
	// The iCalendar file is found beside the config file.
	if !r.Default.Holidays["2026-12-25"] || r.Default.Location.String() != "Europe/Berlin" {
		t.Fatalf("default calendar = %+v", r.Default)
	}
	if p := r.Select(sla.Subject{Channel: model.ChannelForum, Tier: "Gold"}); p == nil || p.Name != "vip" || p.Targets[sla.MetricFirstResponse] != 10*time.Minute {
		t.Fatalf("gold case gets %+v", p)
	}

	// No section: the defaults for social care.
	def, err := loadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	if r, err := slaRules(def); err != nil || r.Select(sla.Subject{Channel: model.ChannelTwitter, Public: true}).Name != "social-public" {
		t.Fatalf("default rules: %v", err)
	}
}

func TestConfigSLASectionRefusedAtStart(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"unknown calendar": `{"sla": {"policies": [{"name": "a", "first_response": "1h", "calendar": "berlin"}]}}`,
		"bad target":       `{"sla": {"policies": [{"name": "a", "first_response": "half an hour"}]}}`,
		"bad zone":         `{"sla": {"calendars": {"default": {"time_zone": "Europe/Atlantis", "hours": {"mon": "09:00-17:00"}}}}}`,
		"missing ics":      `{"sla": {"calendars": {"default": {"hours": {"mon": "09:00-17:00"}, "holidays_ics": "nope.ics"}}}}`,
		"at_risk":          `{"sla": {"at_risk": 2}}`,
	} {
		path := writeSLAFile(t, dir, "hub.json", body)
		if _, err := loadConfig(path); err == nil || !strings.Contains(err.Error(), "sla") {
			t.Errorf("%s: loadConfig = %v, want an sla error", name, err)
		}
	}
}
