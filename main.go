// Command switchboard is the agent's console. See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"switchboard/app"
	"switchboard/assets"
	"switchboard/ui"
)

func main() {
	hubURL := flag.String("hub", "ws://127.0.0.1:8750", "the hub's base URL (ws://, wss://); /v1/sync is appended. Several, comma-separated: hubs of one team, tried in turn (docs/scale.md)")
	// No env default: -h would print the token.
	token := flag.String("token", "", "bearer token for the hub (else --token-file, $SWITCHBOARD_TOKEN, the config file); saved to DIR/config.json; visible in ps: prefer --token-file")
	tokenFile := flag.String("token-file", "", "read the bearer token from FILE (its one line, trimmed), out of sight of ps; saved to DIR/config.json")
	ca := flag.String("ca", "", "PEM file of a CA to trust for a wss:// hub (a self-signed hub certificate)")
	data := flag.String("data", "", "folder of the local cache (default: the user config folder)")
	capture := flag.String("capture", "", "render the main window to this PNG once the initial sync is done, then exit")
	wait := flag.Duration("capture-wait", 30*time.Second, "with --capture: how long to wait for the initial sync, then for the case of --capture-select")
	pick := flag.String("capture-select", "", "with --capture: open the first case whose author, handle or text contains this")
	langFlag := flag.String("lang", "", "language of the console: en or de (default: the settings, else the system's)")
	themeFlag := flag.String("theme", "", "light or dark (default: the settings, else the system's)")
	flag.Parse()

	fixLocale()
	dir := *data
	if dir == "" {
		cfg, err := os.UserConfigDir()
		if err != nil {
			fail(fmt.Errorf("no --data and no user config folder: %w", err))
		}
		dir = filepath.Join(cfg, "switchboard")
	}
	core, err := app.Open(dir)
	if err != nil {
		fail(err)
	}
	closeCore := sync.OnceValue(core.Close) // main's end, or quitGuard's
	defer closeCore()
	given := *token
	if *tokenFile != "" {
		if given != "" {
			fail(errors.New("--token and --token-file: give one of them"))
		}
		if given, err = tokenFromFile(*tokenFile); err != nil {
			fail(err)
		}
	}
	tok, err := app.ResolveToken(dir, given, os.Getenv("SWITCHBOARD_TOKEN"))
	if err != nil {
		fail(err)
	}
	if *ca != "" {
		d, err := app.HubDialer(*ca)
		if err != nil {
			fail(err)
		}
		core.SetDialer(d)
	}

	settings, err := app.LoadSettings(dir)
	if err != nil {
		fail(err)
	}
	if *langFlag != "" {
		settings.Language = *langFlag
	}
	if *themeFlag != "" {
		settings.Theme = *themeFlag
	}
	ui.SetLanguage(settings.Language)
	core.SetUndoWindow(settings.Undo())

	if *captureLead != "" {
		if err := captureLeadView(core, settings, *hubURL, tok, *ca, *captureLead, *wait); err != nil {
			fail(err)
		}
		return
	}
	if *captureListening != "" {
		if err := captureListeningView(core, settings, *hubURL, tok, *captureListening, *wait); err != nil {
			fail(err)
		}
		return
	}
	if *capture != "" {
		if err := captureWindow(core, settings, *hubURL, tok, *capture, *pick, *wait); err != nil {
			fail(err)
		}
		return
	}
	if runtime.GOOS == "linux" && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		fail(errors.New("no display: set DISPLAY, run `make run XVFB=1` to use a virtual one, or use --capture FILE.png"))
	}

	a := fyneapp.NewWithID("com.switchboard.console")
	a.SetIcon(assets.AppIcon)
	a.Settings().SetTheme(ui.NewTheme(settings.Theme))
	w := a.NewWindow("Switchboard")
	console := ui.New(core)
	console.SetCanned(settings.Canned)
	console.SetMute(settings.Mute)
	// Snoozes an older console kept in its folder become snooze ops, once.
	if _, err := core.MigrateSnoozes(dir); err != nil {
		fmt.Fprintln(os.Stderr, "switchboard:", err)
	}
	w.SetContent(console.Content())
	scale := uiScale(os.Getenv("FYNE_SCALE"), a.Settings().Scale())
	w.Resize(windowSize(settings.Window, scale))
	if x, y, ok := windowPos(settings.Window, scale); ok {
		if dw, ok := w.(desktop.Window); ok {
			dw.RequestPosition(x, y)
		}
	}
	restoreSplits(console, settings.Window)
	console.InstallKeys(w)
	communityMenu(a, w, core, console, *hubURL, tok, *ca) // main_community.go
	console.OnTitle(w.SetTitle)
	var setMu sync.Mutex
	console.OnSettings(func() app.Settings {
		setMu.Lock()
		defer setMu.Unlock()
		return settings
	}, func(s app.Settings) {
		setMu.Lock()
		s.Window = settings.Window
		settings = s
		setMu.Unlock()
		core.SetUndoWindow(s.Undo())
		go func() {
			if err := app.SaveSettings(dir, s); err != nil {
				fmt.Fprintln(os.Stderr, "switchboard:", err)
			}
		}()
	})

	ctx, cancel := context.WithCancel(context.Background())
	done := core.Start(ctx, *hubURL, tok)
	go tick(ctx, console)
	startLead(ctx, a, core, console, w, *hubURL, tok, *ca, dir, func() app.Settings {
		setMu.Lock()
		defer setMu.Unlock()
		return settings
	})
	var kept atomic.Bool // the window's state is saved
	var keepMu sync.Mutex
	keep := func() {
		keepMu.Lock()
		defer keepMu.Unlock()
		if kept.Load() {
			return
		}
		// Remember the window's size and split offsets for the next start.
		console.Locked(func() { settings.Window = windowState(w, console, scale) })
		if err := saveWindow(dir, settings.Window); err != nil {
			fmt.Fprintln(os.Stderr, "switchboard:", err)
		}
		kept.Store(true)
	}
	var finished sync.Once
	finish := func(onUI func(func())) {
		finished.Do(func() {
			// SIGTERM or SIGINT (a logout, kill, Ctrl+C in the terminal):
			// Fyne quits without the close intercept, and the size,
			// position and splits were lost (seen under Xvfb: kill,
			// restart, the default window). The window's fields still
			// hold them here.
			if !kept.Load() {
				onUI(keep)
			}
			cancel()
			<-done
		})
	}
	guard := quitGuard(func() {
		finish(func(keep func()) {
			// On the UI goroutine while its loop runs (once it has
			// drained its queue Fyne runs it here). Not DoAndWait: a
			// loop that ends meanwhile drops what was queued, and the
			// wait never ends.
			ran := make(chan struct{})
			fyne.Do(func() { keep(); close(ran) })
			select {
			case <-ran:
			case <-time.After(quitWait / 2):
				keep()
			}
		})
		closeCore()
	})
	w.SetCloseIntercept(func() {
		keep()
		guard()
		w.Close()
	})
	w.SetOnClosed(func() { guard(); cancel() })
	w.ShowAndRun()
	finish(func(f func()) { f() })
}

