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

// CaseRow is one line of the queue: channel icon, author with reach badge,
// age, status, and the first line of the case.
type CaseRow struct {
	widget.BaseWidget

	icon    *widget.Icon
	author  *widget.Label
	badge   *Badge
	age     *widget.Label
	status  *Badge
	preview *widget.Label
	others  *widget.Label
}

var _ fyne.Widget = (*CaseRow)(nil)

// NewCaseRow makes an empty row for the list to fill.
func NewCaseRow() *CaseRow {
	r := &CaseRow{
		icon:    widget.NewIcon(assets.Twitter),
		author:  widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		badge:   NewBadge("", color.Transparent),
		age:     widget.NewLabel(""),
		status:  NewBadge("", color.Transparent),
		preview: widget.NewLabel(""),
		others:  widget.NewLabel(""),
	}
	r.others.Importance = widget.WarningImportance
	r.others.SizeName = theme.SizeNameCaptionText
	r.author.Truncation = fyne.TextTruncateEllipsis
	r.preview.Truncation = fyne.TextTruncateEllipsis
	r.age.Importance = widget.LowImportance
	r.ExtendBaseWidget(r)
	return r
}

// Set shows s in the row, as of now, with the other agents in the case.
func (r *CaseRow) Set(s model.Summary, now time.Time, others []string) {
	if len(others) > 0 {
		r.others.SetText("● " + strings.Join(others, ", "))
		r.others.Show()
	} else {
		r.others.Hide()
	}
	r.icon.SetResource(ChannelIcon(s.Channel))
	r.author.SetText(s.Author)
	r.badge.Set(s.Reach.Badge(), ReachColor(s.Reach))
	r.age.SetText(Age(now.Sub(s.LastMessageAt)))
	r.status.Set(string(s.Status), StatusColor(s.Status))
	r.preview.SetText(s.Preview)
}

// ReachBadge is the shown reach badge, for tests.
func (r *CaseRow) ReachBadge() string {
	if !r.badge.Visible() {
		return ""
	}
	return r.badge.Text()
}

// CreateRenderer implements fyne.Widget.
func (r *CaseRow) CreateRenderer() fyne.WidgetRenderer {
	right := container.NewHBox(r.others, r.badge, r.status, r.age)
	top := container.NewBorder(nil, nil, nil, right, r.author)
	body := container.New(layout.NewCustomPaddedVBoxLayout(-theme.Padding()*2), top, r.preview)
	icon := container.NewCenter(container.NewGridWrap(fyne.NewSquareSize(28), r.icon))
	return widget.NewSimpleRenderer(container.NewBorder(nil, nil, icon, nil, body))
}

// Badge is a small coloured tag; empty text hides it.
type Badge struct {
	widget.BaseWidget
	bg   *canvas.Rectangle
	text *canvas.Text
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
	b.text.Text = text
	b.bg.FillColor = bg
	if text == "" {
		b.Hide()
	} else {
		b.Show()
	}
	b.Refresh()
}

// Text is the badge's text.
func (b *Badge) Text() string { return b.text.Text }

// CreateRenderer implements fyne.Widget.
func (b *Badge) CreateRenderer() fyne.WidgetRenderer {
	return &badgeRenderer{b: b}
}

type badgeRenderer struct{ b *Badge }

func (r *badgeRenderer) pad() fyne.Size { return fyne.NewSize(6, 2) }
func (r *badgeRenderer) MinSize() fyne.Size {
	return r.b.text.MinSize().Add(r.pad().Add(r.pad()))
}
func (r *badgeRenderer) Layout(size fyne.Size) {
	min := r.MinSize()
	top := (size.Height - min.Height) / 2
	r.b.bg.Resize(fyne.NewSize(size.Width, min.Height))
	r.b.bg.Move(fyne.NewPos(0, top))
	r.b.text.Resize(r.b.text.MinSize())
	r.b.text.Move(fyne.NewPos(r.pad().Width, top+r.pad().Height))
}
func (r *badgeRenderer) Refresh() {
	r.b.text.TextSize = theme.CaptionTextSize()
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
		return color.NRGBA{R: 0xE6, G: 0x51, B: 0x00, A: 0xFF}
	case model.ReachNotable:
		return color.NRGBA{R: 0x8D, G: 0x6E, B: 0x63, A: 0xFF}
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
		return color.NRGBA{R: 0xB8, G: 0x86, B: 0x0B, A: 0xFF}
	case "silver":
		return color.NRGBA{R: 0x78, G: 0x90, B: 0x9C, A: 0xFF}
	}
	return color.NRGBA{R: 0x54, G: 0x6E, B: 0x7A, A: 0xFF}
}
