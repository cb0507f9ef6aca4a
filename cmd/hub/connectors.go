package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"switchboard/connector"
	"switchboard/connector/facebook"
	"switchboard/connector/forum"
	"switchboard/connector/generic"
	"switchboard/connector/twitter"
	"switchboard/demo"
	"switchboard/model"
	"switchboard/sla"
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
	// ExpertDirectory seeds the community expert directory
	// (docs/experts.md): an entry whose key the directory does not have yet
	// is added at start, with the consent it records; later changes are
	// made over the API and kept in the log.
	ExpertDirectory []model.Expert `json:"expert_directory,omitempty"`
	// Reach sets the reach labels' follower cut-offs and which public
	// cases get a raised priority; fields left out keep their defaults.
	Reach model.ReachThresholds `json:"reach"`
	// SLA configures service levels: calendars, teams and policies (see
	// sla.Config and docs/metrics.md); absent: the defaults for social care.
	SLA *sla.Config `json:"sla,omitempty"`
}

// TwitterConfig configures the X connector: one account (the fields of
// TwitterAccount at the top level, the original form) or several in
// Accounts. Top-level base_url, bearer_token, consumer_secret and
// poll_every are the defaults of every account (one X app serves them all);
// user_token, user_id, brand_handle and brand are each account's own.
type TwitterConfig struct {
	TwitterAccount
	Accounts []TwitterAccount `json:"accounts,omitempty"`
	// Searches are X recent searches the hub polls with the bearer token
	// of the first account (whose user_id marks the brand's own tweets);
	// listen-only ones feed the listening view (docs/listening.md).
	Searches []TwitterSearch `json:"searches,omitempty"`
}

// TwitterSearch is one X recent search (GET /2/tweets/search/recent).
type TwitterSearch struct {
	Name  string `json:"name"`
	Query string `json:"query"`
	// Listen: its tweets are listened posts — no case, no reply offered.
	// Without it every tweet found is a care message, like a mention.
	Listen bool `json:"listen,omitempty"`
	// Topics are listened keywords: those a tweet names are its topics.
	Topics []string `json:"topics,omitempty"`
	// PollEvery is how often it is polled; default 5m (X's recent search
	// allows few calls per 15 minutes on the smaller plans), "0" off.
	PollEvery string `json:"poll_every,omitempty"`
	// Brand marks the cases of a care search, and the listened tweets of a
	// listen-only one (model.ListenItem.Brand): an adopted tweet's case is
	// that brand's, answered from its account.
	Brand string `json:"brand,omitempty"`
}

// searches checks the configured searches against the first account:
// they need its bearer token, unique names, a query.
func (tc TwitterConfig) searches(first TwitterAccount) ([]twitter.Search, error) {
	var out []twitter.Search
	names := map[string]bool{}
	for _, s := range tc.Searches {
		ts := twitter.Search{Name: strings.TrimSpace(s.Name), Query: s.Query, Listen: s.Listen, Topics: s.Topics}
		if err := ts.Validate(); err != nil {
			return nil, err
		}
		if names[ts.Name] {
			return nil, fmt.Errorf("twitter: search %q given twice", ts.Name)
		}
		names[ts.Name] = true
		if first.BearerToken == "" {
			return nil, fmt.Errorf("twitter: search %q needs a bearer_token", ts.Name)
		}
		if _, err := duration(s.PollEvery, 5*time.Minute); err != nil {
			return nil, fmt.Errorf("twitter: search %q: poll_every: %w", ts.Name, err)
		}
		out = append(out, ts)
	}
	return out, nil
}

// TwitterAccount is one X account of a brand.
type TwitterAccount struct {
	BaseURL        string `json:"base_url,omitempty"`
	BearerToken    string `json:"bearer_token,omitempty"`
	UserToken      string `json:"user_token,omitempty"`
	ConsumerSecret string `json:"consumer_secret,omitempty"`
	UserID         string `json:"user_id"`
	BrandHandle    string `json:"brand_handle,omitempty"`
	// PollEvery is how often mentions are polled ("1m"); "0" or "" with
	// no bearer token: webhooks only.
	PollEvery string `json:"poll_every,omitempty"`
	// Brand marks this account's cases and picks it for their replies.
	// Empty with one account: no brand; with several: brand_handle, else
	// user_id.
	Brand string `json:"brand,omitempty"`
}

