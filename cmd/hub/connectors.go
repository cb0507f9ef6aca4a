package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"time"

	"switchboard/connector"
	"switchboard/connector/facebook"
	"switchboard/connector/forum"
	"switchboard/connector/generic"
	"switchboard/connector/twitter"
	"switchboard/demo"
	"switchboard/model"
	"switchboard/sync/hub"
)

// Config is the hub's connector configuration, from --config FILE (JSON).
// Secrets may instead come from the environment (see README), which wins
// over the file; the console never sees any of them.
type Config struct {
	Twitter  *TwitterConfig   `json:"twitter,omitempty"`
	Facebook *facebook.Config `json:"facebook,omitempty"`
	Forum    *ForumConfig     `json:"forum,omitempty"`
	// Experts are known community experts, as identity keys
	// "platform:handle" (forum handles are name@host).
	Experts []string `json:"experts,omitempty"`
	// Reach sets the reach labels' follower cut-offs and which public
	// cases get a raised priority; fields left out keep their defaults.
	Reach model.ReachThresholds `json:"reach"`
}

// TwitterConfig configures the X connector.
type TwitterConfig struct {
	BaseURL        string `json:"base_url,omitempty"`
	BearerToken    string `json:"bearer_token,omitempty"`
	UserToken      string `json:"user_token,omitempty"`
	ConsumerSecret string `json:"consumer_secret,omitempty"`
	UserID         string `json:"user_id"`
	BrandHandle    string `json:"brand_handle,omitempty"`
	// PollEvery is how often mentions are polled ("1m"); "0" or "" with
	// no bearer token: webhooks only.
	PollEvery string `json:"poll_every,omitempty"`
}

// ForumConfig configures the feed poller.
type ForumConfig struct {
	Feeds     []forum.Feed `json:"feeds"`
	PollEvery string       `json:"poll_every,omitempty"` // default 5m
}

// loadConfig reads the config file (if any) and the environment.
func loadConfig(path string) (Config, error) {
	cfg := Config{Reach: model.DefaultReach}
	if path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("config: %w", err)
		}
		if err := json.Unmarshal(raw, &cfg); err != nil {
			return cfg, fmt.Errorf("config %s: %w", path, err)
		}
		if err := checkReach(cfg.Reach); err != nil {
			return cfg, fmt.Errorf("config %s: reach: %w", path, err)
		}
	}
	env := func(name string, dst *string) {
		if v := os.Getenv(name); v != "" {
			*dst = v
		}
	}
	if cfg.Twitter != nil {
		env("SWITCHBOARD_X_BEARER_TOKEN", &cfg.Twitter.BearerToken)
		env("SWITCHBOARD_X_USER_TOKEN", &cfg.Twitter.UserToken)
		env("SWITCHBOARD_X_CONSUMER_SECRET", &cfg.Twitter.ConsumerSecret)
	}
	if cfg.Facebook != nil {
		env("SWITCHBOARD_FB_PAGE_TOKEN", &cfg.Facebook.PageAccessToken)
		env("SWITCHBOARD_FB_APP_SECRET", &cfg.Facebook.AppSecret)
		env("SWITCHBOARD_FB_VERIFY_TOKEN", &cfg.Facebook.VerifyToken)
	}
	return cfg, nil
}

// checkReach refuses cut-offs out of order and unknown labels or priorities.
func checkReach(r model.ReachThresholds) error {
	if r.Notable < 0 || r.Influencer < 0 || r.High < 0 {
		return fmt.Errorf("follower cut-offs cannot be negative")
	}
	last := 0
	for _, n := range []int{r.Notable, r.Influencer, r.High} {
		if n == 0 {
			continue // that label is off
		}
		if n < last {
			return fmt.Errorf("cut-offs must grow: notable ≤ influencer ≤ high (got %d, %d, %d)", r.Notable, r.Influencer, r.High)
		}
		last = n
	}
	if r.RaiseAt != model.ReachOff && (!r.RaiseAt.Valid()) {
		return fmt.Errorf("raise_at %q is not notable, influencer, high-reach or none", r.RaiseAt)
	}
	if r.RaiseTo < model.PriorityLow || r.RaiseTo > model.PriorityUrgent {
		return fmt.Errorf("raise_to must be 1 (normal), 2 (high) or 3 (urgent)")
	}
	return nil
}

func duration(s string, def time.Duration) (time.Duration, error) {
	if s == "" {
		return def, nil
	}
	return time.ParseDuration(s)
}

