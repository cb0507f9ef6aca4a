package hub_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"switchboard/model"
	"switchboard/sync/client"
	"switchboard/sync/hub"
	"switchboard/sync/wire"
)

// watcher reads a session's frames in the background and keeps the latest
// presence of each console (by client_id), until the session ends.
type watcher struct {
	name    string
	mu      sync.Mutex
	latest  map[string]wire.Presence
	perCase map[[2]string]string // (client_id, case_id) → latest state
	end     error
	changed chan struct{}
}

func watch(conn *websocket.Conn, name string) *watcher {
	w := &watcher{name: name, latest: map[string]wire.Presence{}, perCase: map[[2]string]string{}, changed: make(chan struct{}, 1)}
	signal := func() {
		select {
		case w.changed <- struct{}{}:
		default:
		}
	}
	go func() {
		for {
			_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
			_, raw, err := conn.ReadMessage()
			if err != nil {
				w.mu.Lock()
				w.end = err
				w.mu.Unlock()
				signal()
				return
			}
			if p, ok := decodeOrNil(raw).(wire.Presence); ok {
				w.mu.Lock()
				w.latest[p.ClientID] = p
				w.perCase[[2]string{p.ClientID, p.CaseID}] = p.State
				w.mu.Unlock()
				signal()
			}
		}
	}()
	return w
}

func decodeOrNil(raw []byte) wire.Frame {
	f, _ := wire.Decode(raw)
	return f
}

// waitFor waits until ok holds on the latest presence; it fails when the
// session ends first or the deadline passes.
func (w *watcher) waitFor(deadline time.Time, ok func(map[string]wire.Presence) bool) error {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for {
		w.mu.Lock()
		done, end := ok(w.latest), w.end
		w.mu.Unlock()
		if done {
			return nil
		}
		if end != nil {
			return fmt.Errorf("%s: session ended: %w", w.name, end)
		}
		select {
		case <-w.changed:
		case <-timer.C:
			return fmt.Errorf("%s: timed out", w.name)
		}
	}
}

func (w *watcher) ended() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.end
}

func present(ps map[string]wire.Presence) int {
	n := 0
	for _, p := range ps {
		if p.State != "" {
			n++
		}
	}
	return n
}

// crowdTiming keeps production's write and hello deadlines: hundreds of
// sessions under -race on a loaded box can miss inputTiming's 2 s.
var crowdTiming = hub.Timing{HelloWait: 10 * time.Second, WriteWait: 10 * time.Second, PongWait: time.Minute, PingEvery: 30 * time.Second}

// One agent changing presence 260 times in a burst (inside the frame
// rate's burst) closes none of 200 bystanders, and each ends with the
// sender's latest state. Today each session buffers 256 presence frames
// and a full buffer closes it with 1013.
func TestPresenceBurstDropsNoBystander(t *testing.T) {
	h := startInputHub(t, crowdTiming)
	watchers := make([]*watcher, 200)
	for i := range watchers {
		name := fmt.Sprintf("console-%d", i)
		watchers[i] = watch(h.join(t, name).conn, name)
	}
	sender := h.join(t, "sender")
	sw := watch(sender.conn, "sender")
	var last wire.Presence
	for i := range 260 {
		last = wire.Presence{CaseID: h.cases[i%3], State: wire.PresenceViewing}
		if i%2 == 1 {
			last.State = wire.PresenceTyping
		}
		sender.send(last)
	}
	want := wire.Presence{Agent: "anonymous", ClientID: "sender", CaseID: last.CaseID, State: last.State}
	deadline := time.Now().Add(5 * time.Second)
	for _, w := range watchers {
		if err := w.waitFor(deadline, func(ps map[string]wire.Presence) bool { return ps["sender"] == want }); err != nil {
			w.mu.Lock()
			t.Fatalf("%v; latest presence of the sender %+v, want %+v", err, w.latest["sender"], want)
		}
	}
	for _, w := range append(watchers, sw) {
		if err := w.ended(); err != nil {
			t.Errorf("%s was closed: %v", w.name, err)
		}
	}
	// A console that keeps presence per case, not per agent, ends right
	// too: the sender is gone from the cases it left.
	for _, w := range watchers {
		w.mu.Lock()
		for _, id := range h.cases {
			if st := w.perCase[[2]string{"sender", id}]; id != last.CaseID && st != "" {
				t.Errorf("%s: sender still %s in case %s it left", w.name, st, id)
			}
		}
		w.mu.Unlock()
	}
}

