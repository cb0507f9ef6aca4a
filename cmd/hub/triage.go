package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"time"

	"switchboard/assist"
	"switchboard/sync/hub"
)

// runTriage is `hub triage`: JSON lines in, one triage line out per line
// (assist.RunTriageCLI). The model is the one OPENAI_API_KEY,
// OPENAI_BASE_URL and SWITCHBOARD_MODEL (or --config's "triage" section)
// name; without them, or with --offline, the offline classifier answers.
func runTriage(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("hub triage", flag.ContinueOnError)
	fs.SetOutput(stderr)
	offline := fs.Bool("offline", false, "use the offline classifier even when a model is configured")
	workers := fs.Int("workers", 0, "lines triaged at once (0: the number of CPUs; at least 4 with a model)")
	cfgPath := fs.String("config", "", "the hub's config file: its \"triage\" section names the model (the environment wins)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `usage: hub triage [--offline] [--workers N] [--config FILE] <in.jsonl >out.jsonl
  Reads {"id": …, "text": …, "lang"?: …, "channel"?: …} per line and writes
  {"id", "category", "sentiment", "sentiment_label", "urgency", "urgency_label",
   "troll", "spam", "relevant", "lang", "summary", "source"} per line, in order.

flags:
`)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("triage: unexpected argument %q (input is read from standard input)", fs.Arg(0))
	}
	tc, err := loadTriageConfig(*cfgPath)
	if err != nil {
		return err
	}
	cfg := assist.CLIConfig{Workers: *workers, Categories: tc.Categories}
	if c := tc.client(); c != nil && !*offline {
		cfg.Client = c
	}
	return assist.RunTriageCLI(ctx, stdin, stdout, cfg)
}

// TriageConfig is the "triage" section of the hub's config file. The
// environment (OPENAI_API_KEY, OPENAI_BASE_URL, SWITCHBOARD_MODEL) wins
// over it; with neither a key nor a base URL, triage is offline.
type TriageConfig struct {
	// Offline: the offline classifier only, even with a model configured.
	Offline bool   `json:"offline,omitempty"`
	BaseURL string `json:"base_url,omitempty"`
	Model   string `json:"model,omitempty"`
	// APIKey is better given as OPENAI_API_KEY than in a file.
	APIKey        string `json:"api_key,omitempty"`
	Timeout       string `json:"timeout,omitempty"` // one call, e.g. "20s"
	CallsPerHour  int    `json:"calls_per_hour,omitempty"`
	TokensPerHour int    `json:"tokens_per_hour,omitempty"`
	// Workers is how many model calls run at once (default 4).
	Workers    int      `json:"workers,omitempty"`
	Categories []string `json:"categories,omitempty"`
	// Canned are the team's canned answers for offline drafts.
	Canned []assist.Canned `json:"canned,omitempty"`
}

// loadTriageConfig reads the "triage" section of the config file (if
// any) and the environment.
func loadTriageConfig(path string) (TriageConfig, error) {
	var tc TriageConfig
	if path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return tc, fmt.Errorf("config: %w", err)
		}
		var f struct {
			Triage *TriageConfig `json:"triage"`
		}
		if err := json.Unmarshal(raw, &f); err != nil {
			return tc, fmt.Errorf("config %s: %w", path, err)
		}
		if f.Triage != nil { // its keys are checked like the rest of the file's (decodeConfig)
			var sec struct {
				Triage json.RawMessage `json:"triage"`
			}
			_ = json.Unmarshal(raw, &sec)
			dec := json.NewDecoder(bytes.NewReader(sec.Triage))
			dec.DisallowUnknownFields()
			if err := dec.Decode(new(TriageConfig)); err != nil {
				return tc, fmt.Errorf("config %s: triage: %w", path, unknownKey(err))
			}
		}
		if f.Triage != nil {
			tc = *f.Triage
		}
	}
	for name, dst := range map[string]*string{"OPENAI_API_KEY": &tc.APIKey, "OPENAI_BASE_URL": &tc.BaseURL, "SWITCHBOARD_MODEL": &tc.Model} {
		if v := os.Getenv(name); v != "" {
			*dst = v
		}
	}
	if tc.Timeout != "" {
		if d, err := time.ParseDuration(tc.Timeout); err != nil || d <= 0 {
			return tc, fmt.Errorf("config %s: triage: timeout %q: want a duration such as 20s", path, tc.Timeout)
		}
	}
	if tc.CallsPerHour < 0 || tc.TokensPerHour < 0 || tc.Workers < 0 {
		return tc, fmt.Errorf("config %s: triage: calls_per_hour, tokens_per_hour and workers must not be negative", path)
	}
	if tc.Categories != nil && !slices.Contains(tc.Categories, assist.CategoryOther) {
		return tc, fmt.Errorf("config %s: triage: categories must include %q", path, assist.CategoryOther)
	}
	return tc, nil
}

// client is the model client tc names, nil for offline triage.
func (tc TriageConfig) client() *assist.Client {
	if tc.Offline || tc.APIKey == "" && tc.BaseURL == "" {
		return nil
	}
	timeout, _ := time.ParseDuration(tc.Timeout)
	return assist.NewClient(assist.Config{APIKey: tc.APIKey, BaseURL: tc.BaseURL, Model: tc.Model, Timeout: timeout,
		CallsPerHour: tc.CallsPerHour, TokensPerHour: tc.TokensPerHour, Categories: tc.Categories})
}

// startTriage runs the hub's triager (every customer message, offline at
// once and by the model when one is configured) and answers the consoles'
// draft and summary requests; stop ends it (before the log closes).
func startTriage(ctx context.Context, cfgPath string, h *hub.Hub, srv *hub.Server, logger *slog.Logger) (stop func(), err error) {
	tc, err := loadTriageConfig(cfgPath)
	if err != nil {
		return nil, err
	}
	client := tc.client()
	tr := hub.NewTriager(h, hub.TriageConfig{Client: client, Categories: tc.Categories, Workers: tc.Workers})
	srv.SetAssistant(hub.NewAssistant(client, tc.Canned))
	srv.Mount("GET "+hub.AssistUsagePath, srv.AssistUsageHandler(tr))
	srv.Mount("POST "+hub.AssistPath, srv.AssistHandler())
	if client != nil {
		logger.Info("triage: offline at once, then the model", "model", client.Model(), "base_url", tc.BaseURL,
			"calls_per_hour", tc.CallsPerHour, "tokens_per_hour", tc.TokensPerHour)
	} else {
		logger.Info("triage: offline classifier (no model configured)")
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tr.Run(ctx)
	}()
	go func() {
		t := time.NewTicker(10 * time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s := tr.Stats()
				args := []any{"offline", s.Offline, "model", s.Model, "model_errors", s.ModelError, "skipped", s.Skipped, "queued", s.Queued}
				if u := tr.Usage(); u != nil {
					args = append(args, "usage", u.String())
				}
				logger.Info("triage", args...)
			}
		}
	}()
	return func() { cancel(); <-done }, nil
}
