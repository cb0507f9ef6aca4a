package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
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
	// OpRate and OpBurst limit the ops one connection may send, apart
	// from FrameRate: every op counts, alone in an op frame or one of an
	// ops frame's, so a batch is not one frame of free budget. Past it the
	// connection is closed as for frames. Zero OpRate: DefaultTiming's.
	OpRate  float64
	OpBurst int
	// PresenceRate and PresenceBurst limit how often one connection's
	// presence is passed on to the others, apart from FrameRate: presence
	// sent faster is coalesced (the latest is passed on once the bucket
	// allows), never a close. Zero: DefaultTiming's.
	PresenceRate  float64
	PresenceBurst int
	// CloseGrace is how long the hub goes on reading (and ignoring) a
	// peer's frames after its close frame, for the peer's close, before it
	// closes the TCP connection: closing with unread data would reset the
	// connection and lose the close frame. Zero: DefaultTiming's.
	CloseGrace time.Duration
	// FreshSnapshot is the log length from which a console with cursor 0
	// gets a snapshot instead of the whole log (see freshSnapshot). Zero:
	// DefaultTiming's.
	FreshSnapshot uint64
}

// DefaultTiming is what the hub uses in production.
var DefaultTiming = Timing{HelloWait: 10 * time.Second, WriteWait: 10 * time.Second, PongWait: 60 * time.Second, PingEvery: 25 * time.Second,
	FrameRate: 500, FrameBurst: 2000, OpRate: DefaultOpRate, OpBurst: DefaultOpBurst, PresenceRate: 10, PresenceBurst: 20, CloseGrace: 2 * time.Second,
	FreshSnapshot: 50_000}

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
	if t.OpRate == 0 {
		t.OpRate, t.OpBurst = DefaultTiming.OpRate, DefaultTiming.OpBurst
	}
	t.OpBurst = max(t.OpBurst, 1)
	if t.PresenceRate == 0 {
		t.PresenceRate, t.PresenceBurst = DefaultTiming.PresenceRate, DefaultTiming.PresenceBurst
	}
	t.PresenceBurst = max(t.PresenceBurst, 1)
	if t.CloseGrace == 0 {
		t.CloseGrace = DefaultTiming.CloseGrace
	}
	if t.FreshSnapshot == 0 {
		t.FreshSnapshot = DefaultTiming.FreshSnapshot
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
		replies: make(chan wire.Frame, 16), pwake: make(chan struct{}, 1), readDone: make(chan struct{})}
	sess.gate.lim = rate.NewLimiter(rate.Limit(s.timing.PresenceRate), s.timing.PresenceBurst)
	sess.run()
}

type session struct {
	srv    *Server
	conn   *websocket.Conn
	remote string
	agent  Agent
	token  string // to notice a revocation while the session lasts

	// endMu guards the close code (and its text) the writer ends with,
	// set once by whoever ends the session first.
	endMu     sync.Mutex
	endCode   int
	endReason string

	// Other agents' presence waiting for the writer: the latest per
	// agent, console and case (coalesced, never a queue that overflows),
	// and a wake-up for the writer. See presence.go.
	pmu     sync.Mutex
	pending map[presenceKey]queuedPresence
	porder  uint64
	pwake   chan struct{}
	gate    presenceGate // this session's own presence, rate-limited

	clientID string
	cancel   context.CancelFunc
	dropped  atomic.Bool
	// replies carries answers from the reader to the writer, the one
	// goroutine that writes.
	replies chan wire.Frame
	// readDone is closed when the reader has returned.
	readDone chan struct{}
	// dlMu orders read-deadline changes: once closing, the reader no
	// longer extends the deadline the close grace set.
	dlMu    sync.Mutex
	closing bool
}

// end asks the writer to close the session with code, after the replies
// already queued (the error that explains the close comes first).
func (ss *session) end(code int, reason string) {
	ss.endMu.Lock()
	if ss.endCode == 0 {
		ss.endCode, ss.endReason = code, reason
	}
	ss.endMu.Unlock()
	if ss.cancel != nil {
		ss.cancel()
	}
}

func (ss *session) ending() (int, string) {
	ss.endMu.Lock()
	defer ss.endMu.Unlock()
	return ss.endCode, ss.endReason
}

// drop ends a session that cannot keep up, with 1013 when the close frame
// can still be written.
func (ss *session) drop(reason string) {
	if ss.dropped.CompareAndSwap(false, true) {
		ss.srv.logger.Warn("sync: dropping session", "agent", ss.agent.Name, "reason", reason)
		ss.end(websocket.CloseTryAgainLater, "slow consumer")
	}
}

