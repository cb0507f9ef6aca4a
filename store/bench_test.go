package store_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"switchboard/model"
	"switchboard/store"
)

func benchEvents(from, n int) []model.Event {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	evs := make([]model.Event, n)
	for i := range evs {
		seq := from + i
		c := &model.Case{ID: fmt.Sprintf("case-%07d", seq), Channel: model.ChannelTwitter, Subject: "my bag did not arrive in Lisbon, file LIS-SW-20931",
			Author: model.Identity{Handle: fmt.Sprintf("@user%d", seq), DisplayName: "Some One", Followers: seq % 50_000},
			Status: model.StatusNew, Created: now, LastMessageAt: now, Version: 1}
		evs[i] = model.Event{Seq: uint64(seq), Type: model.EventCaseUpserted, Time: now, Case: c}
	}
	return evs
}

// BenchmarkApply compares applying 1,000 events one transaction each (the
// baseline) with one transaction per page, as the sync client does.
func BenchmarkApply(b *testing.B) {
	for _, page := range []int{1, 1000} {
		b.Run(fmt.Sprintf("page=%d", page), func(b *testing.B) {
			st, err := store.Open(filepath.Join(b.TempDir(), "c.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			next := 1
			b.ResetTimer()
			for b.Loop() {
				evs := benchEvents(next, 1000)
				for i := 0; i < len(evs); i += page {
					if _, err := st.Apply(evs[i : i+page]); err != nil {
						b.Fatal(err)
					}
				}
				next += 1000
			}
			b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkSummaries reads the queue records of 100,000 cached cases, what
// the console does at start-up, in their binary form. The baseline decodes
// the same records from JSON in memory, as the first cache format stored
// them.
func BenchmarkSummaries(b *testing.B) {
	st, err := store.Open(filepath.Join(b.TempDir(), "c.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	for i := 1; i <= 100_000; i += 1000 {
		if _, err := st.Apply(benchEvents(i, 1000)); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("summaries", func(b *testing.B) {
		for b.Loop() {
			sums, err := st.Summaries()
			if err != nil || len(sums) != 100_000 {
				b.Fatal(len(sums), err)
			}
		}
	})
	sums, _ := st.Summaries()
	raws := make([][]byte, len(sums))
	for i, s := range sums {
		raws[i], _ = json.Marshal(s)
	}
	b.Run("baseline=json-from-memory", func(b *testing.B) {
		for b.Loop() {
			out := make([]model.Summary, len(raws))
			for i, r := range raws {
				if err := json.Unmarshal(r, &out[i]); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// BenchmarkApplyOverwrite applies pages of 1,000 updates of cases the
// cache holds (a replay, where every message re-upserts its case). The
// baseline puts the same records (case JSON, summary, by_customer key) in
// raw bbolt transactions of the same size, encoded beforehand.
func BenchmarkApplyOverwrite(b *testing.B) {
	dir := b.TempDir()
	st, err := store.Open(filepath.Join(dir, "c.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	const cases = 10_000
	for i := 1; i <= cases; i += 1000 {
		if _, err := st.Apply(benchEvents(i, 1000)); err != nil {
			b.Fatal(err)
		}
	}
	next := cases + 1
	b.Run("apply", func(b *testing.B) {
		for b.Loop() {
			evs := benchEvents(1+(next-1)%cases, 1000)
			for i := range evs {
				evs[i].Seq = uint64(next + i)
				evs[i].Case.CustomerID = fmt.Sprintf("C%d", next%7)
			}
			if _, err := st.Apply(evs); err != nil {
				b.Fatal(err)
			}
			next += 1000
		}
		b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("baseline=raw-bbolt-puts", func(b *testing.B) {
		db, err := bolt.Open(filepath.Join(dir, "raw.db"), 0o600, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		type kv struct{ k, full, sum, cust []byte }
		page := func(from int) []kv {
			evs := benchEvents(from, 1000)
			recs := make([]kv, len(evs))
			for i, ev := range evs {
				full, _ := json.Marshal(ev.Case)
				recs[i] = kv{[]byte(ev.Case.ID), full, full[:80], []byte("C1\x00" + ev.Case.ID)}
			}
			return recs
		}
		put := func(recs []kv) error {
			return db.Update(func(tx *bolt.Tx) error {
				for _, name := range []string{"cases", "summaries", "by_customer"} {
					if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
						return err
					}
				}
				for _, r := range recs {
					_ = tx.Bucket([]byte("cases")).Put(r.k, r.full)
					_ = tx.Bucket([]byte("summaries")).Put(r.k, r.sum)
					_ = tx.Bucket([]byte("by_customer")).Put(r.cust, nil)
				}
				return nil
			})
		}
		// The same 10,000 records as the cache, then pages of overwrites.
		var pages [][]kv
		for i := 1; i <= cases; i += 1000 {
			pages = append(pages, page(i))
			if err := put(pages[len(pages)-1]); err != nil {
				b.Fatal(err)
			}
		}
		n := 0
		for b.Loop() {
			if err := put(pages[n%len(pages)]); err != nil {
				b.Fatal(err)
			}
			n++
		}
		b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "events/s")
	})
}
