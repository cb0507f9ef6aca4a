package ui_test

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"switchboard/app"
	"switchboard/model"
	"switchboard/ui"
)

// TestSolvedCaseHeaderWaitsOnNoOne: the case header says how long the
// customer has waited while the case is active, as the Waiting view
// counts it; a case solved or closed without a reply (answered elsewhere)
// keeps its WaitingSince but waits on no one. Seen working the demo
// queue: a solved case's header still said "waiting 1m".
func TestSolvedCaseHeaderWaitsOnNoOne(t *testing.T) {
	test.NewTempApp(t)
	now := time.Now()
	v := ui.NewCaseView()
	w := test.NewWindow(v)
	defer w.Close()
	for _, tc := range []struct {
		status model.Status
		waits  bool
	}{
		{model.StatusNew, true}, {model.StatusOpen, true}, {model.StatusPending, true},
		{model.StatusSolved, false}, {model.StatusClosed, false},
	} {
		c := model.Case{ID: "c1", Channel: model.ChannelTwitter, Subject: "Where is my bag?", Status: tc.status,
			Author: model.Identity{Platform: model.ChannelTwitter, Handle: "@ana"}, Public: true,
			Created: now.Add(-2 * time.Hour), WaitingSince: now.Add(-90 * time.Minute)}
		v.SetCase(app.CaseDetail{Case: c}, now)
		all := strings.Join(v.Texts(), "\n")
		if got := strings.Contains(all, "waiting 1h"); got != tc.waits {
			t.Errorf("%s case: header says waiting %v, want %v:\n%s", tc.status, got, tc.waits, all)
		}
	}
}
