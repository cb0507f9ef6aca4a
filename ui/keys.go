package ui

import (
	"slices"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"switchboard/app"
	"switchboard/model"
	"switchboard/sync/client"
)

// outboxBackend is what the composer, the offline banner and the outbox
// panel need beyond Backend; app.Core has it. A backend without it gets a
// console without drafts, undo and outbox editing.
type outboxBackend interface {
	Queued() ([]app.QueuedOp, error)
	// QueuedCases is Queued with the cases it names, looked up by id.
	QueuedCases() ([]app.QueuedOp, map[string]model.Summary, error)
	Cancel(opID string) error
	Edit(opID, text string) (model.Op, error)
	Reconnect()
	SaveDraft(d app.Draft) error
	Draft(caseID string) (app.Draft, bool)
	UndoWindow() time.Duration
}

// extras is the console's state for the composer hooks, the offline
// banner, the outbox panel, the window title, notifications and keys.
type extras struct {
	c      *Console
	ob     outboxBackend
	banner *Banner
	outbox *OutboxPanel
	help   *widget.PopUp
	// helpScroll scrolls the shortcuts sheet: j and k (the arrows) move
	// it while it shows, when the window is too low for all of it.
	helpScroll *container.Scroll
	canned     []app.Canned
	mute       bool
	onTitle    func(string)
	title      string
	// notified are the cases announced already (new in Mine, high reach):
	// "m:" or "h:" and the case's ID.
	notified map[string]bool
	// readMe is the agent the last read for the notifications was for
	// (readNotes, under readMu: the core's goroutine and refreshOutbox's).
	readMu   sync.Mutex
	readMe   string
	primed   bool
	gPending bool // "g" was typed: the next key picks a view
	// ahead are the keys typed while the case they act on loads
	// (Console.Key), replayed when it is there.
	ahead []string
	// modal is the pop-up the keys belong to while it shows (shortcuts,
	// settings, snooze): Esc closes it, the queue's keys wait behind it.
	modal  *widget.PopUp
	win    fyne.Window
	top    *fyne.Container // the banner, and the outbox panel until a window hosts it
	outPop *widget.PopUp   // the outbox panel's pop-up once InstallKeys hosts it
	notify func(*fyne.Notification)

	getSettings  func() app.Settings
	saveSettings func(app.Settings)

	up latest[extrasUpdate] // changed's newest update, until the UI takes it
}

var extrasOf sync.Map // *Console → *extras

// clock is the time a new console shows ages against; golden tests fix it.
var clock = time.Now

func (c *Console) x() *extras {
	v, _ := extrasOf.Load(c)
	x, _ := v.(*extras)
	return x
}

