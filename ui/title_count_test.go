package ui_test

import (
	"fmt"
	"testing"

	"switchboard/model"
)

// The window title counts the view's open cases as they are now, the new
// ones held behind "N new — show" too: it counted the rows the list showed,
// and stayed at "All (74)" while hundreds of cases came in (seen in the
// live console at 300 demo messages a minute).
func TestWindowTitleCountsTheNewCasesToo(t *testing.T) {
	rows := liveRows(50)
	b, c, w := openLive(t, rows)
	var title string
	c.Locked(func() {
		c.InstallKeys(w)
		c.Select("case-001") // a case open: new cases are announced, not shown
		c.OnTitle(func(s string) { title = s })
	})
	open := 0
	for _, r := range rows {
		if r.Status.Active() {
			open++
		}
	}
	var more []model.Summary
	for i := range 3 {
		s := liveRows(1)[0]
		s.ID, s.Author, s.Status = fmt.Sprintf("new-%d", i), "Newcomer", model.StatusNew
		more = append(more, s)
	}
	b.set(c, append(more, rows...))
	eventually(t, c, "the bar", func() bool { return c.NewBar().Visible() })
	want := fmt.Sprintf("(%d)", open+3)
	eventually(t, c, "the title counting the new cases", func() bool {
		return len(title) > len(want) && title[len(title)-len(want):] == want
	})
}
