package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"switchboard/app"
	"switchboard/assist"
)

// HistoryAssistant is what the customer panel needs for a summary of the
// customer's other cases on every channel (app.Core has it). A backend
// without it shows no button.
type HistoryAssistant interface {
	CustomerHistory(ctx context.Context, caseID string) (app.AssistResult, error)
}

// wireHistory connects the customer panel's history summary to the
// backend: asked off the UI goroutine, cancelled when the agent opens
// another case (the backend caches answers per customer and case
// versions, so asking again for the same ones costs nothing).
func (c *Console) wireHistory() {
	a, ok := c.be.(HistoryAssistant)
	if !ok || c.customer == nil {
		return
	}
	p := c.customer.history
	p.enabled = true
	p.ask = func(caseID string) {
		ctx, cancel := context.WithCancel(context.Background())
		p.started(cancel)
		c.spawn(func() {
			res, err := a.CustomerHistory(ctx, caseID)
			cancelled := ctx.Err() != nil
			cancel()
			c.do(func() {
				if cancelled || caseID != c.selected || caseID != p.caseID {
					return // the agent moved on
				}
				p.finished(res, err)
			})
		})
	}
}

// historyPanel is the customer panel's "Summarize history" button, its
// progress and source line, and the summary.
type historyPanel struct {
	box    *fyne.Container
	btn    *widget.Button
	status *widget.Label
	text   *widget.Label

	enabled bool
	caseID  string
	cancel  context.CancelFunc
	ask     func(caseID string)
}

func newHistoryPanel() *historyPanel {
	p := &historyPanel{status: lowLabel("", fyne.TextAlignLeading), text: widget.NewLabel("")}
	p.status.Wrapping = fyne.TextWrapWord
	p.text.Wrapping = fyne.TextWrapWord
	p.text.Hide()
	p.btn = widget.NewButtonWithIcon(T("Summarize history"), theme.HistoryIcon(), func() {
		if p.ask != nil && p.caseID != "" {
			p.ask(p.caseID)
		}
	})
	p.box = container.NewVBox(container.NewBorder(nil, nil, p.btn, nil, p.status), p.text)
	p.box.Hide()
	return p
}

// setDetail points the panel at the case shown: another case cancels
// what was asked for the last one and clears its summary. The button is
// there for a linked customer with other cases.
func (p *historyPanel) setDetail(d app.CaseDetail) {
	if d.Case.ID != p.caseID {
		p.clear()
		p.caseID = d.Case.ID
	}
	if !p.enabled || d.Customer == nil || len(d.Others) == 0 {
		p.box.Hide()
		return
	}
	p.box.Show()
}

// clear cancels a request in flight and forgets the case.
func (p *historyPanel) clear() {
	if p.cancel != nil {
		p.cancel()
		p.cancel = nil
	}
	p.caseID = ""
	p.status.SetText("")
	p.text.SetText("")
	p.text.Hide()
	p.btn.Enable()
	p.box.Hide()
}

func (p *historyPanel) started(cancel context.CancelFunc) {
	if p.cancel != nil {
		p.cancel()
	}
	p.cancel = cancel
	p.btn.Disable()
	p.status.SetText(T("Summarizing the customer's cases…"))
}

func (p *historyPanel) finished(res app.AssistResult, err error) {
	p.cancel = nil
	p.btn.Enable()
	if err != nil {
		p.status.SetText(T("No summary: {{.Err}}", "Err", err.Error()))
		return
	}
	status := sourceLabel(res.Source) + " " + viaLabel(res.Via)
	if res.Source == assist.SourceOffline {
		status = T("From the cases' triage:") + " " + status
	}
	if res.Note != "" {
		status += " — " + T("the model was not used:") + " " + firstLine(res.Note)
	}
	p.status.SetText(status)
	p.text.SetText(res.Summary)
	p.text.Show()
}

// viaLabel says who answered: the hub, the agent's local model, or this
// console offline.
func viaLabel(via string) string {
	switch via {
	case app.ViaHub:
		return T("(via the hub)")
	case app.ViaLocal:
		return T("(your local model)")
	}
	return T("(this console, offline)")
}

// The customer panel's history, for tests.

// HistoryButton is the Summarize history button.
func (p *CustomerPanel) HistoryButton() *widget.Button { return p.history.btn }

// HistoryShown reports whether the history button and summary are shown.
func (p *CustomerPanel) HistoryShown() bool { return p.history.box.Visible() }

// HistoryStatus is the history's progress or source line.
func (p *CustomerPanel) HistoryStatus() string { return p.history.status.Text }

// HistorySummary is the summary shown ("" when none).
func (p *CustomerPanel) HistorySummary() string {
	if !p.history.text.Visible() {
		return ""
	}
	return p.history.text.Text
}
