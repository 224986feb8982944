package device

// Issue 14, slice access: the management team's alerts, shielded children
// and subject-access reports. All of them are the directory's: offline they
// say they need a connection.

import (
	"context"
	"os"
	"path/filepath"

	"signpost"
)

// needConnection is what these say offline.
const needConnection = "this needs a connection to the directory, which this laptop cannot reach now; try again when you are online"

// Alerts lists a page of the team's alerts, newest first, with the counts
// of those unacknowledged and escalated.
func (d *Device) Alerts(ctx context.Context, before string) (signpost.AlertsResponse, error) {
	_, c, _, err := d.ready()
	if err != nil {
		return signpost.AlertsResponse{}, err
	}
	page, err := c.Alerts(ctx, before)
	if err != nil {
		return signpost.AlertsResponse{}, d.online(err, needConnection)
	}
	return *page, nil
}

// AckAlert acknowledges one of the team's alerts with a note (required).
func (d *Device) AckAlert(ctx context.Context, id int64, note string) (signpost.Alert, error) {
	_, c, _, err := d.ready()
	if err != nil {
		return signpost.Alert{}, err
	}
	al, err := c.AckAlert(ctx, id, note)
	if err != nil {
		return signpost.Alert{}, d.online(err, needConnection)
	}
	return *al, nil
}

// Shielded lists a page of the team's shielded children, review due first.
func (d *Device) Shielded(ctx context.Context, after string) (signpost.ShieldedResponse, error) {
	_, c, _, err := d.ready()
	if err != nil {
		return signpost.ShieldedResponse{}, err
	}
	page, err := c.Shielded(ctx, after)
	if err != nil {
		return signpost.ShieldedResponse{}, d.online(err, needConnection)
	}
	return *page, nil
}

// AccessReport returns a page of a child's subject-access report.
func (d *Device) AccessReport(ctx context.Context, childID, before, user string) (signpost.AccessReport, error) {
	_, c, _, err := d.ready()
	if err != nil {
		return signpost.AccessReport{}, err
	}
	id := signpost.NormaliseSignpostID(childID)
	if !signpost.ValidSignpostID(id) {
		return signpost.AccessReport{}, signpost.FieldError("id", "that is not a valid Signpost ID (SP, eight digits and a check digit)")
	}
	rep, err := c.AccessReport(ctx, id, before, user)
	if err != nil {
		return signpost.AccessReport{}, d.online(err, needConnection)
	}
	return *rep, nil
}

// ExportAccess saves a child's whole subject-access report as CSV at path
// (the file the person chose): written beside it and moved into place once
// complete, so a cut-short export leaves no half a report. The directory
// audits the export with reason.
func (d *Device) ExportAccess(ctx context.Context, childID, reason, path string) error {
	_, c, _, err := d.ready()
	if err != nil {
		return err
	}
	id := signpost.NormaliseSignpostID(childID)
	if !signpost.ValidSignpostID(id) {
		return signpost.FieldError("id", "that is not a valid Signpost ID (SP, eight digits and a check digit)")
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".signpost-export-*")
	if err != nil {
		return &signpost.Error{Kind: signpost.KindInvalid, Field: "path", Message: "the report cannot be saved in that folder; choose another", Err: err}
	}
	defer os.Remove(f.Name()) // gone once renamed; else the partial file
	if err := c.ExportAccess(ctx, id, reason, f); err != nil {
		f.Close()
		return d.online(err, needConnection)
	}
	if err := f.Close(); err != nil {
		return &signpost.Error{Kind: signpost.KindInvalid, Field: "path", Message: "the report could not be written to disk; choose another place", Err: err}
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return &signpost.Error{Kind: signpost.KindInvalid, Field: "path", Message: "the report could not be saved under that name; choose another", Err: err}
	}
	return nil
}
