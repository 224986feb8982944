package directory_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"signpost"
	"signpost/directory"
	"signpost/directory/demo"
)

// Issue 14, accounts slice: every new endpoint asked by every role of the
// matrix (roles_test.go), with the status each must get, and nothing about
// a child, and no secret, in any answer. Only Leeds' own management team
// manages Leeds' accounts, organisations and contact; Manchester's team is
// told there is no such account or organisation (404), everyone else is
// refused (403), and the signed-out and shut-out get 401.

// accountsEnv is the matrix with a Leeds practitioner to act on and a Leeds
// organisation whose accreditation may change.
type accountsEnv struct {
	*matrixEnv
	orgID int64 // Leeds Youth Project
	n     int
}

func newAccountsEnv(t *testing.T) *accountsEnv {
	t.Helper()
	m := newMatrixEnv(t)
	ctx := context.Background()
	if err := m.store.CreateOrganisation(ctx, "Leeds Youth Project", "Leeds", true); err != nil {
		t.Fatal(err)
	}
	a := directory.Account{User: signpost.User{Username: "target", DisplayName: "Tara Target", Role: signpost.RolePractitioner, Organisation: "Leeds Youth Project"},
		PasswordHash: directory.HashPassword(demo.Password, cheap), TOTPSecret: demo.TOTPSecret, Accredited: true}
	if err := m.store.CreateAccount(ctx, &a); err != nil {
		t.Fatal(err)
	}
	orgs, err := m.store.Organisations(ctx, directory.OrganisationFilter{Authority: "Leeds"})
	if err != nil {
		t.Fatal(err)
	}
	e := &accountsEnv{matrixEnv: m}
	for _, o := range orgs {
		if o.Name == "Leeds Youth Project" {
			e.orgID = o.ID
		}
	}
	if e.orgID == 0 {
		t.Fatalf("Leeds Youth Project is not among Leeds' organisations: %+v", orgs)
	}
	return e
}

type accountsRow struct {
	method, path string
	body         func(n int) string
	want         statuses
	// secret is a field only Leeds' team may be answered, once.
	secret string
}

func (e *accountsEnv) rows() []accountsRow {
	fixed := func(s string) func(int) string { return func(int) string { return s } }
	managerOnly := func(ok int) statuses { return statuses{403, 403, ok, 404, 403, 401, 401, 401} }
	listOnly := func(ok int) statuses { return statuses{403, 403, ok, ok, 403, 401, 401, 401} }
	org := strconv.FormatInt(e.orgID, 10)
	return []accountsRow{
		{method: "GET", path: "/v1/accounts?limit=10", want: listOnly(200)},
		{method: "POST", path: "/v1/accounts", body: func(n int) string {
			return fmt.Sprintf(`{"username":"new%d","display_name":"New Person %d","role":"practitioner","organisation":"Leeds Youth Project","reason":"joined the youth project"}`, n, n)
		}, want: statuses{403, 403, 201, 400, 403, 401, 401, 401}, secret: "otpauth://"},
		{method: "POST", path: "/v1/accounts/target/disable", body: fixed(`{"reason":"on long leave"}`), want: managerOnly(200)},
		{method: "POST", path: "/v1/accounts/target/enable", body: fixed(`{"reason":"back from leave"}`), want: managerOnly(200)},
		{method: "POST", path: "/v1/accounts/target/reset-authenticator", body: fixed(`{"reason":"lost their phone"}`), want: managerOnly(200), secret: "otpauth://"},
		{method: "POST", path: "/v1/accounts/target/reset-password", body: fixed(`{"reason":"forgot their password"}`), want: managerOnly(200), secret: "temporary_password"},
		{method: "GET", path: "/v1/organisations", want: listOnly(200)},
		{method: "POST", path: "/v1/organisations/" + org + "/accredited", body: fixed(`{"accredited":true,"reason":"accreditation renewed"}`), want: managerOnly(200)},
		{method: "GET", path: "/v1/authority/contact", want: listOnly(200)},
		{method: "PUT", path: "/v1/authority/contact", body: fixed(`{"phone":"0113 496 0999","email":"team@example.org","reason":"new team mailbox"}`), want: listOnly(200)},
	}
}