// extendRead moves the read deadline on, unless the session is closing.
func (ss *session) extendRead() error {
	ss.dlMu.Lock()
	defer ss.dlMu.Unlock()
	if ss.closing {
		return nil
	}
	return ss.conn.SetReadDeadline(time.Now().Add(ss.srv.timing.PongWait))
}

// errFrameTooLarge is a frame over wire.MaxFrame once inflated.
var errFrameTooLarge = errors.New("frame too large")

// readFrame reads one message, at most wire.MaxFrame bytes after
// permessage-deflate: gorilla's read limit counts the compressed bytes, so
// a small compressed frame could otherwise inflate to any size in memory.
func (ss *session) readFrame() (int, []byte, error) {
	mt, r, err := ss.conn.NextReader()
	if err != nil {
		return 0, nil, err
	}
	b, err := io.ReadAll(io.LimitReader(r, wire.MaxFrame+1))
	if err != nil {
		return 0, nil, err
	}
	if len(b) > wire.MaxFrame {
		return mt, nil, errFrameTooLarge
	}
	return mt, b, nil
}

func (ss *session) write(f wire.Frame) error {
	b, err := encodeFrame(f)
	if err != nil {
		return err
	}
	_ = ss.conn.SetWriteDeadline(time.Now().Add(ss.srv.timing.WriteWait))
	return ss.conn.WriteMessage(websocket.TextMessage, b)
}

// encodeFrame encodes a frame as a console may get it: entities leave the
// hub only as a console may hold them (forConsole). What forConsole does
// depends on the records alone, not on the agent, so one encoding of a
// page of events serves every session (liveRing).
func encodeFrame(f wire.Frame) ([]byte, error) {
	switch v := f.(type) {
	case wire.Events:
		v.Events = forConsole(v.Events)
		f = v
	case wire.Snapshot:
		v.Events = forConsole(v.Events)
		f = v
	}
	return wire.Encode(f)
}

// close writes the close frame, then reads and ignores what the peer still
// sends for up to CloseGrace, until its close answer or its end, and then
// closes the connection: data left unread would make the kernel reset the
// connection, and the peer would lose the close frame (1006). The reader
// goroutine, when there is one (readDone), does the reading.
func (ss *session) close(code int, reason string) {
	msg := websocket.FormatCloseMessage(code, reason)
	_ = ss.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(ss.srv.timing.WriteWait))
	ss.dlMu.Lock()
	ss.closing = true
	_ = ss.conn.SetReadDeadline(time.Now().Add(ss.srv.timing.CloseGrace))
	ss.dlMu.Unlock()
	if ss.cancel != nil {
		ss.cancel()   // the reader stops acting on frames
		<-ss.readDone // the reader drains until the deadline or the peer's close
	} else {
		for {
			if _, _, err := ss.conn.NextReader(); err != nil {
				break
			}
		}
	}
	_ = ss.conn.Close()
}

