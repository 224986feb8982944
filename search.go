package signpost

import (
	"sort"
	"strings"
	"time"
)

// The rules of a signposting search, shared by the directory (online), the
// device cache (offline) and the search screen (before it sends anything), so
// that the three accept the same searches, rank the same way and say "too
// many" by the same rule.

// Genders are the genders a child's record and a search may give.
var genders = map[string]bool{"male": true, "female": true, "other": true, "unknown": true}

// ValidGender reports whether g, lower case, is one of male, female, other
// and unknown.
func ValidGender(g string) bool { return genders[g] }

// maxSearchKeyLen bounds the fields of a search that are not names: a
// postcode, gender, date or identifier is far shorter.
const maxSearchKeyLen = 16

// SearchPlan is a validated search: the query to score candidates with and
// the one key that finds them. Exactly one of SignpostID, NHSNumber, UPN,
// DatesOfBirth and Postcode is set, normalised.
type SearchPlan struct {
	// Query is the search as the matcher sees it (normalised names and
	// postcode, lower-case gender).
	Query Query
	// SignpostID, NHSNumber and UPN find a child by an identifier.
	SignpostID string
	NHSNumber  string
	UPN        string
	// DatesOfBirth are the date given and, when it is a real date, the
	// date with day and month swapped (a common slip).
	DatesOfBirth []string
	// Postcode finds children by their postcode.
	Postcode string
	// ByID is set when an identifier finds the children: each one found
	// matches, with score 1.
	ByID bool
	// Hidden is set when the search used a field withheld from shielded
	// records (postcode, NHS number, UPN): a shielded child is found only
	// through its visible fields, so none is found by this search.
	Hidden bool
	// Reason is the reason given, trimmed ("" for none).
	Reason string
}

// PlanSearch validates a search and says what it may match on. A search must
// be able to identify one child: a family name and date of birth, or a family
// name, given name and postcode, or a Signpost ID, NHS number or UPN (tried in
// that order when several are given). Text is checked as sent (a line break
// at the end is still one), then trimmed; a date of birth is checked against
// today (now); the reason, optional here, is held to MaxReasonLen. Errors are
// kind invalid and name the field.
func PlanSearch(req SearchRequest, now time.Time) (SearchPlan, error) {
	var p SearchPlan
	for _, f := range []struct {
		name, v string
		max     int
	}{{"given_name", req.GivenName, MaxNameLen}, {"family_name", req.FamilyName, MaxNameLen}, {"postcode", req.Postcode, maxSearchKeyLen},
		{"gender", req.Gender, maxSearchKeyLen}, {"date_of_birth", req.DateOfBirth, maxSearchKeyLen}, {"nhs_number", req.NHSNumber, maxSearchKeyLen},
		{"upn", req.UPN, maxSearchKeyLen}, {"signpost_id", req.SignpostID, maxSearchKeyLen}} {
		if err := CheckText(f.name, f.v, f.max); err != nil {
			return p, err
		}
	}
	if err := CheckReason("reason", req.Reason, MaxReasonLen); err != nil {
		return p, err
	}
	for _, f := range []*string{&req.GivenName, &req.FamilyName, &req.DateOfBirth, &req.Gender, &req.Postcode, &req.NHSNumber, &req.UPN, &req.SignpostID, &req.Reason} {
		*f = strings.TrimSpace(*f)
	}
	for _, f := range []struct{ name, v string }{{"given_name", req.GivenName}, {"family_name", req.FamilyName}} {
		if f.v != "" && NormaliseName(f.v) == "" {
			return p, FieldError(f.name, "%s must contain letters", strings.ReplaceAll(f.name, "_", " "))
		}
	}
	// Trimmed, a reason of spaces around one letter is still too few words.
	if err := CheckReason("reason", req.Reason, MaxReasonLen); err != nil {
		return p, err
	}
	if req.DateOfBirth != "" {
		if _, err := CheckDateOfBirth("date_of_birth", req.DateOfBirth, now); err != nil {
			return p, err
		}
	}
	req.Gender = strings.ToLower(req.Gender)
	if req.Gender != "" && !ValidGender(req.Gender) {
		return p, FieldError("gender", "gender must be male, female, other or unknown")
	}
	if req.Postcode != "" && !ValidPostcode(req.Postcode) {
		return p, FieldError("postcode", "%q is not a UK postcode", req.Postcode)
	}
	if req.NHSNumber != "" && !ValidNHSNumber(req.NHSNumber) {
		return p, FieldError("nhs_number", "that is not a valid NHS number (10 digits with a correct check digit)")
	}
	if req.UPN != "" && !ValidUPN(req.UPN) {
		return p, FieldError("upn", "that is not a valid UPN (13 characters with a correct check letter)")
	}
	if req.SignpostID != "" && !ValidSignpostID(req.SignpostID) {
		return p, FieldError("signpost_id", "that is not a valid Signpost ID (SP, eight digits and a check digit)")
	}
	q := Query{GivenName: NormaliseName(req.GivenName), FamilyName: NormaliseName(req.FamilyName),
		DateOfBirth: req.DateOfBirth, Gender: req.Gender, Postcode: NormalisePostcode(req.Postcode)}
	p.Query, p.Reason = q, req.Reason
	switch {
	case req.SignpostID != "":
		p.SignpostID, p.ByID = NormaliseSignpostID(req.SignpostID), true
	case req.NHSNumber != "":
		p.NHSNumber, p.ByID, p.Hidden = NormaliseNHSNumber(req.NHSNumber), true, true
	case req.UPN != "":
		p.UPN, p.ByID, p.Hidden = NormaliseUPN(req.UPN), true, true
	case q.FamilyName != "" && q.DateOfBirth != "":
		p.DatesOfBirth = []string{q.DateOfBirth}
		if sw, ok := SwapDayMonth(q.DateOfBirth); ok {
			p.DatesOfBirth = append(p.DatesOfBirth, sw)
		}
		p.Hidden = q.Postcode != ""
	case q.FamilyName != "" && q.GivenName != "" && q.Postcode != "":
		p.Postcode, p.Hidden = q.Postcode, true
	default:
		field := "family_name"
		if q.FamilyName != "" {
			field = "date_of_birth"
		}
		return SearchPlan{}, FieldError(field, "add detail: a family name and date of birth, or a family name, given name and postcode, or a Signpost ID, NHS number or UPN")
	}
	return p, nil
}

