package ui

import (
	"errors"
	"fmt"
	"image/color"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/google/uuid"

	"switchboard/app"
	"switchboard/model"
)

// ActionBar is what an agent does with the open case: claim or release it,
// set its status, reply or leave an internal note.
type ActionBar struct {
	widget.BaseWidget

	// act queues an op off the UI goroutine and calls done on it.
	act func(op model.Op, done func(error))
	// onTyping is called as the agent types a reply.
	onTyping func()

	caseID  string
	channel model.Channel
	// paths are the threads a reply can take on a merged case: the case
	// itself first, then the cases merged into it, each on its channel.
	paths    []model.Summary
	via      *widget.Select
	assignee string
	me       string
	loading  bool // set while Set fills the widgets: no ops from that

	owner    *widget.Label
	claim    *widget.Button
	assign   *fyne.Container // leads only: hand the case to someone
	assignTo *widget.Entry
	status   *widget.Select
	comp     *Composer
	warn     *widget.Label
	confirm  *widget.Button
	onOK     func() // what the confirm button does
	info     *infoLabel
	body     *fyne.Container
	// compact: the rows for a short pane (SetCompact, composer.go);
	// widest keeps each arrangement's buttons row at its widest minimum;
	// ownerShort stands for owner in the compact row where that is too
	// narrow for it.
	compact    bool
	widest     [2]widestLayout
	ownerShort *widget.Label

	afterAct func() // after an op was queued or refused (the outbox changed)
	// took are the cases this console acted on just now, and when: a
	// case that becomes the agent's own through their own claim or reply
	// is not announced as new in Mine (took.go).
	took tookCases
	// isPending tells whether a queued op still waits for the hub: the
	// "… queued" line goes once it has landed (nil: it stays).
	isPending      func(caseID, opID string) bool
	queuedOp       string // the op the info line says is queued
	errShown       bool   // info holds an error about the text
	claimConfirmed bool   // the agent confirmed replying on another's case
}

var statuses = []string{string(model.StatusNew), string(model.StatusOpen), string(model.StatusPending), string(model.StatusSolved), string(model.StatusClosed)}

// NewActionBar makes an action bar; act queues an op.
func NewActionBar(act func(op model.Op, done func(error))) *ActionBar {
	b := &ActionBar{act: act}
	b.comp = newComposer(b)
	b.owner = widget.NewLabel("")
	b.owner.Importance = widget.LowImportance
	b.ownerShort = widget.NewLabel("")
	b.ownerShort.Importance = widget.LowImportance
	b.ownerShort.Truncation = fyne.TextTruncateEllipsis
	b.claim = widget.NewButtonWithIcon(T("Claim"), theme.AccountIcon(), b.toggleClaim)
	var names []string // in the agent's language
	for _, st := range statuses {
		names = append(names, StatusName(model.Status(st)))
	}
	b.status = widget.NewSelect(names, func(string) {
		b.fitStatus() // composer.go: compact, as wide as the status shown
		i := b.status.SelectedIndex()
		if b.loading || b.caseID == "" || i < 0 {
			return
		}
		st := model.Status(statuses[i])
		b.queue(model.Op{Kind: model.OpSetStatus, CaseID: b.caseID, Status: st}, T("Status {{.S}}", "S", StatusName(st)))
	})
	b.via = widget.NewSelect(nil, func(string) { b.comp.update() })
	b.via.Hide()
	b.warn = widget.NewLabel("")
	b.warn.Importance = widget.WarningImportance
	b.warn.Wrapping = fyne.TextWrapWord
	b.confirm = widget.NewButton(T("Reply anyway"), func() {
		if f := b.onOK; f != nil {
			f()
		}
	})
	b.info = newInfoLabel()
	b.warn.Hide()
	b.confirm.Hide()

	b.assignTo = widget.NewEntry()
	b.assignTo.SetPlaceHolder(T("agent"))
	assignBtn := widget.NewButton(T("Assign"), func() {
		to := strings.TrimSpace(b.assignTo.Text)
		if to == "" {
			return
		}
		b.queue(model.Op{Kind: model.OpClaim, CaseID: b.caseID, Assignee: to}, T("Assign to {{.Who}}", "Who", to), func() { b.assignTo.SetText("") })
	})
	b.assign = container.NewHBox(container.NewGridWrap(fyne.NewSize(110, b.assignTo.MinSize().Height), b.assignTo), assignBtn)
	b.assign.Hide()
	b.body = container.NewVBox()
	b.arrange() // composer.go: the full rows, or the compact ones (SetCompact)
	b.comp.update()
	b.ExtendBaseWidget(b)
	b.Hide()
	return b
}

