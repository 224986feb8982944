package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"signpost"
)

func TestSearchSaysWhatDetailIsMissing(t *testing.T) {
	h := newHarness(t, readyFake())
	s := h.app.home.search
	cases := []struct {
		name string
		fill func()
		want string
	}{
		{"nothing", func() {}, "Add detail: a family name and date of birth"},
		{"family name alone", func() { h.typeIn(s.family, "Smith") }, "Add detail"},
		{"impossible date", func() { h.typeIn(s.family, "Smith"); h.typeIn(s.dob, "2016-02-30") }, "The date of birth must be a real date, written like 14/03/2015, 14 Mar 2015 or 2015-03-14."},
		{"bad postcode", func() { h.typeIn(s.family, "Smith"); h.typeIn(s.given, "Sam"); h.typeIn(s.postcode, "NOTAPOSTCODE") }, "is not a UK postcode"},
		{"bad NHS number", func() { h.typeIn(s.nhs, "1234567890") }, "not a valid NHS number"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, e := range []interface{ SetText(string) }{s.family, s.given, s.dob, s.postcode, s.nhs, s.upn, s.spid, s.reason} {
				e.SetText("")
			}
			c.fill()
			h.tap(s.submit)
			if !strings.Contains(s.result.Text, c.want) {
				t.Errorf("message %q, want %q", s.result.Text, c.want)
			}
			if h.fake.called("Search") {
				t.Fatal("an incomplete search was sent")
			}
		})
	}
}

func TestSearchShowsAtMostTenMatchesOrTooMany(t *testing.T) {
	f := readyFake()
	f.search = func(req signpost.SearchRequest) (SearchResult, error) {
		if req.FamilyName == "Smith" {
			return SearchResult{TooMany: true}, nil
		}
		return SearchResult{Matches: []signpost.Match{
			{SignpostID: "SP000000018", GivenName: "Jamie", FamilyName: "Fixture", DateOfBirth: "2015-03-14", Gender: "male"},
			{SignpostID: "SP000000026", GivenName: "Riley", FamilyName: "Shielded", DateOfBirth: "2012-07-01", Gender: "female", Shielded: true},
		}}, nil
	}
	h := newHarness(t, f)
	s := h.app.home.search
	h.typeIn(s.family, "Smith")
	h.typeIn(s.dob, "2016-01-01")
	s.dob.TypedKey(&fyneKeyReturn)
	h.settle()
	if s.result.Text != "Too many matches — add detail (a given name or a postcode) and search again." || s.list.Length() != 0 {
		t.Errorf("too many: %q, %d rows", s.result.Text, s.list.Length())
	}
	h.typeIn(s.family, "Fixtrue")
	h.typeIn(s.dob, "2015-03-14")
	h.typeIn(s.reason, "Health assessment")
	h.tap(s.submit)
	if s.list.Length() != 2 || !strings.HasPrefix(s.result.Text, "2 matches.") {
		t.Fatalf("matches: %q, %d rows", s.result.Text, s.list.Length())
	}
	if s.offline.box.Visible() {
		t.Error("offline banner shown online")
	}
	row := newMatchRow().(*matchRow)
	s.updateRow(1, row)
	if !row.shielded.Visible() || row.text.String() != "Shielded, RileyBorn 1 Jul 2012 · Female · SP000000026" {
		t.Errorf("row %q shielded %v", row.text.String(), row.shielded.Visible())
	}
	s.list.Select(0)
	h.settle()
	if !f.called(`ViewChild SP000000018 "Health assessment"`) {
		t.Errorf("the search's reason was not given with the view: %v", f.calls)
	}
}

func TestOfflineSearchSaysOnlyTheCacheWasSearched(t *testing.T) {
	f := readyFake()
	f.search = func(signpost.SearchRequest) (SearchResult, error) {
		return SearchResult{Offline: true, Matches: []signpost.Match{{SignpostID: "SP000000018", GivenName: "Jamie", FamilyName: "Fixture", DateOfBirth: "2015-03-14"}}}, nil
	}
	h := newHarness(t, f)
	h.app.home.selectTab(tabSearch)
	s := h.app.home.search
	h.typeIn(s.family, "Fixture")
	h.typeIn(s.dob, "2015-03-14")
	h.tap(s.submit)
	if !s.offline.box.Visible() {
		t.Fatal("no offline banner")
	}
	h.contains("You are offline: only the children kept on this laptop were searched.")
}

// TestSearchReadsADateOfBirthAsTheAppWritesIt: "14 Mar 2015" (as the app
// shows dates) and "14/03/2015" are sent as 2015-03-14.
func TestSearchReadsADateOfBirthAsTheAppWritesIt(t *testing.T) {
	for _, typed := range []string{"14 Mar 2015", "14/03/2015", "2015-03-14"} {
		t.Run(typed, func(t *testing.T) {
			f := readyFake()
			var sent string
			f.search = func(req signpost.SearchRequest) (SearchResult, error) {
				sent = req.DateOfBirth
				return SearchResult{}, nil
			}
			h := newHarness(t, f)
			s := h.app.home.search
			h.typeIn(s.family, "Fixture")
			h.typeIn(s.dob, typed)
			h.tap(s.submit)
			if sent != "2015-03-14" {
				t.Errorf("typed %q, sent date of birth %q (result %q)", typed, sent, s.result.Text)
			}
		})
	}
}

func TestCtrlFOpensSearchWithTheCursorInFamilyName(t *testing.T) {
	h := newHarness(t, readyFake())
	c := h.app.Window().Canvas()
	c.(fyne.Shortcutable).TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault})
	if !h.app.home.selected(tabSearch) || c.Focused() != h.app.home.search.family {
		t.Error("Ctrl+F did not open the search with the family name focused")
	}
}
