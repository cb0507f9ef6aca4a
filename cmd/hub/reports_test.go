package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"switchboard/connector/generic"
	"switchboard/report"
	"switchboard/sync/hub"
)

// TestImportedHistoryThroughTheHubsRoutes is issue 11's "done when" end
// to end on the hub as it serves (startConnectors, its config's business
// calendar in Europe/Berlin): a conversation history answered outside
// Switchboard is imported through POST /v1/ingest/generic, and the case
// export (a lead's token) and the agent's own figures (the agent's token)
// give the first and next response times worked out by hand — across the
// change from summer to winter time on Sunday 25 October 2026.
func TestImportedHistoryThroughTheHubsRoutes(t *testing.T) {
	now := time.Date(2026, 10, 28, 12, 0, 0, 0, time.UTC) // Wednesday, 13:00 in Berlin
	cfg, err := loadConfig(writeConfig(t, `{"sla": {
	  "calendars": {"default": {"time_zone": "Europe/Berlin", "hours": {"mon-fri": "09:00-17:00"}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	_, tokens, url := serveConfig(t, cfg, hub.Config{Now: func() time.Time { return now }})
	lead, _, err := tokens.Add("lena", hub.RoleLead)
	if err != nil {
		t.Fatal(err)
	}
	ana, _, err := tokens.Add("ana", hub.RoleAgent)
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, path, token string, body []byte) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, url+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, raw
	}

	// Two threads of a web form (policy forum: business hours of the
	// default calendar), answered by ana in the old tool.
	items := `[
	 {"source": "web form", "thread_ref": "t-1001", "id": "a1", "author": {"handle": "kim@example.com"},
	  "text": "My invoice is wrong.", "time": "2026-10-23T16:30:00+02:00"},
	 {"source": "web form", "thread_ref": "t-1001", "id": "a2", "author": {"handle": "ana"}, "direction": "out",
	  "text": "Corrected, sorry.", "time": "2026-10-26T09:15:00+01:00"},
	 {"source": "web form", "thread_ref": "t-1002", "id": "b1", "author": {"handle": "lou@example.com"},
	  "text": "Where is my parcel?", "time": "2026-10-26T07:00:00Z"},
	 {"source": "web form", "thread_ref": "t-1002", "id": "b2", "author": {"handle": "ana"}, "direction": "out",
	  "text": "On its way.", "time": "2026-10-26T10:05:00+01:00"},
	 {"source": "web form", "thread_ref": "t-1002", "id": "b3", "author": {"handle": "lou@example.com"},
	  "text": "Still not here.", "time": "2026-10-26T16:50:00+01:00"},
	 {"source": "web form", "thread_ref": "t-1002", "id": "b4", "author": {"handle": "ana"}, "direction": "out",
	  "text": "It arrives today.", "time": "2026-10-27T08:20:00Z"}]`
	if code, raw := call("POST", generic.Path, lead, []byte(items)); code != http.StatusOK {
		t.Fatalf("import: %d %s", code, raw)
	}

	// By hand, in Berlin time (CEST, UTC+2, until Sunday 25 Oct 03:00; then
	// CET, UTC+1), business hours Mon–Fri 09:00–17:00:
	// t-1001: Fri 16:30 CEST (14:30Z) → Mon 09:15 CET (08:15Z). Wall: 65 h
	//   45 min = 236700 s (the clocks say 64 h 45 min: the night of the
	//   change has 25 hours). Business: Fri 16:30–17:00 + Mon 09:00–09:15 =
	//   45 min = 2700 s.
	// t-1002: Mon 08:00 CET (07:00Z) → 10:05 CET: wall 2 h 5 min = 7500 s,
	//   business 09:00–10:05 = 3900 s. The follow-up Mon 16:50 CET
	//   (15:50Z) → Tue 09:20 CET (08:20Z): wall 16 h 30 min = 59400 s,
	//   business 16:50–17:00 + 09:00–09:20 = 30 min = 1800 s.
	if code, _ := call("GET", hub.ReportCasesPath, ana, nil); code != http.StatusForbidden {
		t.Fatalf("the case export with an agent's token: %d, want 403", code)
	}
	code, raw := call("GET", hub.ReportCasesPath+"?from=2026-10-23T00:00:00Z&to=2026-10-28T00:00:00Z", lead, nil)
	var cs report.Cases
	if err := json.Unmarshal(raw, &cs); code != http.StatusOK || err != nil {
		t.Fatalf("cases: %d %v %s", code, err, raw)
	}
	if len(cs.Cases) != 2 {
		t.Fatalf("%d cases, want 2: %s", len(cs.Cases), raw)
	}
	a, b := cs.Cases[0], cs.Cases[1]
	v := func(p *int64) int64 {
		if p == nil {
			return -1
		}
		return *p
	}
	if !strings.HasSuffix(a.ThreadRef, "/t-1001") || v(a.FirstResponseWallS) != 236700 || v(a.FirstResponseBusinessS) != 2700 || a.Agent != "ana" ||
		a.Policy != "forum" || a.Calendar != "default" || a.FirstResponseAt != "2026-10-26T08:15:00Z" {
		t.Errorf("t-1001 = %+v: first response %d/%d s", a, v(a.FirstResponseWallS), v(a.FirstResponseBusinessS))
	}
	if !strings.HasSuffix(b.ThreadRef, "/t-1002") || v(b.FirstResponseWallS) != 7500 || v(b.FirstResponseBusinessS) != 3900 ||
		len(b.NextResponsesWallS) != 1 || b.NextResponsesWallS[0] != 59400 || b.NextResponsesBusinessS[0] != 1800 {
		t.Errorf("t-1002 = %+v: first response %d/%d s", b, v(b.FirstResponseWallS), v(b.FirstResponseBusinessS))
	}
	// The CSV carries the same.
	code, raw = call("GET", hub.ReportCasesPath+"?from=2026-10-23T00:00:00Z&to=2026-10-28T00:00:00Z&format=csv", lead, nil)
	if code != http.StatusOK || !strings.Contains(string(raw), ",236700,2700,") {
		t.Errorf("csv: %d %s", code, raw)
	}

	// ana's own figures (7 days up to now hold both cases): first
	// responses 7500 and 236700 s (median rank 1, p90 rank 2), in business
	// hours 2700 and 3900 s; the one next response.
	code, raw = call("GET", hub.ReportMePath, ana, nil)
	var me report.Mine
	if err := json.Unmarshal(raw, &me); code != http.StatusOK || err != nil {
		t.Fatalf("me: %d %v %s", code, err, raw)
	}
	w := me.Periods[1]
	if me.Agent != "ana" || me.Zone != "Europe/Berlin" || w.Period != "7d" || w.Handled != 2 ||
		v(w.FirstResponseWall.MedianS) != 7500 || v(w.FirstResponseWall.P90S) != 236700 ||
		v(w.FirstResponseBusiness.MedianS) != 2700 || v(w.FirstResponseBusiness.P90S) != 3900 ||
		v(w.NextResponseWall.MedianS) != 59400 || v(w.NextResponseBusiness.MedianS) != 1800 {
		t.Errorf("ana's 7 days = %+v", w)
	}
	// Today (Wednesday in Berlin) has no case of hers; both are open.
	if me.Periods[0].Handled != 0 || me.Periods[0].From != "2026-10-27T23:00:00Z" || me.Open.Total != 2 {
		t.Errorf("today %+v, open %+v", me.Periods[0], me.Open)
	}
	if code, _ := call("GET", hub.ReportMePath+"?agent=lena", ana, nil); code != http.StatusForbidden {
		t.Errorf("ana asking for someone else's figures: %d, want 403", code)
	}
}
