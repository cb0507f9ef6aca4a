package hub_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/internal/bench"
	"switchboard/internal/natstest"
	"switchboard/model"
	"switchboard/sync/hub"
)

// BenchmarkScenarioJSIngest: an ingest storm (64 callers, one in five
// messages a new thread) on a hub whose log is a JetStream stream (one
// in-process node), against the same storm on a bbolt hub in the same run.
func BenchmarkScenarioJSIngest(b *testing.B) {
	secs := 3
	if v, err := strconv.Atoi(os.Getenv("BENCH_INGEST_SECONDS")); err == nil && v > 0 {
		secs = v
	}
	dur := time.Duration(secs) * time.Second
	// BENCH_JS_NODES=3: on a three-node loopback cluster, R3 (docs/scale.md).
	urls, replicas := "", 1
	if os.Getenv("BENCH_JS_NODES") == "3" {
		urls, replicas = natstest.StartCluster(b, 3, b.TempDir()).URLs(), 3
	} else {
		urls = natstest.Start(b, b.TempDir()).ClientURL()
	}
	for b.Loop() {
		var rates, p99s, bases []float64
		for run := range bench.Runs() {
			l, err := hub.OpenJSLog(hub.JSConfig{URLs: urls, Cache: b.TempDir(), Stream: fmt.Sprint("BENCH_", run), Replicas: replicas,
				Subjects: fmt.Sprint("bench", run), Buckets: fmt.Sprint("BENCH", run), Logger: quietConfig(nil).Logger})
			if err != nil {
				b.Fatal(err)
			}
			h, err := hub.NewOnJS(l, quietConfig(time.Now))
			if err != nil {
				b.Fatal(err)
			}
			rate, p99, err := jsStorm(h, run, dur)
			l.Close()
			if err != nil {
				b.Fatal(err)
			}
			bl, err := hub.OpenBoltLog(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			bh, err := hub.New(bl, quietConfig(time.Now))
			if err != nil {
				b.Fatal(err)
			}
			base, _, err := jsStorm(bh, run, dur)
			bl.Close()
			if err != nil {
				b.Fatal(err)
			}
			rates, p99s, bases = append(rates, rate), append(p99s, bench.Ms(p99)), append(bases, base)
		}
		fmt.Fprintf(os.Stderr, "js_ingest: R%d, runs of %s, 64 callers: %v msgs/s, p99 %v ms; bbolt %v msgs/s\n", replicas, dur, rates, p99s, bases)
		bench.Report("js_ingest", bench.Median(rates), "msgs/s", bench.Median(bases))
		bench.Report("js_ingest_p99", bench.Median(p99s), "ms", 0)
	}
}

func jsStorm(h *hub.Hub, run int, dur time.Duration) (float64, time.Duration, error) {
	const callers = 64
	var done atomic.Int64
	var failed atomic.Value
	lat := make([][]time.Duration, callers)
	stop := time.Now().Add(dur)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(run), uint64(w)))
			threads := 0
			for i := 0; time.Now().Before(stop); i++ {
				if threads == 0 || r.IntN(5) == 0 {
					threads++
				}
				thread := fmt.Sprintf("w%d-t%d", w, r.IntN(threads))
				in := tweet(thread, fmt.Sprintf("s%d-%d-%d", run, w, i), fmt.Sprint("@c", w), bench.Text(r), time.Now())
				t0 := time.Now()
				_, _, err := h.Ingest(in)
				lat[w] = append(lat[w], time.Since(t0))
				if err != nil {
					failed.Store(err)
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		return 0, 0, err
	}
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	return float64(done.Load()) / time.Since(start).Seconds(), bench.Percentile(all, 99), nil
}

// BenchmarkScenarioJSFanout: how long after an op is answered by one hub
// the other hub on the stream holds it (p99 of notes on 200 cases), against
// the p99 of the same op answered by a bbolt hub in the same run.
func BenchmarkScenarioJSFanout(b *testing.B) {
	const ops = 200
	s := natstest.Start(b, b.TempDir())
	for b.Loop() {
		var runs, bases []float64
		for run := range bench.Runs() {
			var ls [2]*hub.JSLog
			var hs [2]*hub.Hub
			for i := range 2 {
				l, err := hub.OpenJSLog(hub.JSConfig{URLs: s.ClientURL(), Cache: b.TempDir(), Stream: fmt.Sprint("FAN_", run),
					Subjects: fmt.Sprint("fan", run), Buckets: fmt.Sprint("FAN", run), Logger: quietConfig(nil).Logger})
				if err != nil {
					b.Fatal(err)
				}
				if hs[i], err = hub.NewOnJS(l, quietConfig(time.Now)); err != nil {
					b.Fatal(err)
				}
				ls[i] = l
			}
			bl, err := hub.OpenBoltLog(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			bh, err := hub.New(bl, quietConfig(time.Now))
			if err != nil {
				b.Fatal(err)
			}
			var seen, acked []time.Duration
			for i := range ops {
				for _, h := range []*hub.Hub{hs[0], bh} {
					id, _, err := h.Ingest(tweet(fmt.Sprint("t", i), fmt.Sprint("p", i), "@kim", "help", t0))
					if err != nil {
						b.Fatal(err)
					}
					t := time.Now()
					a, err := h.ApplyOp(hub.Agent{Name: "kim", Role: hub.RoleAgent}, model.Op{ID: fmt.Sprint("n", i), Kind: model.OpNote, CaseID: id, Text: "note"})
					if err != nil {
						b.Fatal(err)
					}
					if h == bh {
						acked = append(acked, time.Since(t))
						continue
					}
					for ls[1].Head() < a.Seq {
						time.Sleep(20 * time.Microsecond)
					}
					seen = append(seen, time.Since(t))
				}
			}
			for _, l := range ls {
				l.Close()
			}
			bl.Close()
			runs, bases = append(runs, bench.Ms(bench.Percentile(seen, 99))), append(bases, bench.Ms(bench.Percentile(acked, 99)))
		}
		fmt.Fprintf(os.Stderr, "js_fanout_p99: op on hub a until hub b holds it: %v ms; op acked by bbolt: %v ms\n", runs, bases)
		bench.Report("js_fanout_p99", bench.Median(runs), "ms", bench.Median(bases))
	}
}
