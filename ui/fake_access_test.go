package ui

// Issue 14, slice access: the fake's alerts, shielded children and
// subject-access reports.

import (
	"context"
	"os"
	"time"

	"signpost"
)

// accessFake holds the canned answers of the management team's services.
type accessFake struct {
	alerts   signpost.AlertsResponse
	shielded signpost.ShieldedResponse
	report   signpost.AccessReport
}

func (f *fake) Alerts(ctx context.Context, before string) (signpost.AlertsResponse, error) {
	if err := f.call("Alerts %s", before); err != nil {
		return signpost.AlertsResponse{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	page := f.acc.alerts
	page.Alerts = append([]signpost.Alert(nil), page.Alerts...)
	return page, nil
}

func (f *fake) AckAlert(ctx context.Context, id int64, note string) (signpost.Alert, error) {
	if err := f.call("AckAlert %d %s", id, note); err != nil {
		return signpost.Alert{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, al := range f.acc.alerts.Alerts {
		if al.ID == id {
			al.AcknowledgedBy, al.AcknowledgedAt, al.AckNote, al.Escalated = f.state.User.Username, time.Now(), note, false
			f.acc.alerts.Alerts[i] = al
			f.acc.alerts.Unacknowledged--
			return al, nil
		}
	}
	return signpost.Alert{}, &signpost.Error{Kind: signpost.KindNotFound, Message: "alert was not found"}
}

func (f *fake) Shielded(ctx context.Context, after string) (signpost.ShieldedResponse, error) {
	if err := f.call("Shielded %s", after); err != nil {
		return signpost.ShieldedResponse{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.acc.shielded, nil
}

func (f *fake) AccessReport(ctx context.Context, childID, before, user string) (signpost.AccessReport, error) {
	if err := f.call("AccessReport %s %s %s", childID, before, user); err != nil {
		return signpost.AccessReport{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	rep := f.acc.report
	rep.SignpostID = childID
	return rep, nil
}

func (f *fake) ExportAccess(ctx context.Context, childID, reason, path string) error {
	if err := f.call("ExportAccess %s %s", childID, reason); err != nil {
		return err
	}
	return os.WriteFile(path, []byte("when,action\n"), 0o600)
}

// managerFake is Leeds' management team, with alerts, shielded children
// and a report to show.
func managerFake() *fake {
	f := readyFake()
	f.state.User = signpost.User{Username: "manager", DisplayName: "Maria Green", Role: signpost.RoleManagement, Authority: "Leeds"}
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.Local)
	f.acc.alerts = signpost.AlertsResponse{Alerts: []signpost.Alert{
		{ID: 3, At: at, Kind: "harvest", Username: "busy", Reason: "searches: 120 today (threshold 100)"},
		{ID: 2, At: at.Add(-time.Hour), Kind: "break_glass", ChildID: "SP000000026", Username: "social", Reason: "section 47 enquiry",
			AlertState: signpost.AlertState{AcknowledgedBy: "manager", AcknowledgedAt: at, AckNote: "confirmed with the social worker"}},
		{ID: 1, At: at.Add(-48 * time.Hour), Kind: "break_glass", ChildID: "SP000000026", Username: "social", Reason: "worried about the family",
			AlertState: signpost.AlertState{Escalated: true, Access: "/v1/children/SP000000026/access?user=social"}},
	}, AlertCounts: signpost.AlertCounts{Unacknowledged: 2, Escalated: 1, EscalateHours: 24}}
	f.acc.shielded = signpost.ShieldedResponse{Children: []signpost.ShieldedChild{
		{SignpostID: "SP000000026", GivenName: "Riley", FamilyName: "Shielded", DateOfBirth: "2012-07-01", Overdue: true,
			Shielding: signpost.Shielding{By: "Maria Green", At: at.AddDate(-1, 0, 0), Reason: "family fleeing domestic abuse", ReviewDate: "2026-11-01"}},
		{SignpostID: "SP000000018", GivenName: "Jamie", FamilyName: "Fixture", DateOfBirth: "2015-03-14",
			Shielding: signpost.Shielding{By: "Maria Green", At: at, Reason: "risk from a former partner", ReviewDate: "2027-02-01"}},
	}}
	f.acc.report = signpost.AccessReport{Entries: []signpost.AccessEntry{
		{ID: 9, At: at, Action: "break_glass", Username: "social", Name: "Sean O'Connell", Organisation: "Leeds City Council", DeviceName: "SEAN-LAPTOP", Reason: "section 47 enquiry"},
		{ID: 8, At: at.Add(-time.Hour), Action: "offline_view", Username: "nurse", Name: "Nadia Shah", Organisation: "Leeds Community Healthcare NHS Trust", DeviceName: "NADIA-LAPTOP", Offline: true},
	}, Next: "8"}
	return f
}
