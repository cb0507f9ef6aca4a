package hub_test

import (
	"fmt"
	"log/slog"
	"testing"

	"switchboard/model"
	"switchboard/sync/hub"
)

func benchCustomers(n int) []model.Customer {
	cs := make([]model.Customer, n)
	for i := range cs {
		cs[i] = model.Customer{ID: fmt.Sprint(100001 + i), Name: fmt.Sprint("Customer ", i), Tier: "silver", LifetimeValue: float64(i),
			Handles: []model.Identity{{Platform: model.ChannelTwitter, Handle: fmt.Sprint("@c", i)}}}
	}
	return cs
}

func benchHub(b *testing.B) *hub.Hub {
	l, err := hub.OpenBoltLog(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	h, err := hub.New(l, hub.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	return h
}

// BenchmarkImportCustomers imports 1,000 new CRM records: one log
// transaction per record (the baseline) against a page per transaction.
func BenchmarkImportCustomers(b *testing.B) {
	cs := benchCustomers(1000)
	b.Run("one-by-one", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			h := benchHub(b)
			b.StartTimer()
			for _, c := range cs {
				if _, err := h.UpsertCustomer(c); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("paged", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			h := benchHub(b)
			b.StartTimer()
			if _, err := h.UpsertCustomers(cs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unchanged", func(b *testing.B) {
		h := benchHub(b)
		if _, err := h.UpsertCustomers(cs); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := h.UpsertCustomers(cs); err != nil {
				b.Fatal(err)
			}
		}
	})
}
