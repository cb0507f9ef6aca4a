// Package hub is Switchboard's backend core: it owns the event log, folds
// inbound platform messages into cases, and serves the sync websocket.
package hub

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"switchboard/connector"
	"switchboard/model"
)

// Config tunes a Hub; the zero value is usable.
type Config struct {
	Reach  model.ReachThresholds // zero: model.DefaultReach
	Now    func() time.Time      // zero: time.Now
	Logger *slog.Logger          // zero: slog.Default()
	// MaxText caps an inbound message's text, in bytes.
	MaxText int // zero: 64 KiB
	// Experts are identity keys ("forum:rolandk@autoforum.example") of
	// known community experts; their messages are marked as such.
	Experts []string
	// RetryBase is the first delay before a failed delivery is retried; it
	// doubles with each attempt up to 5 minutes. Zero: one second.
	RetryBase time.Duration
}

// Hub holds the state folded from the log. Every change goes through the
// log first; the maps are a cache of it, rebuilt at start.
//
// The hub does not hold every full case: cases keeps a compact record of
// each (caseRec), and a change reads the full case from the log's state
// (BoltLog.Case: the newest version, queued or stored). Which platform
// messages it has seen is the log's seen index (BoltLog.Seen, with a
// filter in memory that answers most misses, ingest_seen.go). At start
// the hub loads the compact records (the log's case index) and the
// customers, never the events.
type Hub struct {
	log  EventLog
	ilog stateLog
	cfg  Config

	// mu serialises appends and guards the maps below; ingest's callers
	// read them under its read lock before they queue (ingest.go).
	mu        sync.RWMutex
	cases     map[string]caseRec
	threads   map[string]string // channel|thread ref → case id
	customers map[string]*model.Customer
	idents    map[string]string   // identity key → customer id
	byAuthor  map[uint64][]string // hash of an author identity key → case ids
	chans     []model.Channel     // the channel table of caseRec
	// group is IngestMany's open request (nil outside it, or sealed by a
	// wait on the log); waits are the sealed groups' waits.
	group    *Group
	grouping bool
	waits    []func() error
	// gen counts the changes of cases folded; changed holds, for a
	// stripe of case ids, the count at the newest change of one of them
	// (see ingest.go).
	gen     uint64
	changed [changeStripes]uint64

	// inq is the queue of ingest requests (ingest.go), under inMu.
	inMu sync.Mutex
	inq  ingestQueue

	// live is the ring of recently committed events the sessions are
	// handed from memory (server.go).
	live *liveRing

	subMu sync.Mutex
	subs  map[chan struct{}]struct{}

	metrics *Metrics // see metrics.go

	// members are the expert directory's keys (experts.go), nil without one.
	members atomic.Pointer[map[string]bool]
	// listening is the listening view (listen.go), nil without one.
	listening atomic.Pointer[Listening]
}

// stateLog is what the hub needs of its log beyond EventLog: BoltLog's
// group commit and state lookups.
type stateLog interface {
	AppendAsync(evs []model.Event) ([]model.Event, func() error, error)
	AppendOpAsync(agent string, a OpAnswer, evs []model.Event, jobs ...Job) ([]model.Event, OpAnswer, func() error, error)
	OpenGroup() (*Group, error)
	OnCommit(func([]model.Event))
	Case(id string) (model.Case, bool, error)
	Seen(key string) (string, bool)
	LoadIndex(cas func(id string, rec []byte) error, cust func(model.Customer) error) (uint64, error)
}

