package hub

// JSLog: the EventLog on a NATS JetStream stream, for several hubs serving
// one team (docs/scale.md).
//
// Every event is one stream message, on the subject of its case
// (<prefix>.case.<case id>) or customer (<prefix>.cust.<id>); the stream
// sequence is the event's seq, so the log is gap-free and every hub hands
// consoles the same cursor. The stream never deletes a message (DenyDelete,
// DenyPurge, no limits): a gap would break every console's cursor.
//
// Each hub folds the whole stream, in order, into a local bbolt replica
// (a BoltLog in the cache folder, rebuilt from the stream when lost); reads
// (Read, Thread, Case, Seen, Snapshot, LoadIndex) are the replica's. A
// write publishes and returns once the replica holds it, so the hub reads
// its own writes. A read of a case first asks the stream for the newest
// seq of the case's subject and waits for the replica to hold it; the
// write that follows expects that seq as the subject's last
// (Nats-Expected-Last-Subject-Sequence): of two hubs changing one case at
// once, exactly one succeeds and the other gets ErrConflict (the hub
// answers nothing, the client resends, and the op is looked at afresh).
//
// Every publish carries a Nats-Msg-Id: an op's events are named by agent,
// op id and index (a repeat through another hub within the duplicate
// window is recognised by the stream, and completes a half-published op),
// a platform message by channel and platform id, a new case by its
// thread (two hubs ingesting one new thread open one case), anything else
// by a fresh id kept across retries of the same publish.
//
// The op ledger is a KV bucket keyed (agent, op id): answers with events
// are kept for good (beyond the stream's duplicate window), answers that
// changed nothing in a second bucket whose entries expire after OpWindow.
// The answer and the delivery jobs of an op also travel in its last
// event's message, so that a hub dying between publishing and writing the
// ledger loses neither: every other hub that folds the message writes what
// is missing (create-only, so nothing is overwritten).
//
// Delivery jobs are a KV bucket; a hub takes a job by writing it as
// sending with the revision it read (one hub wins), and a job left
// sending by a hub that is no longer alive (the hubs bucket, refreshed
// every HubTTL/4) is reconciled by a survivor (ReconcileOrphans).

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"switchboard/model"
)

// JSConfig says where the stream is and how the hub's log lives on it.
type JSConfig struct {
	// URLs: one or more nats:// URLs, comma-separated.
	URLs string
	// Creds is a .creds file (JWT + nkey); or User and Password.
	Creds, User, Password string
	// Stream names the event stream (default SB_EVENTS); Subjects is its
	// subject prefix (default "sb").
	Stream, Subjects string
	// Buckets prefixes the KV buckets: <Buckets>_OPS, _OPS_RECENT, _JOBS,
	// _HUBS, _LEASES, _STATE (default "SB").
	Buckets string
	// Replicas of the stream and buckets: 1, or 3 on a three-node cluster.
	Replicas int
	// DupWindow is the stream's duplicate window (default 2 minutes).
	DupWindow time.Duration
	// Cache is the folder of this hub's local replica of the stream.
	Cache string
	// HubTTL is how long a hub that stopped refreshing counts as alive
	// (default 10 s); its sending jobs are reconciled after it.
	HubTTL time.Duration
	// Timeout bounds one call to the server, retries included (default 20 s).
	Timeout time.Duration
	Logger  *slog.Logger
	// Conn, when set, is used instead of dialling URLs (tests); it is not
	// closed by Close.
	Conn *nats.Conn
}

