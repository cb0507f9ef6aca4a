package hub

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkIngestFollowUps: follow-ups into existing threads of a hub of
// 5,000 cases, 128 a call (about one group commit of the ingest storm),
// per message; B/op and allocs/op hold on a loaded box where ns/op does
// not.
func BenchmarkIngestFollowUps(b *testing.B) {
	l, err := OpenBoltLog(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	h, err := New(l, Config{Logger: quietLog})
	if err != nil {
		b.Fatal(err)
	}
	const cases = 5000
	r := rand.New(rand.NewPCG(1, 2))
	now := time.Now()
	var batch []Inbound
	for c := range cases {
		batch = append(batch, benchInbound(r, c, 0, now))
		if len(batch) == 500 {
			h.IngestMany(batch)
			batch = batch[:0]
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += 128 {
		batch = batch[:0]
		for j := range min(128, b.N-i) {
			in := benchInbound(r, r.IntN(cases), 1, now)
			in.PlatformID = fmt.Sprintf("fu-%d-%d", i, j)
			batch = append(batch, in)
		}
		for _, res := range h.IngestMany(batch) {
			if res.Err != nil {
				b.Fatal(res.Err)
			}
		}
	}
}
