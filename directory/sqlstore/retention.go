package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"signpost"
	"signpost/directory"
)

// retainBatch is how many records one retention transaction handles: the
// daily run of a national directory archives about 1,700 and purges as
// many, and a first run may have far more to do.
const retainBatch = 2000

// Retain archives the records of the dead a year after death, of young
// people at 18 (25 with consent) and purges archived records six years
// later, as of today. Archived records leave every practitioner's search at
// once and every cache at its next sync (a removal, reason archived).
// Running it twice on a day does nothing the second time.
func (s *Core) Retain(ctx context.Context, today time.Time) (*directory.Retention, error) {
	day := func(t time.Time) string { return t.Format(signpost.DateLayout) }
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	r := &directory.Retention{}
	archive := []struct {
		count *int
		query string
		args  []any
	}{
		{&r.ArchivedDeceased, `SELECT id, merged_into FROM children WHERE status = 'deceased' AND date_of_death <= ? LIMIT ?`,
			[]any{day(today.AddDate(-1, 0, 0))}},
		{&r.ArchivedAdult, `SELECT id, merged_into FROM children WHERE dob <= ? AND status != 'archived' AND (consent_to_25 = 0 OR dob <= ?) LIMIT ?`,
			[]any{day(today.AddDate(-18, 0, 0)), day(today.AddDate(-signpost.MaxChildAge, 0, 0))}},
	}
	changed := false
	for _, a := range archive {
		for {
			var n, merged int
			err := s.Write(ctx, func(tx *sql.Tx) error {
				n, merged = 0, 0
				ids, err := idsAndMerged(ctx, tx, a.query, append(a.args, retainBatch)...)
				if err != nil {
					return err
				}
				if len(ids) == 0 {
					return nil
				}
				seq, err := s.NextSeq(ctx, tx)
				if err != nil {
					return err
				}
				for _, c := range ids {
					if _, err := tx.ExecContext(ctx, `UPDATE children SET status = 'archived', archived_on = ?, seq = ? WHERE id = ?`, day(today), seq, c.id); err != nil {
						return err
					}
					if c.merged {
						merged++ // its removal went out when it was merged
						continue
					}
					users, err := ScopeUsers(ctx, tx, c.id)
					if err != nil {
						return err
					}
					for _, u := range users {
						if err := s.LogScope(ctx, tx, u, c.id, signpost.RemovedArchived); err != nil {
							return err
						}
					}
				}
				n = len(ids)
				return nil
			})
			if err != nil {
				return r, s.Wrap("archiving records", err)
			}
			*a.count += n - merged
			r.ArchivedMerged += merged
			if n > 0 {
				changed = true
			}
			if n < retainBatch {
				break
			}
		}
	}
	for {
		var n int
		err := s.Write(ctx, func(tx *sql.Tx) error {
			ids, err := idsAndMerged(ctx, tx, `SELECT id, merged_into FROM children WHERE status = 'archived' AND archived_on <= ? LIMIT ?`,
				day(today.AddDate(-6, 0, 0)), retainBatch)
			if err != nil {
				return err
			}
			for _, c := range ids {
				var sid string
				if err := tx.QueryRowContext(ctx, `SELECT signpost_id FROM children WHERE id = ?`, c.id).Scan(&sid); err != nil {
					return err
				}
				// Carers, involvements and look-ups go with the child; the
				// audit (in its own file) keeps who saw what, by ID.
				for _, q := range []string{`DELETE FROM scope_log WHERE child_id = ?`, `DELETE FROM children WHERE id = ?`} {
					if _, err := tx.ExecContext(ctx, q, c.id); err != nil {
						return err
					}
				}
				if _, err := tx.ExecContext(ctx, `DELETE FROM reviews WHERE resolved_child = ?`, sid); err != nil {
					return err
				}
				// Issue 16: what people were told of the child goes too
				// (the audit keeps that they were told).
				if _, err := tx.ExecContext(ctx, `DELETE FROM notifications WHERE child_id = ?`, sid); err != nil {
					return err
				}
			}
			n = len(ids)
			return nil
		})
		if err != nil {
			return r, s.Wrap("purging records", err)
		}
		r.Purged += n
		if n > 0 {
			changed = true
		}
		if n < retainBatch {
			break
		}
	}
	if changed {
		s.Broadcast()
	}
	return r, nil
}

type idMerged struct {
	id     int64
	merged bool
}

func idsAndMerged(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]idMerged, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []idMerged
	for rows.Next() {
		var x idMerged
		var into string
		if err := rows.Scan(&x.id, &into); err != nil {
			return nil, err
		}
		x.merged = into != ""
		out = append(out, x)
	}
	return out, rows.Err()
}
