package report

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"switchboard/model"
	"switchboard/sla"
)

// brandPost is the platform's copy of a post the brand's own page or
// account made outside Switchboard, as a connector hands it to the hub:
// delivered, with the platform's identity of its author.
func (s *story) brandPost(at time.Time, author model.Identity) {
	s.n++
	author.Platform = s.c.Channel
	m := &model.Message{ID: s.c.ID + "-brand-" + string(rune('a'+s.n)), CaseID: s.c.ID, Direction: model.DirectionOut,
		Time: at.UTC(), Delivery: model.DeliverySent, Author: author}
	s.emit(model.Event{Type: model.EventMessageAdded, Time: at.UTC(), Message: m})
	if s.c.Status == model.StatusNew {
		s.c.Status = model.StatusOpen
	}
	s.upsert(at)
}

// TestBrandAccountRepliesCountForNoAgent: replies the brand's page or X
// account posted on the platform itself are responses (they stop the
// first-response clock) but no agent's: the per-agent figures group them
// under the brand, never under the page id or the account's handle as if
// it were an agent. Replies sent through Switchboard, and imported
// history naming its agent, still count for that agent.
func TestBrandAccountRepliesCountForNoAgent(t *testing.T) {
	r := sla.Default()
	f := NewFolder()
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	page := model.Identity{Handle: "104000000001", PlatformID: "104000000001", DisplayName: "SkyWings"}
	// Facebook: the page answered in Meta's inbox after 5 minutes.
	fb := newStory(t, f, "fb", model.ChannelFacebook, true, t0)
	fb.brandPost(t0.Add(5*time.Minute), page)
	// X: the brand's account answered in X's app after 4 minutes, twice
	// signed by different people (display names), one account.
	x1 := newStory(t, f, "x1", model.ChannelTwitter, true, t0.Add(time.Minute))
	x1.brandPost(t0.Add(5*time.Minute), model.Identity{Handle: "@SkyWingsAir", PlatformID: "9000", DisplayName: "SkyWings Care (Mia)"})
	x2 := newStory(t, f, "x2", model.ChannelTwitter, true, t0.Add(2*time.Minute))
	x2.brandPost(t0.Add(6*time.Minute), model.Identity{Handle: "@SkyWingsAir", PlatformID: "9000", DisplayName: "Care Team (Tom)"})
	// A case of a configured brand: named by the brand.
	x3 := newStory(t, f, "x3", model.ChannelTwitter, true, t0.Add(3*time.Minute))
	x3.c.Brand = "nordnetz"
	x3.upsert(t0.Add(3 * time.Minute))
	x3.brandPost(t0.Add(8*time.Minute), model.Identity{Handle: "@NordNetz", PlatformID: "9100"})
	// anna answers through Switchboard; ben's answer is imported history.
	a := newStory(t, f, "anna", model.ChannelTwitter, true, t0.Add(4*time.Minute))
	m := a.reply(t0.Add(6*time.Minute), "anna")
	a.deliver(m, t0.Add(6*time.Minute), model.DeliverySent)
	b := newStory(t, f, "ben", model.ChannelFacebook, true, t0.Add(4*time.Minute))
	b.outside(t0.Add(9*time.Minute), t0.Add(time.Hour), "ben")
	// The brand's page answered first, then ben through Switchboard: ben's.
	mix := newStory(t, f, "mix", model.ChannelFacebook, true, t0.Add(5*time.Minute))
	mix.brandPost(t0.Add(7*time.Minute), page)
	mix.in(t0.Add(20 * time.Minute))
	m = mix.reply(t0.Add(25*time.Minute), "ben")
	mix.deliver(m, t0.Add(25*time.Minute), model.DeliverySent)

	now := t0.Add(2 * time.Hour)
	rows := f.Rows(r, t0, now, now)
	want := map[string]struct{ agent, brand, key string }{
		"fb": {"", "SkyWings", "brand:SkyWings"}, "x1": {"", "@SkyWingsAir", "brand:@SkyWingsAir"},
		"x2": {"", "@SkyWingsAir", "brand:@SkyWingsAir"}, "x3": {"", "nordnetz", "brand:nordnetz"},
		"anna": {"anna", "", "anna"}, "ben": {"ben", "", "ben"}, "mix": {"ben", "", "ben"},
	}
	for id, w := range want {
		row := rowOf(t, rows, id)
		if row.Agent != w.agent || row.BrandAccount != w.brand || row.AgentKey() != w.key {
			t.Errorf("%s: agent %q brand_account %q key %q, want %q %q %q", id, row.Agent, row.BrandAccount, row.AgentKey(), w.agent, w.brand, w.key)
		}
		if row.FirstResponseWallS == nil || row.Waiting {
			t.Errorf("%s: the brand's reply is no response: %+v", id, row)
		}
	}
	i64(t, rowOf(t, rows, "fb").FirstResponseWallS, 5*time.Minute, "the page's reply")
	if o := rowOf(t, rows, "fb").Outcome; o != "running" && o != "met" {
		t.Errorf("fb outcome %q", o)
	}

	sum := f.Summarize(r, t0, now, now, ByAgent, time.UTC)
	var keys []string
	cases := map[string]int{}
	for _, g := range sum.Groups {
		keys = append(keys, g.Key)
		cases[g.Key] = g.Cases
	}
	if !slices.Equal(keys, []string{"anna", "ben", "brand:@SkyWingsAir", "brand:SkyWings", "brand:nordnetz", "all"}) {
		t.Fatalf("groups by agent = %q", keys)
	}
	if cases["brand:@SkyWingsAir"] != 2 || cases["ben"] != 2 || cases["all"] != 7 {
		t.Errorf("cases per group = %v", cases)
	}
	for _, g := range sum.Groups {
		if strings.Contains(g.Key, "104000000001") || g.Key == "@SkyWingsAir" {
			t.Errorf("a brand account is a group of its own: %q", g.Key)
		}
		if g.Key != "all" && g.FirstResponseWall.Count != g.Cases {
			t.Errorf("%s: %d first responses of %d cases", g.Key, g.FirstResponseWall.Count, g.Cases)
		}
	}
	// The agent filter takes the group's key: the drill-down of the row.
	if got := f.RowsOf(r, t0, now, now, Filter{Agent: "brand:@SkyWingsAir"}); len(got) != 2 || got[0].ID != "x1" || got[1].ID != "x2" {
		t.Errorf("rows of brand:@SkyWingsAir = %d", len(got))
	}
	if g := f.SummarizeOf(r, t0, now, now, "", time.UTC, Filter{Agent: "brand:SkyWings"}).Groups[0]; g.Cases != 1 || g.VolumeOut != 1 {
		t.Errorf("summary of brand:SkyWings = %+v", g)
	}
	// The CSV carries the same: agent empty, brand_account named.
	var cs bytes.Buffer
	if err := WriteCasesCSV(&cs, rows); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(cs.String(), ",agent,brand_account,team,") || !strings.Contains(cs.String(), ",,SkyWings,") {
		t.Errorf("CSV:\n%s", cs.String())
	}
}

