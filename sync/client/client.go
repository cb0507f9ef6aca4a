// Package client is the console's side of the sync protocol: it dials the
// hub, resumes from the cache's cursor, applies pages of events to the
// cache and reconnects with backoff for as long as its context lives.
package client

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"

	"switchboard/model"
	"switchboard/store"
	"switchboard/sync/wire"
)

// State is the connection state the status bar shows.
type State string

const (
	StateOffline    State = "offline"
	StateConnecting State = "connecting"
	StateSyncing    State = "syncing"
	StateOnline     State = "online"
)

// Status is a snapshot of the connection.
type Status struct {
	State  State
	Cursor uint64 // last applied seq
	Head   uint64 // hub's newest seq as last heard
	// From is the cursor when this sync began, so progress is
	// (Cursor-From)/(Head-From).
	From uint64
	// SnapshotCases counts the cases of the hub's state received so far
	// while a snapshot comes in (a fresh console's first sync, or one far
	// behind): the cursor moves only at its end.
	SnapshotCases int
	Err           string    // why the last connection ended
	NextRetry     time.Time // when offline: the next attempt
}

// Progress is the share of the current sync done, 0..1.
func (s Status) Progress() float64 {
	if s.Head <= s.From {
		return 1
	}
	return float64(s.Cursor-s.From) / float64(s.Head-s.From)
}

// Cache is what the client needs from the store.
type Cache interface {
	Apply(evs []model.Event) (store.Applied, error)
	Cursor() (uint64, error)
	ClientID() string
	Reset() error
	// Outbox lists the ops not yet answered, oldest first.
	Outbox() ([]model.Op, error)
	Acked(opID string) error
	Rejected(opID string, r model.Rejection, current *model.Case) error
	// Welcomed records who the hub says this console acts for.
	Welcomed(agent, role string) error
	// A snapshot replaces the cache (not the outbox): BeginSnapshot drops
	// it, ApplySnapshot adds entities, EndSnapshot sets the cursor.
	BeginSnapshot() error
	ApplySnapshot(evs []model.Event) (store.Applied, error)
	EndSnapshot(seq uint64) error
}

// Window is how many ops may be in flight, unanswered, on one connection.
const Window = 64

// Client syncs one cache with one hub.
type Client struct {
	// HubURL is the hub's base URL (ws://, wss://, http:// or https://);
	// the client appends /v1/sync. Several, comma-separated, are hubs of
	// one team (docs/scale.md): tried in turn, the next one when a
	// connection attempt fails.
	HubURL string
	Token  string
	Cache  Cache
	// OnStatus and OnApplied are called from the client's goroutine.
	OnStatus  func(Status)
	OnApplied func(store.Applied)
	// OnPresence gets other agents' presence as the hub reports it; when
	// a connection ends it gets a nil slice: everything known is stale.
	OnPresence func([]wire.Presence)

	MinBackoff time.Duration // zero: 500ms
	MaxBackoff time.Duration // zero: 30s
	// ReadWait is the silence after which the hub counts as gone; the hub
	// pings more often than that. Zero: 70s.
	ReadWait time.Duration
	Dialer   *websocket.Dialer

	status Status
	kick   chan struct{}
	once   sync.Once

	presMu sync.Mutex
	mine   wire.Presence // this console's presence, sent on every connection
}

// SetPresence says which case this console shows and whether the agent
// types; an empty caseID clears it. It is sent now and after reconnects.
func (c *Client) SetPresence(caseID, state string) {
	c.presMu.Lock()
	if caseID == "" {
		state = ""
	}
	c.mine = wire.Presence{CaseID: caseID, State: state}
	c.presMu.Unlock()
	c.Kick()
}

func (c *Client) presence() wire.Presence {
	c.presMu.Lock()
	defer c.presMu.Unlock()
	return c.mine
}

