// Command hub is Switchboard's backend: the event log, the sync websocket,
// and (with --demo) realistic traffic. It has no GUI and no cgo.
//
//	hub [--listen ADDR] [--data DIR] [--demo] [--tls-cert FILE --tls-key FILE] [--log-level LEVEL] [--max-conns N]
//	hub token add --agent NAME --role agent|lead [--data DIR]
//	hub token list [--data DIR]
//	hub token revoke --agent NAME | --id ID [--data DIR]
//	hub import-customers [--data DIR] FILE
//	hub triage [--offline] <in.jsonl >out.jsonl
//	hub migrate --nats URLS [--data DIR] [--nats-* flags]
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"switchboard/demo"
	"switchboard/sync/hub"
)

const defaultData = "hub-data"

// testHookServe, when set (by tests), is given the HTTP server before it
// serves.
var testHookServe func(*front)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if code := exitCode(err, os.Stderr); code != 0 {
		os.Exit(code)
	}
}

// exitCode prints err, unless the flag package has printed it already,
// and returns the exit status: 0, 1 for an error, 2 for wrong flags.
func exitCode(err error, stderr io.Writer) int {
	var printed flagError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &printed):
		return 2
	}
	fmt.Fprintln(stderr, errorLine(err))
	return 1
}

// flagError is a flag the flag package refused; it has printed the error
// and the usage.
type flagError struct{ err error }

func (e flagError) Error() string { return e.err.Error() }
func (e flagError) Unwrap() error { return e.err }

// parseFlags parses args into fs; an error other than -h is a flagError.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		return flagError{err}
	}
	return err
}

// errorLine is how main prints an error: once, after one "hub: ". The
// sync/hub package names itself in its errors, and its name is this
// command's, so "hub: " met again (also inside, where one of its errors
// wraps another) is said once.
func errorLine(err error) string {
	msg := strings.TrimPrefix(err.Error(), "hub: ")
	return "hub: " + strings.ReplaceAll(msg, ": hub: ", ": ")
}

