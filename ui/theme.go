package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Theme is Fyne's default theme with text colours that stay readable: in
// the default light theme low-importance text (metadata, note headers) is
// #e3e3e3 on white and warnings are orange on white; in dark, low text is
// #39393a on near black. Variant "light" or "dark" fixes the variant; ""
// follows the system.
type Theme struct{ Variant string }

// NewTheme makes the console's theme.
func NewTheme(variant string) fyne.Theme { return &Theme{Variant: variant} }

var (
	lightText = map[fyne.ThemeColorName]color.Color{
		theme.ColorNameForeground:  color.NRGBA{R: 0x22, G: 0x22, B: 0x22, A: 0xff},
		theme.ColorNameDisabled:    color.NRGBA{R: 0x6a, G: 0x6a, B: 0x6a, A: 0xff}, // 5.4:1 on white
		theme.ColorNamePlaceHolder: color.NRGBA{R: 0x75, G: 0x75, B: 0x75, A: 0xff},
		theme.ColorNameWarning:     color.NRGBA{R: 0xa8, G: 0x52, B: 0x00, A: 0xff}, // 5.3:1
		theme.ColorNameSuccess:     color.NRGBA{R: 0x1b, G: 0x7a, B: 0x2e, A: 0xff},
		theme.ColorNameError:       color.NRGBA{R: 0xc6, G: 0x28, B: 0x28, A: 0xff},
		theme.ColorNamePrimary:     color.NRGBA{R: 0x15, G: 0x65, B: 0xc0, A: 0xff},
	}
	darkText = map[fyne.ThemeColorName]color.Color{
		theme.ColorNameDisabled:    color.NRGBA{R: 0x9e, G: 0x9e, B: 0x9e, A: 0xff}, // 7:1 on #171717
		theme.ColorNamePlaceHolder: color.NRGBA{R: 0x90, G: 0x90, B: 0x90, A: 0xff},
		theme.ColorNameWarning:     color.NRGBA{R: 0xff, G: 0xb3, B: 0x4d, A: 0xff},
	}
)

func (t *Theme) variant(v fyne.ThemeVariant) fyne.ThemeVariant {
	switch t.Variant {
	case "light":
		return theme.VariantLight
	case "dark":
		return theme.VariantDark
	}
	return v
}

// Color implements fyne.Theme.
func (t *Theme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	v = t.variant(v)
	over := darkText
	if v == theme.VariantLight {
		over = lightText
	}
	if c, ok := over[n]; ok {
		return c
	}
	return theme.DefaultTheme().Color(n, v)
}

// Font implements fyne.Theme.
func (t *Theme) Font(s fyne.TextStyle) fyne.Resource { return theme.DefaultTheme().Font(s) }

// Icon implements fyne.Theme.
func (t *Theme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

// Size implements fyne.Theme.
func (t *Theme) Size(n fyne.ThemeSizeName) float32 { return theme.DefaultTheme().Size(n) }
