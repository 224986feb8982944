package directory_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"signpost"
	"signpost/directory"
	"signpost/directory/demo"
	"signpost/directory/population"
)

// Searches answered from the in-memory index find exactly what the store's
// indexes find, and see every change at once.
func TestInMemorySearchIndexAgreesWithTheStore(t *testing.T) {
	e := newEnv(t, 3000, nil)
	ctx := context.Background()
	token, _ := e.login("social")
	gen := population.New(demo.PopulationSeed, e.clock.Now())
	var queries []signpost.SearchRequest
	for i := 0; i < 120; i++ {
		c := gen.Next(20 + i*23)
		ty, _ := gen.Typo(c)
		queries = append(queries,
			signpost.SearchRequest{FamilyName: c.FamilyName, DateOfBirth: c.DateOfBirth},
			signpost.SearchRequest{GivenName: ty.GivenName, FamilyName: ty.FamilyName, DateOfBirth: ty.DateOfBirth},
			signpost.SearchRequest{GivenName: c.GivenName, FamilyName: c.FamilyName, Postcode: c.Postcode})
	}
	queries = append(queries, signpost.SearchRequest{FamilyName: "Smith", DateOfBirth: "2016-01-01"},
		signpost.SearchRequest{GivenName: "Riley", FamilyName: "Shielded", DateOfBirth: "2012-07-01"},
		signpost.SearchRequest{GivenName: "Riley", FamilyName: "Shielded", Postcode: "LS2 9JT"})
	answers := func() []string {
		var out []string
		for _, q := range queries {
			out = append(out, fmt.Sprintf("%+v", e.search(token, q)))
		}
		return out
	}
	before := answers()
	if err := e.store.BuildSearchIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if n, ok := e.store.SearchIndexSize(); !ok || n < 3000 {
		t.Fatalf("index of %d children", n)
	}
	after := answers()
	found := 0
	for i := range before {
		if before[i] != after[i] {
			t.Errorf("%+v: store %s, index %s", queries[i], before[i], after[i])
		}
		if len(after[i]) > len("{Matches:[] TooMany:false}") {
			found++
		}
	}
	if found < len(queries)/2 {
		t.Errorf("only %d of %d searches found anything: the comparison proves little", found, len(queries))
	}
	// Changes show at once: a new child, a shielding, an archiving.
	ola := signpost.Child{SignpostID: signpost.SignpostID(99999990), GivenName: "Ola", FamilyName: "Swapwell", DateOfBirth: "2014-04-03", Gender: "female", Postcode: "LS7 1AA", Authority: "Leeds"}
	if err := e.store.CreateChild(ctx, &ola); err != nil {
		t.Fatal(err)
	}
	if s := e.search(token, signpost.SearchRequest{FamilyName: "Swapwell", DateOfBirth: "2014-03-04"}); len(s.Matches) != 1 {
		t.Errorf("a new child is not found at once: %+v", s)
	}
	if err := e.store.SetShield(ctx, ola.SignpostID, &directory.Shield{Reason: "r", ReviewDate: "2030-01-01", By: "m", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if s := e.search(token, signpost.SearchRequest{GivenName: "Ola", FamilyName: "Swapwell", Postcode: "LS7 1AA"}); len(s.Matches) != 0 {
		t.Errorf("a shielded child is found by postcode: %+v", s)
	}
	if s := e.search(token, signpost.SearchRequest{FamilyName: "Swapwell", DateOfBirth: "2014-04-03"}); len(s.Matches) != 1 || !s.Matches[0].Shielded {
		t.Errorf("a shielded child by its visible fields: %+v", s)
	}
	if _, err := directory.Maintain(ctx, e.store, time.Date(2033, 3, 14, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if s := e.search(token, signpost.SearchRequest{FamilyName: "Fixture", DateOfBirth: "2015-03-14"}); len(s.Matches) != 0 {
		t.Errorf("an archived child is found: %+v", s)
	}
}
