package hub

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"switchboard/internal/boltcheck"
)

// The hub checks hub.db and tokens.db before bbolt maps them: bbolt trusts
// its file, and a truncated one kills the process with SIGBUS or SIGSEGV.
// Every error names the file and says what to do.

// ErrDamaged is wrapped by the errors about a damaged hub.db or tokens.db.
var ErrDamaged = boltcheck.ErrDamaged

// LogMarker is the file, next to hub.db, that says the log once held
// events. While it exists the hub refuses an empty or missing hub.db, which
// would restart the log at 0 and make every console drop its cache, unless
// started afresh.
const LogMarker = "hub.db.had-events"

// LogOption changes how OpenBoltLog opens the log.
type LogOption func(*logOptions)

type logOptions struct {
	fresh     bool
	deepLimit int64
}

// StartFresh lets OpenBoltLog begin an empty log although the data folder
// shows that it held one (cmd/hub's --fresh). A damaged hub.db is still
// refused: move it aside first.
func StartFresh() LogOption { return func(o *logOptions) { o.fresh = true } }

// freshAdvice is what an operator can do about a lost or damaged log.
const freshAdvice = "restore it from a backup, or move it aside and start the hub with --fresh to begin an empty log (every console will then resync from scratch and drop its cache)"

// fileError is a damaged or lost file with the advice for it.
type fileError struct {
	prefix string // "hub" or "tokens"
	msg    string
	err    error // ErrDamaged, or the cause
}

func (e *fileError) Error() string { return e.prefix + ": " + e.msg }
func (e *fileError) Unwrap() error { return e.err }

func logDamaged(path, reason string) error {
	return &fileError{prefix: "hub", msg: fmt.Sprintf("%s is damaged (%s) — %s", path, reason, freshAdvice), err: ErrDamaged}
}

func tokensDamaged(path, reason string) error {
	return &fileError{prefix: "tokens", msg: fmt.Sprintf("%s is damaged (%s) — restore it from a backup, or move it aside and add the tokens again with `hub token add` (each agent then needs the new token)", path, reason), err: ErrDamaged}
}

// reason is the part of a boltcheck error that says what is wrong.
func reason(err error) string {
	var d *boltcheck.Damage
	if errors.As(err, &d) {
		return d.Reason
	}
	return err.Error()
}

// checkLog checks dir/hub.db before it is opened: a damaged file is
// refused, and so is an empty or missing one where the folder shows that a
// log existed.
func checkLog(dir, path string, o logOptions) error {
	info, err := boltcheck.Check(path, boltcheck.Options{Timeout: time.Second, DeepLimit: o.deepLimit})
	switch {
	case errors.Is(err, bolt.ErrTimeout):
		return fmt.Errorf("hub: %s: %w", path, ErrLogInUse)
	case errors.Is(err, boltcheck.ErrDamaged):
		return logDamaged(path, reason(err))
	case err != nil:
		return fmt.Errorf("hub: check %s: %w", path, err)
	case !info.Empty:
		return nil
	}
	held := heldData(dir, info.Size == 0 && fileExists(path))
	if held == "" {
		return nil
	}
	if o.fresh {
		// The marker is written again once the new log has events.
		if err := os.Remove(filepath.Join(dir, LogMarker)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("hub: %w", err)
		}
		return nil
	}
	state := "is missing"
	if fileExists(path) {
		state = "is empty (0 bytes)"
	}
	return &fileError{prefix: "hub", err: ErrDamaged, msg: fmt.Sprintf(
		"%s %s, but %s: the log was lost — restore hub.db from a backup, or start the hub with --fresh to begin an empty log (every console will then resync from scratch and drop its cache)",
		path, state, held)}
}

// heldData says why dir once had a log, or "". A missing hub.db next to
// tokens is a normal first start (tokens are made before the hub first
// runs); an empty one is not, as bbolt writes its first pages at once.
func heldData(dir string, emptyFile bool) string {
	if raw, err := os.ReadFile(filepath.Join(dir, LogMarker)); err == nil {
		why := fmt.Sprintf("%s says it held events", LogMarker)
		if head := markerHead(raw); head > 0 {
			why += fmt.Sprintf(" up to seq %d", head)
		}
		return why
	}
	if !emptyFile {
		return ""
	}
	kvs, _, err := boltcheck.Salvage(filepath.Join(dir, TokensFile), bucketTokens)
	if err == nil && len(kvs) > 0 {
		if len(kvs) == 1 {
			return fmt.Sprintf("%s holds a token", TokensFile)
		}
		return fmt.Sprintf("%s holds %d tokens", TokensFile, len(kvs))
	}
	return ""
}

const markerHeadPrefix = "head "

func markerHead(raw []byte) uint64 {
	for line := range strings.SplitSeq(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, markerHeadPrefix); ok {
			n, _ := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}

// markLog writes the marker once the log has events, and moves its head on
// at each open.
func markLog(dir string, head uint64) error {
	if head == 0 {
		return nil
	}
	path := filepath.Join(dir, LogMarker)
	if raw, err := os.ReadFile(path); err == nil && markerHead(raw) == head {
		return nil
	}
	text := fmt.Sprintf("This folder's hub.db holds the hub's event log.\n"+
		"While this file exists the hub refuses to start on an empty or missing hub.db\n"+
		"(every console would be told to resync), unless started with --fresh.\n"+
		"%s%d\nat %s\n", markerHeadPrefix, head, time.Now().UTC().Format(time.RFC3339))
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		return fmt.Errorf("hub: write %s: %w", path, err)
	}
	return nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// snapshotError names the log's file in an error of Snapshot; a record
// that does not decode means the file is damaged.
func snapshotError(path string, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &syn) || errors.As(err, &typ) || errors.Is(err, ErrDamaged) {
		return logDamaged(path, "snapshot: "+reason(err))
	}
	return fmt.Errorf("hub: snapshot of %s: %w", path, err)
}

// checkTokens checks tokens.db fully (it is small) before its first open.
func checkTokens(path string) error {
	_, err := boltcheck.Check(path, boltcheck.Options{Timeout: time.Second})
	switch {
	case errors.Is(err, bolt.ErrTimeout):
		return fmt.Errorf("tokens: %s stayed locked by another process for a second: %w", path, err)
	case errors.Is(err, boltcheck.ErrDamaged):
		return tokensDamaged(path, reason(err))
	case err != nil:
		return fmt.Errorf("tokens: check %s: %w", path, err)
	}
	return nil
}

// checkTokensMeta is the cheap check before each later open: the meta
// page against the file's size.
func checkTokensMeta(path string) error {
	st, err := os.Stat(path)
	if err != nil || st.Size() == 0 {
		return nil // bbolt creates it, or reports the error itself
	}
	if _, err := boltcheck.ReadMeta(path); err != nil {
		if errors.Is(err, boltcheck.ErrDamaged) {
			return tokensDamaged(path, reason(err))
		}
		return fmt.Errorf("tokens: check %s: %w", path, err)
	}
	return nil
}
