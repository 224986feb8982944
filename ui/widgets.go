package ui

import (
	"fmt"
	"image/color"
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
	badgeShielded   = "Shielded"
	badgeLead       = "Lead professional"
	badgeCAF        = "CAF"
	badgePending    = "Waiting to sync"
	badgeRefused    = "Refused: see Changes"
	badgeRowRefused = "Change refused" // on a caseload row, where room is short
	badgeCaseload   = "On your caseload"
	// badgeMetOffline marks a child met in the field, not on this laptop yet.
	badgeMetOffline = "Met offline"
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
	case badgeShielded, badgeRefused, badgeRowRefused:
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

// Keyboard focus. Fyne marks a focused button only with a faint tint of the
// focus colour (blue on a blue button is no mark at all) and a focused list
// not at all, so a person tabbing through a dialog could not see what Space
// would press. The app's buttons and lists draw a ring around themselves
// while focused, in the primary colour (at least 3:1 against the page in
// both variants: theme_test.go), and hand Escape to the dialog they are in.

// focusRingGap is how far outside its widget the focus ring is drawn, so it
// shows around a button filled with the ring's own colour.
const focusRingGap = 3

// focusRing wraps a widget's renderer with a ring drawn while focused() says so.
type focusRing struct {
	fyne.WidgetRenderer
	w       fyne.Widget
	ring    *canvas.Rectangle
	focused func() bool
}

func newFocusRing(w fyne.Widget, r fyne.WidgetRenderer, focused func() bool) *focusRing {
	ring := canvas.NewRectangle(color.Transparent)
	ring.StrokeWidth = 2
	f := &focusRing{WidgetRenderer: r, w: w, ring: ring, focused: focused}
	f.paint()
	return f
}

func (f *focusRing) Layout(s fyne.Size) {
	f.WidgetRenderer.Layout(s)
	f.ring.Move(fyne.NewPos(-focusRingGap, -focusRingGap))
	f.ring.Resize(s.AddWidthHeight(2*focusRingGap, 2*focusRingGap))
}

func (f *focusRing) Objects() []fyne.CanvasObject {
	objs := f.WidgetRenderer.Objects()
	return append(objs[:len(objs):len(objs)], f.ring)
}

func (f *focusRing) Refresh() {
	f.WidgetRenderer.Refresh()
	f.paint()
}

func (f *focusRing) paint() {
	f.ring.StrokeColor = color.Transparent
	if f.focused() {
		th := f.w.(interface{ Theme() fyne.Theme }).Theme()
		f.ring.StrokeColor = th.Color(theme.ColorNamePrimary, fyne.CurrentApp().Settings().ThemeVariant())
	}
	f.ring.CornerRadius = theme.InputRadiusSize() + focusRingGap
	f.ring.Refresh()
}

// escaper is a widget that hands Escape to the dialog it is in.
type escaper interface{ setOnEscape(func()) }

// button is a widget.Button with a visible focus ring; Escape, while it is
// focused, cancels the dialog it is in.
type button struct {
	widget.Button
	focused  bool
	onEscape func()
}

// newButton returns a button; pass a nil icon for text alone.
func newButton(text string, icon fyne.Resource, tapped func()) *button {
	b := &button{}
	b.Text, b.Icon, b.OnTapped = text, icon, tapped
	b.ExtendBaseWidget(b)
	return b
}

func (b *button) CreateRenderer() fyne.WidgetRenderer {
	return newFocusRing(b, b.Button.CreateRenderer(), func() bool { return b.focused })
}

func (b *button) FocusGained() { b.focused = true; b.Button.FocusGained() }
func (b *button) FocusLost()   { b.focused = false; b.Button.FocusLost() }

func (b *button) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyEscape && b.onEscape != nil {
		b.onEscape()
		return
	}
	b.Button.TypedKey(ev)
}

func (b *button) setOnEscape(f func()) { b.onEscape = f }

// entry is a widget.Entry that hands Escape to the dialog it is in. A
// multi-line entry made with submitOnEnter submits on Enter, as a one-line
// one does, for a reason that wraps as it is typed but is one paragraph.
type entry struct {
	widget.Entry
	onEscape      func()
	submitOnEnter bool
}

// newEntry returns a one-line entry.
func newEntry() *entry {
	e := &entry{}
	e.ExtendBaseWidget(e)
	return e
}

// newReasonEntry returns a wrapping entry of rows lines on which Enter submits.
func newReasonEntry(rows int) *entry {
	e := &entry{submitOnEnter: true}
	e.MultiLine = true
	e.Wrapping = fyne.TextWrapWord
	e.ExtendBaseWidget(e)
	e.SetMinRowsVisible(rows)
	return e
}

func (e *entry) TypedKey(ev *fyne.KeyEvent) {
	switch {
	case ev.Name == fyne.KeyEscape && e.onEscape != nil:
		e.onEscape()
	case e.submitOnEnter && (ev.Name == fyne.KeyReturn || ev.Name == fyne.KeyEnter):
		if e.OnSubmitted != nil {
			e.OnSubmitted(e.Text)
		}
	default:
		e.Entry.TypedKey(ev)
	}
}

func (e *entry) setOnEscape(f func()) { e.onEscape = f }

// keyList is a widget.List a person can drive from the keyboard: Up and Down
// move the selection without opening anything (opening a child's record is
// recorded in the audit), Space and Enter open the selected row, and a tap
// opens the row tapped. A ring shows while the list has the focus.
type keyList struct {
	widget.List
	onOpen  func(widget.ListItemID)
	cur     widget.ListItemID // the selected row, or -1
	moving  bool              // the selection is moving by key: do not open
	focused bool
}

func newKeyList(length func() int, create func() fyne.CanvasObject, update func(widget.ListItemID, fyne.CanvasObject),
	open func(widget.ListItemID)) *keyList {
	l := &keyList{onOpen: open, cur: -1}
	l.Length, l.CreateItem, l.UpdateItem = length, create, update
	l.OnSelected = func(id widget.ListItemID) {
		l.cur = id
		if !l.moving && l.onOpen != nil {
			l.onOpen(id)
		}
	}
	l.OnUnselected = func(id widget.ListItemID) {
		if id == l.cur {
			l.cur = -1
		}
	}
	l.ExtendBaseWidget(l)
	return l
}

func (l *keyList) CreateRenderer() fyne.WidgetRenderer {
	return newFocusRing(l, l.List.CreateRenderer(), func() bool { return l.focused })
}

// FocusGained shows the ring; Fyne's own focus mark (a hover tint on a row
// other than the selected one) is not used.
func (l *keyList) FocusGained() { l.focused = true; l.Refresh() }
func (l *keyList) FocusLost()   { l.focused = false; l.Refresh() }

func (l *keyList) TypedKey(ev *fyne.KeyEvent) {
	n := l.Length()
	switch ev.Name {
	case fyne.KeyDown:
		l.move(min(l.cur+1, n-1))
	case fyne.KeyUp:
		l.move(max(l.cur-1, 0))
	case fyne.KeySpace, fyne.KeyReturn, fyne.KeyEnter:
		if l.cur < 0 && n > 0 {
			l.move(0)
		}
		if l.cur >= 0 && l.cur < n && l.onOpen != nil {
			l.onOpen(l.cur)
		}
	}
}

// move selects row id without opening it.
func (l *keyList) move(id widget.ListItemID) {
	if id < 0 || id >= l.Length() {
		return
	}
	l.moving = true
	defer func() { l.moving = false }()
	l.Select(id)
}

func (l *keyList) TypedRune(rune) {}
