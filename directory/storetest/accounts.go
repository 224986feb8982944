package storetest

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/google/uuid"

	"signpost"
	"signpost/directory"
)

// Issue 14, accounts slice: what a management team manages, and IT staff's
// devices list.

func testManagedAccounts(t *testing.T, st directory.Store) {
	must(t, st.CreateAuthority(ctx, "E08000003", "Manchester"))
	must(t, st.CreateOrganisation(ctx, "Manchester Health", "Manchester", true))
	must(t, st.CreateAccount(ctx, &directory.Account{User: signpost.User{Username: "cat", DisplayName: "Cat", Role: signpost.RolePractitioner, Organisation: "Manchester Health"},
		PasswordHash: "x", TOTPSecret: "y", MustChangePassword: true}))
	if a, err := st.Account(ctx, "cat"); err != nil || !a.MustChangePassword {
		t.Errorf("a user created to change their password: %+v %v", a, err)
	}
	page, err := st.Accounts(ctx, directory.AccountFilter{Authority: "Leeds", Limit: 1})
	must(t, err)
	if len(page) != 1 || page[0].Username != "ann" {
		t.Fatalf("first page of Leeds: %+v", page)
	}
	page, err = st.Accounts(ctx, directory.AccountFilter{Authority: "Leeds", After: "ann", Limit: 10})
	must(t, err)
	if len(page) != 1 || page[0].Username != "ben" || page[0].Organisation != "Leeds Health" {
		t.Fatalf("next page of Leeds: %+v", page)
	}

	// A session, then a reset: the session ends, the last sign-in stays.
	ann, err := st.Account(ctx, "ann")
	must(t, err)
	dev := uuid.NewString()
	_, err = st.EnrolDevice(ctx, dev, "laptop", ann.ID, time.Now())
	must(t, err)
	hash := sha256.Sum256([]byte("token"))
	must(t, st.CreateSession(ctx, &directory.Session{TokenHash: hash[:], UserID: ann.ID, DeviceID: dev, CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}))
	must(t, st.SetAccountPassword(ctx, "ann", "new hash", true))
	if _, err := st.Session(ctx, hash[:]); signpost.KindOf(err) != signpost.KindNotFound {
		t.Errorf("a session after a password reset: %v, want not found", err)
	}
	a, err := st.Account(ctx, "ann")
	must(t, err)
	if a.PasswordHash != "new hash" || !a.MustChangePassword {
		t.Errorf("after the reset: %+v", a)
	}
	page, _ = st.Accounts(ctx, directory.AccountFilter{Authority: "Leeds"})
	if page[0].LastSignIn.IsZero() || page[0].Devices != 1 || !page[0].MustChangePassword {
		t.Errorf("ann in the list: %+v", page[0])
	}
	must(t, st.SetAccountPassword(ctx, "ann", "own hash", false))
	must(t, st.SetAccountTOTP(ctx, "ann", "new secret"))
	if a, _ := st.Account(ctx, "ann"); a.TOTPSecret != "new secret" || a.MustChangePassword {
		t.Errorf("after a new password and secret: %+v", a)
	}
	if err := st.SetAccountTOTP(ctx, "nobody", "s"); signpost.KindOf(err) != signpost.KindNotFound {
		t.Errorf("an unknown user's secret: %v", err)
	}

	orgs, err := st.Organisations(ctx, directory.OrganisationFilter{Authority: "Leeds"})
	must(t, err)
	if len(orgs) != 1 || orgs[0].Name != "Leeds Health" || !orgs[0].Accredited || orgs[0].Users != 2 {
		t.Fatalf("Leeds' organisations: %+v", orgs)
	}
	must(t, st.SetOrganisationAccredited(ctx, orgs[0].ID, false))
	o, err := st.Organisation(ctx, orgs[0].ID)
	must(t, err)
	if o.Accredited || o.Authority != "Leeds" {
		t.Errorf("after unaccrediting: %+v", o)
	}
	if a, _ := st.Account(ctx, "ben"); a.Accredited {
		t.Error("a user of an unaccredited organisation reads as accredited")
	}
	if _, err := st.Organisation(ctx, 9999); signpost.KindOf(err) != signpost.KindNotFound {
		t.Errorf("an unknown organisation: %v", err)
	}
	must(t, st.SetAuthorityContact(ctx, "Leeds", "0113 496 0000", "team@example.org"))
	if phone, email, err := st.AuthorityContact(ctx, "Leeds"); err != nil || phone != "0113 496 0000" || email != "team@example.org" {
		t.Errorf("Leeds' contact: %q %q %v", phone, email, err)
	}
}

