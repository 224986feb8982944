package sqlstore

// Issue 14, slice access: alert acknowledgement, the shielded children of an
// authority and subject-access reports.

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"strings"
	"time"

	"signpost"
	"signpost/directory"
)

// AckAlert acknowledges an alert of ack.Authority, once.
func (s *Core) AckAlert(ctx context.Context, ack directory.AlertAck) (*directory.Alert, error) {
	var out *directory.Alert
	err := s.Write(ctx, func(tx *sql.Tx) error {
		al, err := alertIn(ctx, tx, ack.ID, ack.Authority)
		if err != nil {
			return err
		}
		if !al.AckAt.IsZero() {
			return &signpost.Error{Kind: signpost.KindConflict, Message: "this alert was already acknowledged by " + al.AckBy + " on " +
				al.AckAt.UTC().Format("2 January 2006 at 15:04 UTC")}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE alerts SET ack_by = ?, ack_at = ?, ack_note = ? WHERE id = ?`, ack.By, TS(ack.At), ack.Note, ack.ID); err != nil {
			return err
		}
		al.AckBy, al.AckAt, al.AckNote = ack.By, ack.At, ack.Note
		out = al
		return nil
	})
	return out, s.Wrap("acknowledging an alert", err)
}

// alertIn reads one alert of an authority; another authority's is not found.
func alertIn(ctx context.Context, q Querier, id int64, authority string) (*directory.Alert, error) {
	var al directory.Alert
	var at, ackAt string
	err := q.QueryRowContext(ctx, `SELECT id, at, authority, child_id, username, kind, reason, COALESCE(dedupe, ''), ack_by, ack_at, ack_note
		FROM alerts WHERE id = ? AND authority = ?`, id, authority).
		Scan(&al.ID, &at, &al.Authority, &al.ChildID, &al.Username, &al.Kind, &al.Reason, &al.Dedupe, &al.AckBy, &ackAt, &al.AckNote)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, NotFound("alert")
	}
	if err != nil {
		return nil, err
	}
	al.At = ParseTS(at)
	if ackAt != "" {
		al.AckAt = ParseTS(ackAt)
	}
	return &al, nil
}

// AlertCounts counts an authority's unacknowledged alerts and, of those, the
// ones raised before escalateBefore.
func (s *Core) AlertCounts(ctx context.Context, authority string, escalateBefore time.Time) (signpost.AlertCounts, error) {
	var c signpost.AlertCounts
	err := s.R.QueryRowContext(ctx, `SELECT count(*), `+s.CountIf(`at < ?`)+` FROM alerts WHERE authority = ? AND ack_at = ''`,
		TS(escalateBefore), authority).Scan(&c.Unacknowledged, &c.Escalated)
	return c, s.Wrap("counting alerts", err)
}

// Shielded lists a page of an authority's shielded children, earliest review
// date first (then by Signpost ID).
func (s *Core) Shielded(ctx context.Context, f directory.ShieldedFilter) ([]signpost.ShieldedChild, error) {
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	review, id, _ := strings.Cut(f.After, "|")
	rows, err := s.R.QueryContext(ctx, `SELECT c.signpost_id, c.given_name, c.family_name, c.dob, c.shield_reason, c.shield_review, c.shield_at,
		COALESCE((SELECT display_name FROM users WHERE username = c.shield_by), '')
		FROM children c WHERE c.shielded = 1 AND c.authority_id = (SELECT id FROM authorities WHERE name = ? OR code = ?)
		AND (c.shield_review, c.signpost_id) > (?, ?) ORDER BY c.shield_review, c.signpost_id LIMIT ?`,
		f.Authority, f.Authority, review, id, limit)
	if err != nil {
		return nil, s.Wrap("listing shielded children", err)
	}
	defer rows.Close()
	var out []signpost.ShieldedChild
	for rows.Next() {
		var c signpost.ShieldedChild
		var at string
		if err := rows.Scan(&c.SignpostID, &c.GivenName, &c.FamilyName, &c.DateOfBirth, &c.Shielding.Reason, &c.Shielding.ReviewDate, &at, &c.Shielding.By); err != nil {
			return nil, s.Wrap("listing shielded children", err)
		}
		c.Shielding.At = ParseTS(at)
		out = append(out, c)
	}
	return out, s.Wrap("listing shielded children", rows.Err())
}

// KeepShieldHistory copies the child's current shielding, if any, into
// shield_history before a renewal or an unshielding replaces it.
func KeepShieldHistory(ctx context.Context, tx *sql.Tx, childID int64, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO shield_history (child_id, reason, review, "by", at, replaced_at)
		SELECT id, shield_reason, shield_review, shield_by, shield_at, ? FROM children WHERE id = ? AND shielded = 1`, TS(at), childID)
	return err
}

// AccessReport lists a page of the audit events about a child, newest first,
// with names, organisations and device names filled in.
func (s *Core) AccessReport(ctx context.Context, f directory.AccessFilter) ([]signpost.AccessEntry, error) {
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	before := f.BeforeID
	if before <= 0 {
		before = math.MaxInt64
	}
	q := `SELECT a.id, a.at, a.user_id, a.username, a.device_id, a.action, a.reason, a.flags, a.claimed_at
		FROM audit_children ac JOIN audit a ON a.id = ac.audit_id WHERE ac.child_id = ? AND ac.audit_id < ?`
	args := []any{signpost.NormaliseSignpostID(f.ChildID), before}
	if f.Username != "" {
		q += ` AND a.username = ?`
		args = append(args, f.Username)
	}
	rows, err := s.AR.QueryContext(ctx, q+` ORDER BY ac.audit_id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, s.Wrap("reading the subject-access report", err)
	}
	defer rows.Close()
	var out []signpost.AccessEntry
	users := map[int64][]int{}
	devices := map[string][]int{}
	for rows.Next() {
		var e signpost.AccessEntry
		var at, claimed string
		var user int64
		if err := rows.Scan(&e.ID, &at, &user, &e.Username, &e.DeviceID, &e.Action, &e.Reason, &e.Flags, &claimed); err != nil {
			return nil, s.Wrap("reading the subject-access report", err)
		}
		e.At = ParseTS(at)
		if claimed != "" {
			e.Offline, e.ClaimedAt = true, ParseTS(claimed)
		}
		users[user] = append(users[user], len(out))
		if e.DeviceID != "" {
			devices[e.DeviceID] = append(devices[e.DeviceID], len(out))
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, s.Wrap("reading the subject-access report", err)
	}
	rows.Close()
	if err := s.nameAccess(ctx, out, users, devices); err != nil {
		return nil, s.Wrap("reading the subject-access report", err)
	}
	return out, nil
}

// nameAccess fills in the people's names and organisations and the devices'
// names of a report's entries (by the entries' indexes, per user and device).
func (s *Core) nameAccess(ctx context.Context, out []signpost.AccessEntry, users map[int64][]int, devices map[string][]int) error {
	if len(users) > 0 {
		ids := make([]any, 0, len(users))
		for id := range users {
			ids = append(ids, id)
		}
		rows, err := s.R.QueryContext(ctx, `SELECT u.id, u.display_name, o.name FROM users u JOIN organisations o ON o.id = u.organisation_id
			WHERE u.id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, ids...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var name, org string
			if err := rows.Scan(&id, &name, &org); err != nil {
				rows.Close()
				return err
			}
			for _, i := range users[id] {
				out[i].Name, out[i].Organisation = name, org
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	if len(devices) > 0 {
		ids := make([]any, 0, len(devices))
		for id := range devices {
			ids = append(ids, id)
		}
		rows, err := s.R.QueryContext(ctx, `SELECT id, name FROM devices WHERE id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, ids...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, name string
			if err := rows.Scan(&id, &name); err != nil {
				return err
			}
			for _, i := range devices[id] {
				out[i].DeviceName = name
			}
		}
		return rows.Err()
	}
	return nil
}
