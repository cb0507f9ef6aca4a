package main

import (
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// TestStopWaitsForItsWorkers stops a hub whose demo writes about a
// thousand messages a second through the webhooks, several times: every
// stop waits
// for the demo (and the pollers, delivery, service levels) before the log
// closes, so no write is cut off (a webhook answered 500: "log closed"; the forum
// poller's cursor not saved: "database not open").
func TestStopWaitsForItsWorkers(t *testing.T) {
	dir := t.TempDir()
	for round := range 4 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		ctx, cancel := context.WithCancel(context.Background())
		logs := &lockedBuffer{}
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, []string{"--listen", addr, "--data", dir, "--demo", "--demo-rate", "60000", "--demo-history-days", "0"}, io.Discard, logs)
		}()
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(logs.String(), "demo: CRM extract imported") { // the seed is done
			if time.Now().After(deadline) {
				cancel()
				t.Fatalf("round %d: hub not up; log:\n%s", round, logs)
			}
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(700 * time.Millisecond) // the demo writing
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("round %d: hub ended with %v; log:\n%s", round, err, logs)
			}
		case <-time.After(15 * time.Second):
			t.Fatalf("round %d: hub did not stop; log:\n%s", round, logs)
		}
		// A worker the stop did not wait for writes on after run returned.
		time.Sleep(300 * time.Millisecond)
		out := logs.String()
		stop := strings.Index(out, "hub shutting down")
		if stop < 0 {
			t.Fatalf("round %d: no shutdown in the log:\n%s", round, out)
		}
		for _, bad := range []string{"log closed", "database not open", "workers still busy"} {
			if strings.Contains(out[stop:], bad) {
				t.Errorf("round %d: %q after the stop:\n%s", round, bad, out[stop:])
			}
		}
	}
}
