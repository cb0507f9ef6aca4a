package hub

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"switchboard/assist"
	"switchboard/model"
)

// TriageConfig configures a Triager. The zero value triages offline.
type TriageConfig struct {
	// Client is the language model (assist.NewClient); nil triages with
	// the offline classifier only. Its budget (calls and tokens per
	// hour), breaker, timeout and cache apply to every call.
	Client *assist.Client
	// Categories the triage may name (assist.DefaultCategories when nil).
	Categories []string
	// Workers is how many model calls run at once (default 4).
	Workers int
	// Queue bounds the messages waiting for the model (default 1,000);
	// beyond it a message keeps its offline triage.
	Queue int
	// Pending bounds the cases waiting for their offline triage (default
	// 100,000): under a flood the newest message of a case is triaged and
	// the ones before it are skipped; beyond the bound a case waits for
	// its next message.
	Pending int
	// Batch is how many cases one append carries (default 256).
	Batch int
	// Share bounds the triager's use of one CPU while it has a backlog
	// (0 < Share ≤ 1, default 0.3): after a batch, with more to do, it
	// pauses for (1/Share − 1) times what the batch took, so a flood slows triage
	// (which then triages only the newest message of each case), not
	// ingest.
	Share float64
	// Backfill is how many of the log's last events Run reads at start
	// for customer messages a stop left untriaged (default 5,000; -1 none).
	// A message whose triage is stored already is not triaged again.
	Backfill int
}

func (c TriageConfig) withDefaults() TriageConfig {
	if c.Workers <= 0 {
		c.Workers = 4
	}
	if c.Queue <= 0 {
		c.Queue = 1000
	}
	if c.Pending <= 0 {
		c.Pending = 100_000
	}
	if c.Batch <= 0 {
		c.Batch = 256
	}
	if c.Share <= 0 || c.Share > 1 {
		c.Share = 0.3
	}
	if c.Backfill == 0 {
		c.Backfill = 5000
	}
	return c
}

// Triager triages every customer message the hub ingests, once, for every
// console (docs/protocol.md, "Triage"). Ingest does nothing more: a
// background worker follows the log, classifies each new customer message
// offline, outside the hub's lock, and appends a case.upserted carrying
// Case.Triage, many cases per append. With a model
// configured the message then goes to a bounded pool of model calls,
// whose valid answer replaces the offline triage when it arrives (an
// invalid answer is asked again once, then the offline one stands). A
// triage is a measurement: it changes no case's Version.
type Triager struct {
	h   *Hub
	cfg TriageConfig
	off assist.Offline

	mu      sync.Mutex
	pending map[string]triageJob // case id → its newest untriaged customer message
	order   []string             // pending case ids, oldest first
	latest  map[string]string    // case id → message id the model is asked about
	stats   TriageStats

	inMsg  map[string]model.Message // Run's: a customer message waiting for its case event
	cursor atomic.Uint64            // the last event Run has read

	modelQ chan triageJob
}

// TriageStats count what a Triager did since it started.
type TriageStats struct {
	Offline    int `json:"offline"`     // offline triages stored
	Model      int `json:"model"`       // model triages stored
	ModelError int `json:"model_error"` // model calls whose answer was not used
	Superseded int `json:"superseded"`  // answers for a message a newer one replaced
	Skipped    int `json:"skipped"`     // messages not triaged: queue full
	Queued     int `json:"queued"`      // waiting now (offline and model)
}

type triageJob struct {
	caseID, messageID string // messageID: the newest message, whose triage is stored
	text, lang        string
	channel           model.Channel
	version           int64
	// earlier are the case's customer messages before messageID that
	// wait too (a flood, a backfill, an import), oldest first: the
	// case's triage is the fold of them all (assist.FoldTriage). whole
	// says they begin with the case's first message; a case with no
	// triage yet whose earlier messages were not all seen has its thread
	// read instead.
	earlier []triageMsg
	whole   bool
	// prev is the case's triage before this message (set when the
	// offline triage is stored: the fold of the ones before it), which
	// the model's answer follows.
	prev *assist.Triage
}

// triageMsg is one customer message a job folds.
type triageMsg struct{ id, text string }

