// Package ui is the console's Fyne front end. It renders what app.Core
// knows and never touches the disk or the network itself: loads run on
// goroutines and come back through fyne.Do.
package ui

import (
	"image/color"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"switchboard/app"
	"switchboard/model"
	"switchboard/sync/client"
)

// Backend is what the console needs from the core.
type Backend interface {
	Queue(app.Filter) []model.Summary
	Case(id string) (app.CaseDetail, error)
	Status() client.Status
	Count() int
	OnChange(func(app.Change))
	// Do queues an op; it writes the outbox, so it is called off the UI
	// goroutine.
	Do(model.Op) (model.Op, error)
	Me() string
	Lead() bool
	Pending() int
	Rejected() ([]app.RejectedOp, error)
	Retry(opID string) (model.Op, error)
	Discard(opID string) error
	// SetPresence and Presence are memory only: safe on the UI goroutine.
	SetPresence(caseID string, typing bool)
	Presence(caseID string) (viewing, typing []string)
}

// Console is the main window's content.
type Console struct {
	be  Backend
	now func() time.Time

	filterMu sync.Mutex
	filter   app.Filter
	// filterGen counts filter changes: a queue computed for an older
	// filter is not shown.
	filterGen uint64
	// queueMu guards the queue worker's state: queueDirty asks for one
	// more run, queueRunning says a worker goroutine is on it.
	queueMu      sync.Mutex
	queueDirty   bool
	queueRunning bool
	queueBuilt   bool                // New is through: the worker may start
	queueOut     latest[queueResult] // the worker's newest rows, until the UI takes them
	shown        shownRows           // the rows the list shows, for the worker (queuemerge.go)

	// sortBy is the sort chosen (an index into sorts); guarded by filterMu.
	sortBy int
	// view is the view shown (a key of queueViews); guarded by filterMu.
	view string

	// The list keeps its order while the queue changes (see setRows):
	// rows is what it shows, fresh the newest order the worker computed,
	// shown when the agent asks. Only touched on the UI goroutine.
	rows     []model.Summary
	fresh    []model.Summary
	shownGen uint64          // the filter generation rows were adopted for
	gone     map[string]bool // shown rows that left the view since
	// rowsIdx is the position of each of rows by id (nil: not known,
	// rowAt searches); freshIdx and freshOpen are fresh's positions and
	// open count, all from the queue worker (queuemerge.go); openN is
	// OpenCount.
	rowsIdx   map[string]int
	freshIdx  map[string]int
	freshOpen int
	openN     int
	unsynced  map[string]bool // cases with actions in the outbox
	counts    map[string]int  // open cases per view key
	selected  string
	// actMu guards the ops waiting to go to the core, in order (act).
	actMu      sync.Mutex
	actQ       []func()
	actRunning bool
	// loading is the case opened whose detail has not arrived yet: the
	// case view and the action bar still show the case before it.
	loading string

	// tierMu guards the tiers known (by customer id) and those rows missed.
	tierMu   sync.Mutex
	tiers    map[string]string
	tierWant map[string]bool

	rowH float32 // rowHeight, once measured

	newBar   *widget.Button
	snoozeB  *widget.Button
	empty    *widget.Label
	viewBtns map[string]*widget.Button
	sortSel  *widget.Select
	vw       *viewsUI // category and language pickers, saved views (views.go)

	typingDone *time.Timer

	search  *keyEntry
	channel *widget.Select
	active  *widget.Check
	list    *widget.List
	count   *widget.Label

	detail   *CaseView
	actions  *ActionBar
	customer *CustomerPanel
	rejected *RejectedPanel
	status   *StatusBar

	root fyne.CanvasObject

	// mu is held by every update that arrives from another goroutine. On
	// the desktop those all run on the UI goroutine and it is never
	// contended; in windowless use (tests, --capture) fyne.Do runs them on
	// the calling goroutine, and mu keeps them from racing with the reader.
	mu sync.Mutex
	// bg counts the goroutines the console started (loads, actions).
	bg sync.WaitGroup

	askDlg *AskExpertDialog // the open hand-off dialog (community.go)
}

// Wait blocks until the console's background loads and actions are done;
// windowless callers use it before tearing the app down.
func (c *Console) Wait() { c.bg.Wait() }

// spawn runs f on a goroutine the console keeps count of.
func (c *Console) spawn(f func()) {
	c.bg.Add(1)
	go func() {
		defer c.bg.Done()
		f()
	}()
}

// do runs f on the UI goroutine, holding mu.
func (c *Console) do(f func()) {
	fyne.Do(func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		f()
	})
}

// Locked runs f with the console's update lock held, for windowless callers
// that read or drive widgets while background updates may arrive.
func (c *Console) Locked(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f()
}

// pendingTeller is a backend that tells whether one queued op still waits
// for the hub (app.Core does).
type pendingTeller interface {
	IsPending(caseID, opID string) bool
}

