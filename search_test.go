package signpost

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestPlanSearchIsTheRuleOfWhatASearchMayBe is the specification of a valid
// search, online and offline: what it needs, how each field is checked and
// what it may match on.
func TestPlanSearchIsTheRuleOfWhatASearchMayBe(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	spid := SignpostID(3)
	for _, tc := range []struct {
		name  string
		req   SearchRequest
		field string // the field an invalid search is refused on; "" if valid
		want  SearchPlan
	}{
		// What a search needs.
		{name: "family name and date of birth, day and month may be swapped",
			req:  SearchRequest{FamilyName: "Fixture", DateOfBirth: "2015-03-04"},
			want: SearchPlan{Query: Query{FamilyName: "fixture", DateOfBirth: "2015-03-04"}, DatesOfBirth: []string{"2015-03-04", "2015-04-03"}}},
		{name: "a date that cannot swap is the only one",
			req:  SearchRequest{FamilyName: "Fixture", DateOfBirth: "2015-03-14"},
			want: SearchPlan{Query: Query{FamilyName: "fixture", DateOfBirth: "2015-03-14"}, DatesOfBirth: []string{"2015-03-14"}}},
		{name: "a postcode with a date of birth is a hidden field",
			req:  SearchRequest{FamilyName: "Fixture", DateOfBirth: "2015-03-14", Postcode: "ls14ap"},
			want: SearchPlan{Query: Query{FamilyName: "fixture", DateOfBirth: "2015-03-14", Postcode: "LS1 4AP"}, DatesOfBirth: []string{"2015-03-14"}, Hidden: true}},
		{name: "every detail: the date of birth finds, the rest narrows",
			req:  SearchRequest{FamilyName: "Smith", GivenName: "Sam", DateOfBirth: "2016-01-01", Postcode: "LS6 1AA"},
			want: SearchPlan{Query: Query{FamilyName: "smith", GivenName: "sam", DateOfBirth: "2016-01-01", Postcode: "LS6 1AA"}, DatesOfBirth: []string{"2016-01-01"}, Hidden: true}},
		{name: "family name, given name and postcode",
			req:  SearchRequest{FamilyName: "Fixture", GivenName: "Jamie", Postcode: "LS1 4AP"},
			want: SearchPlan{Query: Query{FamilyName: "fixture", GivenName: "jamie", Postcode: "LS1 4AP"}, Postcode: "LS1 4AP", Hidden: true}},
		{name: "a Signpost ID alone, any case and spacing",
			req:  SearchRequest{SignpostID: " " + strings.ToLower(spid[:5]) + " " + spid[5:]},
			want: SearchPlan{SignpostID: spid, ByID: true}},
		{name: "an NHS number alone is a hidden field",
			req:  SearchRequest{NHSNumber: "943 476 5919"},
			want: SearchPlan{NHSNumber: "9434765919", ByID: true, Hidden: true}},
		{name: "a UPN alone is a hidden field",
			req:  SearchRequest{UPN: "p207000016049"},
			want: SearchPlan{UPN: "P207000016049", ByID: true, Hidden: true}},
		{name: "a Signpost ID goes before an NHS number",
			req:  SearchRequest{SignpostID: spid, NHSNumber: "9434765919"},
			want: SearchPlan{SignpostID: spid, ByID: true}},
		{name: "an identifier goes before names",
			req:  SearchRequest{FamilyName: "Fixture", DateOfBirth: "2015-03-14", UPN: "P207000016049"},
			want: SearchPlan{Query: Query{FamilyName: "fixture", DateOfBirth: "2015-03-14"}, UPN: "P207000016049", ByID: true, Hidden: true}},
		{name: "nothing", req: SearchRequest{}, field: "family_name"},
		{name: "family name alone", req: SearchRequest{FamilyName: "Smith"}, field: "date_of_birth"},
		{name: "family and given name without a postcode", req: SearchRequest{FamilyName: "Smith", GivenName: "Sam"}, field: "date_of_birth"},
		{name: "family name and postcode without a given name", req: SearchRequest{FamilyName: "Smith", Postcode: "LS1 4AP"}, field: "date_of_birth"},
		{name: "date of birth without a family name", req: SearchRequest{GivenName: "Sam", DateOfBirth: "2016-01-01"}, field: "family_name"},
		{name: "a family name of spaces is none", req: SearchRequest{FamilyName: "   ", DateOfBirth: "2016-01-01"}, field: "family_name"},

		// Names.
		{name: "names are trimmed and normalised",
			req:  SearchRequest{FamilyName: "  O'Brien-Smith ", GivenName: "Zoë", DateOfBirth: " 2016-01-01 "},
			want: SearchPlan{Query: Query{FamilyName: "obriensmith", GivenName: "zoe", DateOfBirth: "2016-01-01"}, DatesOfBirth: []string{"2016-01-01"}}},
		{name: "a family name of digits", req: SearchRequest{FamilyName: "1234", DateOfBirth: "2016-01-01"}, field: "family_name"},
		{name: "a given name of punctuation", req: SearchRequest{FamilyName: "Smith", GivenName: "--", DateOfBirth: "2016-01-01"}, field: "given_name"},
		{name: "a name at the limit, in characters",
			req:  SearchRequest{FamilyName: strings.Repeat("é", MaxNameLen), DateOfBirth: "2016-01-01"},
			want: SearchPlan{Query: Query{FamilyName: strings.Repeat("e", MaxNameLen), DateOfBirth: "2016-01-01"}, DatesOfBirth: []string{"2016-01-01"}}},
		{name: "a name over the limit", req: SearchRequest{FamilyName: strings.Repeat("a", MaxNameLen+1), DateOfBirth: "2016-01-01"}, field: "family_name"},
		{name: "a line break in a name, even at the end", req: SearchRequest{FamilyName: "Smith\n", DateOfBirth: "2016-01-01"}, field: "family_name"},
		{name: "invalid UTF-8 in a name", req: SearchRequest{FamilyName: "Sm\xffith", DateOfBirth: "2016-01-01"}, field: "family_name"},

		// Dates of birth.
		{name: "a date that does not exist", req: SearchRequest{FamilyName: "Smith", DateOfBirth: "2016-02-30"}, field: "date_of_birth"},
		{name: "a date not written YYYY-MM-DD", req: SearchRequest{FamilyName: "Smith", DateOfBirth: "14/03/2015"}, field: "date_of_birth"},
		{name: "a date in the future", req: SearchRequest{FamilyName: "Smith", DateOfBirth: "2027-01-01"}, field: "date_of_birth"},
		{name: "a date of someone too old to be held", req: SearchRequest{FamilyName: "Smith", DateOfBirth: "1990-01-01"}, field: "date_of_birth"},
		{name: "a bad date is refused even beside an identifier", req: SearchRequest{SignpostID: spid, DateOfBirth: "2016-02-30"}, field: "date_of_birth"},

		// Genders.
		{name: "a gender in any case",
			req:  SearchRequest{FamilyName: "Smith", DateOfBirth: "2016-01-01", Gender: " Female "},
			want: SearchPlan{Query: Query{FamilyName: "smith", DateOfBirth: "2016-01-01", Gender: "female"}, DatesOfBirth: []string{"2016-01-01"}}},
		{name: "an unknown gender is one", req: SearchRequest{FamilyName: "Smith", DateOfBirth: "2016-01-01", Gender: "unknown"},
			want: SearchPlan{Query: Query{FamilyName: "smith", DateOfBirth: "2016-01-01", Gender: "unknown"}, DatesOfBirth: []string{"2016-01-01"}}},
		{name: "a gender that is not one of the four", req: SearchRequest{FamilyName: "Smith", DateOfBirth: "2016-01-01", Gender: "f"}, field: "gender"},

		// Postcodes and identifiers.
		{name: "not a postcode", req: SearchRequest{FamilyName: "Smith", GivenName: "Sam", Postcode: "NOTAPOSTCODE"}, field: "postcode"},
		{name: "an overlong postcode", req: SearchRequest{FamilyName: "Smith", GivenName: "Sam", Postcode: strings.Repeat("LS1 4AP ", 3)}, field: "postcode"},
		{name: "an NHS number with a wrong check digit", req: SearchRequest{NHSNumber: "9434765918"}, field: "nhs_number"},
		{name: "a UPN with a wrong check letter", req: SearchRequest{UPN: "A207000016049"}, field: "upn"},
		{name: "a Signpost ID with a wrong check digit", req: SearchRequest{SignpostID: spid[:len(spid)-1] + "0"}, field: "signpost_id"},

		// The reason, optional, is held to the same rules everywhere.
		{name: "the reason is trimmed",
			req:  SearchRequest{SignpostID: spid, Reason: "  Health assessment "},
			want: SearchPlan{SignpostID: spid, ByID: true, Reason: "Health assessment"}},
		{name: "a reason at the limit",
			req:  SearchRequest{SignpostID: spid, Reason: strings.Repeat("é", MaxReasonLen)},
			want: SearchPlan{SignpostID: spid, ByID: true, Reason: strings.Repeat("é", MaxReasonLen)}},
		{name: "a reason over the limit", req: SearchRequest{SignpostID: spid, Reason: strings.Repeat("a", MaxReasonLen+1)}, field: "reason"},
		{name: "a reason of one letter", req: SearchRequest{SignpostID: spid, Reason: " x "}, field: "reason"},
		{name: "a reason with a line break", req: SearchRequest{SignpostID: spid, Reason: "home visit\n"}, field: "reason"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := PlanSearch(tc.req, now)
			if tc.field != "" {
				if err == nil || KindOf(err) != KindInvalid || FieldOf(err) != tc.field {
					t.Fatalf("PlanSearch(%+v) = %+v, %v; want invalid %s", tc.req, got, err, tc.field)
				}
				return
			}
			if err != nil {
				t.Fatalf("PlanSearch(%+v): %v", tc.req, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("PlanSearch(%+v)\n got %+v\nwant %+v", tc.req, got, tc.want)
			}
		})
	}
}

