package hub

import (
	"fmt"
	"os"
	"testing"
	"time"

	"switchboard/internal/bench"
)

// BenchmarkExpertsRestart: the expert directory's first fold after a hub
// start at bench.N() cases, folding the whole log (before issue 10's saved
// fold) and resuming the saved fold (after). Printed, not a scenario of
// make bench.
func BenchmarkExpertsRestart(b *testing.B) {
	dir := copyHub(b, sharedHub(b))
	first := func(resume bool) time.Duration {
		l, err := OpenBoltLog(dir)
		if err != nil {
			b.Fatal(err)
		}
		defer l.Close()
		h, err := New(l, Config{Logger: quietLog})
		if err != nil {
			b.Fatal(err)
		}
		x := NewExperts(h)
		x.resumed = !resume
		t0 := time.Now()
		if err := x.sync(); err != nil {
			b.Fatal(err)
		}
		d := time.Since(t0)
		if !resume {
			if err := x.save(true); err != nil {
				b.Fatal(err)
			}
		}
		return d
	}
	for b.Loop() {
		var full, resumed []float64
		for range bench.Runs() {
			full = append(full, first(false).Seconds())
			resumed = append(resumed, first(true).Seconds())
		}
		l, err := OpenBoltLog(dir)
		if err != nil {
			b.Fatal(err)
		}
		rec, err := l.loadExpertsFold()
		l.Close()
		if err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(os.Stderr, "experts_restart: %d cases: whole-log fold %.3f s, resumed %.4f s (medians of %d); saved fold %d bytes\n",
			benchCases, bench.Median(full), bench.Median(resumed), len(full), len(rec))
	}
}
