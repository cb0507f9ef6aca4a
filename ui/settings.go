package ui

import (
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"switchboard/app"
)

// SettingsPanel edits the agent's settings: language, theme, undo-send
// window, notifications and the canned answers.
type SettingsPanel struct {
	widget.BaseWidget
	s       app.Settings
	lang    *escSelect
	theme   *escSelect
	undo    *keyEntry
	mute    *escCheck
	escRisk *escCheck // SLA notifications (lead_alerts.go)
	escMiss *escCheck
	// escReach: minutes a high-reach author waits before leads are told.
	escReach *keyEntry
	canned   *fyne.Container
	names    []*keyEntry
	texts    []*keyEntry
	info     *widget.Label
	body     fyne.CanvasObject
	onSave   func(app.Settings)
	// onEsc closes the settings: Esc in one of its text boxes (a plain
	// entry kept the focus and the key, and the settings could not be
	// closed by keyboard once a box had the focus).
	onEsc   func()
	langOpt []string
}

// NewSettingsPanel shows s; save gets the edited settings.
func NewSettingsPanel(s app.Settings, save func(app.Settings)) *SettingsPanel {
	p := &SettingsPanel{s: s, onSave: save}
	p.langOpt = []string{T("System language"), "English", "Deutsch"}
	p.lang = p.newSelect(p.langOpt)
	p.lang.SetSelectedIndex(max(slices.Index([]string{"", "en", "de"}, s.Language), 0))
	p.theme = p.newSelect([]string{T("Follow the system"), T("Light"), T("Dark")})
	p.theme.SetSelectedIndex(max(slices.Index([]string{"", "light", "dark"}, s.Theme), 0))
	p.undo = p.newEntry(false)
	p.undo.SetText(strconv.Itoa(int(s.Undo().Seconds())))
	p.mute = p.newCheck(T("Mute notifications"))
	p.mute.SetChecked(s.Mute)
	esc := s.Escalation()
	p.escRisk = p.newCheck(T("Tell me when a case goes at risk"))
	p.escRisk.SetChecked(esc.AtRisk)
	p.escMiss = p.newCheck(T("Tell me when a case breaches its SLA"))
	p.escMiss.SetChecked(esc.Breached)
	p.escReach = p.newEntry(false)
	p.escReach.SetText(strconv.Itoa(esc.HighReachMinutes))
	p.canned = container.NewVBox()
	for _, a := range s.Canned {
		p.addCanned(a)
	}
	add := p.newButton(T("Add canned answer"), theme.ContentAddIcon(), func() { p.addCanned(app.Canned{}) })
	p.info = widget.NewLabel("")
	p.info.Importance = widget.LowImportance
	saveB := p.newButton(T("Save settings"), theme.DocumentSaveIcon(), p.save)
	saveB.Importance = widget.HighImportance
	// The leads' wait wraps beside its box: on one line it made the form
	// wider than the dialog, and the selects and boxes stuck out of it.
	reachL := widget.NewLabel(T("Leads: tell me of a high-reach author waiting in public (minutes, 0 off)"))
	reachL.Wrapping = fyne.TextWrapWord
	reach := container.NewBorder(nil, nil, nil, container.NewGridWrap(fyne.NewSize(64, p.escReach.MinSize().Height), p.escReach), reachL)
	form := widget.NewForm(
		widget.NewFormItem(T("Language"), p.lang),
		widget.NewFormItem(T("Theme"), p.theme),
		widget.NewFormItem(T("Undo send (seconds)"), p.undo),
		widget.NewFormItem(T("Notifications"), p.mute),
		widget.NewFormItem(T("Service levels"), container.NewVBox(p.escRisk, p.escMiss, reach)),
	)
	help := widget.NewLabel(T("Type ::name in a reply to insert a canned answer. {first_name}, {case_id}, {agent} and {handle} are filled in."))
	help.Wrapping = fyne.TextWrapWord
	help.Importance = widget.LowImportance
	// Tab follows the order of the containers' objects: top, the canned
	// answers, then the buttons (container.NewBorder puts its centre first,
	// and Tab went from the dialog's start into the canned answers, where
	// the multi-line box kept it: Mute and the rest were out of reach).
	top := container.NewVBox(heading(T("Settings")), form, widget.NewSeparator(), heading(T("Canned answers")), help)
	bottom := container.New(layout.NewBorderLayout(nil, nil, add, saveB), add, p.info, saveB)
	// The settings sit in a scroll (keys.go's showSettings), whose bar is
	// drawn over the content's right edge: at 200 % on a 1600×1000 screen
	// the fields ran under it. The panel and the canned answers' own
	// scroll keep the bar's width free on the right.
	inner := container.New(barInset{}, p.canned)
	body := container.New(layout.NewBorderLayout(top, bottom, nil, nil), top, container.NewVScroll(inner), bottom)
	p.body = container.New(barInset{}, body)
	p.ExtendBaseWidget(p)
	return p
}

// CreateRenderer implements fyne.Widget.
func (p *SettingsPanel) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(p.body) }

func (p *SettingsPanel) addCanned(a app.Canned) {
	name, text := p.newEntry(false), p.newEntry(true)
	name.SetText(a.Name)
	name.SetPlaceHolder(T("name"))
	text.SetText(a.Text)
	text.Wrapping = fyne.TextWrapWord
	p.names, p.texts = append(p.names, name), append(p.texts, text)
	nameBox := container.NewGridWrap(fyne.NewSize(120, name.MinSize().Height), name)
	p.canned.Add(container.New(layout.NewBorderLayout(nil, nil, nameBox, nil), nameBox, text)) // name, then text, for Tab
}

