// Package ui is the console's Fyne front end. It renders what app.Core
// knows and never touches the disk or the network itself: loads run on
// goroutines and come back through fyne.Do.
package ui

import (
	"fmt"
	"net/url"
	"sync"
	"time"

	"fyne.io/fyne/v2"
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
	queueBuilt   bool // New is through: the worker may start

	rows     []model.Summary // what the list shows; only touched on the UI goroutine
	selected string

	typingDone *time.Timer

	search  *widget.Entry
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

// New builds the console on be. Call it on the UI goroutine.
func New(be Backend) *Console {
	c := &Console{be: be, now: clock}
	c.detail = NewCaseView()
	c.customer = NewCustomerPanel(c.Select, c.act)
	c.status = NewStatusBar()
	c.actions = NewActionBar(c.act)
	c.detail.copyText = func(text string) {
		if a := fyne.CurrentApp(); a != nil {
			a.Clipboard().SetContent(text)
			c.actions.info.SetText("Reply copied: paste it in the thread")
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
	c.rejected = NewRejectedPanel(
		func(id string) { c.background(func() error { _, err := be.Retry(id); return err }) },
		func(id string) { c.background(func() error { return be.Discard(id) }) },
		c.Select)

	c.list = widget.NewList(
		func() int { return len(c.rows) },
		func() fyne.CanvasObject { return NewCaseRow() },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(c.rows) {
				viewing, typing := c.be.Presence(c.rows[i].ID)
				o.(*CaseRow).Set(c.rows[i], c.now(), append(typing, viewing...))
			}
		},
	)
	c.list.OnSelected = func(i widget.ListItemID) {
		if i < len(c.rows) && c.rows[i].ID != c.selected {
			c.selected = c.rows[i].ID
			c.be.SetPresence(c.selected, false)
			c.load(c.selected)
		}
	}

	c.count = widget.NewLabel("")
	c.count.Importance = widget.LowImportance
	c.search = widget.NewEntry()
	c.search.SetPlaceHolder("Search author, handle, text…")
	c.search.OnChanged = func(s string) { c.setFilter(func(f *app.Filter) { f.Text = s }) }
	c.channel = widget.NewSelect([]string{"All channels", "Twitter/X", "Facebook", "Forums"}, func(s string) {
		ch := map[string]model.Channel{"Twitter/X": model.ChannelTwitter, "Facebook": model.ChannelFacebook, "Forums": model.ChannelForum}[s]
		c.setFilter(func(f *app.Filter) { f.Channel = ch })
	})
	c.channel.SetSelectedIndex(0)
	c.active = widget.NewCheck("Open only", func(b bool) { c.setFilter(func(f *app.Filter) { f.ActiveOnly = b }) })

	filters := container.NewBorder(nil, nil, nil, container.NewHBox(c.channel, c.active), c.search)
	queueHead := container.NewBorder(nil, nil, widget.NewLabelWithStyle("Queue", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), c.count)
	queue := container.NewBorder(container.NewVBox(filters, queueHead), nil, nil, nil, c.list)

	right := container.NewHSplit(container.NewBorder(nil, c.actions, nil, nil, c.detail), c.customer)
	right.Offset = 0.62
	main := container.NewHSplit(queue, right)
	main.Offset = 0.36
	c.root = container.NewBorder(nil, container.NewVBox(c.rejected, c.status), nil, nil, main)

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
		f, gen := c.filter, c.filterGen
		c.filterMu.Unlock()
		rows := c.be.Queue(f)
		c.do(func() {
			c.filterMu.Lock()
			stale := gen != c.filterGen
			c.filterMu.Unlock()
			if !stale {
				c.setRows(rows)
			}
		})
	}
}

func (c *Console) setRows(rows []model.Summary) {
	c.rows = rows
	if len(rows) == 1 {
		c.count.SetText("1 case")
	} else {
		c.count.SetText(fmt.Sprintf("%d cases", len(rows)))
	}
	c.list.Refresh()
	for i, r := range rows {
		if r.ID == c.selected {
			c.list.Select(i)
			return
		}
	}
	c.list.UnselectAll()
}

// act queues an op on a goroutine and reports back on the UI goroutine.
func (c *Console) act(op model.Op, done func(error)) {
	c.spawn(func() {
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
	c.list.Refresh()
	c.status.Set(c.be.Status(), c.be.Count())
}

// Select opens a case by id, in the queue when it is listed there.
func (c *Console) Select(id string) {
	for i, r := range c.rows {
		if r.ID == id {
			c.list.Select(i)
			c.list.ScrollTo(i)
			return
		}
	}
	c.list.UnselectAll()
	c.selected = id
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
	for i, r := range c.rows {
		if f.Match(r) {
			c.list.Select(i)
			c.list.ScrollTo(i)
			return
		}
	}
}

// Selected is the id of the open case.
func (c *Console) Selected() string { return c.selected }

// Rows are the cases the queue lists, in order.
func (c *Console) Rows() []model.Summary { return c.rows }

// Detail is the case view.
func (c *Console) Detail() *CaseView { return c.detail }

// Customer is the customer panel.
func (c *Console) Customer() *CustomerPanel { return c.customer }

// Search is the queue's search entry.
func (c *Console) Search() *widget.Entry { return c.search }

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
	c.spawn(func() {
		d, err := c.be.Case(id)
		c.do(func() {
			if id != c.selected {
				return
			}
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
