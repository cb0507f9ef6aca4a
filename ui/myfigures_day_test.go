package ui

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"switchboard/report"
)

type fixedMine struct{ m report.Mine }

func (f fixedMine) Mine(context.Context, string) (report.Mine, error) { return f.m, nil }

// TestMyFiguresSayWhichDayTodayIs: the agent's own figures name the day
// "today" covers and its zone — the team calendar's, Auckland's Tuesday
// while the console (UTC) is still on Monday.
func TestMyFiguresSayWhichDayTodayIs(t *testing.T) {
	loc := time.Local
	time.Local = time.UTC
	t.Cleanup(func() { time.Local = loc; SetLanguage("en") })
	test.NewTempApp(t)
	for _, c := range []struct{ lang, want string }{
		{"en", "Today is Tue 1 Dec in Pacific/Auckland (the team's calendar), from midnight there; 7 and 30 days end now."},
		{"de", "Heute ist Di. 1. Dez. in Pacific/Auckland (Kalender des Teams), ab Mitternacht dort; 7 und 30 Tage enden jetzt."},
	} {
		SetLanguage(c.lang)
		v := NewMyFiguresView(fixedMine{report.Mine{Agent: "arno", At: "2026-11-30T11:30:00Z", Zone: "Pacific/Auckland",
			Periods: []report.MinePeriod{{Period: report.PeriodToday, From: "2026-11-30T11:00:00Z", To: "2026-11-30T11:30:00Z"}}}})
		v.Start()
		v.Wait()
		var got string
		v.Locked(func() { got = v.DayText() })
		v.Stop()
		if got != c.want {
			t.Errorf("%s: %q, want %q", c.lang, got, c.want)
		}
	}
}
