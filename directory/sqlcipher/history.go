package sqlcipher

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
)

// SeedHistory writes n applied mutations (offline views) and their n audit
// events, by a user on a device, about children drawn at random from ids,
// spread over the days before at: the history a directory that has served
// for months holds. It writes rows straight into the tables, without the
// checks a push makes, and is for load benchmarks only.
func SeedHistory(ctx context.Context, s *Store, userID int64, username, deviceID string, ids []string, n int, at time.Time) error {
	if n <= 0 || len(ids) == 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(uint64(n), uint64(len(ids))))
	const batch = 50_000
	for done := 0; done < n; done += batch {
		k := min(batch, n-done)
		type row struct {
			id, child string
			at        time.Time
		}
		rows := make([]row, k)
		for i := range rows {
			when := at.Add(-time.Duration(rng.Int64N(int64(90 * 24 * time.Hour))))
			u, err := uuid.NewV7()
			if err != nil {
				return err
			}
			rows[i] = row{u.String(), ids[rng.IntN(len(ids))], when}
		}
		err := s.write(ctx, func(tx *sql.Tx) error {
			st, err := tx.PrepareContext(ctx, `INSERT INTO mutations (id, user_id, device_id, kind, status, child_id, applied_at) VALUES (?, ?, ?, 'view', 'applied', ?, ?)`)
			if err != nil {
				return err
			}
			defer st.Close()
			for _, r := range rows {
				if _, err := st.ExecContext(ctx, r.id, userID, deviceID, r.child, ts(r.at)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return wrap("writing history", err)
		}
		err = inTx(ctx, s.aw, func(tx *sql.Tx) error {
			ins, err := tx.PrepareContext(ctx, `INSERT INTO audit (at, user_id, username, device_id, action, child_id, reason, claimed_at) VALUES (?, ?, ?, ?, 'offline_view', ?, 'history', ?)`)
			if err != nil {
				return err
			}
			defer ins.Close()
			about, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO audit_children (child_id, audit_id) VALUES (?, ?)`)
			if err != nil {
				return err
			}
			defer about.Close()
			mut, err := tx.PrepareContext(ctx, `INSERT INTO audit_mutations (mutation, audit_id) VALUES (?, ?)`)
			if err != nil {
				return err
			}
			defer mut.Close()
			for _, r := range rows {
				res, err := ins.ExecContext(ctx, ts(r.at), userID, username, deviceID, r.child, ts(r.at))
				if err != nil {
					return err
				}
				id, _ := res.LastInsertId()
				if _, err := about.ExecContext(ctx, r.child, id); err != nil {
					return err
				}
				if _, err := mut.ExecContext(ctx, r.id, id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return wrap("writing history", err)
		}
	}
	return nil
}