func (c *JSConfig) defaults() {
	if c.Stream == "" {
		c.Stream = "SB_EVENTS"
	}
	if c.Subjects == "" {
		c.Subjects = "sb"
	}
	if c.Buckets == "" {
		c.Buckets = "SB"
	}
	if c.Replicas <= 0 {
		c.Replicas = 1
	}
	if c.DupWindow <= 0 {
		c.DupWindow = 2 * time.Minute
	}
	if c.HubTTL <= 0 {
		c.HubTTL = 10 * time.Second
	}
	if c.Timeout <= 0 {
		c.Timeout = 20 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// ErrConflict: another hub changed what this write was based on (or
// stored the same platform message or new thread first). Nothing of the
// write is applied; done again, it reads the other hub's change.
var ErrConflict = errors.New("hub: another hub changed it first")

// ErrJobTaken: another hub took the delivery job first.
var ErrJobTaken = errors.New("hub: the delivery job was taken by another hub")

// JSLog is the EventLog on JetStream. It also implements what the hub
// needs beyond EventLog (stateLog) and the hub's fold of other hubs'
// events (OnFold).
type JSLog struct {
	cfg     JSConfig
	nc      *nats.Conn
	ownConn bool
	js      jetstream.JetStream
	stream  jetstream.Stream
	ops     jetstream.KeyValue // permanent answers
	recent  jetstream.KeyValue // answers that expire
	jobs    jetstream.KeyValue
	hubs    jetstream.KeyValue
	leases  jetstream.KeyValue
	state   jetstream.KeyValue // connectors' state
	rep     *BoltLog
	id      string // this instance, in the hubs bucket and Sb-Hub headers

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// applied is the replica's committed head; changed is closed and
	// replaced whenever it moves or the tail fails.
	mu       sync.Mutex
	applied  atomic.Uint64
	changed  chan struct{}
	tailErr  error
	readSeq  map[string]uint64 // case id → its subject's seq when last read
	hubFn    func([]model.Event)
	foldFn   func([]model.Event)
	foldQ    []model.Event
	repairQ  []jsEnvelope
	kickFold chan struct{}
	kickRep  chan struct{}
	// kickTail: a writer waited tailStall for the replica (tailOnce's
	// watchdog restarts a tail that stalled).
	kickTail chan struct{}
	moved    atomic.Int64 // when applied last moved (Unix ns)

	jobMu   sync.Mutex
	jobView map[string]jsJobRec // job id → newest known record

	// opAnswersPerAgent overrides OpAnswersPerAgent (tests).
	opAnswersPerAgent int
	// Test seams: testBeforeRecord runs between an op's publish and the
	// write of its ledger entry and jobs (an error: the hub dies there);
	// testRecord before each write of an op's ledger entry and jobs (an
	// error: those writes fail so).
	testBeforeRecord, testRecord atomic.Pointer[func() error]
	// testThread runs at the start of Thread (an error: the read fails so).
	testThread atomic.Pointer[func() error]
}

// jsEnvelope is one stream message: an event, and on the last event of an
// op its answer and delivery jobs.
type jsEnvelope struct {
	Ev    model.Event `json:"ev"`
	Agent string      `json:"agent,omitempty"`
	Op    *OpAnswer   `json:"op,omitempty"`
	Jobs  []Job       `json:"jobs,omitempty"`
	seq   uint64
}

// jsJobRec is a job as the jobs bucket holds it.
type jsJobRec struct {
	Job
	Owner string `json:"owner,omitempty"` // the hub instance sending it
	rev   uint64
}

const (
	hdrHub = "Sb-Hub" // the hub instance that published
	hdrPub = "Sb-Pub" // one publish, across its retries
)

// OpenJSLog connects to the stream, creates the stream and buckets if
// they are not there, and brings the local replica up to the stream's
// head before it returns.
func OpenJSLog(cfg JSConfig) (*JSLog, error) {
	cfg.defaults()
	if cfg.Cache == "" {
		return nil, errors.New("hub: the JetStream log needs a cache folder for its replica")
	}
	l := &JSLog{cfg: cfg, id: uuid.NewString(), changed: make(chan struct{}), readSeq: map[string]uint64{},
		kickFold: make(chan struct{}, 1), kickRep: make(chan struct{}, 1), kickTail: make(chan struct{}, 1), jobView: map[string]jsJobRec{}}
	l.ctx, l.cancel = context.WithCancel(context.Background())
	ok := false
	defer func() {
		if !ok {
			l.Close()
		}
	}()
	if cfg.Conn != nil {
		l.nc = cfg.Conn
	} else {
		opts := []nats.Option{nats.Name("switchboard-hub"), nats.MaxReconnects(-1), nats.ReconnectWait(250 * time.Millisecond),
			nats.RetryOnFailedConnect(false)}
		if cfg.Creds != "" {
			opts = append(opts, nats.UserCredentials(cfg.Creds))
		} else if cfg.User != "" {
			opts = append(opts, nats.UserInfo(cfg.User, cfg.Password))
		}
		nc, err := nats.Connect(cfg.URLs, opts...)
		if err != nil {
			return nil, fmt.Errorf("hub: connect to NATS %s: %w", cfg.URLs, err)
		}
		l.nc, l.ownConn = nc, true
	}
	if err := checkServer(l.nc); err != nil {
		return nil, err
	}
	js, err := jetstream.New(l.nc)
	if err != nil {
		return nil, fmt.Errorf("hub: JetStream: %w", err)
	}
	l.js = js
	ctx, cancel := context.WithTimeout(l.ctx, cfg.Timeout)
	defer cancel()
	want := jetstream.StreamConfig{
		Name: cfg.Stream, Subjects: []string{cfg.Subjects + ".>"}, Storage: jetstream.FileStorage,
		Replicas: cfg.Replicas, Duplicates: cfg.DupWindow, Retention: jetstream.LimitsPolicy,
		MaxMsgs: -1, MaxBytes: -1, DenyDelete: true, DenyPurge: true, AllowDirect: true,
		Description: "Switchboard hub event log: stream sequence = event seq",
	}
	err = retry(ctx, func(ctx context.Context) error {
		s, err := js.Stream(ctx, cfg.Stream)
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			s, err = js.CreateStream(ctx, want)
		} else if err == nil {
			if c := s.CachedInfo().Config; c.Replicas != want.Replicas || c.Duplicates != want.Duplicates || !slices.Equal(c.Subjects, want.Subjects) {
				s, err = js.UpdateStream(ctx, want)
			}
		}
		l.stream = s
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("hub: create stream %s: %w", cfg.Stream, err)
	}
	for _, b := range []struct {
		kv   *jetstream.KeyValue
		name string
		ttl  time.Duration
	}{{&l.ops, "_OPS", 0}, {&l.recent, "_OPS_RECENT", OpWindow}, {&l.jobs, "_JOBS", 0},
		{&l.hubs, "_HUBS", cfg.HubTTL}, {&l.leases, "_LEASES", cfg.HubTTL}, {&l.state, "_STATE", 0}} {
		name := cfg.Buckets + b.name
		err := retry(ctx, func(ctx context.Context) error {
			kv, err := js.KeyValue(ctx, name)
			if errors.Is(err, jetstream.ErrBucketNotFound) {
				kv, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: name, History: 1,
					TTL: b.ttl, Replicas: cfg.Replicas, Storage: jetstream.FileStorage})
			}
			*b.kv = kv
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("hub: create KV bucket %s: %w", name, err)
		}
	}
	if err := l.openReplica(ctx); err != nil {
		return nil, err
	}
	if err := l.heartbeat(ctx); err != nil {
		return nil, err
	}
	if err := l.loadJobs(ctx); err != nil {
		return nil, err
	}
	info, err := l.stream.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("hub: stream %s: %w", cfg.Stream, err)
	}
	l.wg.Add(4)
	go l.tail()
	go l.foldLoop()
	go l.repairLoop()
	go l.beat()
	if err := l.waitApplied(info.State.LastSeq); err != nil {
		return nil, fmt.Errorf("hub: catch up with stream %s: %w", cfg.Stream, err)
	}
	ok = true
	return l, nil
}

// minClusterVersion is the oldest nats-server whose clusters the hub
// runs on. Before 2.9.21 a clustered stream checked an expected
// last-subject sequence (Nats-Expected-Last-Subject-Sequence, and so
// every KV create and update over a revision) only before its Raft
// proposal, not as part of it: of concurrent writes expecting one
// sequence several could be stored (nats-server issue 4320, fixed in
// 2.9.21). Two hubs could then both take one delivery job and post a
// reply twice, or both win one claim. TestJSProcFailover saw it on
// Debian 12's 2.9.10 (a reply posted twice); one node, not clustered,
// checks every write in order and is fine.
var minClusterVersion = [3]int{2, 9, 21}

// checkServer refuses a cluster of a nats-server older than
// minClusterVersion (as the server the hub is connected to reports it).
func checkServer(nc *nats.Conn) error {
	cluster := nc.ConnectedClusterName()
	if cluster == "" {
		return nil
	}
	v := nc.ConnectedServerVersion()
	if versionAtLeast(v, minClusterVersion) {
		return nil
	}
	return fmt.Errorf("hub: nats-server %s in cluster %q: a cluster before nats-server %d.%d.%d does not serialise writes that expect a subject's last sequence "+
		"(nats-server issue 4320), so two hubs could both take one delivery job or win one claim; run %d.%d.%d or later on the cluster "+
		"(Debian 12's 2.9.10 serves one node, not a cluster; docs/scale.md)", v, cluster,
		minClusterVersion[0], minClusterVersion[1], minClusterVersion[2], minClusterVersion[0], minClusterVersion[1], minClusterVersion[2])
}

// versionAtLeast reports whether version ("2.9.10", "2.10.3-beta") is at
// least min; an unreadable one is not.
func versionAtLeast(version string, min [3]int) bool {
	core, _, _ := strings.Cut(strings.TrimPrefix(version, "v"), "-")
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return false
		}
		if n != min[i] {
			return n > min[i]
		}
	}
	return true
}

