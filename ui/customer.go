package ui

import (
	"errors"
	"fmt"
	"image/color"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"switchboard/app"
	"switchboard/model"
)

// CustomerPanel shows who is writing. For a linked author: the CRM record
// (number, tier, lifetime value, consent, linked identities, notes,
// purchases, vouchers with marketing consent) and every case of the
// customer on every channel, one click to open or to merge into this case.
// For an unlinked author: the platform profile and the link suggestions,
// each confirmed with the customer's consent or dismissed.
type CustomerPanel struct {
	widget.BaseWidget

	open func(caseID string)
	act  func(op model.Op, done func(error))

	caseID  string
	name    *widget.Label
	tier    *Badge
	facts   *widget.Form
	info    *widget.Label   // the outcome of the last action
	note    *widget.Label   // why there is no customer
	extra   *fyne.Container // suggestions, or the customer's other cases
	more    *widget.Form    // consent, reach, notes, purchases, vouchers
	idents  *fyne.Container // linked identities
	body    *fyne.Container
	suggest []*SuggestionCard
	history *historyPanel // assist_history.go
	// hideB folds the panel away (the console sets OnTapped: key c).
	hideB *widget.Button
	fold  customerFold
}

// customerFold is the console's case view with and without the customer
// panel: the split of the two, the case view's pane, and the fold that
// shows that pane alone with a button to show the panel again.
type customerFold struct {
	right      *container.Split
	detailPane *fitPane
	box        *fyne.Container
	showB      *widget.Button
	shown      bool
	choice     string // "shown" or "hidden" when the agent chose, "" to follow the window's width
}

// NewCustomerPanel makes an empty panel; open is called with a case id when
// the agent clicks one of the customer's other cases, act queues an op
// (link, dismiss, unlink, merge) and reports the outcome.
func NewCustomerPanel(open func(caseID string), act func(op model.Op, done func(error))) *CustomerPanel {
	p := &CustomerPanel{
		open:   open,
		act:    act,
		name:   heading(""),
		tier:   NewBadge("", color.Transparent),
		facts:  widget.NewForm(),
		info:   lowLabel("", fyne.TextAlignLeading),
		extra:  container.NewVBox(),
		more:   widget.NewForm(),
		idents: container.NewVBox(),
	}
	p.history = newHistoryPanel()
	p.name.Wrapping = fyne.TextWrapWord
	p.info.Wrapping = fyne.TextWrapWord
	p.note = lowLabel("", fyne.TextAlignLeading)
	p.note.Wrapping = fyne.TextWrapWord
	p.body = container.NewVBox(
		container.NewBorder(nil, nil, nil, container.NewCenter(p.tier), p.name),
		p.facts, p.note, p.history.box, p.extra, p.info, p.more, p.idents)
	p.body.Hide()
	p.hideB = widget.NewButtonWithIcon("", theme.NavigateNextIcon(), nil)
	p.hideB.Importance = widget.LowImportance
	p.hideB.Hide() // until a console can fold the panel (newCustomerFold)
	p.ExtendBaseWidget(p)
	return p
}

// HideButton folds the panel away, for tests.
func (p *CustomerPanel) HideButton() *widget.Button { return p.hideB }

