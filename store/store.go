// Package store is the console's local cache: a bbolt file holding every
// case, message and customer the console has seen, and the cursor into the
// hub's log. It can always be rebuilt from the hub.
package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"

	"switchboard/internal/boltcheck"
	"switchboard/model"
)

// SchemaVersion is the layout this build writes. Open migrates older files
// and refuses newer ones.
const SchemaVersion = 4

// Buckets, all created in one transaction at open.
var (
	bucketMeta       = []byte("meta")
	bucketSummaries  = []byte("summaries")
	bucketCases      = []byte("cases")
	bucketMessages   = []byte("messages")
	bucketCustomers  = []byte("customers")
	bucketByCustomer = []byte("by_customer")
	// bucketCustomerKeys files customers under model.IndexKeys (index key,
	// 0, customer id → nothing), for link suggestions.
	bucketCustomerKeys = []byte("customer_keys")

	allBuckets = [][]byte{bucketMeta, bucketSummaries, bucketCases, bucketMessages, bucketCustomers, bucketByCustomer, bucketCustomerKeys,
		bucketOutbox, bucketOutboxID, bucketRejected}

	keySchema   = []byte("schema_version")
	keyCursor   = []byte("cursor")
	keyClientID = []byte("client_id")
)

// migrations[i] upgrades a file from schema i+1 to i+2, inside one
// transaction.
var migrations = []func(tx *bolt.Tx) error{
	// 1 → 2: summaries from JSON to the binary codec.
	func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSummaries)
		type kv struct{ k, v []byte }
		var all []kv
		if err := b.ForEach(func(k, v []byte) error {
			var sum model.Summary
			if err := json.Unmarshal(v, &sum); err != nil {
				return fmt.Errorf("summary %s: %w", k, err)
			}
			all = append(all, kv{append([]byte(nil), k...), encodeSummary(sum)})
			return nil
		}); err != nil {
			return err
		}
		for _, e := range all {
			if err := b.Put(e.k, e.v); err != nil {
				return err
			}
		}
		return nil
	},
	// 2 → 3: the customer index for link suggestions.
	func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCustomers).ForEach(func(k, v []byte) error {
			var c model.Customer
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("customer %s: %w", k, err)
			}
			return indexCustomer(tx, nil, &c)
		})
	},
	// 3 → 4: a cache filled by an older hub may hold marketing data of
	// customers who gave no marketing consent; it is dropped.
	func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCustomers)
		type kv struct{ k, v []byte }
		var redo []kv
		if err := b.ForEach(func(k, v []byte) error {
			var c model.Customer
			if err := json.Unmarshal(v, &c); err != nil {
				return nil // unreadable: left for the hub's next copy
			}
			if fa := c.ForAgent(); len(fa.Vouchers) != len(c.Vouchers) {
				raw, err := json.Marshal(fa)
				if err != nil {
					return err
				}
				redo = append(redo, kv{append([]byte(nil), k...), raw})
			}
			return nil
		}); err != nil {
			return err
		}
		for _, e := range redo {
			if err := b.Put(e.k, e.v); err != nil {
				return err
			}
		}
		return nil
	},
}

// ErrGap is returned when a page of events does not start right after the cursor.
var ErrGap = errors.New("store: events do not follow the cursor")

// Store is an open cache file.
type Store struct {
	db *bolt.DB
	// jmu orders outbox changes: journal appends, and folds of the
	// journal into the outbox bucket with the change that follows them
	// (journal.go).
	jmu     sync.Mutex
	journal *journal
}

