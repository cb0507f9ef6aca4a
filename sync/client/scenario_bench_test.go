package client_test

// `make bench` scenarios of the console's sync (BenchmarkScenario*, run once
// with -benchtime 1x; see internal/bench). The hub runs in a child process
// (this test binary, re-executed as TestScenarioHubChild), so that the CPU
// this process spends is the console's alone; its log of bench.N() cases is
// made once, through the hub's batched write path (BoltLog.Append in pages
// of 6,000 events, then hub.New to fold it).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"switchboard/app"
	"switchboard/internal/bench"
	"switchboard/model"
	"switchboard/store"
	"switchboard/sync/client"
	"switchboard/sync/hub"
)

// scenarioMessages is how many messages each case of the data has; each is
// logged as a message event and a case event, as the hub's ingest does.
const scenarioMessages = 3

// fillLog writes n cases of scenarioMessages messages each into a hub log
// in dir, 6,000 events a transaction, and folds it once with hub.New (as a
// hub start would) to check it loads.
func fillLog(dir string, n int) error {
	l, err := hub.OpenBoltLog(dir)
	if err != nil {
		return err
	}
	defer l.Close()
	r := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	page := make([]model.Event, 0, 6000)
	for k := range n {
		id := fmt.Sprintf("case-%07d", k)
		author := model.Identity{Platform: model.ChannelTwitter, Handle: fmt.Sprintf("@customer%d", k), DisplayName: fmt.Sprintf("Customer %d", k), Followers: r.IntN(5000)}
		at := base.Add(time.Duration(k) * time.Second)
		for i := range scenarioMessages {
			mt := at.Add(time.Duration(i) * time.Minute)
			page = append(page,
				model.Event{Type: model.EventMessageAdded, Time: mt, Message: &model.Message{
					ID: fmt.Sprintf("m-%07d-%d", k, i), CaseID: id, Direction: model.DirectionIn, Author: author,
					Text: bench.Text(r), Time: mt, PlatformID: fmt.Sprintf("tw-%d-%d", k, i), Public: true}},
				model.Event{Type: model.EventCaseUpserted, Time: mt, Case: &model.Case{
					ID: id, Channel: model.ChannelTwitter, ThreadRef: fmt.Sprintf("tw-thread-%d", k), Subject: "my bag did not arrive",
					Author: author, Status: model.StatusNew, Priority: model.PriorityNormal, Public: true,
					Created: at, Updated: mt, LastMessageAt: mt, WaitingSince: at, MessageCount: i + 1, Version: int64(i + 1)}},
			)
		}
		if len(page) >= 6000 || k == n-1 {
			if _, err := l.Append(page); err != nil {
				return err
			}
			page = page[:0]
		}
	}
	h, err := hub.New(l, hub.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	if h.CaseCount() != n {
		return fmt.Errorf("hub folded %d cases, want %d", h.CaseCount(), n)
	}
	return nil
}

var (
	logOnce sync.Once
	logDir  string
	logErr  error
)

// scenarioLog is the folder of the hub log of bench.N() cases, made once
// per test binary.
func scenarioLog(b *testing.B) string {
	logOnce.Do(func() {
		logDir, logErr = os.MkdirTemp("", "sync-bench-")
		if logErr != nil {
			return
		}
		start := time.Now()
		logErr = fillLog(logDir, bench.N())
		fmt.Fprintf(os.Stderr, "sync bench data: %d cases, %d messages in %s\n", bench.N(), bench.N()*scenarioMessages, time.Since(start).Round(time.Millisecond))
	})
	if logErr != nil {
		b.Fatal(logErr)
	}
	return logDir
}

// TestMain removes the scenarios' hub log (made once, shared by them) when
// the test binary is done.
func TestMain(m *testing.M) {
	code := m.Run()
	if logDir != "" {
		os.RemoveAll(logDir)
	}
	os.Exit(code)
}

// TestScenarioHubChild is the hub of the scenarios, run in a child process:
// it serves the log in SB_SCENARIO_HUB on loopback, says its address on
// stdout and stops when stdin closes. Skipped in a normal test run.
func TestScenarioHubChild(t *testing.T) {
	dir := os.Getenv("SB_SCENARIO_HUB")
	if dir == "" {
		t.Skip("only the child process of the sync scenarios runs the hub")
	}
	l, err := hub.OpenBoltLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	h, err := hub.New(l, hub.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := hub.NewServer(h, hub.DefaultTiming)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = http.Serve(ln, srv.Handler()) }()
	fmt.Printf("HUB %s %d %d\n", ln.Addr(), l.Head(), h.CaseCount())
	_, _ = io.Copy(io.Discard, os.Stdin)
	ln.Close()
	srv.Close()
}

// childHub is a hub serving dir in a child process.
type childHub struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	url   string
	head  uint64
	cases int
}

