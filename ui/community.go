package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"switchboard/app"
	"switchboard/community"
	"switchboard/listen"
	"switchboard/model"
)

// Community is what the console needs for "customers help customers"
// (issue 14; app.Core has it): expert suggestions and the hand-off on a
// case, and the listening view. A backend without it shows neither.
type Community interface {
	SuggestExperts(caseID string, max int) ([]community.Suggestion, error)
	CheckHandoff(caseID, text string) ([]community.Finding, error)
	AskExpert(caseID, expert, contact, text string) (model.Op, error)
	Listening(days int, topic string, max int) (listen.View, []model.ListenItem, error)
	AdoptListened(ctx context.Context, id string) (string, error)
}

// communityPanel shows, on a case, the hand-off to a community expert —
// waiting on its own clock, or answered — and offers to ask one.
type communityPanel struct {
	box    *fyne.Container
	status *widget.Label
	ask    *widget.Button
	solve  *widget.Button

	caseID string
	// open asks the console to show the hand-off dialog; solve to solve
	// the case with the community answer. Nil: no community backend.
	open    func(caseID string)
	solveFn func(caseID string)
}

func newCommunityPanel() *communityPanel {
	p := &communityPanel{status: widget.NewLabel("")}
	p.status.Wrapping = fyne.TextWrapWord
	p.ask = widget.NewButtonWithIcon(T("Ask an expert…"), theme.AccountIcon(), func() {
		if p.open != nil && p.caseID != "" {
			p.open(p.caseID)
		}
	})
	p.solve = widget.NewButtonWithIcon(T("Solve with the community answer"), theme.ConfirmIcon(), func() {
		if p.solveFn != nil && p.caseID != "" {
			p.solveFn(p.caseID)
		}
	})
	p.box = container.NewBorder(nil, nil, nil, container.NewHBox(p.solve, p.ask), p.status)
	p.box.Hide()
	p.ask.Hide()
	p.solve.Hide()
	return p
}

// set shows c's hand-off at now.
func (p *communityPanel) set(c model.Case, now time.Time) {
	p.caseID = c.ID
	h := c.Handoff
	p.solve.Hide()
	switch {
	case h == nil:
		p.status.SetText("")
		p.status.Hide()
	case h.Waiting():
		p.status.Importance = widget.WarningImportance
		p.status.SetText(p.withHandoffDelivery(h, T("Waiting on community expert {{.Expert}} for {{.Age}} (asked by {{.By}})",
			"Expert", expertName(h.Expert), "Age", Age(now.Sub(h.At)), "By", h.By)))
		p.status.Show()
	default:
		p.status.SetText(T("Community answer by {{.Expert}}, {{.Age}} after the hand-off",
			"Expert", expertName(h.Expert), "Age", Age(h.AnsweredAt.Sub(h.At))))
		p.status.Importance = widget.SuccessImportance
		p.status.Show()
		if c.Status.Active() {
			p.solve.Show()
		}
	}
	p.status.Refresh()
	if p.open == nil || !c.Status.Active() {
		p.ask.Hide()
	} else {
		p.ask.Show()
	}
	if p.open == nil && h == nil {
		p.box.Hide()
	} else {
		p.box.Show()
	}
}

// expertName is the handle part of an identity key ("forum:kohlmark@host"
// → "kohlmark").
func expertName(key string) string {
	_, h, _ := strings.Cut(key, ":")
	if name, _, ok := strings.Cut(h, "@"); ok && name != "" {
		return name
	}
	return h
}

// wireCommunity connects the case view's community panel to the backend.
func (c *Console) wireCommunity() {
	cm, ok := c.be.(Community)
	if !ok {
		return
	}
	p := c.detail.community
	p.open = func(caseID string) { c.showAskExpert(cm, caseID) }
	p.solveFn = func(caseID string) {
		c.act(model.Op{Kind: model.OpSetStatus, CaseID: caseID, Status: model.StatusSolved}, func(err error) {
			if err != nil {
				c.status.Flash(err.Error())
			} else {
				c.status.Info(T("Solved with the community answer"))
			}
		})
	}
}

// AskExpertDialog is the open hand-off dialog, for tests.
type AskExpertDialog struct {
	Experts  *widget.RadioGroup
	Text     *widget.Entry
	Findings *widget.Label
	// How says how the hand-off reaches the chosen expert (community_handoff.go).
	How   *widget.Label
	Send  *widget.Button
	Empty *widget.Label
	pop   *widget.PopUp
}