// setup wires the composer to the core, adds the offline banner and the
// outbox panel above the console, and follows changes for the title and
// notifications. New calls it.
func (c *Console) setup() {
	x := &extras{c: c, canned: app.DefaultCanned, notified: map[string]bool{}}
	extrasOf.Store(c, x)
	x.ob, _ = c.be.(outboxBackend)
	comp := c.Actions().comp
	comp.hooks = ComposerHooks{
		Typing: func(id string) []string { _, typing := c.be.Presence(id); return typing },
		Canned: func() []app.Canned { return x.canned },
		// A pending timer counts as background work, so Wait covers it.
		After: func(d time.Duration, f func()) func() {
			c.bg.Add(1)
			var once sync.Once
			done := func() { once.Do(c.bg.Done) }
			t := time.AfterFunc(d, func() { defer done(); c.do(f) })
			return func() {
				if t.Stop() {
					done()
				}
			}
		},
	}
	if ob := x.ob; ob != nil {
		comp.hooks.SaveDraft = func(d app.Draft) {
			c.spawn(func() {
				if err := ob.SaveDraft(d); err != nil {
					c.do(func() { c.StatusBar().Flash(T("Draft not saved: {{.Err}}", "Err", err.Error())) })
				}
			})
		}
		comp.hooks.LoadDraft = func(id string, done func(app.Draft, bool)) {
			c.spawn(func() {
				d, ok := ob.Draft(id)
				c.do(func() { done(d, ok) })
			})
		}
		comp.hooks.Cancel = func(opID string, done func(error)) {
			c.spawn(func() {
				err := ob.Cancel(opID)
				c.do(func() { done(err) })
				x.changed(app.Change{Status: true})
			})
		}
		comp.hooks.UndoWindow = ob.UndoWindow
	}
	x.banner = NewBanner(func() {
		if x.ob != nil {
			x.ob.Reconnect()
		}
	}, func() { x.outbox.Toggle(); x.refreshOutbox() })
	x.outbox = NewOutboxPanel(
		func(opID, text string, done func(error)) {
			c.spawn(func() {
				var err error
				if x.ob != nil {
					_, err = x.ob.Edit(opID, text)
				}
				c.do(func() { done(err); x.refreshOutbox() })
			})
		},
		func(opID string, done func(error)) {
			c.spawn(func() {
				var err error
				if x.ob != nil {
					err = x.ob.Cancel(opID)
				}
				c.do(func() { done(err); x.refreshOutbox() })
			})
		},
		c.Select)
	x.top = container.NewVBox(x.banner, x.outbox)
	c.root = container.New(topLayout{}, x.top, c.root) // the banner takes its room from the console (banner.go)
	c.Actions().afterAct = x.refreshOutbox
	c.be.OnChange(func(ch app.Change) { x.changed(ch) })
	x.changed(app.Change{Queue: true, Status: true})
}

// summaryBackend looks one case up by id (app.Core does): the
// notifications read the cases a change names, not the whole queue.
type summaryBackend interface {
	Summary(id string) (model.Summary, bool)
}

// changed runs on the core's goroutine: it reads what it needs there and
// updates the widgets on the UI goroutine.
func (x *extras) changed(ch app.Change) {
	c := x.c
	st, pending := c.be.Status(), c.be.Pending()
	var queued []app.QueuedOp
	var cases map[string]model.Summary
	if x.ob != nil && pending > 0 {
		// The outbox's own cases, by id: not a pass over every cached
		// case on each change while offline.
		queued, cases, _ = x.ob.QueuedCases()
	}
	u := extrasUpdate{st: st, pending: pending, queued: queued, cases: cases, queue: ch.Queue, me: c.be.Me()}
	if ch.Queue {
		u.notes = x.readNotes(ch, u.me)
	}
	// One update waits for the UI at a time (latest): a newer one replaces
	// it, keeping what an older one read for the notifications.
	x.up.put(c, u, func(old, u extrasUpdate) extrasUpdate {
		if old.queue {
			u.queue = true
			u.notes = old.notes.then(u.notes)
		}
		return u
	}, x.show)
}

// readNotes reads what the notifications need to know of a queue change:
// the cases it names, looked up by id. Every open case was read on each
// change (300 and more, up to ten times a second, and announce went
// through all of them on the UI goroutine); now a change of one case
// reads one. A change that names no cases (the first listing, a reset of
// the cache), a new agent name or a backend with no lookup by id read
// the open cases in Mine and of high reach: no others matter here.
func (x *extras) readNotes(ch app.Change, me string) noteCases {
	x.readMu.Lock()
	defer x.readMu.Unlock()
	sb, byID := x.c.be.(summaryBackend)
	if !byID || len(ch.Cases) == 0 || me != x.readMe {
		x.readMe = me
		n := noteCases{full: true}
		if me != "" {
			n.all = x.c.be.Queue(app.Filter{ActiveOnly: true, Assignee: me})
		}
		for _, s := range x.c.be.Queue(app.Filter{ActiveOnly: true, Reach: model.ReachHigh}) {
			if s.Assignee != me || me == "" {
				n.all = append(n.all, s)
			}
		}
		return n
	}
	n := noteCases{changed: make(map[string]model.Summary, len(ch.Cases))}
	for _, id := range ch.Cases {
		if _, seen := n.changed[id]; seen {
			continue
		}
		s, ok := sb.Summary(id)
		if !ok || !s.Status.Active() {
			s = model.Summary{ID: id} // gone from the open cases
		}
		n.changed[id] = s
	}
	return n
}

