package hub

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
	"unsafe"
)

// The records behind the log are written a step at a time once more than
// lazyHold wait (an elevator over the key space, the new ones kept in a
// small sorted list merged into the big one only now and then): run at a
// small size, with bursts of follow-ups and new threads between idle
// drains, every read stays right while records are behind, everything is
// written in the end without a view asking for it, and a new hub on the
// file finds every case, thread and seen id.
func TestStateWrittenBehindInSteps(t *testing.T) {
	hold, step := lazyHold, lazyStep
	lazyHold, lazyStep = 400, 37
	defer func() { lazyHold, lazyStep = hold, step }()

	dir := t.TempDir()
	h, l := openTestHub(t, dir)
	r := rand.New(rand.NewPCG(7, 7))
	want := map[string]int{}      // case id → messages
	seenID := map[string]string{} // platform id → case id
	threads := 0
	n := 0
	for burst := range 12 {
		var ins []Inbound
		for range 150 + r.IntN(200) {
			th := r.IntN(threads + 1)
			if th == threads || r.IntN(4) == 0 {
				th = threads
				threads++
			}
			n++
			ins = append(ins, tweet(fmt.Sprintf("t%05d", th), fmt.Sprintf("p%d", n), fmt.Sprintf("message %d", n)))
		}
		// Many small commits, so the steps interleave with new records.
		for i := 0; i < len(ins); i += 25 {
			part := ins[i:min(i+25, len(ins))]
			for j, res := range h.IngestMany(part) {
				if res.Err != nil {
					t.Fatalf("burst %d: %v", burst, res.Err)
				}
				want[res.CaseID]++
				seenID[part[j].PlatformID] = res.CaseID
			}
		}
		if burst%3 == 2 { // reads while records are behind
			for id, msgs := range want {
				if th, err := l.Thread(id); err != nil || len(th) != msgs {
					t.Fatalf("burst %d: thread of %s: %d messages (%v), want %d (%d behind)", burst, id, len(th), err, msgs, behind(l))
				}
			}
		}
		if burst%4 == 3 {
			time.Sleep(3 * lazyIdle) // some idle drains
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for behind(l) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d records still behind the log 30 s after the last ingest", behind(l))
		}
		time.Sleep(lazyIdle)
	}
	check := func(name string, h *Hub, l *BoltLog) {
		t.Helper()
		if h.CaseCount() != len(want) {
			t.Fatalf("%s: %d cases, want %d", name, h.CaseCount(), len(want))
		}
		for id, msgs := range want {
			c, ok := h.Case(id)
			th, err := l.Thread(id)
			if !ok || c.MessageCount != msgs || err != nil || len(th) != msgs {
				t.Fatalf("%s: case %s: %v, %d messages, thread %d (%v), want %d", name, id, ok, c.MessageCount, len(th), err, msgs)
			}
		}
		for pid, id := range seenID {
			if got, ok := l.Seen(threadKey("twitter", pid)); !ok || got != id {
				t.Fatalf("%s: %s seen in %q (%v), want %s", name, pid, got, ok, id)
			}
		}
	}
	check("drained", h, l)
	// Nothing behind now: a kill loses nothing and replays nothing.
	h2, l2 := crashCopy(t, dir)
	check("after a kill", h2, l2)
	l2.Close()
	l.Close()
}

// What the hub keeps of every case in memory stays at 56 bytes (a
// million cases' map is most of its memory: hub_rss at BENCH_N=1000000;
// it was 96 bytes, with a status and an assignee nothing read).
func TestCaseRecStaysSmall(t *testing.T) {
	if n := unsafe.Sizeof(caseRec{}); n > 56 {
		t.Fatalf("caseRec is %d bytes, want at most 56", n)
	}
}