// New builds the console on be. Call it on the UI goroutine.
func New(be Backend) *Console {
	c := &Console{be: be, now: clock}
	c.detail = NewCaseView()
	c.customer = NewCustomerPanel(c.Select, c.act)
	c.status = NewStatusBar()
	c.actions = NewActionBar(c.act)
	if p, ok := be.(pendingTeller); ok {
		c.actions.isPending = p.IsPending
	}
	c.detail.copyText = func(text string) {
		if a := fyne.CurrentApp(); a != nil {
			a.Clipboard().SetContent(text)
			c.actions.info.SetText(T("Reply copied: paste it in the thread"))
		}
	}
	c.detail.openURL = func(raw string) {
		if u, err := url.Parse(raw); err == nil && (u.Scheme == "https" || u.Scheme == "http") {
			if err := fyne.CurrentApp().OpenURL(u); err != nil {
				c.status.Flash("could not open " + raw + ": " + err.Error())
			}
		}
	}
	c.detail.markPosted = func(caseID, msgID string) {
		c.act(model.Op{Kind: model.OpMarkPosted, CaseID: caseID, MessageID: msgID}, func(err error) {
			if err != nil {
				c.status.Flash(err.Error())
			}
		})
	}
	c.actions.onTyping = c.typing
	c.wireAssist()    // assist.go
	c.wireCommunity() // community.go
	c.rejected = NewRejectedPanel(
		func(id string) { c.background(func() error { _, err := be.Retry(id); return err }) },
		func(id string) { c.background(func() error { return be.Discard(id) }) },
		c.Select)

	c.gone, c.unsynced, c.counts = map[string]bool{}, map[string]bool{}, map[string]int{}
	c.tiers, c.tierWant = map[string]string{}, map[string]bool{}
	c.view = "a"
	c.filter.Snooze = app.SnoozeAwake // as All's (queueView.filter)
	c.list = widget.NewList(
		func() int { return len(c.rows) },
		func() fyne.CanvasObject { r := NewCaseRow(); r.SetDense(c.vw.compact); return r },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(c.rows) {
				c.fillRow(c.rows[i], o.(*CaseRow))
			}
		},
	)
	// The list's own selection scrolls to the selected row whenever it is
	// set; the console keeps the open case itself (the row highlights it),
	// so a tap opens a case and nothing ever scrolls on its own.
	c.list.OnSelected = func(i widget.ListItemID) {
		c.list.UnselectAll()
		if i < len(c.rows) {
			c.open(c.rows[i].ID)
		}
	}

	c.count = widget.NewLabel("")
	c.count.Importance = widget.LowImportance
	c.search = newKeyEntry()
	c.search.SetPlaceHolder(T("Search text, name, number, e-mail, tag…"))
	c.search.OnChanged = func(s string) { c.setFilter(func(f *app.Filter) { f.Text = s }) }
	c.search.OnSubmitted = func(string) { c.searchSubmitted() }
	chans := []string{T("All channels"), "Twitter/X", "Facebook", T("Forums")}
	c.channel = widget.NewSelect(chans, func(string) {
		ch := channelOrder[max(c.channel.SelectedIndex(), 0)]
		c.setFilter(func(f *app.Filter) { f.Channel = ch })
	})
	c.channel.SetSelectedIndex(0)
	c.active = widget.NewCheck(T("Open only"), func(b bool) {
		c.setFilter(func(f *app.Filter) {
			if c.view == "a" { // the other views choose for themselves
				f.ActiveOnly = b
			}
		})
	})
	var sortNames []string
	for _, so := range sorts {
		sortNames = append(sortNames, T(so.name))
	}
	c.sortSel = widget.NewSelect(sortNames, func(string) {
		i := c.sortSel.SelectedIndex()
		c.setFilter(func(f *app.Filter) {
			c.sortBy = max(i, 0)
			f.Sort = sorts[c.sortBy].core
		})
	})
	c.sortSel.SetSelectedIndex(0)

	c.vw = c.newViewsUI()
	c.vw.viewGrid = container.NewGridWithColumns(3)
	c.viewBtns = map[string]*widget.Button{}
	for _, v := range queueViews {
		b := widget.NewButton(T(v.name), func() { c.SetView(v.key) })
		c.viewBtns[v.key] = b
		c.vw.viewGrid.Add(b)
	}
	c.showViewButtons()
	c.newBar = widget.NewButtonWithIcon("", theme.MoveUpIcon(), c.ShowNew)
	c.newBar.Importance = widget.HighImportance
	c.newBar.Hide()
	c.empty = widget.NewLabel("")
	c.empty.Wrapping = fyne.TextWrapWord
	c.empty.Alignment = fyne.TextAlignCenter
	c.empty.Importance = widget.LowImportance
	c.empty.Hide()

	c.snoozeB = widget.NewButtonWithIcon(T("Snooze…"), theme.HistoryIcon(), c.showSnooze)
	c.snoozeB.Importance = widget.LowImportance
	c.vw.queueTop = container.NewVBox()
	// The compact queue's "N new" bar lies over the list's top (views.go).
	c.vw.over = container.NewVBox()
	c.layoutQueueTop() // views.go
	queue := container.NewBorder(c.vw.queueTop, nil, nil, nil,
		container.NewStack(c.list, container.NewVBox(c.empty), c.vw.over))

	// The splits stay where the agent put them (and main.go remembers):
	// each pane asks its split for a fixed width (paneFloor), not for its
	// content's minimum — that changed with the case shown (a long
	// subject, handle or word, a wide customer record) and the split gave
	// it to the pane whatever its offset, so the dividers moved from case
	// to case. A pane narrower than its content scrolls it. The panes
	// together ask the window for little: when it is smaller than they
	// would like (FYNE_SCALE=2 on a 1600×1000 screen leaves 800×500) the
	// splits share it by their offsets.
	detailPane := newFitPane(container.NewBorder(nil, c.actions, nil, nil, c.detail), paneFloor.detail)
	detailPane.onSize = func(size fyne.Size) {
		c.detail.SetCompact(size.Height < compactCaseH)
		c.actions.SetCompact(size.Height < compactComposerH) // composer.go
	}
	right := container.NewHSplit(detailPane, newFitPane(c.customer, paneFloor.customer))
	right.Offset = 0.64
	fold := c.newCustomerFold(right, detailPane) // customer.go: the customer panel folds away
	queuePane := newFitPane(queue, paneFloor.queue)
	queuePane.onSize = c.fitQueue // compact when narrow or short (views.go)
	main := container.NewHSplit(queuePane, container.NewStack(right, fold))
	main.Offset = 0.4
	c.root = container.NewBorder(nil, container.NewVBox(c.rejected, c.status), nil, nil, container.New(&shrinkLayout{onSize: c.fitCustomer}, main))

	be.OnChange(func(ch app.Change) {
		// Runs on the core's goroutine: the queue goes to the queue
		// worker (coalesced), the rest is read here and handed over.
		if ch.Queue {
			c.reloadQueue()
		}
		st, n, pending := be.Status(), be.Count(), be.Pending()
		var rejected []app.RejectedOp
		if ch.Rejected {
			rejected, _ = be.Rejected()
		}
		c.do(func() {
			if ch.Rejected {
				c.rejected.Set(rejected)
			}
			if ch.Presence {
				c.list.Refresh()
				c.showPresence()
			}
			if ch.Queue {
				for _, id := range ch.Cases {
					if id == c.selected {
						c.load(id)
						break
					}
				}
			}
			c.status.Set(st, n)
			c.status.SetPending(pending)
		})
	})
	c.status.Set(be.Status(), be.Count())
	c.status.SetPending(be.Pending())
	ros, _ := be.Rejected() // memory only
	c.rejected.Set(ros)
	c.setup() // composer hooks, offline banner, outbox panel, title (keys.go)
	// Last: the queue worker may hand its rows over at once where fyne.Do
	// runs on the caller (windowless); callers there Wait before showing.
	c.queueMu.Lock()
	c.queueBuilt = true
	c.queueMu.Unlock()
	c.reloadQueue()
	startUIProbe() // SWITCHBOARD_UI_PROBE only (uiprobe.go)
	return c
}

