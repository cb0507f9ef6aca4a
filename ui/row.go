package ui

import (
	"fmt"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"switchboard/assets"
	"switchboard/model"
)

// CaseRow is one case of the queue, on two lines of fixed columns so the
// widths never jump from case to case:
//
//	[channel]  Name @handle             reach  tier   status  age
//	[unsynced] first line or the match  category  SLA  who
//
// The channel icon has the unsynced marker (actions still in the outbox)
// under it; "who" is the assignee, or the other agents in the case.
type CaseRow struct {
	widget.BaseWidget

	bg       *canvas.Rectangle
	icon     *widget.Icon
	unsynced *widget.Icon
	name     *nameLine
	badge    *Badge
	tier     *Badge
	status   *Badge
	age      *widget.Label
	preview  *widget.Label
	triage   *Badge
	flag     *Badge
	sla      *canvas.Text
	who      *widget.Label

	selected, gone bool
	// dense packs the two lines tighter (the console's compact queue, at
	// 200 % on a small screen); body is their container once rendered.
	dense bool
	body  *fyne.Container
	// The row's two lines, the name and the first line each with the
	// columns right of it, and the columns' widths (set in
	// CreateRenderer, arranged by arrange).
	top, bottom *fyne.Container
	colW        rowCols
}

// rowCols are the widths of the row's columns in this language.
type rowCols struct{ reach, tier, status, age, flag, cat, sla, who float32 }

var _ fyne.Widget = (*CaseRow)(nil)

// RowInfo is what a row shows beside the case's summary.
type RowInfo struct {
	Others   []string // agents viewing or typing
	Tier     string   // the linked customer's tier, "" when none or unknown
	Unsynced bool     // actions on the case wait in the outbox
	Selected bool     // the open case
	Gone     bool     // it left the view; it stays until the agent shows the new order
	Match    string   // the line where the search text occurs in a message (app.Snippet.Line), shown for the first line
}

// NewCaseRow makes an empty row for the list to fill.
func NewCaseRow() *CaseRow {
	r := &CaseRow{
		bg:       canvas.NewRectangle(color.Transparent),
		icon:     widget.NewIcon(assets.Twitter),
		unsynced: widget.NewIcon(theme.UploadIcon()),
		name:     newNameLine(),
		badge:    NewBadge("", color.Transparent),
		tier:     NewBadge("", color.Transparent),
		status:   NewBadge("", color.Transparent),
		age:      widget.NewLabel(""),
		preview:  widget.NewLabel(""),
		triage:   NewBadge("", color.Transparent),
		flag:     NewBadge("", color.Transparent),
		sla:      canvas.NewText("", theme.Color(theme.ColorNameForeground)),
		who:      widget.NewLabel(""),
	}
	r.bg.CornerRadius = 4
	r.preview.Truncation = fyne.TextTruncateEllipsis
	r.who.Truncation = fyne.TextTruncateEllipsis
	r.who.SizeName = theme.SizeNameCaptionText
	r.age.Importance = widget.LowImportance
	r.age.Alignment = fyne.TextAlignTrailing
	r.sla.TextStyle.Bold = true
	r.sla.Alignment = fyne.TextAlignTrailing
	r.unsynced.SetResource(nil)
	r.ExtendBaseWidget(r)
	return r
}

// Set shows s in the row, as of now, with the other agents in the case.
func (r *CaseRow) Set(s model.Summary, now time.Time, others []string) {
	r.SetInfo(s, now, RowInfo{Others: others})
}

