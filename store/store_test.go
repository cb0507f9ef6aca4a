package store_test

import (
	"encoding/binary"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"switchboard/model"
	"switchboard/store"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func openAt(t *testing.T, path string) *store.Store {
	t.Helper()
	s, err := store.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	return s
}

func openTemp(t *testing.T) (*store.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "console.db")
	s := openAt(t, path)
	t.Cleanup(func() { s.Close() })
	return s, path
}

func caseEv(seq uint64, id, customer string, st model.Status, msgs int) model.Event {
	return model.Event{Seq: seq, Type: model.EventCaseUpserted, Time: t0, Case: &model.Case{
		ID:            id,
		Channel:       model.ChannelTwitter,
		ThreadRef:     "thread-" + id,
		Subject:       "subject of " + id,
		Author:        model.Identity{Platform: model.ChannelTwitter, Handle: "author-" + id},
		CustomerID:    customer,
		Status:        st,
		Priority:      model.PriorityNormal,
		Created:       t0,
		LastMessageAt: t0.Add(time.Duration(seq) * time.Minute),
		MessageCount:  msgs,
		Version:       int64(seq),
	}}
}

func msgEv(seq uint64, id, caseID, text string) model.Event {
	return model.Event{Seq: seq, Type: model.EventMessageAdded, Time: t0, Message: &model.Message{
		ID: id, CaseID: caseID, Direction: model.DirectionIn, Text: text, Time: t0.Add(time.Duration(seq) * time.Second),
	}}
}

func custEv(seq uint64, id, name string) model.Event {
	return model.Event{Seq: seq, Type: model.EventCustomerUpserted, Time: t0, Customer: &model.Customer{
		ID: id, Name: name, Tier: "gold",
	}}
}

func apply(t *testing.T, s *store.Store, evs ...model.Event) store.Applied {
	t.Helper()
	res, err := s.Apply(evs)
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	return res
}

func cursorOf(t *testing.T, s *store.Store) uint64 {
	t.Helper()
	c, err := s.Cursor()
	if err != nil {
		t.Fatalf("cursor: %v", err)
	}
	return c
}

func texts(msgs []model.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Text
	}
	return out
}

func summaryIDs(sums []model.Summary) []string {
	out := make([]string, len(sums))
	for i, s := range sums {
		out[i] = s.ID
	}
	slices.Sort(out)
	return out
}

// fixture is a small history: two customers, three cases, messages of two
// cases interleaved so arrival order differs from key order by message id.
func fixture() []model.Event {
	return []model.Event{
		custEv(1, "C-1", "Anna"),
		custEv(2, "C-2", "Ben"),
		msgEv(3, "m-z", "case-a", "a first"),
		caseEv(4, "case-a", "C-1", model.StatusNew, 1),
		msgEv(5, "m-y", "case-b", "b first"),
		caseEv(6, "case-b", "C-1", model.StatusNew, 1),
		msgEv(7, "m-x", "case-a", "a second"),
		caseEv(8, "case-a", "C-1", model.StatusOpen, 2),
		msgEv(9, "m-w", "case-c", "c first"),
		caseEv(10, "case-c", "C-2", model.StatusNew, 1),
		msgEv(11, "m-v", "case-a", "a third"),
		caseEv(12, "case-a", "C-1", model.StatusPending, 3),
	}
}

func TestRoundTripAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "console.db") // Open creates the folder
	s := openAt(t, path)
	clientID := s.ClientID()
	if clientID == "" {
		t.Fatal("new store has no client id")
	}
	res := apply(t, s, fixture()...)
	if res.Cursor != 12 || res.Skipped != 0 {
		t.Fatalf("applied = cursor %d skipped %d, want 12, 0", res.Cursor, res.Skipped)
	}
	if got := summaryIDs(res.Cases); !slices.Equal(got, []string{"case-a", "case-b", "case-c"}) {
		t.Fatalf("touched cases = %v", got)
	}
	if !slices.Equal(res.Customers, []string{"C-1", "C-2"}) {
		t.Fatalf("touched customers = %v", res.Customers)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	s = openAt(t, path)
	defer s.Close()
	if got := s.ClientID(); got != clientID {
		t.Errorf("client id after reopen = %q, want %q", got, clientID)
	}
	if got := cursorOf(t, s); got != 12 {
		t.Errorf("cursor after reopen = %d, want 12", got)
	}

	c, msgs, err := s.Case("case-a")
	if err != nil {
		t.Fatalf("case-a: %v", err)
	}
	if c.Status != model.StatusPending || c.MessageCount != 3 || c.CustomerID != "C-1" || c.Version != 12 {
		t.Errorf("case-a = status %s, %d messages, customer %q, version %d; want the last upsert", c.Status, c.MessageCount, c.CustomerID, c.Version)
	}
	if !c.Created.Equal(t0) || c.Subject != "subject of case-a" {
		t.Errorf("case-a fields lost: created %v subject %q", c.Created, c.Subject)
	}
	if got := texts(msgs); !slices.Equal(got, []string{"a first", "a second", "a third"}) {
		t.Errorf("case-a thread = %q, want arrival order", got)
	}
	_, msgs, err = s.Case("case-b")
	if err != nil || !slices.Equal(texts(msgs), []string{"b first"}) {
		t.Errorf("case-b thread = %q, %v", texts(msgs), err)
	}

	sums, err := s.Summaries()
	if err != nil {
		t.Fatalf("summaries: %v", err)
	}
	if got := summaryIDs(sums); !slices.Equal(got, []string{"case-a", "case-b", "case-c"}) {
		t.Fatalf("summaries = %v", got)
	}
	for _, sum := range sums {
		full, _, err := s.Case(sum.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := full.Summary()
		if sum.Status != want.Status || sum.MessageCount != want.MessageCount || sum.Preview != want.Preview ||
			sum.Handle != want.Handle || sum.Version != want.Version || !sum.LastMessageAt.Equal(want.LastMessageAt) {
			t.Errorf("summary %s = %+v, want %+v", sum.ID, sum, want)
		}
	}

	cust, cases, err := s.Customer("C-1")
	if err != nil {
		t.Fatalf("customer C-1: %v", err)
	}
	if cust.Name != "Anna" || cust.Tier != "gold" {
		t.Errorf("customer C-1 = %+v", cust)
	}
	if got := summaryIDs(cases); !slices.Equal(got, []string{"case-a", "case-b"}) {
		t.Errorf("C-1 cases = %v, want case-a, case-b", got)
	}
	_, cases, err = s.Customer("C-2")
	if err != nil || !slices.Equal(summaryIDs(cases), []string{"case-c"}) {
		t.Errorf("C-2 cases = %v, %v", summaryIDs(cases), err)
	}

	if _, _, err := s.Case("nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown case: err = %v, want ErrNotFound", err)
	}
	if _, _, err := s.Customer("nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown customer: err = %v, want ErrNotFound", err)
	}
}

// Case ids that are prefixes of each other must not share threads.
func TestThreadsOfPrefixIDsStaySeparate(t *testing.T) {
	s, _ := openTemp(t)
	apply(t, s,
		msgEv(1, "m1", "case", "short"),
		caseEv(2, "case", "", model.StatusNew, 1),
		msgEv(3, "m2", "case-long", "long"),
		caseEv(4, "case-long", "", model.StatusNew, 1),
	)
	_, msgs, err := s.Case("case")
	if err != nil || !slices.Equal(texts(msgs), []string{"short"}) {
		t.Errorf("thread of case = %q, %v", texts(msgs), err)
	}
}

func TestSchemaVersionStored(t *testing.T) {
	s, _ := openTemp(t)
	v, err := s.SchemaVersion()
	if err != nil {
		t.Fatal(err)
	}
	if v != store.SchemaVersion {
		t.Fatalf("schema version = %d, want %d", v, store.SchemaVersion)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "console.db")
	s := openAt(t, path)
	apply(t, s, fixture()...)
	s.Close()

	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	newer := store.SchemaVersion + 1
	err = db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), binary.BigEndian.AppendUint64(nil, uint64(newer)))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err = store.Open(path)
	if err == nil {
		s.Close()
		t.Fatal("open of a newer schema succeeded")
	}
	for _, want := range []string{"schema", "update the console"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}

	// Refusing must not have rewritten the version or locked the file.
	db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("file still locked after refused open: %v", err)
	}
	defer db.Close()
	_ = db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket([]byte("meta")).Get([]byte("schema_version"))
		if got := binary.BigEndian.Uint64(raw); got != uint64(newer) {
			t.Errorf("schema version after refused open = %d, want %d", got, newer)
		}
		return nil
	})
}

func TestApplySkipsReplayedEvents(t *testing.T) {
	s, _ := openTemp(t)
	evs := fixture()
	apply(t, s, evs[:8]...)

	// The hub resends a page that overlaps what was applied: 5..12.
	res := apply(t, s, evs[4:]...)
	if res.Skipped != 4 || res.Cursor != 12 {
		t.Fatalf("overlapping page: skipped %d cursor %d, want 4, 12", res.Skipped, res.Cursor)
	}
	_, msgs, err := s.Case("case-a")
	if err != nil {
		t.Fatal(err)
	}
	if got := texts(msgs); !slices.Equal(got, []string{"a first", "a second", "a third"}) {
		t.Errorf("thread after replay = %q: duplicates or gaps", got)
	}

	// A page entirely at or below the cursor changes nothing.
	res = apply(t, s, evs...)
	if res.Skipped != len(evs) || res.Cursor != 12 || len(res.Cases) != 0 || len(res.Customers) != 0 {
		t.Fatalf("fully replayed page = %+v, want all skipped and nothing touched", res)
	}
	if got := cursorOf(t, s); got != 12 {
		t.Errorf("cursor = %d, want 12", got)
	}
}