// Content is the console's root object.
func (c *Console) Content() fyne.CanvasObject { return c.root }

// filterSnapshot copies the filter for the core's goroutine.
func (c *Console) filterSnapshot() app.Filter {
	c.filterMu.Lock()
	defer c.filterMu.Unlock()
	return c.filter
}

// setFilter changes the filter on the UI goroutine; the result shows when
// the queue worker has it.
func (c *Console) setFilter(f func(*app.Filter)) {
	c.filterMu.Lock()
	f(&c.filter)
	c.filterGen++
	c.filterMu.Unlock()
	c.reloadQueue()
}

// reloadQueue asks for the rows of the current filter. It returns at once:
// the queue worker, a goroutine that runs while there is work, computes
// them off the UI goroutine and hands them over with fyne.Do. Requests
// made while it computes are coalesced into one more run, and rows
// computed for a filter that has changed since are dropped.
func (c *Console) reloadQueue() {
	c.queueMu.Lock()
	c.queueDirty = true
	start := c.queueBuilt && !c.queueRunning
	c.queueRunning = c.queueRunning || start
	c.queueMu.Unlock()
	if start {
		c.spawn(c.queueWorker)
	}
}

func (c *Console) queueWorker() {
	for {
		c.queueMu.Lock()
		if !c.queueDirty {
			c.queueRunning = false
			c.queueMu.Unlock()
			return
		}
		c.queueDirty = false
		c.queueMu.Unlock()
		c.filterMu.Lock()
		f, gen, by := c.filter, c.filterGen, c.sortBy
		c.filterMu.Unlock()
		rows := c.be.Queue(f)
		c.tiersFor(rows)
		if cmp := sorts[by].then; cmp != nil {
			slices.SortStableFunc(rows, cmp)
		}
		// The list's bookkeeping, here rather than on the UI goroutine
		// (queuemerge.go).
		idx, open := rowIndex(rows), openCount(rows)
		c.queueMu.Lock()
		base := c.shown
		c.queueMu.Unlock()
		counts := map[string]int{}
		var facets []app.ViewCount
		savedN := map[string]int{}
		if vc, ok := c.be.(viewCounter); ok {
			byName := map[string]int{}
			for _, v := range vc.Views() {
				switch v.Group {
				case "":
					byName[v.Name] = v.Count
				case app.GroupSaved:
					savedN[v.Name] = v.Count
				case app.GroupCategory, app.GroupLang:
					facets = append(facets, v)
				}
			}
			for _, v := range queueViews {
				counts[v.key] = byName[v.core]
			}
			// "All" counts its open cases, brand chatter too.
			counts["a"] = byName["All open"] + byName["Brand chatter"]
		}
		unsynced := map[string]bool{}
		if ob, ok := c.be.(outboxBackend); ok && c.be.Pending() > 0 {
			if q, err := ob.Queued(); err == nil {
				for _, op := range q {
					unsynced[op.Op.CaseID] = true
				}
			}
		}
		catchUp := c.be.Status().State == client.StateSyncing
		// The merge only where setRows keeps the shown order: during the
		// catch-up sync with no case open it takes the new order (a merge
		// of 100k rows thrown away ten times a second).
		var merge *merged
		if base.gen == gen && len(base.rows) > 0 && (!catchUp || base.selected != "") {
			merge = mergeRows(base.rows, rows, idx)
		}
		// One result waits for the UI at a time (latest, uipost.go): a
		// newer one replaces it.
		c.queueOut.put(c, queueResult{rows, gen, catchUp, counts, unsynced, facets, savedN, idx, open, merge}, nil, func(r queueResult) {
			c.filterMu.Lock()
			stale := r.gen != c.filterGen
			c.filterMu.Unlock()
			if !stale {
				c.counts, c.unsynced = r.counts, r.unsynced
				c.vw.facets, c.vw.savedN = r.facets, r.savedN
				c.ensureSaved()
				c.showFacets()
				c.showViewButtons()
				c.setRows(r)
			}
		})
	}
}

