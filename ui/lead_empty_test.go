package ui

import (
	"context"
	"testing"

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
		if !v.noAgents.Visible() || v.agentScroll.Visible() || !v.noUrgent.Visible() {
			t.Errorf("empty board: agents sentence %v, agent table %v, nothing-to-breach %v", v.noAgents.Visible(), v.agentScroll.Visible(), v.noUrgent.Visible())
		}
		if v.dayZone().String() != "Europe/Berlin" {
			t.Errorf("zone %s", v.dayZone())
		}
	})
}
