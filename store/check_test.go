package store_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"switchboard/internal/boltcheck"
	"switchboard/model"
	"switchboard/store"
)

// damagedCache makes a cache with cases and three queued ops (and one
// refused), and returns its path and the ops' ids in order.
func damagedCache(t *testing.T) (string, []string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "console.db")
	s := openAt(t, path)
	var seq uint64
	for range 6 {
		var evs []model.Event
		for range 50 {
			seq++
			id := fmt.Sprintf("c%04d", seq)
			evs = append(evs, caseEv(seq, id, "", model.StatusNew, 1))
		}
		apply(t, s, evs...)
	}
	var ids []string
	for i := range 4 {
		op := model.Op{ID: fmt.Sprintf("op-%d", i), Kind: model.OpNote, CaseID: "c0001", Text: fmt.Sprintf("note %d written offline", i)}
		if err := s.Enqueue(op); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, op.ID)
	}
	if err := s.Rejected(ids[3], model.Rejection{Code: "conflict", Reason: "moved on"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path, ids[:3]
}

func outboxIDs(t *testing.T, s *store.Store) []string {
	t.Helper()
	ops, err := s.Outbox()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, op := range ops {
		ids = append(ids, op.ID)
	}
	return ids
}

// checkRecovered opens the damaged cache at path as a console does: Open
// refuses it, Recover sets it aside and keeps the outbox.
func checkRecovered(t *testing.T, path string, want []string, damagedSize int64) {
	t.Helper()
	_, err := store.Open(path)
	if !errors.Is(err, store.ErrDamaged) || !strings.Contains(err.Error(), path) {
		t.Fatalf("open damaged cache: %v, want ErrDamaged naming %s", err, path)
	}
	s, rec, err := store.Recover(path, err, t0)
	if err != nil {
		t.Fatalf("recover: %v", err)
	}
	defer s.Close()
	t.Log(rec.Message())
	if st, err := os.Stat(rec.Aside); err != nil || st.Size() != damagedSize || !strings.HasPrefix(rec.Aside, path+".damaged-") {
		t.Fatalf("damaged file not kept at %s: %v", rec.Aside, err)
	}
	if !strings.Contains(rec.Message(), rec.Aside) || !strings.Contains(rec.Message(), "rebuilt from the hub") {
		t.Fatalf("message %q", rec.Message())
	}
	// A new cache: nothing but what cannot come from the hub.
	if cur := cursorOf(t, s); cur != 0 {
		t.Fatalf("new cache at cursor %d", cur)
	}
	if sums, err := s.Summaries(); err != nil || len(sums) != 0 {
		t.Fatalf("new cache holds %d cases (%v)", len(sums), err)
	}
	if got := outboxIDs(t, s); !slices.Equal(got, want) || rec.Outbox != len(want) {
		t.Fatalf("recovered outbox %v (%d), want %v", got, rec.Outbox, want)
	}
	if rj, err := s.RejectedOps(); err != nil || len(rj) != 1 || rec.Rejected != 1 {
		t.Fatalf("recovered refused ops: %d (%v)", len(rj), err)
	}
	// New actions queue after the recovered ones.
	if err := s.Enqueue(model.Op{ID: "op-new", Kind: model.OpNote, CaseID: "c0002", Text: "after"}); err != nil {
		t.Fatal(err)
	}
	if got := outboxIDs(t, s); !slices.Equal(got, append(slices.Clone(want), "op-new")) {
		t.Fatalf("outbox after a new op: %v", got)
	}
}

// Today bbolt maps the truncated cache and the console dies with SIGBUS or
// SIGSEGV.
func TestTruncatedCacheIsSetAsideWithItsOutbox(t *testing.T) {
	path, ids := damagedCache(t)
	m, err := boltcheck.ReadMeta(path)
	if err != nil {
		t.Fatal(err)
	}
	// One page short of its high-water mark, as a full disk or a copy
	// cut off leaves it; the outbox's pages are before the cut.
	size := int64(m.Pgid-1) * int64(m.PageSize)
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
	checkRecovered(t, path, ids, size)
}

func TestTruncatedToHalfCacheIsSetAside(t *testing.T) {
	path, _ := damagedCache(t)
	m, err := boltcheck.ReadMeta(path)
	if err != nil {
		t.Fatal(err)
	}
	size := int64(m.Pgid) * int64(m.PageSize) / 2
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
	_, err = store.Open(path)
	if !errors.Is(err, store.ErrDamaged) || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("open: %v", err)
	}
	s, rec, err := store.Recover(path, err, t0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t.Log(rec.Message())
	if _, err := os.Stat(rec.Aside); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Summaries(); err != nil || len(n) != 0 {
		t.Fatalf("new cache: %d cases, %v", len(n), err)
	}
}

func TestScatteredDamageInCacheKeepsOutbox(t *testing.T) {
	path, ids := damagedCache(t)
	m, err := boltcheck.ReadMeta(path)
	if err != nil {
		t.Fatal(err)
	}
	// Junk over pages that hold cases, not the outbox.
	kvs, _, err := boltcheck.Salvage(path, []byte("outbox"))
	if err != nil || len(kvs) != 3 {
		t.Fatalf("outbox before the damage: %d, %v", len(kvs), err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ps := int(m.PageSize)
	rng := rand.New(rand.NewPCG(3, 4))
	hit := 0
	for p := 2; p < int(m.Pgid) && hit < 4; p++ {
		page := raw[p*ps : (p+1)*ps]
		if !strings.Contains(string(page), "subject of c0") || strings.Contains(string(page), "written offline") {
			continue
		}
		for i := range page {
			page[i] = byte(rng.Uint32())
		}
		hit++
	}
	if hit == 0 {
		t.Fatal("no case page found")
	}
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	checkRecovered(t, path, ids, int64(len(raw)))
}
