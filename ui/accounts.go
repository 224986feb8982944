package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/pquerna/otp"

	"signpost"
)

// accountsScreen is the management team's (issue 14, accounts slice): the
// people of their authority's organisations, with Create user, Disable and
// Enable, Reset authenticator and Reset password; the organisations, each
// with an Accredited switch; and the team's own contact details, which
// practitioners see on every withheld record. All of it is online only:
// nothing is kept on this laptop, and the enrolment secrets are shown once.
type accountsScreen struct {
	app     *App
	tabs    *container.AppTabs
	summary *widget.Label
	list    *widget.List
	create  *button
	more    *button
	people  []signpost.AccountSummary
	next    string
	gen     int
	dlg     *formDialog

	orgSummary *widget.Label
	orgList    *widget.List
	orgs       []signpost.Organisation

	phone, email *entry
	contactMsg   *widget.Label
	saveContact  *button

	// shown is the enrolment dialog on screen (for tests).
	shown *enrolmentView
}

func newAccountsScreen(a *App) *accountsScreen { return &accountsScreen{app: a} }

func (s *accountsScreen) build() fyne.CanvasObject {
	s.summary = wrapped("Loading…")
	s.list = widget.NewList(func() int { return len(s.people) }, s.newRow, s.updateRow)
	s.list.OnSelected = func(widget.ListItemID) { s.list.UnselectAll() }
	s.create = newButton("Create user…", theme.ContentAddIcon(), s.onCreate)
	s.create.Importance = widget.HighImportance
	s.more = newButton("Show more", theme.MoreHorizontalIcon(), func() { s.app.touch(); s.loadPage(s.next) })
	s.more.Hide()
	refresh := newButton("Refresh", theme.ViewRefreshIcon(), func() { s.app.touch(); s.load() })
	people := container.NewBorder(container.NewVBox(container.NewBorder(nil, nil, nil, container.NewHBox(refresh, s.create), heading("People")), s.summary),
		s.more, nil, nil, s.list)

	s.orgSummary = wrapped("Loading…")
	s.orgList = widget.NewList(func() int { return len(s.orgs) }, s.newOrgRow, s.updateOrgRow)
	s.orgList.OnSelected = func(widget.ListItemID) { s.orgList.UnselectAll() }
	orgIntro := wrapped("The users of an organisation that is not accredited cannot sign in to Signpost.")
	orgIntro.TextStyle = fyne.TextStyle{Italic: true}
	orgs := container.NewBorder(container.NewVBox(heading("Organisations"), orgIntro, s.orgSummary), nil, nil, nil, s.orgList)

	s.phone, s.email = newEntry(), newEntry()
	s.phone.SetPlaceHolder("e.g. 0113 496 0000")
	s.email.SetPlaceHolder("e.g. signpost.team@example.gov.uk")
	s.contactMsg = errorLabel()
	s.saveContact = newButton("Save…", theme.DocumentSaveIcon(), s.onSaveContact)
	contactIntro := wrapped("Practitioners see these on every record that is withheld from them, to reach your team.")
	contactIntro.TextStyle = fyne.TextStyle{Italic: true}
	contact := container.NewVBox(heading("Our contact details"), contactIntro, field("Phone", s.phone), field("Email", s.email),
		s.contactMsg, container.NewHBox(s.saveContact))

	s.tabs = container.NewAppTabs(container.NewTabItem("People", people), container.NewTabItem("Organisations", orgs),
		container.NewTabItem("Our contact details", contact))
	s.tabs.OnSelected = func(*container.TabItem) { s.app.touch(); s.loadSelected() }
	return s.tabs
}

// load reads the first page of people (and what the other tabs show).
func (s *accountsScreen) load() {
	s.people, s.next = nil, ""
	s.loadPage("")
	s.loadOrganisations()
	s.loadContact()
}

func (s *accountsScreen) loadSelected() {
	switch s.tabs.SelectedIndex() {
	case 1:
		s.loadOrganisations()
	case 2:
		s.loadContact()
	default:
		s.load()
	}
}

// offline says what a list needs when the directory cannot be reached.
func offline(err error, what string) string {
	if signpost.KindOf(err) == signpost.KindUnavailable {
		return what + " needs a connection to the directory, which cannot be reached; try again when you are online."
	}
	return sentence(signpost.MessageOf(err))
}

