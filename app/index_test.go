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
	{Sort: SortDue},
	{ActiveOnly: true, Sort: SortScore},
	{SLA: model.SLABreached, Sort: SortDue},
	{SLA: model.SLAAtRisk},
	{ActiveOnly: true, SLAAlert: true, Sort: SortDue},
	{SLA: model.SLAOK, SLAAlert: true}, // none
	{SLA: model.SLABreached, SLAAlert: true},
	{ActiveOnly: true, Relevance: RelevanceChatter, Sort: SortNewest},
	{ActiveOnly: true, Relevance: RelevanceCare, Mine: true},
	{Category: "baggage", Relevance: RelevanceCare},
	{Category: "refund", Lang: "de", Sort: SortScore},
	{Lang: "en", ActiveOnly: true},
	{Lang: "fr"}, // nobody's yet
}

// withTriage gives a generated summary an SLA state, a due time and a
// triage score, as the hub's SLA evaluator and triage set them.
func withTriage(r *rand.Rand, s model.Summary) model.Summary {
	states := []model.SLAState{"", model.SLAOK, model.SLAAtRisk, model.SLABreached}
	s.SLA = states[r.IntN(len(states))]
	s.Due = time.Time{}
	if s.SLA != "" && r.IntN(4) > 0 {
		s.Due = s.Created.Add(time.Duration(r.IntN(48*3600)) * time.Second).UTC()
	}
	s.Score = r.IntN(101)
	s.Category = []string{"", "refund", "baggage", "complaint"}[r.IntN(4)]
	s.Lang = []string{"", "de", "en", "en"}[r.IntN(4)]
	s.Spam = r.IntN(20) == 0
	s.Troll = r.IntN(25) == 0
	s.Irrelevant = r.IntN(8) == 0
	if r.IntN(50) == 0 {
		s.Lang = "fr" // a language that appears later: its view is made then
	}
	return s
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
		s := withTriage(r, c.Summary())
		sums[c.ID] = s
		initial = append(initial, s)
	}
	tb := newTable("me", initial)
	for _, f := range testFilters {
		tb.list(f)
	}
	before := tb.list(Filter{}).snapshot()
	beforeIDs := orderIDs(tb, before)

	check := func(step string) {
		t.Helper()
		for id, want := range sums {
			if got, ok := tb.get(id); !ok || got != want {
				t.Fatalf("%s: summary %s read back as %+v, want %+v", step, id, got, want)
			}
		}
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
			switch r.IntN(7) {
			case 6: // the strings change: kept apart from the row (table.strs)
				s.Preview = fmt.Sprintf("Where is my refund %d?", r.IntN(1_000_000))
				s.Author = genFirst[r.IntN(len(genFirst))] + " Ü"
			case 5:
				s = withTriage(r, s)
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

// The list tree against a naive sorted slice, at a size where it has three
// levels: random inserts, removals and moves (a remove under the old
// values, an insert under the new), with snapshots taken between them that
// must keep their order, and at, from and each agreeing with the slice.
func TestOrderTreeAgainstSortedSlice(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 11))
	const n = 40_000
	tb := &table{rows: make([]row, n)}
	for i := range tb.rows {
		tb.rows[i] = row{id: fmt.Sprintf("r%06d", i), last: int64(r.IntN(1000)), priority: int8(r.IntN(4)), active: r.IntN(3) > 0}
	}
	cmp := cmpPriority
	in := make([]bool, n)
	var ids []rowID
	for i := range n {
		if r.IntN(4) > 0 {
			ids = append(ids, rowID(i))
			in[i] = true
		}
	}
	naive := slices.Clone(ids)
	byRow := func(a, b rowID) int { return cmp(&tb.rows[a], &tb.rows[b]) }
	slices.SortFunc(naive, byRow)
	l := newList(cmp, matcher{}, naive)
	naive = slices.Clone(naive)
	type snap struct {
		o    order
		want []rowID
	}
	var snaps []snap
	check := func(o order, want []rowID, what string) {
		t.Helper()
		if o.n != len(want) {
			t.Fatalf("%s: n = %d, want %d", what, o.n, len(want))
		}
		var got []rowID
		o.each(func(id rowID) bool { got = append(got, id); return true })
		if !slices.Equal(got, want) {
			t.Fatalf("%s: order differs from the sorted slice", what)
		}
		for range 20 {
			if len(want) == 0 {
				break
			}
			i := r.IntN(len(want))
			if o.at(i) != want[i] {
				t.Fatalf("%s: at(%d) = %d, want %d", what, i, o.at(i), want[i])
			}
			var page []rowID
			o.from(i, func(id rowID) bool { page = append(page, id); return len(page) < 50 })
			if w := want[i:min(i+50, len(want))]; !slices.Equal(page, w) {
				t.Fatalf("%s: from(%d) = %v, want %v", what, i, page, w)
			}
		}
	}
	for step := range 60_000 {
		id := rowID(r.IntN(n))
		switch {
		case in[id] && r.IntN(3) == 0: // leaves
			l.remove(tb, id)
			i, _ := slices.BinarySearchFunc(naive, id, byRow)
			naive = slices.Delete(naive, i, i+1)
			in[id] = false
		case in[id]: // moves
			l.remove(tb, id)
			i, _ := slices.BinarySearchFunc(naive, id, byRow)
			naive = slices.Delete(naive, i, i+1)
			tb.rows[id].last = int64(r.IntN(1000))
			tb.rows[id].priority = int8(r.IntN(4))
			fallthrough
		default: // (re)enters
			l.insert(tb, id)
			i, _ := slices.BinarySearchFunc(naive, id, byRow)
			naive = slices.Insert(naive, i, id)
			in[id] = true
		}
		if step%5000 == 0 {
			snaps = append(snaps, snap{l.snapshot(), slices.Clone(naive)})
		}
		if step%997 == 0 {
			check(l.snapshotNoFreeze(), naive, fmt.Sprintf("step %d", step))
		}
	}
	check(l.snapshot(), naive, "end")
	for i, s := range snaps {
		check(s.o, s.want, fmt.Sprintf("snapshot %d", i))
	}
	// Emptied and filled again.
	for _, id := range slices.Clone(naive) {
		l.remove(tb, id)
	}
	check(l.snapshot(), nil, "emptied")
	for i := range 1000 {
		l.insert(tb, rowID(i))
	}
	want := make([]rowID, 1000)
	for i := range want {
		want[i] = rowID(i)
	}
	slices.SortFunc(want, byRow)
	check(l.snapshot(), want, "refilled")
}