// openReplica opens the local replica; one that is damaged, or does not
// belong to this stream (ahead of it), is dropped and rebuilt.
func (l *JSLog) openReplica(ctx context.Context) error {
	info, err := l.stream.Info(ctx)
	if err != nil {
		return fmt.Errorf("hub: stream %s: %w", l.cfg.Stream, err)
	}
	if info.State.FirstSeq > 1 && info.State.Msgs > 0 {
		return fmt.Errorf("hub: stream %s starts at seq %d: a hub's log must keep every event (no limits on the stream)", l.cfg.Stream, info.State.FirstSeq)
	}
	for try := 0; ; try++ {
		rep, err := OpenBoltLog(l.cfg.Cache, StartFresh())
		if err == nil && rep.Head() <= info.State.LastSeq {
			l.rep = rep
			break
		}
		if errors.Is(err, ErrLogInUse) || try > 0 {
			if err == nil {
				rep.Close()
				err = fmt.Errorf("replica at %d is ahead of the stream at %d", rep.Head(), info.State.LastSeq)
			}
			return fmt.Errorf("hub: local replica in %s: %w", l.cfg.Cache, err)
		}
		if err == nil {
			rep.Close()
		}
		l.cfg.Logger.Warn("hub: local replica dropped, rebuilt from the stream", "folder", l.cfg.Cache, "err", err)
		for _, f := range []string{"hub.db", ".hub-log"} {
			os.Remove(filepath.Join(l.cfg.Cache, f))
		}
	}
	// The replica is a cache of the stream: it need not reach the disk
	// before a write is answered (the stream has it), only be whole; a
	// replica damaged by a machine crash is dropped and rebuilt above.
	l.rep.db.NoSync = true
	l.applied.Store(l.rep.Head())
	l.moved.Store(time.Now().UnixNano())
	l.rep.OnCommit(func(evs []model.Event) {
		l.mu.Lock()
		l.applied.Store(evs[len(evs)-1].Seq)
		l.moved.Store(time.Now().UnixNano())
		close(l.changed)
		l.changed = make(chan struct{})
		f := l.hubFn
		l.mu.Unlock()
		if f != nil {
			f(evs)
		}
	})
	return nil
}

// tail folds the stream into the replica, in order, from the replica's head.
func (l *JSLog) tail() {
	defer l.wg.Done()
	for l.ctx.Err() == nil {
		err := l.tailOnce()
		if l.ctx.Err() != nil {
			return
		}
		if errors.Is(err, errTailFatal) {
			l.fail(err)
			return
		}
		l.cfg.Logger.Warn("hub: stream tail restarts", "err", err)
		select {
		case <-l.ctx.Done():
		case <-time.After(250 * time.Millisecond):
		}
	}
}

var errTailFatal = errors.New("hub: the stream and the replica disagree")

func (l *JSLog) tailOnce() error {
	// From the replica's newest queued event: what it queued before a
	// restart of the tail is on its way to its disk.
	l.rep.q.mu.Lock()
	next := l.rep.q.reserved + 1
	l.rep.q.mu.Unlock()
	cons, err := l.stream.OrderedConsumer(l.ctx, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: next})
	if err != nil {
		return err
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(1024))
	if err != nil {
		return err
	}
	stopped := make(chan struct{})
	defer close(stopped)
	defer it.Stop()
	l.moved.Store(time.Now().UnixNano()) // a new consumer gets tailStall to deliver
	var stalled atomic.Bool
	go func() {
		// The watchdog: an ordered consumer whose server died can stay
		// silent without an error (TestJSProcFailover saw a hub's tail
		// stop for good when the stream's leader node was killed, every
		// write of the hub then timing out). A tail that has not moved
		// for tailStall while a writer waits for it, or while the stream
		// is ahead of it, is started again from the replica's head.
		t := time.NewTicker(tailStall)
		defer t.Stop()
		for {
			select {
			case <-l.ctx.Done():
				it.Stop()
				return
			case <-stopped:
				return
			case <-l.kickTail:
			case <-t.C:
				if time.Since(time.Unix(0, l.moved.Load())) < tailStall || !l.behind() {
					continue
				}
			}
			if time.Since(time.Unix(0, l.moved.Load())) >= tailStall {
				stalled.Store(true)
				it.Stop()
				return
			}
		}
	}()
	for {
		msg, err := it.Next()
		if err != nil {
			if stalled.Load() {
				return fmt.Errorf("stalled at event %d for %v: %w", next-1, tailStall, err)
			}
			return err
		}
		meta, err := msg.Metadata()
		if err != nil {
			return err
		}
		seq := meta.Sequence.Stream
		if seq < next {
			continue
		}
		if seq > next {
			return fmt.Errorf("%w: event %d follows %d in the stream", errTailFatal, seq, next-1)
		}
		var env jsEnvelope
		if err := json.Unmarshal(msg.Data(), &env); err != nil {
			return fmt.Errorf("%w: decode event %d: %v", errTailFatal, seq, err)
		}
		env.Ev.Seq, env.seq = seq, seq
		stored, _, err := l.rep.AppendAsync([]model.Event{env.Ev})
		if err != nil {
			return fmt.Errorf("%w: %v", errTailFatal, err)
		}
		if stored[0].Seq != seq {
			return fmt.Errorf("%w: replica gave event %d seq %d", errTailFatal, seq, stored[0].Seq)
		}
		next = seq + 1
		if msg.Headers().Get(hdrHub) != l.id {
			l.foreign(stored[0], env, meta.Timestamp)
		}
	}
}

// foreign queues another hub's event for the hub's fold and, when it is
// an op's last event and recent, the repair of its ledger entry and jobs.
func (l *JSLog) foreign(ev model.Event, env jsEnvelope, at time.Time) {
	l.mu.Lock()
	if l.foldFn != nil && (ev.Case != nil || ev.Customer != nil) {
		l.foldQ = append(l.foldQ, ev)
	}
	repair := (env.Op != nil || len(env.Jobs) > 0) && time.Since(at) < time.Hour
	if repair {
		l.repairQ = append(l.repairQ, env)
	}
	l.mu.Unlock()
	kick(l.kickFold)
	if repair {
		kick(l.kickRep)
	}
}

func kick(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

func (l *JSLog) fail(err error) {
	l.mu.Lock()
	if l.tailErr == nil {
		l.tailErr = err
	}
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
	l.cfg.Logger.Error("hub: stream tail stopped", "err", err)
}

// foldLoop hands other hubs' events to the hub once the replica holds them.
func (l *JSLog) foldLoop() {
	defer l.wg.Done()
	for {
		select {
		case <-l.ctx.Done():
			return
		case <-l.kickFold:
		}
		for {
			l.mu.Lock()
			evs, f := l.foldQ, l.foldFn
			l.foldQ = nil
			l.mu.Unlock()
			if len(evs) == 0 || f == nil {
				break
			}
			if l.waitApplied(evs[len(evs)-1].Seq) != nil {
				return
			}
			f(evs)
		}
	}
}

// repairLoop writes the ledger entries and jobs of other hubs' ops that
// are missing (their hub stopped between publishing and writing them).
func (l *JSLog) repairLoop() {
	defer l.wg.Done()
	for {
		select {
		case <-l.ctx.Done():
			return
		case <-l.kickRep:
		}
		for {
			l.mu.Lock()
			envs := l.repairQ
			l.repairQ = nil
			l.mu.Unlock()
			if len(envs) == 0 {
				break
			}
			var failed []jsEnvelope
			for _, env := range envs {
				if err := l.record(env.Agent, env.Op, env.seq, env.Jobs); err != nil && l.ctx.Err() == nil {
					l.cfg.Logger.Warn("hub: repair op ledger, will retry", "op", env.Op, "err", err)
					failed = append(failed, env)
				}
			}
			if len(failed) > 0 {
				// Dropped, a job would be lost for good: the hub whose op
				// it is may be dead, and no one folds the op again.
				l.mu.Lock()
				l.repairQ = append(failed, l.repairQ...)
				l.mu.Unlock()
				select {
				case <-l.ctx.Done():
					return
				case <-time.After(repairRetry):
				}
			}
		}
	}
}

// record writes an op's answer (with its seq) and its jobs, create-only.
// The jobs are written whatever becomes of the answer (a reply without
// its job is never sent); what fails is written again by the repair loop
// (queueRepair), not here: the hub answers the op meanwhile.
func (l *JSLog) record(agent string, a *OpAnswer, seq uint64, jobs []Job) error {
	ctx, cancel := context.WithTimeout(l.ctx, l.cfg.Timeout)
	defer cancel()
	if f := l.testRecord.Load(); f != nil {
		if err := (*f)(); err != nil {
			return err
		}
	}
	var errs []error
	for _, j := range jobs {
		if _, err := l.putJobRec(ctx, jsJobRec{Job: j}, opJobWrite(j)); err != nil && !errors.Is(err, ErrJobTaken) {
			errs = append(errs, fmt.Errorf("job %s: %w", j.ID, err))
		}
	}
	if a != nil {
		ans := *a
		ans.Seq = seq
		raw, err := json.Marshal(ans)
		if err != nil {
			return err
		}
		if _, err := l.ops.Create(ctx, opKey(agent, a.OpID), raw); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
			errs = append(errs, fmt.Errorf("ledger: %w", err))
		}
	}
	return errors.Join(errs...)
}

