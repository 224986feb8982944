package directory

import (
	"context"

	"signpost"
)

// NewUser is what an operator gives to create an account.
type NewUser struct {
	Username, DisplayName, Role, JobTitle, Organisation, Phone, Email, Password string
	ChildProtection                                                             bool
}

// CreateUser creates an account with a new TOTP secret and returns the secret
// and its otpauth:// URL for the user's authenticator app.
func CreateUser(ctx context.Context, st Store, u NewUser) (secret, url string, err error) {
	if !signpost.ValidRole(u.Role) {
		return "", "", signpost.FieldError("role", "role must be practitioner, management or itadmin")
	}
	if u.Username == "" || u.DisplayName == "" || u.Organisation == "" {
		return "", "", signpost.FieldError("username", "username, display name and organisation are required")
	}
	if len(u.Password) < 12 {
		return "", "", signpost.FieldError("password", "passwords must have at least 12 characters")
	}
	secret, url, err = NewTOTPSecret(u.Username)
	if err != nil {
		return "", "", err
	}
	a := &Account{User: signpost.User{Username: u.Username, DisplayName: u.DisplayName, Role: u.Role, JobTitle: u.JobTitle,
		Organisation: u.Organisation, Phone: u.Phone, Email: u.Email, ChildProtection: u.ChildProtection},
		PasswordHash: HashPassword(u.Password, DefaultPasswordParams), TOTPSecret: secret}
	if err := st.CreateAccount(ctx, a); err != nil {
		return "", "", err
	}
	return secret, url, nil
}
