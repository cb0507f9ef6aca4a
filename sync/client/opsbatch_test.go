package client_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"

	"switchboard/model"
	"switchboard/sync/client"
	"switchboard/sync/wire"
)

// queueNotes puts n notes, spread over cases, in st's outbox, in order.
func queueNotes(t *testing.T, st interface{ Enqueue(model.Op) error }, cases []string, n int) []model.Op {
	t.Helper()
	ops := make([]model.Op, n)
	for i := range ops {
		ops[i] = model.Op{ID: uuid.NewString(), Kind: model.OpNote, CaseID: cases[i%len(cases)], Text: fmt.Sprintf("note %d", i), Created: time.Now().UTC()}
		if err := st.Enqueue(ops[i]); err != nil {
			t.Fatal(err)
		}
	}
	return ops
}

// A backlog drained in ops frames through connections that break while
// batches are in flight reaches the hub exactly once, in the order it was
// queued in each case, and leaves the outbox empty.
func TestOutboxBatchesExactlyOnceInOrderAcrossBreaks(t *testing.T) {
	e := startHub(t)
	var cases []string
	for i := range 4 {
		id, _, err := e.hub.Ingest(inbound(fmt.Sprintf("batch-thread-%d", i), fmt.Sprintf("batch-%d", i), "una", "hello"))
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, id)
	}
	st := openStore(t)
	ops := queueNotes(t, st, cases, 1200)
	// Every connection breaks after a few pages of answers, wherever that
	// falls, until the fourth.
	d := breakingDialer(3, 96<<10)
	c := &client.Client{HubURL: e.ts.URL, Cache: st, Dialer: d.Dialer, MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { defer close(stopped); _ = c.Run(ctx) }()
	defer func() { cancel(); <-stopped }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		left, err := st.Outbox()
		if err != nil {
			t.Fatal(err)
		}
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d ops still in the outbox", len(left), len(ops))
		}
		time.Sleep(5 * time.Millisecond)
	}
	if n := d.dials(); n < 2 {
		t.Errorf("%d connections: the test wants the drain broken at least once", n)
	}
	for i, id := range cases {
		var want []string
		for k := i; k < len(ops); k += len(cases) {
			want = append(want, ops[k].Text)
		}
		var got []string
		for _, m := range threadOf(t, e, id) {
			if m.Direction == model.DirectionNote {
				got = append(got, m.Text)
			}
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("case %s holds %d notes, want %d once each in queue order", id, len(got), len(want))
		}
	}
	if rs, _ := st.RejectedOps(); len(rs) != 0 {
		t.Errorf("%d ops rejected", len(rs))
	}
}

func threadOf(t *testing.T, e *hubEnv, caseID string) []model.Message {
	t.Helper()
	ms, err := e.log.Thread(caseID)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// breaking dials connections of which the first ones break after a
// budget of bytes read from the hub (without compression).
type breaking struct {
	*websocket.Dialer
	mu sync.Mutex
	n  int
}

func (b *breaking) dials() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n
}

func breakingDialer(broken int, budget int64) *breaking {
	b := &breaking{}
	b.Dialer = &websocket.Dialer{HandshakeTimeout: 5 * time.Second, NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		b.mu.Lock()
		b.n++
		n := b.n
		b.mu.Unlock()
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil || n > broken {
			return c, err
		}
		return &countingConn{Conn: c, read: new(atomic.Int64), budget: budget}, nil // pipeline_test.go
	}}
	return b
}

// The client sends ops frames only to a hub whose welcome says it takes
// them, never more ops in one than it says, and op frames to a hub that
// says nothing (an older hub); every op once, in outbox order.
func TestBatchesOnlyWhenTheHubSaysSo(t *testing.T) {
	for _, tc := range []struct {
		name  string
		batch int
	}{{"old hub", 0}, {"hub taking 50", 50}} {
		t.Run(tc.name, func(t *testing.T) {
			fake := &fakeHub{welcome: wire.Welcome{Agent: "anna", Role: "agent", MaxOpsBatch: tc.batch}}
			if tc.batch > 0 {
				fake.welcome.OpRate, fake.welcome.OpBurst = 1000, 5000
			}
			ts := httptest.NewServer(fake)
			defer ts.Close()
			st := openStore(t)
			ops := queueNotes(t, st, []string{"c-1", "c-2"}, 700)
			runClient(t, ts.URL, st)
			waitFor(t, "the outbox emptied", func() bool { left, _ := st.Outbox(); return len(left) == 0 })
			got, frames := fake.received()
			if len(got) != len(ops) {
				t.Fatalf("the hub got %d ops, want %d", len(got), len(ops))
			}
			for i := range ops {
				if got[i] != ops[i].ID {
					t.Fatalf("op %d arrived as %s, want %s: not in outbox order", i, got[i], ops[i].ID)
				}
			}
			for _, f := range frames {
				switch {
				case tc.batch == 0 && f.typ != wire.TypeOp:
					t.Fatalf("an old hub got a %s frame", f.typ)
				case f.typ == wire.TypeOps && (f.n < 2 || f.n > tc.batch):
					t.Fatalf("an ops frame of %d ops, hub takes %d", f.n, tc.batch)
				}
			}
			if tc.batch > 0 && len(frames) > len(ops)/10 {
				t.Errorf("%d frames for %d ops: want batches", len(frames), len(ops))
			}
		})
	}
}

// fakeHub speaks just enough of the protocol to take ops: welcome (as
// set), caught_up, and an ack for each op, an acks frame for each ops
// frame.
type fakeHub struct {
	welcome wire.Welcome
	mu      sync.Mutex
	ids     []string
	frames  []fakeFrame
}

type fakeFrame struct {
	typ wire.Type
	n   int
}

func (h *fakeHub) received() ([]string, []fakeFrame) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.ids...), append([]fakeFrame(nil), h.frames...)
}

func (h *fakeHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	send := func(f wire.Frame) error {
		b, err := wire.Encode(f)
		if err != nil {
			return err
		}
		return conn.WriteMessage(websocket.TextMessage, b)
	}
	if _, _, err := conn.ReadMessage(); err != nil { // hello
		return
	}
	if send(h.welcome) != nil || send(wire.CaughtUp{}) != nil {
		return
	}
	for {
		_, raw, err := conn.ReadMessage()
		if err != nil {
			return
		}
		f, err := wire.Decode(raw)
		if err != nil {
			return
		}
		var answer wire.Frame
		h.mu.Lock()
		switch f := f.(type) {
		case wire.Op:
			h.ids = append(h.ids, f.ID)
			h.frames = append(h.frames, fakeFrame{wire.TypeOp, 1})
			answer = wire.Ack{OpID: f.ID}
		case wire.Ops:
			var acks wire.Acks
			for _, op := range f.Ops {
				h.ids = append(h.ids, op.ID)
				acks.Acks = append(acks.Acks, wire.Ack{OpID: op.ID})
			}
			h.frames = append(h.frames, fakeFrame{wire.TypeOps, len(f.Ops)})
			answer = acks
		}
		h.mu.Unlock()
		if answer != nil && send(answer) != nil {
			return
		}
	}
}
