package device

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"signpost"
	"signpost/directory"
	demodir "signpost/directory/demo"
	"signpost/directory/importer"
	"signpost/directory/sqlcipher"
)

// Issue 14, slice review: the management team's journeys through the real
// directory (with the command line's decisions) and real laptop caches.

// startReviewDirectory is startTestDirectory with the review decisions.
func startReviewDirectory(t *testing.T) *testDirectory {
	t.Helper()
	ctx := context.Background()
	st, err := sqlcipher.Open(ctx, filepath.Join(t.TempDir(), "d.db"), bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	if err := demodir.Seed(ctx, st, 30, time.Now(), directory.PasswordParams{Memory: 1024, Time: 1, Threads: 1}); err != nil {
		t.Fatal(err)
	}
	srv := directory.NewServer(st, directory.Config{SearchRate: 100, SearchBurst: 100, WaitTimeout: time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Decider: importer.Decider{}})
	fx, err := demodir.Fixtures(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	d := &testDirectory{store: st, srv: srv, hs: httptest.NewServer(srv), fx: fx}
	t.Cleanup(func() {
		d.hs.Close()
		srv.Close()
		st.Close()
	})
	return d
}

// queueReviews puts rows in Leeds' review queue, each with Jamie as its
// candidate, and returns their ids, oldest first.
func queueReviews(t *testing.T, d *testDirectory, rows ...map[string]string) []int64 {
	t.Helper()
	ctx := context.Background()
	var items []directory.ReviewItem
	for _, r := range rows {
		body, _ := json.Marshal(r)
		items = append(items, directory.ReviewItem{Feed: "births", Source: "births.csv", Line: 2, RowHash: body, Record: body,
			Reason: "a possible match: some details differ", Authority: "Leeds", Candidates: []directory.ReviewCandidate{{SignpostID: d.fx.Jamie, Score: 0.8}}})
	}
	if _, err := d.store.ApplyFeed(ctx, &directory.FeedBatch{Reviews: items, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	got, err := d.store.Reviews(ctx, directory.ReviewFilter{Authority: "Leeds"})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(got))
	for i, it := range got {
		ids[i] = it.ID
	}
	return ids
}

func TestManagementTeamLinksCreatesAndDismissesReviewItemsFromTheLaptop(t *testing.T) {
	d := startReviewDirectory(t)
	ctx := context.Background()
	ids := queueReviews(t, d,
		map[string]string{"given_name": "Jaime", "family_name": "Fixture", "date_of_birth": "2015-03-14", "sex": "male", "postcode": "LS1 4AP"},
		map[string]string{"given_name": "Noor", "family_name": "Newborn", "date_of_birth": "2026-10-01", "sex": "female", "postcode": "LS6 1AA"},
		map[string]string{"given_name": "Test", "family_name": "Row", "date_of_birth": "2015-03-14", "sex": "male", "postcode": "LS1 4AP"},
	)
	m, _ := enrolled(t, d, "manager")

	page, err := m.Reviews(ctx, "")
	if err != nil || page.Open != 3 || len(page.Reviews) != 3 || page.Reviews[0].ID != ids[0] {
		t.Fatalf("the list: %+v, %v", page, err)
	}
	it, err := m.Review(ctx, ids[0])
	if err != nil || len(it.Candidates) != 1 || it.Candidates[0].SignpostID != d.fx.Jamie {
		t.Fatalf("the item: %+v, %v", it, err)
	}

	// Link: the row is Jamie.
	dec, err := m.DecideReview(ctx, ids[0], signpost.ReviewDecisionRequest{Action: signpost.ReviewActionLink, ChildID: d.fx.Jamie, Reason: "Jamie, misspelt at registration"})
	if err != nil || dec.Status != directory.ReviewLinked {
		t.Fatalf("link: %+v, %v", dec, err)
	}
	// Create: the row is a child the directory does not hold.
	dec, err = m.DecideReview(ctx, ids[1], signpost.ReviewDecisionRequest{Action: signpost.ReviewActionCreate, Reason: "a new baby, not Jamie"})
	if err != nil || dec.Status != directory.ReviewCreated || !signpost.ValidSignpostID(dec.ChildID) {
		t.Fatalf("create: %+v, %v", dec, err)
	}
	if c, err := d.store.Child(ctx, dec.ChildID); err != nil || c.GivenName != "Noor" {
		t.Fatalf("the child created: %+v, %v", c, err)
	}
	// Dismiss: the row is not applied.
	if dec, err = m.DecideReview(ctx, ids[2], signpost.ReviewDecisionRequest{Action: signpost.ReviewActionDismiss, Reason: "a test row sent by mistake"}); err != nil {
		t.Fatalf("dismiss: %v", err)
	}
	// Decided twice: a conflict the screen can show.
	if _, err := m.DecideReview(ctx, ids[2], signpost.ReviewDecisionRequest{Action: signpost.ReviewActionDismiss, Reason: "a test row sent by mistake"}); signpost.KindOf(err) != signpost.KindConflict {
		t.Errorf("dismissing again: %v, want a conflict", err)
	}
	page, err = m.Reviews(ctx, "")
	if err != nil || page.Open != 0 || len(page.Reviews) != 0 {
		t.Errorf("after deciding all: %+v, %v", page, err)
	}
	for _, want := range []struct{ id int64 }{{ids[0]}, {ids[1]}, {ids[2]}} {
		it, _ := d.store.ReviewItem(ctx, want.id)
		if it.ResolvedBy != "manager" {
			t.Errorf("item %d resolved by %q", want.id, it.ResolvedBy)
		}
	}
	evs, _ := d.store.AuditForChild(ctx, d.fx.Jamie)
	linked := false
	for _, ev := range evs {
		linked = linked || (ev.Action == "review_link" && ev.Reason == "Jamie, misspelt at registration" && ev.Username == "manager")
	}
	if !linked {
		t.Error("the link is not audited with its reason")
	}
}

func TestAMergeFromTheLaptopDropsTheRetiredRecordFromAPractitionersCache(t *testing.T) {
	d := startReviewDirectory(t)
	ctx := context.Background()
	// A second record of Jamie, newer, on the nurse's caseload too.
	serial, err := d.store.AllocateSerials(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	dup := signpost.Child{SignpostID: d.store.IDCodec().ID(serial), GivenName: "Jamie", FamilyName: "Fixture", DateOfBirth: "2015-03-14", Gender: "male",
		Postcode: "LS1 4AP", Authority: "Leeds"}
	if err := d.store.CreateChild(ctx, &dup); err != nil {
		t.Fatal(err)
	}
	if _, err := d.store.AddInvolvement(ctx, dup.SignpostID, "social", signpost.Involvement{Role: "Social worker", StartedOn: "2025-01-01"}); err != nil {
		t.Fatal(err)
	}
	if err := d.store.SetShield(ctx, dup.SignpostID, &directory.Shield{Reason: "refuge", ReviewDate: time.Now().AddDate(0, 6, 0).Format(signpost.DateLayout), By: "manager", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.store.AddInvolvement(ctx, dup.SignpostID, "nurse", signpost.Involvement{Role: "School nurse", StartedOn: "2025-02-01"}); err != nil {
		t.Fatal(err)
	}
	before := 0
	for _, id := range []string{d.fx.Jamie, dup.SignpostID} {
		c, err := d.store.Child(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		before += len(c.Involvements)
	}
	nurse, _ := enrolled(t, d, "nurse")
	fixtures := func() map[string]bool {
		cs, _ := nurse.Caseload(ctx, "fixture")
		ids := map[string]bool{}
		for _, c := range cs {
			ids[c.ID] = true
		}
		return ids
	}
	if got := fixtures(); !got[dup.SignpostID] || !got[d.fx.Jamie] {
		t.Fatalf("before the merge the nurse's laptop holds %v", got)
	}

	m, _ := enrolled(t, d, "manager")
	p, err := m.PreviewMerge(ctx, dup.SignpostID, d.fx.Jamie)
	if err != nil || p.Survivor != d.fx.Jamie || p.Retired != dup.SignpostID || !p.Child.Shielded {
		t.Fatalf("preview: %+v, %v", p, err)
	}
	if c, _ := d.store.Child(ctx, dup.SignpostID); c.MergedInto != "" {
		t.Fatal("the preview merged")
	}
	if _, err := m.Merge(ctx, signpost.MergeRequest{A: dup.SignpostID, B: d.fx.Jamie, Reason: "one child, registered twice"}); err != nil {
		t.Fatalf("merge: %v", err)
	}
	c, err := d.store.Child(ctx, d.fx.Jamie)
	if err != nil || !c.Shielded {
		t.Fatalf("the survivor is not shielded: %+v, %v", c, err)
	}
	if len(c.Involvements) != before || len(p.Child.Involvements) != before {
		t.Errorf("the survivor has %d involvements (the preview said %d), want both records' %d", len(c.Involvements), len(p.Child.Involvements), before)
	}

	// The nurse's laptop drops the retired record at its next sync and
	// keeps Jamie's, now shielded.
	nurse.SyncNow()
	waitFor(t, "the retired record to leave the nurse's laptop", func() bool {
		got := fixtures()
		return !got[dup.SignpostID] && got[d.fx.Jamie]
	})
	cs, _ := nurse.Caseload(ctx, "fixture")
	if len(cs) != 1 || !cs[0].Shielded {
		t.Errorf("after the merge the nurse's laptop holds %+v", cs)
	}
}

func TestReviewsOfflineSayTheyNeedAConnection(t *testing.T) {
	d := startReviewDirectory(t)
	m, _ := enrolled(t, d, "manager")
	d.hs.Close()
	_, err := m.Reviews(context.Background(), "")
	if signpost.KindOf(err) != signpost.KindUnavailable || signpost.MessageOf(err) != needReviewOnline {
		t.Errorf("offline: %v", err)
	}
}
