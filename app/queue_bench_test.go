package app

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"switchboard/internal/bench"
	"switchboard/model"
	"switchboard/store"
)

// The console-core scenarios of `make bench`: start-up, the queue index's
// heap, a live change, a filter and a keystroke search, on a cache of
// bench.N() generated cases (about three messages each) written through
// store.Apply. The cache is made once per test binary and shared.

var benchDirs []string

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range benchDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

type benchCacheData struct {
	dir   string
	cases []*model.Case
}

var (
	benchMu     sync.Mutex
	benchCaches = map[int]*benchCacheData{}
)

// benchCache is a generated cache of n cases, made on first use.
func benchCache(b *testing.B, n int) *benchCacheData {
	benchMu.Lock()
	defer benchMu.Unlock()
	if d, ok := benchCaches[n]; ok {
		return d
	}
	dir, err := os.MkdirTemp("", "switchboard-bench-console-")
	if err != nil {
		b.Fatal(err)
	}
	benchDirs = append(benchDirs, dir)
	t0 := time.Now()
	d := &benchCacheData{dir: dir, cases: genCache(b, dir, n, 42)}
	fi, _ := os.Stat(filepath.Join(dir, "console.db"))
	fmt.Printf("console cache: %d cases generated through store.Apply in %.1f s (%d MiB)\n", n, time.Since(t0).Seconds(), fi.Size()>>20)
	benchCaches[n] = d
	return d
}

// once reports a scenario once, however often the benchmark is run.
var reported sync.Map

func once(name string, f func()) {
	if _, done := reported.LoadOrStore(name, true); !done {
		f()
	}
}

func openBench(b *testing.B, dir string) *Core {
	c, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkScenarioStartFirstPage: open the cache → the first page of the
// queue ready; and start_index: the whole queue index ready, against
// decoding every full case record with encoding/json.
func BenchmarkScenarioStartFirstPage(b *testing.B) {
	d := benchCache(b, bench.N())
	once("start", func() {
		var first, full, decode []float64
		raws := make([][]byte, len(d.cases))
		for i, c := range d.cases {
			raws[i], _ = json.Marshal(c)
		}
		for range bench.Runs() {
			runtime.GC()
			t0 := time.Now()
			c := openBench(b, d.dir)
			r := c.View(Filter{})
			page := r.Page(0, 50)
			first = append(first, bench.Ms(time.Since(t0)))
			// The index is whole when Open returns: the first page is
			// read from it.
			full = append(full, first[len(first)-1])
			if len(page) != 50 {
				b.Fatalf("first page has %d rows", len(page))
			}
			c.Close()

			runtime.GC()
			t0 = time.Now()
			for _, raw := range raws {
				var c model.Case
				if err := json.Unmarshal(raw, &c); err != nil {
					b.Fatal(err)
				}
			}
			decode = append(decode, bench.Ms(time.Since(t0)))
		}
		bench.Report("start_first_page", bench.Median(first), "ms", 0)
		bench.Report("start_index", bench.Median(full), "ms", bench.Median(decode))
	})
}

// BenchmarkScenarioHeapIndex: the Go heap the queue index holds at
// bench.N() cases (and, for the record, the search index built after).
func BenchmarkScenarioHeapIndex(b *testing.B) {
	d := benchCache(b, bench.N())
	once("heap", func() {
		var heap, search []float64
		for range bench.Runs() {
			var m0, m1, m2 runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&m0)
			c := openBench(b, d.dir)
			runtime.GC()
			runtime.ReadMemStats(&m1)
			t0 := time.Now()
			<-c.SearchReady()
			built := time.Since(t0)
			runtime.GC()
			runtime.ReadMemStats(&m2)
			heap = append(heap, float64(int64(m1.HeapAlloc)-int64(m0.HeapAlloc))/(1<<20))
			search = append(search, float64(int64(m2.HeapAlloc)-int64(m1.HeapAlloc))/(1<<20))
			c.mu.RLock()
			tb, tl := c.t.search.size()
			sb, sl := c.t.strs.size()
			c.mu.RUnlock()
			fmt.Printf("search index of %d cases built in the background in %.0f ms; outside the Go heap: its text %.1f MiB (%.1f live), the rows' strings %.1f MiB (%.1f live)\n",
				len(d.cases), bench.Ms(built), float64(tb)/(1<<20), float64(tl)/(1<<20), float64(sb)/(1<<20), float64(sl)/(1<<20))
			runtime.KeepAlive(c)
			c.Close()
		}
		bench.Report("heap_index", bench.Median(heap), "MiB", 0)
		fmt.Printf("search index heap: %.1f MiB (median)\n", bench.Median(search))
	})
}

