//go:build unix

package boltcheck

import (
	"encoding/binary"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A file another process (here: another open of it) has open for writing
// is in use, never damaged — also while that writer is committing and
// reusing pages. Before the check took bbolt's shared lock, its walk read
// beside the writer and called a sound, busy file damaged ("page N is
// reached twice"), and the console moved its live cache aside.
func TestCheckBesideALiveWriterSaysInUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "busy.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	put := func(round int) error {
		return db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("cases"))
			if err != nil {
				return err
			}
			for i := range 300 {
				k := binary.BigEndian.AppendUint64(nil, uint64((round*131+i*7)%5000))
				if err := b.Put(k, make([]byte, 200+round%300)); err != nil {
					return err
				}
			}
			return nil
		})
	}
	for r := range 20 {
		if err := put(r); err != nil {
			t.Fatal(err)
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for r := 20; ; r++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := put(r); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	defer func() { close(stop); wg.Wait() }()
	for range 40 {
		_, err := Check(path, Options{Timeout: 10 * time.Millisecond})
		if !errors.Is(err, bolt.ErrTimeout) {
			t.Fatalf("a file open for writing: %v, want a lock timeout (in use)", err)
		}
		if errors.Is(err, ErrDamaged) {
			t.Fatalf("a sound file in use called damaged: %v", err)
		}
	}
}
