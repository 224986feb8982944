package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"signpost"
)

// unlockScreen asks for the passphrase for this laptop. After a wrong one it says how
// many attempts are left (the cache wipes itself after the last). When the
// laptop has been offline too long it also asks the person to sign in to the
// directory (password and one-time code) before the cache will open.
type unlockScreen struct {
	app      *App
	st       State
	pass     *passphraseEntry
	server   *entry
	username *entry
	password *passphraseEntry
	otp      *entry
	signIn   *fyne.Container
	msg      *widget.Label
	last     *widget.Label // the last attempt before the cache erases itself
	hint     *widget.Label
	submit   *button
	forgot   *button
	help     *widget.Label // what to do about a forgotten passphrase
	busy     bool
	needSign bool

	// newPassword is the one chosen after a reset (issue 14, accounts slice).
	newPassword string
}

func newUnlockScreen(a *App, st State) *unlockScreen { return &unlockScreen{app: a, st: st} }

func (s *unlockScreen) build() fyne.CanvasObject {
	s.pass = newPassphraseEntry()
	s.pass.SetPlaceHolder("Passphrase for this laptop")
	s.server = newEntry()
	s.server.SetText(s.st.Server)
	if s.server.Text == "" {
		s.server.SetText(s.app.prefs.lastServer())
	}
	s.username = newEntry()
	s.username.SetText(s.st.User.Username)
	s.password = newPassphraseEntry()
	s.otp = newEntry()
	s.otp.SetPlaceHolder("6 digits from your authenticator app")
	for _, e := range []*widget.Entry{&s.pass.Entry, &s.server.Entry, &s.username.Entry, &s.password.Entry, &s.otp.Entry} {
		e.OnSubmitted = func(string) { s.onSubmit() }
		e.OnChanged = func(string) { s.app.touch() }
	}
	s.signIn = container.NewVBox(
		wrapped("This laptop has been out of touch with the directory for too long. Sign in to the directory to open it again."),
		widget.NewForm(widget.NewFormItem("Directory address", s.server), widget.NewFormItem("Username", s.username),
			widget.NewFormItem("Directory password", s.password), widget.NewFormItem("", s.password.Caps),
			widget.NewFormItem("One-time code", s.otp)))
	s.signIn.Hide()
	s.msg = errorLabel()
	s.last = wrapped("")
	s.last.Importance = widget.DangerImportance
	s.last.TextStyle = fyne.TextStyle{Bold: true}
	s.showLastAttempt()
	s.hint = wrapped(s.st.Hint)
	s.hint.TextStyle = fyne.TextStyle{Italic: true}
	showIf(s.hint, s.st.Hint != "")
	s.submit = newButton("Unlock", theme.LoginIcon(), s.onSubmit)
	s.submit.Importance = widget.HighImportance
	s.forgot = newButton("Forgot my passphrase?", nil, s.onForgot)
	s.forgot.Importance = widget.LowImportance
	s.help = wrapped("")
	s.help.Hide()
	who := "Type your passphrase to open the records on this laptop."
	if s.st.User.DisplayName != "" {
		who = s.st.User.DisplayName + ", type your passphrase to open the records on this laptop."
	}
	icon := widget.NewIcon(theme.NewPrimaryThemedResource(theme.AccountIcon()))
	body := container.NewVBox(
		container.NewCenter(container.NewGridWrap(fyne.NewSize(64, 64), icon)),
		container.NewCenter(heading("Signpost is locked")),
		wrapped(who), s.pass, s.pass.Caps, s.signIn, s.msg, s.last, container.NewHBox(s.submit, layout.NewSpacer(), s.forgot),
		s.help, s.hint)
	return centred(body, 460)
}

func (s *unlockScreen) setBusy(on bool, text string) {
	s.busy = on
	if on {
		s.submit.Disable()
		s.pass.Disable()
		if text != "" {
			s.submit.SetText(text)
		}
	} else {
		s.submit.Enable()
		s.pass.Enable()
		s.submit.SetText("Unlock")
	}
}

