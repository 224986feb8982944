package ui

import (
	"context"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"signpost"
)

// job is background work for the bridge.
type job = func(ctx context.Context) error

// formDialog is a dialog with a form, a line that says what to correct, and
// Cancel and confirm buttons. Enter in any one-line field submits. validate
// and prepare run on the UI thread: prepare reads the form and returns the
// job that the bridge runs in the background (so no widget is read off the
// UI thread); done runs on the UI thread once the job succeeded and the
// dialog closed.
// A refusal from the directory or the cache is shown in the dialog, which
// stays open so the person can correct it.
type formDialog struct {
	app      *App
	d        *dialog.CustomDialog
	content  *fyne.Container
	msg      *widget.Label
	confirm  *button
	cancel   *button
	validate func() error
	prepare  func() job
	done     func()
	busy     bool
	open     bool
}

func (a *App) newFormDialog(title, confirm, intro string, items []*widget.FormItem,
	validate func() error, prepare func() job, done func()) *formDialog {
	f := &formDialog{app: a, validate: validate, prepare: prepare, done: done, msg: errorLabel()}
	form := widget.NewForm(items...)
	for _, it := range items {
		if esc, ok := it.Widget.(escaper); ok {
			esc.setOnEscape(f.onCancel)
		}
		if e, ok := submitting(it.Widget); ok {
			e.OnSubmitted = func(string) { f.submit() }
			prev := e.OnChanged
			e.OnChanged = func(s string) {
				a.touch()
				if prev != nil {
					prev(s)
				}
			}
		}
	}
	var top []fyne.CanvasObject
	if intro != "" {
		top = append(top, wrapped(intro))
	}
	content := container.NewVBox(append(top, form, f.msg)...)
	f.content = content
	f.cancel = newButton("Cancel", nil, f.onCancel)
	f.confirm = newButton(confirm, theme.ConfirmIcon(), f.submit)
	f.confirm.Importance = widget.HighImportance
	f.cancel.onEscape, f.confirm.onEscape = f.onCancel, f.onCancel
	f.d = dialog.NewCustomWithoutButtons(title, content, a.win)
	f.d.SetButtons([]fyne.CanvasObject{f.cancel, f.confirm})
	f.d.SetOnClosed(func() { f.open = false })
	return f
}

// submitting returns the entry of a form item on which Enter submits: a
// one-line entry, or a reason entry made to submit on Enter.
func submitting(o fyne.CanvasObject) (*widget.Entry, bool) {
	switch e := o.(type) {
	case *widget.Entry:
		return e, !e.MultiLine
	case *entry:
		return &e.Entry, !e.MultiLine || e.submitOnEnter
	case *passphraseEntry:
		return &e.Entry, true
	}
	return nil, false
}

// guarded makes the confirm button an ordinary one that Enter in a field
// does not press, for a step a person must choose deliberately.
func (f *formDialog) guarded() {
	f.confirm.Importance = widget.MediumImportance
	f.confirm.Refresh()
	for _, o := range f.content.Objects {
		form, ok := o.(*widget.Form)
		if !ok {
			continue
		}
		for _, it := range form.Items {
			if e, ok := submitting(it.Widget); ok {
				e.OnSubmitted = nil
			}
		}
	}
}

func (f *formDialog) show() {
	f.open = true
	f.d.Show()
	f.app.onEscape(f.onCancel)
	f.d.Resize(fyne.NewSize(max(560, f.d.MinSize().Width), f.d.MinSize().Height))
}

func (f *formDialog) onCancel() {
	f.app.touch()
	if !f.busy {
		f.d.Hide()
	}
}

// submit validates, then does the work in the background.
func (f *formDialog) submit() {
	f.app.touch()
	if f.busy || !f.open {
		return
	}
	if f.validate != nil {
		if err := f.validate(); err != nil {
			setError(f.msg, sentence(signpost.MessageOf(err)))
			return
		}
	}
	setError(f.msg, "")
	if f.prepare == nil {
		f.finish()
		return
	}
	f.setBusy(true)
	f.app.br.run(f.prepare(), func(err error) {
		f.setBusy(false)
		if err != nil {
			f.app.log.Warn("ui: dialog", "kind", signpost.KindOf(err), "err", err)
			_, msg := explain(err)
			setError(f.msg, msg)
			return
		}
		f.finish()
	})
}