// SetInfo shows s in the row, as of now, with what the console knows
// beside it.
func (r *CaseRow) SetInfo(s model.Summary, now time.Time, info RowInfo) {
	r.selected, r.gone = info.Selected, info.Gone
	r.icon.SetResource(ChannelIcon(s.Channel))
	// The marker is never hidden, only empty: a hidden icon gets no size
	// from its container, and setting Hidden when a row is reused left it
	// at 0×0 (the marker did not show on a case with actions waiting).
	if info.Unsynced {
		r.unsynced.SetResource(theme.UploadIcon())
	} else {
		r.unsynced.SetResource(nil)
	}
	name, handle := s.Author, s.Handle
	if handle == name || (handle != "" && strings.TrimPrefix(handle, "@") == name) {
		handle = "" // a forum login that is the name: say it once
	} else if handle != "" && s.Channel == model.ChannelTwitter && !strings.HasPrefix(handle, "@") {
		handle = "@" + handle
	}
	if name == "" {
		name, handle = handle, ""
	}
	r.name.Set(name, handle)
	r.badge.Set(ReachName(s.Reach), ReachColor(s.Reach))
	if info.Tier != "" && info.Tier != "basic" {
		r.tier.Set(TierName(info.Tier), TierColor(info.Tier))
	} else {
		r.tier.Set("", color.Transparent)
	}
	if info.Gone {
		r.status.Set(T("left view"), StatusColor(model.StatusClosed))
	} else if s.Asleep(now) { // the team's snooze (snooze.go)
		r.status.Set(SnoozeLabel(s.Snoozed, now), StatusColor(model.StatusPending))
	} else {
		r.status.Set(StatusName(s.Status), StatusColor(s.Status))
	}
	r.age.SetText(Age(now.Sub(s.LastMessageAt)))
	text := s.Preview
	if info.Match != "" {
		text = info.Match
	}
	r.preview.SetText(text)
	if info.Gone {
		r.preview.Importance = widget.LowImportance
	} else {
		r.preview.Importance = widget.MediumImportance
	}
	r.preview.Refresh()
	switch {
	case s.Troll:
		r.flag.Set(T("troll?"), color.NRGBA{R: 0x61, G: 0x61, B: 0x61, A: 0xFF})
	case s.Spam:
		r.flag.Set(T("spam?"), color.NRGBA{R: 0x61, G: 0x61, B: 0x61, A: 0xFF})
	case s.Irrelevant:
		r.flag.Set(T("chatter"), color.NRGBA{R: 0x5F, G: 0x73, B: 0x80, A: 0xFF})
	default:
		r.flag.Set("", color.Transparent)
	}
	r.triage.Set(CategoryName(s.Category), UrgencyColor(s.Urgency))
	r.sla.Text, r.sla.Color = SLAText(s, now)
	r.sla.Refresh()
	switch {
	case len(info.Others) > 0:
		r.who.Importance = widget.WarningImportance
		r.who.SetText("● " + strings.Join(info.Others, ", "))
	case s.Assignee != "":
		r.who.Importance = widget.LowImportance
		// No space after the arrow: the arrow comes from a fallback font
		// that has no space, and Fyne drew a tofu box for it.
		r.who.SetText("→" + s.Assignee)
	default:
		r.who.SetText("")
	}
	r.bg.FillColor = color.Transparent
	if r.selected {
		r.bg.FillColor = theme.Color(theme.ColorNameSelection)
	}
	r.bg.Refresh()
}

// ReachBadge is the shown reach badge, for tests.
func (r *CaseRow) ReachBadge() string {
	if !r.badge.Visible() {
		return ""
	}
	return r.badge.Text()
}

// Texts are the row's shown texts in reading order (hidden ones left
// out), for tests.
func (r *CaseRow) Texts() []string {
	var out []string
	add := func(s string) {
		if s != "" {
			out = append(out, s)
		}
	}
	add(r.NameText())
	for _, b := range []*Badge{r.badge, r.tier, r.status} {
		if b.Visible() {
			add(b.Text())
		}
	}
	add(r.age.Text)
	add(r.preview.Text)
	for _, b := range []*Badge{r.flag, r.triage} {
		if b.Visible() {
			add(b.Text())
		}
	}
	add(r.sla.Text)
	add(r.who.Text)
	if r.unsynced.Resource != nil {
		add("unsynced")
	}
	return out
}

// NameText is the row's author line, uncut: the name and the handle.
func (r *CaseRow) NameText() string { return r.name.String() }

// shownName is the author line as drawn, perhaps cut.
func (r *CaseRow) shownName() string { return r.name.shown() }

// SLAColor is the colour of the row's SLA countdown, for tests.
func (r *CaseRow) SLAColor() color.Color { return r.sla.Color }

