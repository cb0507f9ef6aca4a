package app_test

import (
	"testing"
	"time"

	"switchboard/app"
)

func TestSnoozesAreKept(t *testing.T) {
	dir := t.TempDir()
	if m, err := app.LoadSnoozes(dir); err != nil || len(m) != 0 {
		t.Fatalf("no file: %v, %v", m, err)
	}
	until := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	if err := app.SaveSnoozes(dir, map[string]time.Time{"c-1": until}); err != nil {
		t.Fatal(err)
	}
	m, err := app.LoadSnoozes(dir)
	if err != nil || !m["c-1"].Equal(until) || len(m) != 1 {
		t.Fatalf("kept %v, %v", m, err)
	}
}