func TestAccountsEndpointsByRole(t *testing.T) {
	e := newAccountsEnv(t)
	for _, row := range e.rows() {
		for i, role := range matrixRoles {
			t.Run(row.method+" "+row.path+" as "+role, func(t *testing.T) {
				c := e.callers[i]
				e.n++
				body := ""
				if row.body != nil {
					body = row.body(e.n)
				}
				var header []string
				if c.token != "" {
					header = append(header, "Authorization: Bearer "+c.token)
				}
				status, _, b, err := e.send(row.method, row.path, header, "application/json", body)
				if err != nil {
					t.Fatal(err)
				}
				if status != row.want[i] {
					t.Errorf("status %d, want %d: %s", status, row.want[i], clip(b))
				}
				if status >= 400 {
					if _, err := errorBody(b); err != nil {
						t.Error(err)
					}
				}
				for _, s := range append(append([]string{`"signpost_id"`, "date_of_birth", "postcode"}, childNames...), hidden...) {
					if bytes.Contains(b, []byte(s)) {
						t.Errorf("a child's %q reaches the %s: %s", s, role, clip(b))
					}
				}
				for _, s := range []string{"$argon2id", demo.TOTPSecret, "totp_secret", "password_hash"} {
					if bytes.Contains(b, []byte(s)) {
						t.Errorf("a stored secret %q reaches the %s", s, role)
					}
				}
				if row.secret != "" && bytes.Contains(b, []byte(row.secret)) != (status/100 == 2) {
					t.Errorf("%s in the answer (%d) is wrong: %s", row.secret, status, clip(b))
				}
			})
		}
	}
}

// manager is Leeds' management team's token in the matrix.
func (e *accountsEnv) manager() string { return e.callers[2].token }

func (e *accountsEnv) call(t *testing.T, method, path, token, body string) (int, []byte) {
	t.Helper()
	header := []string{}
	if token != "" {
		header = append(header, "Authorization: Bearer "+token)
	}
	status, _, b, err := e.send(method, path, header, "application/json", body)
	if err != nil {
		t.Fatal(err)
	}
	return status, b
}

func TestAccountsBadInputNamesTheField(t *testing.T) {
	e := newAccountsEnv(t)
	org := strconv.FormatInt(e.orgID, 10)
	for _, c := range []struct {
		name, method, path, body string
		status                   int
		field                    string
	}{
		{"no reason to create", "POST", "/v1/accounts", `{"username":"x1","display_name":"X","role":"practitioner","organisation":"Leeds Youth Project"}`, 400, "reason"},
		{"a role that is none", "POST", "/v1/accounts", `{"username":"x2","display_name":"X","role":"boss","organisation":"Leeds Youth Project","reason":"new starter"}`, 400, "role"},
		{"another authority's organisation", "POST", "/v1/accounts", `{"username":"x3","display_name":"X","role":"practitioner","organisation":"Manchester Signpost Team","reason":"new starter"}`, 400, "organisation"},
		{"a short password", "POST", "/v1/accounts", `{"username":"x4","display_name":"X","role":"practitioner","organisation":"Leeds Youth Project","password":"short","reason":"new starter"}`, 400, "password"},
		{"a bad email", "POST", "/v1/accounts", `{"username":"x5","display_name":"X","role":"practitioner","organisation":"Leeds Youth Project","email":"nope","reason":"new starter"}`, 400, "email"},
		{"a taken username", "POST", "/v1/accounts", `{"username":"nurse","display_name":"X","role":"practitioner","organisation":"Leeds Youth Project","reason":"new starter"}`, 409, "username"},
		{"an unknown field", "POST", "/v1/accounts", `{"username":"x6","colour":"red"}`, 400, "colour"},
		{"a blank reason", "POST", "/v1/accounts/target/disable", `{"reason":"   "}`, 400, "reason"},
		{"no body", "POST", "/v1/accounts/target/reset-password", ``, 400, "body"},
		{"a limit too big", "GET", "/v1/accounts?limit=1000", ``, 400, "limit"},
		{"a bad after", "GET", "/v1/organisations?after=x", ``, 400, "after"},
		{"accredited missing", "POST", "/v1/organisations/" + org + "/accredited", `{"reason":"renewed"}`, 400, "accredited"},
		{"an organisation id that is none", "POST", "/v1/organisations/abc/accredited", `{"accredited":true,"reason":"renewed"}`, 400, "id"},
		{"a bad phone", "PUT", "/v1/authority/contact", `{"phone":"call me","email":"","reason":"new number"}`, 400, "phone"},
		{"no contact at all", "PUT", "/v1/authority/contact", `{"phone":"","email":"","reason":"new number"}`, 400, "phone"},
		{"another authority's contact", "PUT", "/v1/authority/contact", `{"authority":"Manchester","phone":"0113 496 0999","email":"","reason":"new number"}`, 400, "authority"},
		{"no new password", "POST", "/v1/session/password", `{"username":"target","password":"x","otp":"1","device_id":"x","device_name":"x","new_password":""}`, 400, "new_password"},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, b := e.call(t, c.method, c.path, e.manager(), c.body)
			if c.path == "/v1/session/password" {
				status, b = e.call(t, c.method, c.path, "", c.body)
			}
			if status != c.status {
				t.Fatalf("status %d, want %d: %s", status, c.status, clip(b))
			}
			de, err := errorBody(b)
			if err != nil {
				t.Fatal(err)
			}
			if de.Field != c.field {
				t.Errorf("field %q, want %q (%s)", de.Field, c.field, de.Message)
			}
		})
	}
}