func (ss *session) run() {
	t := ss.srv.timing
	log := ss.srv.logger.With("remote", ss.remote)
	ss.conn.SetReadLimit(wire.MaxFrame)

	_ = ss.conn.SetReadDeadline(time.Now().Add(t.HelloWait))
	mt, raw, err := ss.readFrame()
	switch {
	case errors.Is(err, errFrameTooLarge):
		ss.close(websocket.CloseMessageTooBig, "frame too large")
		return
	case err != nil:
		log.Info("sync: no hello", "err", err)
		if !websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway) {
			ss.close(websocket.ClosePolicyViolation, "no hello")
		}
		_ = ss.conn.Close()
		return
	}
	f, err := wire.Decode(raw)
	hello, ok := f.(wire.Hello)
	if err != nil || !ok || mt != websocket.TextMessage {
		reason := "first frame must be hello"
		var we wire.Error
		switch {
		case errors.As(err, &we):
			reason = we.Reason
		case err != nil:
			reason = err.Error()
		case mt != websocket.TextMessage:
			reason = "frames are JSON text messages, not binary"
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
	if err := ss.write(wire.Welcome{Agent: ss.agent.Name, Role: string(ss.agent.Role), Head: head,
		MaxOpsBatch: min(wire.MaxOpsBatch, t.OpBurst), OpRate: t.OpRate, OpBurst: t.OpBurst}); err != nil {
		ss.conn.Close()
		return
	}
	log.Info("sync: session open", "cursor", hello.Cursor, "head", head)

	ss.clientID = hello.ClientID
	ctx, cancel := context.WithCancel(ss.srv.ctx)
	defer cancel()
	ss.cancel = cancel
	ss.srv.presence.join(ss)
	go func() {
		defer close(ss.readDone)
		ss.readLoop(ctx, cancel, log)
	}()
	ss.writeLoop(ctx, hello.Cursor, log)
	cancel()
	_ = ss.conn.Close() // ends a read still waiting
	<-ss.readDone
	ss.stopPresence()
	ss.srv.presence.leave(ss)
}

// readLoop owns reads: it keeps the read deadline moving with pongs,
// applies ops in the order they arrive, and answers frames a client may not
// send. Every answer reaches the writer (a slow writer slows this reader,
// and so the peer). Once the session ends (ctx), it reads on and ignores
// what comes, until the close grace or the peer's close.
func (ss *session) readLoop(ctx context.Context, cancel context.CancelFunc, log *slog.Logger) {
	defer cancel()
	limit := rate.NewLimiter(rate.Limit(ss.srv.timing.FrameRate), ss.srv.timing.FrameBurst)
	opLimit := rate.NewLimiter(rate.Limit(ss.srv.timing.OpRate), ss.srv.timing.OpBurst) // see ops.go
	_ = ss.extendRead()
	ss.conn.SetPongHandler(func(string) error { return ss.extendRead() })
	reply := func(f wire.Frame) bool {
		select {
		case ss.replies <- f:
			return true
		case <-ctx.Done():
			return false
		}
	}
	ops := ss.startOps(ctx, log) // ops.go
	defer ops.stop()
	for {
		mt, raw, err := ss.readFrame()
		if errors.Is(err, errFrameTooLarge) {
			if ctx.Err() == nil {
				log.Info("sync: frame too large, closing")
				ss.end(websocket.CloseMessageTooBig, "frame too large")
			}
			continue // the rest of it is skipped by the next read
		}
		if err != nil {
			if ctx.Err() == nil && !websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway) {
				log.Info("sync: read ended", "err", err)
			}
			return
		}
		if ctx.Err() != nil {
			continue // closing: read, do not act
		}
		_ = ss.extendRead()
		if !isOpsFrame(raw) {
			ops.flush() // the answers of ops frames before it go first
		}
		if !limit.Allow() {
			ops.flush()
			log.Warn("sync: rate limit exceeded, closing")
			reply(wire.Error{Code: wire.CodeRateLimited, Reason: "too many frames; slow down and reconnect"})
			ss.end(websocket.ClosePolicyViolation, "rate limit")
			continue
		}
		var f wire.Frame
		if mt == websocket.TextMessage {
			f, err = wire.Decode(raw)
		} else {
			err = wire.Error{Code: wire.CodeBadFrame, Reason: "frames are JSON text messages, not binary"}
		}
		if p, ok := f.(wire.Presence); ok && err == nil {
			p.Agent, p.ClientID = ss.agent.Name, ss.clientID
			ss.ownPresence(p)
			continue
		}
		if ar, ok := f.(wire.AssistRequest); ok && err == nil {
			ss.assistRequest(ctx, ar, reply) // triage_assist.go
			continue
		}
		n := opCount(f)
		if batch, ok := f.(wire.Ops); ok {
			n += len(batch.Malformed()) // they count against the budget too
		}
		if n > 0 && err == nil && !opLimit.AllowN(time.Now(), n) {
			ops.flush()
			log.Warn("sync: op rate limit exceeded, closing", "ops", n)
			reply(wire.Error{Code: wire.CodeRateLimited, Reason: "too many ops; slow down and reconnect"})
			ss.end(websocket.ClosePolicyViolation, "rate limit")
			continue
		}
		if batch, ok := f.(wire.Ops); ok && err == nil {
			if bad := batch.Malformed(); len(bad) > 0 {
				// Ops that did not decode get their bad_op first, after
				// the answers of the frames before (docs/protocol.md, ops).
				ops.flush()
				for _, e := range bad {
					reply(e)
				}
			}
			if len(batch.Ops) > 0 {
				ops.apply(batch.Ops)
			}
			continue
		}
		if op, ok := f.(wire.Op); ok && err == nil {
			a, err := ss.srv.hub.ApplyOp(ss.agent, op.Op)
			if err != nil {
				log.Error("sync: apply op", "op", op.ID, "err", err)
				ss.end(websocket.CloseInternalServerErr, "could not store the op")
				continue // the client resends the op after reconnecting
			}
			var answer wire.Frame = wire.Ack{OpID: a.OpID, Seq: a.Seq}
			if a.Reject != nil {
				answer = wire.Reject{OpID: a.OpID, Code: a.Reject.Code, Reason: a.Reject.Reason, Current: a.Current}
			}
			reply(answer)
			continue
		}
		var refused wire.Error
		switch {
		case errors.As(err, &refused):
		case err != nil:
			refused = wire.Error{Code: wire.CodeBadFrame, Reason: err.Error()}
		default:
			refused = wire.Error{Code: wire.CodeUnknownType, Reason: fmt.Sprintf("a client may not send %q", f.Type())}
		}
		log.Info("sync: frame refused", "code", refused.Code, "reason", refused.Reason)
		reply(refused)
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
	var held []wire.Frame // acks and acks frames (ops.go)
	for {
		// Live events come from memory, encoded once for every session;
		// a session behind the ring reads the log.
		if next, err := ss.writeLive(cursor, caughtUp); err != nil {
			log.Info("sync: write failed, dropping session", "err", err)
			ss.conn.Close()
			return
		} else if next > cursor {
			cursor = next
			continue
		}
		evs, err := ss.readLog(cursor)
		if cursor == 0 && err == nil && freshSnapshot(ss.srv.hub.log.Head(), ss.srv.hub.CaseCount(), ss.srv.timing.FreshSnapshot) {
			err = ErrCompacted // a fresh console: the state, not the history
		}
		if errors.Is(err, ErrCompacted) {
			// The console is behind the log's horizon (at hello, or fell
			// behind a compaction), or is fresh and the log long: send the
			// state instead, then go on.
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
		for len(held) > 0 && answerSeq(held[0]) <= cursor {
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
		case <-ss.pwake:
			for _, msg := range ss.takePresence() {
				_ = ss.conn.SetWriteDeadline(time.Now().Add(ss.srv.timing.WriteWait))
				if err := ss.conn.WritePreparedMessage(msg); err != nil {
					ss.conn.Close()
					return
				}
			}
		case f := <-ss.replies:
			if isAck(f) && (answerSeq(f) > cursor || len(held) > 0) {
				held = append(held, f) // answers keep their order
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
			switch code, reason := ss.ending(); {
			case code != 0:
				for len(ss.replies) > 0 { // the error that explains the close
					_ = ss.write(<-ss.replies)
				}
				ss.close(code, reason)
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

// freshSnapshot says whether a console with cursor 0 gets a snapshot
// rather than the log replayed from its start: when the log holds at least
// min events and more than two per case, the state is much less to send and
// write than the history. A shorter log is replayed, in a second or so, and
// a replay resumes from the console's cursor after a lost connection where
// a snapshot starts over.
func freshSnapshot(head uint64, cases int, min uint64) bool {
	return head >= min && head > 2*uint64(cases)
}

// readLog reads a page of the log after cursor; nothing, without a read
// transaction, when the log says nothing after cursor is committed: a
// caught-up session woken for an event the ring handed it, or for
// another's ack, does not open one (with 500 sessions, 500 per event).
func (ss *session) readLog(cursor uint64) ([]model.Event, error) {
	if c, ok := ss.srv.hub.log.(interface{ Committed() uint64 }); ok && cursor > 0 && c.Committed() <= cursor {
		return nil, nil
	}
	return ss.srv.hub.log.Read(cursor, wire.MaxPage)
}

// writeLive writes what the ring of live events holds after cursor and
// returns the new cursor (cursor itself when the ring does not reach back
// to it, or has nothing newer). Whole pages go out as prepared messages:
// encoded and, per compression setting, deflated once for all sessions.
func (ss *session) writeLive(cursor uint64, live bool) (uint64, error) {
	if cursor == 0 {
		return 0, nil // a fresh console: the log's path below decides
	}
	pages, skip, head := ss.srv.hub.live.from(cursor)
	var tail []model.Event
	if skip > 0 || len(pages) > 1 {
		// The cursor is inside a page, or the session is behind by more
		// than one: one frame of up to a full page for this session beats
		// many small shared ones.
		tail = slices.Clone(pages[0].evs[skip:])
		for _, p := range pages[1:] {
			if len(tail)+len(p.evs) > wire.MaxPage {
				break
			}
			tail = append(tail, p.evs...)
		}
		pages = nil
	}
	if len(tail) > 0 {
		b, err := encodeFrame(wire.Events{Events: tail, Head: head})
		for errors.Is(err, wire.ErrTooLarge) && len(tail) > 1 {
			tail = tail[:len(tail)/2]
			b, err = encodeFrame(wire.Events{Events: tail, Head: head})
		}
		if err != nil {
			return cursor, err
		}
		_ = ss.conn.SetWriteDeadline(time.Now().Add(ss.srv.timing.WriteWait))
		if err := ss.conn.WriteMessage(websocket.TextMessage, b); err != nil {
			return cursor, err
		}
		ss.srv.hub.metrics.written(tail, live)
		return tail[len(tail)-1].Seq, nil
	}
	for _, p := range pages {
		frames, err := p.prepared()
		if err != nil {
			return cursor, err
		}
		for _, f := range frames {
			_ = ss.conn.SetWriteDeadline(time.Now().Add(ss.srv.timing.WriteWait))
			if err := ss.conn.WritePreparedMessage(f.msg); err != nil {
				return cursor, err
			}
			ss.srv.hub.metrics.written(f.evs, live)
		}
		cursor = p.evs[len(p.evs)-1].Seq
	}
	return cursor, nil
}

// liveRingEvents is how many recent events the ring holds.
const liveRingEvents = 4096

// liveRing holds the recently committed events in pages (of at most
// wire.MaxPage events each, in seq order, consecutive), filled by the
// log's committer; sessions that are caught up are handed their events
// from here instead of reading and encoding them from the log each.
type liveRing struct {
	mu    sync.RWMutex
	pages []*livePage
	n     int // events held
	max   int
	head  uint64 // seq of the newest event pushed
}

// livePage is one page of the ring, encoded on first use.
type livePage struct {
	evs    []model.Event
	once   sync.Once
	frames []liveFrame
	err    error
}

// liveFrame is one prepared frame of a page: a page over the frame limit
// is split.
type liveFrame struct {
	msg *websocket.PreparedMessage
	evs []model.Event
}

func newLiveRing(max int) *liveRing { return &liveRing{max: max} }

// reset empties the ring; head is the log's.
func (r *liveRing) reset(head uint64) {
	r.mu.Lock()
	r.pages, r.n, r.head = nil, 0, head
	r.mu.Unlock()
}

// push adds committed events (consecutive, after the ring's head).
func (r *liveRing) push(evs []model.Event) {
	if len(evs) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if evs[0].Seq != r.head+1 {
		r.pages, r.n = nil, 0 // a gap: the ring starts again
	}
	for len(evs) > 0 {
		n := min(len(evs), wire.MaxPage)
		r.pages = append(r.pages, &livePage{evs: evs[:n:n]})
		r.n += n
		evs = evs[n:]
	}
	r.head = r.pages[len(r.pages)-1].evs[len(r.pages[len(r.pages)-1].evs)-1].Seq
	for r.n > r.max && len(r.pages) > 1 {
		r.n -= len(r.pages[0].evs)
		r.pages[0] = nil
		r.pages = r.pages[1:]
	}
}

// from returns the pages from the one holding the event after cursor, how
// many events of the first are at or before cursor (skip), and the ring's
// head. Nothing when the ring does not reach back to cursor.
func (r *liveRing) from(cursor uint64) (pages []*livePage, skip int, head uint64) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if len(r.pages) == 0 || cursor >= r.head || cursor+1 < r.pages[0].evs[0].Seq {
		return nil, 0, r.head
	}
	i, _ := slices.BinarySearchFunc(r.pages, cursor, func(p *livePage, c uint64) int {
		switch last := p.evs[len(p.evs)-1].Seq; {
		case last <= c:
			return -1
		case p.evs[0].Seq > c+1:
			return 1
		}
		return 0
	})
	return slices.Clone(r.pages[i:]), int(cursor + 1 - r.pages[i].evs[0].Seq), r.head
}

// prepared encodes the page once: one frame, or several when it is over
// the frame limit.
func (p *livePage) prepared() ([]liveFrame, error) {
	p.once.Do(func() { p.frames, p.err = prepareEvents(p.evs) })
	return p.frames, p.err
}

func prepareEvents(evs []model.Event) ([]liveFrame, error) {
	b, err := encodeFrame(wire.Events{Events: evs, Head: evs[len(evs)-1].Seq})
	if errors.Is(err, wire.ErrTooLarge) && len(evs) > 1 {
		a, err := prepareEvents(evs[:len(evs)/2])
		if err != nil {
			return nil, err
		}
		z, err := prepareEvents(evs[len(evs)/2:])
		return append(a, z...), err
	}
	if err != nil {
		return nil, err
	}
	m, err := websocket.NewPreparedMessage(websocket.TextMessage, b)
	if err != nil {
		return nil, err
	}
	return []liveFrame{{msg: m, evs: evs}}, nil
}
