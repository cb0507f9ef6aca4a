package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"switchboard/app"
	"switchboard/assist"
	"switchboard/model"
)

// Assistant is what the case view needs for reply drafts and thread
// summaries (app.Core has it). A backend without it shows no buttons.
type Assistant interface {
	Drafts(ctx context.Context, caseID string) (app.AssistResult, error)
	ThreadSummary(ctx context.Context, caseID string) (app.AssistResult, error)
}

// wireAssist connects the case view's assistant to the backend and the
// composer. A draft only ever fills the composer: the agent edits and
// sends it.
func (c *Console) wireAssist() {
	c.wireHistory() // assist_history.go
	a, ok := c.be.(Assistant)
	if !ok {
		return
	}
	p := c.detail.assist
	p.enabled = true
	p.use = func(text string) { c.actions.Composer().FillDraft(text) }
	// The compact composer's ⋮ menu asks too; the case view's header, with
	// the progress and the other drafts, scrolls with the thread then:
	// it is shown.
	comp := c.actions.comp
	comp.draftOK = func() bool { return p.caseID != "" && p.box.Visible() && !p.draftBtn.Disabled() }
	comp.draft = func() {
		if !comp.draftOK() {
			return
		}
		p.draftBtn.OnTapped()
		if c.detail.Compact() {
			c.detail.scroll.ScrollToTop()
		}
	}
	p.ask = func(caseID string, summary bool) {
		ctx, cancel := context.WithCancel(context.Background())
		p.started(summary, cancel)
		c.spawn(func() {
			var res app.AssistResult
			var err error
			if summary {
				res, err = a.ThreadSummary(ctx, caseID)
			} else {
				res, err = a.Drafts(ctx, caseID)
			}
			cancelled := ctx.Err() != nil
			cancel()
			c.do(func() {
				if cancelled || caseID != c.selected || caseID != p.caseID {
					return // the agent moved on
				}
				p.finished(res, err, summary)
			})
		})
	}
}

// triagePanel shows the hub's triage of the case and where it came from.
type triagePanel struct {
	box     *fyne.Container
	line    *widget.Label
	flags   *widget.Label
	summary *widget.Label
	source  *widget.Label
}

func newTriagePanel() *triagePanel {
	p := &triagePanel{line: widget.NewLabel(""), flags: widget.NewLabel(""), summary: widget.NewLabel(""), source: lowLabel("", fyne.TextAlignLeading)}
	p.line.Wrapping = fyne.TextWrapWord
	p.flags.Importance = widget.WarningImportance
	p.flags.Wrapping = fyne.TextWrapWord
	p.summary.Wrapping = fyne.TextWrapWord
	p.summary.TextStyle = fyne.TextStyle{Italic: true}
	p.box = container.NewVBox(p.line, p.flags, p.summary, p.source)
	p.box.Hide()
	return p
}

var categoryNames = map[string]string{
	assist.CategoryBooking: "Booking", assist.CategoryBilling: "Billing", assist.CategoryCancellation: "Cancellation",
	assist.CategoryDeliveryBaggage: "Delivery / baggage", assist.CategoryTechnical: "Technical", assist.CategoryAccount: "Account",
	assist.CategoryServiceComplaint: "Complaint about the service", assist.CategoryPraise: "Praise", assist.CategoryQuestion: "Question",
	assist.CategoryOther: "Other topic",
}

var langNames = map[string]string{assist.LangDE: "German", assist.LangEN: "English", assist.LangOther: "other language"}

// set shows t; nil hides the panel (not triaged yet).
func (p *triagePanel) set(t *model.CaseTriage) {
	if t == nil {
		p.box.Hide()
		return
	}
	cat := categoryNames[t.Category]
	if cat == "" {
		cat = t.Category
	}
	lang := langNames[t.Lang]
	if lang == "" {
		lang = t.Lang
	}
	relevance := T("care case")
	if !t.Relevant {
		relevance = T("brand chatter, not a care case")
	}
	p.line.SetText(strings.Join([]string{
		T(cat),
		fmt.Sprintf("%s %+.1f", T(t.SentimentLabel), t.Sentiment),
		T("urgency") + " " + T(t.UrgencyLabel),
		T(lang),
		relevance,
		fmt.Sprintf("%s %d", T("priority"), t.Score),
	}, " · "))
	var flags []string
	if t.Troll >= model.TrollLikely {
		flags = append(flags, fmt.Sprintf("%s (%.0f%%)", T("Likely a troll"), t.Troll*100))
	}
	if t.Spam >= model.SpamLikely {
		flags = append(flags, fmt.Sprintf("%s (%.0f%%)", T("Likely spam"), t.Spam*100))
	}
	p.flags.SetText(strings.Join(flags, " · "))
	if len(flags) == 0 {
		p.flags.Hide()
	} else {
		p.flags.Show()
	}
	p.summary.SetText(t.Summary)
	p.source.SetText(T("Triage by the") + " " + sourceLabel(t.Source))
	p.box.Show()
}

// sourceLabel says where an answer came from: "offline classifier" or
// "model gpt-4o-mini".
func sourceLabel(source string) string {
	if name, ok := strings.CutPrefix(source, "model:"); ok {
		return T("model") + " " + name
	}
	return T("offline classifier")
}