// New builds a hub on log, loading its state: the compact case records
// and the customers, not the events.
func New(log EventLog, cfg Config) (*Hub, error) {
	if cfg.Reach == (model.ReachThresholds{}) {
		cfg.Reach = model.DefaultReach
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxText == 0 {
		cfg.MaxText = 64 << 10
	}
	if cfg.RetryBase == 0 {
		cfg.RetryBase = time.Second
	}
	// Configured keys are compared as Identity.Key makes them.
	experts := make([]string, len(cfg.Experts))
	for i, k := range cfg.Experts {
		experts[i] = model.IdentityKey(k)
	}
	cfg.Experts = experts
	ilog, ok := log.(stateLog)
	if !ok {
		return nil, fmt.Errorf("hub: the log %T keeps no state index", log)
	}
	h := &Hub{
		log:       log,
		ilog:      ilog,
		cfg:       cfg,
		cases:     map[string]caseRec{},
		threads:   map[string]string{},
		customers: map[string]*model.Customer{},
		idents:    map[string]string{},
		byAuthor:  map[uint64][]string{},
		subs:      map[chan struct{}]struct{}{},
		live:      newLiveRing(liveRingEvents),
	}
	h.metrics = newMetrics(log.Head)
	// The log's state view, not the log itself: it survives compaction.
	// The records are decoded first and folded into maps made to size
	// (growing them one case at a time is a third of a start's work).
	type loaded struct {
		id, ref string
		rec     caseRec
	}
	var recs []loaded
	head, err := ilog.LoadIndex(func(id string, raw []byte) error {
		rec, ref, _, err := h.decodeCaseRec(raw)
		if err != nil {
			return fmt.Errorf("case %s: %w", id, err)
		}
		recs = append(recs, loaded{id, ref, rec})
		return nil
	}, func(c model.Customer) error {
		h.foldCustomer(c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("hub: load state: %w", err)
	}
	h.cases, h.threads = make(map[string]caseRec, len(recs)), make(map[string]string, len(recs))
	h.byAuthor = make(map[uint64][]string, len(recs))
	for _, r := range recs {
		h.foldRec(r.id, r.rec, r.ref)
	}
	recs = nil
	h.live.reset(head)
	ilog.OnCommit(func(evs []model.Event) {
		h.live.push(evs)
		h.wake()
	})
	// What decoding the index left behind goes back to the system now,
	// not whenever the heap next grows: a start happens once.
	debug.FreeOSMemory()
	cfg.Logger.Info("hub state loaded", "head", head, "cases", len(h.cases), "customers", len(h.customers))
	return h, nil
}

// Log is the hub's event log.
func (h *Hub) Log() EventLog { return h.log }

func (h *Hub) fold(ev model.Event) {
	switch ev.Type {
	case model.EventCaseUpserted:
		c := ev.Case
		h.foldRec(c.ID, h.recOf(c), c.ThreadRef)
	case model.EventCustomerUpserted:
		h.foldCustomer(*ev.Customer)
	}
	// Messages: the log's seen index knows their platform ids.
}

// foldRec keeps a case's compact record, its thread and its author's list.
func (h *Hub) foldRec(id string, rec caseRec, ref string) {
	threaded := false // h.threads has the case's thread already
	if old, known := h.cases[id]; !known {
		h.byAuthor[rec.author] = append(h.byAuthor[rec.author], id) // a case keeps its author
	} else {
		if cur := h.threads[threadKey(h.chans[old.channel], ref)]; cur == id {
			id = cur // one copy of the id
			threaded = old.channel == rec.channel
		}
		if old.author != rec.author {
			// Only a case the brand opened changes hands (adoptLocked).
			h.byAuthor[old.author] = slices.DeleteFunc(h.byAuthor[old.author], func(x string) bool { return x == id })
			if len(h.byAuthor[old.author]) == 0 {
				delete(h.byAuthor, old.author)
			}
			h.byAuthor[rec.author] = append(h.byAuthor[rec.author], id)
		}
	}
	h.gen++
	h.changed[changeStripe(id)] = h.gen
	h.cases[id] = rec
	if !threaded { // (a key made and a map write under h.mu a message)
		h.threads[threadKey(h.chans[rec.channel], ref)] = id
	}
}

func (h *Hub) foldCustomer(c model.Customer) {
	h.customers[c.ID] = &c
	for _, l := range c.Links {
		if l.Active() {
			h.idents[l.Identity.Key()] = c.ID
		} else if h.idents[l.Identity.Key()] == c.ID {
			delete(h.idents, l.Identity.Key())
		}
	}
}

// caseRec is what the hub keeps in memory of a case: what validation,
// threading and ops decide on without reading the full case. Its thread
// (threads) and author (byAuthor) are kept beside it.
//
// It is kept small (56 bytes; a million cases' map is most of the hub's
// memory): no status or assignee (nothing decides on them without the
// full case), the channel as a code of the hub's channel table.
type caseRec struct {
	version    int64
	author     uint64 // authorHash of the author's identity key
	customerID string
	mergedInto string
	channel    uint16 // in h.chans
}

// chanCode is a channel's code in the channel table (added when new).
func (h *Hub) chanCode(ch model.Channel) uint16 {
	for i, c := range h.chans {
		if c == ch {
			return uint16(i)
		}
	}
	if len(h.chans) == 1<<16 { // not a channel any connector makes
		return 0
	}
	h.chans = append(h.chans, ch)
	return uint16(len(h.chans) - 1)
}

func (h *Hub) recOf(c *model.Case) caseRec {
	return caseRec{version: c.Version, channel: h.chanCode(c.Channel), customerID: c.CustomerID,
		mergedInto: c.MergedInto, author: identHash(c.Author)}
}

// authorHash keys byAuthor: 64 bits of FNV-1a. A collision only adds a
// candidate, which relinkCasesLocked checks against the full case.
func authorHash(key string) uint64 {
	x := uint64(14695981039346656037)
	for i := 0; i < len(key); i++ {
		x ^= uint64(key[i])
		x *= 1099511628211
	}
	return x
}

// identHash is authorHash(id.Key()) with no key made: FNV-1a hashes
// byte by byte, so the key's parts are hashed one after another (Key:
// platform, ":", the handle trimmed and lower-cased; ToLower copies only a
// handle with capitals).
func identHash(id model.Identity) uint64 {
	x := uint64(14695981039346656037)
	for _, part := range [3]string{string(id.Platform), ":", strings.ToLower(strings.TrimPrefix(strings.TrimSpace(id.Handle), "@"))} {
		for i := 0; i < len(part); i++ {
			x ^= uint64(part[i])
			x *= 1099511628211
		}
	}
	return x
}

// encodeCaseRec is a case's record in the log's case index: version,
// then status, channel, thread ref, author key, customer, assignee and
// merged-into, each a uvarint length and its bytes.
func encodeCaseRec(c *model.Case) []byte {
	return appendCaseRec(make([]byte, 0, 64+len(c.ThreadRef)), c)
}

// appendCaseRec appends encodeCaseRec(c) to b; the author key (Key:
// platform, ":", the handle trimmed and lower-cased) is written in parts,
// not made.
func appendCaseRec(b []byte, c *model.Case) []byte {
	b = binary.AppendVarint(b, c.Version)
	for _, f := range [3]string{string(c.Status), string(c.Channel), c.ThreadRef} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	handle := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(c.Author.Handle), "@"))
	b = binary.AppendUvarint(b, uint64(len(c.Author.Platform)+1+len(handle)))
	b = append(append(append(b, c.Author.Platform...), ':'), handle...)
	for _, f := range [3]string{c.CustomerID, c.Assignee, c.MergedInto} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	return b
}

func (h *Hub) decodeCaseRec(b []byte) (rec caseRec, ref, author string, err error) {
	v, n := binary.Varint(b)
	if n <= 0 {
		return caseRec{}, "", "", errors.New("bad case index record")
	}
	b = b[n:]
	var f [7]string
	for i := range f {
		l, n := binary.Uvarint(b)
		if n <= 0 || uint64(len(b)-n) < l {
			return caseRec{}, "", "", errors.New("bad case index record")
		}
		f[i] = string(b[n : n+int(l)])
		b = b[n+int(l):]
	}
	rec = caseRec{version: v, channel: h.chanCode(model.Channel(f[1])), customerID: f[4], mergedInto: f[6], author: authorHash(f[3])}
	return rec, f[2], f[3], nil
}

// fullCase reads a case's newest full state from the log.
func (h *Hub) fullCase(id string) (model.Case, bool, error) {
	if _, ok := h.cases[id]; !ok {
		return h.unfoldedCase(id) // another hub's new case, on JetStream (jshub.go)
	}
	return h.ilog.Case(id)
}

// seenCase finds the case of a platform message the hub stored.
func (h *Hub) seenCase(ch model.Channel, platformID string) (string, bool) {
	return h.ilog.Seen(threadKey(ch, platformID))
}

func threadKey(ch model.Channel, ref string) string { return string(ch) + "|" + ref }

// inKeys are the map and index keys an inbound item is looked up by,
// made once (by its caller, before it queues: see ingest.go), not at each
// look-up under h.mu.
type inKeys struct {
	author string // in.Author.Key()
	thread string // threadKey(in.Channel, in.ThreadRef)
	seen   string // threadKey(in.Channel, in.PlatformID), "" without one
}

func keysOf(in *Inbound) inKeys {
	k := inKeys{author: in.Author.Key(), thread: threadKey(in.Channel, in.ThreadRef)}
	if in.PlatformID != "" {
		k.seen = threadKey(in.Channel, in.PlatformID)
	}
	return k
}

// sameIdentity reports whether a (whose Key is aKey) and b have the same
// identity key. Key depends on the platform and the handle only: the same
// two need no key made.
func sameIdentity(a model.Identity, aKey string, b model.Identity) bool {
	return a.Platform == b.Platform && a.Handle == b.Handle || aKey == b.Key()
}

// Inbound is one message from a platform, normalised by a connector.
type Inbound = model.Inbound

// ErrInvalid wraps every rejection of bad inbound data.
var ErrInvalid = errors.New("invalid inbound message")

func (h *Hub) validate(in *Inbound) error {
	switch {
	case !in.Channel.Valid():
		return fmt.Errorf("%w: unknown channel %q", ErrInvalid, in.Channel)
	case strings.TrimSpace(in.ThreadRef) == "":
		return fmt.Errorf("%w: no thread ref", ErrInvalid)
	case strings.TrimSpace(in.Author.Handle) == "":
		return fmt.Errorf("%w: no author handle", ErrInvalid)
	case len(in.Author.Handle) > maxHandle || len(in.ThreadRef) > maxThreadRef:
		return fmt.Errorf("%w: author handle or thread ref too long", ErrInvalid)
	case strings.TrimSpace(in.Text) == "" && in.Action != model.InboundDelete:
		return fmt.Errorf("%w: empty text", ErrInvalid)
	case len(in.Text) > h.cfg.MaxText:
		return fmt.Errorf("%w: text of %d bytes, limit %d", ErrInvalid, len(in.Text), h.cfg.MaxText)
	case !utf8.ValidString(in.Text):
		return fmt.Errorf("%w: text is not UTF-8", ErrInvalid)
	}
	if in.Direction == "" {
		in.Direction = model.DirectionIn
	}
	if in.Direction != model.DirectionIn && in.Direction != model.DirectionOut {
		return fmt.Errorf("%w: direction %q", ErrInvalid, in.Direction)
	}
	if in.Time.IsZero() {
		in.Time = h.cfg.Now()
	}
	in.Time = in.Time.UTC()
	in.Author.Platform = in.Channel
	// Names and profiles are shown, not keyed: cut, never refuse.
	in.Author.DisplayName = model.FirstLine(in.Author.DisplayName, maxDisplayName)
	if len(in.Author.Bio) > maxBio {
		in.Author.Bio = strings.ToValidUTF8(in.Author.Bio[:maxBio], "")
	}
	return nil
}

// Caps on what a platform says about an author and a thread.
const (
	maxHandle      = 256
	maxThreadRef   = 2048
	maxDisplayName = 200 // runes
	maxBio         = 1024
)

// Ingest folds one inbound message into its case, creating the case for a
// new thread. The same platform message twice is stored once: the second
// call returns the first message's case with dup set. The brand's own
// message (Direction out) joins its thread's case as sent, counting as
// the first response when it is one; with no case in its thread it opens
// none and Ingest returns an empty case id. The platform's copy of an
// agent's reply is not added twice (see matchReplyLocked).
func (h *Hub) Ingest(in Inbound) (caseID string, dup bool, err error) {
	r := h.IngestMany([]Inbound{in})
	return r[0].CaseID, r[0].Dup, r[0].Err
}

// Ingested is the outcome of one item of IngestMany, as Ingest returns it.
type Ingested struct {
	CaseID string
	Dup    bool
	Err    error // wraps ErrInvalid for a bad item; else the log failed
}

func (h *Hub) ingestLocked(in Inbound) (caseID string, dup bool, err error) {
	return h.ingestPreLocked(in, nil)
}

// ingestPreLocked is ingestLocked with what the item's caller read before
// it queued (pre, nil for nothing; see ingest.go).
func (h *Hub) ingestPreLocked(in Inbound, pre *prefetched) (caseID string, dup bool, err error) {
	if in.Listen {
		return h.listenLocked(in)
	}
	if in.Action == model.InboundEdit || in.Action == model.InboundDelete {
		return h.amendLocked(in)
	}
	var k inKeys
	if pre != nil && pre.keyed {
		k = pre.keys
	} else {
		k = keysOf(&in)
	}
	if in.PlatformID != "" {
		if id, ok := h.ilog.Seen(k.seen); ok {
			return id, true, nil
		}
	}
	now := h.cfg.Now().UTC()
	h.cfg.Reach.Rate(&in.Author)
	if slices.Contains(h.cfg.Experts, k.author) || h.isMember(k.author) {
		in.Author.Expert = true
	}

	var c model.Case
	if id, ok := h.threads[k.thread]; ok {
		if pre != nil && pre.ok && pre.id == id && h.changed[changeStripe(id)] == pre.gen {
			c = pre.c // nothing changed the case since its caller read it
		} else {
			full, ok, err := h.fullCase(id)
			if err != nil {
				return "", false, err
			}
			if !ok {
				return "", false, fmt.Errorf("hub: case %s of thread %s is not in the log's state", id, in.ThreadRef)
			}
			c = full
		}
	} else if in.Direction == model.DirectionOut {
		// The brand's own post with no customer case to join (a broadcast,
		// the page commenting under its own post, a conversation the page
		// began): it opens no case, or the brand would be the case's
		// author, offered as a customer to link, and the customer who
		// writes next never counted as waiting.
		h.cfg.Logger.Debug("hub: outbound item with no case dropped", "channel", in.Channel,
			"thread", in.ThreadRef, "platform_id", in.PlatformID)
		return "", false, nil
	} else {
		c = model.Case{
			// Time-ordered: a new case's state records go to the end of
			// their buckets, not to a random page each.
			ID:        uuid.Must(uuid.NewV7()).String(),
			Channel:   in.Channel,
			ThreadRef: in.ThreadRef,
			Source:    in.Source,
			Brand:     in.Brand,
			Subject:   in.Text,
			Author:    in.Author,
			Status:    model.StatusNew,
			Priority:  model.PriorityNormal,
			Public:    in.Public,
			Lang:      in.Lang,
			URL:       in.URL,
			Created:   in.Time,
		}
		c.Priority = h.cfg.Reach.Raise(c.Priority, c.Public, c.Author.Reach)
	}
	if in.Direction == model.DirectionOut {
		if id, done, err := h.matchReplyLocked(c, in); done || err != nil {
			return id, done, err
		}
	} else if err := h.adoptLocked(&c, in, k.author); err != nil {
		return "", false, err
	}
	// Whether in's author is the case's (after adoptLocked): their
	// identity keys are equal.
	byAuthor := sameIdentity(in.Author, k.author, c.Author)
	if c.CustomerID == "" && in.Direction == model.DirectionIn && byAuthor {
		c.CustomerID = h.idents[k.author]
	}
	// Messenger sends no names: a linked customer's name stands in.
	if in.Author.DisplayName == "" || in.Author.DisplayName == in.Author.Handle {
		if cust, ok := h.customers[h.idents[k.author]]; ok {
			in.Author.DisplayName = cust.Name
			if byAuthor {
				c.Author.DisplayName = cust.Name
			}
		}
	}
	if byAuthor {
		c.Author = in.Author // fresher follower counts
	}
	msg := model.Message{
		ID:         uuid.NewString(),
		CaseID:     c.ID,
		Direction:  in.Direction,
		Author:     in.Author,
		Text:       in.Text,
		Time:       in.Time,
		PlatformID: in.PlatformID,
		Public:     in.Public,
		Private:    in.Private,
	}
	if in.Direction == model.DirectionOut {
		msg.Delivery = model.DeliverySent
		// A brand message older than the case (or than the message that
		// waits) answers nothing in it: it arrived late, and is shown
		// without counting as a response.
		answers := !in.Time.Before(c.Created)
		if answers && c.FirstResponse.IsZero() {
			c.FirstResponse = in.Time
		}
		if !c.WaitingSince.IsZero() && !in.Time.Before(c.WaitingSince) {
			c.WaitingSince = time.Time{}
		}
		if answers && c.Status == model.StatusNew {
			c.Status = model.StatusOpen
		}
	} else {
		c.SnoozedUntil = time.Time{} // a new message wakes a snoozed case (docs/protocol.md)
		if c.WaitingSince.IsZero() && byAuthor {
			c.WaitingSince = in.Time
		}
		c.NoteCommunityAnswer(msg) // an expert's answer to a hand-off (experts.go)
		if c.Status == model.StatusSolved || c.Status == model.StatusClosed {
			c.Status = model.StatusOpen
			c.Resolved = time.Time{}
		}
	}
	if in.Time.After(c.LastMessageAt) {
		c.LastMessageAt = in.Time
	}
	c.MessageCount++
	c.Updated = now
	c.Version++
	_, err = h.appendLocked(
		model.Event{Type: model.EventMessageAdded, Time: now, Message: &msg},
		model.Event{Type: model.EventCaseUpserted, Time: now, Case: &c},
	)
	if err != nil {
		return "", false, err
	}
	return c.ID, false, nil
}

// adoptLocked hands a case the brand's own message opened (before the
// brand's messages stopped opening cases) to the first customer who
// writes in it: they become its author, and wait for the first response,
// which the brand's earlier message was not.
func (h *Hub) adoptLocked(c *model.Case, in Inbound, inKey string) error {
	// A case opened by an out item took its time as created and first
	// response; only then is the thread read.
	if sameIdentity(in.Author, inKey, c.Author) || c.FirstResponse.IsZero() || !c.FirstResponse.Equal(c.Created) || !c.WaitingSince.IsZero() {
		return nil
	}
	thread, err := h.threadLocked(c.ID)
	if err != nil {
		return err
	}
	for _, m := range thread {
		if m.Direction == model.DirectionIn {
			return nil // a customer wrote before: theirs is the case
		}
	}
	if len(thread) == 0 || thread[0].Direction != model.DirectionOut || thread[0].Author.Key() != c.Author.Key() {
		return nil
	}
	c.Author, c.Subject, c.FirstResponse = in.Author, in.Text, time.Time{}
	c.CustomerID = h.idents[inKey]
	c.Priority = h.cfg.Reach.Raise(c.Priority, c.Public, in.Author.Reach)
	if c.Lang == "" {
		c.Lang = in.Lang
	}
	h.cfg.Logger.Info("hub: case opened by the brand handed to its first customer", "case", c.ID, "author", inKey)
	return nil
}

// matchReplyLocked finds, for the brand's own post in with no known
// platform id, an agent's reply of case c it is the platform's copy of:
// the echo of a reply whose delivery is still being recorded (the
// platform's webhook can beat the Send answer), or a reply posted by hand.
// done reports that in is that reply and must not be added again. A reply
// still queued records its platform id when its delivery finishes; one
// posted by hand, or failed or manual but seen on the platform after all,
// takes in's platform id now, so a re-sent webhook is a plain duplicate.
func (h *Hub) matchReplyLocked(c model.Case, in Inbound) (caseID string, done bool, err error) {
	if in.PlatformID == "" {
		return "", false, nil
	}
	thread, err := h.threadLocked(c.ID)
	if err != nil {
		return "", false, err
	}
	for i := len(thread) - 1; i >= 0; i-- {
		m := thread[i]
		if m.Direction != model.DirectionOut || m.PlatformID != "" || m.Deleted || !sameReply(m.Text, in.Text) {
			continue
		}
		if m.Delivery == model.DeliveryQueued {
			return c.ID, true, nil
		}
		now := h.cfg.Now().UTC()
		m.PlatformID = in.PlatformID
		if m.Delivery != model.DeliverySent {
			m.Delivery, m.DeliveryError = model.DeliverySent, "seen on the platform"
			stored, err := h.log.PutJob(Job{ID: m.ID, CaseID: m.CaseID, State: JobDone, PlatformID: in.PlatformID},
				model.Event{Type: model.EventMessageUpdated, Time: now, Message: &m})
			if err != nil {
				return "", false, err
			}
			for _, ev := range stored {
				h.fold(ev)
			}
			return c.ID, true, nil
		}
		if _, err := h.appendLocked(model.Event{Type: model.EventMessageUpdated, Time: now, Message: &m}); err != nil {
			return "", false, err
		}
		return c.ID, true, nil
	}
	return "", false, nil
}

// sameReply reports whether seen, a post as the platform shows it, is the
// agent's reply text: equal but for white space, or holding it whole (X
// puts the @handles replied to in front, a forum a title line). Short
// replies ("Thanks!") must match exactly.
func sameReply(reply, seen string) bool {
	reply, seen = strings.Join(strings.Fields(reply), " "), strings.Join(strings.Fields(seen), " ")
	if reply == "" {
		return false
	}
	return reply == seen || utf8.RuneCountInString(reply) >= minReplyMatch && strings.Contains(seen, reply)
}

// minReplyMatch is the shortest reply, in runes, matched inside a longer post.
const minReplyMatch = 12

// amendLocked applies an edit or deletion of a platform message. An edit
// or deletion of a message the hub never saw is ignored (dup), as is one
// that changes nothing, so a retried webhook stores nothing twice.
func (h *Hub) amendLocked(in Inbound) (string, bool, error) {
	if in.PlatformID == "" {
		return "", true, nil
	}
	caseID, ok := h.seenCase(in.Channel, in.PlatformID)
	if !ok {
		return "", true, nil
	}
	thread, err := h.threadLocked(caseID)
	if err != nil {
		return "", false, err
	}
	for _, m := range thread {
		if m.PlatformID != in.PlatformID {
			continue
		}
		if in.Action == model.InboundDelete {
			if m.Deleted {
				return caseID, true, nil
			}
			m.Deleted = true
		} else {
			if m.Text == in.Text {
				return caseID, true, nil
			}
			m.Text, m.Edited = in.Text, in.Time
		}
		now := h.cfg.Now().UTC()
		if _, err := h.appendLocked(model.Event{Type: model.EventMessageUpdated, Time: now, Message: &m}); err != nil {
			return "", false, err
		}
		return caseID, false, nil
	}
	return caseID, true, nil
}

// UpsertCustomer stores a CRM record by its customer number. The CRM owns
// the record's fields; the links the record already has (made with consent
// by agents) are kept, and links the record brings must carry service
// consent. Cases of newly linked identities are linked. An upsert that
// changes nothing appends nothing, so importing the same file twice is
// harmless; changed reports whether it did.
func (h *Hub) UpsertCustomer(c model.Customer) (changed bool, err error) {
	res, err := h.UpsertCustomers([]model.Customer{c})
	if err != nil {
		return false, err
	}
	return res[0].Changed, res[0].Err
}

// Upserted is the outcome of one record of UpsertCustomers.
type Upserted struct {
	Changed bool
	Err     error // wraps ErrInvalid: the record was left out
}

// importPage is how many records UpsertCustomers writes per transaction.
const importPage = 500

// UpsertCustomers is UpsertCustomer for many records, a page of them per
// log transaction: a CRM extract of thousands goes in in a few writes. The
// hub's lock is held for one page at a time, so ops, ingest and /healthz
// go on between pages of a long import. The error is for the log failing;
// a bad record only gets its Upserted.Err.
func (h *Hub) UpsertCustomers(cs []model.Customer) ([]Upserted, error) {
	out := make([]Upserted, len(cs))
	for start := 0; start < len(cs); start += importPage {
		end := min(len(cs), start+importPage)
		if err := h.upsertPage(cs[start:end], out[start:end]); err != nil {
			clear(out[start:])
			return out, err
		}
	}
	return out, nil
}

// upsertPage stores one page of records in one log transaction, under the
// lock; out gets each record's outcome.
func (h *Hub) upsertPage(cs []model.Customer, out []Upserted) error {
	h.mu.Lock()
	err := h.upsertPageLocked(cs, out)
	waits := h.takeWaitsLocked()
	h.mu.Unlock()
	if werr := waitAll(waits); err == nil {
		err = werr
	}
	return err
}

func (h *Hub) upsertPageLocked(cs []model.Customer, out []Upserted) error {
	now := h.cfg.Now().UTC()
	var evs []model.Event
	claimed := map[string]string{} // identity key → customer, in this page
	for i, c := range cs {
		e, err := h.upsertEventsLocked(c, claimed, now)
		out[i] = Upserted{Changed: len(e) > 0, Err: err}
		evs = append(evs, e...)
	}
	if len(evs) == 0 {
		return nil
	}
	_, err := h.appendLocked(evs...)
	return err
}

// upsertEventsLocked returns the events that store c: none when nothing
// changes. claimed holds identities linked earlier in the same batch.
func (h *Hub) upsertEventsLocked(c model.Customer, claimed map[string]string, now time.Time) ([]model.Event, error) {
	if strings.TrimSpace(c.ID) == "" || strings.TrimSpace(c.Name) == "" {
		return nil, fmt.Errorf("%w: customer needs a number and a name", ErrInvalid)
	}
	old, known := h.customers[c.ID]
	merged := c
	merged.Links = nil
	if known {
		merged.Links = slices.Clone(old.Links)
	}
	for _, l := range c.Links {
		if !l.Active() {
			continue
		}
		key := l.Identity.Key()
		if !l.Consent.Service {
			return nil, fmt.Errorf("%w: customer %s: link of %s has no service consent", ErrInvalid, c.ID, key)
		}
		for _, owners := range []map[string]string{h.idents, claimed} {
			if owner, ok := owners[key]; ok && owner != c.ID {
				return nil, fmt.Errorf("%w: customer %s: %s is linked to customer %s", ErrInvalid, c.ID, key, owner)
			}
		}
		// A link recorded or ended since this consent was given stands:
		// a re-import neither undoes an agent's unlink nor overwrites a
		// newer consent.
		if prev, ok := lastLink(merged, key); ok {
			switch {
			case l.Consent.At.IsZero(),
				prev.Active() && !l.Consent.At.After(prev.Consent.At),
				!prev.Active() && !l.Consent.At.After(prev.Unlinked):
				continue
			}
			if l.Identity.DisplayName == "" {
				l.Identity.DisplayName = prev.Identity.DisplayName
			}
		}
		if l.Consent.At.IsZero() {
			l.Consent.At = now
		}
		merged.Link(l.Identity, l.Consent)
	}
	if known && sameJSON(*old, merged) {
		return nil, nil
	}
	var keys []string
	for _, id := range merged.Linked() {
		keys = append(keys, id.Key())
		claimed[id.Key()] = c.ID
	}
	evs := []model.Event{{Type: model.EventCustomerUpserted, Time: now, Customer: &merged}}
	moved, err := h.relinkCasesLocked(keys, "", merged.ID, now)
	if err != nil {
		return nil, err
	}
	return append(evs, moved...), nil
}

// lastLink is the newest link of an identity key, standing or ended.
func lastLink(c model.Customer, key string) (model.Link, bool) {
	for i := len(c.Links) - 1; i >= 0; i-- {
		if c.Links[i].Identity.Key() == key {
			return c.Links[i], true
		}
	}
	return model.Link{}, false
}

// sameJSON reports whether a and b encode alike: records read back from
// the log compare equal to fresh ones whatever their times' locations.
func sameJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// relinkCasesLocked returns the events that move the cases whose authors
// have one of keys from customer from to customer to ("" is none): linking
// takes the unlinked cases, unlinking the customer's.
func (h *Hub) relinkCasesLocked(keys []string, from, to string, now time.Time) ([]model.Event, error) {
	var evs []model.Event
	for _, key := range keys {
		for _, id := range h.byAuthor[authorHash(key)] {
			if h.cases[id].customerID != from {
				continue
			}
			moved, ok, err := h.fullCase(id)
			if err != nil {
				return nil, err
			}
			if !ok || moved.Author.Key() != key || moved.CustomerID != from {
				continue // another author of the same hash
			}
			moved.CustomerID = to
			moved.Version++
			moved.Updated = now
			evs = append(evs, model.Event{Type: model.EventCaseUpserted, Time: now, Case: &moved})
		}
	}
	return evs, nil
}

// Case returns a copy of a case's current state.
func (h *Hub) Case(id string) (model.Case, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, ok, err := h.fullCase(id)
	if err != nil {
		h.cfg.Logger.Error("hub: read case", "case", id, "err", err)
		return model.Case{}, false
	}
	return c, ok
}

// CaseCount is the number of cases the hub holds.
func (h *Hub) CaseCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.cases)
}

