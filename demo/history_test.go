package demo_test

import (
	"log/slog"
	"testing"
	"time"

	"switchboard/demo"
	"switchboard/report"
	"switchboard/sla"
	"switchboard/sync/hub"
)

func TestHistoryGivesTrends(t *testing.T) {
	l, err := hub.OpenBoltLog(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC) // a Monday
	h, err := hub.New(l, hub.Config{Now: func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	st, err := demo.History(h, now, demo.HistoryOptions{Days: 14, PerDay: 6, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if st.Cases < 50 || st.Messages < 2*st.Cases-10 {
		t.Fatalf("history = %+v", st)
	}
	e := hub.NewSLA(h, sla.Default())
	var rows []report.Row
	var weeks report.Summary
	if err := e.Measure(func(f *report.Folder) {
		rows = f.Rows(e.Rules(), now.AddDate(0, 0, -15), now, now)
		weeks = f.Summarize(e.Rules(), now.AddDate(0, 0, -14), now, now, report.ByAgent, time.UTC)
	}); err != nil {
		t.Fatal(err)
	}
	if len(rows) != st.Cases {
		t.Fatalf("%d rows for %d cases", len(rows), st.Cases)
	}
	var answered, breached, resolved, reopened int
	for _, r := range rows {
		if r.FirstResponseWallS != nil {
			answered++
		}
		if r.Breached {
			breached++
		}
		if r.ResolvedAt != "" {
			resolved++
		}
		reopened += r.Reopened
	}
	// Most are answered and solved, a few service levels are missed.
	if answered < len(rows)*8/10 || resolved < len(rows)/2 || breached == 0 || breached > len(rows)/2 || reopened != st.Reopened {
		t.Fatalf("answered %d resolved %d breached %d reopened %d of %d", answered, resolved, breached, reopened, len(rows))
	}
	// Several agents answered.
	if len(weeks.Groups) < 4 {
		t.Fatalf("%d agent groups", len(weeks.Groups))
	}
}
