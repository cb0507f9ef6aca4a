package app_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchboard/app"
	"switchboard/model"
	"switchboard/store"
)

// A draft is in the cache: it is there after the console is closed and
// opened again.
func TestDraftSurvivesARestart(t *testing.T) {
	dir := t.TempDir()
	c := openConsole(t, dir)
	if err := c.SaveDraft(store.Draft{CaseID: "c1", Reply: "Hi Kim, half a reply", Private: true}); err != nil {
		t.Fatal(err)
	}
	c.Close()
	c = openConsole(t, dir)
	defer c.Close()
	d, ok := c.Draft("c1")
	if !ok || d.Reply != "Hi Kim, half a reply" || !d.Private || d.At.IsZero() {
		t.Fatalf("draft = %+v %v", d, ok)
	}
	if err := c.SaveDraft(store.Draft{CaseID: "c1"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Draft("c1"); ok {
		t.Fatal("an empty draft was kept")
	}
}

func TestCannedAnswerVariables(t *testing.T) {
	got := app.Canned{Text: "Hi {first_name}, case {case_id}. — {agent}"}.Expand(app.FirstName("Dr. Markus Brenner"), "c-9", "anna", "@mb")
	if got != "Hi Markus, case c-9. — anna" {
		t.Fatal(got)
	}
	dir := t.TempDir()
	s, err := app.LoadSettings(dir)
	if err != nil || len(s.Canned) == 0 || s.Undo() != app.DefaultUndo {
		t.Fatalf("defaults: %+v %v", s, err)
	}
	s.Canned = append(s.Canned, app.Canned{Name: "bye", Text: "Bye {first_name}"})
	if err := app.SaveSettings(dir, s); err != nil {
		t.Fatal(err)
	}
	s2, _ := app.LoadSettings(dir)
	if s2.Canned[len(s2.Canned)-1].Name != "bye" {
		t.Fatalf("%+v", s2)
	}
}

// A saved view of the care cases made before snooze was the team's (its
// filter has no snooze) leaves the snoozed cases out, like every care view;
// one of brand chatter or everything is as it was.
func TestOldSavedViewsLeaveTheSnoozedOut(t *testing.T) {
	dir := t.TempDir()
	care, all := app.Filter{ActiveOnly: true, Relevance: app.RelevanceCare}, app.Filter{}
	raw, err := json.Marshal(map[string]any{"console": map[string]any{"views": map[string][]app.SavedView{
		"kim": {{Name: "My X", Filter: care}, {Name: "Everything", Filter: all}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "snooze") {
		t.Fatalf("setup: the old view names a snooze: %s", raw)
	}
	if err := os.WriteFile(filepath.Join(dir, app.ConfigFile), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := app.LoadSettings(dir)
	if err != nil {
		t.Fatal(err)
	}
	vs := s.Views["kim"]
	if len(vs) != 2 || vs[0].Filter.Snooze != app.SnoozeAwake || vs[1].Filter.Snooze != app.SnoozeAny {
		t.Fatalf("saved views after loading: %+v", vs)
	}
	asleep := model.Summary{ID: "c1", Status: model.StatusOpen, Snoozed: time.Now().Add(time.Hour)}
	if vs[0].Filter.Match(asleep) {
		t.Error("an old care view lists a snoozed case")
	}
}