// maxTriageText bounds the text kept for a waiting message (the model is
// sent at most 4,000 runes of it anyway).
const maxTriageText = 8 << 10

// Bounds of a job's earlier messages: the newest maxFoldMessages, of at
// most maxFoldText bytes in all (beyond, the oldest go and the thread is
// read when the case has no triage yet).
const (
	maxFoldMessages = 16
	maxFoldText     = 16 << 10
)

// cutTriageText is text cut to maxTriageText bytes on a rune boundary.
func cutTriageText(text string) string {
	if len(text) > maxTriageText {
		cut := maxTriageText
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	return text
}

// withEarlier is j after the messages of the job it replaces (old).
func (j triageJob) withEarlier(old triageJob) triageJob {
	j.earlier = append(old.earlier, triageMsg{old.messageID, old.text})
	j.whole = old.whole
	size := 0
	for _, m := range j.earlier {
		size += len(m.text)
	}
	for len(j.earlier) > maxFoldMessages || size > maxFoldText {
		size -= len(j.earlier[0].text)
		j.earlier = j.earlier[1:]
		j.whole = false
	}
	return j
}

// chain is the job's messages, oldest first, the newest last.
func (j *triageJob) chain() []triageMsg {
	return append(j.earlier[:len(j.earlier):len(j.earlier)], triageMsg{j.messageID, j.text})
}

// NewTriager makes the hub's triager; Run it. It follows the hub's log
// (the ring of live events, the log itself when behind), so it needs no
// hook in ingest and sees every customer message however it came in.
func NewTriager(h *Hub, cfg TriageConfig) *Triager {
	cfg = cfg.withDefaults()
	return &Triager{
		h: h, cfg: cfg, off: assist.Offline{Categories: cfg.Categories},
		pending: map[string]triageJob{}, latest: map[string]string{}, inMsg: map[string]model.Message{},
		modelQ: make(chan triageJob, cfg.Queue),
	}
}

// note queues the customer message m of case c (the case as its event
// left it) for triage.
func (t *Triager) note(c *model.Case, m *model.Message) {
	// A message that opened its case begins a whole chain; a case never
	// triaged whose chain is not whole has its thread read.
	j := triageJob{caseID: c.ID, messageID: m.ID, text: cutTriageText(m.Text), lang: c.Lang, channel: c.Channel, version: c.Version,
		whole: c.MessageCount <= 1}
	t.mu.Lock()
	if old, waiting := t.pending[c.ID]; waiting {
		// The newest message of the case is the one the triage is
		// stored for, folded over the ones before it.
		t.pending[c.ID] = j.withEarlier(old)
	} else if len(t.pending) < t.cfg.Pending {
		t.pending[c.ID] = j
		t.order = append(t.order, c.ID)
	} else {
		t.stats.Skipped++
	}
	t.mu.Unlock()
}

// read notes the customer messages logged after cursor (up to a page of
// events) and returns the new cursor: from the ring of live events when
// it reaches back that far, else from the log. A message is noted with
// the case.upserted that follows it in the same append (ingest writes the
// two together), which says whose case it is.
func (t *Triager) read(cursor uint64) (uint64, error) {
	var evs []model.Event
	if pages, skip, _ := t.h.live.from(cursor); len(pages) > 0 {
		evs = pages[0].evs[skip:]
		for _, p := range pages[1:] {
			if len(evs) >= triageReadPage {
				break
			}
			evs = append(evs[:len(evs):len(evs)], p.evs...)
		}
	} else {
		var err error
		evs, err = t.h.log.Read(cursor, triageReadPage)
		if errors.Is(err, ErrCompacted) {
			return max(cursor, t.h.log.Horizon()), nil
		}
		if err != nil {
			return cursor, err
		}
	}
	for _, ev := range evs {
		switch {
		case ev.Type == model.EventMessageAdded && ev.Message != nil && ev.Message.Direction == model.DirectionIn:
			t.inMsg[ev.Message.CaseID] = *ev.Message
		case ev.Type == model.EventCaseUpserted && ev.Case != nil:
			if m, ok := t.inMsg[ev.Case.ID]; ok {
				delete(t.inMsg, ev.Case.ID)
				if m.Author.Key() == ev.Case.Author.Key() {
					t.note(ev.Case, &m)
				}
			}
		}
		cursor = ev.Seq
	}
	return cursor, nil
}

// triageReadPage is how many events read takes at once.
const triageReadPage = 1000

// Stats is a snapshot of the counters.
func (t *Triager) Stats() TriageStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.stats
	s.Queued = len(t.pending) + len(t.modelQ)
	return s
}

