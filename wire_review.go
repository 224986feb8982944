package signpost

import "time"

// The review queue and merges on the wire (issue 14, slice "review"): the
// management team of an authority decides the feed rows the matcher held
// for it, and merges two records of one child.

// Review actions (ReviewDecisionRequest.Action).
const (
	ReviewActionLink    = "link"
	ReviewActionCreate  = "create"
	ReviewActionDismiss = "dismiss"
)

// ReviewSummary is one line of the review list: the incoming row in brief
// and why it was held.
type ReviewSummary struct {
	ID          int64     `json:"id"`
	Feed        string    `json:"feed"` // births, deaths, school, gp
	CreatedAt   time.Time `json:"created_at"`
	GivenName   string    `json:"given_name,omitempty"`
	FamilyName  string    `json:"family_name,omitempty"`
	DateOfBirth string    `json:"date_of_birth,omitempty"`
	Reason      string    `json:"reason"`
	Candidates  int       `json:"candidates"`
	BestScore   float64   `json:"best_score"`
}

// ReviewsResponse is one page of the open review items of the caller's
// authority, oldest first (GET /v1/reviews); Next, when set, is the after=
// of the next page; Open counts every open item of the authority.
type ReviewsResponse struct {
	Reviews []ReviewSummary `json:"reviews"`
	Open    int             `json:"open"`
	Next    string          `json:"next,omitempty"`
}

// ReviewField is one field of the incoming row beside the same field of a
// candidate child; Differs is set when both hold a value and they differ.
type ReviewField struct {
	Name     string `json:"name"`  // given_name, postcode, school…
	Label    string `json:"label"` // "Given name"
	Incoming string `json:"incoming"`
	Held     string `json:"held"`
	Differs  bool   `json:"differs"`
}

// ReviewCandidateView is a child the row may be, compared field by field.
// Withheld is set for a shielded child of another authority: its held
// values are left out.
type ReviewCandidateView struct {
	SignpostID string        `json:"signpost_id"`
	Score      float64       `json:"score"`
	Shielded   bool          `json:"shielded"`
	Authority  string        `json:"authority,omitempty"`
	Withheld   bool          `json:"withheld,omitempty"`
	Fields     []ReviewField `json:"fields"`
	// Why says in words what stands between the row and this child:
	// "shielded child", "postcode differs"…
	Why []string `json:"why"`
}

// ReviewDetail is one review item (GET /v1/reviews/{id}): the incoming row
// and each candidate side by side, the best score and why it was held.
type ReviewDetail struct {
	ID        int64     `json:"id"`
	Feed      string    `json:"feed"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
	Score     float64   `json:"score"`
	// Why is the matcher's reason, and what the candidates add ("two
	// candidates score alike").
	Why []string `json:"why"`
	// Incoming is the row's own fields (Held empty), for a row with no
	// candidate.
	Incoming   []ReviewField         `json:"incoming"`
	Candidates []ReviewCandidateView `json:"candidates"`
}

// ReviewDecisionRequest decides a review item (POST /v1/reviews/{id}).
type ReviewDecisionRequest struct {
	Action  string `json:"action"`             // link, create or dismiss
	ChildID string `json:"child_id,omitempty"` // for link
	Reason  string `json:"reason"`
}

// ReviewDecision answers a decision: the item's new status and the child
// linked or created.
type ReviewDecision struct {
	ID      int64  `json:"id"`
	Status  string `json:"status"`
	ChildID string `json:"child_id,omitempty"`
}

// MergeRequest names two records of one child (POST /v1/merges/preview,
// POST /v1/merges); the older Signpost ID survives, whichever is a.
type MergeRequest struct {
	A      string `json:"a"`
	B      string `json:"b"`
	Reason string `json:"reason,omitempty"`
}

// MergePreview is what a merge gives, or gave: the Signpost ID kept (the
// older), the one retired, and the merged record.
type MergePreview struct {
	Survivor string `json:"survivor"`
	Retired  string `json:"retired"`
	Child    *Child `json:"child"`
	// Notes say in words what the merge carries over ("shielding carried
	// over from SP…", "3 involvements combined").
	Notes []string `json:"notes"`
}
