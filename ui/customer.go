package ui

import (
	"errors"
	"fmt"
	"image/color"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
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
	info    *widget.Label
	extra   *fyne.Container // suggestions, or identities and cases
	body    *fyne.Container
	suggest []*SuggestionCard
}

// NewCustomerPanel makes an empty panel; open is called with a case id when
// the agent clicks one of the customer's other cases, act queues an op
// (link, dismiss, unlink, merge) and reports the outcome.
func NewCustomerPanel(open func(caseID string), act func(op model.Op, done func(error))) *CustomerPanel {
	p := &CustomerPanel{
		open:  open,
		act:   act,
		name:  heading(""),
		tier:  NewBadge("", color.Transparent),
		facts: widget.NewForm(),
		info:  lowLabel("", fyne.TextAlignLeading),
		extra: container.NewVBox(),
	}
	p.name.Wrapping = fyne.TextWrapWord
	p.info.Wrapping = fyne.TextWrapWord
	p.body = container.NewVBox(
		container.NewBorder(nil, nil, nil, container.NewCenter(p.tier), p.name),
		p.facts, p.info, p.extra)
	p.body.Hide()
	p.ExtendBaseWidget(p)
	return p
}

// CreateRenderer implements fyne.Widget.
func (p *CustomerPanel) CreateRenderer() fyne.WidgetRenderer {
	title := widget.NewLabelWithStyle("Customer", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	return widget.NewSimpleRenderer(container.NewBorder(title, nil, nil, nil, container.NewVScroll(p.body)))
}

// Clear empties the panel.
func (p *CustomerPanel) Clear() { p.caseID = ""; p.body.Hide() }

// SetDetail shows the customer behind a case.
func (p *CustomerPanel) SetDetail(d app.CaseDetail) {
	p.caseID = d.Case.ID
	p.facts.Items = nil
	p.extra.Objects = nil
	p.suggest = nil
	p.info.SetText("")
	if d.Customer != nil {
		p.setCustomer(d)
	} else {
		p.setProfile(d)
	}
	p.facts.Refresh()
	p.extra.Refresh()
	p.body.Show()
}

func reachLine(a model.Identity) string {
	s := fmt.Sprintf("%s followers · influence %d/100", formatCount(a.Followers), a.Influence)
	if a.Verified {
		s += " · verified"
	}
	if a.Reach != model.ReachNone {
		s += " · " + string(a.Reach)
	}
	return s
}

func consentLine(c model.Consent) string {
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	s := fmt.Sprintf("service %s · marketing %s", yes(c.Service), yes(c.Marketing))
	if c.By != "" {
		s += "\nrecorded by " + c.By
		if !c.At.IsZero() {
			s += " on " + c.At.Local().Format("2 Jan 2006")
		}
	}
	return s
}

func (p *CustomerPanel) setCustomer(d app.CaseDetail) {
	cu, a := d.Customer, d.Case.Author
	p.name.SetText(cu.Name)
	p.tier.Set(strings.ToUpper(cu.Tier), TierColor(cu.Tier))
	p.facts.Append("Customer no.", value(cu.ID))
	p.facts.Append("Lifetime value", value(fmt.Sprintf("€ %.0f", cu.LifetimeValue)))
	if cu.Email != "" {
		p.facts.Append("E-mail", value(cu.Email))
	}
	consent := cu.Consent
	if l, ok := cu.ActiveLink(a.Key()); ok {
		consent = l.Consent // what the customer agreed to for this identity
	}
	p.facts.Append("Consent", value(consentLine(consent)))
	p.facts.Append(string(a.Platform), value(a.Handle+"\n"+reachLine(a)))
	if cu.Notes != "" {
		p.facts.Append("Notes", value(cu.Notes))
	}
	if len(cu.Purchases) > 0 {
		ps := slices.Clone(cu.Purchases)
		slices.SortFunc(ps, func(x, y model.Purchase) int { return y.Date.Compare(x.Date) })
		var lines []string
		for _, pu := range ps[:min(4, len(ps))] {
			lines = append(lines, fmt.Sprintf("%s  %s  € %.0f", pu.Date.Format("2006-01-02"), pu.Item, pu.Amount))
		}
		p.facts.Append("Purchases", value(strings.Join(lines, "\n")))
	}
	switch {
	case !cu.MarketingConsent():
		p.facts.Append("Vouchers", lowLabel("hidden: no marketing consent", fyne.TextAlignLeading))
	case len(cu.Vouchers) > 0:
		var lines []string
		for _, v := range cu.Vouchers {
			line := v.Code
			if v.Value > 0 {
				line += fmt.Sprintf("  € %.0f", v.Value)
			}
			if v.Note != "" {
				line += "  " + v.Note
			}
			lines = append(lines, line)
		}
		p.facts.Append("Vouchers", value(strings.Join(lines, "\n")))
	}

	p.extra.Add(boldLabel("Linked identities"))
	for _, id := range cu.Linked() {
		row := container.NewHBox(widget.NewIcon(ChannelIcon(id.Platform)), value(id.Handle))
		if id.Key() == a.Key() {
			unlink := newTwoStep("Unlink", "Really unlink?", func() {
				p.queue(model.Op{Kind: model.OpUnlinkIdentity, CaseID: p.caseID, CustomerID: cu.ID}, "Unlink")
			})
			row = container.NewBorder(nil, nil, nil, unlink, row)
		}
		p.extra.Add(row)
	}

	p.extra.Add(boldLabel(fmt.Sprintf("Other cases (%d)", len(d.Others))))
	for _, o := range d.Others {
		id := o.ID
		b := widget.NewButtonWithIcon(fmt.Sprintf("%s · %s · %s", o.Status, o.Created.Local().Format("2 Jan"), model.FirstLine(o.Preview, 30)),
			ChannelIcon(o.Channel), func() { p.open(id) })
		b.Alignment = widget.ButtonAlignLeading
		var merge fyne.CanvasObject
		if !slices.Contains(d.Case.Merged, id) && d.Case.MergedInto == "" && o.Status != model.StatusClosed {
			merge = newTwoStep("Merge here", "Merge into this case?", func() {
				p.queue(model.Op{Kind: model.OpMerge, CaseID: p.caseID, Other: id}, "Merge")
			})
		}
		p.extra.Add(container.NewBorder(nil, nil, nil, merge, b))
	}
	if len(d.Others) == 0 {
		p.extra.Add(lowLabel("No other cases on any channel.", fyne.TextAlignLeading))
	}
}

func (p *CustomerPanel) setProfile(d app.CaseDetail) {
	a := d.Case.Author
	p.name.SetText(a.Name())
	p.tier.Set("", color.Transparent)
	p.facts.Append("Handle", value(a.Handle))
	p.facts.Append("Platform", value(string(a.Platform)))
	p.facts.Append("Reach", value(reachLine(a)))
	if a.Bio != "" {
		p.facts.Append("Profile", value(a.Bio))
	}
	if len(d.Suggestions) == 0 {
		p.info.SetText("Not linked to a customer record, and nothing suggests one.")
		return
	}
	p.info.SetText("Not linked to a customer record.")
	for _, s := range d.Suggestions {
		card := newSuggestionCard(s, func(consent model.Consent) {
			p.queue(model.Op{Kind: model.OpLinkIdentity, CaseID: p.caseID, CustomerID: s.Customer.ID, Consent: &consent}, "Link")
		}, func() {
			p.queue(model.Op{Kind: model.OpDismissLink, CaseID: p.caseID, CustomerID: s.Customer.ID}, "Dismiss")
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
	p.info.SetText(what + "…")
	p.act(op, func(err error) {
		var rej *model.Rejection
		switch {
		case err == nil:
			p.info.SetText(what + " queued")
		case errors.As(err, &rej):
			p.info.SetText(what + " refused: " + rej.Reason)
		default:
			p.info.SetText(what + " not queued: " + err.Error())
		}
	})
}

// Name is the shown customer or author name, for tests.
func (p *CustomerPanel) Name() string { return p.name.Text }

// Tier is the shown tier badge text, for tests.
func (p *CustomerPanel) Tier() string { return p.tier.Text() }

// Info is the panel's feedback line, for tests.
func (p *CustomerPanel) Info() string { return p.info.Text }

// Fact returns the value shown for a form label, for tests.
func (p *CustomerPanel) Fact(label string) (string, bool) {
	for _, it := range p.facts.Items {
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

// OtherCases are the buttons that open the customer's other cases, for tests.
func (p *CustomerPanel) OtherCases() []*widget.Button {
	var out []*widget.Button
	for _, o := range p.extra.Objects {
		if row, ok := o.(*fyne.Container); ok {
			for _, obj := range row.Objects {
				if b, ok := obj.(*widget.Button); ok && b.Icon != nil {
					out = append(out, b)
				}
			}
		}
	}
	return out
}

// TwoSteps are the confirm-twice buttons (unlink, merge), for tests.
func (p *CustomerPanel) TwoSteps() []*TwoStep {
	var out []*TwoStep
	for _, o := range p.extra.Objects {
		if row, ok := o.(*fyne.Container); ok {
			for _, obj := range row.Objects {
				if b, ok := obj.(*TwoStep); ok {
					out = append(out, b)
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
	Customer  model.Customer
	service   *widget.Check
	marketing *widget.Check
	link      *widget.Button
	dismiss   *widget.Button
	body      fyne.CanvasObject
}

func newSuggestionCard(s model.Suggestion, link func(model.Consent), dismiss func()) *SuggestionCard {
	c := &SuggestionCard{Customer: s.Customer}
	cu := s.Customer
	title := widget.NewLabelWithStyle(fmt.Sprintf("Link to customer %s?", cu.ID), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	who := value(fmt.Sprintf("%s · %s", cu.Name, cu.Tier))
	var ev []string
	for _, e := range s.Evidence {
		ev = append(ev, "• "+e)
	}
	evidence := value(strings.Join(ev, "\n"))
	c.link = widget.NewButtonWithIcon("Link", theme.ConfirmIcon(), func() {
		link(model.Consent{Service: c.service.Checked, Marketing: c.marketing.Checked})
	})
	c.link.Importance = widget.HighImportance
	c.link.Disable()
	c.service = widget.NewCheck("Customer agrees to service on this identity", func(on bool) {
		if on {
			c.link.Enable()
		} else {
			c.link.Disable()
		}
	})
	c.marketing = widget.NewCheck("… and to marketing", nil)
	crm := lowLabel("CRM consent: "+strings.ReplaceAll(consentLine(cu.Consent), "\n", ", "), fyne.TextAlignLeading)
	crm.Wrapping = fyne.TextWrapWord
	c.dismiss = widget.NewButtonWithIcon("Not them", theme.CancelIcon(), dismiss)
	c.body = widget.NewCard("", "", container.NewVBox(title, who, evidence, crm, c.service, c.marketing,
		container.NewHBox(c.link, c.dismiss)))
	c.ExtendBaseWidget(c)
	return c
}

// CreateRenderer implements fyne.Widget.
func (c *SuggestionCard) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(c.body)
}

// Service, Marketing, LinkButton and DismissButton are the card's controls, for tests.
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

func boldLabel(s string) *widget.Label {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// value is a form value that wraps instead of widening the panel.
func value(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}
