package sqlstore

import (
	"context"

	"signpost/directory"
)

// CountReviews counts the review items of a status (open by default) of an
// authority (all when ""): the number on the review tab's badge. The
// reviews_status index (status, authority_id, id) answers it.
func (s *Core) CountReviews(ctx context.Context, f directory.ReviewFilter) (int, error) {
	status := f.Status
	if status == "" {
		status = directory.ReviewOpen
	}
	q := `SELECT COUNT(*) FROM reviews r WHERE r.status = ?`
	args := []any{status}
	if f.Authority != "" {
		q += ` AND r.authority_id = (SELECT id FROM authorities WHERE code = ? OR name = ?)`
		args = append(args, f.Authority, f.Authority)
	}
	var n int
	err := s.R.QueryRowContext(ctx, q, args...).Scan(&n)
	return n, s.Wrap("counting the review queue", err)
}
