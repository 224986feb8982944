package match

// Issue 15: deciding a record on its details with the Fellegi–Sunter model.

import (
	"math"
	"sort"

	"signpost"
)

// recordSide prepares a record's side of its comparisons.
func (x *Index) recordSide(r Record) side {
	s := side{given: signpost.NormaliseName(r.GivenName), family: signpost.NormaliseName(r.FamilyName),
		dob: packDate(r.DateOfBirth), sex: packGender(r.Gender), pc: packPostcode(r.Postcode)}
	if s.dob != 0 {
		s.dobs = r.DateOfBirth
	}
	s.givenID = x.givens.d.id[s.given]
	s.familyID = x.fams.d.id[s.family]
	if s.given != "" {
		s.givenCode = sdxCode(s.given)
	}
	if s.family != "" {
		s.familyCode = sdxCode(s.family)
	}
	return s
}

// entrySide is a child's side of a comparison.
func (x *Index) entrySide(i uint32) side {
	e := x.at(i)
	g := uint32(0)
	if int(e.given) < len(x.gvn) {
		g = x.gvn[e.given]
	}
	return side{given: x.givens.d.s[g], family: x.fams.d.s[e.fam], givenID: g, familyID: e.fam,
		givenCode: x.givens.code[g], familyCode: x.fams.code[e.fam], dob: e.dob, dobs: x.day(e.dob), sex: e.gender, pc: e.pc}
}

// children is how many children the FS prior takes the index to hold.
func (x *Index) children() int {
	if x.fsN > 0 {
		return x.fsN
	}
	return x.live
}

// fsHit is a compared candidate.
type fsHit struct {
	i uint32
	w float64
}

// blockFS calls fn for every child the blocking rules find for the record
// (each once; leaving out the child with serial except, and children with
// another NHS number when the record has one), until fn returns false.
// strong reports whether a candidate already reaches the auto-link weight,
// after which the wide rules are skipped.
func (x *Index) blockFS(s *side, withoutNHS bool, except int, strong func() bool, fn func(i uint32) bool) int {
	return x.blockRules(s, rulesAll, withoutNHS, except, strong, fn)
}

// Rule sets for blockRules.
const (
	rulePostcodeGiven = 1 << iota // R1
	ruleDOBFamily                 // R2 and R3
	ruleChains                    // R4 to R7
	rulesAll          = rulePostcodeGiven | ruleDOBFamily | ruleChains
)

// blockRules is blockFS with a choice of rules (estimation compares the
// pairs of one rule at a time).
func (x *Index) blockRules(s *side, rules int, withoutNHS bool, except int, strong func() bool, fn func(i uint32) bool) int {
	seen := make([]uint32, 0, 64)
	compared := 0
	stop := false
	visit := func(i uint32) bool {
		e := x.at(i)
		if withoutNHS && e.nhs != 0 || int(e.serial) == except || e.flags&flagLive == 0 {
			return true
		}
		for _, j := range seen {
			if j == i {
				return true
			}
		}
		seen = append(seen, i)
		compared++
		if !fn(i) {
			stop = true
			return false
		}
		return true
	}
	// R1: postcode + given-name code. The importer's index chains them, so
	// only children with the record's given-name code are read (a
	// postcode's own chain holds every child living there); search's walks
	// the postcode's children.
	// chain visits up to MaxPerRule children of rule r's chain for key k
	// (those without an NHS number first); false: stop comparing.
	chain := func(r int, k uint64) bool {
		c := &x.fsb[r]
		n := 0
		for set, key := range [2]uint64{k, withNHS(k)} {
			if set == 1 && withoutNHS {
				break
			}
			for j := c.first(key); j != 0 && n < MaxPerRule; j = *c.nextOf(j - 1) {
				n++
				if !visit(j - 1) {
					return false
				}
			}
		}
		return true
	}
	keys := blockKeys(s.dob, s.dobs, s.familyCode, s.givenCode, s.pc)
	if rules&rulePostcodeGiven != 0 && s.pc != 0 && s.givenCode != 0 && x.ids {
		if !chain(rulePCGiven, keys[rulePCGiven]) {
			return compared
		}
	} else if rules&rulePostcodeGiven != 0 && s.pc != 0 && s.givenCode != 0 {
		n := 0
		for j := x.pcHead[s.pc]; j != 0 && n < MaxPerRule; j = x.node(j - 1).pc {
			nd := x.node(j - 1)
			if x.givens.code[nd.given] != s.givenCode || withoutNHS && nd.nhs {
				continue
			}
			n++
			if !visit(j - 1) {
				return compared
			}
		}
	}
	// R2 and R3: date of birth (and the date with day and month swapped) +
	// family-name code, and + the given name's code as family-name code.
	if rules&ruleDOBFamily != 0 && s.dob != 0 {
		days := [2]uint16{s.dob}
		if sw, ok := signpost.SwapDayMonth(s.dobs); ok {
			days[1] = packDate(sw)
		}
		for _, code := range [2]uint16{s.familyCode, s.givenCode} {
			if code == 0 {
				continue
			}
			for _, day := range days {
				if day == 0 {
					continue
				}
				n := 0
				dc := &x.byDay[day]
				k, ok := findCode(dc.codes, code)
				if !ok {
					continue
				}
				for set := 0; set < 2 && n < MaxPerRule; set++ {
					if set == 1 && withoutNHS {
						break
					}
					ms := dc.lists[k][set]
					for q := len(ms) - 1; q >= 0 && n < MaxPerRule; q-- {
						n++
						if !visit(ms[q].i) {
							return compared
						}
					}
				}
			}
		}
	}
	if stop || strong() || rules&ruleChains == 0 {
		return compared
	}
	// R4 to R7: the chains, narrowest first.
	for _, r := range [...]int{ruleDOBGiven, ruleFamGivenDay, ruleFamGivenYear, ruleGivenYearDistrict} {
		if keys[r] == 0 {
			continue
		}
		if !chain(r, keys[r]) {
			return compared
		}
		if strong() {
			break
		}
	}
	return compared
}