// Open opens or creates the cache at path. A second console on the same
// file gets a clear error after a second instead of hanging on the lock.
// A damaged file is refused with an error wrapping ErrDamaged, before
// bbolt maps it (see Recover).
func Open(path string) (*Store, error) {
	s, err := open(path)
	if err != nil {
		return nil, err
	}
	if err := s.foldJournal(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// open opens the cache and its outbox journal without folding it.
func open(path string) (_ *Store, err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store: create folder: %w", err)
	}
	if err := checkCache(path); err != nil {
		return nil, err
	}
	// The last resort for a file too big for the full check: a memory
	// fault while bbolt reads it is an error, not a crash.
	defer boltcheck.OnFault(path, func(d *boltcheck.Damage) { err = fmt.Errorf("store: %w", d) })()
	db, err := boltcheck.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("store: %s is in use by another Switchboard console", path)
	}
	if errors.Is(err, ErrDamaged) {
		return nil, fmt.Errorf("store: %w", err)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s := &Store{db: db}
	if err := s.init(); err != nil {
		db.Close()
		return nil, err
	}
	if s.journal, err = openJournal(path); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) init() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("store: create bucket %s: %w", name, err)
			}
		}
		meta := tx.Bucket(bucketMeta)
		v := 0
		if raw := meta.Get(keySchema); raw != nil {
			if len(raw) != 8 {
				return fmt.Errorf("store: corrupt schema version (%d bytes)", len(raw))
			}
			v = int(binary.BigEndian.Uint64(raw))
		} else {
			v = SchemaVersion // a new file starts at the current layout
		}
		if v < 1 {
			return fmt.Errorf("store: corrupt schema version %d", v)
		}
		if v > SchemaVersion {
			return fmt.Errorf("store: cache has schema %d, this console knows up to %d: update the console", v, SchemaVersion)
		}
		for ; v < SchemaVersion; v++ {
			if err := migrations[v-1](tx); err != nil {
				return fmt.Errorf("store: migrate schema %d to %d: %w", v, v+1, err)
			}
		}
		if err := meta.Put(keySchema, u64(SchemaVersion)); err != nil {
			return err
		}
		if meta.Get(keyClientID) == nil {
			if err := meta.Put(keyClientID, []byte(uuid.NewString())); err != nil {
				return err
			}
		}
		return nil
	})
}

// Close closes the file.
// Close folds the outbox journal and closes the file.
func (s *Store) Close() error {
	ferr := s.foldJournal()
	if s.journal != nil {
		s.journal.f.Close()
	}
	if err := s.db.Close(); err != nil {
		return err
	}
	return ferr
}

// SchemaVersion reads the version stored in the file.
func (s *Store) SchemaVersion() (int, error) {
	var v int
	err := s.db.View(func(tx *bolt.Tx) error {
		v = int(binary.BigEndian.Uint64(tx.Bucket(bucketMeta).Get(keySchema)))
		return nil
	})
	return v, err
}

// ClientID is this console's stable identity towards the hub.
func (s *Store) ClientID() string {
	var id string
	_ = s.db.View(func(tx *bolt.Tx) error {
		id = string(tx.Bucket(bucketMeta).Get(keyClientID))
		return nil
	})
	return id
}

// Cursor is the seq of the last applied hub event.
func (s *Store) Cursor() (uint64, error) {
	var c uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		c = cursor(tx)
		return nil
	})
	return c, err
}

func cursor(tx *bolt.Tx) uint64 {
	raw := tx.Bucket(bucketMeta).Get(keyCursor)
	if len(raw) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(raw)
}

// Applied tells what a page of events changed.
type Applied struct {
	Cursor    uint64
	Cases     []model.Summary // new state of every case touched
	Customers []string
	Skipped   int // events at or below the cursor, already applied
}

// Apply writes a page of consecutive events and moves the cursor in the same
// transaction. Events at or below the cursor are skipped (a replayed page);
// a page that starts past cursor+1 is refused with ErrGap and changes nothing.
func (s *Store) Apply(evs []model.Event) (Applied, error) {
	var out Applied
	err := s.db.Update(func(tx *bolt.Tx) error {
		cur := cursor(tx)
		touched := touchedSet{}
		for _, ev := range evs {
			if ev.Seq <= cur {
				out.Skipped++
				continue
			}
			if ev.Seq != cur+1 {
				return fmt.Errorf("%w: cursor %d, next event %d", ErrGap, cur, ev.Seq)
			}
			if err := applyOne(tx, ev, touched); err != nil {
				return fmt.Errorf("store: apply event %d: %w", ev.Seq, err)
			}
			if ev.Customer != nil {
				out.Customers = append(out.Customers, ev.Customer.ID)
			}
			cur = ev.Seq
		}
		out.Cursor = cur
		var err error
		if out.Cases, err = summariesOf(tx, touched); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keyCursor, u64(cur))
	})
	if err != nil {
		return Applied{}, err
	}
	return out, nil
}

