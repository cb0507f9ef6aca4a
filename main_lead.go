package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"os"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"switchboard/app"
	"switchboard/ui"
)

// The team lead's board (issue 11): a window of its own in a lead's
// console, and SLA escalation notifications in every console.

var captureLead = flag.String("capture-lead", "", "render the team lead's board (needs a lead's token) to this PNG once the initial sync is done, then exit")

// reportTLS is the TLS of the reports client: the --ca file's, as the
// websocket dialer has it.
func reportTLS(ca string) (*tls.Config, error) {
	if ca == "" {
		return nil, nil
	}
	d, err := app.HubDialer(ca)
	if err != nil {
		return nil, err
	}
	return d.TLSClientConfig, nil
}

// startLead starts the escalation notifications, the agent's own
// figures (menu Figures, key f; the last ones kept in dir) and, in a
// lead's console, the board window; clicking a case there opens it in w.
func startLead(ctx context.Context, a fyne.App, core *app.Core, console *ui.Console, w fyne.Window, hubURL, token, ca, dir string, settings func() app.Settings) {
	esc := ui.NewEscalator(core, func() app.Escalate {
		s := settings()
		if s.Mute {
			return app.Escalate{}
		}
		return s.Escalation()
	})
	esc.Start(ctx)
	tlsConf, err := reportTLS(ca)
	if err != nil {
		fmt.Fprintln(os.Stderr, "switchboard: lead view:", err)
		return
	}
	rc, err := app.NewReportClient(hubURL, token, tlsConf)
	if err != nil {
		fmt.Fprintln(os.Stderr, "switchboard: lead view:", err)
		return
	}
	// Every agent's own figures: the "f" key and the menu.
	mine := ui.NewMyFiguresWindow(a, rc, dir) // the last figures kept in the console's folder
	console.SetMyFigures(mine.Show)
	menu := w.MainMenu()
	if menu == nil {
		menu = fyne.NewMainMenu()
	}
	menu.Items = append(menu.Items, fyne.NewMenu(ui.T("Figures"), fyne.NewMenuItem(ui.T("My figures (f)"), mine.Show)))
	w.SetMainMenu(menu)
	go func() { <-ctx.Done(); mine.Close() }()
	ui.StartLeadWindow(ctx, a, core, rc, esc, func(id string) {
		console.Locked(func() { console.Select(id) })
		w.RequestFocus()
	}, "", ui.LeadWindowFit(Screen, uiScale(os.Getenv("FYNE_SCALE"), a.Settings().Scale())))
}

// captureLeadView renders the lead's board with the software painter
// once the first sync is done and the hub's figures are in.
func captureLeadView(core *app.Core, settings app.Settings, hubURL, token, ca, file string, wait time.Duration) error {
	a := test.NewApp()
	a.Settings().SetTheme(ui.NewTheme(settings.Theme))
	tlsConf, err := reportTLS(ca)
	if err != nil {
		return err
	}
	rc, err := app.NewReportClient(hubURL, token, tlsConf)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := core.Start(ctx, hubURL, token)
	defer func() { cancel(); <-done }()
	select {
	case <-core.Synced():
	case <-time.After(wait):
		return fmt.Errorf("capture: no sync with %s within %s: %s", hubURL, wait, core.Status().Err)
	}
	if !core.Lead() {
		return fmt.Errorf("capture-lead: this token is an agent's; the board is a lead's")
	}
	// Let the coalesced change notification reach the index.
	time.Sleep(300 * time.Millisecond)
	v := ui.NewLeadView(core, rc, nil)
	w := test.NewWindow(v.Content())
	defer w.Close()
	v.SetWindow(w)
	// At the size the board's window opens at: with FYNE_SCALE=2 the
	// 760×440 units of a 1600×1000 screen (drawn at scale 1).
	w.Resize(ui.LeadWindowFit(Screen, uiScale(os.Getenv("FYNE_SCALE"), 1)))
	v.Start()
	defer v.Stop()
	v.Wait()
	v.Locked(func() { err = writeCapture(w, file) })
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "capture: wrote %s (the lead's board, %d cases)\n", file, core.Count())
	return nil
}
