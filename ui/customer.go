package ui

import (
	"fmt"
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"switchboard/app"
	"switchboard/model"
)

// CustomerPanel shows who is writing: the CRM record and the customer's
// other cases when the identity is linked, the platform profile otherwise.
type CustomerPanel struct {
	widget.BaseWidget

	open func(caseID string)

	name    *widget.Label
	tier    *Badge
	facts   *widget.Form
	others  *fyne.Container
	profile *widget.Label
	body    *fyne.Container
}

// NewCustomerPanel makes an empty panel; open is called with a case id when
// the agent clicks one of the customer's other cases.
func NewCustomerPanel(open func(caseID string)) *CustomerPanel {
	p := &CustomerPanel{
		open:    open,
		name:    heading(""),
		tier:    NewBadge("", color.Transparent),
		facts:   widget.NewForm(),
		others:  container.NewVBox(),
		profile: widget.NewLabel(""),
	}
	p.name.Wrapping = fyne.TextWrapWord
	p.profile.Wrapping = fyne.TextWrapWord
	p.body = container.NewVBox(
		container.NewBorder(nil, nil, nil, container.NewCenter(p.tier), p.name),
		p.facts, p.profile, p.others)
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
func (p *CustomerPanel) Clear() { p.body.Hide() }

// SetDetail shows the customer behind a case.
func (p *CustomerPanel) SetDetail(d app.CaseDetail) {
	a := d.Case.Author
	p.facts.Items = nil
	p.others.Objects = nil
	reach := fmt.Sprintf("%s followers · influence %d/100", formatCount(a.Followers), a.Influence)
	if a.Verified {
		reach += " · verified"
	}
	if a.Reach != model.ReachNone {
		reach += " · " + string(a.Reach)
	}
	if cu := d.Customer; cu != nil {
		p.name.SetText(cu.Name)
		p.tier.Set(strings.ToUpper(cu.Tier), TierColor(cu.Tier))
		p.facts.Append("Customer no.", value(cu.ID))
		p.facts.Append("Lifetime value", value(fmt.Sprintf("€ %.0f", cu.LifetimeValue)))
		if cu.Email != "" {
			p.facts.Append("E-mail", value(cu.Email))
		}
		p.facts.Append(string(a.Platform), value(a.Handle+"\n"+reach))
		if cu.Notes != "" {
			p.facts.Append("Notes", value(cu.Notes))
		}
		if len(cu.Purchases) > 0 {
			var lines []string
			for i, pu := range cu.Purchases {
				if i == 4 {
					break
				}
				lines = append(lines, fmt.Sprintf("%s  %s  € %.0f", pu.Date.Format("2006-01-02"), pu.Item, pu.Amount))
			}
			p.facts.Append("Purchases", value(strings.Join(lines, "\n")))
		}
		p.profile.Hide()
		p.others.Add(widget.NewLabelWithStyle(fmt.Sprintf("Other cases (%d)", len(d.Others)), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		for _, o := range d.Others {
			id := o.ID
			b := widget.NewButtonWithIcon(fmt.Sprintf("%s · %s · %s", o.Status, o.Created.Local().Format("2 Jan"), model.FirstLine(o.Preview, 30)),
				ChannelIcon(o.Channel), func() { p.open(id) })
			b.Alignment = widget.ButtonAlignLeading
			p.others.Add(b)
		}
		if len(d.Others) == 0 {
			p.others.Add(lowLabel("No other cases on any channel.", fyne.TextAlignLeading))
		}
	} else {
		p.name.SetText(a.Name())
		p.tier.Set("", color.Transparent)
		p.facts.Append("Handle", value(a.Handle))
		p.facts.Append("Platform", value(string(a.Platform)))
		p.facts.Append("Reach", value(reach))
		p.profile.SetText("Not linked to a customer record.")
		p.profile.Show()
	}
	p.facts.Refresh()
	p.others.Refresh()
	p.body.Show()
}

// Name is the shown customer or author name, for tests.
func (p *CustomerPanel) Name() string { return p.name.Text }

// Tier is the shown tier badge text, for tests.
func (p *CustomerPanel) Tier() string { return p.tier.Text() }

// OtherCases are the buttons for the customer's other cases, for tests.
func (p *CustomerPanel) OtherCases() []*widget.Button {
	var out []*widget.Button
	for _, o := range p.others.Objects {
		if b, ok := o.(*widget.Button); ok {
			out = append(out, b)
		}
	}
	return out
}

// value is a form value that wraps instead of widening the panel.
func value(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}
