package sync

import (
	"context"
	"net/http"
	"net/url"
	"runtime"
	"strconv"

	"signpost"
)

// Issue 14, accounts slice: the management team's accounts, organisations
// and contact details, and a new password chosen at sign-in.

// newPasswordKey carries a new password for the next sign-in in a context.
type newPasswordKey struct{}

// WithNewPassword returns ctx with a new password that a sign-in made with
// it sets (POST /v1/session/password): after a reset, the directory asks
// for one before it signs the user in.
func WithNewPassword(ctx context.Context, pw string) context.Context {
	return context.WithValue(ctx, newPasswordKey{}, pw)
}

func newPasswordOf(ctx context.Context) string {
	pw, _ := ctx.Value(newPasswordKey{}).(string)
	return pw
}

// Accounts lists a page of the authority's accounts (management team);
// after is "" for the first page, else the Next of the one before.
func (c *Client) Accounts(ctx context.Context, after string) (*signpost.AccountsResponse, error) {
	q := url.Values{}
	q.Set("limit", "100")
	if after != "" {
		q.Set("after", after)
	}
	var out signpost.AccountsResponse
	return &out, c.do(ctx, c.r, http.MethodGet, "/v1/accounts?"+q.Encode(), nil, &out)
}

// CreateAccount creates a user; the answer holds the enrolment, once.
func (c *Client) CreateAccount(ctx context.Context, req signpost.NewAccountRequest) (*signpost.Enrolment, error) {
	var out signpost.Enrolment
	return &out, c.do(ctx, c.r, http.MethodPost, "/v1/accounts", req, &out)
}

// AccountAction runs one of disable, enable, reset-authenticator and
// reset-password on a user, for a reason.
func (c *Client) AccountAction(ctx context.Context, username, action, reason string) (*signpost.Enrolment, error) {
	var out signpost.Enrolment
	var into any = &out
	if action == "disable" || action == "enable" {
		into = &out.Account
	}
	return &out, c.do(ctx, c.r, http.MethodPost, "/v1/accounts/"+url.PathEscape(username)+"/"+action, signpost.ReasonRequest{Reason: reason}, into)
}

// Organisations lists the authority's organisations (management team).
func (c *Client) Organisations(ctx context.Context, after int64) (*signpost.OrganisationsResponse, error) {
	q := url.Values{}
	q.Set("limit", "100")
	if after > 0 {
		q.Set("after", strconv.FormatInt(after, 10))
	}
	var out signpost.OrganisationsResponse
	return &out, c.do(ctx, c.r, http.MethodGet, "/v1/organisations?"+q.Encode(), nil, &out)
}

// SetAccredited turns an organisation's accreditation on or off.
func (c *Client) SetAccredited(ctx context.Context, id int64, on bool, reason string) (*signpost.Organisation, error) {
	var out signpost.Organisation
	return &out, c.do(ctx, c.r, http.MethodPost, "/v1/organisations/"+strconv.FormatInt(id, 10)+"/accredited", signpost.AccreditRequest{Accredited: &on, Reason: reason}, &out)
}

// TeamContact reads the management team's own contact details.
func (c *Client) TeamContact(ctx context.Context) (*signpost.TeamContact, error) {
	var out signpost.TeamContact
	return &out, c.do(ctx, c.r, http.MethodGet, "/v1/authority/contact", nil, &out)
}

// SetTeamContact sets the management team's own contact details.
func (c *Client) SetTeamContact(ctx context.Context, tc signpost.TeamContact) (*signpost.TeamContact, error) {
	var out signpost.TeamContact
	return &out, c.do(ctx, c.r, http.MethodPut, "/v1/authority/contact", tc, &out)
}

// userAgent tells the directory the app's version and OS, which IT staff
// see in the devices list.
var userAgent = signpost.UserAgent(signpost.Version, runtime.GOOS, runtime.GOARCH)

// RevokedError is the directory's answer to a revoked device: its token is
// refused for good and the cache must lock at once.
type RevokedError struct{ Err *signpost.Error }

func (e *RevokedError) Error() string { return e.Err.Error() }
func (e *RevokedError) Unwrap() error { return e.Err }

func hasDirective(ds []signpost.Directive, kind string) bool {
	for _, d := range ds {
		if d.Kind == kind {
			return true
		}
	}
	return false
}

// RevokeDevice revokes a device (IT admin), for a reason.
func (c *Client) RevokeDevice(ctx context.Context, id, reason string) (*signpost.Device, error) {
	var out signpost.Device
	return &out, c.do(ctx, c.r, http.MethodPost, "/v1/devices/"+url.PathEscape(id)+"/revoke", signpost.ReasonRequest{Reason: reason}, &out)
}

// DevicesFiltered lists a page of devices matching q (user, name, state,
// not_seen_days, sort; IT admin), after the Next of the page before.
func (c *Client) DevicesFiltered(ctx context.Context, q url.Values, after string) (*signpost.DevicesResponse, error) {
	q = cloneValues(q)
	if after != "" {
		q.Set("after", after)
	}
	var out signpost.DevicesResponse
	return &out, c.do(ctx, c.r, http.MethodGet, "/v1/devices?"+q.Encode(), nil, &out)
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, vs := range q {
		if len(vs) > 0 && vs[0] != "" {
			out.Set(k, vs[0])
		}
	}
	return out
}
