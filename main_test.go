package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"

	"switchboard/app"
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