func testDeviceFilters(t *testing.T, st directory.Store) {
	ann, ben := actor(t, st, "ann"), actor(t, st, "ben")
	old := time.Now().Add(-30 * 24 * time.Hour)
	must(t, st.TouchDevice(ctx, ben.DeviceID, old))
	must(t, st.SetDeviceAgent(ctx, ann.DeviceID, "1.4.2", "linux; amd64"))
	if d, _ := st.Device(ctx, ann.DeviceID); d.AppVersion != "1.4.2" || d.OS != "linux; amd64" {
		t.Errorf("the device's agent: %+v", d.Device)
	}
	list := func(f directory.DeviceFilter) []string {
		t.Helper()
		ds, err := st.Devices(ctx, f)
		must(t, err)
		var out []string
		for _, d := range ds {
			out = append(out, d.User)
		}
		return out
	}
	if got := list(directory.DeviceFilter{}); len(got) != 2 || got[0] != "ann" {
		t.Errorf("newest first: %v", got)
	}
	if got := list(directory.DeviceFilter{Oldest: true}); len(got) != 2 || got[0] != "ben" {
		t.Errorf("oldest first: %v", got)
	}
	if got := list(directory.DeviceFilter{Oldest: true, Limit: 1}); len(got) != 1 || got[0] != "ben" {
		t.Errorf("oldest first, one: %v", got)
	}
	ds, _ := st.Devices(ctx, directory.DeviceFilter{Oldest: true, Limit: 1})
	if got := list(directory.DeviceFilter{Oldest: true, After: directory.DevicePos(ds[0])}); len(got) != 1 || got[0] != "ann" {
		t.Errorf("oldest first, the next page: %v", got)
	}
	if got := list(directory.DeviceFilter{User: "EN"}); len(got) != 1 || got[0] != "ben" {
		t.Errorf("by a part of the user: %v", got)
	}
	if got := list(directory.DeviceFilter{User: "%"}); len(got) != 0 {
		t.Errorf("a %% is not a wildcard: %v", got)
	}
	if got := list(directory.DeviceFilter{NotSeenSince: time.Now().Add(-7 * 24 * time.Hour)}); len(got) != 1 || got[0] != "ben" {
		t.Errorf("not seen for a week: %v", got)
	}
	hash := sha256.Sum256([]byte("ben's token"))
	must(t, st.CreateSession(ctx, &directory.Session{TokenHash: hash[:], UserID: ben.UserID, DeviceID: ben.DeviceID, CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}))
	_, err := st.MoveDevice(ctx, ben.DeviceID, directory.DeviceMove{To: signpost.DeviceRevoked, By: "it", At: time.Now()})
	must(t, err)
	if got := list(directory.DeviceFilter{State: signpost.DeviceRevoked}); len(got) != 1 || got[0] != "ben" {
		t.Errorf("revoked: %v", got)
	}
	if id, err := st.RevokedSession(ctx, hash[:]); err != nil || id != ben.DeviceID {
		t.Errorf("the revoked session: %q %v", id, err)
	}
	other := sha256.Sum256([]byte("no such token"))
	if _, err := st.RevokedSession(ctx, other[:]); signpost.KindOf(err) != signpost.KindNotFound {
		t.Errorf("an unknown token: %v", err)
	}
}