func (s *accountsScreen) loadPage(after string) {
	s.gen++
	gen := s.gen
	fetch(s.app.br, func(ctx context.Context) (signpost.AccountsResponse, error) { return s.app.svc.Accounts(ctx, after) },
		func(page signpost.AccountsResponse, err error) {
			if gen != s.gen {
				return
			}
			if err != nil {
				s.summary.SetText(offline(err, "The list of people"))
				s.app.log.Warn("ui: listing accounts", "kind", signpost.KindOf(err), "err", err)
				return
			}
			if after == "" {
				s.people = nil
			}
			s.people, s.next = append(s.people, page.Accounts...), page.Next
			disabled := 0
			for _, p := range s.people {
				if p.Disabled {
					disabled++
				}
			}
			text := plural(len(s.people), "person", "people") + " in your authority's organisations"
			if s.next != "" {
				text += " so far"
			}
			if disabled > 0 {
				text += "; " + plural(disabled, "account is", "accounts are") + " disabled"
			}
			s.summary.SetText(text + ".")
			showIf(s.more, s.next != "")
			s.list.Refresh()
		})
}

type accountRow struct {
	widget.BaseWidget
	name, detail      *widget.Label
	disabled, waiting *badge
	toggle            *button // Disable… or Enable…
	resetOTP, resetPW *button
	content           fyne.CanvasObject
	acc               signpost.AccountSummary
}

const (
	badgeDisabled    = "Disabled"
	badgeNewPassword = "Must choose a new password"
)

func (s *accountsScreen) newRow() fyne.CanvasObject {
	r := &accountRow{name: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), detail: widget.NewLabel(""),
		disabled: newBadge(badgeDisabled), waiting: newBadge(badgeNewPassword)}
	r.detail.TextStyle = fyne.TextStyle{Italic: true}
	r.detail.Truncation = fyne.TextTruncateEllipsis
	r.toggle = newButton("Disable…", nil, func() { s.onToggle(r.acc) })
	r.resetOTP = newButton("Reset authenticator…", nil, func() { s.onReset(r.acc, actionResetAuthenticator) })
	r.resetPW = newButton("Reset password…", nil, func() { s.onReset(r.acc, actionResetPassword) })
	r.content = container.NewBorder(nil, nil, nil, container.NewCenter(container.NewHBox(r.toggle, r.resetOTP, r.resetPW)),
		container.NewVBox(container.NewHBox(r.name, r.disabled, r.waiting), r.detail))
	r.ExtendBaseWidget(r)
	return r
}

func (r *accountRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.content) }

func (s *accountsScreen) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	if i < 0 || i >= len(s.people) {
		return
	}
	p, r := s.people[i], o.(*accountRow)
	r.acc = p
	r.name.SetText(signpost.Printable(p.DisplayName) + " — " + signpost.Printable(p.Username))
	last := "never signed in"
	if !p.LastSignIn.IsZero() {
		last = "last signed in " + when(p.LastSignIn, s.app.now())
	}
	parts := []string{accountRole(p.Role)}
	if p.JobTitle != "" {
		parts = append(parts, signpost.Printable(p.JobTitle))
	}
	parts = append(parts, signpost.Printable(p.Organisation), last, plural(p.Devices, "laptop", "laptops"))
	r.detail.SetText(strings.Join(parts, " · "))
	showIf(r.disabled, p.Disabled)
	showIf(r.waiting, p.MustChangePassword)
	if p.Disabled {
		r.toggle.SetText("Enable…")
		r.toggle.Importance = widget.MediumImportance
	} else {
		r.toggle.SetText("Disable…")
		r.toggle.Importance = widget.DangerImportance
	}
	r.Refresh()
}

// accountRole says a role as people say it.
func accountRole(role string) string {
	switch role {
	case signpost.RolePractitioner:
		return "Practitioner"
	case signpost.RoleManagement:
		return "Management team"
	case signpost.RoleITAdmin:
		return "IT administrator"
	}
	return role
}

// Account actions, as the services name them.
const (
	actionDisable            = "disable"
	actionEnable             = "enable"
	actionResetAuthenticator = "reset-authenticator"
	actionResetPassword      = "reset-password"
)

// onToggle asks why an account is to be disabled or enabled.
func (s *accountsScreen) onToggle(p signpost.AccountSummary) {
	action, title, confirm, intro := actionDisable, "Disable "+signpost.Printable(p.DisplayName), "Disable the account",
		fmt.Sprintf("%s will not be able to sign in or use Signpost on any laptop until the account is enabled again.", signpost.Printable(p.DisplayName))
	if p.Disabled {
		action, title, confirm, intro = actionEnable, "Enable "+signpost.Printable(p.DisplayName), "Enable the account",
			fmt.Sprintf("%s will be able to sign in again.", signpost.Printable(p.DisplayName))
	}
	s.askAction(p, action, title, confirm, intro, nil)
}