func (s *unlockScreen) onSubmit() {
	s.app.touch()
	if s.busy {
		return
	}
	if s.pass.Text == "" {
		setError(s.msg, "Type your passphrase.")
		s.app.win.Canvas().Focus(s.pass)
		return
	}
	pass := s.pass.Text
	req := SignInRequest{Server: strings.TrimSpace(s.server.Text), Username: strings.TrimSpace(s.username.Text),
		Password: s.password.Text, OTP: strings.TrimSpace(s.otp.Text), NewPassword: s.newPassword}
	if s.needSign {
		err := checkSignIn(req.Password, req.OTP)
		switch {
		case req.Server == "":
			err = signpost.FieldError("server", "enter the directory address")
		case req.Username == "":
			err = signpost.FieldError("username", "enter your username")
		}
		if err != nil {
			setError(s.msg, sentence(signpost.MessageOf(err)))
			return
		}
	}
	setError(s.msg, "")
	s.setBusy(true, "Unlocking…")
	needSign := s.needSign
	s.app.br.run(func(ctx context.Context) error {
		if needSign {
			if err := s.app.svc.SignIn(ctx, req); err != nil {
				return err
			}
		}
		return s.app.svc.Unlock(ctx, pass)
	}, s.onUnlocked)
}

func (s *unlockScreen) onUnlocked(err error) {
	if s.app.unlock != s {
		return // the screen was replaced meanwhile
	}
	s.setBusy(false, "")
	if err == nil {
		s.app.route()
		return
	}
	s.app.log.Info("ui: unlock refused", "kind", signpost.KindOf(err))
	if signpost.FieldOf(err) == signpost.FieldNewPassword { // issue 14, accounts slice: after a reset
		setError(s.msg, sentence(signpost.MessageOf(err)))
		s.app.askNewPassword(func(np string) { s.newPassword = np; s.onSubmit() })
		return
	}
	switch signpost.KindOf(err) {
	case signpost.KindWiped:
		s.app.route()
		return
	case signpost.KindLocked:
		// Too long offline: an online sign-in must come first.
		s.needSign = true
		s.signIn.Show()
		if s.username.Text == "" {
			s.app.win.Canvas().Focus(s.username)
		} else {
			s.app.win.Canvas().Focus(s.password)
		}
	default:
		s.pass.SetText("")
		s.app.win.Canvas().Focus(s.pass)
	}
	_, msg := explain(err)
	setError(s.msg, msg)
	s.showLastAttempt()
}

// onForgot says what to do about a forgotten passphrase: nobody can recover
// it, so the laptop is wiped and set up again, and the changes not yet sent
// are lost (counted from the key file, which a locked laptop can read).
func (s *unlockScreen) onForgot() {
	s.app.touch()
	text := "Nobody can recover a forgotten passphrase: it is the only key to the records on this laptop, and Signpost keeps no copy. " +
		"Ask your IT service to wipe Signpost on this laptop, then set it up again with your directory account; " +
		"your caseload comes back from the directory."
	if st := s.app.svc.State(); st.Stage == StageLocked {
		if st.Unsent > 0 {
			text += " The " + plural(st.Unsent, "change", "changes") + " made on this laptop and not yet sent to the directory would be lost."
		} else {
			text += " Everything done on this laptop has reached the directory, so nothing would be lost."
		}
	}
	s.help.SetText(text + " Do not keep guessing: too many wrong passphrases erase this laptop's Signpost data.")
	s.help.Show()
}

// showLastAttempt warns, before the last attempt, that one more wrong
// passphrase erases the cache and the changes not yet sent (counted from the
// key file, which a locked cache can read).
func (s *unlockScreen) showLastAttempt() {
	st := s.app.svc.State()
	if st.Stage != StageLocked || st.AttemptsLeft != 1 {
		s.last.Hide()
		return
	}
	text := "Last attempt: one more wrong passphrase erases this laptop's Signpost data"
	if st.Unsent > 0 {
		text += ", with the " + plural(st.Unsent, "change", "changes") + " not yet sent to the directory, which would be lost"
	}
	s.last.SetText(text + ". If you are not sure of your passphrase, stop and contact your IT service.")
	s.last.Show()
}