// Kick wakes the outbox pump after an op was queued.
func (c *Client) Kick() {
	c.once.Do(func() { c.kick = make(chan struct{}, 1) })
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// SyncURL turns a hub base URL into the websocket endpoint.
func SyncURL(base string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil {
		return "", fmt.Errorf("hub URL %q: %w", base, err)
	}
	switch u.Scheme {
	case "ws", "wss":
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("hub URL %q: scheme must be ws, wss, http or https", base)
	}
	if u.Host == "" {
		return "", fmt.Errorf("hub URL %q: no host", base)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + wire.SyncPath
	return u.String(), nil
}

// Run syncs until ctx ends, reconnecting with exponential backoff and
// jitter. It returns only for ctx's end or a configuration error.
func (c *Client) Run(ctx context.Context) error {
	targets, err := syncURLs(c.HubURL) // one hub, or several tried in turn (hubs.go)
	if err != nil {
		return err
	}
	turn := 0
	minB, maxB := c.MinBackoff, c.MaxBackoff
	if minB == 0 {
		minB = 500 * time.Millisecond
	}
	if maxB == 0 {
		maxB = 30 * time.Second
	}
	if cur, err := c.Cache.Cursor(); err == nil {
		c.status.Cursor, c.status.Head, c.status.From = cur, max(c.status.Head, cur), cur
	}
	backoff := minB
	for {
		c.set(func(s *Status) { s.State = StateConnecting; s.NextRetry = time.Time{} })
		reachedOnline, err := c.session(ctx, targets[turn%len(targets)])
		if !reachedOnline {
			turn++ // the next hub of the list
		}
		if ctx.Err() != nil {
			c.set(func(s *Status) { s.State = StateOffline; s.Err = "" })
			return ctx.Err()
		}
		if reachedOnline {
			backoff = minB
		}
		// Full jitter keeps a room of consoles from reconnecting in step
		// after a hub restart.
		wait := backoff/2 + rand.N(backoff/2+1)
		msg := "connection ended"
		if err != nil {
			msg = err.Error()
		}
		c.set(func(s *Status) { s.State = StateOffline; s.Err = msg; s.NextRetry = time.Now().Add(wait) })
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		case <-c.wakeCh():
		}
		backoff = min(backoff*2, maxB)
	}
}

func (c *Client) set(f func(*Status)) {
	f(&c.status)
	if c.OnStatus != nil {
		c.OnStatus(c.status)
	}
}

// session runs one connection; it reports whether it got caught up.
func (c *Client) session(ctx context.Context, target string) (bool, error) {
	dialer := c.Dialer
	if dialer == nil {
		dialer = &websocket.Dialer{HandshakeTimeout: 10 * time.Second, Proxy: http.ProxyFromEnvironment, EnableCompression: true}
	}
	hdr := http.Header{}
	if c.Token != "" {
		hdr.Set("Authorization", "Bearer "+c.Token)
	}
	conn, resp, err := dialer.DialContext(ctx, target, hdr)
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusUnauthorized {
			return false, errors.New("hub refused the token (401): check --token")
		}
		if resp != nil {
			return false, fmt.Errorf("hub refused: %s", resp.Status)
		}
		return false, fmt.Errorf("hub unreachable: %w", err)
	}
	defer conn.Close()
	conn.SetReadLimit(wire.MaxFrame)
	readWait := c.ReadWait
	if readWait == 0 {
		readWait = 70 * time.Second
	}
	extend := func() { _ = conn.SetReadDeadline(time.Now().Add(readWait)) }
	conn.SetPingHandler(func(data string) error {
		extend()
		return conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(10*time.Second))
	})

	// Close cleanly when the console shuts down: the hub sees a 1000, not
	// a dropped TCP connection.
	stop := context.AfterFunc(ctx, func() {
		_ = conn.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseNormalClosure, "console closing"), time.Now().Add(time.Second))
		_ = conn.Close()
	})
	defer stop()

	// The outbox is read while hello and welcome cross: a long one takes
	// a while to read, and nothing can be sent before it is.
	first := make(chan outboxRead, 1)
	go func() {
		ops, err := c.Cache.Outbox()
		first <- outboxRead{ops, err}
	}()

	cursor, err := c.Cache.Cursor()
	if err != nil {
		return false, err
	}
	hello, err := wire.Encode(wire.Hello{Protocol: wire.Protocol, ClientID: c.Cache.ClientID(), Cursor: cursor})
	if err != nil {
		return false, err
	}
	_ = conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if err := conn.WriteMessage(websocket.TextMessage, hello); err != nil {
		return false, fmt.Errorf("send hello: %w", err)
	}

	c.once.Do(func() { c.kick = make(chan struct{}, 1) })
	pump := &pump{conn: conn, cache: c.Cache, first: first, kick: c.kick, answered: make(chan struct{}, 1), sent: map[string]bool{}, presence: c.presence, assist: c.assistQueue()}
	if c.OnPresence != nil {
		defer c.OnPresence(nil)
	}
	pumpCtx, stopPump := context.WithCancel(ctx)
	pumpDone := make(chan error, 1)
	started := false
	defer func() {
		stopPump()
		if started {
			<-pumpDone
		}
	}()

	// The reader receives and decodes frames while this goroutine writes
	// the previous ones to the cache: network and disk overlap. Frames are
	// handed on in order through bounded channels, so at most Pipeline
	// frames (and the few being decoded) wait in memory; a page is only ever applied by this goroutine,
	// and the cursor moves in the transaction that writes it, so a
	// connection lost mid-pipeline loses nothing but frames not yet
	// applied, which the next connection sends again from the cursor.
	frames := make(chan received, Pipeline)
	quit := make(chan struct{})
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		readFrames(conn, extend, frames, quit)
	}()
	defer func() {
		close(quit)
		_ = conn.Close() // ends a read still waiting
		<-readerDone
	}()

	var held *received // a frame taken while batching, handled next
	next := func() received {
		if held != nil {
			r := *held
			held = nil
			return r
		}
		return <-frames
	}
	// more takes the next frame if one is already waiting and keep says
	// it belongs to the batch; any other frame is held for the loop.
	more := func(keep func(wire.Frame) bool) (wire.Frame, bool) {
		if held != nil {
			return nil, false
		}
		select {
		case r := <-frames:
			if r.err == nil && keep(r.f) {
				return r.f, true
			}
			held = &r
		default:
		}
		return nil, false
	}

	caughtUp := false
	for {
		r := next()
		if r.err != nil {
			return caughtUp, r.err
		}
		select {
		case err := <-pumpDone:
			pumpDone <- err
			if err != nil {
				return caughtUp, err
			}
		default:
		}
		switch f := r.f.(type) {
		case wire.Welcome:
			if err := c.Cache.Welcomed(f.Agent, f.Role); err != nil {
				return false, fmt.Errorf("record welcome: %w", err)
			}
			if !started {
				started = true
				pump.useBatches(f) // reconnect.go
				go func() { pumpDone <- pump.run(pumpCtx) }()
			}
			c.set(func(s *Status) {
				s.Head, s.Cursor, s.From, s.Err = f.Head, cursor, cursor, ""
				s.State = StateSyncing
				if f.Head <= cursor {
					s.State = StateOnline
				}
			})
		case wire.Events, wire.Ack, wire.Acks:
			// Pages and answers already received are handled together:
			// the pages in one cache transaction, then the acks in one
			// (after the events they follow, as the hub sent them).
			// While an outbox drains, events and acks alternate; taking
			// them one at a time cost two commits per ops frame.
			b := c.gather(f, more, pump)
			if len(b.evs) > 0 {
				applied, err := c.Cache.Apply(b.evs)
				if err != nil {
					return caughtUp, fmt.Errorf("apply events: %w", err)
				}
				cursor = applied.Cursor
				c.set(func(s *Status) {
					s.Cursor = cursor
					s.Head = max(b.head, cursor)
				})
				if c.OnApplied != nil && (len(applied.Cases) > 0 || len(applied.Customers) > 0) {
					c.OnApplied(applied)
				}
			}
			if len(b.acks) > 0 {
				if err := c.recordAcks(b.acks); err != nil { // reconnect.go
					return caughtUp, err
				}
			}
		case wire.CaughtUp:
			caughtUp = true
			c.set(func(s *Status) { s.State = StateOnline; s.Head = max(s.Head, f.Seq) })
		case snapshotPage, wire.Snapshot:
			done, seq, err := c.snapshot(f, more) // snapshot.go
			if err != nil {
				return caughtUp, err
			}
			if done {
				cursor = seq
				c.set(func(s *Status) { s.Cursor, s.From, s.SnapshotCases = cursor, cursor, 0; s.Head = max(s.Head, cursor) })
			}
		case wire.AssistAnswer:
			c.assistAnswered(f) // assist.go
		case wire.Presence:
			if c.OnPresence != nil {
				c.OnPresence([]wire.Presence{f})
			}
		case wire.Reject:
			if err := c.Cache.Rejected(f.OpID, model.Rejection{Code: f.Code, Reason: f.Reason}, f.Current); err != nil {
				return caughtUp, fmt.Errorf("record reject: %w", err)
			}
			pump.done(f.OpID)
		case wire.Error:
			if f.Code == wire.CodeBadOp && f.OpID != "" {
				// The hub will never apply this op as it is: set it aside
				// with the rejected ops, or the outbox would send it on
				// every connection. The session goes on.
				if err := c.Cache.Rejected(f.OpID, model.Rejection{Code: model.RejectInvalid, Reason: f.Reason}, nil); err != nil {
					return caughtUp, fmt.Errorf("record bad op: %w", err)
				}
				pump.done(f.OpID)
				continue
			}
			if f.Code == wire.CodeResync {
				if err := c.Cache.Reset(); err != nil {
					return caughtUp, fmt.Errorf("reset cache for resync: %w", err)
				}
				c.set(func(s *Status) { s.Cursor, s.From = 0, 0 })
				return true, fmt.Errorf("hub asked for a full resync: %s", f.Reason)
			}
			return caughtUp, fmt.Errorf("hub error: %w", f)
		default:
			return caughtUp, fmt.Errorf("unexpected %T from hub", f)
		}
	}
}