// noteCases is what a queue change told the notifications: with full, all
// the open cases in Mine or of high reach (all); then the cases changed
// since, each as it is now (a case no longer open has only its ID).
type noteCases struct {
	full    bool
	all     []model.Summary
	changed map[string]model.Summary
}

// then is n followed by the later m, for an update the UI has not shown.
func (n noteCases) then(m noteCases) noteCases {
	if m.full {
		return m
	}
	if n.changed == nil {
		n.changed = m.changed
		return n
	}
	for id, s := range m.changed {
		n.changed[id] = s
	}
	return n
}

// extrasUpdate is what changed read for the widgets.
type extrasUpdate struct {
	st      client.Status
	pending int
	queued  []app.QueuedOp
	cases   map[string]model.Summary
	queue   bool
	notes   noteCases
	me      string
}

// show puts an update on the widgets; on the UI goroutine.
func (x *extras) show(u extrasUpdate) {
	x.banner.Set(u.st, u.pending)
	x.outbox.Set(u.queued, u.cases)
	if u.pending == 0 {
		x.outbox.close()
	}
	x.placeOutbox()
	if u.queue {
		x.announce(u.notes, u.me, u.st)
	}
	x.setTitle()
}

// refreshOutbox rereads the outbox at once (after an op, an edit or a
// cancel), off the UI goroutine.
func (x *extras) refreshOutbox() {
	x.c.spawn(func() { x.changed(app.Change{Status: true}) })
}

// announce sends a notification for cases new in Mine and new high-reach
// cases; the first listing only learns what is there. It goes through the
// cases the change read (readNotes), not the queue.
func (x *extras) announce(n noteCases, me string, st client.Status) {
	var mine, loud []model.Summary
	now := time.Now()
	// note learns s's state and keeps it to tell when it is new.
	note := func(s model.Summary, fresh map[string]bool) {
		key := s.ID
		isMine, isLoud := s.Assignee == me && me != "", s.Reach == model.ReachHigh
		if isMine {
			// Not the case the agent just claimed or answered: they know.
			if !x.notified["m:"+key] && !x.c.Actions().took.justNow(key, now) {
				mine = append(mine, s)
			}
			fresh["m:"+key] = true
		} else {
			delete(fresh, "m:"+key)
		}
		if isLoud {
			if !x.notified["h:"+key] {
				loud = append(loud, s)
			}
			fresh["h:"+key] = true
		} else {
			delete(fresh, "h:"+key)
		}
	}
	if n.full {
		fresh := map[string]bool{}
		for _, s := range n.all {
			note(s, fresh)
		}
		x.notified = fresh
	}
	for _, s := range n.changed {
		note(s, x.notified)
	}
	if !x.primed || st.State != client.StateOnline {
		x.primed = x.primed || st.State == client.StateOnline || len(x.notified) > 0 || x.c.be.Count() > 0
		return
	}
	if x.mute {
		return
	}
	send := x.notify
	if send == nil {
		if a := fyne.CurrentApp(); a != nil {
			send = a.SendNotification
		}
	}
	if send == nil {
		return
	}
	for _, s := range mine {
		send(fyne.NewNotification(T("New in Mine"), s.Author+": "+model.FirstLine(s.Preview, 80)))
	}
	for _, s := range loud {
		send(fyne.NewNotification(T("High-reach case"), s.Author+" "+s.Handle+": "+model.FirstLine(s.Preview, 80)))
	}
}

