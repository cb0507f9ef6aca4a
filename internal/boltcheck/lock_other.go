//go:build !unix

package boltcheck

import (
	"os"
	"time"
)

// lockShared is a no-op where flock is missing; bbolt's own read-only
// open in the deep check still refuses a file in use.
func lockShared(*os.File, time.Duration) error { return nil }