// Pipeline is how many received frames may wait, decoded, while the
// cache writes the one before them.
const Pipeline = 32

// MaxBatch is the most events (or snapshot entities) written in one cache
// transaction when several pages are waiting.
const MaxBatch = 4 * wire.MaxPage

// received is a decoded frame, or why the connection ended.
type received struct {
	f   wire.Frame
	err error
}

// readFrames reads and decodes frames until the connection ends or quit is
// closed, and hands them on in order; the last thing it hands on is the
// error that ended the connection.
func readFrames(conn *websocket.Conn, extend func(), out chan<- received, quit <-chan struct{}) {
	// Two stages: this goroutine receives (and inflates) messages, the
	// other decodes them (snapshot.go), so that receiving, decoding and
	// the cache's writes overlap.
	type message struct {
		raw []byte
		err error
	}
	msgs := make(chan message, 4)
	decoded := make(chan struct{})
	go func() {
		defer close(decoded)
		for m := range msgs {
			r := received{err: m.err}
			if m.err == nil {
				var err error
				if r.f, err = decodeFrame(m.raw); err != nil { // snapshot.go
					r.err = fmt.Errorf("bad frame from hub: %w", err)
				}
			}
			select {
			case out <- r:
			case <-quit:
				return
			}
			if r.err != nil {
				return
			}
		}
	}()
	defer func() {
		close(msgs)
		<-decoded
	}()
	hint := 0
	for {
		extend()
		var m message
		m.raw, m.err = readMessage(conn, &hint) // snapshot.go
		if err := m.err; err != nil {
			if ce := (*websocket.CloseError)(nil); errors.As(err, &ce) {
				m.err = fmt.Errorf("hub closed the connection: %s", closeText(ce))
			} else {
				m.err = fmt.Errorf("connection lost: %w", err)
			}
		}
		select {
		case msgs <- m:
		case <-quit:
			return
		case <-decoded: // the decoder stopped: a bad frame, or quit
			return
		}
		if m.err != nil {
			return
		}
	}
}

