package demo_test

import (
	"context"
	"log/slog"
	"testing"

	"switchboard/connector/facebook"
	"switchboard/connector/twitter"
	"switchboard/demo"
	"switchboard/sync/hub"
)

// rig is a hub on a temp log with the demo's platforms and the X and
// Facebook webhooks mounted, as hub --demo runs them.
type rig struct {
	h       *hub.Hub
	l       *hub.BoltLog
	p       *demo.Platform
	srv     *hub.Server
	threads *twitter.Threads
	logger  *slog.Logger
}

func startRig(t *testing.T, ctx context.Context, cfg hub.Config) rig {
	t.Helper()
	r := rig{logger: slog.New(slog.DiscardHandler), threads: twitter.NewThreads(0)}
	cfg.Logger = r.logger
	var err error
	if r.l, err = hub.OpenBoltLog(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.l.Close() })
	if r.h, err = hub.New(r.l, cfg); err != nil {
		t.Fatal(err)
	}
	if r.p, err = demo.StartPlatform(ctx, r.logger); err != nil {
		t.Fatal(err)
	}
	r.srv = hub.NewServer(r.h, hub.DefaultTiming)
	t.Cleanup(r.srv.Close)
	tw, err := twitter.NewWebhook(twitter.Config{UserID: demo.XBrandID, ConsumerSecret: demo.XConsumerSecret, BrandHandle: demo.XBrandHandle,
		Threads: r.threads, Logger: r.logger}, r.h.Sink())
	if err != nil {
		t.Fatal(err)
	}
	r.srv.Mount(twitter.WebhookPath, tw)
	fb, err := facebook.NewWebhook(facebook.Config{PageID: demo.FBPageID, PageName: demo.FBPageName, AppSecret: demo.FBAppSecret, VerifyToken: "v", Logger: r.logger}, r.h.Sink())
	if err != nil {
		t.Fatal(err)
	}
	r.srv.Mount(facebook.Path, fb)
	return r
}
