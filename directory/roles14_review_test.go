package directory_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"signpost"
	"signpost/directory"
	"signpost/directory/demo"
	"signpost/directory/importer"
)

// Issue 14, slice review: the review queue and merges, every endpoint asked
// by every role.

// reviewEnv is a directory with the demo, the command line's decisions, a
// Manchester management team, a queue of Leeds review items and a second,
// newer record of Jamie.
type reviewEnv struct {
	*env
	tokens map[string]string // role → token ("" for no token)
	items  []int64           // Leeds' open review items, oldest first
	dup    string            // a newer record of Jamie
	mcr    string            // a shielded Manchester child, a candidate of items[1]
}

// reviewRoles are the callers of the matrix, in order.
var reviewRoles = []string{"practitioner", "management here", "management elsewhere", "IT admin", "no token"}

// The incoming rows' and children's details no role but Leeds' team may
// see (and Manchester's shielded child's, which Leeds' team may not).
var (
	leedsSecrets = []string{"Jaime", "Fixtur", "2015-03-14", "LS1 4AP", "22 Park Row", "Leak Street", "9434765919"}
	mcrSecrets   = []string{"99 Refuge Road", "M1 9ZZ"}
)

func newReviewEnv(t *testing.T) *reviewEnv {
	t.Helper()
	e := newEnv(t, 30, func(c *directory.Config) { c.Decider = importer.Decider{} })
	ctx := context.Background()
	if err := e.store.CreateOrganisation(ctx, "Manchester Signpost Team", "Manchester", true); err != nil {
		t.Fatal(err)
	}
	mcr := directory.Account{User: signpost.User{Username: "mcrmanager", DisplayName: "Morgan Manchester", Role: signpost.RoleManagement, Organisation: "Manchester Signpost Team"}}
	mcr.PasswordHash, mcr.TOTPSecret, mcr.Accredited = directory.HashPassword(demo.Password, cheap), demo.TOTPSecret, true
	if err := e.store.CreateAccount(ctx, &mcr); err != nil {
		t.Fatal(err)
	}
	r := &reviewEnv{env: e, tokens: map[string]string{}}
	for role, user := range map[string]string{"practitioner": "nurse", "management here": "manager", "management elsewhere": "mcrmanager", "IT admin": "itadmin"} {
		r.tokens[role], _ = e.login(user)
		e.clock.Add(30 * time.Second)
	}
	r.dup = r.newChild(t, signpost.Child{GivenName: "Jaime", FamilyName: "Fixture", DateOfBirth: "2015-03-14", Gender: "male", Postcode: "LS1 4AP", Authority: "Leeds"})
	r.mcr = r.newChild(t, signpost.Child{GivenName: "Jamie", FamilyName: "Fixtur", DateOfBirth: "2015-03-14", Gender: "male", Postcode: "M1 9ZZ",
		Address: "99 Refuge Road", Authority: "Manchester"})
	if err := e.store.SetShield(ctx, r.mcr, &directory.Shield{Reason: "refuge", ReviewDate: "2027-01-01", By: "mcrmanager", At: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	r.queue(t,
		reviewRow("births", map[string]string{"given_name": "Jaime", "family_name": "Fixtur", "date_of_birth": "2015-03-14", "sex": "male",
			"postcode": "LS1 4AP", "address": "3 Leak Street", "la_code": "E08000035"}, "a possible match: some details differ",
			directory.ReviewCandidate{SignpostID: e.jamie, Score: 0.82}),
		reviewRow("school", map[string]string{"given_name": "Jamie", "family_name": "Fixtur", "date_of_birth": "2015-03-14", "postcode": "LS1 4AP",
			"setting_code": "107999", "setting_name": "Leak Street Academy", "upn": "P207000016049"}, "more than one child matches",
			directory.ReviewCandidate{SignpostID: e.jamie, Score: 0.9}, directory.ReviewCandidate{SignpostID: r.mcr, Score: 0.88}),
		reviewRow("gp", map[string]string{"given_name": "Jaime", "family_name": "Fixtur", "date_of_birth": "2015-03-14", "postcode": "LS1 4AP"},
			"the matching child is shielded: shielded children are never matched without a person deciding",
			directory.ReviewCandidate{SignpostID: e.riley, Score: 0.7}),
	)
	items, err := e.store.Reviews(ctx, directory.ReviewFilter{Authority: "Leeds"})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		r.items = append(r.items, it.ID)
	}
	if len(r.items) != 3 {
		t.Fatalf("queued %d review items, want 3", len(r.items))
	}
	return r
}

// newChild stores c with a newly issued Signpost ID (newer than the demo's).
func (r *reviewEnv) newChild(t *testing.T, c signpost.Child) string {
	t.Helper()
	ctx := context.Background()
	serial, err := r.store.AllocateSerials(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	c.SignpostID = r.store.IDCodec().ID(serial)
	if err := r.store.CreateChild(ctx, &c); err != nil {
		t.Fatal(err)
	}
	return c.SignpostID
}

func reviewRow(kind string, rec map[string]string, reason string, cands ...directory.ReviewCandidate) directory.ReviewItem {
	body, _ := json.Marshal(rec)
	return directory.ReviewItem{Feed: kind, Source: kind + ".csv", Line: 2, RowHash: []byte(kind + string(body)), Record: body, Reason: reason,
		Authority: "Leeds", Candidates: cands}
}

func (r *reviewEnv) queue(t *testing.T, items ...directory.ReviewItem) {
	t.Helper()
	if _, err := r.store.ApplyFeed(context.Background(), &directory.FeedBatch{Reviews: items, At: r.clock.Now()}); err != nil {
		t.Fatal(err)
	}
}

// reviewCase is one endpoint asked by every role.
type reviewCase struct {
	name   string
	method string
	path   string
	body   any
	want   [5]int // per reviewRoles
}

func TestReviewEndpointsAnswerOnlyTheirAuthoritysTeamAndLeakNothing(t *testing.T) {
	r := newReviewEnv(t)
	first, second := r.items[0], r.items[1]
	here := [5]int{403, 200, 403, 403, 401}
	cases := []reviewCase{
		{"GET /v1/reviews", "GET", "/v1/reviews", nil, [5]int{403, 200, 200, 403, 401}},
		{"GET /v1/reviews/{id}", "GET", fmt.Sprintf("/v1/reviews/%d", second), nil, here},
		{"POST /v1/merges/preview", "POST", "/v1/merges/preview", signpost.MergeRequest{A: r.dup, B: r.jamie}, here},
		{"POST /v1/reviews/{id} dismiss", "POST", fmt.Sprintf("/v1/reviews/%d", first),
			signpost.ReviewDecisionRequest{Action: "dismiss", Reason: "a test row sent by mistake"}, here},
		{"POST /v1/merges", "POST", "/v1/merges", signpost.MergeRequest{A: r.dup, B: r.jamie, Reason: "the same child, registered twice"}, here},
	}
	for _, c := range cases {
		for i, role := range reviewRoles {
			res := r.do(c.method, c.path, r.tokens[role], c.body)
			if res.status != c.want[i] {
				t.Errorf("%s as %s: %d %s, want %d", c.name, role, res.status, res.body, c.want[i])
			}
			secrets := mcrSecrets
			if role != "management here" {
				secrets = append(secrets, leedsSecrets...)
			}
			for _, s := range secrets {
				if strings.Contains(string(res.body), s) {
					t.Errorf("%s as %s: the body holds %q: %s", c.name, role, s, res.body)
				}
			}
		}
	}
	// Decided once: the second time is a conflict, not a second decision.
	res := r.do("POST", fmt.Sprintf("/v1/reviews/%d", first), r.tokens["management here"], signpost.ReviewDecisionRequest{Action: "link", ChildID: r.jamie, Reason: "it is Jamie after all"})
	if kind, _ := res.errField(); res.status != 409 || kind != string(signpost.KindConflict) {
		t.Errorf("deciding a dismissed item again: %d %s", res.status, res.body)
	}
	res = r.do("POST", "/v1/merges", r.tokens["management here"], signpost.MergeRequest{A: r.dup, B: r.jamie, Reason: "the same child, registered twice"})
	if res.status != 409 {
		t.Errorf("merging again: %d %s", res.status, res.body)
	}
}

func TestReviewEndpointsNameTheFieldOfBadInput(t *testing.T) {
	r := newReviewEnv(t)
	tok := r.tokens["management here"]
	item := fmt.Sprintf("/v1/reviews/%d", r.items[0])
	for _, c := range []struct {
		name, method, path string
		body               any
		status             int
		field              string
	}{
		{"limit 0", "GET", "/v1/reviews?limit=0", nil, 400, "limit"},
		{"limit too big", "GET", "/v1/reviews?limit=1000", nil, 400, "limit"},
		{"after not a number", "GET", "/v1/reviews?after=x", nil, 400, "after"},
		{"id not a number", "GET", "/v1/reviews/abc", nil, 400, "id"},
		{"unknown id", "GET", "/v1/reviews/999999", nil, 404, ""},
		{"unknown action", "POST", item, signpost.ReviewDecisionRequest{Action: "approve", Reason: "looks right to me"}, 400, "action"},
		{"no reason", "POST", item, signpost.ReviewDecisionRequest{Action: "dismiss"}, 400, "reason"},
		{"link without a child", "POST", item, signpost.ReviewDecisionRequest{Action: "link", Reason: "it is this child"}, 400, "child_id"},
		{"create with a child", "POST", item, signpost.ReviewDecisionRequest{Action: "create", ChildID: r.jamie, Reason: "a new child"}, 400, "child_id"},
		{"unknown field", "POST", item, `{"action":"dismiss","reason":"a test row","why":"x"}`, 400, "why"},
		{"not JSON", "POST", item, `{`, 400, "body"},
		{"merge a invalid", "POST", "/v1/merges/preview", signpost.MergeRequest{A: "SP123", B: r.jamie}, 400, "a"},
		{"merge with itself", "POST", "/v1/merges/preview", signpost.MergeRequest{A: r.jamie, B: r.jamie}, 400, "b"},
		{"merge without a reason", "POST", "/v1/merges", signpost.MergeRequest{A: r.dup, B: r.jamie}, 400, "reason"},
		{"merge another authority's child", "POST", "/v1/merges/preview", signpost.MergeRequest{A: r.mcr, B: r.jamie}, 403, "a"},
		{"link to another authority's shielded candidate", "POST", fmt.Sprintf("/v1/reviews/%d", r.items[1]),
			signpost.ReviewDecisionRequest{Action: "link", ChildID: r.mcr, Reason: "it is this child"}, 403, "child_id"},
		{"link to another authority's child not a candidate", "POST", item,
			signpost.ReviewDecisionRequest{Action: "link", ChildID: r.mcr, Reason: "it is this child"}, 403, "child_id"},
	} {
		res := r.do(c.method, c.path, tok, c.body)
		if _, field := res.errField(); res.status != c.status || field != c.field {
			t.Errorf("%s: %d field %q (%s), want %d field %q", c.name, res.status, field, res.body, c.status, c.field)
		}
	}
}

func TestReviewListIsPagedOldestFirstWithTheOpenCount(t *testing.T) {
	r := newReviewEnv(t)
	tok := r.tokens["management here"]
	var got []int64
	next := ""
	for pages := 0; pages < 5; pages++ {
		path := "/v1/reviews?limit=2"
		if next != "" {
			path += "&after=" + next
		}
		var page signpost.ReviewsResponse
		res := r.do("GET", path, tok, nil)
		res.json(t, &page)
		if page.Open != 3 || len(page.Reviews) > 2 {
			t.Fatalf("page %s: open %d, %d items", path, page.Open, len(page.Reviews))
		}
		for _, it := range page.Reviews {
			got = append(got, it.ID)
		}
		if next = page.Next; next == "" {
			break
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(r.items) {
		t.Errorf("paged %v, want %v oldest first", got, r.items)
	}
}

func TestReviewDetailComparesFieldByFieldAndWithholdsAnotherAuthoritysShieldedChild(t *testing.T) {
	r := newReviewEnv(t)
	var d signpost.ReviewDetail
	res := r.do("GET", fmt.Sprintf("/v1/reviews/%d", r.items[1]), r.tokens["management here"], nil)
	res.json(t, &d)
	if len(d.Candidates) != 2 || d.Score != 0.9 {
		t.Fatalf("detail: %s", res.body)
	}
	if !contains(d.Why, "more than one child matches") || !contains(d.Why, "two candidates score alike") {
		t.Errorf("why held: %v", d.Why)
	}
	jamie, mcr := d.Candidates[0], d.Candidates[1]
	differs := map[string]bool{}
	for _, f := range jamie.Fields {
		differs[f.Name] = f.Differs
	}
	if !differs["family_name"] || !differs["school"] || differs["postcode"] || differs["upn"] || differs["date_of_birth"] {
		t.Errorf("Jamie's fields: %+v", jamie.Fields)
	}
	if !contains(jamie.Why, "family name differs") || !contains(jamie.Why, "school differs") {
		t.Errorf("Jamie's why: %v", jamie.Why)
	}
	if !mcr.Withheld || !mcr.Shielded || !contains(mcr.Why, "shielded child") {
		t.Errorf("Manchester's shielded child: %+v", mcr)
	}
	for _, s := range mcrSecrets {
		if strings.Contains(string(res.body), s) {
			t.Errorf("Leeds' team sees %q of Manchester's shielded child", s)
		}
	}
	// Leeds' own shielded child is theirs to see.
	res = r.do("GET", fmt.Sprintf("/v1/reviews/%d", r.items[2]), r.tokens["management here"], nil)
	res.json(t, &d)
	if c := d.Candidates[0]; c.Withheld || !contains(c.Why, "shielded child") || !strings.Contains(string(res.body), "LS2 9JT") {
		t.Errorf("Riley as a candidate: %s", res.body)
	}
}

func TestReviewDecisionsAndMergesAreAuditedWithTheReason(t *testing.T) {
	r := newReviewEnv(t)
	tok := r.tokens["management here"]
	var dec signpost.ReviewDecision
	res := r.do("POST", fmt.Sprintf("/v1/reviews/%d", r.items[0]), tok, signpost.ReviewDecisionRequest{Action: "link", ChildID: r.jamie, Reason: "the same child, a typo in the register"})
	res.json(t, &dec)
	if res.status != 200 || dec.Status != directory.ReviewLinked || dec.ChildID != r.jamie {
		t.Fatalf("link: %d %s", res.status, res.body)
	}
	if !r.audited(t, "review_link", r.jamie, "the same child, a typo in the register") {
		t.Error("the link is not in the audit with its reason")
	}
	var mp signpost.MergePreview
	res = r.do("POST", "/v1/merges/preview", tok, signpost.MergeRequest{A: r.dup, B: r.jamie})
	res.json(t, &mp)
	if mp.Survivor != r.jamie || mp.Retired != r.dup || mp.Child == nil || mp.Child.SignpostID != r.jamie {
		t.Fatalf("preview: %s", res.body)
	}
	if c, _ := r.store.Child(context.Background(), r.dup); c.MergedInto != "" {
		t.Fatal("the preview merged the records")
	}
	res = r.do("POST", "/v1/merges", tok, signpost.MergeRequest{A: r.dup, B: r.jamie, Reason: "registered twice at birth"})
	if res.status != 200 {
		t.Fatalf("merge: %d %s", res.status, res.body)
	}
	if c, _ := r.store.Child(context.Background(), r.dup); c.MergedInto != r.jamie {
		t.Errorf("after the merge %s points to %q", r.dup, c.MergedInto)
	}
	if !r.audited(t, "merge", r.jamie, "registered twice at birth") {
		t.Error("the merge is not in the audit with its reason")
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