func closeText(ce *websocket.CloseError) string {
	if ce.Text != "" {
		return fmt.Sprintf("%d %s", ce.Code, ce.Text)
	}
	return fmt.Sprint(ce.Code)
}

// pump sends the outbox: up to Window ops in flight, in outbox order, each
// once per connection. The hub applies them in order and dedupes by id, so
// after a reconnect everything unanswered is simply sent again.
type pump struct {
	conn     *websocket.Conn
	cache    Cache
	first    <-chan outboxRead // the outbox as read when the connection opened
	kick     <-chan struct{}
	answered chan struct{}

	presence func() wire.Presence
	assist   <-chan wire.AssistRequest // assist.go
	lastPres wire.Presence
	presSent bool

	mu sync.Mutex
	// sent holds every op id sent on this connection: true while in
	// flight, false once answered (a stale outbox read must not resend it).
	sent    map[string]bool
	pending int
	// bytes is the share of its frame of each op in flight, pendingBytes
	// their sum; wrote is the size of the frame write sent last.
	bytes        map[string]int
	pendingBytes int
	wrote        int
	// batch is the most ops per frame the hub takes (0: op frames only),
	// window the most ops in flight, and opLim paces ops below its op
	// budget (reconnect.go).
	batch  int
	window int
	opLim  *rate.Limiter
}

