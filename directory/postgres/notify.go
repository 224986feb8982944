package postgres

// Issue 16: notification events, notifications and their mute settings, as
// the embedded store keeps them (directory/sqlcipher/notify.go). Events are
// written in the transaction of the change; Notify deletes them under the
// write lock, so when two instances drain at once the second finds the
// events gone and stores none of their notifications.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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
// out), deletes the events done and audits every notification stored. It
// holds the write lock, so its statements are few whatever the fan-out:
// one to delete the events, one to read the recipients' mutes, one to
// number, one to insert and one to audit the notifications.
func (s *Store) Notify(ctx context.Context, done []int64, ns []directory.NotificationRecord) ([]directory.NotificationRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, wrap("storing notifications", err)
	}
	ctx = calm(ctx)
	var stored []directory.NotificationRecord
	err := s.write(ctx, func(tx *sql.Tx) error {
		stored = stored[:0]
		gone := map[int64]bool{} // events another process (instance) did first
		if len(done) > 0 {
			left, err := int64s(tx.QueryContext(ctx, `DELETE FROM notify_events WHERE id = ANY(?::bigint[]) RETURNING id`, done))
			if err != nil {
				return err
			}
			pending := make(map[int64]bool, len(left))
			for _, id := range left {
				pending[id] = true
			}
			for _, id := range done {
				gone[id] = !pending[id]
			}
		}
		if len(ns) == 0 {
			return nil
		}
		seq, err := nextSeq(ctx, tx)
		if err != nil {
			return err
		}
		var users []int64
		for _, n := range ns {
			if signpost.Mutable(n.Kind) {
				users = append(users, n.UserID)
			}
		}
		type mute struct {
			user int64
			kind string
		}
		muted := map[mute]bool{}
		if len(users) > 0 {
			rows, err := tx.QueryContext(ctx, `SELECT user_id, kind FROM notification_mutes WHERE user_id = ANY(?::bigint[])`, users)
			if err != nil {
				return err
			}
			for rows.Next() {
				var m mute
				if err := rows.Scan(&m.user, &m.kind); err != nil {
					rows.Close()
					return err
				}
				muted[m] = true
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		for _, n := range ns {
			if (n.Event != 0 && gone[n.Event]) || (signpost.Mutable(n.Kind) && muted[mute{n.UserID, n.Kind}]) {
				continue
			}
			n.ID, n.Read, n.Seq = "", false, seq
			stored = append(stored, n)
		}
		if len(stored) == 0 {
			return nil
		}
		// Numbered in order (the lock is held: nobody else takes numbers).
		ids, err := int64s(tx.QueryContext(ctx, `SELECT nextval(pg_get_serial_sequence('notifications', 'id')) FROM generate_series(1, ?::bigint)`, len(stored)))
		if err != nil {
			return err
		}
		if len(ids) != len(stored) {
			return fmt.Errorf("numbered %d notifications of %d", len(ids), len(stored))
		}
		slices.Sort(ids)
		var users2 []int64
		var kinds, children, ats, bodies, names, reasons []string
		for i := range stored {
			n := &stored[i]
			// The body is kept without its id (the row's, put back on reading).
			body, err := json.Marshal(n.Notification)
			if err != nil {
				return err
			}
			n.ID = strconv.FormatInt(ids[i], 10)
			users2 = append(users2, n.UserID)
			kinds, children, ats = append(kinds, clean(n.Kind)), append(children, clean(n.ChildID)), append(ats, ts(n.At))
			bodies, names, reasons = append(bodies, clean(string(body))), append(names, clean(n.Username)), append(reasons, clean(n.Kind+": "+n.Text))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (id, user_id, seq, kind, child_id, at, body)
			SELECT i, u, ?::bigint, k, c, a, b FROM unnest(?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[]) AS x(i, u, k, c, a, b)`,
			seq, ids, users2, kinds, children, ats, bodies); err != nil {
			return err
		}
		// Each notification is audited (action "notify", the recipient as
		// user) in the same transaction, in order.
		_, err = tx.ExecContext(ctx, `WITH a AS (
				INSERT INTO audit (at, user_id, username, action, child_id, reason)
				SELECT at, u, n, 'notify', c, r FROM unnest(?::text[], ?::bigint[], ?::text[], ?::text[], ?::text[]) WITH ORDINALITY AS x(at, u, n, c, r, o)
				ORDER BY o RETURNING id, child_id)
			INSERT INTO audit_children (child_id, audit_id) SELECT child_id, id FROM a WHERE child_id != '' ON CONFLICT DO NOTHING`,
			ats, users2, names, children, reasons)
		return err
	})
	if err != nil {
		return nil, wrap("storing notifications", err)
	}
	if len(stored) > 0 {
		s.broadcast()
	}
	return stored, nil
}

// int64s reads a column of numbers.
func int64s(rows *sql.Rows, err error) ([]int64, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// clean is text PostgreSQL can hold (as conn.go's CheckNamedValue makes a
// single argument; these go in arrays).
func clean(s string) string {
	if strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
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
	if len(ids) > 0 {
		err = s.write(calm(ctx), func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE notifications SET delivered_at = ? WHERE delivered_at = '' AND id = ANY(?::bigint[])`, ts(at), ids)
			return err
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
			if _, err := tx.ExecContext(ctx, `INSERT INTO notification_mutes (user_id, kind) VALUES (?, ?) ON CONFLICT DO NOTHING`, userID, k); err != nil {
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
