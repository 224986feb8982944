package sqlcipher

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"signpost"
	"signpost/directory"
)

// errPreview rolls a previewed merge back.
var errPreview = errors.New("merge preview: roll back")

// PreviewMerge runs the merge of from into into in a write that is always
// rolled back (a savepoint of the combined transaction), and returns the
// survivor as the merge left it: the very code ApplyFeed runs, so the
// preview cannot disagree with the merge.
func (s *Store) PreviewMerge(ctx context.Context, from, into string, now time.Time) (*signpost.Child, error) {
	var c *signpost.Child
	err := s.write(ctx, func(tx *sql.Tx) error {
		merged, _, err := s.MergeTx(ctx, tx, directory.MergeOrder{From: from, Into: into}, now)
		if err != nil {
			return err
		}
		if !merged {
			return &signpost.Error{Kind: signpost.KindConflict, Message: signpost.NormaliseSignpostID(from) + " was already merged into " + signpost.NormaliseSignpostID(into)}
		}
		id, got, _, err := scanChild(tx.QueryRowContext(ctx, `SELECT `+childCols+` WHERE c.signpost_id = ?`, signpost.NormaliseSignpostID(into)))
		if err != nil {
			return err
		}
		if err := fillChild(ctx, tx, id, got); err != nil {
			return err
		}
		c = got
		return errPreview
	})
	if errors.Is(err, errPreview) {
		return c, nil
	}
	return nil, wrap("previewing a merge", err)
}
