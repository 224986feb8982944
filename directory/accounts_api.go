package directory

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"signpost"
)

// Issue 14, accounts slice: a management team manages the accounts and
// organisations of its own authority, and how practitioners reach it. Every
// action takes a reason and is audited; no secret is ever audited or logged.

func (s *Server) accountRoutes() {
	s.mux.Handle("GET /v1/accounts", s.authed(s.handleAccounts, activeOnly))
	s.mux.Handle("POST /v1/accounts", s.authed(s.handleCreateAccount, activeOnly))
	s.mux.Handle("POST /v1/accounts/{username}/disable", s.authed(s.handleDisableAccount, activeOnly))
	s.mux.Handle("POST /v1/accounts/{username}/enable", s.authed(s.handleEnableAccount, activeOnly))
	s.mux.Handle("POST /v1/accounts/{username}/reset-authenticator", s.authed(s.handleResetAuthenticator, activeOnly))
	s.mux.Handle("POST /v1/accounts/{username}/reset-password", s.authed(s.handleResetPassword, activeOnly))
	s.mux.Handle("GET /v1/organisations", s.authed(s.handleOrganisations, activeOnly))
	s.mux.Handle("POST /v1/organisations/{id}/accredited", s.authed(s.handleAccredit, activeOnly))
	s.mux.Handle("GET /v1/authority/contact", s.authed(s.handleTeamContact, activeOnly))
	s.mux.Handle("PUT /v1/authority/contact", s.authed(s.handleSetTeamContact, activeOnly))
	s.mux.HandleFunc("POST /v1/session/password", s.handleChangePassword)
}

// managementTeam refuses anyone but a management user of an authority.
func managementTeam(a Actor) error {
	if a.Role != signpost.RoleManagement {
		return &signpost.Error{Kind: signpost.KindForbidden, Message: "only management teams manage accounts and organisations"}
	}
	if a.Authority == "" {
		return &signpost.Error{Kind: signpost.KindForbidden, Message: "your account belongs to no local authority, so it has no accounts to manage"}
	}
	return nil
}

// reasonOf reads and checks the reason of an action's body.
func reasonOf(r *http.Request) (string, error) {
	var req signpost.ReasonRequest
	if err := decode(r, &req); err != nil {
		return "", err
	}
	return checkActionReason(req.Reason)
}

func checkActionReason(reason string) (string, error) {
	if err := signpost.CheckReason("reason", reason, signpost.MaxReasonLen); err != nil {
		return "", err
	}
	if reason = strings.TrimSpace(reason); reason == "" {
		return "", signpost.FieldError("reason", "say why; the reason is recorded in the audit")
	}
	return reason, nil
}

// auditAdmin records an administrative action of a on target (a username,
// organisation or authority), never with a secret.
func (s *Server) auditAdmin(ctx context.Context, a Actor, action, reason string, target map[string]any) {
	params, _ := json.Marshal(target)
	s.audit.record(ctx, AuditEvent{At: s.cfg.Now(), UserID: a.UserID, Username: a.Username, DeviceID: a.DeviceID, Action: action, Reason: reason, Params: string(params)})
}

// ownAccount returns the account of the path's username if it belongs to
// a's authority; another authority's is not found, as an unknown one.
func (s *Server) ownAccount(r *http.Request, a Actor) (*Account, error) {
	username := r.PathValue("username")
	acc, err := s.store.Account(r.Context(), username)
	if signpost.KindOf(err) == signpost.KindNotFound || (err == nil && acc.Authority != a.Authority) {
		return nil, signpost.Errorf(signpost.KindNotFound, "there is no user %s in %s's organisations", signpost.Printable(username), a.Authority)
	}
	return acc, err
}

func summary(acc *Account) signpost.AccountSummary {
	return signpost.AccountSummary{Username: acc.Username, DisplayName: acc.DisplayName, Role: acc.Role, JobTitle: acc.JobTitle,
		Organisation: acc.Organisation, Disabled: acc.Disabled, MustChangePassword: acc.MustChangePassword}
}