// TestResetPasswordMakesTheUserChooseANewOne: the temporary password signs
// in only to choose a new one; the old sessions end; the new one works.
func TestResetPasswordMakesTheUserChooseANewOne(t *testing.T) {
	e := newAccountsEnv(t)
	old, dev := e.loginT(t, "target")
	status, b := e.call(t, "POST", "/v1/accounts/target/reset-password", e.manager(), `{"reason":"forgot their password"}`)
	if status != 200 {
		t.Fatalf("reset: %d %s", status, b)
	}
	var en signpost.Enrolment
	_ = json.Unmarshal(b, &en)
	if len(en.TemporaryPassword) < signpost.MinPasswordLen || !en.Account.MustChangePassword {
		t.Fatalf("reset answered %+v", en)
	}
	if status, _ := e.call(t, "GET", "/v1/sync/pull", old, ""); status != 401 {
		t.Errorf("the session from before the reset: %d, want 401", status)
	}
	e.clock.Add(30 * time.Second)
	req := signpost.SessionRequest{Username: "target", Password: en.TemporaryPassword, OTP: code(t, e.clock.Now()), DeviceID: dev, DeviceName: "Tara's laptop"}
	body, _ := json.Marshal(req)
	status, b = e.call(t, "POST", "/v1/session", "", string(body))
	de, _ := errorBody(b)
	if status != 403 || de == nil || de.Field != signpost.FieldNewPassword {
		t.Fatalf("sign-in with the temporary password: %d %s, want 403 naming new_password", status, b)
	}
	// The same code serves the sign-in that sets the new password.
	change, _ := json.Marshal(signpost.ChangePasswordRequest{SessionRequest: req, NewPassword: "a brand new passphrase"})
	if status, b = e.call(t, "POST", "/v1/session/password", "", string(change)); status != 200 {
		t.Fatalf("choosing a new password: %d %s", status, b)
	}
	e.clock.Add(30 * time.Second)
	req.Password, req.OTP = en.TemporaryPassword, code(t, e.clock.Now())
	body, _ = json.Marshal(req)
	if status, _ = e.call(t, "POST", "/v1/session", "", string(body)); status != 401 {
		t.Errorf("the temporary password after use: %d, want 401", status)
	}
	e.clock.Add(30 * time.Second)
	req.Password, req.OTP = "a brand new passphrase", code(t, e.clock.Now())
	body, _ = json.Marshal(req)
	if status, b = e.call(t, "POST", "/v1/session", "", string(body)); status != 200 {
		t.Errorf("the new password: %d %s", status, b)
	}
	evs, err := e.store.AuditOfAction(context.Background(), "account_reset_password", 5)
	if err != nil || len(evs) != 1 || evs[0].Username != "manager" || evs[0].Reason != "forgot their password" || !strings.Contains(evs[0].Params, `"target"`) {
		t.Errorf("audit of the reset: %+v %v", evs, err)
	}
	if strings.Contains(fmt.Sprint(evs), en.TemporaryPassword) {
		t.Error("the temporary password is in the audit")
	}
}