func TestApplyRefusesGap(t *testing.T) {
	s, _ := openTemp(t)
	evs := fixture()
	apply(t, s, evs[:4]...)
	before, _, err := s.Case("case-a")
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		page []model.Event
	}{
		{"starts past cursor+1", evs[5:]},
		// The first events fit, then it jumps: the whole page is refused.
		{"gap inside the page", []model.Event{evs[4], evs[5], evs[7]}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := s.Apply(tc.page)
			if !errors.Is(err, store.ErrGap) {
				t.Fatalf("err = %v, want ErrGap", err)
			}
			if res.Cursor != 0 || res.Cases != nil {
				t.Errorf("result of a refused page = %+v, want zero", res)
			}
			if got := cursorOf(t, s); got != 4 {
				t.Errorf("cursor after gap = %d, want 4", got)
			}
			if _, _, err := s.Case("case-b"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("case-b exists after a refused page (err %v)", err)
			}
			after, msgs, _ := s.Case("case-a")
			if after.Version != before.Version || len(msgs) != 1 {
				t.Errorf("case-a changed by a refused page: version %d→%d, %d messages", before.Version, after.Version, len(msgs))
			}
		})
	}

	// The store is still usable: the missing events apply.
	if res := apply(t, s, evs[4:]...); res.Cursor != 12 {
		t.Errorf("cursor after filling the gap = %d", res.Cursor)
	}
}

func TestApplyUnknownEventMovesCursor(t *testing.T) {
	s, _ := openTemp(t)
	res := apply(t, s, model.Event{Seq: 1, Type: "case.archived.v9"}, custEv(2, "C-1", "Anna"))
	if res.Cursor != 2 {
		t.Errorf("cursor = %d, want 2", res.Cursor)
	}
}

func TestCustomerChangeMovesIndex(t *testing.T) {
	s, _ := openTemp(t)
	apply(t, s,
		custEv(1, "C-1", "Anna"),
		custEv(2, "C-2", "Ben"),
		caseEv(3, "case-a", "C-1", model.StatusNew, 1),
		caseEv(4, "case-b", "C-1", model.StatusNew, 1),
	)
	apply(t, s, caseEv(5, "case-a", "C-2", model.StatusOpen, 1))

	_, c1, err := s.Customer("C-1")
	if err != nil {
		t.Fatal(err)
	}
	if got := summaryIDs(c1); !slices.Equal(got, []string{"case-b"}) {
		t.Errorf("C-1 cases = %v, want only case-b", got)
	}
	_, c2, err := s.Customer("C-2")
	if err != nil {
		t.Fatal(err)
	}
	if got := summaryIDs(c2); !slices.Equal(got, []string{"case-a"}) {
		t.Errorf("C-2 cases = %v, want case-a", got)
	}
	if c2[0].Status != model.StatusOpen {
		t.Errorf("C-2's case-a summary is stale: %s", c2[0].Status)
	}

	// Unlinking removes it from every index.
	apply(t, s, caseEv(6, "case-a", "", model.StatusOpen, 1))
	_, c2, _ = s.Customer("C-2")
	if len(c2) != 0 {
		t.Errorf("C-2 cases after unlink = %v, want none", summaryIDs(c2))
	}
}

func TestReset(t *testing.T) {
	s, path := openTemp(t)
	id := s.ClientID()
	apply(t, s, fixture()...)
	if err := s.Reset(); err != nil {
		t.Fatalf("reset: %v", err)
	}
	check := func(t *testing.T, s *store.Store) {
		t.Helper()
		if got := cursorOf(t, s); got != 0 {
			t.Errorf("cursor = %d, want 0", got)
		}
		if got := s.ClientID(); got != id {
			t.Errorf("client id = %q, want %q", got, id)
		}
		sums, err := s.Summaries()
		if err != nil || len(sums) != 0 {
			t.Errorf("summaries = %v, %v; want none", summaryIDs(sums), err)
		}
		if _, _, err := s.Case("case-a"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("case-a after reset: %v", err)
		}
		if _, _, err := s.Customer("C-1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("C-1 after reset: %v", err)
		}
		if v, err := s.SchemaVersion(); err != nil || v != store.SchemaVersion {
			t.Errorf("schema version = %d, %v", v, err)
		}
	}
	check(t, s)
	s.Close()
	s = openAt(t, path)
	defer s.Close()
	check(t, s)

	// A resync from 0 fills it again, and no old message survives.
	apply(t, s, msgEv(1, "new", "case-a", "after reset"), caseEv(2, "case-a", "", model.StatusNew, 1))
	_, msgs, err := s.Case("case-a")
	if err != nil || !slices.Equal(texts(msgs), []string{"after reset"}) {
		t.Errorf("thread after resync = %q, %v", texts(msgs), err)
	}
}

func TestSecondOpenFailsFast(t *testing.T) {
	_, path := openTemp(t)
	start := time.Now()
	s2, err := store.Open(path)
	took := time.Since(start)
	if err == nil {
		s2.Close()
		t.Fatal("second open of the same file succeeded")
	}
	if took > 3*time.Second {
		t.Errorf("second open took %v, want about 1 s", took)
	}
	if !strings.Contains(err.Error(), "in use") {
		t.Errorf("error %q does not say the file is in use", err)
	}
}
