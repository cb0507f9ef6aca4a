package app

import (
	"slices"
	"strings"
	"time"

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
	Text       string `json:"text,omitempty"`
	ActiveOnly bool   `json:"active,omitempty"` // new, open and pending only
	Done       bool   `json:"done,omitempty"`   // solved and closed only
	// Status keeps one status only.
	Status  model.Status  `json:"status,omitempty"`
	Channel model.Channel `json:"channel,omitempty"` // empty: all
	// Assignee keeps the cases of one agent; Mine those of this console's
	// agent; Unassigned those of nobody.
	Assignee   string `json:"assignee,omitempty"`
	Mine       bool   `json:"mine,omitempty"`
	Unassigned bool   `json:"unassigned,omitempty"`
	// Reach keeps authors of at least this reach.
	Reach model.Reach `json:"reach,omitempty"`
	// Waiting keeps the active cases whose customer waits for an answer
	// (the SLA clock runs).
	Waiting bool `json:"waiting,omitempty"`
	// SLA keeps the cases in one service-level state (ok, at risk,
	// breached); SLAAlert those at risk or breached (either).
	SLA      model.SLAState `json:"sla,omitempty"`
	SLAAlert bool           `json:"sla_alert,omitempty"`
	// Category and Lang keep the cases triaged with this category or
	// language ("" all).
	Category string `json:"category,omitempty"`
	Lang     string `json:"lang,omitempty"`
	// Relevance keeps the care cases only, or the brand chatter only
	// (triaged as not a care case); zero: both.
	Relevance Relevance `json:"relevance,omitempty"`
	// Snooze keeps the cases awake (the open views) or the snoozed ones
	// whose time is still to come (model.Summary.Asleep); zero: both.
	Snooze SnoozeFilter `json:"snooze,omitempty"`
	Sort   Sort         `json:"sort,omitempty"`
}

// SnoozeFilter picks cases by their snooze (op snooze, shared by the team).
type SnoozeFilter uint8

const (
	// SnoozeAny keeps every case.
	SnoozeAny SnoozeFilter = iota
	// SnoozeAwake keeps the cases not asleep: the open views.
	SnoozeAwake
	// SnoozeAsleep keeps the open cases snoozed until a time to come.
	SnoozeAsleep
)

// Relevance picks cases by the triage's verdict on whether they are a
// care case at all.
type Relevance uint8

const (
	// RelevanceAny keeps every case.
	RelevanceAny Relevance = iota
	// RelevanceCare keeps the care cases (and those not triaged yet).
	RelevanceCare
	// RelevanceChatter keeps the brand chatter: cases triaged as not a
	// care case.
	RelevanceChatter
)

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
		f.SLA != "" && s.SLA != f.SLA,
		f.SLAAlert && s.SLA != model.SLAAtRisk && s.SLA != model.SLABreached,
		f.Category != "" && s.Category != f.Category,
		f.Lang != "" && s.Lang != f.Lang,
		f.Relevance == RelevanceCare && s.Irrelevant,
		f.Relevance == RelevanceChatter && !s.Irrelevant,
		f.Snooze == SnoozeAwake && s.Asleep(time.Now()),
		f.Snooze == SnoozeAsleep && !s.Asleep(time.Now()):
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
	// Group says what kind of view it is: "" one of the queue's own,
	// GroupCategory and GroupLang one per triage category or language
	// present (Name is the value), GroupSaved the agent's saved views.
	Group string
}

// The groups of views beyond the queue's own.
const (
	GroupCategory = "category"
	GroupLang     = "lang"
	GroupSaved    = "saved"
)

// ViewCount is a view and how many cases it holds now.
type ViewCount struct {
	View
	Count int
}

// The work views hold the open care cases that are not snoozed: brand
// chatter (triaged as not a care case) and the snoozed cases have views of
// their own, and only "All" lists everything.
func defaultViews() []View {
	care := func(f Filter) Filter {
		f.Relevance, f.Snooze = RelevanceCare, SnoozeAwake
		return f
	}
	return []View{
		{Name: "All open", Filter: care(Filter{ActiveOnly: true})},
		{Name: "Mine", Filter: care(Filter{ActiveOnly: true, Mine: true})},
		{Name: "Unassigned", Filter: care(Filter{ActiveOnly: true, Unassigned: true})},
		{Name: "High reach", Filter: care(Filter{ActiveOnly: true, Reach: model.ReachInfluencer})},
		{Name: "Customer waiting", Filter: care(Filter{Waiting: true, Sort: SortOldestWaiting})},
		{Name: "SLA at risk or breached", Filter: care(Filter{ActiveOnly: true, SLAAlert: true, Sort: SortDue})},
		{Name: "SLA breached", Filter: care(Filter{ActiveOnly: true, SLA: model.SLABreached, Sort: SortDue})},
		{Name: "Waiting on customer", Filter: care(Filter{Status: model.StatusPending})},
		{Name: "Snoozed", Filter: Filter{ActiveOnly: true, Snooze: SnoozeAsleep}},
		{Name: "Brand chatter", Filter: Filter{ActiveOnly: true, Relevance: RelevanceChatter, Snooze: SnoozeAwake, Sort: SortNewest}},
		{Name: "Closed/solved", Filter: Filter{Done: true, Sort: SortNewest}},
		{Name: "Twitter/X", Filter: care(Filter{ActiveOnly: true, Channel: model.ChannelTwitter})},
		{Name: "Facebook", Filter: care(Filter{ActiveOnly: true, Channel: model.ChannelFacebook})},
		{Name: "Forums", Filter: care(Filter{ActiveOnly: true, Channel: model.ChannelForum})},
		{Name: "All", Filter: Filter{}},
	}
}