// onReset asks why an authenticator or password is to be reset, then shows
// the new secret once.
func (s *accountsScreen) onReset(p signpost.AccountSummary, action string) {
	name := signpost.Printable(p.DisplayName)
	title, confirm := "Reset the authenticator of "+name, "Reset the authenticator"
	intro := name + " is signed out on every laptop and needs the new QR code, shown next, in their authenticator app to sign in again."
	if action == actionResetPassword {
		title, confirm = "Reset the password of "+name, "Reset the password"
		intro = name + " is signed out on every laptop. A temporary password is shown next, once: they sign in with it and then choose their own."
	}
	s.askAction(p, action, title, confirm, intro, func(en signpost.Enrolment) { s.showEnrolment(title, en) })
}

// askAction asks for the reason of an action on an account and runs it;
// then, when set, gets the answer. The confirm button is never the default:
// each of these changes what a person can do.
func (s *accountsScreen) askAction(p signpost.AccountSummary, action, title, confirm, intro string, then func(signpost.Enrolment)) {
	s.app.touch()
	reason := newReasonEntry(2)
	reason.SetPlaceHolder("e.g. left the service; lost their phone")
	var answer signpost.Enrolment
	s.dlg = s.app.newFormDialog(title, confirm, intro, []*widget.FormItem{widget.NewFormItem("Why", reason)},
		func() error { return checkReason(reason.Text) },
		func() job {
			why := strings.TrimSpace(reason.Text)
			return func(ctx context.Context) error {
				var err error
				answer, err = s.app.svc.AccountAction(ctx, p.Username, action, why)
				return err
			}
		},
		func() {
			s.load()
			if then != nil {
				then(answer)
			}
		})
	s.dlg.guarded()
	if action != actionEnable {
		s.dlg.confirm.Importance = widget.DangerImportance
		s.dlg.confirm.Refresh()
	}
	s.dlg.show()
	s.app.win.Canvas().Focus(reason)
}

// checkReason checks a reason before it is sent, as the directory will.
func checkReason(s string) error {
	if strings.TrimSpace(s) == "" {
		return signpost.FieldError("reason", "say why; the reason is recorded in the audit")
	}
	return signpost.CheckReason("reason", s, signpost.MaxReasonLen)
}

// onCreate asks for a new user's details.
func (s *accountsScreen) onCreate() {
	s.app.touch()
	username, name, title, phone, email := newEntry(), newEntry(), newEntry(), newEntry(), newEntry()
	roles := []string{accountRole(signpost.RolePractitioner), accountRole(signpost.RoleManagement), accountRole(signpost.RoleITAdmin)}
	role := widget.NewSelect(roles, func(string) { s.app.touch() })
	role.SetSelected(roles[0])
	var orgNames []string
	for _, o := range s.orgs {
		orgNames = append(orgNames, o.Name)
	}
	org := widget.NewSelect(orgNames, func(string) { s.app.touch() })
	if len(orgNames) > 0 {
		org.SetSelected(orgNames[0])
	}
	reason := newReasonEntry(2)
	reason.SetPlaceHolder("e.g. started in the school nursing team")
	var en signpost.Enrolment
	s.dlg = s.app.newFormDialog("Create a user", "Create the user",
		"The new user gets a temporary password and a QR code for their authenticator app, both shown next, once. They choose their own password at their first sign-in.",
		[]*widget.FormItem{widget.NewFormItem("Username", username), widget.NewFormItem("Full name", name), widget.NewFormItem("Role", role),
			widget.NewFormItem("Organisation", org), widget.NewFormItem("Job title", title), widget.NewFormItem("Phone", phone),
			widget.NewFormItem("Email", email), widget.NewFormItem("Why", reason)},
		func() error {
			if err := required(username.Text, "username"); err != nil {
				return err
			}
			if err := required(name.Text, "full name"); err != nil {
				return err
			}
			if org.Selected == "" {
				return signpost.FieldError("organisation", "choose the organisation")
			}
			if err := signpost.CheckPhone("phone", strings.TrimSpace(phone.Text)); err != nil {
				return err
			}
			if err := signpost.CheckEmail("email", strings.TrimSpace(email.Text)); err != nil {
				return err
			}
			return checkReason(reason.Text)
		},
		func() job {
			req := signpost.NewAccountRequest{Username: strings.TrimSpace(username.Text), DisplayName: strings.TrimSpace(name.Text),
				Role: roleOf(role.Selected), Organisation: org.Selected, JobTitle: strings.TrimSpace(title.Text),
				Phone: strings.TrimSpace(phone.Text), Email: strings.TrimSpace(email.Text), Reason: strings.TrimSpace(reason.Text)}
			return func(ctx context.Context) error {
				var err error
				en, err = s.app.svc.CreateAccount(ctx, req)
				return err
			}
		},
		func() {
			s.load()
			s.showEnrolment("New user "+signpost.Printable(en.Account.DisplayName), en)
		})
	s.dlg.show()
	s.app.win.Canvas().Focus(username)
}

