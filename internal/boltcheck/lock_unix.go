//go:build unix

package boltcheck

import (
	"errors"
	"os"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
)

// lockShared takes the shared lock bbolt's read-only open takes (flock,
// LOCK_SH), waiting up to timeout, so the file is not written while it is
// read: a writer holds LOCK_EX for as long as its database is open, and a
// walk beside a live writer reads pages the writer is reusing — a sound
// file would look damaged. The lock goes with f's close.
func lockShared(f *os.File, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
		switch {
		case err == nil:
			return nil
		case !errors.Is(err, syscall.EWOULDBLOCK):
			return err
		case time.Now().After(deadline):
			return bolt.ErrTimeout
		}
		time.Sleep(20 * time.Millisecond)
	}
}
