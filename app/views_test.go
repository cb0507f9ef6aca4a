package app

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"switchboard/model"
)

func viewCount(t *testing.T, tb *table, group, name string) (int, bool) {
	t.Helper()
	for _, v := range tb.viewCounts() {
		if v.Group == group && v.Name == name {
			return v.Count, true
		}
	}
	return 0, false
}

// The SLA, chatter, category and language views: brand chatter has its
// own view and leaves the work views (All keeps it); a view per category
// and per language present, made when the first case of a value arrives,
// counted live.
func TestViewsChatterSLAAndFacets(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	mk := func(id string, sla model.SLAState, cat, lang string, chatter bool) model.Summary {
		return model.Summary{ID: id, Status: model.StatusOpen, Created: now, LastMessageAt: now, WaitingSince: now,
			SLA: sla, Category: cat, Lang: lang, Irrelevant: chatter}
	}
	tb := newTable("me", []model.Summary{
		mk("a", model.SLAOK, "baggage", "de", false),
		mk("b", model.SLAAtRisk, "baggage", "en", false),
		mk("c", model.SLABreached, "booking", "en", false),
		mk("d", "", "other", "en", true), // chatter
		mk("e", model.SLABreached, "", "", true),
	})
	want := map[[2]string]int{
		{"", "All open"}: 3, {"", "Customer waiting"}: 3, {"", "Unassigned"}: 3,
		{"", "SLA at risk or breached"}: 2, {"", "SLA breached"}: 1,
		{"", "Brand chatter"}: 2, {"", "All"}: 5,
		{GroupCategory, "baggage"}: 2, {GroupCategory, "booking"}: 1, {GroupCategory, "other"}: 0,
		{GroupLang, "de"}: 1, {GroupLang, "en"}: 2,
	}
	check := func(step string) {
		t.Helper()
		for k, n := range want {
			if got, ok := viewCount(t, tb, k[0], k[1]); !ok || got != n {
				t.Errorf("%s: view %v counts %d (present %v), want %d", step, k, got, ok, n)
			}
		}
	}
	check("start")
	var groups []string
	for _, v := range tb.viewCounts() {
		groups = append(groups, v.Group+":"+v.Name)
	}
	if i, j := slices.Index(groups, "category:booking"), slices.Index(groups, "lang:de"); i < 0 || j < i ||
		slices.Index(groups, "category:baggage") > i || slices.Index(groups, ":All") > i {
		t.Errorf("view order %v: the queue's views, then the categories, then the languages, each by name", groups)
	}

	// A new category and language arrive; a chatter case becomes a care
	// case; one leaves the SLA alert.
	tb.put(mk("f", model.SLAAtRisk, "refund", "fr", false))
	d := mk("d", "", "other", "en", false)
	tb.put(d)
	tb.put(mk("b", model.SLAOK, "baggage", "en", false))
	want[[2]string{GroupCategory, "refund"}] = 1
	want[[2]string{GroupLang, "fr"}] = 1
	want[[2]string{GroupLang, "en"}] = 3
	want[[2]string{GroupCategory, "other"}] = 1
	want[[2]string{"", "All open"}] = 5
	want[[2]string{"", "Customer waiting"}] = 5
	want[[2]string{"", "Unassigned"}] = 5
	want[[2]string{"", "Brand chatter"}] = 1
	want[[2]string{"", "All"}] = 6
	check("after changes")
	if got := orderIDs(tb, tb.list(Filter{ActiveOnly: true, Relevance: RelevanceChatter}).snapshot()); !slices.Equal(got, []string{"e"}) {
		t.Errorf("chatter list %v, want [e]", got)
	}
	if got := orderIDs(tb, tb.list(Filter{Lang: "fr"}).snapshot()); !slices.Equal(got, []string{"f"}) {
		t.Errorf("fr list %v, want [f]", got)
	}
	got := orderIDs(tb, tb.list(Filter{ActiveOnly: true, SLAAlert: true, Relevance: RelevanceCare, Sort: SortDue}).snapshot())
	slices.Sort(got)
	if !slices.Equal(got, []string{"c", "f"}) {
		t.Errorf("SLA alert list %v, want c and f", got)
	}
	// Every view of a table of 3000 random cases: one per value present.
	r := rand.New(rand.NewPCG(5, 5))
	var sums []model.Summary
	for i := range 3000 {
		c, _ := genCase(r, i, now)
		sums = append(sums, withTriage(r, c.Summary()))
	}
	big := newTable("me", sums)
	for _, s := range sums {
		for g, v := range map[string]string{GroupCategory: s.Category, GroupLang: s.Lang} {
			if v == "" {
				continue
			}
			if _, ok := viewCount(t, big, g, v); !ok {
				t.Fatalf("no %s view of %q", g, v)
			}
		}
	}
}

