package hub_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"switchboard/connector/generic"
	"switchboard/model"
	"switchboard/report"
	"switchboard/sla"
	"switchboard/sync/hub"
)

// slaHub is a hub with a steppable clock, the SLA evaluator and the
// reports API behind lead and agent tokens.
type slaHub struct {
	h           *hub.Hub
	log         *hub.BoltLog
	clk         *clock
	sla         *hub.SLA
	url         string
	lead, agent string
}

func startSLAHub(t *testing.T, now time.Time) *slaHub {
	t.Helper()
	return startSLAHubWith(t, now, sla.Default())
}

// startSLAHubWith is startSLAHub under rules.
func startSLAHubWith(t *testing.T, now time.Time, rules *sla.Rules) *slaHub {
	t.Helper()
	dir := t.TempDir()
	l := openLog(t, dir)
	t.Cleanup(func() { l.Close() })
	clk := &clock{now: now}
	h, err := hub.New(l, quietConfig(clk.Now))
	if err != nil {
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
	agent, _, err := tokens.Add("arno", hub.RoleAgent)
	if err != nil {
		t.Fatal(err)
	}
	e := hub.NewSLA(h, rules)
	srv := hub.NewServer(h, hub.DefaultTiming)
	srv.SetAuth(tokens)
	srv.Mount("GET "+hub.ReportCasesPath, srv.ReportCasesHandler(e))
	srv.Mount("GET "+hub.ReportSummaryPath, srv.ReportSummaryHandler(e))
	srv.Mount("GET "+hub.ReportMePath, srv.ReportMeHandler(e))
	srv.Mount("POST "+generic.Path, srv.RequireToken(generic.NewHandler(h.Sink(), generic.Options{Now: clk.Now})))
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { ts.Close(); srv.Close() })
	return &slaHub{h: h, log: l, clk: clk, sla: e, url: ts.URL, lead: lead, agent: agent}
}

func (s *slaHub) do(t *testing.T, method, path, token string, body io.Reader) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, raw
}

func TestReportsAreForLeadsOnly(t *testing.T) {
	s := startSLAHub(t, t0)
	for _, path := range []string{hub.ReportCasesPath, hub.ReportSummaryPath} {
		for _, q := range []string{"", "?format=csv", "?format=json&group=day"} {
			if path == hub.ReportCasesPath && strings.Contains(q, "group") {
				continue
			}
			if code, _, _ := s.do(t, "GET", path+q, "", nil); code != http.StatusUnauthorized {
				t.Errorf("%s%s without a token: %d, want 401", path, q, code)
			}
			if code, _, _ := s.do(t, "GET", path+q, "sb_wrong", nil); code != http.StatusUnauthorized {
				t.Errorf("%s%s with an unknown token: %d, want 401", path, q, code)
			}
			if code, _, body := s.do(t, "GET", path+q, s.agent, nil); code != http.StatusForbidden {
				t.Errorf("%s%s with an agent's token: %d %s, want 403", path, q, code, body)
			}
			if code, _, body := s.do(t, "GET", path+q, s.lead, nil); code != http.StatusOK {
				t.Errorf("%s%s with a lead's token: %d %s, want 200", path, q, code, body)
			}
		}
		for _, bad := range []string{"?from=yesterday", "?to=2026-03-01", "?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z",
			"?format=xlsx", "?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "?limit=10"} {
			if code, _, body := s.do(t, "GET", path+bad, s.lead, nil); code != http.StatusBadRequest {
				t.Errorf("%s%s: %d %s, want 400", path, bad, code, body)
			}
		}
	}
	if code, _, _ := s.do(t, "GET", hub.ReportSummaryPath+"?group=customer", s.lead, nil); code != http.StatusBadRequest {
		t.Errorf("unknown group: %d, want 400", code)
	}
	if code, _, _ := s.do(t, "GET", hub.ReportCasesPath+"?group=day", s.lead, nil); code != http.StatusBadRequest {
		t.Errorf("group on the case export: %d, want 400", code)
	}
}