// CreateRenderer implements fyne.Widget.
func (p *CustomerPanel) CreateRenderer() fyne.WidgetRenderer {
	title := widget.NewLabelWithStyle(T("Customer"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	head := container.NewBorder(nil, nil, nil, p.hideB, title)
	return widget.NewSimpleRenderer(container.NewBorder(head, nil, nil, nil, container.NewVScroll(p.body)))
}

// Clear empties the panel.
func (p *CustomerPanel) Clear() { p.caseID = ""; p.history.clear(); p.body.Hide() }

// SetDetail shows the customer behind a case.
func (p *CustomerPanel) SetDetail(d app.CaseDetail) {
	p.facts.Items = nil
	p.more.Items = nil
	p.extra.Objects = nil
	p.idents.Objects = nil
	p.suggest = nil
	if d.Case.ID != p.caseID {
		p.info.SetText("") // the outcome of an action stays with its case
	}
	p.caseID = d.Case.ID
	p.note.SetText("")
	if d.Customer != nil {
		p.setCustomer(d)
	} else {
		p.setProfile(d)
	}
	p.history.setDetail(d)
	p.facts.Refresh()
	p.more.Refresh()
	p.extra.Refresh()
	p.idents.Refresh()
	p.body.Show()
}

func reachLine(a model.Identity) string {
	if a.Platform != model.ChannelTwitter && a.Followers == 0 {
		return T("no follower count on {{.P}} · influence {{.I}}/100", "P", ChannelName(a.Platform), "I", a.Influence)
	}
	s := T("{{.N}} followers · influence {{.I}}/100", "N", formatCount(a.Followers), "I", a.Influence)
	if a.Verified {
		s += " · " + T("verified")
	}
	if a.Reach != model.ReachNone {
		s += " · " + T(string(a.Reach))
	}
	return s
}

func consentLine(c model.Consent) string {
	yes := func(b bool) string {
		if b {
			return T("yes")
		}
		return T("no")
	}
	s := T("service {{.S}} · marketing {{.M}}", "S", yes(c.Service), "M", yes(c.Marketing))
	if c.By != "" {
		s += "\n" + T("recorded by {{.By}}", "By", c.By)
		if !c.At.IsZero() {
			s += " · " + DayYear(c.At)
		}
	}
	return s
}

func (p *CustomerPanel) setCustomer(d app.CaseDetail) {
	cu, a := d.Customer, d.Case.Author
	p.name.SetText(cu.Name)
	p.tier.Set(TierName(cu.Tier), TierColor(cu.Tier))
	p.facts.Append(T("Customer no."), value(cu.ID))
	p.facts.Append(T("Lifetime value"), value(Money(cu.LifetimeValue)))
	if cu.Email != "" {
		p.facts.Append(T("E-mail"), value(cu.Email))
	}
	l, linked := cu.ActiveLink(a.Key())
	if linked {
		p.more.Append(T("Link consent"), value(consentLine(l.Consent)))
	}
	if !linked || l.Consent.Service != cu.Consent.Service || l.Consent.Marketing != cu.Consent.Marketing {
		p.more.Append(T("CRM consent"), value(consentLine(cu.Consent)))
	}
	p.more.Append(platformLabel(a.Platform), value(a.Handle+"\n"+reachLine(a)))
	if cu.Notes != "" {
		p.more.Append(T("Notes"), value(cu.Notes))
	}
	if len(cu.Purchases) > 0 {
		ps := slices.Clone(cu.Purchases)
		slices.SortFunc(ps, func(x, y model.Purchase) int { return y.Date.Compare(x.Date) })
		var lines []string
		for _, pu := range ps[:min(4, len(ps))] {
			lines = append(lines, fmt.Sprintf("%s  %s  %s", DayYear(pu.Date), pu.Item, Money(pu.Amount)))
		}
		p.more.Append(T("Purchases"), value(strings.Join(lines, "\n")))
	}
	switch {
	case !cu.MarketingConsent():
		hidden := lowLabel(T("hidden: no marketing consent"), fyne.TextAlignLeading)
		hidden.Wrapping = fyne.TextWrapWord // unwrapped it widened the panel past its pane in German
		p.more.Append(T("Vouchers"), hidden)
	case len(cu.Vouchers) > 0:
		var lines []string
		for _, v := range cu.Vouchers {
			line := v.Code
			if v.Value > 0 {
				line += "  " + Money(v.Value)
			}
			if v.Note != "" {
				line += "  " + v.Note
			}
			lines = append(lines, line)
		}
		p.more.Append(T("Vouchers"), value(strings.Join(lines, "\n")))
	}

	p.idents.Add(boldLabel(T("Linked identities")))
	// The author of this case can be unlinked here.
	unlink := newTwoStep(T("Unlink"), T("Confirm unlink"), func() {
		p.queue(model.Op{Kind: model.OpUnlinkIdentity, CaseID: p.caseID, CustomerID: cu.ID}, T("Unlink"))
	})
	for _, id := range cu.Linked() {
		row := container.NewHBox(widget.NewIcon(ChannelIcon(id.Platform)), value(id.Handle))
		if id.Key() == a.Key() {
			row = container.NewBorder(nil, nil, nil, unlink, row)
		}
		p.idents.Add(row)
	}
	if !linked {
		// Linked before consent was recorded (or the link is still on its
		// way): the agent can still undo it.
		note := lowLabel(a.Handle+": no consent on record yet", fyne.TextAlignLeading)
		note.Wrapping = fyne.TextWrapWord
		p.idents.Add(container.NewBorder(nil, nil, nil, unlink, note))
	}

	p.extra.Add(boldLabel(T("Other cases ({{.N}})", "N", len(d.Others))))
	for _, o := range d.Others {
		id := o.ID
		if slices.Contains(d.Case.Merged, id) {
			o.Status = model.Status(T("merged here"))
		}
		link := NewCaseLink(o, func() { p.open(id) })
		var merge fyne.CanvasObject
		if !slices.Contains(d.Case.Merged, id) && d.Case.MergedInto == "" && o.Status != model.StatusClosed {
			merge = newTwoStep(T("Merge here"), T("Confirm merge"), func() {
				p.queue(model.Op{Kind: model.OpMerge, CaseID: p.caseID, Other: id}, T("Merge"))
			})
		}
		p.extra.Add(container.NewBorder(nil, nil, nil, merge, link))
	}
	if len(d.Others) == 0 {
		p.extra.Add(lowLabel(T("No other cases on any channel."), fyne.TextAlignLeading))
	}
}

func (p *CustomerPanel) setProfile(d app.CaseDetail) {
	a := d.Case.Author
	p.name.SetText(a.Name())
	p.tier.Set("", color.Transparent)
	p.facts.Append(T("Handle"), value(a.Handle))
	p.facts.Append(T("Platform"), value(platformLabel(a.Platform)))
	p.facts.Append(T("Reach"), value(reachLine(a)))
	if a.Bio != "" {
		p.facts.Append(T("Profile"), value(a.Bio))
	}
	if len(d.Suggestions) == 0 {
		p.note.SetText(T("Not linked to a customer record, and nothing suggests one."))
		return
	}
	p.note.SetText(T("Not linked to a customer record."))
	for _, s := range d.Suggestions {
		card := newSuggestionCard(s, d.Case.Channel == model.ChannelForum, func(consent model.Consent) {
			p.queue(model.Op{Kind: model.OpLinkIdentity, CaseID: p.caseID, CustomerID: s.Customer.ID, Consent: &consent}, T("Link"))
		}, func() {
			p.queue(model.Op{Kind: model.OpDismissLink, CaseID: p.caseID, CustomerID: s.Customer.ID}, T("Dismiss"))
		})
		p.suggest = append(p.suggest, card)
		p.extra.Add(card)
	}
}

// queue hands an op to the console and shows the outcome in the panel.
func (p *CustomerPanel) queue(op model.Op, what string) {
	if p.caseID == "" || p.act == nil {
		return
	}
	p.info.SetText(T("{{.What}}…", "What", what))
	p.act(op, func(err error) {
		var rej *model.Rejection
		switch {
		case err == nil:
			p.info.SetText(T("{{.What}} queued", "What", what))
		case errors.As(err, &rej):
			p.info.SetText(T("{{.What}} refused: {{.Why}}", "What", what, "Why", ExplainRejection(*rej, "", "")))
		default:
			p.info.SetText(T("{{.What}} not queued: {{.Why}}", "What", what, "Why", Explain(err, "", "")))
		}
	})
}

// Name is the shown customer or author name, for tests.
func (p *CustomerPanel) Name() string { return p.name.Text }

// Tier is the shown tier badge text, for tests.
func (p *CustomerPanel) Tier() string { return p.tier.Text() }

// Info is the outcome of the agent's last action here, for tests.
func (p *CustomerPanel) Info() string { return p.info.Text }

// Note says why no customer is shown, for tests.
func (p *CustomerPanel) Note() string { return p.note.Text }

// Fact returns the value shown for a form label, for tests.
func (p *CustomerPanel) Fact(label string) (string, bool) {
	for _, it := range append(slices.Clone(p.facts.Items), p.more.Items...) {
		if it.Text == label {
			if l, ok := it.Widget.(*widget.Label); ok {
				return l.Text, true
			}
		}
	}
	return "", false
}

// Suggestions are the shown link suggestions, for tests.
func (p *CustomerPanel) Suggestions() []*SuggestionCard { return p.suggest }

// OtherCases are the links to the customer's other cases, for tests.
func (p *CustomerPanel) OtherCases() []*CaseLink { return inRows[*CaseLink](p.extra) }

// TwoSteps are the confirm-twice buttons (unlink, merge), for tests.
func (p *CustomerPanel) TwoSteps() []*TwoStep { return inRows[*TwoStep](p.extra, p.idents) }

// inRows collects the widgets of type T in the rows (containers) of boxes.
func inRows[T fyne.CanvasObject](boxes ...*fyne.Container) []T {
	var out []T
	for _, box := range boxes {
		for _, o := range box.Objects {
			if row, ok := o.(*fyne.Container); ok {
				for _, obj := range row.Objects {
					if w, ok := obj.(T); ok {
						out = append(out, w)
					}
				}
			}
		}
	}
	return out
}

// SuggestionCard proposes one customer for the author: "Link to customer
// 4711?" with the evidence, a consent the agent must record, and buttons to
// link or dismiss.
type SuggestionCard struct {
	widget.BaseWidget
	Customer model.Customer
	// Hidden is set while a forum member's customer record is kept out of
	// sight (no consent recorded yet).
	Hidden    bool
	service   *widget.Check
	marketing *widget.Check
	link      *widget.Button
	dismiss   *widget.Button
	body      fyne.CanvasObject
}

// On a forum — a community, often a neutral one — a member is never linked
// to, nor shown to be, a customer without their recorded consent: the card
// (community) then keeps the record's name, tier and consent hidden until
// the agent records the person's consent, and says so.
func newSuggestionCard(s model.Suggestion, community bool, link func(model.Consent), dismiss func()) *SuggestionCard {
	c := &SuggestionCard{Customer: s.Customer}
	cu := s.Customer
	title := widget.NewLabelWithStyle(T("Link to customer {{.ID}}?", "ID", cu.ID), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	who := value(fmt.Sprintf("%s · %s", cu.Name, cu.Tier))
	var hidden []fyne.CanvasObject // shown once the person's consent is recorded
	if community {
		title.SetText(T("A customer record may match this forum member"))
		who.SetText(T("Forum post: the member is not linked to, or shown as, a customer without their recorded consent. Ask them first, by private message."))
		who.Wrapping = fyne.TextWrapWord
		c.Hidden = true
	}
	var ev []string
	for i, e := range s.Evidence {
		if i < len(s.Reasons) {
			e = reasonText(s.Reasons[i])
		}
		ev = append(ev, "• "+e)
	}
	evidence := value(strings.Join(ev, "\n"))
	c.link = widget.NewButtonWithIcon(T("Link"), theme.ConfirmIcon(), func() {
		link(model.Consent{Service: c.service.Checked, Marketing: c.marketing.Checked})
	})
	c.link.Importance = widget.HighImportance
	c.link.Disable()
	c.service = widget.NewCheck(T("service (required)"), func(on bool) {
		if on {
			c.link.Enable()
		} else {
			c.link.Disable()
		}
		if community {
			c.Hidden = !on
			for _, o := range hidden {
				if on {
					o.Show()
				} else {
					o.Hide()
				}
			}
		}
	})
	c.marketing = widget.NewCheck(T("marketing"), nil)
	ask := value(T("The customer agrees to linking this identity, for:"))
	crm := lowLabel(T("CRM consent:")+" "+strings.ReplaceAll(consentLine(cu.Consent), "\n", ", "), fyne.TextAlignLeading)
	crm.Wrapping = fyne.TextWrapWord
	c.dismiss = widget.NewButtonWithIcon(T("Not them"), theme.CancelIcon(), dismiss)
	record := value(T("Customer {{.ID}}: {{.Name}} · {{.Tier}}", "ID", cu.ID, "Name", cu.Name, "Tier", TierName(cu.Tier)))
	if community {
		ask.SetText(T("The member agrees to linking this forum identity, for:"))
		hidden = append(hidden, record, crm)
		record.Hide()
		crm.Hide()
	} else {
		record = nil
	}
	items := []fyne.CanvasObject{title, who}
	if record != nil {
		items = append(items, record)
	}
	items = append(items, evidence, crm, ask, container.NewHBox(c.service, c.marketing), container.NewHBox(c.link, c.dismiss))
	c.body = widget.NewCard("", "", container.NewVBox(items...))
	c.ExtendBaseWidget(c)
	return c
}

// CreateRenderer implements fyne.Widget.
func (c *SuggestionCard) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(c.body)
}

// Service, Marketing, LinkButton and DismissButton are the card's controls, for tests.
// VisibleText is the text of the card's visible labels, for tests.
func (c *SuggestionCard) VisibleText() string {
	var b strings.Builder
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if !o.Visible() {
			return
		}
		switch w := o.(type) {
		case *widget.Label:
			b.WriteString(w.Text + "\n")
		case *widget.Card:
			if w.Content != nil {
				walk(w.Content)
			}
		case *fyne.Container:
			for _, child := range w.Objects {
				walk(child)
			}
		}
	}
	walk(c.body)
	return b.String()
}

func (c *SuggestionCard) Service() *widget.Check        { return c.service }
func (c *SuggestionCard) Marketing() *widget.Check      { return c.marketing }
func (c *SuggestionCard) LinkButton() *widget.Button    { return c.link }
func (c *SuggestionCard) DismissButton() *widget.Button { return c.dismiss }

// TwoStep is a button that asks once more before it acts: unlinking and
// merging are not undone with a click.
type TwoStep struct {
	widget.Button
	label, ask string
	armed      bool
	do         func()
}

func newTwoStep(label, ask string, do func()) *TwoStep {
	b := &TwoStep{label: label, ask: ask, do: do}
	b.Text = label
	b.OnTapped = b.tap
	b.ExtendBaseWidget(b)
	return b
}

func (b *TwoStep) tap() {
	if !b.armed {
		b.armed = true
		b.Importance = widget.DangerImportance
		b.SetText(b.ask)
		return
	}
	b.armed = false
	b.Importance = widget.MediumImportance
	b.SetText(b.label)
	b.do()
}

// CaseLink is one of the customer's other cases: channel, status, date and
// the first line, opened with one click. It truncates rather than widen the
// panel.
type CaseLink struct {
	widget.BaseWidget
	Text     string
	OnTapped func()
	sum      model.Summary
}

// NewCaseLink makes a link to a case.
func NewCaseLink(s model.Summary, tapped func()) *CaseLink {
	l := &CaseLink{sum: s, OnTapped: tapped,
		Text: fmt.Sprintf("%s · %s · %s\n%s", s.Channel, StatusName(s.Status), Day(s.Created), model.FirstLine(s.Preview, 80))}
	l.ExtendBaseWidget(l)
	return l
}

// Tapped implements fyne.Tappable.
func (l *CaseLink) Tapped(*fyne.PointEvent) {
	if l.OnTapped != nil {
		l.OnTapped()
	}
}

// Cursor implements desktop.Cursorable: a pointer, as on a link.
func (l *CaseLink) Cursor() desktop.Cursor { return desktop.PointerCursor }

// CreateRenderer implements fyne.Widget.
func (l *CaseLink) CreateRenderer() fyne.WidgetRenderer {
	meta := lowLabel(fmt.Sprintf("%s · %s", StatusName(l.sum.Status), DayYear(l.sum.Created)), fyne.TextAlignLeading)
	meta.Truncation = fyne.TextTruncateEllipsis // beside "Merge here" it widened the panel past its pane
	preview := widget.NewLabel(model.FirstLine(l.sum.Preview, 80))
	preview.Truncation = fyne.TextTruncateEllipsis
	preview.Importance = widget.HighImportance
	icon := widget.NewIcon(ChannelIcon(l.sum.Channel))
	return widget.NewSimpleRenderer(container.NewBorder(nil, nil, container.NewCenter(icon), nil,
		container.New(layout.NewCustomPaddedVBoxLayout(-12), preview, meta)))
}

func boldLabel(s string) *widget.Label {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// value is a form value that wraps instead of widening the panel.
func value(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// customerPref is the preference that keeps the agent's choice to show or
// fold away the customer panel.
const customerPref = "ui.customerPanel"

// narrowConsole is the width under which the customer panel is folded
// away unless the agent chose to show it: the queue, the case view with
// its composer and the customer panel need about 1,100 units together
// (at 200 % a 1600×1000 screen has 800), and below that each pane
// scrolled.
const narrowConsole = 1100

// newCustomerFold makes the case view's fold: the case view alone with a
// button over its top right corner to show the customer panel again,
// shown in place of right (the case view's pane and the customer panel)
// while the panel is folded away.
func (c *Console) newCustomerFold(right *container.Split, detailPane *fitPane) *fyne.Container {
	f := &c.customer.fold
	f.right, f.detailPane, f.shown = right, detailPane, true
	f.showB = widget.NewButtonWithIcon("", theme.AccountIcon(), c.ToggleCustomer)
	f.showB.Importance = widget.LowImportance
	c.customer.hideB.OnTapped = c.ToggleCustomer // shown where the console is narrow (fitCustomer)
	f.box = container.NewStack()
	f.box.Hide()
	if a := fyne.CurrentApp(); a != nil {
		f.choice = a.Preferences().String(customerPref)
	}
	if f.choice == "hidden" {
		c.setCustomerShown(false)
	}
	return f.box
}

// fitCustomer hears the console's size: the customer panel follows it
// (folded away when narrow) until the agent chooses.
func (c *Console) fitCustomer(size fyne.Size) {
	narrow := size.Width < narrowConsole
	if c.customer.fold.choice == "" {
		c.setCustomerShown(!narrow)
	}
	// The panel's › button where the room is short; wide, c folds it (the
	// button would be one more control on every customer).
	if b := c.customer.hideB; b.Hidden == narrow {
		b.Hidden = !narrow
		b.Refresh()
		c.customer.Refresh()
	}
}

// ToggleCustomer shows or folds away the customer panel (key c, the
// panel's › button in a narrow console, the fold's person button); the
// choice is kept.
func (c *Console) ToggleCustomer() {
	f := &c.customer.fold
	c.setCustomerShown(!f.shown)
	f.choice = "hidden"
	if f.shown {
		f.choice = "shown"
	}
	if a := fyne.CurrentApp(); a != nil {
		a.Preferences().SetString(customerPref, f.choice)
	}
}

// CustomerShown reports whether the customer panel is shown.
func (c *Console) CustomerShown() bool { return c.customer.fold.shown }

// ShowCustomerButton shows the folded customer panel again, for tests.
func (c *Console) ShowCustomerButton() *widget.Button { return c.customer.fold.showB }

func (c *Console) setCustomerShown(on bool) {
	f := &c.customer.fold
	if on == f.shown || f.right == nil {
		return
	}
	f.shown = on
	if on {
		f.box.Objects = nil
		f.box.Hide()
		f.right.Leading = f.detailPane
		f.right.Show()
	} else {
		f.right.Leading = canvas.NewRectangle(color.Transparent)
		f.right.Hide()
		// The button over the case view's top right corner: beside it, it
		// made the case view 40 units wider than 800 leave it at 200 %.
		f.box.Objects = []fyne.CanvasObject{f.detailPane, container.NewBorder(nil, nil, nil, container.NewVBox(f.showB))}
		f.box.Show()
	}
	f.right.Refresh()
	f.box.Refresh()
}

// reasonText is a link suggestion's evidence in the console's language.
func reasonText(r model.Reason) string {
	kv := make([]any, 0, len(r.Args)+2)
	for i, a := range r.Args {
		if ch := model.Channel(a); i%2 == 1 && r.Args[i-1] == "Platform" && ch != model.ChannelForum {
			a = platformLabel(ch) // "X", "Facebook"; a forum's key as it is
		}
		kv = append(kv, a)
	}
	if !r.At.IsZero() {
		kv = append(kv, "Date", Day(r.At))
	}
	return T(r.Template, kv...)
}

// platformLabel names a platform as a label: "X", "Facebook", "Forum"
// (it showed the channel's key, "twitter").
func platformLabel(ch model.Channel) string {
	switch ch {
	case model.ChannelTwitter:
		return "X"
	case model.ChannelFacebook:
		return "Facebook"
	case model.ChannelForum:
		return T("Forum")
	}
	return string(ch)
}
