package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestExpertSeedDoesNotHoldTheStart: the config's expert_directory is
// seeded once the directory has folded the log — every event, minutes on
// a loaded box at 100,000 cases (seen: 2.5 min before "hub listening") —
// and the hub serves meanwhile. The seed is held here until the hub has
// answered /healthz; then the entry appears. A bad entry still stops the
// start with its reason.
func TestExpertSeedDoesNotHoldTheStart(t *testing.T) {
	dir := t.TempDir()
	out, _, err := hubCmd(t, "token", "add", "--agent", "lena", "--role", "lead", "--data", dir)
	if err != nil {
		t.Fatal(err)
	}
	token := lastLine(out)
	entry := `{"key":"forum:kohlmark@community.a1.example","name":"kohlmark","topics":["router"],` +
		`"consent":{"at":"2026-10-02T00:00:00Z","by":"opt-in post"}}`
	cfg := writeConfig(t, `{"expert_directory":[`+entry+`]}`)

	release := make(chan struct{})
	seeding := make(chan struct{}, 1)
	testHookSeedExperts = func() { seeding <- struct{}{}; <-release }
	t.Cleanup(func() { testHookSeedExperts = nil })

	addr, _ := serveHub(t, http.DefaultClient, "http", "--data", dir, "--config", cfg) // /healthz answered
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	select {
	case <-seeding:
	case <-time.After(10 * time.Second):
		t.Fatal("the seeding never began")
	}
	if got := getJSON(t, "http://"+addr+"/healthz", ""); !strings.Contains(got, `"ok":true`) {
		t.Fatalf("healthz while the seed waits: %s", got)
	}
	close(release)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(getJSON(t, "http://"+addr+"/v1/experts", token), "kohlmark@community.a1.example") {
		if time.Now().After(deadline) {
			t.Fatalf("the configured expert never appeared: %s", getJSON(t, "http://"+addr+"/v1/experts", token))
		}
		time.Sleep(20 * time.Millisecond)
	}

	bad := writeConfig(t, `{"expert_directory":[{"key":"forum:nobody@x.example","name":"nobody"}]}`)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second) // a hub that starts serves until then
	defer cancel()
	err = run(ctx, []string{"--listen", "127.0.0.1:0", "--data", t.TempDir(), "--config", bad}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "expert_directory") || !strings.Contains(err.Error(), "consent") {
		t.Fatalf("an entry without consent: the start ended with %v", err)
	}
}
