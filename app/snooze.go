package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"switchboard/model"
)

// Snooze is a case state the team shares (docs/protocol.md): the op
// snooze sets Case.SnoozedUntil, the hub logs it and every console gets
// it with the case. A snoozed case leaves the open views (Filter.Snooze)
// and is listed in the Snoozed view until its time; then it is back with
// no op at all: the time is in the case, and the Core's wake timer sets
// the case's row again when it comes, so every list and count moves and
// listeners hear of it like any other change. A new message in the case
// wakes it on the hub.

// Snooze queues the op that snoozes case id until a time (a zero time, or
// one past, wakes it: op unsnooze). It writes the outbox: call it off the
// UI goroutine.
func (c *Core) Snooze(id string, until time.Time) (model.Op, error) {
	op := model.Op{Kind: model.OpSnooze, CaseID: id, Until: until.UTC()}
	if until.IsZero() || !until.After(time.Now()) {
		op = model.Op{Kind: model.OpUnsnooze, CaseID: id}
	}
	return c.Do(op)
}

// wakeTimer fires once at the earliest wake time of the rows asleep.
type wakeTimer struct {
	mu   sync.Mutex
	next int64 // Unix nanoseconds; 0: none set
	t    *time.Timer
}

// wakes holds each Core's wake timer (as exts its outbox state).
var wakes sync.Map // *Core → *wakeTimer

func (c *Core) wakeTimer() *wakeTimer {
	if v, ok := wakes.Load(c); ok {
		return v.(*wakeTimer)
	}
	v, _ := wakes.LoadOrStore(c, &wakeTimer{})
	return v.(*wakeTimer)
}

// at asks for a wake-up at until (Unix nanoseconds), unless one comes
// before it. It is called under Core.mu (table.set).
func (c *Core) wakeAt(until int64) {
	w := c.wakeTimer()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.next != 0 && w.next <= until {
		return
	}
	w.next = until
	// A millisecond after: the row's time has passed when it is set again.
	d := time.Until(time.Unix(0, until)) + time.Millisecond
	if w.t == nil {
		w.t = time.AfterFunc(d, c.wakeDue)
	} else {
		w.t.Reset(d)
	}
}

// wakeDue sets again the rows whose snooze time has come, and asks for
// the next wake-up.
// After Close it only files rows in memory and posts a change nobody
// reads.
func (c *Core) wakeDue() {
	w := c.wakeTimer()
	w.mu.Lock()
	w.next = 0
	w.mu.Unlock()
	c.mu.Lock()
	ids, next := c.t.wakeDue(time.Now().UnixNano())
	c.mu.Unlock()
	if next != 0 {
		c.wakeAt(next)
	}
	if len(ids) > 0 {
		c.post(Change{Queue: true, Cases: ids})
	}
}

// watchSnoozes hands the index's snoozes to the wake timer, once per
// table (the one Open loads, the one a resync starts): the rows asleep
// now, and each row set asleep from then on. refreshMany calls it, which
// Open and every page the cache applies go through. The caller holds
// opMu or has not shared the Core yet.
func (c *Core) watchSnoozes() {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.t
	if t.onSleep != nil {
		return
	}
	t.onSleep = c.wakeAt
	var next int64
	for i := range t.rows {
		if r := &t.rows[i]; r.present && r.asleep && (next == 0 || r.snooze < next) {
			next = r.snooze
		}
	}
	if next != 0 {
		c.wakeAt(next)
	}
}

// wakeDue sets again the rows asleep whose time is now (Unix nanoseconds)
// or before, and returns their ids and the earliest time of those still
// asleep (0: none).
func (t *table) wakeDue(now int64) (ids []string, next int64) {
	for i := range t.rows {
		r := &t.rows[i]
		if !r.present || !r.asleep {
			continue
		}
		if r.snooze > now {
			if next == 0 || r.snooze < next {
				next = r.snooze
			}
			continue
		}
		t.put(t.summary(rowID(i)))
		ids = append(ids, r.id)
	}
	return ids, next
}

// SnoozeFile is where consoles before the shared snooze kept theirs (case
// id → until when) in their folder.
const SnoozeFile = "snoozed.json"

// LoadSnoozes reads the snoozes an older console kept in dir; none when
// there is no file.
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

// MigrateSnoozes turns the snoozes an older console kept in dir's
// snoozed.json into snooze ops, once: each snooze still to come is queued
// in the outbox like an agent's (the hub applies it when the console is
// next online, and refuses one on a case someone else holds now), those
// past are dropped, and the file is renamed snoozed.json.migrated so it
// is not read again. Local snoozes are not kept as a fallback: two
// sources of the same state would disagree, and the team could not see
// the local one. It returns how many ops were queued.
func (c *Core) MigrateSnoozes(dir string) (int, error) {
	m, err := LoadSnoozes(dir)
	if err != nil || len(m) == 0 {
		return 0, err
	}
	now, n := time.Now(), 0
	for id, until := range m {
		if !until.After(now) {
			continue
		}
		if _, err := c.Snooze(id, until); err != nil {
			// Not cached any more, or not this agent's to snooze now.
			slog.Warn("console: old snooze not carried over", "case", id, "until", until, "err", err)
			continue
		}
		n++
	}
	from := filepath.Join(dir, SnoozeFile)
	if err := os.Rename(from, from+".migrated"); err != nil {
		return n, fmt.Errorf("snoozes: %w", err)
	}
	return n, nil
}

// Summary is the queue's entry of case id as it is now (the actions still
// waiting for the hub applied); false when the cache has no such case.
func (c *Core) Summary(id string) (model.Summary, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.t.get(id)
}