// CreateRenderer implements fyne.Widget.
func (b *ActionBar) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(b.body) }

// Set shows the actions for a case as the agent me sees it; a lead can
// also assign it to someone. merged are the cases merged into c: a reply
// can go out on any of their threads.
func (b *ActionBar) Set(c model.Case, merged []model.Summary, me string, lead bool) {
	if lead {
		b.assign.Show()
	} else {
		b.assign.Hide()
	}
	if c.ID != b.caseID {
		b.info.SetText("")
		b.errShown = false
		b.hideAsk()
	}
	sameCase := c.ID == b.caseID
	if sameCase && b.queuedOp != "" && b.isPending != nil && !b.isPending(c.ID, b.queuedOp) {
		if !b.errShown {
			b.info.SetText("") // it has landed: "queued" no longer applies
		}
		b.queuedOp = ""
	}
	b.caseID, b.channel, b.assignee, b.me = c.ID, c.Channel, c.Assignee, me
	b.paths = append([]model.Summary{c.Summary()}, merged...)
	b.loading = true
	if len(merged) == 0 {
		b.via.Hide()
		b.via.Options = nil
		b.via.ClearSelected()
	} else {
		var opts []string
		for i, p := range b.paths {
			label := "via " + string(p.Channel)
			if slices.Contains(opts, label) || i > 0 && p.Channel == b.paths[0].Channel {
				label = fmt.Sprintf("via %s %d", p.Channel, i+1)
			}
			opts = append(opts, label)
		}
		// The agent's choice holds while the case is reloaded, never into
		// another case: a reply must not take another case's path.
		keep := b.via.SelectedIndex()
		b.via.SetOptions(opts)
		if !sameCase || keep < 0 || keep >= len(opts) {
			keep = 0
		}
		b.via.SetSelectedIndex(keep)
		b.via.Show()
	}
	b.status.SetSelected(StatusName(c.Status))
	b.loading = false
	b.showOwner()
	b.comp.setCase(c)
	b.Show()
	b.Refresh()
}

// showOwner says whose the case is and offers to claim or release it.
func (b *ActionBar) showOwner() {
	switch b.assignee {
	case "":
		b.owner.SetText(T("Unassigned"))
		b.claim.SetText(T("Claim"))
	case b.me:
		b.owner.SetText(T("Assigned to you"))
		b.claim.SetText(T("Release"))
	default:
		b.owner.SetText(T("Assigned to {{.Who}}", "Who", b.assignee))
		b.claim.SetText(T("Claim"))
	}
	// Compact, where the row has no room for that: Claim says the case
	// is nobody's (or a colleague's, named beside it), Release that it is
	// the agent's.
	short := ""
	if b.assignee != "" && b.assignee != b.me {
		short = T("with {{.Who}}", "Who", b.assignee)
	}
	b.ownerShort.SetText(short)
}

// Clear hides the bar.
func (b *ActionBar) Clear() { b.caseID = ""; b.Hide() }

// path is the thread a reply takes: the selected one on a merged case.
func (b *ActionBar) path() (caseID string, ch model.Channel) {
	if i := b.via.SelectedIndex(); b.via.Visible() && i > 0 && i < len(b.paths) {
		return b.paths[i].ID, b.paths[i].Channel
	}
	return "", b.channel
}