// run is the whole program; serving stops when ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "token" {
		return runToken(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "import-customers" {
		return runImportCustomers(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "migrate" {
		return runMigrate(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "triage" {
		return runTriage(ctx, args[1:], os.Stdin, stdout, stderr)
	}
	return serve(ctx, args, stderr)
}

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("hub", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8750", "address to serve on")
	data := fs.String("data", defaultData, "folder of the hub's databases (hub.db, tokens.db)")
	demoOn := fs.Bool("demo", false, "seed demo customers and cases and keep producing traffic")
	fresh := fs.Bool("fresh", false, "begin an empty log although the data folder held one (hub.db missing or empty): every console resyncs")
	rate := fs.Float64("demo-rate", 4, "with --demo: new messages per minute")
	historyDays := fs.Int("demo-history-days", 30, "with --demo: days of past cases (answered, some late) an empty hub starts with, for the lead view; 0: none")
	certFile := fs.String("tls-cert", "", "serve TLS (wss://) with this PEM certificate chain; needs --tls-key")
	keyFile := fs.String("tls-key", "", "the PEM private key of --tls-cert")
	cfgPath := fs.String("config", "", "connector configuration file (JSON): X, Facebook, forum feeds; see README")
	retain := fs.Uint64("retain-events", 0, "keep at most this many events in the log (0: keep all); consoles further behind get a snapshot")
	compactEvery := fs.Duration("compact-every", 10*time.Minute, "with --retain-events: how often to compact")
	logLevel := fs.String("log-level", "info", "least level logged: debug, info, warn or error")
	lim := DefaultLimits
	fs.IntVar(&lim.MaxConns, "max-conns", lim.MaxConns, "open connections at most, websockets included; at the cap the longest-idle keep-alive one is closed for a new one")
	fs.DurationVar(&lim.HeaderTimeout, "header-timeout", lim.HeaderTimeout, "time a request has to send its headers")
	fs.DurationVar(&lim.BodyTimeout, "body-timeout", lim.BodyTimeout, "time a request has to send its body (not the sync websocket)")
	fs.DurationVar(&lim.IdleTimeout, "idle-timeout", lim.IdleTimeout, "how long an idle keep-alive connection is kept")
	bodyMemory := byteSize(lim.BodyMemory)
	fs.Var(&bodyMemory, "body-memory", "bytes of request bodies held at once per route group (webhooks, ingest, others); more: 503")
	nf := addNATSFlags(fs) // the log on NATS JetStream (nats.go)
	fs.Usage = func() {
		fmt.Fprint(stderr, `usage:
  hub [flags]                                        serve the sync websocket
  hub token add --agent NAME --role agent|lead [--data DIR]
  hub token list [--data DIR]
  hub token revoke --agent NAME | --id ID [--data DIR]
  hub import-customers [--data DIR] FILE             import CRM customers while stopped (-h for more)
  hub triage [--offline] <in.jsonl >out.jsonl        triage messages (JSON lines), offline or with the model
  hub migrate --nats URLS [--data DIR]               copy a stopped hub's log into NATS JetStream (docs/scale.md)

flags:
`)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (see hub -h)", fs.Arg(0))
	}
	var level slog.Level
	switch *logLevel {
	case "debug", "info", "warn", "error":
		_ = level.UnmarshalText([]byte(*logLevel))
	default:
		return fmt.Errorf("--log-level %q: want debug, info, warn or error", *logLevel)
	}
	if lim.MaxConns < 1 || lim.HeaderTimeout <= 0 || lim.BodyTimeout <= 0 || lim.IdleTimeout <= 0 {
		return errors.New("--max-conns and the timeouts must be above zero")
	}
	lim.BodyMemory = int64(bodyMemory)
	var tlsConf *tls.Config
	if *certFile != "" || *keyFile != "" {
		if *certFile == "" || *keyFile == "" {
			return errors.New("--tls-cert and --tls-key go together")
		}
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			return fmt.Errorf("TLS: %w", err)
		}
		tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	// Repeats of a WARN or ERROR line are throttled: refusals of what
	// unauthenticated peers send must not fill the disk.
	logger := slog.New(newQuietHandler(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})))
	slog.SetDefault(logger)

	// Listen first: a hub that cannot have its address starts nothing.
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *listen, err)
	}
	defer ln.Close() // also when a step below fails; Shutdown closes it too
	lim.MaxConns = fitConns(lim.MaxConns, logger)

	tokens, err := hub.OpenTokenStore(*data)
	if err != nil {
		return err
	}
	if recs, err := tokens.List(); err != nil {
		return err
	} else if countActive(recs) == 0 {
		logger.Warn("no tokens: every console will be refused; add one with `hub token add --agent NAME --role agent`", "data", *data)
	}
	var logOpts []hub.LogOption
	if *fresh {
		logOpts = append(logOpts, hub.StartFresh())
	}
	log, err := openHubLog(nf, *data, logOpts, logger) // bbolt, or JetStream with --nats
	if err != nil {
		return err
	}
	defer log.Close()
	if *retain > 0 && log.js != nil {
		return errors.New("--retain-events: the stream keeps every event; see docs/scale.md")
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	var gen *demo.Generator
	if *demoOn {
		// The demo's platforms run on loopback: the connectors talk to
		// them exactly as to the real ones.
		platform, err := demo.StartPlatform(ctx, logger)
		if err != nil {
			return err
		}
		cfg = demoConfig(cfg, platform)
		gen = &demo.Generator{Platform: platform, PerMinute: *rate, HistoryDays: *historyDays, Logger: logger}
	}
	h, err := log.newHub(hub.Config{Logger: logger, Experts: cfg.Experts, Reach: cfg.Reach})
	if err != nil {
		return err
	}
	srv := hub.NewServer(h, hub.DefaultTiming)
	srv.SetAuth(tokens)
	srv.Mount("POST "+hub.CustomersPath, srv.CustomersHandler())
	stopTriage, err := startTriage(ctx, *cfgPath, h, srv, logger) // triage.go
	if err != nil {
		return err
	}
	defer stopTriage() // before the log closes
	// bg is every goroutine of the hub's own that writes to the log (the
	// pollers, delivery, service levels, compaction, the demo): a stopping
	// hub waits for them before the log closes, so none is cut off in the
	// middle of a write ("log closed").
	var bg sync.WaitGroup
	// stopWorkers also when a step below fails; the wait comes after the
	// HTTP server's shutdown and before the log closes.
	ctx, stopWorkers := context.WithCancel(ctx)
	defer func() { stopWorkers(); waitWorkers(&bg, logger) }()
	if err := startConnectors(ctx, &bg, cfg, h, srv, log.state(), logger); err != nil {
		return err
	}
	if *retain > 0 {
		bg.Go(func() { compact(ctx, log.bolt, *retain, *compactEvery, logger) })
	}

	fr := newHTTPServer(ln, srv.Handler(), lim, tlsConf, logger)
	if testHookServe != nil {
		testHookServe(fr)
	}
	httpSrv := fr.Server
	errc := make(chan error, 1)
	scheme := "ws"
	if tlsConf != nil {
		scheme = "wss"
		go func() { errc <- httpSrv.ServeTLS(fr.Listener, "", "") }()
	} else {
		go func() { errc <- httpSrv.Serve(fr.Listener) }()
	}
	logger.Info("hub listening", "url", scheme+"://"+ln.Addr().String(), "data", *data, "demo", *demoOn, "max_conns", lim.MaxConns)

	if gen != nil {
		gen.Hub, gen.Handler = h, srv.Handler()
		if err := gen.Seed(ctx); err != nil {
			httpSrv.Close()
			return err
		}
		bg.Go(func() { gen.Run(ctx) })
		bg.Go(func() { gen.RunExperts(ctx) }) // the demo's community experts answer hand-offs
	}

	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	logger.Info("hub shutting down")
	srv.Close() // close frames to every console first
	shut, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := httpSrv.Shutdown(shut); err != nil {
		if !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		// A request still running, or a client that opened a connection
		// and sent nothing, does not make a stop a failure.
		logger.Warn("connections still busy at shutdown: closed", "after", shutdownGrace, "open", fr.Listener.Open())
		_ = httpSrv.Close()
	}
	return nil
}

// shutdownGrace is how long a stopping hub waits for requests in flight,
// and then for its own workers.
var shutdownGrace = 5 * time.Second

// waitWorkers waits for the hub's own goroutines (their context is done)
// for shutdownGrace at most: one that does not stop in time is named in
// the log, and the log closes under it.
func waitWorkers(bg *sync.WaitGroup, logger *slog.Logger) {
	done := make(chan struct{})
	go func() { bg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(shutdownGrace):
		logger.Warn("workers still busy at shutdown: the log closes under them", "after", shutdownGrace)
	}
}

func countActive(recs []hub.TokenRecord) int {
	n := 0
	for _, r := range recs {
		if r.Active() {
			n++
		}
	}
	return n
}

// runToken manages the hub's tokens. It works while the hub is serving:
// the hub does not hold tokens.db open (see sync/hub/tokens.go).
func runToken(args []string, stdout, stderr io.Writer) error {
	usage := "usage: hub token add|list|revoke [flags] (hub token CMD -h for its flags)"
	if len(args) == 0 {
		return errors.New(usage)
	}
	cmd, args := args[0], args[1:]
	fs := flag.NewFlagSet("hub token "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", defaultData, "folder of the hub's databases")
	var agent, role, id *string
	switch cmd {
	case "add":
		agent = fs.String("agent", "", "the agent's name (required)")
		role = fs.String("role", string(hub.RoleAgent), "agent or lead")
	case "list":
	case "revoke":
		agent = fs.String("agent", "", "revoke every active token of this agent")
		id = fs.String("id", "", "revoke the token with this id (see hub token list)")
	default:
		return fmt.Errorf("unknown token command %q; %s", cmd, usage)
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	store, err := hub.OpenTokenStore(*data)
	if err != nil {
		return err
	}
	switch cmd {
	case "add":
		if *agent == "" {
			return errors.New("token add: --agent is required")
		}
		r, err := hub.ParseRole(*role)
		if err != nil {
			return err
		}
		token, rec, err := store.Add(*agent, r)
		if err != nil {
			return err
		}
		// The token alone on the last line, so scripts can take it with
		// tail -n 1.
		fmt.Fprintf(stdout, "token %s for %s (%s), stored hashed in %s; it is shown only this once:\n%s\n",
			rec.ID, rec.Agent, rec.Role, store.Path(), token)
	case "list":
		recs, err := store.List()
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tAGENT\tROLE\tCREATED\tREVOKED")
		for _, r := range recs {
			revoked := "-"
			if !r.Active() {
				revoked = r.Revoked.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.Agent, r.Role, r.Created.Format(time.RFC3339), revoked)
		}
		return tw.Flush()
	case "revoke":
		var recs []hub.TokenRecord
		switch {
		case (*agent == "") == (*id == ""):
			return errors.New("token revoke: give either --agent NAME or --id ID")
		case *id != "":
			rec, err := store.RevokeID(*id)
			if err != nil {
				return err
			}
			recs = append(recs, rec)
		default:
			if recs, err = store.RevokeAgent(*agent); err != nil {
				return err
			}
		}
		for _, r := range recs {
			fmt.Fprintf(stdout, "revoked token %s of %s (%s)\n", r.ID, r.Agent, r.Role)
		}
	}
	return nil
}

// compact trims the log to the newest keep events now and then.
func compact(ctx context.Context, log *hub.BoltLog, keep uint64, every time.Duration, logger *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if h, err := log.Compact(keep); err != nil {
			logger.Error("compaction failed", "err", err)
		} else {
			logger.Info("log compacted", "horizon", h, "head", log.Head())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
