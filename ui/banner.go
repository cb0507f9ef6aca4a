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
	})
	b.toggle.Importance = widget.LowImportance
	b.reconnect = widget.NewButtonWithIcon(T("Reconnect now"), theme.ViewRefreshIcon(), reconnect)
	b.reconnect.Importance = widget.HighImportance
	b.review = widget.NewButtonWithIcon(T("Review waiting actions"), theme.ListIcon(), review)
	text := container.NewVBox(b.title, b.line, b.details)
	buttons := container.NewHBox(b.review, b.toggle, b.reconnect)
	b.body = container.NewStack(b.bg, container.NewPadded(container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), container.NewVBox(buttons), text)))
	b.ExtendBaseWidget(b)
	b.Hide()
	return b
}

// CreateRenderer implements fyne.Widget.
func (b *Banner) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(b.body) }

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
		b.Hide()
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
