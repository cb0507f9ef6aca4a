package ui

import (
	"fmt"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
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
	settings *widget.Button
	help     *widget.Button
	flashAt  time.Time
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
	s.settings = widget.NewButtonWithIcon("", theme.SettingsIcon(), nil)
	s.settings.Importance = widget.LowImportance
	s.settings.Hide()
	s.help = widget.NewButton("?", nil)
	s.help.Importance = widget.LowImportance
	s.help.Hide()
	s.ExtendBaseWidget(s)
	return s
}

// CreateRenderer implements fyne.Widget.
func (s *StatusBar) CreateRenderer() fyne.WidgetRenderer {
	dot := container.NewCenter(container.NewGridWrap(fyne.NewSquareSize(12), s.dot))
	prog := container.NewGridWrap(fyne.NewSize(180, s.progress.MinSize().Height), s.progress)
	bar := container.NewBorder(nil, nil, dot, container.NewHBox(s.flash, s.pending, container.NewCenter(prog), s.counts, s.help, s.settings), s.state)
	return widget.NewSimpleRenderer(container.NewVBox(widget.NewSeparator(), bar))
}

// Set shows a status; cases is the number of cached cases.
func (s *StatusBar) Set(st client.Status, cases int) {
	var text string
	var dot color.Color
	switch st.State {
	case client.StateOnline:
		text, dot = T("Online"), color.NRGBA{R: 0x43, G: 0xA0, B: 0x47, A: 0xFF}
	case client.StateSyncing:
		text = T("Syncing: {{.N}} of {{.M}} events", "N", Number(int(st.Cursor-st.From)), "M", Number(int(st.Head-st.From)))
		dot = color.NRGBA{R: 0xFB, G: 0x8C, B: 0x00, A: 0xFF}
	case client.StateConnecting:
		text, dot = T("Connecting to the hub…"), color.NRGBA{R: 0xFB, G: 0x8C, B: 0x00, A: 0xFF}
	default:
		text, dot = T("Offline: working from the local cache"), color.NRGBA{R: 0xE5, G: 0x39, B: 0x35, A: 0xFF}
		if !st.NextRetry.IsZero() {
			if d := time.Until(st.NextRetry).Round(time.Second); d >= time.Second {
				text += " · " + T("retrying in {{.S}} s", "S", int(d/time.Second))
			} else {
				text += " · " + T("retrying now")
			}
		}
		// The raw error is behind the banner's details toggle.
	}
	if st.State == client.StateSyncing {
		s.progress.SetValue(st.Progress())
		s.progress.Show()
	} else {
		s.progress.Hide()
	}
	s.state.SetText(text)
	if s.flash.Text != "" && time.Since(s.flashAt) > FlashFor {
		s.flash.SetText("")
	}
	s.dot.FillColor = dot
	s.dot.Refresh()
	s.counts.SetText(T("{{.N}} cases cached", "N", Number(cases)) + fmt.Sprintf(" · %d / %d", st.Cursor, max(st.Head, st.Cursor)))
}

// Text is the state line, for tests.
func (s *StatusBar) Text() string { return s.state.Text }

// SetPending shows how many of the agent's actions wait for the hub.
func (s *StatusBar) SetPending(n int) {
	switch n {
	case 0:
		s.pending.SetText("")
	case 1:
		s.pending.SetText(T("1 action waiting for the hub"))
	default:
		s.pending.SetText(T("{{.N}} actions waiting for the hub", "N", Number(n)))
	}
}

// Flash shows an error from a background action.
// It goes after FlashFor, at the next Set.
func (s *StatusBar) Flash(msg string) { s.flash.SetText(msg); s.flashAt = time.Now() }

// FlashFor is how long a flashed message stays.
const FlashFor = 10 * time.Second

// FlashText is the flashed message, for tests.
func (s *StatusBar) FlashText() string { return s.flash.Text }

// PendingText is the pending-actions note, for tests.
func (s *StatusBar) PendingText() string { return s.pending.Text }
