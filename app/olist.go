package app

import "slices"

// An ordered list of rows is a B+tree of row numbers that counts the rows
// under each node (an order-statistics tree): a change finds its place by
// comparing rows down one path, and position i is found by the counts, so
// a move, a lookup by position and a page are O(log n) whatever the size.
//
// The tree is persistent for readers: a snapshot is its root, and the next
// change copies the nodes on its path (one leaf of at most leafMax row
// numbers and a few inner nodes of at most innerMax entries) instead of
// writing them, so a reader keeps its order while the index moves on and a
// change after a snapshot still copies O(log n), never the whole list or a
// directory of all its chunks.

const (
	leafMax  = 256 // row numbers in a leaf
	innerMax = 64  // children of an inner node
	// leafMin: a leaf that shrinks below it is merged with a neighbour
	// when the two fit in one.
	leafMin = leafMax / 4
)

// onode is a node of a list. Exactly one of ids (a leaf) and kids (an
// inner node) is used.
type onode struct {
	gen  uint64   // the list generation that made it; writable in place while the list is at it
	n    int      // rows under it
	last rowID    // its last row, for the descent
	ids  []rowID  // leaf: rows in order
	kids []*onode // inner: children in order
}

func (nd *onode) leaf() bool { return nd.kids == nil }

// olist is a kept list: the rows of one filter in one sort.
type olist struct {
	root *onode
	gen  uint64 // nodes of an older generation are a reader's: copied before written
	n    int
	cmp  func(a, b *row) int
	m    matcher
	used uint64
}

// newList makes a list of ids, in order.
func newList(cmp func(a, b *row) int, m matcher, ids []rowID) *olist {
	l := &olist{cmp: cmp, m: m, gen: 1}
	l.root, l.n = buildTree(ids, l.gen), len(ids)
	return l
}

// buildTree bulk-loads ids, in order, three quarters full so that the first
// inserts do not split at once.
func buildTree(ids []rowID, gen uint64) *onode {
	if len(ids) == 0 {
		return nil
	}
	const leafFill, innerFill = leafMax * 3 / 4, innerMax * 3 / 4
	level := make([]*onode, 0, (len(ids)+leafFill-1)/leafFill)
	for i := 0; i < len(ids); i += leafFill {
		ch := make([]rowID, min(leafFill, len(ids)-i), leafMax+1)
		copy(ch, ids[i:])
		level = append(level, &onode{gen: gen, n: len(ch), last: ch[len(ch)-1], ids: ch})
	}
	for len(level) > 1 {
		up := make([]*onode, 0, (len(level)+innerFill-1)/innerFill)
		for i := 0; i < len(level); i += innerFill {
			kids := make([]*onode, min(innerFill, len(level)-i), innerMax+1)
			copy(kids, level[i:])
			nd := &onode{gen: gen, kids: kids, last: kids[len(kids)-1].last}
			for _, k := range kids {
				nd.n += k.n
			}
			up = append(up, nd)
		}
		level = up
	}
	return level[0]
}

// writable is nd, or its copy when a reader may hold it.
func (l *olist) writable(nd *onode) *onode {
	if nd.gen == l.gen {
		return nd
	}
	c := &onode{gen: l.gen, n: nd.n, last: nd.last}
	if nd.leaf() {
		c.ids = make([]rowID, len(nd.ids), leafMax+1)
		copy(c.ids, nd.ids)
	} else {
		c.kids = make([]*onode, len(nd.kids), innerMax+1)
		copy(c.kids, nd.kids)
	}
	return c
}

