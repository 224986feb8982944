package postgres

import (
	"context"
	"database/sql"
	"encoding/json"

	"signpost/directory"
)

// QueryContext runs a read (pgx prepares and caches the statement).
func (s *Store) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.r.QueryContext(ctx, query, args...)
}

// Audit records events (one statement for one event, else one transaction).
func (s *Store) Audit(ctx context.Context, evs []directory.AuditEvent) error {
	ctx = calm(ctx)
	// Appending needs no write lock, but an event keyed by a mutation id
	// is checked and recorded under it, so a racing replay records it once.
	do := appendTx
	for _, ev := range evs {
		if ev.Mutation != "" {
			do = inTx
		}
	}
	if len(evs) == 1 && evs[0].Mutation == "" {
		// One event (a search, a view) is one statement: no transaction.
		return wrap("recording the audit", insertAudit(ctx, s.aw, evs))
	}
	return wrap("recording the audit", do(ctx, s.aw, func(tx *sql.Tx) error { return insertAudit(ctx, tx, evs) }))
}

type querier interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	QueryRowContext(context.Context, string, ...any) *sql.Row
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}

// insertAudit records events, each with the children it names in one
// statement (one round trip; pgx keeps the statement prepared).
func insertAudit(ctx context.Context, tx querier, evs []directory.AuditEvent) error {
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
		ids := ev.Results
		if ev.ChildID != "" {
			ids = append([]string{ev.ChildID}, ids...)
		}
		if ids == nil {
			ids = []string{}
		}
		var id int64
		err := tx.QueryRowContext(ctx, `WITH a AS (
				INSERT INTO audit (at, user_id, username, device_id, action, child_id, reason, params, results, flags, claimed_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id),
			c AS (INSERT INTO audit_children (child_id, audit_id)
				SELECT DISTINCT x, a.id FROM a, unnest(?::text[]) AS x ON CONFLICT DO NOTHING)
			SELECT id FROM a`,
			ts(ev.At), ev.UserID, ev.Username, ev.DeviceID, ev.Action, ev.ChildID, ev.Reason, ev.Params, results, ev.Flags, claimed, ids).Scan(&id)
		if err != nil {
			return err
		}
		if ev.Mutation != "" {
			if _, err := tx.ExecContext(ctx, `INSERT INTO audit_mutations (mutation, audit_id) VALUES (?, ?)`, ev.Mutation, id); err != nil {
				return err
			}
		}
	}
	return nil
}
