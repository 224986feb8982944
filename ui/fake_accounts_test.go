package ui

import (
	"context"
	"slices"
	"strings"

	"signpost"
)

// Issue 14, accounts slice: the fake's accounts, organisations and contact.

type fakeAccounts struct {
	people  []signpost.AccountSummary
	orgs    []signpost.Organisation
	contact signpost.TeamContact
	// enrolment answers CreateAccount and the resets.
	enrolment signpost.Enrolment
}

func (f *fake) Accounts(ctx context.Context, after string) (signpost.AccountsResponse, error) {
	if err := f.call("Accounts %s", after); err != nil {
		return signpost.AccountsResponse{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return signpost.AccountsResponse{Accounts: append([]signpost.AccountSummary(nil), f.acct.people...)}, nil
}

func (f *fake) CreateAccount(ctx context.Context, req signpost.NewAccountRequest) (signpost.Enrolment, error) {
	if err := f.call("CreateAccount %s %s %s %s reason=%s", req.Username, req.Role, req.Organisation, req.Email, req.Reason); err != nil {
		return signpost.Enrolment{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	a := signpost.AccountSummary{Username: req.Username, DisplayName: req.DisplayName, Role: req.Role, Organisation: req.Organisation, MustChangePassword: true}
	f.acct.people = append(f.acct.people, a)
	en := f.acct.enrolment
	en.Account = a
	return en, nil
}

func (f *fake) AccountAction(ctx context.Context, username, action, reason string) (signpost.Enrolment, error) {
	if err := f.call("AccountAction %s %s reason=%s", username, action, reason); err != nil {
		return signpost.Enrolment{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	en := signpost.Enrolment{}
	for i := range f.acct.people {
		p := &f.acct.people[i]
		if p.Username != username {
			continue
		}
		switch action {
		case actionDisable:
			p.Disabled = true
		case actionEnable:
			p.Disabled = false
		case actionResetAuthenticator:
			en.OTPAuthURL = f.acct.enrolment.OTPAuthURL
		case actionResetPassword:
			p.MustChangePassword = true
			en.TemporaryPassword = f.acct.enrolment.TemporaryPassword
		}
		en.Account = *p
	}
	return en, nil
}

func (f *fake) Organisations(ctx context.Context) ([]signpost.Organisation, error) {
	if err := f.call("Organisations"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]signpost.Organisation(nil), f.acct.orgs...), nil
}

func (f *fake) SetAccredited(ctx context.Context, id int64, on bool, reason string) (signpost.Organisation, error) {
	if err := f.call("SetAccredited %d %v reason=%s", id, on, reason); err != nil {
		return signpost.Organisation{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.acct.orgs {
		if f.acct.orgs[i].ID == id {
			f.acct.orgs[i].Accredited = on
			return f.acct.orgs[i], nil
		}
	}
	return signpost.Organisation{}, &signpost.Error{Kind: signpost.KindNotFound, Message: "no such organisation"}
}

func (f *fake) TeamContact(ctx context.Context) (signpost.TeamContact, error) {
	if err := f.call("TeamContact"); err != nil {
		return signpost.TeamContact{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.acct.contact, nil
}

func (f *fake) SetTeamContact(ctx context.Context, tc signpost.TeamContact) (signpost.TeamContact, error) {
	if err := f.call("SetTeamContact %s %s reason=%s", tc.Phone, tc.Email, tc.Reason); err != nil {
		return signpost.TeamContact{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.acct.contact = signpost.TeamContact{Phone: tc.Phone, Email: tc.Email}
	return f.acct.contact, nil
}

func (f *fake) DevicesFiltered(ctx context.Context, q DeviceQuery) (signpost.DevicesResponse, error) {
	if err := f.call("DevicesFiltered user=%s name=%s state=%s days=%d oldest=%v after=%s", q.User, q.Name, q.State, q.NotSeenDays, q.Oldest, q.After); err != nil {
		return signpost.DevicesResponse{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := signpost.DevicesResponse{Devices: []signpost.Device{}}
	for _, d := range f.devices {
		if (q.User == "" || strings.Contains(d.User, q.User)) && (q.Name == "" || strings.Contains(d.Name, q.Name)) && (q.State == "" || d.State == q.State) {
			out.Devices = append(out.Devices, d)
		}
	}
	if q.Oldest {
		slices.Reverse(out.Devices)
	}
	return out, nil
}

func (f *fake) RevokeDevice(ctx context.Context, id, reason string) (signpost.Device, error) {
	if err := f.call("RevokeDevice %s reason=%s", id, reason); err != nil {
		return signpost.Device{}, err
	}
	return f.moveDevice(id, func(d *signpost.Device) { d.State = signpost.DeviceRevoked })
}
