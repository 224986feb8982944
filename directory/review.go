package directory

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"signpost"
)

// The review queue and merges in the API (issue 14, slice review): the
// management team of an authority lists the feed rows the matcher held for
// it, compares each with its candidates field by field, links, creates or
// dismisses it, and merges two records of one child. Every decision takes a
// reason and is audited; nothing here reaches another authority's team, a
// practitioner or IT staff.

// Decider makes the decisions the command line's review and merge make
// (signpost-directory review link|create|dismiss, merge). directory/importer
// implements it (importer.Decider) and builds on this package, so the
// server is given one (Config.Decider): the command and the endpoint run
// the same code.
type Decider interface {
	LinkReview(ctx context.Context, st Store, id int64, signpostID, by string, now time.Time) error
	CreateFromReview(ctx context.Context, st Store, id int64, by string, now time.Time) (string, error)
	DismissReview(ctx context.Context, st Store, id int64, by string, now time.Time) error
	// Merge merges from into into (MergeOrder).
	Merge(ctx context.Context, st Store, from, into string, now time.Time) error
}

// reviewPage is the default page of the review list, and reviewPageMax
// the largest a caller may ask.
const (
	reviewPage    = 50
	reviewPageMax = 100
)

// scoresAlike is how close two candidates' scores are to count as alike.
const scoresAlike = 0.05

// reviewTeam refuses anyone but a management team with an authority.
func reviewTeam(a Actor) error {
	if a.Role != signpost.RoleManagement {
		return &signpost.Error{Kind: signpost.KindForbidden, Message: "only management teams review feed records and merge children's records"}
	}
	if a.Authority == "" {
		return &signpost.Error{Kind: signpost.KindForbidden, Message: "your account belongs to no local authority, so it has no records to review or merge"}
	}
	return nil
}

