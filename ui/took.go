package ui

import (
	"sync"
	"time"
)

// tookFor is how long a case the agent acted on counts as taken by them:
// the cache shows their claim or reply at once (offline too), so the
// first listing that has the case in Mine comes well within it.
const tookFor = time.Minute

// tookCases are the cases this console's agent acted on, and when. The
// notifications (keys.go, announce) leave out a case new in Mine that
// the agent took themselves: pressing a, or replying to an unassigned
// case, notified "New in Mine" for the case just claimed (seen in the
// live console with a desktop notification server).
type tookCases struct {
	mu sync.Mutex
	at map[string]time.Time
}

// add notes that the agent acted on the case now.
func (t *tookCases) add(id string, now time.Time) {
	if id == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.at == nil {
		t.at = map[string]time.Time{}
	}
	if len(t.at) >= 64 {
		for k, at := range t.at {
			if now.Sub(at) >= tookFor {
				delete(t.at, k)
			}
		}
	}
	t.at[id] = now
}

// justNow reports whether the agent acted on the case within tookFor,
// and forgets it: the case is theirs now, and told as such once.
func (t *tookCases) justNow(id string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	at, ok := t.at[id]
	if !ok {
		return false
	}
	delete(t.at, id)
	return now.Sub(at) < tookFor
}
