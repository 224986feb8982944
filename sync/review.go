package sync

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"signpost"
)

// The review queue and merges (issue 14, slice review): management team.

// Reviews lists a page of the open review items of the caller's authority,
// oldest first: after is "" for the first page, else the Next of the one
// before.
func (c *Client) Reviews(ctx context.Context, after string) (*signpost.ReviewsResponse, error) {
	var out signpost.ReviewsResponse
	path := "/v1/reviews"
	if after != "" {
		path += "?after=" + url.QueryEscape(after)
	}
	return &out, c.do(ctx, c.r, http.MethodGet, path, nil, &out)
}

// Review returns one review item compared with its candidates.
func (c *Client) Review(ctx context.Context, id int64) (*signpost.ReviewDetail, error) {
	var out signpost.ReviewDetail
	return &out, c.do(ctx, c.r, http.MethodGet, "/v1/reviews/"+strconv.FormatInt(id, 10), nil, &out)
}

// DecideReview links, creates or dismisses a review item.
func (c *Client) DecideReview(ctx context.Context, id int64, req signpost.ReviewDecisionRequest) (*signpost.ReviewDecision, error) {
	var out signpost.ReviewDecision
	return &out, c.do(ctx, c.r, http.MethodPost, "/v1/reviews/"+strconv.FormatInt(id, 10), req, &out)
}

// PreviewMerge says what merging two records would give, changing nothing.
func (c *Client) PreviewMerge(ctx context.Context, a, b string) (*signpost.MergePreview, error) {
	var out signpost.MergePreview
	return &out, c.do(ctx, c.r, http.MethodPost, "/v1/merges/preview", signpost.MergeRequest{A: a, B: b}, &out)
}

// Merge merges two records of one child; the older Signpost ID survives.
func (c *Client) Merge(ctx context.Context, req signpost.MergeRequest) (*signpost.MergePreview, error) {
	var out signpost.MergePreview
	return &out, c.do(ctx, c.r, http.MethodPost, "/v1/merges", req, &out)
}
