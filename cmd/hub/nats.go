package main

// The hub's log on NATS JetStream (docs/scale.md): --nats and its flags,
// or a --nats-config file, instead of bbolt's hub.db.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"switchboard/sync/hub"
)

// natsFlags are the flags of the JetStream log.
type natsFlags struct {
	fs                                  *flag.FlagSet
	urls, creds, user, password, config string
	stream, subjects, buckets, cache    string
	replicas                            int
	hubTTL                              time.Duration
}

// addNATSFlags registers the JetStream flags on fs.
func addNATSFlags(fs *flag.FlagSet) *natsFlags {
	f := &natsFlags{fs: fs}
	fs.StringVar(&f.urls, "nats", "", "keep the log on NATS JetStream at these URLs (nats://host:4222[,…]) instead of bbolt: several hubs serve one team (docs/scale.md)")
	fs.StringVar(&f.config, "nats-config", "", "JSON file of the JetStream settings (keys as the --nats-* flags: urls, creds, user, password, stream, subjects, buckets, replicas, cache, hub_ttl); flags given win")
	fs.StringVar(&f.creds, "nats-creds", "", "with --nats: credentials file (JWT and nkey seed)")
	fs.StringVar(&f.user, "nats-user", "", "with --nats: user name (the password from --nats-password or $SB_NATS_PASSWORD)")
	fs.StringVar(&f.password, "nats-password", "", "with --nats: password (better: $SB_NATS_PASSWORD, not shown in ps)")
	fs.StringVar(&f.stream, "nats-stream", "SB_EVENTS", "with --nats: the event stream")
	fs.StringVar(&f.subjects, "nats-subjects", "sb", "with --nats: the stream's subject prefix (<prefix>.case.<id>, <prefix>.cust.<id>)")
	fs.StringVar(&f.buckets, "nats-buckets", "SB", "with --nats: prefix of the KV buckets (<prefix>_OPS, _OPS_RECENT, _JOBS, _HUBS, _LEASES, _STATE)")
	fs.IntVar(&f.replicas, "nats-replicas", 1, "with --nats: replicas of the stream and buckets (3 on a three-node cluster)")
	fs.StringVar(&f.cache, "nats-cache", "", "with --nats: folder of this hub's local replica of the stream (default: DATA/js-cache)")
	fs.DurationVar(&f.hubTTL, "nats-hub-ttl", 10*time.Second, "with --nats: a hub that stops refreshing counts as gone after this; its sends are then reconciled")
	return f
}

// natsFile is the --nats-config file.
type natsFile struct {
	URLs     string `json:"urls"`
	Creds    string `json:"creds"`
	User     string `json:"user"`
	Password string `json:"password"`
	Stream   string `json:"stream"`
	Subjects string `json:"subjects"`
	Buckets  string `json:"buckets"`
	Replicas int    `json:"replicas"`
	Cache    string `json:"cache"`
	HubTTL   string `json:"hub_ttl"`
}

