package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/connector/facebook"
	"switchboard/connector/generic"
	"switchboard/sync/hub"
)

// captureFront makes the next serve hand its HTTP server to the test.
func captureFront(t *testing.T) <-chan *front {
	t.Helper()
	ch := make(chan *front, 1)
	testHookServe = func(f *front) { ch <- f }
	t.Cleanup(func() { testHookServe = nil })
	return ch
}

// rawGet sends GET path on c and reads the answer; c stays open.
func rawGet(c net.Conn, br *bufio.Reader, path string) (int, error) {
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: hub\r\n\r\n", path); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// Point 1 of issue 9: more idle keep-alive connections than the cap and
// 100 webhook bodies stalled one byte short of their Content-Length do not
// keep /healthz or an authenticated ingest from answering at once; the
// bodies held stay within the budget, and the stalled ones are let go at
// the body deadline.
func TestServeIdleConnsAndStalledBodies(t *testing.T) {
	const (
		maxConns    = 50
		idleConns   = 200
		stalled     = 100
		bodyTimeout = 4 * time.Second
		budget      = 4 << 20
		prompt      = 2 * time.Second
	)
	dir := t.TempDir()
	out, _, err := hubCmd(t, "token", "add", "--agent", "ana", "--data", dir)
	if err != nil {
		t.Fatal(err)
	}
	token := lastLine(out)
	cfg := writeFile(t, dir, "config.json",
		`{"facebook": {"page_id": "104000000001", "app_secret": "app-secret", "verify_token": "verify"}}`)
	fronts := captureFront(t)
	hc := &http.Client{Timeout: 5 * time.Second}
	addr, logs := serveHub(t, hc, "http", "--data", dir, "--config", cfg, "--max-conns", fmt.Sprint(maxConns),
		"--body-timeout", bodyTimeout.String(), "--body-memory", "4MiB")
	fr := <-fronts

	// Idle keep-alive connections, four times the cap: each is answered,
	// the longest-idle ones closed to make room.
	var idle []net.Conn
	t.Cleanup(func() {
		for _, c := range idle {
			c.Close()
		}
	})
	for i := range idleConns {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		idle = append(idle, c)
		_ = c.SetDeadline(time.Now().Add(prompt))
		if code, err := rawGet(c, bufio.NewReader(c), "/healthz"); err != nil || code != http.StatusOK {
			t.Fatalf("idle connection %d: GET /healthz: %d, %v (open %d, evicted %d)", i, code, err, fr.Listener.Open(), fr.Listener.Evicted())
		}
	}
	if n := fr.Listener.Open(); n > maxConns {
		t.Errorf("%d connections open, cap %d", n, maxConns)
	}

	// Webhook bodies stalled one byte short.
	before := heapInUse()
	size := facebook.MaxBody
	body := make([]byte, size-1)
	start := time.Now()
	var wg, written sync.WaitGroup
	var busy atomic.Int32
	ended := make(chan time.Duration, stalled)
	for range stalled {
		wg.Add(1)
		written.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				written.Done()
				ended <- time.Since(start)
				return
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(bodyTimeout + 10*time.Second))
			_, err = fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\nX-Hub-Signature-256: sha256=00\r\nContent-Length: %d\r\n\r\n", facebook.Path, size)
			if err == nil {
				_, _ = c.Write(body) // a refused one may be reset while writing
			}
			written.Done()
			// An answer (503, or 400 at the deadline) or a closed
			// connection both mean the hub let go.
			if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err == nil &&
				resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "" {
				busy.Add(1)
			}
			ended <- time.Since(start)
		}()
	}
	written.Wait()
	during := heapInUse()
	held := fr.Bodies.Held()

	// Meanwhile a new client is answered at once.
	fresh := &http.Client{Timeout: prompt, Transport: &http.Transport{}}
	t0 := time.Now()
	resp, err := fresh.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz with idle connections and stalled bodies: %v (open %d)", err, fr.Listener.Open())
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz: %d", resp.StatusCode)
	}
	healthz := time.Since(t0)
	req, _ := http.NewRequest("POST", "http://"+addr+generic.Path, strings.NewReader(
		`{"source":"limits-test","thread_ref":"t1","id":"m1","author":{"handle":"sam@example.com"},"text":"Is anyone there?"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err = fresh.Do(req)
	if err != nil {
		t.Fatalf("authenticated ingest with stalled bodies: %v", err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("authenticated ingest: %d %s", resp.StatusCode, msg)
	}
	t.Logf("healthz in %v, ingest in %v; bodies held %d bytes; heap %d → %d MiB", healthz, time.Since(t0)-healthz, held, before>>20, during>>20)

	// One peer (every test connection comes from 127.0.0.1) holds at
	// most a quarter of the budget.
	if peak, b, share := fr.Bodies.Peak("webhooks"); peak > share || b != budget || share != budget/4 {
		t.Errorf("webhook bodies held at most %d bytes, budget %d (want %d), a peer's share %d", peak, b, budget, share)
	}
	// Unbounded, 100 bodies of 1 MiB are over 100 MiB of heap.
	if during > before && during-before > 3*budget+16<<20 {
		t.Errorf("heap grew by %d MiB with %d stalled bodies", (during-before)>>20, stalled)
	}

	wg.Wait()
	close(ended)
	var last time.Duration
	for d := range ended {
		last = max(last, d)
	}
	if busy.Load() == 0 {
		t.Error("no stalled body over the budget was answered 503 with Retry-After")
	}
	if last > bodyTimeout+3*time.Second {
		t.Errorf("the last stalled body was let go after %v; body timeout %v", last, bodyTimeout)
	}
	if n := fr.Bodies.Held(); n != 0 {
		t.Errorf("%d bytes of bodies still held after every stalled request ended", n)
	}
	if strings.Count(logs.String(), "http: body refused") > 20 {
		t.Errorf("every refused body is logged:\n%s", logs)
	}
}

// Requests that never send their headers, at the cap, give way to a new
// client after newGrace.
func TestServeSilentConnsAtCap(t *testing.T) {
	fronts := captureFront(t)
	hc := &http.Client{Timeout: 5 * time.Second}
	addr, _ := serveHub(t, hc, "http", "--data", t.TempDir(), "--max-conns", "20", "--header-timeout", "1m")
	fr := <-fronts
	for range 20 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	for deadline := time.Now().Add(5 * time.Second); fr.Listener.Open() < 20; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of 20 silent connections accepted", fr.Listener.Open())
		}
	}
	fresh := &http.Client{Timeout: newGrace + 3*time.Second, Transport: &http.Transport{}}
	resp, err := fresh.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz with the cap full of silent connections: %v (open %d)", err, fr.Listener.Open())
	}
	resp.Body.Close()
}

// A body that is read to its end lifts the body deadline, and a
// keep-alive connection serves the next request; a websocket upgrade
// keeps no deadline.
func TestBodyGuardDeadlines(t *testing.T) {
	lim := DefaultLimits
	lim.BodyTimeout = 300 * time.Millisecond
	lim.MaxConns = 8
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	slowDone := make(chan error, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /slow", func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		// Work longer than the body deadline once the body is in.
		select {
		case <-r.Context().Done():
			slowDone <- r.Context().Err()
		case <-time.After(3 * lim.BodyTimeout):
			slowDone <- nil
		}
		w.Write([]byte("done"))
	})
	fr := newHTTPServer(ln, mux, lim, nil, discardLogger())
	go fr.Server.Serve(fr.Listener)
	t.Cleanup(func() { fr.Server.Close() })
	hc := &http.Client{Timeout: 5 * time.Second}
	for i := range 2 {
		resp, err := hc.Post("http://"+ln.Addr().String()+"/slow", "text/plain", strings.NewReader("payload"))
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(b) != "done" {
			t.Fatalf("request %d: %d %s", i, resp.StatusCode, b)
		}
		if err := <-slowDone; err != nil {
			t.Fatalf("request %d: the handler's context ended while it worked: %v", i, err)
		}
	}
	if n := fr.Listener.Open(); n != 1 {
		t.Errorf("%d connections for two keep-alive requests", n)
	}
	if fr.Bodies.Held() != 0 {
		t.Errorf("bodies held after the requests: %d", fr.Bodies.Held())
	}

	// A chunked body over the route's limit is cut at the limit.
	big := io.MultiReader(strings.NewReader(strings.Repeat("x", 2<<20)))
	resp, err := hc.Post("http://"+ln.Addr().String()+"/slow", "text/plain", big)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a 2 MiB chunked body to a 1 MiB route: %d", resp.StatusCode)
	}
}

func TestByteSizeFlag(t *testing.T) {
	for in, want := range map[string]int64{"1048576": 1 << 20, "512KiB": 512 << 10, "16MiB": 16 << 20, "1GiB": 1 << 30} {
		var b byteSize
		if err := b.Set(in); err != nil || int64(b) != want {
			t.Errorf("%q: %d, %v; want %d", in, b, err, want)
		}
		if b.String() != in && in != "1048576" {
			t.Errorf("%q prints as %q", in, b.String())
		}
	}
	for _, bad := range []string{"", "0", "-1", "1TB", "MiB", "2000000GiB"} {
		var b byteSize
		if err := b.Set(bad); err == nil {
			t.Errorf("%q accepted as %d", bad, b)
		}
	}
}

// Point 11: a hub that cannot listen starts no connector.
func TestListenFailsBeforeConnectors(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	dir := t.TempDir()
	cfg := writeFile(t, dir, "config.json",
		`{"forum": {"feeds": [{"name": "f", "url": "http://127.0.0.1:1/feed.xml"}], "poll_every": "1h"}}`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs lockedBuffer
	err = run(ctx, []string{"--listen", taken.Addr().String(), "--data", dir, "--config", cfg}, io.Discard, &logs)
	if err == nil || !strings.Contains(err.Error(), "listen on") {
		t.Fatalf("run on a taken address: %v", err)
	}
	if strings.Contains(logs.String(), "connector") {
		t.Errorf("connectors started before the listen failed:\n%s", logs.String())
	}
}

// Point 11: an error is printed once, after one "hub: ".
func TestErrorLineOnePrefix(t *testing.T) {
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--listen", "127.0.0.1:0", "--data", notDir},
		{"--listen", "127.0.0.1:0", "--data", dir, "--log-level", "loud"},
	} {
		_, _, err := hubCmd(t, args...)
		if err == nil {
			t.Fatalf("%q: no error", args)
		}
		line := errorLine(err)
		if !strings.HasPrefix(line, "hub: ") || strings.Count(line, "hub: ") != 1 {
			t.Errorf("%q prints %q", args, line)
		}
	}
	// A wrong flag: the flag package has said it, with the usage.
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"--bogus"}, io.Discard, &stderr)
	if code := exitCode(err, &stderr); code != 2 || strings.Count(stderr.String(), "-bogus") != 1 {
		t.Errorf("--bogus: exit %d, printed:\n%s", code, stderr.String())
	}
	stderr.Reset()
	if code := exitCode(errors.New("hub: open x: denied"), &stderr); code != 1 || stderr.String() != "hub: open x: denied\n" {
		t.Errorf("exit %d, printed %q", code, stderr.String())
	}
	wrapped := fmt.Errorf("hub: load state: %w", errors.New("hub: snapshot: bad"))
	if got := errorLine(wrapped); got != "hub: load state: snapshot: bad" {
		t.Errorf("errorLine(%q) = %q", wrapped, got)
	}
}

// Point 11: --log-level warn leaves out the INFO lines.
func TestLogLevelFlag(t *testing.T) {
	hc := &http.Client{Timeout: 5 * time.Second}
	_, logs := serveHub(t, hc, "http", "--data", t.TempDir(), "--log-level", "warn")
	if s := logs.String(); strings.Contains(s, "level=INFO") || !strings.Contains(s, "level=WARN") {
		t.Errorf("--log-level warn logged:\n%s", s)
	}
}

// Point 11: 1,000 refused tokens write a few WARN lines and a summary
// that counts the rest, not 1,000 lines.
func TestRefusedTokensLogThrottled(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := hubCmd(t, "token", "add", "--agent", "ana", "--data", dir); err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Timeout: 5 * time.Second}
	addr, logs := serveHub(t, hc, "http", "--data", dir)
	const n = 1000
	bad := hub.TokenPrefix + strings.Repeat("A", 43)
	for i := range n {
		req, _ := http.NewRequest("GET", "http://"+addr+"/v1/sync", nil)
		req.Header.Set("Authorization", "Bearer "+bad)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
	}
	// The summary comes ThrottleSummaryAfter after the first line held back.
	deadline := time.Now().Add(hub.ThrottleSummaryAfter + 5*time.Second)
	for {
		lines, suppressed := 0, 0
		for _, l := range strings.Split(logs.String(), "\n") {
			if !strings.Contains(l, "auth: refused") {
				continue
			}
			lines++
			var k int
			if i := strings.Index(l, "suppressed="); i >= 0 {
				fmt.Sscanf(l[i:], "suppressed=%d", &k)
				suppressed += k
			} else {
				suppressed++ // a line of one refusal
			}
		}
		if suppressed == n {
			if lines > 100 {
				t.Errorf("%d refusals wrote %d lines", n, lines)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d refusals are told as %d in %d lines:\n%s", n, suppressed, lines, logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Point 11: repeats of one WARN message are throttled per message and
// counted; other messages and INFO lines pass.
func TestQuietHandler(t *testing.T) {
	var buf lockedBuffer
	logger := slog.New(newQuietHandler(slog.NewTextHandler(&buf, nil))).With("connector", "facebook")
	const n = 5000
	for i := range n {
		logger.Warn("webhook: refused", "i", i)
	}
	logger.Warn("another warning")
	logger.Info("an info line")
	deadline := time.Now().Add(quietSummaryAfter + 5*time.Second)
	for {
		s := buf.String()
		lines, told := 0, 0
		for _, l := range strings.Split(s, "\n") {
			if !strings.Contains(l, "webhook: refused") {
				continue
			}
			if !strings.Contains(l, "connector=facebook") {
				t.Fatalf("line without the logger's attributes: %q", l)
			}
			lines++
			if i := strings.Index(l, "suppressed="); i >= 0 {
				var k int
				fmt.Sscanf(l[i:], "suppressed=%d", &k)
				told += k
			} else {
				told++
			}
		}
		if told == n {
			if lines > 30 {
				t.Errorf("%d warnings wrote %d lines", n, lines)
			}
			if !strings.Contains(s, "another warning") || !strings.Contains(s, "an info line") {
				t.Errorf("other lines held back:\n%s", s)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d told in %d lines", told, n, lines)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Point 11: webhook posts with a wrong signature, from anyone, do not
// write a line each.
func TestWebhookRefusalsLogThrottled(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, dir, "config.json",
		`{"facebook": {"page_id": "104000000001", "app_secret": "app-secret", "verify_token": "verify"}}`)
	hc := &http.Client{Timeout: 5 * time.Second}
	addr, logs := serveHub(t, hc, "http", "--data", dir, "--config", cfg)
	const n = 500
	for i := range n {
		req, _ := http.NewRequest("POST", "http://"+addr+facebook.Path, strings.NewReader(`{"object":"page","entry":[]}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Hub-Signature-256", "sha256="+strings.Repeat("0", 64))
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode < 400 {
			t.Fatalf("request %d with a wrong signature: %d", i, resp.StatusCode)
		}
	}
	if lines := strings.Count(logs.String(), "level=WARN"); lines > 60 {
		t.Errorf("%d refused webhook posts wrote %d WARN lines", n, lines)
	}
}

