package app_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/app"
	"switchboard/model"
)

// The console process of TestOutboxSurvivesKill9 is this test binary run
// again with these variables set.
const (
	crashEnvMode  = "SWITCHBOARD_CRASH_CHILD" // "enqueue" or "drain"
	crashEnvDir   = "SWITCHBOARD_CRASH_DIR"
	crashEnvHub   = "SWITCHBOARD_CRASH_HUB"
	crashEnvCases = "SWITCHBOARD_CRASH_CASES"
	crashEnvFrom  = "SWITCHBOARD_CRASH_FROM"
	crashEnvTo    = "SWITCHBOARD_CRASH_TO"
	crashEnvRound = "SWITCHBOARD_CRASH_ROUND"

	// crashBacklog is how many unanswered ops the console lets pile up
	// before it waits; an agent does not queue a thousand ops in a second.
	crashBacklog = 100
	crashCases   = 50
	crashKills   = 6
)

// TestOutboxCrashChild is the console process that TestOutboxSurvivesKill9
// starts and kills; in a normal run it is skipped. It queues notes
// crashEnvFrom..crashEnvTo-1 and prints "op <index> <op id>" after each Do
// has returned: from then on the op must reach the hub.
func TestOutboxCrashChild(t *testing.T) {
	mode := os.Getenv(crashEnvMode)
	if mode == "" {
		t.Skip("the console process of TestOutboxSurvivesKill9")
	}
	cases := strings.Split(os.Getenv(crashEnvCases), ",")
	from, _ := strconv.Atoi(os.Getenv(crashEnvFrom))
	to, _ := strconv.Atoi(os.Getenv(crashEnvTo))
	round := os.Getenv(crashEnvRound)

	core, err := app.Open(os.Getenv(crashEnvDir))
	if err != nil {
		t.Fatal(err)
	}
	defer core.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := core.Start(ctx, os.Getenv(crashEnvHub), "")
	defer func() { cancel(); <-done }()

	if mode == "enqueue" {
		// An op needs its case in the cache: the first life syncs first.
		for _, id := range cases {
			pollUntil(t, "case "+id+" in the cache", time.Minute, func() bool { _, err := core.Case(id); return err == nil })
		}
		for i := from; i < to; i++ {
			pollUntil(t, "room in the outbox", time.Minute, func() bool { return core.Pending() < crashBacklog })
			op, err := core.Do(model.Op{Kind: model.OpNote, CaseID: cases[i%len(cases)], Text: fmt.Sprintf("crash note %d round %s", i, round)})
			if err != nil {
				t.Fatalf("op %d: %v", i, err)
			}
			// One write: a kill leaves whole lines or none.
			fmt.Fprintf(os.Stdout, "op %d %s\n", i, op.ID)
		}
	}
	pollUntil(t, "outbox drained", 2*time.Minute, func() bool { return core.Pending() == 0 })
	if rs, err := core.Rejected(); err != nil || len(rs) > 0 {
		t.Fatalf("rejected ops: %+v, %v", rs, err)
	}
	fmt.Fprintln(os.Stdout, "drained")
}

// crashChild is one life of the console process.
type crashChild struct {
	cmd    *exec.Cmd
	lines  chan string
	stderr *bytes.Buffer
	other  []string // output besides op lines, for failure reports
}

func startCrashChild(t *testing.T, mode, dir, hubURL string, cases []string, from, to, round int) *crashChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestOutboxCrashChild$", "-test.count=1", "-test.timeout=5m")
	cmd.Env = append(os.Environ(),
		crashEnvMode+"="+mode, crashEnvDir+"="+dir, crashEnvHub+"="+hubURL,
		crashEnvCases+"="+strings.Join(cases, ","),
		crashEnvFrom+"="+strconv.Itoa(from), crashEnvTo+"="+strconv.Itoa(to), crashEnvRound+"="+strconv.Itoa(round))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &crashChild{cmd: cmd, lines: make(chan string, 64), stderr: &bytes.Buffer{}}
	cmd.Stderr = c.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(c.lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
	}()
	return c
}

// report describes the child's output for a failure message.
func (c *crashChild) report() string {
	return fmt.Sprintf("stdout:\n%s\nstderr:\n%s", strings.Join(c.other, "\n"), c.stderr.String())
}

