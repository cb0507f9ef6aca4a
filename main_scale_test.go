package main

import (
	"encoding/json"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"switchboard/app"
	"switchboard/ui"
)

// A window size remembered at one UI scale opens at the same pixels at
// another, inside the screen: after a session at 200 % (785×440 units)
// a start at 100 % opened at 785×440 pixels, a quarter of the screen
// (walk_log item 10). The scale goes into the config with the size.
func TestWindowSizeKeepsItsPixelsAcrossScales(t *testing.T) {
	for _, c := range []struct {
		ws    app.WindowState
		scale float32
		want  fyne.Size
	}{
		{app.WindowState{Width: 760, Height: 440, Scale: 2}, 1, fyne.NewSize(1520, 880)},
		{app.WindowState{Width: 700, Height: 400, Scale: 2}, 1, fyne.NewSize(1400, 800)},
		{app.WindowState{Width: 1400, Height: 860, Scale: 1}, 2, fyne.NewSize(700, 430)},
		{app.WindowState{Width: 1520, Height: 880, Scale: 1}, 2, fyne.NewSize(760, 440)},
		{app.WindowState{Width: 900, Height: 600, Scale: 1}, 1, fyne.NewSize(900, 600)},
		{app.WindowState{Width: 900, Height: 560, Scale: 1.5}, 1.5, fyne.NewSize(900, 560)},
		{app.WindowState{Width: 1200, Height: 800, Scale: 1}, 1.5, fyne.NewSize(800, 1600.0/3)},
		// Before the scale was kept: the units, as the start's scale has them.
		{app.WindowState{Width: 900, Height: 600}, 1, fyne.NewSize(900, 600)},
	} {
		got := windowSize(&c.ws, c.scale)
		if got != c.want {
			t.Errorf("%+v at scale %v: %v, want %v", c.ws, c.scale, got, c.want)
		}
		if got.Width*c.scale > Screen.Width || got.Height*c.scale > Screen.Height {
			t.Errorf("%+v at scale %v: %v units, more than the screen", c.ws, c.scale, got)
		}
		x, y, ok := windowPos(&app.WindowState{Width: c.ws.Width, Height: c.ws.Height, Scale: c.ws.Scale, X: 1500, Y: 900}, c.scale)
		if !ok || float32(x)+got.Width*c.scale > Screen.Width || float32(y)+got.Height*c.scale > Screen.Height {
			t.Errorf("%+v at scale %v: placed at %d,%d, off the screen", c.ws, c.scale, x, y)
		}
	}
}

// What the console saves says the scale its size is in, and a start at
// another scale reads it back as the same pixels.
func TestWindowStateSavesItsScale(t *testing.T) {
	test.NewTempApp(t)
	dir := t.TempDir()
	w := test.NewWindow(nil)
	defer w.Close()
	w.Resize(fyne.NewSize(785, 440))
	core, err := app.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer core.Close()
	c := ui.New(core)
	defer c.Wait()
	var ws *app.WindowState
	c.Locked(func() { ws = windowState(w, c, 2) })
	if err := saveWindow(dir, ws); err != nil {
		t.Fatal(err)
	}
	var s app.Settings
	s, err = app.LoadSettings(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(s.Window)
	if s.Window == nil || s.Window.Scale != 2 {
		t.Fatalf("saved %s: no scale 2", b)
	}
	if got := windowSize(s.Window, 1); got != fyne.NewSize(1520, 880) {
		t.Errorf("saved %s, at scale 1 the window is %v: want 1520×880 (785×440 units at 2 are 1570×880 pixels, inside the screen)", b, got)
	}
	if got := windowSize(s.Window, 2); got != fyne.NewSize(760, 440) {
		t.Errorf("saved %s, at scale 2 again the window is %v: want 760×440 (the screen's room)", b, got)
	}
}
