package client_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http/httptest"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"

	"switchboard/model"
	"switchboard/store"
	"switchboard/sync/client"
	"switchboard/sync/hub"
	"switchboard/sync/wire"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// timing keeps pings out of the way, so a test of live events sees the
// hub's wake-up and not a ping tick; TestKeepalive shortens them.
var timing = hub.Timing{HelloWait: 2 * time.Second, WriteWait: 2 * time.Second, PongWait: 2 * time.Minute, PingEvery: time.Minute}

// waitFor polls cond until it holds or a deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// checkGoroutines fails the test if goroutines it started outlive it. Call
// it first so its cleanup runs after every other.
func checkGoroutines(t *testing.T) {
	base := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > base {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				t.Errorf("%d goroutines at start, %d after cleanup:\n%s", base, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
}

// hubEnv is a hub on a bbolt log in dir, served on loopback.
type hubEnv struct {
	dir     string
	log     *hub.BoltLog
	hub     *hub.Hub
	srv     *hub.Server
	ts      *httptest.Server
	stopped bool
}

// openHub opens the hub's data dir without serving it.
func openHub(t *testing.T, dir string) *hubEnv {
	t.Helper()
	l, err := hub.OpenBoltLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	h, err := hub.New(l, hub.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		l.Close()
		t.Fatal(err)
	}
	e := &hubEnv{dir: dir, log: l, hub: h}
	t.Cleanup(e.stop)
	return e
}

// serve starts serving; addr "" picks a free port, otherwise the hub comes
// back on a previous address, as a restarted hub does.
func (e *hubEnv) serve(t *testing.T, addr string) {
	t.Helper()
	e.serveWith(t, addr, timing)
}

func (e *hubEnv) serveWith(t *testing.T, addr string, tm hub.Timing) {
	t.Helper()
	e.srv = hub.NewServer(e.hub, tm)
	e.ts = httptest.NewUnstartedServer(e.srv.Handler())
	if addr != "" {
		var ln net.Listener
		waitFor(t, "listening on "+addr, func() bool {
			var err error
			ln, err = net.Listen("tcp", addr)
			return err == nil
		})
		e.ts.Listener.Close()
		e.ts.Listener = ln
	}
	e.ts.Start()
}

func startHub(t *testing.T) *hubEnv {
	t.Helper()
	e := openHub(t, t.TempDir())
	e.serve(t, "")
	return e
}

func (e *hubEnv) addr() string { return e.ts.Listener.Addr().String() }

// stop shuts the hub down like cmd/hub: no new connections, close frames
// to every session, then the log.
func (e *hubEnv) stop() {
	if e.stopped {
		return
	}
	e.stopped = true
	if e.ts != nil {
		e.ts.Close()
		e.srv.Close()
	}
	e.log.Close()
}

func (e *hubEnv) wsURL() string {
	u, _ := client.SyncURL(e.ts.URL)
	return u
}

func inbound(thread, pid, handle, text string) hub.Inbound {
	return hub.Inbound{
		Channel: model.ChannelTwitter, ThreadRef: thread, PlatformID: pid,
		Author: model.Identity{Handle: handle, Followers: 10}, Text: text, Public: true,
	}
}

// ingestN adds n messages spread over threads, named by prefix.
func (e *hubEnv) ingestN(t *testing.T, prefix string, n, threads int) {
	t.Helper()
	for i := range n {
		th := fmt.Sprintf("%s-thread-%d", prefix, i%threads)
		_, dup, err := e.hub.Ingest(inbound(th, fmt.Sprintf("%s-%d", prefix, i), fmt.Sprintf("%s-user-%d", prefix, i%threads), fmt.Sprintf("%s message %d", prefix, i)))
		if err != nil || dup {
			t.Fatalf("ingest: dup %v, %v", dup, err)
		}
	}
}

// recorder keeps every status the client reports.
type recorder struct {
	mu      sync.Mutex
	all     []client.Status
	applied int
}

func (r *recorder) onStatus(s client.Status) {
	r.mu.Lock()
	r.all = append(r.all, s)
	r.mu.Unlock()
}

func (r *recorder) onApplied(store.Applied) {
	r.mu.Lock()
	r.applied++
	r.mu.Unlock()
}

func (r *recorder) last() client.Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.all) == 0 {
		return client.Status{}
	}
	return r.all[len(r.all)-1]
}