// Highlighted reports whether the row shows the open case.
func (r *CaseRow) Highlighted() bool { return r.selected }

// CreateRenderer implements fyne.Widget.
func (r *CaseRow) CreateRenderer() fyne.WidgetRenderer {
	cap := theme.CaptionTextSize()
	// Each column as wide as the widest thing it can hold, in this
	// language: the same on every row.
	w := func(samples ...string) float32 {
		var most float32
		for _, s := range samples {
			most = max(most, fyne.MeasureText(s, cap, fyne.TextStyle{Bold: true}).Width)
		}
		return most + 16
	}
	reach := []string{ReachName(model.ReachHigh), ReachName(model.ReachInfluencer), ReachName(model.ReachNotable)}
	tiers := []string{TierName("senator"), TierName("gold"), TierName("silver")}
	statuses := []string{T("left view")}
	for _, st := range []model.Status{model.StatusNew, model.StatusOpen, model.StatusPending, model.StatusSolved, model.StatusClosed} {
		statuses = append(statuses, StatusName(st))
	}
	flags := []string{T("troll?"), T("spam?"), T("chatter")}
	var cats []string
	for _, c := range categories {
		cats = append(cats, CategoryName(c))
	}
	var ageW, slaW float32 // the widest age and SLA countdown in this language
	for _, d := range []time.Duration{59 * time.Second, 59 * time.Minute, 47 * time.Hour, 999 * 24 * time.Hour} {
		ageW = max(ageW, fyne.MeasureText(Age(d), theme.TextSize(), fyne.TextStyle{}).Width)
		for _, left := range []time.Duration{d, -d} {
			// As the countdown is drawn: the body's size, bold ("−47 Std."
			// measured as a caption in English spilled over the reach badge).
			slaW = max(slaW, fyne.MeasureText(Left(left), r.sla.TextSize, r.sla.TextStyle).Width)
		}
	}
	ageW += 2 * theme.InnerPadding()
	r.colW = rowCols{reach: w(reach...), tier: w(tiers...), status: w(statuses...), age: ageW,
		flag: w(flags...), cat: w(cats...), sla: slaW + 8, who: w("→anna.k") + 8}
	r.top, r.bottom = container.New(&rowLine{}, r.name), container.New(&rowLine{}, r.preview)
	r.arrange()
	body := container.New(layout.NewCustomPaddedVBoxLayout(-theme.Padding()*2), r.top, r.bottom)
	r.body = body
	if r.dense {
		body.Layout = denseLines{}
	}
	icons := container.New(layout.NewCustomPaddedVBoxLayout(0),
		container.NewGridWrap(fyne.NewSquareSize(24), r.icon),
		container.NewCenter(container.NewGridWrap(fyne.NewSquareSize(14), r.unsynced)))
	return widget.NewSimpleRenderer(container.NewStack(r.bg,
		container.NewBorder(nil, nil, container.NewCenter(icons), nil, body)))
}

// SetDense packs the row's two lines tighter, or gives them their usual
// room again.
func (r *CaseRow) SetDense(on bool) {
	if r.dense == on {
		return
	}
	r.dense = on
	if r.body != nil {
		r.arrange()
		if on {
			r.body.Layout = denseLines{}
		} else {
			r.body.Layout = layout.NewCustomPaddedVBoxLayout(-theme.Padding() * 2)
		}
		r.body.Refresh()
	}
}

// arrange puts the columns in place: every column, or, dense, the status
// and age after the name and the reach and SLA after the first line — the
// row then fits a queue pane of 300 units (tier, triage, flag and who are
// in the case view). Dense, the badges keep to their columns' ends, next
// to the age and the SLA, and the name and the first line have the room
// up to them ("neu" in a column as wide as "nicht mehr hier" left the
// name 40 units less).
func (r *CaseRow) arrange() {
	cw := r.colW
	top, bot := r.top.Layout.(*rowLine), r.bottom.Layout.(*rowLine)
	top.trail, bot.trail = r.dense, r.dense
	if r.dense {
		top.w, r.top.Objects = []float32{cw.status, cw.age}, []fyne.CanvasObject{r.name, r.status, r.age}
		bot.w, r.bottom.Objects = []float32{cw.reach, cw.sla}, []fyne.CanvasObject{r.preview, r.badge, r.sla}
	} else {
		top.w, r.top.Objects = []float32{cw.reach, cw.tier, cw.status, cw.age}, []fyne.CanvasObject{r.name, r.badge, r.tier, r.status, r.age}
		bot.w, r.bottom.Objects = []float32{cw.flag, cw.cat, cw.sla, cw.who}, []fyne.CanvasObject{r.preview, r.flag, r.triage, r.sla, r.who}
	}
	r.top.Refresh()
	r.bottom.Refresh()
}

