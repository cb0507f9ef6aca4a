package app_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"switchboard/app"
	"switchboard/assist"
	"switchboard/model"
	"switchboard/sync/client"
	"switchboard/sync/hub"
)

func TestDraftsOfflineWhenTheHubIsGone(t *testing.T) {
	l, err := hub.OpenBoltLog(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	h, err := hub.New(l, hub.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := hub.NewServer(h, hub.Timing{HelloWait: 2 * time.Second, WriteWait: 2 * time.Second, PongWait: time.Minute, PingEvery: 30 * time.Second})
	ts := httptest.NewServer(srv.Handler())
	th := &testHub{hub: h, log: l, url: ts.URL}
	id := th.post(t, post{model.ChannelTwitter, "tw-9", "sam", "Sam Doe", 50, "you charged my card twice for the rebooking", 0})
	core, _ := startCore(t, t.TempDir(), th)
	waitFor(t, "the case in the console", func() bool { _, err := core.Case(id); return err == nil })
	ts.Close()
	srv.Close()
	waitFor(t, "the console to see the hub gone", func() bool { return core.Status().State != client.StateOnline })
	res, err := core.Drafts(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if res.Via != app.ViaConsole || res.Source != assist.SourceOffline || len(res.Drafts) < 2 || res.Note == "" {
		t.Fatalf("offline drafts: %+v", res)
	}
	if !strings.HasPrefix(res.Drafts[0].Text, "Hi Sam, thanks for flagging this. We'll check the charge") {
		t.Fatalf("the billing template in English: %q", res.Drafts[0].Text)
	}
	sum, err := core.ThreadSummary(context.Background(), id)
	if err != nil || sum.Via != app.ViaConsole || !strings.HasPrefix(sum.Summary, "Asked: you charged my card twice") {
		t.Fatalf("offline summary %+v %v", sum, err)
	}
	if _, err := core.Drafts(context.Background(), "no-such-case"); err == nil {
		t.Fatal("drafts of a case the console does not have")
	}
}
