package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"switchboard/connector/generic"
	"switchboard/model"
	"switchboard/sync/hub"
	"switchboard/sync/wire"
)

// The hub process of TestHubSurvivesKill9 is this test binary run again
// with killEnvArgs set: its arguments, one a line.
const killEnvArgs = "SWITCHBOARD_HUB_KILL_ARGS"

// Sizes of TestHubSurvivesKill9: the same under -race (the hub and the
// clients are slower, the load is not large).
const (
	killClients   = 2   // websocket clients sending notes
	killOps       = 200 // notes per client
	killIngests   = 150 // items POSTed to the generic ingest, one a request
	killCases     = 12  // cases the notes go to, opened by a first ingest
	killKills     = 4   // SIGKILLs during the load
	killWindow    = 16  // ops a client has in flight, unanswered
	killReasks    = 40  // acked ops sent again at the end
	killIngestSrc = "kill-test"
)

// TestHubKillChild is the hub process that TestHubSurvivesKill9 starts and
// kills; in a normal run it is skipped. It runs the hub's main with the
// arguments of killEnvArgs until SIGTERM (or SIGKILL).
func TestHubKillChild(t *testing.T) {
	args := os.Getenv(killEnvArgs)
	if args == "" {
		t.Skip("the hub process of TestHubSurvivesKill9")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx, strings.Split(args, "\n"), os.Stdout, os.Stderr); err != nil {
		t.Fatal(err)
	}
}

// hubProc is one life of the hub process.
type hubProc struct {
	cmd    *exec.Cmd
	stderr *lockedBuffer
	done   chan error // the process's end, once
}

func startHubProc(t *testing.T, args ...string) *hubProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHubKillChild$", "-test.count=1", "-test.timeout=5m")
	cmd.Env = append(os.Environ(), killEnvArgs+"="+strings.Join(args, "\n"))
	p := &hubProc{cmd: cmd, stderr: &lockedBuffer{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = p.stderr, p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() }) // a failed test leaves no hub behind
	return p
}

// waitUp waits until the hub answers /healthz; it fails if the process
// ends first or is not up within 30 s.
func (p *hubProc) waitUp(addr string) error {
	hc := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := hc.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-p.done:
			p.done <- err // for kill and stop
			return fmt.Errorf("hub process ended while starting: %v; log:\n%s", err, p.stderr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("hub not up after 30s: %v; log:\n%s", err, p.stderr)
		}
	}
}

// hubAddr is where the hub listens, read by the clients at every dial.
type hubAddr struct{ v atomic.Pointer[string] }

func (a *hubAddr) get() string  { return *a.v.Load() }
func (a *hubAddr) set(s string) { a.v.Store(&s) }

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startLife starts the hub on dir and addr and waits until it serves. A
// restarted hub comes back on the same address, as consoles expect; only if
// another socket on this busy machine took the port while the hub was down
// does it move to a new one.
func startLife(t *testing.T, dir string, addr *hubAddr) *hubProc {
	t.Helper()
	for try := 1; ; try++ {
		h := startHubProc(t, "--listen", addr.get(), "--data", dir)
		err := h.waitUp(addr.get())
		if err == nil {
			return h
		}
		if try == 3 || !strings.Contains(h.stderr.String(), "address already in use") {
			t.Fatal(err)
		}
		t.Logf("port of %s taken while the hub was down: this life listens on another", addr.get())
		addr.set(freeAddr(t))
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *hubProc) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatal("hub process still there 10s after SIGKILL")
	}
}

// stop sends SIGTERM and expects a clean exit.
func (p *hubProc) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("hub process ended with %v after SIGTERM; log:\n%s", err, p.stderr)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("hub process still there 20s after SIGTERM; log:\n%s", p.stderr)
	}
}

// progress wakes the test when a client or the poster got an answer.
type progress struct {
	mu    sync.Mutex
	n     int
	wake  chan struct{}
	fails []string
}

func (p *progress) add() {
	p.mu.Lock()
	p.n++
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *progress) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

// fail records a broken promise of the hub; the test reports it at the end.
func (p *progress) fail(format string, args ...any) {
	p.mu.Lock()
	p.fails = append(p.fails, fmt.Sprintf(format, args...))
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *progress) failures() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.fails)
}

