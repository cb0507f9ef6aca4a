// Package app is the console's core without any widget: it owns the cache,
// the in-memory queue index and the sync client, and tells listeners what
// changed. The ui package renders it; tests drive it directly.
package app

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"switchboard/model"
	"switchboard/store"
	"switchboard/sync/client"
	"switchboard/sync/wire"
)

// Change tells listeners what moved since the last notification.
type Change struct {
	Queue    bool // the queue's content or order changed
	Cases    []string
	Status   bool
	Rejected bool // the list of rejected ops changed
	Presence bool // who views or types where changed
}

// Core is one open console.
type Core struct {
	store *store.Store

	// mu guards the queue index (and its search index) and status.
	mu     sync.RWMutex
	t      *table
	status client.Status
	// statusNow and live are status and the count of cached cases as of
	// the last change, read without mu: the console's UI goroutine reads
	// them every second (Tick), and mu is held for writing by each sync
	// page while readers (the queue worker copying a page of 100k rows)
	// hold it for reading, so an RLock there waited behind both — UI
	// stalls of 0.3-2 s seen during a 100k initial sync.
	statusNow atomic.Pointer[client.Status]
	live      atomic.Int64
	synced    chan struct{} // closed at the first caught-up
	once      sync.Once

	// opMu guards pending and orders outbox writes with their view.
	opMu     sync.Mutex
	pending  map[string][]model.Op // case id → ops in the outbox
	bases    map[string]model.Case // case id → its cached record, while ops are pending (refreshMany)
	rejected []store.RejectedOp    // refused ops, oldest first
	kick     func()                // wakes the sync client's outbox pump
	client   *client.Client
	dialer   *websocket.Dialer

	presMu   sync.Mutex
	presence map[string]wire.Presence // agent/client → where they are

	notice string // from Open: a damaged cache was set aside

	// The background build of the search index (search.go); stop ends it
	// at Close.
	searchOnce  sync.Once
	searchReady chan struct{}
	stop        chan struct{}
	bg          sync.WaitGroup

	notify    chan struct{}
	pendMu    sync.Mutex
	changes   Change
	listeners []func(Change)
}

// Open opens the cache in dir and loads the queue index from it. A
// damaged cache is set aside (kept as console.db.damaged-<time>) and a new
// one started, with the outbox copied over as far as it can be read; the
// next sync rebuilds the rest from the hub, and Notice says what happened.
func Open(dir string) (*Core, error) {
	path := filepath.Join(dir, "console.db")
	st, err := store.Open(path)
	var notice string
	if errors.Is(err, store.ErrDamaged) {
		var rec store.Recovery
		st, rec, err = store.Recover(path, err, time.Now())
		if err == nil {
			notice = rec.Message()
			slog.Warn("console: " + notice)
		}
	}
	if err != nil {
		return nil, err
	}
	c := &Core{
		store:       st,
		searchReady: make(chan struct{}),
		stop:        make(chan struct{}),
		synced:      make(chan struct{}),
		notify:      make(chan struct{}, 1),
		status:      client.Status{State: client.StateOffline, Err: notice},
		notice:      notice,
	}
	if c.t, err = loadRecords(c.Me(), st); err != nil {
		st.Close()
		return nil, err
	}
	ops, err := st.Outbox()
	if err != nil {
		st.Close()
		return nil, err
	}
	c.pending = map[string][]model.Op{}
	for _, op := range ops {
		c.pending[op.CaseID] = append(c.pending[op.CaseID], op)
	}
	ids := make([]string, 0, len(c.pending))
	for id := range c.pending {
		ids = append(ids, id)
	}
	c.refreshMany(ids)
	if err := c.loadRejected(); err != nil {
		st.Close()
		return nil, err
	}
	c.status.Cursor, _ = st.Cursor()
	c.status.Head = c.status.Cursor
	c.publish()
	return c, nil
}

