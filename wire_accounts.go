package signpost

import (
	"strings"
	"time"
)

// The wire of issue 14's accounts slice: a management team manages the
// accounts and organisations of its own authority, and its own contact
// details (GET/POST /v1/accounts…, /v1/organisations…, PUT
// /v1/authority/contact); a user whose password was reset chooses a new
// one (POST /v1/session/password).

// AccountSummary is one line of GET /v1/accounts: a user as their
// authority's management team sees them. It never holds a secret.
type AccountSummary struct {
	Username     string `json:"username"`
	DisplayName  string `json:"display_name"`
	Role         string `json:"role"`
	JobTitle     string `json:"job_title,omitempty"`
	Organisation string `json:"organisation"`
	Disabled     bool   `json:"disabled"`
	// MustChangePassword is set after a password reset, until the user has
	// chosen a new one.
	MustChangePassword bool `json:"must_change_password,omitempty"`
	// LastSignIn is the user's last sign-in; zero for one never signed in.
	LastSignIn time.Time `json:"last_sign_in,omitzero"`
	Devices    int       `json:"devices"`
}

// AccountsResponse is a page of accounts by username (GET /v1/accounts);
// Next, when set, is the after= of the next page.
type AccountsResponse struct {
	Accounts []AccountSummary `json:"accounts"`
	Next     string           `json:"next,omitempty"`
}

// NewAccountRequest creates a user (POST /v1/accounts). An empty password
// makes a one-time temporary one, which the user changes at first sign-in.
type NewAccountRequest struct {
	Username     string `json:"username"`
	DisplayName  string `json:"display_name"`
	Role         string `json:"role"`
	Organisation string `json:"organisation"`
	JobTitle     string `json:"job_title,omitempty"`
	Phone        string `json:"phone,omitempty"`
	Email        string `json:"email,omitempty"`
	Password     string `json:"password,omitempty"`
	Reason       string `json:"reason"`
}

// Enrolment answers a user's creation or a reset: the new secrets, shown
// once to the management team and kept nowhere else but the directory.
type Enrolment struct {
	Account AccountSummary `json:"account"`
	// OTPAuthURL is the otpauth:// URL of a new TOTP secret (creation,
	// reset-authenticator), for the user's authenticator app.
	OTPAuthURL string `json:"otpauth_url,omitempty"`
	// TemporaryPassword is a one-time password (creation without a
	// password, reset-password): the user must choose a new one at their
	// next sign-in.
	TemporaryPassword string `json:"temporary_password,omitempty"`
}

// ReasonRequest is the body of an action that needs only a reason: it is
// recorded in the audit.
type ReasonRequest struct {
	Reason string `json:"reason"`
}

// ChangePasswordRequest signs in while setting a new password (POST
// /v1/session/password): after a reset, the temporary password and a
// security code prove who asks. The answer is a sign-in's.
type ChangePasswordRequest struct {
	SessionRequest
	NewPassword string `json:"new_password"`
}

// FieldNewPassword is the field of the 403 a sign-in is answered with while
// the user must choose a new password (after a reset): the app then asks
// for one and calls POST /v1/session/password.
const FieldNewPassword = "new_password"

// MinPasswordLen is the fewest characters a directory password may have.
const MinPasswordLen = 12

// Organisation is an organisation of an authority as its management team
// sees it (GET /v1/organisations).
type Organisation struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Accredited bool   `json:"accredited"`
	Users      int    `json:"users"`
}

// OrganisationsResponse is a page of organisations by id; Next, when set,
// is the after= of the next page.
type OrganisationsResponse struct {
	Organisations []Organisation `json:"organisations"`
	Next          string         `json:"next,omitempty"`
}

// AccreditRequest turns an organisation's accreditation on or off (POST
// /v1/organisations/{id}/accredited): its users sign in only while it is on.
type AccreditRequest struct {
	Accredited *bool  `json:"accredited"`
	Reason     string `json:"reason"`
}

// TeamContact is how practitioners reach an authority's management team
// (PUT and GET /v1/authority/contact); shielded records show it.
type TeamContact struct {
	Authority string `json:"authority,omitempty"`
	Phone     string `json:"phone"`
	Email     string `json:"email"`
	Reason    string `json:"reason,omitempty"`
}

// DefaultDeviceStaleDays is how long a device may go unseen before IT
// staff see it flagged "not seen for a while", unless the policy says.
const DefaultDeviceStaleDays = 14

// StaleDays is the policy's device_stale_days, or the default.
func (p Policy) StaleDays() int {
	if p.DeviceStaleDays > 0 {
		return p.DeviceStaleDays
	}
	return DefaultDeviceStaleDays
}

// UserAgent is what the app says it is to the directory:
// "Signpost/<version> (<os>; <arch>)". The directory shows IT staff the
// version and OS of each device from it.
func UserAgent(version, goos, goarch string) string {
	return "Signpost/" + version + " (" + goos + "; " + goarch + ")"
}

// ParseUserAgent reads the version and OS of an app's User-Agent; ok is
// false for any other (a browser, a script).
func ParseUserAgent(ua string) (version, os string, ok bool) {
	rest, found := strings.CutPrefix(ua, "Signpost/")
	if !found {
		return "", "", false
	}
	version, rest, found = strings.Cut(rest, " (")
	if !found || !strings.HasSuffix(rest, ")") {
		return "", "", false
	}
	os = strings.TrimSuffix(rest, ")")
	if CheckText("user_agent", version, 32) != nil || CheckText("user_agent", os, 64) != nil || version == "" || os == "" {
		return "", "", false
	}
	return version, os, true
}