func startChildHub(b *testing.B, dir string) *childHub {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestScenarioHubChild$")
	cmd.Env = append(os.Environ(), "SB_SCENARIO_HUB="+dir)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	c := &childHub{cmd: cmd, stdin: stdin}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		var addr string
		if _, err := fmt.Sscanf(sc.Text(), "HUB %s %d %d", &addr, &c.head, &c.cases); err == nil {
			c.url = "ws://" + addr
			break
		}
	}
	if c.url == "" {
		stdin.Close()
		_ = cmd.Wait()
		b.Fatal("the hub child said no address")
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	b.Cleanup(c.stop)
	return c
}

func (c *childHub) stop() {
	if c.stdin != nil {
		c.stdin.Close()
		_ = c.cmd.Wait()
		c.stdin = nil
	}
}

// cpu is the CPU time (user + system) this process has used.
func cpu() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// threadCPU is the CPU time of the calling OS thread (lock the goroutine
// to it around what is measured).
func threadCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// syncFresh syncs a fresh cache in dir from hub until it is caught up and
// returns the time it took.
func syncFresh(b *testing.B, h *childHub, dir string) time.Duration {
	b.Helper()
	st, err := store.Open(filepath.Join(dir, "console.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	done := make(chan struct{})
	var once sync.Once
	c := &client.Client{HubURL: h.url, Cache: st, OnStatus: func(s client.Status) {
		if s.State == client.StateOnline && s.Cursor >= h.head {
			once.Do(func() { close(done) })
		}
	}}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	start := time.Now()
	go func() { defer close(stopped); _ = c.Run(ctx) }()
	select {
	case <-done:
	case <-time.After(10 * time.Minute):
		b.Fatal("sync did not catch up in 10 minutes")
	}
	took := time.Since(start)
	cancel()
	<-stopped
	if sums, err := st.Summaries(); err != nil || len(sums) != h.cases {
		b.Fatalf("console holds %d cases (%v), hub %d", len(sums), err, h.cases)
	}
	return took
}

// snapshotPages is the hub's state as the snapshot a fresh console gets
// (each entity's JSON as the hub stores and sends it), cut into the
// console's write batches (client.SnapshotBatch).
func snapshotPages(b *testing.B, dir string) ([][]store.Entity, uint64) {
	b.Helper()
	l, err := hub.OpenBoltLog(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	var pages [][]store.Entity
	var page []store.Entity
	seq, err := l.SnapshotJSON(func(t model.EventType, seq uint64, field string, raw []byte) error {
		e := store.Entity{Type: t, Seq: seq, JSON: bytes.Clone(raw)}
		var ids struct {
			ID     string `json:"id"`
			CaseID string `json:"case_id"`
		}
		if err := json.Unmarshal(raw, &ids); err != nil {
			return err
		}
		if e.ID = ids.ID; field == "message" {
			e.ID = ids.CaseID
		}
		page = append(page, e)
		if len(page) == client.SnapshotBatch {
			pages, page = append(pages, page), nil
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return append(pages, page), seq
}

// writeLocal is the baseline of sync_initial: the same cases and messages
// written to a new cache through the store call the client makes
// (ApplySnapshotEntities, which decodes each case for its summary), in the
// batches the client writes, with no network.
func writeLocal(b *testing.B, pages [][]store.Entity, seq uint64, dir string) time.Duration {
	b.Helper()
	st, err := store.Open(filepath.Join(dir, "console.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	start := time.Now()
	if err := st.BeginSnapshot(); err != nil {
		b.Fatal(err)
	}
	for _, p := range pages {
		if _, err := st.ApplySnapshotEntities(p); err != nil {
			b.Fatal(err)
		}
	}
	if err := st.EndSnapshot(seq); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// BenchmarkScenarioSyncInitial is sync_initial: a fresh console syncs
// bench.N() cases with their messages from a hub (another process) over a
// loopback websocket, in cases/s; baseline: the same cases and messages
// written to a new cache through the store in the same batches, no network.
func BenchmarkScenarioSyncInitial(b *testing.B) {
	dir := scenarioLog(b)
	pages, seq := snapshotPages(b, dir)
	h := startChildHub(b, dir)
	var rates, bases []float64
	for range bench.Runs() {
		h0, c0 := procCPU(h.cmd.Process.Pid), cpu()
		d := syncFresh(b, h, b.TempDir())
		hubCPU, consoleCPU := procCPU(h.cmd.Process.Pid)-h0, cpu()-c0
		rates = append(rates, float64(h.cases)/d.Seconds())
		c1 := cpu()
		base := writeLocal(b, pages, seq, b.TempDir())
		localCPU := cpu() - c1
		bases = append(bases, float64(h.cases)/base.Seconds())
		fmt.Fprintf(os.Stderr, "sync_initial: %d cases in %s over the network (CPU: hub %s, console %s), %s local (CPU %s)\n", h.cases,
			d.Round(time.Millisecond), hubCPU.Round(time.Millisecond), consoleCPU.Round(time.Millisecond), base.Round(time.Millisecond), localCPU.Round(time.Millisecond))
	}
	bench.Report("sync_initial", bench.Median(rates), "cases/s", bench.Median(bases))
}

// BenchmarkScenarioSyncUICPU is sync_ui_cpu: the CPU the console's UI side
// spends during a fresh console's sync of bench.N() cases, against the
// sync's own CPU. The UI side is a listener as the console's: app.Core's
// OnChange (called at most every 100 ms, changes coalesced) and a Queue
// call per notification; its CPU is that of its OS thread around each
// call (RUSAGE_THREAD, the goroutine locked to the thread). The sync's own
// is this process's CPU over the sync (RUSAGE_SELF; the hub runs in
// another process) less the listener's.
func BenchmarkScenarioSyncUICPU(b *testing.B) {
	dir := scenarioLog(b)
	h := startChildHub(b, dir)
	var uis, syncs []float64
	for range bench.Runs() {
		core, err := app.Open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		var ui atomic.Int64
		var calls atomic.Int32
		core.OnChange(func(app.Change) {
			runtime.LockOSThread()
			t := threadCPU()
			_ = core.Queue(app.Filter{})
			ui.Add(int64(threadCPU() - t))
			runtime.UnlockOSThread()
			calls.Add(1)
		})
		ctx, cancel := context.WithCancel(context.Background())
		start, t0 := cpu(), time.Now()
		done := core.Start(ctx, h.url, "")
		deadline := time.Now().Add(10 * time.Minute)
		for st := core.Status(); st.State != client.StateOnline || st.Cursor < h.head; st = core.Status() {
			if time.Now().After(deadline) {
				b.Fatal("sync did not catch up in 10 minutes")
			}
			time.Sleep(20 * time.Millisecond)
		}
		total := cpu() - start
		took := time.Since(t0)
		cancel()
		<-done
		if n := core.Count(); n != h.cases {
			b.Fatalf("console holds %d cases, hub %d", n, h.cases)
		}
		core.Close()
		u := time.Duration(ui.Load())
		uis, syncs = append(uis, u.Seconds()), append(syncs, (total-u).Seconds())
		fmt.Fprintf(os.Stderr, "sync_ui_cpu: sync %s wall, %s CPU of which the UI listener %s in %d calls\n",
			took.Round(time.Millisecond), total.Round(time.Millisecond), u.Round(time.Millisecond), calls.Load())
	}
	bench.Report("sync_ui_cpu", bench.Median(uis), "s", bench.Median(syncs))
}

// delayProxy forwards TCP between a console and a hub, each chunk after
// delay in each direction: a round trip of twice delay.
type delayProxy struct {
	ln    net.Listener
	to    string
	delay time.Duration
}

func startDelayProxy(b *testing.B, to string, delay time.Duration) *delayProxy {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	p := &delayProxy{ln: ln, to: to, delay: delay}
	go p.accept()
	b.Cleanup(func() { ln.Close() })
	return p
}

func (p *delayProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go func() {
			u, err := net.Dial("tcp", p.to)
			if err != nil {
				c.Close()
				return
			}
			go p.pipe(c, u)
			p.pipe(u, c)
		}()
	}
}

// pipe copies from src to dst, each chunk held for the delay.
func (p *delayProxy) pipe(dst, src net.Conn) {
	type chunk struct {
		at time.Time
		b  []byte
	}
	q := make(chan chunk, 4096)
	go func() {
		defer dst.Close()
		for c := range q {
			time.Sleep(time.Until(c.at.Add(p.delay)))
			if _, err := dst.Write(c.b); err != nil {
				return
			}
		}
	}()
	defer close(q)
	buf := make([]byte, 64<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			q <- chunk{time.Now(), append([]byte(nil), buf[:n]...)}
		}
		if err != nil {
			return
		}
	}
}

// BenchmarkScenarioOutboxReplay is outbox_replay: 10,000 ops queued while
// offline (notes on the hub's cases), drained through a proxy that adds 50
// ms to every round trip (25 ms each way), from connecting until the last
// is answered. The console is caught up before each run (one console and
// one hub for all runs), so the time is the ops'.
func BenchmarkScenarioOutboxReplay(b *testing.B) {
	const ops = 10_000
	dir := b.TempDir()
	if err := fillLog(dir, 1000); err != nil {
		b.Fatal(err)
	}
	h := startChildHub(b, dir)
	px := startDelayProxy(b, strings.TrimPrefix(h.url, "ws://"), 25*time.Millisecond)
	core, err := app.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer core.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := core.Start(ctx, h.url, "")
	waitOnline(b, core, h.head)
	cancel()
	<-done
	var took []float64
	for run := range bench.Runs() {
		for i := range ops {
			if _, err := core.Do(model.Op{Kind: model.OpNote, CaseID: fmt.Sprintf("case-%07d", i%h.cases), Text: fmt.Sprintf("offline note %d of run %d", i, run)}); err != nil {
				b.Fatal(err)
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		hc0, cc0 := procCPU(h.cmd.Process.Pid), cpu()
		start := time.Now()
		done := core.Start(ctx, "ws://"+px.ln.Addr().String(), "")
		deadline := start.Add(10 * time.Minute)
		for core.Pending() > 0 {
			if time.Now().After(deadline) {
				b.Fatalf("%d ops still pending after 10 minutes", core.Pending())
			}
			time.Sleep(5 * time.Millisecond)
		}
		d := time.Since(start)
		cancel()
		<-done
		if rs, err := core.Rejected(); err != nil || len(rs) != 0 {
			b.Fatalf("%d ops rejected (%v)", len(rs), err)
		}
		took = append(took, d.Seconds())
		fmt.Fprintf(os.Stderr, "outbox_replay: %d ops in %s at 50 ms round trip (CPU: hub %s, console and proxy %s)\n", ops, d.Round(time.Millisecond),
			(procCPU(h.cmd.Process.Pid) - hc0).Round(time.Millisecond), (cpu() - cc0).Round(time.Millisecond))
	}
	bench.Report("outbox_replay", bench.Median(took), "s", 0)
}

func waitOnline(b *testing.B, core *app.Core, head uint64) {
	b.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for st := core.Status(); st.State != client.StateOnline || st.Cursor < head; st = core.Status() {
		if time.Now().After(deadline) {
			b.Fatalf("console not caught up: %+v", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// procCPU is the CPU time (user + system) process pid has used, from
// /proc (0 where it cannot be read); in clock ticks of 10 ms.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	i := bytes.LastIndexByte(b, ')')
	if err != nil || i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * 10 * time.Millisecond
}