// publish copies status and the count of cases for Status and Count;
// called with mu held (or before the Core is shared).
func (c *Core) publish() {
	st := c.status
	c.statusNow.Store(&st)
	c.live.Store(int64(c.t.nlive))
}

// Notice is a message for the user from Open, or "": today only that a
// damaged cache was set aside and is being rebuilt.
func (c *Core) Notice() string { return c.notice }

// Close closes the cache. Stop the sync first (cancel Start's context and
// wait for it).
func (c *Core) Close() error {
	close(c.stop)
	c.bg.Wait()
	return c.store.Close()
}

// OnChange registers a listener. Listeners are called from one background
// goroutine, at most every 100 ms, with the changes coalesced; they must
// hand widget work to the UI thread themselves.
func (c *Core) OnChange(f func(Change)) {
	c.mu.Lock()
	c.listeners = append(c.listeners, f)
	c.mu.Unlock()
}

// Start syncs with the hub until ctx ends; it returns at once. done is
// closed when the sync goroutines have stopped.
func (c *Core) Start(ctx context.Context, hubURL, token string) (done <-chan struct{}) {
	ch := make(chan struct{})
	cl := &client.Client{HubURL: hubURL, Token: token, Cache: cacheOf{c}, OnStatus: c.setStatus, OnPresence: c.onPresence, Dialer: c.dialer}
	c.opMu.Lock()
	c.kick = cl.Kick
	c.client = cl
	c.opMu.Unlock()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); c.dispatch(ctx) }()
	c.startSearchBuild()
	go func() {
		defer wg.Done()
		if err := cl.Run(ctx); err != nil && ctx.Err() == nil {
			c.setStatus(client.Status{State: client.StateOffline, Err: err.Error()})
		}
	}()
	go func() { wg.Wait(); close(ch) }()
	return ch
}

// SetDialer sets the websocket dialer (e.g. HubDialer for a private CA);
// call it before Start.
func (c *Core) SetDialer(d *websocket.Dialer) { c.dialer = d }

// Synced is closed once the first initial sync has caught up.
func (c *Core) Synced() <-chan struct{} { return c.synced }

// Status is the connection status now.
func (c *Core) Status() client.Status {
	return *c.statusNow.Load()
}

// Count is the number of cached cases.
func (c *Core) Count() int {
	return int(c.live.Load())
}

// CaseDetail is what the case view shows.
type CaseDetail struct {
	Case   model.Case
	Thread []model.Message
	// Customer is the linked customer's record as an agent may see it:
	// without marketing consent, no marketing fields.
	Customer *model.Customer
	// Others are the customer's other cases, newest first.
	Others []model.Summary
	// MergedCases are the cases merged into this one, each keeping its
	// channel's reply path.
	MergedCases []model.Summary
	// Suggestions propose customers for an unlinked author, with evidence.
	Suggestions []model.Suggestion
}

// Case loads a case with its thread and customer from the cache. It reads
// disk: call it off the UI goroutine.
func (c *Core) Case(id string) (CaseDetail, error) {
	cs, msgs, err := c.store.Case(id)
	if err != nil {
		return CaseDetail{}, err
	}
	c.opMu.Lock()
	ops := slices.Clone(c.pending[id])
	c.opMu.Unlock()
	cs, queued := overlay(cs, ops, c.actor())
	// Threads of cases merged into this one (a queued merge too) show
	// here, in time order.
	var merged []model.Summary
	for _, other := range cs.Merged {
		if oc, more, err := c.store.Case(other); err == nil {
			msgs = append(msgs, more...)
			merged = append(merged, oc.Summary())
		}
	}
	if len(cs.Merged) > 0 {
		slices.SortStableFunc(msgs, func(a, b model.Message) int { return a.Time.Compare(b.Time) })
	}
	d := CaseDetail{Case: cs, Thread: append(msgs, queued...), MergedCases: merged}
	if cs.CustomerID == "" {
		d.Suggestions = model.Suggest(cs, d.Thread, c.store.Directory())
	} else {
		cust, cases, err := c.store.Customer(cs.CustomerID)
		if err == nil {
			cust = cust.ForAgent()
			d.Customer = &cust
			for _, o := range cases {
				if o.ID != id {
					d.Others = append(d.Others, o)
				}
			}
			slices.SortFunc(d.Others, func(a, b model.Summary) int { return b.Created.Compare(a.Created) })
		}
	}
	return d, nil
}