func (b *ActionBar) toggleClaim() {
	kind, what := model.OpClaim, T("Claim")
	if b.assignee == b.me && b.me != "" {
		kind, what = model.OpRelease, T("Release")
	}
	b.queue(model.Op{Kind: kind, CaseID: b.caseID}, what)
}

// queue hands an op to the core and shows the outcome: "queued" only once
// the op is in the outbox on disk.
func (b *ActionBar) queue(op model.Op, what string, onOK ...func()) {
	if b.caseID == "" {
		return
	}
	b.info.SetText(what + "…")
	b.errShown = false
	if op.ID == "" {
		op.ID = uuid.NewString() // named here, so the line can follow it
	}
	b.queuedOp = ""
	b.took.add(op.CaseID, time.Now())
	b.act(op, func(err error) {
		if b.afterAct != nil {
			b.afterAct()
		}
		var rej *model.Rejection
		switch {
		case err == nil:
			b.info.SetText(T("{{.What}} queued", "What", what))
			b.queuedOp = op.ID
			b.claimConfirmed = false
			for _, f := range onOK {
				f()
			}
		case errors.As(err, &rej) && rej.Code == model.RejectClaimed && op.Kind == model.OpReply:
			b.info.SetText("")
			b.ask(T("{{.Who}} has claimed this case. Your reply goes out under your name.", "Who", b.assignee), T("Reply anyway"), func() {
				b.claimConfirmed = true
				b.comp.send1(true)
			})
		default:
			b.showError(T("{{.What}} not queued.", "What", what) + " " + Explain(err, b.channel, b.assignee))
		}
	})
}

// showError shows a refusal; it goes when the text changes or the case.
func (b *ActionBar) showError(msg string) {
	b.info.SetText(msg)
	b.errShown = true
}

// ask shows a warning with a button that goes ahead.
func (b *ActionBar) ask(warning, button string, ok func()) {
	b.warn.SetText(warning)
	b.confirm.SetText(button)
	b.onOK = ok
	b.warn.Show()
	b.confirm.Show()
}

func (b *ActionBar) hideAsk() {
	b.warn.Hide()
	b.confirm.Hide()
	b.onOK = nil
}

// Composer is the reply / note editor.
func (b *ActionBar) Composer() *Composer { return b.comp }

// Info is the feedback line, for tests.
func (b *ActionBar) Info() string { return b.info.Text }

// ViaSelect picks the thread of a reply on a merged case, for tests.
func (b *ActionBar) ViaSelect() *widget.Select { return b.via }

// ReplyEntry is the reply editor, for tests.
func (b *ActionBar) ReplyEntry() *widget.Entry { return &b.comp.entry.Entry }

// SendButton, ClaimButton and ConfirmButton are for tests.
func (b *ActionBar) SendButton() *widget.Button    { return b.comp.send }
func (b *ActionBar) ClaimButton() *widget.Button   { return b.claim }
func (b *ActionBar) ConfirmButton() *widget.Button { return b.confirm }

// StatusSelect is the status selector, for tests.
func (b *ActionBar) StatusSelect() *widget.Select { return b.status }

// RejectedPanel lists the ops the hub refused, each with what, why, what is
// there now, and retry / discard / open case. It takes the keyboard too
// (key ! focuses it): j/k or ↑/↓ pick a refusal, y or Enter retries (a
// reply refused because the case is someone else's asks once more), d or
// Delete discards, o opens its case, Esc or ! gives the keys back.
type RejectedPanel struct {
	widget.BaseWidget
	rows  *fyne.Container
	body  *fyne.Container
	keysL *widget.Label
	items []*rejectedRow

	cursor  int
	cursorO string // the op under the cursor, kept across Set
	focused bool

	retry, discard, open func(string)
}