// viewName names the queue's view as its filters show it.
func (c *Console) viewName() string {
	name := T(c.viewOf().name)
	if c.View() == "a" && c.OpenOnly().Checked {
		name = T("All open")
	}
	if ch := c.ChannelFilter(); ch.SelectedIndex() > 0 {
		name += " · " + ch.Selected
	}
	if q := c.Search().Text; q != "" {
		name += " · “" + q + "”"
	}
	return name
}

// setTitle puts the view and its count of open cases into the window
// title: "Switchboard — Mine (12)", the new cases not shown yet too (it
// stayed at "All (74)" while hundreds came in behind "N new — show").
func (x *extras) setTitle() {
	c := x.c
	t := "Switchboard — " + c.viewName() + " (" + Number(c.WaitingCount()) + ")"
	if x.title == t {
		return
	}
	x.title = t
	if x.onTitle != nil {
		x.onTitle(t)
	}
}

// WindowTitle is the title the console wants for its window.
func (c *Console) WindowTitle() string { return c.x().title }

// OnTitle calls f with each new window title.
func (c *Console) OnTitle(f func(string)) {
	x := c.x()
	x.onTitle = f
	x.title = ""
	x.setTitle()
}

// SetCanned sets the canned answers the composer offers.
func (c *Console) SetCanned(a []app.Canned) { c.x().canned = slices.Clone(a) }

// SetMute silences notifications.
func (c *Console) SetMute(m bool) { c.x().mute = m }

// SetNotifier replaces App.SendNotification, for tests.
func (c *Console) SetNotifier(f func(*fyne.Notification)) { c.x().notify = f }

// Banner is the offline banner.
func (c *Console) Banner() *Banner { return c.x().banner }

// OutboxPanel is the list of waiting actions.
func (c *Console) OutboxPanel() *OutboxPanel { return c.x().outbox }

// Shortcut is one key of the keyboard map.
type Shortcut struct{ Keys, Does string }

// Shortcuts is every shortcut, as "?" lists them.
func Shortcuts() []Shortcut {
	return []Shortcut{
		{"j / ↓", T("next case")},
		{"k / ↑", T("previous case")},
		{"Enter", T("open the case")},
		{"r", T("write a reply")},
		{"n", T("write an internal note")},
		{"Ctrl+Enter", T("send the reply or note")},
		{"Esc", T("leave the text box, back to the queue")},
		{"a", T("assign the case to me")},
		{"e", T("solve the case")},
		{"p", T("set the case to pending")},
		{"s", T("snooze the case (1 hour, tomorrow 9:00, a time)")},
		{"/", T("search the queue")},
		{"Enter · Esc", T("in the search: open the first match · back to the queue")},
		{".", T("show the new cases (the “N new — show” bar)")},
		{"u", T("undo the reply or note just sent")},
		{"o", T("outbox: j/k pick, x x cancel, e edit, Enter open, Esc close")},
		{"!", T("refusals: j/k pick, y retry, d discard, o open the case, Esc back")},
		{"R", T("reconnect now")},
		{"g i", T("view: all open")},
		{"g m", T("view: mine")},
		{"g u", T("view: unassigned")},
		{"g h", T("view: high reach")},
		{"g w", T("view: customer waiting")},
		{"g r", T("view: SLA at risk or breached")},
		{"g p", T("view: on hold (waiting on the customer)")},
		{"g b", T("view: brand chatter")},
		{"g z", T("view: snoozed")},
		{"g d", T("view: closed")},
		{"g a", T("view: all")},
		{"g 1–9", T("view: a saved view")},
		{"g v", T("save the view; rename or delete saved views")},
		{"f", T("my figures: response times and service levels")},
		{"c", T("show or fold away the customer panel")},
		{"?", T("show these shortcuts")},
		{",", T("settings: language, theme, undo, canned answers")},
	}
}

