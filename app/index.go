package app

import (
	"slices"
	"strings"
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
// Lists are chunked (at most chunkMax row numbers per chunk), so a move
// copies one chunk and the chunk directory, not the whole list, and a
// snapshot for a reader is the directory alone: a reader keeps its order
// while the index moves on (copy on write).

// rowID is a case's slot in the index table.
type rowID = int32

// row is a model.Summary in compact form: the few small vocabularies
// (channel, status, reach, assignee) interned as numbers, times as Unix
// nanoseconds.
type row struct {
	id, author, handle, preview, customer string
	created, last, waiting, version       int64
	msgs                                  int32
	assignee, channel, status, reach      uint16
	priority, rank                        int8 // rank: of the reach
	active, present                       bool
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
	// SortPriority is the queue's own order: active cases first, then by
	// priority, then the most recent activity.
	SortPriority Sort = iota
	// SortOldestWaiting puts the customers waiting longest for an answer
	// first, then the others by the most recent activity.
	SortOldestWaiting
	// SortNewest puts the newest cases first.
	SortNewest
	// SortReach puts the authors with the widest reach first, then the
	// queue's own order.
	SortReach
	numSorts
)

var sortNames = [numSorts]string{"Priority", "Oldest waiting", "Newest", "Reach"}

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
}

// listKey names a kept list: a filter (without text) and its sort.
type listKey struct {
	f Filter
}

// maxLists bounds the kept lists of filters: the least recently used one
// is dropped (the base list of each sort stays).
const maxLists = 12

func newTable(me string, sums []model.Summary) *table {
	t := &table{names: newNames(), byID: make(map[string]rowID, len(sums)), lists: map[listKey]*olist{}, me: me}
	t.rows = make([]row, 0, len(sums))
	t.keys = make([]uint64, 0, len(sums))
	for i := range sums {
		t.slot(sums[i].ID)
		r := &t.rows[len(t.rows)-1]
		t.set(r, &sums[i])
		t.keys[len(t.rows)-1] = rowKey(r)
		t.nlive++
	}
	t.setViews(defaultViews())
	t.list(Filter{}) // the base order, sorted once
	return t
}

// slot is the row of id, made (not present) when new.
func (t *table) slot(id string) rowID {
	if r, ok := t.byID[id]; ok {
		return r
	}
	r := rowID(len(t.rows))
	t.rows = append(t.rows, row{id: id})
	t.keys = append(t.keys, 0)
	t.byID[id] = r
	return r
}

func (t *table) set(r *row, s *model.Summary) {
	*r = row{
		id: r.id, author: s.Author, handle: s.Handle, preview: s.Preview, customer: s.CustomerID,
		created: unixNano(s.Created), last: unixNano(s.LastMessageAt), waiting: unixNano(s.WaitingSince),
		version: s.Version, msgs: int32(min(s.MessageCount, 1<<31-1)),
		assignee: t.names.intern(s.Assignee), channel: t.names.intern(string(s.Channel)),
		status: t.names.intern(string(s.Status)), reach: t.names.intern(string(s.Reach)),
		priority: int8(max(min(s.Priority, 127), -128)), rank: reachRank(s.Reach),
		active: s.Status.Active(), present: true,
	}
}

// summary expands a row.
func (t *table) summary(r *row) model.Summary {
	n := t.names.list
	return model.Summary{
		ID: r.id, Channel: model.Channel(n[r.channel]), Author: r.author, Handle: r.handle,
		Reach: model.Reach(n[r.reach]), Preview: r.preview, Status: model.Status(n[r.status]),
		Priority: model.Priority(r.priority), Assignee: n[r.assignee], CustomerID: r.customer,
		Created: fromUnix(r.created), LastMessageAt: fromUnix(r.last), WaitingSince: fromUnix(r.waiting),
		MessageCount: int(r.msgs), Version: r.version,
	}
}

// put brings the row of s up to date in every list and view count.
func (t *table) put(s model.Summary) {
	id := t.slot(s.ID)
	r := &t.rows[id]
	if r.present {
		for _, l := range t.lists {
			if l.m.match(t.keys[id]) {
				l.remove(t, id)
			}
		}
		t.countRow(id, -1)
	} else {
		t.nlive++
	}
	t.set(r, &s)
	t.keys[id] = rowKey(r)
	for _, l := range t.lists {
		if l.m.match(t.keys[id]) {
			l.insert(t, id)
		}
	}
	t.countRow(id, 1)
}