// TestOutboxSurvivesKill9 runs the console as a separate process, kills it
// with SIGKILL at random points while it queues and sends notes, and
// starts it again until crashOps ops were queued; a last life only drains.
// Every op whose Do returned must be applied on the hub exactly once; an op
// that was inside Do at the kill may be applied or not, but at most once.
// Notes are used because a note's message id is its op id, so the hub's log
// shows how often each op was applied.
func TestOutboxSurvivesKill9(t *testing.T) {
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, 9))
	h := startLiveHub(t, t.TempDir())
	cases := h.seedCases(t, "crash", crashCases)
	dir := t.TempDir()
	start := time.Now()

	var reported []string // op ids by index
	type inDo struct{ index, round int }
	var interrupted []inDo // ops that may have been inside Do at a kill
	lives := 0
	for round := 0; len(reported) < crashOps; round++ {
		lives++
		from := len(reported)
		// Kill after killAt ops, or (the second life) after a random
		// 1–150 ms: while it opens the cache, syncs, or queues its first
		// ops. After crashKills lives the console queues the rest and is
		// killed right after its last Do, with ops still in flight.
		killAt, startup := crashOps-from, time.Duration(0)
		switch {
		case round == 1:
			startup = time.Duration(1+rng.IntN(150)) * time.Millisecond
		case round < crashKills:
			killAt = min(killAt, 1+rng.IntN(2*crashOps/crashKills))
		}
		c := startCrashChild(t, "enqueue", dir, h.url(), cases, from, crashOps, round)
		var once sync.Once
		var killed, stuck atomic.Bool
		kill := func() {
			once.Do(func() {
				killed.Store(true)
				_ = c.cmd.Process.Kill() // SIGKILL
			})
		}
		timers := []*time.Timer{time.AfterFunc(2*time.Minute, func() { stuck.Store(true); kill() })}
		if startup > 0 {
			timers = append(timers, time.AfterFunc(startup, kill))
		}
		got, failure := 0, ""
		for line := range c.lines {
			var i int
			var id string
			if _, err := fmt.Sscanf(line, "op %d %s", &i, &id); err != nil {
				c.other = append(c.other, line)
				continue
			}
			if i != from+got && failure == "" {
				failure = fmt.Sprintf("op %d reported after %d ops from %d", i, got, from)
				kill()
			}
			reported = append(reported, id)
			got++
			if got == killAt {
				// Somewhere in the next Do, fsync, send or ack.
				time.Sleep(time.Duration(rng.IntN(1500)) * time.Microsecond)
				kill()
			}
		}
		err := c.cmd.Wait()
		for _, tm := range timers {
			tm.Stop()
		}
		switch {
		case failure != "":
			t.Fatalf("round %d: %s\n%s", round, failure, c.report())
		case stuck.Load():
			t.Fatalf("round %d: console process stuck after %d ops\n%s", round, got, c.report())
		case !killed.Load():
			t.Fatalf("round %d: console process ended on its own: %v\n%s", round, err, c.report())
		}
		if len(reported) < crashOps {
			interrupted = append(interrupted, inDo{len(reported), round})
		}
		t.Logf("life %d: killed after %d ops (%d of %d queued)", round, got, len(reported), crashOps)
	}

	// The last life only drains what the earlier ones left in the outbox.
	c := startCrashChild(t, "drain", dir, h.url(), cases, 0, 0, -1)
	stuck := time.AfterFunc(3*time.Minute, func() { _ = c.cmd.Process.Kill() })
	defer stuck.Stop()
	var drained bool
	for line := range c.lines {
		if line == "drained" {
			drained = true
		} else {
			c.other = append(c.other, line)
		}
	}
	if err := c.cmd.Wait(); err != nil || !drained {
		t.Fatalf("draining console: %v, drained %v\n%s", err, drained, c.report())
	}
	t.Logf("%d ops over %d lives in %v", len(reported), lives+1, time.Since(start).Round(time.Millisecond))

	// Every reported op exactly once; nothing else but interrupted ops,
	// each at most once.
	assertAppliedOnce(t, h.log, reported)
	count, text := hubNotes(t, h.log)
	known := make(map[string]bool, len(reported))
	for _, id := range reported {
		known[id] = true
	}
	maybe := map[string]bool{}
	for _, op := range interrupted {
		maybe[fmt.Sprintf("crash note %d round %d", op.index, op.round)] = true
	}
	landed := 0
	for id, n := range count {
		if known[id] {
			continue
		}
		if !maybe[text[id]] || n != 1 {
			t.Errorf("hub has %d× note %s %q, which no Do in progress at a kill made", n, id, text[id])
			continue
		}
		delete(maybe, text[id]) // a second op of the same Do would be a duplicate
		landed++
	}
	t.Logf("%d of %d ops interrupted by a kill reached the hub", landed, len(interrupted))
	if n := len(count); n != len(reported)+landed {
		t.Errorf("hub holds %d distinct notes, want %d", n, len(reported)+landed)
	}

	// The console, opened once more, has nothing left and shows the hub's state.
	core, err := app.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer core.Close()
	if n := core.Pending(); n != 0 {
		t.Errorf("%d ops still pending after the drain", n)
	}
	if rs, err := core.Rejected(); err != nil || len(rs) != 0 {
		t.Errorf("rejected ops: %+v, %v", rs, err)
	}
	connectTo(t, core, h.url())
	waitCaughtUp(t, core, h, time.Minute)
	assertConverged(t, h, core)
}
