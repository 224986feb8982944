package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"signpost"
)

// Issue 14, accounts slice: the management team's Accounts tab.

const testOTPURL = "otpauth://totp/Signpost:newnurse?algorithm=SHA1&digits=6&issuer=Signpost&period=30&secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

func accountsManagerFake() *fake {
	f := readyFake()
	f.state.User = signpost.User{Username: "manager", DisplayName: "Maria Green", Role: signpost.RoleManagement, Organisation: "Leeds City Council Children's Services", Authority: "Leeds"}
	f.acct = fakeAccounts{
		people: []signpost.AccountSummary{
			{Username: "nurse", DisplayName: "Nadia Shah", Role: signpost.RolePractitioner, JobTitle: "School nurse", Organisation: "Leeds Community Healthcare NHS Trust",
				LastSignIn: time.Date(2026, 11, 23, 9, 0, 0, 0, time.Local), Devices: 2},
			{Username: "leaver", DisplayName: "Lee Leaver", Role: signpost.RolePractitioner, Organisation: "Leeds Community Healthcare NHS Trust", Disabled: true},
		},
		orgs: []signpost.Organisation{{ID: 3, Name: "Leeds Community Healthcare NHS Trust", Accredited: true, Users: 2},
			{ID: 7, Name: "Leeds Youth Project", Accredited: false, Users: 0}},
		contact:   signpost.TeamContact{Phone: "0113 496 0303", Email: "signpost.team@example.gov.uk"},
		enrolment: signpost.Enrolment{OTPAuthURL: testOTPURL, TemporaryPassword: "abcd-efgh-jkmn-pqrs"},
	}
	return f
}

// accountsTab opens the Accounts tab of a manager's app.
func accountsTab(t *testing.T, f *fake) (*harness, *accountsScreen) {
	t.Helper()
	h := newHarness(t, f)
	if h.app.home == nil || h.app.home.accounts == nil {
		t.Fatal("the management team has no Accounts tab")
	}
	h.app.home.selectTab(tabAccounts)
	h.settle()
	return h, h.app.home.accounts
}

func (s *accountsScreen) row(t *testing.T, i int) *accountRow {
	t.Helper()
	r := s.newRow().(*accountRow)
	s.updateRow(i, r)
	return r
}

func TestOnlyTheManagementTeamHasAnAccountsTab(t *testing.T) {
	for _, c := range []struct {
		role string
		want bool
	}{{signpost.RolePractitioner, false}, {signpost.RoleITAdmin, false}, {signpost.RoleManagement, true}} {
		t.Run(c.role, func(t *testing.T) {
			f := accountsManagerFake()
			f.state.User.Role = c.role
			h := newHarness(t, f)
			if _, ok := h.app.home.items[tabAccounts]; ok != c.want {
				t.Errorf("Accounts tab shown: %v, want %v", ok, c.want)
			}
		})
	}
}

func TestAccountsListShowsRoleOrganisationSignInAndLaptops(t *testing.T) {
	h, s := accountsTab(t, accountsManagerFake())
	h.contains("2 people in your authority's organisations; 1 account is disabled.")
	r := s.row(t, 0)
	if r.name.Text != "Nadia Shah — nurse" || !strings.Contains(r.detail.Text, "Practitioner · School nurse · Leeds Community Healthcare NHS Trust · last signed in") ||
		!strings.Contains(r.detail.Text, "2 laptops") || r.disabled.Visible() || r.toggle.Text != "Disable…" {
		t.Errorf("row 0: %q / %q disabled badge %v toggle %q", r.name.Text, r.detail.Text, r.disabled.Visible(), r.toggle.Text)
	}
	r = s.row(t, 1)
	if !r.disabled.Visible() || r.toggle.Text != "Enable…" || !strings.Contains(r.detail.Text, "never signed in") {
		t.Errorf("row 1: %q disabled badge %v toggle %q", r.detail.Text, r.disabled.Visible(), r.toggle.Text)
	}
}

