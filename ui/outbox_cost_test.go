package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"switchboard/app"
	"switchboard/model"
	"switchboard/store"
	"switchboard/ui"
)

// countingCore is the core, counting the cases the console lists in full
// (Queue with no filter at all: every cached case).
type countingCore struct {
	*app.Core
	everyCase atomic.Int64 // summaries returned by Queue(app.Filter{})
}

func (c *countingCore) Queue(f app.Filter) []model.Summary {
	rows := c.Core.Queue(f)
	if f == (app.Filter{}) {
		c.everyCase.Add(int64(len(rows)))
	}
	return rows
}

// manyCases writes n cases into a cache and opens it.
func manyCases(t *testing.T, n int) *app.Core {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "console.db"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	var evs []model.Event
	for i := range n {
		at := now.Add(-time.Duration(i) * time.Minute)
		cs := model.Case{ID: fmt.Sprintf("c%04d", i), Channel: model.ChannelTwitter, Subject: "bag",
			Author: model.Identity{Platform: model.ChannelTwitter, Handle: fmt.Sprintf("@cust%d", i), DisplayName: fmt.Sprintf("Customer %04d", i)},
			Status: model.StatusNew, Public: true, Created: at, LastMessageAt: at, Version: 1}
		evs = append(evs, model.Event{Seq: uint64(i + 1), Type: model.EventCaseUpserted, Case: &cs, Time: now})
	}
	if _, err := st.Apply(evs); err != nil {
		t.Fatal(err)
	}
	st.Close()
	core, err := app.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { core.Close() })
	return core
}

// While actions wait (offline), the banner and the outbox panel are
// brought up to date on every change: each update listed every cached
// case to find the few with queued actions (3,000 cases visited per change
// here, 100,000 at 100,000 cases). They look the outbox's cases up by id
// now: queueing 50 actions, one change each, visits no case in full, and
// the panel still names each action's case.
func TestOutboxUpdatesDoNotVisitEveryCase(t *testing.T) {
	const cases, queued = 3000, 50
	test.NewTempApp(t)
	core := &countingCore{Core: manyCases(t, cases)}
	core.SetUndoWindow(0)
	c := ui.New(core)
	c.Wait()
	w := test.NewWindow(c.Content())
	w.Resize(fyne.NewSize(1400, 860))
	c.InstallKeys(w)
	t.Cleanup(func() {
		w.Close()
		c.Wait()
	})
	// Offline: the core's changes reach the console only while it runs,
	// here against a hub that is down (a closed loopback port).
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := core.Start(ctx, down.URL, "")
	t.Cleanup(func() { cancel(); <-done })
	// The list shows Mine (nobody's here): its own query is not counted
	// either way.
	c.Locked(func() { c.SetView("m") })
	c.Wait()
	core.everyCase.Store(0)
	for i := range queued {
		if _, err := core.Do(model.Op{Kind: model.OpNote, CaseID: fmt.Sprintf("c%04d", i*7), Text: fmt.Sprintf("note %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, c, "the outbox panel listing every action", func() bool { return len(c.OutboxPanel().Rows()) == queued })
	c.Wait()
	c.Locked(func() {
		for i, r := range c.OutboxPanel().Rows() {
			if want := fmt.Sprintf("case of Customer %04d (@cust%d)", i*7, i*7); !strings.Contains(r.Text(), want) {
				t.Errorf("row %d %q does not name %q", i, r.Text(), want)
			}
		}
	})
	// O(queued): at most the queued actions' cases, never the cache.
	if n := core.everyCase.Load(); n > queued {
		t.Errorf("%d cases visited in full lists while %d actions were queued: the outbox's own cases are %d", n, queued, queued)
	}
}