// rejectedRow is one refusal of the panel.
type rejectedRow struct {
	opID, caseID string
	bg           *canvas.Rectangle
	retryB       *widget.Button // the plain Retry, or
	retryTwo     *TwoStep       // the one that asks once more
}

// NewRejectedPanel makes an empty, hidden panel.
func NewRejectedPanel(retry, discard func(opID string), open func(caseID string)) *RejectedPanel {
	p := &RejectedPanel{rows: container.NewVBox(), retry: retry, discard: discard, open: open}
	title := widget.NewLabelWithStyle(T("Refused by the hub: decide what happens"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.Importance = widget.DangerImportance
	p.keysL = lowLabel("", fyne.TextAlignTrailing)
	p.body = container.NewVBox(widget.NewSeparator(), container.NewBorder(nil, nil, nil, p.keysL, title), p.rows)
	p.ExtendBaseWidget(p)
	p.Hide() // hidden widgets take no room in their box
	return p
}

// CreateRenderer implements fyne.Widget.
func (p *RejectedPanel) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(p.body) }

// Set shows the rejected ops; none hides the panel (and gives the keys
// back to the queue).
func (p *RejectedPanel) Set(ros []app.RejectedOp) {
	p.rows.Objects = nil
	p.items = nil
	for i, ro := range ros {
		if i == 5 {
			p.rows.Add(lowLabel(T("and {{.N}} more", "N", Number(len(ros)-5)), fyne.TextAlignLeading))
			break
		}
		opID, caseID := ro.Op.ID, ro.Op.CaseID
		var ch model.Channel
		assignee := ""
		if cur := ro.Current; cur != nil {
			ch, assignee = cur.Channel, cur.Assignee
		}
		text := describeOp(ro.Op) + ": " + ExplainRejection(ro.Reject, ch, assignee)
		if cur := ro.Current; cur != nil {
			text += " " + T("Now {{.S}}", "S", StatusName(cur.Status))
			if cur.Assignee != "" {
				text += ", " + T("with {{.Who}}", "Who", cur.Assignee)
			}
			text += "."
		}
		l := widget.NewLabel(text)
		l.Wrapping = fyne.TextWrapWord
		r := &rejectedRow{opID: opID, caseID: caseID, bg: canvas.NewRectangle(color.Transparent)}
		r.bg.CornerRadius = 4
		var retry fyne.CanvasObject
		// A reply refused because the case is someone else's asks again:
		// retrying sends it under the agent's name on their case.
		if ro.Op.Kind == model.OpReply && ro.Reject.Code == model.RejectClaimed {
			who := assignee
			if who == "" {
				who = T("another agent")
			}
			r.retryTwo = newTwoStep(T("Retry"), T("Send anyway? {{.Who}} has the case", "Who", who), func() { p.retry(opID) })
			retry = r.retryTwo
		} else {
			r.retryB = widget.NewButton(T("Retry"), func() { p.retry(opID) })
			retry = r.retryB
		}
		p.items = append(p.items, r)
		p.rows.Add(container.NewStack(r.bg, container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), container.NewHBox(
			retry,
			widget.NewButton(T("Discard"), func() { p.discard(opID) }),
			widget.NewButton(T("Open case"), func() { p.open(caseID) }),
		), l)))
	}
	// The cursor follows its refusal; when that one went, it stays at the
	// same place.
	p.cursor = min(p.cursor, len(p.items)-1)
	for i, r := range p.items {
		if r.opID == p.cursorO {
			p.cursor = i
		}
	}
	p.cursor = max(p.cursor, 0)
	p.mark()
	p.rows.Refresh()
	if len(ros) == 0 {
		p.unfocus()
		p.Hide()
	} else {
		p.Show()
		p.Refresh()
	}
}