// jsConfig is the JetStream configuration, or ok false for bbolt.
func (f *natsFlags) jsConfig(data string, logger *slog.Logger) (cfg hub.JSConfig, ok bool, err error) {
	set := map[string]bool{}
	f.fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	cfg = hub.JSConfig{Stream: f.stream, Subjects: f.subjects, Buckets: f.buckets, Replicas: f.replicas, HubTTL: f.hubTTL, Logger: logger}
	if f.config != "" {
		raw, err := os.ReadFile(f.config)
		if err != nil {
			return cfg, false, fmt.Errorf("--nats-config: %w", err)
		}
		var nf natsFile
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&nf); err != nil {
			return cfg, false, fmt.Errorf("--nats-config %s: %w", f.config, err)
		}
		pick := func(dst *string, flagName, v string) {
			if v != "" && !set[flagName] {
				*dst = v
			}
		}
		cfg.URLs, cfg.Creds, cfg.User, cfg.Password, cfg.Cache = nf.URLs, nf.Creds, nf.User, nf.Password, nf.Cache
		pick(&cfg.Stream, "nats-stream", nf.Stream)
		pick(&cfg.Subjects, "nats-subjects", nf.Subjects)
		pick(&cfg.Buckets, "nats-buckets", nf.Buckets)
		if nf.Replicas > 0 && !set["nats-replicas"] {
			cfg.Replicas = nf.Replicas
		}
		if nf.HubTTL != "" && !set["nats-hub-ttl"] {
			if cfg.HubTTL, err = time.ParseDuration(nf.HubTTL); err != nil {
				return cfg, false, fmt.Errorf("--nats-config %s: hub_ttl: %w", f.config, err)
			}
		}
	}
	for name, v := range map[string]string{"nats": f.urls, "nats-creds": f.creds, "nats-user": f.user, "nats-password": f.password, "nats-cache": f.cache} {
		if !set[name] {
			continue
		}
		switch name {
		case "nats":
			cfg.URLs = v
		case "nats-creds":
			cfg.Creds = v
		case "nats-user":
			cfg.User = v
		case "nats-password":
			cfg.Password = v
		case "nats-cache":
			cfg.Cache = v
		}
	}
	if cfg.URLs == "" {
		for _, name := range []string{"nats-creds", "nats-user", "nats-password", "nats-cache", "nats-stream", "nats-subjects", "nats-buckets", "nats-replicas", "nats-hub-ttl"} {
			if set[name] {
				return cfg, false, fmt.Errorf("--%s needs --nats (or urls in --nats-config)", name)
			}
		}
		return cfg, false, nil
	}
	if cfg.Password == "" && cfg.User != "" {
		cfg.Password = os.Getenv("SB_NATS_PASSWORD")
	}
	if cfg.Creds != "" && cfg.User != "" {
		return cfg, false, errors.New("--nats-creds and --nats-user: give one")
	}
	if cfg.Replicas != 1 && cfg.Replicas != 3 && cfg.Replicas != 5 {
		return cfg, false, fmt.Errorf("--nats-replicas %d: want 1, 3 or 5", cfg.Replicas)
	}
	if cfg.HubTTL < time.Second {
		return cfg, false, errors.New("--nats-hub-ttl: at least 1s")
	}
	if cfg.Cache == "" {
		cfg.Cache = filepath.Join(data, "js-cache")
	}
	return cfg, true, nil
}

// hubLog is the hub's log as serve uses it: bolt is set on bbolt (the
// default), js on JetStream.
type hubLog struct {
	hub.EventLog
	bolt *hub.BoltLog
	js   *hub.JSLog
}

// openHubLog opens the log the flags choose.
func openHubLog(f *natsFlags, data string, opts []hub.LogOption, logger *slog.Logger) (hubLog, error) {
	cfg, ok, err := f.jsConfig(data, logger)
	if err != nil {
		return hubLog{}, err
	}
	if !ok {
		l, err := hub.OpenBoltLog(data, opts...)
		if err != nil {
			return hubLog{}, err
		}
		return hubLog{EventLog: l, bolt: l}, nil
	}
	l, err := hub.OpenJSLog(cfg)
	if err != nil {
		return hubLog{}, err
	}
	logger.Info("log on NATS JetStream", "stream", cfg.Stream, "replicas", cfg.Replicas, "head", l.Head(), "cache", cfg.Cache, "hub", l.ID())
	return hubLog{EventLog: l, js: l}, nil
}

// newHub builds the hub on its log.
func (l hubLog) newHub(cfg hub.Config) (*hub.Hub, error) {
	if l.js != nil {
		return hub.NewOnJS(l.js, cfg)
	}
	return hub.New(l.bolt, cfg)
}

// connState is where the connectors keep their state (a poller's
// since_id, feed ETags).
type connState interface {
	GetState(key string) ([]byte, error)
	PutState(key string, v []byte) error
}

// state is the connectors' state: hub.db on bbolt, a KV bucket on
// JetStream (a hub that takes over the pollers goes on where the last
// one stopped).
func (l hubLog) state() connState {
	if l.js != nil {
		return l.js
	}
	return l.bolt
}

// goLead runs a poller: on bbolt at once, on JetStream while this hub
// holds the poller's lease (one hub of the team polls; another takes over
// within --nats-hub-ttl of its stopping).
func goLead(ctx context.Context, bg *sync.WaitGroup, st connState, name string, run func(context.Context)) {
	if l, ok := st.(*hub.JSLog); ok {
		bg.Go(func() { l.Lead(ctx, name, run) })
		return
	}
	bg.Go(func() { run(ctx) })
}