// queueRank is the documented order of the queue (cmpQueue's comment),
// written again from the summary: tier, then the adjusted due time or
// the points, then the customer waiting longest, the latest activity and
// the id.
func queueRank(a, b model.Summary) int {
	key := func(s model.Summary) (int, int64) {
		if !s.Status.Active() {
			return 4, 0
		}
		pts := int64(s.Score) + map[model.Priority]int64{model.PriorityUrgent: 25, model.PriorityHigh: 10, model.PriorityLow: -10}[s.Priority]
		tier := 0
		if s.Troll || s.Spam {
			tier = 2
		}
		var due time.Time
		switch {
		case !s.Due.IsZero():
			due = s.Due
		case !s.WaitingSince.IsZero():
			due = s.WaitingSince.Add(time.Hour)
		default:
			return tier + 1, -pts
		}
		return tier, due.Add(-time.Duration(pts) * 3 * time.Minute).UnixNano()
	}
	at, ak := key(a)
	bt, bk := key(b)
	wait := func(s model.Summary) int64 {
		if !s.Status.Active() || s.WaitingSince.IsZero() {
			return 1<<63 - 1
		}
		return s.WaitingSince.UnixNano()
	}
	return cmp.Or(cmp.Compare(at, bt), cmp.Compare(ak, bk), cmp.Compare(wait(a), wait(b)),
		b.LastMessageAt.Compare(a.LastMessageAt), cmp.Compare(a.ID, b.ID))
}

