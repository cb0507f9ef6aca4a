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
	From      uint64
	Err       string    // why the last connection ended
	NextRetry time.Time // when offline: the next attempt
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
	// the client appends /v1/sync.
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
	target, err := SyncURL(c.HubURL)
	if err != nil {
		return err
	}
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
		reachedOnline, err := c.session(ctx, target)
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
	pump := &pump{conn: conn, cache: c.Cache, kick: c.kick, answered: make(chan struct{}, 1), sent: map[string]bool{}, presence: c.presence}
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

	caughtUp := false
	for {
		extend()
		_, raw, err := conn.ReadMessage()
		if err != nil {
			if ce := (*websocket.CloseError)(nil); errors.As(err, &ce) {
				return caughtUp, fmt.Errorf("hub closed the connection: %s", closeText(ce))
			}
			return caughtUp, fmt.Errorf("connection lost: %w", err)
		}
		f, err := wire.Decode(raw)
		if err != nil {
			return caughtUp, fmt.Errorf("bad frame from hub: %w", err)
		}
		select {
		case err := <-pumpDone:
			pumpDone <- err
			if err != nil {
				return caughtUp, err
			}
		default:
		}
		switch f := f.(type) {
		case wire.Welcome:
			if err := c.Cache.Welcomed(f.Agent, f.Role); err != nil {
				return false, fmt.Errorf("record welcome: %w", err)
			}
			if !started {
				started = true
				go func() { pumpDone <- pump.run(pumpCtx) }()
			}
			c.set(func(s *Status) {
				s.Head, s.Cursor, s.From, s.Err = f.Head, cursor, cursor, ""
				s.State = StateSyncing
				if f.Head <= cursor {
					s.State = StateOnline
				}
			})
		case wire.Events:
			applied, err := c.Cache.Apply(f.Events)
			if err != nil {
				return caughtUp, fmt.Errorf("apply events: %w", err)
			}
			cursor = applied.Cursor
			c.set(func(s *Status) {
				s.Cursor = cursor
				s.Head = max(f.Head, cursor)
			})
			if c.OnApplied != nil && (len(applied.Cases) > 0 || len(applied.Customers) > 0) {
				c.OnApplied(applied)
			}
		case wire.CaughtUp:
			caughtUp = true
			c.set(func(s *Status) { s.State = StateOnline; s.Head = max(s.Head, f.Seq) })
		case wire.Snapshot:
			if f.First {
				if err := c.Cache.BeginSnapshot(); err != nil {
					return caughtUp, fmt.Errorf("begin snapshot: %w", err)
				}
			}
			applied, err := c.Cache.ApplySnapshot(f.Events)
			if err != nil {
				return caughtUp, fmt.Errorf("apply snapshot: %w", err)
			}
			if c.OnApplied != nil && (len(applied.Cases) > 0 || len(applied.Customers) > 0) {
				c.OnApplied(applied)
			}
			if f.Done {
				if err := c.Cache.EndSnapshot(f.Seq); err != nil {
					return caughtUp, fmt.Errorf("end snapshot: %w", err)
				}
				cursor = f.Seq
				c.set(func(s *Status) { s.Cursor, s.From = cursor, cursor; s.Head = max(s.Head, cursor) })
			}
		case wire.Presence:
			if c.OnPresence != nil {
				c.OnPresence([]wire.Presence{f})
			}
		case wire.Ack:
			if err := c.Cache.Acked(f.OpID); err != nil {
				return caughtUp, fmt.Errorf("record ack: %w", err)
			}
			pump.done(f.OpID)
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
	kick     <-chan struct{}
	answered chan struct{}

	presence func() wire.Presence
	lastPres wire.Presence
	presSent bool

	mu sync.Mutex
	// sent holds every op id sent on this connection: true while in
	// flight, false once answered (a stale outbox read must not resend it).
	sent    map[string]bool
	pending int
}

func (p *pump) done(opID string) {
	p.mu.Lock()
	if p.sent[opID] {
		p.sent[opID] = false
		p.pending--
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
	for {
		if pr := p.presence(); !p.presSent || pr != p.lastPres {
			b, err := wire.Encode(pr)
			if err != nil {
				return err
			}
			_ = p.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if err := p.conn.WriteMessage(websocket.TextMessage, b); err != nil {
				return nil
			}
			p.lastPres, p.presSent = pr, true
		}
		ops, err := p.cache.Outbox()
		if err != nil {
			return fmt.Errorf("read outbox: %w", err)
		}
		for _, op := range ops {
			p.mu.Lock()
			_, skip := p.sent[op.ID]
			full := p.pending >= Window
			if !skip && !full {
				p.sent[op.ID] = true
				p.pending++
			}
			p.mu.Unlock()
			if full {
				break
			}
			if skip {
				continue
			}
			b, err := wire.Encode(wire.Op{Op: op})
			if err != nil {
				return err
			}
			_ = p.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if err := p.conn.WriteMessage(websocket.TextMessage, b); err != nil {
				return nil // the reader sees the broken connection too
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-p.kick:
		case <-p.answered:
		case <-repeat.C:
			if p.lastPres.CaseID != "" {
				p.presSent = false
			}
		}
	}
}