// Usage is the model client's use of its endpoint (budget, failures), or
// nil without a model.
func (t *Triager) Usage() *assist.Usage {
	if t.cfg.Client == nil {
		return nil
	}
	u := t.cfg.Client.Usage()
	return &u
}

// CaughtUp reports whether the triager has read the whole log and
// triaged offline everything it read.
func (t *Triager) CaughtUp() bool {
	t.mu.Lock()
	waiting := len(t.pending)
	t.mu.Unlock()
	return waiting == 0 && t.cursor.Load() >= t.h.log.Head()
}

// Client is the model client, nil without one.
func (t *Triager) Client() *assist.Client { return t.cfg.Client }

// Run triages until ctx ends: first what the log's last Backfill events
// hold (a stop may have left them untriaged; the ones triaged already
// are skipped), then every message logged.
//
// On the JetStream log Run triages while this hub holds the team's
// "triage" lease (one hub of several calls the model once per message,
// jshub.go); a hub that takes the lease over reads the Backfill first.
func (t *Triager) Run(ctx context.Context) { t.h.lead(ctx, "triage", t.run) }

func (t *Triager) run(ctx context.Context) {
	var wg sync.WaitGroup
	if t.cfg.Client != nil {
		for range t.cfg.Workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				t.modelLoop(ctx)
			}()
		}
	}
	defer wg.Wait()
	wake, stop := t.h.subscribe()
	defer stop()
	startHead := t.h.log.Head()
	cursor := startHead
	if t.cfg.Backfill > 0 {
		cursor -= min(cursor, uint64(t.cfg.Backfill))
	}
	for {
		for {
			next, err := t.read(cursor)
			if err != nil {
				if ctx.Err() == nil {
					t.h.cfg.Logger.Error("triage: read log", "err", err)
				}
				break
			}
			moved := next > cursor
			cursor = next
			t.cursor.Store(cursor)
			if moved && cursor < startHead {
				// The backfill is read whole first: only the newest
				// message of each case in it is triaged.
				continue
			}
			for {
				batch := t.take()
				if len(batch) == 0 {
					break
				}
				start := time.Now()
				if err := t.offlineBatch(batch); err != nil && ctx.Err() == nil {
					t.h.cfg.Logger.Error("triage: append", "err", err)
				}
				if t.backlog() && t.cfg.Share < 1 {
					// A backlog (a flood of messages): leave ingest the
					// CPU; the newest message of each case is triaged.
					pause := time.NewTimer(time.Duration(float64(time.Since(start)) * (1/t.cfg.Share - 1)))
					select {
					case <-ctx.Done():
						pause.Stop()
					case <-pause.C:
					}
				}
				if ctx.Err() != nil {
					return
				}
			}
			if !moved {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		}
	}
}

// backlog reports whether cases wait, or the log has events not read yet.
func (t *Triager) backlog() bool {
	t.mu.Lock()
	waiting := len(t.pending)
	t.mu.Unlock()
	return waiting > 0 || t.cursor.Load() < t.h.log.Head()
}

// take removes up to Batch waiting cases, oldest first.
func (t *Triager) take() []triageJob {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := min(len(t.order), t.cfg.Batch)
	out := make([]triageJob, 0, n)
	for _, id := range t.order[:n] {
		out = append(out, t.pending[id])
		delete(t.pending, id)
	}
	t.order = t.order[n:]
	if len(t.order) == 0 {
		t.order = nil // let the backing array go after a flood
	}
	return out
}