// denseLines stacks a row's two lines with their texts touching: each line
// is a label's height (its text and an inner padding above and below), and
// the paddings overlap, all but 2 units over and under the pair.
type denseLines struct{}

func (denseLines) trim() float32 { return theme.InnerPadding() - 2 }

func (l denseLines) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		m := o.MinSize()
		s.Width = max(s.Width, m.Width)
		s.Height += m.Height - 2*theme.InnerPadding()
	}
	return s.AddWidthHeight(0, 4)
}

func (l denseLines) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	y := -l.trim()
	for _, o := range objs {
		h := o.MinSize().Height
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, h))
		y += h - 2*theme.InnerPadding()
	}
}

// rowLine lays out one line of a row: its first object (the name, the
// first line) on the left, the others in columns of fixed widths at the
// right, the same on every row whatever they hold. Each column's object is
// at most its column's width less a gap, vertically centred; a badge keeps
// to its text, at its column's start or, trail, its end, and is cut with
// an ellipsis when its column is too narrow. The first object has the
// room up to the first thing a column shows, less a padding: it never
// runs under a badge.
type rowLine struct {
	w     []float32
	trail bool
}

// colGap is the room between a column's object and the next column.
const colGap = 4

func (l *rowLine) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var width, height float32
	for i, o := range objs {
		m := o.MinSize()
		switch {
		case i == 0:
			width += m.Width + theme.Padding()
		case i <= len(l.w):
			width += l.w[i-1]
		}
		height = max(height, m.Height)
	}
	return fyne.NewSize(width, height)
}

func (l *rowLine) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	if len(objs) == 0 {
		return
	}
	var cols float32
	for _, cw := range l.w {
		cols += cw
	}
	x := size.Width - cols
	end := size.Width // where the first thing a column shows starts
	for i, o := range objs[1:] {
		if i >= len(l.w) {
			break
		}
		cw := l.w[i]
		ms := o.MinSize()
		h := min(ms.Height, size.Height)
		y := (size.Height - h) / 2
		ow, ox := cw-colGap, x
		if _, badge := o.(*Badge); badge {
			ow = min(ms.Width, ow)
			if l.trail {
				ox = x + cw - colGap - ow
			}
		}
		o.Resize(fyne.NewSize(ow, h))
		o.Move(fyne.NewPos(ox, y))
		if shows(o) {
			end = min(end, ox)
		}
		x += cw
	}
	first := objs[0]
	h := min(first.MinSize().Height, size.Height)
	first.Resize(fyne.NewSize(max(0, end-theme.Padding()), h))
	first.Move(fyne.NewPos(0, (size.Height-h)/2))
}

// shows reports whether a column's object draws anything.
func shows(o fyne.CanvasObject) bool {
	if !o.Visible() {
		return false
	}
	switch x := o.(type) {
	case *canvas.Text:
		return x.Text != ""
	case *widget.Label:
		return x.Text != ""
	}
	return true
}

// nameLine is a row's author: the name in bold and the handle after it,
// dimmed. What does not fit is cut with an ellipsis, the handle first,
// then the name — the name always before the handle, never over it (a
// RichText of the two cut each segment on its own and drew them over
// each other and past its edge, under the status badge).
type nameLine struct {
	widget.BaseWidget
	full, handleFull string
	name, handle     *canvas.Text
}

func newNameLine() *nameLine {
	n := &nameLine{name: canvas.NewText("", theme.Color(theme.ColorNameForeground)), handle: canvas.NewText("", theme.Color(theme.ColorNamePlaceHolder))}
	n.name.TextStyle.Bold = true
	n.ExtendBaseWidget(n)
	return n
}

