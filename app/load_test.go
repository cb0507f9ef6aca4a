package app

import (
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"switchboard/model"
	"switchboard/store"
)

// The start-up load (summary records decoded in place, ids sharing a
// string per page) makes the same table as filing the same summaries one
// by one: every row reads back as the cache's summary, every field, and
// the kept order and view counts are the same. More cases than one load
// page, with the SLA, triage and public fields set on some.
func TestLoadTableEqualsSummariesFiled(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "console.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := rand.New(rand.NewPCG(11, 3))
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	const n = loadPage*2 + 123
	var evs []model.Event
	var seq uint64
	for i := range n {
		c, msgs := genCase(r, i, now)
		if r.IntN(3) > 0 {
			states := []model.SLAState{model.SLAOK, model.SLAAtRisk, model.SLABreached}
			c.SLA = &model.CaseSLA{Policy: "std", State: states[r.IntN(3)], FirstResponseDue: now.Add(time.Duration(r.IntN(7200)) * time.Second)}
		}
		if r.IntN(2) == 0 {
			c.Triage = &model.CaseTriage{Category: []string{"refund", "baggage", "complaint"}[r.IntN(3)], UrgencyLabel: "high",
				SentimentLabel: "negative", Lang: []string{"en", "de"}[r.IntN(2)], Source: "rules", Score: r.IntN(101),
				Troll: float64(r.IntN(2)), Spam: float64(r.IntN(2)), Relevant: r.IntN(4) > 0}
		}
		c.Public = r.IntN(2) == 0
		seq++
		evs = append(evs, model.Event{Seq: seq, Type: model.EventCaseUpserted, Time: c.Created, Case: c})
		for _, m := range msgs {
			seq++
			m.Seq = seq
			evs = append(evs, model.Event{Seq: seq, Type: model.EventMessageAdded, Time: m.Time, Message: m})
		}
		if len(evs) > 2000 || i == n-1 {
			if _, err := st.Apply(evs); err != nil {
				t.Fatal(err)
			}
			evs = evs[:0]
		}
	}
	sums, err := st.Summaries()
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != n {
		t.Fatalf("%d summaries, want %d", len(sums), n)
	}
	loaded, err := loadRecords("agent-1", st)
	if err != nil {
		t.Fatal(err)
	}
	filed := newTable("agent-1", sums)
	if loaded.nlive != n || len(loaded.rows) != n {
		t.Fatalf("loaded %d live of %d rows, want %d", loaded.nlive, len(loaded.rows), n)
	}
	var triaged, public, sla int
	for _, s := range sums {
		got, ok := loaded.get(s.ID)
		if !ok {
			t.Fatalf("%s not loaded", s.ID)
		}
		if got != s {
			t.Fatalf("%s loaded as\n%+v\nwant\n%+v", s.ID, got, s)
		}
		if s.Category != "" {
			triaged++
		}
		if s.Public {
			public++
		}
		if !s.Due.IsZero() {
			sla++
		}
	}
	if triaged == 0 || public == 0 || sla == 0 {
		t.Fatalf("the data lacks triage (%d), public (%d) or due (%d) cases", triaged, public, sla)
	}
	for _, f := range testFilters {
		if got, want := orderIDs(loaded, loaded.list(f).snapshot()), orderIDs(filed, filed.list(f).snapshot()); !slices.Equal(got, want) {
			t.Fatalf("filter %+v: the loaded order differs from the filed one", f)
		}
	}
	if got, want := loaded.viewCounts(), filed.viewCounts(); !slices.Equal(got, want) {
		t.Fatalf("view counts %v, want %v", got, want)
	}
}

// recordOf is s as ReadSummaryRecords hands it over.
func recordOf(s model.Summary) store.SummaryRecord {
	ns := func(t time.Time) int64 {
		if t.IsZero() {
			return 0
		}
		return t.UnixNano()
	}
	return store.SummaryRecord{
		ID: []byte(s.ID), Channel: []byte(s.Channel), Author: []byte(s.Author), Handle: []byte(s.Handle),
		Reach: []byte(s.Reach), Preview: []byte(s.Preview), Status: []byte(s.Status), Assignee: []byte(s.Assignee),
		CustomerID: []byte(s.CustomerID), Priority: int64(s.Priority),
		Created: ns(s.Created), LastMessageAt: ns(s.LastMessageAt), WaitingSince: ns(s.WaitingSince),
		MessageCount: uint64(s.MessageCount), Version: s.Version, SLA: []byte(s.SLA), Due: ns(s.Due),
		Category: []byte(s.Category), Urgency: []byte(s.Urgency), Sentiment: []byte(s.Sentiment), Lang: []byte(s.Lang),
		TriageSource: []byte(s.TriageSource), Score: int64(s.Score),
		Troll: s.Troll, Spam: s.Spam, Irrelevant: s.Irrelevant, Public: s.Public,
	}
}

// The loader sizes the rows for the count it is told; more records than
// that (the rows move while the filer goroutine works on them) and fewer
// still make the table of the summaries, with or without the filer.
func TestLoaderFilesMoreOrFewerRowsThanCounted(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 5))
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	var sums []model.Summary
	for i := range 3*loadPage + 7 {
		c, _ := genCase(r, i, now)
		sums = append(sums, withTriage(r, c.Summary()))
	}
	want := newTable("me", sums)
	for _, count := range []int{0, 10, 2 * loadPage, len(sums), 2 * len(sums)} {
		var ld loader
		ld.start("me", count)
		for _, s := range sums {
			rec := recordOf(s)
			ld.add(&rec)
		}
		ld.stop()
		ld.t.ready()
		for _, s := range sums {
			if got, _ := ld.t.get(s.ID); got != s {
				t.Fatalf("count %d: %s loaded as\n%+v\nwant\n%+v", count, s.ID, got, s)
			}
		}
		if got, want := orderIDs(ld.t, ld.t.list(Filter{}).snapshot()), orderIDs(want, want.list(Filter{}).snapshot()); !slices.Equal(got, want) {
			t.Fatalf("count %d: the order differs", count)
		}
		if ld.t.nlive != len(sums) {
			t.Fatalf("count %d: nlive %d", count, ld.t.nlive)
		}
	}
}
