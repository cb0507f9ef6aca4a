package main

import (
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"switchboard/connector/facebook"
	"switchboard/connector/generic"
	"switchboard/connector/twitter"
	"switchboard/sync/hub"
)

// Limits are the hub's defences against idle, slow and oversized peers:
// its webhooks face the internet, and nothing an unauthenticated peer sends
// may take the hub down or starve other users. README (Configuration)
// documents each.
type Limits struct {
	// MaxConns caps open connections, websockets included. At the cap the
	// longest-idle keep-alive connection is closed to admit a new one, so
	// idle connections never lock out /healthz, a console or a webhook.
	MaxConns int
	// HeaderTimeout is the time to send a request's headers.
	HeaderTimeout time.Duration
	// BodyTimeout is the time to send a request's body, counted from its
	// headers. The sync websocket is not under it: its session keeps its
	// own deadlines (hello, pongs).
	BodyTimeout time.Duration
	// IdleTimeout is how long a keep-alive connection waits for its next
	// request.
	IdleTimeout time.Duration
	// WriteTimeout is the time to write a response (not websocket frames).
	WriteTimeout time.Duration
	// MaxHeaderBytes caps a request's headers.
	MaxHeaderBytes int
	// BodyMemory is the bytes of request bodies held at once, for each
	// group of routes (webhooks, ingest, others); the CRM import has its
	// own budget of one file of hub.MaxImportBytes. A body that does not
	// fit is refused with 503 and Retry-After.
	BodyMemory int64
}

// DefaultLimits are the hub's limits unless flags say otherwise.
var DefaultLimits = Limits{
	MaxConns:       4096,
	HeaderTimeout:  5 * time.Second,
	BodyTimeout:    20 * time.Second,
	IdleTimeout:    30 * time.Second,
	WriteTimeout:   30 * time.Second,
	MaxHeaderBytes: 64 << 10,
	BodyMemory:     16 << 20,
}

const (
	// importTimeout is the CRM import's time for its body (32 MiB from a
	// lead's laptop) and for its report.
	importTimeout = 10 * time.Minute
	// minReserve is what a body is counted for however small it is: its
	// connection's buffers.
	minReserve = 4 << 10
	// drainWait is how long an answered request may still send the rest
	// of a body nobody read, before its connection is closed.
	drainWait = time.Second
	// lingerWait is how long a refused connection is read after its
	// answer, before it is closed.
	lingerWait = 100 * time.Millisecond
	// newGrace is how long a connection may sit without its first request
	// before, at the cap, it may be closed for a new one.
	newGrace = 2 * time.Second
	// fdReserve is the file descriptors kept below the process limit for
	// bbolt, the log, and the connectors' outgoing connections.
	fdReserve = 128
)

// front is the hub's HTTP server with its limits, built by newHTTPServer.
type front struct {
	Server   *http.Server
	Listener *capListener // serve on this one
	Bodies   *bodyGuard
}

// newHTTPServer wraps handler and ln in the limits. tlsConf may be nil.
func newHTTPServer(ln net.Listener, handler http.Handler, lim Limits, tlsConf *tls.Config, logger *slog.Logger) *front {
	capped := newCapListener(ln, lim.MaxConns)
	bodies := newBodyGuard(lim, logger)
	serverLog := &throttledLog{logger: logger}
	srv := &http.Server{
		Handler:           bodies.wrap(handler),
		ReadHeaderTimeout: lim.HeaderTimeout,
		IdleTimeout:       lim.IdleTimeout,
		WriteTimeout:      lim.WriteTimeout,
		MaxHeaderBytes:    lim.MaxHeaderBytes,
		TLSConfig:         tlsConf,
		ConnState:         capped.track,
		ErrorLog:          log.New(serverLog, "", 0),
	}
	// HTTP/1.1 only: the websocket needs it, webhooks are happy with it,
	// and an HTTP/2 connection would hide its idle state from track.
	srv.Protocols = new(http.Protocols)
	srv.Protocols.SetHTTP1(true)
	return &front{Server: srv, Listener: capped, Bodies: bodies}
}

