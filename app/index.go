package app

import (
	"bytes"
	"encoding/binary"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"switchboard/model"
)

// The queue index keeps every cached case as a compact row and, per sort
// and per filter in use, an ordered list of row numbers. A change moves one
// row: it leaves each list it was in by a binary search on its old values
// and enters the lists it now matches by a binary search on its new ones.
// Nothing sorts all rows on a change; a sort is made once, when a list is
// first asked for.
//
// Lists are persistent order-statistics trees (olist.go): a move copies
// the nodes on one path, O(log n), and a snapshot for a reader is the root
// alone: a reader keeps its order while the index moves on.

// rowID is a case's slot in the index table.
type rowID = int32

// row is a model.Summary in compact form: the few small vocabularies
// (channel, status, reach, assignee) interned as numbers, times as Unix
// nanoseconds.
type row struct {
	id                               string // its author, handle, preview and customer number: table.strings
	created, last, waiting, version  int64
	due                              int64 // Summary.Due: the SLA's next due time
	msgs                             int32
	assignee, channel, status, reach uint16
	sla                              uint16 // Summary.SLA, interned
	// The triage: its labels interned, its score 0..100, its flags.
	category, urgency, sentiment, lang, source uint16
	score                                      int8
	slaKey                                     uint8 // slaCode(SLA)
	troll, spam, irrelevant, public            bool
	priority, rank                             int8 // rank: of the reach
	active, present                            bool
	// snooze is Summary.Snoozed; asleep that it was still to come (and
	// the case open) when the row was set: the Core's wake timer sets
	// the row again at that time (snooze.go).
	snooze int64
	asleep bool
}

// names interns the small vocabularies of the rows.
type names struct {
	code map[string]uint16
	list []string
}

func newNames() *names {
	return &names{code: map[string]uint16{"": 0}, list: []string{""}}
}

func (n *names) intern(s string) uint16 {
	if s == "" {
		return 0 // most triage labels, assignees and SLA states: no lookup
	}
	if c, ok := n.code[s]; ok {
		return c
	}
	if len(n.list) == 1<<16-1 {
		return 0 // more than 65k distinct names: the rest read as ""
	}
	c := uint16(len(n.list))
	s = strings.Clone(s)
	n.code[s] = c
	n.list = append(n.list, s)
	return c
}