// queueRepair has the repair loop write an op's ledger entry and jobs
// (again: every write is create-only or over a revision).
func (l *JSLog) queueRepair(envs ...jsEnvelope) {
	l.mu.Lock()
	l.repairQ = append(l.repairQ, envs...)
	l.mu.Unlock()
	kick(l.kickRep)
}

// repairRetry is how long the repair loop waits before it writes again
// what it could not write.
const repairRetry = time.Second

// tailStall is how long the tail may stand still while a writer waits
// for it (or the stream is ahead) before it is started again.
const tailStall = 3 * time.Second

// behind reports whether the stream holds events the replica does not.
func (l *JSLog) behind() bool {
	ctx, cancel := context.WithTimeout(l.ctx, 5*time.Second)
	defer cancel()
	info, err := l.stream.Info(ctx)
	return err == nil && info.State.LastSeq > l.applied.Load()
}

// waitApplied waits until the replica holds seq.
func (l *JSLog) waitApplied(seq uint64) error {
	deadline := time.NewTimer(l.cfg.Timeout)
	defer deadline.Stop()
	stall := time.NewTicker(tailStall)
	defer stall.Stop()
	for {
		l.mu.Lock()
		ch, err := l.changed, l.tailErr
		l.mu.Unlock()
		if l.applied.Load() >= seq {
			return nil
		}
		if err != nil {
			return err
		}
		select {
		case <-ch:
		case <-stall.C:
			kick(l.kickTail)
		case <-l.ctx.Done():
			return errors.New("hub: log closed")
		case <-deadline.C:
			return fmt.Errorf("hub: the replica did not reach event %d (at %d)", seq, l.applied.Load())
		}
	}
}

// subject is an event's subject: its case's, or its customer's.
func (l *JSLog) subject(ev model.Event) string {
	switch {
	case ev.Case != nil:
		return l.cfg.Subjects + ".case." + token(ev.Case.ID)
	case ev.Message != nil:
		return l.cfg.Subjects + ".case." + token(ev.Message.CaseID)
	case ev.Customer != nil:
		return l.cfg.Subjects + ".cust." + token(ev.Customer.ID)
	}
	return l.cfg.Subjects + ".other"
}

func (l *JSLog) caseSubject(id string) string { return l.cfg.Subjects + ".case." + token(id) }

// token is s as one subject token: itself when it can be, else base64.
func token(s string) string {
	if s != "" && !strings.ContainsAny(s, ".*> \t\r\n~") && len(s) <= 128 {
		return s
	}
	return "~" + base64.RawURLEncoding.EncodeToString([]byte(s))
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// opKey is an op's key in the ledger buckets.
func opKey(agent, opID string) string { return "a" + b64(agent) + ".o" + b64(opID) }

// retry calls f until it succeeds, fails for good, or ctx ends; each
// call has 5 s.
func retry(ctx context.Context, f func(ctx context.Context) error) error {
	for {
		actx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := f(actx)
		cancel()
		if err == nil || !transient(err) || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// transient errors are retried: the cluster is electing a leader, the
// connection is being re-established.
func transient(err error) bool {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		return apiErr.Code == 503 || apiErr.ErrorCode == jetstream.JSErrCodeJetStreamNotEnabled ||
			apiErr.ErrorCode == 10008 || // cluster not available
			// No suitable peers for placement: a cluster just started or
			// restarting has peers not yet known; a replica count the
			// cluster can never place fails when the open's timeout ends.
			apiErr.ErrorCode == 10005
	}
	return errors.Is(err, nats.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrNoResponders) ||
		errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, nats.ErrConnectionReconnecting) ||
		errors.Is(err, nats.ErrDisconnected) || errors.Is(err, jetstream.ErrNoHeartbeat)
}

func conflict(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant)
}

// pubPlan is one message to publish.
type pubPlan struct {
	env    jsEnvelope
	subj   string
	msgID  string
	expect *uint64 // expected last seq of subj, before the chain
	// strict: a duplicate by another hub is a conflict (the same platform
	// message or new thread), not this write's own earlier attempt.
	strict bool
}

