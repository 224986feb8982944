package population

import (
	"io"
	"math"
	"strings"
	"testing"
)

// TestScoreLinkageDecidesReviewAsAPersonWould scores a review row linked
// to the candidate holding its person, one whose only candidate holds
// another person left a child of its own, and a merge followed.
func TestScoreLinkageDecidesReviewAsAPersonWould(t *testing.T) {
	truth := "feed,line,person\n" +
		"births,2,1\nbirths,3,2\n" +
		"school,2,1\nschool,3,3\nschool,4,2\nschool,5,1\n" +
		"gp,2,2\n"
	outcomes := map[string]io.Reader{
		"births": strings.NewReader("line,outcome,signpost_id,candidates\n2,created,A,\n3,created,B,\n"),
		// line 2: the right child among two; 3: only a wrong one; 4: none
		// kept; 5: matched a child since merged into A.
		"school": strings.NewReader("line,outcome,signpost_id,candidates\n2,review,,B A\n3,review,,A\n4,review,,\n5,matched,C,\n"),
		// An outcomes file written before candidates were kept.
		"gp": strings.NewReader("line,outcome,signpost_id\n2,matched,B\n"),
	}
	l, err := ScoreLinkage(strings.NewReader(truth), outcomes, func(id string) string {
		if id == "C" {
			return "A"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	// Person 1 has three rows (3 pairs), person 2 three (3), person 3 one.
	// Automatically: A holds births 2 and school 5 (1 right pair), B births
	// 3 and GP 2 (1). Review decided: school 2 joins A (2 more).
	want := Linkage{Rows: 7, Linked: 2, True: 6, Correct: 2, Precision: 1, Recall: 2.0 / 6, Unlinked: 3, Review: 3,
		ReviewRight: 1, PrecisionWithReview: 1, RecallWithReview: 4.0 / 6}
	if l.Rows != want.Rows || l.Linked != want.Linked || l.True != want.True || l.Correct != want.Correct ||
		l.Unlinked != want.Unlinked || l.Review != want.Review || l.ReviewRight != want.ReviewRight || l.FalseMerges != 0 {
		t.Errorf("got %+v\nwant %+v", *l, want)
	}
	for _, f := range []struct {
		name      string
		got, want float64
	}{{"precision", l.Precision, want.Precision}, {"recall", l.Recall, want.Recall},
		{"precision with review", l.PrecisionWithReview, want.PrecisionWithReview}, {"recall with review", l.RecallWithReview, want.RecallWithReview}} {
		if math.Abs(f.got-f.want) > 1e-9 {
			t.Errorf("%s %.4f, want %.4f", f.name, f.got, f.want)
		}
	}
}