func TestAccountsOfflineSayTheyNeedAConnection(t *testing.T) {
	f := accountsManagerFake()
	off := &signpost.Error{Kind: signpost.KindUnavailable, Message: "this needs a connection to the directory"}
	f.errs["Accounts"], f.errs["Organisations"], f.errs["TeamContact"] = off, off, off
	h, _ := accountsTab(t, f)
	h.contains("The list of people needs a connection to the directory, which cannot be reached; try again when you are online.")
	h.lacks("cache")
}

func TestCreateUserShowsTheQRCodeAndURLOnceAndKeepsThemNowhere(t *testing.T) {
	f := accountsManagerFake()
	h, s := accountsTab(t, f)
	h.tap(s.create)
	d := s.dlg
	h.typeIn(formEntry(t, d, 0), "newnurse")
	h.typeIn(formEntry(t, d, 1), "Nia New")
	h.tap(d.confirm)
	h.contains("Say why; the reason is recorded in the audit.")
	if f.called("CreateAccount") {
		t.Fatal("created without a reason")
	}
	h.typeIn(formEntry(t, d, 4), "not an email")
	h.typeIn(formEntry(t, d, 5), "started in the school nursing team")
	h.tap(d.confirm)
	if f.called("CreateAccount") {
		t.Fatal("created with a bad email")
	}
	h.typeIn(formEntry(t, d, 4), "nia.new@example.nhs.uk")
	h.tap(d.confirm)
	if !f.called("CreateAccount newnurse practitioner Leeds Community Healthcare NHS Trust nia.new@example.nhs.uk reason=started in the school nursing team") {
		t.Fatalf("calls %v", f.calls)
	}
	v := s.shown
	if v == nil || v.qr == nil || v.qr.Image == nil {
		t.Fatal("no QR code on screen")
	}
	if b := v.qr.Image.Bounds(); b.Dx() < 200 || b.Dy() < 200 {
		t.Errorf("the QR code is %v", b)
	}
	if v.url.Text != testOTPURL || v.password.Text != "abcd-efgh-jkmn-pqrs" {
		t.Errorf("url %q password %q", v.url.Text, v.password.Text)
	}
	// Selectable, not editable.
	test.Type(v.url, "x")
	if v.url.Text != testOTPURL {
		t.Errorf("the URL could be changed to %q", v.url.Text)
	}
	h.contains("This is shown only now: Signpost keeps it nowhere on this laptop.")
	for _, k := range []string{"secret", "otpauth", "password"} {
		if got := h.fa.Preferences().String(k); got != "" {
			t.Errorf("preference %s holds %q", k, got)
		}
	}
	prefs := h.fa.Preferences()
	for _, key := range []string{"lastServer", "server", "last_server"} {
		if strings.Contains(prefs.String(key), "JBSWY3DP") {
			t.Errorf("the TOTP secret is in preference %s", key)
		}
	}
}

func TestDisableAsksWhyAndItsButtonIsNotTheDefault(t *testing.T) {
	f := accountsManagerFake()
	h, s := accountsTab(t, f)
	r := s.row(t, 0)
	h.tap(r.toggle)
	d := s.dlg
	if d.confirm.Importance != widget.DangerImportance {
		t.Errorf("the disable button is %v, want danger", d.confirm.Importance)
	}
	reason := d.content.Objects[1].(*widget.Form).Items[0].Widget.(*entry)
	h.typeIn(reason, "left the service")
	reason.TypedKey(&fyneKeyReturn) // as the window delivers it
	h.settle()
	if f.called("AccountAction") {
		t.Fatal("Enter disabled the account: the destructive button must not be the default")
	}
	h.tap(d.confirm)
	if !f.called("AccountAction nurse disable reason=left the service") {
		t.Fatalf("calls %v; dialog says %q", f.calls, d.msg.Text)
	}
	if r := s.row(t, 0); !r.disabled.Visible() || r.toggle.Text != "Enable…" {
		t.Error("the row does not show the account disabled")
	}
	h.tap(s.row(t, 1).toggle)
	h.typeIn(formEntry(t, s.dlg, 0), "back from leave")
	h.tap(s.dlg.confirm)
	if !f.called("AccountAction leaver enable reason=back from leave") {
		t.Fatalf("calls %v", f.calls)
	}
}