// A wrong flag of a subcommand is printed once too, by the flag package.
func TestSubcommandFlagErrorOnce(t *testing.T) {
	for _, args := range [][]string{
		{"token", "add", "--bogus"},
		{"import-customers", "--bogus", "x.csv"},
	} {
		var stderr bytes.Buffer
		err := run(context.Background(), args, io.Discard, &stderr)
		if code := exitCode(err, &stderr); code != 2 || strings.Count(stderr.String(), "-bogus") != 1 {
			t.Errorf("%q: exit %d, printed:\n%s", args, code, stderr.String())
		}
	}
}

// A group's budget is shared: one peer holds at most a quarter, and at
// most half of MaxConns bodies are read at once.
func TestBodyBudgetShares(t *testing.T) {
	lim := DefaultLimits
	lim.BodyMemory = 8 << 20
	lim.MaxConns = 40
	g := newBodyGuard(lim, discardLogger())
	grp := g.groups["webhooks"]
	if !g.take(grp, "a", 1<<20) || !g.take(grp, "a", 1<<20) {
		t.Fatal("a peer is refused its first 2 MiB of 8")
	}
	if g.take(grp, "a", 1) {
		t.Error("a peer got more than a quarter of the budget")
	}
	for _, p := range []string{"b", "c", "d"} {
		if !g.take(grp, p, 2<<20) {
			t.Errorf("peer %s refused its quarter", p)
		}
	}
	if g.take(grp, "e", minReserve) {
		t.Error("the budget is full, yet another body is taken")
	}
	g.give(grp, "a", 1<<20)
	if !g.take(grp, "e", minReserve) {
		t.Error("a freed MiB is not given to another peer")
	}
	if n := g.bodies.Load(); n != 5 {
		t.Errorf("%d bodies counted, want 5", n)
	}
	other := g.groups["other"]
	taken := 0
	for i := range 100 {
		if g.take(other, fmt.Sprint("peer", i), minReserve) {
			taken++
		}
	}
	if total := int(g.bodies.Load()); total != lim.MaxConns/2 || taken != lim.MaxConns/2-5 {
		t.Errorf("%d bodies in flight (%d more taken), want at most %d", total, taken, lim.MaxConns/2)
	}
}

// A client that keeps a connection open and silent does not make a stop
// fail (the hub exited 1 with "context deadline exceeded").
func TestShutdownWithSilentConn(t *testing.T) {
	old := shutdownGrace
	shutdownGrace = 300 * time.Millisecond
	t.Cleanup(func() { shutdownGrace = old })
	fronts := captureFront(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var logs lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--listen", addr, "--data", t.TempDir(), "--header-timeout", "1m"}, io.Discard, &logs)
	}()
	fr := <-fronts
	c, err := net.Dial("tcp", addr)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	defer c.Close()
	for deadline := time.Now().Add(5 * time.Second); fr.Listener.Open() == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the silent connection is never accepted")
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("stop with a silent connection open: %v; log:\n%s", err, logs.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the hub does not stop")
	}
}
