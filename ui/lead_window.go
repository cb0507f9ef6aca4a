package ui

import (
	"context"

	"fyne.io/fyne/v2"

	"switchboard/app"
)

// LeadCore is what the lead's window needs of the core.
type LeadCore interface {
	LeadBackend
	Synced() <-chan struct{}
	Lead() bool
}

// LeadWindowSize is the board window's first size.
var LeadWindowSize = fyne.NewSize(1440, 900)

// LeadWindowFit is the board window's first size on a screen of screen
// pixels at the UI scale: LeadWindowSize, or less when the screen does not
// hold it (at FYNE_SCALE=2 a 1600×1000 screen holds 760×440 units), with
// room for the desktop's panels and the title bar as the console's window.
func LeadWindowFit(screen fyne.Size, scale float32) fyne.Size {
	if scale <= 0 {
		scale = 1
	}
	return fyne.NewSize(min(LeadWindowSize.Width, (screen.Width-80)/scale), min(LeadWindowSize.Height, (screen.Height-120)/scale))
}

// StartLeadWindow waits for the first sync; a lead's console then opens
// the board in a window of its own (an agent's never does), marks the
// cases esc tells of, and stops the board when ctx ends. open opens a
// case in the console's main window; size is the window's first size
// (LeadWindowFit).
func StartLeadWindow(ctx context.Context, a fyne.App, core LeadCore, rep Reports, esc *Escalator, open func(id string), exportDir string, size fyne.Size) {
	go func() {
		select {
		case <-ctx.Done():
			return
		case <-core.Synced():
		}
		if !core.Lead() {
			return
		}
		fyne.Do(func() {
			v := NewLeadView(core, rep, open)
			v.SetExportDir(exportDir)
			w := a.NewWindow(T("Switchboard — team lead"))
			v.SetWindow(w)
			w.SetContent(LeadContent(v, rep, exportDir)) // the board and its Community tab (lead_community.go)
			w.Resize(size)
			if esc != nil {
				esc.OnEscalation(func(es []app.Escalation) { v.Escalated(es) })
			}
			w.SetOnClosed(func() { go v.Stop() })
			go func() { <-ctx.Done(); v.Stop() }()
			v.Start()
			w.Show()
		})
	}()
}
