package sqlcipher

// Issue 16: notification events, notifications and their mute settings.

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"signpost"
	"signpost/directory"
)

// NotifyEvents returns up to limit pending events, oldest first.
func (s *Store) NotifyEvents(ctx context.Context, limit int) ([]directory.NotifyEvent, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := s.QueryContext(ctx, `SELECT e.id, e.kind, c.signpost_id, e.involvement_id, e.to_involvement, e.actor_id, e.from_authority, e.to_authority, e.at
		FROM notify_events e JOIN children c ON c.id = e.child_id ORDER BY e.id LIMIT ?`, limit)
	if err != nil {
		return nil, wrap("reading what to tell", err)
	}
	defer rows.Close()
	var out []directory.NotifyEvent
	for rows.Next() {
		var ev directory.NotifyEvent
		var at string
		if err := rows.Scan(&ev.ID, &ev.Kind, &ev.ChildID, &ev.InvolvementID, &ev.ToInvolvement, &ev.ActorID, &ev.FromAuthority, &ev.ToAuthority, &at); err != nil {
			return nil, wrap("reading what to tell", err)
		}
		ev.At = parseTS(at)
		out = append(out, ev)
	}
	return out, wrap("reading what to tell", rows.Err())
}

// Notify stores notifications under one change number (muted kinds left
// out), deletes the events done and audits every notification stored.
func (s *Store) Notify(ctx context.Context, done []int64, ns []directory.NotificationRecord) ([]directory.NotificationRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, wrap("storing notifications", err)
	}
	ctx = calm(ctx)
	var stored []directory.NotificationRecord
	err := s.write(ctx, func(tx *sql.Tx) error {
		stored = stored[:0]
		del, err := tx.PrepareContext(ctx, `DELETE FROM notify_events WHERE id = ?`)
		if err != nil {
			return err
		}
		defer del.Close()
		gone := map[int64]bool{} // events another process did first
		for _, id := range done {
			r, err := del.ExecContext(ctx, id)
			if err != nil {
				return err
			}
			if n, _ := r.RowsAffected(); n == 0 {
				gone[id] = true
			}
		}
		if len(ns) == 0 {
			return nil
		}
		seq, err := nextSeq(ctx, tx)
		if err != nil {
			return err
		}
		muted, err := tx.PrepareContext(ctx, `SELECT EXISTS (SELECT 1 FROM notification_mutes WHERE user_id = ? AND kind = ?)`)
		if err != nil {
			return err
		}
		defer muted.Close()
		// The body is kept without its id (the row's, put back on reading).
		ins, err := tx.PrepareContext(ctx, `INSERT INTO notifications (user_id, seq, kind, child_id, at, body) VALUES (?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		var audit []directory.AuditEvent
		for _, n := range ns {
			if n.Event != 0 && gone[n.Event] {
				continue
			}
			if signpost.Mutable(n.Kind) {
				var m bool
				if err := muted.QueryRowContext(ctx, n.UserID, n.Kind).Scan(&m); err != nil {
					return err
				}
				if m {
					continue
				}
			}
			n.ID, n.Read = "", false
			body, err := json.Marshal(n.Notification)
			if err != nil {
				return err
			}
			r, err := ins.ExecContext(ctx, n.UserID, seq, n.Kind, n.ChildID, ts(n.At), string(body))
			if err != nil {
				return err
			}
			id, err := r.LastInsertId()
			if err != nil {
				return err
			}
			n.ID, n.Seq = strconv.FormatInt(id, 10), seq
			stored = append(stored, n)
			audit = append(audit, directory.AuditEvent{At: n.At, UserID: n.UserID, Username: n.Username, Action: "notify",
				ChildID: n.ChildID, Reason: n.Kind + ": " + n.Text})
		}
		s.pendingAudit = append(s.pendingAudit, audit...)
		return nil
	})
	if err != nil {
		return nil, wrap("storing notifications", err)
	}
	if len(stored) > 0 {
		s.broadcast()
	}
	return stored, nil
}

func scanNotifications(rows *sql.Rows) ([]signpost.Notification, []int64, error) {
	defer rows.Close()
	out := []signpost.Notification{}
	var ids []int64
	for rows.Next() {
		var id int64
		var body, read string
		if err := rows.Scan(&id, &body, &read); err != nil {
			return nil, nil, err
		}
		var n signpost.Notification
		if err := json.Unmarshal([]byte(body), &n); err != nil {
			return nil, nil, err
		}
		n.ID, n.Read = strconv.FormatInt(id, 10), read != ""
		out = append(out, n)
		ids = append(ids, id)
	}
	return out, ids, rows.Err()
}

// DeliverNotifications returns a user's notifications numbered in
// (after, upTo], oldest first, and marks them delivered.
func (s *Store) DeliverNotifications(ctx context.Context, userID, after, upTo int64, at time.Time) ([]signpost.Notification, error) {
	if upTo <= after {
		return []signpost.Notification{}, nil
	}
	rows, err := s.QueryContext(ctx, `SELECT id, body, read_at FROM notifications WHERE user_id = ? AND seq > ? AND seq <= ? ORDER BY id`, userID, after, upTo)
	if err != nil {
		return nil, wrap("reading notifications", err)
	}
	out, ids, err := scanNotifications(rows)
	if err != nil {
		return nil, wrap("reading notifications", err)
	}
	fresh := ids
	if len(fresh) > 0 {
		err = s.write(calm(ctx), func(tx *sql.Tx) error {
			for len(fresh) > 0 {
				part := fresh[:min(len(fresh), 500)]
				fresh = fresh[len(part):]
				args := []any{ts(at)}
				for _, id := range part {
					args = append(args, id)
				}
				if _, err := tx.ExecContext(ctx, `UPDATE notifications SET delivered_at = ? WHERE delivered_at = '' AND id IN (?`+strings.Repeat(`, ?`, len(part)-1)+`)`, args...); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return out, wrap("marking notifications delivered", err)
}

// Notifications lists a page of a user's notifications, newest first.
func (s *Store) Notifications(ctx context.Context, userID, before int64, limit int) ([]signpost.Notification, int, error) {
	if limit <= 0 {
		limit = 100
	}
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := s.QueryContext(ctx, `SELECT id, body, read_at FROM notifications WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?`, userID, before, limit)
	if err != nil {
		return nil, 0, wrap("reading notifications", err)
	}
	out, _, err := scanNotifications(rows)
	if err != nil {
		return nil, 0, wrap("reading notifications", err)
	}
	var unread int
	err = s.queryRow(ctx, `SELECT count(*) FROM notifications WHERE user_id = ? AND read_at = ''`, userID).Scan(&unread)
	return out, unread, wrap("counting notifications", err)
}

// ReadNotifications marks a user's notifications read.
func (s *Store) ReadNotifications(ctx context.Context, userID int64, ids []string, at time.Time) (int, int, error) {
	ctx = calm(ctx)
	var marked, unread int
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		if marked, err = readNotifications(ctx, tx, userID, ids, at); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM notifications WHERE user_id = ? AND read_at = ''`, userID).Scan(&unread)
	})
	return marked, unread, wrap("marking notifications read", err)
}

