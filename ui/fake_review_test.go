package ui

import (
	"context"
	"strconv"

	"signpost"
)

// reviewFake is the fake's review queue and merges (issue 14, slice
// review): items in pages of pageSize, details by id.
type reviewFake struct {
	items    []signpost.ReviewSummary
	details  map[int64]*signpost.ReviewDetail
	pageSize int
	preview  *signpost.MergePreview
}

func (f *fake) Reviews(ctx context.Context, after string) (*signpost.ReviewsResponse, error) {
	if err := f.call("Reviews %s", after); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	size := f.review.pageSize
	if size == 0 {
		size = 50
	}
	from := int64(0)
	if after != "" {
		from, _ = strconv.ParseInt(after, 10, 64)
	}
	out := &signpost.ReviewsResponse{Reviews: []signpost.ReviewSummary{}, Open: len(f.review.items)}
	for _, it := range f.review.items {
		if it.ID <= from {
			continue
		}
		if len(out.Reviews) == size {
			out.Next = strconv.FormatInt(out.Reviews[size-1].ID, 10)
			break
		}
		out.Reviews = append(out.Reviews, it)
	}
	return out, nil
}

func (f *fake) Review(ctx context.Context, id int64) (*signpost.ReviewDetail, error) {
	if err := f.call("Review %d", id); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.review.details[id]
	if !ok {
		return nil, &signpost.Error{Kind: signpost.KindNotFound, Message: "review item " + strconv.FormatInt(id, 10) + " was not found"}
	}
	return d, nil
}

func (f *fake) DecideReview(ctx context.Context, id int64, req signpost.ReviewDecisionRequest) (*signpost.ReviewDecision, error) {
	if err := f.call("DecideReview %d %s %s %s", id, req.Action, req.ChildID, req.Reason); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, it := range f.review.items {
		if it.ID == id {
			f.review.items = append(f.review.items[:i:i], f.review.items[i+1:]...)
			status := map[string]string{signpost.ReviewActionLink: "linked", signpost.ReviewActionCreate: "created", signpost.ReviewActionDismiss: "dismissed"}[req.Action]
			child := req.ChildID
			if req.Action == signpost.ReviewActionCreate {
				child = "SP900000018"
			}
			return &signpost.ReviewDecision{ID: id, Status: status, ChildID: child}, nil
		}
	}
	return nil, &signpost.Error{Kind: signpost.KindConflict, Message: "review item " + strconv.FormatInt(id, 10) + " was decided already"}
}

func (f *fake) PreviewMerge(ctx context.Context, a, b string) (*signpost.MergePreview, error) {
	if err := f.call("PreviewMerge %s %s", a, b); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.review.preview, nil
}

func (f *fake) Merge(ctx context.Context, req signpost.MergeRequest) (*signpost.MergePreview, error) {
	if err := f.call("Merge %s %s %s", req.A, req.B, req.Reason); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.review.preview, nil
}