// outboxRead is the outbox as Cache.Outbox read it.
type outboxRead struct {
	ops []model.Op
	err error
}

func (p *pump) done(opID string) {
	p.mu.Lock()
	if p.sent[opID] {
		p.sent[opID] = false
		p.pending--
		p.pendingBytes -= p.bytes[opID]
		delete(p.bytes, opID)
	}
	p.mu.Unlock()
	select {
	case p.answered <- struct{}{}:
	default:
	}
}

func (p *pump) run(ctx context.Context) error {
	// Presence expires on the hub unless repeated.
	repeat := time.NewTicker(15 * time.Second)
	defer repeat.Stop()
	// The hub closes a connection that sends frames faster than its limit;
	// the pump stays below it instead.
	lim := rate.NewLimiter(FrameRate, FrameBurst)
	write := func(f wire.Frame) (bool, error) {
		b, err := wire.Encode(f)
		if err != nil {
			return false, err
		}
		if lim.Wait(ctx) != nil {
			return false, nil
		}
		_ = p.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
		p.wrote = len(b)
		// A failed write: the reader sees the broken connection too.
		return p.conn.WriteMessage(websocket.TextMessage, b) == nil, nil
	}
	// queue holds the outbox's ops not yet sent on this connection, in
	// order. The outbox is read again only when an op was queued (kick):
	// ops leave it only once answered, and answered ops were sent.
	var queue []model.Op
	reread := true
	for {
		if pr := p.presence(); !p.presSent || pr != p.lastPres {
			if ok, err := write(pr); !ok {
				return err
			}
			p.lastPres, p.presSent = pr, true
		}
		if reread {
			var r outboxRead
			if p.first != nil {
				r, p.first = <-p.first, nil
			} else {
				r.ops, r.err = p.cache.Outbox()
			}
			ops, err := r.ops, r.err
			if err != nil {
				return fmt.Errorf("read outbox: %w", err)
			}
			queue = queue[:0]
			p.mu.Lock()
			for _, op := range ops {
				if _, sent := p.sent[op.ID]; !sent {
					queue = append(queue, op)
				}
			}
			p.mu.Unlock()
			reread = false
		}
		var ok bool
		var err error
		if queue, ok, err = p.sendQueue(ctx, queue, write); !ok { // reconnect.go
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-p.kick:
			reread = true
		case <-p.answered:
		case r := <-p.assist:
			if ok, err := write(r); !ok {
				return err
			}
		case <-repeat.C:
			if p.lastPres.CaseID != "" {
				p.presSent = false
			}
		}
	}
}

// FrameRate and FrameBurst pace what the client sends on one connection,
// with a margin below the hub's limit (500 frames a second, bursts of
// 2,000; see docs/protocol.md), so a long outbox drains without the hub
// closing the connection for a flood.
const (
	FrameRate  = 450
	FrameBurst = 1800
)