// facetView is the view of the open care cases of one triage category or
// language.
func facetView(group, value string) View {
	f := Filter{ActiveOnly: true, Relevance: RelevanceCare, Snooze: SnoozeAwake}
	if group == GroupCategory {
		f.Category = value
	} else {
		f.Lang = value
	}
	return View{Name: value, Filter: f, Group: group}
}

// setViews compiles the views and counts them once: vs (the queue's own
// and the saved ones), then one per category and one per language present,
// each group in name order.
func (t *table) setViews(vs []View) {
	vs = slices.DeleteFunc(slices.Clone(vs), func(v View) bool { return v.Group == GroupCategory || v.Group == GroupLang })
	t.facets = make([]uint8, len(t.names.list))
	var cats, langs []string
	for i := range t.rows {
		if r := &t.rows[i]; r.present {
			if r.category != 0 && t.facets[r.category]&1 == 0 {
				t.facets[r.category] |= 1
				cats = append(cats, t.names.list[r.category])
			}
			if r.lang != 0 && t.facets[r.lang]&2 == 0 {
				t.facets[r.lang] |= 2
				langs = append(langs, t.names.list[r.lang])
			}
		}
	}
	slices.Sort(cats)
	slices.Sort(langs)
	for _, c := range cats {
		vs = append(vs, facetView(GroupCategory, c))
	}
	for _, l := range langs {
		vs = append(vs, facetView(GroupLang, l))
	}
	t.views = vs
	t.viewM = make([]matcher, len(vs))
	for i, v := range vs {
		t.viewM[i] = t.compile(v.Filter)
	}
	t.count = make([]int, len(vs))
	for i := range t.rows {
		t.countViews(rowID(i), 1)
	}
}

// addFacets adds the view of row id's category or language when it is
// the first case of it (counted 0: no other row has it, countRow counts
// this one). A value no case has any more keeps its view, at 0.
func (t *table) addFacets(id rowID) {
	r := &t.rows[id]
	add := func(code uint16, bit uint8, group string) {
		if code == 0 {
			return
		}
		if int(code) >= len(t.facets) {
			t.facets = append(t.facets, make([]uint8, len(t.names.list)-len(t.facets))...)
		}
		if t.facets[code]&bit != 0 {
			return
		}
		t.facets[code] |= bit
		v := facetView(group, t.names.list[code])
		// Kept in name order within its group.
		at := len(t.views)
		for i, w := range t.views {
			if w.Group == group && w.Name > v.Name || group == GroupCategory && w.Group == GroupLang {
				at = i
				break
			}
		}
		t.views = slices.Insert(t.views, at, v)
		t.viewM = slices.Insert(t.viewM, at, t.compile(v.Filter))
		t.count = slices.Insert(t.count, at, 0)
	}
	add(r.category, 1, GroupCategory)
	add(r.lang, 2, GroupLang)
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

// Views are the queue's named views with their counts now: its own, the
// agent's saved views (GroupSaved), then one per triage category and one
// per language present. Memory only; a saved view with search text is
// counted by a search (milliseconds at 100k cases).
func (c *Core) Views() []ViewCount {
	c.syncSaved()
	c.mu.RLock()
	vs := c.t.viewCounts()
	c.mu.RUnlock()
	for i, v := range vs {
		if v.Group == GroupSaved && v.Filter.Text != "" {
			vs[i].Count = c.View(v.Filter).Len()
		}
	}
	return vs
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
	// The order is a snapshot (olist.go), read without the lock; the rows
	// are read under it a chunk at a time, so a page of 100k rows (the
	// console's queue worker) does not hold off a sync page's write, and
	// the readers queued behind that write, for the whole copy.
	ids := make([]rowID, 0, to-from)
	r.o.from(from, func(id rowID) bool {
		ids = append(ids, id)
		return len(ids) < to-from
	})
	out := make([]model.Summary, 0, len(ids))
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), pageChunk)]
		ids = ids[len(chunk):]
		r.c.mu.RLock()
		for _, id := range chunk {
			out = append(out, r.t.summary(id))
		}
		r.c.mu.RUnlock()
	}
	return out
}

// pageChunk is how many rows Page reads per turn at the index lock.
const pageChunk = 2048

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
	c.syncSaved()
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

// Compare orders two summaries as a queue sorted by s orders them (< 0: a
// first): the index's own comparison, for a backend or a test that lists
// summaries without the index.
func Compare(s Sort, a, b model.Summary) int {
	t := &table{names: newNames()}
	var ra, rb row
	ra.id, rb.id = a.ID, b.ID
	t.set(&ra, &a)
	t.set(&rb, &b)
	return cmpOf(s)(&ra, &rb)
}