// queueResult is what the queue worker computed for the list.
type queueResult struct {
	rows     []model.Summary
	gen      uint64
	catchUp  bool
	counts   map[string]int
	unsynced map[string]bool
	facets   []app.ViewCount
	savedN   map[string]int
	idx      map[string]int // rows by id
	open     int            // open cases in rows
	merge    *merged        // the shown rows kept in order against rows, when there were any
}

// rowHeight is the height of a list row with its separator, measured
// once (the list measures its template row once, too).
func (c *Console) rowHeight() float32 {
	if c.rowH == 0 {
		r := NewCaseRow()
		r.SetDense(c.vw.compact)
		c.rowH = r.MinSize().Height + c.list.Theme().Size(theme.SizeNamePadding)
	}
	return c.rowH
}

// visible is the range of row indexes the list shows now.
func (c *Console) visible() (first, last int) {
	h := c.rowHeight()
	off := c.list.GetScrollOffset()
	first = int(off / h)
	last = int((off + c.list.Size().Height) / h)
	return first, last
}

// setRows hands the worker's rows to the list. A new filter, sort or view,
// an empty list, or a list not yet touched (no case open and not
// scrolled) shows them as they are, from the top; during the catch-up
// sync, before a case is open, too, but a scrolled list keeps its top row
// under the pointer. Otherwise the
// list keeps its order and the rows under the pointer stay where they are:
// shown cases get their new content in place; new cases and a changed
// order are announced on the "N new — show" bar; a case that left the
// view is dropped when it is above or below the visible rows (the scroll
// offset moves with the rows above, so nothing visible shifts) and stays,
// marked, while it is in sight. The worker did the passes over all rows
// (queuemerge.go); here only the rows that left the view are looked at.
func (c *Console) setRows(r queueResult) {
	fresh, gen := r.rows, r.gen
	c.fresh, c.freshIdx, c.freshOpen = fresh, r.idx, r.open
	off := c.list.GetScrollOffset()
	if gen != c.shownGen || len(c.rows) == 0 || c.selected == "" && off == 0 {
		c.shownGen = gen
		c.adopt(fresh, false)
		return
	}
	if c.selected == "" && r.catchUp {
		// The list fills as the sync brings rows (the first pages are
		// old history), but the row at the top stays where it is: it
		// jumped back to the top ten times a second while the agent
		// scrolled.
		top := ""
		if first, _ := c.visible(); first < len(c.rows) {
			top = c.rows[first].ID
		}
		c.adoptAt(fresh, true, top)
		return
	}
	m := r.merge
	if m == nil || !sameRows(m.base, c.rows) {
		m = mergeRows(c.rows, fresh, r.idx) // the list changed since the worker looked
	}
	first, last := c.visible()
	rows := m.rows
	gone := map[string]bool{}
	removedAbove := 0
	var drop []int
	for _, i := range m.left {
		switch {
		case i < first:
			removedAbove++
			drop = append(drop, i)
		case i > last:
			drop = append(drop, i)
		default:
			gone[rows[i].ID] = true
		}
	}
	if len(drop) > 0 {
		kept := make([]model.Summary, 0, len(rows)-len(drop))
		prev := 0
		for _, i := range drop {
			kept = append(kept, rows[prev:i]...)
			prev = i + 1
		}
		rows = append(kept, rows[prev:]...)
		c.rowsIdx = nil // positions moved: rowAt searches until the next adopt
	}
	c.rows, c.gone, c.openN = rows, gone, m.open
	c.publishShown()
	c.list.Refresh()
	if removedAbove > 0 {
		c.list.ScrollToOffset(max(0, off-float32(removedAbove)*c.rowHeight()))
	}
	c.announce(m.newN, m.moved)
	c.showCount()
}

// adopt shows rows (the worker's newest, c.fresh) in their own order. keep
// holds the open case where it is on the screen (the agent asked for the
// new order); otherwise the list starts at the top.
func (c *Console) adopt(rows []model.Summary, keep bool) {
	c.adoptAt(rows, keep, c.selected)
}