// Rank scores the candidates a plan found and returns those that match (a
// score of MatchThreshold or more), best first, ties by Signpost ID. A
// shielded candidate never matches a Hidden plan. More than limit matches is
// "too many" unless detail given beyond what found them narrows it: when at
// most limit of the matches agree with every field given (score 1), only
// those are returned, so that a given name or postcode added to a family
// name and date of birth finds the one child it describes. Otherwise Rank
// returns none and tooMany, since a search that cannot tell a handful of
// children apart shows none of them.
func Rank(p SearchPlan, cands []Candidate, limit int) (matches []Match, tooMany bool) {
	for _, c := range cands {
		if c.Shielded && p.Hidden {
			continue
		}
		score := 1.0
		if !p.ByID {
			score = Score(p.Query, c)
		}
		if score >= MatchThreshold {
			matches = append(matches, Match{SignpostID: c.SignpostID, GivenName: c.Given, FamilyName: c.Family,
				DateOfBirth: c.DateOfBirth, Gender: c.Gender, Shielded: c.Shielded, Score: score})
		}
	}
	if len(matches) > limit {
		var exact []Match
		for _, m := range matches {
			if m.Score == 1 {
				exact = append(exact, m)
			}
		}
		if len(exact) == 0 || len(exact) > limit {
			return nil, true
		}
		matches = exact
	}
	sort.Slice(matches, func(i, j int) bool {
		if matches[i].Score != matches[j].Score {
			return matches[i].Score > matches[j].Score
		}
		return matches[i].SignpostID < matches[j].SignpostID
	})
	return matches, false
}

// TooManyMessage is what a person is told when req found too many children:
// add the details it lacks (a given name, a postcode, a date of birth), or,
// when it has them all, an identifier.
func TooManyMessage(req SearchRequest) string {
	var missing []string
	for _, f := range []struct{ name, v string }{{"a given name", req.GivenName}, {"a postcode", req.Postcode}, {"a date of birth", req.DateOfBirth}} {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, f.name)
		}
	}
	add := "an NHS number, UPN or Signpost ID"
	switch len(missing) {
	case 0:
	case 1:
		add = missing[0]
	default:
		add = strings.Join(missing[:len(missing)-1], ", ") + " or " + missing[len(missing)-1]
	}
	return "Too many matches — add detail (" + add + ") and search again."
}