// TestImportedHistoryGivesHandCalculatedFirstResponse imports a
// conversation answered outside Switchboard through the generic endpoint
// (direction out, real times, the agent as author) and checks the
// reports' figures against a hand calculation, in the JSON and the CSV.
func TestImportedHistoryGivesHandCalculatedFirstResponse(t *testing.T) {
	s := startSLAHub(t, time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC))
	items := `[
	 {"source": "CRM web form", "thread_ref": "t-4411", "id": "m1", "author": {"handle": "j.kramer@example.com"},
	  "text": "Please confirm the cancellation.", "time": "2026-10-01T09:12:30Z"},
	 {"source": "CRM web form", "thread_ref": "t-4411", "id": "m2", "author": {"handle": "anna"}, "direction": "out",
	  "text": "Done: cancelled as of 31 October.", "time": "2026-10-01T09:31:05Z"},
	 {"source": "CRM web form", "thread_ref": "t-4411", "id": "m3", "author": {"handle": "j.kramer@example.com"},
	  "text": "And the refund?", "time": "2026-10-01T16:40:00Z"},
	 {"source": "CRM web form", "thread_ref": "t-4411", "id": "m4", "author": {"handle": "anna"}, "direction": "out",
	  "text": "On its way, within 5 days.", "time": "2026-10-02T09:20:00+02:00"}]`
	if code, _, body := s.do(t, "POST", generic.Path, s.lead, strings.NewReader(items)); code != http.StatusOK {
		t.Fatalf("import: %d %s", code, body)
	}
	q := "?from=2026-10-01T00:00:00Z&to=2026-10-02T00:00:00Z"
	code, _, raw := s.do(t, "GET", hub.ReportCasesPath+q, s.lead, nil)
	if code != http.StatusOK {
		t.Fatalf("cases: %d %s", code, raw)
	}
	var got report.Cases
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Cases) != 1 {
		t.Fatalf("%d cases, want 1", len(got.Cases))
	}
	row := got.Cases[0]
	// By hand: 09:12:30 → 09:31:05 is 18m35s = 1115 s, inside Thursday's
	// business hours (default calendar Mon–Fri 09–17 UTC) too. The
	// follow-up at 16:40 is answered at 07:20 UTC next day: 14h40m wall
	// (52800 s), 20 business minutes on Thursday + 0 on Friday before 09:00
	// = 1200 s.
	if row.FirstResponseWallS == nil || *row.FirstResponseWallS != 1115 || *row.FirstResponseBusinessS != 1115 {
		t.Fatalf("first response %v/%v, want 1115 s", row.FirstResponseWallS, row.FirstResponseBusinessS)
	}
	if len(row.NextResponsesWallS) != 1 || row.NextResponsesWallS[0] != 52800 || row.NextResponsesBusinessS[0] != 1200 {
		t.Fatalf("next responses %v / %v, want [52800] / [1200]", row.NextResponsesWallS, row.NextResponsesBusinessS)
	}
	if row.Agent != "anna" || row.Policy != "forum" || row.FirstResponseAt != "2026-10-01T09:31:05Z" {
		t.Fatalf("row = %+v", row)
	}
	code, hdr, raw := s.do(t, "GET", hub.ReportCasesPath+q+"&format=csv", s.lead, nil)
	if code != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") || !strings.Contains(hdr.Get("Content-Disposition"), "attachment") {
		t.Fatalf("csv: %d %v", code, hdr)
	}
	recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil || len(recs) != 2 {
		t.Fatalf("csv: %v, %d lines", err, len(recs))
	}
	col := func(name string) string {
		for i, h := range recs[0] {
			if h == name {
				return recs[1][i]
			}
		}
		t.Fatalf("no column %s in %v", name, recs[0])
		return ""
	}
	if col("first_response_wall_s") != "1115" || col("next_responses_business_s") != "1200" || col("agent") != "anna" || col("id") != row.ID {
		t.Fatalf("csv row differs from the JSON: %v", recs[1])
	}
	// The summary of that day counts one case, its response and the two
	// customer messages of that day.
	code, _, raw = s.do(t, "GET", hub.ReportSummaryPath+q+"&group=channel", s.lead, nil)
	var sum report.Summary
	if err := json.Unmarshal(raw, &sum); code != http.StatusOK || err != nil {
		t.Fatalf("summary: %d %v %s", code, err, raw)
	}
	if len(sum.Groups) != 2 || sum.Groups[0].Key != "forum" || sum.Groups[1].Key != "all" || sum.Groups[1].VolumeIn != 2 || sum.Groups[1].VolumeOut != 1 ||
		*sum.Groups[1].FirstResponseWall.MedianS != 1115 {
		t.Fatalf("summary = %s", raw)
	}
}

