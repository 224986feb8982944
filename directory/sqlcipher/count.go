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
