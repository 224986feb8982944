package sqlcipher

import (
	"context"
	"database/sql"
	"encoding/json"

	"signpost/directory"
)

// QueryContext runs a read on the reader pool as a cached prepared statement.
func (s *Store) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ctx = calm(ctx)
	st, err := s.prep(ctx, s.r, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// Audit records events in one transaction of the audit file.
func (s *Store) Audit(ctx context.Context, evs []directory.AuditEvent) error {
	ctx = calm(ctx)
	return wrap("recording the audit", inTx(ctx, s.aw, func(tx *sql.Tx) error { return insertAudit(ctx, tx, evs) }))
}

func insertAudit(ctx context.Context, tx *sql.Tx, evs []directory.AuditEvent) error {
	ins, err := tx.PrepareContext(ctx, `INSERT INTO audit (at, user_id, username, device_id, action, child_id, reason, params, results, flags, claimed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer ins.Close()
	about, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO audit_children (child_id, audit_id) VALUES (?, ?)`)
	if err != nil {
		return err
	}
	defer about.Close()
	for _, ev := range evs {
		if ev.Mutation != "" {
			var seen int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM audit_mutations WHERE mutation = ?`, ev.Mutation).Scan(&seen); err != nil {
				return err
			}
			if seen > 0 {
				continue
			}
		}
		results := ""
		if len(ev.Results) > 0 {
			b, _ := json.Marshal(ev.Results)
			results = string(b)
		}
		claimed := ""
		if !ev.ClaimedAt.IsZero() {
			claimed = ts(ev.ClaimedAt)
		}
		res, err := ins.ExecContext(ctx, ts(ev.At), ev.UserID, ev.Username, ev.DeviceID, ev.Action, ev.ChildID, ev.Reason, ev.Params, results, ev.Flags, claimed)
		if err != nil {
			return err
		}
		id, _ := res.LastInsertId()
		if ev.Mutation != "" {
			if _, err := tx.ExecContext(ctx, `INSERT INTO audit_mutations (mutation, audit_id) VALUES (?, ?)`, ev.Mutation, id); err != nil {
				return err
			}
		}
		ids := ev.Results
		if ev.ChildID != "" {
			ids = append([]string{ev.ChildID}, ids...)
		}
		for _, c := range ids {
			if _, err := about.ExecContext(ctx, c, id); err != nil {
				return err
			}
		}
	}
	return nil
}
