package ui

import (
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"switchboard/app"
)

// SettingsPanel edits the agent's settings: language, theme, undo-send
// window, notifications and the canned answers.
type SettingsPanel struct {
	widget.BaseWidget
	s       app.Settings
	lang    *widget.Select
	theme   *widget.Select
	undo    *keyEntry
	mute    *widget.Check
	escRisk *widget.Check // SLA notifications (lead_alerts.go)
	escMiss *widget.Check
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
	p.lang = widget.NewSelect(p.langOpt, nil)
	p.lang.SetSelectedIndex(max(slices.Index([]string{"", "en", "de"}, s.Language), 0))
	p.theme = widget.NewSelect([]string{T("Follow the system"), T("Light"), T("Dark")}, nil)
	p.theme.SetSelectedIndex(max(slices.Index([]string{"", "light", "dark"}, s.Theme), 0))
	p.undo = p.newEntry(false)
	p.undo.SetText(strconv.Itoa(int(s.Undo().Seconds())))
	p.mute = widget.NewCheck(T("Mute notifications"), nil)
	p.mute.SetChecked(s.Mute)
	esc := s.Escalation()
	p.escRisk = widget.NewCheck(T("Tell me when a case goes at risk"), nil)
	p.escRisk.SetChecked(esc.AtRisk)
	p.escMiss = widget.NewCheck(T("Tell me when a case breaches its SLA"), nil)
	p.escMiss.SetChecked(esc.Breached)
	p.escReach = p.newEntry(false)
	p.escReach.SetText(strconv.Itoa(esc.HighReachMinutes))
	p.canned = container.NewVBox()
	for _, a := range s.Canned {
		p.addCanned(a)
	}
	add := widget.NewButtonWithIcon(T("Add canned answer"), theme.ContentAddIcon(), func() { p.addCanned(app.Canned{}) })
	p.info = widget.NewLabel("")
	p.info.Importance = widget.LowImportance
	saveB := widget.NewButtonWithIcon(T("Save settings"), theme.DocumentSaveIcon(), p.save)
	saveB.Importance = widget.HighImportance
	form := widget.NewForm(
		widget.NewFormItem(T("Language"), p.lang),
		widget.NewFormItem(T("Theme"), p.theme),
		widget.NewFormItem(T("Undo send (seconds)"), p.undo),
		widget.NewFormItem(T("Notifications"), p.mute),
		widget.NewFormItem(T("Service levels"), container.NewVBox(p.escRisk, p.escMiss,
			container.NewBorder(nil, nil, widget.NewLabel(T("Leads: tell me of a high-reach author waiting in public (minutes, 0 off)")), nil, p.escReach))),
	)
	help := widget.NewLabel(T("Type ::name in a reply to insert a canned answer. {first_name}, {case_id}, {agent} and {handle} are filled in."))
	help.Wrapping = fyne.TextWrapWord
	help.Importance = widget.LowImportance
	p.body = container.NewBorder(container.NewVBox(heading(T("Settings")), form, widget.NewSeparator(), heading(T("Canned answers")), help),
		container.NewBorder(nil, nil, add, saveB, p.info), nil, nil, container.NewVScroll(p.canned))
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
	p.canned.Add(container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(120, name.MinSize().Height), name), nil, text))
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
func (p *SettingsPanel) newEntry(multi bool) *keyEntry {
	e := newKeyEntry()
	if multi {
		e.MultiLine, e.Wrapping = true, fyne.TextWrapWord
	}
	e.onEsc = func() {
		if p.onEsc != nil {
			p.onEsc()
		}
	}
	return e
}
