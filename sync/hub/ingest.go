package hub

import (
	"hash/maphash"
	"time"

	"switchboard/model"
)

// Ingest under load. Every call of Ingest and IngestMany is a request in
// one queue (ingestQueue); whoever finds no request being worked on leads:
// it takes every request queued, folds all their items under h.mu in one
// pass and one log group (one fsync'd transaction for all of them), hands
// the lead to the first request queued meanwhile, and only then seals the
// group (encoding its events) and tells its requests their wait. So 256
// webhooks at once cost one lock hand-over and one group per batch, not
// per message, and the next batch is folded while this one is encoded and
// written.
//
// What an item needs that does not depend on the items before it is done
// by its caller before it queues, in parallel with the lead: validation,
// its keys (author, thread, seen: inKeys, not made again under h.mu), the
// seen index (a platform message the hub stored is stored for good, so
// a duplicate is answered at once), and the full case of its thread, read
// and decoded from the log with the change count of the case's stripe
// (Hub.changed: the hub's count of case changes at the newest change of
// any case in the stripe). The lead uses that case only if the count has
// not moved since (nothing was appended to the case meanwhile); else it
// reads the case again, as before. A stripe is one of changeStripes: a
// change of another case of it costs that read, and one in a few hundred
// shares a stripe with a case changed meanwhile.

// ingestReq is one call's items on their way through the queue.
type ingestReq struct {
	ins  []Inbound
	pres []prefetched
	out  []Ingested
	// turn tells a waiting request that its items were folded (false:
	// wait is set) or that it leads now (true).
	turn chan bool
	wait func() error
}

// prefetched is what an item's caller read before queuing: its thread's
// case as of its stripe's change count gen (ok: c holds it).
type prefetched struct {
	id  string
	gen uint64
	ok  bool
	c   model.Case
	// keys are the item's keys (keyed: made).
	keys  inKeys
	keyed bool
}

// changeStripes is the number of stripes of case ids whose changes are
// counted (Hub.changed): 128 KiB, not 8 bytes a case.
const changeStripes = 1 << 14

func changeStripe(id string) int { return int(maphash.String(seenSeed, id) % changeStripes) }

// ingestQueue is the queue of ingest requests.
type ingestQueue struct {
	reqs    []*ingestReq
	leading bool // a request is being worked on
}

// IngestMany is Ingest for many items, in order, in one log transaction
// (group commit): a webhook's batch costs one fsync, and concurrent calls
// share one. It returns once every item is durable. An item that needs its
// thread read from the disk (an edit, a deletion, the platform's copy of a
// reply) splits the batch there, so it reads what the items before it
// wrote.
func (h *Hub) IngestMany(ins []Inbound) []Ingested {
	start := time.Now()
	r := &ingestReq{ins: ins, out: make([]Ingested, len(ins)), pres: make([]prefetched, len(ins))}
	queue := false
	for i := range ins {
		if r.out[i].Err = h.validate(&ins[i]); r.out[i].Err != nil {
			continue
		}
		if h.prefetch(&ins[i], &r.pres[i], &r.out[i]) {
			queue = true
		}
	}
	if queue {
		h.ingestQueued(r)
	}
	for i := range ins {
		h.metrics.ingestDone(&ins[i], start, &r.out[i].Dup, &r.out[i].Err)
	}
	return r.out
}

// prefetch reads, before the item is queued, what does not depend on the
// items before it (see "Ingest under load"). It reports whether the item
// still needs folding: not when it is a duplicate of a stored message.
func (h *Hub) prefetch(in *Inbound, p *prefetched, out *Ingested) bool {
	if in.Listen || in.Action == model.InboundEdit || in.Action == model.InboundDelete {
		return true
	}
	p.keys, p.keyed = keysOf(in), true
	if in.PlatformID != "" {
		if id, ok := h.ilog.Seen(p.keys.seen); ok {
			out.CaseID, out.Dup = id, true
			return false
		}
	}
	h.mu.RLock()
	id, ok := h.threads[p.keys.thread]
	gen := h.changed[changeStripe(id)]
	h.mu.RUnlock()
	if !ok {
		return true
	}
	c, found, err := h.ilog.Case(id)
	if err == nil && found {
		p.id, p.gen, p.ok, p.c = id, gen, true, c
	}
	return true
}

// ingestQueued queues r and returns once its items are folded and durable
// (or failed).
func (h *Hub) ingestQueued(r *ingestReq) {
	r.turn = make(chan bool, 1)
	h.inMu.Lock()
	h.inq.reqs = append(h.inq.reqs, r)
	lead := !h.inq.leading
	h.inq.leading = true
	h.inMu.Unlock()
	if !lead {
		lead = <-r.turn
	}
	if lead {
		h.leadIngest()
	}
	// r's items are folded: wait for their group.
	if err := r.wait(); err != nil {
		for i := range r.out {
			// A listened post has no case but was logged (listen.go).
			if r.out[i].Err == nil && !r.out[i].Dup && (r.out[i].CaseID != "" || r.ins[i].Listen) {
				r.out[i] = Ingested{Err: err}
			}
		}
	}
}

// leadIngest folds every queued request in one pass under h.mu and one
// group, hands the lead on, then seals the group and answers the
// requests (see "Ingest under load").
func (h *Hub) leadIngest() {
	h.inMu.Lock()
	batch := h.inq.reqs
	h.inq.reqs = nil
	h.inMu.Unlock()

	h.mu.Lock()
	h.grouping = true
	for _, r := range batch {
		for i := range r.ins {
			if r.out[i].Err == nil && !r.out[i].Dup {
				r.out[i].CaseID, r.out[i].Dup, r.out[i].Err = h.ingestPreLocked(r.ins[i], &r.pres[i])
				r.pres[i] = prefetched{} // the case is not needed any more
			}
		}
	}
	h.grouping = false
	// The group is sealed (and its events encoded) outside the lock, and
	// after the next batch has the lead.
	g := h.group
	h.group = nil
	waits := h.takeWaitsLocked()
	h.mu.Unlock()

	h.inMu.Lock()
	var next *ingestReq
	if len(h.inq.reqs) > 0 {
		next = h.inq.reqs[0]
	} else {
		h.inq.leading = false
	}
	h.inMu.Unlock()
	if next != nil {
		next.turn <- true
	}

	if g != nil {
		waits = append(waits, g.Seal())
	}
	wait := func() error { return waitAll(waits) }
	for _, r := range batch {
		r.wait = wait
		r.turn <- false // buffered: the leader's own is read by no one
	}
}
