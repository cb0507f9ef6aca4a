package hub

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"net/http/httptest"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"
	bolt "go.etcd.io/bbolt"

	"switchboard/model"
	"switchboard/sync/wire"
)

func openTestHub(t *testing.T, dir string) (*Hub, *BoltLog) {
	t.Helper()
	l, err := OpenBoltLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(l, Config{Logger: quietLog})
	if err != nil {
		l.Close()
		t.Fatal(err)
	}
	return h, l
}

func tweet(thread, id, text string) Inbound {
	return Inbound{Channel: model.ChannelTwitter, ThreadRef: thread, PlatformID: id, Public: true,
		Author: model.Identity{Handle: "@" + thread}, Text: text}
}

// crashCopy copies a running hub's folder as a kill -9 right now would
// leave it (the log is not closed: only what was fsync'd is there), and
// opens the copy.
func crashCopy(t *testing.T, dir string) (*Hub, *BoltLog) {
	t.Helper()
	to := t.TempDir()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return openTestHub(t, to)
}

// A batch is acknowledged only once it is on the disk: right after
// IngestMany (and each concurrent Ingest) returns, a copy of the file, as
// a kill would leave it, holds every item.
func TestBatchDurableBeforeAck(t *testing.T) {
	dir := t.TempDir()
	h, l := openTestHub(t, dir)
	defer l.Close()
	var ins []Inbound
	for i := range 500 {
		ins = append(ins, tweet(fmt.Sprintf("t%d", i%120), fmt.Sprintf("p%d", i), fmt.Sprintf("message %d", i)))
	}
	head := l.Head()
	res := h.IngestMany(ins)
	for i, r := range res {
		if r.Err != nil || r.Dup || r.CaseID == "" {
			t.Fatalf("item %d: %+v", i, r)
		}
	}
	// One transaction: the head moved by the whole batch at once.
	if got := l.Head(); got != head+1000 {
		t.Fatalf("head %d after the batch, want %d", got, head+1000)
	}
	h2, l2 := crashCopy(t, dir)
	for i, in := range ins {
		if id, ok := l2.Seen(threadKey(in.Channel, in.PlatformID)); !ok || id != res[i].CaseID {
			t.Fatalf("after a kill, item %d is in case %q (%v), acknowledged in %s", i, id, ok, res[i].CaseID)
		}
	}
	if h2.CaseCount() != 120 {
		t.Fatalf("after a kill: %d cases, want 120", h2.CaseCount())
	}
	l2.Close()

	// Concurrent single ingests: each durable when its call returns.
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				in := tweet(fmt.Sprintf("w%d", w), fmt.Sprintf("w%d-%d", w, i), "again")
				id, _, err := h.Ingest(in)
				if err != nil {
					errs <- err
					return
				}
				// The disk's log, not the queue's (the state buckets may
				// be behind it: a kill replays them, see below).
				found := false
				_ = l.db.View(func(tx *bolt.Tx) error {
					c := tx.Bucket(bucketLog).Cursor()
					n := 0
					for k, v := c.Last(); k != nil && n < 2000 && !found; k, v = c.Prev() {
						found = bytes.Contains(v, []byte(`"`+in.PlatformID+`"`)) && bytes.Contains(v, []byte(id))
						n++
					}
					return nil
				})
				if !found {
					errs <- fmt.Errorf("ingest of %s returned before its commit", in.PlatformID)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	_, l3 := crashCopy(t, dir)
	defer l3.Close()
	for w := range 32 {
		for i := range 10 {
			if _, ok := l3.Seen(threadKey(model.ChannelTwitter, fmt.Sprintf("w%d-%d", w, i))); !ok {
				t.Fatalf("after a kill, w%d-%d is lost", w, i)
			}
		}
	}
}

// Many callers into the same threads at once: the log's seq order is the
// order the hub folded them in (every case event's version is one more
// than the one before it in the log, its message count that of the log's
// messages so far), and the hub's case is the log's last.
func TestGroupCommitKeepsSeqOrderFoldOrder(t *testing.T) {
	dir := t.TempDir()
	h, l := openTestHub(t, dir)
	defer l.Close()
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				if i%5 == 0 {
					var ins []Inbound
					for k := range 4 {
						ins = append(ins, tweet(fmt.Sprintf("t%d", (w+k)%3), fmt.Sprintf("b%d-%d-%d", w, i, k), "batch"))
					}
					h.IngestMany(ins)
					continue
				}
				if _, _, err := h.Ingest(tweet(fmt.Sprintf("t%d", (w+i)%3), fmt.Sprintf("s%d-%d", w, i), "one")); err != nil {
					t.Error(err)
					return
				}
				if i%7 == 0 {
					c, _ := h.CaseByThread(model.ChannelTwitter, fmt.Sprintf("t%d", w%3))
					if _, err := h.ApplyOp(Agent{Name: "kim"}, model.Op{ID: uuid.NewString(), Kind: model.OpNote, CaseID: c.ID, Text: "looking"}); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	evs, err := l.Read(0, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	version := map[string]int64{}
	msgs := map[string]int{}
	last := map[string]model.Case{}
	for i, ev := range evs {
		if ev.Seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d", i, ev.Seq)
		}
		switch {
		case ev.Message != nil && ev.Type == model.EventMessageAdded:
			if ev.Message.Direction == model.DirectionIn {
				msgs[ev.Message.CaseID]++
			}
		case ev.Case != nil:
			c := *ev.Case
			if c.Version != version[c.ID]+1 {
				t.Fatalf("seq %d: case %s version %d after %d", ev.Seq, c.ID, c.Version, version[c.ID])
			}
			if c.MessageCount < msgs[c.ID] {
				t.Fatalf("seq %d: case %s counts %d messages, the log has %d before it", ev.Seq, c.ID, c.MessageCount, msgs[c.ID])
			}
			version[c.ID] = c.Version
			last[c.ID] = c
		}
	}
	for id, want := range last {
		got, ok := h.Case(id)
		if !ok || got.Version != want.Version || got.MessageCount != want.MessageCount {
			t.Fatalf("hub's case %s: version %d, %d messages; the log's last: %d, %d", id, got.Version, got.MessageCount, want.Version, want.MessageCount)
		}
	}
}

// A live page goes out as one prepared message: what a console receives,
// with compression and without, is byte for byte what the hub's
// per-session encoding makes of the same events, customer records filtered
// for consoles (no vouchers without marketing consent).
func TestPreparedFramesMatchSessionEncoding(t *testing.T) {
	dir := t.TempDir()
	h, l := openTestHub(t, dir)
	defer l.Close()
	id, _, err := h.Ingest(tweet("t1", "p1", "hello"))
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(h, DefaultTiming)
	hs := newTestServer(t, srv)
	var conns []*websocket.Conn
	for _, compress := range []bool{true, false} {
		d := websocket.Dialer{EnableCompression: compress}
		c, _, err := d.Dial("ws"+strings.TrimPrefix(hs, "http")+wire.SyncPath, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		b, _ := wire.Encode(wire.Hello{Protocol: wire.Protocol, ClientID: uuid.NewString(), Cursor: l.Head()})
		if err := c.WriteMessage(websocket.TextMessage, b); err != nil {
			t.Fatal(err)
		}
		for {
			_, raw, err := c.ReadMessage()
			if err != nil {
				t.Fatal(err)
			}
			if f, _ := wire.Decode(raw); f != nil && f.Type() == (wire.CaughtUp{}).Type() {
				break
			}
		}
		conns = append(conns, c)
	}
	from := l.Head()
	if _, err := h.UpsertCustomer(model.Customer{ID: "C-1", Name: "Sandra", Consent: model.Consent{Service: true},
		Vouchers: []model.Voucher{{Code: "VOUCHER-SANDRA-20"}}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.Ingest(tweet("t1", "p2", "still there?")); err != nil {
		t.Fatal(err)
	}
	if _, err := h.ApplyOp(Agent{Name: "kim"}, model.Op{ID: uuid.NewString(), Kind: model.OpNote, CaseID: id, Text: "on it"}); err != nil {
		t.Fatal(err)
	}
	head := l.Head()
	// Frame boundaries depend on when each session wakes (one may get the
	// three commits in one frame, the other in two): each frame must be
	// the session encoding of its events, and both consoles the same events.
	var got [2][]model.Event
	for i, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
		for cursor := from; cursor < head; {
			_, raw, err := c.ReadMessage()
			if err != nil {
				t.Fatal(err)
			}
			f, err := wire.Decode(raw)
			if err != nil {
				t.Fatal(err)
			}
			evs, ok := f.(wire.Events)
			if !ok {
				continue
			}
			want, err := l.Read(cursor, len(evs.Events))
			if err != nil {
				t.Fatal(err)
			}
			enc, err := encodeFrame(wire.Events{Events: want, Head: evs.Head})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(raw, enc) {
				t.Fatalf("console %d got\n%s\nthe session encoding is\n%s", i, raw, enc)
			}
			if bytes.Contains(raw, []byte("VOUCHER-SANDRA-20")) {
				t.Fatalf("console %d got a voucher without marketing consent: %s", i, raw)
			}
			got[i] = append(got[i], evs.Events...)
			cursor = evs.Events[len(evs.Events)-1].Seq
		}
	}
	a, _ := json.Marshal(got[0])
	b, _ := json.Marshal(got[1])
	if !bytes.Equal(a, b) {
		t.Fatalf("the consoles with and without compression got different events:\n%s\n%s", a, b)
	}
	if len(got[0]) == 0 {
		t.Fatal("no live frames")
	}
}

// The hub started from the compact state (the case index and the seen
// index) holds what a replay of the whole log folds: the same case
// records, threads, authors, customers and identities, and every platform
// message is found.
func TestRestartFromCompactStateEqualsReplay(t *testing.T) {
	dir := t.TempDir()
	h, l := openTestHub(t, dir)
	var ids []string
	for i := range 40 {
		in := tweet(fmt.Sprintf("t%d", i%12), fmt.Sprintf("p%d", i), fmt.Sprintf("message %d", i))
		in.Author.Handle = fmt.Sprintf("@a%d", i%12/2) // some authors with two cases
		id, _, err := h.Ingest(in)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if _, err := h.UpsertCustomers([]model.Customer{{ID: "C-1", Name: "Kim"}, {ID: "C-2", Name: "Tom"}}); err != nil {
		t.Fatal(err)
	}
	kim := Agent{Name: "kim", Role: RoleLead}
	for _, op := range []model.Op{
		{Kind: model.OpClaim, CaseID: ids[0]},
		{Kind: model.OpSetStatus, CaseID: ids[1], Status: model.StatusSolved},
		{Kind: model.OpLinkIdentity, CaseID: ids[2], CustomerID: "C-1", Consent: &model.Consent{Service: true}},
		{Kind: model.OpMerge, CaseID: ids[3], Other: ids[4]},
		{Kind: model.OpLinkIdentity, CaseID: ids[5], CustomerID: "C-2", Consent: &model.Consent{Service: true}},
		{Kind: model.OpUnlinkIdentity, CaseID: ids[5], CustomerID: "C-2"},
	} {
		op.ID = uuid.NewString()
		if a, err := h.ApplyOp(kim, op); err != nil || a.Reject != nil {
			t.Fatalf("op %s: %+v %v", op.Kind, a.Reject, err)
		}
	}
	if _, _, err := h.Ingest(Inbound{Channel: model.ChannelTwitter, ThreadRef: "t3", PlatformID: "p3", Action: model.InboundEdit, Text: "edited", Author: model.Identity{Handle: "@a1"}}); err != nil {
		t.Fatal(err)
	}
	l.Close()

	h2, l2 := openTestHub(t, dir)
	defer l2.Close()
	replay := &Hub{cases: map[string]caseRec{}, threads: map[string]string{}, customers: map[string]*model.Customer{},
		idents: map[string]string{}, byAuthor: map[uint64][]string{}}
	evs, err := l2.Read(0, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		replay.fold(ev)
	}
	if len(h2.cases) != len(replay.cases) || len(h2.cases) == 0 {
		t.Fatalf("%d cases from the compact state, %d from a replay", len(h2.cases), len(replay.cases))
	}
	for id, want := range replay.cases {
		got := h2.cases[id]
		// Channel codes are each hub's own: compared by name.
		gotCh, wantCh := h2.chans[got.channel], replay.chans[want.channel]
		got.channel, want.channel = 0, 0
		if got != want || gotCh != wantCh {
			t.Errorf("case %s: %+v (%s) from the compact state, %+v (%s) from a replay", id, got, gotCh, want, wantCh)
		}
	}
	for _, m := range []struct {
		name      string
		got, want any
	}{
		{"threads", h2.threads, replay.threads},
		{"idents", h2.idents, replay.idents},
	} {
		if g, w := fmt.Sprint(m.got), fmt.Sprint(m.want); g != w {
			t.Errorf("%s: %s from the compact state, %s from a replay", m.name, g, w)
		}
	}
	for k, want := range replay.byAuthor {
		got := slices.Clone(h2.byAuthor[k])
		slices.Sort(got)
		want = slices.Clone(want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("author %x: %v from the compact state, %v from a replay", k, got, want)
		}
	}
	for id, want := range replay.customers {
		g, _ := json.Marshal(h2.customers[id])
		w, _ := json.Marshal(want)
		if !bytes.Equal(g, w) {
			t.Errorf("customer %s: %s from the compact state, %s from a replay", id, g, w)
		}
	}
	for _, ev := range evs {
		if m := ev.Message; m != nil && m.PlatformID != "" {
			if id, ok := h2.seenCase(m.Author.Platform, m.PlatformID); !ok || id != m.CaseID {
				t.Errorf("platform message %s: case %q (%v), the log says %s", m.PlatformID, id, ok, m.CaseID)
			}
		}
	}
	// And the full cases the hub reads are the log's newest.
	for id := range replay.cases {
		c, ok := h2.Case(id)
		var want model.Case
		for _, ev := range evs {
			if ev.Case != nil && ev.Case.ID == id {
				want = *ev.Case
			}
		}
		g, _ := json.Marshal(c)
		w, _ := json.Marshal(want)
		if !ok || !bytes.Equal(g, w) {
			t.Errorf("case %s read back as %s, the log's last is %s", id, g, w)
		}
	}
}

func newTestServer(t *testing.T, srv *Server) string {
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	return hs.URL
}

// behind is how many state records wait behind the log.
func behind(l *BoltLog) int {
	l.q.mu.Lock()
	defer l.q.mu.Unlock()
	return len(l.q.dirty)
}

// The state buckets are written behind the log under load: while they
// are, every read (a case, its thread, a seen platform id, the snapshot,
// a new hub's start) finds what the log holds; a kill then loses nothing
// (the open replays the events after the state's seq), compaction stops
// at that seq, and a view of the whole state writes what is behind first.
func TestStateBehindTheLog(t *testing.T) {
	dir := t.TempDir()
	h, l := openTestHub(t, dir)
	defer l.Close()
	l.q.noDrain.Store(true)
	var ins []Inbound
	for i := range 300 {
		ins = append(ins, tweet(fmt.Sprintf("t%d", i%100), fmt.Sprintf("p%d", i), fmt.Sprintf("message %d", i)))
	}
	res := h.IngestMany(ins)
	ids := map[string]bool{}
	for i, r := range res {
		if r.Err != nil || r.CaseID == "" {
			t.Fatalf("item %d: %+v", i, r)
		}
		ids[r.CaseID] = true
	}
	if behind(l) == 0 {
		t.Fatal("a batch of 300 messages was written to the state buckets with its events")
	}
	var stateSeq uint64
	_ = l.db.View(func(tx *bolt.Tx) error {
		stateSeq = binary.BigEndian.Uint64(tx.Bucket(bucketMeta).Get(keyStateSeq))
		return nil
	})
	if stateSeq >= l.Head() {
		t.Fatalf("state seq %d with %d records behind the log at head %d", stateSeq, behind(l), l.Head())
	}
	check := func(name string, h *Hub, l *BoltLog) {
		t.Helper()
		if h.CaseCount() != 100 {
			t.Fatalf("%s: %d cases, want 100", name, h.CaseCount())
		}
		for id := range ids {
			c, ok := h.Case(id)
			if !ok || c.MessageCount != 3 {
				t.Fatalf("%s: case %s: %v, %d messages", name, id, ok, c.MessageCount)
			}
			thread, err := l.Thread(id)
			if err != nil || len(thread) != 3 || thread[0].Seq >= thread[1].Seq || thread[1].Seq >= thread[2].Seq || thread[0].Text == "" {
				t.Fatalf("%s: thread of %s: %+v, %v", name, id, thread, err)
			}
		}
		for i, in := range ins {
			if id, ok := l.Seen(threadKey(in.Channel, in.PlatformID)); !ok || id != res[i].CaseID {
				t.Fatalf("%s: item %d seen in %q (%v), want %s", name, i, id, ok, res[i].CaseID)
			}
		}
		if _, dup, err := h.Ingest(ins[7]); err != nil || !dup {
			t.Fatalf("%s: the same platform item again: dup %v, %v", name, dup, err)
		}
	}
	check("behind", h, l)

	// Compaction does not go past what the state buckets hold.
	hz, err := l.Compact(0)
	if err != nil || hz > stateSeq {
		t.Fatalf("compacted to %d (%v), past the state's seq %d", hz, err, stateSeq)
	}
	check("compacted", h, l)

	// A kill now: the copy's open replays the events behind.
	h2, l2 := crashCopy(t, dir)
	check("after a kill", h2, l2)
	l2.Close()

	// A snapshot writes everything behind first, and sees every case and
	// message.
	cases, msgs := 0, 0
	seq, err := l.Snapshot(func(ev model.Event) error {
		switch ev.Type {
		case model.EventCaseUpserted:
			cases++
		case model.EventMessageAdded:
			if ev.Message.Text == "" || ev.Seq == 0 {
				return fmt.Errorf("message %+v", ev.Message)
			}
			msgs++
		}
		return nil
	})
	if err != nil || cases != 100 || msgs != 300 || seq != l.Head() {
		t.Fatalf("snapshot: %d cases, %d messages at %d (head %d): %v", cases, msgs, seq, l.Head(), err)
	}
	if n := behind(l); n != 0 {
		t.Fatalf("%d records behind the log after a snapshot", n)
	}
	_ = l.db.View(func(tx *bolt.Tx) error {
		stateSeq = binary.BigEndian.Uint64(tx.Bucket(bucketMeta).Get(keyStateSeq))
		return nil
	})
	if stateSeq != l.Head() {
		t.Fatalf("state seq %d after writing everything, head %d", stateSeq, l.Head())
	}
	check("written", h, l)

	// Records behind at Close are written by it.
	h.IngestMany([]Inbound{tweet("t1", "late-1", "late"), tweet("t2", "late-2", "late"), tweet("t3", "late-3", "late")})
	for i := range 100 {
		h.IngestMany([]Inbound{tweet(fmt.Sprintf("n%d", i), fmt.Sprintf("n-%d", i), "new")})
	}
	head := l.Head()
	l.Close()
	db, err := bolt.Open(filepath.Join(dir, "hub.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = db.View(func(tx *bolt.Tx) error {
		stateSeq = binary.BigEndian.Uint64(tx.Bucket(bucketMeta).Get(keyStateSeq))
		return nil
	})
	db.Close()
	if stateSeq != head {
		t.Fatalf("state seq %d after Close, head %d", stateSeq, head)
	}
}
