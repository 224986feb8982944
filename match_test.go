package signpost_test

import (
	"testing"

	"signpost"
)

func TestSoundex(t *testing.T) {
	for in, want := range map[string]string{
		"robert": "R163", "rupert": "R163", "ashcraft": "A261", "tymczak": "T522",
		"pfister": "P236", "smith": "S530", "smyth": "S530", "lee": "L000",
	} {
		if got := signpost.Soundex(in); got != want {
			t.Errorf("Soundex(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"smith", "smith", 0}, {"smith", "smiht", 1}, {"smith", "smth", 1},
		{"smith", "smyth", 1}, {"fixture", "fixtrue", 1}, {"jones", "smith", 3},
	} {
		if got := signpost.EditDistance(tc.a, tc.b, 2); got != min(tc.want, 3) {
			t.Errorf("EditDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestScoreToleratesTyposVariantsAndSwaps(t *testing.T) {
	jamie := signpost.Candidate{SignpostID: "x", GivenName: "jamie", FamilyName: "fixture", DateOfBirth: "2015-03-04", Gender: "male", Postcode: "LS1 4AP"}
	for _, tc := range []struct {
		name  string
		q     signpost.Query
		match bool
	}{
		{"exact family and dob", signpost.Query{FamilyName: "fixture", DateOfBirth: "2015-03-04"}, true},
		{"typo in family", signpost.Query{FamilyName: "fixtrue", DateOfBirth: "2015-03-04"}, true},
		{"day and month swapped", signpost.Query{FamilyName: "fixture", DateOfBirth: "2015-04-03"}, true},
		{"name variant", signpost.Query{GivenName: "james", FamilyName: "fixture", DateOfBirth: "2015-03-04"}, true},
		{"family, given, postcode", signpost.Query{GivenName: "jamie", FamilyName: "fixture", Postcode: "LS1 4AP"}, true},
		{"other family", signpost.Query{FamilyName: "jones", DateOfBirth: "2015-03-04"}, false},
		{"other date", signpost.Query{FamilyName: "fixture", DateOfBirth: "2011-09-20"}, false},
		{"other given and postcode", signpost.Query{GivenName: "zara", FamilyName: "fixture", Postcode: "M1 1AE"}, false},
	} {
		s := signpost.Score(tc.q, jamie)
		if (s >= signpost.MatchThreshold) != tc.match {
			t.Errorf("%s: score %.3f, want match=%v", tc.name, s, tc.match)
		}
	}
}
