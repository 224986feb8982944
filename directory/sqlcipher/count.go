package sqlcipher

import (
	"context"
	"database/sql"
)

// CountMutations returns how many pushed mutations of a user the directory
// has recorded (applied or rejected): an operator's check, and the sync
// tests' proof that nothing was applied twice.
func CountMutations(ctx context.Context, s *Store, username string) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT count(*) FROM mutations m JOIN users u ON u.id = m.user_id WHERE u.username = ?`, username).Scan(&n)
	return n, wrap("counting mutations", err)
}

// CountDeviceMutations returns how many pushed mutations of a device the
// directory has recorded.
func CountDeviceMutations(ctx context.Context, s *Store, deviceID string) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT count(*) FROM mutations WHERE device_id = ?`, deviceID).Scan(&n)
	return n, wrap("counting mutations", err)
}

// CountByDevice returns, per device, how many pushed mutations the
// directory holds and how many audit events of action: the exactly-once
// check of many devices at once (one pass over each table).
func CountByDevice(ctx context.Context, s *Store, action string) (mutations, events map[string]int, err error) {
	mutations, events = map[string]int{}, map[string]int{}
	for _, q := range []struct {
		db interface {
			QueryContext(context.Context, string, ...any) (*sql.Rows, error)
		}
		query string
		args  []any
		into  map[string]int
	}{
		{s.r, `SELECT device_id, count(*) FROM mutations GROUP BY device_id`, nil, mutations},
		{s.ar, `SELECT device_id, count(*) FROM audit WHERE action = ? GROUP BY device_id`, []any{action}, events},
	} {
		rows, err := q.db.QueryContext(ctx, q.query, q.args...)
		if err != nil {
			return nil, nil, wrap("counting", err)
		}
		for rows.Next() {
			var dev string
			var n int
			if err := rows.Scan(&dev, &n); err != nil {
				rows.Close()
				return nil, nil, wrap("counting", err)
			}
			q.into[dev] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, wrap("counting", err)
		}
	}
	return mutations, events, nil
}

// CountAudit returns how many audit events of an action a device has: with
// CountMutations, the proof that offline events were recorded exactly once.
func CountAudit(ctx context.Context, s *Store, deviceID, action string) (int, error) {
	var n int
	err := s.ar.QueryRowContext(ctx, `SELECT count(*) FROM audit WHERE device_id = ? AND action = ?`, deviceID, action).Scan(&n)
	return n, wrap("counting audit events", err)
}

// MergedInto returns, for every merged child, the child it was merged into:
// how a quality check follows merges.
func MergedInto(ctx context.Context, s *Store) (map[string]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT signpost_id, merged_into FROM children WHERE merged_into != ''`)
	if err != nil {
		return nil, wrap("reading merges", err)
	}
	defer rows.Close()
	m := map[string]string{}
	for rows.Next() {
		var from, into string
		if err := rows.Scan(&from, &into); err != nil {
			return nil, wrap("reading merges", err)
		}
		m[from] = into
	}
	return m, wrap("reading merges", rows.Err())
}

// CountChildren returns how many children the store holds, by status
// ("merged" for merged ones): an operator's check.
func CountChildren(ctx context.Context, s *Store) (map[string]int, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT CASE WHEN merged_into != '' THEN 'merged' ELSE status END, count(*) FROM children GROUP BY 1`)
	if err != nil {
		return nil, wrap("counting children", err)
	}
	defer rows.Close()
	m := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, wrap("counting children", err)
		}
		m[k] = n
	}
	return m, wrap("counting children", rows.Err())
}
