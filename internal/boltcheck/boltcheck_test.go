package boltcheck

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// fill makes a file with a deep tree, an overflow value, nested and inline
// buckets and freed pages: every shape the walk has to read.
func fill(t *testing.T, path string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for round := range 5 {
		err = db.Update(func(tx *bolt.Tx) error {
			big, err := tx.CreateBucketIfNotExists([]byte("big"))
			if err != nil {
				return err
			}
			for i := range 2000 {
				k := binary.BigEndian.AppendUint64(nil, uint64(round*2000+i))
				if err := big.Put(k, bytes.Repeat([]byte{byte(i)}, 100)); err != nil {
					return err
				}
			}
			if err := big.Put([]byte("huge"), bytes.Repeat([]byte("x"), 20000)); err != nil {
				return err
			}
			nest, err := big.CreateBucketIfNotExists([]byte("nested"))
			if err != nil {
				return err
			}
			if err := nest.Put([]byte("k"), []byte("v")); err != nil {
				return err
			}
			small, err := tx.CreateBucketIfNotExists([]byte("small"))
			if err != nil {
				return err
			}
			return small.Put([]byte{byte(round)}, []byte("op"))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestCheckSoundFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	fill(t, path)
	info, err := Check(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !info.Deep || info.Empty || info.Meta.Pgid < 10 {
		t.Fatalf("info = %+v", info)
	}
	kvs, lost, err := Salvage(path, []byte("small"))
	if err != nil || lost != 0 || len(kvs) != 5 {
		t.Fatalf("salvage: %d entries, %d lost, %v", len(kvs), lost, err)
	}
	if info, err := Check(filepath.Join(t.TempDir(), "none.db"), Options{}); err != nil || !info.Empty {
		t.Fatalf("missing file: %+v, %v", info, err)
	}
}

func TestCheckTruncated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	fill(t, path)
	m, err := ReadMeta(path)
	if err != nil {
		t.Fatal(err)
	}
	used := int64(m.Pgid) * int64(m.PageSize)
	for _, size := range []int64{used / 2, 100, int64(m.PageSize) + 10} {
		if err := os.Truncate(path, size); err != nil {
			t.Fatal(err)
		}
		_, err := Check(path, Options{})
		var d *Damage
		if !errors.As(err, &d) || !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), path) || !strings.Contains(d.Reason, "truncated") {
			t.Fatalf("size %d: err = %v, want a truncation naming the file", size, err)
		}
	}
}

func TestCheckScattered(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sound := filepath.Join(t.TempDir(), "sound.db")
	fill(t, sound)
	orig, err := os.ReadFile(sound)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 20 {
		path := filepath.Join(t.TempDir(), "x.db")
		if err := os.WriteFile(path, orig, 0o600); err != nil {
			t.Fatal(err)
		}
		m, err := ReadMeta(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		ps := int64(m.PageSize)
		for range 3 {
			junk := make([]byte, ps)
			for i := range junk {
				junk[i] = byte(rng.Uint32())
			}
			page := 2 + rng.Int64N(int64(m.Pgid)-2)
			if _, err := f.WriteAt(junk, page*ps); err != nil {
				t.Fatal(err)
			}
		}
		f.Close()
		// Freed pages may take the junk unnoticed; what must never happen
		// is a crash, or an error that does not name the file.
		_, err = Check(path, Options{})
		if err != nil && (!errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), path)) {
			t.Fatalf("round %d: err = %v", round, err)
		}
		if err == nil {
			db, err := Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
			if err != nil {
				t.Fatalf("round %d: checked file does not open: %v", round, err)
			}
			db.Close()
		}
		t.Logf("round %d: %v", round, err)
		_, _, _ = Salvage(path, []byte("small"))
	}
}
