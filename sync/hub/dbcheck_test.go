package hub_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"switchboard/internal/boltcheck"
	"switchboard/model"
	"switchboard/sync/hub"
)

// filledLog makes dir/hub.db with n ingested posts and returns its path
// and the size of its used pages (the high-water mark × page size).
func filledLog(t *testing.T, dir string, n int) (string, int64) {
	t.Helper()
	l, err := hub.OpenBoltLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	h, err := hub.New(l, hub.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		_, _, err := h.Ingest(hub.Inbound{Channel: model.ChannelForum, ThreadRef: fmt.Sprintf("th-%d", i%50), PlatformID: fmt.Sprintf("p%d", i),
			Author: model.Identity{Handle: fmt.Sprintf("u%d", i%50)}, Text: strings.Repeat(fmt.Sprintf("post %d ", i), 20), Time: time.Date(2026, 3, 1, 9, 0, i, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "hub.db")
	return path, usedBytes(t, path)
}

// usedBytes is the high-water mark × the page size, from the meta page.
func usedBytes(t *testing.T, path string) int64 {
	t.Helper()
	m, err := boltcheck.ReadMeta(path)
	if err != nil {
		t.Fatal(err)
	}
	return int64(m.Pgid) * int64(m.PageSize)
}

func openHub(dir string, opts ...hub.LogOption) error {
	l, err := hub.OpenBoltLog(dir, opts...)
	if err != nil {
		return err
	}
	defer l.Close()
	_, err = hub.New(l, hub.Config{Logger: slog.New(slog.DiscardHandler)})
	return err
}

// wantDamaged checks that err is a clear refusal: it names the file, says
// what to do, and wraps hub.ErrDamaged.
func wantDamaged(t *testing.T, err error, path string, words ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("opened a damaged %s without an error", path)
	}
	msg := err.Error()
	t.Log(msg)
	if !errors.Is(err, hub.ErrDamaged) || !strings.Contains(msg, path) {
		t.Fatalf("error %q: want ErrDamaged naming %s", msg, path)
	}
	for _, w := range words {
		if !strings.Contains(msg, w) {
			t.Fatalf("error %q does not say %q", msg, w)
		}
	}
}

// Today bbolt.Open dies with SIGSEGV on a hub.db truncated to half, which
// kills this test binary.
func TestTruncatedLogIsAClearError(t *testing.T) {
	dir := t.TempDir()
	path, used := filledLog(t, dir, 400)
	if err := os.Truncate(path, used/2); err != nil {
		t.Fatal(err)
	}
	err := openHub(dir)
	wantDamaged(t, err, path, "truncated", fmt.Sprintf("%d of %d bytes", used/2, used), "backup", "--fresh")

	// Shorter than its meta pages, too.
	if err := os.Truncate(path, 1000); err != nil {
		t.Fatal(err)
	}
	wantDamaged(t, openHub(dir), path, "truncated")
	// --fresh does not start over a damaged file: it must be moved aside.
	wantDamaged(t, openHub(dir, hub.StartFresh()), path, "move it aside")
}

// Today a truncated tokens.db dies with SIGBUS, at start and in a running
// hub that rereads it.
func TestTruncatedTokensIsAClearError(t *testing.T) {
	dir := t.TempDir()
	s, err := hub.OpenTokenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	var tok string
	for i := range 150 {
		tok, _, err = s.Add(fmt.Sprintf("agent%d", i), hub.RoleAgent)
		if err != nil {
			t.Fatal(err)
		}
	}
	path := s.Path()
	used := usedBytes(t, path)
	if err := os.Truncate(path, used/2); err != nil {
		t.Fatal(err)
	}
	_, err = hub.OpenTokenStore(dir)
	if err == nil || !errors.Is(err, hub.ErrDamaged) || !strings.Contains(err.Error(), path) ||
		!strings.Contains(err.Error(), "truncated") || !strings.Contains(err.Error(), "hub token add") {
		t.Fatalf("open truncated tokens: %v", err)
	}
	// The store opened before the damage rereads the file on a change.
	if _, err := s.Authenticate(tok); err == nil || !errors.Is(err, hub.ErrDamaged) || !strings.Contains(err.Error(), path) {
		t.Fatalf("authenticate on truncated tokens: %v", err)
	}
}

// Today junk over pages in the middle gives "load state: snapshot: invalid
// character…" (or a crash) without naming the file.
func TestScatteredDamageNamesTheFile(t *testing.T) {
	t.Run("pages", func(t *testing.T) {
		dir := t.TempDir()
		path, used := filledLog(t, dir, 400)
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(9, 7))
		junk := make([]byte, 4096)
		for range 8 {
			for i := range junk {
				junk[i] = byte(rng.Uint32())
			}
			if _, err := f.WriteAt(junk, used/4+rng.Int64N(used/2)); err != nil {
				t.Fatal(err)
			}
		}
		f.Close()
		wantDamaged(t, openHub(dir), path, "--fresh")
	})
	t.Run("record", func(t *testing.T) {
		// One byte of a stored case is changed: the file's structure is
		// sound, the record is not.
		dir := t.TempDir()
		path, _ := filledLog(t, dir, 60)
		var rec []byte
		db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		_ = db.View(func(tx *bolt.Tx) error {
			_, v := tx.Bucket([]byte("state_cases")).Cursor().First()
			rec = bytes.Clone(v)
			return nil
		})
		db.Close()
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(rec) == 0 || !bytes.Contains(raw, rec) {
			t.Fatal("no stored case found in the file")
		}
		for i := bytes.Index(raw, rec); i >= 0; i = bytes.Index(raw, rec) {
			raw[i] = '#'
		}
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		err = openHub(dir)
		wantDamaged(t, err, path, "load state", "snapshot", "backup")
	})
}

// Today a zero-length hub.db starts an empty log at head 0 and every
// console is told to resync.
func TestEmptyLogIsRefusedWhereALogWas(t *testing.T) {
	t.Run("zero length with tokens", func(t *testing.T) {
		dir := t.TempDir()
		s, err := hub.OpenTokenStore(dir)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Add("ann", hub.RoleAgent); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "hub.db")
		// A new folder with tokens made before the first start is fine.
		if err := openHub(dir); err != nil {
			t.Fatalf("first start after token add: %v", err)
		}
		if err := os.Truncate(path, 0); err != nil {
			t.Fatal(err)
		}
		wantDamaged(t, openHub(dir), path, "empty", "tokens.db holds a token", "--fresh")
		if err := openHub(dir, hub.StartFresh()); err != nil {
			t.Fatalf("with StartFresh: %v", err)
		}
	})
	t.Run("missing after events", func(t *testing.T) {
		dir := t.TempDir()
		path, _ := filledLog(t, dir, 3)
		// The marker is written when a log with events is opened.
		if err := openHub(dir); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(dir, hub.LogMarker)); err != nil {
			t.Fatalf("no marker after a start with events: %v", err)
		}
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		wantDamaged(t, openHub(dir), path, "missing", hub.LogMarker, "seq", "--fresh")
		l, err := hub.OpenBoltLog(dir, hub.StartFresh())
		if err != nil {
			t.Fatalf("with StartFresh: %v", err)
		}
		if l.Head() != 0 {
			t.Fatalf("fresh log at head %d", l.Head())
		}
		l.Close()
		// The fresh log has no events yet: no marker, so a restart is
		// not refused.
		if err := openHub(dir); err != nil {
			t.Fatalf("restart of the fresh log: %v", err)
		}
	})
}

func TestLogInUseIsNotDamage(t *testing.T) {
	dir := t.TempDir()
	filledLog(t, dir, 3)
	l, err := hub.OpenBoltLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, err = hub.OpenBoltLog(dir)
	if !errors.Is(err, hub.ErrLogInUse) || errors.Is(err, hub.ErrDamaged) {
		t.Fatalf("second open: %v", err)
	}
}
