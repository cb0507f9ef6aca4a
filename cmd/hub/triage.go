package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"switchboard/assist"
)

// runTriage is `hub triage`: JSON lines in, one triage line out per line
// (assist.RunTriageCLI). The model is the one OPENAI_API_KEY,
// OPENAI_BASE_URL and SWITCHBOARD_MODEL name; without them, or with
// --offline, the offline classifier answers.
func runTriage(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("hub triage", flag.ContinueOnError)
	fs.SetOutput(stderr)
	offline := fs.Bool("offline", false, "use the offline classifier even when a model is configured")
	workers := fs.Int("workers", 0, "lines triaged at once (0: the number of CPUs; at least 4 with a model)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `usage: hub triage [--offline] [--workers N] <in.jsonl >out.jsonl
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
	cfg := assist.CLIConfig{Workers: *workers}
	if mc, ok := assist.ConfigFromEnv(); ok && !*offline {
		cfg.Client = assist.NewClient(mc)
	}
	return assist.RunTriageCLI(ctx, stdin, stdout, cfg)
}