// InstallKeys binds the keyboard map to the window's canvas. Single keys
// only reach the canvas when no widget has the focus (Esc leaves the
// composer); Ctrl+Enter works everywhere.
func (c *Console) InstallKeys(w fyne.Window) {
	x := c.x()
	x.win = w
	x.hostOutbox(w)
	sb := c.StatusBar()
	sb.help.OnTapped = func() { c.Locked(c.showShortcuts) }
	sb.help.Show()
	cv := w.Canvas()
	cv.SetOnTypedRune(func(r rune) { c.Locked(func() { c.Key(string(r)) }) })
	cv.SetOnTypedKey(func(k *fyne.KeyEvent) {
		c.Locked(func() {
			switch k.Name {
			case fyne.KeyDown:
				c.Key("j")
			case fyne.KeyUp:
				c.Key("k")
			case fyne.KeyReturn, fyne.KeyEnter:
				c.Key("enter")
			case fyne.KeyEscape:
				c.Key("esc")
			}
		})
	})
	send := func(fyne.Shortcut) { c.Locked(func() { c.Key("send") }) }
	for _, k := range []fyne.KeyName{fyne.KeyReturn, fyne.KeyEnter} {
		cv.AddShortcut(&desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierControl}, send)
	}
}

// hostOutbox shows the outbox panel in a pop-up under the banner, over the
// queue: in the window's column of widgets it made the window taller than
// the screen (the console needs most of 860 pixels itself, and Fyne never
// shrinks a window back).
func (x *extras) hostOutbox(w fyne.Window) {
	if x.outPop != nil {
		return
	}
	x.top.Remove(x.outbox)
	x.outPop = widget.NewPopUp(x.outbox, w.Canvas())
	x.outbox.onShow = x.placeOutbox
	x.outbox.onHide = x.outPop.Hide
	if x.outbox.Visible() {
		x.placeOutbox()
	}
}

// placeOutbox puts the outbox pop-up under the banner, as wide as the
// window, while the panel shows.
func (x *extras) placeOutbox() {
	if x.outPop == nil || x.win == nil {
		return
	}
	if !x.outbox.Visible() {
		x.outPop.Hide()
		return
	}
	cv := x.win.Canvas()
	pad := theme.Padding() * 2
	d := fyne.CurrentApp().Driver()
	y := d.AbsolutePositionForObject(x.top).Y + x.top.Size().Height
	size := fyne.NewSize(cv.Size().Width-2*pad, min(x.outPop.MinSize().Height, cv.Size().Height-y-pad))
	x.outPop.ShowAtPosition(fyne.NewPos(pad, y))
	x.outPop.Resize(size)
}

// Key does what a key of the keyboard map does; the canvas calls it, and
// tests. It runs on the UI goroutine with the console's lock held.
func (c *Console) Key(k string) {
	x := c.x()
	// A key that acts on the open case waits while the case just opened
	// loads, and every key after it waits with it: "j a" claimed, and
	// "j r text Ctrl+Enter" answered, the case before (the action bar was
	// still its own), and the text's first letters ran as queue keys.
	if x.ahead != nil || c.loading != "" && actsOnCase(k) {
		x.ahead = append(x.ahead, k)
		return
	}
	c.key(k)
}

// actsOnCase are the keys that act on the case in the action bar (and
// "send", the composer's Ctrl+Enter); s snoozes the case selected, u takes
// back what was just sent, wherever.
func actsOnCase(k string) bool {
	switch k {
	case "r", "n", "a", "e", "p", "send":
		return true
	}
	return false
}

// typeAhead replays the keys that waited for a case to load, in order,
// into the widget that has the focus by then (the reply box after r) or
// the queue; a key that opens another case waits again for that one.
func (c *Console) typeAhead() {
	x := c.x()
	for len(x.ahead) > 0 && c.loading == "" {
		k := x.ahead[0]
		x.ahead = x.ahead[1:]
		var f fyne.Focusable
		if x.win != nil {
			f = x.win.Canvas().Focused()
		}
		switch r := []rune(k); {
		case k == "send":
			c.Actions().comp.Send()
		case f != nil && k == "enter":
			f.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		case f != nil && k == "esc":
			f.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
		case f != nil && len(r) == 1:
			f.TypedRune(r[0])
		default:
			c.key(k)
		}
	}
	if len(x.ahead) == 0 {
		x.ahead = nil
	}
}