// capListener admits at most max connections. At the cap it closes the
// longest-idle keep-alive connection (or one that has sent nothing for
// newGrace) to admit the next; only when every connection is busy does a
// new one wait in the accept backlog. netutil.LimitListener alone would let
// idle connections hold every slot until their IdleTimeout.
type capListener struct {
	net.Listener
	max int

	mu      sync.Mutex
	open    map[*trackedConn]struct{}
	wake    chan struct{} // a slot freed or a connection went idle
	done    chan struct{}
	closing sync.Once
	evicted atomic.Int64
}

type trackedConn struct {
	net.Conn
	l     *capListener
	once  sync.Once
	state http.ConnState // under l.mu
	since time.Time      // of state; under l.mu
}

func newCapListener(ln net.Listener, max int) *capListener {
	if max < 1 {
		max = 1
	}
	return &capListener{Listener: ln, max: max, open: map[*trackedConn]struct{}{},
		wake: make(chan struct{}, 1), done: make(chan struct{})}
}

func (l *capListener) Accept() (net.Conn, error) {
	for {
		l.mu.Lock()
		if len(l.open) < l.max {
			l.mu.Unlock()
			break
		}
		victim := l.victimLocked(time.Now())
		l.mu.Unlock()
		if victim != nil {
			l.evicted.Add(1)
			victim.Close()
			continue
		}
		// Every connection is busy: wait for one to end or go idle. The
		// timer notices a new connection passing newGrace.
		t := time.NewTimer(newGrace / 4)
		select {
		case <-l.wake:
		case <-t.C:
		case <-l.done:
			t.Stop()
			return nil, net.ErrClosed
		}
		t.Stop()
	}
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, l: l, state: http.StateNew, since: time.Now()}
	l.mu.Lock()
	l.open[tc] = struct{}{}
	l.mu.Unlock()
	return tc, nil
}

// victimLocked picks the connection to close for a new one: the
// longest-idle, else the oldest that has not sent a request in newGrace.
func (l *capListener) victimLocked(now time.Time) *trackedConn {
	var idle, fresh *trackedConn
	for c := range l.open {
		switch c.state {
		case http.StateIdle:
			if idle == nil || c.since.Before(idle.since) {
				idle = c
			}
		case http.StateNew:
			if now.Sub(c.since) >= newGrace && (fresh == nil || c.since.Before(fresh.since)) {
				fresh = c
			}
		}
	}
	if idle != nil {
		return idle
	}
	return fresh
}

// track is the server's ConnState hook.
func (l *capListener) track(c net.Conn, st http.ConnState) {
	if t, ok := c.(*tls.Conn); ok {
		c = t.NetConn()
	}
	tc, ok := c.(*trackedConn)
	if !ok {
		return
	}
	if st == http.StateClosed {
		tc.release()
		return
	}
	l.mu.Lock()
	tc.state, tc.since = st, time.Now()
	l.mu.Unlock()
	if st == http.StateIdle {
		l.signal()
	}
}

func (l *capListener) signal() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// Open is the number of connections open now.
func (l *capListener) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.open)
}

// Evicted counts connections closed at the cap to admit new ones.
func (l *capListener) Evicted() int64 { return l.evicted.Load() }

func (l *capListener) Close() error {
	l.closing.Do(func() { close(l.done) })
	return l.Listener.Close()
}

func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	c.release()
	return err
}

func (c *trackedConn) release() {
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.open, c)
		c.l.mu.Unlock()
		c.l.signal()
	})
}

// bodyGuard bounds request bodies: each to its route's size, each to the
// body deadline, and all of a route group together to a byte budget.
type bodyGuard struct {
	lim     Limits
	logger  *slog.Logger
	groups  map[string]*bodyGroup
	refused hub.LogThrottle
	// bodies counts the bodies in flight, at most maxBodies: the other
	// half of the connection slots stays for requests without a body,
	// consoles and webhooks that are quick.
	bodies    atomic.Int64
	maxBodies int64
}

// bodyGroup is one group of routes sharing a budget.
type bodyGroup struct {
	name    string
	max     int64         // largest body
	timeout time.Duration // for the body and for the answer

	mu      sync.Mutex
	budget  int64
	perPeer int64 // what one peer address may hold: a quarter of budget
	held    int64
	peak    int64
	byPeer  map[string]int64
}