// startConnectors mounts the webhooks and ingest API, starts the pollers
// and the delivery worker; they stop with ctx.
func startConnectors(ctx context.Context, cfg Config, h *hub.Hub, srv *hub.Server, log *hub.BoltLog, logger *slog.Logger) error {
	sink := h.Sink()
	senders := map[model.Channel]connector.Sender{model.ChannelForum: forum.ManualSender{}}

	srv.Mount("POST "+generic.Path, srv.RequireToken(generic.NewHandler(sink, generic.Options{Logger: logger})))

	if tc := cfg.Twitter; tc != nil {
		c := twitter.Config{BaseURL: tc.BaseURL, BearerToken: tc.BearerToken, UserToken: tc.UserToken, ConsumerSecret: tc.ConsumerSecret,
			UserID: tc.UserID, BrandHandle: tc.BrandHandle, Logger: logger, Threads: twitter.NewThreads(0),
			OnState: func(id string) {
				if err := log.PutState("twitter/since_id", []byte(id)); err != nil {
					logger.Error("twitter: save since_id", "err", err)
				}
			}}
		if tc.ConsumerSecret != "" {
			w, err := twitter.NewWebhook(c, sink)
			if err != nil {
				return err
			}
			srv.Mount(twitter.WebhookPath, w)
		}
		if tc.UserToken != "" {
			s, err := twitter.NewSender(c)
			if err != nil {
				return err
			}
			senders[model.ChannelTwitter] = s
		}
		every, err := duration(tc.PollEvery, time.Minute)
		if err != nil {
			return fmt.Errorf("twitter.poll_every: %w", err)
		}
		if tc.BearerToken != "" && every > 0 {
			p, err := twitter.NewPoller(c)
			if err != nil {
				return err
			}
			if id, _ := log.GetState("twitter/since_id"); len(id) > 0 {
				if err := p.SetState(string(id)); err != nil {
					logger.Warn("twitter: saved since_id ignored", "err", err)
				}
			}
			go func() {
				if err := p.Run(ctx, sink, every); err != nil && ctx.Err() == nil {
					logger.Error("twitter poller stopped", "err", err)
				}
			}()
		}
		logger.Info("twitter connector", "webhook", tc.ConsumerSecret != "", "replies", tc.UserToken != "", "poll", tc.BearerToken != "" && every > 0)
	}

	if fc := cfg.Facebook; fc != nil {
		fc.Logger = logger
		if fc.AppSecret != "" {
			w, err := facebook.NewWebhook(*fc, sink)
			if err != nil {
				return err
			}
			srv.Mount(facebook.Path, w)
		}
		if fc.PageAccessToken != "" {
			s, err := facebook.NewSender(*fc)
			if err != nil {
				return err
			}
			senders[model.ChannelFacebook] = s
		}
		logger.Info("facebook connector", "webhook", fc.AppSecret != "", "replies", fc.PageAccessToken != "")
	}

	if fc := cfg.Forum; fc != nil && len(fc.Feeds) > 0 {
		every, err := duration(fc.PollEvery, 5*time.Minute)
		if err != nil {
			return fmt.Errorf("forum.poll_every: %w", err)
		}
		var p *forum.Poller
		p, err = forum.New(forum.Config{Feeds: fc.Feeds, Logger: logger, OnPoll: func([]forum.FeedResult) {
			raw, err := json.Marshal(p.State())
			if err == nil {
				err = log.PutState("forum/state", raw)
			}
			if err != nil {
				logger.Error("forum: save state", "err", err)
			}
		}})
		if err != nil {
			return err
		}
		if raw, _ := log.GetState("forum/state"); len(raw) > 0 {
			var st forum.State
			if err := json.Unmarshal(raw, &st); err == nil {
				p.SetState(st)
			}
		}
		go func() {
			if err := p.Run(ctx, sink, every); err != nil && ctx.Err() == nil {
				logger.Error("forum poller stopped", "err", err)
			}
		}()
		logger.Info("forum connector", "feeds", len(fc.Feeds), "every", every)
	}

	go h.RunDelivery(ctx, senders)
	return nil
}

// demoConfig points the connectors at the demo's loopback platforms; a
// section the config file already has is kept.
func demoConfig(cfg Config, p *demo.Platform) Config {
	if cfg.Twitter == nil {
		cfg.Twitter = &TwitterConfig{BaseURL: p.URL(), UserToken: "demo-user-token", ConsumerSecret: demo.XConsumerSecret,
			UserID: demo.XBrandID, BrandHandle: demo.XBrandHandle, PollEvery: "0"}
	}
	if cfg.Facebook == nil {
		cfg.Facebook = &facebook.Config{GraphURL: p.URL(), PageID: demo.FBPageID, PageName: demo.FBPageName,
			PageAccessToken: "demo-page-token", AppSecret: demo.FBAppSecret, VerifyToken: "demo-verify"}
	}
	if cfg.Forum == nil {
		cfg.Forum = &ForumConfig{Feeds: p.Feeds(), PollEvery: "5s"}
	}
	cfg.Experts = append(cfg.Experts, demo.Experts...)
	return cfg
}
