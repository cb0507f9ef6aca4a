package client_test

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"switchboard/model"
	"switchboard/store"
	"switchboard/sync/client"
	"switchboard/sync/hub"
	"switchboard/sync/wire"
)

// watchedCache is the store with a record of every write the client made:
// the seqs each Apply moved the cursor over, the size of each batch, and
// the snapshot calls. before, when set, runs ahead of each Apply or
// ApplySnapshot (n counts them from 1).
type watchedCache struct {
	*store.Store
	before func(n int)

	mu         sync.Mutex
	calls      int
	ranges     [][2]uint64 // (first, last) seq applied by one Apply
	batches    []int       // events (or entities) per write
	skipped    int
	begins     []uint64 // the cursor at each BeginSnapshot
	snapWrites int
	// entityWrites counts the snapshot writes of entities as received
	// (ApplySnapshotEntities), of snapWrites.
	entityWrites int
	ends         []uint64
}

func (w *watchedCache) hook() {
	w.mu.Lock()
	w.calls++
	n := w.calls
	w.mu.Unlock()
	if w.before != nil {
		w.before(n)
	}
}

func (w *watchedCache) Apply(evs []model.Event) (store.Applied, error) {
	w.hook()
	from, err := w.Store.Cursor()
	if err != nil {
		return store.Applied{}, err
	}
	res, err := w.Store.Apply(evs)
	if err == nil {
		w.mu.Lock()
		if res.Cursor > from {
			w.ranges = append(w.ranges, [2]uint64{from + 1, res.Cursor})
		}
		w.batches = append(w.batches, len(evs))
		w.skipped += res.Skipped
		w.mu.Unlock()
	}
	return res, err
}

func (w *watchedCache) BeginSnapshot() error {
	cur, err := w.Store.Cursor()
	if err != nil {
		return err
	}
	w.mu.Lock()
	w.begins = append(w.begins, cur)
	w.mu.Unlock()
	return w.Store.BeginSnapshot()
}

func (w *watchedCache) ApplySnapshot(evs []model.Event) (store.Applied, error) {
	w.hook()
	res, err := w.Store.ApplySnapshot(evs)
	if err == nil {
		w.mu.Lock()
		w.snapWrites++
		w.batches = append(w.batches, len(evs))
		w.mu.Unlock()
	}
	return res, err
}

func (w *watchedCache) ApplySnapshotEntities(ents []store.Entity) (store.Applied, error) {
	w.hook()
	res, err := w.Store.ApplySnapshotEntities(ents)
	if err == nil {
		w.mu.Lock()
		w.snapWrites++
		w.entityWrites++
		w.batches = append(w.batches, len(ents))
		w.mu.Unlock()
	}
	return res, err
}

func (w *watchedCache) EndSnapshot(seq uint64) error {
	w.mu.Lock()
	w.ends = append(w.ends, seq)
	w.mu.Unlock()
	return w.Store.EndSnapshot(seq)
}

// assertOnce checks that the Apply calls moved the cursor over 1..head
// exactly once each, in order.
func (w *watchedCache) assertOnce(t *testing.T, from, head uint64) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	next := from + 1
	for _, r := range w.ranges {
		if r[0] != next {
			t.Fatalf("an Apply moved the cursor over %d..%d, the next seq was %d (ranges %v)", r[0], r[1], next, w.ranges)
		}
		next = r[1] + 1
	}
	if next != head+1 {
		t.Fatalf("Apply calls reached seq %d, head is %d", next-1, head)
	}
}

// countingConn counts the bytes read from the hub; after budget bytes
// (when budget > 0) the connection breaks, wherever that falls.
type countingConn struct {
	net.Conn
	read   *atomic.Int64
	budget int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	if c.budget > 0 {
		left := c.budget - c.read.Load()
		if left <= 0 {
			c.Conn.Close()
			return 0, net.ErrClosed
		}
		p = p[:min(int64(len(p)), left)]
	}
	n, err := c.Conn.Read(p)
	c.read.Add(int64(n))
	return n, err
}

// countingDialer dials without compression, so bytes on the wire follow
// frame sizes; the first connection breaks after firstBudget bytes (0:
// never). read counts the first connection's bytes.
func countingDialer(firstBudget int64) (*websocket.Dialer, *atomic.Int64, *atomic.Int32) {
	var read atomic.Int64
	var dials atomic.Int32
	d := &websocket.Dialer{HandshakeTimeout: 5 * time.Second, NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if dials.Add(1) > 1 {
			return c, nil
		}
		return &countingConn{Conn: c, read: &read, budget: firstBudget}, nil
	}}
	return d, &read, &dials
}

