package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"signpost"
	"signpost/directory"
)

// B2I is the stored form of a flag (0 or 1 on both engines).
func B2I(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ScopeEnter is the scope event of a child coming into a user's scope.
const ScopeEnter = "enter"

// TouchChild gives the child a new change sequence so pulls pick it up.
func (d Dialect) TouchChild(ctx context.Context, tx *sql.Tx, childID int64) error {
	seq, err := d.NextSeq(ctx, tx)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE children SET seq = ? WHERE id = ?`, seq, childID)
	return err
}

// InScope reports whether the child is in the user's scope: an active
// involvement of theirs or an unexpired lookup.
func (d Dialect) InScope(ctx context.Context, tx *sql.Tx, userID, childID int64, now time.Time) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT
		`+d.Bool(`EXISTS (SELECT 1 FROM involvements WHERE user_id = ? AND child_id = ? AND ended_on = '')
		OR EXISTS (SELECT 1 FROM lookups WHERE user_id = ? AND child_id = ? AND expires_at > ?)`),
		userID, childID, userID, childID, TS(now)).Scan(&n)
	return n == 1, err
}

// InsertInvolvement records an involvement (the lead's role moving to it
// when it is an active lead's) and brings the child into the user's scope.
func (d Dialect) InsertInvolvement(ctx context.Context, tx *sql.Tx, id string, childID, userID int64, inv signpost.Involvement) error {
	if inv.LeadProfessional && inv.EndedOn == "" {
		if _, err := tx.ExecContext(ctx, `UPDATE involvements SET lead = 0 WHERE child_id = ?`, childID); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO involvements (id, child_id, user_id, role, started_on, ended_on, caf, lead) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		id, childID, userID, inv.Role, inv.StartedOn, inv.EndedOn, B2I(inv.CAF), B2I(inv.LeadProfessional && inv.EndedOn == ""))
	if err != nil {
		return err
	}
	if err := d.TouchChild(ctx, tx, childID); err != nil {
		return err
	}
	if inv.EndedOn == "" {
		return d.LogScope(ctx, tx, userID, childID, ScopeEnter)
	}
	return nil
}

// LogNotify records, in the transaction of a change, that someone must be
// told of it (issue 16).
func LogNotify(ctx context.Context, tx *sql.Tx, ev directory.NotifyEvent, childID int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO notify_events (kind, child_id, involvement_id, to_involvement, actor_id, from_authority, to_authority, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, ev.Kind, childID, ev.InvolvementID, ev.ToInvolvement, ev.ActorID, ev.FromAuthority, ev.ToAuthority, TS(ev.At))
	return err
}

// MarkNotificationsRead marks a user's notifications read in tx (issue 16).
func MarkNotificationsRead(ctx context.Context, tx *sql.Tx, userID int64, ids []string, at time.Time) (int, error) {
	marked := 0
	for _, v := range ids {
		id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			continue
		}
		r, err := tx.ExecContext(ctx, `UPDATE notifications SET read_at = ? WHERE id = ? AND user_id = ? AND read_at = ''`, TS(at), id, userID)
		if err != nil {
			return 0, err
		}
		n, _ := r.RowsAffected()
		marked += int(n)
	}
	return marked, nil
}
