package hub

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"switchboard/internal/bench"
)

// BenchmarkScenarioHubIngestTriage: the ingest storm of hub_ingest with
// the triager running (offline classifier on every customer message,
// stored in the log) against the same storm on the same hub without it,
// in the same run; and how long the triager then takes to catch up.
func BenchmarkScenarioHubIngestTriage(b *testing.B) {
	dir := copyHub(b, sharedHub(b))
	secs := 3
	if v, err := strconv.Atoi(os.Getenv("BENCH_INGEST_SECONDS")); err == nil && v > 0 {
		secs = v
	}
	dur := time.Duration(secs) * time.Second
	for b.Loop() {
		l, err := OpenBoltLog(dir)
		if err != nil {
			b.Fatal(err)
		}
		h, err := New(l, Config{Logger: quietLog})
		if err != nil {
			b.Fatal(err)
		}
		var with, without, drains, triaged []float64
		for run := range bench.Runs() {
			base, _, err := ingestStorm(h, 2*run, dur)
			if err != nil {
				b.Fatal(err)
			}
			tr := NewTriager(h, TriageConfig{Backfill: -1})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); tr.Run(ctx) }()
			rate, _, err := ingestStorm(h, 2*run+1, dur)
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			for !tr.CaughtUp() {
				if time.Since(start) > 5*time.Minute {
					b.Fatal("the triager never caught up")
				}
				time.Sleep(time.Millisecond)
			}
			drain := time.Since(start)
			cancel()
			<-done
			with, without = append(with, rate), append(without, base)
			drains, triaged = append(drains, bench.Ms(drain)), append(triaged, float64(tr.Stats().Offline))
		}
		l.Close()
		fmt.Fprintf(os.Stderr, "ingest with triage: runs of %s: %v msgs/s, without %v msgs/s; caught up %v ms after, %v cases triaged\n",
			dur, with, without, drains, triaged)
		bench.Report("ingest_with_triage", bench.Median(with), "msgs/s", bench.Median(without))
		bench.Report("triage_catch_up", bench.Median(drains), "ms", 0)
	}
}
