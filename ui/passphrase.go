package ui

import (
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// capsWarning is what a passphrase field says while Caps Lock looks on.
const capsWarning = "Caps Lock is on: a passphrase is case-sensitive."

// passphraseEntry is a password entry that warns when Caps Lock seems to be
// on. Fyne does not tell the state of Caps Lock, so it guesses from what is
// typed: a capital letter without Shift held (or a small one with Shift) means
// Caps Lock is on; a letter typed the ordinary way means it is off.
type passphraseEntry struct {
	widget.Entry
	shift    bool
	reveal   *button
	onEscape func()
	// Caps is the warning, shown under the field while Caps Lock looks on.
	Caps *widget.Label
}

func newPassphraseEntry() *passphraseEntry {
	e := &passphraseEntry{Caps: widget.NewLabelWithStyle(capsWarning, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})}
	e.Password = true
	e.Wrapping = fyne.TextWrap(fyne.TextTruncateClip)
	e.Caps.Importance = widget.WarningImportance
	e.Caps.Hide()
	e.ExtendBaseWidget(e)
	e.reveal = newButton("", theme.VisibilityOffIcon(), e.toggleReveal)
	e.reveal.Importance = widget.LowImportance
	e.ActionItem = e.reveal
	return e
}

// toggleReveal shows or hides what was typed.
func (e *passphraseEntry) toggleReveal() {
	e.Password = !e.Password
	if e.Password {
		e.reveal.SetIcon(theme.VisibilityOffIcon())
	} else {
		e.reveal.SetIcon(theme.VisibilityIcon())
	}
	e.Refresh()
}

// TypedKey hands Escape to the dialog the field is in.
func (e *passphraseEntry) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyEscape && e.onEscape != nil {
		e.onEscape()
		return
	}
	e.Entry.TypedKey(ev)
}

func (e *passphraseEntry) setOnEscape(f func()) { e.onEscape = f; e.reveal.setOnEscape(f) }

// KeyDown notes Shift held down.
func (e *passphraseEntry) KeyDown(k *fyne.KeyEvent) {
	if k.Name == desktop.KeyShiftLeft || k.Name == desktop.KeyShiftRight {
		e.shift = true
	}
	e.Entry.KeyDown(k)
}

// KeyUp notes Shift let go.
func (e *passphraseEntry) KeyUp(k *fyne.KeyEvent) {
	if k.Name == desktop.KeyShiftLeft || k.Name == desktop.KeyShiftRight {
		e.shift = false
	}
	e.Entry.KeyUp(k)
}

// TypedRune guesses Caps Lock from the case of a letter, then types it.
func (e *passphraseEntry) TypedRune(r rune) {
	if unicode.IsLetter(r) && unicode.IsUpper(r) != unicode.IsLower(r) {
		showIf(e.Caps, unicode.IsUpper(r) != e.shift)
	}
	e.Entry.TypedRune(r)
}
