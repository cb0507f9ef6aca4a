package app_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"switchboard/app"
	"switchboard/model"
	"switchboard/report"
	"switchboard/sla"
	"switchboard/sync/hub"
)

func TestReportClientURLs(t *testing.T) {
	for in, want := range map[string]string{
		"ws://127.0.0.1:8750":             "http://127.0.0.1:8750",
		"wss://hub.example.com/":          "https://hub.example.com",
		"wss://hub.example.com/x/v1/sync": "https://hub.example.com/x",
		"http://127.0.0.1:1":              "http://127.0.0.1:1",
	} {
		c, err := app.NewReportClient(in, "t", nil)
		if err != nil || c.Base() != want {
			t.Errorf("%s: %v %v, want %s", in, c, err, want)
		}
	}
	for _, bad := range []string{"ftp://x", "127.0.0.1:8750", "ws://"} {
		if _, err := app.NewReportClient(bad, "t", nil); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// TestReportClientReadsTheHub reads a real hub's reports with a lead's
// token: the same figures as the hub's JSON, its CSV byte for byte, and
// ErrNotLead for an agent's token.
func TestReportClientReadsTheHub(t *testing.T) {
	now := time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)
	l, err := hub.OpenBoltLog(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	h, err := hub.New(l, hub.Config{Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := hub.OpenTokenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	lead, _, _ := tokens.Add("lena", hub.RoleLead)
	agent, _, _ := tokens.Add("arno", hub.RoleAgent)
	e := hub.NewSLA(h, sla.Default())
	srv := hub.NewServer(h, hub.DefaultTiming)
	srv.SetAuth(tokens)
	srv.Mount("GET "+hub.ReportCasesPath, srv.ReportCasesHandler(e))
	srv.Mount("GET "+hub.ReportSummaryPath, srv.ReportSummaryHandler(e))
	srv.Mount("GET "+hub.ReportMePath, srv.ReportMeHandler(e))
	ts := httptest.NewServer(srv.Handler())
	defer func() { ts.Close(); srv.Close() }()
	for i, p := range []struct {
		ch     model.Channel
		ref    string
		who    string
		dir    model.Direction
		minute int
	}{{model.ChannelTwitter, "x1", "@kim", model.DirectionIn, 0}, {model.ChannelTwitter, "x1", "anna", model.DirectionOut, 12},
		{model.ChannelFacebook, "f1", "@kim", model.DirectionIn, 30}, {model.ChannelFacebook, "f1", "ben", model.DirectionOut, 75}} {
		if _, _, err := h.Ingest(model.Inbound{Channel: p.ch, ThreadRef: p.ref, PlatformID: string(rune('a' + i)), Author: model.Identity{Handle: p.who},
			Text: "hi", Time: now.Add(-3*time.Hour + time.Duration(p.minute)*time.Minute), Public: true, Direction: p.dir, Source: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	rc, err := app.NewReportClient("ws"+ts.URL[len("http"):], lead, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	q := app.ReportQuery{From: now.Add(-24 * time.Hour), To: now, Group: report.ByChannel}
	sum, err := rc.Summary(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Groups) != 3 || sum.Groups[0].Key != "facebook" || *sum.Groups[0].FirstResponseWall.MedianS != 45*60 ||
		*sum.Groups[1].FirstResponseWall.MedianS != 12*60 || sum.Groups[2].SLABreached != 1 || *sum.Groups[2].SLAAttainmentPct != 0 || sum.Target.Policy != "social-public" {
		t.Fatalf("summary = %+v", sum)
	}
	q.Filter = report.Filter{Agent: "anna"}
	cs, err := rc.Cases(ctx, q)
	if err != nil || len(cs.Cases) != 1 || cs.Cases[0].Channel != "twitter" {
		t.Fatalf("cases of anna: %+v %v", cs, err)
	}
	got, err := rc.CSV(ctx, false, q)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", ts.URL+hub.ReportCasesPath+"?agent=anna&format=csv&from=2026-11-01T12:00:00Z&to=2026-11-02T12:00:00Z", nil)
	req.Header.Set("Authorization", "Bearer "+lead)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, want) || !bytes.HasPrefix(got, []byte("id,channel,")) {
		t.Fatalf("CSV differs from the hub's:\n%s\n%s", got, want)
	}
	if n := app.CSVName(false, q); n != "cases-20261101T120000Z-20261102T120000Z.csv" {
		t.Fatalf("name %s", n)
	}
	ra, _ := app.NewReportClient(ts.URL, agent, nil)
	if _, err := ra.Summary(ctx, q); !errors.Is(err, app.ErrNotLead) {
		t.Fatalf("agent's token: %v, want ErrNotLead", err)
	}
	rn, _ := app.NewReportClient(ts.URL, "sb_nope", nil)
	if _, err := rn.Summary(ctx, q); err == nil || errors.Is(err, app.ErrNotLead) {
		t.Fatalf("unknown token: %v", err)
	}
	// An agent's own figures: arno's token reads arno's (none), not
	// anna's; the lead reads anna's: one case answered in 12 minutes.
	if m, err := ra.Mine(ctx, ""); err != nil || m.Agent != "arno" || len(m.Periods) != 3 || m.Periods[2].Handled != 0 {
		t.Fatalf("arno's own: %+v %v", m, err)
	}
	if _, err := ra.Mine(ctx, "anna"); !errors.Is(err, app.ErrNotLead) {
		t.Fatalf("arno asking for anna's: %v, want ErrNotLead", err)
	}
	m, err := rc.Mine(ctx, "anna")
	if err != nil || m.Agent != "anna" || m.Periods[0].Period != "today" || m.Periods[0].Handled != 1 || *m.Periods[0].FirstResponseWall.MedianS != 12*60 {
		t.Fatalf("anna's, by the lead: %+v %v", m, err)
	}
	ts.Close()
	if _, err := ra.Mine(ctx, ""); !errors.Is(err, app.ErrOffline) {
		t.Fatalf("hub gone: %v, want ErrOffline", err)
	}
	// Kept in the console's folder for a start without the hub.
	dir := t.TempDir()
	if none, err := app.LoadMyFigures(dir); none != nil || err != nil {
		t.Fatalf("nothing kept yet: %+v %v", none, err)
	}
	if err := app.SaveMyFigures(dir, m); err != nil {
		t.Fatal(err)
	}
	kept, err := app.LoadMyFigures(dir)
	if err != nil || !reflect.DeepEqual(*kept, m) {
		t.Fatalf("kept %+v %v, want %+v", kept, err, m)
	}
}

func sum(id string, ch model.Channel, who string, st model.SLAState, due time.Time, waiting bool) model.Summary {
	s := model.Summary{ID: id, Channel: ch, Assignee: who, Status: model.StatusOpen, SLA: st, Due: due}
	if waiting {
		s.WaitingSince = due.Add(-time.Hour)
	}
	return s
}

func TestEscalationsOncePerTransition(t *testing.T) {
	var e app.Escalations
	all := app.Escalate{AtRisk: true, Breached: true}
	due := t0.Add(time.Hour)
	// The first scan learns: an old breach is not told at start.
	if got := e.Scan([]model.Summary{sum("a", model.ChannelTwitter, "anna", model.SLABreached, due, true)}, "lena", true, all); len(got) != 0 {
		t.Fatalf("first scan told %+v", got)
	}
	step := func(want int, ss ...model.Summary) []app.Escalation {
		t.Helper()
		got := e.Scan(ss, "lena", true, all)
		if len(got) != want {
			t.Fatalf("%d escalations, want %d: %+v", len(got), want, got)
		}
		return got
	}
	a := sum("a", model.ChannelTwitter, "anna", model.SLABreached, due, true)
	b := sum("b", model.ChannelForum, "ben", model.SLAOK, due, true)
	step(0, a, b)
	b.SLA = model.SLAAtRisk
	if got := step(1, a, b); got[0].Case.ID != "b" || got[0].To != model.SLAAtRisk {
		t.Fatalf("%+v", got)
	}
	step(0, a, b) // still at risk: told once
	b.SLA = model.SLABreached
	step(1, a, b)
	step(0, a, b)
	// Answered (ok again), then at risk again: a new transition.
	b.SLA = model.SLAOK
	step(0, a, b)
	b.SLA = model.SLAAtRisk
	step(1, a, b)
	// A new case that comes in at risk.
	step(1, a, b, sum("c", model.ChannelFacebook, "", model.SLAAtRisk, due, true))

	// An agent hears only of their own cases, and only what they chose.
	var ag app.Escalations
	x, y := sum("x", model.ChannelTwitter, "arno", model.SLAOK, due, true), sum("y", model.ChannelTwitter, "ben", model.SLAOK, due, true)
	ag.Scan([]model.Summary{x, y}, "arno", false, all)
	x.SLA, y.SLA = model.SLAAtRisk, model.SLAAtRisk
	if got := ag.Scan([]model.Summary{x, y}, "arno", false, all); len(got) != 1 || got[0].Case.ID != "x" || !got[0].Mine {
		t.Fatalf("agent: %+v", got)
	}
	x.SLA, y.SLA = model.SLABreached, model.SLABreached
	if got := ag.Scan([]model.Summary{x, y}, "arno", false, app.Escalate{AtRisk: true}); len(got) != 0 {
		t.Fatalf("breaches are off: %+v", got)
	}
	if d := (app.Settings{}).Escalation(); !d.AtRisk || !d.Breached {
		t.Fatalf("default escalation %+v", d)
	}
}

// A lead is told, once per wait, of a high-reach author waiting
// HighReachMinutes in public; a new wait of the same case is told again;
// agents, other authors and the same author's direct message are not.
func TestEscalationsOfAWaitingHighReachAuthor(t *testing.T) {
	now := t0
	e := app.Escalations{Now: func() time.Time { return now }}
	want := app.Escalate{HighReachMinutes: 15}
	loud := model.Summary{ID: "h", Status: model.StatusOpen, Reach: model.ReachHigh, Public: true, Author: "Dr. Brenner", WaitingSince: t0}
	quiet := model.Summary{ID: "q", Status: model.StatusOpen, Public: true, Author: "Kim", WaitingSince: t0.Add(-time.Hour)}
	dm := model.Summary{ID: "d", Status: model.StatusOpen, Reach: model.ReachHigh, Author: "Dr. Brenner", WaitingSince: t0.Add(-time.Hour)}
	scan := func(lead bool, ss ...model.Summary) []app.Escalation { return e.Scan(ss, "lena", lead, want) }
	// The first scan learns the SLA states; the direct message has waited
	// an hour already, and is still not told.
	if got := scan(true, loud, quiet, dm); len(got) != 0 {
		t.Fatalf("first scan told %+v", got)
	}
	now = t0.Add(14 * time.Minute)
	if got := scan(true, loud, quiet, dm); len(got) != 0 {
		t.Fatalf("told before 15 minutes, or of a direct message: %+v", got)
	}
	now = t0.Add(16 * time.Minute)
	if got := scan(true, loud, quiet, dm); len(got) != 1 || got[0].Case.ID != "h" || !got[0].HighReach {
		t.Fatalf("after 16 minutes: %+v", got)
	}
	if got := scan(true, loud, quiet, dm); len(got) != 0 {
		t.Fatalf("told twice: %+v", got)
	}
	// Answered, then the author writes again: a new wait.
	loud.WaitingSince = time.Time{}
	scan(true, loud)
	loud.WaitingSince = t0.Add(20 * time.Minute)
	now = t0.Add(40 * time.Minute)
	if got := scan(true, loud); len(got) != 1 {
		t.Fatalf("the second wait: %+v", got)
	}
	var ag app.Escalations
	ag.Scan([]model.Summary{loud}, "arno", false, want)
	if got := ag.Scan([]model.Summary{loud}, "arno", false, want); len(got) != 0 {
		t.Fatalf("an agent told of a high-reach wait: %+v", got)
	}
}
