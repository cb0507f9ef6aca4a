package ui

import (
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"switchboard/app"
	"switchboard/model"
)

// OutboxPanel lists every action waiting for the hub with its case; one
// not yet sent can be edited (replies and notes) or cancelled. It takes the
// keyboard too (key o focuses it): j/k or ↑/↓ pick a row, x twice (or
// Delete twice) cancels it, e edits a reply or note (Ctrl+Enter saves, Esc
// leaves the text), Enter opens its case, Esc or o closes the panel.
type OutboxPanel struct {
	widget.BaseWidget

	rows    *fyne.Container
	scroll  *container.Scroll
	title   *widget.Label
	keysL   *widget.Label
	body    *fyne.Container
	items   []*OutboxRow
	now     func() time.Time
	cursor  int
	cursorO string // the op under the cursor, kept across Set
	focused bool
	// onShow and onHide: the console's pop-up follows the panel.
	onShow, onHide func()

	edit   func(opID, text string, done func(error))
	cancel func(opID string, done func(error))
	open   func(caseID string)
}

// OutboxRow is one waiting action.
type OutboxRow struct {
	widget.BaseWidget
	Op      app.QueuedOp
	bg      *canvas.Rectangle
	label   *widget.Label
	entry   *composerEntry
	editB   *widget.Button
	saveB   *widget.Button
	cancelB *TwoStep
	openB   *widget.Button
	info    *widget.Label
	body    *fyne.Container
}

// CreateRenderer implements fyne.Widget.
func (r *OutboxRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.body) }

// NewOutboxPanel makes a hidden panel.
func NewOutboxPanel(edit func(opID, text string, done func(error)), cancel func(opID string, done func(error)), open func(caseID string)) *OutboxPanel {
	p := &OutboxPanel{rows: container.NewVBox(), edit: edit, cancel: cancel, open: open, now: time.Now}
	p.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	closeB := widget.NewButtonWithIcon("", theme.CancelIcon(), func() { p.close() })
	closeB.Importance = widget.LowImportance
	p.keysL = lowLabel(T("Keys: j/k pick · x x cancel · e edit · Enter open the case · Esc close"), fyne.TextAlignTrailing)
	p.keysL.Hide()
	// Nine rows and a half at most, then it scrolls.
	p.scroll = container.NewVScroll(p.rows)
	capped := container.New(&cappedHeight{content: p.rows, max: 380}, p.scroll)
	p.body = container.NewVBox(widget.NewSeparator(), container.NewBorder(nil, nil, nil, container.NewHBox(p.keysL, closeB), p.title), capped)
	p.ExtendBaseWidget(p)
	p.Hide()
	return p
}

// CreateRenderer implements fyne.Widget.
func (p *OutboxPanel) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(p.body) }

// Show shows the panel (and the pop-up that holds it).
func (p *OutboxPanel) Show() {
	p.BaseWidget.Show()
	if p.onShow != nil {
		p.onShow()
	}
}

// Hide hides the panel (and the pop-up that holds it).
func (p *OutboxPanel) Hide() {
	p.BaseWidget.Hide()
	if p.onHide != nil {
		p.onHide()
	}
}

// Toggle shows or hides the panel.
func (p *OutboxPanel) Toggle() {
	if p.Visible() {
		p.Hide()
	} else {
		p.Show()
	}
}

// Set lists the outbox; cases names each op's case. A row whose action is
// unchanged stays the same widget (a row being edited keeps its text, its
// cursor and the keyboard); another row being edited keeps its text.
func (p *OutboxPanel) Set(ops []app.QueuedOp, cases map[string]model.Summary) {
	editing := map[string]string{}
	old := map[string]*OutboxRow{}
	for _, r := range p.items {
		if r.entry.Visible() {
			editing[r.Op.Op.ID] = r.entry.Text
		}
		old[r.Op.Op.ID] = r
	}
	p.items = nil
	p.rows.Objects = nil
	for i, q := range ops {
		if i == 50 {
			p.rows.Add(lowLabel(T("and {{.N}} more", "N", Number(len(ops)-50)), fyne.TextAlignLeading))
			break
		}
		if r := old[q.Op.ID]; r != nil && r.Op.Changeable == q.Changeable && r.Op.Op.Text == q.Op.Text {
			r.Op = q
			r.label.SetText(p.rowText(q, cases[q.Op.CaseID]))
			p.items = append(p.items, r)
			p.rows.Add(r)
			continue
		}
		r := p.newRow(q, cases[q.Op.CaseID])
		if text, ok := editing[q.Op.ID]; ok && q.Changeable {
			r.startEdit()
			r.entry.SetText(text)
		}
		p.items = append(p.items, r)
		p.rows.Add(r)
	}
	switch len(ops) {
	case 0:
		p.title.SetText(T("No actions waiting for the hub"))
	case 1:
		p.title.SetText(T("1 action waiting for the hub"))
	default:
		p.title.SetText(T("{{.N}} actions waiting for the hub", "N", Number(len(ops))))
	}
	// The cursor follows its action; when that one went, it stays at the
	// same place.
	p.cursor = min(p.cursor, len(p.items)-1)
	for i, r := range p.items {
		if r.Op.Op.ID == p.cursorO {
			p.cursor = i
		}
	}
	p.cursor = max(p.cursor, 0)
	p.mark()
	p.rows.Refresh()
	p.Refresh()
}

