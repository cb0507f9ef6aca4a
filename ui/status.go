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
	line     *fyne.Container // the state and the flashed message (stateLine)
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
	s.line = container.New(stateLine{}, s.state, s.flash)
	bar := container.NewBorder(nil, nil, dot, container.NewHBox(s.pending, container.NewCenter(prog), s.counts, s.help, s.settings), s.line)
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
		if st.SnapshotCases > 0 {
			// A snapshot: the hub's state, case by case, before any event.
			text = T("Syncing: {{.N}} cases of the hub's state received", "N", Number(st.SnapshotCases))
		}
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
	if st.State == client.StateSyncing && st.SnapshotCases == 0 {
		s.progress.SetValue(st.Progress())
		s.progress.Show()
	} else {
		s.progress.Hide()
	}
	was := s.state.Text
	s.state.SetText(text)
	if s.flash.Text != "" && time.Since(s.flashAt) > FlashFor {
		s.flash.SetText("")
	}
	// "Reconnecting…" (R) no longer applies once online: it stood its
	// whole flash time beside "Online".
	if st.State == client.StateOnline && s.flash.Text == T("Reconnecting…") {
		s.flash.SetText("")
	}
	if was != text {
		s.relayout()
	}
	s.dot.FillColor = dot
	s.dot.Refresh()
	s.counts.SetText(T("{{.N}} cases cached", "N", Number(cases)) + " · " + Number(int(st.Cursor)) + " / " + Number(int(max(st.Head, st.Cursor))))
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

// Flash shows an error from a background action, in red.
// It goes after FlashFor, at the next Set.
func (s *StatusBar) Flash(msg string) { s.show(msg, widget.DangerImportance) }

// Info shows what an action did (snoozed until …, view saved), in the
// text colour: a success in the red of errors read as one. It goes as
// Flash does.
func (s *StatusBar) Info(msg string) { s.show(msg, widget.MediumImportance) }

func (s *StatusBar) show(msg string, imp widget.Importance) {
	s.flash.Importance = imp
	s.flash.SetText(msg)
	s.flashAt = time.Now()
	s.relayout()
}

// relayout shares the middle anew between the state and the message: the
// labels' minimum sizes do not change with their text, so their container
// would not.
func (s *StatusBar) relayout() {
	if s.line != nil {
		s.line.Layout.Layout(s.line.Objects, s.line.Size())
	}
}

// FlashIsError says whether the flashed message shows as an error.
func (s *StatusBar) FlashIsError() bool { return s.flash.Importance == widget.DangerImportance }

// stateLine lays out the connection state and the flashed message side
// by side in the status bar's middle: the state as wide as its text (or
// the room), the message the rest, each cut with an ellipsis only when
// the room runs out. The message sat in the bar's right-hand box, where a
// truncating label is given its minimum width — one "…" — so no flashed
// message could ever be read.
type stateLine struct{}

func (stateLine) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var sz fyne.Size
	for _, o := range objs {
		m := o.MinSize()
		sz = fyne.NewSize(sz.Width+m.Width, max(sz.Height, m.Height))
	}
	return sz
}

func (stateLine) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	state, msg := objs[0].(*widget.Label), objs[1].(*widget.Label)
	want := func(l *widget.Label) float32 {
		if l.Text == "" {
			return 0
		}
		// The width the label takes uncut (its own MinSize is the
		// ellipsis'), and a little: at exactly that width Fyne cuts the
		// last letters. Laid out only when a text changes.
		return widget.NewLabelWithStyle(l.Text, l.Alignment, l.TextStyle).MinSize().Width + theme.Padding()
	}
	sw := min(want(state), size.Width)
	if mw := want(msg); mw > 0 && sw+mw > size.Width {
		// Both cut: the state keeps at least half the room.
		sw = min(sw, max(size.Width/2, size.Width-mw))
	}
	state.Move(fyne.NewPos(0, 0))
	state.Resize(fyne.NewSize(sw, size.Height))
	msg.Move(fyne.NewPos(sw, 0))
	msg.Resize(fyne.NewSize(max(size.Width-sw, 0), size.Height))
}

// FlashFor is how long a flashed message stays.
const FlashFor = 10 * time.Second

// FlashText is the flashed message, for tests.
func (s *StatusBar) FlashText() string { return s.flash.Text }

// PendingText is the pending-actions note, for tests.
func (s *StatusBar) PendingText() string { return s.pending.Text }