// MatchFS decides a record as Match does, with the model deciding on
// details: on its NHS number or UPN if a child holds one, otherwise on
// its details by DecideFS.
func (x *Index) MatchFS(m *Model, r Record) Decision {
	if d, ok := x.MatchIdentifier(r); ok {
		return d
	}
	return x.DecideFS(m, r, 0)
}

// MatchIdentifier is MatchFS's decision on the record's NHS number or UPN,
// if a child holds one.
func (x *Index) MatchIdentifier(r Record) (Decision, bool) {
	if c, ok := x.ByNHSNumber(r.NHSNumber); ok {
		return Decision{Outcome: Same, Child: c, ByIdentifier: true, Score: 1}, true
	}
	if c, ok := x.ByUPN(r.UPN); ok {
		if r.NHSNumber != "" && c.NHSNumber != "" {
			return Decision{Outcome: Review, Candidates: []Scored{{Identity: c, Score: 1}}, Reason: "the UPN belongs to a child with a different NHS number"}, true
		}
		return Decision{Outcome: Same, Child: c, ByIdentifier: true, Score: 1}, true
	}
	return Decision{}, false
}

// DecideFS decides a record on its names, date of birth, sex and postcode
// with the model, leaving out the child with serial except (0 for none).
// A child with another NHS number is never a candidate (one with the
// record's was found by it); one with another UPN is held for review if the
// details link it. A shielded child is never linked without a person
// deciding. The decision's candidates carry each field's level and weight.
func (x *Index) DecideFS(m *Model, r Record, except int) Decision {
	return x.decideFS(m, r, except, false)
}

// ExplainFS is MatchFS for a person asking why: a record decided to be a
// child not held lists, as Nearest, the closest children compared.
func (x *Index) ExplainFS(m *Model, r Record) Decision {
	d := x.MatchFS(m, r)
	if d.Outcome == None && !d.ByIdentifier {
		d = x.decideFS(m, r, 0, true)
	}
	return d
}

func (x *Index) decideFS(m *Model, r Record, except int, nearest bool) Decision {
	s := x.recordSide(r)
	if s.family == "" && s.given == "" || s.dob == 0 && s.pc == 0 {
		return Decision{Outcome: None}
	}
	upn := packUPN(r.UPN)
	all, sum, _, _ := x.gatherFS(m, &s, upn, r.NHSNumber != "", except, x.children(), false)
	return x.finishFS(m, &s, upn, all, sum, nearest)
}

