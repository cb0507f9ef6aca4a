package ui

import (
	"image/color"
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

// luminance is WCAG 2's relative luminance of an opaque colour.
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		s := float64(v) / 0xffff
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// over paints c (which may be translucent) over the opaque bg.
func over(c, bg color.Color) color.Color {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	b := color.NRGBAModel.Convert(bg).(color.NRGBA)
	a := float64(n.A) / 255
	mix := func(f, g uint8) uint8 { return uint8(math.Round(float64(f)*a + float64(g)*(1-a))) }
	return color.NRGBA{R: mix(n.R, b.R), G: mix(n.G, b.G), B: mix(n.B, b.B), A: 0xff}
}

// contrast is WCAG 2's contrast ratio of text colour fg on background bg.
func contrast(fg, bg color.Color) float64 {
	fg = over(fg, bg)
	l1, l2 := luminance(fg), luminance(bg)
	if l1 < l2 {
		l1, l2 = l2, l1
	}
	return (l1 + 0.05) / (l2 + 0.05)
}

func TestContrastFormula(t *testing.T) {
	black, white := color.NRGBA{A: 0xff}, color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
	if got := contrast(black, white); math.Abs(got-21) > 0.01 {
		t.Errorf("black on white: %.2f, want 21", got)
	}
	// Fyne's default light theme's disabled text: the low contrast this theme fixes.
	if got := contrast(color.NRGBA{R: 0xe3, G: 0xe3, B: 0xe3, A: 0xff}, white); got > 1.4 {
		t.Errorf("#e3e3e3 on white: %.2f, want about 1.3", got)
	}
}

// Every text colour the console draws is readable on every surface it is
// drawn on, in both variants: WCAG AA, 4.5:1 for body text.
func TestThemeTextContrast(t *testing.T) {
	test.NewTempApp(t)
	const aa = 4.5
	text := []fyne.ThemeColorName{theme.ColorNameForeground, theme.ColorNamePlaceHolder, theme.ColorNameDisabled,
		theme.ColorNameWarning, theme.ColorNameError, theme.ColorNameSuccess, theme.ColorNamePrimary, theme.ColorNameHyperlink}
	surfaces := []fyne.ThemeColorName{theme.ColorNameBackground, theme.ColorNameInputBackground, theme.ColorNameHeaderBackground,
		theme.ColorNameMenuBackground, theme.ColorNameOverlayBackground}
	for _, variant := range []string{"light", "dark"} {
		th := NewTheme(variant)
		v := theme.VariantLight
		if variant == "dark" {
			v = theme.VariantDark
		}
		col := func(n fyne.ThemeColorName) color.Color { return th.Color(n, v) }
		bg := col(theme.ColorNameBackground)
		check := func(what string, fg, on color.Color) {
			t.Helper()
			if r := contrast(fg, on); r < aa {
				t.Errorf("%s: %s is %.2f:1, want ≥ %.1f:1", variant, what, r, aa)
			} else {
				t.Logf("%s: %s %.2f:1", variant, what, r)
			}
		}
		for _, n := range text {
			for _, s := range surfaces {
				check(string(n)+" on "+string(s), col(n), over(col(s), bg))
			}
			// Buttons (the disabled button too) and selected or hovered rows.
			check(string(n)+" on button", col(n), over(col(theme.ColorNameButton), bg))
			check(string(n)+" on selection", col(n), over(col(theme.ColorNameSelection), bg))
			check(string(n)+" on hover", col(n), over(col(theme.ColorNameHover), over(col(theme.ColorNameButton), bg)))
		}
		check("disabled on disabled button", col(theme.ColorNameDisabled), over(col(theme.ColorNameDisabledButton), bg))
		for _, p := range []struct{ fg, on fyne.ThemeColorName }{
			{theme.ColorNameForegroundOnPrimary, theme.ColorNamePrimary},
			{theme.ColorNameForegroundOnError, theme.ColorNameError},
			{theme.ColorNameForegroundOnSuccess, theme.ColorNameSuccess},
			{theme.ColorNameForegroundOnWarning, theme.ColorNameWarning},
		} {
			check(string(p.fg)+" on "+string(p.on), col(p.fg), col(p.on))
		}
		// The outline of an unchecked radio or check box and of an entry:
		// 3:1 for the parts of a control (WCAG 1.4.11).
		for _, s := range []fyne.ThemeColorName{theme.ColorNameBackground, theme.ColorNameInputBackground} {
			if r := contrast(col(theme.ColorNameInputBorder), over(col(s), bg)); r < 3 {
				t.Errorf("%s: inputBorder on %s is %.2f:1, want ≥ 3:1", variant, s, r)
			}
		}
	}
}
