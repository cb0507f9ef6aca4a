package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"switchboard/sync/hub"
)

const importUsage = `usage: hub import-customers [--data DIR] [--map MAP] FILE

Imports CRM customer records from FILE, CSV or JSON (by its extension,
.csv or .json, else by its content; see docs/crm.md), into the hub's
database while the hub is stopped. While it serves, send the file to
POST /v1/customers with a lead's token instead.

Records are upserted by customer number: a record already there as it is
counts as unchanged, so the same file can be imported again. Rejected rows
are listed with their line and reason and the rest are imported; the exit
status is 0 then too. It is non-zero only when the file cannot be read at
all (no header, a required column missing, not CSV or JSON) or the
database cannot be opened.

Columns named as the hub names them, or by a common alias (customer_no,
kundennummer, first_name + last_name, e-mail, ...), are found by
themselves. Others are named with --map: a file (.json, an object of
source column to hub column, {"kdnr": "customer_number",
"vorname+nachname": "name"}) or the same inline, as POST /v1/customers
takes it in ?map=: kdnr:customer_number,vorname+nachname:name.

flags:
`

// runImportCustomers is `hub import-customers`.
func runImportCustomers(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("hub import-customers", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", defaultData, "folder of the hub's databases")
	mapping := fs.String("map", "", "column map: a JSON `FILE` or source:target pairs (see above)")
	fs.Usage = func() {
		fmt.Fprint(stderr, importUsage)
		fs.PrintDefaults()
	}
	// Flags may come before and after the file.
	var files []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		files, args = append(files, fs.Arg(0)), fs.Args()[1:]
	}
	if len(files) != 1 {
		return errors.New("import-customers takes one FILE (see hub import-customers -h)")
	}
	path := files[0]
	var opt hub.ImportOptions
	if *mapping != "" {
		m, err := columnMap(*mapping)
		if err != nil {
			return err
		}
		opt.Columns = m
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	// A mistyped --data would otherwise make a new, empty hub database.
	if _, err := os.Stat(*data); err != nil {
		return fmt.Errorf("data folder: %w (see --data)", err)
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	h, log, err := openHub(*data, hub.Config{Logger: logger})
	if err != nil {
		return err
	}
	defer log.Close()
	rep, err := hub.ImportCustomersWith(h, contentTypeOf(path), f, opt)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	printReport(stdout, path, rep)
	return nil
}

// openHub opens the hub's log in dir and the hub on it, as serve does.
// A hub serving from dir holds the log's lock.
func openHub(dir string, cfg hub.Config) (*hub.Hub, *hub.BoltLog, error) {
	log, err := hub.OpenBoltLog(dir)
	if errors.Is(err, hub.ErrLogInUse) {
		return nil, nil, fmt.Errorf("%w: the hub is running; use POST %s", err, hub.CustomersPath)
	}
	if err != nil {
		return nil, nil, err
	}
	h, err := hub.New(log, cfg)
	if err != nil {
		log.Close()
		return nil, nil, err
	}
	return h, log, nil
}

// columnMap reads --map: a JSON file when it names one (or ends in .json),
// else the inline form.
func columnMap(arg string) (hub.ColumnMap, error) {
	if st, err := os.Stat(arg); err == nil && !st.IsDir() || strings.EqualFold(filepath.Ext(arg), ".json") {
		b, err := os.ReadFile(arg)
		if err != nil {
			return nil, fmt.Errorf("--map: %w", err)
		}
		m, err := hub.ParseColumnMapJSON(b)
		if err != nil {
			return nil, fmt.Errorf("--map %s: %w", arg, err)
		}
		return m, nil
	}
	m, err := hub.ParseColumnMap(arg)
	if err != nil {
		return nil, fmt.Errorf("--map: %w", err)
	}
	return m, nil
}

func contentTypeOf(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return "text/csv"
	case ".json":
		return "application/json"
	}
	return "" // sniffed
}

func printReport(w io.Writer, path string, rep hub.ImportReport) {
	fmt.Fprintf(w, "%s: %d accepted (new or changed), %d unchanged, %d rejected\n",
		path, rep.Accepted, rep.Unchanged, rep.RejectedTotal)
	for _, col := range slices.Sorted(maps.Keys(rep.Columns)) {
		fmt.Fprintf(w, "column %s read from %s\n", col, rep.Columns[col])
	}
	for _, r := range rep.Rejected {
		who := "customer " + r.CustomerNumber
		if r.CustomerNumber == "" {
			who = "no customer number"
		}
		fmt.Fprintf(w, "line %d (%s): %s\n", r.Line, who, r.Reason)
	}
	if rep.ReportTruncated {
		fmt.Fprintf(w, "(the first %d rejected rows are listed)\n", len(rep.Rejected))
	}
}
