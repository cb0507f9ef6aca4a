package store_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"switchboard/internal/bench"
	"switchboard/model"
	"switchboard/store"
)

// BenchmarkScenarioOutboxEnqueueP50 is outbox_enqueue_p50 of `make bench`:
// the median latency of a durable outbox append (Store.Enqueue: on disk,
// fsync'd, when it returns) into a cache holding bench.N()/100 queued ops,
// against one fsync'd append of the same bytes to a plain file (os.File
// Write + Sync) in the same folder. 1,000 appends a run.
func BenchmarkScenarioOutboxEnqueueP50(b *testing.B) {
	const appends = 1000
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	op := func(i int) model.Op {
		return model.Op{ID: uuid.NewString(), Kind: model.OpReply, CaseID: fmt.Sprintf("case-%07d", i%bench.N()),
			Text: "So sorry about your bag, we are on it: file LIS-SW-20931 is with the Lisbon desk.", Created: now}
	}
	var vals, bases []float64
	for range bench.Runs() {
		dir := b.TempDir()
		st, err := store.Open(filepath.Join(dir, "console.db"))
		if err != nil {
			b.Fatal(err)
		}
		for i := range bench.N() / 100 {
			if err := st.Enqueue(op(i)); err != nil {
				b.Fatal(err)
			}
		}
		f, err := os.OpenFile(filepath.Join(dir, "plain.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			b.Fatal(err)
		}
		var ds, fs []time.Duration
		for i := range appends {
			o := op(i)
			raw, _ := json.Marshal(o)
			// Interleaved, so both see the same disk at the same moment.
			t := time.Now()
			if _, err := f.Write(append(raw, '\n')); err != nil {
				b.Fatal(err)
			}
			if err := f.Sync(); err != nil {
				b.Fatal(err)
			}
			fs = append(fs, time.Since(t))
			t = time.Now()
			if err := st.Enqueue(o); err != nil {
				b.Fatal(err)
			}
			ds = append(ds, time.Since(t))
		}
		f.Close()
		st.Close()
		vals = append(vals, float64(bench.Percentile(ds, 50))/float64(time.Microsecond))
		bases = append(bases, float64(bench.Percentile(fs, 50))/float64(time.Microsecond))
	}
	bench.Report("outbox_enqueue_p50", bench.Median(vals), "us", bench.Median(bases))
}
