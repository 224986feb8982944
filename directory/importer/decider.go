package importer

import (
	"context"
	"time"

	"signpost/directory"
)

// Decider is the review and merge decisions as the directory's server
// makes them (directory.Config.Decider): the functions the command line's
// review link|create|dismiss and merge call.
type Decider struct{}

var _ directory.Decider = Decider{}

// LinkReview is LinkReview.
func (Decider) LinkReview(ctx context.Context, st directory.Store, id int64, signpostID, by string, now time.Time) error {
	return LinkReview(ctx, st, id, signpostID, by, now)
}

// CreateFromReview is CreateFromReview.
func (Decider) CreateFromReview(ctx context.Context, st directory.Store, id int64, by string, now time.Time) (string, error) {
	return CreateFromReview(ctx, st, id, by, now)
}

// DismissReview is DismissReview.
func (Decider) DismissReview(ctx context.Context, st directory.Store, id int64, by string, now time.Time) error {
	return DismissReview(ctx, st, id, by, now)
}

// Merge is Merge.
func (Decider) Merge(ctx context.Context, st directory.Store, from, into string, now time.Time) error {
	return Merge(ctx, st, from, into, now)
}