// handleReviews lists a page of the open review items of the management
// team's own authority, oldest first, with the open count for the badge.
// ?after=ID pages on; ?limit=N (1..100, default 50).
func (s *Server) handleReviews(w http.ResponseWriter, r *http.Request, a Actor) {
	if err := reviewTeam(a); err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	f := ReviewFilter{Authority: a.Authority, Status: ReviewOpen, Limit: reviewPage}
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			s.fail(w, r, signpost.FieldError("after", "after must be the next value a previous page gave"))
			return
		}
		f.After = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > reviewPageMax {
			s.fail(w, r, signpost.FieldError("limit", "limit must be a whole number from 1 to %d", reviewPageMax))
			return
		}
		f.Limit = n
	}
	page, err := ReviewPage(r.Context(), s.store, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

// ReviewPage reads one page of review items (f.Limit of them, after
// f.After) and the count of all f selects.
func ReviewPage(ctx context.Context, st Store, f ReviewFilter) (*signpost.ReviewsResponse, error) {
	items, err := st.Reviews(ctx, ReviewFilter{Authority: f.Authority, Status: f.Status, After: f.After, Limit: f.Limit + 1})
	if err != nil {
		return nil, err
	}
	n, err := st.CountReviews(ctx, ReviewFilter{Authority: f.Authority, Status: f.Status})
	if err != nil {
		return nil, err
	}
	resp := &signpost.ReviewsResponse{Reviews: []signpost.ReviewSummary{}, Open: n}
	for i, it := range items {
		if i == f.Limit {
			resp.Next = strconv.FormatInt(items[i-1].ID, 10)
			break
		}
		rec := recordFields(it.Record)
		sum := signpost.ReviewSummary{ID: it.ID, Feed: it.Feed, CreatedAt: it.CreatedAt, GivenName: rec["given_name"], FamilyName: rec["family_name"],
			DateOfBirth: rec["date_of_birth"], Reason: it.Reason, Candidates: len(it.Candidates)}
		for _, c := range it.Candidates {
			sum.BestScore = math.Max(sum.BestScore, c.Score)
		}
		resp.Reviews = append(resp.Reviews, sum)
	}
	return resp, nil
}

// recordFields reads a review item's record (JSON of strings).
func recordFields(b []byte) map[string]string {
	m := map[string]string{}
	_ = json.Unmarshal(b, &m)
	return m
}

// reviewItemFor reads the review item of the request's {id}, refusing one
// of another authority.
func (s *Server) reviewItemFor(r *http.Request, a Actor) (*ReviewItem, error) {
	if err := reviewTeam(a); err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, signpost.FieldError("id", "the review item's number must be a whole number, as the list gives it")
	}
	it, err := s.store.ReviewItem(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if it.Authority != a.Authority {
		return nil, &signpost.Error{Kind: signpost.KindForbidden, Message: "this review item is for another authority's management team"}
	}
	return it, nil
}

// handleReview shows one review item: the incoming row beside each
// candidate, field by field. Opening it is audited (it shows children's
// details).
func (s *Server) handleReview(w http.ResponseWriter, r *http.Request, a Actor) {
	it, err := s.reviewItemFor(r, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := ReviewDetailOf(r.Context(), s.store, it, a.Authority)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ids := make([]string, len(d.Candidates))
	for i, c := range d.Candidates {
		ids[i] = c.SignpostID
	}
	s.audit.record(r.Context(), AuditEvent{At: s.cfg.Now(), UserID: a.UserID, Username: a.Username, DeviceID: a.DeviceID, Action: "review_view",
		Params: reviewParams(it.ID, ""), Results: ids})
	writeJSON(w, http.StatusOK, d)
}

func reviewParams(id int64, action string) string {
	b, _ := json.Marshal(struct {
		Review int64  `json:"review_id"`
		Action string `json:"action,omitempty"`
	}{id, action})
	return string(b)
}

// ReviewDetailOf compares a review item's row with each of its candidates,
// as the management team of authority sees them: a shielded candidate of
// another authority shows no held values. Authority "" is the operator at
// the command line (signpost-directory review show), who sees all; the API
// never passes it (reviewTeam refuses an account with no authority).
func ReviewDetailOf(ctx context.Context, st Store, it *ReviewItem, authority string) (*signpost.ReviewDetail, error) {
	rec := recordFields(it.Record)
	d := &signpost.ReviewDetail{ID: it.ID, Feed: it.Feed, Status: it.Status, CreatedAt: it.CreatedAt, Why: []string{}, Candidates: []signpost.ReviewCandidateView{},
		Incoming: compareFields(it.Feed, rec, nil)}
	if it.Reason != "" {
		d.Why = append(d.Why, it.Reason)
	}
	scores := make([]float64, 0, len(it.Candidates))
	for _, rc := range it.Candidates {
		scores = append(scores, rc.Score)
		d.Score = math.Max(d.Score, rc.Score)
		cv := signpost.ReviewCandidateView{SignpostID: rc.SignpostID, Score: rc.Score, Why: []string{}}
		c, err := st.Child(ctx, rc.SignpostID)
		switch {
		case signpost.KindOf(err) == signpost.KindNotFound:
			cv.Why = append(cv.Why, "no longer held")
			cv.Fields = compareFields(it.Feed, rec, nil)
			d.Candidates = append(d.Candidates, cv)
			continue
		case err != nil:
			return nil, err
		}
		cv.Shielded, cv.Authority = c.Shielded, c.Authority
		if c.Shielded {
			cv.Why = append(cv.Why, "shielded child")
		}
		if c.MergedInto != "" {
			cv.Why = append(cv.Why, "merged into "+c.MergedInto)
		}
		if c.Status == signpost.StatusDeceased || c.Status == signpost.StatusArchived {
			cv.Why = append(cv.Why, "record "+c.Status)
		}
		if c.Shielded && authority != "" && c.Authority != authority {
			cv.Withheld = true
			cv.Why = append(cv.Why, "details withheld: "+signpost.ContactVia(c.Authority)+" holds them")
			c = &signpost.Child{}
		}
		cv.Fields = compareFields(it.Feed, rec, c)
		for _, f := range cv.Fields {
			if f.Differs {
				cv.Why = append(cv.Why, strings.ToLower(f.Label[:1])+f.Label[1:]+" differs")
			}
		}
		d.Candidates = append(d.Candidates, cv)
	}
	if alike(scores) {
		d.Why = append(d.Why, "two candidates score alike")
	}
	return d, nil
}

// alike reports whether the two best scores are within scoresAlike.
func alike(scores []float64) bool {
	best, second := -1.0, -1.0
	for _, s := range scores {
		switch {
		case s > best:
			best, second = s, best
		case s > second:
			second = s
		}
	}
	return second >= 0 && best-second <= scoresAlike
}

// reviewField is one compared field: how the row and a child show it,
// and the key each is compared by.
type reviewField struct {
	name, label string
	incoming    func(feed string, rec map[string]string) (show, key string)
	held        func(c *signpost.Child) (show, key string)
}

func plain(s string) (string, string) {
	return s, strings.ToUpper(strings.Join(strings.Fields(s), " "))
}

func setting(code, name string) (string, string) {
	if code == "" && name == "" {
		return "", ""
	}
	return strings.TrimSpace(code + " " + name), strings.ToUpper(strings.TrimSpace(code))
}

func heldSetting(s *signpost.Setting) (string, string) {
	if s == nil {
		return "", ""
	}
	return setting(s.Code, s.Name)
}

func recKey(k string) func(string, map[string]string) (string, string) {
	return func(_ string, rec map[string]string) (string, string) { return plain(rec[k]) }
}

func recNorm(k string, norm func(string) string) func(string, map[string]string) (string, string) {
	return func(_ string, rec map[string]string) (string, string) { return rec[k], norm(rec[k]) }
}

func recSetting(kind string) func(string, map[string]string) (string, string) {
	return func(feed string, rec map[string]string) (string, string) {
		if feed != kind {
			return "", ""
		}
		return setting(rec["setting_code"], rec["setting_name"])
	}
}

// reviewFields are the fields a row and a child are compared by.
var reviewFields = []reviewField{
	{"given_name", "Given name", recKey("given_name"), func(c *signpost.Child) (string, string) { return plain(c.GivenName) }},
	{"family_name", "Family name", recKey("family_name"), func(c *signpost.Child) (string, string) { return plain(c.FamilyName) }},
	{"date_of_birth", "Date of birth", recKey("date_of_birth"), func(c *signpost.Child) (string, string) { return plain(c.DateOfBirth) }},
	{"gender", "Gender", func(_ string, rec map[string]string) (string, string) {
		if rec["sex"] == "unknown" {
			return "", ""
		}
		return plain(rec["sex"])
	}, func(c *signpost.Child) (string, string) { return plain(c.Gender) }},
	{"postcode", "Postcode", recNorm("postcode", signpost.NormalisePostcode), func(c *signpost.Child) (string, string) {
		return c.Postcode, signpost.NormalisePostcode(c.Postcode)
	}},
	{"address", "Address", recKey("address"), func(c *signpost.Child) (string, string) { return plain(c.Address) }},
	{"school", "School", recSetting("school"), func(c *signpost.Child) (string, string) { return heldSetting(c.School) }},
	{"gp", "GP practice", recSetting("gp"), func(c *signpost.Child) (string, string) { return heldSetting(c.GP) }},
	{"nhs_number", "NHS number", recNorm("nhs_number", signpost.NormaliseNHSNumber), func(c *signpost.Child) (string, string) {
		return c.NHSNumber, signpost.NormaliseNHSNumber(c.NHSNumber)
	}},
	{"upn", "UPN", recNorm("upn", signpost.NormaliseUPN), func(c *signpost.Child) (string, string) { return c.UPN, signpost.NormaliseUPN(c.UPN) }},
	{"date_of_death", "Date of death", recKey("date_of_death"), func(c *signpost.Child) (string, string) {
		if c.Status == signpost.StatusDeceased {
			return "deceased", ""
		}
		return "", ""
	}},
	{"authority", "Local authority", recKey("la_code"), func(c *signpost.Child) (string, string) { return c.Authority, "" }},
}

// compareFields lays the row's fields beside child c's (nil: the row
// alone), leaving out those neither holds.
func compareFields(feed string, rec map[string]string, c *signpost.Child) []signpost.ReviewField {
	out := []signpost.ReviewField{}
	for _, f := range reviewFields {
		in, inKey := f.incoming(feed, rec)
		var held, heldKey string
		if c != nil {
			held, heldKey = f.held(c)
		}
		if in == "" && held == "" {
			continue
		}
		out = append(out, signpost.ReviewField{Name: f.name, Label: f.label, Incoming: in, Held: held,
			Differs: inKey != "" && heldKey != "" && inKey != heldKey})
	}
	return out
}

// handleDecideReview links, creates or dismisses a review item, with a
// reason, audited; an item decided already is 409.
func (s *Server) handleDecideReview(w http.ResponseWriter, r *http.Request, a Actor) {
	var req signpost.ReviewDecisionRequest
	if err := decode(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	it, err := s.reviewItemFor(r, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reason, err := actionReason(req.Reason)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	child := strings.TrimSpace(req.ChildID)
	switch req.Action {
	case signpost.ReviewActionLink:
		if !signpost.ValidSignpostID(child) {
			s.fail(w, r, signpost.FieldError("child_id", "linking needs the Signpost ID of the child the record is"))
			return
		}
		child = signpost.NormaliseSignpostID(child)
	case signpost.ReviewActionCreate, signpost.ReviewActionDismiss:
		if child != "" {
			s.fail(w, r, signpost.FieldError("child_id", "child_id is given only to link"))
			return
		}
	default:
		s.fail(w, r, signpost.FieldError("action", "action must be link, create or dismiss"))
		return
	}
	if it.Status != ReviewOpen {
		s.fail(w, r, &signpost.Error{Kind: signpost.KindConflict, Message: fmt.Sprintf("review item %d was %s already", it.ID, it.Status)})
		return
	}
	if s.cfg.Decider == nil {
		s.fail(w, r, errNoDecider)
		return
	}
	if req.Action == signpost.ReviewActionLink {
		if err := s.linkable(r.Context(), it, child, a); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	now := s.cfg.Now()
	out := signpost.ReviewDecision{ID: it.ID, ChildID: child}
	switch req.Action {
	case signpost.ReviewActionLink:
		out.Status, err = ReviewLinked, s.cfg.Decider.LinkReview(r.Context(), s.store, it.ID, child, a.Username, now)
	case signpost.ReviewActionCreate:
		out.Status = ReviewCreated
		out.ChildID, err = s.cfg.Decider.CreateFromReview(r.Context(), s.store, it.ID, a.Username, now)
	case signpost.ReviewActionDismiss:
		out.Status, err = ReviewDismissed, s.cfg.Decider.DismissReview(r.Context(), s.store, it.ID, a.Username, now)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit.record(r.Context(), AuditEvent{At: now, UserID: a.UserID, Username: a.Username, DeviceID: a.DeviceID, Action: "review_" + req.Action,
		ChildID: out.ChildID, Reason: reason, Params: reviewParams(it.ID, req.Action)})
	writeJSON(w, http.StatusOK, out)
}

var errNoDecider = &signpost.Error{Kind: signpost.KindUnavailable, Message: "this directory was started without review decisions; its operator must run it with signpost-directory serve"}

// linkable allows linking a row to one of its candidates, or to a child of
// the team's own authority; never to another authority's shielded child,
// whose record only its own team may change.
func (s *Server) linkable(ctx context.Context, it *ReviewItem, child string, a Actor) error {
	candidate := false
	for _, c := range it.Candidates {
		candidate = candidate || c.SignpostID == child
	}
	c, err := s.store.Child(ctx, child)
	if err != nil {
		return err
	}
	switch {
	case c.Authority == a.Authority:
		return nil
	case c.Shielded:
		return &signpost.Error{Kind: signpost.KindForbidden, Field: "child_id", Message: "that child is shielded by another authority: ask " + signpost.ContactVia(c.Authority) + " to decide"}
	case !candidate:
		return &signpost.Error{Kind: signpost.KindForbidden, Field: "child_id", Message: "link the record to one of its candidates or to a child of your own authority"}
	}
	return nil
}

// actionReason checks the reason every decision needs.
func actionReason(reason string) (string, error) {
	if err := signpost.CheckReason("reason", reason, signpost.MaxReasonLen); err != nil {
		return "", err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return "", signpost.FieldError("reason", "say why; it is recorded in the audit")
	}
	return reason, nil
}

// mergePair reads the two records a merge names, both of the team's own
// authority and neither merged already, and orders them: the older
// Signpost ID (the lower serial) survives.
func (s *Server) mergePair(ctx context.Context, req signpost.MergeRequest, a Actor) (survivor, retired *signpost.Child, err error) {
	if err := reviewTeam(a); err != nil {
		return nil, nil, err
	}
	ids := [2]string{strings.TrimSpace(req.A), strings.TrimSpace(req.B)}
	for i, name := range []string{"a", "b"} {
		if !signpost.ValidSignpostID(ids[i]) {
			return nil, nil, signpost.FieldError(name, "%s must be a valid Signpost ID", name)
		}
		ids[i] = signpost.NormaliseSignpostID(ids[i])
	}
	if ids[0] == ids[1] {
		return nil, nil, signpost.FieldError("b", "a record cannot be merged with itself: give two different Signpost IDs")
	}
	var cs [2]*signpost.Child
	for i, id := range ids {
		if cs[i], err = s.store.Child(ctx, id); err != nil {
			return nil, nil, err
		}
		if cs[i].Authority != a.Authority {
			return nil, nil, &signpost.Error{Kind: signpost.KindForbidden, Field: []string{"a", "b"}[i], Message: "only the management team of the child's own authority may merge its records"}
		}
		if cs[i].MergedInto != "" {
			return nil, nil, &signpost.Error{Kind: signpost.KindConflict, Field: []string{"a", "b"}[i], Message: id + " was merged into " + cs[i].MergedInto + " already"}
		}
	}
	if olderFirst(s.store.IDCodec(), ids[0], ids[1]) {
		return cs[0], cs[1], nil
	}
	return cs[1], cs[0], nil
}

// olderFirst reports whether Signpost ID a was issued before b.
func olderFirst(codec *signpost.IDCodec, a, b string) bool {
	sa, _ := codec.SerialOfID(a)
	sb, _ := codec.SerialOfID(b)
	return sa < sb || (sa == sb && a < b)
}

// mergeNotes says what a merge carries over.
func mergeNotes(survivor, retired, merged *signpost.Child) []string {
	notes := []string{survivor.SignpostID + " is kept: it is the older record; " + retired.SignpostID + " is retired and leaves every laptop at its next sync"}
	switch {
	case retired.Shielded && !survivor.Shielded:
		notes = append(notes, "the shielding of "+retired.SignpostID+" is carried over: the merged record is shielded")
	case merged.Shielded:
		notes = append(notes, "the merged record stays shielded")
	}
	notes = append(notes, fmt.Sprintf("involvements combined: %d (%d and %d)", len(merged.Involvements), len(survivor.Involvements), len(retired.Involvements)))
	return notes
}

// handleMergePreview shows what merging two records would give, changing
// nothing; it is audited, as it shows both records.
func (s *Server) handleMergePreview(w http.ResponseWriter, r *http.Request, a Actor) {
	var req signpost.MergeRequest
	if err := decode(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if req.Reason != "" {
		if _, err := actionReason(req.Reason); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	survivor, retired, err := s.mergePair(r.Context(), req, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.cfg.Now()
	merged, err := s.store.PreviewMerge(r.Context(), retired.SignpostID, survivor.SignpostID, now)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit.record(r.Context(), AuditEvent{At: now, UserID: a.UserID, Username: a.Username, DeviceID: a.DeviceID, Action: "merge_preview",
		ChildID: survivor.SignpostID, Results: []string{retired.SignpostID}})
	writeJSON(w, http.StatusOK, signpost.MergePreview{Survivor: survivor.SignpostID, Retired: retired.SignpostID, Child: View(a, merged),
		Notes: mergeNotes(survivor, retired, merged)})
}

// handleMerge merges two records of one child (the older Signpost ID
// survives), with a reason, audited: the command line's merge.
func (s *Server) handleMerge(w http.ResponseWriter, r *http.Request, a Actor) {
	var req signpost.MergeRequest
	if err := decode(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := reviewTeam(a); err != nil {
		s.fail(w, r, err)
		return
	}
	reason, err := actionReason(req.Reason)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	survivor, retired, err := s.mergePair(r.Context(), req, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if s.cfg.Decider == nil {
		s.fail(w, r, errNoDecider)
		return
	}
	now := s.cfg.Now()
	if err := s.cfg.Decider.Merge(r.Context(), s.store, retired.SignpostID, survivor.SignpostID, now); err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit.record(r.Context(), AuditEvent{At: now, UserID: a.UserID, Username: a.Username, DeviceID: a.DeviceID, Action: "merge",
		ChildID: survivor.SignpostID, Reason: reason, Results: []string{retired.SignpostID}})
	merged, err := s.store.Child(r.Context(), survivor.SignpostID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, signpost.MergePreview{Survivor: survivor.SignpostID, Retired: retired.SignpostID, Child: View(a, merged),
		Notes: mergeNotes(survivor, retired, merged)})
}