// publish publishes evs in order. A duplicate of an op's message (op set)
// answers with the seq first stored; dups counts them. On an error the
// events already published are folded as another hub's would be.
func (l *JSLog) publish(evs []model.Event, agent string, op *OpAnswer, jobs []Job) (stored []model.Event, lastSeq uint64, dups int, err error) {
	// Cases go first: a write cut short by a hub or a node dying leaves
	// the case changed without its message rather than the other way
	// round. The item is then done again (it was not acknowledged): a new
	// case is found by its thread, a new message is not yet seen, and the
	// case's waiting time and status are right meanwhile.
	evs = slices.Clone(evs)
	slices.SortStableFunc(evs, func(a, b model.Event) int { return caseFirst(a) - caseFirst(b) })
	// A batch that writes a case expects the case's subject to be where
	// the hub read it (Case), or empty for a new case; a batch that only
	// updates messages (an edit, a delivery outcome) expects nothing.
	expects := map[string]*uint64{}
	newThread := map[string]string{}
	l.mu.Lock()
	for _, ev := range evs {
		if ev.Case == nil {
			continue
		}
		if s, ok := l.readSeq[ev.Case.ID]; ok {
			expects[ev.Case.ID] = &s
		} else if ev.Case.Version <= 1 {
			zero := uint64(0)
			expects[ev.Case.ID] = &zero
			newThread[ev.Case.ID] = "t:" + b64(threadKey(ev.Case.Channel, ev.Case.ThreadRef))
		}
	}
	l.mu.Unlock()
	plans := make([]pubPlan, len(evs))
	firstOf := map[string]bool{}
	for i, ev := range evs {
		ev.Seq = 0
		p := pubPlan{env: jsEnvelope{Ev: ev}, subj: l.subject(ev), msgID: "e:" + uuid.NewString()}
		caseID := ""
		if ev.Case != nil {
			caseID = ev.Case.ID
		} else if ev.Message != nil {
			caseID = ev.Message.CaseID
		}
		if caseID != "" && !firstOf[caseID] {
			firstOf[caseID] = true
			p.expect = expects[caseID]
			if id, ok := newThread[caseID]; ok && op == nil {
				p.msgID, p.strict = id, true
			}
		}
		if ev.Type == model.EventMessageAdded && ev.Message.PlatformID != "" && op == nil && !p.strict {
			p.msgID, p.strict = "m:"+b64(seenKey(*ev.Message)), true
		}
		if op != nil {
			p.msgID = "o:" + b64(agent) + ":" + b64(op.OpID) + ":" + strconv.Itoa(i)
		}
		plans[i] = p
	}
	if op != nil && len(plans) > 0 {
		last := &plans[len(plans)-1].env
		last.Agent, last.Op, last.Jobs = agent, op, jobs
	}
	lastOf := map[string]uint64{}
	defer func() {
		if err != nil && len(stored) > 0 {
			// Published but not answered: the hub folds them as another
			// hub's events, so its memory holds what the stream does.
			l.mu.Lock()
			if l.foldFn != nil {
				l.foldQ = append(l.foldQ, stored...)
			}
			l.mu.Unlock()
			kick(l.kickFold)
		}
	}()
	for _, p := range plans {
		expect := p.expect
		if s, ok := lastOf[p.subj]; ok {
			expect = &s
		}
		seq, dup, perr := l.publishOne(p, expect)
		if perr != nil {
			return stored, 0, dups, perr
		}
		lastSeq = max(lastSeq, seq)
		if dup {
			// An earlier attempt of this op stored it, maybe a while ago
			// (cut short by a hub or node dying): the subject may have
			// moved on since. The next event of the chain expects what
			// this one did (the subject's last as the hub read it), not
			// the duplicate's seq: that would conflict for as long as the
			// duplicate window lasts (TestJSProcFailover: every op of a
			// console refused for minutes, its first op half published
			// when the stream's leader died).
			dups++
			switch {
			case expect == nil:
				delete(lastOf, p.subj)
			case *expect > seq:
				lastOf[p.subj] = *expect
			default:
				lastOf[p.subj] = seq
			}
			continue
		}
		lastOf[p.subj] = seq
		ev := p.env.Ev
		ev.Seq = seq
		stored = append(stored, ev)
	}
	if lastSeq > 0 {
		if err := l.waitApplied(lastSeq); err != nil {
			return stored, 0, dups, err
		}
	}
	l.mu.Lock()
	if len(l.readSeq) > 100_000 {
		clear(l.readSeq)
	}
	for subj, s := range lastOf {
		if id, ok := strings.CutPrefix(subj, l.cfg.Subjects+".case."); ok && !strings.HasPrefix(id, "~") {
			l.readSeq[id] = s
		}
	}
	l.mu.Unlock()
	return stored, lastSeq, dups, nil
}

func caseFirst(ev model.Event) int {
	if ev.Type == model.EventCaseUpserted {
		return 0
	}
	return 1
}

// publishOne publishes one message, retrying what may be transient with
// the same message id. dup: the stream had it (an op's earlier publish,
// or this publish's own earlier attempt).
func (l *JSLog) publishOne(p pubPlan, expect *uint64) (seq uint64, dup bool, err error) {
	raw, err := json.Marshal(p.env)
	if err != nil {
		return 0, false, fmt.Errorf("hub: encode event: %w", err)
	}
	pub := uuid.NewString()
	msg := &nats.Msg{Subject: p.subj, Data: raw, Header: nats.Header{}}
	msg.Header.Set(hdrHub, l.id)
	msg.Header.Set(hdrPub, pub)
	opts := []jetstream.PublishOpt{jetstream.WithMsgID(p.msgID), jetstream.WithRetryAttempts(10), jetstream.WithRetryWait(100 * time.Millisecond)}
	if expect != nil {
		opts = append(opts, jetstream.WithExpectLastSequencePerSubject(*expect))
	}
	ctx, cancel := context.WithTimeout(l.ctx, l.cfg.Timeout)
	defer cancel()
	for attempt := 0; ; attempt++ {
		actx, acancel := context.WithTimeout(ctx, 5*time.Second)
		ack, err := l.js.PublishMsg(actx, msg, opts...)
		acancel()
		switch {
		case err == nil && !ack.Duplicate:
			return ack.Sequence, false, nil
		case err == nil:
			if p.strict {
				if attempt == 0 {
					return 0, false, fmt.Errorf("%w (%s)", ErrConflict, p.msgID)
				}
				// Ours from an attempt that timed out, or another hub's?
				m, gerr := l.stream.GetMsg(ctx, ack.Sequence)
				if gerr != nil {
					return 0, false, fmt.Errorf("hub: publish: %w", gerr)
				}
				if m.Header.Get(hdrPub) != pub {
					return 0, false, fmt.Errorf("%w (%s)", ErrConflict, p.msgID)
				}
				return ack.Sequence, false, nil
			}
			if strings.HasPrefix(p.msgID, "o:") {
				return ack.Sequence, true, nil
			}
			return ack.Sequence, false, nil // this publish's own earlier attempt
		case conflict(err):
			return 0, false, fmt.Errorf("%w: %v", ErrConflict, err)
		case transient(err) && ctx.Err() == nil:
			time.Sleep(100 * time.Millisecond)
			continue
		}
		return 0, false, fmt.Errorf("hub: publish to %s: %w", p.subj, err)
	}
}

// Append implements EventLog.
func (l *JSLog) Append(evs []model.Event) ([]model.Event, error) {
	if len(evs) == 0 {
		return nil, nil
	}
	stored, _, _, err := l.publish(evs, "", nil, nil)
	if err != nil {
		return nil, err
	}
	return stored, nil
}

// AppendAsync is Append: the events are in the stream and the replica
// when it returns (the wait is for the hub's group-commit callers).
func (l *JSLog) AppendAsync(evs []model.Event) ([]model.Event, func() error, error) {
	stored, err := l.Append(evs)
	return stored, func() error { return nil }, err
}

// OpenGroup implements the hub's groups: with no group commit, a group's
// appends are published at once.
func (l *JSLog) OpenGroup() (*Group, error) {
	if err := l.usable(); err != nil {
		return nil, err
	}
	return &Group{direct: l.Append}, nil
}

func (l *JSLog) usable() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.tailErr != nil {
		return l.tailErr
	}
	if l.ctx.Err() != nil {
		return errors.New("hub: log closed")
	}
	return nil
}

// AppendOp implements EventLog.
func (l *JSLog) AppendOp(agent string, a OpAnswer, evs []model.Event, jobs ...Job) ([]model.Event, OpAnswer, error) {
	stored, a, _, err := l.AppendOpAsync(agent, a, evs, jobs...)
	return stored, a, err
}

