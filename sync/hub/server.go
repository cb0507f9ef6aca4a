package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/gorilla/websocket"

	"switchboard/model"
	"switchboard/sync/wire"
)

// Timing of the connection discipline; tests shorten them.
type Timing struct {
	HelloWait time.Duration // time for the client's hello
	WriteWait time.Duration // deadline of every write
	PongWait  time.Duration // silence after which a peer is gone
	PingEvery time.Duration // must be below PongWait
	// FrameRate and FrameBurst limit the frames one connection may send
	// (a token bucket); a flood closes the connection with 1008. Zero
	// FrameRate: DefaultTiming's.
	FrameRate  float64
	FrameBurst int
}

// DefaultTiming is what the hub uses in production.
var DefaultTiming = Timing{HelloWait: 10 * time.Second, WriteWait: 10 * time.Second, PongWait: 60 * time.Second, PingEvery: 25 * time.Second,
	FrameRate: 500, FrameBurst: 2000}

// Server serves the hub over HTTP.
type Server struct {
	hub      *Hub
	auth     Authenticator
	timing   Timing
	upgrader websocket.Upgrader
	logger   *slog.Logger
	refusals LogThrottle // log lines of refused tokens

	presence *presenceBoard
	routes   map[string]http.Handler

	ctx    context.Context // cancelled by Close: sessions say goodbye
	cancel context.CancelFunc
	mu     sync.Mutex // orders session starts before Close's wait
	closed bool
	wg     sync.WaitGroup
}

// NewServer wraps a hub. The upgrader keeps gorilla's Origin check: a
// browser page from another origin cannot open a session; native consoles
// send no Origin.
func NewServer(h *Hub, t Timing) *Server {
	if t.FrameRate == 0 {
		t.FrameRate, t.FrameBurst = DefaultTiming.FrameRate, DefaultTiming.FrameBurst
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		presence: newPresenceBoard(h.cfg.Now),
		hub:      h,
		timing:   t,
		upgrader: websocket.Upgrader{ReadBufferSize: 16 << 10, WriteBufferSize: 64 << 10, EnableCompression: true},
		logger:   h.cfg.Logger,
		ctx:      ctx,
		cancel:   cancel,
	}
	go func() {
		t := time.NewTicker(PresenceTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.presence.sweep()
			}
		}
	}()
	return s
}

// Mount adds a route (a connector's webhook, an ingest endpoint) to the
// hub's HTTP API; call it before Handler.
func (s *Server) Mount(pattern string, h http.Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.routes == nil {
		s.routes = map[string]http.Handler{}
	}
	s.routes[pattern] = h
}

// Handler routes the hub's HTTP API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.mu.Lock()
	for p, h := range s.routes {
		mux.Handle(p, h)
	}
	s.mu.Unlock()
	mux.HandleFunc("GET "+wire.SyncPath, s.serveSync)
	mux.HandleFunc("GET /healthz", s.serveHealth)
	return mux
}

// Close ends every session with a close frame (1001, going away) and waits
// for them.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
}

func (s *Server) serveHealth(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "head": s.hub.log.Head(), "cases": s.hub.CaseCount()})
}

func (s *Server) serveSync(w http.ResponseWriter, r *http.Request) {
	// A session must join the wait group before Close waits on it.
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "hub shutting down", http.StatusServiceUnavailable)
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	agent, token, ok := s.agentOf(w, r)
	if !ok {
		return // 401 before the upgrade
	}
	conn, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.logger.Warn("sync: upgrade refused", "remote", r.RemoteAddr, "err", err)
		return // the upgrader has answered with an HTTP error
	}
	sess := &session{srv: s, conn: conn, remote: r.RemoteAddr, agent: agent, token: token,
		replies: make(chan wire.Frame, 16), presence: make(chan wire.Presence, 256)}
	sess.run()
}

