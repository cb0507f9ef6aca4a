package ui

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"switchboard/app"
	"switchboard/model"
	"switchboard/report"
)

// emptyLead is a console and hub with no case at all.
type emptyLead struct{}

func (emptyLead) LiveBoard(app.LiveFilter) app.LiveBoard {
	return app.LiveBoard{All: app.LiveCount{Key: "all"}}
}
func (emptyLead) ActiveCases(app.LiveFilter, string, string, string) []model.Summary {
	return nil
}
func (emptyLead) OnChange(func(app.Change)) {}
func (emptyLead) Summary(_ context.Context, q app.ReportQuery) (report.Summary, error) {
	return report.Summary{Group: q.Group, Zone: "Europe/Berlin", Groups: []report.Group{{Key: "all"}}}, nil
}
func (emptyLead) Cases(context.Context, app.ReportQuery) (report.Cases, error) {
	return report.Cases{}, nil
}
func (emptyLead) CSV(context.Context, bool, app.ReportQuery) ([]byte, error) { return nil, nil }

// TestLeadBoardEmpty: a team with no case yet sees sentences, not an
// empty agent table and an empty list of cases about to breach.
func TestLeadBoardEmpty(t *testing.T) {
	t.Cleanup(func() { SetLanguage("en") })
	SetLanguage("en")
	test.NewTempApp(t)
	v := NewLeadView(emptyLead{}, emptyLead{}, nil)
	var w fyne.Window
	v.Locked(func() {
		w = test.NewWindow(v.Content())
		w.Resize(LeadWindowSize)
	})
	defer func() { v.Stop(); v.Locked(w.Close) }()
	v.Start()
	v.Wait()
	v.Locked(func() {
		if !v.noAgents.Visible() || v.agentTables[0].box.Visible() || !v.noUrgent.Visible() {
			t.Errorf("empty board: agents sentence %v, agent table %v, nothing-to-breach %v", v.noAgents.Visible(), v.agentTables[0].box.Visible(), v.noUrgent.Visible())
		}
		if v.dayZone().String() != "Europe/Berlin" {
			t.Errorf("zone %s", v.dayZone())
		}
	})
}

// TestLeadPeriodsAreTheAgentsPeriods: the board's 7 and 30 days are the
// 7 × 24 and 30 × 24 hours up to now, as an agent's own figures
// (report.MineFrom) — also across a DST change in the console's zone,
// where 7 calendar days are an hour more.
func TestLeadPeriodsAreTheAgentsPeriods(t *testing.T) {
	loc := time.Local
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	time.Local = la
	t.Cleanup(func() { time.Local = loc })
	test.NewTempApp(t)
	v := NewLeadView(emptyLead{}, emptyLead{}, nil)
	now := time.Date(2026, 11, 5, 12, 0, 0, 0, la) // DST ended on 1 November
	for p, mp := range map[int]string{period7d: report.Period7d, period30d: report.Period30d} {
		if got, want := v.periodFrom(p, now), report.MineFrom(mp, now, time.UTC); !got.Equal(want) {
			t.Errorf("%s: the board from %s, the agent's figures from %s", mp, got, want)
		}
	}
}
