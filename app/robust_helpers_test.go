package app_test

// Helpers of the robustness tests (durability_test.go, hubrestart_test.go,
// proxy_test.go): a hub that can be restarted from its data dir on the same
// address, a digest of hub and console state, exactly-once counting from
// the hub's log, and a TCP proxy that cuts or holds connections.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/app"
	"switchboard/model"
	"switchboard/sync/client"
	"switchboard/sync/hub"
)

// pollUntil is waitFor with a deadline of its own, for phases that move
// thousands of ops on a loaded machine.
func pollUntil(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// liveHub is a hub on a bbolt log in dir, served on a fixed loopback
// address, that can be stopped and reopened from the same dir as a
// restarted hub process would be.
type liveHub struct {
	dir    string
	addr   string
	timing hub.Timing

	log *hub.BoltLog // nil while stopped
	hub *hub.Hub
	srv *hub.Server
	ts  *httptest.Server // nil while not serving
}

// robustTiming keeps pings out of the way and gives a held connection time:
// the proxy may stall a hub's writes on purpose.
var robustTiming = hub.Timing{HelloWait: 5 * time.Second, WriteWait: 30 * time.Second, PongWait: 2 * time.Minute, PingEvery: time.Minute}

func startLiveHub(t *testing.T, dir string) *liveHub {
	t.Helper()
	h := &liveHub{dir: dir, timing: robustTiming}
	h.open(t)
	h.serve(t)
	t.Cleanup(h.stop)
	return h
}

func (h *liveHub) open(t *testing.T) {
	t.Helper()
	l, err := hub.OpenBoltLog(h.dir)
	if err != nil {
		t.Fatal(err)
	}
	hb, err := hub.New(l, hub.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		l.Close()
		t.Fatal(err)
	}
	h.log, h.hub = l, hb
}

// serve listens on h.addr, or on a free port the first time.
func (h *liveHub) serve(t *testing.T) {
	t.Helper()
	h.srv = hub.NewServer(h.hub, h.timing)
	h.ts = httptest.NewUnstartedServer(h.srv.Handler())
	h.ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	if h.addr != "" {
		var ln net.Listener
		pollUntil(t, "listening on "+h.addr, 10*time.Second, func() bool {
			var err error
			ln, err = net.Listen("tcp", h.addr)
			return err == nil
		})
		h.ts.Listener.Close()
		h.ts.Listener = ln
	}
	h.ts.Start()
	h.addr = h.ts.Listener.Addr().String()
}

// stop ends every session, stops listening and closes the log.
func (h *liveHub) stop() {
	if h.ts != nil {
		h.ts.Close()
		h.srv.Close()
		h.ts = nil
	}
	if h.log != nil {
		h.log.Close()
		h.log = nil
	}
}

// restart stops the hub and brings it back from its data dir on the same
// address; the hub rebuilds its state and op ledger from the log.
func (h *liveHub) restart(t *testing.T) {
	t.Helper()
	h.stop()
	h.open(t)
	h.serve(t)
}

func (h *liveHub) url() string { return "http://" + h.addr }

// seedCases ingests one customer message in each of n forum threads and
// returns the case ids.
func (h *liveHub) seedCases(t *testing.T, prefix string, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range n {
		id, _, err := h.hub.Ingest(hub.Inbound{
			Channel: model.ChannelForum, ThreadRef: fmt.Sprintf("%s-%d", prefix, i), PlatformID: fmt.Sprintf("%s-p%d", prefix, i),
			Author: model.Identity{Handle: fmt.Sprintf("%s-user-%d", prefix, i)}, Text: fmt.Sprintf("question %d", i),
			Time: t0.Add(time.Duration(i) * time.Second), Public: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = id
	}
	return ids
}

// hubState is each case of the hub as a line: its JSON and the ids of its
// messages in log order. It checks that the log runs 1..head without a gap
// and that every case counts the messages the log holds for it: an op
// applied twice would show there.
func hubState(t *testing.T, h *liveHub) map[string]string {
	t.Helper()
	evs, err := h.log.Read(0, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	for i, ev := range evs {
		if ev.Seq != uint64(i+1) {
			t.Fatalf("hub log: event %d has seq %d, want %d (a gap or a repeat)", i+1, ev.Seq, i+1)
		}
	}
	if n := uint64(len(evs)); n != h.log.Head() {
		t.Errorf("hub log holds %d events, its head is %d", n, h.log.Head())
	}
	msgs := map[string][]string{}
	for _, ev := range evs {
		switch {
		case ev.Case != nil:
			if _, ok := msgs[ev.Case.ID]; !ok {
				msgs[ev.Case.ID] = nil
			}
		case ev.Message != nil:
			msgs[ev.Message.CaseID] = append(msgs[ev.Message.CaseID], ev.Message.ID)
		}
	}
	if len(msgs) != h.hub.CaseCount() {
		t.Errorf("hub log names %d cases, hub holds %d", len(msgs), h.hub.CaseCount())
	}
	out := make(map[string]string, len(msgs))
	for id, ms := range msgs {
		c, ok := h.hub.Case(id)
		if !ok {
			t.Errorf("hub log has case %s, hub does not", id)
			continue
		}
		if c.MessageCount != len(ms) {
			t.Errorf("hub case %s counts %d messages, its log holds %d", id, c.MessageCount, len(ms))
		}
		out[id] = stateLine(t, c, ms)
	}
	return out
}

// consoleState is hubState as the console shows it: its queue, and each
// case with its thread.
func consoleState(t *testing.T, core *app.Core) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, s := range core.Queue(app.Filter{}) {
		d, err := core.Case(s.ID)
		if err != nil {
			t.Fatalf("console case %s: %v", s.ID, err)
		}
		if s.Version != d.Case.Version || s.Assignee != d.Case.Assignee || s.Status != d.Case.Status {
			t.Errorf("console queue entry %s (v%d %s %q) disagrees with its case (v%d %s %q)",
				s.ID, s.Version, s.Status, s.Assignee, d.Case.Version, d.Case.Status, d.Case.Assignee)
		}
		ids := make([]string, len(d.Thread))
		for i, m := range d.Thread {
			ids[i] = m.ID
		}
		out[s.ID] = stateLine(t, d.Case, ids)
	}
	return out
}

func stateLine(t *testing.T, c model.Case, msgIDs []string) string {
	t.Helper()
	raw, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw) + "|" + strings.Join(msgIDs, ",")
}

// digest is a sha256 over the state lines in case id order.
func digest(state map[string]string) string {
	h := sha256.New()
	for _, id := range slices.Sorted(maps.Keys(state)) {
		fmt.Fprintf(h, "%s\n", state[id])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// assertConverged compares the digests of hub and console, and names the
// first cases that differ when they do not match.
func assertConverged(t *testing.T, h *liveHub, core *app.Core) {
	t.Helper()
	hs, cs := hubState(t, h), consoleState(t, core)
	hd, cd := digest(hs), digest(cs)
	if hd == cd {
		t.Logf("hub and console agree on %d cases (digest %s…)", len(hs), hd[:12])
		return
	}
	t.Errorf("console digest %s… ≠ hub digest %s… (%d cases on the console, %d on the hub)", cd[:12], hd[:12], len(cs), len(hs))
	shown := 0
	for id, want := range hs {
		if got := cs[id]; got != want && shown < 3 {
			shown++
			t.Errorf("case %s:\nconsole %s\n    hub %s", id, got, want)
		}
	}
	for id := range cs {
		if _, ok := hs[id]; !ok && shown < 6 {
			shown++
			t.Errorf("console has case %s the hub does not", id)
		}
	}
}

// hubNotes counts the note messages in the hub's log by id. A note's
// message id is the op id, so this counts how often each op was applied.
func hubNotes(t *testing.T, l *hub.BoltLog) (count map[string]int, text map[string]string) {
	t.Helper()
	count, text, _ = hubNoteLog(t, l)
	return count, text
}

// hubNoteLog is hubNotes with the seq of each note's (first) message
// event, which gives the order the hub applied the ops in.
func hubNoteLog(t *testing.T, l *hub.BoltLog) (count map[string]int, text map[string]string, seq map[string]uint64) {
	t.Helper()
	evs, err := l.Read(0, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	count, text, seq = map[string]int{}, map[string]string{}, map[string]uint64{}
	for _, ev := range evs {
		if ev.Message != nil && ev.Message.Direction == model.DirectionNote {
			if count[ev.Message.ID]++; count[ev.Message.ID] == 1 {
				seq[ev.Message.ID] = ev.Seq
			}
			text[ev.Message.ID] = ev.Message.Text
		}
	}
	return count, text, seq
}

// assertAppliedOnce checks each op was applied exactly once, in order: one
// note in the log, an ack (not a reject) in the hub's op ledger, and the
// notes of opIDs (one console's ops in the order it queued them) in that
// order in the log. A console sends its outbox oldest first and the hub
// applies a session's ops in order, so a later op logged before an earlier
// one means an op was lost and applied again, or resent out of turn.
func assertAppliedOnce(t *testing.T, l *hub.BoltLog, opIDs []string) {
	t.Helper()
	count, _, seq := hubNoteLog(t, l)
	bad, disorder := 0, 0
	var prev uint64
	for i, id := range opIDs {
		n := count[id]
		a, found, err := l.FindOp(id)
		if n == 1 && found && err == nil && a.Reject == nil && a.Seq > 0 {
			if s := seq[id]; s <= prev {
				if disorder++; disorder <= 5 {
					t.Errorf("op %d (%s) logged at seq %d, before op %d at seq %d", i, id, s, i-1, prev)
				}
			}
			prev = seq[id]
			continue
		}
		if bad++; bad <= 5 {
			t.Errorf("op %s: %d notes in the hub's log, ledger %+v found %v err %v", id, n, a, found, err)
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d ops not applied exactly once", bad, len(opIDs))
	}
	if disorder > 0 {
		t.Errorf("%d of %d ops logged out of the order they were queued in", disorder, len(opIDs))
	}
}

// connectTo starts syncing core with url; the returned stop cancels and
// waits, once.
func connectTo(t *testing.T, core *app.Core, url string) func() {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := core.Start(ctx, url, "")
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Error("console sync did not stop")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// waitCaughtUp waits until the console has every event of the hub's log.
func waitCaughtUp(t *testing.T, core *app.Core, h *liveHub, limit time.Duration) {
	t.Helper()
	pollUntil(t, "console caught up with the hub", limit, func() bool {
		s := core.Status()
		return s.State == client.StateOnline && s.Cursor == h.log.Head()
	})
}

// testSeed is SWITCHBOARD_TEST_SEED when set, so a failing run can be
// repeated with the same random choices; otherwise the clock.
func testSeed(t *testing.T) uint64 {
	t.Helper()
	if s := os.Getenv("SWITCHBOARD_TEST_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("SWITCHBOARD_TEST_SEED=%q: %v", s, err)
		}
		t.Logf("seed %d from SWITCHBOARD_TEST_SEED", v)
		return v
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d (SWITCHBOARD_TEST_SEED=%d repeats the random choices)", seed, seed)
	return seed
}

// Directions through the proxy.
const (
	up   = 0 // console → hub
	down = 1 // hub → console
)

// proxy forwards loopback TCP connections to a hub. A byte budget per
// direction holds traffic once spent (a test stops a sync or a drain at a
// known point); with flaky set, each connection is cut after a random
// number of bytes or a random time.
type proxy struct {
	ln     net.Listener
	target string
	flaky  *flakiness

	mu      sync.Mutex
	cond    *sync.Cond
	rng     *rand.Rand
	links   map[*link]struct{}
	closed  bool
	budget  [2]int64 // bytes still allowed; <0: unlimited
	waiting [2]int   // forwarders held by a spent budget

	accepted, cuts atomic.Int64
	moved          [2]atomic.Int64
	wg             sync.WaitGroup
}

// flakiness is how a flaky proxy cuts connections.
type flakiness struct {
	minBytes, maxBytes int64         // cut after this many bytes, either way
	minLife, maxLife   time.Duration // or after this long
	early              float64       // share of connections cut in the first 2 KiB
}

type link struct {
	console, hub net.Conn
	left         int64 // bytes until a flaky cut; <0: none
	dead         bool  // guarded by proxy.mu
	timer        *time.Timer
}

func startProxy(t *testing.T, target string, flaky *flakiness, seed uint64) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target, flaky: flaky, links: map[*link]struct{}{},
		rng: rand.New(rand.NewPCG(seed, seed^0x5eed)), budget: [2]int64{-1, -1}}
	p.cond = sync.NewCond(&p.mu)
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *proxy) url() string { return "http://" + p.ln.Addr().String() }

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.accepted.Add(1)
		h, err := net.DialTimeout("tcp", p.target, 5*time.Second)
		if err != nil { // the hub is down: the console sees a dropped connection
			c.Close()
			continue
		}
		l := &link{console: c, hub: h, left: -1}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			c.Close()
			h.Close()
			return
		}
		if f := p.flaky; f != nil {
			if p.rng.Float64() < f.early {
				l.left = 1 + p.rng.Int64N(2<<10)
			} else {
				l.left = f.minBytes + p.rng.Int64N(f.maxBytes-f.minBytes+1)
			}
			life := f.minLife + time.Duration(p.rng.Int64N(int64(f.maxLife-f.minLife)+1))
			l.timer = time.AfterFunc(life, func() { p.cut(l) })
		}
		p.links[l] = struct{}{}
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(l, up, l.hub, l.console)
		go p.pipe(l, down, l.console, l.hub)
	}
}

// pipe copies one direction of a link until either side ends or the link
// is cut.
func (p *proxy) pipe(l *link, dir int, dst, src net.Conn) {
	defer p.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		for off := 0; off < n; {
			k, cutNow := p.take(l, dir, n-off)
			if k == 0 {
				return // cut while held
			}
			if _, werr := dst.Write(buf[off : off+k]); werr != nil {
				p.cut(l)
				return
			}
			p.moved[dir].Add(int64(k))
			off += k
			if cutNow {
				p.cut(l)
				return
			}
		}
		if err != nil {
			p.cut(l)
			return
		}
	}
}

// take waits for budget and returns how many of want bytes may pass, 0 when
// the link was cut; cutNow says the link's flaky budget ends with them.
func (p *proxy) take(l *link, dir, want int) (k int, cutNow bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.budget[dir] == 0 && !l.dead {
		p.waiting[dir]++
		p.cond.Wait()
		p.waiting[dir]--
	}
	if l.dead {
		return 0, false
	}
	k = want
	if p.budget[dir] > 0 {
		k = int(min(int64(k), p.budget[dir]))
		p.budget[dir] -= int64(k)
	}
	if l.left >= 0 {
		k = int(min(int64(k), l.left))
		l.left -= int64(k)
		cutNow = l.left == 0
	}
	return k, cutNow
}

// cut drops a link abruptly: both sides see the connection end, whatever
// was in flight is lost.
func (p *proxy) cut(l *link) {
	p.mu.Lock()
	if l.dead {
		p.mu.Unlock()
		return
	}
	l.dead = true
	delete(p.links, l)
	if l.timer != nil {
		l.timer.Stop()
	}
	p.cond.Broadcast()
	p.mu.Unlock()
	p.cuts.Add(1)
	l.console.Close()
	l.hub.Close()
}

func (p *proxy) cutAll() {
	p.mu.Lock()
	ls := make([]*link, 0, len(p.links))
	for l := range p.links {
		ls = append(ls, l)
	}
	p.mu.Unlock()
	for _, l := range ls {
		p.cut(l)
	}
}

// setBudget lets n more bytes pass in dir, then holds; n < 0: no limit.
func (p *proxy) setBudget(dir int, n int64) {
	p.mu.Lock()
	p.budget[dir] = n
	p.cond.Broadcast()
	p.mu.Unlock()
}

// holding reports that dir's budget is spent and traffic waits behind it.
func (p *proxy) holding(dir int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.budget[dir] == 0 && p.waiting[dir] > 0
}

func (p *proxy) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.ln.Close()
	p.cutAll()
	p.wg.Wait()
}
