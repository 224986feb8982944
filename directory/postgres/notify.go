package postgres

// Issue 16: this store's Notify and how it marks notifications delivered
// (the rest of notifications is written once in directory/sqlstore). Events are
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

// markDelivered marks notifications delivered in one statement.
func markDelivered(ctx context.Context, tx *sql.Tx, ids []int64, at time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE notifications SET delivered_at = ? WHERE delivered_at = '' AND id = ANY(?::bigint[])`, ts(at), ids)
	return err
}
