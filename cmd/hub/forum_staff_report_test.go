package main

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"switchboard/model"
	"switchboard/report"
	"switchboard/sync/hub"
)

// Issue 11: the brand's staff posting directly in the forum (a feed's
// "staff", not through Switchboard) answer the case for the brand: the
// hub's reports (JSON and CSV, cases and summary by agent) count the
// staff post as a response with no agent and the feed's brand as
// brand_account — never "NordNetz_Team_Ayse@…" as an agent of its own,
// which the board would offer in its agent filter and reassign menu. A
// feed with no brand groups its staff under the forum's staff account.
func TestForumStaffPostsCountForTheBrand(t *testing.T) {
	now := time.Now().UTC()
	item := func(link, guid, author, title string, at time.Time) string {
		return `<item><title>` + title + `</title><pubDate>` + at.Format(time.RFC1123Z) + `</pubDate><link>` + link +
			`</link><guid isPermaLink="false">` + guid + `</guid><dc:creator>` + author + `</dc:creator><description>` + title + `</description></item>`
	}
	feeds := map[string]string{
		// NordNetz's community, followed for the brand NordNetz: Ayse and
		// Jan of the brand's team answer two threads in the forum itself.
		"/nordnetz.rss": item("https://community.nordnetz.example/t/umzug/3391", "3391-1", "julia_kr", "Keine Kündigungsbestätigung", now.Add(-3*time.Hour)) +
			item("https://community.nordnetz.example/t/umzug/3391", "3391-2", "NordNetz_Team_Ayse", "Hallo Julia, ist weitergegeben.", now.Add(-170*time.Minute)) +
			item("https://community.nordnetz.example/t/router/4410", "4410-1", "mo_b", "Router blinkt rot", now.Add(-2*time.Hour)) +
			item("https://community.nordnetz.example/t/router/4410", "4410-2", "nordnetz_team_jan", "Hallo Mo, bitte einmal neu starten.", now.Add(-100*time.Minute)),
		// A forum followed without a brand: its staff are one account.
		"/voltra.rss": item("https://autoforum.example/t/reichweite/88120", "88120-1", "e5_driver_bo", "Reichweite gesunken", now.Add(-2*time.Hour)) +
			item("https://autoforum.example/t/reichweite/88120", "88120-2", "Voltra_Support", "Das liegt am Batterie-Puffer.", now.Add(-90*time.Minute)),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		io.WriteString(w, `<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>f</title>`+
			feeds[r.URL.Path]+`</channel></rss>`)
	}))
	t.Cleanup(srv.Close)
	cfg, err := loadConfig(writeConfig(t, `{"forum": {"poll_every": "1h", "feeds": [
	    {"name": "nordnetz", "url": "`+srv.URL+`/nordnetz.rss", "thread_rule": "discourse", "staff": ["NordNetz_Team_Ayse", "@NordNetz_Team_Jan"], "brand": "NordNetz"},
	    {"name": "voltra", "url": "`+srv.URL+`/voltra.rss", "thread_rule": "discourse", "staff": ["Voltra_Support"]}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	h, tokens, url := serveConfig(t, cfg, hub.Config{})
	lead, _, err := tokens.Add("lena", hub.RoleLead)
	if err != nil {
		t.Fatal(err)
	}

	// The poller runs on its own goroutine: wait for both posts of each thread.
	threads := []string{"https://community.nordnetz.example/t/umzug/3391", "https://community.nordnetz.example/t/router/4410", "https://autoforum.example/t/reichweite/88120"}
	deadline := time.Now().Add(15 * time.Second)
	for _, ref := range threads {
		for {
			c, ok := h.CaseByThread(model.ChannelForum, ref)
			if ok && c.MessageCount == 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("thread %s: case %v, %d messages", ref, ok, c.MessageCount)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	span := "?from=" + now.Add(-24*time.Hour).Format(time.RFC3339) + "&to=" + now.Add(time.Hour).Format(time.RFC3339)
	var cs report.Cases
	if err := json.Unmarshal([]byte(getJSON(t, url+hub.ReportCasesPath+span, lead)), &cs); err != nil {
		t.Fatal(err)
	}
	if len(cs.Cases) != 3 {
		t.Fatalf("%d cases, want 3", len(cs.Cases))
	}
	wantBrand := map[string]string{threads[0]: "NordNetz", threads[1]: "NordNetz", threads[2]: "staff@autoforum.example"}
	for _, row := range cs.Cases {
		if row.Agent != "" || row.BrandAccount != wantBrand[row.ThreadRef] || row.FirstResponseWallS == nil || row.Waiting {
			t.Errorf("%s: agent %q brand_account %q first response %v waiting %v, want no agent, %q, answered",
				row.ThreadRef, row.Agent, row.BrandAccount, row.FirstResponseWallS, row.Waiting, wantBrand[row.ThreadRef])
		}
	}
	if got := *rowByThread(t, cs.Cases, threads[0]).FirstResponseWallS; got != 600 {
		t.Errorf("Ayse's answer after %d s, want 600", got)
	}

	var sum report.Summary
	if err := json.Unmarshal([]byte(getJSON(t, url+hub.ReportSummaryPath+span+"&group=agent", lead)), &sum); err != nil {
		t.Fatal(err)
	}
	cases := map[string]int{}
	for _, g := range sum.Groups {
		cases[g.Key] = g.Cases
		if strings.Contains(strings.ToLower(g.Key), "team_") || strings.Contains(strings.ToLower(g.Key), "voltra_support") {
			t.Errorf("a staff member is an agent of their own: %q", g.Key)
		}
	}
	if len(cases) != 3 || cases["brand:NordNetz"] != 2 || cases["brand:staff@autoforum.example"] != 1 || cases["all"] != 3 {
		t.Errorf("groups by agent: %v, want brand:NordNetz 2, brand:staff@autoforum.example 1, all 3", cases)
	}

	// The CSVs say the same.
	readCSV := func(path string) [][]string {
		t.Helper()
		recs, err := csv.NewReader(strings.NewReader(getJSON(t, url+path, lead))).ReadAll()
		if err != nil || len(recs) < 2 {
			t.Fatalf("%s: %v, %d records", path, err, len(recs))
		}
		return recs
	}
	recs := readCSV(hub.ReportCasesPath + span + "&format=csv")
	col := map[string]int{}
	for i, name := range recs[0] {
		col[name] = i
	}
	for _, rec := range recs[1:] {
		if ref := rec[col["thread_ref"]]; rec[col["agent"]] != "" || rec[col["brand_account"]] != wantBrand[ref] {
			t.Errorf("CSV %s: agent %q brand_account %q", ref, rec[col["agent"]], rec[col["brand_account"]])
		}
	}
	var keys []string
	for _, rec := range readCSV(hub.ReportSummaryPath + span + "&group=agent&format=csv")[1:] {
		keys = append(keys, rec[0])
	}
	if strings.Join(keys, "|") != "brand:NordNetz|brand:staff@autoforum.example|all" {
		t.Errorf("summary CSV keys %q", keys)
	}
}

func rowByThread(t *testing.T, rows []report.Row, ref string) report.Row {
	t.Helper()
	for _, r := range rows {
		if r.ThreadRef == ref {
			return r
		}
	}
	t.Fatalf("no row of %s", ref)
	return report.Row{}
}
