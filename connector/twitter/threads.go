package twitter

import (
	"strings"
	"sync"

	"switchboard/model"
)

// Thread ref prefixes: one case per conversation, one per DM partner.
const (
	convPrefix = "tw-conv-"
	dmPrefix   = "tw-dm-"
)

// DefaultThreadsSize is how many tweets a Threads remembers by default.
const DefaultThreadsSize = 50_000

// Threads remembers, for tweets this process has seen or posted, the
// conversation they belong to, and which of them its Sender posted.
// Account Activity's v1.1 tweets carry no conversation_id, so a webhook
// reply finds its conversation through the tweet it answers. Share one
// between the Poller, the Webhook and the Sender (Config.Threads). It
// forgets the oldest entries beyond its size; safe for concurrent use.
type Threads struct {
	mu    sync.Mutex
	max   int
	root  map[string]string   // tweet id → conversation id
	sent  map[string]struct{} // ids (tweets, DM events) our Sender posted
	order []string            // insertion order of root's keys, a ring
	next  int
}

// NewThreads returns a Threads holding up to max tweets (zero:
// DefaultThreadsSize).
func NewThreads(max int) *Threads {
	if max <= 0 {
		max = DefaultThreadsSize
	}
	return &Threads{max: max, root: map[string]string{}, sent: map[string]struct{}{}}
}

// Remember records that tweet id belongs to conversation root.
func (t *Threads) Remember(id, root string) {
	if id == "" || root == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.rememberLocked(id, root)
}

func (t *Threads) rememberLocked(id, root string) {
	if _, ok := t.root[id]; ok {
		t.root[id] = root
		return
	}
	if len(t.order) < t.max {
		t.order = append(t.order, id)
	} else {
		old := t.order[t.next]
		delete(t.root, old)
		delete(t.sent, old)
		t.order[t.next] = id
		t.next = (t.next + 1) % t.max
	}
	t.root[id] = root
}

// Root returns the conversation of tweet id, if known.
func (t *Threads) Root(id string) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r, ok := t.root[id]
	return r, ok
}

// markSent records a tweet or DM event our Sender posted (root may be
// empty for a DM).
func (t *Threads) markSent(id, root string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if root == "" {
		root = id
	}
	t.rememberLocked(id, root)
	t.sent[id] = struct{}{}
}

func (t *Threads) sentByUs(id string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, ok := t.sent[id]
	return ok
}

// ThreadFinder may be implemented by the Sink handed to the Webhook: it
// returns the thread ref of a platform message the sink has stored. The
// Webhook asks it for the conversation of a tweet this process has not
// seen (after a restart), before falling back to the replied-to id.
type ThreadFinder interface {
	ThreadOf(ch model.Channel, platformID string) (threadRef string, ok bool)
}

// convOf extracts the conversation id from a "tw-conv-" thread ref.
func convOf(threadRef string) (string, bool) {
	id, ok := strings.CutPrefix(threadRef, convPrefix)
	return id, ok && isID(id)
}
