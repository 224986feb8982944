package directory

import (
	"context"

	"signpost"
)

// NewUser is what an operator (or a management team, POST /v1/accounts)
// gives to create an account.
type NewUser struct {
	Username, DisplayName, Role, JobTitle, Organisation, Phone, Email, Password string
	ChildProtection                                                             bool
	// MustChangePassword makes the user choose a new password at their
	// first sign-in (a temporary one was given).
	MustChangePassword bool
	// Cost is the password hash's cost (zero for DefaultPasswordParams).
	Cost PasswordParams
}

// Check validates a new user's fields, naming the one at fault.
func (u NewUser) Check() error {
	if !signpost.ValidRole(u.Role) {
		return signpost.FieldError("role", "role must be practitioner, management or itadmin")
	}
	for _, f := range []struct{ name, v string }{{"username", u.Username}, {"display_name", u.DisplayName}, {"organisation", u.Organisation}} {
		if f.v == "" {
			return signpost.FieldError(f.name, "username, display name and organisation are required")
		}
		if err := signpost.CheckText(f.name, f.v, signpost.MaxNameLen); err != nil {
			return err
		}
	}
	if err := signpost.CheckText("job_title", u.JobTitle, signpost.MaxRoleLen); err != nil {
		return err
	}
	if err := signpost.CheckPhone("phone", u.Phone); err != nil {
		return err
	}
	if err := signpost.CheckEmail("email", u.Email); err != nil {
		return err
	}
	return CheckNewPassword("password", u.Password)
}

// CheckNewPassword validates a password being set.
func CheckNewPassword(field, pw string) error {
	if len([]rune(pw)) < signpost.MinPasswordLen {
		return signpost.FieldError(field, "passwords must have at least %d characters", signpost.MinPasswordLen)
	}
	if len([]rune(pw)) > signpost.MaxPasswordLen {
		return signpost.FieldError(field, "password is longer than %d characters", signpost.MaxPasswordLen)
	}
	return nil
}

// CreateUser creates an account with a new TOTP secret and returns the secret
// and its otpauth:// URL for the user's authenticator app. The command line
// (create-user) and POST /v1/accounts both create users with it.
func CreateUser(ctx context.Context, st Store, u NewUser) (secret, url string, err error) {
	if err := u.Check(); err != nil {
		return "", "", err
	}
	secret, url, err = NewTOTPSecret(u.Username)
	if err != nil {
		return "", "", err
	}
	cost := u.Cost
	if cost == (PasswordParams{}) {
		cost = DefaultPasswordParams
	}
	a := &Account{User: signpost.User{Username: u.Username, DisplayName: u.DisplayName, Role: u.Role, JobTitle: u.JobTitle,
		Organisation: u.Organisation, Phone: u.Phone, Email: u.Email, ChildProtection: u.ChildProtection},
		PasswordHash: HashPassword(u.Password, cost), TOTPSecret: secret, MustChangePassword: u.MustChangePassword}
	if err := st.CreateAccount(ctx, a); err != nil {
		return "", "", err
	}
	return secret, url, nil
}