func roleOf(name string) string {
	for _, r := range []string{signpost.RolePractitioner, signpost.RoleManagement, signpost.RoleITAdmin} {
		if accountRole(r) == name {
			return r
		}
	}
	return name
}

// enrolmentView is the once-only view of new secrets: the QR code of the
// otpauth URL (made by github.com/pquerna/otp through boombuler/barcode),
// the URL as text to select, and the temporary password. None of it is
// saved anywhere on this laptop or logged.
type enrolmentView struct {
	qr       *canvas.Image
	url      *widget.Entry
	password *widget.Entry
}

// showEnrolment shows new secrets once, in a dialog.
func (s *accountsScreen) showEnrolment(title string, en signpost.Enrolment) {
	v := &enrolmentView{}
	var parts []fyne.CanvasObject
	if en.OTPAuthURL != "" {
		parts = append(parts, wrapped("Scan this with the authenticator app on "+signpost.Printable(en.Account.DisplayName)+"'s phone:"))
		if key, err := otp.NewKeyFromURL(en.OTPAuthURL); err == nil {
			if img, err := key.Image(240, 240); err == nil {
				v.qr = canvas.NewImageFromImage(img)
				v.qr.FillMode = canvas.ImageFillContain
				v.qr.SetMinSize(fyne.NewSize(240, 240))
				parts = append(parts, container.NewCenter(v.qr))
			}
		}
		v.url = selectable(en.OTPAuthURL)
		parts = append(parts, wrapped("Or type this into the app by hand:"), v.url)
	}
	if en.TemporaryPassword != "" {
		v.password = selectable(en.TemporaryPassword)
		parts = append(parts, wrapped("Temporary password, for one sign-in (they then choose their own):"), v.password)
	}
	note := wrapped("This is shown only now: Signpost keeps it nowhere on this laptop. Pass it on in person or by a safe channel.")
	note.TextStyle = fyne.TextStyle{Italic: true}
	parts = append(parts, note)
	s.shown = v
	d := s.app.newFormDialog(title, "Done", "", nil, nil, nil, func() { s.shown = nil })
	d.content.Objects = append(parts, d.msg)
	d.cancel.Hide()
	d.show()
}

// selectable is text a person can select and copy but not change.
func selectable(text string) *widget.Entry {
	e := widget.NewEntry()
	e.SetText(text)
	e.Wrapping = fyne.TextWrapBreak
	e.MultiLine = true
	e.OnChanged = func(s string) {
		if s != text {
			e.SetText(text)
		}
	}
	return e
}

// Organisations.

func (s *accountsScreen) loadOrganisations() {
	fetch(s.app.br, s.app.svc.Organisations, func(os []signpost.Organisation, err error) {
		if err != nil {
			s.orgSummary.SetText(offline(err, "The list of organisations"))
			s.app.log.Warn("ui: listing organisations", "kind", signpost.KindOf(err), "err", err)
			return
		}
		s.orgs = os
		off := 0
		for _, o := range os {
			if !o.Accredited {
				off++
			}
		}
		text := plural(len(os), "organisation", "organisations") + " in your authority"
		if off > 0 {
			text += "; " + plural(off, "is", "are") + " not accredited"
		}
		s.orgSummary.SetText(text + ".")
		s.orgList.Refresh()
	})
}

type orgRow struct {
	widget.BaseWidget
	name       *widget.Label
	accredited *widget.Check
	content    fyne.CanvasObject
	org        signpost.Organisation
	updating   bool
}

func (s *accountsScreen) newOrgRow() fyne.CanvasObject {
	r := &orgRow{name: widget.NewLabel("")}
	r.accredited = widget.NewCheck("Accredited", func(on bool) {
		if !r.updating {
			s.onAccredit(r, on)
		}
	})
	r.content = container.NewBorder(nil, nil, nil, r.accredited, r.name)
	r.ExtendBaseWidget(r)
	return r
}

func (r *orgRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.content) }

func (s *accountsScreen) updateOrgRow(i widget.ListItemID, o fyne.CanvasObject) {
	if i < 0 || i >= len(s.orgs) {
		return
	}
	org, r := s.orgs[i], o.(*orgRow)
	r.org = org
	r.name.SetText(signpost.Printable(org.Name) + " · " + plural(org.Users, "user", "users"))
	r.updating = true
	r.accredited.SetChecked(org.Accredited)
	r.updating = false
}