// MutedKinds returns the kinds a user has muted.
func (s *Store) MutedKinds(ctx context.Context, userID int64) ([]string, error) {
	rows, err := s.QueryContext(ctx, `SELECT kind FROM notification_mutes WHERE user_id = ? ORDER BY kind`, userID)
	if err != nil {
		return nil, wrap("reading notification settings", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, wrap("reading notification settings", err)
		}
		out = append(out, k)
	}
	return out, wrap("reading notification settings", rows.Err())
}

// SetMutedKinds replaces the kinds a user has muted.
func (s *Store) SetMutedKinds(ctx context.Context, userID int64, kinds []string) error {
	ctx = calm(ctx)
	return wrap("saving notification settings", s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM notification_mutes WHERE user_id = ?`, userID); err != nil {
			return err
		}
		for _, k := range kinds {
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO notification_mutes (user_id, kind) VALUES (?, ?)`, userID, k); err != nil {
				return err
			}
		}
		return nil
	}))
}

// ManagementTeam returns the enabled management-team accounts of an
// authority (by code or name).
func (s *Store) ManagementTeam(ctx context.Context, authority string) ([]directory.Account, error) {
	rows, err := s.QueryContext(ctx, `SELECT u.id, u.username, u.display_name, u.role, u.job_title, o.name, au.name, u.phone, u.email
		FROM users u JOIN organisations o ON o.id = u.organisation_id JOIN authorities au ON au.id = o.authority_id
		WHERE u.role = 'management' AND u.disabled = 0 AND (au.code = ?1 OR au.name = ?1) ORDER BY u.id`, authority)
	if err != nil {
		return nil, wrap("reading a management team", err)
	}
	defer rows.Close()
	var out []directory.Account
	for rows.Next() {
		var a directory.Account
		if err := rows.Scan(&a.ID, &a.Username, &a.DisplayName, &a.Role, &a.JobTitle, &a.Organisation, &a.Authority, &a.Phone, &a.Email); err != nil {
			return nil, wrap("reading a management team", err)
		}
		out = append(out, a)
	}
	return out, wrap("reading a management team", rows.Err())
}
