package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchboard/internal/natstest"
	"switchboard/model"
	"switchboard/sync/hub"
)

func TestMigrateThenTwoHubsServeTheStream(t *testing.T) {
	s := natstest.Start(t, t.TempDir())
	dir := t.TempDir()
	h, log, err := openHub(dir, hub.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if _, _, err := h.Ingest(model.Inbound{Channel: model.ChannelTwitter, ThreadRef: fmt.Sprint("t", i), PlatformID: fmt.Sprint("p", i),
			Author: model.Identity{Handle: "@kim"}, Text: "help", Time: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
	}
	head := log.Head()
	log.Close()

	out, _, err := hubCmd(t, "migrate", "--data", dir, "--nats", s.ClientURL())
	if err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	if want := fmt.Sprintf("%d events copied, 0 were there already", head); !strings.Contains(out, want) {
		t.Fatalf("migrate said %q, want %q", out, want)
	}
	out, _, err = hubCmd(t, "migrate", "--data", dir, "--nats", s.ClientURL())
	if want := fmt.Sprintf("0 events copied, %d were there already", head); err != nil || !strings.Contains(out, want) {
		t.Fatalf("second migrate: %v, said %q, want %q", err, out, want)
	}
	// Two hubs on the stream, each with its own data folder (tokens,
	// replica), both holding the migrated cases (the first hub's service
	// levels may have appended since).
	for i := range 2 {
		d := t.TempDir()
		_, logs := serveHub(t, http.DefaultClient, "http", "--data", d, "--nats", s.ClientURL())
		if want := "cases=20"; !strings.Contains(logs.String(), want) {
			t.Fatalf("hub %d log lacks %q:\n%s", i, want, logs)
		}
		if _, err := os.Stat(filepath.Join(d, "js-cache", "hub.db")); err != nil {
			t.Fatalf("hub %d has no replica in its data folder: %v", i, err)
		}
	}
}

func TestNATSFlagErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "nats.json")
	if err := os.WriteFile(bad, []byte(`{"urls": "nats://127.0.0.1:1", "replica": 3}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--data", dir, "--nats-user", "hub"},
		{"--data", dir, "--nats", "nats://127.0.0.1:1", "--retain-events", "10"},
		{"--data", dir, "--nats", "nats://127.0.0.1:1", "--nats-replicas", "2"},
		{"--data", dir, "--nats-config", bad},
		{"migrate", "--data", dir},
	} {
		if _, _, err := hubCmd(t, args...); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}