// mark highlights the row under the cursor while the panel has the keys.
func (p *OutboxPanel) mark() {
	if p.focused && len(p.items) > 0 {
		p.keysL.Show()
	} else {
		p.keysL.Hide()
	}
	for i, r := range p.items {
		fill := color.Color(color.Transparent)
		if p.focused && i == p.cursor {
			fill = theme.Color(theme.ColorNameSelection)
			p.cursorO = r.Op.Op.ID
		}
		r.bg.FillColor = fill
		r.bg.Refresh()
	}
	if r := p.atCursor(); p.focused && r != nil {
		top, bottom := r.Position().Y, r.Position().Y+r.Size().Height
		switch view := p.scroll.Size().Height; {
		case top < p.scroll.Offset.Y:
			p.scroll.ScrollToOffset(fyne.NewPos(0, top))
		case bottom > p.scroll.Offset.Y+view && view > 0:
			p.scroll.ScrollToOffset(fyne.NewPos(0, bottom-view))
		}
	}
}

// cappedHeight lays out one object at its content's height, but max at most.
type cappedHeight struct {
	content fyne.CanvasObject
	max     float32
}

func (l *cappedHeight) MinSize([]fyne.CanvasObject) fyne.Size {
	m := l.content.MinSize()
	return fyne.NewSize(m.Width, min(m.Height, l.max))
}

func (l *cappedHeight) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

// Height is the panel's height, for tests.
func (p *OutboxPanel) Height() float32 { return p.MinSize().Height }

// FocusGained implements fyne.Focusable.
func (p *OutboxPanel) FocusGained() { p.focused = true; p.mark() }

// FocusLost implements fyne.Focusable.
func (p *OutboxPanel) FocusLost() { p.focused = false; p.mark() }

// TypedRune implements fyne.Focusable: j/k, x, e, o.
func (p *OutboxPanel) TypedRune(r rune) {
	switch r {
	case 'j':
		p.moveCursor(1)
	case 'k':
		p.moveCursor(-1)
	case 'x':
		p.cancelAtCursor()
	case 'e':
		p.editAtCursor()
	case 'o':
		p.close()
	}
}

// TypedKey implements fyne.Focusable: arrows, Enter, Delete, Escape.
func (p *OutboxPanel) TypedKey(k *fyne.KeyEvent) {
	switch k.Name {
	case fyne.KeyDown:
		p.moveCursor(1)
	case fyne.KeyUp:
		p.moveCursor(-1)
	case fyne.KeyDelete:
		p.cancelAtCursor()
	case fyne.KeyReturn, fyne.KeyEnter:
		if r := p.atCursor(); r != nil {
			p.unfocus()
			p.open(r.Op.Op.CaseID)
		}
	case fyne.KeyEscape:
		p.close()
	}
}

func (p *OutboxPanel) atCursor() *OutboxRow {
	if p.cursor < 0 || p.cursor >= len(p.items) {
		return nil
	}
	return p.items[p.cursor]
}

func (p *OutboxPanel) moveCursor(d int) {
	if len(p.items) == 0 {
		return
	}
	p.cursor = min(max(p.cursor+d, 0), len(p.items)-1)
	p.mark()
}

// cancelAtCursor is the row's two-step Cancel: the first press asks, the
// second cancels.
func (p *OutboxPanel) cancelAtCursor() {
	if r := p.atCursor(); r != nil && !r.cancelB.Disabled() {
		r.cancelB.tap()
	}
}

// editAtCursor opens the row's text for editing and gives it the keys.
func (p *OutboxPanel) editAtCursor() {
	r := p.atCursor()
	if r == nil || !r.editB.Visible() || r.editB.Disabled() {
		return
	}
	r.startEdit()
	if cv := fyne.CurrentApp().Driver().CanvasForObject(p); cv != nil {
		cv.Focus(r.entry)
	}
}

// unfocus gives the keys back to the queue when the panel or one of its
// texts has them.
func (p *OutboxPanel) unfocus() {
	cv := fyne.CurrentApp().Driver().CanvasForObject(p)
	if cv == nil || cv.Focused() == nil {
		return
	}
	mine := cv.Focused() == fyne.Focusable(p)
	for _, r := range p.items {
		mine = mine || cv.Focused() == fyne.Focusable(r.entry)
	}
	if mine {
		cv.Unfocus()
	}
}