// key does what k does, now.
func (c *Console) key(k string) {
	x := c.x()
	if x.modal != nil && x.modal.Visible() {
		// The pop-up has the keys: nothing moves behind it.
		switch {
		case k == "esc" || k == "?" && x.modal == x.help:
			x.modal.Hide()
		case (k == "j" || k == "k") && x.modal == x.help && x.helpScroll != nil:
			x.scrollHelp(k == "j")
		}
		return
	}
	x.modal = nil
	if x.gPending {
		x.gPending = false
		c.jumpView(k)
		return
	}
	switch k {
	case "j":
		c.move(1)
	case "k":
		c.move(-1)
	case "enter":
		if c.Selected() == "" {
			c.move(1)
		} else {
			c.Select(c.Selected())
		}
	case "r", "n":
		if c.Selected() == "" || !c.Actions().Visible() {
			c.StatusBar().Flash(T("Open a case first."))
			return
		}
		m := ModeReply
		if k == "n" {
			m = ModeNote
		}
		c.Actions().comp.SetMode(m)
		c.focus(c.Actions().comp.entry)
	case "a":
		c.keyOp(model.Op{Kind: model.OpClaim}, T("Claim"))
	case "e":
		c.keyOp(model.Op{Kind: model.OpSetStatus, Status: model.StatusSolved}, T("Status {{.S}}", "S", StatusName(model.StatusSolved)))
	case "p":
		c.keyOp(model.Op{Kind: model.OpSetStatus, Status: model.StatusPending}, T("Status {{.S}}", "S", StatusName(model.StatusPending)))
	case "s":
		c.showSnooze()
	case "/":
		c.focus(c.Search())
	case ".":
		if c.newBar.Visible() {
			c.ShowNew()
		}
	case "u":
		if comp := c.Actions().comp; comp.undo.Visible() {
			comp.undoSend()
		}
	case "o":
		c.openOutbox()
	case "!":
		c.openRefusals()
	case "R":
		if x.ob != nil {
			x.ob.Reconnect()
			c.StatusBar().Info(T("Reconnecting…"))
		}
	case "esc":
		if x.win != nil {
			x.win.Canvas().Unfocus()
		}
	case "g":
		x.gPending = true
	case "f":
		c.openMyFigures() // myfigures.go
	case "c":
		c.ToggleCustomer() // customer.go
	case "?":
		c.showShortcuts()
	case ",":
		c.showSettings()
	case "send":
		c.Actions().comp.Send()
	}
}

// keyOp acts on the open case from the keyboard.
func (c *Console) keyOp(op model.Op, what string) {
	if c.Selected() == "" || c.Actions().caseID == "" {
		c.StatusBar().Flash(T("Open a case first."))
		return
	}
	op.CaseID = c.Actions().caseID
	c.Actions().queue(op, what)
}

// move selects the next or previous case of the queue.
func (c *Console) move(d int) {
	rows := c.Rows()
	if len(rows) == 0 {
		return
	}
	i := slices.IndexFunc(rows, func(s model.Summary) bool { return s.ID == c.Selected() })
	switch {
	case i < 0 && d > 0:
		i = 0
	case i < 0:
		i = len(rows) - 1
	default:
		i = min(max(i+d, 0), len(rows)-1)
	}
	c.Select(rows[i].ID)
}

// jumpView follows "g": i all open (every channel, no search), m mine,
// u unassigned, h high reach, w customer waiting, r SLA at risk, p on
// hold, b brand chatter, z snoozed, d closed, a all, 1–9 a saved view,
// v the saved views' dialog (SetView).
func (c *Console) jumpView(k string) {
	switch k {
	case "i":
		c.SetView("a")
		c.ChannelFilter().SetSelectedIndex(0)
		c.OpenOnly().SetChecked(true)
		c.Search().SetText("")
	default:
		c.SetView(k)
	}
}