// AppendOpAsync publishes an op's events with its answer and jobs. A
// repeat of an op another hub published (within the duplicate window,
// before its ledger entry was written) gets the seq first stored, and
// appends nothing again.
func (l *JSLog) AppendOpAsync(agent string, a OpAnswer, evs []model.Event, jobs ...Job) ([]model.Event, OpAnswer, func() error, error) {
	nowait := func() error { return nil }
	if err := l.usable(); err != nil {
		return nil, OpAnswer{}, nil, err
	}
	ctx, cancel := context.WithTimeout(l.ctx, l.cfg.Timeout)
	defer cancel()
	if len(evs) == 0 {
		raw, err := json.Marshal(a)
		if err != nil {
			return nil, OpAnswer{}, nil, err
		}
		if _, err := l.recent.Create(ctx, opKey(agent, a.OpID), raw); err != nil {
			if errors.Is(err, jetstream.ErrKeyExists) {
				return nil, OpAnswer{}, nil, fmt.Errorf("hub: append op: op %s of %s answered twice", a.OpID, agent)
			}
			return nil, OpAnswer{}, nil, fmt.Errorf("hub: append op: %w", err)
		}
		if err := l.capRecent(ctx, agent, a.OpID); err != nil {
			// The answer stands; it expires with the window all the same.
			l.cfg.Logger.Warn("hub: cap the agent's kept answers", "agent", agent, "err", err)
		}
		for _, j := range jobs {
			if _, err := l.putJobRec(ctx, jsJobRec{Job: j}, opJobWrite(j)); err != nil {
				return nil, OpAnswer{}, nil, fmt.Errorf("hub: append op: %w", err)
			}
		}
		return nil, a, nowait, nil
	}
	op := a
	stored, last, dups, err := l.publish(evs, agent, &op, jobs)
	if err != nil {
		return nil, OpAnswer{}, nil, fmt.Errorf("hub: append op: %w", err)
	}
	a.Seq = last
	if f := l.testBeforeRecord.Load(); f != nil {
		if err := (*f)(); err != nil {
			return nil, OpAnswer{}, nil, err
		}
	}
	if dups > 0 {
		if prev, ok, err := l.LookupOp(agent, a.OpID, a.At); err == nil && ok {
			a = prev
		}
	}
	if err := l.record(agent, &a, a.Seq, jobs); err != nil {
		// The answer travels in the stream and other hubs write it, but
		// they may have folded the op already (a repeat of another hub's
		// op) or be gone: this hub's repair loop writes it too.
		l.cfg.Logger.Warn("hub: write op ledger, will retry", "op", a.OpID, "err", err)
		op := a
		l.queueRepair(jsEnvelope{Agent: agent, Op: &op, Jobs: jobs, seq: a.Seq})
	}
	return stored, a, nowait, nil
}

// capRecent keeps an agent's answers that changed nothing to the
// per-agent cap (OpAnswersPerAgent), as the bbolt ledger does: the
// agent's answers take slots of a ring in turn (a counter in the bucket,
// moved over its revision, so hubs taking slots at once take different
// ones); the answer a slot held before is deleted. An answer whose slot
// was never written (its hub stopped in between) goes with the window.
func (l *JSLog) capRecent(ctx context.Context, agent, opID string) error {
	limit := uint64(OpAnswersPerAgent)
	if l.opAnswersPerAgent > 0 {
		limit = uint64(l.opAnswersPerAgent)
	}
	count := "n" + b64(agent)
	var n uint64
	for {
		e, err := l.recent.Get(ctx, count)
		var rev uint64
		switch {
		case err == nil:
			rev = e.Revision()
			n, err = strconv.ParseUint(string(e.Value()), 10, 64)
			if err != nil {
				return fmt.Errorf("count of %s: %w", agent, err)
			}
		case errors.Is(err, jetstream.ErrKeyNotFound):
			n = 0
		case transient(err) && ctx.Err() == nil:
			time.Sleep(100 * time.Millisecond)
			continue
		default:
			return err
		}
		next := []byte(strconv.FormatUint(n+1, 10))
		if rev == 0 {
			_, err = l.recent.Create(ctx, count, next)
		} else {
			_, err = l.recent.Update(ctx, count, next, rev)
		}
		if err == nil {
			break
		}
		if !(errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) || conflict(err) || transient(err)) || ctx.Err() != nil {
			return err
		}
	}
	slot := "r" + b64(agent) + "." + strconv.FormatUint(n%limit, 10)
	key := opKey(agent, opID)
	if e, err := l.recent.Get(ctx, slot); err == nil && string(e.Value()) != key {
		if err := l.recent.Delete(ctx, string(e.Value())); err != nil {
			return err
		}
	} else if err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return err
	}
	_, err := l.recent.Put(ctx, slot, []byte(key))
	return err
}

// LookupOp implements EventLog.
func (l *JSLog) LookupOp(agent, opID string, now time.Time) (OpAnswer, bool, error) {
	ctx, cancel := context.WithTimeout(l.ctx, l.cfg.Timeout)
	defer cancel()
	key := opKey(agent, opID)
	for _, kv := range []jetstream.KeyValue{l.ops, l.recent} {
		var e jetstream.KeyValueEntry
		var err error
		for {
			e, err = kv.Get(ctx, key)
			if err == nil || !transient(err) || ctx.Err() != nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return OpAnswer{}, false, fmt.Errorf("hub: op ledger: %w", err)
		}
		var a OpAnswer
		if err := json.Unmarshal(e.Value(), &a); err != nil {
			return OpAnswer{}, false, fmt.Errorf("hub: op ledger %s: %w", key, err)
		}
		if kv == l.recent && !now.Before(a.At.Add(OpWindow)) {
			continue
		}
		return a, true, nil
	}
	return OpAnswer{}, false, nil
}

// Case reads a case's newest state: the replica, once it holds the
// newest event of the case's subject. A write that follows expects that
// event as the subject's last.
func (l *JSLog) Case(id string) (model.Case, bool, error) {
	seq, err := l.lastSubjectSeq(l.caseSubject(id))
	if err != nil {
		return model.Case{}, false, err
	}
	if err := l.waitApplied(seq); err != nil {
		return model.Case{}, false, err
	}
	l.mu.Lock()
	l.readSeq[id] = seq
	l.mu.Unlock()
	return l.rep.Case(id)
}

