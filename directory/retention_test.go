package directory_test

import (
	"context"
	"testing"
	"time"

	"signpost"
	"signpost/directory"
)

// An archived child vanishes from search at once and from the cache of
// every practitioner who held it.
func TestArchivedChildVanishesFromSearchAndPull(t *testing.T) {
	e := newEnv(t, 30, nil)
	ctx := context.Background()
	nurse, _ := e.login("nurse")
	var p signpost.PullResponse
	e.do("GET", "/v1/sync/pull?limit=100", nurse, nil).json(t, &p)
	q := signpost.SearchRequest{FamilyName: "Fixture", DateOfBirth: "2015-03-14"}
	if s := e.search(nurse, q); len(s.Matches) != 1 {
		t.Fatalf("setup: search %+v", s)
	}
	// Jamie (born 2015-03-14) turns 18 in 2033.
	r, err := directory.Maintain(ctx, e.store, time.Date(2033, 3, 14, 0, 0, 0, 0, time.UTC))
	if err != nil || r.ArchivedAdult == 0 {
		t.Fatalf("maintenance: %+v %v", r, err)
	}
	if s := e.search(nurse, q); len(s.Matches) != 0 {
		t.Errorf("an archived child is still found: %+v", s)
	}
	var p2 signpost.PullResponse
	e.do("GET", "/v1/sync/pull?limit=100&cursor="+p.Cursor, nurse, nil).json(t, &p2)
	found := false
	for _, rm := range p2.Removals {
		found = found || (rm.SignpostID == e.jamie && rm.Reason == signpost.RemovedArchived)
	}
	if !found {
		t.Errorf("the nurse's pull has no archive removal for Jamie: %+v", p2.Removals)
	}
	for _, c := range p2.Changes {
		if c.SignpostID == e.jamie {
			t.Error("the archived child was sent as a change")
		}
	}
	// A full resync does not bring it back.
	var p3 signpost.PullResponse
	e.do("GET", "/v1/sync/pull?limit=1000", nurse, nil).json(t, &p3)
	for _, c := range p3.Changes {
		if c.SignpostID == e.jamie {
			t.Error("a full resync sent the archived child")
		}
	}
}