// TestTooFewDetailsSayWhatToAdd: the message the screen shows is the rule's.
func TestTooFewDetailsSayWhatToAdd(t *testing.T) {
	_, err := PlanSearch(SearchRequest{FamilyName: "Smith"}, time.Now())
	if msg := MessageOf(err); !strings.HasPrefix(msg, "add detail: a family name and date of birth") {
		t.Errorf("message %q", msg)
	}
}

// TestTooManyNamesOnlyTheDetailMissing: a person told "too many" is asked
// for what they have not given, not for what they have.
func TestTooManyNamesOnlyTheDetailMissing(t *testing.T) {
	for _, tc := range []struct {
		name string
		req  SearchRequest
		want string
	}{
		{"family name and date of birth", SearchRequest{FamilyName: "Smith", DateOfBirth: "2016-01-01"}, "(a given name or a postcode)"},
		{"with a given name", SearchRequest{FamilyName: "Smith", GivenName: "Sam", DateOfBirth: "2016-01-01"}, "(a postcode)"},
		{"by place", SearchRequest{FamilyName: "Smith", GivenName: "Sam", Postcode: "LS6 1AA"}, "(a date of birth)"},
		{"everything", SearchRequest{FamilyName: "Smith", GivenName: "Sam", DateOfBirth: "2016-01-01", Postcode: "LS6 1AA"}, "(an NHS number, UPN or Signpost ID)"},
		{"spaces are nothing", SearchRequest{FamilyName: "Smith", GivenName: " ", Postcode: " ", DateOfBirth: "2016-01-01"}, "(a given name or a postcode)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := TooManyMessage(tc.req); got != "Too many matches — add detail "+tc.want+" and search again." {
				t.Errorf("TooManyMessage(%+v) = %q, want %s", tc.req, got, tc.want)
			}
		})
	}
}

