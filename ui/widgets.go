package ui

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"signpost"
)

// Badges shown on the caseload and on a record.
const (
	badgeShielded = "Shielded"
	badgeLead     = "Lead professional"
	badgeCAF      = "CAF"
	badgePending  = "Waiting to sync"
	badgeRefused  = "Refused: see Changes"
	badgeCaseload = "On your caseload"
)

// badge is a small coloured tag. Its colours come from the theme at every
// refresh, so it follows light and dark.
type badge struct {
	widget.BaseWidget
	Text  string
	color fyne.ThemeColorName
	on    fyne.ThemeColorName
}

func newBadge(text string) *badge {
	b := &badge{Text: text}
	switch text {
	case badgeShielded, badgeRefused:
		b.color, b.on = theme.ColorNameError, theme.ColorNameForegroundOnError
	case badgeLead, badgeCaseload:
		b.color, b.on = theme.ColorNamePrimary, theme.ColorNameForegroundOnPrimary
	case badgeCAF:
		b.color, b.on = theme.ColorNameSuccess, theme.ColorNameForegroundOnSuccess
	default:
		b.color, b.on = theme.ColorNameWarning, theme.ColorNameForegroundOnWarning
	}
	b.ExtendBaseWidget(b)
	return b
}

func (b *badge) CreateRenderer() fyne.WidgetRenderer {
	bg := canvas.NewRectangle(nil)
	bg.CornerRadius = 4
	txt := canvas.NewText(b.Text, nil)
	txt.TextSize = theme.CaptionTextSize() + 1
	txt.TextStyle = fyne.TextStyle{Bold: true}
	r := &badgeRenderer{b: b, bg: bg, txt: txt}
	r.Refresh()
	return r
}

type badgeRenderer struct {
	b   *badge
	bg  *canvas.Rectangle
	txt *canvas.Text
}

func (r *badgeRenderer) Layout(s fyne.Size) {
	r.bg.Resize(s)
	ts := r.txt.MinSize()
	r.txt.Move(fyne.NewPos((s.Width-ts.Width)/2, (s.Height-ts.Height)/2))
	r.txt.Resize(ts)
}

func (r *badgeRenderer) MinSize() fyne.Size {
	ts := r.txt.MinSize()
	return fyne.NewSize(ts.Width+12, ts.Height+4)
}

func (r *badgeRenderer) Refresh() {
	v := fyne.CurrentApp().Settings().ThemeVariant()
	th := r.b.Theme()
	r.bg.FillColor = th.Color(r.b.color, v)
	r.txt.Color = th.Color(r.b.on, v)
	r.txt.Text = r.b.Text
	r.bg.Refresh()
	r.txt.Refresh()
}

func (r *badgeRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.bg, r.txt} }
func (r *badgeRenderer) Destroy()                     {}

// themedRect is a rounded rectangle filled with a theme colour, repainted
// when the theme changes (light and dark follow the system).
type themedRect struct {
	widget.BaseWidget
	color fyne.ThemeColorName
}

func newThemedRect(c fyne.ThemeColorName) *themedRect {
	r := &themedRect{color: c}
	r.ExtendBaseWidget(r)
	return r
}

func (t *themedRect) CreateRenderer() fyne.WidgetRenderer {
	rect := canvas.NewRectangle(nil)
	rect.CornerRadius = 6
	r := &rectRenderer{t: t, rect: rect}
	r.Refresh()
	return r
}

type rectRenderer struct {
	t    *themedRect
	rect *canvas.Rectangle
}

func (r *rectRenderer) Layout(s fyne.Size)           { r.rect.Resize(s) }
func (r *rectRenderer) MinSize() fyne.Size           { return fyne.NewSize(0, 0) }
func (r *rectRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.rect} }
func (r *rectRenderer) Destroy()                     {}
func (r *rectRenderer) Refresh() {
	r.rect.FillColor = r.t.Theme().Color(r.t.color, fyne.CurrentApp().Settings().ThemeVariant())
	r.rect.Refresh()
}

// badgeRow lays badges out left to right, hiding those not wanted.
func badgeRow(bs ...*badge) *fyne.Container {
	objs := make([]fyne.CanvasObject, len(bs))
	for i, b := range bs {
		objs[i] = container.NewCenter(b)
	}
	return container.NewHBox(objs...)
}

