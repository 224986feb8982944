package ui

import (
	"context"
	"fmt"
	"os"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"signpost"
)

// enrolScreen sets the laptop up the first time: the directory's address, the
// person's sign-in (username, password, one-time code), a passphrase for the
// encrypted cache, then the first sync with a progress bar.
type enrolScreen struct {
	app        *App
	server     *entry
	username   *entry
	password   *passphraseEntry
	otp        *entry
	device     *entry
	passphrase *passphraseEntry
	confirm    *passphraseEntry
	msg        *widget.Label
	submit     *button
	progress   *widget.ProgressBarInfinite
	step       *widget.Label
	busy       bool

	// newPassword is the one chosen after a reset (issue 14, accounts slice).
	newPassword string
}

func newEnrolScreen(a *App) *enrolScreen { return &enrolScreen{app: a} }

func (s *enrolScreen) first() fyne.Focusable {
	if s.server.Text == "" {
		return s.server
	}
	return s.username
}

func (s *enrolScreen) build() fyne.CanvasObject {
	s.server = newEntry()
	s.server.SetPlaceHolder("https://signpost.example.org")
	s.server.SetText(s.app.prefs.lastServer())
	if st := s.app.svc.State(); st.Server != "" {
		s.server.SetText(st.Server)
	}
	s.username = newEntry()
	s.password = newPassphraseEntry()
	s.otp = newEntry()
	s.otp.SetPlaceHolder("6 digits from your authenticator app")
	s.device = newEntry()
	if h, err := os.Hostname(); err == nil {
		s.device.SetText(h)
	}
	s.passphrase = newPassphraseEntry()
	s.passphrase.SetPlaceHolder(fmt.Sprintf("at least %d characters; a short sentence is good", signpost.MinPassphraseLen))
	s.confirm = newPassphraseEntry()
	for _, e := range s.entries() {
		e.OnSubmitted = func(string) { s.onSubmit() }
		e.OnChanged = func(string) { s.app.touch() }
	}
	form := widget.NewForm(
		widget.NewFormItem("Directory address", s.server),
		widget.NewFormItem("Username", s.username),
		widget.NewFormItem("Password", s.password),
		widget.NewFormItem("", s.password.Caps),
		widget.NewFormItem("One-time code", s.otp),
		widget.NewFormItem("Name of this laptop", s.device),
		widget.NewFormItem("Passphrase for this laptop", s.passphrase),
		widget.NewFormItem("", s.passphrase.Caps),
		widget.NewFormItem("Passphrase again", s.confirm),
		widget.NewFormItem("", s.confirm.Caps),
	)
	s.msg = errorLabel()
	s.submit = newButton("Set up this laptop", theme.ConfirmIcon(), s.onSubmit)
	s.submit.Importance = widget.HighImportance
	s.progress = widget.NewProgressBarInfinite()
	s.progress.Stop()
	s.progress.Hide()
	s.step = widget.NewLabel("")
	s.step.Hide()
	intro := wrapped("Signpost keeps the records of the children you work with on this laptop, encrypted, " +
		"so that you can use it without a signal. Sign in once with your directory account, then choose a " +
		"passphrase: you will type it to unlock Signpost each day. It is not your directory password.")
	body := container.NewVBox(heading("Set up Signpost on this laptop"), intro, form, s.msg,
		container.NewHBox(s.submit), s.progress, s.step)
	return centred(body, 640)
}

// validate checks the form and returns the first problem, with the field to
// focus.
// entries are the form's fields, in order.
func (s *enrolScreen) entries() []*widget.Entry {
	return []*widget.Entry{&s.server.Entry, &s.username.Entry, &s.password.Entry, &s.otp.Entry, &s.device.Entry,
		&s.passphrase.Entry, &s.confirm.Entry}
}

