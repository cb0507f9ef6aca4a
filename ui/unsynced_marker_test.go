package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"switchboard/model"
)

// A queue row reused for a case that gets an action waiting shows the
// unsynced marker at its full size. The marker was hidden by setting its
// Hidden field: its container had given it no room while hidden, so it
// stayed 0×0 and did not show (seen in the live console offline: a status
// set with p left the case's row without the marker).
func TestUnsyncedMarkerShowsOnAReusedRow(t *testing.T) {
	test.NewTempApp(t)
	r := NewCaseRow()
	w := test.NewWindow(r)
	defer w.Close()
	w.Resize(fyne.NewSize(480, 70))
	now := time.Now()
	s := model.Summary{ID: "c1", Channel: model.ChannelTwitter, Author: "Sam Patel", Handle: "@sam_patel40",
		Status: model.StatusNew, LastMessageAt: now, Preview: "flight SW381 delayed"}
	r.SetInfo(s, now, RowInfo{})
	if r.unsynced.Resource != nil && r.unsynced.Visible() {
		t.Fatal("marker shown without actions waiting")
	}
	s.Status = model.StatusPending
	r.SetInfo(s, now, RowInfo{Unsynced: true})
	w.Canvas().Refresh(r)
	if !r.unsynced.Visible() || r.unsynced.Resource == nil {
		t.Fatal("marker not shown")
	}
	if sz := r.unsynced.Size(); sz.Width < 10 || sz.Height < 10 {
		t.Fatalf("marker shown at %v: it gets no room", sz)
	}
	if got := r.Texts(); got[len(got)-1] != "unsynced" {
		t.Errorf("texts %q", got)
	}
	r.SetInfo(s, now, RowInfo{})
	if r.unsynced.Resource != nil && r.unsynced.Visible() {
		t.Fatal("marker still shown once the actions left")
	}
}
