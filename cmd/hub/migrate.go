package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"switchboard/sync/hub"
)

// runMigrate copies a stopped bbolt hub's log, op ledger and delivery jobs
// into the JetStream stream and buckets (docs/scale.md). It is safe to run
// again: it goes on after what an earlier run copied.
func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("hub migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", defaultData, "folder of the bbolt hub's hub.db (the hub must be stopped)")
	nf := addNATSFlags(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, `usage: hub migrate --nats URLS [--data DIR] [--nats-* flags]

Copies the stopped hub's log (every event at the same seq), op ledger and
delivery jobs from DIR/hub.db into an empty stream; run again, it goes on
after what it copied. Then start the hubs with the same --nats flags.

flags:
`)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (see hub migrate -h)", fs.Arg(0))
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg, ok, err := nf.jsConfig(*data, logger)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("migrate: --nats (or urls in --nats-config) is required")
	}
	src, err := hub.OpenBoltLog(*data)
	if errors.Is(err, hub.ErrLogInUse) {
		return fmt.Errorf("%w: stop the hub first", err)
	}
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := hub.OpenJSLog(cfg)
	if err != nil {
		return err
	}
	defer dst.Close()
	fmt.Fprintf(stdout, "migrating %d events from %s to stream %s\n", src.Head(), *data, cfg.Stream)
	last := uint64(0)
	st, err := hub.MigrateToJS(src, dst, func(done, total uint64) {
		if done-last >= 50_000 || done == total {
			fmt.Fprintf(stdout, "  %d/%d events\n", done, total)
			last = done
		}
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "done in %s: %d events copied, %d were there already; %d op answers, %d delivery jobs written\n",
		st.Took.Round(1e6), st.Events, st.Skipped, st.Answers, st.Jobs)
	return nil
}
