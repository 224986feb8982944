package localstore

// Issue 16: the notifications the directory sends with pull, kept in the
// encrypted cache; reading them here queues the read for the directory in
// the outbox (a MutReadNotifications), so it reaches every device of the
// user at their next sync.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"signpost"
)

// MaxReadBatch is the most notification ids one read change carries.
const MaxReadBatch = 1000

// checkIssue16Fields clears the fields of issue 16 a kind does not use.
func checkIssue16Fields(m *signpost.Mutation) {
	if m.Kind != signpost.MutStartInvolvement && m.Kind != signpost.MutSetSensitive {
		m.Sensitive, m.ConsentShown = false, false
	}
	if !m.Sensitive {
		m.ConsentShown = false
	}
	if m.Kind != signpost.MutEndInvolvement {
		m.Confirm = false
	}
	m.Notifications = nil
}

func checkReadNotifications(m *signpost.Mutation) error {
	if m.ChildID != "" || m.Identity != nil {
		return signpost.FieldError("child_id", "marking notifications read names no child")
	}
	if len(m.Notifications) == 0 || len(m.Notifications) > MaxReadBatch {
		return signpost.FieldError("notifications", "mark from 1 to %d notifications read at a time", MaxReadBatch)
	}
	for i, id := range m.Notifications {
		id = strings.TrimSpace(id)
		if id == "" || len(id) > 64 {
			return signpost.FieldError("notifications", "a notification id is empty or too long")
		}
		m.Notifications[i] = id
	}
	m.Role, m.Reason, m.On, m.To, m.Value = "", "", "", "", false
	m.Sensitive, m.ConsentShown, m.Confirm = false, false, false
	return nil
}

// storeNotifications keeps the notifications of a pull page; a copy already
// held keeps its read mark (read here or on another device wins).
func storeNotifications(ctx context.Context, tx *sql.Tx, ns []signpost.Notification) error {
	for i := range ns {
		n := ns[i]
		if n.ID == "" {
			continue
		}
		body, err := json.Marshal(n)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (id, at, kind, child_id, body, read) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET body = excluded.body, read = max(read, excluded.read)`,
			n.ID, ts(n.At), n.Kind, n.ChildID, string(body), b2i(n.Read)); err != nil {
			return err
		}
	}
	return nil
}

// Notifications returns the notifications in the cache, newest first (at
// most limit; 0 for all), with their read marks.
func (s *Store) Notifications(ctx context.Context, limit int) ([]signpost.Notification, error) {
	out := []signpost.Notification{}
	q := `SELECT body, read FROM notifications ORDER BY at DESC, id DESC`
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	err := s.read(ctx, "reading your notifications", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, q)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var body string
			var read bool
			if err := rows.Scan(&body, &read); err != nil {
				return err
			}
			var n signpost.Notification
			if err := json.Unmarshal([]byte(body), &n); err != nil {
				return fmt.Errorf("decoding a cached notification: %w", err)
			}
			n.Read = n.Read || read
			out = append(out, n)
		}
		return rows.Err()
	})
	return out, err
}

// UnreadNotifications counts the unread notifications in the cache (the
// app's badge).
func (s *Store) UnreadNotifications(ctx context.Context) (int, error) {
	var n int
	err := s.read(ctx, "counting your notifications", func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM notifications WHERE read = 0`).Scan(&n)
	})
	return n, err
}

// MarkNotificationsRead marks notifications read in the cache and, in the
// same transaction, queues the read for the directory. It returns how many
// were newly marked (ids unknown or already read are skipped; none newly
// marked queues nothing).
func (s *Store) MarkNotificationsRead(ctx context.Context, ids []string) (int, error) {
	now := s.now().UTC()
	marked := 0
	err := s.write(ctx, "marking notifications read", func(tx *sql.Tx) error {
		var fresh []string
		for _, id := range ids {
			res, err := tx.ExecContext(ctx, `UPDATE notifications SET read = 1 WHERE id = ? AND read = 0`, strings.TrimSpace(id))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n > 0 {
				fresh = append(fresh, strings.TrimSpace(id))
			}
		}
		marked = len(fresh)
		for len(fresh) > 0 {
			part := fresh[:min(len(fresh), MaxReadBatch)]
			fresh = fresh[len(part):]
			m := signpost.Mutation{Kind: signpost.MutReadNotifications, Notifications: part}
			if err := prepareChange(&m, now); err != nil {
				return err
			}
			if err := insertOutbox(ctx, tx, &m, now); err != nil {
				return err
			}
		}
		return nil
	})
	return marked, err
}

// RetryConfirmed queues again a refused end of involvement with Confirm set:
// the practitioner confirms that the child is left without a lead
// professional (the directory refuses such an end unconfirmed, with result
// kind conflict, while someone else working with the child could take the
// role). It returns the new change's id.
func (s *Store) RetryConfirmed(ctx context.Context, id string) (string, error) {
	now := s.now().UTC()
	var newIDStr string
	err := s.write(ctx, "confirming a refused change", func(tx *sql.Tx) error {
		m, err := rejectedItem(ctx, tx, id)
		if err != nil {
			return err
		}
		if m.Kind != signpost.MutEndInvolvement {
			return signpost.FieldError("kind", "only an end of involvement is confirmed; retry the change instead")
		}
		if m.ID, err = newID(); err != nil {
			return err
		}
		m.Confirm = true
		if _, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE id = ?`, id); err != nil {
			return err
		}
		if err := insertOutbox(ctx, tx, m, now); err != nil {
			return err
		}
		newIDStr = m.ID
		e, err := loadEnv(ctx, tx, now)
		if err != nil {
			return err
		}
		return rebuild(ctx, tx, e, m.ChildID)
	})
	return newIDStr, err
}