func (s *enrolScreen) validate() (error, fyne.Focusable) {
	switch {
	case strings.TrimSpace(s.server.Text) == "":
		return signpost.FieldError("server", "enter the directory address your IT service gave you"), s.server
	case strings.TrimSpace(s.username.Text) == "":
		return signpost.FieldError("username", "enter your username"), s.username
	}
	if err := checkSignIn(s.password.Text, s.otp.Text); err != nil {
		if signpost.FieldOf(err) == "password" {
			return err, s.password
		}
		return err, s.otp
	}
	if strings.TrimSpace(s.device.Text) == "" {
		return signpost.FieldError("device_name", "give this laptop a name your IT service will recognise"), s.device
	}
	if err := checkNewPassphrase(s.passphrase.Text, s.confirm.Text); err != nil {
		if signpost.FieldOf(err) == "confirm" {
			return err, s.confirm
		}
		return err, s.passphrase
	}
	return nil, nil
}

// checkNewPassphrase checks a new passphrase and its confirmation.
func checkNewPassphrase(pass, confirm string) error {
	if len([]rune(pass)) < signpost.MinPassphraseLen {
		return signpost.FieldError("passphrase", "the passphrase needs at least %d characters", signpost.MinPassphraseLen)
	}
	if pass != confirm {
		return signpost.FieldError("confirm", "the two passphrases are not the same")
	}
	return nil
}

func (s *enrolScreen) onSubmit() {
	s.app.touch()
	if s.busy {
		return
	}
	if err, at := s.validate(); err != nil {
		setError(s.msg, sentence(signpost.MessageOf(err)))
		s.app.win.Canvas().Focus(at)
		return
	}
	setError(s.msg, "")
	req := EnrolRequest{
		Server: strings.TrimSpace(s.server.Text), Username: strings.TrimSpace(s.username.Text),
		Password: s.password.Text, OTP: strings.TrimSpace(s.otp.Text),
		DeviceName: strings.TrimSpace(s.device.Text), Passphrase: s.passphrase.Text,
		NewPassword: s.newPassword, // issue 14, accounts slice
	}
	s.setBusy(true)
	s.showStep(Status{Step: "Signing in", Syncing: true})
	progress := func(st Status) { s.app.br.post(func() { s.showStep(st) }) }
	s.app.br.run(func(ctx context.Context) error { return s.app.svc.Enrol(ctx, req, progress) }, s.onEnrolled)
}

func (s *enrolScreen) onEnrolled(err error) {
	s.setBusy(false)
	if err != nil {
		s.app.log.Warn("ui: enrolling", "kind", signpost.KindOf(err), "err", err)
		_, msg := explain(err)
		setError(s.msg, msg)
		s.step.Hide()
		switch signpost.FieldOf(err) {
		case signpost.FieldNewPassword: // issue 14, accounts slice: after a reset
			s.app.askNewPassword(func(pw string) { s.newPassword = pw; s.onSubmit() })
		case "otp":
			s.app.win.Canvas().Focus(s.otp)
		case "server":
			s.app.win.Canvas().Focus(s.server)
		}
		return
	}
	s.app.prefs.setLastServer(strings.TrimSpace(s.server.Text))
	s.app.route()
}

func (s *enrolScreen) showStep(st Status) {
	if !s.busy {
		return
	}
	s.step.SetText(syncStep(st))
	s.step.Show()
}

func (s *enrolScreen) setBusy(on bool) {
	s.busy = on
	for _, e := range s.entries() {
		if on {
			e.Disable()
		} else {
			e.Enable()
		}
	}
	if on {
		s.submit.Disable()
		s.progress.Show()
		s.progress.Start()
	} else {
		s.submit.Enable()
		s.progress.Stop()
		s.progress.Hide()
	}
}

// centred puts a column of the given width in the middle of the window,
// scrolling if the window is short.
func centred(body fyne.CanvasObject, width float32) fyne.CanvasObject {
	col := container.New(&fixedWidth{w: width}, body)
	return container.NewVScroll(container.NewCenter(container.NewPadded(col)))
}

// fixedWidth lays one object out at a fixed width (or less, if the window is
// narrower) and its minimum height.
type fixedWidth struct{ w float32 }

func (l *fixedWidth) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Resize(fyne.NewSize(size.Width, o.MinSize().Height))
		o.Move(fyne.NewPos(0, 0))
	}
}

func (l *fixedWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for _, o := range objs {
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(l.w, h)
}