// The queue's default order at a few thousand cases is the priority score
// with the live due time: equal to the documented rank, kept so as cases
// change; a customer waiting 26 hours is above fresh cases of the same
// score (before, the newest activity came first within a priority);
// trolls and spam come after every open care case, never hidden.
func TestQueueDefaultOrderIsScoreWithTimeLeft(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 2))
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	sums := map[string]model.Summary{}
	var initial []model.Summary
	for i := range 4000 {
		c, _ := genCase(r, i, now)
		s := withTriage(r, c.Summary())
		if r.IntN(3) == 0 {
			s.Due = time.Time{} // no SLA: an hour after the customer started waiting
		}
		sums[s.ID] = s
		initial = append(initial, s)
	}
	// The customer waiting 26 hours and a fresh tweet, same score and
	// priority, both breached/ok on the same SLA of one hour.
	old := model.Summary{ID: "old-wait", Status: model.StatusOpen, Priority: model.PriorityNormal, Score: 40,
		Created: now.Add(-26 * time.Hour), LastMessageAt: now.Add(-26 * time.Hour), WaitingSince: now.Add(-26 * time.Hour),
		SLA: model.SLABreached, Due: now.Add(-25 * time.Hour)}
	fresh := model.Summary{ID: "fresh", Status: model.StatusOpen, Priority: model.PriorityNormal, Score: 40,
		Created: now, LastMessageAt: now, WaitingSince: now, SLA: model.SLAOK, Due: now.Add(time.Hour)}
	for _, s := range []model.Summary{old, fresh} {
		sums[s.ID] = s
		initial = append(initial, s)
	}
	tb := newTable("me", initial)
	want := func() []string {
		all := slices.Collect(func(yield func(model.Summary) bool) {
			for _, s := range sums {
				if !yield(s) {
					return
				}
			}
		})
		slices.SortFunc(all, queueRank)
		ids := make([]string, len(all))
		for i, s := range all {
			ids[i] = s.ID
		}
		return ids
	}
	check := func(step string) {
		t.Helper()
		got := orderIDs(tb, tb.list(Filter{}).snapshot())
		if w := want(); !slices.Equal(got, w) {
			for i := range got {
				if got[i] != w[i] {
					t.Fatalf("%s: the queue differs from the documented order at %d: %s, want %s", step, i, got[i], w[i])
				}
			}
			t.Fatalf("%s: %d cases listed, want %d", step, len(got), len(w))
		}
		pos := map[string]int{}
		for i, id := range got {
			pos[id] = i
		}
		if pos["old-wait"] > pos["fresh"] {
			t.Errorf("%s: the customer waiting 26 h is at %d, below the fresh case at %d", step, pos["old-wait"], pos["fresh"])
		}
		lastCare, firstDemoted, firstDone := -1, len(got), len(got)
		for i, id := range got {
			s := sums[id]
			switch {
			case !s.Status.Active():
				firstDone = min(firstDone, i)
			case s.Troll || s.Spam:
				firstDemoted = min(firstDemoted, i)
			default:
				lastCare = i
			}
		}
		if lastCare > firstDemoted || firstDemoted > firstDone {
			t.Errorf("%s: last care case at %d, first troll/spam at %d, first done at %d", step, lastCare, firstDemoted, firstDone)
		}
	}
	check("start")
	tb.list(Filter{ActiveOnly: true}) // a kept list moved change by change, too
	for round := range 5 {
		for range 300 {
			s := sums[initial[r.IntN(len(initial))].ID]
			switch r.IntN(4) {
			case 0:
				s = withTriage(r, s)
			case 1:
				s.Priority = model.Priority(r.IntN(4))
			case 2:
				s.WaitingSince = now.Add(-time.Duration(r.IntN(48*3600)) * time.Second)
				s.Due = s.WaitingSince.Add(time.Hour)
			case 3:
				s.Status = []model.Status{model.StatusOpen, model.StatusSolved, model.StatusNew}[r.IntN(3)]
			}
			if s.ID == "old-wait" || s.ID == "fresh" {
				continue
			}
			s.Version++
			sums[s.ID] = s
			tb.put(s)
		}
		check("round " + string(rune('0'+round)))
		var active []string
		for _, id := range want() {
			if sums[id].Status.Active() {
				active = append(active, id)
			}
		}
		if got := orderIDs(tb, tb.list(Filter{ActiveOnly: true}).snapshot()); !slices.Equal(got, active) {
			t.Fatalf("round %d: the open cases' kept list differs from the documented order", round)
		}
	}
}

