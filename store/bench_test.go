package store_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

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
