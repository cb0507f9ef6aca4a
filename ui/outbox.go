package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"switchboard/app"
	"switchboard/model"
)

// OutboxPanel lists every action waiting for the hub with its case; one
// not yet sent can be edited (replies and notes) or cancelled.
type OutboxPanel struct {
	widget.BaseWidget

	rows  *fyne.Container
	title *widget.Label
	body  *fyne.Container
	items []*OutboxRow
	now   func() time.Time

	edit   func(opID, text string, done func(error))
	cancel func(opID string, done func(error))
	open   func(caseID string)
}

// OutboxRow is one waiting action.
type OutboxRow struct {
	widget.BaseWidget
	Op      app.QueuedOp
	label   *widget.Label
	entry   *widget.Entry
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
	closeB := widget.NewButtonWithIcon("", theme.CancelIcon(), func() { p.Hide() })
	closeB.Importance = widget.LowImportance
	p.body = container.NewVBox(widget.NewSeparator(), container.NewBorder(nil, nil, nil, closeB, p.title), p.rows)
	p.ExtendBaseWidget(p)
	p.Hide()
	return p
}

// CreateRenderer implements fyne.Widget.
func (p *OutboxPanel) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(p.body) }

// Toggle shows or hides the panel.
func (p *OutboxPanel) Toggle() {
	if p.Visible() {
		p.Hide()
	} else {
		p.Show()
	}
}

// Set lists the outbox; cases names each op's case. A row being edited
// keeps its text.
func (p *OutboxPanel) Set(ops []app.QueuedOp, cases map[string]model.Summary) {
	editing := map[string]string{}
	for _, r := range p.items {
		if r.entry.Visible() {
			editing[r.Op.Op.ID] = r.entry.Text
		}
	}
	p.items = nil
	p.rows.Objects = nil
	for i, q := range ops {
		if i == 50 {
			p.rows.Add(lowLabel(T("and {{.N}} more", "N", Number(len(ops)-50)), fyne.TextAlignLeading))
			break
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
	p.rows.Refresh()
	p.Refresh()
}

func (p *OutboxPanel) newRow(q app.QueuedOp, cs model.Summary) *OutboxRow {
	r := &OutboxRow{Op: q}
	opID, caseID := q.Op.ID, q.Op.CaseID
	where := cs.Author
	if cs.Handle != "" && cs.Handle != cs.Author {
		where += " (" + cs.Handle + ")"
	}
	if where == "" {
		where = caseID
	}
	text := describeOp(q.Op) + " · " + T("case of {{.Who}}", "Who", where)
	switch {
	case !q.HeldUntil.IsZero():
		text += " · " + T("sends in {{.S}} s", "S", int(max(q.HeldUntil.Sub(p.now()).Round(time.Second)/time.Second, 0)))
	case !q.Changeable:
		text += " · " + T("sent, waiting for the answer")
	}
	r.label = widget.NewLabel(text)
	r.label.Truncation = fyne.TextTruncateEllipsis
	r.info = widget.NewLabel("")
	r.info.Importance = widget.DangerImportance
	r.info.Wrapping = fyne.TextWrapWord
	r.info.Hide()
	r.entry = widget.NewMultiLineEntry()
	r.entry.Wrapping = fyne.TextWrapWord
	r.entry.Hide()
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
	r.body = container.NewVBox(
		container.NewBorder(nil, nil, widget.NewIcon(theme.UploadIcon()), container.NewHBox(r.editB, r.cancelB, r.openB), r.label),
		container.NewBorder(nil, nil, nil, r.saveB, r.entry), r.info)
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
func (r *OutboxRow) EditEntry() *widget.Entry   { return r.entry }