// Saved views: saved, renamed and deleted by name; kept per agent in the
// settings file across a restart; counted live with the queue's views
// (a search text by a search), also after the cache is rebuilt.
func TestSavedViews(t *testing.T) {
	var vs []SavedView
	var err error
	mine := Filter{ActiveOnly: true, Mine: true, Channel: model.ChannelTwitter, Sort: SortDue}
	if vs, err = SaveView(vs, "  My  X ", mine); err != nil || len(vs) != 1 || vs[0].Name != "My X" {
		t.Fatalf("save: %v %+v", err, vs)
	}
	if _, err := SaveView(vs, "  ", mine); err != ErrViewName {
		t.Errorf("an empty name: %v", err)
	}
	vs, _ = SaveView(vs, "refunds", Filter{Text: "refund", ActiveOnly: true})
	if again, _ := SaveView(vs, "MY x", Filter{Done: true}); len(again) != 2 || again[0].Filter != (Filter{Done: true}) || vs[0].Filter != mine {
		t.Errorf("saving under a name taken replaces that view (and leaves vs): %+v / %+v", again, vs)
	}
	if _, err := RenameView(vs, "refunds", "my x"); err != ErrViewTaken {
		t.Errorf("rename onto another's name: %v", err)
	}
	if _, err := RenameView(vs, "nope", "x"); err != ErrViewNone {
		t.Errorf("rename of none: %v", err)
	}
	vs, err = RenameView(vs, "refunds", "Refunds open")
	if err != nil || vs[1].Name != "Refunds open" {
		t.Fatalf("rename: %v %+v", err, vs)
	}

	// Per agent, in the settings file, across a restart.
	dir := t.TempDir()
	var s Settings
	s.SetSavedViews("ben", vs)
	s.SetSavedViews("ada", []SavedView{{Name: "Ada's", Filter: Filter{Unassigned: true}}})
	if err := SaveSettings(dir, s); err != nil {
		t.Fatal(err)
	}
	back, err := LoadSettings(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := back.SavedViews("ben"); !slices.Equal(got, vs) {
		t.Errorf("ben's views after a restart: %+v, want %+v", got, vs)
	}
	if got := back.SavedViews("ada"); len(got) != 1 || got[0].Filter != (Filter{Unassigned: true}) {
		t.Errorf("ada's views: %+v", got)
	}
	if got := back.SavedViews("cleo"); len(got) != 0 {
		t.Errorf("cleo has none: %+v", got)
	}

	// Counted live.
	c, _ := openGenerated(t, 300)
	waitSearch(t, c)
	c.SetSavedViews(append(vs, SavedView{Name: "FB unassigned", Filter: Filter{Unassigned: true, Channel: model.ChannelFacebook}}))
	count := func(name string) int {
		t.Helper()
		for _, v := range c.Views() {
			if v.Group == GroupSaved && v.Name == name {
				return v.Count
			}
		}
		t.Fatalf("no saved view %q in %+v", name, c.Views())
		return 0
	}
	check := func(step string) {
		t.Helper()
		for _, v := range c.SavedViews() {
			if got, want := count(v.Name), len(c.Queue(v.Filter)); got != want {
				t.Errorf("%s: saved view %q counts %d, its queue lists %d", step, v.Name, got, want)
			}
		}
	}
	check("start")
	if count("FB unassigned") == 0 || count("Refunds open") == 0 {
		t.Fatalf("the generated queue should have cases in both: %d, %d", count("FB unassigned"), count("Refunds open"))
	}
	// A change: an unassigned Facebook case is claimed.
	q := c.Queue(Filter{Unassigned: true, Channel: model.ChannelFacebook})
	before := count("FB unassigned")
	s0 := q[0]
	s0.Assignee, s0.Version = "ben", s0.Version+1
	c.mu.Lock()
	c.t.put(s0)
	c.mu.Unlock()
	if got := count("FB unassigned"); got != before-1 {
		t.Errorf("after a claim FB unassigned counts %d, want %d", got, before-1)
	}
	check("after a change")
	// Deleted: gone from the counts; the cache rebuilt: the table made
	// anew counts them again.
	vs2, _ := DeleteView(c.SavedViews(), "my x")
	c.SetSavedViews(vs2)
	for _, v := range c.Views() {
		if v.Group == GroupSaved && v.Name == "My X" {
			t.Error("a deleted view is still counted")
		}
	}
	c.mu.Lock()
	c.t = newTable(c.Me(), nil)
	c.mu.Unlock()
	n := 0
	for _, v := range c.Views() {
		if v.Group == GroupSaved {
			n++
		}
	}
	if n != 2 {
		t.Errorf("a new table counts %d saved views, want 2", n)
	}
}
