package directory_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"signpost"
	"signpost/directory"
	"signpost/directory/importer"
)

// A merge re-points involvements, propagates shielding, and the merged
// record's removal reaches the practitioner's pull.
func TestMergeRepointsInvolvementsShieldsAndReachesPull(t *testing.T) {
	e := newEnv(t, 30, nil)
	ctx := context.Background()
	// A second record of Jamie, made by a census row, shielded since.
	dup := signpost.Child{SignpostID: signpost.SignpostID(90000001), GivenName: "Jamie", FamilyName: "Fixtur", DateOfBirth: "2015-03-14", Gender: "male",
		Postcode: "LS1 4AP", Authority: "Leeds", UPN: "P207000016049"}
	if err := e.store.CreateChild(ctx, &dup); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.AddInvolvement(ctx, dup.SignpostID, "social", signpost.Involvement{Role: "Social worker", StartedOn: "2025-01-01"}); err != nil {
		t.Fatal(err)
	}
	if err := e.store.SetShield(ctx, dup.SignpostID, &directory.Shield{Reason: "refuge", ReviewDate: "2026-01-01", By: "manager", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	social, _ := e.login("social")
	var p signpost.PullResponse
	e.do("GET", "/v1/sync/pull", social, nil).json(t, &p)
	var cursor string
	for {
		has := false
		for _, c := range p.Changes {
			has = has || c.SignpostID == dup.SignpostID
		}
		if !has {
			t.Fatalf("setup: social's caseload %+v lacks the duplicate", p.Changes)
		}
		cursor = p.Cursor
		if !p.More {
			break
		}
		e.do("GET", "/v1/sync/pull?cursor="+cursor, social, nil).json(t, &p)
	}
	nurse, _ := e.login("nurse")
	var np signpost.PullResponse
	e.do("GET", "/v1/sync/pull", nurse, nil).json(t, &np)

	if err := importer.Merge(ctx, e.store, dup.SignpostID, e.jamie, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	j, _ := e.store.Child(ctx, e.jamie)
	if !j.Shielded {
		t.Error("the survivor is not shielded, though the merged record was")
	}
	social2 := 0
	for _, inv := range j.Involvements {
		if inv.Username == "social" && inv.Active() {
			social2++
		}
	}
	if social2 != 1 {
		t.Errorf("social's involvement was not re-pointed: %+v", j.Involvements)
	}
	r := e.do("GET", "/v1/sync/pull?cursor="+cursor, social, nil)
	r.json(t, &p)
	var removed *signpost.Removal
	for i := range p.Removals {
		if p.Removals[i].SignpostID == dup.SignpostID {
			removed = &p.Removals[i]
		}
	}
	if removed == nil || removed.Reason != signpost.RemovedMerged || removed.MergedInto != e.jamie {
		t.Errorf("social's pull after the merge: removals %+v", p.Removals)
	}
	for _, c := range p.Changes {
		if c.SignpostID == dup.SignpostID {
			t.Errorf("the merged record was sent again: %+v", c)
		}
		if c.SignpostID == e.jamie && (!c.Shielded || c.Address != "") {
			t.Errorf("the survivor was sent unredacted: %+v", c)
		}
	}
	// The nurse held Jamie unshielded: her cache purges it.
	e.do("GET", "/v1/sync/pull?cursor="+np.Cursor, nurse, nil).json(t, &np)
	purged := false
	for _, rm := range np.Removals {
		purged = purged || (rm.SignpostID == e.jamie && rm.Reason == signpost.RemovedShielded)
	}
	if !purged {
		t.Errorf("the nurse's pull did not purge the now-shielded survivor: %+v", np.Removals)
	}
	if got := e.do("GET", "/v1/children/"+dup.SignpostID+"?reason=check", social, nil); got.status != 404 || !bytes.Contains(got.body, []byte(e.jamie)) {
		t.Errorf("opening the merged record: %d %s", got.status, got.body)
	}
}