func applyOne(tx *bolt.Tx, ev model.Event, touched touchedSet) error {
	switch ev.Type {
	case model.EventExpertUpserted, model.EventListenItem:
		return putCommunity(tx, ev) // community.go
	case model.EventCaseUpserted:
		if ev.Case == nil {
			return errors.New("case event without case")
		}
		return putCase(tx, ev.Case, touched)
	case model.EventMessageAdded:
		m := ev.Message
		if m == nil {
			return errors.New("message event without message")
		}
		raw, err := json.Marshal(m)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketMessages).Put(messageKey(m.CaseID, ev.Seq), raw)
	case model.EventMessageUpdated:
		m := ev.Message
		if m == nil || m.Seq == 0 {
			return errors.New("message update without message or seq")
		}
		raw, err := json.Marshal(m)
		if err != nil {
			return err
		}
		touched.mark(m.CaseID) // the thread changed: refresh a case shown
		return tx.Bucket(bucketMessages).Put(messageKey(m.CaseID, m.Seq), raw)
	case model.EventCustomerUpserted:
		if ev.Customer == nil {
			return errors.New("customer event without customer")
		}
		// The hub sends only what an agent may see; an older hub sent
		// everything, so the cache keeps no marketing data without
		// marketing consent either way.
		fa := ev.Customer.ForAgent()
		c := &fa
		raw, err := json.Marshal(c)
		if err != nil {
			return err
		}
		var prev *model.Customer
		if p, ok := cachedCustomer(tx, c.ID); ok {
			prev = &p
		}
		if err := indexCustomer(tx, prev, c); err != nil {
			return err
		}
		return tx.Bucket(bucketCustomers).Put([]byte(c.ID), raw)
	}
	return nil // a kind this build does not know: the cursor still moves
}

// putCase writes a case, its summary and its by_customer entry. What it
// needs of the version it overwrites (the customer it was filed under) it
// reads from the old summary's bytes, never from the full case: decoding
// the previous JSON to compare one field was most of Apply's CPU.
func putCase(tx *bolt.Tx, c *model.Case, touched touchedSet) error {
	full, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return putCaseJSON(tx, c, full, touched)
}

// putCaseJSON is putCase with the case's JSON already at hand (full).
func putCaseJSON(tx *bolt.Tx, c *model.Case, full []byte, touched touchedSet) error {
	cases := tx.Bucket(bucketCases)
	sums := tx.Bucket(bucketSummaries)
	byCust := tx.Bucket(bucketByCustomer)
	id := []byte(c.ID)
	if old := sums.Get(id); old != nil {
		if prev, ok := summaryCustomerID(old); ok && len(prev) > 0 && string(prev) != c.CustomerID {
			if err := byCust.Delete(customerKey(string(prev), c.ID)); err != nil {
				return err
			}
		}
	} else if old := cases.Get(id); old != nil {
		// A case without a summary (never written by this build, but a
		// damaged file may hold one): the slow way.
		var prev model.Case
		if err := json.Unmarshal(old, &prev); err == nil && prev.CustomerID != "" && prev.CustomerID != c.CustomerID {
			if err := byCust.Delete(customerKey(prev.CustomerID, c.ID)); err != nil {
				return err
			}
		}
	}
	s := c.Summary()
	if err := cases.Put(id, full); err != nil {
		return err
	}
	if err := sums.Put(id, encodeSummary(s)); err != nil {
		return err
	}
	if c.CustomerID != "" {
		if err := byCust.Put(customerKey(c.CustomerID, c.ID), nil); err != nil {
			return err
		}
	}
	touched.set(s)
	return nil
}