// appendLocked queues events in the log (in IngestMany's group, or on
// their own) and folds them; the caller waits for them to be durable
// (takeWaitsLocked) after letting go of h.mu. Sessions are woken when the
// log has committed them (New's OnCommit). The caller holds h.mu.
func (h *Hub) appendLocked(evs ...model.Event) ([]model.Event, error) {
	var stored []model.Event
	var err error
	if h.grouping {
		if h.group == nil {
			if h.group, err = h.ilog.OpenGroup(); err != nil {
				return nil, err
			}
		}
		stored, err = h.group.Append(evs)
	} else {
		var wait func() error
		if stored, wait, err = h.ilog.AppendAsync(evs); err == nil {
			h.waits = append(h.waits, wait)
		}
	}
	if err != nil {
		return nil, err
	}
	for _, ev := range stored {
		h.fold(ev)
	}
	h.metrics.markAppended(stored)
	return stored, nil
}

// sealLocked seals IngestMany's open group, before anything waits on the
// log (nothing queued after an open group is committed).
func (h *Hub) sealLocked() {
	if h.group != nil {
		h.waits = append(h.waits, h.group.Seal())
		h.group = nil
	}
}

// takeWaitsLocked returns the waits of what the caller appended.
func (h *Hub) takeWaitsLocked() []func() error {
	h.sealLocked()
	w := h.waits
	h.waits = nil
	return w
}

