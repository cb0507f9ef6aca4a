package client_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"

	"switchboard/model"
	"switchboard/store"
	"switchboard/sync/client"
	"switchboard/sync/wire"
)

// holdingHub takes ops frames and answers none of them until released:
// what it has received by then is what the console keeps in flight.
type holdingHub struct {
	welcome wire.Welcome
	release chan struct{}

	mu    sync.Mutex
	ids   []string
	bytes int // of the ops frames received
	held  []wire.Frame
	open  bool // released: answers go out as they come
	conn  *websocket.Conn
}

func (h *holdingHub) received() (int, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.ids), h.bytes
}

// answer sends f, or holds it until the release.
func (h *holdingHub) answer(f wire.Frame) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.open {
		h.held = append(h.held, f)
		return
	}
	b, _ := wire.Encode(f)
	_ = h.conn.WriteMessage(websocket.TextMessage, b)
}

func (h *holdingHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	conn, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	h.mu.Lock()
	h.conn = conn
	h.mu.Unlock()
	if _, _, err := conn.ReadMessage(); err != nil { // hello
		return
	}
	for _, f := range []wire.Frame{h.welcome, wire.CaughtUp{}} {
		h.answer(f)
	}
	h.mu.Lock()
	for _, f := range h.held { // welcome and caught_up are not held
		b, _ := wire.Encode(f)
		_ = conn.WriteMessage(websocket.TextMessage, b)
	}
	h.held = nil
	h.mu.Unlock()
	go func() {
		<-h.release
		h.mu.Lock()
		defer h.mu.Unlock()
		h.open = true
		for _, f := range h.held {
			b, _ := wire.Encode(f)
			_ = conn.WriteMessage(websocket.TextMessage, b)
		}
		h.held = nil
	}()
	for {
		_, raw, err := conn.ReadMessage()
		if err != nil {
			return
		}
		f, err := wire.Decode(raw)
		if err != nil {
			return
		}
		var ops wire.Ops
		switch f := f.(type) {
		case wire.Ops:
			ops = f
		case wire.Op: // a window with room for one op sends it alone
			ops.Ops = []model.Op{f.Op}
		default:
			continue // presence
		}
		var acks wire.Acks
		h.mu.Lock()
		for _, op := range ops.Ops {
			h.ids = append(h.ids, op.ID)
			acks.Acks = append(acks.Acks, wire.Ack{OpID: op.ID})
		}
		h.bytes += len(raw)
		h.mu.Unlock()
		h.answer(acks)
	}
}

// A console keeps as many ops in flight as the hub's welcome allows: up to
// OpsWindow within the op burst it announces (with the pacing's margin),
// OpsWindowUnannounced to a hub that announces none, and never more than
// MaxInFlightBytes of frames (and one) when the ops are long; everything
// goes once the hub answers.
func TestOpsWindowFollowsTheHubsWelcome(t *testing.T) {
	for _, tc := range []struct {
		name      string
		burst     int
		text      int // bytes of each note
		ops       int
		want      int // in flight before the first answer; 0: see maxBytes
		wantBytes bool
	}{
		{name: "burst 20000", burst: 20_000, text: 20, ops: 5000, want: client.OpsWindow},
		{name: "burst 1000", burst: 1000, text: 20, ops: 2000, want: 900},
		{name: "no budget", text: 20, ops: 1000, want: client.OpsWindowUnannounced},
		{name: "long notes", burst: 20_000, text: 16 << 10, ops: 700, wantBytes: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &holdingHub{release: make(chan struct{}), welcome: wire.Welcome{Agent: "anna", Role: "agent", MaxOpsBatch: 200}}
			if tc.burst > 0 {
				h.welcome.OpRate, h.welcome.OpBurst = 2000, tc.burst
			}
			ts := httptest.NewServer(h)
			defer ts.Close()
			defer func() {
				select {
				case <-h.release:
				default:
					close(h.release)
				}
			}()
			st := &memOutbox{}
			text := strings.Repeat("n", tc.text)
			for range tc.ops {
				st.ops = append(st.ops, model.Op{ID: uuid.NewString(), Kind: model.OpNote, CaseID: "c-1", Text: text, Created: time.Now().UTC()})
			}
			c := &client.Client{HubURL: ts.URL, Cache: st, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}
			ctx, cancel := context.WithCancel(context.Background())
			stopped := make(chan struct{})
			go func() { defer close(stopped); _ = c.Run(ctx) }()
			defer func() { cancel(); <-stopped }()
			if tc.wantBytes {
				waitFor(t, "ops in flight", func() bool { n, _ := h.received(); return n > 0 })
			} else {
				waitFor(t, "the window's ops", func() bool { n, _ := h.received(); return n >= tc.want })
			}
			// The console sends nothing more while nothing is answered
			// (time for a frame over the window to show up).
			time.Sleep(200 * time.Millisecond)
			n, b := h.received()
			switch {
			case tc.wantBytes && (b > 2*client.MaxInFlightBytes || n >= tc.ops):
				t.Fatalf("%d long ops (%d bytes) in flight: want at most %d bytes of frames and one", n, b, client.MaxInFlightBytes)
			case !tc.wantBytes && n != tc.want:
				t.Fatalf("%d ops in flight before any answer, want %d", n, tc.want)
			}
			close(h.release)
			waitFor(t, "the outbox emptied", func() bool { left, _ := st.Outbox(); return len(left) == 0 })
			if n, _ := h.received(); n != tc.ops {
				t.Fatalf("the hub got %d ops, want %d once each", n, tc.ops)
			}
		})
	}
}

// memOutbox is a Cache holding an outbox in memory (no fsync per queued
// op: the windows above take thousands); it takes no events.
type memOutbox struct {
	mu    sync.Mutex
	ops   []model.Op
	acked map[string]bool
}

func (m *memOutbox) Outbox() ([]model.Op, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []model.Op
	for _, op := range m.ops {
		if !m.acked[op.ID] {
			out = append(out, op)
		}
	}
	return out, nil
}

func (m *memOutbox) Acked(opID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.acked == nil {
		m.acked = map[string]bool{}
	}
	m.acked[opID] = true
	return nil
}

func (m *memOutbox) Rejected(opID string, _ model.Rejection, _ *model.Case) error {
	return m.Acked(opID)
}

func (m *memOutbox) Apply([]model.Event) (store.Applied, error)         { return store.Applied{}, nil }
func (m *memOutbox) Cursor() (uint64, error)                            { return 0, nil }
func (m *memOutbox) ClientID() string                                   { return "mem" }
func (m *memOutbox) Reset() error                                       { return nil }
func (m *memOutbox) Welcomed(string, string) error                      { return nil }
func (m *memOutbox) BeginSnapshot() error                               { return nil }
func (m *memOutbox) ApplySnapshot([]model.Event) (store.Applied, error) { return store.Applied{}, nil }
func (m *memOutbox) EndSnapshot(uint64) error                           { return nil }