// adoptAt is adopt holding the row of case anchor where it is.
func (c *Console) adoptAt(rows []model.Summary, keep bool, anchor string) {
	old := c.rowAt(anchor)
	off := c.list.GetScrollOffset()
	c.rows, c.gone, c.rowsIdx, c.openN = rows, map[string]bool{}, c.freshIdx, c.freshOpen
	if !sameRows(rows, c.fresh) || c.rowsIdx == nil {
		c.rowsIdx, c.openN = rowIndex(rows), openCount(rows)
	}
	c.publishShown()
	c.list.Refresh()
	now := c.rowAt(anchor)
	switch {
	case keep && old >= 0 && now >= 0:
		h := c.rowHeight()
		c.list.ScrollToOffset(max(0, off+float32(now-old)*h))
	case !keep:
		c.list.ScrollToTop()
	}
	c.announce(0, 0)
	c.showCount()
}

// ShowNew shows the newest order: the new cases and the moved ones.
func (c *Console) ShowNew() {
	c.adopt(c.fresh, true)
}

// NewBar is the "N new — show" announcement; hidden when nothing waits.
func (c *Console) NewBar() *widget.Button { return c.newBar }

func (c *Console) announce(newN, moved int) {
	switch {
	case newN == 0 && moved == 0:
		c.newBar.Hide()
		return
	case moved == 0:
		c.newBar.SetText(T("{{.N}} new — show", "N", Number(newN)))
	case newN == 0:
		c.newBar.SetText(T("{{.N}} moved — show the new order", "N", Number(moved)))
	default:
		c.newBar.SetText(T("{{.N}} new, {{.M}} moved — show", "N", Number(newN), "M", Number(moved)))
	}
	c.newBar.Show()
}

// showCount shows how many cases the view lists, and says so plainly when
// none match.
func (c *Console) showCount() {
	if x := c.x(); x != nil {
		defer x.setTitle()
	}
	n := len(c.rows) - len(c.gone)
	if n == 1 {
		c.count.SetText(T("1 case"))
	} else {
		c.count.SetText(T("{{.N}} cases", "N", Number(n)))
	}
	if len(c.rows) > 0 {
		c.empty.Hide()
		return
	}
	name := T(c.viewOf().name)
	if q := c.search.Text; q != "" {
		c.empty.SetText(T("No case matches “{{.Q}}” in {{.View}}.", "Q", q, "View", name))
	} else {
		c.empty.SetText(T("No cases in {{.View}}.", "View", name))
	}
	c.empty.Show()
}

// increasingRun is the length of the longest increasing subsequence of p:
// the rows that kept their order; the others moved.
func increasingRun(p []int) int {
	var tails []int
	for _, x := range p {
		i, _ := slices.BinarySearch(tails, x)
		if i == len(tails) {
			tails = append(tails, x)
		} else {
			tails[i] = x
		}
	}
	return len(tails)
}

// fillRow shows s in a list row.
func (c *Console) fillRow(s model.Summary, r *CaseRow) {
	r.SetDense(c.vw.compact)
	viewing, typing := c.be.Presence(s.ID)
	info := RowInfo{
		Others:   append(typing, viewing...),
		Unsynced: c.unsynced[s.ID],
		Selected: s.ID == c.selected,
		Gone:     c.gone[s.ID],
	}
	if s.CustomerID != "" {
		c.tierMu.Lock()
		t, ok := c.tiers[s.CustomerID]
		if !ok {
			c.tierWant[s.CustomerID] = true
		}
		c.tierMu.Unlock()
		info.Tier = t
	}
	if q := c.search.Text; q != "" {
		if sn, ok := c.be.(snippeter); ok {
			info.Match = sn.Snippet(s.ID, q).Line()
		}
	}
	r.SetInfo(s, c.now(), info)
}