// gatherFS compares the record with every child the blocking rules find,
// and returns each one's fields' weight (without the prior) and the sum of
// their Bayes factors. The wide rules are skipped once a candidate reaches
// the auto-link weight in an index of n children. With checks, it also
// returns how many had been compared at each such test, and whether the
// last one stopped it (PrepareFS).
func (x *Index) gatherFS(m *Model, s *side, upn uint64, withoutNHS bool, except, n int, checks bool) (all []fsHit, sum float64, cps []int32, stopped bool) {
	// Every compared child's fields' weight (without the prior), then
	// each one's weight with its prior (pairPrior: one-to-one, against the
	// others compared).
	bestRaw := math.Inf(-1)
	strong := func() bool {
		stopped = len(all) > 0 && bestRaw+m.pairPrior(math.Exp2(bestRaw), sum, n) >= m.AutoLink
		if checks {
			cps = append(cps, int32(len(all)))
		}
		return stopped
	}
	x.blockFS(s, withoutNHS, except, strong, func(i uint32) bool {
		if x.fsTrace != nil && !checks {
			x.fsTrace(int(x.at(i).serial))
		}
		cs := x.entrySide(i)
		w := m.weigh(s, &cs, nil) - m.prior
		all = append(all, fsHit{i, w})
		sum += math.Exp2(w)
		if w > bestRaw && !(upn != 0 && x.at(i).upn != 0 && x.at(i).upn != upn) {
			bestRaw = w
		}
		return true
	})
	return all, sum, cps, stopped
}

// finishFS decides on the children gathered.
func (x *Index) finishFS(m *Model, s *side, upn uint64, all []fsHit, sum float64, nearest bool) Decision {
	compared := len(all)
	d := Decision{Outcome: None, Compared: compared}
	var hits []fsHit
	for _, h := range all {
		h.w += m.pairPrior(math.Exp2(h.w), sum, x.children())
		if h.w >= m.Review || nearest {
			hits = append(hits, h)
		}
	}
	if len(hits) == 0 {
		return d
	}
	sort.Slice(hits, func(a, b int) bool {
		if hits[a].w != hits[b].w {
			return hits[a].w > hits[b].w
		}
		return x.at(hits[a].i).serial < x.at(hits[b].i).serial
	})
	comparison := func(h fsHit) *Comparison {
		cs := x.entrySide(h.i)
		raw := m.weigh(s, &cs, nil) - m.prior
		return m.compare(s, &cs, h.w-raw)
	}
	if nearest && hits[0].w < m.Review {
		for _, h := range hits[:min(len(hits), 3)] {
			c := comparison(h)
			d.Nearest = append(d.Nearest, Scored{Identity: x.identity(h.i), Score: c.Probability(), Comparison: c})
		}
		return d
	}
	var ok, otherUPN []Scored
	for _, h := range hits {
		if h.w < m.Review {
			continue
		}
		c := comparison(h)
		sc := Scored{Identity: x.identity(h.i), Score: c.Probability(), Comparison: c}
		if e := x.at(h.i); upn != 0 && e.upn != 0 && e.upn != upn {
			if h.w >= m.AutoLink {
				otherUPN = append(otherUPN, sc)
			}
			continue
		}
		ok = append(ok, sc)
	}
	if len(otherUPN) > 0 {
		d.Outcome, d.Candidates, d.Score = Review, otherUPN[:min(len(otherUPN), MaxReviewCandidates)], otherUPN[0].Score
		d.Comparison, d.Reason = otherUPN[0].Comparison, "the details match a child who has a different UPN"
		return d
	}
	if len(ok) == 0 {
		return d
	}
	if len(ok) > MaxReviewCandidates {
		ok = ok[:MaxReviewCandidates]
	}
	top := ok[0]
	d.Candidates, d.Score, d.Comparison = ok, top.Score, top.Comparison
	switch {
	case top.Comparison.Weight < m.AutoLink:
		d.Outcome, d.Reason = Review, "a possible match: some details differ"
	case len(ok) > 1 && ok[1].Comparison.Weight >= m.AutoLink:
		d.Outcome, d.Reason = Review, "more than one child matches"
	case top.Comparison.Levels[FieldGiven] == NameElse:
		// Another given name, the rest agreeing: a twin or a sibling as
		// often as the same child (the fields are not independent within
		// a family, as the model assumes), so never linked without a
		// person deciding.
		d.Outcome, d.Reason = Review, "a possible match: another given name"
	case top.Shielded:
		d.Outcome, d.Reason = Review, "the matching child is shielded: shielded children are never matched without a person deciding"
	default:
		d.Outcome, d.Child = Same, top.Identity
	}
	return d
}