// quitWait is how long Fyne's loop may take to end once quitting began
// (it takes 0.1-0.3 s when all is well; see quitGuard).
const quitWait = 500 * time.Millisecond

// quitGuard ends the process quitWait after the returned function is first
// called (the window closed) or a SIGTERM or SIGINT came, if Fyne's run
// loop has not returned by then; end does main's work after it (save the
// window, stop the sync, close the cache) first. Fyne's loop can wait for
// good at its end: the lifecycle's stop hook is queued for the UI
// goroutine while that goroutine drains its queue for the last time, and
// when the hook arrives after the drain nothing runs it and the process
// hangs in ShowAndRun (seen under load with the settings open, closed by
// the window manager or SIGTERM: alive a minute later, main in
// WaitForEvents, the event goroutine in runOnMainWithWait). A loop that is
// only slow to end ends here as well as in main: the same work, once.
func quitGuard(end func()) func() {
	var once sync.Once
	start := func() {
		once.Do(func() {
			time.AfterFunc(quitWait, func() {
				fmt.Fprintf(os.Stderr, "switchboard: the window's loop did not end within %s of quitting; ending here\n", quitWait)
				end()
				os.Exit(0)
			})
		})
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sig
		start()
	}()
	return start
}

// tick refreshes relative ages and the retry countdown.
func tick(ctx context.Context, c *ui.Console) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fyne.Do(func() { c.Locked(c.Tick) })
		}
	}
}

// captureWindow renders the console with Fyne's software painter, which
// needs no display, after the first sync has caught up.
func captureWindow(core *app.Core, settings app.Settings, hubURL, token, file, pick string, wait time.Duration) error {
	_, err := capture(core, settings, hubURL, token, file, pick, wait)
	return err
}

