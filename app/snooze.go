package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"switchboard/model"
)

// SnoozeFile keeps the console's snoozes (case id → until when) in its
// folder: snooze is the agent's own rule on this console, not a change to
// the case the hub would apply (docs/protocol.md).
const SnoozeFile = "snoozed.json"

var snoozeMu sync.Mutex

// LoadSnoozes reads the snoozes kept in dir; none when there is no file.
func LoadSnoozes(dir string) (map[string]time.Time, error) {
	raw, err := os.ReadFile(filepath.Join(dir, SnoozeFile))
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]time.Time{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("snoozes: %w", err)
	}
	m := map[string]time.Time{}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("snoozes: %s: %w", SnoozeFile, err)
	}
	return m, nil
}

// SaveSnoozes replaces the snoozes kept in dir (written to a temporary
// file and renamed, so a crash leaves the old or the new ones).
func SaveSnoozes(dir string, m map[string]time.Time) error {
	snoozeMu.Lock()
	defer snoozeMu.Unlock()
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, SnoozeFile+".tmp")
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		return fmt.Errorf("snoozes: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, SnoozeFile)); err != nil {
		return fmt.Errorf("snoozes: %w", err)
	}
	return nil
}

// Summary is the queue's entry of case id as it is now (the actions still
// waiting for the hub applied); false when the cache has no such case. The
// console counts its snoozed cases out of the views with it: a snoozed
// case solved while out of sight still counted as pending there, and
// "On hold" went to -1.
func (c *Core) Summary(id string) (model.Summary, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.t.get(id)
}
