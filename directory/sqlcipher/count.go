package sqlcipher

import "context"

// CountMutations returns how many pushed mutations of a user the directory
// has recorded (applied or rejected): an operator's check, and the sync
// tests' proof that nothing was applied twice.
func CountMutations(ctx context.Context, s *Store, username string) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT count(*) FROM mutations m JOIN users u ON u.id = m.user_id WHERE u.username = ?`, username).Scan(&n)
	return n, wrap("counting mutations", err)
}

// CountAudit returns how many audit events of an action a device has: with
// CountMutations, the proof that offline events were recorded exactly once.
func CountAudit(ctx context.Context, s *Store, deviceID, action string) (int, error) {
	var n int
	err := s.ar.QueryRowContext(ctx, `SELECT count(*) FROM audit WHERE device_id = ? AND action = ?`, deviceID, action).Scan(&n)
	return n, wrap("counting audit events", err)
}
