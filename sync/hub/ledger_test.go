package hub

import (
	"encoding/json"
	"io"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"

	"switchboard/model"
)

// ledgerClock is a settable clock for the ledger's window.
type ledgerClock struct{ now time.Time }

func (c *ledgerClock) Now() time.Time { return c.now }

// ledgerHub opens a hub on a bolt log in dir with one case, whose id it
// returns (or the case already there).
func ledgerHub(t *testing.T, dir string, clk *ledgerClock) (*Hub, *BoltLog, string) {
	t.Helper()
	l, err := OpenBoltLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(l, Config{Now: clk.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		l.Close()
		t.Fatal(err)
	}
	for id := range h.cases {
		return h, l, id
	}
	id, _, err := h.Ingest(Inbound{Channel: model.ChannelTwitter, ThreadRef: "t-1", PlatformID: "p-1",
		Author: model.Identity{Handle: "@kim"}, Text: "my bag is lost", Time: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	return h, l, id
}

// ledgerKeys counts what the op ledger holds, old and new buckets.
func ledgerKeys(t *testing.T, l *BoltLog) int {
	t.Helper()
	n := 0
	err := l.db.View(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketOps, bucketLedger} {
			if b := tx.Bucket(name); b != nil {
				n += b.Stats().KeyN
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func noteOp(caseID, text string) model.Op {
	return model.Op{ID: uuid.NewString(), Kind: model.OpNote, CaseID: caseID, Text: text}
}

// A peer flooding ops that change nothing makes the hub store a bounded
// amount: ops naming no case nothing at all, other rejects at most the
// per-agent cap, and those only for the window.
func TestLedgerJunkFloodIsBounded(t *testing.T) {
	clk := &ledgerClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	h, l, caseID := ledgerHub(t, t.TempDir(), clk)
	defer l.Close()
	const limit = 50
	l.opAnswersPerAgent = limit
	mallory := Agent{Name: "mallory", Role: RoleAgent}
	base := ledgerKeys(t, l)

	for i := range 5000 {
		a, err := h.ApplyOp(mallory, noteOp("no-such-case-"+uuid.NewString(), "junk"))
		if err != nil {
			t.Fatal(err)
		}
		if a.Reject == nil || a.Reject.Code != model.RejectUnknownCase {
			t.Fatalf("junk op %d answered %+v", i, a)
		}
	}
	if n := ledgerKeys(t, l) - base; n != 0 {
		t.Errorf("5,000 ops naming no case left %d answers in the ledger, want 0", n)
	}

	// Rejects on a real case (a stale base version) are kept, up to the cap.
	var first model.Op
	for i := range 3 * limit {
		op := model.Op{ID: uuid.NewString(), Kind: model.OpSetStatus, CaseID: caseID, Status: model.StatusSolved, BaseVersion: 99}
		if i == 3*limit-1 {
			first = op
		}
		a, err := h.ApplyOp(mallory, op)
		if err != nil {
			t.Fatal(err)
		}
		if a.Reject == nil || a.Reject.Code != model.RejectStale {
			t.Fatalf("stale op answered %+v", a)
		}
	}
	if n := ledgerKeys(t, l) - base; n != limit {
		t.Errorf("%d stale rejects left %d answers in the ledger, want the cap %d", 3*limit, n, limit)
	}
	// The newest is still recognised: its repeat is the first answer.
	want, ok, err := l.LookupOp("mallory", first.ID, clk.now)
	if err != nil || !ok {
		t.Fatalf("newest reject not in the ledger: %v %v", ok, err)
	}
	clk.now = clk.now.Add(time.Minute)
	if got, err := h.ApplyOp(mallory, first); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("repeat inside the window answered %+v, want %+v (%v)", got, want, err)
	}

	// After the window a repeat is looked at afresh, and the next write
	// prunes what expired.
	clk.now = clk.now.Add(OpWindow)
	if got, err := h.ApplyOp(mallory, first); err != nil || got.At.Equal(want.At) {
		t.Errorf("repeat after the window answered %+v (%v), want a fresh answer", got, err)
	}
	if n := ledgerKeys(t, l) - base; n != 1 {
		t.Errorf("after the window the ledger holds %d of mallory's answers, want 1", n)
	}
}

// An applied op is kept for good: a repeat, after any time and a restart,
// gets the identical answer and appends nothing.
func TestLedgerRepeatOfAppliedOpAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	clk := &ledgerClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	h, l, caseID := ledgerHub(t, dir, clk)
	anna := Agent{Name: "anna", Role: RoleAgent}
	op := noteOp(caseID, "called the airport")
	first, err := h.ApplyOp(anna, op)
	if err != nil || first.Reject != nil || first.Seq == 0 {
		t.Fatalf("note answered %+v %v", first, err)
	}
	head := l.Head()
	if again, err := h.ApplyOp(anna, op); err != nil || !reflect.DeepEqual(again, first) {
		t.Errorf("repeat answered %+v, want %+v (%v)", again, first, err)
	}
	l.Close()

	clk.now = clk.now.Add(30 * 24 * time.Hour)
	h, l, _ = ledgerHub(t, dir, clk)
	defer l.Close()
	if again, err := h.ApplyOp(anna, op); err != nil || !sameJSON(again, first) {
		t.Errorf("repeat after a restart and 30 days answered %+v, want %+v (%v)", again, first, err)
	}
	if l.Head() != head {
		t.Errorf("repeats appended %d events", l.Head()-head)
	}
}

// An op id is scoped to its agent: another agent's op under the same id is
// applied (or refused) on its own merits, never given the first agent's
// answer.
func TestLedgerOpIDIsTheAgentsOwn(t *testing.T) {
	clk := &ledgerClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	h, l, caseID := ledgerHub(t, t.TempDir(), clk)
	defer l.Close()
	anna, ben := Agent{Name: "anna", Role: RoleAgent}, Agent{Name: "ben", Role: RoleAgent}
	id := uuid.NewString()
	annas, err := h.ApplyOp(anna, model.Op{ID: id, Kind: model.OpClaim, CaseID: caseID})
	if err != nil || annas.Reject != nil || annas.Seq == 0 {
		t.Fatalf("anna's claim answered %+v %v", annas, err)
	}
	// Ben's note under anna's id is his own op: applied, with its own seq.
	bens, err := h.ApplyOp(ben, model.Op{ID: id, Kind: model.OpNote, CaseID: caseID, Text: "ben's note"})
	if err != nil || bens.Reject != nil || bens.Seq <= annas.Seq {
		t.Fatalf("ben's note under anna's op id answered %+v (anna's answer %+v), %v", bens, annas, err)
	}
	// Ben's claim under a third id is refused on its merits (anna holds it).
	id2 := uuid.NewString()
	if _, err := h.ApplyOp(anna, model.Op{ID: id2, Kind: model.OpNote, CaseID: caseID, Text: "anna's note"}); err != nil {
		t.Fatal(err)
	}
	rej, err := h.ApplyOp(ben, model.Op{ID: id2, Kind: model.OpClaim, CaseID: caseID})
	if err != nil || rej.Reject == nil || rej.Reject.Code != model.RejectClaimed {
		t.Errorf("ben's claim under anna's op id answered %+v %v, want claimed", rej, err)
	}
	// Each agent's repeat gets its own first answer.
	for _, c := range []struct {
		who  Agent
		want OpAnswer
	}{{anna, annas}, {ben, bens}} {
		if got, err := h.ApplyOp(c.who, model.Op{ID: id, Kind: model.OpClaim, CaseID: caseID}); err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s's repeat answered %+v, want %+v", c.who.Name, got, c.want)
		}
	}
}

// A ledger written before answers were scoped to agents keeps its applied
// answers: the agent who made them gets them for a repeat, nothing is
// applied twice. The junk it piled up (ops naming no case) is dropped.
func TestLedgerOldFormatKeysStillFound(t *testing.T) {
	dir := t.TempDir()
	clk := &ledgerClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	h, l, caseID := ledgerHub(t, dir, clk)
	anna := Agent{Name: "anna", Role: RoleAgent}
	// The op as an old hub applied it: events logged, answer under its id.
	op := noteOp(caseID, "old hub's note")
	applied, err := h.ApplyOp(anna, op)
	if err != nil || applied.Seq == 0 {
		t.Fatal(applied, err)
	}
	junk := OpAnswer{OpID: uuid.NewString(), Reject: &model.Rejection{Code: model.RejectUnknownCase, Reason: "no case x"}, At: clk.now}
	err = l.db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketLedger); err != nil {
			return err
		}
		if err := tx.Bucket(bucketMeta).Delete(keyLedgerMigrated); err != nil {
			return err
		}
		for _, a := range []OpAnswer{applied, junk} {
			raw, _ := json.Marshal(a)
			if err := tx.Bucket(bucketOps).Put([]byte(a.OpID), raw); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	l.Close()

	h, l, _ = ledgerHub(t, dir, clk)
	defer l.Close()
	head := l.Head()
	if got, err := h.ApplyOp(anna, op); err != nil || !sameJSON(got, applied) {
		t.Errorf("repeat of an op in the old ledger answered %+v, want %+v (%v)", got, applied, err)
	}
	if l.Head() != head {
		t.Errorf("the repeat was applied again: %d events", l.Head()-head)
	}
	if _, ok, _ := l.LookupOp("anna", junk.OpID, clk.now); ok {
		t.Error("the old ledger's reject of an op naming no case was kept")
	}
}