// openOutbox shows the waiting actions with the keyboard on the first one
// (key o); with nothing waiting it says so.
func (c *Console) openOutbox() {
	x := c.x()
	if len(x.outbox.Rows()) == 0 {
		x.outbox.Hide()
		c.StatusBar().Info(T("No actions waiting for the hub"))
		return
	}
	x.outbox.Show()
	c.focus(x.outbox)
	x.refreshOutbox()
}

// openRefusals gives the keys to the actions the hub refused, the first
// one highlighted (key !); with none it says so.
func (c *Console) openRefusals() {
	p := c.RejectedPanel()
	if !p.Visible() || len(p.items) == 0 {
		c.StatusBar().Info(T("No refused actions"))
		return
	}
	p.cursor = 0
	c.focus(p)
}

// searchSubmitted follows Enter in the search box: the keys go back to the
// queue and the first match opens.
func (c *Console) searchSubmitted() {
	c.focusNone()
	if len(c.rows) > 0 {
		c.Select(c.rows[0].ID)
	}
}

// focusNone gives the keys back to the queue.
func (c *Console) focusNone() {
	if w := c.x().win; w != nil {
		w.Canvas().Unfocus()
	} else if cv := fyne.CurrentApp().Driver().CanvasForObject(c.search); cv != nil {
		cv.Unfocus()
	}
}

// trackModal makes pop the pop-up the keys belong to while it shows.
func (c *Console) trackModal(pop *widget.PopUp) {
	if x := c.x(); x != nil {
		x.modal = pop
	}
}

// keyEntry is a one-line entry the keyboard can leave: Esc gives the keys
// back to the queue (and runs onEsc: a pop-up closes), Enter runs
// OnSubmitted. A plain widget.Entry keeps the focus on Esc, and while it
// has the focus no single-key shortcut reaches the queue.
type keyEntry struct {
	widget.Entry
	onEsc func()
}

func newKeyEntry() *keyEntry {
	e := &keyEntry{}
	e.ExtendBaseWidget(e)
	return e
}

// AcceptsTab is false: Tab moves on from a multi-line box too (the
// settings' canned answers kept it, and with it the keyboard).
func (e *keyEntry) AcceptsTab() bool { return false }

// TypedKey leaves the entry on Escape.
func (e *keyEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name != fyne.KeyEscape {
		e.Entry.TypedKey(k)
		return
	}
	if cv := fyne.CurrentApp().Driver().CanvasForObject(e); cv != nil {
		cv.Unfocus()
	}
	if e.onEsc != nil {
		e.onEsc()
	}
}

func (c *Console) focus(o fyne.Focusable) {
	if w := c.x().win; w != nil {
		w.Canvas().Focus(o)
	} else if cv := fyne.CurrentApp().Driver().CanvasForObject(o.(fyne.CanvasObject)); cv != nil {
		cv.Focus(o)
	}
}