// close hides the panel and gives the keys back to the queue.
func (p *OutboxPanel) close() {
	p.unfocus()
	p.Hide()
}

// rowText is a row's line: the action, its case, when it goes.
func (p *OutboxPanel) rowText(q app.QueuedOp, cs model.Summary) string {
	where := cs.Author
	if cs.Handle != "" && cs.Handle != cs.Author {
		where += " (" + cs.Handle + ")"
	}
	if where == "" {
		where = q.Op.CaseID
	}
	text := describeOp(q.Op) + " · " + T("case of {{.Who}}", "Who", where)
	switch {
	case !q.HeldUntil.IsZero():
		text += " · " + T("sends in {{.S}} s", "S", int(max(q.HeldUntil.Sub(p.now()).Round(time.Second)/time.Second, 0)))
	case !q.Changeable:
		text += " · " + T("sent, waiting for the answer")
	}
	return text
}

func (p *OutboxPanel) newRow(q app.QueuedOp, cs model.Summary) *OutboxRow {
	r := &OutboxRow{Op: q}
	opID, caseID := q.Op.ID, q.Op.CaseID
	r.label = widget.NewLabel(p.rowText(q, cs))
	r.label.Truncation = fyne.TextTruncateEllipsis
	r.info = widget.NewLabel("")
	r.info.Importance = widget.DangerImportance
	r.info.Wrapping = fyne.TextWrapWord
	r.info.Hide()
	r.entry = newComposerEntry()
	r.entry.SetMinRowsVisible(2)
	r.entry.Hide()
	// Esc in the text goes back to the panel's keys; Ctrl+Enter saves.
	r.entry.onEsc = func() {
		if cv := fyne.CurrentApp().Driver().CanvasForObject(p); cv != nil {
			cv.Focus(p)
		}
	}
	r.saveB = widget.NewButtonWithIcon(T("Save"), theme.DocumentSaveIcon(), func() {
		r.saveB.Disable()
		p.edit(opID, r.entry.Text, func(err error) {
			r.saveB.Enable()
			if err != nil {
				r.info.SetText(Explain(err, cs.Channel, ""))
				r.info.Show()
				return
			}
			r.entry.Hide()
			r.saveB.Hide()
			r.info.Hide()
		})
	})
	r.entry.onSend = func() {
		if !r.saveB.Disabled() {
			r.saveB.OnTapped()
		}
		r.entry.onEsc()
	}
	r.saveB.Importance = widget.HighImportance
	r.saveB.Hide()
	r.editB = widget.NewButtonWithIcon(T("Edit"), theme.DocumentCreateIcon(), r.startEdit)
	r.cancelB = newTwoStep(T("Cancel"), T("Cancel: really?"), func() {
		p.cancel(opID, func(err error) {
			if err != nil {
				r.info.SetText(Explain(err, cs.Channel, ""))
				r.info.Show()
			}
		})
	})
	r.openB = widget.NewButton(T("Open case"), func() { p.open(caseID) })
	if !q.Changeable {
		r.editB.Disable()
		r.cancelB.Disable()
	}
	if q.Op.Kind != model.OpReply && q.Op.Kind != model.OpNote {
		r.editB.Hide()
	}
	r.bg = canvas.NewRectangle(color.Transparent)
	r.bg.CornerRadius = 4
	r.body = container.NewStack(r.bg, container.NewVBox(
		container.NewBorder(nil, nil, widget.NewIcon(theme.UploadIcon()), container.NewHBox(r.editB, r.cancelB, r.openB), r.label),
		container.NewBorder(nil, nil, nil, r.saveB, r.entry), r.info))
	r.ExtendBaseWidget(r)
	return r
}

func (r *OutboxRow) startEdit() {
	r.entry.SetText(r.Op.Op.Text)
	r.entry.Show()
	r.saveB.Show()
	r.Refresh()
}

// Rows are the listed actions, for tests.
func (p *OutboxPanel) Rows() []*OutboxRow { return p.items }

// Title is the panel's heading, for tests.
func (p *OutboxPanel) Title() string { return p.title.Text }

// Text is the row's line; Error its last error.
func (r *OutboxRow) Text() string  { return r.label.Text }
func (r *OutboxRow) Error() string { return r.info.Text }

// EditButton, SaveButton, CancelButton and EditEntry are for tests.
func (r *OutboxRow) EditButton() *widget.Button { return r.editB }
func (r *OutboxRow) SaveButton() *widget.Button { return r.saveB }
func (r *OutboxRow) CancelButton() *TwoStep     { return r.cancelB }
func (r *OutboxRow) EditEntry() *widget.Entry   { return &r.entry.Entry }
