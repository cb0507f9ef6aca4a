package app

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"switchboard/model"
)

// fullSort is the queue of f the slow way: every summary filtered, then
// sorted, as the console did before the index.
func fullSort(t *table, sums map[string]model.Summary, f Filter) []string {
	f = t.resolve(f)
	var rows []row
	for _, s := range sums {
		if f.Match(s) {
			var r row
			r.id = s.ID
			t.set(&r, &s)
			rows = append(rows, r)
		}
	}
	cmp := cmpOf(f.Sort)
	slices.SortFunc(rows, func(a, b row) int { return cmp(&a, &b) })
	ids := make([]string, len(rows))
	for i := range rows {
		ids[i] = rows[i].id
	}
	return ids
}

func orderIDs(t *table, o order) []string {
	var ids []string
	o.each(func(id rowID) bool { ids = append(ids, t.rows[id].id); return true })
	return ids
}

var testFilters = []Filter{
	{},
	{ActiveOnly: true},
	{Sort: SortNewest},
	{Sort: SortOldestWaiting, Waiting: true},
	{Sort: SortReach, ActiveOnly: true},
	{Channel: model.ChannelFacebook, Sort: SortNewest},
	{Mine: true, ActiveOnly: true},
	{Unassigned: true},
	{Assignee: "ben", Status: model.StatusOpen},
	{Done: true},
	{Reach: model.ReachInfluencer, Sort: SortReach},
}

// A few thousand cases changed at random: every kept list stays in the
// order a full sort gives, the view counts stay equal to a recount, and a
// snapshot taken before the changes keeps its order.
func TestIndexOrderAfterChangesEqualsFullSort(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	sums := map[string]model.Summary{}
	var initial []model.Summary
	for i := range 3000 {
		c, _ := genCase(r, i, now)
		sums[c.ID] = c.Summary()
		initial = append(initial, c.Summary())
	}
	tb := newTable("me", initial)
	for _, f := range testFilters {
		tb.list(f)
	}
	before := tb.list(Filter{}).snapshot()
	beforeIDs := orderIDs(tb, before)

	check := func(step string) {
		t.Helper()
		for _, f := range testFilters {
			got := orderIDs(tb, tb.list(f).snapshot())
			if want := fullSort(tb, sums, f); !slices.Equal(got, want) {
				t.Fatalf("%s: list %+v: %d rows differ from a full sort of %d", step, f, len(got), len(want))
			}
		}
		for i, v := range tb.views {
			n := 0
			f := tb.resolve(v.Filter)
			for _, s := range sums {
				if f.Match(s) {
					n++
				}
			}
			if tb.count[i] != n {
				t.Fatalf("%s: view %q counts %d, a recount %d", step, v.Name, tb.count[i], n)
			}
		}
	}
	check("start")
	statuses := []model.Status{model.StatusNew, model.StatusOpen, model.StatusPending, model.StatusSolved, model.StatusClosed}
	for round := range 20 {
		for range 150 {
			var s model.Summary
			if r.IntN(10) == 0 {
				c, _ := genCase(r, 3000+len(sums), now) // a new case
				s = c.Summary()
			} else {
				s = sums[fmt.Sprintf("case-%07d", r.IntN(3000))]
			}
			switch r.IntN(5) {
			case 0:
				s.Status = statuses[r.IntN(len(statuses))]
			case 1:
				s.Priority = model.Priority(r.IntN(4))
			case 2:
				s.LastMessageAt = s.LastMessageAt.Add(time.Duration(r.IntN(7200)) * time.Second)
				s.WaitingSince = s.LastMessageAt
			case 3:
				s.Assignee = genAgents[r.IntN(len(genAgents))]
			case 4:
				s.Reach = []model.Reach{model.ReachNone, model.ReachHigh, model.ReachNotable}[r.IntN(3)]
			}
			s.Version++
			sums[s.ID] = s
			tb.put(s)
		}
		check(fmt.Sprintf("round %d", round))
	}
	if got := orderIDs(tb, before); !slices.Equal(got, beforeIDs) {
		t.Error("a snapshot changed under its reader")
	}
	if tb.nlive != len(sums) {
		t.Errorf("nlive = %d, want %d", tb.nlive, len(sums))
	}
}

// A list starts empty and fills one case at a time (an initial sync):
// chunks split and stay in order.
func TestIndexFillsFromEmpty(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	tb := newTable("me", nil)
	tb.list(Filter{ActiveOnly: true, Sort: SortNewest})
	sums := map[string]model.Summary{}
	for i := range 5000 {
		c, _ := genCase(r, i, now)
		sums[c.ID] = c.Summary()
		tb.put(c.Summary())
	}
	for _, f := range []Filter{{}, {ActiveOnly: true, Sort: SortNewest}} {
		got := orderIDs(tb, tb.list(f).snapshot())
		if want := fullSort(tb, sums, f); !slices.Equal(got, want) {
			t.Fatalf("list %+v differs from a full sort", f)
		}
	}
	o := tb.list(Filter{}).snapshot()
	for _, i := range []int{0, 1, 511, 512, 2500, 4999} {
		if got, want := tb.rows[o.at(i)].id, orderIDs(tb, o)[i]; got != want {
			t.Errorf("at(%d) = %s, want %s", i, got, want)
		}
	}
}