func TestResetPasswordShowsTheTemporaryPasswordOnce(t *testing.T) {
	f := accountsManagerFake()
	h, s := accountsTab(t, f)
	h.tap(s.row(t, 0).resetPW)
	h.contains("A temporary password is shown next, once")
	h.typeIn(formEntry(t, s.dlg, 0), "forgot their password")
	h.tap(s.dlg.confirm)
	if !f.called("AccountAction nurse reset-password reason=forgot their password") {
		t.Fatalf("calls %v", f.calls)
	}
	if s.shown == nil || s.shown.password == nil || s.shown.password.Text != "abcd-efgh-jkmn-pqrs" || s.shown.qr != nil {
		t.Fatalf("shown %+v", s.shown)
	}
	if r := s.row(t, 0); !r.waiting.Visible() {
		t.Error("the row does not say the user must choose a new password")
	}
}

func TestResetAuthenticatorShowsTheNewQRCode(t *testing.T) {
	f := accountsManagerFake()
	h, s := accountsTab(t, f)
	h.tap(s.row(t, 0).resetOTP)
	h.typeIn(formEntry(t, s.dlg, 0), "lost their phone")
	h.tap(s.dlg.confirm)
	if !f.called("AccountAction nurse reset-authenticator reason=lost their phone") {
		t.Fatalf("calls %v", f.calls)
	}
	if s.shown == nil || s.shown.qr == nil || s.shown.url.Text != testOTPURL {
		t.Fatal("the new QR code is not shown")
	}
}

func TestAccreditedSwitchAsksWhyAndGoesBackWhenCancelled(t *testing.T) {
	f := accountsManagerFake()
	h, s := accountsTab(t, f)
	s.tabs.SelectIndex(1)
	h.settle()
	h.contains("2 organisations in your authority; 1 is not accredited.")
	r := s.newOrgRow().(*orgRow)
	s.updateOrgRow(0, r)
	if !r.accredited.Checked {
		t.Fatal("an accredited organisation shows unchecked")
	}
	test.Tap(r.accredited)
	h.settle()
	h.contains("Its 2 users will be signed out and unable to sign in until it is accredited again.")
	h.tap(s.dlg.cancel)
	s.updateOrgRow(0, r)
	if !r.accredited.Checked || f.called("SetAccredited") {
		t.Fatal("cancelled, the switch stays off or the change was sent")
	}
	test.Tap(r.accredited)
	h.settle()
	h.typeIn(formEntry(t, s.dlg, 0), "accreditation lapsed")
	h.tap(s.dlg.confirm)
	if !f.called("SetAccredited 3 false reason=accreditation lapsed") {
		t.Fatalf("calls %v", f.calls)
	}
}

func TestOurContactDetailsAreCheckedAndSavedWithAReason(t *testing.T) {
	f := accountsManagerFake()
	h, s := accountsTab(t, f)
	if s.phone.Text != "0113 496 0303" || s.email.Text != "signpost.team@example.gov.uk" {
		t.Fatalf("loaded %q %q", s.phone.Text, s.email.Text)
	}
	h.typeIn(s.email, "not an email")
	h.tap(s.saveContact)
	if s.dlg != nil && s.dlg.open {
		t.Fatal("a bad email went on to ask why")
	}
	if s.contactMsg.Text == "" {
		t.Error("a bad email is not explained")
	}
	h.typeIn(s.email, "team@example.org")
	h.tap(s.saveContact)
	h.typeIn(formEntry(t, s.dlg, 0), "new team mailbox")
	h.tap(s.dlg.confirm)
	if !f.called("SetTeamContact 0113 496 0303 team@example.org reason=new team mailbox") {
		t.Fatalf("calls %v", f.calls)
	}
}

