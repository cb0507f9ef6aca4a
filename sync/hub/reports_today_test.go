package hub_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"switchboard/model"
	"switchboard/report"
	"switchboard/sla"
)

// TestReportsTodayIsTheTeamsDay: the hub's "today" — of an agent's own
// figures and of the summary's days, whose zone the summary names for the
// lead's board — begins at midnight in the team calendar's zone, here
// Auckland half an hour after its midnight (11:30 UTC the day before).
func TestReportsTodayIsTheTeamsDay(t *testing.T) {
	loc, err := time.LoadLocation("Pacific/Auckland")
	if err != nil {
		t.Fatal(err)
	}
	rules, err := sla.Config{Calendars: map[string]sla.CalendarConfig{"default": {TimeZone: "Pacific/Auckland",
		Hours: map[string]string{"mon-fri": "09:00-17:00"}}}}.Build()
	if err != nil {
		t.Fatal(err)
	}
	midnight := time.Date(2026, 12, 1, 0, 0, 0, 0, loc)
	s := startSLAHubWith(t, midnight.Add(30*time.Minute), rules)
	n := 0
	post := func(ref, who string, dir model.Direction, at time.Time) {
		t.Helper()
		n++
		if _, _, err := s.h.Ingest(model.Inbound{Channel: model.ChannelTwitter, ThreadRef: ref, PlatformID: fmt.Sprintf("%s-%d", ref, n),
			Author: model.Identity{Handle: who}, Text: "hello", Time: at, Public: true, Direction: dir, Source: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	post("late", "@kim", model.DirectionIn, midnight.Add(-10*time.Minute)) // yesterday in Auckland
	post("late", "arno", model.DirectionOut, midnight.Add(-5*time.Minute))
	post("early", "@lou", model.DirectionIn, midnight.Add(10*time.Minute)) // today
	post("early", "arno", model.DirectionOut, midnight.Add(15*time.Minute))

	code, _, raw := s.do(t, "GET", "/v1/reports/me", s.agent, nil)
	var me report.Mine
	if err := json.Unmarshal(raw, &me); code != http.StatusOK || err != nil {
		t.Fatalf("me: %d %v %s", code, err, raw)
	}
	today := me.Periods[0]
	if me.Zone != "Pacific/Auckland" || today.From != "2026-11-30T11:00:00Z" || today.Handled != 1 || me.Periods[1].Handled != 2 {
		t.Fatalf("me: zone %s, today %+v, 7 days %d", me.Zone, today, me.Periods[1].Handled)
	}
	code, _, raw = s.do(t, "GET", "/v1/reports/summary?group=day&from=2026-11-29T11:00:00Z", s.lead, nil)
	var sum report.Summary
	if err := json.Unmarshal(raw, &sum); code != http.StatusOK || err != nil {
		t.Fatalf("summary: %d %v %s", code, err, raw)
	}
	if sum.Zone != "Pacific/Auckland" || len(sum.Groups) != 3 || sum.Groups[0].Key != "2026-11-30" || sum.Groups[1].Key != "2026-12-01" ||
		sum.Groups[1].Cases != today.Handled {
		t.Fatalf("summary by day in %s: %s", sum.Zone, raw)
	}
}

// TestBrandAccountRepliesInTheReports: the page's and the X account's own
// replies, seen on the platform, answer their cases in the reports but
// are no agent: the summary by agent names the brand once ("brand:…"),
// never a row per page id; the case export leaves agent empty and names
// the brand in brand_account; the agent filter takes the group's key.
func TestBrandAccountRepliesInTheReports(t *testing.T) {
	now := time.Date(2026, 11, 4, 15, 0, 0, 0, time.UTC)
	s := startSLAHub(t, now)
	n := 0
	post := func(ch model.Channel, ref string, who model.Identity, dir model.Direction, at time.Time) {
		t.Helper()
		n++
		who.Platform = ch
		if _, _, err := s.h.Ingest(model.Inbound{Channel: ch, ThreadRef: ref, PlatformID: fmt.Sprintf("%s-%d", ref, n),
			Author: who, Text: "hello", Time: at, Public: true, Direction: dir, Source: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	page := model.Identity{Handle: "104000000001", PlatformID: "104000000001", DisplayName: "SkyWings"}
	account := model.Identity{Handle: "@SkyWingsAir", PlatformID: "9000", DisplayName: "SkyWings Care (Mia)"}
	in, out := model.DirectionIn, model.DirectionOut
	post(model.ChannelFacebook, "fb-1", model.Identity{Handle: "5551", PlatformID: "5551"}, in, now.Add(-time.Hour))
	post(model.ChannelFacebook, "fb-1", page, out, now.Add(-55*time.Minute))
	post(model.ChannelTwitter, "x-1", model.Identity{Handle: "@kim", PlatformID: "77"}, in, now.Add(-time.Hour))
	post(model.ChannelTwitter, "x-1", account, out, now.Add(-50*time.Minute))
	post(model.ChannelTwitter, "x-2", model.Identity{Handle: "@lou", PlatformID: "78"}, in, now.Add(-time.Hour))
	post(model.ChannelTwitter, "x-2", model.Identity{Handle: "anna"}, out, now.Add(-58*time.Minute)) // imported: anna's

	code, _, raw := s.do(t, "GET", "/v1/reports/summary?group=agent", s.lead, nil)
	var sum report.Summary
	if err := json.Unmarshal(raw, &sum); code != http.StatusOK || err != nil {
		t.Fatalf("summary: %d %v %s", code, err, raw)
	}
	var keys []string
	for _, g := range sum.Groups {
		keys = append(keys, g.Key)
		if g.Key != "all" && (g.Cases != 1 || g.FirstResponseWall.Count != 1) {
			t.Errorf("%s: %d cases, %d first responses", g.Key, g.Cases, g.FirstResponseWall.Count)
		}
	}
	if !slices.Equal(keys, []string{"anna", "brand:@SkyWingsAir", "brand:SkyWings", "all"}) {
		t.Fatalf("groups by agent %q", keys)
	}
	code, _, raw = s.do(t, "GET", "/v1/reports/cases?format=csv&agent="+url.QueryEscape("brand:SkyWings"), s.lead, nil)
	recs, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
	if code != http.StatusOK || err != nil || len(recs) != 2 {
		t.Fatalf("cases of brand:SkyWings: %d %v\n%s", code, err, raw)
	}
	col := func(name string) string {
		i := slices.Index(recs[0], name)
		if i < 0 {
			t.Fatalf("no column %s", name)
		}
		return recs[1][i]
	}
	if col("agent") != "" || col("brand_account") != "SkyWings" || col("first_response_wall_s") != "300" || col("waiting") != "false" {
		t.Errorf("the page's case: %q", recs[1])
	}
}
