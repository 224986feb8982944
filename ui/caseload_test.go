package ui

import (
	"testing"

	"signpost"
)

// readyFake is a practitioner's unlocked app with Jamie (on the caseload,
// CAF, a change waiting) and Riley (shielded, redacted).
func readyFake() *fake {
	f := newFake(StageReady)
	f.cases = []Case{
		{ID: "SP000000018", GivenName: "Jamie", FamilyName: "Fixture", DateOfBirth: "2015-03-14", CAF: true, Pending: true},
		{ID: "SP000000026", GivenName: "Riley", FamilyName: "Shielded", DateOfBirth: "2012-07-01", Shielded: true},
		{ID: "SP000000034", GivenName: "Sam", FamilyName: "Smith", DateOfBirth: "2016-01-01", Lead: true},
	}
	f.records["SP000000018"] = &Record{Child: jamie(), OnCaseload: true, FromCache: true,
		Pending: []Change{{ID: "m1", ChildID: "SP000000018", Description: "Record a CAF for Jamie Fixture", State: ChangePending}}}
	f.records["SP000000026"] = &Record{Child: riley(), OnCaseload: true, FromCache: true}
	return f
}

func TestCaseloadListsChildrenWithTheirBadges(t *testing.T) {
	h := newHarness(t, readyFake())
	s := h.app.home.caseload
	if s.list.Length() != 3 {
		t.Fatalf("%d rows, want 3", s.list.Length())
	}
	h.contains("3 children", "Fixture, Jamie", "Born 14 Mar 2015 · SP000000018")
	want := map[string]map[string]bool{
		"SP000000018": {badgeCAF: true, badgePending: true},
		"SP000000026": {badgeShielded: true},
		"SP000000034": {badgeLead: true},
	}
	for i, c := range s.cases {
		row := newCaseRow().(*caseRow)
		s.updateRow(i, row)
		for name, b := range row.badges {
			if b.Visible() != want[c.ID][name] {
				t.Errorf("%s: badge %q visible %v", c.ID, name, b.Visible())
			}
		}
	}
}

func TestCaseloadFilterAsksTheCacheAndSaysWhenNothingMatches(t *testing.T) {
	h := newHarness(t, readyFake())
	s := h.app.home.caseload
	h.typeIn(s.filter, "rile")
	h.settle()
	if !h.fake.called(`Caseload "rile"`) || len(s.cases) != 1 || s.cases[0].ID != "SP000000026" {
		t.Fatalf("filter: %v, calls %v", s.cases, h.fake.calls)
	}
	s.filter.TypedKey(&fyneKeyReturn)
	h.settle()
	if s.child.rec == nil || s.child.rec.Child.SignpostID != "SP000000026" {
		t.Fatal("Enter with one child left did not open the record")
	}
	h.typeIn(s.filter, "nobody")
	h.settle()
	if s.count.Text != "No child on your caseload matches “nobody”." {
		t.Errorf("count %q", s.count.Text)
	}
}

func TestCaseloadErrorIsShownInPlainWords(t *testing.T) {
	f := readyFake()
	f.errs["Caseload"] = signpost.Internal("reading your caseload", errSQL)
	h := newHarness(t, f)
	if h.app.lastError != "Something went wrong while reading your caseload. If it happens again, tell your IT service the time it happened." {
		t.Errorf("error shown as %q", h.app.lastError)
	}
	h.lacks("SQLITE", "no such table")
}
