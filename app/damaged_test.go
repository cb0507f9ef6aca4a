package app_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"switchboard/app"
	"switchboard/internal/boltcheck"
	"switchboard/model"
)

// syncOnce opens the console in dir, syncs it with th and closes it.
func syncOnce(t *testing.T, dir string, th *testHub) {
	t.Helper()
	core, err := app.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := core.Start(ctx, th.url, "")
	select {
	case <-core.Synced():
	case <-time.After(10 * time.Second):
		t.Fatalf("never synced; status %+v", core.Status())
	}
	cancel()
	<-done
	if err := core.Close(); err != nil {
		t.Fatal(err)
	}
}

// Today a damaged console.db crashes the console in bbolt (SIGBUS or
// SIGSEGV) and the notes written offline are gone with it.
func TestDamagedCacheIsSetAsideAndRebuilt(t *testing.T) {
	th := startHub(t)
	ids := seed(t, th)
	dir := t.TempDir()
	syncOnce(t, dir, th)

	// Offline, the agent writes a note: it is only in the outbox.
	core, err := app.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	note, err := core.Do(model.Op{Kind: model.OpNote, CaseID: ids["anna"], Text: "called her back, offline"})
	if err != nil {
		t.Fatal(err)
	}
	if err := core.Close(); err != nil {
		t.Fatal(err)
	}

	// The file loses its last page (a full disk, a copy cut off).
	path := filepath.Join(dir, "console.db")
	m, err := boltcheck.ReadMeta(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, int64(m.Pgid-1)*int64(m.PageSize)); err != nil {
		t.Fatal(err)
	}

	core, err = app.Open(dir)
	if err != nil {
		t.Fatalf("open with a damaged cache: %v", err)
	}
	defer core.Close()
	aside, _ := filepath.Glob(path + ".damaged-*")
	if len(aside) != 1 {
		t.Fatalf("damaged cache kept as %v", aside)
	}
	msg := core.Notice()
	if !strings.Contains(msg, "damaged") || !strings.Contains(msg, aside[0]) || !strings.Contains(msg, "1 queued action was recovered") {
		t.Fatalf("notice %q", msg)
	}
	if core.Status().Err != msg {
		t.Fatalf("status does not tell: %+v", core.Status())
	}
	ops, err := core.Outbox()
	if err != nil || len(ops) != 1 || ops[0].ID != note.ID {
		t.Fatalf("outbox after recovery: %v, %v", ops, err)
	}

	// The new cache syncs from 0 and the recovered note reaches the hub.
	ctx, cancel := context.WithCancel(context.Background())
	done := core.Start(ctx, th.url, "")
	defer func() { cancel(); <-done }()
	select {
	case <-core.Synced():
	case <-time.After(10 * time.Second):
		t.Fatalf("never synced; status %+v", core.Status())
	}
	waitFor(t, "the note to reach the hub", func() bool { return core.Pending() == 0 })
	if got, want := core.Count(), th.hub.CaseCount(); got != want {
		t.Fatalf("rebuilt cache holds %d cases, hub %d", got, want)
	}
	msgs, err := th.log.Thread(ids["anna"])
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(msgs, func(m model.Message) bool { return m.Text == "called her back, offline" }) {
		t.Fatalf("the recovered note is not in the hub's thread: %v", msgs)
	}
}