// TestReportFilters narrows both reports to a channel, an agent or a team:
// the console's board asks for one channel's or one agent's figures.
func TestReportFilters(t *testing.T) {
	now := time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)
	s := startSLAHub(t, now)
	post := func(ch model.Channel, ref, pid string, who model.Identity, dir model.Direction, at time.Time) {
		t.Helper()
		if _, _, err := s.h.Ingest(model.Inbound{Channel: ch, ThreadRef: ref, PlatformID: pid, Author: who, Text: "hello",
			Time: at, Public: true, Direction: dir, Source: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	cust := model.Identity{Handle: "@kim"}
	post(model.ChannelTwitter, "x-1", "x-1a", cust, model.DirectionIn, now.Add(-3*time.Hour))
	post(model.ChannelTwitter, "x-1", "x-1b", model.Identity{Handle: "anna"}, model.DirectionOut, now.Add(-3*time.Hour+10*time.Minute))
	post(model.ChannelFacebook, "f-1", "f-1a", cust, model.DirectionIn, now.Add(-2*time.Hour))
	post(model.ChannelFacebook, "f-1", "f-1b", model.Identity{Handle: "ben"}, model.DirectionOut, now.Add(-2*time.Hour+20*time.Minute))
	post(model.ChannelFacebook, "f-2", "f-2a", cust, model.DirectionIn, now.Add(-time.Hour))
	post(model.ChannelFacebook, "f-2", "f-2b", model.Identity{Handle: "anna"}, model.DirectionOut, now.Add(-time.Hour+40*time.Minute))
	cases := func(q string) []report.Row {
		t.Helper()
		code, _, raw := s.do(t, "GET", hub.ReportCasesPath+"?from=2026-11-02T00:00:00Z"+q, s.lead, nil)
		var got report.Cases
		if err := json.Unmarshal(raw, &got); code != http.StatusOK || err != nil {
			t.Fatalf("cases%s: %d %v %s", q, code, err, raw)
		}
		return got.Cases
	}
	if n := len(cases("")); n != 3 {
		t.Fatalf("%d cases, want 3", n)
	}
	if rows := cases("&channel=facebook"); len(rows) != 2 || rows[0].Channel != "facebook" || rows[1].Channel != "facebook" {
		t.Fatalf("facebook: %+v", rows)
	}
	if rows := cases("&agent=anna"); len(rows) != 2 || rows[0].Agent != "anna" || rows[1].Agent != "anna" {
		t.Fatalf("anna: %+v", rows)
	}
	if rows := cases("&agent=anna&channel=facebook"); len(rows) != 1 || *rows[0].FirstResponseWallS != 2400 {
		t.Fatalf("anna on facebook: %+v", rows)
	}
	if rows := cases("&team=nobody"); len(rows) != 0 {
		t.Fatalf("unknown team: %+v", rows)
	}
	code, _, raw := s.do(t, "GET", hub.ReportSummaryPath+"?from=2026-11-02T00:00:00Z&channel=facebook&group=agent", s.lead, nil)
	var sum report.Summary
	if err := json.Unmarshal(raw, &sum); code != http.StatusOK || err != nil {
		t.Fatalf("summary: %d %v %s", code, err, raw)
	}
	// anna 2400 s, ben 1200 s on Facebook; the X case is left out, its
	// volume too.
	all := sum.Groups[len(sum.Groups)-1]
	if len(sum.Groups) != 3 || sum.Filter.Channel != "facebook" || all.Cases != 2 || all.VolumeIn != 2 || *all.FirstResponseWall.MedianS != 1200 ||
		sum.Groups[0].Key != "anna" || *sum.Groups[0].FirstResponseWall.MedianS != 2400 {
		t.Fatalf("summary = %s", raw)
	}
	// The charts' target line: a public Facebook post's first response.
	if tg := sum.Target; tg == nil || tg.Policy != "social-public" || *tg.FirstResponseS != 1800 || tg.Business {
		t.Fatalf("target = %+v", sum.Target)
	}
	if code, _, _ := s.do(t, "GET", hub.ReportCasesPath+"?channel=myspace", s.lead, nil); code != http.StatusBadRequest {
		t.Fatalf("unknown channel: %d, want 400", code)
	}
}

// TestReportMeGivesAnAgentTheirOwnFigures: an agent's token reads that
// agent's figures only (someone else's is 403, no token 401), a lead's
// any agent's; the figures match a hand calculation and, period by
// period, the lead's summary filtered to the agent.
func TestReportMeGivesAnAgentTheirOwnFigures(t *testing.T) {
	now := time.Date(2026, 11, 4, 15, 0, 0, 0, time.UTC) // a Wednesday
	s := startSLAHub(t, now)
	n := 0
	post := func(ref string, who string, dir model.Direction, at time.Time) string {
		t.Helper()
		n++
		id, _, err := s.h.Ingest(model.Inbound{Channel: model.ChannelTwitter, ThreadRef: ref, PlatformID: fmt.Sprintf("%s-%d", ref, n),
			Author: model.Identity{Handle: who}, Text: "hello", Time: at, Public: true, Direction: dir, Source: "test"})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	solve := func(id string, at time.Time) {
		t.Helper()
		if err := s.h.SetStatus(id, model.StatusSolved, at); err != nil {
			t.Fatal(err)
		}
	}
	claim := func(id string) {
		t.Helper()
		if a, err := s.h.ApplyOp(hub.Agent{Name: "arno", Role: hub.RoleAgent}, model.Op{ID: "claim-" + id, Kind: model.OpClaim, CaseID: id}); err != nil || a.Reject != nil {
			t.Fatalf("claim: %v %+v", err, a.Reject)
		}
	}
	in, out := model.DirectionIn, model.DirectionOut
	at := func(h, m int) time.Time { return time.Date(2026, 11, 4, h, m, 0, 0, time.UTC) }
	// Policy social-public: first response 30 min, next 1 h, resolution 24 h.
	a := post("a", "@kim", in, at(12, 0)) // answered in 10 min, again in 3, solved: met
	post("a", "arno", out, at(12, 10))
	post("a", "@kim", in, at(12, 15))
	post("a", "arno", out, at(12, 18))
	solve(a, at(12, 20))
	b := post("b", "@lou", in, at(13, 0)) // answered in 40 min: breached
	post("b", "arno", out, at(13, 40))
	solve(b, at(13, 50))
	e := post("e", "@max", in, at(14, 10)) // claimed, waiting 50 min: breached
	claim(e)
	f := post("f", "@ned", in, at(14, 35)) // claimed, waiting 25 min of 30: at risk
	claim(f)
	post("g", "@ola", in, at(14, 0)) // answered in 5 min, still open: ok
	post("g", "arno", out, at(14, 5))
	post("h", "@pia", in, at(11, 0)) // anna's
	post("h", "anna", out, at(11, 5))
	c := post("c", "@quy", in, now.Add(-72*time.Hour)) // 3 days ago, 20 min: met
	post("c", "arno", out, now.Add(-72*time.Hour+20*time.Minute))
	solve(c, now.Add(-72*time.Hour+30*time.Minute))
	d := post("d", "@rio", in, now.Add(-20*24*time.Hour)) // 20 days ago, 2 h: breached
	post("d", "arno", out, now.Add(-20*24*time.Hour+2*time.Hour))
	solve(d, now.Add(-20*24*time.Hour+130*time.Minute))

	for _, q := range []string{"", "?agent=arno"} {
		if code, _, _ := s.do(t, "GET", hub.ReportMePath+q, "", nil); code != http.StatusUnauthorized {
			t.Errorf("me%s without a token: %d, want 401", q, code)
		}
	}
	if code, _, body := s.do(t, "GET", hub.ReportMePath+"?agent=anna", s.agent, nil); code != http.StatusForbidden {
		t.Errorf("an agent asking for anna's figures: %d %s, want 403", code, body)
	}
	if code, _, body := s.do(t, "GET", hub.ReportMePath+"?format=csv", s.agent, nil); code != http.StatusBadRequest {
		t.Errorf("unknown parameter: %d %s, want 400", code, body)
	}
	// The lead-only reports stay lead-only.
	if code, _, _ := s.do(t, "GET", hub.ReportSummaryPath+"?agent=arno", s.agent, nil); code != http.StatusForbidden {
		t.Errorf("summary with an agent's token: %d, want 403", code)
	}
	code, _, raw := s.do(t, "GET", hub.ReportMePath, s.agent, nil)
	if code != http.StatusOK {
		t.Fatalf("me: %d %s", code, raw)
	}
	for _, q := range []string{"?agent=arno"} {
		if code, _, again := s.do(t, "GET", hub.ReportMePath+q, s.agent, nil); code != http.StatusOK || !bytes.Equal(again, raw) {
			t.Errorf("me%s with arno's token: %d, differs from /me", q, code)
		}
		if code, _, lead := s.do(t, "GET", hub.ReportMePath+q, s.lead, nil); code != http.StatusOK || !bytes.Equal(lead, raw) {
			t.Errorf("me%s with a lead's token: %d, differs from arno's own:\n%s", q, code, lead)
		}
	}
	var me report.Mine
	if err := json.Unmarshal(raw, &me); err != nil {
		t.Fatal(err)
	}
	if me.Agent != "arno" || me.At != "2026-11-04T15:00:00Z" || me.Zone != "UTC" || len(me.Periods) != 3 {
		t.Fatalf("me = %s", raw)
	}
	i64 := func(p *int64) int64 {
		if p == nil {
			return -1
		}
		return *p
	}
	f64 := func(p *float64) float64 {
		if p == nil {
			return -1
		}
		return *p
	}
	// By hand. Today (from midnight UTC): cases a, b, e, f, g (not anna's
	// h); a and b solved; first responses g 300, a 600, b 2400 s: median
	// rank ⌈1.5⌉ = 600, p90 rank ⌈2.7⌉ = 2400; one next response, a's
	// 180 s; met a, breached b and e (running past its target) — 1 of 3,
	// 33.3 %. 7 days adds c (1200 s, met): 300 600 1200 2400, median
	// rank 2 = 600, p90 rank ⌈3.6⌉ = 2400, 2 of 4 = 50 %. 30 days adds d
	// (7200 s, breached): median rank ⌈2.5⌉ = 1200, p90 rank ⌈4.5⌉ = 7200,
	// 2 of 5 = 40 %.
	want := []struct {
		period              string
		from                string
		handled, solved     int
		frMed, frP90, nrMed int64
		met, breached       int
		pct                 float64
	}{
		{"today", "2026-11-04T00:00:00Z", 5, 2, 600, 2400, 180, 1, 2, 33.3},
		{"7d", "2026-10-28T15:00:00Z", 6, 3, 600, 2400, 180, 2, 2, 50},
		{"30d", "2026-10-05T15:00:00Z", 7, 4, 1200, 7200, 180, 2, 3, 40},
	}
	for i, w := range want {
		p := me.Periods[i]
		if p.Period != w.period || p.From != w.from || p.To != me.At || p.Handled != w.handled || p.Solved != w.solved ||
			i64(p.FirstResponseWall.MedianS) != w.frMed || i64(p.FirstResponseWall.P90S) != w.frP90 || i64(p.NextResponseWall.MedianS) != w.nrMed ||
			p.SLAMet != w.met || p.SLABreached != w.breached || f64(p.SLAAttainmentPct) != w.pct {
			t.Errorf("%s = %+v, want %+v", w.period, p, w)
		}
		// The lead's summary of the same period, filtered to arno.
		code, _, raw := s.do(t, "GET", hub.ReportSummaryPath+"?agent=arno&from="+p.From+"&to="+p.To, s.lead, nil)
		var sum report.Summary
		if err := json.Unmarshal(raw, &sum); code != http.StatusOK || err != nil {
			t.Fatalf("summary: %d %v %s", code, err, raw)
		}
		g := sum.Groups[len(sum.Groups)-1]
		same := report.MinePeriod{Period: p.Period, From: p.From, To: p.To, Handled: g.Cases, Solved: g.Resolved,
			FirstResponseWall: g.FirstResponseWall, FirstResponseBusiness: g.FirstResponseBusiness,
			NextResponseWall: g.NextResponseWall, NextResponseBusiness: g.NextResponseBusiness,
			SLAMet: g.SLAMet, SLABreached: g.SLABreached, SLAAttainmentPct: g.SLAAttainmentPct}
		mj, _ := json.Marshal(p)
		sj, _ := json.Marshal(same)
		if !bytes.Equal(mj, sj) {
			t.Errorf("%s differs from the summary:\n me      %s\n summary %s", p.Period, mj, sj)
		}
	}
	// Open now: e breached and f at risk (both waiting, e the longer), g ok.
	if o := me.Open; o != (report.MineOpen{Total: 3, OK: 1, AtRisk: 1, Breached: 1, Waiting: 2, OldestWaiting: "2026-11-04T14:10:00Z"}) {
		t.Errorf("open = %+v", o)
	}
	// A lead without agent= gets their own (none here).
	code, _, raw = s.do(t, "GET", hub.ReportMePath, s.lead, nil)
	var lena report.Mine
	if err := json.Unmarshal(raw, &lena); code != http.StatusOK || err != nil || lena.Agent != "lena" || lena.Periods[2].Handled != 0 || lena.Open.Total != 0 {
		t.Errorf("the lead's own: %d %v %s", code, err, raw)
	}
}