// Lines are the shown rejections, for tests.
func (p *RejectedPanel) Lines() []string {
	var out []string
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Label:
			out = append(out, x.Text)
		case *fyne.Container:
			for _, o := range x.Objects {
				walk(o)
			}
		}
	}
	for _, o := range p.rows.Objects {
		if b, ok := o.(*fyne.Container); ok {
			walk(b)
		}
	}
	return out
}

// Marked is the op under the highlighted row while the panel has the
// keys ("" without them), for tests.
func (p *RejectedPanel) Marked() string {
	if r := p.atCursor(); p.focused && r != nil {
		return r.opID
	}
	return ""
}

// RetryText is the Retry button's text of the refusal opID (it asks on
// the first press of a two-step retry), for tests.
func (p *RejectedPanel) RetryText(opID string) string {
	for _, r := range p.items {
		if r.opID == opID {
			if r.retryTwo != nil {
				return r.retryTwo.Text
			}
			return r.retryB.Text
		}
	}
	return ""
}

// mark highlights the row under the cursor while the panel has the keys,
// and names the keys.
func (p *RejectedPanel) mark() {
	if p.focused && len(p.items) > 0 {
		p.keysL.SetText(T("Keys: j/k pick · y retry · d discard · o open the case · Esc back"))
	} else {
		p.keysL.SetText(T("Key !: decide by keyboard"))
	}
	for i, r := range p.items {
		fill := color.Color(color.Transparent)
		if p.focused && i == p.cursor {
			fill = theme.Color(theme.ColorNameSelection)
			p.cursorO = r.opID
		}
		r.bg.FillColor = fill
		r.bg.Refresh()
	}
}

// FocusGained implements fyne.Focusable.
func (p *RejectedPanel) FocusGained() { p.focused = true; p.mark() }

// FocusLost implements fyne.Focusable: a retry that asked is taken back.
func (p *RejectedPanel) FocusLost() {
	p.focused = false
	p.disarm()
	p.mark()
}

// TypedRune implements fyne.Focusable: j/k, y, d, o, !.
func (p *RejectedPanel) TypedRune(r rune) {
	switch r {
	case 'j':
		p.moveCursor(1)
	case 'k':
		p.moveCursor(-1)
	case 'y':
		p.retryAtCursor()
	case 'd':
		p.discardAtCursor()
	case 'o':
		p.openAtCursor()
	case '!':
		p.unfocus()
	}
}

// TypedKey implements fyne.Focusable: arrows, Enter, Delete, Escape.
func (p *RejectedPanel) TypedKey(k *fyne.KeyEvent) {
	switch k.Name {
	case fyne.KeyDown:
		p.moveCursor(1)
	case fyne.KeyUp:
		p.moveCursor(-1)
	case fyne.KeyReturn, fyne.KeyEnter:
		p.retryAtCursor()
	case fyne.KeyDelete:
		p.discardAtCursor()
	case fyne.KeyEscape:
		p.unfocus()
	}
}

func (p *RejectedPanel) atCursor() *rejectedRow {
	if p.cursor < 0 || p.cursor >= len(p.items) {
		return nil
	}
	return p.items[p.cursor]
}

// moveCursor picks another refusal; a retry that asked is taken back.
func (p *RejectedPanel) moveCursor(d int) {
	if len(p.items) == 0 {
		return
	}
	p.disarm()
	p.cursor = min(max(p.cursor+d, 0), len(p.items)-1)
	p.mark()
}

// retryAtCursor is the row's Retry: a two-step one asks on the first press
// and retries on the second.
func (p *RejectedPanel) retryAtCursor() {
	r := p.atCursor()
	switch {
	case r == nil:
	case r.retryTwo != nil:
		r.retryTwo.tap()
	default:
		p.retry(r.opID)
	}
}

func (p *RejectedPanel) discardAtCursor() {
	if r := p.atCursor(); r != nil {
		p.discard(r.opID)
	}
}

