package ui

import (
	"slices"

	"switchboard/model"
)

// The queue worker does the list's bookkeeping off the UI goroutine. At
// 100k cases every hand-over of new rows cost the UI goroutine several
// passes over all of them — a map of the new rows by id, the old rows
// kept in order against it, a set of those shown, two searches for the
// open case, the open cases counted for the window title — 30-60 ms on a
// quiet machine, ten times a second while a sync or the demo ran, and the
// list stuttered under the wheel. Now the worker hands over, with the new
// rows, their positions by id, their open count, and the shown rows kept in
// order against them (merge); the UI goroutine takes what was computed for
// the rows it still shows and only decides about the few rows that left
// the view (drop those out of sight).

// shownRows is what the UI goroutine shows, published for the worker: the
// rows (a slice never written in place once shown), the filter generation
// they were adopted for and the open case. Guarded by queueMu.
type shownRows struct {
	rows     []model.Summary
	gen      uint64
	selected string // the open case
}

// rowIndex is the position of each row by case id.
func rowIndex(rows []model.Summary) map[string]int {
	idx := make(map[string]int, len(rows))
	for i, s := range rows {
		idx[s.ID] = i
	}
	return idx
}

// openCount is how many of rows are open cases.
func openCount(rows []model.Summary) int {
	n := 0
	for _, s := range rows {
		if s.Status.Active() {
			n++
		}
	}
	return n
}

// merged is the shown rows kept in their order with the fresh rows'
// content: what setRows shows when the agent has touched the list.
type merged struct {
	base []model.Summary // the shown rows it was computed against
	rows []model.Summary // base in its order, fresh content; rows that left the view kept in place
	// left are the positions in rows (and base) of rows not in fresh,
	// in order.
	left  []int
	newN  int // fresh rows not shown
	moved int // shown rows whose order changed
	open  int // open cases among the rows still in fresh
}

// mergeRows keeps base's order with fresh's content (see setRows).
func mergeRows(base, fresh []model.Summary, freshIdx map[string]int) *merged {
	m := &merged{base: base, rows: make([]model.Summary, len(base))}
	pos := make([]int, 0, len(base)) // positions in fresh of the kept rows, in shown order
	for i, r := range base {
		j, ok := freshIdx[r.ID]
		if !ok {
			m.rows[i] = r
			m.left = append(m.left, i)
			continue
		}
		m.rows[i] = fresh[j]
		pos = append(pos, j)
		if fresh[j].Status.Active() {
			m.open++
		}
	}
	m.newN = len(fresh) - len(pos)
	m.moved = len(pos) - increasingRun(pos)
	return m
}

// sameRows reports whether a and b are the same shown slice.
func sameRows(a, b []model.Summary) bool {
	if len(a) != len(b) {
		return false
	}
	return len(a) == 0 || &a[0] == &b[0]
}

// publishShown tells the worker which rows the list shows now. Called on
// the UI goroutine whenever c.rows or the open case changes.
func (c *Console) publishShown() {
	c.queueMu.Lock()
	c.shown = shownRows{rows: c.rows, gen: c.shownGen, selected: c.selected}
	c.queueMu.Unlock()
}

// rowAt is the position of case id in the list, or -1.
func (c *Console) rowAt(id string) int {
	if id == "" {
		return -1
	}
	if c.rowsIdx != nil {
		if i, ok := c.rowsIdx[id]; ok && i < len(c.rows) && c.rows[i].ID == id {
			return i
		}
		return -1
	}
	return slices.IndexFunc(c.rows, func(s model.Summary) bool { return s.ID == id })
}