// capture is captureWindow, saying which case it showed open ("" none).
func capture(core *app.Core, settings app.Settings, hubURL, token, file, pick string, wait time.Duration) (string, error) {
	a := test.NewApp()
	a.Settings().SetTheme(ui.NewTheme(settings.Theme))
	console := ui.New(core)
	console.Wait() // windowless: the queue worker hands its rows over on its own goroutine
	console.SetCanned(settings.Canned)
	w := test.NewWindow(console.Content())
	defer w.Close()
	w.Resize(windowSize(settings.Window, 1))
	restoreSplits(console, settings.Window)

	ctx, cancel := context.WithCancel(context.Background())
	done := core.Start(ctx, hubURL, token)
	defer func() { cancel(); <-done }()
	select {
	case <-core.Synced():
	case <-time.After(wait):
		if last := core.Status().Err; last != "" {
			return "", fmt.Errorf("capture: no sync with %s within %s: %s", hubURL, wait, last)
		}
		return "", fmt.Errorf("capture: no sync with %s within %s (is the hub running?)", hubURL, wait)
	}
	id, err := openCase(core, console, pick, wait)
	if err != nil {
		return "", err
	}
	console.Locked(func() { err = writeCapture(w, file) })
	if err != nil {
		return "", err
	}
	fmt.Fprintf(os.Stderr, "capture: wrote %s (%d cases, case %q open)\n", file, core.Count(), id)
	return id, nil
}

// captureTick is how often openCase looks at the queue.
const captureTick = 50 * time.Millisecond

// openCase opens the case to capture once the queue lists it: the first
// matching pick, or the queue's first case. It waited a fixed 300 ms after
// the sync, and a fresh cache (a console's first sync) often had not
// listed the case by then: the capture showed no case. With pick, the
// case has wait to come (a clear error if it never does); without, the
// queue's first case a few seconds at most (an empty view is captured
// empty).
func openCase(core *app.Core, console *ui.Console, pick string, wait time.Duration) (string, error) {
	start := time.Now()
	deadline := start.Add(wait)
	if pick == "" {
		deadline = start.Add(min(wait, 5*time.Second))
	}
	var id string
	for {
		console.Locked(func() {
			console.SelectFirst(pick)
			id = console.Selected()
		})
		if id != "" || pick == "" && core.Count() == 0 {
			break
		}
		if time.Now().After(deadline) {
			if pick == "" {
				return "", nil
			}
			return "", fmt.Errorf("capture: no case matching --capture-select %q within %s of the sync (%d cases cached; it matches a case's author, handle or text in the queue)",
				pick, wait, core.Count())
		}
		time.Sleep(captureTick)
	}
	if id == "" {
		return "", nil
	}
	// The case loads on a goroutine; wait for it to be shown.
	for deadline := time.Now().Add(max(time.Until(deadline), 5*time.Second)); ; time.Sleep(captureTick) {
		var shown bool
		console.Locked(func() { shown = console.Detail().Title() != "" })
		if shown {
			return id, nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("capture: case %s did not open within %s", id, time.Since(start).Round(time.Second))
		}
	}
}

// writeCapture lays out w's content again and writes its canvas to file
// as a PNG. The windowless canvas has no frame loop to redo layouts whose
// minimum sizes changed since the content was set.
func writeCapture(w fyne.Window, file string) error {
	relayout(w.Canvas().Content())
	img := w.Canvas().Capture()
	f, err := os.Create(file)
	if err == nil {
		err = png.Encode(f, img)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	return nil
}

// maxTokenFile is more than any token: a larger file is the wrong file.
const maxTokenFile = 4 << 10

// tokenFromFile reads a token kept in a file (as `make run` keeps the demo
// agent's): the file's one line, without surrounding space.
func tokenFromFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("--token-file: %w", err)
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxTokenFile+1))
	if err != nil {
		return "", fmt.Errorf("--token-file: %w", err)
	}
	tok := strings.TrimSpace(string(raw))
	switch {
	case len(raw) > maxTokenFile:
		return "", fmt.Errorf("--token-file %s: over %d bytes, not a token", path, maxTokenFile)
	case tok == "":
		return "", fmt.Errorf("--token-file %s: empty", path)
	case strings.ContainsAny(tok, " \t\r\n"):
		return "", fmt.Errorf("--token-file %s: more than one word; the file holds the token alone", path)
	}
	return tok, nil
}

// fixLocale gives Fyne a locale it can parse: under C or POSIX it would log
// errors and fall back anyway.
func fixLocale() {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		switch val := os.Getenv(v); val {
		case "":
			continue
		case "C", "POSIX", "C.UTF-8", "C.utf8":
			os.Setenv(v, "en_US.UTF-8")
		}
	}
	if os.Getenv("LANG") == "" && os.Getenv("LC_ALL") == "" {
		os.Setenv("LANG", "en_US.UTF-8")
	}
}

// uiScale is the scale Fyne's desktop driver draws at: FYNE_SCALE when it
// is a number, else the stored preference (1 when there is none).
// Settings().Scale() is only that preference: with FYNE_SCALE=2 it said 1,
// and the window opened at 1400×860 units, 2800×1720 pixels on a 1600×1000
// screen (seen under Xvfb).
func uiScale(env string, pref float32) float32 {
	if v, err := strconv.ParseFloat(env, 32); err == nil && v > 0 {
		return float32(v)
	}
	if pref > 0 {
		return pref
	}
	return 1
}