// openAtCursor opens the refusal's case and gives the keys to the queue.
func (p *RejectedPanel) openAtCursor() {
	if r := p.atCursor(); r != nil {
		p.unfocus()
		p.open(r.caseID)
	}
}

// disarm takes back every two-step retry that asked.
func (p *RejectedPanel) disarm() {
	for _, r := range p.items {
		if b := r.retryTwo; b != nil && b.armed {
			b.armed = false
			b.Importance = widget.MediumImportance
			b.SetText(b.label)
		}
	}
}

// unfocus gives the keys back to the queue when the panel has them.
func (p *RejectedPanel) unfocus() {
	if !p.focused {
		return
	}
	if cv := fyne.CurrentApp().Driver().CanvasForObject(p); cv != nil && cv.Focused() == fyne.Focusable(p) {
		cv.Unfocus()
	}
	p.focused = false
	p.mark()
}

func describeOp(op model.Op) string {
	// In the agent's language: the outbox panel and the refusals list it.
	switch op.Kind {
	case model.OpReply:
		return T("Reply") + " “" + model.FirstLine(op.Text, 40) + "”"
	case model.OpNote:
		return T("Note") + " “" + model.FirstLine(op.Text, 40) + "”"
	case model.OpClaim:
		if op.Assignee != "" {
			return T("Assign to {{.Who}}", "Who", op.Assignee)
		}
		return T("Claim")
	case model.OpRelease:
		return T("Release")
	case model.OpSetStatus:
		return T("Status {{.S}}", "S", StatusName(op.Status))
	case model.OpSetPriority:
		if op.Priority == nil {
			return T("Priority")
		}
		return T("Priority") + " " + PriorityName(*op.Priority)
	case model.OpTag:
		return T("Tag {{.T}}", "T", op.Tag)
	case model.OpUntag:
		return T("Untag {{.T}}", "T", op.Tag)
	case model.OpLinkIdentity:
		return T("Link to customer {{.ID}}", "ID", op.CustomerID)
	case model.OpUnlinkIdentity:
		return T("Unlink from customer {{.ID}}", "ID", op.CustomerID)
	case model.OpDismissLink:
		return T("Not customer {{.ID}}", "ID", op.CustomerID)
	case model.OpMerge:
		return T("Merge a case here")
	case model.OpMarkPosted:
		return T("Mark posted")
	case model.OpSnooze:
		return T("Snooze until {{.When}}", "When", Stamp(op.Until))
	case model.OpUnsnooze:
		return T("End the snooze")
	}
	return string(op.Kind)
}

// oneLineAtLeast lays out the info line at least one label's line high,
// shown or hidden, so nothing above it moves when it comes and goes.
type oneLineAtLeast struct{}

func (oneLineAtLeast) MinSize(objs []fyne.CanvasObject) fyne.Size {
	sz := fyne.NewSize(0, widget.NewLabel("Ag").MinSize().Height)
	for _, o := range objs {
		if o.Visible() {
			m := o.MinSize()
			sz = fyne.NewSize(max(sz.Width, m.Width), max(sz.Height, m.Height))
		}
	}
	return sz
}

func (oneLineAtLeast) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

// slotLayout stacks its objects in one place as large as the largest of
// them, shown or hidden: what shows in it never changes its size, and an
// object shown later already has its size (a hidden one got none).
type slotLayout struct{}

func (slotLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objects {
		s = s.Max(o.MinSize())
	}
	return s
}

func (slotLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Resize(size)
		o.Move(fyne.Position{})
	}
}

// widestLayout gives its one object the whole room and asks for the
// widest minimum it has had: a row whose minimum changes with its text
// moves the splits each time, this one only when it grows past that.
type widestLayout struct{ w float32 }

func (l *widestLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objects {
		if o.Visible() {
			s = s.Max(o.MinSize())
		}
	}
	l.w = max(l.w, s.Width)
	s.Width = l.w
	return s
}

func (l *widestLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Resize(size)
		o.Move(fyne.Position{})
	}
}