func runWatched(t *testing.T, e *hubEnv, w *watchedCache, d *websocket.Dialer) *recorder {
	t.Helper()
	rec := &recorder{}
	c := &client.Client{HubURL: e.ts.URL, Cache: w, Dialer: d, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
		OnStatus: rec.onStatus, OnApplied: rec.onApplied}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		_ = c.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-stopped:
		case <-time.After(5 * time.Second):
			t.Error("client did not stop after its context ended")
		}
	})
	return rec
}

// pageBytes is about what the first events page of the log takes on the
// wire, uncompressed.
func pageBytes(t *testing.T, l *hub.BoltLog) int64 {
	t.Helper()
	evs, err := l.Read(0, wire.MaxPage)
	if err != nil {
		t.Fatal(err)
	}
	b, err := wire.Encode(wire.Events{Events: evs, Head: l.Head()})
	if err != nil {
		t.Fatal(err)
	}
	return int64(len(b))
}

// Pages received while the cache writes an earlier one wait, decoded, in
// order, and go into the cache together in one transaction: the cursor
// moves over every seq once, in order, and a batch is never more than
// MaxBatch.
func TestPipelinedPagesKeepOrderAndCursor(t *testing.T) {
	checkGoroutines(t)
	dir := t.TempDir()
	e := openHub(t, dir)
	appendBacklog(t, e.log, 2500, 40) // 5,000 events: ten pages, replayed
	e.stop()
	e = openHub(t, dir)
	e.serve(t, "")
	head := e.log.Head()
	page := pageBytes(t, e.log)

	d, read, _ := countingDialer(0)
	w := &watchedCache{Store: openStore(t)}
	// The first write waits until three more pages have arrived whole
	// (the welcome is small): they wait in the pipeline and the next write
	// takes them at once.
	w.before = func(n int) {
		if n == 1 {
			waitFor(t, "three pages received while the first is written", func() bool { return read.Load() > 5*page+page/2 })
		}
	}
	rec := runWatched(t, e, w, d)
	waitSynced(t, rec, w.Store, e)
	assertMirrors(t, w.Store, e)
	w.assertOnce(t, 0, head)

	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.batches) < 2 || w.batches[0] != wire.MaxPage {
		t.Fatalf("batches %v: the first write should be one page", w.batches)
	}
	if w.batches[1] < 3*wire.MaxPage {
		t.Errorf("batches %v: the pages waiting in the pipeline were not written together", w.batches)
	}
	for _, b := range w.batches {
		if b > client.MaxBatch {
			t.Errorf("a batch of %d events, more than MaxBatch %d", b, client.MaxBatch)
		}
	}
	if w.skipped != 0 || len(w.begins) != 0 {
		t.Errorf("skipped %d events, %d snapshots: want a plain replay", w.skipped, len(w.begins))
	}
}

// A connection that breaks in the middle of a page, while earlier pages
// still wait in the pipeline: the pages received whole are written, the
// broken one is not, and the next connection resumes from the cursor, so
// every event is applied exactly once.
func TestReconnectMidPageAppliesEachEventOnce(t *testing.T) {
	checkGoroutines(t)
	dir := t.TempDir()
	e := openHub(t, dir)
	appendBacklog(t, e.log, 2500, 40)
	e.stop()
	e = openHub(t, dir)
	e.serve(t, "")
	head := e.log.Head()
	page := pageBytes(t, e.log)

	// The first connection breaks halfway through its fourth page.
	d, read, dials := countingDialer(3*page + page/2)
	w := &watchedCache{Store: openStore(t)}
	w.before = func(n int) {
		if n == 1 { // written only once the connection broke behind it
			waitFor(t, "the first connection to break", func() bool { return read.Load() >= 3*page+page/2 })
		}
	}
	rec := runWatched(t, e, w, d)
	waitSynced(t, rec, w.Store, e)
	assertMirrors(t, w.Store, e)
	w.assertOnce(t, 0, head)
	if n := dials.Load(); n < 2 {
		t.Errorf("%d connections, want a reconnect", n)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.skipped != 0 {
		t.Errorf("%d events skipped: the second connection should start at the cursor", w.skipped)
	}
	// The pages received whole before the break were written: the cursor
	// had passed them when the second connection began.
	if w.ranges[0][1] < wire.MaxPage {
		t.Errorf("first write %v", w.ranges[0])
	}
}