// Set shows name and handle ("" for none).
func (n *nameLine) Set(name, handle string) {
	if n.full == name && n.handleFull == handle {
		return
	}
	n.full, n.handleFull = name, handle
	n.Refresh()
}

// String is the whole line, as it would read uncut.
func (n *nameLine) String() string {
	if n.handleFull == "" {
		return n.full
	}
	return n.full + " " + n.handleFull
}

// shown is the line as drawn now.
func (n *nameLine) shown() string {
	if n.handle.Text == "" || !n.handle.Visible() {
		return n.name.Text
	}
	return n.name.Text + " " + n.handle.Text
}

func (n *nameLine) CreateRenderer() fyne.WidgetRenderer { return &nameLineRenderer{n} }

type nameLineRenderer struct{ n *nameLine }

func (r *nameLineRenderer) MinSize() fyne.Size {
	pad := theme.InnerPadding()
	h := fyne.MeasureText("M", theme.TextSize(), r.n.name.TextStyle).Height
	return fyne.NewSize(fyne.MeasureText("…", theme.TextSize(), r.n.name.TextStyle).Width+2*pad, h+2*pad)
}

func (r *nameLineRenderer) Layout(size fyne.Size) {
	n := r.n
	pad := theme.InnerPadding()
	room := size.Width - 2*pad
	n.name.TextSize, n.handle.TextSize = theme.TextSize(), theme.TextSize()
	n.name.Text = ellipsize(n.full, room, n.name.TextSize, n.name.TextStyle)
	nm := n.name.MinSize()
	n.name.Move(fyne.NewPos(pad, (size.Height-nm.Height)/2))
	n.name.Resize(nm)
	n.handle.Text = ""
	if n.handleFull != "" && n.name.Text == n.full {
		space := fyne.MeasureText(" ", n.handle.TextSize, n.handle.TextStyle).Width
		n.handle.Text = ellipsize(n.handleFull, room-nm.Width-space, n.handle.TextSize, n.handle.TextStyle)
		if n.handle.Text == "" { // not even "…" after the name: the name cut to say there is more
			n.name.Text = ellipsize(n.String(), room, n.name.TextSize, n.name.TextStyle)
			nm = n.name.MinSize()
			n.name.Resize(nm)
		}
	}
	hm := n.handle.MinSize()
	n.handle.Move(fyne.NewPos(pad+nm.Width+fyne.MeasureText(" ", n.handle.TextSize, n.handle.TextStyle).Width, (size.Height-hm.Height)/2))
	n.handle.Resize(hm)
}

func (r *nameLineRenderer) Refresh() {
	r.n.name.Color = theme.Color(theme.ColorNameForeground)
	r.n.handle.Color = theme.Color(theme.ColorNamePlaceHolder)
	r.Layout(r.n.Size())
	r.n.name.Refresh()
	r.n.handle.Refresh()
}

func (r *nameLineRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.n.name, r.n.handle}
}
func (r *nameLineRenderer) Destroy() {}