// The SLA and triage sorts: the running clocks by the least time left,
// the highest score first, each among the active cases, and a summary
// read back from the index keeps the SLA and triage fields.
func TestIndexSortsBySLADueAndScore(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	mk := func(id string, st model.Status, due time.Duration, score int) model.Summary {
		s := model.Summary{ID: id, Status: st, Created: now, LastMessageAt: now, Score: score, SLA: model.SLAOK,
			Category: "refund", Urgency: "high", Sentiment: "negative", Lang: "de", TriageSource: "offline", Troll: score == 7}
		if due != 0 {
			s.Due = now.Add(due)
		}
		return s
	}
	tb := newTable("me", []model.Summary{
		mk("a", model.StatusOpen, 0, 90),
		mk("b", model.StatusOpen, 2*time.Hour, 10),
		mk("c", model.StatusNew, -time.Hour, 50), // overdue
		mk("d", model.StatusSolved, -3*time.Hour, 99),
		mk("e", model.StatusPending, time.Hour, 7),
	})
	for _, tc := range []struct {
		sort Sort
		want []string
	}{
		{SortDue, []string{"c", "e", "b", "a", "d"}},
		{SortScore, []string{"a", "c", "b", "e", "d"}},
	} {
		if got := orderIDs(tb, tb.list(Filter{Sort: tc.sort}).snapshot()); !slices.Equal(got, tc.want) {
			t.Errorf("%v: %v, want %v", tc.sort, got, tc.want)
		}
	}
	want := mk("e", model.StatusPending, time.Hour, 7)
	want.Due = want.Due.UTC()
	if got, _ := tb.get("e"); got != want {
		t.Errorf("summary read back: %+v, want %+v", got, want)
	}
}

// The start-up sort of a big queue (two halves on two cores, merged)
// gives the order of a full sort.
func TestIndexStartupSortOfABigQueue(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 1))
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	sums := map[string]model.Summary{}
	var initial []model.Summary
	for i := range 40_000 {
		c, _ := genCase(r, i, now)
		s := c.Summary()
		if i%7 == 0 {
			s.LastMessageAt = now // ties broken by the id
		}
		sums[s.ID] = s
		initial = append(initial, s)
	}
	tb := newTable("me", initial)
	if got, want := orderIDs(tb, tb.list(Filter{}).snapshot()), fullSort(tb, sums, Filter{}); !slices.Equal(got, want) {
		t.Fatal("the start-up order differs from a full sort")
	}
}

// A case given twice to a new table is filed once, as given last.
func TestIndexNewTableKeepsTheLastOfAnID(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	a := model.Summary{ID: "x", Status: model.StatusOpen, Author: "first", Created: now}
	b := model.Summary{ID: "x", Status: model.StatusSolved, Author: "second", Created: now}
	c := model.Summary{ID: "y", Status: model.StatusNew, Created: now}
	tb := newTable("me", []model.Summary{a, c, b})
	if tb.nlive != 2 {
		t.Errorf("nlive = %d, want 2", tb.nlive)
	}
	if got, _ := tb.get("x"); got.Author != "second" || got.Status != model.StatusSolved {
		t.Errorf("x = %+v, want the last one", got)
	}
	if got := orderIDs(tb, tb.list(Filter{}).snapshot()); !slices.Equal(got, []string{"y", "x"}) {
		t.Errorf("queue = %v", got)
	}
}