type session struct {
	srv    *Server
	conn   *websocket.Conn
	remote string
	agent  Agent
	token  string // to notice a revocation while the session lasts
	// closeCode, when set, is the close code the writer ends with.
	closeCode atomic.Int32
	// presence is the session's send buffer for other agents' presence;
	// when it is full the session is dropped.
	presence chan wire.Presence
	clientID string
	cancel   context.CancelFunc
	dropped  atomic.Bool
	// replies carries answers from the reader to the writer, the one
	// goroutine that writes.
	replies chan wire.Frame
}

// drop ends a session that cannot keep up.
func (ss *session) drop(reason string) {
	if ss.dropped.CompareAndSwap(false, true) {
		ss.srv.logger.Warn("sync: dropping session", "agent", ss.agent.Name, "reason", reason)
		ss.closeCode.CompareAndSwap(0, websocket.CloseTryAgainLater)
		if ss.cancel != nil {
			ss.cancel()
		}
	}
}

func (ss *session) write(f wire.Frame) error {
	// Entities leave the hub only as a console may hold them.
	switch v := f.(type) {
	case wire.Events:
		v.Events = forConsole(v.Events)
		f = v
	case wire.Snapshot:
		v.Events = forConsole(v.Events)
		f = v
	}
	b, err := wire.Encode(f)
	if err != nil {
		return err
	}
	_ = ss.conn.SetWriteDeadline(time.Now().Add(ss.srv.timing.WriteWait))
	return ss.conn.WriteMessage(websocket.TextMessage, b)
}

func (ss *session) close(code int, reason string) {
	msg := websocket.FormatCloseMessage(code, reason)
	_ = ss.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(ss.srv.timing.WriteWait))
	_ = ss.conn.Close()
}

func (ss *session) run() {
	t := ss.srv.timing
	log := ss.srv.logger.With("remote", ss.remote)
	ss.conn.SetReadLimit(wire.MaxFrame)

	_ = ss.conn.SetReadDeadline(time.Now().Add(t.HelloWait))
	_, raw, err := ss.conn.ReadMessage()
	if err != nil {
		log.Info("sync: no hello", "err", err)
		ss.conn.Close()
		return
	}
	f, err := wire.Decode(raw)
	hello, ok := f.(wire.Hello)
	if err != nil || !ok {
		reason := "first frame must be hello"
		if err != nil {
			reason = err.Error()
		}
		_ = ss.write(wire.Error{Code: wire.CodeBadHello, Reason: reason})
		ss.close(websocket.ClosePolicyViolation, "expected hello")
		return
	}
	if hello.Protocol != wire.Protocol {
		_ = ss.write(wire.Error{Code: wire.CodeProtocol, Reason: "hub speaks protocol 1"})
		ss.close(websocket.CloseProtocolError, "protocol mismatch")
		return
	}
	head := ss.srv.hub.log.Head()
	if hello.Cursor > head {
		// The console has events this hub never wrote: its data was reset.
		_ = ss.write(wire.Error{Code: wire.CodeResync, Reason: "cursor is ahead of the hub's log; drop the cache and sync from 0"})
		ss.close(websocket.CloseNormalClosure, "resync")
		return
	}
	log = log.With("client", hello.ClientID, "agent", ss.agent.Name)
	if err := ss.write(wire.Welcome{Agent: ss.agent.Name, Role: string(ss.agent.Role), Head: head}); err != nil {
		ss.conn.Close()
		return
	}
	log.Info("sync: session open", "cursor", hello.Cursor, "head", head)

	ss.clientID = hello.ClientID
	ctx, cancel := context.WithCancel(ss.srv.ctx)
	defer cancel()
	ss.cancel = cancel
	for _, p := range ss.srv.presence.join(ss) {
		select {
		case ss.presence <- p:
		default: // more presence than the buffer holds: the rest is dropped
		}
	}
	defer ss.srv.presence.leave(ss)
	go ss.readLoop(ctx, cancel, log)
	ss.writeLoop(ctx, hello.Cursor, log)
}

