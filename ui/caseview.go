package ui

import (
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
	"switchboard/model"
)

// CaseView shows the open case: header, caution, and the thread in and out.
type CaseView struct {
	widget.BaseWidget

	icon    *widget.Icon
	title   *widget.Label
	meta    *widget.Label
	caution *fyne.Container
	others  *widget.Label
	thread  *fyne.Container
	scroll  *container.Scroll
	// top is the header (title, caution, triage, assistant, hand-off)
	// above the thread; compact, it is in the thread's scroll (inner),
	// above the messages, and scrolls away (SetCompact).
	top      *fyne.Container
	topBox   *container.Scroll // top, when not compact: scrolls when taller than headerShare of the pane
	inner    *fyne.Container
	compact  bool
	toBottom bool
	empty    *widget.Label
	body     *fyne.Container

	// The hub's triage of the case and the assistant (assist.go).
	triage *triagePanel
	assist *assistPanel
	// The hand-off to a community expert (community.go).
	community *communityPanel

	// Hooks for replies posted by hand; set by the console.
	copyText   func(text string)
	openURL    func(url string)
	markPosted func(caseID, messageID string)
}

// NewCaseView makes an empty case view.
func NewCaseView() *CaseView {
	v := &CaseView{
		icon:   widget.NewIcon(nil),
		title:  heading(""),
		meta:   widget.NewLabel(""),
		thread: container.NewVBox(),
		empty:  widget.NewLabel(T("Select a case in the queue.")),
	}
	v.title.Wrapping = fyne.TextWrapWord
	v.meta.Importance = widget.LowImportance
	v.meta.Wrapping = fyne.TextWrapWord
	warn := widget.NewLabelWithStyle(T("Public, high reach: answer with care."), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	warn.Importance = widget.WarningImportance
	bg := canvas.NewRectangle(color.NRGBA{R: 0xFF, G: 0x98, B: 0x00, A: 0x30})
	bg.CornerRadius = 6
	v.caution = container.NewStack(bg, container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), nil, warn))
	v.caution.Hide()
	v.others = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	v.others.Importance = widget.WarningImportance
	v.others.Hide()
	v.inner = container.NewVBox(v.thread)
	v.scroll = container.NewVScroll(v.inner)
	v.triage = newTriagePanel()
	v.assist = newAssistPanel()
	v.community = newCommunityPanel()
	head := container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSquareSize(32), v.icon), nil, container.NewVBox(v.title, v.meta))
	v.top = container.NewVBox(head, v.caution, v.others, v.triage.box, v.assist.box, v.community.box, widget.NewSeparator())
	v.topBox = container.NewVScroll(v.top)
	v.body = container.New(caseBody{v}, v.topBox, v.scroll)
	v.body.Hide()
	v.ExtendBaseWidget(v)
	return v
}

// SetCompact puts the header into the thread's scroll, above the
// messages (on), or back above the thread (off): in a pane too short for
// the header, the thread and the composer (200 % on a 1600×1000 screen
// left the thread no room under a header of about 200 units), the thread
// opens at its newest message and the header scrolls away.
func (v *CaseView) SetCompact(on bool) {
	if on == v.compact {
		return
	}
	v.compact = on
	if on {
		v.topBox.Content = container.NewStack() // top is in one parent at a time
		v.inner.Objects = []fyne.CanvasObject{v.top, v.thread}
		v.body.Objects = []fyne.CanvasObject{v.scroll}
	} else {
		v.inner.Objects = []fyne.CanvasObject{v.thread}
		v.topBox.Content = v.top
		v.body.Objects = []fyne.CanvasObject{v.topBox, v.scroll}
	}
	v.topBox.Refresh()
	v.toBottom = true // once the body is laid out at its new size
	v.inner.Refresh()
	v.body.Refresh()
}

// caseBody lays out the case view's body: the header above the thread's
// scroll, or (compact) the scroll alone; after a switch it scrolls the
// thread to its newest message once the scroll has its size.
//
// The header takes at most headerShare of the body's height and scrolls
// within it beyond that: with the caution, the triage, the assistant's
// drafts and a hand-off under the title, a case at 1400×860 left its
// thread about 100 units (the header scrolls with the thread only in a
// pane shorter than compactCaseH).
type caseBody struct{ v *CaseView }

