package device

import (
	"context"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"signpost"
	demodir "signpost/directory/demo"
)

// Issue 14, accounts slice, end to end: the management team's app and a
// real directory, and the new user's app enrolling with what the team was
// shown.

// TestManagerCreatesUserWhoEnrolsWithTheNewTOTP: created without a
// password, the user gets a temporary one and an authenticator secret; at
// enrolment the directory asks for a new password, and the same code
// enrols them with it.
func TestManagerCreatesUserWhoEnrolsWithTheNewTOTP(t *testing.T) {
	d := startTestDirectory(t, 20)
	mgr, _ := enrolled(t, d, "manager")
	ctx := context.Background()
	orgs, err := mgr.Organisations(ctx)
	if err != nil || len(orgs) == 0 {
		t.Fatalf("organisations: %v %v", orgs, err)
	}
	en, err := mgr.CreateAccount(ctx, signpost.NewAccountRequest{Username: "newnurse", DisplayName: "Nia New", Role: signpost.RolePractitioner,
		Organisation: "Leeds Community Healthcare NHS Trust", Reason: "started in the school nursing team"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(en.OTPAuthURL)
	if err != nil || u.Query().Get("secret") == "" || en.TemporaryPassword == "" {
		t.Fatalf("enrolment %+v: %v", en, err)
	}
	code, _ := totp.GenerateCode(u.Query().Get("secret"), time.Now())
	s, err := New(ctx, testOptions(filepath.Join(t.TempDir(), "cache")))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	req := EnrolRequest{Server: d.hs.URL, Username: "newnurse", Password: en.TemporaryPassword, OTP: code, DeviceName: "nia-laptop", Passphrase: "a long test passphrase"}
	err = s.Enrol(ctx, req, func(Status) {})
	if de, ok := err.(*signpost.Error); !ok || de.Kind != signpost.KindForbidden || de.Field != signpost.FieldNewPassword {
		t.Fatalf("enrolling with the temporary password: %v, want forbidden naming new_password", err)
	}
	req.NewPassword = "nia's own long password"
	if err := s.Enrol(ctx, req, func(Status) {}); err != nil {
		t.Fatalf("enrolling with a new password: %v", err)
	}
	if st := s.State(); st.Stage != StageReady || st.User.Username != "newnurse" {
		t.Fatalf("after enrolling: %+v", st.User)
	}
	page, err := mgr.Accounts(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range page.Accounts {
		if a.Username == "newnurse" && (a.MustChangePassword || a.Devices != 1 || a.LastSignIn.IsZero()) {
			t.Errorf("the list shows %+v after the enrolment", a)
		}
	}
}

// TestManagerDisablesAndResetsAuthenticator: a disabled practitioner's
// laptop is refused by the directory at its next request, and a reset
// authenticator refuses the old codes and takes the new secret's.
func TestManagerDisablesAndResetsAuthenticator(t *testing.T) {
	d := startTestDirectory(t, 20)
	mgr, _ := enrolled(t, d, "manager")
	nurse, rec := enrolled(t, d, "nurse")
	ctx := context.Background()
	if _, err := mgr.AccountAction(ctx, "nurse", ActionDisable, "on long leave"); err != nil {
		t.Fatal(err)
	}
	nurse.SyncNow()
	waitFor(t, "the disabled nurse's laptop to be told to sign in again", func() bool { return rec.last().SignInNeeded })
	if _, err := mgr.AccountAction(ctx, "nurse", ActionEnable, "back from leave"); err != nil {
		t.Fatal(err)
	}
	en, err := mgr.AccountAction(ctx, "nurse", ActionResetAuthenticator, "lost her phone")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(en.OTPAuthURL)
	// The old secret's code of the next time step (within the drift
	// allowed, and not yet used): refused only because of the reset.
	old, _ := totp.GenerateCode(demodir.TOTPSecret, time.Now().Add(30*time.Second))
	if err := nurse.SignIn(ctx, SignInRequest{Password: demodir.Password, OTP: old}); signpost.KindOf(err) != signpost.KindUnauthorized {
		t.Errorf("the old authenticator's code: %v, want unauthorized", err)
	}
	fresh, _ := totp.GenerateCode(u.Query().Get("secret"), time.Now())
	if err := nurse.SignIn(ctx, SignInRequest{Password: demodir.Password, OTP: fresh}); err != nil {
		t.Errorf("the new authenticator's code: %v", err)
	}
}

// TestTeamContactEditedFromTheApp: the team's phone and email, set from the
// app, are read back; a bad email is refused naming the field.
func TestTeamContactEditedFromTheApp(t *testing.T) {
	d := startTestDirectory(t, 20)
	mgr, _ := enrolled(t, d, "manager")
	ctx := context.Background()
	if _, err := mgr.SetTeamContact(ctx, signpost.TeamContact{Phone: "0113 496 0777", Email: "team@example.org", Reason: "new mailbox"}); err != nil {
		t.Fatal(err)
	}
	tc, err := mgr.TeamContact(ctx)
	if err != nil || tc.Phone != "0113 496 0777" || tc.Email != "team@example.org" {
		t.Errorf("read back %+v %v", tc, err)
	}
	_, err = mgr.SetTeamContact(ctx, signpost.TeamContact{Phone: "0113 496 0777", Email: "not an email", Reason: "new mailbox"})
	if de, ok := err.(*signpost.Error); !ok || de.Field != "email" {
		t.Errorf("a bad email: %v, want an error naming email", err)
	}
}

// TestRevokedLaptopLocksAtItsNextContact: IT revokes a laptop from the app;
// the laptop's next sync is refused and its cache locks. The list shows the
// app's version and OS, sent at sign-in.
func TestRevokedLaptopLocksAtItsNextContact(t *testing.T) {
	d := startTestDirectory(t, 20)
	it, _ := enrolled(t, d, "itadmin")
	nurse, rec := enrolled(t, d, "nurse")
	ctx := context.Background()
	page, err := it.DevicesFiltered(ctx, DeviceQuery{User: "nurse"})
	if err != nil || len(page.Devices) != 1 {
		t.Fatalf("nurse's devices: %+v %v", page.Devices, err)
	}
	dev := page.Devices[0]
	if dev.AppVersion != signpost.Version || dev.OS == "" || dev.Stale {
		t.Errorf("the list shows %+v; want version %s, an OS, not stale", dev, signpost.Version)
	}
	if _, err := it.RevokeDevice(ctx, dev.ID, ""); signpost.KindOf(err) != signpost.KindInvalid {
		t.Errorf("a revoke without a reason: %v, want invalid", err)
	}
	if _, err := it.RevokeDevice(ctx, dev.ID, "laptop not returned"); err != nil {
		t.Fatal(err)
	}
	nurse.SyncNow()
	waitFor(t, "the revoked laptop to lock", func() bool { return rec.last().Locked })
	if _, err := nurse.Caseload(ctx, ""); signpost.KindOf(err) != signpost.KindLocked {
		t.Errorf("the caseload of the revoked laptop: %v, want locked", err)
	}
	page, _ = it.DevicesFiltered(ctx, DeviceQuery{State: signpost.DeviceRevoked})
	if len(page.Devices) != 1 || page.Devices[0].ID != dev.ID {
		t.Errorf("revoked devices: %+v", page.Devices)
	}
}
