// Command hub is Switchboard's backend: the event log, the sync websocket,
// and (with --demo) realistic traffic. It has no GUI and no cgo.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"switchboard/demo"
	"switchboard/sync/hub"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "hub:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("hub", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8750", "address to serve on")
	data := fs.String("data", "hub-data", "folder of the hub's database")
	demoOn := fs.Bool("demo", false, "seed demo customers and cases and keep producing traffic")
	rate := fs.Float64("demo-rate", 4, "with --demo: new messages per minute")
	if err := fs.Parse(args); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(logger)

	log, err := hub.OpenBoltLog(*data)
	if err != nil {
		return err
	}
	defer log.Close()
	h, err := hub.New(log, hub.Config{Logger: logger})
	if err != nil {
		return err
	}
	srv := hub.NewServer(h, hub.DefaultTiming)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *listen, err)
	}
	httpSrv := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	logger.Info("hub listening", "addr", ln.Addr().String(), "data", *data, "demo", *demoOn)

	if *demoOn {
		g := &demo.Generator{Hub: h, PerMinute: *rate, Logger: logger}
		if err := g.Seed(); err != nil {
			return err
		}
		go g.Run(ctx)
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
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return httpSrv.Shutdown(shut)
}