// accounts lists the configured accounts with the shared defaults filled
// in and a brand on each when there are several.
func (tc TwitterConfig) accounts() ([]TwitterAccount, error) {
	var out []TwitterAccount
	if tc.UserID != "" {
		out = append(out, tc.TwitterAccount)
	}
	for _, a := range tc.Accounts {
		a.BaseURL = cmp.Or(a.BaseURL, tc.BaseURL)
		a.BearerToken = cmp.Or(a.BearerToken, tc.BearerToken)
		a.ConsumerSecret = cmp.Or(a.ConsumerSecret, tc.ConsumerSecret)
		a.PollEvery = cmp.Or(a.PollEvery, tc.PollEvery)
		out = append(out, a)
	}
	if len(out) == 0 {
		return nil, errors.New("twitter: give user_id, or accounts")
	}
	ids, brands := map[string]bool{}, map[string]bool{}
	secret := ""
	for i := range out {
		a := &out[i]
		a.Brand = strings.TrimSpace(a.Brand)
		if len(out) > 1 && a.Brand == "" {
			a.Brand = cmp.Or(strings.TrimPrefix(a.BrandHandle, "@"), a.UserID)
		}
		if ids[a.UserID] {
			return nil, fmt.Errorf("twitter: user_id %s given twice", a.UserID)
		}
		if brands[a.Brand] {
			return nil, fmt.Errorf("twitter: brand %q given to two accounts: replies could not tell which account sends them", a.Brand)
		}
		ids[a.UserID], brands[a.Brand] = true, true
		if a.ConsumerSecret != "" {
			if secret != "" && a.ConsumerSecret != secret {
				return nil, errors.New("twitter: accounts with webhooks must share one consumer_secret: one X app posts all its accounts to the one /webhooks/twitter")
			}
			secret = a.ConsumerSecret
		}
	}
	return out, nil
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
		if err := decodeConfig(raw, &cfg); err != nil {
			return cfg, fmt.Errorf("config %s: %w", path, err)
		}
		if err := checkReach(cfg.Reach); err != nil {
			return cfg, fmt.Errorf("config %s: reach: %w", path, err)
		}
		if cfg.SLA != nil {
			// An iCalendar file named relative to the config file.
			for name, cc := range cfg.SLA.Calendars {
				if cc.HolidaysICS != "" && !filepath.IsAbs(cc.HolidaysICS) {
					cc.HolidaysICS = filepath.Join(filepath.Dir(path), cc.HolidaysICS)
					cfg.SLA.Calendars[name] = cc
				}
			}
			if _, err := slaRules(cfg); err != nil {
				return cfg, fmt.Errorf("config %s: sla: %w", path, err)
			}
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
	if err := checkBrands(cfg); err != nil {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// decodeConfig reads the config file into cfg and refuses a key the hub
// does not know, at any depth ("consumer_secrets", "twiter"): a misspelt
// key would otherwise leave its part off without a word — a webhook that
// refuses every delivery, a feed never polled. The triage section is
// loadTriageConfig's (it is read there, with the same check).
func decodeConfig(raw []byte, cfg *Config) error {
	file := struct {
		*Config
		Triage json.RawMessage `json:"triage"`
	}{Config: cfg}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return unknownKey(err)
	}
	if dec.More() {
		return errors.New("more than one JSON value")
	}
	return nil
}

// unknownKey words encoding/json's unknown-field error for the person
// who wrote the file.
func unknownKey(err error) error {
	if k, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fmt.Errorf("unknown key %s (misspelt? README, Configuration and Channels, names every key)", k)
	}
	return err
}

// checkBrands checks the pages and accounts: unique ids and brands, one
// consumer secret for X webhooks.
func checkBrands(cfg Config) error {
	if cfg.Twitter != nil {
		accounts, err := cfg.Twitter.accounts()
		if err != nil {
			return err
		}
		if _, err := cfg.Twitter.searches(accounts[0]); err != nil {
			return err
		}
		// A search's brand picks the account that answers its cases.
		for _, s := range cfg.Twitter.Searches {
			known := s.Brand == ""
			for _, a := range accounts {
				known = known || a.Brand == s.Brand
			}
			if !known {
				return fmt.Errorf("twitter: search %q: brand %q is no account's brand: its cases could not be answered", s.Name, s.Brand)
			}
		}
	}
	if cfg.Facebook != nil {
		if _, err := cfg.Facebook.PageConfigs(); err != nil {
			return err
		}
	}
	return nil
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

// slaRules builds the configured service levels, or the defaults.
func slaRules(cfg Config) (*sla.Rules, error) {
	if cfg.SLA == nil {
		return sla.Default(), nil
	}
	return cfg.SLA.Build()
}

func duration(s string, def time.Duration) (time.Duration, error) {
	if s == "" {
		return def, nil
	}
	return time.ParseDuration(s)
}

// startConnectors mounts the webhooks, the ingest API, /metrics and
// /v1/status, starts the pollers and the delivery worker; they stop with
// ctx. Every connector reports to the hub's status board (status.go in
// cmd/hub wraps their sinks, HTTP clients and webhooks).
func startConnectors(ctx context.Context, bg *sync.WaitGroup, cfg Config, h *hub.Hub, srv *hub.Server, log connState, logger *slog.Logger) error {
	board := h.Metrics().Status()
	sink := h.Sink()
	senders := map[model.Channel]connector.Sender{model.ChannelForum: forum.ManualSender{}}

	srv.Mount("GET "+hub.MetricsPath, h.Metrics().Handler())
	srv.Mount("GET "+hub.StatusPath, srv.RequireToken(board.Handler()))
	genRep := board.Connector("generic", "generic")
	srv.Mount("POST "+generic.Path, srv.RequireToken(generic.NewHandler(reportSink{sink, genRep}, generic.Options{Logger: logger, KnownBrand: replyBrandsOf(cfg).known})))

	if tc := cfg.Twitter; tc != nil {
		accounts, err := tc.accounts()
		if err != nil {
			return err
		}
		threads := twitter.NewThreads(0) // one for every account: roots are tweet ids
		hooks := map[string]http.Handler{}
		var hookOrder []string
		bySender := brandSenders{channel: model.ChannelTwitter}
		for i, a := range accounts {
			name := "twitter/" + a.UserID
			if h := strings.TrimPrefix(a.BrandHandle, "@"); h != "" {
				name = "twitter/@" + h
			}
			rep := board.Connector("twitter", name)
			stateKey := "twitter/since_id"
			if i > 0 {
				stateKey += "/" + a.UserID
			}
			c := twitter.Config{BaseURL: a.BaseURL, BearerToken: a.BearerToken, UserToken: a.UserToken, ConsumerSecret: a.ConsumerSecret,
				UserID: a.UserID, BrandHandle: a.BrandHandle, Logger: logger, Threads: threads,
				// Accounts after the first keep their DM threads apart: a
				// customer writing to two brands has two cases.
				AccountScopedDMs: i > 0,
				HTTPClient:       reportClient(rep),
				OnState: func(id string) {
					if err := log.PutState(stateKey, []byte(id)); err != nil {
						logger.Error("twitter: save since_id", "account", a.UserID, "err", err)
					}
				}}
			asink := reportSink{brandSink{sink, a.Brand}, rep}
			if a.ConsumerSecret != "" {
				w, err := twitter.NewWebhook(c, asink)
				if err != nil {
					return err
				}
				hooks[a.UserID] = w
				hookOrder = append(hookOrder, a.UserID)
			}
			if a.UserToken != "" {
				s, err := twitter.NewSender(c)
				if err != nil {
					return err
				}
				bySender.add(a.Brand, s)
			}
			every, err := duration(a.PollEvery, time.Minute)
			if err != nil {
				return fmt.Errorf("twitter.poll_every: %w", err)
			}
			if a.BearerToken != "" && every > 0 {
				p, err := twitter.NewPoller(c)
				if err != nil {
					return err
				}
				if id, _ := log.GetState(stateKey); len(id) > 0 {
					if err := p.SetState(string(id)); err != nil {
						logger.Warn("twitter: saved since_id ignored", "account", a.UserID, "err", err)
					}
				}
				goLead(ctx, bg, log, "twitter/"+a.UserID, func(ctx context.Context) { // once per team (nats.go)
					if err := p.Run(ctx, asink, every); err != nil && ctx.Err() == nil {
						rep.Error(err)
						logger.Error("twitter poller stopped", "account", a.UserID, "err", err)
					}
				})
			}
			logger.Info("twitter connector", "account", a.UserID, "brand", a.Brand, "webhook", a.ConsumerSecret != "",
				"replies", a.UserToken != "", "poll", a.BearerToken != "" && every > 0)
		}
		if err := startSearches(ctx, bg, tc, accounts[0], threads, sink, board, log, logger); err != nil {
			return err
		}
		if len(hooks) > 0 {
			srv.Mount(twitter.WebhookPath, reportHandler(accountMux{hooks: hooks, first: hookOrder[0]}, board.Connector("twitter", "twitter/webhook")))
		}
		if s := bySender.sender(); s != nil {
			senders[model.ChannelTwitter] = s
		}
	}

	if fc := cfg.Facebook; fc != nil {
		fc.Logger = logger
		pages, err := fc.PageConfigs()
		if err != nil {
			return err
		}
		bySender := brandSenders{channel: model.ChannelFacebook}
		byBrand := map[string]*hub.ConnectorReport{}
		webhook := false
		for _, pc := range pages {
			rep := board.Connector("facebook", "facebook/"+pc.PageID)
			byBrand[pc.Brand] = rep
			if pc.PageAccessToken != "" {
				pc.HTTPClient = reportClient(rep)
				s, err := facebook.NewSender(pc)
				if err != nil {
					return err
				}
				bySender.add(pc.Brand, s)
			}
			webhook = webhook || pc.AppSecret != ""
			logger.Info("facebook connector", "page", pc.PageID, "brand", pc.Brand, "webhook", pc.AppSecret != "", "replies", pc.PageAccessToken != "")
		}
		if webhook {
			// The webhook's profile lookups go through each page's token;
			// their errors show on the page's status.
			wc := *fc
			wc.HTTPClient = reportClient(byBrand[pages[0].Brand])
			w, err := facebook.NewWebhook(wc, pageSink{sink, byBrand})
			if err != nil {
				return err
			}
			srv.Mount(facebook.Path, reportHandler(w, board.Connector("facebook", "facebook/webhook")))
		}
		if s := bySender.sender(); s != nil {
			senders[model.ChannelFacebook] = s
		}
	}

	if fc := cfg.Forum; fc != nil && len(fc.Feeds) > 0 {
		every, err := duration(fc.PollEvery, 5*time.Minute)
		if err != nil {
			return fmt.Errorf("forum.poll_every: %w", err)
		}
		reps := map[string]*hub.ConnectorReport{}
		for _, f := range fc.Feeds {
			reps[f.Name] = board.Connector("forum", "forum/"+f.Name)
		}
		var p *forum.Poller
		p, err = forum.New(forum.Config{Feeds: fc.Feeds, Logger: logger, OnPoll: func(res []forum.FeedResult) {
			reportFeeds(reps, res)
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
		goLead(ctx, bg, log, "forum", func(ctx context.Context) { // once per team (nats.go)
			if err := p.Run(ctx, sink, every); err != nil && ctx.Err() == nil {
				logger.Error("forum poller stopped", "err", err)
			}
		})
		logger.Info("forum connector", "feeds", len(fc.Feeds), "every", every)
	}

	// Service levels and the reports (lead tokens only; /me for any agent).
	rules, err := slaRules(cfg)
	if err != nil {
		return fmt.Errorf("sla: %w", err)
	}
	levels := hub.NewSLA(h, rules)
	srv.Mount("GET "+hub.ReportCasesPath, srv.ReportCasesHandler(levels))
	srv.Mount("GET "+hub.ReportSummaryPath, srv.ReportSummaryHandler(levels))
	srv.Mount("GET "+hub.ReportMePath, srv.ReportMeHandler(levels)) // an agent's own figures
	bg.Go(func() { levels.Run(ctx) })

	// The community expert directory (docs/experts.md).
	experts := hub.NewExperts(h)
	srv.Mount(hub.ExpertsPath, srv.ExpertsHandler(experts))
	srv.Mount("POST "+hub.ExpertsImportPath, srv.ExpertsImportHandler(experts))
	srv.Mount("GET "+hub.ExpertsSuggestPath, srv.ExpertsSuggestHandler(experts))
	srv.Mount("GET "+hub.ReportCommunityPath, srv.ReportCommunityHandler(experts))
	// A bad entry stops the start; the seeding itself waits for the
	// directory's fold of the log (every event, a while at 100,000 cases),
	// so it runs beside the serving hub, before the directory's own loop.
	for _, e := range cfg.ExpertDirectory {
		if err := e.Normalize().Validate(); err != nil {
			return fmt.Errorf("expert_directory %q: %w", e.Key, err)
		}
	}
	bg.Go(func() {
		seedExperts(experts, cfg.ExpertDirectory, logger)
		experts.Run(ctx)
	})

	// The listening view of listen-only sources (docs/listening.md).
	listening := hub.NewListening(h)
	srv.Mount("GET "+hub.ListenPath, srv.ListenHandler(listening))
	srv.Mount("POST "+hub.ListenAdoptPath, srv.ListenAdoptHandler(listening))
	bg.Go(func() { listening.Run(ctx) })

	bg.Go(func() { h.RunDelivery(ctx, senders) })
	bg.Go(func() { h.ReconcileOrphans(ctx, senders, time.Second) }) // JetStream: what a stopped hub left sending
	return nil
}

// testHookSeedExperts, when set (by tests), runs before the seeding.
var testHookSeedExperts func()

// seedExperts adds the configured members the directory never had (one who
// withdrew is not added back).
func seedExperts(experts *hub.Experts, dir []model.Expert, logger *slog.Logger) {
	if testHookSeedExperts != nil {
		testHookSeedExperts()
	}
	for _, e := range dir {
		known, err := experts.Seen(e.Key)
		if err == nil && !known {
			_, err = experts.Put("config", e)
		}
		if err != nil {
			logger.Error("expert_directory: not seeded", "key", e.Key, "err", err)
		}
	}
}

// startSearches starts a poller per X search (the lead hub's, like the
// mentions), each keeping its since_id under its own state key.
func startSearches(ctx context.Context, bg *sync.WaitGroup, tc *TwitterConfig, first TwitterAccount, threads *twitter.Threads, sink connector.Sink,
	board *hub.StatusBoard, log connState, logger *slog.Logger) error {
	searches, err := tc.searches(first)
	if err != nil {
		return err
	}
	for i, s := range searches {
		every, _ := duration(tc.Searches[i].PollEvery, 5*time.Minute)
		if every <= 0 {
			continue
		}
		rep := board.Connector("twitter", "twitter/search/"+s.Name)
		stateKey := "twitter/search/" + s.Name + "/since_id"
		c := twitter.Config{BaseURL: first.BaseURL, BearerToken: first.BearerToken, UserID: first.UserID, BrandHandle: first.BrandHandle,
			Logger: logger, Threads: threads, HTTPClient: reportClient(rep),
			OnState: func(id string) {
				if err := log.PutState(stateKey, []byte(id)); err != nil {
					logger.Error("twitter: save since_id", "search", s.Name, "err", err)
				}
			}}
		p, err := twitter.NewSearchPoller(c, s)
		if err != nil {
			return err
		}
		if id, _ := log.GetState(stateKey); len(id) > 0 {
			if err := p.SetState(string(id)); err != nil {
				logger.Warn("twitter: saved since_id ignored", "search", s.Name, "err", err)
			}
		}
		ssink := reportSink{brandSink{sink, tc.Searches[i].Brand}, rep}
		goLead(ctx, bg, log, "twitter/search/"+s.Name, func(ctx context.Context) {
			if err := p.Run(ctx, ssink, every); err != nil && ctx.Err() == nil {
				rep.Error(err)
				logger.Error("twitter search poller stopped", "search", s.Name, "err", err)
			}
		})
		logger.Info("twitter search", "search", s.Name, "listen", s.Listen, "every", every)
	}
	return nil
}

// demoCalendar is the demo team's business calendar, as a config's
// "sla": {"calendars": {"default": …}} sets one: the team sits in Berlin,
// where its history is made (demo.History), with weekly hours of a care
// team that also works weekends, fewer hours. Its zone is the hub's day:
// the board's and My figures' "today" begins at midnight in Berlin.
var demoCalendar = sla.CalendarConfig{TimeZone: "Europe/Berlin", Hours: map[string]string{
	"mon-fri": "08:00-20:00", "sat": "10:00-16:00", "sun": "10:00-16:00"}}

// demoConfig points the connectors at the demo's loopback platforms; a
// section the config file already has is kept, and so is a default
// calendar the config's sla section names (else the demo's is added).
func demoConfig(cfg Config, p *demo.Platform) Config {
	var sc sla.Config
	if cfg.SLA != nil {
		sc = *cfg.SLA
	}
	if _, ok := sc.Calendars["default"]; !ok {
		cals := map[string]sla.CalendarConfig{"default": demoCalendar}
		for name, cc := range sc.Calendars {
			cals[name] = cc
		}
		sc.Calendars = cals
	}
	cfg.SLA = &sc
	if cfg.Twitter == nil {
		cfg.Twitter = &TwitterConfig{TwitterAccount: TwitterAccount{BaseURL: p.URL(), UserToken: "demo-user-token", ConsumerSecret: demo.XConsumerSecret,
			UserID: demo.XBrandID, BrandHandle: demo.XBrandHandle, PollEvery: "0"}}
	}
	if cfg.Facebook == nil {
		cfg.Facebook = &facebook.Config{GraphURL: p.URL(), PageID: demo.FBPageID, PageName: demo.FBPageName,
			PageAccessToken: "demo-page-token", AppSecret: demo.FBAppSecret, VerifyToken: "demo-verify"}
	}
	if cfg.Forum == nil {
		cfg.Forum = &ForumConfig{Feeds: p.Feeds(), PollEvery: "5s"}
	}
	cfg.Experts = append(cfg.Experts, demo.Experts...)
	cfg.ExpertDirectory = append(cfg.ExpertDirectory, demo.Directory(time.Now())...)
	return cfg
}
