package ui_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"switchboard/app"
	"switchboard/model"
	"switchboard/sync/hub"
	"switchboard/ui"
)

// "Status Solved queued" is news while the change waits for the hub; once
// the hub has it, the line goes (it stayed for good, working the demo).
func TestQueuedLineGoesOnceTheHubHasTheChange(t *testing.T) {
	test.NewTempApp(t)
	l, err := hub.OpenBoltLog(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	h, err := hub.New(l, hub.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := h.Ingest(hub.Inbound{Channel: model.ChannelTwitter, ThreadRef: "t-1", PlatformID: "p-1",
		Author: model.Identity{Handle: "@kim", DisplayName: "Kim"}, Text: "my bag is lost", Time: time.Now().Add(-time.Minute), Public: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := hub.NewServer(h, hub.DefaultTiming)
	ts := httptest.NewServer(srv.Handler())
	defer func() { ts.Close(); srv.Close() }()

	core, err := app.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer core.Close()
	c, _ := openWindow(t, core)
	ctx, cancel := context.WithCancel(context.Background())
	done := core.Start(ctx, ts.URL, "")
	defer func() { cancel(); <-done }()
	eventually(t, c, "the case synced", func() bool { return core.Status().Cursor == l.Head() })
	c.Locked(func() { c.Select(id) })
	eventually(t, c, "the case open", func() bool { return c.Detail().Title() != "" && c.Actions().Visible() })
	c.Locked(func() { c.Actions().StatusSelect().SetSelected(ui.StatusName(model.StatusPending)) })
	eventually(t, c, "the change on the hub", func() bool { hc, _ := h.Case(id); return hc.Status == model.StatusPending })
	eventually(t, c, "the queued line gone", func() bool { return core.Pending() == 0 && c.Actions().Info() == "" })
}