func showIf(o fyne.CanvasObject, on bool) {
	if on {
		o.Show()
	} else {
		o.Hide()
	}
}

// heading is a bold section title.
func heading(text string) *widget.Label {
	l := widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.SizeName = theme.SizeNameSubHeadingText
	return l
}

// wrapped is a label that wraps at word boundaries.
func wrapped(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// banner is a coloured strip with an icon and a sentence: the offline notice,
// the shielded notice.
type banner struct {
	box  *fyne.Container
	text *widget.Label
}

func newBanner(icon fyne.Resource, importance widget.Importance, text string) *banner {
	l := wrapped(text)
	l.Importance = importance
	bg := newThemedRect(theme.ColorNameHover)
	box := container.NewStack(bg, container.NewBorder(nil, nil, container.NewPadded(widget.NewIcon(icon)), nil, l))
	return &banner{box: box, text: l}
}

func (b *banner) set(text string) { b.text.SetText(text); b.box.Show() }

// field puts a small label above an input.
func field(label string, input fyne.CanvasObject) fyne.CanvasObject {
	l := widget.NewLabelWithStyle(label, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.SizeName = theme.SizeNameCaptionText
	return container.NewVBox(l, input)
}

// errorLabel is where a form says what to correct.
func errorLabel() *widget.Label {
	l := wrapped("")
	l.Importance = widget.DangerImportance
	l.Hide()
	return l
}

func setError(l *widget.Label, msg string) {
	l.SetText(msg)
	showIf(l, msg != "")
}

// longDate writes a YYYY-MM-DD date as "14 March 2015".
func longDate(s string) string {
	t, ok := signpost.ParseDate(s)
	if !ok {
		return s
	}
	return t.Format("2 January 2006")
}

// shortDate writes a YYYY-MM-DD date as "14 Mar 2015".
func shortDate(s string) string {
	t, ok := signpost.ParseDate(s)
	if !ok {
		return s
	}
	return t.Format("2 Jan 2006")
}

// age is a child's age in whole years on day now.
func age(dob string, now time.Time) int {
	t, ok := signpost.ParseDate(dob)
	if !ok {
		return -1
	}
	y := now.Year() - t.Year()
	if now.Month() < t.Month() || (now.Month() == t.Month() && now.Day() < t.Day()) {
		y--
	}
	return y
}

// when writes a moment relative to now: "14:02", "yesterday 14:02", "21 Nov 14:02".
func when(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	t = t.Local()
	now = now.Local()
	y1, m1, d1 := t.Date()
	y2, m2, d2 := now.Date()
	switch {
	case y1 == y2 && m1 == m2 && d1 == d2:
		return "today " + t.Format("15:04")
	case y1 == y2 && m1 == m2 && d1 == d2-1:
		return "yesterday " + t.Format("15:04")
	case y1 == y2:
		return t.Format("2 Jan 15:04")
	}
	return t.Format("2 Jan 2006 15:04")
}

// plural writes "1 change" or "3 changes".
func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// title capitalises the first letter: "male" → "Male".
func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// lines is text in a few lines without the padding separate labels add: a
// bold first line, then ordinary lines, then dimmer ones.
func lines() *widget.RichText {
	rt := widget.NewRichText()
	rt.Truncation = fyne.TextTruncateEllipsis
	return rt
}

// setLines sets the text of a lines widget. Empty lines are left out.
func setLines(rt *widget.RichText, strong string, normal []string, dimmed ...string) {
	var segs []widget.RichTextSegment
	add := func(text string, st widget.RichTextStyle) {
		if text != "" {
			segs = append(segs, &widget.TextSegment{Text: text, Style: st})
		}
	}
	add(strong, widget.RichTextStyle{TextStyle: fyne.TextStyle{Bold: true}})
	for _, n := range normal {
		add(n, widget.RichTextStyle{})
	}
	for _, d := range dimmed {
		add(d, widget.RichTextStyle{ColorName: theme.ColorNamePlaceHolder})
	}
	rt.Segments = segs
	rt.Refresh()
}
