package ui_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"switchboard/app"
	"switchboard/model"
	"switchboard/report"
	"switchboard/sla"
	"switchboard/sync/hub"
	"switchboard/ui"
)

// figuresHub is a hub at a fixed time (Tuesday 1 Dec 2026, 12:00 UTC)
// with a few cases of the agent mia, its reports API, and a report client
// with mia's token.
func figuresHub(t *testing.T) (*app.ReportClient, *httptest.Server) {
	t.Helper()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
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
	n := 0
	post := func(ref, who string, dir model.Direction, at time.Time) string {
		t.Helper()
		n++
		id, _, err := h.Ingest(model.Inbound{Channel: model.ChannelTwitter, ThreadRef: ref, PlatformID: ref + string(rune('a'+n)),
			Author: model.Identity{Handle: who}, Text: "hello", Time: at, Public: true, Direction: dir, Source: "test"})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	in, out := model.DirectionIn, model.DirectionOut
	// social-public: first response 30 min.
	a := post("a", "@kim", in, now.Add(-2*time.Hour)) // 10 min, solved: met
	post("a", "mia", out, now.Add(-110*time.Minute))
	if err := h.SetStatus(a, model.StatusSolved, now.Add(-90*time.Minute)); err != nil {
		t.Fatal(err)
	}
	post("b", "@lou", in, now.Add(-3*time.Hour)) // 40 min: breached, still open
	post("b", "mia", out, now.Add(-140*time.Minute))
	c := post("c", "@max", in, now.Add(-72*time.Hour)) // Saturday, 20 min, solved: met
	post("c", "mia", out, now.Add(-72*time.Hour+20*time.Minute))
	if err := h.SetStatus(c, model.StatusSolved, now.Add(-72*time.Hour+30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	e := post("e", "@ned", in, now.Add(-25*time.Minute)) // mia's, waiting 25 of 30 min: at risk
	if r, err := h.ApplyOp(hub.Agent{Name: "mia", Role: hub.RoleAgent}, model.Op{ID: "claim-e", Kind: model.OpClaim, CaseID: e}); err != nil || r.Reject != nil {
		t.Fatalf("claim: %v %+v", err, r.Reject)
	}
	tokens, err := hub.OpenTokenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	mia, _, err := tokens.Add("mia", hub.RoleAgent)
	if err != nil {
		t.Fatal(err)
	}
	srv := hub.NewServer(h, hub.DefaultTiming)
	srv.SetAuth(tokens)
	srv.Mount("GET "+hub.ReportMePath, srv.ReportMeHandler(hub.NewSLA(h, sla.Default())))
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { ts.Close(); srv.Close() })
	rc, err := app.NewReportClient(ts.URL, mia, nil)
	if err != nil {
		t.Fatal(err)
	}
	return rc, ts
}

// TestMyFigures: an agent's own figures as the hub's /v1/reports/me
// gives them (numbers worked out by hand below), in wall clock and
// business hours, in English and German; with the hub gone the view says
// it is offline and keeps the last figures with their time.
func TestMyFigures(t *testing.T) {
	loc := time.Local
	time.Local = time.UTC
	t.Cleanup(func() { time.Local = loc; ui.SetLanguage("en") })
	ui.SetLanguage("en")
	test.NewTempApp(t)
	rc, ts := figuresHub(t)
	open := func() *ui.MyFiguresView {
		v := ui.NewMyFiguresView(rc)
		var w fyne.Window
		v.Locked(func() { w = test.NewWindow(v.Content()) })
		t.Cleanup(func() { v.Stop(); v.Locked(w.Close) })
		v.Start()
		v.Wait()
		return v
	}
	texts := func(v *ui.MyFiguresView) (status string, rows [][]string, openCases []string) {
		v.Locked(func() { status, rows, openCases = v.Texts() })
		return
	}
	// By hand — today: a (10 min, met), b (40 min, breached), e (waiting);
	// first responses 600 and 2400 s: median rank 1 = 10m, p90 rank 2 =
	// 40m; 1 of 2 met. 7 and 30 days add c (20 min, met): 600 1200 2400,
	// median 20m, p90 40m, 2 of 3. Open: b (its first response breached,
	// but no clock of it runs late now: in time) and e (at risk, waiting
	// since 11:35).
	v := open()
	status, rows, openCases := texts(v)
	want := [][]string{
		{"Cases handled", "3", "4", "4"},
		{"Solved", "1", "2", "2"},
		{"First response (median / p90)", "10m / 40m", "20m / 40m", "20m / 40m"},
		{"Next response (median / p90)", "–", "–", "–"},
		{"SLAs met", "50.0 % (1/2)", "66.7 % (2/3)", "66.7 % (2/3)"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows\n got %q\nwant %q", rows, want)
	}
	if status != "updated Tue 1 Dec 12:00" {
		t.Errorf("status %q", status)
	}
	if w := []string{"2 open", "1 in time", "1 at risk", "0 breached", "1 waiting, the longest since Tue 1 Dec 11:35"}; !reflect.DeepEqual(openCases, w) {
		t.Errorf("open %q, want %q", openCases, w)
	}
	// The same figures as the hub's JSON: the handled counts of each period.
	m, err := rc.Mine(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	for p, mp := range m.Periods {
		if rows[0][p+1] != ui.Number(mp.Handled) || rows[1][p+1] != ui.Number(mp.Solved) {
			t.Errorf("%s: shown %s/%s, the hub says %d/%d", mp.Period, rows[0][p+1], rows[1][p+1], mp.Handled, mp.Solved)
		}
	}
	// Business hours (Mon–Fri 9–17 UTC): c came on a Saturday, 0 s.
	v.Locked(func() { v.SetBusiness(true) })
	if _, rows, _ := texts(v); rows[2][2] != "10m / 40m" || rows[2][1] != "10m / 40m" {
		t.Errorf("business first response %q", rows[2])
	}

	// The hub goes away: offline, the last figures and their time stay.
	ts.Close()
	v.Refresh()
	v.Wait()
	status, rows2, _ := texts(v)
	if !strings.HasPrefix(status, "Offline") || !strings.Contains(status, "Tue 1 Dec 12:00") {
		t.Errorf("offline status %q", status)
	}
	if rows2[0][1] != "3" || rows2[4][3] != "66.7 % (2/3)" {
		t.Errorf("offline rows %q", rows2)
	}
}

// TestMyFiguresInGerman: the same view in German, with German numbers,
// dates and the offline line of a view that never reached the hub.
func TestMyFiguresInGerman(t *testing.T) {
	loc := time.Local
	time.Local = time.UTC
	t.Cleanup(func() { time.Local = loc; ui.SetLanguage("en") })
	ui.SetLanguage("de")
	test.NewTempApp(t)
	rc, ts := figuresHub(t)
	v := ui.NewMyFiguresView(rc)
	var w fyne.Window
	v.Locked(func() { w = test.NewWindow(v.Content()) })
	defer func() { v.Stop(); v.Locked(w.Close) }()
	v.Start()
	v.Wait()
	var status string
	var rows [][]string
	var openCases []string
	v.Locked(func() { status, rows, openCases = v.Texts() })
	if rows[0][0] != "Bearbeitete Fälle" || rows[4][0] != "SLAs eingehalten" || rows[4][1] != "50,0 % (1/2)" || rows[4][2] != "66,7 % (2/3)" {
		t.Errorf("rows %q", rows)
	}
	if status != "aktualisiert Di. 1. Dez. 12:00" {
		t.Errorf("status %q", status)
	}
	if openCases[0] != "2 offen" || !strings.Contains(openCases[4], "Di. 1. Dez. 11:35") {
		t.Errorf("open %q", openCases)
	}
	ts.Close()
	v2 := ui.NewMyFiguresView(rc)
	defer v2.Stop()
	v2.Start()
	v2.Wait()
	v2.Locked(func() { status, rows, _ = v2.Texts() })
	if !strings.HasPrefix(status, "Offline: Der Hub ist nicht erreichbar.") || rows[0][1] != "–" {
		t.Errorf("never online: %q %q", status, rows[0])
	}
}

// TestMyFiguresKeptForAStartWithoutTheHub: the figures read once are kept
// in the console's folder; a view that starts while the hub is away shows
// them, says it is offline and when they are from.
func TestMyFiguresKeptForAStartWithoutTheHub(t *testing.T) {
	loc := time.Local
	time.Local = time.UTC
	t.Cleanup(func() { time.Local = loc })
	ui.SetLanguage("en")
	test.NewTempApp(t)
	rc, ts := figuresHub(t)
	dir := t.TempDir()
	keep := func(v *ui.MyFiguresView) {
		v.SetKeeper(func() (*report.Mine, error) { return app.LoadMyFigures(dir) },
			func(m report.Mine) error { return app.SaveMyFigures(dir, m) })
	}
	v1 := ui.NewMyFiguresView(rc)
	keep(v1)
	v1.Start()
	v1.Wait()
	var rows1 [][]string
	v1.Locked(func() { _, rows1, _ = v1.Texts() })
	v1.Stop()
	if kept, err := app.LoadMyFigures(dir); err != nil || kept == nil || kept.Agent != "mia" {
		t.Fatalf("kept %+v %v", kept, err)
	}
	ts.Close()
	v2 := ui.NewMyFiguresView(rc)
	keep(v2)
	defer v2.Stop()
	v2.Start()
	v2.Wait()
	var status string
	var rows2 [][]string
	v2.Locked(func() { status, rows2, _ = v2.Texts() })
	if status != "Offline: the hub cannot be reached. These are the figures of Tue 1 Dec 12:00." {
		t.Errorf("status %q", status)
	}
	if !reflect.DeepEqual(rows1, rows2) || rows2[0][1] != "3" {
		t.Errorf("kept figures %q, shown before %q", rows2, rows1)
	}
}

// fakeFigures counts the reads of an agent's figures.
type fakeFigures struct{ reads chan struct{} }

func (f *fakeFigures) Mine(ctx context.Context, agent string) (report.Mine, error) {
	f.reads <- struct{}{}
	return report.Mine{Agent: "mia", At: "2026-12-01T12:00:00Z", Periods: make([]report.MinePeriod, 3)}, nil
}

// TestMyFiguresWindow: the window opens on Show and reads the figures,
// comes back on a second Show (the same view, read again), and after
// Close (the console quits) stays shut.
func TestMyFiguresWindow(t *testing.T) {
	a := test.NewTempApp(t)
	src := &fakeFigures{reads: make(chan struct{}, 16)}
	m := ui.NewMyFiguresWindow(a, src, t.TempDir())
	defer m.Close()
	before := len(a.Driver().AllWindows())
	read := func() {
		t.Helper()
		select {
		case <-src.reads:
		case <-time.After(20 * time.Second):
			t.Fatal("the figures were not read")
		}
	}
	m.Show()
	read()
	if n := len(a.Driver().AllWindows()); n != before+1 {
		t.Fatalf("%d windows, %d before", n, before)
	}
	m.Show()
	read()
	if n := len(a.Driver().AllWindows()); n != before+1 {
		t.Fatalf("a second Show: %d windows, %d before", n, before)
	}
	m.Close()
	m.Show()
	select {
	case <-src.reads:
		t.Fatal("read after Close")
	case <-time.After(100 * time.Millisecond):
	}
}
