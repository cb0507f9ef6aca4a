package main

import (
	"fmt"
	"image/png"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"switchboard/app"
	"switchboard/model"
	"switchboard/sync/hub"
)

// --token-file takes the token from a file, so that it is not on the
// command line for ps to show (issue 9, point 12).
func TestTokenFromFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tok := "sb_" + strings.Repeat("x", 43)
	if got, err := tokenFromFile(write("ok", tok+"\n")); err != nil || got != tok {
		t.Errorf("a token file with its newline: %q, %v", got, err)
	}
	for name, content := range map[string]string{
		"empty": " \n",
		"two":   tok + "\n" + tok + "\n",
		"big":   strings.Repeat("x", maxTokenFile+1),
	} {
		if got, err := tokenFromFile(write(name, content)); err == nil {
			t.Errorf("%s file: token %q, no error", name, got)
		}
	}
	if _, err := tokenFromFile(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing file: no error")
	}
}

// The window fits the screen at scale 2 and comes back where it was, moved
// onto the screen when it would be off it.
func TestWindowFitsAndComesBack(t *testing.T) {
	big := &app.WindowState{Width: 1400, Height: 860, X: 3000, Y: -40}
	if s := windowSize(big, 2); s.Width*2 > Screen.Width || s.Height*2 > Screen.Height {
		t.Errorf("at scale 2 the window is %v units: more than the screen", s)
	}
	if s := windowSize(&app.WindowState{Width: 900, Height: 600}, 1); s.Width != 900 || s.Height != 600 {
		t.Errorf("remembered size not kept: %v", s)
	}
	x, y, ok := windowPos(big, 2)
	s := windowSize(big, 2)
	if !ok || x < 0 || y < 0 || float32(x)+s.Width*2 > Screen.Width || float32(y)+s.Height*2 > Screen.Height {
		t.Errorf("position %d,%d (%v) puts the window off the screen", x, y, ok)
	}
	if x, y, ok := windowPos(&app.WindowState{Width: 900, Height: 600, X: 120, Y: 80}, 1); !ok || x != 120 || y != 80 {
		t.Errorf("remembered position %d,%d (%v), want 120,80", x, y, ok)
	}
	if _, _, ok := windowPos(&app.WindowState{Width: 900, Height: 600}, 1); ok {
		t.Error("no remembered position, yet one to request")
	}
}

// The window's scale is FYNE_SCALE's when it is set: Fyne's stored
// preference said 1 under FYNE_SCALE=2, and the window opened at 2800×1720
// pixels on a 1600×1000 screen.
func TestUIScaleFollowsFyneScale(t *testing.T) {
	for _, c := range []struct {
		env  string
		pref float32
		want float32
	}{{"2", 1, 2}, {"1.5", 0, 1.5}, {"", 1.25, 1.25}, {"auto", 0, 1}, {"", 0, 1}, {"x", 2, 2}} {
		if got := uiScale(c.env, c.pref); got != c.want {
			t.Errorf("uiScale(%q, %v) = %v, want %v", c.env, c.pref, got, c.want)
		}
	}
	if s := windowSize(nil, uiScale("2", 1)); s.Width*2 > Screen.Width || s.Height*2 > Screen.Height {
		t.Errorf("FYNE_SCALE=2: the window is %v units, more than the screen", s)
	}
	// ... and takes the screen but for the panels' and title bar's pixels.
	if s := windowSize(nil, 2); s.Width*2 < Screen.Width-80 || s.Height*2 < Screen.Height-120 {
		t.Errorf("FYNE_SCALE=2: the window is %v units, %v pixels: less of the screen than it has", s, s.Width*2)
	}
	if s := windowSize(nil, 1); s != fyne.NewSize(1400, 860) {
		t.Errorf("at scale 1 the window opens at %v, want 1400×860", s)
	}
}

// captureHub serves a hub on loopback with n cases in it.
func captureHub(t *testing.T, n int) (*hub.Hub, string) {
	t.Helper()
	l, err := hub.OpenBoltLog(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	h, err := hub.New(l, hub.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := hub.NewServer(h, hub.Timing{HelloWait: 2 * time.Second, WriteWait: 2 * time.Second, PongWait: time.Minute, PingEvery: 30 * time.Second})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { ts.Close(); srv.Close(); l.Close() })
	for i := range n {
		ingest(t, h, fmt.Sprintf("tw-%d", i), fmt.Sprintf("cust%d", i), fmt.Sprintf("Question number %d about my booking", i))
	}
	return h, ts.URL
}

func ingest(t *testing.T, h *hub.Hub, thread, handle, text string) string {
	in := hub.Inbound{Channel: model.ChannelTwitter, ThreadRef: thread, PlatformID: thread, Public: true, Time: time.Now().UTC(),
		Author: model.Identity{Platform: model.ChannelTwitter, Handle: handle, DisplayName: "Customer " + handle}, Text: text}
	id, _, err := h.Ingest(in)
	if err != nil {
		t.Error(err)
	}
	return id
}

// --capture --capture-select on a fresh cache waits until the queue lists
// the case, and captures it open: it waited a fixed 300 ms after the sync
// and captured the queue with no case open when the case came later (a
// console's first sync from a busy hub). Here the case reaches the hub a
// second after the console's sync.
func TestCaptureWaitsForTheCaseToSelect(t *testing.T) {
	h, url := captureHub(t, 20)
	core, err := app.Open(t.TempDir()) // fresh: nothing cached
	if err != nil {
		t.Fatal(err)
	}
	defer core.Close()
	late := make(chan string, 1)
	go func() {
		<-core.Synced()
		time.Sleep(time.Second)
		late <- ingest(t, h, "tw-late", "late_lena", "My suitcase never arrived in Lisbon")
	}()
	file := filepath.Join(t.TempDir(), "case.png")
	start := time.Now()
	opened, err := capture(core, app.Settings{}, url, "", file, "suitcase never arrived", 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if want := <-late; opened != want {
		t.Errorf("the capture showed case %q open, want %q (late_lena's)", opened, want)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("captured after %s: before the case came", d)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Errorf("the capture is no PNG: %v", err)
	}
}

// A case that never comes fails the capture with an error that says what
// it looked for, once --capture-wait is over; nothing is written.
func TestCaptureFailsWhenTheCaseNeverComes(t *testing.T) {
	_, url := captureHub(t, 5)
	core, err := app.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer core.Close()
	file := filepath.Join(t.TempDir(), "none.png")
	start := time.Now()
	err = captureWindow(core, app.Settings{}, url, "", file, "no such customer", 2*time.Second)
	if err == nil || !strings.Contains(err.Error(), `"no such customer"`) || !strings.Contains(err.Error(), "5 cases cached") {
		t.Errorf("capture of a case that never comes: %v", err)
	}
	if d := time.Since(start); d < 2*time.Second || d > 15*time.Second {
		t.Errorf("it failed after %s, want --capture-wait (2s) after the sync", d)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("a capture was written: %v", err)
	}
}
