package app

import (
	"strings"

	"switchboard/model"
)

// Filter narrows and orders the queue. The zero Filter is every case in
// the queue's own order; set fields narrow it further (all must hold).
// Every field is comparable: the index keeps one ordered list per filter
// in use, keyed by the filter itself, so a new field only needs its test
// in matcher.
type Filter struct {
	// Text is searched, case-insensitively, in every message of the case,
	// its subject, author, handle, customer number and tags.
	Text       string
	ActiveOnly bool // new, open and pending only
	Done       bool // solved and closed only
	// Status keeps one status only.
	Status  model.Status
	Channel model.Channel // empty: all
	// Assignee keeps the cases of one agent; Mine those of this console's
	// agent; Unassigned those of nobody.
	Assignee   string
	Mine       bool
	Unassigned bool
	// Reach keeps authors of at least this reach.
	Reach model.Reach
	// Waiting keeps the active cases whose customer waits for an answer
	// (the SLA clock runs).
	Waiting bool
	// SLA keeps the cases in one service-level state (ok, at risk,
	// breached).
	SLA  model.SLAState
	Sort Sort
}

// Match reports whether s passes the filter, with Text matched against the
// summary's author, handle and preview only (Core's queue searches the
// whole case) and Mine ignored (it needs the agent's name).
func (f Filter) Match(s model.Summary) bool {
	switch {
	case f.ActiveOnly && !s.Status.Active(),
		f.Done && (s.Status.Active() || s.Status == ""),
		f.Status != "" && s.Status != f.Status,
		f.Channel != "" && s.Channel != f.Channel,
		f.Assignee != "" && s.Assignee != f.Assignee,
		f.Unassigned && s.Assignee != "",
		f.Waiting && (s.WaitingSince.IsZero() || !s.Status.Active()),
		f.Reach != "" && !s.Reach.AtLeast(f.Reach),
		f.SLA != "" && s.SLA != f.SLA:
		return false
	}
	if f.Text == "" {
		return true
	}
	q := strings.ToLower(f.Text)
	return strings.Contains(strings.ToLower(s.Author), q) ||
		strings.Contains(strings.ToLower(s.Handle), q) ||
		strings.Contains(strings.ToLower(s.Preview), q)
}

// View is a named filter of the queue, with a count kept live.
type View struct {
	Name   string
	Filter Filter
}

// ViewCount is a view and how many cases it holds now.
type ViewCount struct {
	View
	Count int
}

func defaultViews() []View {
	return []View{
		{"All open", Filter{ActiveOnly: true}},
		{"Mine", Filter{ActiveOnly: true, Mine: true}},
		{"Unassigned", Filter{ActiveOnly: true, Unassigned: true}},
		{"High reach", Filter{ActiveOnly: true, Reach: model.ReachInfluencer}},
		{"Customer waiting", Filter{Waiting: true, Sort: SortOldestWaiting}},
		{"Waiting on customer", Filter{Status: model.StatusPending}},
		{"Closed/solved", Filter{Done: true, Sort: SortNewest}},
		{"Twitter/X", Filter{ActiveOnly: true, Channel: model.ChannelTwitter}},
		{"Facebook", Filter{ActiveOnly: true, Channel: model.ChannelFacebook}},
		{"Forums", Filter{ActiveOnly: true, Channel: model.ChannelForum}},
		{"All", Filter{}},
	}
}

// setViews compiles the views and counts them once.
func (t *table) setViews(vs []View) {
	t.views = vs
	t.viewM = make([]matcher, len(vs))
	for i, v := range vs {
		t.viewM[i] = t.compile(v.Filter)
	}
	t.count = make([]int, len(vs))
	for i := range t.rows {
		t.countRow(rowID(i), 1)
	}
}

// setMe re-resolves the views that name this console's agent.
func (t *table) setMe(me string) {
	if me == t.me {
		return
	}
	t.me = me
	t.setViews(t.views)
}

func (t *table) viewCounts() []ViewCount {
	out := make([]ViewCount, len(t.views))
	for i, v := range t.views {
		out[i] = ViewCount{View: v, Count: t.count[i]}
	}
	return out
}

// Views are the queue's named views with their counts now. Memory only.
func (c *Core) Views() []ViewCount {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.t.viewCounts()
}

// Result is one run of a filter: the matching cases in order, as they
// were ordered when it ran (the rows read their current content). It is
// safe to use from any goroutine.
type Result struct {
	Filter Filter
	// Views are the counts of the named views when it ran.
	Views []ViewCount
	c     *Core
	t     *table
	o     order
	text  string // lower-cased search text, for snippets
}

// Len is the number of matching cases.
func (r *Result) Len() int { return r.o.n }

// At is the i-th case, 0 ≤ i < Len.
func (r *Result) At(i int) model.Summary {
	id := r.o.at(i)
	r.c.mu.RLock()
	defer r.c.mu.RUnlock()
	return r.t.summary(id)
}

// ID is the id of the i-th case.
func (r *Result) ID(i int) string {
	id := r.o.at(i)
	r.c.mu.RLock()
	defer r.c.mu.RUnlock()
	return r.t.rows[id].id
}

// Page returns the cases from..to-1 (clipped to Len).
func (r *Result) Page(from, to int) []model.Summary {
	from, to = max(from, 0), min(to, r.o.n)
	if from >= to {
		return []model.Summary{}
	}
	out := make([]model.Summary, 0, to-from)
	r.c.mu.RLock()
	defer r.c.mu.RUnlock()
	r.o.from(from, func(id rowID) bool {
		out = append(out, r.t.summary(id))
		return len(out) < to-from
	})
	return out
}

// Match is where the search text occurs in the i-th case, for the row to
// show; zero when the filter has no text or the match is in the summary
// alone.
func (r *Result) Match(i int) Snippet {
	if r.text == "" {
		return Snippet{}
	}
	id := r.o.at(i)
	r.c.mu.RLock()
	defer r.c.mu.RUnlock()
	return r.t.search.snippet(id, r.text)
}

// View runs filter f over the queue. Without text it is a snapshot of a
// kept list (made with one sort the first time a filter is used, then kept
// up to date change by change); with text every listed case is matched
// against the search index. Memory only, but a first use of a filter or a
// search is milliseconds at 100k cases: call it off the UI goroutine.
func (c *Core) View(f Filter) *Result {
	c.startSearchBuild()
	c.mu.Lock()
	t := c.t
	o := t.list(f).snapshot()
	res := &Result{Filter: f, Views: t.viewCounts(), c: c, t: t, o: o}
	c.mu.Unlock()
	if f.Text == "" {
		return res
	}
	q := searchText(f.Text)
	res.text = q
	if q == "" {
		return res
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	res.o = flatOrder(t.search.filter(t, o, q))
	return res
}

// Queue returns the cases matching filter, in its order. The slice is the
// caller's. View is cheaper for big queues: it expands only the rows asked
// for.
func (c *Core) Queue(f Filter) []model.Summary {
	r := c.View(f)
	return r.Page(0, r.Len())
}
