package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"signpost"
)

// settingsScreen: change the cache passphrase, the auto-lock time (within
// the policy), the directory address, and what Signpost is.
type settingsScreen struct {
	app       *App
	st        State
	oldPass   *passphraseEntry
	newPass   *passphraseEntry
	confirm   *passphraseEntry
	passMsg   *widget.Label
	passBtn   *button
	idle      *widget.Select
	server    *entry
	serverMsg *widget.Label
	serverBtn *button
	notify    *notifySettings // issue 16, slice app: not for the IT service
}

func newSettingsScreen(a *App, st State) *settingsScreen { return &settingsScreen{app: a, st: st} }

func (s *settingsScreen) build() fyne.CanvasObject {
	s.oldPass = newPassphraseEntry()
	s.newPass = newPassphraseEntry()
	s.newPass.SetPlaceHolder(fmt.Sprintf("at least %d characters", signpost.MinPassphraseLen))
	s.confirm = newPassphraseEntry()
	for _, e := range []*widget.Entry{&s.oldPass.Entry, &s.newPass.Entry, &s.confirm.Entry} {
		e.OnSubmitted = func(string) { s.onChangePassphrase() }
		e.OnChanged = func(string) { s.app.touch() }
	}
	s.passMsg = errorLabel()
	s.passBtn = newButton("Change passphrase", theme.ConfirmIcon(), s.onChangePassphrase)
	pass := container.NewVBox(heading("Passphrase for this laptop"),
		dim("The passphrase unlocks the records on this laptop. Changing it does not change your directory password."),
		widget.NewForm(widget.NewFormItem("Current passphrase", s.oldPass), widget.NewFormItem("", s.oldPass.Caps),
			widget.NewFormItem("New passphrase", s.newPass), widget.NewFormItem("", s.newPass.Caps),
			widget.NewFormItem("New passphrase again", s.confirm), widget.NewFormItem("", s.confirm.Caps)),
		s.passMsg, container.NewHBox(s.passBtn))

	maxIdle := s.st.Policy.IdleLockMinutes
	if maxIdle <= 0 {
		maxIdle = signpost.DefaultPolicy().IdleLockMinutes
	}
	var opts []string
	for _, m := range []int{1, 2, 5, 10, 15, 20, 30, 60} {
		if m < maxIdle {
			opts = append(opts, minutes(m))
		}
	}
	opts = append(opts, minutes(maxIdle))
	s.idle = widget.NewSelect(opts, s.onIdle)
	s.idle.SetSelected(minutes(s.app.prefs.idleLockMinutes(maxIdle)))
	idle := container.NewVBox(heading("Auto-lock"),
		dim(fmt.Sprintf("Signpost locks itself when the laptop is not used for a while. Your organisation allows at most %s.", minutes(maxIdle))),
		container.NewHBox(widget.NewLabel("Lock after"), s.idle, widget.NewLabel("without use")))

	s.server = newEntry()
	s.server.SetText(s.st.Server)
	s.server.OnSubmitted = func(string) { s.onServer() }
	s.server.OnChanged = func(string) { s.app.touch() }
	s.serverMsg = errorLabel()
	s.serverBtn = newButton("Save address", nil, s.onServer)
	server := container.NewVBox(heading("Directory"),
		dim("Change the address only when your IT service tells you to."),
		container.NewBorder(nil, nil, nil, s.serverBtn, s.server), s.serverMsg)

	version := s.app.version
	if version == "" {
		version = "development build"
	}
	u := s.st.User
	about := container.NewVBox(heading("About Signpost"),
		wrapped("Signpost "+version+". Signpost tells people who work with children who else works with the same child, "+
			"and how to reach them. It holds no case notes."),
		wrapped("Signed in as "+u.DisplayName+" ("+u.Username+", "+roleName(u)+"). Records on this laptop are encrypted "+
			"with your passphrase; every search and view is recorded in the audit."))

	col := container.NewVBox(pass, widget.NewSeparator(), idle, widget.NewSeparator(), server, widget.NewSeparator(), about)
	if u.Role != signpost.RoleITAdmin { // issue 16, slice app
		s.notify = newNotifySettings(s.app)
		col.Objects = append(col.Objects[:4], append([]fyne.CanvasObject{s.notify.build(), widget.NewSeparator()}, col.Objects[4:]...)...)
	}
	return container.NewVScroll(container.NewPadded(container.New(&maxWidth{w: 720}, col)))
}

func minutes(m int) string {
	if m == 1 {
		return "1 minute"
	}
	return strconv.Itoa(m) + " minutes"
}

func roleName(u signpost.User) string {
	switch u.Role {
	case signpost.RoleManagement:
		return "management team"
	case signpost.RoleITAdmin:
		return "IT service"
	}
	if u.ChildProtection {
		return "practitioner, child protection"
	}
	return "practitioner"
}

func (s *settingsScreen) onIdle(v string) {
	s.app.touch()
	m, err := strconv.Atoi(strings.Fields(v)[0])
	if err == nil {
		s.app.prefs.setIdleLockMinutes(m)
	}
}

func (s *settingsScreen) onChangePassphrase() {
	s.app.touch()
	if s.oldPass.Text == "" {
		setError(s.passMsg, "Type your current passphrase.")
		return
	}
	if err := checkNewPassphrase(s.newPass.Text, s.confirm.Text); err != nil {
		setError(s.passMsg, sentence(signpost.MessageOf(err)))
		return
	}
	setError(s.passMsg, "")
	oldPass, newPass := s.oldPass.Text, s.newPass.Text
	s.passBtn.Disable()
	s.app.br.run(func(ctx context.Context) error { return s.app.svc.ChangePassphrase(ctx, oldPass, newPass) }, func(err error) {
		s.passBtn.Enable()
		s.oldPass.SetText("")
		if err != nil {
			s.app.log.Warn("ui: changing passphrase", "kind", signpost.KindOf(err), "err", err)
			_, msg := explain(err)
			setError(s.passMsg, msg)
			if signpost.KindOf(err) == signpost.KindWiped {
				s.app.route()
			}
			return
		}
		s.newPass.SetText("")
		s.confirm.SetText("")
		s.passMsg.Importance = widget.SuccessImportance
		setError(s.passMsg, "Your passphrase is changed. Use the new one next time you unlock.")
		s.passMsg.Importance = widget.DangerImportance
	})
}

func (s *settingsScreen) onServer() {
	s.app.touch()
	u := strings.TrimSpace(s.server.Text)
	if u == "" {
		setError(s.serverMsg, "Enter the directory address.")
		return
	}
	s.serverBtn.Disable()
	s.app.br.run(func(ctx context.Context) error { return s.app.svc.SetServer(ctx, u) }, func(err error) {
		s.serverBtn.Enable()
		if err != nil {
			_, msg := explain(err)
			setError(s.serverMsg, msg)
			return
		}
		s.app.prefs.setLastServer(u)
		s.serverMsg.Importance = widget.SuccessImportance
		setError(s.serverMsg, "Saved. Signpost syncs with "+u+" from now on.")
		s.serverMsg.Importance = widget.DangerImportance
	})
}

// maxWidth lays objects out no wider than w, at the left.
type maxWidth struct{ w float32 }

func (l *maxWidth) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(fyne.NewSize(min(size.Width, l.w), size.Height))
	}
}

func (l *maxWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		s = s.Max(o.MinSize())
	}
	return s
}
