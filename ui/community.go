package ui

import (
	"context"
	"fmt"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
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
				c.status.Flash(T("Solved with the community answer"))
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
				c.status.Flash(T("Handed over to {{.Expert}}", "Expert", expertName(expert)))
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

// ListeningView shows what the brand hears in listen-only communities:
// each topic's posts per day with spikes highlighted, and the posts of a
// chosen topic, each of which one click turns into a care case.
type ListeningView struct {
	widget.BaseWidget

	cm     Community
	days   int
	topics *fyne.Container
	items  *fyne.Container
	title  *widget.Label
	status *widget.Label
	root   fyne.CanvasObject
	topic  string
	// onAdopted opens the care case an item became.
	onAdopted func(caseID string)
	run       func(func()) // runs f off the UI goroutine, then its UI part via fyne.Do
	view      listen.View
	shown     []model.ListenItem
}

// NewListeningView makes the view over the last days days.
func NewListeningView(cm Community, days int, onAdopted func(caseID string)) *ListeningView {
	v := &ListeningView{cm: cm, days: days, onAdopted: onAdopted,
		topics: container.NewVBox(), items: container.NewVBox(),
		title: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), status: widget.NewLabel("")}
	v.status.Importance = widget.LowImportance
	v.run = func(f func()) { go f() }
	head := container.NewVBox(widget.NewLabelWithStyle(T("Listening: topics per day"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		lowLabel(T("Posts from listen-only communities: they open no care case until you decide to answer."), fyne.TextAlignLeading))
	left := container.NewBorder(head, v.status, nil, nil, container.NewVScroll(v.topics))
	right := container.NewBorder(v.title, nil, nil, nil, container.NewVScroll(v.items))
	split := container.NewHSplit(left, right)
	split.Offset = 0.45
	v.root = split
	v.ExtendBaseWidget(v)
	return v
}

// CreateRenderer implements fyne.Widget.
func (v *ListeningView) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(v.root) }

// Reload reads the view again (off the UI goroutine) and shows it.
func (v *ListeningView) Reload() {
	topic := v.topic
	v.run(func() {
		view, items, err := v.cm.Listening(v.days, topic, 200)
		fyne.Do(func() { v.show(view, items, err) })
	})
}

// Load reads and shows the view on the calling goroutine (tests, capture).
func (v *ListeningView) Load() {
	view, items, err := v.cm.Listening(v.days, v.topic, 200)
	v.show(view, items, err)
}

func (v *ListeningView) show(view listen.View, items []model.ListenItem, err error) {
	if err != nil {
		v.status.SetText(err.Error())
		return
	}
	v.view, v.shown = view, items
	v.status.SetText(T("{{.N}} posts in {{.Days}} days, {{.A}} answered as care cases", "N", view.Items, "Days", len(view.Days), "A", view.Adopted))
	v.topics.Objects = nil
	maxN := 1
	for _, t := range view.Topics {
		for _, n := range t.Counts {
			maxN = max(maxN, n)
		}
	}
	for _, t := range view.Topics {
		v.topics.Add(v.topicRow(t, maxN))
	}
	v.topics.Refresh()
	if v.topic == "" {
		v.title.SetText(T("Latest posts"))
	} else {
		v.title.SetText(T("Posts on {{.Topic}}", "Topic", v.topic))
	}
	v.items.Objects = nil
	for _, it := range items {
		v.items.Add(v.itemCard(it))
	}
	if len(items) == 0 {
		v.items.Add(widget.NewLabel(T("Nothing heard yet.")))
	}
	v.items.Refresh()
}

// spikeColor marks a spiking topic and its spike days.
var spikeColor = color.NRGBA{R: 0xE5, G: 0x39, B: 0x35, A: 0xFF}

func (v *ListeningView) topicRow(t listen.Topic, maxN int) fyne.CanvasObject {
	name := t.Topic
	label := fmt.Sprintf("%s · %d", name, t.Total)
	btn := widget.NewButton(label, func() {
		if v.topic == name {
			v.topic = ""
		} else {
			v.topic = name
		}
		v.Reload()
	})
	btn.Alignment = widget.ButtonAlignLeading
	if t.Spike {
		btn.Importance = widget.DangerImportance
		btn.SetText(label + " · " + T("spike today"))
	} else if v.topic == name {
		btn.Importance = widget.HighImportance
	}
	return container.NewBorder(nil, nil, nil, sparkline(t.Counts, t.SpikeDays, maxN), btn)
}

// sparkline draws a topic's posts per day as bars, spike days in red.
func sparkline(counts []int, spikeDays []int, maxN int) fyne.CanvasObject {
	const bw, gap, h = 7, 2, 30
	spike := map[int]bool{}
	for _, d := range spikeDays {
		spike[d] = true
	}
	var bars []fyne.CanvasObject
	for i, n := range counts {
		bh := float32(2 + (h-2)*float64(n)/float64(max(maxN, 1)))
		r := canvas.NewRectangle(theme.Color(theme.ColorNamePrimary))
		if spike[i] {
			r.FillColor = spikeColor
		}
		r.Resize(fyne.NewSize(bw, bh))
		r.Move(fyne.NewPos(float32(i*(bw+gap)), h-bh))
		bars = append(bars, r)
	}
	return container.NewGridWrap(fyne.NewSize(float32(len(counts)*(bw+gap)), h), container.NewWithoutLayout(bars...))
}

func (v *ListeningView) itemCard(it model.ListenItem) fyne.CanvasObject {
	head := widget.NewLabelWithStyle(it.Author.Name()+" · "+it.Source, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	meta := []string{Stamp(it.Time)}
	if len(it.Topics) > 0 {
		meta = append(meta, strings.Join(it.Topics, ", "))
	}
	if it.Triage != nil && it.Triage.SentimentLabel != "" {
		meta = append(meta, it.Triage.SentimentLabel)
	}
	text := widget.NewLabel(model.FirstLine(strings.ReplaceAll(it.Text, "\n", " "), 280))
	text.Wrapping = fyne.TextWrapWord
	var act fyne.CanvasObject
	if it.Adopted != "" {
		id := it.Adopted
		act = widget.NewButtonWithIcon(T("Open the care case"), theme.NavigateNextIcon(), func() {
			if v.onAdopted != nil {
				v.onAdopted(id)
			}
		})
	} else {
		var b *widget.Button
		id := it.ID
		b = widget.NewButtonWithIcon(T("Answer as a care case"), theme.MailReplyIcon(), func() {
			b.Disable()
			v.run(func() {
				caseID, err := v.cm.AdoptListened(context.Background(), id)
				fyne.Do(func() {
					if err != nil {
						b.Enable()
						v.status.SetText(T("Not turned into a case: {{.Err}}", "Err", err.Error()))
						return
					}
					v.status.SetText(T("Now a care case in the queue"))
					if v.onAdopted != nil {
						v.onAdopted(caseID)
					}
				})
			})
		})
		act = b
	}
	return widget.NewCard("", "", container.NewVBox(head, lowLabel(strings.Join(meta, " · "), fyne.TextAlignLeading), text, container.NewHBox(act)))
}

// Topics lists the shown topics with their totals and spikes, for tests.
func (v *ListeningView) Topics() []listen.Topic { return v.view.Topics }

// Items lists the shown posts, for tests.
func (v *ListeningView) Items() []model.ListenItem { return v.shown }

// Select shows the posts of one topic ("" all), on the calling goroutine.
func (v *ListeningView) Select(topic string) { v.topic = topic; v.Load() }

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