// lastSubjectSeq is the newest seq of a subject as the stream's leader
// has it (the stream's message-get API, which only the leader answers), 0
// for none. Not a direct get: that is answered by any replica of the
// stream, also one that is behind (a follower within 90 % of the leader
// answers), so its seq may be older than a write another hub has had
// acknowledged, and its "no such subject" not the stream's word. A hub
// reading so would expect a stale seq (a conflict, again and again while
// that replica lags) or refuse an op on another hub's new case as unknown,
// which the console then drops (unfoldedCase).
func (l *JSLog) lastSubjectSeq(subj string) (uint64, error) {
	ctx, cancel := context.WithTimeout(l.ctx, l.cfg.Timeout)
	defer cancel()
	req, err := json.Marshal(struct {
		LastFor string `json:"last_by_subj"`
	}{subj})
	if err != nil {
		return 0, err
	}
	api := "$JS.API.STREAM.MSG.GET." + l.cfg.Stream
	for {
		actx, acancel := context.WithTimeout(ctx, 5*time.Second)
		m, err := l.nc.RequestWithContext(actx, api, req)
		acancel()
		if err == nil {
			var resp struct {
				Error   *jetstream.APIError `json:"error"`
				Message *struct {
					Seq uint64 `json:"seq"`
				} `json:"message"`
			}
			err = json.Unmarshal(m.Data, &resp)
			switch {
			case err != nil:
			case resp.Error != nil && resp.Error.ErrorCode == jetstream.JSErrCodeMessageNotFound:
				return 0, nil
			case resp.Error != nil:
				err = resp.Error
			case resp.Message == nil:
				err = errors.New("an answer without its message")
			default:
				return resp.Message.Seq, nil
			}
		}
		if transient(err) && ctx.Err() == nil {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		return 0, fmt.Errorf("hub: read stream %s from its leader: %w", l.cfg.Stream, err)
	}
}

// Thread implements EventLog, as fresh as Case.
func (l *JSLog) Thread(caseID string) ([]model.Message, error) {
	if f := l.testThread.Load(); f != nil {
		if err := (*f)(); err != nil {
			return nil, err
		}
	}
	seq, err := l.lastSubjectSeq(l.caseSubject(caseID))
	if err != nil {
		return nil, err
	}
	if err := l.waitApplied(seq); err != nil {
		return nil, err
	}
	return l.rep.Thread(caseID)
}

// Seen implements stateLog: the replica's seen index (a platform message
// another hub stored a moment ago may not be in it yet; its publish then
// finds the stream's duplicate).
func (l *JSLog) Seen(key string) (string, bool) { return l.rep.Seen(key) }

// LoadIndex implements stateLog.
func (l *JSLog) LoadIndex(cas func(id string, rec []byte) error, cust func(model.Customer) error) (uint64, error) {
	return l.rep.LoadIndex(cas, cust)
}

// OnCommit implements stateLog: f gets every event the replica folds,
// this hub's and the others', in order.
func (l *JSLog) OnCommit(f func([]model.Event)) {
	l.mu.Lock()
	l.hubFn = f
	l.mu.Unlock()
}

// OnFold sets the function that gets the case and customer events other
// hubs appended, in order, once the replica holds them (the hub's fold of
// them into its memory). Set it before LoadIndex.
func (l *JSLog) OnFold(f func([]model.Event)) {
	l.mu.Lock()
	l.foldFn = f
	l.mu.Unlock()
}

// Read implements EventLog.
func (l *JSLog) Read(after uint64, max int) ([]model.Event, error) { return l.rep.Read(after, max) }

// Head implements EventLog: the newest event the replica holds.
func (l *JSLog) Head() uint64 { return l.applied.Load() }

// Horizon implements EventLog: the stream keeps every event.
func (l *JSLog) Horizon() uint64 { return l.rep.Horizon() }

// Snapshot implements EventLog.
func (l *JSLog) Snapshot(emit func(model.Event) error) (uint64, error) { return l.rep.Snapshot(emit) }

// Replica is the local replica (read-only use: tests, hub migrate).
func (l *JSLog) Replica() *BoltLog { return l.rep }

// ID is this hub instance's id in the hubs bucket.
func (l *JSLog) ID() string { return l.id }

// Close implements EventLog: this hub leaves the hubs bucket.
func (l *JSLog) Close() error {
	if l.hubs != nil && l.nc != nil && l.nc.IsConnected() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = l.hubs.Delete(ctx, l.id)
		cancel()
	}
	l.cancel()
	l.wg.Wait()
	var err error
	if l.rep != nil {
		err = l.rep.Close()
	}
	if l.ownConn && l.nc != nil {
		l.nc.Close()
	}
	return err
}

// Kill stops the log as a crash would: no goodbye to the hubs bucket, the
// connection dropped (tests of failover).
func (l *JSLog) Kill() {
	l.cancel()
	if l.ownConn {
		l.nc.Close()
	}
	l.wg.Wait()
	l.rep.Close()
}

// Jobs and their take.

func jobKey(id string) string { return "j" + b64(id) }

// loadJobs reads the jobs bucket and watches it from then on.
func (l *JSLog) loadJobs(ctx context.Context) error {
	w, err := l.jobs.WatchAll(l.ctx, jetstream.IncludeHistory())
	if err != nil {
		return fmt.Errorf("hub: watch jobs: %w", err)
	}
	var seen atomic.Uint64 // the newest revision the watch delivered
	apply := func(e jetstream.KeyValueEntry) {
		if r := e.Revision(); r > seen.Load() {
			seen.Store(r)
		}
		if e.Operation() != jetstream.KeyValuePut {
			return
		}
		var r jsJobRec
		if json.Unmarshal(e.Value(), &r) != nil {
			return
		}
		r.rev = e.Revision()
		l.jobMu.Lock()
		if cur, ok := l.jobView[r.ID]; !ok || cur.rev < r.rev {
			l.jobView[r.ID] = r
		}
		l.jobMu.Unlock()
	}
	for {
		select {
		case e := <-w.Updates():
			if e == nil {
				l.wg.Add(1)
				go l.followJobs(w, apply, &seen)
				return nil
			}
			apply(e)
		case <-ctx.Done():
			w.Stop()
			return fmt.Errorf("hub: read jobs: %w", ctx.Err())
		}
	}
}

// followJobs applies the jobs bucket's changes as they come. Its watch
// is an ordered consumer like the tail, and can stall as silently when a
// node dies (TestJSProcFailover: a hub that never saw another hub take a
// job never reconciled it when that hub died): a watch that delivered
// nothing for tailStall while the bucket moved on is started again, from
// the bucket's whole content (apply keeps the newest revision of each).
func (l *JSLog) followJobs(w jetstream.KeyWatcher, apply func(jetstream.KeyValueEntry), seen *atomic.Uint64) {
	defer l.wg.Done()
	defer func() { w.Stop() }()
	t := time.NewTicker(tailStall)
	defer t.Stop()
	updates := w.Updates()
	last, since := seen.Load(), time.Now()
	for {
		select {
		case <-l.ctx.Done():
			return
		case e, ok := <-updates:
			if !ok {
				updates = nil // restarted at the next tick
			} else if e != nil {
				apply(e)
			}
			continue
		case <-t.C:
		}
		if cur := seen.Load(); cur != last {
			last, since = cur, time.Now()
			continue
		}
		if updates != nil && (time.Since(since) < tailStall || !l.jobsBehind(last)) {
			continue
		}
		w.Stop()
		nw, err := l.jobs.WatchAll(l.ctx, jetstream.IncludeHistory())
		if err != nil {
			if l.ctx.Err() == nil {
				l.cfg.Logger.Warn("hub: restart the jobs watch", "err", err)
			}
			updates = nil
			continue
		}
		l.cfg.Logger.Warn("hub: jobs watch restarted", "at_revision", last)
		w, updates, since = nw, nw.Updates(), time.Now()
	}
}

// jobsBehind reports whether the jobs bucket holds changes newer than rev.
func (l *JSLog) jobsBehind(rev uint64) bool {
	ctx, cancel := context.WithTimeout(l.ctx, 5*time.Second)
	defer cancel()
	st, err := l.jobs.Status(ctx)
	if err != nil {
		return false
	}
	bs, ok := st.(*jetstream.KeyValueBucketStatus)
	return ok && bs.StreamInfo() != nil && bs.StreamInfo().State.LastSeq > rev
}

// How putJobRec writes a job.
type jobWrite int

const (
	jobCreate jobWrite = iota // only if the bucket has none (repair, migrate)
	jobTake                   // pending → sending, over the revision it was pending at
	jobMove                   // any other move, unless another live hub is sending it
)