// touchedSet is what a page changed: the new summary of every case it
// wrote, and the ids of cases whose thread changed (their summary is read
// back once, at the end).
type touchedSet map[string]*model.Summary

func (t touchedSet) set(s model.Summary) { t[s.ID] = &s }

func (t touchedSet) mark(id string) {
	if _, ok := t[id]; !ok {
		t[id] = nil
	}
}

// Summaries returns the queue record of every cached case, unordered.
func (s *Store) Summaries() ([]model.Summary, error) {
	var out []model.Summary
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSummaries)
		out = make([]model.Summary, 0, b.Stats().KeyN)
		return b.ForEach(func(k, v []byte) error {
			sum, err := decodeSummary(v)
			if err != nil {
				return fmt.Errorf("store: summary %s: %w", k, err)
			}
			out = append(out, sum)
			return nil
		})
	})
	return out, err
}

// ErrNotFound is returned for an id the cache does not hold.
var ErrNotFound = errors.New("store: not found")

// Case returns a case and its thread in arrival order.
func (s *Store) Case(id string) (model.Case, []model.Message, error) {
	var c model.Case
	var msgs []model.Message
	err := s.db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketCases).Get([]byte(id))
		if raw == nil {
			return fmt.Errorf("case %s: %w", id, ErrNotFound)
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return fmt.Errorf("store: case %s: %w", id, err)
		}
		prefix := append([]byte(id), 0)
		cur := tx.Bucket(bucketMessages).Cursor()
		for k, v := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = cur.Next() {
			var m model.Message
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("store: message %x: %w", k, err)
			}
			msgs = append(msgs, m)
		}
		return nil
	})
	return c, msgs, err
}

// Customer returns a CRM record and the summaries of all its cases.
func (s *Store) Customer(id string) (model.Customer, []model.Summary, error) {
	var c model.Customer
	var cases []model.Summary
	err := s.db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketCustomers).Get([]byte(id))
		if raw == nil {
			return fmt.Errorf("customer %s: %w", id, ErrNotFound)
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return fmt.Errorf("store: customer %s: %w", id, err)
		}
		prefix := append([]byte(id), 0)
		sums := tx.Bucket(bucketSummaries)
		cur := tx.Bucket(bucketByCustomer).Cursor()
		for k, _ := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Next() {
			caseID := k[len(prefix):]
			sum, err := decodeSummary(sums.Get(caseID))
			if err != nil {
				return fmt.Errorf("store: summary %s: %w", caseID, err)
			}
			cases = append(cases, sum)
		}
		return nil
	})
	return c, cases, err
}

