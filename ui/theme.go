package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Theme is Fyne's default theme with colours that stay readable. In Fyne's
// default light theme low-importance text (metadata, note headers, disabled
// buttons) is #e3e3e3 on white, warnings are orange on white and the
// outline of an unchecked radio or check box is #e3e3e3; in dark, low text
// is #39393a on near black and the primary blue, used for links and as the
// fill of the send button, reaches 4:1 with either. Here every text colour
// reaches WCAG AA (4.5:1) on every surface it is drawn on — background,
// buttons, inputs, headers, menus, a selected or hovered row — and every
// "on" colour on its fill; input outlines reach 3:1 (TestThemeTextContrast).
// In dark the fills are light (the primary blue, the danger red) and carry
// dark text, as Material's dark theme does: one blue cannot be readable as
// text on near black and carry white text too. Variant "light" or "dark"
// fixes the variant; "" follows the system.
type Theme struct{ Variant string }

// NewTheme makes the console's theme.
func NewTheme(variant string) fyne.Theme { return &Theme{Variant: variant} }

var (
	darkOn = color.NRGBA{R: 0x17, G: 0x17, B: 0x18, A: 0xff}

	lightText = map[fyne.ThemeColorName]color.Color{
		theme.ColorNameForeground:  color.NRGBA{R: 0x22, G: 0x22, B: 0x22, A: 0xff},
		theme.ColorNameDisabled:    color.NRGBA{R: 0x5f, G: 0x63, B: 0x68, A: 0xff}, // 6:1 on white, 4.8:1 on a selected row
		theme.ColorNamePlaceHolder: color.NRGBA{R: 0x5f, G: 0x63, B: 0x68, A: 0xff},
		theme.ColorNameWarning:     color.NRGBA{R: 0x9a, G: 0x4b, B: 0x00, A: 0xff},
		theme.ColorNameSuccess:     color.NRGBA{R: 0x17, G: 0x69, B: 0x2a, A: 0xff},
		theme.ColorNameError:       color.NRGBA{R: 0xb7, G: 0x1c, B: 0x1c, A: 0xff},
		theme.ColorNamePrimary:     color.NRGBA{R: 0x0f, G: 0x5b, B: 0xb5, A: 0xff},
		theme.ColorNameHyperlink:   color.NRGBA{R: 0x0f, G: 0x5b, B: 0xb5, A: 0xff},
		theme.ColorNameSelection:   color.NRGBA{R: 0x00, G: 0x6c, B: 0xff, A: 0x2a},
		theme.ColorNameInputBorder: color.NRGBA{R: 0x8a, G: 0x8a, B: 0x8a, A: 0xff}, // 3:1 on the input background
	}
	darkText = map[fyne.ThemeColorName]color.Color{
		theme.ColorNameDisabled:            color.NRGBA{R: 0xa8, G: 0xa8, B: 0xa8, A: 0xff}, // 7.4:1 on #171718
		theme.ColorNamePlaceHolder:         color.NRGBA{R: 0xa8, G: 0xa8, B: 0xa8, A: 0xff},
		theme.ColorNameWarning:             color.NRGBA{R: 0xff, G: 0xb3, B: 0x4d, A: 0xff},
		theme.ColorNameSuccess:             color.NRGBA{R: 0x66, G: 0xd1, B: 0x7a, A: 0xff},
		theme.ColorNameError:               color.NRGBA{R: 0xff, G: 0x7a, B: 0x70, A: 0xff},
		theme.ColorNamePrimary:             color.NRGBA{R: 0x6c, G: 0xa6, B: 0xff, A: 0xff},
		theme.ColorNameHyperlink:           color.NRGBA{R: 0x6c, G: 0xa6, B: 0xff, A: 0xff},
		theme.ColorNameForegroundOnPrimary: darkOn,
		theme.ColorNameForegroundOnError:   darkOn,
		theme.ColorNameForegroundOnSuccess: darkOn,
		theme.ColorNameForegroundOnWarning: darkOn,
		theme.ColorNameInputBorder:         color.NRGBA{R: 0x7a, G: 0x7a, B: 0x7a, A: 0xff},
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
// Modal pop-ups (settings, shortcuts, snooze) draw no blur over the window
// behind them, only the shadow: the blur is two passes over every pixel of
// the window in each frame, and over a queue that changes several times a
// second a software-rendered window spent its frames on it — a quit waited
// seconds behind them (TestModalPopUpsDrawNoBlur).
func (t *Theme) Size(n fyne.ThemeSizeName) float32 {
	if n == theme.SizeNameModalBlurRadius {
		return 0
	}
	return theme.DefaultTheme().Size(n)
}