// assistPanel holds the Draft reply and Summarize thread buttons, their
// progress, the drafts to choose from and the thread summary.
type assistPanel struct {
	box        *fyne.Container
	draftBtn   *widget.Button
	summaryBtn *widget.Button
	status     *widget.Label
	drafts     *fyne.Container
	summary    *widget.Label

	enabled bool
	caseID  string
	cancel  context.CancelFunc
	ask     func(caseID string, summary bool)
	use     func(text string)
}

func newAssistPanel() *assistPanel {
	p := &assistPanel{status: lowLabel("", fyne.TextAlignLeading), drafts: container.NewVBox(), summary: widget.NewLabel("")}
	p.status.Wrapping = fyne.TextWrapWord
	p.summary.Wrapping = fyne.TextWrapWord
	p.summary.Hide()
	p.draftBtn = widget.NewButtonWithIcon(T("Draft reply"), theme.DocumentCreateIcon(), func() {
		if p.ask != nil && p.caseID != "" {
			p.ask(p.caseID, false)
		}
	})
	p.summaryBtn = widget.NewButtonWithIcon(T("Summarize thread"), theme.ListIcon(), func() {
		if p.ask != nil && p.caseID != "" {
			p.ask(p.caseID, true)
		}
	})
	p.box = container.NewVBox(container.NewBorder(nil, nil, container.NewHBox(p.draftBtn, p.summaryBtn), nil, p.status), p.drafts, p.summary)
	p.box.Hide()
	return p
}

// setCase points the panel at a case: another case cancels what was
// asked for the last one and clears its answers.
func (p *assistPanel) setCase(id string, messages int) {
	if !p.enabled {
		return
	}
	if id != p.caseID {
		if p.cancel != nil {
			p.cancel()
			p.cancel = nil
		}
		p.caseID = id
		p.status.SetText("")
		p.drafts.Objects = nil
		p.drafts.Refresh()
		p.summary.Hide()
		p.draftBtn.Enable()
		p.summaryBtn.Enable()
	}
	if messages >= assist.LongThread {
		p.summaryBtn.Show()
	} else {
		p.summaryBtn.Hide()
	}
	p.box.Show()
}

func (p *assistPanel) started(summary bool, cancel context.CancelFunc) {
	if p.cancel != nil {
		p.cancel()
	}
	p.cancel = cancel
	if summary {
		p.summaryBtn.Disable()
		p.status.SetText(T("Summarizing the thread…"))
	} else {
		p.draftBtn.Disable()
		p.status.SetText(T("Drafting a reply…"))
	}
}

func (p *assistPanel) finished(res app.AssistResult, err error, summary bool) {
	p.cancel = nil
	p.draftBtn.Enable()
	p.summaryBtn.Enable()
	if err != nil {
		p.status.SetText(T("No draft: {{.Err}}", "Err", err.Error()))
		return
	}
	from := sourceLabel(res.Source)
	switch res.Via {
	case app.ViaHub:
		from += " " + T("(via the hub)")
	case app.ViaLocal:
		from += " " + T("(your local model)")
	default:
		from += " " + T("(this console, offline)")
	}
	if res.Source == assist.SourceOffline && !summary {
		from = T("Template answer:") + " " + from
	}
	status := from
	if res.Note != "" {
		status += " — " + T("the model was not used:") + " " + firstLine(res.Note)
	}
	p.status.SetText(status)
	if summary {
		p.summary.SetText(res.Summary)
		p.summary.Show()
		return
	}
	p.drafts.Objects = nil
	for i, d := range res.Drafts {
		text := d.Text
		use := widget.NewButton(T("Use"), func() { p.use(text) })
		label := widget.NewLabel(text)
		label.Wrapping = fyne.TextWrapWord
		if i == 0 {
			use.Importance = widget.HighImportance
		}
		p.drafts.Add(container.NewBorder(nil, nil, nil, use, label))
	}
	p.drafts.Refresh()
	if len(res.Drafts) > 0 && p.use != nil {
		p.use(res.Drafts[0].Text) // the first one goes into the composer; nothing is sent
	}
}

func firstLine(s string) string { return model.FirstLine(s, 160) }

// The case view's triage and assistant, for tests.

// TriageText is the triage as shown ("" when hidden).
func (v *CaseView) TriageText() string {
	if !v.triage.box.Visible() {
		return ""
	}
	parts := []string{v.triage.line.Text}
	if v.triage.flags.Visible() {
		parts = append(parts, v.triage.flags.Text)
	}
	return strings.Join(append(parts, v.triage.summary.Text, v.triage.source.Text), "\n")
}

// DraftButton is the Draft reply button (nil-safe for tests).
func (v *CaseView) DraftButton() *widget.Button { return v.assist.draftBtn }

// SummaryButton is the Summarize thread button.
func (v *CaseView) SummaryButton() *widget.Button { return v.assist.summaryBtn }

// AssistStatus is the assistant's progress or source line.
func (v *CaseView) AssistStatus() string { return v.assist.status.Text }

// ThreadSummary is the thread summary shown ("" when none).
func (v *CaseView) ThreadSummary() string {
	if !v.assist.summary.Visible() {
		return ""
	}
	return v.assist.summary.Text
}

// DraftTexts are the drafts offered.
func (v *CaseView) DraftTexts() []string {
	var out []string
	for _, o := range v.assist.drafts.Objects {
		if b, ok := o.(*fyne.Container); ok {
			for _, x := range b.Objects {
				if l, ok := x.(*widget.Label); ok {
					out = append(out, l.Text)
				}
			}
		}
	}
	return out
}