// offlineBatch classifies the jobs' messages (no lock held), folds them
// over each case's triage and stores the triages in one append, then
// hands them to the model.
func (t *Triager) offlineBatch(jobs []triageJob) error {
	h := t.h
	// A batch's cases are read before the lock (the log's state reads
	// are safe without it): under the lock only the ones that changed
	// meanwhile are read again, so ingest waits for one append, not for
	// a page of reads. A case's triage changes only here (the model's
	// answer keeps its message), so what is triaged already is known
	// now.
	early := make([]model.Case, len(jobs))
	chains := make([][]triageMsg, len(jobs))
	from := make([]int, len(jobs)) // the first message of chains[i] classified
	tr := make([][]assist.Triage, len(jobs))
	for i := range jobs {
		j := &jobs[i]
		if c, found, err := h.ilog.Case(j.caseID); err == nil && found {
			early[i] = c
		}
		c := &early[i]
		if c.ID != "" && c.Triage == nil && !j.whole {
			// Never triaged, and messages before the ones seen (a
			// backfill's window, a flood beyond Pending): the thread has
			// them.
			j.earlier, j.whole = t.earlierOf(c, j)
		}
		chains[i] = j.chain()
		if c.Triage != nil {
			from[i] = indexOfMessage(chains[i], c.Triage.MessageID) + 1
		}
		for _, m := range chains[i][from[i]:] {
			tr[i] = append(tr[i], t.off.Classify(assist.Input{ID: j.caseID, Text: m.text, Lang: j.lang, Channel: string(j.channel)}))
		}
	}
	stored := make([]bool, len(jobs))
	err := t.apply(jobs, early, func(i int, c *model.Case) (assist.Triage, bool) {
		j := &jobs[i]
		var prev *assist.Triage
		k := from[i]
		if c.Triage != nil {
			prev = assist.FromCaseTriage(c.Triage)
			if at := indexOfMessage(chains[i], c.Triage.MessageID); at >= k-1 {
				k = at + 1
			}
		}
		ts := tr[i][k-from[i]:]
		if len(ts) == 0 {
			return assist.Triage{}, false // triaged before (a backfill after a restart)
		}
		// The model's answer for the message follows the same triage
		// as its offline one did, not the offline triage itself.
		next, before := assist.FoldTriage(prev, ts)
		j.prev = before
		stored[i] = true
		return next, true
	})
	if err != nil {
		return err
	}
	n := 0
	for i, j := range jobs {
		if !stored[i] {
			continue
		}
		n++
		if t.cfg.Client == nil {
			continue
		}
		j.earlier = nil // the model is asked about the newest message
		t.mu.Lock()
		t.latest[j.caseID] = j.messageID
		t.mu.Unlock()
		select {
		case t.modelQ <- j:
		default:
			t.mu.Lock()
			t.stats.Skipped++
			if t.latest[j.caseID] == j.messageID {
				delete(t.latest, j.caseID)
			}
			t.mu.Unlock()
		}
	}
	t.mu.Lock()
	t.stats.Offline += n
	t.mu.Unlock()
	return nil
}

// indexOfMessage is the place of message id in chain, -1 when absent.
func indexOfMessage(chain []triageMsg, id string) int {
	for k := len(chain) - 1; k >= 0; k-- {
		if chain[k].id == id {
			return k
		}
	}
	return -1
}

// maxFoldThread bounds the customer messages a job reads from a thread
// (the newest).
const maxFoldThread = 64

// earlierOf are the customer messages of c before j's newest one, from
// the case's thread (the newest maxFoldThread), and whether they are all
// of them; j's own when the thread cannot be read.
func (t *Triager) earlierOf(c *model.Case, j *triageJob) ([]triageMsg, bool) {
	thread, err := t.h.log.Thread(c.ID)
	if err != nil {
		t.h.cfg.Logger.Error("triage: read thread", "case", c.ID, "err", err)
		return j.earlier, j.whole
	}
	author := c.Author.Key()
	var out []triageMsg
	for _, m := range thread {
		if m.ID == j.messageID {
			break
		}
		if m.Direction == model.DirectionIn && m.CaseID == c.ID && m.Author.Key() == author {
			out = append(out, triageMsg{m.ID, cutTriageText(m.Text)})
		}
	}
	whole := true
	if len(out) > maxFoldThread {
		out, whole = out[len(out)-maxFoldThread:], false
	}
	return out, whole
}