func TestEnrolAfterAResetAsksForANewPassword(t *testing.T) {
	f := newFake(StageEnrol)
	f.errs["Enrol"] = &signpost.Error{Kind: signpost.KindForbidden, Field: signpost.FieldNewPassword, Message: "choose a new password: the one you used was given for one sign-in only"}
	h := newHarness(t, f)
	s := h.app.enrol
	h.typeIn(s.server, "https://signpost.example.org")
	h.typeIn(s.username, "newnurse")
	h.typeIn(s.password, "abcd-efgh-jkmn-pqrs")
	h.typeIn(s.otp, "123456")
	h.typeIn(s.device, "nia-laptop")
	h.typeIn(s.passphrase, "a long test passphrase")
	h.typeIn(s.confirm, "a long test passphrase")
	h.tap(s.submit)
	h.contains("Choose a new password", "Your management team gave you a password for one sign-in.")
	d := h.app.win.Canvas().Overlays().Top()
	if d == nil {
		t.Fatal("no dialog")
	}
	f.mu.Lock()
	delete(f.errs, "Enrol")
	f.mu.Unlock()
	// The dialog's two entries.
	var pw, again *widget.Entry
	visitEntries(d, func(e *widget.Entry) {
		if pw == nil {
			pw = e
		} else if again == nil {
			again = e
		}
	})
	h.typeIn(pw, "nia's own long password")
	h.typeIn(again, "nia's own long password")
	again.TypedKey(&fyneKeyReturn)
	h.settle()
	if s.newPassword != "nia's own long password" || f.State().Stage != StageReady {
		t.Errorf("new password %q, stage %v", s.newPassword, f.State().Stage)
	}
}

// visitEntries calls fn for every entry under o, in order.
func visitEntries(o fyne.CanvasObject, fn func(*widget.Entry)) {
	if o == nil || !o.Visible() {
		return
	}
	switch w := o.(type) {
	case *widget.Entry:
		fn(w)
		return
	case *fyne.Container:
		for _, c := range w.Objects {
			visitEntries(c, fn)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(w).Objects() {
			visitEntries(c, fn)
		}
	}
}

func TestSigningInAgainAfterAResetAsksForANewPassword(t *testing.T) {
	f := readyFake()
	h := newHarness(t, f)
	f.emit(Status{Online: true, SignInNeeded: true})
	h.settle()
	bar := h.app.home.status
	f.mu.Lock()
	f.errs["SignIn"] = &signpost.Error{Kind: signpost.KindForbidden, Field: signpost.FieldNewPassword, Message: "choose a new password: the one you used was given for one sign-in only"}
	f.mu.Unlock()
	h.tap(bar.signIn)
	h.typeIn(formEntry(t, bar.signInDlg, 0), "abcd-efgh-jkmn-pqrs")
	h.typeIn(formEntry(t, bar.signInDlg, 1), "123456")
	h.tap(bar.signInDlg.confirm)
	h.contains("Choose a new password", "Your management team gave you a password for one sign-in.")
	f.mu.Lock()
	delete(f.errs, "SignIn")
	f.mu.Unlock()
	var entries []*widget.Entry
	visitEntries(h.app.win.Canvas().Overlays().Top(), func(e *widget.Entry) { entries = append(entries, e) })
	if len(entries) < 2 {
		t.Fatalf("the new password dialog has %d entries", len(entries))
	}
	h.typeIn(entries[0], "my own long password")
	h.typeIn(entries[1], "my own long password")
	entries[1].TypedKey(&fyneKeyReturn)
	h.settle()
	n := 0
	for _, c := range f.calls {
		if strings.HasPrefix(c, "SignIn") {
			n++
		}
	}
	if n != 2 || bar.signIn.Visible() {
		t.Errorf("sign-ins %d (want 2), the sign-in button still shown: %v", n, bar.signIn.Visible())
	}
}
