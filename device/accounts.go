package device

import (
	"context"
	"net/url"
	"strconv"

	"signpost"
	psync "signpost/sync"
)

// Issue 14, accounts slice: what the management team does online from the
// app (accounts, organisations, its own contact details). Nothing of it is
// kept on this laptop: the enrolment secrets pass through to the screen
// only.

// withNewPassword has a sign-in set a new password, when one is given.
func withNewPassword(ctx context.Context, pw string) context.Context {
	if pw == "" {
		return ctx
	}
	return psync.WithNewPassword(ctx, pw)
}

// Accounts lists a page of the authority's accounts (management team):
// after is "" for the first page, else the Next of the one before.
func (d *Device) Accounts(ctx context.Context, after string) (signpost.AccountsResponse, error) {
	_, c, _, err := d.ready()
	if err != nil {
		return signpost.AccountsResponse{}, err
	}
	page, err := c.Accounts(ctx, after)
	if err != nil {
		return signpost.AccountsResponse{}, d.online(err, needConnection)
	}
	return *page, nil
}

// CreateAccount creates a user in one of the authority's organisations and
// returns the enrolment (the otpauth URL, and a temporary password when
// none was given) to show once.
func (d *Device) CreateAccount(ctx context.Context, req signpost.NewAccountRequest) (signpost.Enrolment, error) {
	_, c, _, err := d.ready()
	if err != nil {
		return signpost.Enrolment{}, err
	}
	en, err := c.CreateAccount(ctx, req)
	if err != nil {
		return signpost.Enrolment{}, d.online(err, needConnection)
	}
	return *en, nil
}

// Account actions (AccountAction).
const (
	ActionDisable            = "disable"
	ActionEnable             = "enable"
	ActionResetAuthenticator = "reset-authenticator"
	ActionResetPassword      = "reset-password"
)

// AccountAction disables, enables, resets the authenticator or resets the
// password of an account, for a reason; a reset's answer holds the new
// secret to show once.
func (d *Device) AccountAction(ctx context.Context, username, action, reason string) (signpost.Enrolment, error) {
	_, c, _, err := d.ready()
	if err != nil {
		return signpost.Enrolment{}, err
	}
	en, err := c.AccountAction(ctx, username, action, reason)
	if err != nil {
		return signpost.Enrolment{}, d.online(err, needConnection)
	}
	return *en, nil
}

// Organisations lists the authority's organisations (the first 100).
func (d *Device) Organisations(ctx context.Context) ([]signpost.Organisation, error) {
	_, c, _, err := d.ready()
	if err != nil {
		return nil, err
	}
	page, err := c.Organisations(ctx, 0)
	if err != nil {
		return nil, d.online(err, needConnection)
	}
	return page.Organisations, nil
}

// SetAccredited turns an organisation's accreditation on or off.
func (d *Device) SetAccredited(ctx context.Context, id int64, on bool, reason string) (signpost.Organisation, error) {
	_, c, _, err := d.ready()
	if err != nil {
		return signpost.Organisation{}, err
	}
	o, err := c.SetAccredited(ctx, id, on, reason)
	if err != nil {
		return signpost.Organisation{}, d.online(err, needConnection)
	}
	return *o, nil
}

// TeamContact reads the management team's own contact details.
func (d *Device) TeamContact(ctx context.Context) (signpost.TeamContact, error) {
	_, c, _, err := d.ready()
	if err != nil {
		return signpost.TeamContact{}, err
	}
	tc, err := c.TeamContact(ctx)
	if err != nil {
		return signpost.TeamContact{}, d.online(err, needConnection)
	}
	return *tc, nil
}

// SetTeamContact sets the management team's own contact details, for a reason.
func (d *Device) SetTeamContact(ctx context.Context, tc signpost.TeamContact) (signpost.TeamContact, error) {
	_, c, _, err := d.ready()
	if err != nil {
		return signpost.TeamContact{}, err
	}
	out, err := c.SetTeamContact(ctx, tc)
	if err != nil {
		return signpost.TeamContact{}, d.online(err, needConnection)
	}
	return *out, nil
}

// DeviceQuery is what IT staff filter the devices list by.
type DeviceQuery struct {
	User, Name  string // a part of the username, of the laptop's name
	State       string // signpost.DeviceActive…; "" for all
	NotSeenDays int    // only those not seen for this many days; 0 for all
	Oldest      bool   // least recently seen first
	After       string // the Next of the page before; "" for the first
}

// DevicesFiltered lists a page of devices matching q (IT admin).
func (d *Device) DevicesFiltered(ctx context.Context, q DeviceQuery) (signpost.DevicesResponse, error) {
	_, c, _, err := d.ready()
	if err != nil {
		return signpost.DevicesResponse{}, err
	}
	v := url.Values{}
	v.Set("user", q.User)
	v.Set("name", q.Name)
	v.Set("state", q.State)
	if q.NotSeenDays > 0 {
		v.Set("not_seen_days", strconv.Itoa(q.NotSeenDays))
	}
	if q.Oldest {
		v.Set("sort", "oldest")
	}
	page, err := c.DevicesFiltered(ctx, v, q.After)
	if err != nil {
		return signpost.DevicesResponse{}, d.online(err, needConnection)
	}
	return *page, nil
}

// RevokeDevice revokes a device for good (IT admin), for a reason: its
// token stops working and its cache locks at its next contact.
func (d *Device) RevokeDevice(ctx context.Context, id, reason string) (signpost.Device, error) {
	_, c, _, err := d.ready()
	if err != nil {
		return signpost.Device{}, err
	}
	dev, err := c.RevokeDevice(ctx, id, reason)
	if err != nil {
		return signpost.Device{}, d.online(err, needConnection)
	}
	return *dev, nil
}
