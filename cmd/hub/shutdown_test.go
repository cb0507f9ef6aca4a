package main

import (
	"net/http"
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
		_, logs, stop := serveHubStop(t, http.DefaultClient, "http", "--data", dir, "--demo", "--demo-rate", "60000", "--demo-history-days", "0")
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(logs.String(), "demo: CRM extract imported") { // the seed is done
			if time.Now().After(deadline) {
				t.Fatalf("round %d: demo not seeded; log:\n%s", round, logs)
			}
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(700 * time.Millisecond) // the demo writing
		if err := stop(); err != nil {
			t.Fatalf("round %d: hub ended with %v; log:\n%s", round, err, logs)
		}
		// A worker the stop did not wait for writes on after run returned.
		time.Sleep(300 * time.Millisecond)
		out := logs.String()
		at := strings.Index(out, "hub shutting down")
		if at < 0 {
			t.Fatalf("round %d: no shutdown in the log:\n%s", round, out)
		}
		for _, bad := range []string{"log closed", "database not open", "workers still busy"} {
			if strings.Contains(out[at:], bad) {
				t.Errorf("round %d: %q after the stop:\n%s", round, bad, out[at:])
			}
		}
	}
}