// lookup is the code of s, or false when no row has it.
func (n *names) lookup(s string) (uint16, bool) {
	c, ok := n.code[s]
	return c, ok
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnix(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// Sort orders a queue.
type Sort uint8

const (
	// SortPriority is the queue's own order (the default): the priority
	// score of the triage combined with the SLA time left (queueKey), then
	// the customer waiting longest.
	SortPriority Sort = iota
	// SortOldestWaiting puts the customers waiting longest for an answer
	// first, then the others by the most recent activity.
	SortOldestWaiting
	// SortNewest puts the newest cases first.
	SortNewest
	// SortReach puts the authors with the widest reach first, then the
	// queue's own order.
	SortReach
	// SortDue puts the active cases whose SLA clock runs first, the least
	// time left (the most overdue) first; then the others by priority and
	// the customer waiting longest.
	SortDue
	// SortScore puts the active cases with the highest triage score first,
	// then by priority and the customer waiting longest.
	SortScore
	numSorts
)

var sortNames = [numSorts]string{"Priority", "Oldest waiting", "Newest", "Reach", "SLA due", "Triage score"}

func (s Sort) String() string {
	if s < numSorts {
		return sortNames[s]
	}
	return "Priority"
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// The queue's own order (SortPriority). The triage score (Summary.Score,
// 0..100, assist.Score) is computed when a message is triaged, so its
// waiting and SLA parts are those of that moment; the order combines it
// with the live due time so that time left keeps counting:
//
//   - open care cases first, then open cases flagged likely troll or spam
//     (demoted, never hidden), then the solved and closed;
//   - within the open ones, first those whose customer waits or whose SLA
//     clock runs, by their adjusted due time: the SLA's next due time (or,
//     with no SLA, an hour after the customer started waiting) moved
//     earlier by 3 minutes per point of score, so a score of 100 is worth
//     5 hours of time left. Both parts are times, so the order of two cases
//     does not change as the clock moves on and a kept list stays sorted:
//     a case past due keeps rising above the fresh ones that arrive;
//   - then those nobody waits on, by score;
//   - a priority set on the case counts as points: urgent +25, high +10,
//     low −10;
//   - ties: the customer waiting longest, then the latest activity.
//
// The solved and closed come last, the latest activity first.
func cmpQueue(a, b *row) int {
	at, ak := queueKey(a)
	bt, bk := queueKey(b)
	if at != bt {
		return int(at) - int(bt)
	}
	if ak != bk {
		return cmpInt(ak, bk)
	}
	if c := cmpInt(waitKey(a), waitKey(b)); c != 0 {
		return c
	}
	if c := cmpInt(b.last, a.last); c != 0 {
		return c
	}
	return strings.Compare(a.id, b.id)
}

// Points of the queue order (cmpQueue).
const (
	queuePointTime = int64(3 * time.Minute) // one point of score
	queueNoSLAWait = int64(time.Hour)       // the due time of a wait with no SLA
)

// queueKey is a row's place in the queue's own order: its tier (0 open
// with a clock, 1 open without, 2 and 3 the same demoted as troll or spam,
// 4 done) and, within it, the adjusted due time or the negated points.
func queueKey(r *row) (tier uint8, key int64) {
	if !r.active {
		return 4, 0
	}
	pts := int64(r.score)
	switch model.Priority(r.priority) {
	case model.PriorityUrgent:
		pts += 25
	case model.PriorityHigh:
		pts += 10
	case model.PriorityLow:
		pts -= 10
	}
	if r.troll || r.spam {
		tier = 2
	}
	anchor := r.due
	if anchor == 0 && r.waiting != 0 {
		anchor = r.waiting + queueNoSLAWait
	}
	if anchor == 0 {
		return tier + 1, -pts
	}
	return tier, anchor - pts*queuePointTime
}

// cmpPriority is active first, then the priority set on the case, then the
// latest activity: the tie-break of the other sorts.
func cmpPriority(a, b *row) int {
	if a.active != b.active {
		if a.active {
			return -1
		}
		return 1
	}
	if a.priority != b.priority {
		return int(b.priority) - int(a.priority)
	}
	if c := cmpInt(b.last, a.last); c != 0 {
		return c
	}
	return strings.Compare(a.id, b.id)
}

func cmpOldestWaiting(a, b *row) int {
	aw, bw := a.active && a.waiting != 0, b.active && b.waiting != 0
	if aw != bw {
		if aw {
			return -1
		}
		return 1
	}
	if aw {
		if c := cmpInt(a.waiting, b.waiting); c != 0 {
			return c
		}
	}
	return cmpPriority(a, b)
}

func cmpNewest(a, b *row) int {
	if c := cmpInt(b.created, a.created); c != 0 {
		return c
	}
	return strings.Compare(a.id, b.id)
}

// waitKey orders by waiting time: the longest waiting first, the cases
// whose customer does not wait last.
func waitKey(r *row) int64 {
	if !r.active || r.waiting == 0 {
		return math.MaxInt64
	}
	return r.waiting
}

// cmpPriorityWaiting is active first, then priority, then the customer
// waiting longest, then the queue's own order.
func cmpPriorityWaiting(a, b *row) int {
	if a.active != b.active {
		if a.active {
			return -1
		}
		return 1
	}
	if a.priority != b.priority {
		return int(b.priority) - int(a.priority)
	}
	if c := cmpInt(waitKey(a), waitKey(b)); c != 0 {
		return c
	}
	return cmpPriority(a, b)
}

func cmpDue(a, b *row) int {
	ad, bd := a.active && a.due != 0, b.active && b.due != 0
	if ad != bd {
		if ad {
			return -1
		}
		return 1
	}
	if ad {
		if c := cmpInt(a.due, b.due); c != 0 {
			return c
		}
	}
	return cmpPriorityWaiting(a, b)
}

func cmpScore(a, b *row) int {
	if a.active != b.active {
		if a.active {
			return -1
		}
		return 1
	}
	if a.score != b.score {
		return int(b.score) - int(a.score)
	}
	return cmpPriorityWaiting(a, b)
}

func reachRank(r model.Reach) int8 {
	switch {
	case r.AtLeast(model.ReachHigh):
		return 3
	case r.AtLeast(model.ReachInfluencer):
		return 2
	case r.AtLeast(model.ReachNotable):
		return 1
	}
	return 0
}

// table is the rows and the lists kept on them. It is guarded by Core.mu.
type table struct {
	names  *names
	rows   []row
	keys   []uint64 // by row: its filter fields packed (rowKey)
	byID   map[string]rowID
	lists  map[listKey]*olist
	tick   uint64
	views  []View
	viewM  []matcher
	count  []int // per view
	me     string
	nlive  int
	search searchIndex
	// strs holds each row's author, handle, preview and customer number.
	strs    blockStore
	scratch []byte

	// facets are, by name code, the categories (bit 1) and languages
	// (bit 2) that have a view (views.go); saved the saved views counted
	// (savedviews.go).
	facets []uint8
	saved  *savedState
	// onSleep is told the wake time of each row set asleep (the Core's
	// wake timer, snooze.go); nil in a table of its own (Compare).
	onSleep func(until int64)
}

// listKey names a kept list: a filter (without text) and its sort.
type listKey struct {
	f Filter
}

// maxLists bounds the kept lists of filters: the least recently used one
// is dropped (the base list of each sort stays).
const maxLists = 12

func newTable(me string, sums []model.Summary) *table {
	t := emptyTable(me, len(sums))
	for i := range sums {
		t.add(&sums[i])
	}
	t.ready()
	return t
}

// emptyTable is a table with room for n rows.
func emptyTable(me string, n int) *table {
	t := &table{names: newNames(), byID: make(map[string]rowID, n), lists: map[listKey]*olist{}, me: me}
	t.rows = make([]row, 0, n)
	t.keys = make([]uint64, 0, n)
	return t
}

// add files one more case as a table is made (no list or count yet),
// with one map write and no lookup: ready drops the rows of an id filed
// twice but the last.
func (t *table) add(s *model.Summary) {
	id := rowID(len(t.rows))
	sid := strings.Clone(s.ID)
	t.rows = append(t.rows, row{id: sid})
	t.keys = append(t.keys, 0)
	t.byID[sid] = id
	r := &t.rows[id]
	t.set(r, s)
	t.setStrings(id, s)
	t.keys[len(t.rows)-1] = rowKey(r)
	t.nlive++
}

// ready counts the views and makes the base order, once every case is in.
func (t *table) ready() {
	if len(t.byID) != len(t.rows) { // an id added twice: the last one stands
		for i := range t.rows {
			if t.byID[t.rows[i].id] != rowID(i) && t.rows[i].present {
				t.rows[i].present, t.keys[i] = false, 0
				t.nlive--
			}
		}
	}
	t.setViews(defaultViews())
	t.list(Filter{}) // the base order, sorted once
}

// slot is the row of id, made (not present) when new.
func (t *table) slot(id string) rowID {
	if r, ok := t.byID[id]; ok {
		return r
	}
	r := rowID(len(t.rows))
	id = strings.Clone(id) // not the summary record it came in (store's decoder slices one)
	t.rows = append(t.rows, row{id: id})
	t.keys = append(t.keys, 0)
	t.byID[id] = r
	return r
}

// setStrings files the author, handle, preview and customer number of s
// as the document of row id in the table's text blocks (outside the Go
// heap, like the search index's text: textmem_unix.go), unless they are
// there already: three uvarint lengths, then the four strings.
func (t *table) setStrings(id rowID, s *model.Summary) {
	b := docOf(t, s.Author, s.Handle, s.Preview, s.CustomerID)
	if old, _ := t.strs.doc(id); old != nil && bytes.Equal(old, b) {
		return
	}
	t.strs.put(id, b, 0)
}

// strings are the author, handle, preview and customer number of row id,
// in one allocation of the caller's.
func (t *table) strings(id rowID) (author, handle, preview, customer string) {
	doc, _ := t.strs.doc(id)
	if doc == nil {
		return
	}
	a, n1 := binary.Uvarint(doc)
	h, n2 := binary.Uvarint(doc[n1:])
	p, n3 := binary.Uvarint(doc[n1+n2:])
	all := string(doc[n1+n2+n3:])
	return all[:a], all[a : a+h], all[a+h : a+h+p], all[a+h+p:]
}

func (t *table) set(r *row, s *model.Summary) {
	*r = row{
		id:      r.id,
		created: unixNano(s.Created), last: unixNano(s.LastMessageAt), waiting: unixNano(s.WaitingSince),
		version: s.Version, msgs: int32(min(s.MessageCount, 1<<31-1)), due: unixNano(s.Due), sla: t.names.intern(string(s.SLA)),
		assignee: t.names.intern(s.Assignee), channel: t.names.intern(string(s.Channel)),
		status: t.names.intern(string(s.Status)), reach: t.names.intern(string(s.Reach)),
		priority: int8(max(min(s.Priority, 127), -128)), rank: reachRank(s.Reach),
		active: s.Status.Active(), present: true,
		category: t.names.intern(s.Category), urgency: t.names.intern(s.Urgency), sentiment: t.names.intern(s.Sentiment),
		lang: t.names.intern(s.Lang), source: t.names.intern(s.TriageSource), score: int8(max(min(s.Score, 127), -128)),
		troll: s.Troll, spam: s.Spam, irrelevant: s.Irrelevant, public: s.Public, slaKey: uint8(slaCode(s.SLA)),
		snooze: unixNano(s.Snoozed),
	}
	if r.active && r.snooze > time.Now().UnixNano() {
		r.asleep = true
		if t.onSleep != nil {
			t.onSleep(r.snooze)
		}
	}
}

// summary expands row id.
func (t *table) summary(id rowID) model.Summary {
	n := t.names.list
	r := &t.rows[id]
	author, handle, preview, customer := t.strings(id)
	return model.Summary{
		ID: r.id, Channel: model.Channel(n[r.channel]), Author: author, Handle: handle,
		Reach: model.Reach(n[r.reach]), Preview: preview, Status: model.Status(n[r.status]),
		Priority: model.Priority(r.priority), Assignee: n[r.assignee], CustomerID: customer,
		Created: fromUnix(r.created), LastMessageAt: fromUnix(r.last), WaitingSince: fromUnix(r.waiting),
		MessageCount: int(r.msgs), Version: r.version, SLA: model.SLAState(n[r.sla]), Due: fromUnix(r.due),
		Category: n[r.category], Urgency: n[r.urgency], Sentiment: n[r.sentiment], Lang: n[r.lang], TriageSource: n[r.source],
		Score: int(r.score), Troll: r.troll, Spam: r.spam, Irrelevant: r.irrelevant, Public: r.public,
		Snoozed: fromUnix(r.snooze),
	}
}

// put brings the row of s up to date in every list and view count.
func (t *table) put(s model.Summary) {
	id := t.slot(s.ID)
	r := &t.rows[id]
	if r.present {
		for _, l := range t.lists {
			if l.m.match(t, id) {
				l.remove(t, id)
			}
		}
		t.countRow(id, -1)
	} else {
		t.nlive++
	}
	t.set(r, &s)
	t.setStrings(id, &s)
	t.keys[id] = rowKey(r)
	for _, l := range t.lists {
		if l.m.match(t, id) {
			l.insert(t, id)
		}
	}
	t.countRow(id, 1)
}

// countRow counts row id in or out of the views it matches; a new
// category or language gets its view first.
func (t *table) countRow(id rowID, d int) {
	if d > 0 {
		t.addFacets(id)
	}
	t.countViews(id, d)
}

func (t *table) countViews(id rowID, d int) {
	for i := range t.viewM {
		if t.viewM[i].match(t, id) {
			t.count[i] += d
		}
	}
}

func (t *table) get(id string) (model.Summary, bool) {
	r, ok := t.byID[id]
	if !ok || !t.rows[r].present {
		return model.Summary{}, false
	}
	return t.summary(r), true
}

// list is the kept list of f (its text ignored), made when first asked
// for: from the base list of its sort when there is one, else by one sort.
func (t *table) list(f Filter) *olist {
	f.Text = ""
	f = t.resolve(f)
	t.tick++
	key := listKey{f}
	if l, ok := t.lists[key]; ok {
		l.used = t.tick
		return l
	}
	m := t.compile(f)
	var ids []rowID
	if base, ok := t.lists[listKey{Filter{Sort: f.Sort}}]; ok {
		ids = make([]rowID, 0, base.n/4)
		base.each(func(id rowID) bool {
			if m.match(t, id) {
				ids = append(ids, id)
			}
			return true
		})
	} else {
		ids = make([]rowID, 0, t.nlive)
		for i := range t.rows {
			if m.match(t, rowID(i)) {
				ids = append(ids, rowID(i))
			}
		}
		t.sortRows(ids, f.Sort)
	}
	l := newList(cmpOf(f.Sort), m, ids)
	l.used = t.tick
	if len(t.lists) >= maxLists {
		var old listKey
		oldest := ^uint64(0)
		for k, v := range t.lists {
			if k.f != (Filter{Sort: k.f.Sort}) && v.used < oldest { // a sort's base stays
				old, oldest = k, v.used
			}
		}
		delete(t.lists, old)
	}
	t.lists[key] = l
	return l
}

// sortRows sorts ids by s. The queue's own order (every start-up) sorts
// its keys packed beside the row numbers, not the rows: 100k rows are
// scattered in memory, their keys are not.
func (t *table) sortRows(ids []rowID, s Sort) {
	cmp := cmpOf(s)
	if s != SortPriority {
		slices.SortFunc(ids, func(a, b rowID) int { return cmp(&t.rows[a], &t.rows[b]) })
		return
	}
	type rec struct {
		key  int64 // queueKey
		last int64
		id   rowID
		tier uint8
	}
	recs := make([]rec, len(ids))
	for i, id := range ids {
		r := &t.rows[id]
		tier, key := queueKey(r)
		recs[i] = rec{key, r.last, id, tier}
	}
	byRec := func(a, b rec) int {
		if a.tier != b.tier {
			return int(a.tier) - int(b.tier)
		}
		if a.key != b.key {
			return cmpInt(a.key, b.key)
		}
		if a.tier&1 == 1 || a.tier == 4 { // nobody waits: the latest activity
			if c := cmpInt(b.last, a.last); c != 0 {
				return c
			}
		}
		return cmp(&t.rows[a.id], &t.rows[b.id])
	}
	if len(recs) < 1<<14 || runtime.GOMAXPROCS(0) < 2 {
		slices.SortFunc(recs, byRec)
		for i := range recs {
			ids[i] = recs[i].id
		}
		return
	}
	// Two halves sorted on two cores, then merged.
	half := len(recs) / 2
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		slices.SortFunc(recs[half:], byRec)
	}()
	slices.SortFunc(recs[:half], byRec)
	wg.Wait()
	i, j := 0, half
	for k := range ids {
		if j == len(recs) || (i < half && byRec(recs[i], recs[j]) <= 0) {
			ids[k] = recs[i].id
			i++
		} else {
			ids[k] = recs[j].id
			j++
		}
	}
}

func cmpOf(s Sort) func(a, b *row) int {
	switch s {
	case SortOldestWaiting:
		return cmpOldestWaiting
	case SortNewest:
		return cmpNewest
	case SortDue:
		return cmpDue
	case SortScore:
		return cmpScore
	case SortReach:
		return func(a, b *row) int {
			if a.rank != b.rank {
				return int(b.rank) - int(a.rank)
			}
			return cmpQueue(a, b)
		}
	}
	return cmpQueue
}

// resolve turns Mine into the agent's name.
func (t *table) resolve(f Filter) Filter {
	if f.Mine {
		f.Mine, f.Assignee = false, t.me
		if f.Assignee == "" {
			f.Assignee = "\x00nobody"
		}
	}
	return f
}

// Each row's filter fields are packed in one word, kept apart from the
// rows so a pass over 100k cases reads 800 KB, not the rows themselves.
const (
	keyStatus  = 0 // 16 bits each: the interned codes
	keyChannel = 16
	keyAssign  = 32
	keyRank    = 48 // 3 bits
	keyActive  = uint64(1) << 51
	keyWaiting = uint64(1) << 52 // active, and the customer waits
	keyPresent = uint64(1) << 53
	keySLA     = 54              // 3 bits: slaCode
	keyChatter = uint64(1) << 57 // triaged as not a care case (Summary.Irrelevant)
	keyAsleep  = uint64(1) << 58 // snoozed, and its time still to come (row.asleep)
)

// slaCode is the SLA state as 3 bits of the row key.
func slaCode(s model.SLAState) uint64 {
	switch s {
	case "":
		return 0
	case model.SLAOK:
		return 1
	case model.SLAAtRisk:
		return 2
	case model.SLABreached:
		return 3
	}
	return 7 // a state this build does not know
}

func rowKey(r *row) uint64 {
	if !r.present {
		return 0
	}
	k := uint64(r.status)<<keyStatus | uint64(r.channel)<<keyChannel | uint64(r.assignee)<<keyAssign |
		uint64(r.rank&7)<<keyRank | keyPresent | uint64(r.slaKey)<<keySLA
	if r.active {
		k |= keyActive
		if r.waiting != 0 {
			k |= keyWaiting
		}
	}
	if r.irrelevant {
		k |= keyChatter
	}
	if r.asleep {
		k |= keyAsleep
	}
	return k
}

// matcher is a Filter compiled against the table's names: the fields that
// must equal, as a mask and value of the row key, and the rest. Category
// and language are not in the key (16 bits each would not fit): they are
// read from the row, after the key matched.
type matcher struct {
	mask, val uint64
	done      bool
	none      bool   // the filter contradicts itself: nothing matches
	reach     uint64 // the least reach rank; 0: any
	byCat     bool
	byLang    bool
	cat, lang uint16
}

func (t *table) compile(f Filter) matcher {
	f = t.resolve(f)
	m := matcher{mask: keyPresent, val: keyPresent, done: f.Done, reach: uint64(reachRank(f.Reach))}
	code := func(s string) uint64 {
		c, ok := t.names.lookup(s)
		if !ok {
			// Nobody has it yet; intern it so a row that gets it later
			// matches a kept list.
			c = t.names.intern(s)
		}
		return uint64(c)
	}
	eq := func(shift int, v uint64) {
		m.mask |= 0xFFFF << shift
		m.val |= v << shift
	}
	if f.Status != "" {
		eq(keyStatus, code(string(f.Status)))
	}
	if f.Channel != "" {
		eq(keyChannel, code(string(f.Channel)))
	}
	if f.SLA != "" {
		m.mask |= 7 << keySLA
		m.val |= slaCode(f.SLA) << keySLA
		if f.SLAAlert && f.SLA != model.SLAAtRisk && f.SLA != model.SLABreached {
			m.none = true
		}
	} else if f.SLAAlert {
		// At risk (2) or breached (3): the codes 01x.
		m.mask |= 6 << keySLA
		m.val |= 2 << keySLA
	}
	switch f.Relevance {
	case RelevanceCare:
		m.mask |= keyChatter
	case RelevanceChatter:
		m.mask |= keyChatter
		m.val |= keyChatter
	}
	switch f.Snooze {
	case SnoozeAwake:
		m.mask |= keyAsleep
	case SnoozeAsleep:
		m.mask, m.val = m.mask|keyAsleep, m.val|keyAsleep
	}
	if f.Category != "" {
		m.byCat, m.cat = true, uint16(code(f.Category))
	}
	if f.Lang != "" {
		m.byLang, m.lang = true, uint16(code(f.Lang))
	}
	if f.Assignee != "" {
		eq(keyAssign, code(f.Assignee))
	}
	if f.Unassigned {
		if f.Assignee != "" {
			m.none = true // both: none
		}
		m.mask |= 0xFFFF << keyAssign
	}
	if f.ActiveOnly || f.Waiting {
		m.mask, m.val = m.mask|keyActive, m.val|keyActive
	}
	if f.Waiting {
		m.mask, m.val = m.mask|keyWaiting, m.val|keyWaiting
	}
	if f.Done {
		if f.ActiveOnly || f.Waiting {
			m.none = true // both: none
		}
		m.mask |= keyActive
		m.val &^= keyActive
	}
	return m
}

// match reports whether row id of t passes the filter.
func (m *matcher) match(t *table, id rowID) bool {
	k := t.keys[id]
	if k&m.mask != m.val || m.none {
		return false
	}
	if m.done && k&(0xFFFF<<keyStatus) == 0 {
		return false
	}
	if k>>keyRank&7 < m.reach {
		return false
	}
	if m.byCat || m.byLang {
		r := &t.rows[id]
		return (!m.byCat || r.category == m.cat) && (!m.byLang || r.lang == m.lang)
	}
	return true
}