// opClient is an agent's console reduced to its outbox: it sends its notes
// in order, up to killWindow unanswered, and after a dropped connection
// sends every unanswered one again, oldest first, as sync/client does.
type opClient struct {
	name, token string
	addr        *hubAddr
	ops         []model.Op
	prog        *progress

	mu       sync.Mutex
	acked    int      // ops[:acked] are answered; answers come in op order
	inFlight int      // ops sent on the current connection, unanswered
	seq      []uint64 // the ack's seq of each answered op
	seen     uint64   // the newest event seq received
	conns    int
	// resent counts ops sent again on a new connection: their answer was
	// lost with a killed hub.
	resent int
}

func (c *opClient) done() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.acked == len(c.ops)
}

// run connects again and again until every op is answered or ctx ends.
func (c *opClient) run(ctx context.Context) {
	for ctx.Err() == nil && !c.done() {
		c.session(ctx)
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func dialSync(addr, token string) (*websocket.Conn, error) {
	d := websocket.Dialer{HandshakeTimeout: 2 * time.Second}
	conn, _, err := d.Dial("ws://"+addr+wire.SyncPath, http.Header{"Authorization": {"Bearer " + token}})
	return conn, err
}

func writeFrame(conn *websocket.Conn, f wire.Frame) error {
	b, err := wire.Encode(f)
	if err != nil {
		return err
	}
	_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return conn.WriteMessage(websocket.TextMessage, b)
}

// readFrames decodes frames into a channel until the connection ends.
func readFrames(conn *websocket.Conn) <-chan wire.Frame {
	ch := make(chan wire.Frame, 64)
	go func() {
		defer close(ch)
		for {
			_, raw, err := conn.ReadMessage()
			if err != nil {
				return
			}
			f, err := wire.Decode(raw)
			if err != nil {
				f = wire.Error{Code: "undecodable", Reason: fmt.Sprintf("%v: %.200s", err, raw)}
			}
			ch <- f
		}
	}()
	return ch
}

// session is one connection: it ends when the hub goes away (killed), when
// every op is answered, or with ctx.
func (c *opClient) session(ctx context.Context) {
	conn, err := dialSync(c.addr.get(), c.token)
	if err != nil {
		return // the hub is down: try again
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	c.mu.Lock()
	cursor, sent := c.seen, c.acked
	c.conns++
	c.resent += c.inFlight
	c.inFlight = 0
	c.mu.Unlock()
	if writeFrame(conn, wire.Hello{Protocol: wire.Protocol, ClientID: c.name, Cursor: cursor}) != nil {
		return
	}
	frames := readFrames(conn)
	welcomed := false
	for {
		if welcomed {
			c.mu.Lock()
			acked := c.acked
			c.mu.Unlock()
			for ; sent < len(c.ops) && sent-acked < killWindow; sent++ {
				if writeFrame(conn, wire.Op{Op: c.ops[sent]}) != nil {
					return
				}
				c.mu.Lock()
				c.inFlight++
				c.mu.Unlock()
			}
		}
		f, ok := <-frames
		if !ok {
			return
		}
		switch f := f.(type) {
		case wire.Welcome:
			if f.Head < cursor {
				c.prog.fail("%s: hub restarted at head %d, but it had sent event %d before", c.name, f.Head, cursor)
			}
			welcomed = true
		case wire.Events:
			c.mu.Lock()
			for _, ev := range f.Events {
				if ev.Seq != c.seen+1 {
					c.prog.fail("%s: event seq %d after %d", c.name, ev.Seq, c.seen)
				}
				c.seen = ev.Seq
			}
			c.mu.Unlock()
		case wire.Ack:
			c.mu.Lock()
			i := c.acked
			if i >= len(c.ops) || f.OpID != c.ops[i].ID {
				c.mu.Unlock()
				c.prog.fail("%s: ack for %s while op %d is the oldest unanswered", c.name, f.OpID, i)
				return
			}
			c.seq = append(c.seq, f.Seq)
			c.acked++
			c.inFlight--
			all := c.acked == len(c.ops)
			c.mu.Unlock()
			c.prog.add()
			if all {
				return
			}
		case wire.Reject:
			c.prog.fail("%s: op %s rejected: %s %s", c.name, f.OpID, f.Code, f.Reason)
			return
		case wire.Error:
			c.prog.fail("%s: error frame %s: %s", c.name, f.Code, f.Reason)
			return
		}
	}
}

// poster POSTs ingest items one at a time, each until the hub answers 200,
// as a source with retries does. posted[i] is the id of the i-th item the
// hub accepted (or knew already).
type poster struct {
	addr  *hubAddr
	token string
	prog  *progress
	hc    *http.Client

	mu      sync.Mutex
	posted  []string
	retries int // requests sent again: no answer from a killed hub
}

func (p *poster) post(ctx context.Context, items []generic.Item) (generic.Response, error) {
	body, err := json.Marshal(items)
	if err != nil {
		return generic.Response{}, err
	}
	for ctx.Err() == nil {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+p.addr.get()+generic.Path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+p.token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := p.hc.Do(req)
		if err == nil {
			var r generic.Response
			derr := json.NewDecoder(resp.Body).Decode(&r)
			resp.Body.Close()
			switch {
			case resp.StatusCode == http.StatusOK && derr == nil:
				return r, nil
			case resp.StatusCode < 500:
				return r, fmt.Errorf("ingest answered %d", resp.StatusCode)
			}
		}
		p.mu.Lock()
		p.retries++
		p.mu.Unlock()
		select { // the hub is down or could not store: try again
		case <-ctx.Done():
		case <-time.After(10 * time.Millisecond):
		}
	}
	return generic.Response{}, ctx.Err()
}

func ingestItem(thread, id string) generic.Item {
	return generic.Item{Source: killIngestSrc, ThreadRef: thread, ID: id,
		Author: &generic.Author{Handle: "guest-" + thread}, Text: "message " + id, Public: true}
}

func (p *poster) run(ctx context.Context) {
	for i := range killIngests {
		id := fmt.Sprintf("item-%d", i)
		if _, err := p.post(ctx, []generic.Item{ingestItem(fmt.Sprintf("thread-%d", i%25), id)}); err != nil {
			if ctx.Err() == nil {
				p.prog.fail("ingest %s: %v", id, err)
			}
			return
		}
		p.mu.Lock()
		p.posted = append(p.posted, id)
		p.mu.Unlock()
		p.prog.add()
	}
}

// TestHubSurvivesKill9 runs the hub as a process, sends it notes over real
// websockets from killClients consoles and ingest POSTs at the same time,
// and kills it with SIGKILL killKills times in the middle of that load,
// each time starting it again on the same data folder and address. At the
// end the log runs 1..head without a gap (in the hub's file and as a fresh
// console syncing from 0 sees it), every acked op's note is in it exactly
// once, and one client's notes are in the order the hub acked them; every
// accepted ingest item is in it once, in order. Acked ops sent again are
// answered as the first time.
func TestHubSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills hub processes")
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("SWITCHBOARD_TEST_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (SWITCHBOARD_TEST_SEED repeats the kill points)", seed)
	rng := rand.New(rand.NewPCG(seed, 9))

	dir := t.TempDir()
	addr := &hubAddr{}
	addr.set(freeAddr(t))
	h := startLife(t, dir, addr)
	out, _, err := hubCmd(t, "token", "add", "--agent", "kim", "--role", "agent", "--data", dir)
	if err != nil {
		t.Fatal(err)
	}
	token := lastLine(out)

	prog := &progress{wake: make(chan struct{}, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ps := &poster{addr: addr, token: token, prog: prog, hc: &http.Client{Timeout: 5 * time.Second}}

	// The cases the notes go to.
	seedItems := make([]generic.Item, killCases)
	for i := range seedItems {
		seedItems[i] = ingestItem(fmt.Sprintf("case-%d", i), fmt.Sprintf("case-%d", i))
	}
	res, err := ps.post(ctx, seedItems)
	if err != nil || len(res.Cases) != killCases {
		t.Fatalf("opening cases: %+v, %v; hub log:\n%s", res, err, h.stderr)
	}

	clients := make([]*opClient, killClients)
	for k := range clients {
		c := &opClient{name: fmt.Sprintf("kill-console-%d", k), addr: addr, token: token, prog: prog}
		for i := range killOps {
			c.ops = append(c.ops, model.Op{ID: fmt.Sprintf("kill-%d-op-%d", k, i), Kind: model.OpNote,
				CaseID: res.Cases[(i+k)%killCases], Text: fmt.Sprintf("note %d of console %d", i, k), Created: time.Now().UTC()})
		}
		clients[k] = c
	}
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() { c.run(ctx) })
	}
	wg.Go(func() { ps.run(ctx) })

	// Kill i comes when (i+1)/(killKills+1) of the load is answered, and a
	// random 0–3 ms later: in the middle of ops, acks and ingests.
	total := killClients*killOps + killIngests
	waitProgress := func(what string, target int) {
		t.Helper()
		deadline := time.After(time.Minute)
		for prog.count() < target {
			if f := prog.failures(); len(f) > 0 {
				t.Fatalf("%s: %s", what, strings.Join(f, "\n"))
			}
			select {
			case <-prog.wake:
			case <-deadline:
				t.Fatalf("%s: only %d of %d answers after a minute; hub log:\n%s", what, prog.count(), target, h.stderr)
			}
		}
	}
	start := time.Now()
	for i := range killKills {
		waitProgress(fmt.Sprintf("before kill %d", i+1), (i+1)*total/(killKills+1))
		time.Sleep(time.Duration(rng.IntN(3000)) * time.Microsecond)
		at := prog.count()
		h.kill(t)
		t.Logf("kill %d: SIGKILL with %d of %d answers in", i+1, at, total)
		h = startLife(t, dir, addr)
	}
	waitProgress("after the last kill", total)
	wg.Wait()
	if f := prog.failures(); len(f) > 0 {
		t.Fatal(strings.Join(f, "\n"))
	}
	conns, resent := 0, 0
	for _, c := range clients {
		conns += c.conns
		resent += c.resent
	}
	t.Logf("%d ops from %d consoles over %d connections (%d sent again) and %d ingests (%d requests again) in %v, %d kills",
		killClients*killOps, killClients, conns, resent, killIngests, ps.retries, time.Since(start).Round(time.Millisecond), killKills)

	// A fresh console syncs from 0, then sends acked ops again: each is
	// answered with its first ack.
	wireLog, again := resyncAndReask(t, addr.get(), token, clients, rng)
	h.stop(t)

	l, err := hub.OpenBoltLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	evs, err := l.Read(0, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	checkGapFree(t, "hub.db", evs, l.Head())
	checkGapFree(t, "a sync from cursor 0", wireLog, l.Head())
	if len(wireLog) != len(evs) {
		t.Errorf("a sync from 0 gave %d events, hub.db holds %d", len(wireLog), len(evs))
	}

	// Every note once, each console's in ack order, each ack's seq the
	// note's case update (the op's last event).
	notes := map[string][]uint64{}
	inbound := map[string][]uint64{}
	for _, ev := range evs {
		if m := ev.Message; m != nil && ev.Type == model.EventMessageAdded {
			switch m.Direction {
			case model.DirectionNote:
				notes[m.ID] = append(notes[m.ID], ev.Seq)
			case model.DirectionIn:
				inbound[m.PlatformID] = append(inbound[m.PlatformID], ev.Seq)
			}
		}
	}
	var bad [4]int // not once, out of order, wrong ack seq, answered differently
	report := func(kind int, format string, args ...any) {
		if bad[kind]++; bad[kind] <= 5 {
			t.Errorf(format, args...)
		}
	}
	n := 0
	for _, c := range clients {
		var prev uint64
		for i, op := range c.ops {
			seqs := notes[op.ID]
			if len(seqs) != 1 {
				report(0, "%s op %d (%s): %d notes in the log, want 1", c.name, i, op.ID, len(seqs))
				continue
			}
			n++
			if seqs[0] <= prev {
				report(1, "%s op %d (%s) logged at seq %d, before op %d at %d: not in ack order", c.name, i, op.ID, seqs[0], i-1, prev)
			}
			if a := c.seq[i]; a <= seqs[0] || a > l.Head() || evs[a-1].Case == nil || evs[a-1].Case.ID != op.CaseID {
				report(2, "%s op %d (%s): acked with seq %d, its note is at %d", c.name, i, op.ID, a, seqs[0])
			}
			prev = seqs[0]
		}
	}
	if len(notes) != n {
		t.Errorf("the log holds %d notes, %d of them acked once", len(notes), n)
	}
	for _, c := range again {
		if c.got != c.want {
			report(3, "op %s sent again: ack seq %d, first ack %d", c.id, c.got, c.want)
		}
	}

	// Every accepted ingest item once, in the order accepted.
	var prev uint64
	for i, id := range ps.posted {
		seqs := inbound["generic/"+killIngestSrc+"/"+id]
		if len(seqs) != 1 {
			report(0, "ingest %d (%s): %d messages in the log, want 1", i, id, len(seqs))
			continue
		}
		if seqs[0] <= prev {
			report(1, "ingest %d (%s) logged at seq %d, before ingest %d at %d", i, id, seqs[0], i-1, prev)
		}
		prev = seqs[0]
	}
	if bad != [4]int{} {
		t.Errorf("%d ops or ingests not in the log once, %d out of order, %d acked with a wrong seq, %d answered differently the second time",
			bad[0], bad[1], bad[2], bad[3])
	}
	if want := killIngests + killCases; len(inbound) != want {
		t.Errorf("the log holds %d inbound messages, want %d", len(inbound), want)
	}
	if t.Failed() {
		return
	}
	t.Logf("log of %d events gap-free; %d notes and %d ingests each once, in order; %d acked ops answered again alike",
		len(evs), n, len(ps.posted), len(again))
}

// reask is an acked op sent again: the first ack's seq and the new one's.
type reask struct {
	id        string
	want, got uint64
}

// resyncAndReask syncs a new console from cursor 0 until caught up, then
// sends killReasks acked ops again and collects their answers.
func resyncAndReask(t *testing.T, addr, token string, clients []*opClient, rng *rand.Rand) ([]model.Event, []reask) {
	t.Helper()
	conn, err := dialSync(addr, token)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := writeFrame(conn, wire.Hello{Protocol: wire.Protocol, ClientID: "kill-fresh-console"}); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(time.Minute))
	frames := readFrames(conn)
	var evs []model.Event
	next := func(what string) wire.Frame {
		f, ok := <-frames
		if !ok {
			t.Fatalf("connection ended waiting for %s", what)
		}
		if e, ok := f.(wire.Error); ok {
			t.Fatalf("waiting for %s: %v", what, e)
		}
		if e, ok := f.(wire.Events); ok {
			evs = append(evs, e.Events...)
		}
		return f
	}
	for {
		if c, ok := next("caught_up").(wire.CaughtUp); ok && c.Seq == uint64(len(evs)) {
			break
		}
	}
	byID := map[string]*reask{}
	var order []string
	for range killReasks {
		c := clients[rng.IntN(len(clients))]
		i := rng.IntN(len(c.ops))
		op := c.ops[i]
		if byID[op.ID] != nil {
			continue
		}
		byID[op.ID] = &reask{id: op.ID, want: c.seq[i]}
		order = append(order, op.ID)
		if err := writeFrame(conn, wire.Op{Op: op}); err != nil {
			t.Fatal(err)
		}
	}
	for got := 0; got < len(order); {
		switch f := next("acks").(type) {
		case wire.Ack:
			r := byID[f.OpID]
			if r == nil {
				t.Fatalf("ack for %s, which was not sent", f.OpID)
			}
			r.got = f.Seq
			got++
		case wire.Reject:
			t.Fatalf("acked op %s sent again: rejected %s %s", f.OpID, f.Code, f.Reason)
		}
	}
	out := make([]reask, 0, len(order))
	for _, id := range order {
		out = append(out, *byID[id])
	}
	return evs, out
}

// checkGapFree checks evs are seqs 1..head, each once.
func checkGapFree(t *testing.T, what string, evs []model.Event, head uint64) {
	t.Helper()
	for i, ev := range evs {
		if ev.Seq != uint64(i+1) {
			t.Errorf("%s: event %d has seq %d: a gap or a repeat", what, i+1, ev.Seq)
			return
		}
	}
	if uint64(len(evs)) != head {
		t.Errorf("%s: %d events, head %d", what, len(evs), head)
	}
}