// AskExpert is the open hand-off dialog, nil when none is open.
func (c *Console) AskExpert() *AskExpertDialog { return c.askDlg }

// showAskExpert opens the hand-off dialog of a case: the suggested
// experts (available ones first, the evidence and absence said), a
// prepared text the agent edits, checked for the customer's personal data
// on every keystroke (Send stays off while it names any).
func (c *Console) showAskExpert(cm Community, caseID string) {
	c.spawn(func() {
		sugg, err := cm.SuggestExperts(caseID, 8)
		d, derr := c.be.Case(caseID)
		c.do(func() {
			if err == nil {
				err = derr
			}
			if err != nil {
				c.status.Flash(T("Experts: {{.Err}}", "Err", err.Error()))
				return
			}
			c.openAskExpert(cm, d.Case, sugg)
		})
	})
}

func (c *Console) openAskExpert(cm Community, cs model.Case, sugg []community.Suggestion) {
	a := &AskExpertDialog{Findings: widget.NewLabel(""), Empty: widget.NewLabel(""), How: newHandoffHow()}
	a.Findings.Wrapping = fyne.TextWrapWord
	a.Findings.Importance = widget.DangerImportance
	labels := make([]string, len(sugg))
	byLabel := map[string]community.Suggestion{}
	for i, s := range sugg {
		labels[i] = suggestionLine(s)
		byLabel[labels[i]] = s
	}
	a.Text = widget.NewMultiLineEntry()
	a.Text.Wrapping = fyne.TextWrapWord
	a.Text.SetMinRowsVisible(4)
	var chosen *community.Suggestion
	check := func() {
		f, err := cm.CheckHandoff(cs.ID, a.Text.Text)
		switch {
		case err != nil:
			a.Findings.SetText(err.Error())
		case len(f) > 0:
			var parts []string
			for _, x := range f {
				parts = append(parts, x.String())
			}
			a.Findings.SetText(T("Names the customer — take it out: {{.Found}}", "Found", strings.Join(parts, ", ")))
		default:
			a.Findings.SetText("")
		}
		if chosen != nil && strings.TrimSpace(a.Text.Text) != "" && a.Findings.Text == "" {
			a.Send.Enable()
		} else {
			a.Send.Disable()
		}
	}
	a.Text.OnChanged = func(string) { check() }
	a.Experts = widget.NewRadioGroup(labels, func(label string) {
		s, ok := byLabel[label]
		if !ok {
			chosen = nil
			check()
			return
		}
		chosen = &s
		a.How.SetText(handoffHow(handoffContact(cs, s.Expert)))
		if a.Text.Text == "" || strings.HasPrefix(a.Text.Text, "@") {
			a.Text.SetText(handoffDraft(s, cs))
		}
		check()
	})
	a.Send = widget.NewButtonWithIcon(T("Hand over"), theme.MailSendIcon(), func() {
		if chosen == nil {
			return
		}
		expert, contact, text := chosen.Expert.Key, handoffContact(cs, chosen.Expert), a.Text.Text
		a.pop.Hide()
		c.askDlg = nil
		c.spawn(func() {
			_, err := cm.AskExpert(cs.ID, expert, contact, text)
			n := c.be.Pending()
			if err == nil {
				c.reloadQueue()
			}
			c.do(func() {
				c.status.SetPending(n)
				if err != nil {
					c.status.Flash(T("Hand-off not queued: {{.Err}}", "Err", err.Error()))
					return
				}
				c.status.Info(T("Handed over to {{.Expert}}", "Expert", expertName(expert)))
				if cs.ID == c.selected {
					c.load(cs.ID)
				}
			})
		})
	})
	a.Send.Importance = widget.HighImportance
	a.Send.Disable()
	top := container.NewVBox(widget.NewLabelWithStyle(T("Suggested community experts"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	if len(sugg) == 0 {
		a.Empty.SetText(T("No expert of the directory covers this case's topics."))
		top.Add(a.Empty)
	} else {
		top.Add(a.Experts)
	}
	hint := lowLabel(T("The expert gets the question, never the customer: no names, handles, numbers or addresses."), fyne.TextAlignLeading)
	hint.Wrapping = fyne.TextWrapWord
	body := container.NewBorder(top, container.NewVBox(a.How, a.Findings, hint), nil, nil, a.Text)
	w := c.window()
	if w == nil {
		return
	}
	title := widget.NewLabelWithStyle(T("Ask an expert"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	buttons := container.NewHBox(layoutSpacer(), widget.NewButton(T("Cancel"), func() {
		a.pop.Hide()
		c.askDlg = nil
	}), a.Send)
	a.pop = widget.NewModalPopUp(container.NewBorder(title, buttons, nil, nil, body), w.Canvas())
	a.pop.Resize(fyne.NewSize(600, 480))
	c.askDlg = a
	if len(sugg) > 0 && sugg[0].Available {
		a.Experts.SetSelected(labels[0])
	}
	a.pop.Show()
}

func layoutSpacer() fyne.CanvasObject { return container.NewStack() }

// window is the console's window: the one keys are installed on, else
// the app's first (a test window).
func (c *Console) window() fyne.Window {
	if x := c.x(); x != nil && x.win != nil {
		return x.win
	}
	if ws := fyne.CurrentApp().Driver().AllWindows(); len(ws) > 0 {
		return ws[0]
	}
	return nil
}

// suggestionLine says who a suggested expert is and why: "kohlmark ·
// Superuser · galaxy s24 (4 answers, 2 thanked) · de · away until 24.12.".
func suggestionLine(s community.Suggestion) string {
	e := s.Expert
	name := e.Name
	if name == "" {
		name = expertName(e.Key)
	}
	parts := []string{name}
	if e.Level != "" {
		parts = append(parts, e.Level)
	}
	matched := strings.Join(s.Matched, ", ")
	for _, ev := range s.Evidence {
		matched += fmt.Sprintf(" (%s: %d answers, %d thanked)", ev.Topic, ev.Answers, ev.Thanked)
	}
	parts = append(parts, matched)
	if len(e.Languages) > 0 {
		parts = append(parts, strings.Join(e.Languages, "/"))
	}
	switch {
	case !s.Available && !s.AwayUntil.IsZero():
		parts = append(parts, T("away until {{.When}}", "When", Day(s.AwayUntil)))
	case !s.Available:
		parts = append(parts, T("away"))
	}
	if s.Load > 0 {
		parts = append(parts, T("{{.N}} open hand-offs", "N", s.Load))
	}
	return strings.Join(parts, " · ")
}

// handoffDraft is the prepared hand-off text: a mention and the question's
// topic, nothing of the customer (the agent adds the problem in their own
// words; the check runs on every keystroke).
func handoffDraft(s community.Suggestion, c model.Case) string {
	name := expertName(s.Expert.Key)
	topic := strings.Join(s.Matched, ", ")
	if strings.HasPrefix(c.Lang, "en") || (c.Triage != nil && c.Triage.Lang == "en") {
		return fmt.Sprintf("@%s, could you help with a question about %s? ", name, topic)
	}
	return fmt.Sprintf("@%s, kannst du bei einer Frage zu %s helfen? ", name, topic)
}

var _ Community = (*app.Core)(nil)

// ThreadStamps are the tags and times over the thread's messages ("reply ·
// delivered · …", "community answer · …"), for tests.
func (v *CaseView) ThreadStamps() []string {
	var out []string
	for _, o := range v.thread.Objects {
		if m, ok := o.(*messageBox); ok {
			out = append(out, m.stamp)
		}
	}
	return out
}

// CommunityStatus is the hand-off line of the case view ("" when none).
func (v *CaseView) CommunityStatus() string {
	if !v.community.status.Visible() {
		return ""
	}
	return v.community.status.Text
}

// AskExpertButton and SolveWithAnswerButton are the community panel's
// buttons, nil while hidden.
func (v *CaseView) AskExpertButton() *widget.Button { return v.visibleButton(v.community.ask) }

// SolveWithAnswerButton: see AskExpertButton.
func (v *CaseView) SolveWithAnswerButton() *widget.Button { return v.visibleButton(v.community.solve) }

func (v *CaseView) visibleButton(b *widget.Button) *widget.Button {
	if b == nil || !b.Visible() || !v.community.box.Visible() || !v.body.Visible() {
		return nil
	}
	return b
}
