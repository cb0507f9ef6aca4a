package ui

import (
	"fmt"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"switchboard/sync/client"
)

// StatusBar shows the connection: online, offline with the next retry, or
// syncing with progress and counts.
type StatusBar struct {
	widget.BaseWidget
	dot      *canvas.Circle
	state    *widget.Label
	progress *widget.ProgressBar
	counts   *widget.Label
	pending  *widget.Label
	flash    *widget.Label
}

// NewStatusBar makes a status bar.
func NewStatusBar() *StatusBar {
	s := &StatusBar{
		dot:      canvas.NewCircle(color.Gray{Y: 0x80}),
		state:    widget.NewLabel(""),
		progress: widget.NewProgressBar(),
		counts:   widget.NewLabel(""),
		pending:  widget.NewLabel(""),
		flash:    widget.NewLabel(""),
	}
	s.pending.Importance = widget.WarningImportance
	s.flash.Importance = widget.DangerImportance
	s.flash.Truncation = fyne.TextTruncateEllipsis
	s.state.Truncation = fyne.TextTruncateEllipsis
	s.counts.Importance = widget.LowImportance
	s.progress.Hide()
	s.ExtendBaseWidget(s)
	return s
}

// CreateRenderer implements fyne.Widget.
func (s *StatusBar) CreateRenderer() fyne.WidgetRenderer {
	dot := container.NewCenter(container.NewGridWrap(fyne.NewSquareSize(12), s.dot))
	prog := container.NewGridWrap(fyne.NewSize(180, s.progress.MinSize().Height), s.progress)
	bar := container.NewBorder(nil, nil, dot, container.NewHBox(s.flash, s.pending, container.NewCenter(prog), s.counts), s.state)
	return widget.NewSimpleRenderer(container.NewVBox(widget.NewSeparator(), bar))
}

// Set shows a status; cases is the number of cached cases.
func (s *StatusBar) Set(st client.Status, cases int) {
	var text string
	var dot color.Color
	switch st.State {
	case client.StateOnline:
		text, dot = "Online", color.NRGBA{R: 0x43, G: 0xA0, B: 0x47, A: 0xFF}
	case client.StateSyncing:
		text = fmt.Sprintf("Syncing: %d of %d events", st.Cursor-st.From, st.Head-st.From)
		dot = color.NRGBA{R: 0xFB, G: 0x8C, B: 0x00, A: 0xFF}
	case client.StateConnecting:
		text, dot = "Connecting to the hub…", color.NRGBA{R: 0xFB, G: 0x8C, B: 0x00, A: 0xFF}
	default:
		text, dot = "Offline: working from the local cache", color.NRGBA{R: 0xE5, G: 0x39, B: 0x35, A: 0xFF}
		if !st.NextRetry.IsZero() {
			if d := time.Until(st.NextRetry).Round(time.Second); d >= time.Second {
				text += fmt.Sprintf(" · retrying in %s", d)
			} else {
				text += " · retrying now"
			}
		}
		if st.Err != "" {
			text += " · " + st.Err
		}
	}
	if st.State == client.StateSyncing {
		s.progress.SetValue(st.Progress())
		s.progress.Show()
	} else {
		s.progress.Hide()
	}
	s.state.SetText(text)
	s.dot.FillColor = dot
	s.dot.Refresh()
	s.counts.SetText(fmt.Sprintf("%d cases cached · cursor %d / %d", cases, st.Cursor, max(st.Head, st.Cursor)))
}

// Text is the state line, for tests.
func (s *StatusBar) Text() string { return s.state.Text }

// SetPending shows how many of the agent's actions wait for the hub.
func (s *StatusBar) SetPending(n int) {
	switch n {
	case 0:
		s.pending.SetText("")
	case 1:
		s.pending.SetText("1 action waiting for the hub")
	default:
		s.pending.SetText(fmt.Sprintf("%d actions waiting for the hub", n))
	}
}

// Flash shows an error from a background action.
func (s *StatusBar) Flash(msg string) { s.flash.SetText(msg) }

// PendingText is the pending-actions note, for tests.
func (s *StatusBar) PendingText() string { return s.pending.Text }
