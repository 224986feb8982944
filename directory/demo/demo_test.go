package demo_test

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"signpost"
	"signpost/directory"
	"signpost/directory/demo"
	"signpost/directory/population"
	"signpost/directory/sqlcipher"
)

// openStore opens an encrypted directory store in t.TempDir(), closed at the
// end of the test.
func openStore(t *testing.T) *sqlcipher.Store {
	t.Helper()
	st, err := sqlcipher.Open(context.Background(), filepath.Join(t.TempDir(), "directory.db"), bytes.Repeat([]byte{3}, 32))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// seed seeds st with the demo and no generated children.
func seed(t *testing.T, st directory.Store) {
	t.Helper()
	if err := demo.Seed(context.Background(), st, 0, time.Now(), directory.PasswordParams{Memory: 1024, Time: 1, Threads: 1}); err != nil {
		t.Fatal(err)
	}
}

func TestFixturesFindTheSeededChildren(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	if _, err := demo.Fixtures(ctx, st); signpost.KindOf(err) != signpost.KindNotFound {
		t.Errorf("fixtures of a store not seeded: %v, want NotFound", err)
	}
	seed(t, st)
	fx, err := demo.Fixtures(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		id   string
		want signpost.Child
	}{{fx.Jamie, demo.Jamie}, {fx.Riley, demo.Riley}} {
		got, err := st.Child(ctx, c.id)
		if err != nil || got.GivenName != c.want.GivenName || got.FamilyName != c.want.FamilyName || got.Shielded != c.want.Shielded {
			t.Errorf("fixture %s: %+v %v, want %s %s", c.id, got, err, c.want.GivenName, c.want.FamilyName)
		}
	}
	if len(fx.SamSmiths) != 12 {
		t.Errorf("%d Sam Smiths, want 12", len(fx.SamSmiths))
	}
}

// TestEveryDemoFixturesPostcodeAreaMatchesItsTown proves the named children
// live where their postcode says: the postcode area is one of their
// authority's, the address's town is that authority, and the school and GP
// are that authority's (a Sam Smith once read "…, Newcastle upon Tyne, LS6 1AA").
func TestEveryDemoFixturesPostcodeAreaMatchesItsTown(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	seed(t, st)
	fx, err := demo.Fixtures(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	auths := map[string]population.Authority{}
	for _, a := range population.Authorities() {
		auths[a.Name] = a
	}
	// Which authority a generated school or GP belongs to (the hand-made
	// fixtures' own settings are in none).
	home := map[string]string{}
	for _, a := range auths {
		for _, s := range append(slices.Clone(a.Schools), a.GPs...) {
			home[s.Code] = a.Name
		}
	}
	elsewhere := func(s *signpost.Setting, authority string) bool {
		if s == nil {
			return false
		}
		at, ok := home[s.Code]
		return ok && at != authority
	}
	for _, id := range append([]string{fx.Jamie, fx.Riley}, fx.SamSmiths...) {
		c, err := st.Child(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		a, ok := auths[c.Authority]
		if !ok {
			t.Errorf("%s %s: no authority %q", c.FullName(), c.Postcode, c.Authority)
			continue
		}
		area := strings.TrimRightFunc(strings.Fields(c.Postcode)[0], unicode.IsDigit)
		if !slices.Contains(a.PostcodeAreas, area) {
			t.Errorf("%s: postcode %s is not in %s (areas %v)", c.FullName(), c.Postcode, a.Name, a.PostcodeAreas)
		}
		if i := strings.LastIndex(c.Address, ", "); i >= 0 && c.Address[i+2:] != a.Name {
			t.Errorf("%s: address %q, postcode %s, authority %s", c.FullName(), c.Address, c.Postcode, a.Name)
		}
		if elsewhere(c.School, a.Name) {
			t.Errorf("%s in %s goes to %s, a school elsewhere", c.FullName(), a.Name, c.School.Name)
		}
		if elsewhere(c.GP, a.Name) {
			t.Errorf("%s in %s is registered with %s, a GP elsewhere", c.FullName(), a.Name, c.GP.Name)
		}
	}
}

// The demo gives Leeds' management team three records to review and one
// escalated break-glass alert, once however often it is seeded.
func TestSeedManagementWorkGivesLeedsSomethingToDoOnce(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	seed(t, st)
	for range 2 {
		if err := demo.SeedManagementWork(ctx, st, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	items, err := st.Reviews(ctx, directory.ReviewFilter{Authority: "Leeds", Status: directory.ReviewOpen})
	if err != nil || len(items) != 3 {
		t.Fatalf("Leeds' review items: %d, %v", len(items), err)
	}
	fx, _ := demo.Fixtures(ctx, st)
	for _, it := range items {
		for _, c := range it.Candidates {
			if ch, err := st.Child(ctx, c.SignpostID); err != nil || ch.Authority != "Leeds" {
				t.Errorf("item %d's candidate %s: %+v %v", it.ID, c.SignpostID, ch, err)
			}
		}
	}
	als, err := st.Alerts(ctx, directory.AlertFilter{Authority: "Leeds", Limit: 10})
	if err != nil || len(als) != 1 || als[0].ChildID != fx.Riley || time.Since(als[0].At) < 24*time.Hour {
		t.Fatalf("Leeds' alerts: %+v, %v", als, err)
	}
	evs, err := st.AuditForChild(ctx, fx.Riley)
	if err != nil || !slices.ContainsFunc(evs, func(e directory.AuditEvent) bool { return e.Action == "break_glass" }) {
		t.Errorf("the alert's break-glass is not in Riley's audit: %v", err)
	}
}
