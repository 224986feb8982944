package sqlcipher

// Issue 16: this store's Notify and how it marks notifications delivered;
// the rest of notifications is written once in directory/sqlstore/notify.go.

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

// markDelivered marks notifications delivered, 500 to a statement.
func markDelivered(ctx context.Context, tx *sql.Tx, ids []int64, at time.Time) error {
	for len(ids) > 0 {
		part := ids[:min(len(ids), 500)]
		ids = ids[len(part):]
		args := []any{ts(at)}
		for _, id := range part {
			args = append(args, id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notifications SET delivered_at = ? WHERE delivered_at = '' AND id IN (?`+strings.Repeat(`, ?`, len(part)-1)+`)`, args...); err != nil {
			return err
		}
	}
	return nil
}
