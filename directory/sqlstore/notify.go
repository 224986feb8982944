package sqlstore

// Issue 16: notification events, notifications and their mute settings, as
// both stores keep them. Notify, which stores a batch of notifications, is
// each store's own (the PostgreSQL store's takes five statements whatever
// the fan-out); what it leaves is read and marked here.

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"time"

	"signpost"
	"signpost/directory"
)

// NotifyEvents returns up to limit pending events, oldest first.
func (s *Core) NotifyEvents(ctx context.Context, limit int) ([]directory.NotifyEvent, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := s.Query(ctx, `SELECT e.id, e.kind, c.signpost_id, e.involvement_id, e.to_involvement, e.actor_id, e.from_authority, e.to_authority, e.at
		FROM notify_events e JOIN children c ON c.id = e.child_id ORDER BY e.id LIMIT ?`, limit)
	if err != nil {
		return nil, s.Wrap("reading what to tell", err)
	}
	defer rows.Close()
	var out []directory.NotifyEvent
	for rows.Next() {
		var ev directory.NotifyEvent
		var at string
		if err := rows.Scan(&ev.ID, &ev.Kind, &ev.ChildID, &ev.InvolvementID, &ev.ToInvolvement, &ev.ActorID, &ev.FromAuthority, &ev.ToAuthority, &at); err != nil {
			return nil, s.Wrap("reading what to tell", err)
		}
		ev.At = ParseTS(at)
		out = append(out, ev)
	}
	return out, s.Wrap("reading what to tell", rows.Err())
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
func (s *Core) DeliverNotifications(ctx context.Context, userID, after, upTo int64, at time.Time) ([]signpost.Notification, error) {
	if upTo <= after {
		return []signpost.Notification{}, nil
	}
	rows, err := s.Query(ctx, `SELECT id, body, read_at FROM notifications WHERE user_id = ? AND seq > ? AND seq <= ? ORDER BY id`, userID, after, upTo)
	if err != nil {
		return nil, s.Wrap("reading notifications", err)
	}
	out, ids, err := scanNotifications(rows)
	if err != nil {
		return nil, s.Wrap("reading notifications", err)
	}
	if len(ids) > 0 {
		err = s.Write(s.Calm(ctx), func(tx *sql.Tx) error { return s.MarkDelivered(ctx, tx, ids, at) })
	}
	return out, s.Wrap("marking notifications delivered", err)
}

// Notifications lists a page of a user's notifications, newest first.
func (s *Core) Notifications(ctx context.Context, userID, before int64, limit int) ([]signpost.Notification, int, error) {
	if limit <= 0 {
		limit = 100
	}
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := s.Query(ctx, `SELECT id, body, read_at FROM notifications WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?`, userID, before, limit)
	if err != nil {
		return nil, 0, s.Wrap("reading notifications", err)
	}
	out, _, err := scanNotifications(rows)
	if err != nil {
		return nil, 0, s.Wrap("reading notifications", err)
	}
	var unread int
	err = s.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE user_id = ? AND read_at = ''`, userID).Scan(&unread)
	return out, unread, s.Wrap("counting notifications", err)
}

// ReadNotifications marks a user's notifications read.
func (s *Core) ReadNotifications(ctx context.Context, userID int64, ids []string, at time.Time) (int, int, error) {
	ctx = s.Calm(ctx)
	var marked, unread int
	err := s.Write(ctx, func(tx *sql.Tx) error {
		var err error
		if marked, err = MarkNotificationsRead(ctx, tx, userID, ids, at); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM notifications WHERE user_id = ? AND read_at = ''`, userID).Scan(&unread)
	})
	return marked, unread, s.Wrap("marking notifications read", err)
}

// MutedKinds returns the kinds a user has muted.
func (s *Core) MutedKinds(ctx context.Context, userID int64) ([]string, error) {
	rows, err := s.Query(ctx, `SELECT kind FROM notification_mutes WHERE user_id = ? ORDER BY kind`, userID)
	if err != nil {
		return nil, s.Wrap("reading notification settings", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, s.Wrap("reading notification settings", err)
		}
		out = append(out, k)
	}
	return out, s.Wrap("reading notification settings", rows.Err())
}

// SetMutedKinds replaces the kinds a user has muted.
func (s *Core) SetMutedKinds(ctx context.Context, userID int64, kinds []string) error {
	ctx = s.Calm(ctx)
	return s.Wrap("saving notification settings", s.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM notification_mutes WHERE user_id = ?`, userID); err != nil {
			return err
		}
		for _, k := range kinds {
			if _, err := tx.ExecContext(ctx, s.InsertIgnore(`INSERT INTO notification_mutes (user_id, kind) VALUES (?, ?)`), userID, k); err != nil {
				return err
			}
		}
		return nil
	}))
}

// ManagementTeam returns the enabled management-team accounts of an
// authority (by code or name).
func (s *Core) ManagementTeam(ctx context.Context, authority string) ([]directory.Account, error) {
	rows, err := s.Query(ctx, `SELECT u.id, u.username, u.display_name, u.role, u.job_title, o.name, au.name, u.phone, u.email
		FROM users u JOIN organisations o ON o.id = u.organisation_id JOIN authorities au ON au.id = o.authority_id
		WHERE u.role = 'management' AND u.disabled = 0 AND (au.code = ?1 OR au.name = ?1) ORDER BY u.id`, authority)
	if err != nil {
		return nil, s.Wrap("reading a management team", err)
	}
	defer rows.Close()
	var out []directory.Account
	for rows.Next() {
		var a directory.Account
		if err := rows.Scan(&a.ID, &a.Username, &a.DisplayName, &a.Role, &a.JobTitle, &a.Organisation, &a.Authority, &a.Phone, &a.Email); err != nil {
			return nil, s.Wrap("reading a management team", err)
		}
		out = append(out, a)
	}
	return out, s.Wrap("reading a management team", rows.Err())
}
