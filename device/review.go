package device

import (
	"context"

	"signpost"
)

// The review queue and merges (issue 14, slice review), for the management
// team: online only, nothing of it is kept on this laptop.

const needReviewOnline = "the records to review and merges need a connection to the directory, which cannot be reached; try again when you are online"

// Reviews lists a page of the open review items of the team's authority,
// oldest first, with the open count: after is "" for the first page, else
// the Next of the one before.
func (d *Device) Reviews(ctx context.Context, after string) (*signpost.ReviewsResponse, error) {
	_, c, _, err := d.ready()
	if err != nil {
		return nil, err
	}
	page, err := c.Reviews(ctx, after)
	if err != nil {
		return nil, d.online(err, needReviewOnline)
	}
	return page, nil
}

// Review shows one review item: the incoming row beside each candidate.
func (d *Device) Review(ctx context.Context, id int64) (*signpost.ReviewDetail, error) {
	_, c, _, err := d.ready()
	if err != nil {
		return nil, err
	}
	it, err := c.Review(ctx, id)
	if err != nil {
		return nil, d.online(err, needReviewOnline)
	}
	return it, nil
}

// DecideReview links, creates or dismisses a review item, for a reason; a
// sync follows, so a child linked or created on this laptop's caseload
// shows the change.
func (d *Device) DecideReview(ctx context.Context, id int64, req signpost.ReviewDecisionRequest) (*signpost.ReviewDecision, error) {
	_, c, e, err := d.ready()
	if err != nil {
		return nil, err
	}
	dec, err := c.DecideReview(ctx, id, req)
	if err != nil {
		return nil, d.online(err, needReviewOnline)
	}
	if e != nil {
		e.Kick()
	}
	return dec, nil
}

// PreviewMerge says what merging two records would give, changing nothing.
func (d *Device) PreviewMerge(ctx context.Context, a, b string) (*signpost.MergePreview, error) {
	_, c, _, err := d.ready()
	if err != nil {
		return nil, err
	}
	p, err := c.PreviewMerge(ctx, a, b)
	if err != nil {
		return nil, d.online(err, needReviewOnline)
	}
	return p, nil
}

// Merge merges two records of one child, for a reason: the older Signpost
// ID survives, and a sync follows, which drops the retired record from
// this laptop.
func (d *Device) Merge(ctx context.Context, req signpost.MergeRequest) (*signpost.MergePreview, error) {
	_, c, e, err := d.ready()
	if err != nil {
		return nil, err
	}
	p, err := c.Merge(ctx, req)
	if err != nil {
		return nil, d.online(err, needReviewOnline)
	}
	if e != nil {
		e.Kick()
	}
	return p, nil
}