// indexCustomer files c under its index keys, dropping the keys of its
// previous version prev that it no longer has.
func indexCustomer(tx *bolt.Tx, prev, c *model.Customer) error {
	b := tx.Bucket(bucketCustomerKeys)
	keep := map[string]bool{}
	for _, k := range model.IndexKeys(*c) {
		keep[k] = true
		if err := b.Put(customerKey(k, c.ID), nil); err != nil {
			return err
		}
	}
	if prev != nil {
		for _, k := range model.IndexKeys(*prev) {
			if !keep[k] {
				if err := b.Delete(customerKey(k, c.ID)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Directory is the cached CRM as a model.Directory, for link suggestions.
func (s *Store) Directory() model.Directory { return directory{s} }

type directory struct{ s *Store }

// CustomerByID implements model.Directory.
func (d directory) CustomerByID(id string) (model.Customer, bool) {
	var c model.Customer
	ok := false
	_ = d.s.db.View(func(tx *bolt.Tx) error {
		c, ok = cachedCustomer(tx, id)
		return nil
	})
	return c, ok
}

// cachedCustomer reads a customer record; a missing or unreadable one is
// not there.
func cachedCustomer(tx *bolt.Tx, id string) (model.Customer, bool) {
	var c model.Customer
	raw := tx.Bucket(bucketCustomers).Get([]byte(id))
	return c, raw != nil && json.Unmarshal(raw, &c) == nil
}

// maxLookup bounds the customers one index key returns: a display name
// shared by hundreds proves nothing.
const maxLookup = 20

// Lookup implements model.Directory.
func (d directory) Lookup(key string) []model.Customer {
	var out []model.Customer
	_ = d.s.db.View(func(tx *bolt.Tx) error {
		prefix := append([]byte(key), 0)
		cur := tx.Bucket(bucketCustomerKeys).Cursor()
		for k, _ := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(out) < maxLookup; k, _ = cur.Next() {
			if c, ok := cachedCustomer(tx, string(k[len(prefix):])); ok {
				out = append(out, c)
			}
		}
		return nil
	})
	return out
}

func messageKey(caseID string, seq uint64) []byte {
	k := make([]byte, 0, len(caseID)+9)
	k = append(k, caseID...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, seq)
}

func customerKey(customerID, caseID string) []byte {
	k := make([]byte, 0, len(customerID)+len(caseID)+1)
	k = append(k, customerID...)
	k = append(k, 0)
	return append(k, caseID...)
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// Reset drops every cached case, message and customer and the cursor, for a
// full resync from a hub whose log no longer matches. The client id and the
// outbox stay: they cannot be rebuilt from the hub.
func (s *Store) Reset() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if slices.ContainsFunc(kept, func(k []byte) bool { return bytes.Equal(k, name) }) {
				continue
			}
			if err := tx.DeleteBucket(name); err != nil {
				return fmt.Errorf("store: reset %s: %w", name, err)
			}
			if _, err := tx.CreateBucket(name); err != nil {
				return fmt.Errorf("store: reset %s: %w", name, err)
			}
		}
		return tx.Bucket(bucketMeta).Delete(keyCursor)
	})
}

// ApplySnapshot writes entities of a snapshot page without moving the
// cursor; EndSnapshot sets it when the last page is in. Call Reset before
// the first page.
func (s *Store) ApplySnapshot(evs []model.Event) (Applied, error) {
	var out Applied
	err := s.db.Update(func(tx *bolt.Tx) error {
		touched := touchedSet{}
		for _, ev := range evs {
			if err := applyOne(tx, ev, touched); err != nil {
				return fmt.Errorf("store: apply snapshot: %w", err)
			}
			if ev.Customer != nil {
				out.Customers = append(out.Customers, ev.Customer.ID)
			}
		}
		var err error
		if out.Cases, err = summariesOf(tx, touched); err != nil {
			return err
		}
		out.Cursor = cursor(tx)
		return nil
	})
	return out, err
}

// Entity is one entity of a snapshot page as the hub sent it: its JSON
// (the case, message or customer object) as received, written to the cache
// as it is, never decoded to be encoded again. ID is the entity's id for a
// case or customer and the id of its case for a message (its key); Seq is
// a message's seq. For an event of another kind (an expert, a listened
// item, a kind this build does not know) JSON is the whole event's.
type Entity struct {
	Type model.EventType
	Seq  uint64
	ID   string
	JSON []byte
	// Case, when set, is a case entity's JSON already decoded (by a
	// reader that had the time); the store decodes it otherwise.
	Case *model.Case
}

// Event decodes the entity.
func (e Entity) Event() (model.Event, error) {
	ev := model.Event{Seq: e.Seq, Type: e.Type}
	var err error
	switch e.Type {
	case model.EventCaseUpserted:
		if ev.Case = e.Case; ev.Case == nil {
			ev.Case = new(model.Case)
			err = json.Unmarshal(e.JSON, ev.Case)
		}
	case model.EventMessageAdded, model.EventMessageUpdated:
		ev.Message = new(model.Message)
		if err = json.Unmarshal(e.JSON, ev.Message); err == nil && ev.Message.Seq == 0 {
			ev.Message.Seq = e.Seq // its JSON need not say it
		}
	case model.EventCustomerUpserted:
		ev.Customer = new(model.Customer)
		err = json.Unmarshal(e.JSON, ev.Customer)
	default:
		err = json.Unmarshal(e.JSON, &ev)
	}
	return ev, err
}

// ApplySnapshotEntities writes entities of a snapshot page, as
// ApplySnapshot does, from their JSON as received: a message is stored as
// it came, a case is decoded once for its summary and stored as it came.
// Customers (few) go the way of ApplySnapshot: the cache keeps only what an
// agent may see. Entities of a kind this build does not know are skipped.
func (s *Store) ApplySnapshotEntities(ents []Entity) (Applied, error) {
	var out Applied
	err := s.db.Update(func(tx *bolt.Tx) error {
		touched := make(touchedSet, len(ents)/2)
		msgs := tx.Bucket(bucketMessages)
		for i := range ents {
			e := &ents[i]
			switch e.Type {
			case model.EventCaseUpserted:
				c := e.Case
				if c == nil {
					c = new(model.Case)
					if err := json.Unmarshal(e.JSON, c); err != nil {
						return fmt.Errorf("store: apply snapshot: case %s: %w", e.ID, err)
					}
				}
				if c.ID == "" {
					return errors.New("store: apply snapshot: case without id")
				}
				if err := putCaseJSON(tx, c, e.JSON, touched); err != nil {
					return fmt.Errorf("store: apply snapshot: case %s: %w", c.ID, err)
				}
			case model.EventMessageAdded, model.EventMessageUpdated:
				if e.ID == "" || e.Seq == 0 {
					return errors.New("store: apply snapshot: message without case id or seq")
				}
				if err := msgs.Put(messageKey(e.ID, e.Seq), e.JSON); err != nil {
					return err
				}
			default: // customers (few) and other kinds: as events
				ev, err := e.Event()
				if err != nil {
					return fmt.Errorf("store: apply snapshot: %s %s: %w", e.Type, e.ID, err)
				}
				if err := applyOne(tx, ev, touched); err != nil {
					return fmt.Errorf("store: apply snapshot: %w", err)
				}
				if ev.Customer != nil {
					out.Customers = append(out.Customers, ev.Customer.ID)
				}
			}
		}
		var err error
		if out.Cases, err = summariesOf(tx, touched); err != nil {
			return err
		}
		out.Cursor = cursor(tx)
		return nil
	})
	return out, err
}

// EndSnapshot sets the cursor to the seq the snapshot's state is at.
func (s *Store) EndSnapshot(seq uint64) error {
	return s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyCursor, u64(seq)) })
}