// TestResetAuthenticatorEndsSessionsAndChangesTheSecret: the old code no
// longer signs in, the new secret's does.
func TestResetAuthenticatorEndsSessionsAndChangesTheSecret(t *testing.T) {
	e := newAccountsEnv(t)
	old, dev := e.loginT(t, "target")
	status, b := e.call(t, "POST", "/v1/accounts/target/reset-authenticator", e.manager(), `{"reason":"lost their phone"}`)
	if status != 200 {
		t.Fatalf("reset: %d %s", status, b)
	}
	var en signpost.Enrolment
	_ = json.Unmarshal(b, &en)
	u, err := url.Parse(en.OTPAuthURL)
	if err != nil || u.Scheme != "otpauth" || u.Query().Get("secret") == "" {
		t.Fatalf("otpauth URL %q: %v", en.OTPAuthURL, err)
	}
	if status, _ := e.call(t, "GET", "/v1/sync/pull", old, ""); status != 401 {
		t.Errorf("the session from before the reset: %d, want 401", status)
	}
	e.clock.Add(30 * time.Second)
	req := signpost.SessionRequest{Username: "target", Password: demo.Password, OTP: code(t, e.clock.Now()), DeviceID: dev, DeviceName: "Tara's laptop"}
	body, _ := json.Marshal(req)
	if status, _ := e.call(t, "POST", "/v1/session", "", string(body)); status != 401 {
		t.Errorf("the old authenticator's code: %d, want 401", status)
	}
	req.OTP, _ = totp.GenerateCode(u.Query().Get("secret"), e.clock.Now())
	body, _ = json.Marshal(req)
	if status, b := e.call(t, "POST", "/v1/session", "", string(body)); status != 200 {
		t.Errorf("the new authenticator's code: %d %s", status, b)
	}
}

// TestUnaccreditedOrganisationCannotSignIn: its users' tokens stop working
// at once and sign-in refuses them; accredited again, they sign in.
func TestUnaccreditedOrganisationCannotSignIn(t *testing.T) {
	e := newAccountsEnv(t)
	tok, _ := e.loginT(t, "target")
	path := "/v1/organisations/" + strconv.FormatInt(e.orgID, 10) + "/accredited"
	if status, b := e.call(t, "POST", path, e.manager(), `{"accredited":false,"reason":"accreditation lapsed"}`); status != 200 {
		t.Fatalf("unaccredit: %d %s", status, b)
	}
	if status, _ := e.call(t, "GET", "/v1/sync/pull", tok, ""); status != 403 {
		t.Errorf("a token of the unaccredited organisation: %d, want 403", status)
	}
	e.clock.Add(30 * time.Second)
	body, _ := json.Marshal(signpost.SessionRequest{Username: "target", Password: demo.Password, OTP: code(t, e.clock.Now()), DeviceID: "0b8f2d4e-1c1a-4d6e-9d55-6f0f3c1e2a11", DeviceName: "x"})
	if status, _ := e.call(t, "POST", "/v1/session", "", string(body)); status != 403 {
		t.Errorf("sign-in of the unaccredited organisation: %d, want 403", status)
	}
	// A team cannot shut itself out.
	me, _ := e.store.Account(context.Background(), "manager")
	orgs, _ := e.store.Organisations(context.Background(), directory.OrganisationFilter{Authority: "Leeds"})
	for _, o := range orgs {
		if o.Name == me.Organisation {
			if status, _ := e.call(t, "POST", "/v1/organisations/"+strconv.FormatInt(o.ID, 10)+"/accredited", e.manager(), `{"accredited":false,"reason":"testing"}`); status != 409 {
				t.Errorf("unaccrediting the team's own organisation: %d, want 409", status)
			}
		}
	}
}

