package ui

import (
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"switchboard/sync/client"
)

// Banner is the offline state at the top of the window: since when, how
// many actions wait, when the next attempt is, "Reconnect now", and the
// raw error behind a details toggle. Hidden while online.
type Banner struct {
	widget.BaseWidget

	since     time.Time // when the connection was lost
	wasOnline bool
	st        client.Status
	pending   int
	now       func() time.Time

	bg        *canvas.Rectangle
	title     *widget.Label
	line      *widget.Label
	details   *widget.Label
	toggle    *widget.Button
	reconnect *widget.Button
	review    *widget.Button
	body      *fyne.Container
}

// NewBanner makes a hidden banner; reconnect and review are its buttons.
func NewBanner(reconnect, review func()) *Banner {
	b := &Banner{now: time.Now}
	b.bg = canvas.NewRectangle(color.NRGBA{R: 0xE5, G: 0x39, B: 0x35, A: 0x30})
	b.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	b.title.Importance = widget.DangerImportance
	b.title.Wrapping = fyne.TextWrapWord // never wider than the window
	b.line = widget.NewLabel("")
	b.line.Wrapping = fyne.TextWrapWord
	b.details = widget.NewLabel("")
	b.details.Wrapping = fyne.TextWrapBreak
	b.details.Importance = widget.LowImportance
	b.details.Hide()
	b.toggle = widget.NewButtonWithIcon(T("Details"), theme.MenuDropDownIcon(), func() {
		if b.details.Visible() {
			b.details.Hide()
			b.toggle.SetIcon(theme.MenuDropDownIcon())
		} else {
			b.details.Show()
			b.toggle.SetIcon(theme.MenuDropUpIcon())
		}
		b.Refresh()
		b.fit()
	})
	b.toggle.Importance = widget.LowImportance
	b.reconnect = widget.NewButtonWithIcon(T("Reconnect now"), theme.ViewRefreshIcon(), reconnect)
	b.reconnect.Importance = widget.HighImportance
	b.review = widget.NewButtonWithIcon(T("Review waiting actions"), theme.ListIcon(), review)
	text := container.NewVBox(b.title, b.line, b.details)
	buttons := container.NewHBox(b.review, b.toggle, b.reconnect)
	b.body = container.NewStack(b.bg, container.NewPadded(container.New(&bannerLayout{}, widget.NewIcon(theme.WarningIcon()), text, buttons)))
	b.ExtendBaseWidget(b)
	b.Hide()
	return b
}

// CreateRenderer implements fyne.Widget.
func (b *Banner) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(b.body) }

// MinSize is measured afresh each time: the wrapped text's height follows
// the width the banner was last given, which a cached minimum missed.
func (b *Banner) MinSize() fyne.Size {
	b.ExtendBaseWidget(b)
	return b.body.MinSize()
}

// fit lays the window out again when the banner's height changed (a
// line more or less, the details shown): the console's minimum does not
// change with it (topLayout), so nothing else would move the console
// under it, and the banner was drawn over the queue's header.
func (b *Banner) fit() {
	if !b.Visible() || b.Size().IsZero() || b.MinSize().Height == b.Size().Height {
		return
	}
	b.relayout()
}

// relayout lays the window's content out again at its size.
func (b *Banner) relayout() {
	if a := fyne.CurrentApp(); a != nil {
		if cv := a.Driver().CanvasForObject(b); cv != nil && cv.Content() != nil {
			sz := cv.Content().Size()
			cv.Content().Resize(sz.AddWidthHeight(0, 1)) // a resize lays out; the same size would not
			cv.Content().Resize(sz)
		}
	}
}

// Set shows the connection status and the number of waiting actions.
func (b *Banner) Set(st client.Status, pending int) {
	now := b.now()
	offline := st.State == client.StateOffline || st.State == client.StateConnecting && !b.since.IsZero()
	switch {
	case st.State == client.StateOnline || st.State == client.StateSyncing:
		b.since, b.wasOnline = time.Time{}, true
	case offline && b.since.IsZero():
		b.since = now
	}
	b.st, b.pending = st, pending
	if !offline {
		if b.Visible() {
			// The console moves up into the banner's room: hidden alone,
			// the banner left it where it was, under an empty band as tall
			// as the banner, until something else laid the window out.
			b.Hide()
			b.relayout()
		}
		return
	}
	if b.wasOnline {
		b.title.SetText(T("Offline since {{.T}}: working from the local cache", "T", b.since.Local().Format("15:04")))
	} else {
		b.title.SetText(T("Offline: working from the local cache"))
	}
	line := ""
	switch pending {
	case 0:
		line = T("No actions waiting.")
	case 1:
		line = T("1 action waits for the hub.")
	default:
		line = T("{{.N}} actions wait for the hub.", "N", Number(pending))
	}
	switch {
	case st.State == client.StateConnecting:
		line += " " + T("Connecting…")
	case !st.NextRetry.IsZero():
		if d := st.NextRetry.Sub(now).Round(time.Second); d >= time.Second {
			line += " " + T("Next try in {{.S}} s.", "S", int(d/time.Second))
		} else {
			line += " " + T("Trying again now.")
		}
	}
	line += " " + T("Everything you do is kept and sent when the hub is back.")
	b.line.SetText(line)
	if st.Err != "" {
		b.details.SetText(st.Err)
		b.toggle.Show()
	} else {
		b.details.SetText("")
		b.details.Hide()
		b.toggle.Hide()
	}
	if pending > 0 {
		b.review.Show()
	} else {
		b.review.Hide()
	}
	b.Show()
	b.Refresh()
	b.fit()
}