// onAccredit asks why an organisation's accreditation changes; cancelled,
// the switch goes back.
func (s *accountsScreen) onAccredit(r *orgRow, on bool) {
	s.app.touch()
	org := r.org
	title, confirm := "Accredit "+signpost.Printable(org.Name), "Accredit"
	intro := "Its users will be able to sign in to Signpost."
	if !on {
		title, confirm = "Withdraw the accreditation of "+signpost.Printable(org.Name), "Withdraw the accreditation"
		intro = fmt.Sprintf("Its %s will be signed out and unable to sign in until it is accredited again.", plural(org.Users, "user", "users"))
	}
	reason := newReasonEntry(2)
	done := false
	s.dlg = s.app.newFormDialog(title, confirm, intro, []*widget.FormItem{widget.NewFormItem("Why", reason)},
		func() error { return checkReason(reason.Text) },
		func() job {
			why := strings.TrimSpace(reason.Text)
			return func(ctx context.Context) error {
				_, err := s.app.svc.SetAccredited(ctx, org.ID, on, why)
				return err
			}
		},
		func() { done = true; s.loadOrganisations() })
	s.dlg.guarded()
	if !on {
		s.dlg.confirm.Importance = widget.DangerImportance
		s.dlg.confirm.Refresh()
	}
	s.dlg.d.SetOnClosed(func() {
		s.dlg.open = false
		if !done {
			s.orgList.Refresh() // back to what the directory holds
		}
	})
	s.dlg.show()
	s.app.win.Canvas().Focus(reason)
}

// Our contact details.

func (s *accountsScreen) loadContact() {
	fetch(s.app.br, s.app.svc.TeamContact, func(tc signpost.TeamContact, err error) {
		if err != nil {
			setError(s.contactMsg, offline(err, "Your team's contact details"))
			return
		}
		setError(s.contactMsg, "")
		s.phone.SetText(tc.Phone)
		s.email.SetText(tc.Email)
	})
}

// onSaveContact checks the phone and email, asks why, and saves them.
func (s *accountsScreen) onSaveContact() {
	s.app.touch()
	phone, email := strings.TrimSpace(s.phone.Text), strings.TrimSpace(s.email.Text)
	err := signpost.CheckPhone("phone", phone)
	if err == nil {
		err = signpost.CheckEmail("email", email)
	}
	if err == nil && phone == "" && email == "" {
		err = signpost.FieldError("phone", "give a phone or an email: a withheld record must say how to reach your team")
	}
	if err != nil {
		setError(s.contactMsg, sentence(signpost.MessageOf(err)))
		return
	}
	setError(s.contactMsg, "")
	reason := newReasonEntry(2)
	s.dlg = s.app.newFormDialog("Change your team's contact details", "Save", "Practitioners will see "+strings.Trim(phone+" · "+email, " ·")+" on every withheld record.",
		[]*widget.FormItem{widget.NewFormItem("Why", reason)},
		func() error { return checkReason(reason.Text) },
		func() job {
			tc := signpost.TeamContact{Phone: phone, Email: email, Reason: strings.TrimSpace(reason.Text)}
			return func(ctx context.Context) error {
				_, err := s.app.svc.SetTeamContact(ctx, tc)
				return err
			}
		},
		func() { s.loadContact(); s.app.showInfo("Saved", "Your team's contact details are saved.") })
	s.dlg.show()
	s.app.win.Canvas().Focus(reason)
}

// askNewPassword asks a person whose password was reset to choose a new
// one (the directory asks before it signs them in), then calls then with it.
func (a *App) askNewPassword(then func(newPassword string)) *formDialog {
	pw, again := widget.NewPasswordEntry(), widget.NewPasswordEntry()
	var f *formDialog
	f = a.newFormDialog("Choose a new password", "Sign in with it",
		"Your management team gave you a password for one sign-in. Choose your own: at least 12 characters.",
		[]*widget.FormItem{widget.NewFormItem("New password", pw), widget.NewFormItem("Again", again)},
		func() error {
			if len([]rune(pw.Text)) < signpost.MinPasswordLen {
				return signpost.FieldError("new_password", "the new password needs at least %d characters", signpost.MinPasswordLen)
			}
			if pw.Text != again.Text {
				return signpost.FieldError("new_password", "the two passwords are not the same")
			}
			return nil
		}, nil, func() { then(pw.Text) })
	f.show()
	a.win.Canvas().Focus(pw)
	return f
}