// TestTodayIsTheCalendarsDayFarFromUTC: an agent's "today" begins at
// midnight in the team calendar's zone — in Auckland, 11:00 UTC the day
// before — and holds exactly the cases of that day's group in the
// summary by day, whose zone the summary names.
func TestTodayIsTheCalendarsDayFarFromUTC(t *testing.T) {
	for _, zone := range []string{"Pacific/Auckland", "America/Los_Angeles"} {
		t.Run(zone, func(t *testing.T) {
			loc, err := time.LoadLocation(zone)
			if err != nil {
				t.Fatal(err)
			}
			r := sla.Default()
			f := NewFolder()
			midnight := time.Date(2026, 12, 1, 0, 0, 0, 0, loc)
			// Ten minutes before and after the team's midnight; now half
			// an hour after it (in UTC another day or the same).
			before := newStory(t, f, "before", model.ChannelTwitter, true, midnight.Add(-10*time.Minute))
			after := newStory(t, f, "after", model.ChannelTwitter, true, midnight.Add(10*time.Minute))
			for _, s := range []*story{before, after} {
				m := s.reply(s.c.Created.Add(5*time.Minute), "arno")
				s.deliver(m, s.c.Created.Add(5*time.Minute), model.DeliverySent)
			}
			now := midnight.Add(30 * time.Minute)
			me := f.Mine(r, "arno", now, loc)
			today := me.Periods[0]
			if me.Zone != zone || today.From != midnight.UTC().Format(time.RFC3339) || today.Handled != 1 {
				t.Fatalf("today = %+v (zone %s), want from %s with 1 case", today, me.Zone, midnight.UTC().Format(time.RFC3339))
			}
			if me.Periods[1].Handled != 2 {
				t.Errorf("7 days = %d cases, want 2", me.Periods[1].Handled)
			}
			byDay := f.Summarize(r, midnight.AddDate(0, 0, -1), now, now, ByDay, loc)
			if byDay.Zone != zone || len(byDay.Groups) != 3 || byDay.Groups[0].Key != "2026-11-30" || byDay.Groups[1].Key != "2026-12-01" ||
				byDay.Groups[1].Cases != today.Handled {
				t.Fatalf("by day in %s: %+v", byDay.Zone, byDay.Groups)
			}
		})
	}
}