// 300 consoles announcing presence at once (as after a hub restart) drop
// none, each learns where the 299 others are, and a console joining then
// is told all 300 (more than the 256 the join snapshot held before).
func TestPresenceOf300ConsolesAtOnce(t *testing.T) {
	h := startInputHub(t, crowdTiming)
	const n = 300
	peers := make([]*peer, n)
	watchers := make([]*watcher, n)
	for i := range peers {
		name := fmt.Sprintf("console-%d", i)
		peers[i] = h.join(t, name)
		watchers[i] = watch(peers[i].conn, name)
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i, p := range peers {
		wg.Go(func() {
			<-start
			b, _ := wire.Encode(wire.Presence{CaseID: h.cases[i%3], State: wire.PresenceViewing})
			if err := p.sendRaw(b); err != nil {
				errs <- fmt.Errorf("%s: %w", p.name, err)
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second) // seconds, unless the box is loaded
	for _, w := range watchers {
		if err := w.waitFor(deadline, func(ps map[string]wire.Presence) bool { return present(ps) == n-1 }); err != nil {
			w.mu.Lock()
			t.Fatalf("%v; knows %d of %d others' presence", err, present(w.latest), n-1)
		}
	}
	late := h.join(t, "late")
	lw := watch(late.conn, "late")
	if err := lw.waitFor(deadline, func(ps map[string]wire.Presence) bool { return present(ps) == n }); err != nil {
		lw.mu.Lock()
		t.Fatalf("%v; a console joining was told %d of %d presences", err, present(lw.latest), n)
	}
	for _, w := range watchers {
		if err := w.ended(); err != nil {
			t.Errorf("%s was closed: %v", w.name, err)
		}
	}
}

// A console that stops reading while the hub has a lot to send is dropped
// once a write misses its deadline: its presence ends for the others (the
// session is over; the close frame cannot reach a peer that reads nothing,
// so the connection is simply closed — the kernel goes on trying to send
// what is buffered), while a console beside it goes on.
func TestSlowConsumerIsDropped(t *testing.T) {
	tm := inputTiming
	tm.WriteWait = 300 * time.Millisecond
	h := startInputHub(t, tm)
	// ~8 MiB of events, more than the socket buffers on both sides hold.
	var evs []model.Event
	notes := strings.Repeat("0123456789abcdef", 8<<10) // 128 KiB
	for i := range 64 {
		evs = append(evs, model.Event{Type: model.EventCustomerUpserted, Time: time.Now().UTC(),
			Customer: &model.Customer{ID: fmt.Sprintf("C-%d", i), Name: "big", Notes: notes}})
	}
	if _, err := h.log.Append(evs); err != nil {
		t.Fatal(err)
	}
	bystander := h.join(t, "bystander")

	u, err := client.SyncURL(h.ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second, ReadBufferSize: 1024,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetReadBuffer(4 << 10)
			}
			return c, err
		}}
	slow, _, err := d.Dial(u, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	sp := &peer{t: t, name: "slow", conn: slow}
	sp.send(wire.Hello{Protocol: wire.Protocol, ClientID: "slow", Cursor: 0})
	sp.send(wire.Presence{CaseID: h.cases[0], State: wire.PresenceViewing})
	// The slow console never reads from here on.

	bystander.next("the slow console's presence", func(f wire.Frame) bool {
		p, ok := f.(wire.Presence)
		return ok && p.ClientID == "slow" && p.State == wire.PresenceViewing
	})
	// A loaded machine under -race takes seconds to encode and write those
	// pages: allow more than next's 10 s.
	_ = bystander.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		_, raw, err := bystander.conn.ReadMessage()
		if err != nil {
			t.Fatalf("bystander: waiting for the slow console to be dropped: %v", err)
		}
		if p, ok := decodeOrNil(raw).(wire.Presence); ok && p.ClientID == "slow" && p.State == "" {
			break
		}
	}
	h.assertServes(t, bystander)
}
