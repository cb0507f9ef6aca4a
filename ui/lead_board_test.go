package ui

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"switchboard/app"
	"switchboard/demo"
	"switchboard/model"
	"switchboard/report"
	"switchboard/sla"
	"switchboard/sync/hub"
)

// leadHub is a hub at a fixed time with two weeks of demo history, its
// SLA evaluator run once, the reports API, and a lead's console synced
// with it.
type leadHub struct {
	h    *hub.Hub
	rc   *app.ReportClient
	core *app.Core
	now  time.Time
}

func startLeadHub(t *testing.T, now time.Time) *leadHub {
	t.Helper()
	return startLeadHubWith(t, now, sla.Default(), nil)
}

// startLeadHubWith is startLeadHub under rules, with more made by more
// (nil: none) before the SLA evaluator runs.
func startLeadHubWith(t *testing.T, now time.Time, rules *sla.Rules, more func(h *hub.Hub)) *leadHub {
	t.Helper()
	dir := t.TempDir()
	l, err := hub.OpenBoltLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	h, err := hub.New(l, hub.Config{Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.History(h, now, demo.HistoryOptions{Days: 14, PerDay: 9, Seed: 5, Zone: time.UTC}); err != nil {
		t.Fatal(err)
	}
	// Three customers wait now: one fresh, one at risk, one breached.
	for i, ago := range []time.Duration{5 * time.Minute, 26 * time.Minute, 50 * time.Minute} {
		who := []string{"@fresh_kim", "@anxious_tom", "@angry_ada"}[i]
		if _, _, err := h.Ingest(model.Inbound{Channel: model.ChannelTwitter, ThreadRef: "live-" + who, PlatformID: "live-" + who, Public: true,
			Author: model.Identity{Handle: who, DisplayName: strings.TrimPrefix(who, "@")}, Text: "Where is my refund?", Time: now.Add(-ago), Source: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	if more != nil {
		more(h)
	}
	e := hub.NewSLA(h, rules)
	if _, err := e.Evaluate(); err != nil {
		t.Fatal(err)
	}
	tokens, err := hub.OpenTokenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	lead, _, err := tokens.Add("lena", hub.RoleLead)
	if err != nil {
		t.Fatal(err)
	}
	srv := hub.NewServer(h, hub.DefaultTiming)
	srv.SetAuth(tokens)
	srv.Mount("GET "+hub.ReportCasesPath, srv.ReportCasesHandler(e))
	srv.Mount("GET "+hub.ReportSummaryPath, srv.ReportSummaryHandler(e))
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { ts.Close(); srv.Close() })
	core, err := app.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := core.Start(ctx, "ws"+strings.TrimPrefix(ts.URL, "http"), lead)
	t.Cleanup(func() { cancel(); <-done; core.Close() })
	select {
	case <-core.Synced():
	case <-time.After(30 * time.Second):
		t.Fatal("the console did not sync")
	}
	for deadline := time.Now().Add(30 * time.Second); core.Count() < h.CaseCount() || !core.Lead(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("console has %d of %d cases", core.Count(), h.CaseCount())
		}
	}
	rc, err := app.NewReportClient(ts.URL, lead, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &leadHub{h: h, rc: rc, core: core, now: now}
}

// TestLeadBoard is the lead's board on two weeks of history: its golden
// image, the same figures as the hub's JSON, the cases about to breach in
// due order with a click that opens one, drill-down from a figure to its
// cases, the channel filter, and the export that is the hub's CSV.
func TestLeadBoard(t *testing.T) {
	loc := time.Local
	time.Local = time.UTC
	t.Cleanup(func() { time.Local = loc; SetLanguage("en") })
	SetLanguage("en")
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC) // a Tuesday
	a := test.NewTempApp(t)
	a.Settings().SetTheme(NewTheme("light"))
	clock = func() time.Time { return now }
	defer func() { clock = time.Now }()
	lh := startLeadHub(t, now)

	var mu sync.Mutex
	var opened []string
	v := NewLeadView(lh.core, lh.rc, func(id string) { mu.Lock(); opened = append(opened, id); mu.Unlock() })
	var w fyne.Window
	v.Locked(func() {
		w = test.NewWindow(v.Content())
		w.Resize(LeadWindowSize)
		v.SetWindow(w)
	})
	defer func() { v.Stop(); v.Locked(w.Close) }()
	v.Start()
	v.Wait()

	// The same figures as the hub's JSON.
	ctx := context.Background()
	sum, err := lh.rc.Summary(ctx, app.ReportQuery{From: now.AddDate(0, 0, -7), To: now, Group: report.ByChannel})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, g := range sum.Groups {
		want[g.Key] = statsText(g.FirstResponseWall, g.FirstResponseBusiness, false)
	}
	live := lh.core.LiveBoard(app.LiveFilter{})
	v.Locked(func() {
		if len(v.chans) != 3 || len(v.data.charts) != 4 {
			t.Fatalf("%d channel lines, %d charts", len(v.chans), len(v.data.charts))
		}
		for _, l := range v.chans {
			if got, _ := v.cell(l, 7); got != want[l.key] || got == "–" {
				t.Errorf("%s first response 7 d: %q, the hub says %q", l.key, got, want[l.key])
			}
			if got, _ := v.cell(l, 1); l.key == "twitter" && got != Number(live.Channels[0].Open) {
				t.Errorf("X open: %s, want %d", got, live.Channels[0].Open)
			}
		}
		if len(v.agentsL) < 5 {
			t.Errorf("%d agent lines", len(v.agentsL))
		}
		if len(v.live.Urgent) < 2 || v.live.Urgent[0].SLA != model.SLABreached {
			t.Fatalf("urgent %+v", v.live.Urgent)
		}
		test.AssertImageMatches(t, "lead_en_light.png", w.Canvas().Capture())
	})

	// A click on a case about to breach opens it in the console.
	var first string
	v.Locked(func() { first = v.live.Urgent[0].ID; v.urgent.Select(0) })
	mu.Lock()
	if len(opened) != 1 || opened[0] != first {
		t.Fatalf("opened %v, want %s", opened, first)
	}
	mu.Unlock()

	// One click reassigns it: the menu names the board's other agents.
	var menu *fyne.Menu
	v.Locked(func() { menu = v.ReassignMenu(first) })
	if len(menu.Items) == 0 || menu.Items[0].Action == nil || !strings.HasPrefix(menu.Items[0].Label, "Assign to ") {
		t.Fatalf("reassign menu %+v", menu.Items)
	}
	to := strings.TrimPrefix(menu.Items[0].Label, "Assign to ")
	v.Locked(menu.Items[0].Action)
	v.tasks.Wait()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if d, err := lh.core.Case(first); err == nil && d.Case.Assignee == to {
			break
		}
		if time.Now().After(deadline) {
			d, _ := lh.core.Case(first)
			t.Fatalf("reassigned to %q, want %q", d.Case.Assignee, to)
		}
	}

	// Drill-down: X's first response over 7 days is its answered cases.
	rows, err := lh.rc.Cases(ctx, app.ReportQuery{From: now.AddDate(0, 0, -7), To: now, Filter: report.Filter{Channel: "twitter"}})
	if err != nil {
		t.Fatal(err)
	}
	answered := 0
	for _, r := range rows.Cases {
		if r.FirstResponseWallS != nil {
			answered++
		}
	}
	v.Locked(func() { v.drill(v.chans[0], 7) })
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var n int
		v.Locked(func() { n = len(v.drillRows) })
		if n == answered && n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("drill-down shows %d cases, want %d", n, answered)
		}
	}
	v.Locked(func() { v.drillList.Select(0) })
	mu.Lock()
	if len(opened) != 2 {
		t.Fatalf("opened %v", opened)
	}
	mu.Unlock()
	// A live count drills into the console's own cases.
	v.Locked(func() {
		v.drill(v.chans[0], 4)
		if len(v.drillRows) != live.Channels[0].Breached {
			t.Fatalf("breached drill-down: %d rows, want %d", len(v.drillRows), live.Channels[0].Breached)
		}
		v.closeDrill()
	})

	// The channel filter narrows the board and the charts.
	v.Locked(func() { v.chanSel.SetSelectedIndex(3) }) // forums
	v.Wait()
	v.Locked(func() {
		if len(v.chans) != 1 || v.chans[0].key != "forum" || len(v.data.charts) != 2 || v.data.figs[figKey{"channel", "twitter", period7d}].Cases != 0 {
			t.Fatalf("forum filter: %d lines, %d charts", len(v.chans), len(v.data.charts))
		}
	})

	// Business hours: the hub's business figures of the same cases.
	v.Locked(func() { v.hours.SetSelected("Business hours") })
	v.Wait()
	fs, err := lh.rc.Summary(ctx, app.ReportQuery{From: now.AddDate(0, 0, -7), To: now, Group: report.ByChannel, Filter: report.Filter{Channel: "forum"}})
	if err != nil {
		t.Fatal(err)
	}
	v.Locked(func() {
		g := fs.Groups[0]
		if got, _ := v.cell(v.chans[0], 7); got != statsText(g.FirstResponseWall, g.FirstResponseBusiness, true) ||
			got == statsText(g.FirstResponseWall, g.FirstResponseBusiness, false) {
			t.Fatalf("forum in business hours: %q", got)
		}
	})

	// Export is the hub's CSV of the period and filters, saved to a file.
	b, name, err := v.ExportCSV(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hubCSV, err := lh.rc.CSV(ctx, false, app.ReportQuery{From: now.AddDate(0, 0, -7), To: now, Filter: report.Filter{Channel: "forum"}})
	if err != nil || !bytes.Equal(b, hubCSV) || !bytes.Contains(b, []byte("forum")) || !strings.HasPrefix(name, "cases-") {
		t.Fatalf("export %s differs from the hub's CSV (%v)", name, err)
	}
	dir := t.TempDir()
	v.SetExportDir(dir)
	v.Locked(v.exportDialog)
	v.tasks.Wait()
	saved, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil || !bytes.Equal(saved, b) {
		t.Fatalf("saved export: %v", err)
	}
}

// TestLeadBoardInGermanDark is the board in German and the dark theme:
// its golden image (headers wide enough for the German words, German
// decimals), and German text where the English golden has English.
func TestLeadBoardInGermanDark(t *testing.T) {
	loc := time.Local
	time.Local = time.UTC
	t.Cleanup(func() { time.Local = loc; SetLanguage("en") })
	SetLanguage("de")
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	a := test.NewTempApp(t)
	a.Settings().SetTheme(NewTheme("dark"))
	clock = func() time.Time { return now }
	defer func() { clock = time.Now }()
	lh := startLeadHub(t, now)
	v := NewLeadView(lh.core, lh.rc, nil)
	var w fyne.Window
	v.Locked(func() {
		w = test.NewWindow(v.Content())
		w.Resize(LeadWindowSize)
		v.SetWindow(w)
	})
	defer func() { v.Stop(); v.Locked(w.Close) }()
	v.Start()
	v.Wait()
	v.Locked(func() {
		if got, _ := v.cell(boardLine{by: "agent", key: app.Unassigned}, 0); got != "nicht zugewiesen" {
			t.Errorf("unassigned in German: %q", got)
		}
		if !strings.HasPrefix(v.totals.Text, "Gesamt: ") || !strings.HasPrefix(v.updated.Text, "aktualisiert ") {
			t.Errorf("totals %q, updated %q", v.totals.Text, v.updated.Text)
		}
		for _, l := range v.chans {
			if got, _ := v.cell(l, 13); strings.Contains(got, ".") {
				t.Errorf("%s: %q has an English decimal point", l.key, got)
			}
		}
		// The long German headers go on two lines ("Max.\nWartezeit"), so
		// at the window's first size the tables fit it: no sideways scroll
		// (before, 1,550 px of columns in a 1,440 px window).
		if got := headLines(5); got != "Max.\nWartezeit" {
			t.Errorf("the German header of the oldest wait: %q", got)
		}
		for name, bt := range map[string]*boardTable{"By channel": v.chanTables[0], "By agent": v.agentTables[0]} {
			if need, have := bt.set.width(), bt.box.Size().Width; need > have || len(bt.set.cols) != len(leadCols) {
				t.Errorf("%s: %v px of %d columns in %v px", name, need, len(bt.set.cols), have)
			}
		}
		for i := range leadCols {
			for _, line := range strings.Split(headLines(i), "\n") {
				if w := textWidth(line); w > colWidth(i) {
					t.Errorf("header line %q is %v px in a %v px column", line, w, colWidth(i))
				}
			}
		}
		test.AssertImageMatches(t, "lead_de_dark.png", w.Canvas().Capture())
	})
}