// readLoop owns reads: it keeps the read deadline moving with pongs,
// applies ops in the order they arrive, and answers frames a client may not
// send.
func (ss *session) readLoop(ctx context.Context, cancel context.CancelFunc, log *slog.Logger) {
	defer cancel()
	t := ss.srv.timing
	limit := rate.NewLimiter(rate.Limit(ss.srv.timing.FrameRate), ss.srv.timing.FrameBurst)
	_ = ss.conn.SetReadDeadline(time.Now().Add(t.PongWait))
	ss.conn.SetPongHandler(func(string) error {
		return ss.conn.SetReadDeadline(time.Now().Add(t.PongWait))
	})
	for {
		_, raw, err := ss.conn.ReadMessage()
		if err != nil {
			if !websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway) {
				log.Info("sync: read ended", "err", err)
			}
			return
		}
		_ = ss.conn.SetReadDeadline(time.Now().Add(t.PongWait))
		if !limit.Allow() {
			log.Warn("sync: rate limit exceeded, closing")
			select {
			case ss.replies <- wire.Error{Code: wire.CodeRateLimited, Reason: "too many frames; slow down and reconnect"}:
			default:
			}
			ss.closeCode.CompareAndSwap(0, websocket.ClosePolicyViolation)
			return
		}
		f, err := wire.Decode(raw)
		if p, ok := f.(wire.Presence); ok && err == nil {
			p.Agent, p.ClientID = ss.agent.Name, ss.clientID
			ss.srv.presence.set(ss, p)
			continue
		}
		if op, ok := f.(wire.Op); ok && err == nil {
			a, err := ss.srv.hub.ApplyOp(ss.agent, op.Op)
			if err != nil {
				log.Error("sync: apply op", "op", op.ID, "err", err)
				ss.closeCode.CompareAndSwap(0, websocket.CloseInternalServerErr)
				return // the client resends the op after reconnecting
			}
			var answer wire.Frame = wire.Ack{OpID: a.OpID, Seq: a.Seq}
			if a.Reject != nil {
				answer = wire.Reject{OpID: a.OpID, Code: a.Reject.Code, Reason: a.Reject.Reason, Current: a.Current}
			}
			// Answers are never dropped: a slow writer slows this reader.
			select {
			case ss.replies <- answer:
			case <-ctx.Done():
				return
			}
			continue
		}
		var reply wire.Error
		switch {
		case errors.As(err, &reply):
		case err != nil:
			reply = wire.Error{Code: wire.CodeBadFrame, Reason: err.Error()}
		default:
			reply = wire.Error{Code: wire.CodeUnknownType, Reason: fmt.Sprintf("a client may not send %q", f.Type())}
		}
		log.Info("sync: frame refused", "code", reply.Code, "reason", reply.Reason)
		select {
		case ss.replies <- reply:
		default: // a flood of bad frames: the answers are dropped, not queued
		}
	}
}