func newBodyGuard(lim Limits, logger *slog.Logger) *bodyGuard {
	g := &bodyGuard{lim: lim, logger: logger, groups: map[string]*bodyGroup{}, maxBodies: max64(1, int64(lim.MaxConns/2))}
	add := func(name string, max, budget int64, timeout time.Duration) {
		budget = max64(budget, max)
		g.groups[name] = &bodyGroup{name: name, max: max, budget: budget, perPeer: max64(budget/4, max),
			timeout: timeout, byPeer: map[string]int64{}}
	}
	webhookMax := max64(twitter.DefaultMaxBody, facebook.MaxBody)
	add("webhooks", webhookMax, lim.BodyMemory, lim.BodyTimeout)
	add("ingest", generic.DefaultMaxBody, lim.BodyMemory, lim.BodyTimeout)
	add("import", hub.MaxImportBytes, hub.MaxImportBytes, importTimeout)
	add("other", 1<<20, lim.BodyMemory, lim.BodyTimeout)
	return g
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// group is the route group of a path.
func (g *bodyGuard) group(path string) *bodyGroup {
	switch {
	case strings.HasPrefix(path, "/webhooks/"):
		return g.groups["webhooks"]
	case path == generic.Path:
		return g.groups["ingest"]
	case path == hub.CustomersPath:
		return g.groups["import"]
	}
	return g.groups["other"]
}

// Held is the bytes of bodies admitted now, over every group.
func (g *bodyGuard) Held() int64 {
	var n int64
	for _, b := range g.groups {
		b.mu.Lock()
		n += b.held
		b.mu.Unlock()
	}
	return n
}

// Peak is the most bytes a group has held at once, its budget, and one
// peer's share of it.
func (g *bodyGuard) Peak(group string) (peak, budget, perPeer int64) {
	b := g.groups[group]
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.peak, b.budget, b.perPeer
}

// take counts n bytes of peer's body against the group, if they fit in
// its budget and in peer's share of it.
func (b *bodyGroup) take(peer string, n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.held+n > b.budget || b.byPeer[peer]+n > b.perPeer {
		return false
	}
	b.held += n
	b.byPeer[peer] += n
	b.peak = max64(b.peak, b.held)
	return true
}

func (b *bodyGroup) give(peer string, n int64) {
	b.mu.Lock()
	b.held -= n
	if b.byPeer[peer] -= n; b.byPeer[peer] <= 0 {
		delete(b.byPeer, peer)
	}
	b.mu.Unlock()
}

// take admits a body of n bytes from peer to grp, or reports false.
func (g *bodyGuard) take(grp *bodyGroup, peer string, n int64) bool {
	if g.bodies.Add(1) > g.maxBodies {
		g.bodies.Add(-1)
		return false
	}
	if !grp.take(peer, n) {
		g.bodies.Add(-1)
		return false
	}
	return true
}

func (g *bodyGuard) give(grp *bodyGroup, peer string, n int64) {
	grp.give(peer, n)
	g.bodies.Add(-1)
}

// peerOf is the address a request comes from, without its port.
func peerOf(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// wrap guards next. A request without a body passes; a websocket upgrade
// loses the server's deadlines (its session sets its own). A body is
// counted against its group's budget, and its peer's share of that, for
// as long as its handler runs: for its Content-Length (at least
// minReserve), or the route's limit when it comes chunked. At most half
// of MaxConns bodies are read at once.
func (g *bodyGuard) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if r.ContentLength == 0 {
			if isUpgrade(r) {
				_ = rc.SetReadDeadline(time.Time{})
				_ = rc.SetWriteDeadline(time.Time{})
			}
			next.ServeHTTP(w, r)
			return
		}
		grp := g.group(r.URL.Path)
		if r.ContentLength > grp.max {
			g.refuse(w, rc, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("body of %d bytes, limit %d", r.ContentLength, grp.max))
			return
		}
		n := grp.max
		if r.ContentLength > 0 {
			n = max64(r.ContentLength, minReserve)
			n = min(n, grp.max)
		}
		peer := peerOf(r)
		if !g.take(grp, peer, n) {
			w.Header().Set("Retry-After", "2")
			g.refuse(w, rc, r, http.StatusServiceUnavailable, "too many request bodies in flight; retry")
			return
		}
		defer g.give(grp, peer, n)
		now := time.Now()
		_ = rc.SetReadDeadline(now.Add(grp.timeout))
		if grp.timeout > g.lim.WriteTimeout {
			_ = rc.SetWriteDeadline(now.Add(grp.timeout))
		}
		body := &guardedBody{ReadCloser: http.MaxBytesReader(w, r.Body, grp.max), rc: rc}
		r2 := r.WithContext(r.Context())
		r2.Body = body
		next.ServeHTTP(w, r2)
		if !body.eof.Load() {
			// Nobody read the rest (a 401 before the body): let a client
			// that is sending it finish, not a stalled one hold on.
			_ = rc.SetReadDeadline(time.Now().Add(drainWait))
		}
	})
}