// handleAccounts lists a page of the users of the management user's
// authority, by username: ?after=USERNAME pages on, ?limit=N (1..100).
func (s *Server) handleAccounts(w http.ResponseWriter, r *http.Request, a Actor) {
	if err := managementTeam(a); err != nil {
		s.fail(w, r, err)
		return
	}
	limit, err := pageLimit(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	after := r.URL.Query().Get("after")
	if err := signpost.CheckText("after", after, signpost.MaxNameLen); err != nil {
		s.fail(w, r, err)
		return
	}
	as, err := s.store.Accounts(r.Context(), AccountFilter{Authority: a.Authority, After: after, Limit: limit + 1})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	resp := signpost.AccountsResponse{Accounts: as}
	if len(as) > limit {
		resp.Accounts, resp.Next = as[:limit], as[limit-1].Username
	}
	writeJSON(w, http.StatusOK, resp)
}

// handleCreateAccount creates a user in one of the authority's
// organisations, by the same code as create-user, and answers the otpauth
// URL (and a temporary password when none was given) once.
func (s *Server) handleCreateAccount(w http.ResponseWriter, r *http.Request, a Actor) {
	if err := managementTeam(a); err != nil {
		s.fail(w, r, err)
		return
	}
	var req signpost.NewAccountRequest
	if err := decode(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	reason, err := checkActionReason(req.Reason)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u := NewUser{Username: strings.TrimSpace(req.Username), DisplayName: strings.TrimSpace(req.DisplayName), Role: req.Role,
		Organisation: req.Organisation, JobTitle: req.JobTitle, Phone: req.Phone, Email: req.Email, Password: req.Password, Cost: s.cfg.PasswordCost}
	var temp string
	if u.Password == "" {
		temp = TemporaryPassword()
		u.Password, u.MustChangePassword = temp, true
	}
	if err := u.Check(); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.ownOrganisation(r.Context(), a, u.Organisation); err != nil {
		s.fail(w, r, err)
		return
	}
	_, url, err := CreateUser(r.Context(), s.store, u)
	if signpost.KindOf(err) == signpost.KindConflict {
		err = &signpost.Error{Kind: signpost.KindConflict, Field: "username", Message: "the username " + signpost.Printable(u.Username) + " is taken; choose another"}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.auditAdmin(r.Context(), a, "account_create", reason, map[string]any{"username": u.Username, "role": u.Role, "organisation": u.Organisation})
	acc, err := s.store.Account(r.Context(), u.Username)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, signpost.Enrolment{Account: summary(acc), OTPAuthURL: url, TemporaryPassword: temp})
}

// ownOrganisation refuses an organisation that is not one of a's authority.
func (s *Server) ownOrganisation(ctx context.Context, a Actor, name string) error {
	orgs, err := s.allOrganisations(ctx, a.Authority)
	if err != nil {
		return err
	}
	for _, o := range orgs {
		if o.Name == name {
			return nil
		}
	}
	return signpost.FieldError("organisation", "%s is not an organisation of %s", signpost.Printable(name), a.Authority)
}

// allOrganisations reads every organisation of an authority (a few dozen),
// page by page.
func (s *Server) allOrganisations(ctx context.Context, authority string) ([]signpost.Organisation, error) {
	var out []signpost.Organisation
	f := OrganisationFilter{Authority: authority, Limit: 500}
	for {
		page, err := s.store.Organisations(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < f.Limit {
			return out, nil
		}
		f.After = page[len(page)-1].ID
	}
}

func (s *Server) handleDisableAccount(w http.ResponseWriter, r *http.Request, a Actor) {
	s.setDisabled(w, r, a, true)
}

func (s *Server) handleEnableAccount(w http.ResponseWriter, r *http.Request, a Actor) {
	s.setDisabled(w, r, a, false)
}

// setDisabled disables or re-enables an account of a's authority, as
// disable-user does; a disabled user's requests are refused at once.
func (s *Server) setDisabled(w http.ResponseWriter, r *http.Request, a Actor, disabled bool) {
	acc, reason, ok := s.accountAction(w, r, a)
	if !ok {
		return
	}
	if disabled && acc.ID == a.UserID {
		s.fail(w, r, &signpost.Error{Kind: signpost.KindConflict, Message: "you cannot disable your own account; ask another member of your team"})
		return
	}
	if err := s.store.SetAccountDisabled(r.Context(), acc.Username, disabled); err != nil {
		s.fail(w, r, err)
		return
	}
	s.auth.forgetUser(acc.ID)
	action := "account_enable"
	if disabled {
		action = "account_disable"
	}
	s.auditAdmin(r.Context(), a, action, reason, map[string]any{"username": acc.Username})
	acc.Disabled = disabled
	writeJSON(w, http.StatusOK, summary(acc))
}

// accountAction checks the role, the account and the reason of an action
// on an account, and answers the failure itself.
func (s *Server) accountAction(w http.ResponseWriter, r *http.Request, a Actor) (*Account, string, bool) {
	if err := managementTeam(a); err != nil {
		s.fail(w, r, err)
		return nil, "", false
	}
	reason, err := reasonOf(r)
	if err != nil {
		s.fail(w, r, err)
		return nil, "", false
	}
	acc, err := s.ownAccount(r, a)
	if err != nil {
		s.fail(w, r, err)
		return nil, "", false
	}
	return acc, reason, true
}

// handleResetAuthenticator gives an account a new TOTP secret, answered
// once as an otpauth URL, and ends every session of theirs.
func (s *Server) handleResetAuthenticator(w http.ResponseWriter, r *http.Request, a Actor) {
	acc, reason, ok := s.accountAction(w, r, a)
	if !ok {
		return
	}
	secret, url, err := NewTOTPSecret(acc.Username)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.store.SetAccountTOTP(r.Context(), acc.Username, secret); err != nil {
		s.fail(w, r, err)
		return
	}
	s.auth.forgetUser(acc.ID)
	s.auditAdmin(r.Context(), a, "account_reset_authenticator", reason, map[string]any{"username": acc.Username})
	writeJSON(w, http.StatusOK, signpost.Enrolment{Account: summary(acc), OTPAuthURL: url})
}

// handleResetPassword gives an account a one-time temporary password,
// answered once: the user must choose a new one at their next sign-in.
// Every session of theirs ends.
func (s *Server) handleResetPassword(w http.ResponseWriter, r *http.Request, a Actor) {
	acc, reason, ok := s.accountAction(w, r, a)
	if !ok {
		return
	}
	temp := TemporaryPassword()
	if err := s.store.SetAccountPassword(r.Context(), acc.Username, HashPassword(temp, s.cfg.PasswordCost), true); err != nil {
		s.fail(w, r, err)
		return
	}
	s.auth.forgetUser(acc.ID)
	s.auditAdmin(r.Context(), a, "account_reset_password", reason, map[string]any{"username": acc.Username})
	acc.MustChangePassword = true
	writeJSON(w, http.StatusOK, signpost.Enrolment{Account: summary(acc), TemporaryPassword: temp})
}

// tempAlphabet leaves out letters and digits read one for another (0/O, 1/l/I).
const tempAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// TemporaryPassword returns a one-time password to read out or pass on:
// four groups of four, about 79 bits.
func TemporaryPassword() string {
	raw := make([]byte, 16)
	_, _ = rand.Read(raw)
	var b strings.Builder
	for i, c := range raw {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(tempAlphabet[int(c)%len(tempAlphabet)])
	}
	return b.String()
}

// handleOrganisations lists a page of the authority's organisations by id:
// ?after=ID pages on, ?limit=N (1..100).
func (s *Server) handleOrganisations(w http.ResponseWriter, r *http.Request, a Actor) {
	if err := managementTeam(a); err != nil {
		s.fail(w, r, err)
		return
	}
	limit, err := pageLimit(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := OrganisationFilter{Authority: a.Authority, Limit: limit + 1}
	if v := r.URL.Query().Get("after"); v != "" {
		if f.After, err = strconv.ParseInt(v, 10, 64); err != nil || f.After < 0 {
			s.fail(w, r, signpost.FieldError("after", "after must be the next value a previous page gave"))
			return
		}
	}
	os, err := s.store.Organisations(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	resp := signpost.OrganisationsResponse{Organisations: os}
	if len(os) > limit {
		resp.Organisations, resp.Next = os[:limit], strconv.FormatInt(os[limit-1].ID, 10)
	}
	writeJSON(w, http.StatusOK, resp)
}

// handleAccredit turns the accreditation of one of the authority's
// organisations on or off: an unaccredited organisation's users cannot
// sign in, and their requests are refused at once.
func (s *Server) handleAccredit(w http.ResponseWriter, r *http.Request, a Actor) {
	if err := managementTeam(a); err != nil {
		s.fail(w, r, err)
		return
	}
	var req signpost.AccreditRequest
	if err := decode(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if req.Accredited == nil {
		s.fail(w, r, signpost.FieldError("accredited", "accredited (true or false) is required"))
		return
	}
	reason, err := checkActionReason(req.Reason)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, signpost.FieldError("id", "the organisation id is the number GET /v1/organisations gives"))
		return
	}
	o, err := s.store.Organisation(r.Context(), id)
	if signpost.KindOf(err) == signpost.KindNotFound || (err == nil && o.Authority != a.Authority) {
		err = signpost.Errorf(signpost.KindNotFound, "there is no organisation %d in %s", id, a.Authority)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	me, err := s.store.Account(r.Context(), a.Username)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !*req.Accredited && me.Organisation == o.Name {
		s.fail(w, r, &signpost.Error{Kind: signpost.KindConflict, Field: "accredited", Message: "your own organisation cannot be unaccredited from your account: its users, you among them, could no longer sign in"})
		return
	}
	if err := s.store.SetOrganisationAccredited(r.Context(), id, *req.Accredited); err != nil {
		s.fail(w, r, err)
		return
	}
	s.auth.forgetOrganisation(o.Name)
	action := "organisation_unaccredit"
	if *req.Accredited {
		action = "organisation_accredit"
	}
	s.auditAdmin(r.Context(), a, action, reason, map[string]any{"organisation": o.Name, "id": o.ID})
	o.Accredited = *req.Accredited
	writeJSON(w, http.StatusOK, o.Organisation)
}

// handleTeamContact answers how practitioners reach the management user's
// own team.
func (s *Server) handleTeamContact(w http.ResponseWriter, r *http.Request, a Actor) {
	if err := managementTeam(a); err != nil {
		s.fail(w, r, err)
		return
	}
	phone, email, err := s.store.AuthorityContact(r.Context(), a.Authority)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, signpost.TeamContact{Authority: a.Authority, Phone: phone, Email: email})
}

// handleSetTeamContact sets the phone and email of the management user's
// own team, as set-authority-contact does; every shielded record shows them.
func (s *Server) handleSetTeamContact(w http.ResponseWriter, r *http.Request, a Actor) {
	if err := managementTeam(a); err != nil {
		s.fail(w, r, err)
		return
	}
	var req signpost.TeamContact
	if err := decode(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if req.Authority != "" && req.Authority != a.Authority {
		s.fail(w, r, signpost.FieldError("authority", "you set only your own team's contact details (%s)", a.Authority))
		return
	}
	reason, err := checkActionReason(req.Reason)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := SetTeamContact(r.Context(), s.store, a.Authority, req.Phone, req.Email); err != nil {
		s.fail(w, r, err)
		return
	}
	s.auditAdmin(r.Context(), a, "authority_contact", reason, map[string]any{"authority": a.Authority})
	writeJSON(w, http.StatusOK, signpost.TeamContact{Authority: a.Authority, Phone: strings.TrimSpace(req.Phone), Email: strings.TrimSpace(req.Email)})
}

// SetTeamContact validates and sets how an authority's management team is
// reached (set-authority-contact and PUT /v1/authority/contact): at least
// one of phone and email, each well formed.
func SetTeamContact(ctx context.Context, st Store, authority, phone, email string) error {
	phone, email = strings.TrimSpace(phone), strings.TrimSpace(email)
	if phone == "" && email == "" {
		return signpost.FieldError("phone", "a phone or an email is required: a shielded record must say how to reach the team")
	}
	if err := CheckTeamContact(phone, email); err != nil {
		return err
	}
	return st.SetAuthorityContact(ctx, authority, phone, email)
}

// CheckTeamContact validates a management team's phone and email (either
// may be empty).
func CheckTeamContact(phone, email string) error {
	if err := signpost.CheckPhone("phone", phone); err != nil {
		return err
	}
	return signpost.CheckEmail("email", email)
}

// newPasswordKey carries, in a sign-in's context, the new password of POST
// /v1/session/password.
type newPasswordKey struct{}

// handleChangePassword signs a user in while setting a new password: after
// a reset (the temporary password and a security code prove who asks), or
// any time. The answer is a sign-in's.
func (s *Server) handleChangePassword(w http.ResponseWriter, r *http.Request) {
	var req signpost.ChangePasswordRequest
	if err := decode(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := CheckNewPassword(signpost.FieldNewPassword, req.NewPassword); err != nil {
		s.fail(w, r, err)
		return
	}
	if req.NewPassword == req.Password {
		s.fail(w, r, signpost.FieldError(signpost.FieldNewPassword, "the new password must differ from the one you have"))
		return
	}
	ctx := context.WithValue(r.Context(), newPasswordKey{}, req.NewPassword)
	resp, err := s.signIn(r.WithContext(ctx), &req.SessionRequest)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// errChooseNewPassword answers the sign-in of a user whose password was reset.
var errChooseNewPassword = &signpost.Error{Kind: signpost.KindForbidden, Field: signpost.FieldNewPassword,
	Message: "choose a new password: the one you used was given for one sign-in only"}

// passwordToChange returns the new password a sign-in sets ("" for none),
// or refuses the sign-in of a user who must choose one first. It runs once
// the password and the code are right, before the code is spent, so the
// same code serves the sign-in that sets the new password.
func (s *Server) passwordToChange(ctx context.Context, acc *Account) (string, error) {
	np, _ := ctx.Value(newPasswordKey{}).(string)
	if acc.MustChangePassword && np == "" {
		return "", errChooseNewPassword
	}
	return np, nil
}

// setOwnPassword stores the new password a user chose at sign-in.
func (s *Server) setOwnPassword(ctx context.Context, acc *Account, np string) error {
	if err := s.store.SetAccountPassword(ctx, acc.Username, HashPassword(np, s.cfg.PasswordCost), false); err != nil {
		return err
	}
	acc.MustChangePassword = false
	s.audit.record(ctx, AuditEvent{At: s.cfg.Now(), UserID: acc.ID, Username: acc.Username, Action: "password_change"})
	return nil
}

// forgetUser drops the sessions kept of a user, and their devices.
func (c *authCache) forgetUser(id int64) {
	c.forgetWhere(func(acc *Account) bool { return acc.ID == id })
}

// forgetOrganisation drops the sessions kept of an organisation's users.
func (c *authCache) forgetOrganisation(name string) {
	c.forgetWhere(func(acc *Account) bool { return acc.Organisation == name })
}

func (c *authCache) forgetWhere(match func(*Account) bool) {
	c.mu.Lock()
	var devs []string
	for _, e := range c.sessions {
		if match(e.acc) {
			devs = append(devs, e.se.DeviceID)
		}
	}
	c.mu.Unlock()
	c.forgetDevices(devs...)
}