// BeginSnapshot drops the cache for a snapshot; the outbox stays.
func (s *Store) BeginSnapshot() error { return s.Reset() }

// CaseRecord returns a case without its thread.
func (s *Store) CaseRecord(id string) (model.Case, error) {
	var c model.Case
	err := s.db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketCases).Get([]byte(id))
		if raw == nil {
			return fmt.Errorf("case %s: %w", id, ErrNotFound)
		}
		return json.Unmarshal(raw, &c)
	})
	return c, err
}

// CaseRecords returns the cases of ids without their threads, read in one
// transaction; a case not in the cache is left out.
func (s *Store) CaseRecords(ids []string) (map[string]model.Case, error) {
	out := make(map[string]model.Case, len(ids))
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCases)
		for _, id := range ids {
			raw := b.Get([]byte(id))
			if raw == nil {
				continue
			}
			var c model.Case
			if err := json.Unmarshal(raw, &c); err != nil {
				return fmt.Errorf("case %s: %w", id, err)
			}
			out[id] = c
		}
		return nil
	})
	return out, err
}

// summariesOf returns the summaries of the cases a page touched: those it
// wrote as written, the others read back.
func summariesOf(tx *bolt.Tx, touched touchedSet) ([]model.Summary, error) {
	sums := tx.Bucket(bucketSummaries)
	out := make([]model.Summary, 0, len(touched))
	for id, s := range touched {
		if s != nil {
			out = append(out, *s)
			continue
		}
		raw := sums.Get([]byte(id))
		if raw == nil {
			continue // a message of a case this cache has not seen
		}
		sum, err := decodeSummary(raw)
		if err != nil {
			return nil, fmt.Errorf("store: read summary %s: %w", id, err)
		}
		out = append(out, sum)
	}
	return out, nil
}