// tiersFor makes sure the tiers of the customers of the first rows and of
// the rows the list asked for are known, reading those not yet known. It
// runs on the queue worker: fillRow only notes what it misses (nothing on
// the UI goroutine starts work), and Tick asks for another run then.
func (c *Console) tiersFor(rows []model.Summary) {
	tl, ok := c.be.(tierLookup)
	if !ok {
		return
	}
	c.tierMu.Lock()
	var ids []string
	for _, s := range rows[:min(len(rows), firstTiers)] {
		if _, ok := c.tiers[s.CustomerID]; s.CustomerID != "" && !ok && !slices.Contains(ids, s.CustomerID) {
			ids = append(ids, s.CustomerID)
		}
	}
	for id := range c.tierWant {
		if _, ok := c.tiers[id]; !ok && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	c.tierWant = map[string]bool{}
	c.tierMu.Unlock()
	if len(ids) == 0 {
		return
	}
	got := tl.Tiers(ids)
	c.tierMu.Lock()
	for _, id := range ids {
		c.tiers[id] = got[id] // "" too: asked once
	}
	c.tierMu.Unlock()
}

// firstTiers is how many rows from the top get their tiers with the rows.
const firstTiers = 500

// act queues an op off the UI goroutine and reports back on it. The ops
// go to the core one after another, in the order the agent gave them: each
// had a goroutine of its own, so "a e" typed fast could put the solve into
// the outbox before the claim it needs.
func (c *Console) act(op model.Op, done func(error)) {
	c.actMu.Lock()
	c.actQ = append(c.actQ, func() { c.act1(op, done) })
	if c.actRunning {
		c.actMu.Unlock()
		return
	}
	c.actRunning = true
	c.actMu.Unlock()
	c.spawn(func() {
		for {
			c.actMu.Lock()
			if len(c.actQ) == 0 {
				c.actRunning = false
				c.actMu.Unlock()
				return
			}
			next := c.actQ[0]
			c.actQ = c.actQ[1:]
			c.actMu.Unlock()
			next()
		}
	})
}

func (c *Console) act1(op model.Op, done func(error)) {
	_, err := c.be.Do(op)
	n := c.be.Pending()
	if err == nil {
		// Show the op's effect now, not at the next notification.
		c.reloadQueue()
	}
	c.do(func() {
		done(err)
		c.status.SetPending(n)
		if err == nil {
			if op.CaseID == c.selected {
				c.load(op.CaseID)
			}
		}
	})
}

// background runs f off the UI goroutine; a failure shows in the status bar.
func (c *Console) background(f func() error) {
	c.spawn(func() {
		if err := f(); err != nil {
			c.do(func() { c.status.Flash(err.Error()) })
		}
	})
}

// Tick refreshes relative ages; the caller runs it on a timer via fyne.Do.
func (c *Console) Tick() {
	c.ensureSaved() // the saved views, once OnSettings gave the settings
	c.tierMu.Lock()
	want := len(c.tierWant) > 0
	c.tierMu.Unlock()
	if want {
		c.reloadQueue() // rows scrolled into sight whose tiers are not known
	}
	c.list.Refresh() // ages and SLA countdowns; rows keep their places
	st := c.be.Status()
	c.status.Set(st, c.be.Count())
	// The banner's "next try in" counts down with the status bar's: it
	// was set only when the core reported a change, and said 15 s while
	// the bar said 10 (seen offline in the window).
	if x := c.x(); x != nil && x.banner != nil && x.banner.Visible() {
		x.banner.Set(st, c.be.Pending())
	}
}

// Select opens a case by id; when the queue lists it, its row is
// highlighted and scrolled into sight (only if it is out of sight).
func (c *Console) Select(id string) {
	c.open(id)
	if i := c.rowAt(id); i >= 0 {
		c.list.ScrollTo(i)
	}
}

// open makes id the open case: the row highlights at once, the case loads
// on a goroutine.
func (c *Console) open(id string) {
	if id == c.selected {
		return
	}
	prev := c.selected
	c.selected = id
	c.publishShown()
	for _, x := range []string{prev, id} {
		if i := c.rowAt(x); i >= 0 {
			c.list.RefreshItem(i)
		}
	}
	c.be.SetPresence(id, false)
	c.load(id)
}

// typing tells the others the agent types in the open case, and that they
// stopped after a few quiet seconds.
func (c *Console) typing() {
	id := c.selected
	if id == "" {
		return
	}
	c.be.SetPresence(id, true)
	if c.typingDone != nil {
		c.typingDone.Stop()
	}
	c.typingDone = time.AfterFunc(5*time.Second, func() {
		c.do(func() {
			if c.selected == id {
				c.be.SetPresence(id, false)
			}
		})
	})
}

// showPresence shows who else is in the open case.
func (c *Console) showPresence() {
	if c.selected == "" {
		return
	}
	c.detail.SetPresence(c.be.Presence(c.selected))
}

// SelectFirst opens the first case of the queue that matches text (see
// app.Filter), or the first case when text is empty.
func (c *Console) SelectFirst(text string) {
	f := app.Filter{Text: text}
	for _, r := range c.rows {
		if f.Match(r) {
			c.Select(r.ID)
			return
		}
	}
}

// Selected is the id of the open case.
func (c *Console) Selected() string { return c.selected }

// Rows are the cases the queue lists, in order.
func (c *Console) Rows() []model.Summary { return c.rows }

// List is the queue's list widget.
func (c *Console) List() *widget.List { return c.list }

// SortSelect is the queue's sort choice.
func (c *Console) SortSelect() *widget.Select { return c.sortSel }

// ViewButton is the button of a view: m, u, h, w, z or a.
func (c *Console) ViewButton(key string) *widget.Button { return c.viewBtns[key] }

// Detail is the case view.
func (c *Console) Detail() *CaseView { return c.detail }

// Customer is the customer panel.
func (c *Console) Customer() *CustomerPanel { return c.customer }

// Search is the queue's search entry.
func (c *Console) Search() *keyEntry { return c.search }

// ChannelFilter is the queue's channel selector.
func (c *Console) ChannelFilter() *widget.Select { return c.channel }

// OpenOnly is the queue's "open only" switch.
func (c *Console) OpenOnly() *widget.Check { return c.active }

// Actions is the action bar of the open case.
func (c *Console) Actions() *ActionBar { return c.actions }

// RejectedPanel is the list of refused ops.
func (c *Console) RejectedPanel() *RejectedPanel { return c.rejected }

// StatusBar is the status bar.
func (c *Console) StatusBar() *StatusBar { return c.status }

// load reads the case on a goroutine and shows it when it is still the
// selected one.
func (c *Console) load(id string) {
	if c.actions.caseID != id { // not a reload of the case shown
		c.loading = id
	}
	c.spawn(func() {
		d, err := c.be.Case(id)
		c.do(func() {
			if id != c.selected {
				return
			}
			c.loading = ""
			defer c.typeAhead() // the keys that waited for this case (keys.go)
			if err != nil {
				c.detail.ShowError(err)
				c.customer.Clear()
				c.actions.Clear()
				return
			}
			c.detail.SetCase(d, c.now())
			c.detail.SetPresence(c.be.Presence(id))
			c.actions.Set(d.Case, d.MergedCases, c.be.Me(), c.be.Lead())
			c.customer.SetDetail(d)
		})
	})
}

// theme-independent spacing helper for the panels.
func heading(text string) *widget.Label {
	l := widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.SizeName = theme.SizeNameSubHeadingText
	return l
}

// What the console uses of app.Core beyond Backend when it has it: a
// backend without them gets no counts, tiers or matches in the rows.
type (
	viewCounter interface{ Views() []app.ViewCount }
	tierLookup  interface {
		Tiers(customerIDs []string) map[string]string
	}
	snippeter interface {
		Snippet(id, text string) app.Snippet
	}
	summaryLookup interface {
		Summary(id string) (model.Summary, bool)
	}
)

// queueView is one of the queue's views: a key for "g <key>", its name,
// the name of the core's view that counts it, and what it filters. The
// work views hold the open care cases; "Brand chatter" the open cases
// triaged as not a care case; "Closed" the solved and closed; "All"
// everything ("Open only" narrows it to the open ones).
type queueView struct {
	key, name, core string
	f               app.Filter
}

var queueViews = []queueView{
	{"m", "Mine", "Mine", app.Filter{Mine: true}},
	{"u", "Unassigned", "Unassigned", app.Filter{Unassigned: true}},
	{"h", "High reach", "High reach", app.Filter{Reach: model.ReachInfluencer}},
	{"w", "Waiting", "Customer waiting", app.Filter{Waiting: true}},
	{"r", "SLA at risk", "SLA at risk or breached", app.Filter{SLAAlert: true}},
	{"p", "On hold", "Waiting on customer", app.Filter{Status: model.StatusPending}},
	{"b", "Brand chatter", "Brand chatter", app.Filter{Relevance: app.RelevanceChatter}},
	{"z", "Snoozed", "Snoozed", app.Filter{Snooze: app.SnoozeAsleep}}, // the open cases snoozed (snooze.go)
	{"d", "Closed", "Closed/solved", app.Filter{Done: true}},
	{"a", "All", "All open", app.Filter{}},
}

// filterOf is the filter of view v: the work views keep the open care
// cases.
func (v queueView) filter(openOnly bool) app.Filter {
	f := v.f
	switch v.key {
	case "a":
		f.ActiveOnly, f.Snooze = openOnly, app.SnoozeAwake // the snoozed are in Snoozed
	case "d":
	case "b":
		f.ActiveOnly, f.Snooze = true, app.SnoozeAwake
	case "z":
		f.ActiveOnly = true // snoozed brand chatter too
	default:
		f.ActiveOnly, f.Relevance, f.Snooze = true, app.RelevanceCare, app.SnoozeAwake
	}
	return f
}

// channelOrder are the channel picker's choices.
var channelOrder = []model.Channel{"", model.ChannelTwitter, model.ChannelFacebook, model.ChannelForum}

// sortChoice is one of the queue's sorts: the core's order, and a stable
// sort of it by what the core does not index (none now).
type sortChoice struct {
	name string
	core app.Sort
	then func(a, b model.Summary) int
}

// The default, "Priority", is the core's own order: the triage's priority
// score with the SLA time left, then the customer waiting longest
// (app.SortPriority).
var sorts = []sortChoice{
	{"Priority", app.SortPriority, nil},
	{"SLA due", app.SortDue, nil},
	{"Oldest waiting", app.SortOldestWaiting, nil},
	{"Newest", app.SortNewest, nil},
	{"Reach", app.SortReach, nil},
	{"Triage score", app.SortScore, nil},
}

// SetView shows one of the queue's views by its key (m, u, h, w, r, p, b,
// z, d, a; 1–9 the saved views; v opens the saved views' dialog); the
// other filters (channel, category, language, search, sort) stay.
func (c *Console) SetView(key string) {
	if n, err := strconv.Atoi(key); err == nil && len(key) == 1 {
		c.ensureSaved()
		if n >= 1 && n <= len(c.vw.saved) {
			c.UseSavedView(c.vw.saved[n-1].Name)
		}
		return
	}
	if key == "v" {
		c.ShowSavedViews()
		return
	}
	i := slices.IndexFunc(queueViews, func(v queueView) bool { return v.key == key })
	if i < 0 {
		return
	}
	v := queueViews[i]
	c.setFilter(func(f *app.Filter) {
		c.view = key
		vf := v.filter(c.active.Checked)
		// The fields the views set; the pickers' stay.
		f.ActiveOnly, f.Done, f.Status, f.Assignee, f.Mine, f.Unassigned = vf.ActiveOnly, vf.Done, vf.Status, vf.Assignee, vf.Mine, vf.Unassigned
		f.Reach, f.Waiting, f.SLA, f.SLAAlert, f.Relevance = vf.Reach, vf.Waiting, vf.SLA, vf.SLAAlert, vf.Relevance
		f.Snooze = vf.Snooze
	})
	if key == "a" {
		c.active.Enable()
	} else {
		c.active.Disable()
	}
	c.showViewButtons()
}

// View is the key of the view shown.
func (c *Console) View() string {
	c.filterMu.Lock()
	defer c.filterMu.Unlock()
	return c.view
}

func (c *Console) viewOf() queueView {
	key := c.View()
	for _, v := range queueViews {
		if v.key == key {
			return v
		}
	}
	if name, ok := strings.CutPrefix(key, "s:"); ok {
		return queueView{key: key, name: name, core: name}
	}
	return queueViews[len(queueViews)-1]
}

// showViewButtons names each view with its count of open cases and marks
// the one shown.
func (c *Console) showViewButtons() {
	cur := c.View()
	for _, v := range queueViews {
		b := c.viewBtns[v.key]
		text := T(v.name)
		if n, ok := c.counts[v.key]; ok {
			if v.key == "a" && !c.active.Checked {
				n += c.counts["d"] // All shows the closed and solved too
			}
			text += "  " + Number(n)
		}
		imp := widget.MediumImportance
		if v.key == cur {
			imp = widget.HighImportance
		}
		if b.Text != text || b.Importance != imp {
			b.Text, b.Importance = text, imp
			b.Refresh()
		}
	}
	c.showSaved()
}

// OpenCount is how many open cases the list shows now (rows that left the
// view not counted).
func (c *Console) OpenCount() int { return c.openN }

// WaitingCount is how many open cases the view holds now, the new ones
// the list has not taken in yet ("N new — show") too: the window title's.
func (c *Console) WaitingCount() int {
	if c.fresh != nil {
		return c.freshOpen
	}
	return c.openN
}

// fitPane is a pane of the console's splits: it asks the split for a
// fixed width, whatever its content (the split's divider then stays at
// its offset), and scrolls its content (in both directions) when it gets
// less than the content's minimum. With room it shows the content
// itself, unclipped, as before (no scroll around it).
type fitPane struct {
	widget.BaseWidget
	content  fyne.CanvasObject
	floor    float32 // the width asked of the split
	scroll   *container.Scroll
	scrolled bool // the content is in the scroll
	// onSize, when set, hears the pane's size before it is laid out (the
	// content may change its minimum then).
	onSize func(fyne.Size)
}

// paneFloor are the widths the console's panes ask of their splits: the
// narrowest the agent can drag them to. The queue's is about a compact
// queue's (dense rows, the header in one row); the case view's leaves the
// thread and the composer readable; the customer panel's its labels.
var paneFloor = struct{ queue, detail, customer float32 }{280, 360, 220}

func newFitPane(o fyne.CanvasObject, floor float32) *fitPane {
	p := &fitPane{content: o, floor: floor, scroll: container.NewScroll(canvas.NewRectangle(color.Transparent))}
	p.scroll.Hide()
	p.ExtendBaseWidget(p)
	return p
}

func (p *fitPane) CreateRenderer() fyne.WidgetRenderer { return fitPaneRenderer{p} }

type fitPaneRenderer struct{ p *fitPane }

func (r fitPaneRenderer) Layout(size fyne.Size) {
	p := r.p
	if p.onSize != nil {
		p.onSize(size)
	}
	min := p.content.MinSize()
	if scroll := size.Width < min.Width || size.Height < min.Height; scroll != p.scrolled {
		p.scrolled = scroll
		if scroll {
			p.scroll.Content = p.content
			p.scroll.Show()
		} else {
			p.scroll.Content = canvas.NewRectangle(color.Transparent)
			p.scroll.Hide()
		}
		p.scroll.Refresh()
		canvas.Refresh(p)
	}
	if p.scrolled {
		p.scroll.Move(fyne.NewPos(0, 0))
		p.scroll.Resize(size)
		return
	}
	p.content.Move(fyne.NewPos(0, 0))
	p.content.Resize(size)
}

func (r fitPaneRenderer) MinSize() fyne.Size {
	return fyne.NewSize(r.p.floor, r.p.content.MinSize().Height)
}
func (r fitPaneRenderer) Refresh() {
	if r.p.scrolled {
		r.p.scroll.Refresh()
	} else {
		r.p.content.Refresh()
	}
}

func (r fitPaneRenderer) Objects() []fyne.CanvasObject {
	if r.p.scrolled {
		return []fyne.CanvasObject{r.p.scroll}
	}
	return []fyne.CanvasObject{r.p.content}
}
func (r fitPaneRenderer) Destroy() {}

// shrinkLayout lays its one object out at the container's size whatever
// that object's minimum, and asks for at most shrinkMin itself: the
// console's splits, whose panes scroll when the window is smaller than
// they would like.
type shrinkLayout struct {
	onSize func(fyne.Size) // hears the size before the layout, when set
}

var shrinkMin = fyne.NewSize(400, 240)

func (l *shrinkLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	if l.onSize != nil {
		l.onSize(size)
	}
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

func (*shrinkLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var m fyne.Size
	for _, o := range objs {
		m = m.Max(o.MinSize())
	}
	return fyne.NewSize(min(m.Width, shrinkMin.Width), min(m.Height, shrinkMin.Height))
}