// TestForumStaffPostsCountForTheBrand: a forum staff post (the forum
// connector's author id "staff@HOST") is the brand's account on that
// forum, whoever signed it: it counts for the case's brand, else for the
// forum's staff account — never as an agent. A forum member's post carries
// no id, and imported forum history naming its agent stays the agent's.
func TestForumStaffPostsCountForTheBrand(t *testing.T) {
	r := sla.Default()
	f := NewFolder()
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	ayse := model.Identity{Handle: "NordNetz_Team_Ayse@community.nordnetz.example", DisplayName: "NordNetz_Team_Ayse", PlatformID: "staff@community.nordnetz.example"}
	jan := model.Identity{Handle: "nordnetz_team_jan@community.nordnetz.example", DisplayName: "nordnetz_team_jan", PlatformID: "staff@community.nordnetz.example"}
	a := newStory(t, f, "a", model.ChannelForum, true, t0)
	a.c.Brand = "NordNetz"
	a.upsert(t0)
	a.brandPost(t0.Add(time.Hour), ayse)
	b := newStory(t, f, "b", model.ChannelForum, true, t0)
	b.brandPost(t0.Add(2*time.Hour), jan)
	imp := newStory(t, f, "imp", model.ChannelForum, true, t0)
	imp.outside(t0.Add(3*time.Hour), t0.Add(4*time.Hour), "ana")

	now := t0.Add(5 * time.Hour)
	rows := f.Rows(r, t0, now, now)
	for id, w := range map[string]struct{ agent, brand string }{
		"a": {"", "NordNetz"}, "b": {"", "staff@community.nordnetz.example"}, "imp": {"ana", ""},
	} {
		row := rowOf(t, rows, id)
		if row.Agent != w.agent || row.BrandAccount != w.brand || row.FirstResponseWallS == nil {
			t.Errorf("%s: agent %q brand_account %q first response %v, want %q %q", id, row.Agent, row.BrandAccount, row.FirstResponseWallS, w.agent, w.brand)
		}
	}
	var keys []string
	for _, g := range f.Summarize(r, t0, now, now, ByAgent, time.UTC).Groups {
		keys = append(keys, g.Key)
	}
	if !slices.Equal(keys, []string{"ana", "brand:NordNetz", "brand:staff@community.nordnetz.example", "all"}) {
		t.Errorf("groups by agent = %q", keys)
	}
}