// child is the index of the child of nd where row r is or belongs: the
// first whose last row is not before r, else the last.
func (l *olist) child(t *table, nd *onode, r *row) int {
	lo, hi := 0, len(nd.kids)-1
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if l.cmp(&t.rows[nd.kids[mid].last], r) < 0 {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// place is where row r is or belongs in a leaf.
func (l *olist) place(t *table, ids []rowID, r *row) int {
	i, j := 0, len(ids)
	for i < j {
		mid := int(uint(i+j) >> 1)
		if l.cmp(&t.rows[ids[mid]], r) < 0 {
			i = mid + 1
		} else {
			j = mid
		}
	}
	return i
}

func (l *olist) insert(t *table, id rowID) {
	if l.root == nil {
		ids := make([]rowID, 1, leafMax+1)
		ids[0] = id
		l.root, l.n = &onode{gen: l.gen, n: 1, last: id, ids: ids}, 1
		return
	}
	l.root = l.writable(l.root)
	if right := l.insertAt(t, l.root, id); right != nil {
		left := l.root
		kids := make([]*onode, 2, innerMax+1)
		kids[0], kids[1] = left, right
		l.root = &onode{gen: l.gen, n: left.n + right.n, last: right.last, kids: kids}
	}
	l.n++
}

// insertAt files id under nd (writable) and returns the right half of nd
// when it split.
func (l *olist) insertAt(t *table, nd *onode, id rowID) *onode {
	r := &t.rows[id]
	nd.n++
	if nd.leaf() {
		i := l.place(t, nd.ids, r)
		nd.ids = slices.Insert(nd.ids, i, id)
		nd.last = nd.ids[len(nd.ids)-1]
		if len(nd.ids) <= leafMax {
			return nil
		}
		half := len(nd.ids) / 2
		ids := make([]rowID, len(nd.ids)-half, leafMax+1)
		copy(ids, nd.ids[half:])
		nd.ids = nd.ids[:half]
		nd.n, nd.last = half, nd.ids[half-1]
		return &onode{gen: l.gen, n: len(ids), last: ids[len(ids)-1], ids: ids}
	}
	ci := l.child(t, nd, r)
	kid := l.writable(nd.kids[ci])
	nd.kids[ci] = kid
	if right := l.insertAt(t, kid, id); right != nil {
		nd.kids = slices.Insert(nd.kids, ci+1, right)
	}
	nd.last = nd.kids[len(nd.kids)-1].last
	if len(nd.kids) <= innerMax {
		return nil
	}
	half := len(nd.kids) / 2
	kids := make([]*onode, len(nd.kids)-half, innerMax+1)
	copy(kids, nd.kids[half:])
	clear(nd.kids[half:])
	nd.kids = nd.kids[:half]
	right := &onode{gen: l.gen, kids: kids, last: kids[len(kids)-1].last}
	for _, k := range kids {
		right.n += k.n
	}
	nd.n -= right.n
	nd.last = nd.kids[half-1].last
	return right
}

// remove takes row id out; its row still holds the values it was filed by.
func (l *olist) remove(t *table, id rowID) {
	if l.root == nil || !l.has(t, id) {
		return // not filed: nothing to do
	}
	l.root = l.writable(l.root)
	l.removeAt(t, l.root, id)
	l.n--
	for l.root != nil && !l.root.leaf() && len(l.root.kids) == 1 {
		l.root = l.root.kids[0]
	}
	if l.root != nil && l.root.n == 0 {
		l.root = nil
	}
}

// has reports whether id is filed where its row says.
func (l *olist) has(t *table, id rowID) bool {
	r := &t.rows[id]
	nd := l.root
	for !nd.leaf() {
		nd = nd.kids[l.child(t, nd, r)]
	}
	i := l.place(t, nd.ids, r)
	return i < len(nd.ids) && nd.ids[i] == id
}

// removeAt takes id (known to be filed) out from under nd (writable).
func (l *olist) removeAt(t *table, nd *onode, id rowID) {
	r := &t.rows[id]
	nd.n--
	if nd.leaf() {
		i := l.place(t, nd.ids, r)
		nd.ids = slices.Delete(nd.ids, i, i+1)
		if len(nd.ids) > 0 {
			nd.last = nd.ids[len(nd.ids)-1]
		}
		return
	}
	ci := l.child(t, nd, r)
	kid := l.writable(nd.kids[ci])
	nd.kids[ci] = kid
	l.removeAt(t, kid, id)
	switch {
	case kid.n == 0:
		nd.kids = slices.Delete(nd.kids, ci, ci+1)
	case kid.leaf() && len(kid.ids) < leafMin:
		l.mergeLeaf(nd, ci)
	case !kid.leaf() && len(kid.kids) == 1:
		nd.kids[ci] = kid.kids[0] // a chain of one: shortened
	}
	if len(nd.kids) > 0 {
		nd.last = nd.kids[len(nd.kids)-1].last
	}
}

// mergeLeaf joins the small leaf nd.kids[ci] with a neighbour when both fit
// in a leaf three quarters full, so that leaves emptied by moves do not
// stay as a long tail of tiny nodes.
func (l *olist) mergeLeaf(nd *onode, ci int) {
	for _, pair := range [2][2]int{{ci - 1, ci}, {ci, ci + 1}} {
		a, b := pair[0], pair[1]
		if a < 0 || b >= len(nd.kids) || !nd.kids[a].leaf() || !nd.kids[b].leaf() {
			continue
		}
		if len(nd.kids[a].ids)+len(nd.kids[b].ids) > leafMax*3/4 {
			continue
		}
		left := l.writable(nd.kids[a])
		left.ids = append(left.ids, nd.kids[b].ids...)
		left.n, left.last = len(left.ids), left.ids[len(left.ids)-1]
		nd.kids[a] = left
		nd.kids = slices.Delete(nd.kids, b, b+1)
		return
	}
}

func (l *olist) each(f func(rowID) bool) { l.snapshotNoFreeze().each(f) }

// snapshotNoFreeze reads the list now, for the index's own use under its
// lock (no reader keeps it).
func (l *olist) snapshotNoFreeze() order { return order{root: l.root, n: l.n} }

// snapshot is the list as it is now, for a reader; the list copies what
// it writes next.
func (l *olist) snapshot() order {
	l.gen++
	return order{root: l.root, n: l.n}
}

// order is a read-only ordered list of rows: a snapshot of a kept list, or
// a flat slice (a search's result).
type order struct {
	root *onode
	flat []rowID
	n    int
}

func flatOrder(ids []rowID) order {
	return order{flat: ids, n: len(ids)}
}

// at is the i-th row, 0 ≤ i < n.
func (o order) at(i int) rowID {
	if o.root == nil {
		return o.flat[i]
	}
	nd := o.root
	for !nd.leaf() {
		for _, k := range nd.kids {
			if i < k.n {
				nd = k
				break
			}
			i -= k.n
		}
	}
	return nd.ids[i]
}

// each calls f with every row in order until it returns false.
func (o order) each(f func(rowID) bool) { o.from(0, f) }

// from calls f with the rows from position i on, in order, until it
// returns false.
func (o order) from(i int, f func(rowID) bool) {
	if i >= o.n {
		return
	}
	if o.root == nil {
		for _, id := range o.flat[max(i, 0):] {
			if !f(id) {
				return
			}
		}
		return
	}
	fromNode(o.root, max(i, 0), f)
}

func fromNode(nd *onode, i int, f func(rowID) bool) bool {
	if nd.leaf() {
		for _, id := range nd.ids[i:] {
			if !f(id) {
				return false
			}
		}
		return true
	}
	for _, k := range nd.kids {
		if i >= k.n {
			i -= k.n
			continue
		}
		if !fromNode(k, i, f) {
			return false
		}
		i = 0
	}
	return true
}
