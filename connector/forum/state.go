package forum

import "time"

// State is what a Poller needs to resume after a restart without
// re-fetching unchanged feeds or re-sending old entries. It is plain JSON;
// the hub persists it after each poll (Config.OnPoll) and hands it back
// with SetState.
type State struct {
	// Feeds is keyed by Feed.Name.
	Feeds map[string]FeedState `json:"feeds"`
}

// FeedState is one feed's part of State.
type FeedState struct {
	// URL the validators belong to: when a feed's URL changes in the
	// configuration, its ETag and Last-Modified are dropped.
	URL          string `json:"url"`
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	// NotBefore is set from a 429 or 503 answer's Retry-After.
	NotBefore time.Time `json:"not_before,omitzero"`
	// Seen are the ids (PlatformID) of entries already passed or
	// filtered, oldest first, at most Config.MaxSeen.
	Seen []string `json:"seen,omitempty"`
	// Threads are the thread refs followed: an entry passed the feed's
	// include keywords, so later posts of the thread pass without naming
	// the brand again. Oldest first, at most Config.MaxSeen.
	Threads []string `json:"threads,omitempty"`
}

type feedState struct {
	url       string
	etag      string
	lastMod   string
	notBefore time.Time
	seen      boundedSet // entry ids
	threads   boundedSet // thread refs followed
}

func newFeedState(url string) *feedState {
	return &feedState{url: url}
}

// boundedSet is a set of strings that forgets its oldest members.
type boundedSet struct {
	m     map[string]struct{}
	order []string // oldest first
}

func (s *boundedSet) has(k string) bool {
	_, ok := s.m[k]
	return ok
}

func (s *boundedSet) add(k string) {
	if s.m == nil {
		s.m = map[string]struct{}{}
	}
	if _, ok := s.m[k]; ok {
		return
	}
	s.m[k] = struct{}{}
	s.order = append(s.order, k)
}

// trim forgets the oldest members beyond max.
func (s *boundedSet) trim(max int) {
	if len(s.order) <= max {
		return
	}
	drop := len(s.order) - max
	for _, k := range s.order[:drop] {
		delete(s.m, k)
	}
	s.order = append([]string(nil), s.order[drop:]...)
}

func (s *boundedSet) list() []string { return append([]string(nil), s.order...) }

func (s *boundedSet) load(keys []string, max int) {
	for _, k := range keys {
		if k != "" {
			s.add(k)
		}
	}
	s.trim(max)
}

// State returns a copy of the poller's state, for persistence.
func (p *Poller) State() State {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := State{Feeds: make(map[string]FeedState, len(p.state))}
	for name, s := range p.state {
		out.Feeds[name] = FeedState{
			URL:          s.url,
			ETag:         s.etag,
			LastModified: s.lastMod,
			NotBefore:    s.notBefore,
			Seen:         s.seen.list(),
			Threads:      s.threads.list(),
		}
	}
	return out
}

// SetState restores a persisted state. Feeds no longer configured are
// ignored; a feed whose URL changed keeps its seen ids and threads but
// not its validators. Call it before the first poll.
func (p *Poller) SetState(st State) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range p.feeds {
		saved, ok := st.Feeds[f.Name]
		if !ok {
			continue
		}
		s := newFeedState(f.URL)
		if saved.URL == f.URL {
			s.etag, s.lastMod, s.notBefore = saved.ETag, saved.LastModified, saved.NotBefore
		}
		s.seen.load(saved.Seen, p.cfg.MaxSeen)
		s.threads.load(saved.Threads, p.cfg.MaxSeen)
		p.state[f.Name] = s
	}
}
