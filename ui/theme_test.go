package ui

import (
	"image/color"
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// luminance is WCAG 2's relative luminance of c composited over bg.
func luminance(c, bg color.Color) float64 {
	r, g, b, a := c.RGBA()
	br, bgg, bb, _ := bg.RGBA()
	mix := func(x, y uint32) float64 {
		v := (float64(x) + float64(y)*(1-float64(a)/0xffff)) / 0xffff // premultiplied over bg
		if v <= 0.04045 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*mix(r, br) + 0.7152*mix(g, bgg) + 0.0722*mix(b, bb)
}

func contrast(fg, bg, page color.Color) float64 {
	b := luminance(bg, page)
	bgOpaque := composite(bg, page)
	f := luminance(fg, bgOpaque)
	hi, lo := math.Max(f, b), math.Min(f, b)
	return (hi + 0.05) / (lo + 0.05)
}

func composite(c, page color.Color) color.Color {
	r, g, b, a := c.RGBA()
	pr, pg, pb, _ := page.RGBA()
	k := 1 - float64(a)/0xffff
	f := func(x, p uint32) uint8 { return uint8((float64(x) + float64(p)*k) / 0x101) }
	return color.NRGBA{R: f(r, pr), G: f(g, pg), B: f(b, pb), A: 0xff}
}

// Every text and control the app draws, against what it is drawn on, at
// WCAG AA: 4.5:1 for text, 3:1 for controls and the focus mark.
func TestThemeContrastMeetsWCAGAA(t *testing.T) {
	th := newTheme()
	type pair struct {
		what   string
		fg, bg fyne.ThemeColorName
		min    float64
	}
	pairs := []pair{
		{"text", theme.ColorNameForeground, theme.ColorNameBackground, 4.5},
		{"text in a field", theme.ColorNameForeground, theme.ColorNameInputBackground, 4.5},
		{"text on a button", theme.ColorNameForeground, theme.ColorNameButton, 4.5},
		{"text in a dialog", theme.ColorNameForeground, theme.ColorNameOverlayBackground, 4.5},
		{"hint in a field", theme.ColorNamePlaceHolder, theme.ColorNameInputBackground, 4.5},
		{"link and primary text", theme.ColorNamePrimary, theme.ColorNameBackground, 4.5},
		{"error text (refused, shielded)", theme.ColorNameError, theme.ColorNameBackground, 4.5},
		{"warning text (waiting to sync)", theme.ColorNameWarning, theme.ColorNameBackground, 4.5},
		{"success text", theme.ColorNameSuccess, theme.ColorNameBackground, 4.5},
		{"text on a primary button or badge", theme.ColorNameForegroundOnPrimary, theme.ColorNamePrimary, 4.5},
		{"text on the red badge and danger button", theme.ColorNameForegroundOnError, theme.ColorNameError, 4.5},
		{"text on the green CAF badge", theme.ColorNameForegroundOnSuccess, theme.ColorNameSuccess, 4.5},
		{"text on the orange badge", theme.ColorNameForegroundOnWarning, theme.ColorNameWarning, 4.5},
		{"an unticked box and a field's border", theme.ColorNameInputBorder, theme.ColorNameBackground, 3},
		{"a field's border on its fill", theme.ColorNameInputBorder, theme.ColorNameInputBackground, 3},
		{"a focused field's border", theme.ColorNamePrimary, theme.ColorNameInputBackground, 3},
		{"the focus ring around the app's buttons and lists", theme.ColorNamePrimary, theme.ColorNameBackground, 3},
	}
	for _, v := range []fyne.ThemeVariant{theme.VariantLight, theme.VariantDark} {
		name := map[fyne.ThemeVariant]string{theme.VariantLight: "light", theme.VariantDark: "dark"}[v]
		page := th.Color(theme.ColorNameBackground, v)
		for _, p := range pairs {
			got := contrast(th.Color(p.fg, v), th.Color(p.bg, v), page)
			if got < p.min {
				t.Errorf("%s theme, %s: %.2f:1, want at least %.1f:1", name, p.what, got, p.min)
			}
		}
	}
}

// The checks above must fail on Fyne's own light theme, which testers found
// short: white on its green is about 1.5:1.
func TestContrastCatchesFynesGreenBadge(t *testing.T) {
	d := theme.DefaultTheme()
	v := theme.VariantLight
	got := contrast(d.Color(theme.ColorNameForegroundOnSuccess, v), d.Color(theme.ColorNameSuccess, v), d.Color(theme.ColorNameBackground, v))
	if got > 2 {
		t.Fatalf("white on Fyne's green computed as %.2f:1, testers measured about 1.5:1", got)
	}
}

// A focused button and the selected row of a list are tinted (Fyne's focus
// and selection colours over what they are drawn on): the tint must be
// plain to see, and the text on it still readable at AA. The ring the app's
// own buttons and lists add is checked above.
func TestFocusAndSelectionTintsAreVisibleAndReadable(t *testing.T) {
	th := newTheme()
	for _, v := range []fyne.ThemeVariant{theme.VariantLight, theme.VariantDark} {
		name := map[fyne.ThemeVariant]string{theme.VariantLight: "light", theme.VariantDark: "dark"}[v]
		page := th.Color(theme.ColorNameBackground, v)
		for _, c := range []struct {
			what       string
			tint, on   fyne.ThemeColorName
			text       fyne.ThemeColorName
			minVisible float64
		}{
			{"a focused button", theme.ColorNameFocus, theme.ColorNameButton, theme.ColorNameForeground, 2},
			{"a focused check's mark", theme.ColorNameFocus, theme.ColorNameBackground, theme.ColorNameForeground, 2},
			{"the selected row", theme.ColorNameSelection, theme.ColorNameBackground, theme.ColorNameForeground, 2},
		} {
			under := composite(th.Color(c.on, v), page)
			tinted := composite(th.Color(c.tint, v), under)
			if got := contrast(tinted, under, page); got < c.minVisible {
				t.Errorf("%s theme, %s: %.2f:1 against its untinted look, want at least %.1f:1", name, c.what, got, c.minVisible)
			}
			if got := contrast(th.Color(c.text, v), tinted, page); got < 4.5 {
				t.Errorf("%s theme, text on %s: %.2f:1, want at least 4.5:1", name, c.what, got)
			}
		}
	}
}

// Fyne's own focus tint, which testers could not see, fails the check above.
func TestTintCheckCatchesFynesFaintFocus(t *testing.T) {
	d := theme.DefaultTheme()
	v := theme.VariantLight
	page := d.Color(theme.ColorNameBackground, v)
	under := composite(d.Color(theme.ColorNameButton, v), page)
	if got := contrast(composite(d.Color(theme.ColorNameFocus, v), under), under, page); got >= 2 {
		t.Fatalf("Fyne's focused button computed as %.2f:1 against an unfocused one; testers could not see it", got)
	}
}