// refuse answers before the body is read and closes the connection: a
// refused peer must not hold a connection slot while the server would
// drain or linger over a body it does not want (Go's server waits up to
// half a second). The answer is written on the hijacked connection, its
// write side shut, and what the peer still sends read for lingerWait, so
// that the peer reads the answer rather than a reset.
func (g *bodyGuard) refuse(w http.ResponseWriter, rc *http.ResponseController, r *http.Request, code int, reason string) {
	g.refused.Warn(g.logger, "http: body refused", "status", code, "path", r.URL.Path, "remote", r.RemoteAddr, "reason", reason)
	conn, brw, err := rc.Hijack()
	if err != nil {
		_ = rc.SetReadDeadline(time.Now().Add(drainWait))
		w.Header().Set("Connection", "close")
		http.Error(w, reason, code)
		return
	}
	defer conn.Close()
	_ = conn.SetWriteDeadline(time.Now().Add(drainWait))
	extra := ""
	if ra := w.Header().Get("Retry-After"); ra != "" {
		extra = "Retry-After: " + ra + "\r\n"
	}
	fmt.Fprintf(brw, "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\n%sConnection: close\r\n\r\n%s\n",
		code, http.StatusText(code), len(reason)+1, extra, reason)
	if brw.Flush() != nil {
		return
	}
	if cw, ok := conn.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
	_ = conn.SetReadDeadline(time.Now().Add(lingerWait))
	_, _ = io.Copy(io.Discard, conn)
}

// guardedBody lifts the body deadline once the body is read: the server's
// background read that follows must not time out a handler still at work.
type guardedBody struct {
	io.ReadCloser
	rc  *http.ResponseController
	eof atomic.Bool
}

func (b *guardedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && b.eof.CompareAndSwap(false, true) {
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// throttledLog takes net/http's own error lines (TLS handshakes that
// fail, accept errors) into the hub's log, throttled: a scan of the port
// must not flood it.
type throttledLog struct {
	logger *slog.Logger
	t      hub.LogThrottle
}

func (l *throttledLog) Write(p []byte) (int, error) {
	l.t.Warn(l.logger, "http server", "err", strings.TrimSpace(string(p)))
	return len(p), nil
}

// isUpgrade tells a websocket handshake (Connection: upgrade, Upgrade:
// websocket).
func isUpgrade(r *http.Request) bool {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		return false
	}
	for _, v := range r.Header.Values("Connection") {
		for _, tok := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(tok), "upgrade") {
				return true
			}
		}
	}
	return false
}

// fitConns keeps the connection cap below the process's file limit, whose
// soft value it first raises to the hard one.
func fitConns(want int, logger *slog.Logger) int {
	soft, err := raiseFileLimit()
	if err != nil || soft == 0 {
		return want
	}
	room := int(soft) - fdReserve
	if room < int(soft)/2 {
		room = int(soft) / 2
	}
	if want > room {
		logger.Warn("--max-conns lowered to fit the open-file limit", "asked", want, "max_conns", room, "nofile", soft)
		return room
	}
	return want
}

// byteSize is a flag of a size in bytes: 1048576, 512KiB, 16MiB, 1GiB.
type byteSize int64

func (b *byteSize) String() string {
	n := int64(*b)
	for _, u := range []struct {
		s string
		v int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.v && n%u.v == 0 {
			return strconv.FormatInt(n/u.v, 10) + u.s
		}
	}
	return strconv.FormatInt(n, 10)
}

func (b *byteSize) Set(s string) error {
	mult := int64(1)
	for suffix, v := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if strings.HasSuffix(s, suffix) {
			s, mult = strings.TrimSuffix(s, suffix), v
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 || n > (1<<40)/mult {
		return fmt.Errorf("want a positive size such as 16MiB, 512KiB or 1048576")
	}
	*b = byteSize(n * mult)
	return nil
}
