package app

import (
	"testing"
	"time"
)

// TestStatusAndCountDoNotWaitForTheIndex: the console's UI goroutine reads
// Status and Count every second (Tick). They took the index lock for
// reading, which waits while a sync page holds it for writing, and while
// a write waits behind a reader (the queue worker copying 100k rows): UI
// stalls of 0.3-2 s during a 100k initial sync. They read what the last
// change published.
func TestStatusAndCountDoNotWaitForTheIndex(t *testing.T) {
	c, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.mu.Lock() // a sync page being filed
	done := make(chan int)
	go func() { done <- c.Count() + len(c.Status().State) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		c.mu.Unlock()
		<-done
		t.Fatal("Status and Count waited for the index lock")
	}
	c.mu.Unlock()
}