// headerShare is the most of the case view's height its header takes: the
// thread keeps 45 % (the padding between them), and the main window's
// goldens (a header of 210 in a 395-unit view) are as before.
const headerShare = 0.54

func (l caseBody) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	v := l.v
	y := float32(0)
	if !v.compact {
		h := min(v.top.MinSize().Height, float32(int(size.Height*headerShare)))
		v.topBox.Move(fyne.NewPos(0, 0))
		v.topBox.Resize(fyne.NewSize(size.Width, h))
		y = h + theme.Padding()
	}
	// A thread shown at its newest message stays there when the pane
	// changes size (the window, a split, the composer's rows).
	old := v.scroll.Size()
	atBottom := old.Height > 0 && v.scroll.Offset.Y >= v.inner.MinSize().Height-old.Height-1
	v.scroll.Move(fyne.NewPos(0, y))
	v.scroll.Resize(fyne.NewSize(size.Width, max(0, size.Height-y)))
	if v.toBottom || atBottom && v.scroll.Size() != old {
		v.toBottom = false
		v.scroll.ScrollToBottom()
	}
}

func (l caseBody) MinSize(objs []fyne.CanvasObject) fyne.Size {
	v := l.v
	m := v.scroll.MinSize()
	if !v.compact {
		t := v.topBox.MinSize()
		m = fyne.NewSize(max(m.Width, v.top.MinSize().Width), m.Height+t.Height+theme.Padding())
	}
	return m
}

// Compact reports whether the header is in the thread's scroll.
func (v *CaseView) Compact() bool { return v.compact }

// HeaderHeight is the height the header has on the screen (0 when compact).
func (v *CaseView) HeaderHeight() float32 {
	if v.compact {
		return 0
	}
	return v.topBox.Size().Height
}

// ThreadHeight is the height the thread's scroll has on the screen.
func (v *CaseView) ThreadHeight() float32 { return v.scroll.Size().Height }

// CreateRenderer implements fyne.Widget.
func (v *CaseView) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewStack(container.NewCenter(v.empty), v.body))
}

// ShowError replaces the view with a load error.
func (v *CaseView) ShowError(err error) {
	v.body.Hide()
	v.empty.SetText(T("Could not open the case: {{.Err}}", "Err", err.Error()))
	v.empty.Show()
}

// SetCase fills the view with a case.
func (v *CaseView) SetCase(d app.CaseDetail, now time.Time) {
	c := d.Case
	v.empty.Hide()
	v.icon.SetResource(ChannelIcon(c.Channel))
	v.title.SetText(model.FirstLine(c.Subject, 90))
	parts := []string{SourceName(c.Source), StatusName(c.Status), PriorityName(c.Priority)}
	if c.Assignee != "" {
		parts = append(parts, T("assigned to {{.Who}}", "Who", c.Assignee))
	}
	if c.Public {
		parts = append(parts, T("public"))
	} else {
		parts = append(parts, T("private"))
	}
	if !c.WaitingSince.IsZero() && c.Status.Active() { // as the Waiting view: a solved case waits on no one
		parts = append(parts, T("waiting {{.T}}", "T", Age(now.Sub(c.WaitingSince))))
	}
	if s := c.Summary(); s.Asleep(now) {
		parts = append(parts, SnoozeLabel(c.SnoozedUntil, now))
	}
	if parts[0] == "" { // no source: no "· new · …"
		parts = parts[1:]
	}
	v.meta.SetText(strings.Join(parts, " · "))
	if c.Public && c.Author.Reach == model.ReachHigh {
		v.caution.Show()
	} else {
		v.caution.Hide()
	}
	v.triage.set(c.Triage)
	v.assist.setCase(c.ID, len(d.Thread))
	v.community.set(c, now)
	// The customer is the author of the case and of every case merged
	// into it, on their own platforms.
	customer := map[string]bool{c.Author.Key(): true}
	for _, o := range d.MergedCases {
		customer[(model.Identity{Platform: o.Channel, Handle: o.Handle}).Key()] = true
	}
	objs := make([]fyne.CanvasObject, 0, len(d.Thread))
	for _, m := range d.Thread {
		objs = append(objs, v.messageCard(m, c, customer))
	}
	v.thread.Objects = objs
	v.thread.Refresh()
	v.body.Show()
	v.scroll.ScrollToBottom()
	v.toBottom = true // again once laid out (the body may have been hidden)
	v.body.Refresh()
}