// TestRankOrdersCutsAndSaysTooMany is the specification of how matches are
// ranked, online and offline.
func TestRankOrdersCutsAndSaysTooMany(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	plan := func(req SearchRequest) SearchPlan {
		t.Helper()
		p, err := PlanSearch(req, now)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	child := func(n int, given, family, dob, postcode string, shielded bool) Candidate {
		return Candidate{SignpostID: SignpostID(n), GivenName: NormaliseName(given), FamilyName: NormaliseName(family), DateOfBirth: dob,
			Postcode: NormalisePostcode(postcode), Shielded: shielded, Given: given, Family: family, Gender: "female"}
	}
	smiths := func(n int, shielded int) []Candidate {
		var cs []Candidate
		for i := 1; i <= n; i++ {
			cs = append(cs, child(100+i, "Sam", "Smith", "2016-01-01", "LS6 1AA", i <= shielded))
		}
		return cs
	}
	// elsewhere is n Sam Smiths born 2016-01-01 in other places, and c.
	elsewhere := func(n int, c Candidate) []Candidate {
		var cs []Candidate
		for i := 1; i <= n; i++ {
			cs = append(cs, child(100+i, "Sam", "Smith", "2016-01-01", "M14 5AB", false))
		}
		return append(cs, c)
	}
	byDOB := plan(SearchRequest{FamilyName: "Smith", DateOfBirth: "2016-01-01"})
	byPlace := plan(SearchRequest{FamilyName: "Smith", GivenName: "Sam", Postcode: "LS6 1AA"})
	for _, tc := range []struct {
		name    string
		plan    SearchPlan
		cands   []Candidate
		limit   int
		want    []string // Signpost IDs in order
		tooMany bool
	}{
		{name: "best first, ties by Signpost ID", plan: plan(SearchRequest{FamilyName: "Fixture", DateOfBirth: "2015-03-14"}),
			cands: []Candidate{child(9, "Jamie", "Fixtrue", "2015-03-14", "", false), child(7, "Riley", "Fixture", "2015-03-14", "", false),
				child(5, "Jamie", "Fixture", "2015-03-14", "", false)},
			limit: MaxMatches, want: []string{SignpostID(5), SignpostID(7), SignpostID(9)}},
		{name: "below the threshold is no match", plan: byDOB,
			cands: []Candidate{child(1, "Sam", "Smith", "2016-01-01", "", false), child(2, "Sam", "Jones", "2016-01-01", "", false),
				child(3, "Sam", "Smith", "2010-06-30", "", false)},
			limit: MaxMatches, want: []string{SignpostID(1)}},
		{name: "an identifier matches whatever the names", plan: plan(SearchRequest{SignpostID: SignpostID(4), FamilyName: "Nobody"}),
			cands: []Candidate{child(4, "Jamie", "Fixture", "2015-03-14", "", false)}, limit: MaxMatches, want: []string{SignpostID(4)}},
		{name: "a shielded child is found through visible fields", plan: byDOB,
			cands: smiths(1, 1), limit: MaxMatches, want: []string{SignpostID(101)}},
		{name: "a shielded child is never found through a hidden field", plan: byPlace,
			cands: smiths(2, 1), limit: MaxMatches, want: []string{SignpostID(102)}},
		{name: "nor through its NHS number", plan: plan(SearchRequest{NHSNumber: "9434765919"}),
			cands: smiths(1, 1), limit: MaxMatches},
		{name: "exactly the limit is shown", plan: byDOB, cands: smiths(MaxMatches, 0), limit: MaxMatches,
			want: []string{SignpostID(101), SignpostID(102), SignpostID(103), SignpostID(104), SignpostID(105), SignpostID(106),
				SignpostID(107), SignpostID(108), SignpostID(109), SignpostID(110)}},
		{name: "one past the limit is too many and shows none", plan: byDOB, cands: smiths(MaxMatches+1, 0), limit: MaxMatches, tooMany: true},
		{name: "children a search may not find do not count towards too many", plan: byPlace, cands: smiths(MaxMatches+1, 1), limit: MaxMatches,
			want: []string{SignpostID(102), SignpostID(103), SignpostID(104), SignpostID(105), SignpostID(106), SignpostID(107),
				SignpostID(108), SignpostID(109), SignpostID(110), SignpostID(111)}},
		{name: "no candidates", plan: byDOB, limit: MaxMatches},
		{name: "a postcode beside the date of birth narrows too many to the child who lives there",
			plan:  plan(SearchRequest{FamilyName: "Smith", GivenName: "Sam", DateOfBirth: "2016-01-01", Postcode: "LS6 1AA"}),
			cands: elsewhere(MaxMatches+1, child(200, "Sam", "Smith", "2016-01-01", "LS6 1AA", false)), limit: MaxMatches,
			want: []string{SignpostID(200)}},
		{name: "a given name beside the date of birth narrows too many to the child of that name",
			plan:  plan(SearchRequest{FamilyName: "Smith", GivenName: "Alex", DateOfBirth: "2016-01-01"}),
			cands: append(smiths(MaxMatches+1, 0), child(200, "Alex", "Smith", "2016-01-01", "LS6 1AA", false)), limit: MaxMatches,
			want: []string{SignpostID(200)}},
		{name: "more than the limit agreeing with every detail is still too many",
			plan:  plan(SearchRequest{FamilyName: "Smith", GivenName: "Sam", DateOfBirth: "2016-01-01", Postcode: "LS6 1AA"}),
			cands: smiths(MaxMatches+1, 0), limit: MaxMatches, tooMany: true},
		{name: "too many with none agreeing with every detail is too many",
			plan:  plan(SearchRequest{FamilyName: "Smith", GivenName: "Sam", DateOfBirth: "2016-01-01", Postcode: "BD1 1AA"}),
			cands: smiths(MaxMatches+1, 0), limit: MaxMatches, tooMany: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms, tooMany := Rank(tc.plan, tc.cands, tc.limit)
			var got []string
			for _, m := range ms {
				got = append(got, m.SignpostID)
				if m.Score < MatchThreshold || m.Score > 1 {
					t.Errorf("%s scored %v", m.SignpostID, m.Score)
				}
			}
			if tooMany != tc.tooMany || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Rank = %v, too many %v; want %v, too many %v", got, tooMany, tc.want, tc.tooMany)
			}
		})
	}
	// A match carries the identity as written, not as normalised.
	ms, _ := Rank(byDOB, []Candidate{child(1, "Sam", "Smith", "2016-01-01", "LS6 1AA", false)}, MaxMatches)
	want := Match{SignpostID: SignpostID(1), GivenName: "Sam", FamilyName: "Smith", DateOfBirth: "2016-01-01", Gender: "female", Score: 1}
	if len(ms) != 1 || ms[0] != want {
		t.Errorf("match %+v, want %+v", ms, want)
	}
}