// writeLoop is the only writer: it pages the log from the client's cursor,
// says caught_up once, then follows the log live, pinging on a ticker.
func (ss *session) writeLoop(ctx context.Context, cursor uint64, log *slog.Logger) {
	defer ss.srv.hub.metrics.sessionOpen()() // metrics.go
	wake, unsubscribe := ss.srv.hub.subscribe()
	defer unsubscribe()
	ping := time.NewTicker(ss.srv.timing.PingEvery)
	defer ping.Stop()
	caughtUp := false
	// held are acks waiting for their events to be sent: a console learns
	// an op's effect before it drops the op from its outbox.
	var held []wire.Ack
	for {
		evs, err := ss.srv.hub.log.Read(cursor, wire.MaxPage)
		if errors.Is(err, ErrCompacted) {
			// The console is behind the log's horizon (at hello, or fell
			// behind a compaction): send the state instead, then go on.
			seq, err := ss.sendSnapshot()
			if err != nil {
				log.Info("sync: snapshot failed, dropping session", "err", err)
				ss.conn.Close()
				return
			}
			log.Info("sync: sent snapshot", "from", cursor, "seq", seq)
			cursor = seq
			continue
		}
		if err != nil {
			log.Error("sync: read log", "err", err)
			ss.close(websocket.CloseInternalServerErr, "log unreadable")
			return
		}
		if len(evs) > 0 {
			read := len(evs)
			head := ss.srv.hub.log.Head()
			err := ss.write(wire.Events{Events: evs, Head: head})
			// Events carry whole entities: a page of long messages can
			// exceed MaxFrame. Encode fails before anything is written,
			// so send a smaller page instead.
			for errors.Is(err, wire.ErrTooLarge) && len(evs) > 1 {
				evs = evs[:len(evs)/2]
				err = ss.write(wire.Events{Events: evs, Head: head})
			}
			if err != nil {
				log.Info("sync: write failed, dropping session", "err", err)
				ss.conn.Close()
				return
			}
			ss.srv.hub.metrics.written(evs, caughtUp) // fan-out lag of live events
			cursor = evs[len(evs)-1].Seq
			if read == wire.MaxPage || len(evs) < read {
				continue
			}
		}
		for len(held) > 0 && held[0].Seq <= cursor {
			if err := ss.write(held[0]); err != nil {
				ss.conn.Close()
				return
			}
			held = held[1:]
		}
		if !caughtUp {
			if err := ss.write(wire.CaughtUp{Seq: cursor}); err != nil {
				ss.conn.Close()
				return
			}
			caughtUp = true
		}
		select {
		case <-wake:
		case p := <-ss.presence:
			if err := ss.write(p); err != nil {
				ss.conn.Close()
				return
			}
		case f := <-ss.replies:
			if a, ok := f.(wire.Ack); ok && (a.Seq > cursor || len(held) > 0) {
				held = append(held, a) // answers keep their order
				continue
			}
			if err := ss.write(f); err != nil {
				ss.conn.Close()
				return
			}
		case <-ping.C:
			if !ss.srv.stillValid(ss.token) {
				_ = ss.write(wire.Error{Code: wire.CodeRevoked, Reason: "the token of this session was revoked"})
				ss.close(websocket.ClosePolicyViolation, "token revoked")
				log.Info("sync: token revoked, session closed")
				return
			}
			if err := ss.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(ss.srv.timing.WriteWait)); err != nil {
				ss.conn.Close()
				return
			}
		case <-ctx.Done():
			switch code := int(ss.closeCode.Load()); {
			case code != 0:
				for len(ss.replies) > 0 {
					_ = ss.write(<-ss.replies)
				}
				ss.close(code, "")
			case ss.srv.ctx.Err() != nil:
				ss.close(websocket.CloseGoingAway, "hub shutting down")
			default:
				ss.conn.Close()
			}
			log.Info("sync: session closed")
			return
		}
	}
}

// sendSnapshot streams the hub's state in pages and returns its seq.
func (ss *session) sendSnapshot() (uint64, error) {
	var page []model.Event
	first := true
	flush := func(done bool, seq uint64) error {
		err := ss.writeSnapshot(page, first, done, seq)
		page, first = page[:0], false
		return err
	}
	seq, err := ss.srv.hub.log.Snapshot(func(ev model.Event) error {
		page = append(page, ev)
		if len(page) == wire.MaxPage {
			return flush(false, 0)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return seq, flush(true, seq)
}

// writeSnapshot writes one snapshot page, halving it while it is over the
// frame limit (entities can be large).
func (ss *session) writeSnapshot(evs []model.Event, first, done bool, seq uint64) error {
	err := ss.write(wire.Snapshot{Events: evs, First: first, Done: done, Seq: seq})
	if !errors.Is(err, wire.ErrTooLarge) || len(evs) < 2 {
		return err
	}
	half := len(evs) / 2
	if err := ss.writeSnapshot(evs[:half], first, false, 0); err != nil {
		return err
	}
	return ss.writeSnapshot(evs[half:], false, done, seq)
}