// putJobRec writes a job as mode says, over the revision of this hub's
// newest view of it: ErrJobTaken when the move is not this hub's to make
// or the bucket moved on since that view.
func (l *JSLog) putJobRec(ctx context.Context, r jsJobRec, mode jobWrite) (uint64, error) {
	raw, err := json.Marshal(r)
	if err != nil {
		return 0, err
	}
	key := jobKey(r.ID)
	l.jobMu.Lock()
	cur, known := l.jobView[r.ID]
	l.jobMu.Unlock()
	switch mode {
	case jobTake:
		if !known || cur.State != JobPending {
			return 0, ErrJobTaken
		}
	case jobMove:
		if known && cur.State == JobSending && cur.Owner != l.id && l.alive(cur.Owner) {
			return 0, ErrJobTaken
		}
	}
	var rev uint64
	for {
		if mode == jobCreate || !known {
			rev, err = l.jobs.Create(ctx, key, raw)
		} else {
			rev, err = l.jobs.Update(ctx, key, raw, cur.rev)
		}
		if err == nil || !transient(err) || ctx.Err() != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) || conflict(err) {
		return 0, ErrJobTaken
	}
	if err != nil {
		return 0, err
	}
	r.rev = rev
	l.jobMu.Lock()
	if c, ok := l.jobView[r.ID]; !ok || c.rev < rev {
		l.jobView[r.ID] = r
	}
	l.jobMu.Unlock()
	return rev, nil
}

// hasJob says whether this hub knows a job of that id (in any state).
func (l *JSLog) hasJob(id string) bool {
	l.jobMu.Lock()
	defer l.jobMu.Unlock()
	_, ok := l.jobView[id]
	return ok
}

// createJob writes a job only if the bucket has none of its id.
func (l *JSLog) createJob(j Job) (bool, error) {
	ctx, cancel := context.WithTimeout(l.ctx, l.cfg.Timeout)
	defer cancel()
	_, err := l.putJobRec(ctx, jsJobRec{Job: j}, jobCreate)
	if errors.Is(err, ErrJobTaken) {
		return false, nil
	}
	return err == nil, err
}

// opJobWrite is how an op's job is written, by its hub or by a hub
// repairing what it missed: a new reply's job only where there is none (a
// hub may have taken it already), another (mark_posted's done) as a move.
func opJobWrite(j Job) jobWrite {
	if j.State == JobPending {
		return jobCreate
	}
	return jobMove
}

// PutJob implements EventLog. A job moved to sending is taken: only from
// pending, and over the revision this hub saw it pending at, so of hubs
// racing for it one wins; the others get ErrJobTaken and send nothing.
// Any other move is refused while another live hub is sending the job.
// The job is written first, then the events.
func (l *JSLog) PutJob(j Job, evs ...model.Event) ([]model.Event, error) {
	ctx, cancel := context.WithTimeout(l.ctx, l.cfg.Timeout)
	defer cancel()
	r, mode := jsJobRec{Job: j}, jobMove
	if j.State == JobSending {
		r.Owner, mode = l.id, jobTake
	}
	if _, err := l.putJobRec(ctx, r, mode); err != nil {
		return nil, fmt.Errorf("hub: store delivery job %s: %w", j.ID, err)
	}
	if len(evs) == 0 {
		return nil, nil
	}
	stored, _, _, err := l.publish(evs, "", nil, nil)
	if err != nil {
		return nil, fmt.Errorf("hub: store delivery job %s: %w", j.ID, err)
	}
	return stored, nil
}

// Jobs implements EventLog. Sending jobs are those of hubs no longer
// alive: a job another hub is sending is its own business.
func (l *JSLog) Jobs(states ...JobState) ([]Job, error) {
	l.jobMu.Lock()
	var out []jsJobRec
	for _, r := range l.jobView {
		if slices.Contains(states, r.State) {
			out = append(out, r)
		}
	}
	l.jobMu.Unlock()
	slices.SortFunc(out, func(a, b jsJobRec) int { return cmp.Compare(a.rev, b.rev) })
	var jobs []Job
	for _, r := range out {
		if r.State == JobSending && (r.Owner == l.id || l.alive(r.Owner)) {
			continue
		}
		jobs = append(jobs, r.Job)
	}
	return jobs, nil
}

// alive reports whether a hub instance refreshed its entry within HubTTL.
func (l *JSLog) alive(id string) bool {
	if id == "" {
		return false
	}
	ctx, cancel := context.WithTimeout(l.ctx, l.cfg.Timeout)
	defer cancel()
	_, err := l.hubs.Get(ctx, id)
	return err == nil || !(errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted))
}

func (l *JSLog) heartbeat(ctx context.Context) error {
	_, err := l.hubs.Put(ctx, l.id, []byte(time.Now().UTC().Format(time.RFC3339Nano)))
	if err != nil {
		return fmt.Errorf("hub: hubs bucket: %w", err)
	}
	return nil
}

func (l *JSLog) beat() {
	defer l.wg.Done()
	t := time.NewTicker(l.cfg.HubTTL / 4)
	defer t.Stop()
	for {
		select {
		case <-l.ctx.Done():
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(l.ctx, l.cfg.HubTTL/2)
			if err := l.heartbeat(ctx); err != nil && l.ctx.Err() == nil {
				l.cfg.Logger.Warn("hub: refresh in the hubs bucket", "err", err)
			}
			cancel()
		}
	}
}

// GetState reads a connector's saved state from the state bucket.
func (l *JSLog) GetState(key string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(l.ctx, l.cfg.Timeout)
	defer cancel()
	e, err := l.state.Get(ctx, "s"+b64(key))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return e.Value(), nil
}

// PutState saves a connector's state.
func (l *JSLog) PutState(key string, v []byte) error {
	ctx, cancel := context.WithTimeout(l.ctx, l.cfg.Timeout)
	defer cancel()
	_, err := l.state.Put(ctx, "s"+b64(key), v)
	return err
}

// Lead runs run while this hub holds the named lease (connectors run once
// per team): the lease is a key in the leases bucket, created by one hub,
// refreshed by it every HubTTL/4 over its revision, and expiring HubTTL
// after a hub that died last refreshed it. run's context ends when the
// lease is lost; Lead returns when ctx ends.
func (l *JSLog) Lead(ctx context.Context, name string, run func(ctx context.Context)) {
	key := "l" + b64(name)
	t := time.NewTicker(l.cfg.HubTTL / 4)
	defer t.Stop()
	for ctx.Err() == nil {
		cctx, cancel := context.WithTimeout(ctx, l.cfg.HubTTL/2)
		rev, err := l.leases.Create(cctx, key, []byte(l.id))
		cancel()
		if err == nil {
			l.cfg.Logger.Info("hub: lease taken", "lease", name, "hub", l.id)
			rctx, stop := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { defer close(done); run(rctx) }()
			for held := true; held && ctx.Err() == nil; {
				select {
				case <-ctx.Done():
				case <-done:
					held = false
				case <-t.C:
					cctx, cancel := context.WithTimeout(ctx, l.cfg.HubTTL/2)
					rev, err = l.leases.Update(cctx, key, []byte(l.id), rev)
					cancel()
					if err != nil {
						l.cfg.Logger.Warn("hub: lease lost", "lease", name, "err", err)
						held = false
					}
				}
			}
			stop()
			<-done
			if ctx.Err() != nil {
				dctx, cancel := context.WithTimeout(context.Background(), time.Second)
				_ = l.leases.Delete(dctx, key, jetstream.LastRevision(rev))
				cancel()
			}
			continue
		}
		select {
		case <-ctx.Done():
		case <-t.C:
		}
	}
}
