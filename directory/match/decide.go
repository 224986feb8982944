package match

import (
	"sort"

	"signpost"
)

// Thresholds of a probabilistic match. At or above Confident a record is the
// child; from Possible up to Confident a person must decide; below Possible
// it is a child not yet held. They are the search's thresholds, so a record
// the import calls the same child is one a practitioner's search would
// return first.
const (
	Confident = signpost.ConfidentThreshold
	Possible  = signpost.MatchThreshold
)

// Record is a feed record's identity. Names as written; the rest normalised.
type Record struct {
	GivenName, FamilyName string
	DateOfBirth           string
	Gender                string
	Postcode              string
	NHSNumber             string
	UPN                   string
}

// Outcome of matching a record.
type Outcome int

// Outcomes.
const (
	None   Outcome = iota // no child held is this one
	Same                  // the record is this child
	Review                // a person must decide
)

// Scored is a candidate with its score.
type Scored struct {
	Identity
	Score float64
	// Comparison is each field's level and weight (the FS model only; issue 15).
	Comparison *Comparison
}

// Decision is what Match decided, and why.
type Decision struct {
	Outcome Outcome
	// Child is the matched child (Same).
	Child Identity
	// ByIdentifier is true when the NHS number or UPN decided it.
	ByIdentifier bool
	Score        float64
	// Candidates are the children a reviewer chooses from, best first.
	Candidates []Scored
	// Reason says, without naming anyone, why a person must decide.
	Reason string
	// Issue 15, the FS model: the best candidate's comparison (nil if
	// none) and how many children blocking compared.
	Comparison *Comparison
	Compared   int
	// Nearest are, for a person asking why (ExplainFS), the closest
	// children compared when none reached review.
	Nearest []Scored
}

// filterGiven is off only in the test that checks it changes no decision.
var filterGiven = true

// MaxReviewCandidates is the most candidates a review item lists.
const MaxReviewCandidates = 5

// Match decides whether a record is a child the index holds: on its NHS
// number or UPN if a child holds one, otherwise on its details. A shielded
// child is never matched on details without a person deciding.
func (x *Index) Match(r Record) Decision {
	if c, ok := x.ByNHSNumber(r.NHSNumber); ok {
		return Decision{Outcome: Same, Child: c, ByIdentifier: true, Score: 1}
	}
	if c, ok := x.ByUPN(r.UPN); ok {
		if r.NHSNumber != "" && c.NHSNumber != "" {
			// The NHS number is held by no one, and this child has another.
			return Decision{Outcome: Review, Candidates: []Scored{{Identity: c, Score: 1}}, Reason: "the UPN belongs to a child with a different NHS number"}
		}
		return Decision{Outcome: Same, Child: c, ByIdentifier: true, Score: 1}
	}
	return x.MatchDetails(r, 0)
}

// MatchDetails matches a record on its names, date of birth, gender and
// postcode alone, leaving out the child with serial except (0 for none).
// Children whose NHS number or UPN differs from the record's are never
// candidates.
func (x *Index) MatchDetails(r Record, except int) Decision {
	q := signpost.Query{GivenName: signpost.NormaliseName(r.GivenName), FamilyName: signpost.NormaliseName(r.FamilyName),
		DateOfBirth: r.DateOfBirth, Gender: r.Gender, Postcode: r.Postcode}
	if q.FamilyName == "" || (q.DateOfBirth == "" && q.Postcode == "") {
		return Decision{Outcome: None}
	}
	// A record with an NHS number can be, by its details, only a child who
	// has none (one who has it was found by the number), so only those are
	// read: at national scale, a few per date of birth instead of
	// thousands. A child with another UPN is read, and held for review if
	// the details match it confidently.
	k := Keys{Postcode: q.Postcode, FamilyName: q.FamilyName, WithoutNHS: r.NHSNumber != ""}
	if q.DateOfBirth != "" {
		k.DatesOfBirth = []string{q.DateOfBirth}
		if sw, ok := signpost.SwapDayMonth(q.DateOfBirth); ok {
			k.DatesOfBirth = append(k.DatesOfBirth, sw)
		}
	}
	var hits []Scored
	var otherUPN []Scored
	upn := packUPN(r.UPN)
	// A child with another given name is kept below (for review) only at
	// the record's own postcode; the rest are left out before scoring, on
	// the given names that can score (found as family names are).
	var keep func(given uint32, pc uint64) bool
	if len(q.GivenName) > 1 && filterGiven {
		given, pc := x.givens.compatible(q.GivenName), packPostcode(q.Postcode)
		keep = func(g uint32, p uint64) bool {
			return g == 0 || given.has(&x.givens, g) || (pc != 0 && p == pc)
		}
	}
	x.scan(k, keep, func(i uint32) bool {
		e := x.at(i)
		if int(e.serial) == except {
			return true
		}
		cand := x.candidate(i)
		s := signpost.Score(q, cand)
		if s < Possible {
			return true
		}
		if upn != 0 && e.upn != 0 && e.upn != upn {
			if s >= Confident {
				otherUPN = append(otherUPN, Scored{Identity: x.identity(i), Score: s})
			}
			return true
		}
		if q.GivenName != "" && cand.GivenName != "" && signpost.NameScore(q.GivenName, cand.GivenName) == 0 &&
			!(len(q.GivenName) == 1 && cand.GivenName[0] == q.GivenName[0]) {
			// Another given name: a sibling (a twin, if the rest agrees),
			// never the same child without a person deciding.
			if q.Postcode == "" || q.Postcode != cand.Postcode {
				return true
			}
			s = min(s, Confident-0.001)
		}
		hits = append(hits, Scored{Identity: x.identity(i), Score: s})
		return true
	})
	if len(otherUPN) > 0 {
		return Decision{Outcome: Review, Candidates: otherUPN[:min(len(otherUPN), MaxReviewCandidates)], Score: otherUPN[0].Score,
			Reason: "the details match a child who has a different UPN"}
	}
	if len(hits) == 0 {
		return Decision{Outcome: None}
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].Score != hits[j].Score {
			return hits[i].Score > hits[j].Score
		}
		return hits[i].Serial < hits[j].Serial
	})
	if len(hits) > MaxReviewCandidates {
		hits = hits[:MaxReviewCandidates]
	}
	best := hits[0]
	switch {
	case best.Score < Confident:
		return Decision{Outcome: Review, Candidates: hits, Score: best.Score, Reason: "a possible match: some details differ"}
	case len(hits) > 1 && hits[1].Score >= Confident:
		return Decision{Outcome: Review, Candidates: hits, Score: best.Score, Reason: "more than one child matches"}
	case best.Shielded:
		return Decision{Outcome: Review, Candidates: hits, Score: best.Score, Reason: "the matching child is shielded: shielded children are never matched without a person deciding"}
	}
	return Decision{Outcome: Same, Child: best.Identity, Score: best.Score, Candidates: hits}
}