func (t *Triager) modelLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-t.modelQ:
			t.modelOne(ctx, j)
		}
	}
}

func (t *Triager) modelOne(ctx context.Context, j triageJob) {
	still := func() bool {
		t.mu.Lock()
		defer t.mu.Unlock()
		return t.latest[j.caseID] == j.messageID
	}
	done := func(counter *int) {
		t.mu.Lock()
		if t.latest[j.caseID] == j.messageID {
			delete(t.latest, j.caseID)
		}
		*counter++
		t.mu.Unlock()
	}
	if !still() {
		done(&t.stats.Superseded)
		return
	}
	tr, err := t.cfg.Client.Triage(ctx, assist.Input{ID: j.caseID, Text: j.text, Lang: j.lang, Channel: string(j.channel)}, j.version)
	if err != nil || !tr.FromModel() {
		if ctx.Err() == nil {
			t.h.cfg.Logger.Debug("triage: the offline triage stands", "case", j.caseID, "err", err)
		}
		done(&t.stats.ModelError)
		return
	}
	applied := false
	err = t.apply([]triageJob{j}, nil, func(_ int, c *model.Case) (assist.Triage, bool) {
		// Only over the offline triage of the same message: a newer
		// message has its own triage coming. It follows the triage the
		// offline one followed (the fold of the case's messages before
		// this one).
		applied = c.Triage != nil && c.Triage.MessageID == j.messageID && !assist.FromCaseTriage(c.Triage).FromModel()
		return assist.Follow(j.prev, tr), applied
	})
	switch {
	case err != nil:
		t.h.cfg.Logger.Error("triage: append", "err", err)
		done(&t.stats.ModelError)
	case applied:
		done(&t.stats.Model)
	default:
		done(&t.stats.Superseded)
	}
}

// apply stores the triage next gives for jobs[i] on its case (scored),
// in one append under the hub's lock, unless next says not to; durable
// on return. early are the cases as read before the lock (nil: read them
// under it; a model's answer is read there, where it cannot pass a newer
// message's triage): one that changed since is read again.
func (t *Triager) apply(jobs []triageJob, early []model.Case, next func(i int, c *model.Case) (assist.Triage, bool)) error {
	h := t.h
	h.mu.Lock()
	now := h.cfg.Now().UTC()
	evs := make([]model.Event, 0, len(jobs))
	var err error
	for i, j := range jobs {
		var c model.Case
		found := false
		if early != nil {
			rec, known := h.cases[j.caseID]
			c, found = early[i], known
			if known && (c.ID == "" || rec.version != c.Version) {
				c, found = model.Case{}, false // changed since: read again
			}
		}
		if !found {
			var rerr error
			c, found, rerr = h.fullCase(j.caseID)
			if rerr != nil {
				err = rerr
				break
			}
		}
		if !found || c.Version < j.version {
			continue
		}
		tr, ok := next(i, &c)
		if !ok {
			continue
		}
		in := assist.ScoreInput{Triage: tr, Reach: c.Author.Reach, Public: c.Public}
		if cust, ok := h.customers[c.CustomerID]; ok && c.CustomerID != "" {
			in.Tier = cust.Tier
		}
		if !c.WaitingSince.IsZero() && now.After(c.WaitingSince) {
			in.Waiting = now.Sub(c.WaitingSince)
		}
		if c.SLA != nil {
			in.SLA = c.SLA.State
		}
		c.Triage = assist.ToCaseTriage(tr, assist.Score(in), j.messageID, now)
		evs = append(evs, model.Event{Type: model.EventCaseUpserted, Time: now, Case: &c})
	}
	if err == nil && len(evs) > 0 {
		_, err = h.appendLocked(evs...)
	}
	waits := h.takeWaitsLocked()
	h.mu.Unlock()
	if werr := waitAll(waits); err == nil {
		err = werr
	}
	return err
}

// triageTimeout bounds how long a console's draft or summary request may
// take on the hub, model included.
const triageTimeout = 30 * time.Second