func (f *formDialog) finish() {
	f.d.Hide()
	if f.done != nil {
		f.done()
	}
}

func (f *formDialog) setBusy(on bool) {
	f.busy = on
	if on {
		f.confirm.Disable()
		f.cancel.Disable()
	} else {
		f.confirm.Enable()
		f.cancel.Enable()
	}
}

// required fails with a message naming what is missing when s is blank.
func required(s, what string) error {
	if strings.TrimSpace(s) == "" {
		return signpost.FieldError(what, "%s is required", what)
	}
	return nil
}

// askReason asks why a record is being opened (recorded in the audit), then
// calls then with the reason.
func (a *App) askReason(intro string, then func(reason string)) *formDialog {
	reason := newEntry()
	reason.SetPlaceHolder("e.g. health assessment at school; safeguarding concern")
	var f *formDialog
	f = a.newFormDialog("Why are you opening this record?", "Open record", intro,
		[]*widget.FormItem{widget.NewFormItem("Reason", reason)},
		func() error {
			if err := required(reason.Text, "reason"); err != nil {
				return signpost.FieldError("reason", "say why you are opening this record; it is recorded")
			}
			if len(reason.Text) > 500 {
				return signpost.FieldError("reason", "the reason is longer than 500 characters")
			}
			return nil
		}, nil, func() { then(strings.TrimSpace(reason.Text)) })
	f.show()
	a.win.Canvas().Focus(reason)
	return f
}

// Escape closes the dialog on top, whatever has the focus: the app's own
// buttons and entries (button, entry) hand it to their dialog, and with
// nothing focused the window's key handler (installShortcuts) asks the top
// overlay here. Fyne's widgets that keep Escape to themselves are the
// exception: only a person's own tab past them reaches Escape.

// escapes maps a dialog's overlay to what Escape does to it, for every app
// window. An overlay no longer shown leaves the map when the next dialog of
// its window opens, however it closed (a button, Escape, locking).
var escapes sync.Map // fyne.CanvasObject → escape

type escape struct {
	c      fyne.Canvas
	cancel func()
}

// onEscape makes Escape, with nothing focused, call cancel while the overlay
// now on top (the dialog just shown) is up.
func (a *App) onEscape(cancel func()) {
	c := a.win.Canvas()
	shown := map[fyne.CanvasObject]bool{}
	for _, o := range c.Overlays().List() {
		shown[o] = true
	}
	escapes.Range(func(k, v any) bool {
		if v.(escape).c == c && !shown[k.(fyne.CanvasObject)] {
			escapes.Delete(k)
		}
		return true
	})
	if top := c.Overlays().Top(); top != nil {
		escapes.Store(top, escape{c: c, cancel: cancel})
	}
}

// onTypedKey is the window's handler for keys typed with nothing focused.
func (a *App) onTypedKey(ev *fyne.KeyEvent) {
	if ev.Name != fyne.KeyEscape {
		return
	}
	a.touch()
	ov := a.win.Canvas().Overlays()
	top := ov.Top()
	if top == nil {
		return
	}
	if e, ok := escapes.Load(top); ok {
		e.(escape).cancel()
	}
}

// showInfo shows a message with an OK button that Escape closes too.
// Its OK is one of the app's buttons, with a focus ring, focused at once so
// that Space, Enter or Escape close it.
func (a *App) showInfo(title, msg string) {
	d := dialog.NewCustomWithoutButtons(title, wrapped(msg), a.win)
	ok := newButton("OK", nil, func() { a.touch(); d.Hide() })
	ok.Importance = widget.HighImportance
	ok.onEscape = ok.OnTapped
	d.SetButtons([]fyne.CanvasObject{ok})
	d.Show()
	a.onEscape(d.Hide)
	// The message wraps at the dialog's width; its height follows once laid out.
	for range 2 {
		d.Resize(fyne.NewSize(480, d.MinSize().Height))
	}
	a.win.Canvas().Focus(ok)
}