func (t *table) countRow(id rowID, d int) {
	k := t.keys[id]
	for i := range t.viewM {
		if t.viewM[i].match(k) {
			t.count[i] += d
		}
	}
}

func (t *table) get(id string) (model.Summary, bool) {
	r, ok := t.byID[id]
	if !ok || !t.rows[r].present {
		return model.Summary{}, false
	}
	return t.summary(&t.rows[r]), true
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
			if m.match(t.keys[id]) {
				ids = append(ids, id)
			}
			return true
		})
	} else {
		ids = make([]rowID, 0, t.nlive)
		for i := range t.rows {
			if m.match(t.keys[i]) {
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
		hi   uint64 // inactive, then priority descending
		last int64
		id   rowID
	}
	recs := make([]rec, len(ids))
	for i, id := range ids {
		r := &t.rows[id]
		hi := uint64(255 - uint8(int(r.priority)+128))
		if !r.active {
			hi |= 1 << 8
		}
		recs[i] = rec{hi, r.last, id}
	}
	slices.SortFunc(recs, func(a, b rec) int {
		if a.hi != b.hi {
			return cmpInt(int64(a.hi), int64(b.hi))
		}
		if a.last != b.last {
			return cmpInt(b.last, a.last)
		}
		return cmp(&t.rows[a.id], &t.rows[b.id])
	})
	for i := range recs {
		ids[i] = recs[i].id
	}
}

func cmpOf(s Sort) func(a, b *row) int {
	switch s {
	case SortOldestWaiting:
		return cmpOldestWaiting
	case SortNewest:
		return cmpNewest
	case SortReach:
		return func(a, b *row) int {
			if a.rank != b.rank {
				return int(b.rank) - int(a.rank)
			}
			return cmpPriority(a, b)
		}
	}
	return cmpPriority
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
)

func rowKey(r *row) uint64 {
	if !r.present {
		return 0
	}
	k := uint64(r.status)<<keyStatus | uint64(r.channel)<<keyChannel | uint64(r.assignee)<<keyAssign |
		uint64(r.rank&7)<<keyRank | keyPresent
	if r.active {
		k |= keyActive
		if r.waiting != 0 {
			k |= keyWaiting
		}
	}
	return k
}

// matcher is a Filter compiled against the table's names: the fields that
// must equal, as a mask and value of the row key, and the rest.
type matcher struct {
	mask, val uint64
	done      bool
	reach     uint64 // the least reach rank; 0: any
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
	if f.Assignee != "" {
		eq(keyAssign, code(f.Assignee))
	}
	if f.Unassigned {
		if f.Assignee != "" {
			m.val = 0 // both: none
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
			m.val = 0 // both: none
		}
		m.mask |= keyActive
		m.val &^= keyActive
	}
	return m
}

func (m *matcher) match(k uint64) bool {
	if k&m.mask != m.val {
		return false
	}
	if m.done && k&(0xFFFF<<keyStatus) == 0 {
		return false
	}
	return k>>keyRank&7 >= m.reach
}

// chunkMax is the most row numbers in a chunk of a list.
const chunkMax = 512

// olist is an ordered list of rows: chunks of row numbers in order, with
// the position each chunk starts at.
type olist struct {
	chunks [][]rowID
	starts []int
	owned  []bool // chunk i may be written in place (made since the last snapshot)
	shared bool   // chunks and starts are a reader's: copy before writing
	n      int
	cmp    func(a, b *row) int
	m      matcher
	used   uint64
}

func newList(cmp func(a, b *row) int, m matcher, ids []rowID) *olist {
	l := &olist{cmp: cmp, m: m, n: len(ids)}
	const fill = chunkMax * 3 / 4
	for i := 0; i < len(ids); i += fill {
		ch := make([]rowID, min(fill, len(ids)-i), chunkMax+1)
		copy(ch, ids[i:])
		l.chunks = append(l.chunks, ch)
		l.starts = append(l.starts, i)
		l.owned = append(l.owned, true)
	}
	return l
}

// unshare makes the directory the list's own after a snapshot.
func (l *olist) unshare() {
	if !l.shared {
		return
	}
	l.chunks = slices.Clone(l.chunks)
	l.starts = slices.Clone(l.starts)
	l.owned = make([]bool, len(l.chunks))
	l.shared = false
}

// own makes chunk ci writable in place.
func (l *olist) own(ci int) {
	if !l.owned[ci] {
		ch := make([]rowID, len(l.chunks[ci]), chunkMax+1)
		copy(ch, l.chunks[ci])
		l.chunks[ci] = ch
		l.owned[ci] = true
	}
}

// search finds where row r is or belongs: chunk and index in it.
func (l *olist) search(t *table, r *row) (int, int) {
	if len(l.chunks) == 0 {
		return 0, 0
	}
	// The first chunk whose last row is not before r.
	lo, hi := 0, len(l.chunks)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		ch := l.chunks[mid]
		if l.cmp(&t.rows[ch[len(ch)-1]], r) < 0 {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo == len(l.chunks) {
		lo--
		return lo, len(l.chunks[lo])
	}
	ch := l.chunks[lo]
	i, j := 0, len(ch)
	for i < j {
		mid := int(uint(i+j) >> 1)
		if l.cmp(&t.rows[ch[mid]], r) < 0 {
			i = mid + 1
		} else {
			j = mid
		}
	}
	return lo, i
}

func (l *olist) insert(t *table, id rowID) {
	l.unshare()
	if len(l.chunks) == 0 {
		ch := make([]rowID, 1, chunkMax+1)
		ch[0] = id
		l.chunks, l.starts, l.owned, l.n = [][]rowID{ch}, []int{0}, []bool{true}, 1
		return
	}
	ci, i := l.search(t, &t.rows[id])
	l.own(ci)
	l.chunks[ci] = slices.Insert(l.chunks[ci], i, id)
	l.n++
	for k := ci + 1; k < len(l.starts); k++ {
		l.starts[k]++
	}
	if ch := l.chunks[ci]; len(ch) > chunkMax {
		half := len(ch) / 2
		right := make([]rowID, len(ch)-half, chunkMax+1)
		copy(right, ch[half:])
		l.chunks[ci] = ch[:half]
		l.chunks = slices.Insert(l.chunks, ci+1, right)
		l.starts = slices.Insert(l.starts, ci+1, l.starts[ci]+half)
		l.owned = slices.Insert(l.owned, ci+1, true)
	}
}

// remove takes row id out; its row still holds the values it was filed by.
func (l *olist) remove(t *table, id rowID) {
	ci, i := l.search(t, &t.rows[id])
	if ci >= len(l.chunks) || i >= len(l.chunks[ci]) || l.chunks[ci][i] != id {
		return // not filed: nothing to do
	}
	l.unshare()
	l.own(ci)
	l.chunks[ci] = slices.Delete(l.chunks[ci], i, i+1)
	l.n--
	for k := ci + 1; k < len(l.starts); k++ {
		l.starts[k]--
	}
	if len(l.chunks[ci]) == 0 {
		l.chunks = slices.Delete(l.chunks, ci, ci+1)
		l.starts = slices.Delete(l.starts, ci, ci+1)
		l.owned = slices.Delete(l.owned, ci, ci+1)
	}
}

func (l *olist) each(f func(rowID) bool) {
	for _, ch := range l.chunks {
		for _, id := range ch {
			if !f(id) {
				return
			}
		}
	}
}

// snapshot is the list as it is now, for a reader; the list copies what
// it writes next.
func (l *olist) snapshot() order {
	l.shared = true
	return order{chunks: l.chunks, starts: l.starts, n: l.n}
}

// order is a read-only ordered list of rows: a snapshot of a kept list, or
// a flat slice.
type order struct {
	chunks [][]rowID
	starts []int
	n      int
}

func flatOrder(ids []rowID) order {
	if len(ids) == 0 {
		return order{}
	}
	return order{chunks: [][]rowID{ids}, starts: []int{0}, n: len(ids)}
}

func (o order) at(i int) rowID {
	ci, _ := slices.BinarySearch(o.starts, i)
	if ci == len(o.starts) || o.starts[ci] > i {
		ci--
	}
	return o.chunks[ci][i-o.starts[ci]]
}

func (o order) each(f func(rowID) bool) {
	for _, ch := range o.chunks {
		for _, id := range ch {
			if !f(id) {
				return
			}
		}
	}
}