// Screen is the smallest screen the console is laid out for, in pixels.
var Screen = fyne.NewSize(1600, 1000)

// windowSize is the remembered window size, else one that fits Screen at
// the UI scale (at scale 2, 1600×1000 pixels hold 800×500 units), and never
// more than that. A size remembered at another scale keeps its pixels: it
// was taken as units, and a console closed at 785×440 units at scale 2
// opened at 785×440 pixels at scale 1, a quarter of the screen.
func windowSize(ws *app.WindowState, scale float32) fyne.Size {
	if scale <= 0 {
		scale = 1
	}
	// Room for the desktop's panels and the title bar, in pixels (it was
	// 40×80 units: 160 pixels of height lost at scale 2, a row of the queue).
	fit := fyne.NewSize((Screen.Width-80)/scale, (Screen.Height-120)/scale)
	want := fyne.NewSize(1400, 860)
	if ws != nil && ws.Width > 0 && ws.Height > 0 {
		want = fyne.NewSize(ws.Width, ws.Height)
		if ws.Scale > 0 {
			want = fyne.NewSize(ws.Width*ws.Scale/scale, ws.Height*ws.Scale/scale)
		}
	}
	return fyne.NewSize(min(want.Width, fit.Width), min(want.Height, fit.Height))
}

func restoreSplits(c *ui.Console, ws *app.WindowState) {
	if ws == nil {
		return
	}
	sp := c.Splits()
	for i, off := range []float64{ws.QueueSplit, ws.DetailSplit} {
		if i < len(sp) && off > 0.05 && off < 0.95 {
			sp[i].SetOffset(off)
		}
	}
}

// windowPos is where the window was, clamped so that at least its top
// left part is on the screen (a screen since unplugged, a scale changed
// from 1 to 2); false for none remembered.
func windowPos(ws *app.WindowState, scale float32) (int, int, bool) {
	if ws == nil || (ws.X == 0 && ws.Y == 0) {
		return 0, 0, false
	}
	if scale <= 0 {
		scale = 1
	}
	size := windowSize(ws, scale)
	maxX := int(Screen.Width - size.Width*scale)
	maxY := int(Screen.Height - size.Height*scale)
	return min(max(ws.X, 0), max(maxX, 0)), min(max(ws.Y, 0), max(maxY, 0)), true
}

// windowXY reads where the window is. Fyne can place a window
// (desktop.Window.RequestPosition) but has no call that tells where it
// is; its GLFW window keeps the position it was last moved to in xpos and
// ypos, read here by reflection (only on the UI goroutine, where Fyne
// writes them). False where the driver has no such fields.
func windowXY(w fyne.Window) (int, int, bool) {
	v := reflect.ValueOf(w)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return 0, 0, false
	}
	x, y := v.Elem().FieldByName("xpos"), v.Elem().FieldByName("ypos")
	if !x.IsValid() || !y.IsValid() || !x.CanInt() || !y.CanInt() {
		return 0, 0, false
	}
	return int(x.Int()), int(y.Int()), true
}

// windowState is the window's state to remember; scale is the UI scale
// its size is in (uiScale, as windowSize reads it back).
func windowState(w fyne.Window, c *ui.Console, scale float32) *app.WindowState {
	size := w.Canvas().Size()
	ws := &app.WindowState{Width: size.Width, Height: size.Height, Scale: scale}
	if x, y, ok := windowXY(w); ok {
		ws.X, ws.Y = x, y
	}
	if sp := c.Splits(); len(sp) >= 2 {
		ws.QueueSplit, ws.DetailSplit = sp[0].Offset, sp[1].Offset
	}
	return ws
}

// saveWindow writes the window state into the settings, rereading them
// first: the agent may have changed others meanwhile.
func saveWindow(dir string, ws *app.WindowState) error {
	s, err := app.LoadSettings(dir)
	if err != nil {
		return err
	}
	s.Window = ws
	return app.SaveSettings(dir, s)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "switchboard:", err)
	os.Exit(1)
}

// relayout lays out every container and widget again, parents first.
func relayout(o fyne.CanvasObject) {
	switch x := o.(type) {
	case *fyne.Container:
		if x.Layout != nil {
			x.Layout.Layout(x.Objects, x.Size())
		}
		for _, c := range x.Objects {
			relayout(c)
		}
	case fyne.Widget:
		r := test.WidgetRenderer(x)
		r.Layout(x.Size())
		for _, c := range r.Objects() {
			relayout(c)
		}
	}
}