// SetPresence shows the other agents in the case, so two people do not
// answer one customer at once.
func (v *CaseView) SetPresence(viewing, typing []string) {
	var parts []string
	if len(typing) > 0 {
		parts = append(parts, T("{{.Who}} typing a reply", "Who", strings.Join(typing, ", ")))
	}
	if len(viewing) > 0 {
		parts = append(parts, T("{{.Who}} viewing", "Who", strings.Join(viewing, ", ")))
	}
	if len(parts) == 0 {
		v.others.Hide()
		return
	}
	v.others.SetText(T("Also here: {{.Who}}", "Who", strings.Join(parts, "; ")))
	v.others.Show()
}

// PresenceText is the collision note, for tests ("" when hidden).
func (v *CaseView) PresenceText() string {
	if !v.others.Visible() {
		return ""
	}
	return v.others.Text
}

// Thread is the text of the messages shown, for tests.
func (v *CaseView) Thread() []string {
	var out []string
	for _, o := range v.thread.Objects {
		if c, ok := o.(*messageBox); ok {
			out = append(out, c.text.Text)
		}
	}
	return out
}

// ThreadButtons are the buttons inside the thread's messages, for tests.
func (v *CaseView) ThreadButtons() []*widget.Button {
	var out []*widget.Button
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Button:
			out = append(out, x)
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case *messageBox:
			walk(x.obj)
		}
	}
	for _, o := range v.thread.Objects {
		walk(o)
	}
	return out
}

// Texts are the meta line and each message's marks and time, for tests.
func (v *CaseView) Texts() []string {
	out := []string{v.meta.Text}
	for _, o := range v.thread.Objects {
		if c, ok := o.(*messageBox); ok {
			out = append(out, c.stamp)
		}
	}
	return out
}

// Title is the case's heading, for tests.
func (v *CaseView) Title() string { return v.title.Text }

// CautionShown reports whether the high-reach caution is visible.
func (v *CaseView) CautionShown() bool { return v.caution.Visible() }

type messageBox struct {
	widget.BaseWidget
	text  *widget.Label
	stamp string // the tags and time over the text
	obj   fyne.CanvasObject
}

func (m *messageBox) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(m.obj) }