// ellipsize is s cut to width with an ellipsis ("" when not even that
// fits), or s when it fits.
func ellipsize(s string, width, size float32, style fyne.TextStyle) string {
	if s == "" || fyne.MeasureText(s, size, style).Width <= width {
		return s
	}
	rs := []rune(s)
	// The longest prefix that fits with the ellipsis after it.
	lo, hi := 0, len(rs)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if fyne.MeasureText(strings.TrimRight(string(rs[:mid]), " ")+"…", size, style).Width <= width {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	if lo == 0 && fyne.MeasureText("…", size, style).Width > width {
		return ""
	}
	return strings.TrimRight(string(rs[:lo]), " ") + "…"
}

// Badge is a small coloured tag; empty text hides it.
type Badge struct {
	widget.BaseWidget
	bg   *canvas.Rectangle
	text *canvas.Text
	full string // the text; text holds it as drawn, cut to the badge's width
}

// NewBadge makes a badge.
func NewBadge(text string, bg color.Color) *Badge {
	b := &Badge{bg: canvas.NewRectangle(bg), text: canvas.NewText(text, color.White)}
	b.bg.CornerRadius = 4
	b.text.TextSize = theme.CaptionTextSize()
	b.text.TextStyle.Bold = true
	b.ExtendBaseWidget(b)
	b.Set(text, bg)
	return b
}

// Set changes text and colour.
func (b *Badge) Set(text string, bg color.Color) {
	b.full, b.text.Text = text, text
	b.bg.FillColor = bg
	if text == "" {
		b.Hide()
	} else {
		b.Show()
	}
	b.Refresh()
}

// Text is the badge's text.
func (b *Badge) Text() string { return b.full }

// CreateRenderer implements fyne.Widget.
func (b *Badge) CreateRenderer() fyne.WidgetRenderer {
	return &badgeRenderer{b: b}
}

type badgeRenderer struct{ b *Badge }

func (r *badgeRenderer) pad() fyne.Size { return fyne.NewSize(6, 2) }
func (r *badgeRenderer) MinSize() fyne.Size {
	return fyne.MeasureText(r.b.full, r.b.text.TextSize, r.b.text.TextStyle).Add(r.pad().Add(r.pad()))
}
func (r *badgeRenderer) Layout(size fyne.Size) {
	min := r.MinSize()
	// Narrower than its text (a column too narrow for a category of
	// the team's own): the text is cut, never drawn past the badge.
	r.b.text.Text = r.b.full
	if size.Width > 0 && size.Width < min.Width {
		r.b.text.Text = ellipsize(r.b.full, size.Width-2*r.pad().Width, r.b.text.TextSize, r.b.text.TextStyle)
		min.Width = r.b.text.MinSize().Width + 2*r.pad().Width
	}
	top := (size.Height - min.Height) / 2
	// Given a column wider than its text (a queue row), the badge keeps
	// to its text's width at the column's start.
	r.b.bg.Resize(fyne.NewSize(fyne.Min(size.Width, min.Width), min.Height))
	r.b.bg.Move(fyne.NewPos(0, top))
	r.b.text.Resize(r.b.text.MinSize())
	r.b.text.Move(fyne.NewPos(r.pad().Width, top+r.pad().Height))
}
func (r *badgeRenderer) Refresh() {
	r.b.text.TextSize = theme.CaptionTextSize()
	r.Layout(r.b.Size()) // the text may have changed
	r.b.bg.Refresh()
	r.b.text.Refresh()
}
func (r *badgeRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.b.bg, r.b.text} }
func (r *badgeRenderer) Destroy()                     {}

// ChannelIcon is the icon of a channel.
func ChannelIcon(ch model.Channel) fyne.Resource {
	switch ch {
	case model.ChannelFacebook:
		return assets.Facebook
	case model.ChannelForum:
		return assets.Forum
	}
	return assets.Twitter
}

// ReachColor colours reach badges from amber to red.
func ReachColor(r model.Reach) color.Color {
	switch r {
	case model.ReachHigh:
		return color.NRGBA{R: 0xC6, G: 0x28, B: 0x28, A: 0xFF}
	case model.ReachInfluencer:
		return color.NRGBA{R: 0xB3, G: 0x50, B: 0x00, A: 0xFF}
	case model.ReachNotable:
		return color.NRGBA{R: 0x7D, G: 0x5E, B: 0x54, A: 0xFF}
	}
	return color.Transparent
}

// StatusColor colours status chips.
func StatusColor(s model.Status) color.Color {
	switch s {
	case model.StatusNew:
		return color.NRGBA{R: 0x15, G: 0x65, B: 0xC0, A: 0xFF}
	case model.StatusOpen:
		return color.NRGBA{R: 0x2E, G: 0x7D, B: 0x32, A: 0xFF}
	case model.StatusPending:
		return color.NRGBA{R: 0x6A, G: 0x1B, B: 0x9A, A: 0xFF}
	}
	return color.NRGBA{R: 0x61, G: 0x61, B: 0x61, A: 0xFF}
}