func (r *recorder) snapshot() []client.Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.all)
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(t.TempDir() + "/console.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// runClient syncs st with hubURL until the test ends.
func runClient(t *testing.T, hubURL string, st *store.Store) (*recorder, context.CancelFunc, <-chan error) {
	t.Helper()
	rec := &recorder{}
	c := &client.Client{HubURL: hubURL, Cache: st, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
		OnStatus: rec.onStatus, OnApplied: rec.onApplied}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		done <- c.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-stopped:
		case <-time.After(5 * time.Second):
			t.Error("client did not stop after its context ended")
		}
	})
	return rec, cancel, done
}

func cursorOf(t *testing.T, st *store.Store) uint64 {
	t.Helper()
	c, err := st.Cursor()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func waitSynced(t *testing.T, rec *recorder, st *store.Store, e *hubEnv) {
	t.Helper()
	waitFor(t, "console caught up with the hub", func() bool {
		s := rec.last()
		head := e.log.Head()
		return s.State == client.StateOnline && s.Cursor == head && cursorOf(t, st) == head
	})
}

// assertMirrors checks the console holds exactly the hub's state: the same
// cases, every message once and in log order, the same customers.
func assertMirrors(t *testing.T, st *store.Store, e *hubEnv) {
	t.Helper()
	evs, err := e.log.Read(0, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	if head := e.log.Head(); cursorOf(t, st) != head || uint64(len(evs)) != head {
		t.Fatalf("console cursor %d, hub head %d, %d events in log", cursorOf(t, st), head, len(evs))
	}
	thread := map[string][]string{}
	customers := map[string]bool{}
	for _, ev := range evs {
		switch ev.Type {
		case model.EventMessageAdded:
			thread[ev.Message.CaseID] = append(thread[ev.Message.CaseID], ev.Message.ID)
		case model.EventCaseUpserted:
			if _, ok := thread[ev.Case.ID]; !ok {
				thread[ev.Case.ID] = nil
			}
		case model.EventCustomerUpserted:
			customers[ev.Customer.ID] = true
		}
	}
	sums, err := st.Summaries()
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != len(thread) || len(thread) != e.hub.CaseCount() {
		t.Errorf("console has %d cases, hub log %d, hub %d", len(sums), len(thread), e.hub.CaseCount())
	}
	for _, sum := range sums {
		if _, ok := thread[sum.ID]; !ok {
			t.Errorf("console has case %s the hub does not", sum.ID)
		}
	}
	for id, wantMsgs := range thread {
		c, msgs, err := st.Case(id)
		if err != nil {
			t.Errorf("console lacks case %s: %v", id, err)
			continue
		}
		want, _ := e.hub.Case(id)
		if !reflect.DeepEqual(c, want) {
			t.Errorf("case %s differs:\nconsole %+v\n    hub %+v", id, c, want)
		}
		var got []string
		for _, m := range msgs {
			got = append(got, m.ID)
		}
		if !slices.Equal(got, wantMsgs) {
			t.Errorf("case %s thread: console %v, hub %v", id, got, wantMsgs)
		}
		if c.MessageCount != len(msgs) {
			t.Errorf("case %s counts %d messages, console holds %d", id, c.MessageCount, len(msgs))
		}
	}
	for id := range customers {
		if _, _, err := st.Customer(id); err != nil {
			t.Errorf("console lacks customer %s: %v", id, err)
		}
	}
}

func TestSyncFollowsLiveAndSurvivesHubRestart(t *testing.T) {
	checkGoroutines(t)
	e := startHub(t)
	e.ingestN(t, "a", 20, 5)
	st := openStore(t)
	clientID := st.ClientID()
	// http:// is accepted and turned into ws://.
	rec, cancel, done := runClient(t, e.ts.URL, st)
	waitSynced(t, rec, st, e)
	assertMirrors(t, st, e)

	// Live: new messages reach an online console without a reconnect.
	sessions := countSessions(rec.snapshot())
	e.ingestN(t, "live", 6, 2)
	waitSynced(t, rec, st, e)
	assertMirrors(t, st, e)
	if n := countSessions(rec.snapshot()); n != sessions {
		t.Errorf("live events needed a reconnect (%d → %d sessions)", sessions, n)
	}

	// Restart the hub from its data dir on the same address; traffic
	// arrives while the console is cut off.
	addr := e.addr()
	e.stop()
	waitFor(t, "console to notice the hub is gone", func() bool { return rec.last().State != client.StateOnline })
	e = openHub(t, e.dir)
	for i := range 20 { // the same platform items polled again: all duplicates
		_, dup, err := e.hub.Ingest(inbound(fmt.Sprintf("a-thread-%d", i%5), fmt.Sprintf("a-%d", i), fmt.Sprintf("a-user-%d", i%5), "again"))
		if err != nil || !dup {
			t.Fatalf("re-ingest after restart: dup %v, %v", dup, err)
		}
	}
	e.ingestN(t, "b", 15, 4) // new threads
	for i := range 5 {       // replies to threads from before the restart
		if _, _, err := e.hub.Ingest(inbound(fmt.Sprintf("a-thread-%d", i), fmt.Sprintf("a-reply-%d", i), fmt.Sprintf("a-user-%d", i), "any news?")); err != nil {
			t.Fatal(err)
		}
	}
	_, err := e.hub.UpsertCustomer(model.Customer{ID: "C-1", Name: "User A1",
		Links: []model.Link{{Identity: model.Identity{Platform: model.ChannelTwitter, Handle: "a-user-1"}, Consent: model.Consent{Service: true, By: "crm"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if head := e.log.Head(); head != 2*(20+6+15+5)+1+1 {
		t.Fatalf("hub head after restart = %d: duplicates were stored", head)
	}
	if got := cursorOf(t, st); got >= e.log.Head() {
		t.Fatalf("console cursor %d already at head %d while cut off", got, e.log.Head())
	}
	e.serve(t, addr)
	waitSynced(t, rec, st, e)
	assertMirrors(t, st, e)
	if _, cases, err := st.Customer("C-1"); err != nil || len(cases) != 1 {
		t.Errorf("customer C-1 cases in console = %d, %v; want 1", len(cases), err)
	}
	if st.ClientID() != clientID {
		t.Error("client id changed")
	}

	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if s := rec.last(); s.State != client.StateOffline {
		t.Errorf("state after cancel = %s, want offline", s.State)
	}
}

// countSessions counts connection attempts: each starts with connecting.
func countSessions(ss []client.Status) int {
	n := 0
	for _, s := range ss {
		if s.State == client.StateConnecting {
			n++
		}
	}
	return n
}

func TestSyncServerCloseAndReconnect(t *testing.T) {
	checkGoroutines(t)
	e := startHub(t)
	e.ingestN(t, "a", 10, 3)
	st := openStore(t)
	rec, _, _ := runClient(t, e.ts.URL, st)
	waitSynced(t, rec, st, e)

	// Drop every session but keep the hub and the address: a new Server
	// over the same hub takes the sessions that come back.
	addr := e.addr()
	e.ts.Close()
	e.srv.Close()
	waitFor(t, "console offline", func() bool { return rec.last().State == client.StateOffline })
	e.ingestN(t, "b", 10, 3)
	e.serve(t, addr)
	waitSynced(t, rec, st, e)
	assertMirrors(t, st, e)
	var sawGoingAway bool
	for _, s := range rec.snapshot() {
		sawGoingAway = sawGoingAway || strings.Contains(s.Err, "1001")
	}
	if !sawGoingAway {
		t.Error("no status reported the hub's going-away close")
	}
}

// appendBacklog writes n message/case pairs straight into the log, in one
// transaction, over the given number of cases.
func appendBacklog(t *testing.T, l *hub.BoltLog, n, cases int) {
	t.Helper()
	evs := make([]model.Event, 0, 2*n)
	counts := make([]int, cases)
	for i := range n {
		k := i % cases
		counts[k]++
		id := fmt.Sprintf("case-%03d", k)
		at := t0.Add(time.Duration(i) * time.Second)
		evs = append(evs,
			model.Event{Type: model.EventMessageAdded, Time: at, Message: &model.Message{
				ID: fmt.Sprintf("m-%04d", i), CaseID: id, Direction: model.DirectionIn, Text: fmt.Sprint("backlog ", i), Time: at}},
			model.Event{Type: model.EventCaseUpserted, Time: at, Case: &model.Case{
				ID: id, Channel: model.ChannelForum, ThreadRef: id, Subject: "topic " + id, Status: model.StatusNew,
				Author:  model.Identity{Platform: model.ChannelForum, Handle: fmt.Sprint("u", k)},
				Created: t0, Updated: at, LastMessageAt: at, MessageCount: counts[k], Version: int64(counts[k])}},
		)
	}
	if _, err := l.Append(evs); err != nil {
		t.Fatal(err)
	}
}

func TestLargeBacklogArrivesInPages(t *testing.T) {
	checkGoroutines(t)
	dir := t.TempDir()
	e := openHub(t, dir)
	appendBacklog(t, e.log, 600, 40) // 1,200 events
	e.stop()
	e = openHub(t, dir) // the hub rebuilds its state from the log
	e.serve(t, "")
	const head = 1200
	if e.log.Head() != head || e.hub.CaseCount() != 40 {
		t.Fatalf("hub head %d, %d cases", e.log.Head(), e.hub.CaseCount())
	}

	st := openStore(t)
	rec, _, _ := runClient(t, e.ts.URL, st)
	waitSynced(t, rec, st, e)
	assertMirrors(t, st, e)

	ss := rec.snapshot()
	var cursors []uint64
	sawSyncing := false
	prev := -1.0
	for _, s := range ss {
		if s.State == client.StateSyncing {
			sawSyncing = true
			if s.Head != head {
				t.Errorf("syncing with head %d, want %d", s.Head, head)
			}
			if p := s.Progress(); p < prev || p >= 1 && s.Cursor < head {
				t.Errorf("progress %v after %v at cursor %d", p, prev, s.Cursor)
			} else {
				prev = p
			}
			if len(cursors) == 0 || cursors[len(cursors)-1] != s.Cursor {
				cursors = append(cursors, s.Cursor)
			}
		}
	}
	if !sawSyncing {
		t.Fatalf("never reported syncing: %+v", ss)
	}
	// Welcome at 0, then one status per write: a page of MaxPage, or
	// several pages that arrived while the one before was written.
	if len(cursors) < 2 || cursors[0] != 0 || cursors[len(cursors)-1] != head {
		t.Errorf("cursors while syncing = %v, want 0 … %d", cursors, head)
	}
	for _, c := range cursors {
		if c%wire.MaxPage != 0 && c != head {
			t.Errorf("cursors while syncing = %v: %d is not at a page's end", cursors, c)
		}
	}
	last := ss[len(ss)-1]
	if last.State != client.StateOnline || last.Progress() != 1 || last.Cursor != head || last.Err != "" {
		t.Errorf("final status = %+v (progress %v), want online at %d with progress 1", last, last.Progress(), head)
	}
	rec.mu.Lock()
	applied := rec.applied
	rec.mu.Unlock()
	if applied != len(cursors)-1 {
		t.Errorf("OnApplied called %d times, want once per write (%d)", applied, len(cursors)-1)
	}
}

// Events carry full entities, so a page of MaxPage events can exceed
// MaxFrame when messages are long; the console must still get them all.
func TestLongMessagesDoNotWedgeSync(t *testing.T) {
	checkGoroutines(t)
	e := startHub(t)
	text := strings.Repeat("Das WLAN im Zimmer 204 funktioniert nicht. ", 1400) // ~60 KiB, under MaxText
	for i := range 40 {
		if _, _, err := e.hub.Ingest(inbound(fmt.Sprint("long-", i), fmt.Sprint("p", i), "writer", text)); err != nil {
			t.Fatal(err)
		}
	}
	st := openStore(t)
	rec, _, _ := runClient(t, e.ts.URL, st)
	waitSynced(t, rec, st, e)
	assertMirrors(t, st, e)
}

func TestResyncWhenCursorAhead(t *testing.T) {
	checkGoroutines(t)
	// The console synced with a hub whose data was later thrown away.
	old := openHub(t, t.TempDir())
	old.ingestN(t, "old", 15, 5)
	oldEvents, err := old.log.Read(0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t)
	if _, err := st.Apply(oldEvents); err != nil {
		t.Fatal(err)
	}
	clientID := st.ClientID()

	e := startHub(t)
	e.ingestN(t, "new", 5, 2)
	if cursorOf(t, st) <= e.log.Head() {
		t.Fatal("setup: console cursor is not ahead")
	}
	rec, _, _ := runClient(t, e.ts.URL, st)
	waitSynced(t, rec, st, e)
	assertMirrors(t, st, e) // no case of the old hub survives
	if st.ClientID() != clientID {
		t.Error("resync changed the client id")
	}
	var sawResync bool
	for _, s := range rec.snapshot() {
		sawResync = sawResync || strings.Contains(s.Err, "resync")
	}
	if !sawResync {
		t.Error("no status reported the resync")
	}
}

func dialRaw(t *testing.T, e *hubEnv) *websocket.Conn {
	t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial(e.wsURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	return conn
}

func readFrame(t *testing.T, conn *websocket.Conn) wire.Frame {
	t.Helper()
	_, raw, err := conn.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	f, err := wire.Decode(raw)
	if err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return f
}

func TestHandshakeRefusals(t *testing.T) {
	checkGoroutines(t)
	e := startHub(t)
	e.ingestN(t, "a", 2, 1)
	hello := func(proto int, cursor uint64) []byte {
		b, err := wire.Encode(wire.Hello{Protocol: proto, ClientID: "raw", Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	caughtUp, _ := wire.Encode(wire.CaughtUp{Seq: 1})
	tests := []struct {
		name      string
		first     []byte
		code      string
		closeCode int
	}{
		{"wrong protocol", hello(wire.Protocol+1, 0), wire.CodeProtocol, websocket.CloseProtocolError},
		{"not hello", caughtUp, wire.CodeBadHello, websocket.ClosePolicyViolation},
		{"not JSON", []byte("GET /events"), wire.CodeBadHello, websocket.ClosePolicyViolation},
		{"hello without protocol", []byte(`{"type":"hello","client_id":"x"}`), wire.CodeBadHello, websocket.ClosePolicyViolation},
		{"cursor ahead", hello(wire.Protocol, 1000), wire.CodeResync, websocket.CloseNormalClosure},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			conn := dialRaw(t, e)
			if err := conn.WriteMessage(websocket.TextMessage, tc.first); err != nil {
				t.Fatal(err)
			}
			f := readFrame(t, conn)
			we, ok := f.(wire.Error)
			if !ok {
				t.Fatalf("got %#v, want wire.Error", f)
			}
			if we.Code != tc.code || we.Reason == "" {
				t.Errorf("error = %+v, want code %s with a reason", we, tc.code)
			}
			_, _, err := conn.ReadMessage()
			if !websocket.IsCloseError(err, tc.closeCode) {
				t.Errorf("after the error: %v, want close %d", err, tc.closeCode)
			}
		})
	}

	t.Run("valid hello", func(t *testing.T) {
		conn := dialRaw(t, e)
		if err := conn.WriteMessage(websocket.TextMessage, hello(wire.Protocol, 1)); err != nil {
			t.Fatal(err)
		}
		if w, ok := readFrame(t, conn).(wire.Welcome); !ok || w.Head != 4 {
			t.Fatalf("welcome = %#v, want head 4", w)
		}
		evs, ok := readFrame(t, conn).(wire.Events)
		if !ok || len(evs.Events) != 3 || evs.Events[0].Seq != 2 || evs.Head != 4 {
			t.Fatalf("events after cursor 1 = %#v", evs)
		}
		if cu, ok := readFrame(t, conn).(wire.CaughtUp); !ok || cu.Seq != 4 {
			t.Fatalf("caught up = %#v", cu)
		}
	})
}

// After the handshake the hub answers what a client may not send with an
// error frame, and the session goes on.
func TestRefusedFramesAreAnswered(t *testing.T) {
	checkGoroutines(t)
	e := startHub(t)
	e.ingestN(t, "a", 1, 1)
	conn := dialRaw(t, e)
	hello, _ := wire.Encode(wire.Hello{Protocol: wire.Protocol, ClientID: "raw"})
	if err := conn.WriteMessage(websocket.TextMessage, hello); err != nil {
		t.Fatal(err)
	}
	for _, want := range []wire.Type{wire.TypeWelcome, wire.TypeEvents, wire.TypeCaughtUp} {
		if f := readFrame(t, conn); f.Type() != want {
			t.Fatalf("got %#v, want %s", f, want)
		}
	}
	for _, tc := range []struct {
		send []byte
		code string
	}{
		{[]byte("{not json"), wire.CodeBadFrame},
		{hello, wire.CodeUnknownType},
		{[]byte(`{"type":"subscribe"}`), wire.CodeUnknownType},
	} {
		if err := conn.WriteMessage(websocket.TextMessage, tc.send); err != nil {
			t.Fatal(err)
		}
		if we, ok := readFrame(t, conn).(wire.Error); !ok || we.Code != tc.code {
			t.Errorf("answer to %s = %#v, want code %s", tc.send, we, tc.code)
		}
	}
	// Still live: a new message arrives on the same connection.
	e.ingestN(t, "b", 1, 1)
	evs, ok := readFrame(t, conn).(wire.Events)
	if !ok || len(evs.Events) != 2 || evs.Events[0].Seq != 3 {
		t.Errorf("live page after refused frames = %#v", evs)
	}
}

func TestNoHelloTimesOut(t *testing.T) {
	checkGoroutines(t)
	e := openHub(t, t.TempDir())
	e.srv = hub.NewServer(e.hub, hub.Timing{HelloWait: 100 * time.Millisecond, WriteWait: time.Second, PongWait: time.Second, PingEvery: 500 * time.Millisecond})
	e.ts = httptest.NewServer(e.srv.Handler())
	conn := dialRaw(t, e) // and say nothing
	start := time.Now()
	if _, _, err := conn.ReadMessage(); err == nil {
		t.Fatal("read succeeded on a session without hello")
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("hub kept a silent connection for %v", took)
	}
}

func TestSyncURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://127.0.0.1:8750", "ws://127.0.0.1:8750/v1/sync"},
		{"https://hub.example/", "wss://hub.example/v1/sync"},
		{"ws://h:1/base", "ws://h:1/base/v1/sync"},
		{" wss://h ", "wss://h/v1/sync"},
	}
	for _, tc := range tests {
		if got, err := client.SyncURL(tc.in); err != nil || got != tc.want {
			t.Errorf("SyncURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"ftp://h", "127.0.0.1:8750", "http://", "://"} {
		if got, err := client.SyncURL(bad); err == nil {
			t.Errorf("SyncURL(%q) = %q, want an error", bad, got)
		}
	}
	// A bad URL is a configuration error: Run returns at once.
	c := &client.Client{HubURL: "ftp://h", Cache: nil}
	if err := c.Run(context.Background()); err == nil {
		t.Error("Run with a bad URL returned nil")
	}
}

func TestClosedServerRefusesSessions(t *testing.T) {
	checkGoroutines(t)
	e := startHub(t)
	e.srv.Close()
	conn, resp, err := websocket.DefaultDialer.Dial(e.wsURL(), nil)
	if err == nil {
		conn.Close()
		t.Fatal("a closed hub server accepted a session")
	}
	if resp == nil || resp.StatusCode != 503 {
		t.Errorf("dial after Close: %v (response %v), want 503", err, resp)
	}
}

// The hub drops a peer that stays silent for PongWait; the console answers
// its pings, so an idle session outlives many PongWaits.
func TestKeepalive(t *testing.T) {
	checkGoroutines(t)
	e := openHub(t, t.TempDir())
	const pongWait = 200 * time.Millisecond
	e.serveWith(t, "", hub.Timing{HelloWait: time.Second, WriteWait: time.Second, PongWait: pongWait, PingEvery: pongWait / 4})
	e.ingestN(t, "a", 2, 1)
	st := openStore(t)
	rec, _, _ := runClient(t, e.ts.URL, st)
	waitSynced(t, rec, st, e)

	// The quantity under test is time passing, so this waits on a clock.
	<-time.After(5 * pongWait)
	e.ingestN(t, "b", 2, 1)
	waitSynced(t, rec, st, e)
	if n := countSessions(rec.snapshot()); n != 1 {
		t.Errorf("%d sessions: the idle session was dropped", n)
	}
}

// An op the hub answers with bad_op (naming its op_id) leaves the outbox as
// a rejected op, and the ops behind it are applied on the same connection:
// it is not sent again on every reconnect.
func TestBadOpLeavesTheOutbox(t *testing.T) {
	e := startHub(t)
	id, _, err := e.hub.Ingest(inbound("bad-op-thread", "bad-op-1", "una", "hello"))
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t)
	bad := model.Op{ID: uuid.NewString(), Kind: model.OpTag, CaseID: id, Tag: "bell\a", Created: time.Now().UTC()}
	good := model.Op{ID: uuid.NewString(), Kind: model.OpTag, CaseID: id, Tag: "fine", Created: time.Now().UTC()}
	for _, op := range []model.Op{bad, good} {
		if err := st.Enqueue(op); err != nil {
			t.Fatal(err)
		}
	}
	rec, _, _ := runClient(t, e.ts.URL, st)
	waitFor(t, "the outbox emptied", func() bool { ops, _ := st.Outbox(); return len(ops) == 0 })
	rs, err := st.RejectedOps()
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].Op.ID != bad.ID || rs[0].Reject.Code != model.RejectInvalid {
		t.Fatalf("rejected ops %+v, want the bad op only", rs)
	}
	if c, _ := e.hub.Case(id); len(c.Tags) != 1 || c.Tags[0] != "fine" {
		t.Fatalf("case tags %v, want the good op applied", c.Tags)
	}
	if n := countSessions(rec.snapshot()); n != 1 {
		t.Errorf("%d sessions, want the bad op answered without a reconnect", n)
	}
}