func (v *CaseView) messageCard(m model.Message, c model.Case, customer map[string]bool) fyne.CanvasObject {
	who := m.Author.Name()
	if m.Author.Handle != "" && m.Author.Handle != who {
		who += "  " + m.Author.Handle
	}
	var tags []string
	switch {
	case m.Direction == model.DirectionOut:
		tags = append(tags, T("reply"))
		switch m.Delivery {
		case model.DeliveryPending:
			tags = append(tags, T("waiting for the hub"))
		case model.DeliveryQueued:
			tags = append(tags, T("sending"))
		case model.DeliverySent:
			tags = append(tags, T("delivered"))
		case model.DeliveryFailed:
			tags = append(tags, T("FAILED"))
		case model.DeliveryManual:
			tags = append(tags, T("post by hand"))
		}
	case m.Direction == model.DirectionNote:
		tags = append(tags, T("internal note"))
	case c.Handoff != nil && m.ID == c.Handoff.AnswerID:
		tags = append(tags, T("community answer"))
	case m.Author.Expert:
		tags = append(tags, T("community expert"))
	case !customer[m.Author.Key()]:
		tags = append(tags, T("other user"))
	}
	if m.CaseID != "" && m.CaseID != c.ID {
		tags = append(tags, T("merged thread on {{.Ch}}", "Ch", ChannelName(m.Author.Platform)))
	}
	if m.Private {
		tags = append(tags, T("private"))
	}
	if m.Deleted {
		tags = append(tags, T("deleted by author"))
	} else if !m.Edited.IsZero() {
		tags = append(tags, T("edited"))
	}
	stamp := Stamp(m.Time)
	if len(tags) > 0 {
		stamp = strings.Join(tags, " · ") + " · " + stamp
	}
	// The stamp wraps where the pane is narrow: beside the author unwrapped
	// ("NordNetz Service (Tom)  @SkyWingsAir", "reply · delivered · Wed 2
	// Dec 14:40") it made the card wider than the case pane at 1400×860,
	// and the whole case view, composer and all, ran under the customer
	// split behind a horizontal scroll.
	stampLabel := lowLabel(stamp, fyne.TextAlignTrailing)
	stampLabel.Wrapping = fyne.TextWrapWord
	head := container.NewBorder(nil, nil,
		widget.NewLabelWithStyle(who, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil,
		stampLabel)
	text := widget.NewLabel(m.Text)
	text.Wrapping = fyne.TextWrapWord
	if m.Deleted {
		text.Importance = widget.LowImportance
	}
	body := container.NewVBox(head, text)
	if m.Direction == model.DirectionOut && (m.Delivery == model.DeliveryFailed || m.Delivery == model.DeliveryManual || m.DeliveryError != "") {
		note := widget.NewLabel(m.DeliveryError)
		note.Wrapping = fyne.TextWrapWord
		if m.Delivery == model.DeliveryFailed {
			note.Importance = widget.DangerImportance
		} else {
			note.Importance = widget.WarningImportance
		}
		body.Add(note)
	}
	if m.Direction == model.DirectionOut && m.Delivery == model.DeliveryManual {
		// No reply API (forums): copy the text, open the thread, post it
		// there, and say so.
		msgID, text := m.ID, m.Text
		row := container.NewHBox(
			widget.NewButtonWithIcon(T("Copy text"), theme.ContentCopyIcon(), func() {
				if v.copyText != nil {
					v.copyText(text)
				}
			}),
			widget.NewButtonWithIcon(T("Mark posted"), theme.ConfirmIcon(), func() {
				if v.markPosted != nil {
					v.markPosted(c.ID, msgID)
				}
			}))
		if c.URL != "" {
			url := c.URL
			row.Add(widget.NewButtonWithIcon(T("Open thread"), theme.ComputerIcon(), func() {
				if v.openURL != nil {
					v.openURL(url)
				}
			}))
		}
		body.Add(row)
	}

	var fill color.Color
	switch {
	case m.Direction == model.DirectionOut:
		fill = color.NRGBA{R: 0x21, G: 0x96, B: 0xF3, A: 0x26}
	case m.Direction == model.DirectionNote:
		fill = color.NRGBA{R: 0xFF, G: 0xEB, B: 0x3B, A: 0x30}
	case m.Author.Expert:
		fill = color.NRGBA{R: 0x4C, G: 0xAF, B: 0x50, A: 0x26}
	default:
		fill = color.NRGBA{R: 0x80, G: 0x80, B: 0x80, A: 0x1C}
	}
	bg := canvas.NewRectangle(fill)
	bg.CornerRadius = 8
	card := container.NewStack(bg, container.NewPadded(body))
	var placed fyne.CanvasObject = card
	if m.Direction != model.DirectionIn {
		// Our side of the conversation sits indented, as in a chat.
		placed = container.NewBorder(nil, nil, spacer(48), nil, card)
	} else {
		placed = container.NewBorder(nil, nil, nil, spacer(48), card)
	}
	b := &messageBox{text: text, stamp: stamp, obj: placed}
	b.ExtendBaseWidget(b)
	return b
}

func lowLabel(s string, align fyne.TextAlign) *widget.Label {
	l := widget.NewLabelWithStyle(s, align, fyne.TextStyle{})
	l.Importance = widget.LowImportance
	l.SizeName = theme.SizeNameCaptionText
	return l
}

func spacer(w float32) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSize(w, 1))
	return r
}

func formatCount(n int) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%dk", n/1000)
	case n >= 1_000:
		return fmt.Sprintf("%.1fk", float64(n)/1000)
	}
	return fmt.Sprint(n)
}
