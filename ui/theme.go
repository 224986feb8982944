package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// signpostTheme is Fyne's default theme with the colours that fell short of
// WCAG AA replaced (4.5:1 for text, 3:1 for controls and the focus mark, in
// both variants): Fyne's light theme puts white on a bright green (1.5:1)
// and orange text on white (2:1), and draws unticked boxes and input borders
// in a grey barely darker than the page; its focus and selection tints
// (30% and 25% blue) were too faint to see where Tab had got to. The app's
// own buttons and lists draw a focus ring besides (focusRing, in
// widgets.go). theme_test.go computes every ratio.
type signpostTheme struct{ fyne.Theme }

// newTheme returns the app's theme over Fyne's default.
func newTheme() fyne.Theme { return signpostTheme{theme.DefaultTheme()} }

var themeColours = map[fyne.ThemeVariant]map[fyne.ThemeColorName]color.NRGBA{
	theme.VariantLight: {
		theme.ColorNamePrimary:             {R: 0x15, G: 0x65, B: 0xc0, A: 0xff},
		theme.ColorNameForegroundOnPrimary: {R: 0xff, G: 0xff, B: 0xff, A: 0xff},
		theme.ColorNameForeground:          {R: 0x2b, G: 0x2b, B: 0x2b, A: 0xff},
		theme.ColorNamePlaceHolder:         {R: 0x63, G: 0x63, B: 0x63, A: 0xff},
		theme.ColorNameError:               {R: 0xc6, G: 0x28, B: 0x28, A: 0xff},
		theme.ColorNameForegroundOnError:   {R: 0xff, G: 0xff, B: 0xff, A: 0xff},
		theme.ColorNameSuccess:             {R: 0x2e, G: 0x7d, B: 0x32, A: 0xff},
		theme.ColorNameForegroundOnSuccess: {R: 0xff, G: 0xff, B: 0xff, A: 0xff},
		theme.ColorNameWarning:             {R: 0xa8, G: 0x4b, B: 0x00, A: 0xff},
		theme.ColorNameForegroundOnWarning: {R: 0xff, G: 0xff, B: 0xff, A: 0xff},
		theme.ColorNameInputBorder:         {R: 0x76, G: 0x76, B: 0x76, A: 0xff},
		theme.ColorNameFocus:               {R: 0x15, G: 0x65, B: 0xc0, A: 0x80},
		theme.ColorNameSelection:           {R: 0x15, G: 0x65, B: 0xc0, A: 0x80},
		theme.ColorNameHyperlink:           {R: 0x15, G: 0x65, B: 0xc0, A: 0xff},
	},
	theme.VariantDark: {
		theme.ColorNamePrimary:             {R: 0x64, G: 0xa8, B: 0xff, A: 0xff},
		theme.ColorNameForegroundOnPrimary: {R: 0x17, G: 0x17, B: 0x18, A: 0xff},
		theme.ColorNamePlaceHolder:         {R: 0xb2, G: 0xb2, B: 0xb2, A: 0xff},
		theme.ColorNameError:               {R: 0xff, G: 0x6e, B: 0x64, A: 0xff},
		theme.ColorNameForegroundOnError:   {R: 0x17, G: 0x17, B: 0x18, A: 0xff},
		theme.ColorNameSuccess:             {R: 0x4c, G: 0xc7, B: 0x52, A: 0xff},
		theme.ColorNameForegroundOnSuccess: {R: 0x17, G: 0x17, B: 0x18, A: 0xff},
		theme.ColorNameWarning:             {R: 0xff, G: 0xa7, B: 0x26, A: 0xff},
		theme.ColorNameForegroundOnWarning: {R: 0x17, G: 0x17, B: 0x18, A: 0xff},
		theme.ColorNameInputBorder:         {R: 0x8c, G: 0x8c, B: 0x8c, A: 0xff},
		theme.ColorNameFocus:               {R: 0x64, G: 0xa8, B: 0xff, A: 0x80},
		theme.ColorNameSelection:           {R: 0x64, G: 0xa8, B: 0xff, A: 0x80},
		theme.ColorNameHyperlink:           {R: 0x64, G: 0xa8, B: 0xff, A: 0xff},
	},
}

// Color returns the replaced colour of n in variant v, or Fyne's.
func (t signpostTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if c, ok := themeColours[v][n]; ok {
		return c
	}
	return t.Theme.Color(n, v)
}