func waitAll(waits []func() error) error {
	var first error
	for _, w := range waits {
		if err := w(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// threadLocked reads a case's thread from the log, with what this call
// queued before.
func (h *Hub) threadLocked(caseID string) ([]model.Message, error) {
	h.sealLocked()
	return h.log.Thread(caseID)
}

// subscribe returns a channel that receives a signal after every commit.
// Signals coalesce: a session reads the log (or the ring of live events)
// itself, so it never misses an event however slow it is, and the hub
// never waits for it.
func (h *Hub) subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.subMu.Lock()
	h.subs[ch] = struct{}{}
	h.subMu.Unlock()
	return ch, func() {
		h.subMu.Lock()
		delete(h.subs, ch)
		h.subMu.Unlock()
	}
}

func (h *Hub) wake() {
	h.subMu.Lock()
	defer h.subMu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// HasCustomer reports whether a CRM record with this number exists.
func (h *Hub) HasCustomer(id string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, ok := h.customers[id]
	return ok
}

// CaseByThread finds the case of a platform thread.
func (h *Hub) CaseByThread(ch model.Channel, ref string) (model.Case, bool) {
	h.mu.Lock()
	id, ok := h.threads[threadKey(ch, ref)]
	h.mu.Unlock()
	if !ok {
		return model.Case{}, false
	}
	return h.Case(id)
}

// ErrUnknownCase is returned for a case id the hub does not hold.
var ErrUnknownCase = errors.New("unknown case")

// SetStatus moves a case to a status, recording resolution times.
func (h *Hub) SetStatus(caseID string, st model.Status, at time.Time) error {
	h.mu.Lock()
	err := h.setStatusLocked(caseID, st, at)
	waits := h.takeWaitsLocked()
	h.mu.Unlock()
	if werr := waitAll(waits); err == nil {
		err = werr
	}
	return err
}

func (h *Hub) setStatusLocked(caseID string, st model.Status, at time.Time) error {
	c, ok, err := h.fullCase(caseID)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnknownCase, caseID)
	}
	c.Status = st
	if !st.Active() && c.Resolved.IsZero() {
		c.Resolved = at.UTC()
	} else if st.Active() {
		c.Resolved = time.Time{}
	}
	c.Version++
	c.Updated = h.cfg.Now().UTC()
	_, err = h.appendLocked(model.Event{Type: model.EventCaseUpserted, Time: c.Updated, Case: &c})
	return err
}

// Sink is the hub as connectors see it: invalid items are permanent
// errors (a webhook answers 200 and the platform stops resending them),
// anything else may be retried.
func (h *Hub) Sink() connector.Sink { return sink{h} }

type sink struct{ h *Hub }

func (s sink) Ingest(in model.Inbound) (string, bool, error) {
	id, dup, err := s.h.Ingest(in)
	if errors.Is(err, ErrInvalid) {
		return "", false, connector.Permanent(err)
	}
	return id, dup, err
}

// ThreadOf finds the thread a platform message belongs to, so a connector
// can thread a reply to a message it did not see itself (after a restart).
func (s sink) ThreadOf(ch model.Channel, platformID string) (string, bool) {
	caseID, ok := s.h.seenCase(ch, platformID)
	if !ok {
		return "", false
	}
	c, ok := s.h.Case(caseID)
	if !ok {
		return "", false
	}
	return c.ThreadRef, true
}

// IngestMany implements connector.BatchSink: a batch of items in one
// transaction.
func (s sink) IngestMany(ins []model.Inbound) []connector.Ingested {
	res := s.h.IngestMany(ins)
	out := make([]connector.Ingested, len(res))
	for i, r := range res {
		err := r.Err
		if errors.Is(err, ErrInvalid) {
			err = connector.Permanent(err)
		}
		out[i] = connector.Ingested{CaseID: r.CaseID, Dup: r.Dup, Err: err}
	}
	return out
}