// liveChangeP99 is the p99 of one case update reaching the queue: the
// index moved, the view counts and the first page of the default queue
// read again, as the console's refresh does. The cache write itself is
// store's (its own scenarios) and not in it.
func liveChangeP99(b *testing.B, c *Core, n int) float64 {
	r := rand.New(rand.NewPCG(uint64(n), 9))
	statuses := []model.Status{model.StatusNew, model.StatusOpen, model.StatusPending, model.StatusSolved}
	c.View(Filter{})
	ds := make([]time.Duration, 0, 2000)
	for range 2000 {
		c.mu.RLock()
		s, _ := c.t.get(fmt.Sprintf("case-%07d", r.IntN(n)))
		c.mu.RUnlock()
		switch r.IntN(3) {
		case 0:
			s.Status = statuses[r.IntN(len(statuses))]
		case 1:
			s.Priority = model.Priority(r.IntN(4))
		default:
			s.LastMessageAt = time.Now().UTC()
		}
		s.Version++
		t0 := time.Now()
		if _, err := (cacheOf{c}).indexCases(store.Applied{Cases: []model.Summary{s}}, nil); err != nil {
			b.Fatal(err)
		}
		res := c.View(Filter{})
		page := res.Page(0, 50)
		ds = append(ds, time.Since(t0))
		if len(page) == 0 || len(res.Views) == 0 {
			b.Fatal("no page")
		}
	}
	return bench.Ms(bench.Percentile(ds, 99))
}

// BenchmarkScenarioLiveChangeP99: a live change at bench.N() cases against
// the same at 1,000.
func BenchmarkScenarioLiveChangeP99(b *testing.B) {
	big, small := benchCache(b, bench.N()), benchCache(b, 1000)
	once("live", func() {
		cb, cs := openBench(b, big.dir), openBench(b, small.dir)
		defer cb.Close()
		defer cs.Close()
		<-cb.SearchReady() // not racing the measurement
		<-cs.SearchReady()
		var vb, vs []float64
		for range bench.Runs() {
			vb = append(vb, liveChangeP99(b, cb, bench.N()))
			vs = append(vs, liveChangeP99(b, cs, 1000))
		}
		bench.Report("live_change_p99", bench.Median(vb), "ms", bench.Median(vs))
	})
}

// benchFilters are views and sorts an agent picks.
var benchFilters = []Filter{
	{Status: model.StatusOpen, Sort: SortNewest},
	{Assignee: "ben", ActiveOnly: true, Sort: SortOldestWaiting},
	{Channel: model.ChannelFacebook, Reach: model.ReachNotable},
	{Waiting: true, Sort: SortOldestWaiting},
	{Unassigned: true, Channel: model.ChannelTwitter, Sort: SortReach},
	{Done: true, Sort: SortNewest},
	{Mine: true, Status: model.StatusPending},
}

// BenchmarkScenarioFilterP99: a filter not used before (its kept list made
// from its sort's order) and its first page, against one linear pass over
// the summaries.
func BenchmarkScenarioFilterP99(b *testing.B) {
	d := benchCache(b, bench.N())
	once("filter", func() {
		c := openBench(b, d.dir)
		defer c.Close()
		<-c.SearchReady()
		for s := range numSorts {
			c.View(Filter{Sort: s}) // each sort's order, made once when first used
		}
		sums, err := c.store.Summaries()
		if err != nil {
			b.Fatal(err)
		}
		var vals, base []float64
		for range bench.Runs() {
			var ds []time.Duration
			for range 10 {
				for _, f := range benchFilters {
					c.mu.Lock()
					delete(c.t.lists, listKey{c.t.resolve(f)})
					c.mu.Unlock()
					t0 := time.Now()
					r := c.View(f)
					r.Page(0, 50)
					ds = append(ds, time.Since(t0))
				}
			}
			vals = append(vals, bench.Ms(bench.Percentile(ds, 99)))
			t0 := time.Now()
			n := 0
			for _, s := range sums {
				if benchFilters[0].Match(s) {
					n++
				}
			}
			base = append(base, bench.Ms(time.Since(t0)))
			runtime.KeepAlive(n)
		}
		bench.Report("filter_p99", bench.Median(vals), "ms", bench.Median(base))
	})
}

// benchQueries are keystrokes in the search box: a word typed letter by
// letter, order and customer numbers, a name, a handle, a tag, nothing.
var benchQueries = []string{"r", "re", "ref", "refu", "refun", "refund", "lis-sw-4", "lis-sw-43", "c-0123", "c-01234",
	"müller", "lounge", "@skywi", "wvw1234", "baggage team", "vip", "zzq", "hannah k"}

// BenchmarkScenarioSearchP99: a keystroke's results over every message of
// every cached case, with the snippets of the first page, against one
// linear pass over the summaries matching author, handle and preview.
func BenchmarkScenarioSearchP99(b *testing.B) {
	d := benchCache(b, bench.N())
	once("search", func() {
		c := openBench(b, d.dir)
		defer c.Close()
		<-c.SearchReady()
		sums, err := c.store.Summaries()
		if err != nil {
			b.Fatal(err)
		}
		var vals, base []float64
		for range bench.Runs() {
			var ds []time.Duration
			for _, q := range benchQueries {
				t0 := time.Now()
				r := c.View(Filter{Text: q})
				r.Page(0, 50)
				for i := range min(50, r.Len()) {
					r.Match(i)
				}
				ds = append(ds, time.Since(t0))
			}
			vals = append(vals, bench.Ms(bench.Percentile(ds, 99)))
			f := Filter{Text: "refund"}
			t0 := time.Now()
			n := 0
			for _, s := range sums {
				if f.Match(s) {
					n++
				}
			}
			base = append(base, bench.Ms(time.Since(t0)))
			runtime.KeepAlive(n)
		}
		bench.Report("search_p99", bench.Median(vals), "ms", bench.Median(base))
	})
}