// TestDisabledAccountIsRefusedAtOnce: disabling ends the account's use at
// its next request; the list shows it; a manager cannot disable themselves.
func TestDisabledAccountIsRefusedAtOnce(t *testing.T) {
	e := newAccountsEnv(t)
	tok, _ := e.loginT(t, "target")
	if status, _ := e.call(t, "GET", "/v1/sync/pull", tok, ""); status != 200 {
		t.Fatalf("before: %d", status)
	}
	if status, b := e.call(t, "POST", "/v1/accounts/target/disable", e.manager(), `{"reason":"left the project"}`); status != 200 {
		t.Fatalf("disable: %d %s", status, b)
	}
	if status, _ := e.call(t, "GET", "/v1/sync/pull", tok, ""); status != 401 {
		t.Errorf("after: %d, want 401", status)
	}
	_, b := e.call(t, "GET", "/v1/accounts?limit=100", e.manager(), "")
	var page signpost.AccountsResponse
	_ = json.Unmarshal(b, &page)
	found := false
	for _, a := range page.Accounts {
		if a.Username == "target" {
			found = a.Disabled && a.Devices == 1 && !a.LastSignIn.IsZero()
		}
		if a.Username == "mcrmanager" || a.Username == "social" {
			t.Errorf("another authority's account %s is listed to Leeds", a.Username)
		}
	}
	if !found {
		t.Errorf("the list does not show target disabled with one device and a sign-in: %s", b)
	}
	if status, _ := e.call(t, "POST", "/v1/accounts/manager/disable", e.manager(), `{"reason":"testing"}`); status != 409 {
		t.Errorf("disabling oneself: %d, want 409", status)
	}
}

func TestAccountsListIsPaged(t *testing.T) {
	e := newAccountsEnv(t)
	seen := map[string]bool{}
	next := ""
	for pages := 0; ; pages++ {
		if pages > 20 {
			t.Fatal("the pages never end")
		}
		_, b := e.call(t, "GET", "/v1/accounts?limit=2&after="+url.QueryEscape(next), e.manager(), "")
		var page signpost.AccountsResponse
		if err := json.Unmarshal(b, &page); err != nil {
			t.Fatal(err)
		}
		if len(page.Accounts) > 2 {
			t.Fatalf("a page of %d for limit 2", len(page.Accounts))
		}
		for _, a := range page.Accounts {
			if seen[a.Username] {
				t.Fatalf("%s on two pages", a.Username)
			}
			seen[a.Username] = true
		}
		if next = page.Next; next == "" {
			break
		}
	}
	for _, u := range []string{"manager", "nurse", "target"} {
		if !seen[u] {
			t.Errorf("%s is on no page: %v", u, seen)
		}
	}
}

// TestDevicesFiltersAndRevokeByRole: the devices list's new filters and
// revoke are the IT admin's only, and carry nothing about a child.
func TestDevicesFiltersAndRevokeByRole(t *testing.T) {
	e := newAccountsEnv(t)
	_, target := e.loginT(t, "target")
	adminOnly := statuses{403, 403, 403, 403, 200, 401, 401, 401}
	for _, row := range []accountsRow{
		{method: "GET", path: "/v1/devices?user=nur&state=active&not_seen_days=1&sort=oldest&limit=5", want: adminOnly},
		{method: "GET", path: "/v1/devices?name=row&sort=newest", want: adminOnly},
		{method: "POST", path: "/v1/devices/" + target + "/revoke", body: func(int) string { return `{"reason":"laptop not returned by a leaver"}` }, want: adminOnly},
	} {
		for i, role := range matrixRoles {
			t.Run(row.method+" "+row.path+" as "+role, func(t *testing.T) {
				body := ""
				if row.body != nil {
					body = row.body(0)
				}
				status, b := e.call(t, row.method, row.path, e.callers[i].token, body)
				if status != row.want[i] {
					t.Errorf("status %d, want %d: %s", status, row.want[i], clip(b))
				}
				for _, s := range append(append([]string{`"signpost_id"`, "date_of_birth", "postcode"}, childNames...), hidden...) {
					if bytes.Contains(b, []byte(s)) {
						t.Errorf("a child's %q reaches the %s", s, role)
					}
				}
			})
		}
	}
	evs, err := e.store.AuditOfAction(context.Background(), "revoke", 5)
	if err != nil || len(evs) != 1 || evs[0].Username != "itadmin" || evs[0].Reason != "laptop not returned by a leaver" || !strings.Contains(evs[0].Params, target) {
		t.Errorf("audit of the revoke: %+v %v", evs, err)
	}
}

