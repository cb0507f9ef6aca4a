package hub

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"switchboard/internal/natstest"
	"switchboard/model"
)

// The per-agent cap on kept answers that changed nothing holds on the
// JetStream log as on bbolt (TestLedgerJunkFloodIsBounded): a peer
// flooding stale ops on a real case leaves at most the cap of them in
// SB_OPS_RECENT, the newest still recognised, the oldest gone.
func TestJSLedgerRejectCap(t *testing.T) {
	s := natstest.Start(t, t.TempDir())
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	l, err := OpenJSLog(JSConfig{URLs: s.ClientURL(), Cache: t.TempDir(), HubTTL: 2 * time.Second, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	const limit = 20
	l.opAnswersPerAgent = limit
	h, err := NewOnJS(l, Config{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	caseID, _, err := h.Ingest(Inbound{Channel: model.ChannelTwitter, ThreadRef: "t-1", PlatformID: "p-1",
		Author: model.Identity{Handle: "@kim"}, Text: "my bag is lost", Time: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	mallory := Agent{Name: "mallory", Role: RoleAgent}
	var ops []model.Op
	for range 3 * limit {
		op := model.Op{ID: uuid.NewString(), Kind: model.OpSetStatus, CaseID: caseID, Status: model.StatusSolved, BaseVersion: 99}
		a, err := h.ApplyOp(mallory, op)
		if err != nil {
			t.Fatal(err)
		}
		if a.Reject == nil || a.Reject.Code != model.RejectStale {
			t.Fatalf("stale op answered %+v", a)
		}
		ops = append(ops, op)
	}
	// Another agent's answers are not counted against mallory's.
	if a, err := h.ApplyOp(Agent{Name: "anna", Role: RoleAgent}, model.Op{ID: "anna-1", Kind: model.OpSetStatus, CaseID: caseID,
		Status: model.StatusSolved, BaseVersion: 99}); err != nil || a.Reject == nil {
		t.Fatalf("anna's stale op: %+v %v", a, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	lister, err := l.recent.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for k := range lister.Keys() {
		if strings.HasPrefix(k, "a"+b64("mallory")+".") {
			n++
		}
	}
	if n != limit {
		t.Errorf("%d stale rejects left %d of mallory's answers in SB_OPS_RECENT, want the cap %d", 3*limit, n, limit)
	}
	now := time.Now()
	for i, op := range ops {
		_, ok, err := l.LookupOp("mallory", op.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		if kept := i >= len(ops)-limit; ok != kept {
			t.Errorf("reject %d of %d: kept %v, want %v", i, len(ops), ok, kept)
		}
	}
	if _, ok, err := l.LookupOp("anna", "anna-1", now); err != nil || !ok {
		t.Errorf("anna's answer: %v %v", ok, err)
	}
}

// The hub refuses a cluster of a nats-server before 2.9.21 (checkServer).
func TestVersionAtLeast(t *testing.T) {
	for v, want := range map[string]bool{
		"2.9.10": false, "2.9.20": false, "2.9.21": true, "2.9.25": true, "2.10.0": true, "2.15.2": true, "v2.11.1": true,
		"3.0.0": true, "1.4.1": false, "2.10.3-beta.1": true, "2.9.21-RC.2": true, "": false, "2.x.1": false, "2.9": false,
	} {
		if got := versionAtLeast(v, minClusterVersion); got != want {
			t.Errorf("versionAtLeast(%q, 2.9.21) = %v, want %v", v, got, want)
		}
	}
}
