package ui

import (
	"context"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"switchboard/app"
	"switchboard/model"
	"switchboard/report"
	"switchboard/sla"
	"switchboard/sync/hub"
)

// recordingReports passes the board's report requests on and keeps them.
type recordingReports struct {
	Reports
	mu sync.Mutex
	qs []app.ReportQuery
}

func (r *recordingReports) Summary(ctx context.Context, q app.ReportQuery) (report.Summary, error) {
	r.mu.Lock()
	r.qs = append(r.qs, q)
	r.mu.Unlock()
	return r.Reports.Summary(ctx, q)
}

// TestLeadBoardTodayAndBrandAccounts: a team in Auckland, half an hour
// after its midnight (11:30 UTC the day before, the console in UTC). The
// board's "today" and its charts' days are the hub's — from Auckland's
// midnight, as the agents' own figures — not the console's; the legend
// says so. The replies the brand's Facebook page and X account posted
// themselves are one "Brand: …" line each in By agent, never a line per
// page id or handle as if they were agents, and no choice of the agent
// filter.
func TestLeadBoardTodayAndBrandAccounts(t *testing.T) {
	loc := time.Local
	time.Local = time.UTC
	t.Cleanup(func() { time.Local = loc; SetLanguage("en") })
	SetLanguage("en")
	auckland, err := time.LoadLocation("Pacific/Auckland")
	if err != nil {
		t.Fatal(err)
	}
	midnight := time.Date(2026, 12, 1, 0, 0, 0, 0, auckland)
	now := midnight.Add(30 * time.Minute)
	test.NewTempApp(t)
	clock = func() time.Time { return now }
	defer func() { clock = time.Now }()
	rules, err := sla.Config{Calendars: map[string]sla.CalendarConfig{"default": {TimeZone: "Pacific/Auckland",
		Hours: map[string]string{"mon-fri": "09:00-17:00"}}}}.Build()
	if err != nil {
		t.Fatal(err)
	}
	lh := startLeadHubWith(t, now, rules, func(h *hub.Hub) {
		page := model.Identity{Platform: model.ChannelFacebook, Handle: "104000000001", PlatformID: "104000000001", DisplayName: "SkyWings"}
		account := model.Identity{Platform: model.ChannelTwitter, Handle: "@SkyWingsAir", PlatformID: "9000", DisplayName: "SkyWings Care (Mia)"}
		for i, it := range []model.Inbound{
			{Channel: model.ChannelFacebook, ThreadRef: "fb-b1", Author: model.Identity{Platform: model.ChannelFacebook, Handle: "5551", PlatformID: "5551"},
				Direction: model.DirectionIn, Time: midnight.Add(5 * time.Minute)},
			{Channel: model.ChannelFacebook, ThreadRef: "fb-b1", Author: page, Direction: model.DirectionOut, Time: midnight.Add(9 * time.Minute)},
			{Channel: model.ChannelTwitter, ThreadRef: "x-b1", Author: model.Identity{Platform: model.ChannelTwitter, Handle: "@kim", PlatformID: "77"},
				Direction: model.DirectionIn, Time: midnight.Add(6 * time.Minute)},
			{Channel: model.ChannelTwitter, ThreadRef: "x-b1", Author: account, Direction: model.DirectionOut, Time: midnight.Add(10 * time.Minute)},
		} {
			it.PlatformID, it.Text, it.Public, it.Source = "brand-"+string(rune('a'+i)), "hello", true, "t"
			if _, _, err := h.Ingest(it); err != nil {
				t.Fatal(err)
			}
		}
	})
	rec := &recordingReports{Reports: lh.rc}
	v := NewLeadView(lh.core, rec, nil)
	var w fyne.Window
	v.Locked(func() {
		w = test.NewWindow(v.Content())
		w.Resize(LeadWindowSize)
		v.SetWindow(w)
	})
	defer func() { v.Stop(); v.Locked(w.Close) }()
	v.Start()
	v.Wait()

	rec.mu.Lock()
	qs := slices.Clone(rec.qs)
	rec.mu.Unlock()
	today := 0
	for _, q := range qs {
		if q.Group == report.ByChannel || q.Group == report.ByAgent {
			if q.From.Equal(midnight) {
				today++
			}
			if q.From.Equal(time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("a figure from the console's midnight: %+v", q)
			}
		}
	}
	if today != 2 {
		t.Fatalf("%d of the board's queries start at Auckland's midnight (%s), want today's two: %+v", today, midnight.UTC(), qs)
	}
	// The X chart's last day is the hub's Auckland day.
	sum, err := lh.rc.Summary(context.Background(), app.ReportQuery{From: midnight, To: now, Group: report.ByDay, Filter: report.Filter{Channel: "twitter"}})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(sum.Groups, func(g report.Group) bool { return g.Key == "2026-12-01" })
	if sum.Zone != "Pacific/Auckland" || i < 0 || sum.Groups[i].FirstResponseWall.MedianS == nil {
		t.Fatalf("the hub's day: %+v", sum)
	}
	v.Locked(func() {
		xs := v.data.charts[0].lines[0].Values
		if got, want := xs[len(xs)-1], float64(*sum.Groups[i].FirstResponseWall.MedianS)/60; math.Abs(got-want) > 1e-9 {
			t.Errorf("X median today on the chart: %v min, the hub's 2026-12-01: %v", got, want)
		}
		if !strings.Contains(v.legend.Text, "Pacific/Auckland") || !strings.Contains(v.legend.Text, "Brand (@SkyWingsAir, SkyWings): the cases") {
			t.Errorf("legend %q", v.legend.Text)
		}
		var names []string
		for _, l := range v.agentsL {
			name, _ := v.cell(l, 0)
			names = append(names, name)
			if l.key == "104000000001" || l.key == "@SkyWingsAir" {
				t.Errorf("a brand account as an agent: %q", l.key)
			}
		}
		for _, want := range []string{"Brand: @SkyWingsAir", "Brand: SkyWings"} {
			if !slices.Contains(names, want) {
				t.Errorf("no line %q in %q", want, names)
			}
		}
		g := v.data.figs[figKey{"agent", "brand:SkyWings", periodToday}]
		if g.Cases != 1 || g.FirstResponseWall.Count != 1 {
			t.Errorf("the page's figures today: %+v", g)
		}
		if open, _ := v.cell(boardLine{by: "agent", key: "brand:SkyWings"}, 1); open != "–" {
			t.Errorf("the page's open cases: %q", open)
		}
		for _, o := range v.agentSel.Options {
			if o == "" || strings.HasPrefix(o, report.BrandKeyPrefix) {
				t.Errorf("agent filter offers %q: %q", o, v.agentSel.Options)
			}
		}
	})
	// A case about to breach is not offered to a brand's account.
	v.Locked(func() {
		if len(v.live.Urgent) == 0 {
			t.Fatal("nothing about to breach")
		}
		for _, it := range v.ReassignMenu(v.live.Urgent[0].ID).Items {
			if strings.Contains(it.Label, "brand") || strings.Contains(it.Label, "SkyWings") {
				t.Errorf("reassign offers %q", it.Label)
			}
		}
	})
	// Its figure drills into the page's case.
	var line boardLine
	v.Locked(func() {
		for _, l := range v.agentsL {
			if l.key == "brand:SkyWings" {
				line = l
			}
		}
		v.drill(line, 6)
	})
	v.tasks.Wait()
	v.Locked(func() {
		if len(v.drillRows) != 1 || !strings.Contains(v.drillRows[0].text, "Brand: SkyWings") {
			t.Errorf("drill-down: %+v", v.drillRows)
		}
		v.closeDrill()
	})
}