// Settings are the edited settings.
func (p *SettingsPanel) Settings() (app.Settings, error) {
	s := p.s
	s.Language = []string{"", "en", "de"}[max(p.lang.SelectedIndex(), 0)]
	s.Theme = []string{"", "light", "dark"}[max(p.theme.SelectedIndex(), 0)]
	n, err := strconv.Atoi(strings.TrimSpace(p.undo.Text))
	if err != nil || n < 0 || n > 60 {
		return s, errText(T("Undo send takes 0 to 60 seconds."))
	}
	s.UndoSeconds = &n
	s.Mute = p.mute.Checked
	reach, err := strconv.Atoi(strings.TrimSpace(p.escReach.Text))
	if err != nil || reach < 0 || reach > 24*60 {
		return s, errText(T("The high-reach wait takes 0 to 1440 minutes."))
	}
	s.Escalate = &app.Escalate{AtRisk: p.escRisk.Checked, Breached: p.escMiss.Checked, HighReachMinutes: reach}
	s.Canned = nil
	for i := range p.names {
		name, text := strings.TrimSpace(p.names[i].Text), strings.TrimSpace(p.texts[i].Text)
		if name == "" || text == "" {
			continue
		}
		s.Canned = append(s.Canned, app.Canned{Name: strings.Fields(name)[0], Text: text})
	}
	if s.Canned == nil {
		s.Canned = []app.Canned{}
	}
	return s, nil
}

func (p *SettingsPanel) save() {
	s, err := p.Settings()
	if err != nil {
		p.info.SetText(err.Error())
		return
	}
	p.s = s
	p.onSave(s)
	p.info.SetText(T("Saved. Language and theme apply at the next start."))
}

// barInset lays its objects out leaving a scroll bar's width free on the
// right, so a scroll's bar lies beside them, not over them.
type barInset struct{}

func (barInset) bar() float32 { return theme.Size(theme.SizeNameScrollBar) }

func (l barInset) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(fyne.NewSize(max(size.Width-l.bar(), 0), size.Height))
	}
}

func (l barInset) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var m fyne.Size
	for _, o := range objs {
		m = m.Max(o.MinSize())
	}
	return m.AddWidthHeight(l.bar(), 0)
}

type errText string

func (e errText) Error() string { return string(e) }

// NameEntries and TextEntries are the canned answers' fields, for tests.
func (p *SettingsPanel) NameEntries() []*widget.Entry { return entries(p.names) }
func (p *SettingsPanel) TextEntries() []*widget.Entry { return entries(p.texts) }

func entries(es []*keyEntry) []*widget.Entry {
	out := make([]*widget.Entry, len(es))
	for i, e := range es {
		out[i] = &e.Entry
	}
	return out
}

// newEntry is a text box of the settings that Esc leaves, closing them.
// Tab leaves a multi-line one too (keyEntry takes no tabs).
func (p *SettingsPanel) newEntry(multi bool) *keyEntry {
	e := newKeyEntry()
	if multi {
		e.MultiLine, e.Wrapping = true, fyne.TextWrapWord
	}
	e.onEsc = p.escape
	return e
}

// escape closes the settings (Esc on any of their controls).
func (p *SettingsPanel) escape() {
	if p.onEsc != nil {
		p.onEsc()
	}
}

// The settings' check boxes, pickers and buttons close the settings on
// Esc, as their text boxes do: a focused widget gets every key, and Esc
// on Mute or a picker did nothing (the window passes keys to the focused
// widget, never to the canvas, while one has the focus).

type escCheck struct {
	widget.Check
	esc func()
}

func (p *SettingsPanel) newCheck(label string) *escCheck {
	c := &escCheck{esc: p.escape}
	c.Text = label
	c.ExtendBaseWidget(c)
	return c
}

// TypedKey closes the settings on Escape.
func (c *escCheck) TypedKey(k *fyne.KeyEvent) {
	if !escaped(c, k, c.esc) {
		c.Check.TypedKey(k)
	}
}

type escSelect struct {
	widget.Select
	esc func()
}

func (p *SettingsPanel) newSelect(options []string) *escSelect {
	s := &escSelect{esc: p.escape}
	s.Options = options // the default place holder
	s.ExtendBaseWidget(s)
	return s
}

// TypedKey closes the settings on Escape.
func (s *escSelect) TypedKey(k *fyne.KeyEvent) {
	if !escaped(s, k, s.esc) {
		s.Select.TypedKey(k)
	}
}

type escButton struct {
	widget.Button
	esc func()
}

// newButton is a button of the settings (Esc on it closes them); the
// dialog's Close button is one.
func (p *SettingsPanel) newButton(label string, icon fyne.Resource, tapped func()) *escButton {
	b := &escButton{esc: p.escape}
	b.Text, b.Icon, b.OnTapped = label, icon, tapped
	b.ExtendBaseWidget(b)
	return b
}

// TypedKey closes the settings on Escape.
func (b *escButton) TypedKey(k *fyne.KeyEvent) {
	if !escaped(b, k, b.esc) {
		b.Button.TypedKey(k)
	}
}

// escaped runs esc for an Escape key, after giving the keys back to the
// window (the focus would stay on a widget of a closed pop-up).
func escaped(o fyne.CanvasObject, k *fyne.KeyEvent, esc func()) bool {
	if k.Name != fyne.KeyEscape || esc == nil {
		return false
	}
	if cv := fyne.CurrentApp().Driver().CanvasForObject(o); cv != nil {
		cv.Unfocus()
	}
	esc()
	return true
}
