// Package bench is what `make bench` scenarios share: the size of a run,
// medians and percentiles, and the one line per scenario that the README's
// Performance table is made from:
//
//	BENCH name=<id> value=<number> unit=<unit> baseline=<number> ratio=<value/baseline>
//
// A scenario is a Go benchmark named BenchmarkScenario<Name>, run once
// (-benchtime 1x) by `make bench`; it measures itself Runs() times, and its
// baseline in the same run on the same data, and calls Report with the
// medians. A scenario with no baseline reports baseline 0 and ratio 0.
package bench

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// N is the number of cases of the scenarios: BENCH_N, 100,000 by default.
func N() int { return envInt("BENCH_N", 100_000) }

// Runs is how many times a scenario is measured for its median: BENCH_RUNS,
// 5 by default and never fewer.
func Runs() int { return max(5, envInt("BENCH_RUNS", 5)) }

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// Median of xs (the mean of the middle two for an even count); 0 for none.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Percentile p (0..100) of ds by nearest rank; 0 for none.
func Percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// Ms is d in milliseconds.
func Ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

var (
	mu  sync.Mutex
	out io.Writer = os.Stdout
)

// Line formats one scenario's result as `make bench` prints it.
func Line(name string, value float64, unit string, baseline float64) string {
	ratio := 0.0
	if baseline != 0 {
		ratio = value / baseline
	}
	return fmt.Sprintf("BENCH name=%s value=%s unit=%s baseline=%s ratio=%s",
		name, num(value), unit, num(baseline), strconv.FormatFloat(ratio, 'f', 4, 64))
}

// Report prints one scenario's line on standard output.
func Report(name string, value float64, unit string, baseline float64) {
	mu.Lock()
	defer mu.Unlock()
	fmt.Fprintln(out, Line(name, value, unit, baseline))
}

func num(v float64) string {
	switch {
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case math.Abs(v) >= 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
}

// textWords are the words of Text.
var textWords = []string{"flight", "delayed", "again", "my", "bag", "never", "arrived", "please", "help", "refund",
	"the", "lounge", "staff", "was", "rude", "booking", "reference", "app", "crashes", "when", "I", "pay"}

// Text is a customer message of a realistic length (about 140 bytes) for
// scenario data, drawn from r.
func Text(r *rand.Rand) string {
	var b strings.Builder
	for b.Len() < 140 {
		b.WriteString(textWords[r.IntN(len(textWords))])
		b.WriteByte(' ')
	}
	return b.String()
}
