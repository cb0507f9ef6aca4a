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
	"github.com/gorilla/websocket"

	"switchboard/app"
	"switchboard/ui"
)

// Customers help customers (issue 14): the listening view of listen-only
// communities, in a window of its own from the Community menu.

var captureListening = flag.String("capture-listening", "", "render the listening view (topics per day, spikes, posts) to this PNG once the initial sync is done, then exit")

// communityMenu gives the main window a Community menu: Listening and
// helpers… opens the Community window (the listening view; for a lead also
// the community's helpers, hero of the month first); a post turned into a
// care case opens in the console.
func communityMenu(a fyne.App, w fyne.Window, core *app.Core, console *ui.Console, hubURL, token, ca string) {
	var cw fyne.Window
	open := func() {
		if cw != nil {
			cw.RequestFocus()
			return
		}
		var rep ui.Recognitions
		if core.Lead() {
			var tlsConf *tls.Config
			var err error
			if ca != "" {
				var d *websocket.Dialer
				if d, err = app.HubDialer(ca); err == nil {
					tlsConf = d.TLSClientConfig
				}
			}
			if err == nil {
				var rc *app.ReportClient
				if rc, err = app.NewReportClient(hubURL, token, tlsConf); err == nil {
					rep = rc
				}
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, "switchboard: community:", err)
			}
		}
		cw = ui.ShowCommunity(a, core, rep, func(id string) {
			console.Locked(func() { console.Select(id) })
			w.RequestFocus()
		}, func() { cw = nil })
	}
	w.SetMainMenu(fyne.NewMainMenu(fyne.NewMenu(ui.T("Community"), fyne.NewMenuItem(ui.T("Listening and helpers…"), open))))
}

// captureListeningView renders the listening view with the software
// painter once the first sync is done.
func captureListeningView(core *app.Core, settings app.Settings, hubURL, token, file string, wait time.Duration) error {
	a := test.NewApp()
	a.Settings().SetTheme(ui.NewTheme(settings.Theme))
	ctx, cancel := context.WithCancel(context.Background())
	done := core.Start(ctx, hubURL, token)
	defer func() { cancel(); <-done }()
	select {
	case <-core.Synced():
	case <-time.After(wait):
		return fmt.Errorf("capture: no sync with %s within %s: %s", hubURL, wait, core.Status().Err)
	}
	v := ui.NewListeningView(core, 14, nil)
	w := test.NewWindow(v)
	defer w.Close()
	w.Resize(fyne.NewSize(1100, 720))
	v.Load()
	if err := writeCapture(w, file); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "capture: wrote %s (the listening view, %d posts)\n", file, len(v.Items()))
	return nil
}