func TestDevicesBadFiltersNameTheField(t *testing.T) {
	e := newAccountsEnv(t)
	it := e.callers[4].token
	for _, c := range []struct{ query, field string }{
		{"state=lost", "state"}, {"not_seen_days=0", "not_seen_days"}, {"not_seen_days=x", "not_seen_days"},
		{"sort=sideways", "sort"}, {"user=%07", "user"},
	} {
		status, b := e.call(t, "GET", "/v1/devices?"+c.query, it, "")
		de, _ := errorBody(b)
		if status != 400 || de == nil || de.Field != c.field {
			t.Errorf("%s: %d %s, want 400 naming %s", c.query, status, b, c.field)
		}
	}
	status, b := e.call(t, "POST", "/v1/devices/"+e.callers[0].dev+"/revoke", it, `{"reason":""}`)
	if de, _ := errorBody(b); status != 400 || de == nil || de.Field != "reason" {
		t.Errorf("a revoke without a reason: %d %s", status, b)
	}
}

// TestDevicesShowVersionStaleAndFilter: the app's version and OS from its
// User-Agent, the stale flag past the policy's days, and the filters and
// order of the list.
func TestDevicesShowVersionStaleAndFilter(t *testing.T) {
	e := newAccountsEnv(t)
	b, _ := json.Marshal(signpost.SessionRequest{Username: "target", Password: demo.Password, OTP: code(t, e.clock.Now()), DeviceID: "5b0f3c1e-2a11-4d6e-9d55-6f0f3c1e2a11", DeviceName: "Tara's laptop"})
	status, _, body, err := e.send("POST", "/v1/session", []string{"User-Agent: " + signpost.UserAgent("1.4.2", "windows", "amd64")}, "application/json", string(b))
	if err != nil || status != 200 {
		t.Fatalf("sign-in: %d %s %v", status, body, err)
	}
	e.clock.Add(15 * 24 * time.Hour)
	it, itDev := e.loginT(t, "itadmin")
	list := func(q string) []signpost.Device {
		t.Helper()
		status, b := e.call(t, "GET", "/v1/devices?"+q, it, "")
		var page signpost.DevicesResponse
		if status != 200 || json.Unmarshal(b, &page) != nil {
			t.Fatalf("%s: %d %s", q, status, b)
		}
		return page.Devices
	}
	ds := list("user=targ")
	if len(ds) != 1 || ds[0].AppVersion != "1.4.2" || ds[0].OS != "windows; amd64" || !ds[0].Stale {
		t.Fatalf("target's devices: %+v", ds)
	}
	for _, d := range list("limit=100") {
		if d.ID == itDev && d.Stale {
			t.Error("a device seen just now is flagged stale")
		}
	}
	oldest, newest := list("sort=oldest&limit=100"), list("limit=100")
	if len(oldest) != len(newest) || len(oldest) < 2 || oldest[0].ID != newest[len(newest)-1].ID || !oldest[0].LastSeen.Before(oldest[len(oldest)-1].LastSeen) {
		t.Errorf("oldest first is not the reverse order: %d vs %d", len(oldest), len(newest))
	}
	for _, d := range list("not_seen_days=14&limit=100") {
		if d.ID == itDev {
			t.Error("not_seen_days=14 lists a device seen just now")
		}
	}
	for _, d := range list("state=revoked&limit=100") {
		if d.State != signpost.DeviceRevoked {
			t.Errorf("state=revoked lists a %s device", d.State)
		}
	}
	for _, d := range list("name=Tara&limit=100") {
		if !strings.Contains(d.Name, "Tara") {
			t.Errorf("name=Tara lists %q", d.Name)
		}
	}
}

// TestARevokedDevicesTokenIsRefusedWithALockDirective.
func TestARevokedDevicesTokenIsRefusedWithALockDirective(t *testing.T) {
	e := newAccountsEnv(t)
	tok, dev := e.loginT(t, "target")
	if status, b := e.call(t, "POST", "/v1/devices/"+dev+"/revoke", e.callers[4].token, `{"reason":"stolen and recovered damaged"}`); status != 200 {
		t.Fatalf("revoke: %d %s", status, b)
	}
	status, b := e.call(t, "GET", "/v1/sync/pull", tok, "")
	var body struct {
		Directives []signpost.Directive `json:"directives"`
	}
	_ = json.Unmarshal(b, &body)
	if status != 401 || len(body.Directives) != 1 || body.Directives[0].Kind != signpost.DirectiveLock {
		t.Errorf("the revoked device's pull: %d %s, want 401 with a lock directive", status, b)
	}
}