func (c *Console) showShortcuts() {
	x := c.x()
	if x.win == nil {
		return
	}
	cv := x.win.Canvas()
	room := popUpRoom(cv)
	all := Shortcuts()
	half := (len(all) + 1) / 2
	// One form row per shortcut: a key and what it does share a row
	// (two columns of labels drifted apart, the monospace keys being
	// shorter than the text, until a key sat beside the next key's words).
	col := func(list []Shortcut) *fyne.Container {
		form := container.New(layout.NewFormLayout())
		for _, s := range list {
			form.Add(widget.NewLabelWithStyle(s.Keys, fyne.TextAlignTrailing, fyne.TextStyle{Monospace: true}))
			form.Add(widget.NewLabel(s.Does))
		}
		return form
	}
	// Two columns, so all of them fit a window 860 high; one when two are
	// wider than the window (at 200 % on a 1600-pixel screen), and the
	// sheet scrolls (j and k too) when it is higher than the window: at
	// 760×440 units it showed 10 of the keys, and the last line ran under
	// Close.
	var grid fyne.CanvasObject = container.NewHBox(col(all[:half]), widget.NewSeparator(), col(all[half:]))
	if grid.MinSize().Width > room.Width {
		grid = col(all)
	}
	scroll := container.NewVScroll(grid)
	if grid.MinSize().Width > room.Width {
		scroll = container.NewScroll(grid)
	}
	var pop *widget.PopUp
	closeB := widget.NewButton(T("Close"), func() { pop.Hide() })
	head, foot := heading(T("Keyboard shortcuts")), container.NewCenter(closeB)
	pad := theme.Padding()
	want := fyne.NewSize(grid.MinSize().Width, head.MinSize().Height+grid.MinSize().Height+foot.MinSize().Height+2*pad)
	box := container.NewBorder(head, foot, nil, nil, scroll)
	pop = widget.NewModalPopUp(container.NewGridWrap(fitSize(want, room), box), cv)
	pop.Show()
	x.help, x.helpScroll = pop, scroll
	c.trackModal(pop)
}

// scrollHelp moves the shortcuts sheet by a few lines, down or up.
func (x *extras) scrollHelp(down bool) {
	s := x.helpScroll
	step := 3 * widget.NewLabel("M").MinSize().Height
	if !down {
		step = -step
	}
	most := max(s.Content.Size().Height-s.Size().Height, 0)
	s.Offset.Y = min(max(s.Offset.Y+step, 0), most)
	s.Refresh()
}

// popUpRoom is the room a pop-up has on cv: the canvas less a margin each
// side, so that its shadow and a strip of the window stay in sight.
func popUpRoom(cv fyne.Canvas) fyne.Size {
	m := 4 * theme.Padding()
	return fyne.NewSize(max(cv.Size().Width-2*m, 0), max(cv.Size().Height-2*m, 0))
}

// fitSize is want, made no larger than room.
func fitSize(want, room fyne.Size) fyne.Size {
	return fyne.NewSize(min(want.Width, room.Width), min(want.Height, room.Height))
}

// Splits are the console's split panes, outermost first, so their offsets
// can be remembered between runs.
func (c *Console) Splits() []*container.Split {
	var out []*container.Split
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *container.Split:
			out = append(out, x)
			walk(x.Leading)
			walk(x.Trailing)
		case *fyne.Container:
			for _, ch := range x.Objects {
				walk(ch)
			}
		}
	}
	walk(c.root)
	return out
}

// OnSettings gives the console the settings and what saves them; the
// status bar's gear and "," open them.
func (c *Console) OnSettings(get func() app.Settings, save func(app.Settings)) {
	x := c.x()
	x.getSettings, x.saveSettings = get, save
	sb := c.StatusBar()
	sb.settings.OnTapped = func() { c.Locked(c.showSettings) }
	sb.settings.Show()
}

func (c *Console) showSettings() {
	x := c.x()
	if x.win == nil || x.getSettings == nil {
		return
	}
	var pop *widget.PopUp
	panel := NewSettingsPanel(x.getSettings(), func(s app.Settings) {
		x.canned, x.mute = s.Canned, s.Mute
		x.saveSettings(s)
	})
	closeB := panel.newButton(T("Close"), nil, func() { pop.Hide() })
	// 640×560 units, or the window less a margin when it is smaller (at
	// 200 % on a 1600×1000 screen it is 760×440): the settings scroll
	// inside, Close stays in sight below them.
	cv := x.win.Canvas()
	box := container.NewBorder(nil, container.NewCenter(closeB), nil, nil, container.NewVScroll(panel))
	pop = widget.NewModalPopUp(container.NewGridWrap(fitSize(fyne.NewSize(640, 560), popUpRoom(cv)), box), cv)
	panel.onEsc = pop.Hide
	pop.Show()
	c.trackModal(pop)
}
