package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"signpost"
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

// errPreview rolls a previewed merge back.
var errPreview = errors.New("merge preview: roll back")

// PreviewMerge runs the merge of from into into in a write that is always
// rolled back (on the embedded store, a savepoint of the combined
// transaction), and returns the survivor as the merge left it: the very
// code ApplyFeed runs, so the preview cannot disagree with the merge.
func (s *Core) PreviewMerge(ctx context.Context, from, into string, now time.Time) (*signpost.Child, error) {
	var c *signpost.Child
	err := s.Write(ctx, func(tx *sql.Tx) error {
		merged, _, err := s.MergeTx(ctx, tx, directory.MergeOrder{From: from, Into: into}, now)
		if err != nil {
			return err
		}
		if !merged {
			return &signpost.Error{Kind: signpost.KindConflict, Message: signpost.NormaliseSignpostID(from) + " was already merged into " + signpost.NormaliseSignpostID(into)}
		}
		id, got, _, err := ScanChild(tx.QueryRowContext(ctx, `SELECT `+ChildCols+` WHERE c.signpost_id = ?`, signpost.NormaliseSignpostID(into)))
		if err != nil {
			return err
		}
		if err := FillChild(ctx, tx, id, got); err != nil {
			return err
		}
		c = got
		return errPreview
	})
	if errors.Is(err, errPreview) {
		return c, nil
	}
	return nil, s.Wrap("previewing a merge", err)
}