func (c *Core) setStatus(s client.Status) {
	c.mu.Lock()
	c.status = s
	c.publish()
	c.mu.Unlock()
	if s.State == client.StateOnline {
		c.once.Do(func() { close(c.synced) })
	}
	c.post(Change{Status: true})
}

func (c *Core) post(ch Change) {
	c.pendMu.Lock()
	c.changes.Queue = c.changes.Queue || ch.Queue
	c.changes.Status = c.changes.Status || ch.Status
	c.changes.Rejected = c.changes.Rejected || ch.Rejected
	c.changes.Presence = c.changes.Presence || ch.Presence
	c.changes.Cases = append(c.changes.Cases, ch.Cases...)
	c.pendMu.Unlock()
	select {
	case c.notify <- struct{}{}:
	default:
	}
}

// dispatch coalesces changes so a long initial sync refreshes the screen
// ten times a second, not once per page.
func (c *Core) dispatch(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.notify:
		}
		c.pendMu.Lock()
		ch := c.changes
		c.changes = Change{}
		c.pendMu.Unlock()
		c.mu.RLock()
		ls := slices.Clone(c.listeners)
		c.mu.RUnlock()
		for _, l := range ls {
			l(ch)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// cacheOf adapts the store for the sync client and keeps the index in step
// with every page applied.
type cacheOf struct{ c *Core }

func (a cacheOf) Apply(evs []model.Event) (store.Applied, error) {
	return a.index(evs)(a.c.store.Apply(evs))
}

func (a cacheOf) ApplySnapshot(evs []model.Event) (store.Applied, error) {
	return a.index(evs)(a.c.store.ApplySnapshot(evs))
}

func (a cacheOf) BeginSnapshot() error         { return a.Reset() }
func (a cacheOf) EndSnapshot(seq uint64) error { return a.c.store.EndSnapshot(seq) }

// index brings the queue and search indexes in step with what a page of
// events changed: each touched case moves to its place, no list is sorted.
func (a cacheOf) index(evs []model.Event) func(store.Applied, error) (store.Applied, error) {
	return func(res store.Applied, err error) (store.Applied, error) {
		if err == nil {
			a.c.mu.Lock()
			a.c.t.indexEvents(evs)
			a.c.mu.Unlock()
		}
		return a.indexPage(res, err, evs)
	}
}

func (a cacheOf) indexCases(res store.Applied, err error) (store.Applied, error) {
	return a.indexPage(res, err, nil)
}

// indexPage files the cases a page wrote. A case with ops pending is
// refreshed (its record with the ops on top); the record is the page's
// last upsert of it when the page was applied whole (the cache writes an
// upserted case as it came), so the drain of an outbox does not read back
// the cases its ops just changed.
func (a cacheOf) indexPage(res store.Applied, err error, evs []model.Event) (store.Applied, error) {
	if err != nil || len(res.Cases) == 0 {
		return res, err
	}
	ids := make([]string, len(res.Cases))
	var overlaid []string
	a.c.opMu.Lock()
	a.c.mu.Lock()
	for i, s := range res.Cases {
		ids[i] = s.ID
		if len(a.c.pending[s.ID]) > 0 {
			overlaid = append(overlaid, s.ID)
			continue
		}
		a.c.t.put(s)
	}
	a.c.publish()
	a.c.mu.Unlock()
	a.c.forget(ids) // written: a record at hand is old
	if len(overlaid) > 0 && res.Skipped == 0 {
		for i := len(evs) - 1; i >= 0; i-- {
			ev := &evs[i]
			if ev.Type != model.EventCaseUpserted || ev.Case == nil || len(a.c.pending[ev.Case.ID]) == 0 {
				continue
			}
			if _, ok := a.c.bases[ev.Case.ID]; !ok {
				if a.c.bases == nil {
					a.c.bases = map[string]model.Case{}
				}
				a.c.bases[ev.Case.ID] = *ev.Case // the last one of the page
			}
		}
	}
	a.c.refreshMany(overlaid)
	a.c.opMu.Unlock()
	a.c.post(Change{Queue: true, Cases: ids})
	return res, nil
}

func (a cacheOf) Outbox() ([]model.Op, error) { return a.c.sendable() }

func (a cacheOf) Acked(opID string) error {
	if err := a.c.store.Acked(opID); err != nil {
		return err
	}
	a.c.settle(opID)
	return nil
}

func (a cacheOf) Rejected(opID string, r model.Rejection, current *model.Case) error {
	if err := a.c.store.Rejected(opID, r, current); err != nil {
		return err
	}
	a.c.opMu.Lock()
	a.c.forget(nil) // the cache may hold the hub's current case now
	err := a.c.loadRejected()
	a.c.opMu.Unlock()
	if err != nil {
		return err
	}
	a.c.settle(opID)
	a.c.post(Change{Rejected: true})
	return nil
}

func (a cacheOf) Welcomed(agent, role string) error {
	if err := a.c.store.Welcomed(agent, role); err != nil {
		return err
	}
	me := a.c.Me()
	a.c.mu.Lock()
	a.c.t.setMe(me)
	a.c.mu.Unlock()
	return nil
}

func (a cacheOf) Cursor() (uint64, error) { return a.c.store.Cursor() }
func (a cacheOf) ClientID() string        { return a.c.store.ClientID() }
func (a cacheOf) Reset() error {
	if err := a.c.store.Reset(); err != nil {
		return err
	}
	a.c.opMu.Lock()
	a.c.forget(nil)
	a.c.opMu.Unlock()
	me := a.c.Me()
	a.c.mu.Lock()
	a.c.t = newTable(me, nil)
	a.c.t.search.built = true // what comes next comes as events
	a.c.publish()
	a.c.mu.Unlock()
	a.c.post(Change{Queue: true})
	return nil
}

// SetPresence tells the other agents which case this console shows and
// whether the agent is typing in it; "" clears.
func (c *Core) SetPresence(caseID string, typing bool) {
	c.opMu.Lock()
	cl := c.client
	c.opMu.Unlock()
	if cl == nil {
		return
	}
	state := wire.PresenceViewing
	if typing {
		state = wire.PresenceTyping
	}
	cl.SetPresence(caseID, state)
}

func (c *Core) onPresence(ps []wire.Presence) {
	c.presMu.Lock()
	if ps == nil {
		c.presence = nil // connection ended: nobody is known to be anywhere
	}
	for _, p := range ps {
		key := p.Agent + "/" + p.ClientID
		if p.State == "" {
			delete(c.presence, key)
			continue
		}
		if c.presence == nil {
			c.presence = map[string]wire.Presence{}
		}
		c.presence[key] = p
	}
	c.presMu.Unlock()
	c.post(Change{Presence: true})
}

// Presence lists the other agents in a case: "anna" viewing, "ben" typing.
// It reads memory only.
func (c *Core) Presence(caseID string) (viewing, typing []string) {
	c.presMu.Lock()
	defer c.presMu.Unlock()
	me := c.Me()
	for _, p := range c.presence {
		if p.CaseID != caseID || p.Agent == me {
			continue
		}
		if p.State == wire.PresenceTyping {
			typing = append(typing, p.Agent)
		} else {
			viewing = append(viewing, p.Agent)
		}
	}
	slices.Sort(viewing)
	slices.Sort(typing)
	return slices.Compact(viewing), slices.Compact(typing)
}