// Title, Line and Details are the banner's texts, for tests.
func (b *Banner) Title() string   { return b.title.Text }
func (b *Banner) Line() string    { return b.line.Text }
func (b *Banner) Details() string { return b.details.Text }

// DetailsShown reports whether the raw error is shown.
func (b *Banner) DetailsShown() bool { return b.details.Visible() }

// ToggleButton, ReconnectButton and ReviewButton are for tests.
func (b *Banner) ToggleButton() *widget.Button    { return b.toggle }
func (b *Banner) ReconnectButton() *widget.Button { return b.reconnect }
func (b *Banner) ReviewButton() *widget.Button    { return b.review }

// bannerLayout lays the banner out as [icon] text [buttons] when the
// buttons leave the text room enough (bannerTextRoom), else with the
// buttons on a row of their own under the text, at the right: at 200 %
// on a 1600×1000 screen (800 units) the buttons beside the title needed
// 834 units in English, 867 in German, and the window grew to hold them.
type bannerLayout struct{ width float32 } // the width last laid out

// bannerTextRoom is the least width the banner's text keeps beside the
// buttons.
const bannerTextRoom = 420

func (l *bannerLayout) side(icon, buttons fyne.Size, width float32) bool {
	pad := theme.Padding()
	return width >= icon.Width+buttons.Width+2*pad+bannerTextRoom
}

func (l *bannerLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	l.width = size.Width
	icon, text, buttons := objs[0], objs[1], objs[2]
	pad := theme.Padding()
	im, bm := icon.MinSize(), buttons.MinSize()
	textX := im.Width + pad
	textW := size.Width - textX
	if l.side(im, bm, size.Width) {
		textW -= bm.Width + pad
		buttons.Move(fyne.NewPos(size.Width-bm.Width, 0))
		buttons.Resize(bm)
	}
	text.Move(fyne.NewPos(textX, 0))
	text.Resize(fyne.NewSize(textW, text.MinSize().Height)) // wrapped text: its height follows its width
	th := text.MinSize().Height
	text.Resize(fyne.NewSize(textW, th))
	if !l.side(im, bm, size.Width) {
		buttons.Move(fyne.NewPos(max(textX, size.Width-bm.Width), th+pad))
		buttons.Resize(bm)
		th += pad + bm.Height
	}
	// The icon beside the text, as tall as the banner (it centres its
	// image), as in a Border.
	icon.Move(fyne.NewPos(0, 0))
	icon.Resize(fyne.NewSize(im.Width, max(size.Height, th)))
}

func (l *bannerLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	icon, text, buttons := objs[0].MinSize(), objs[1].MinSize(), objs[2].MinSize()
	pad := theme.Padding()
	if l.side(icon, buttons, l.width) {
		return fyne.NewSize(icon.Width+text.Width+buttons.Width+2*pad, max(icon.Height, text.Height, buttons.Height))
	}
	return fyne.NewSize(icon.Width+pad+max(text.Width, buttons.Width), max(icon.Height, text.Height+pad+buttons.Height))
}

// topLayout puts the offline banner (and the outbox panel while no window
// hosts it) above the console, and the console under it in the room left:
// its minimum is the console's alone, so the banner appearing never makes
// the window grow (it grew by its height, and Fyne never shrinks a window
// back, seen under Xvfb with the hub stopped). The first object is the
// top, the second the console; laid out as container.NewBorder did.
type topLayout struct{}

func (topLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	top, content := objs[0], objs[1]
	pad := theme.Padding()
	top.Move(fyne.NewPos(0, 0))
	top.Resize(fyne.NewSize(size.Width, top.MinSize().Height))
	th := top.MinSize().Height // wrapped text: measured at this width
	top.Resize(fyne.NewSize(size.Width, th))
	// The console gets the rest, less than its minimum in a window too
	// small for both: its panes scroll then.
	y := th + pad
	content.Move(fyne.NewPos(0, y))
	content.Resize(fyne.NewSize(size.Width, size.Height-y))
}

func (topLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	return objs[1].MinSize().AddWidthHeight(0, theme.Padding())
}