// Age renders a duration the way a queue does: 45s, 12m, 3h, 2d.
func Age(d time.Duration) string {
	if german() { // "26 Std.": "26h" and "29m" are not German
		switch {
		case d < time.Minute:
			return fmt.Sprintf("%d s", max(0, int(d.Seconds())))
		case d < time.Hour:
			return fmt.Sprintf("%d Min.", int(d.Minutes()))
		case d < 48*time.Hour:
			return fmt.Sprintf("%d Std.", int(d.Hours()))
		}
		return fmt.Sprintf("%d T.", int(d.Hours()/24))
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", max(0, int(d.Seconds())))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// TierColor colours loyalty tiers.
func TierColor(tier string) color.Color {
	switch tier {
	case "senator":
		return color.NRGBA{R: 0x21, G: 0x21, B: 0x21, A: 0xFF}
	case "gold":
		return color.NRGBA{R: 0x87, G: 0x6A, B: 0x00, A: 0xFF}
	case "silver":
		return color.NRGBA{R: 0x5F, G: 0x73, B: 0x80, A: 0xFF}
	}
	return color.NRGBA{R: 0x54, G: 0x6E, B: 0x7A, A: 0xFF}
}

// ReachName is the reach badge's text in the agent's language.
func ReachName(r model.Reach) string {
	if b := r.Badge(); b != "" {
		return T(b)
	}
	return ""
}

// TierName is a loyalty tier's badge text.
func TierName(tier string) string {
	if tier == "" {
		return ""
	}
	return strings.ToUpper(T(tier))
}

// categories are assist's default triage categories.
var categories = []string{"booking", "billing", "cancellation", "delivery_baggage", "technical", "account", "service_complaint", "praise", "question", "other"}

// CategoryName is a triage category as a short chip text; "" for none and
// for "other" (nothing worth a chip).
func CategoryName(c string) string {
	switch c {
	case "", "other":
		return ""
	case "booking":
		return T("Booking")
	case "billing":
		return T("Billing")
	case "cancellation":
		return T("Cancellation")
	case "delivery_baggage":
		return T("Baggage")
	case "technical":
		return T("Technical")
	case "account":
		return T("Account")
	case "service_complaint":
		return T("Complaint")
	case "praise":
		return T("Praise")
	case "question":
		return T("Question")
	}
	return model.FirstLine(strings.ReplaceAll(c, "_", " "), 12)
}

// UrgencyColor colours the category chip by the triage's urgency.
func UrgencyColor(u string) color.Color {
	switch u {
	case "high":
		return color.NRGBA{R: 0xC6, G: 0x28, B: 0x28, A: 0xFF}
	case "low":
		return color.NRGBA{R: 0x5F, G: 0x73, B: 0x80, A: 0xFF}
	}
	return color.NRGBA{R: 0x45, G: 0x5A, B: 0x64, A: 0xFF}
}

// SLAText is the row's SLA countdown: the time left to the earliest due
// time ("12 min", "3 h"), "−5 min" past it; red when breached, amber at
// risk, the metadata colour otherwise (the theme's error, warning and
// placeholder colours, readable in light and dark). Empty when no clock runs.
func SLAText(s model.Summary, now time.Time) (string, color.Color) {
	if s.Due.IsZero() || !s.Status.Active() {
		return "", color.Transparent
	}
	left := s.Due.Sub(now)
	text := Left(left)
	switch {
	case s.SLA == model.SLABreached || left < 0:
		return text, theme.Color(theme.ColorNameError)
	case s.SLA == model.SLAAtRisk:
		return text, theme.Color(theme.ColorNameWarning)
	}
	return text, theme.Color(theme.ColorNamePlaceHolder)
}

// Left is a time left: "45 s", "12 min", "3 h", "2 d"; past due with a
// minus sign.
func Left(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "−", -d
	}
	switch {
	case d < time.Minute:
		return sign + T("{{.N}} s", "N", int(d.Seconds()))
	case d < time.Hour:
		return sign + T("{{.N}} min", "N", int(d.Minutes()))
	case d < 48*time.Hour:
		return sign + T("{{.N}} h", "N", int(d.Hours()))
	}
	return sign + T("{{.N}} d", "N", int(d.Hours()/24))
}
