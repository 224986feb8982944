package match

// Issue 15: estimating the Fellegi–Sunter model from the data.
//
//   - u: the share of each level among random pairs of identities held (a
//     seeded sample; almost all are different children);
//   - term frequencies: how often each name occurs among the identities (the
//     commonest TFNames kept, the rest by their mean);
//   - m: expectation–maximisation over the pairs the blocking rules find
//     between a sample of feed records and the identities, with u fixed, one
//     session a rule (each leaving out the fields its rule blocks on), from
//     DefaultModel's m, for at most EMIterations or until no parameter moves
//     by more than EMTolerance;
//   - the prior, one-to-one (Model.pairPrior): Rho, the share of records
//     that are a child held, by EM with m and u fixed;
//   - thresholds: AutoLink is the lowest weight at which the estimated false
//     discovery rate among the pairs at or above it is at most TargetFDR;
//     Review the lowest at which the estimated matches below it are at most
//     ReviewMiss of all the estimated matches.

import (
	"math"
	"math/rand/v2"
	"sort"
)

// Estimation settings.
const (
	RandomPairs  = 300_000
	EMIterations = 200
	EMTolerance  = 1e-7
	EMPriorPairs = 100
	TFNames      = 3000
	TargetFDR    = 3e-4 // 1e-3 made 0.9986 precision at 4 M children, 5e-4 0.9989 at 11 M (docs/feeds.md)
	ReviewMiss   = 0.005
	// EstimateRecords is how many feed records estimation compares.
	EstimateRecords = 20_000
	// MinIdentities is the fewest identities a model is estimated from.
	MinIdentities = 1000
	// MinMatches is the fewest matches each EM session must estimate among
	// its pairs for the model to be kept.
	MinMatches = 200
)

// liveEntries returns the indexes of the live entries.
func (x *Index) liveEntries() []uint32 {
	out := make([]uint32, 0, x.live)
	for c, chunk := range x.chunks {
		for k := range chunk {
			if chunk[k].flags&flagLive != 0 {
				out = append(out, uint32(c<<chunkBits+k))
			}
		}
	}
	return out
}

// Estimate estimates a model from the identities the index holds and a
// sample of feed records (the first EstimateRecords are used). It returns
// nil if the index holds fewer than MinIdentities, no records are given, or
// too few of the records match a child held (MinMatches).
// The same index, records and seed give the same model.
func (x *Index) Estimate(recs []Record, seed uint64) *Model {
	live := x.liveEntries()
	if len(live) < MinIdentities || len(recs) == 0 {
		return nil
	}
	if len(recs) > EstimateRecords {
		recs = recs[:EstimateRecords]
	}
	m := DefaultModel()
	m.Estimated, m.Seed, m.Identities, m.Records, m.TargetFDR = true, seed, len(live), len(recs), TargetFDR

	// Term frequencies.
	gc, fc := map[uint32]int{}, map[uint32]int{}
	for _, i := range live {
		e := x.at(i)
		if g := x.gvn[e.given]; g != 0 {
			gc[g]++
		}
		if e.fam != 0 {
			fc[e.fam]++
		}
	}
	m.TFGiven, m.TFRestGiven = topFreq(gc, &x.givens.d, len(live))
	m.TFFamily, m.TFRestFamily = topFreq(fc, &x.fams.d, len(live))

	// u from random pairs.
	rng := rand.New(rand.NewPCG(seed, seed^0x5851f42d4c957f2d))
	var uc [NumFields][NumLevels]float64
	for n := 0; n < RandomPairs; n++ {
		i, j := live[rng.IntN(len(live))], live[rng.IntN(len(live))]
		if i == j {
			continue
		}
		a, b := x.entrySide(i), x.entrySide(j)
		v := vector(&a, &b)
		for f := range v {
			uc[f][v[f]]++
		}
		m.RandomPairs++
	}
	for f := Field(0); f < NumFields; f++ {
		tot := 0.0
		for l := 1; l < levelsOf[f]; l++ {
			uc[f][l] += 1 // one pseudo-pair a level: no level is impossible
			tot += uc[f][l]
		}
		for l := 1; l < levelsOf[f]; l++ {
			m.U[f][l] = uc[f][l] / tot
		}
	}

	// m by expectation–maximisation, one session a blocking rule, as
	// Splink does: within a rule's blocks the fields it blocks on agree for
	// matches and non-matches alike, so a session estimates only the
	// others. Pairs on the date of birth and family name's code (R2, R3)
	// give the given name, postcode and sex; pairs on the postcode and
	// given name's code (R1) give the family name and date of birth.
	sessA := x.sessionPatterns(recs, ruleDOBFamily)
	sessB := x.sessionPatterns(recs, rulePostcodeGiven)
	mA, itA, okA, nA := em(sessA, [NumFields]bool{FieldGiven: true, FieldSex: true, FieldPostcode: true}, m)
	mB, itB, okB, nB := em(sessB, [NumFields]bool{FieldFamily: true, FieldDOB: true}, m)
	if nA < MinMatches || nB < MinMatches {
		// Too few of the records are children held (a file of new
		// children: the births of a first load) to learn what a match
		// looks like.
		return nil
	}
	m.M[FieldGiven], m.M[FieldSex], m.M[FieldPostcode] = mA.M[FieldGiven], mA.M[FieldSex], mA.M[FieldPostcode]
	m.M[FieldFamily], m.M[FieldDOB] = mB.M[FieldFamily], mB.M[FieldDOB]
	m.Iterations, m.Converged = itA+itB, okA && okB

	// The prior, one-to-one: Rho, the share of records that are a child
	// held, by EM on it alone (m and u fixed) over every pair the blocking
	// finds for each record, each weighed as a decision weighs it (with
	// the term-frequency adjustment): a record's probability of being one
	// of its candidates is sum/((1−Rho)/Rho·n + sum), sum its candidates'
	// Bayes factors (a child blocking leaves out is taken as no match).
	m.OneToOne, m.Rho = true, 0.5
	m.prepare()
	var base [][]float64 // each record's candidates' weights without the prior
	for _, r := range recs {
		s := x.recordSide(r)
		if s.family == "" && s.given == "" || s.dob == 0 && s.pc == 0 {
			base = append(base, nil)
			continue
		}
		var ws []float64
		x.blockRules(&s, rulesAll, false, 0, func() bool { return false }, func(i uint32) bool {
			cs := x.entrySide(i)
			ws = append(ws, m.weigh(&s, &cs, nil)-m.prior)
			m.BlockedPairs++
			return true
		})
		base = append(base, ws)
	}
	n := x.children()
	sums := make([]float64, len(base))
	for k, ws := range base {
		for _, w := range ws {
			sums[k] += math.Exp2(w)
		}
	}
	for it := 0; it < EMIterations; it++ {
		c0 := (1 - m.Rho) / m.Rho * float64(n)
		matched := 0.0
		for _, sum := range sums {
			matched += sum / (c0 + sum)
		}
		rho := min(max(matched/float64(len(base)), 1e-4), 1-1e-4)
		done := math.Abs(rho-m.Rho) < EMTolerance
		m.Rho = rho
		if done {
			break
		}
	}
	m.Prior = m.Rho / float64(n)
	m.prepare()
	var ws, post, ns []float64
	for k, rw := range base {
		for _, w := range rw {
			a := w + m.pairPrior(math.Exp2(w), sums[k], n)
			ws, post, ns = append(ws, a), append(post, Probability(a)), append(ns, 1)
		}
	}
	m.chooseThresholds(ws, post, ns...)
	return m
}

type patternCount struct {
	v Vector
	n float64
}

// sessionPatterns counts the comparison patterns of the pairs the rules
// find for the records.
func (x *Index) sessionPatterns(recs []Record, rules int) map[uint32]float64 {
	patterns := map[uint32]float64{}
	for _, r := range recs {
		s := x.recordSide(r)
		if s.family == "" && s.given == "" || s.dob == 0 && s.pc == 0 {
			continue
		}
		x.blockRules(&s, rules, false, 0, func() bool { return false }, func(i uint32) bool {
			cs := x.entrySide(i)
			patterns[vector(&s, &cs).pattern()]++
			return true
		})
	}
	return patterns
}

func sortedPatterns(patterns map[uint32]float64) []patternCount {
	ps := make([]patternCount, 0, len(patterns))
	for p, n := range patterns {
		ps = append(ps, patternCount{v: vectorOf(p), n: n})
	}
	// A fixed order: the same sums, so the same model, every run.
	sort.Slice(ps, func(a, b int) bool { return ps[a].v.pattern() < ps[b].v.pattern() })
	return ps
}

// em estimates m for the fields included from the patterns, starting from
// start's m, with u fixed. It returns the iterations, whether it converged,
// and the estimated number of matches among the pairs.
func em(patterns map[uint32]float64, include [NumFields]bool, start *Model) (*Model, int, bool, float64) {
	m := *start
	ps := sortedPatterns(patterns)
	total := 0.0
	for _, p := range ps {
		total += p.n
	}
	if total == 0 {
		return &m, 0, false, 0
	}
	lambda := 0.5
	post := make([]float64, len(ps))
	for it := 1; it <= EMIterations; it++ {
		// E: each pattern's probability of being a match.
		var mc [NumFields][NumLevels]float64
		matches := 0.0
		for k, p := range ps {
			lm, lu := math.Log(lambda), math.Log(1-lambda)
			for f := Field(0); f < NumFields; f++ {
				if l := p.v[f]; include[f] && l != LvlMissing {
					lm += math.Log(max(m.M[f][l], 1e-12))
					lu += math.Log(max(m.U[f][l], 1e-12))
				}
			}
			post[k] = 1 / (1 + math.Exp(lu-lm))
			w := p.n * post[k]
			matches += w
			for f := range p.v {
				mc[f][p.v[f]] += w
			}
		}
		// M: m of the included fields, and the share of matches.
		moved := 0.0
		for f := Field(0); f < NumFields; f++ {
			if !include[f] {
				continue
			}
			// The starting m counts as EMPriorPairs pairs: a level the
			// sample has no match in is rare, not impossible.
			s := 0.0
			for l := 1; l < levelsOf[f]; l++ {
				s += mc[f][l] + EMPriorPairs*start.M[f][l]
			}
			for l := 1; l < levelsOf[f]; l++ {
				v := (mc[f][l] + EMPriorPairs*start.M[f][l]) / s
				moved = max(moved, math.Abs(v-m.M[f][l]))
				m.M[f][l] = v
			}
		}
		l := min(max(matches/total, 1e-9), 1-1e-9)
		moved = max(moved, math.Abs(l-lambda))
		lambda = l
		if moved < EMTolerance {
			return &m, it, true, lambda * total
		}
	}
	return &m, EMIterations, false, lambda * total
}

// chooseThresholds sets AutoLink and Review from the patterns' weights,
// match probabilities and counts.
func (m *Model) chooseThresholds(ws, post []float64, ns ...float64) {
	if len(ws) == 0 {
		m.AutoLink, m.Review = WeightOf(0.999), WeightOf(0.2)
		return
	}
	order := make([]int, len(ws))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return ws[order[a]] > ws[order[b]] })
	allMatches := 0.0
	for i := range ws {
		allMatches += ns[i] * post[i]
	}
	// AutoLink: walk down while the links so far stay within the target,
	// and never below the weight at which a pair is as likely a match as
	// not (else the last links taken could be mostly false, the many
	// certain ones above hiding them in the rate).
	// The largest set of links, taken from the top, whose rate is within
	// the target.
	links, falses := 0.0, 0.0
	m.AutoLink, m.EstimatedFDR = ws[order[0]]+1, 0
	for _, k := range order {
		if ws[k] < 0 {
			break
		}
		links, falses = links+ns[k], falses+ns[k]*(1-post[k])
		if falses/links <= m.TargetFDR {
			m.AutoLink, m.EstimatedFDR = ws[k], falses/links
		}
	}
	// Review: walk up from the bottom while the matches left below stay
	// within ReviewMiss of all.
	below := 0.0
	m.Review = m.AutoLink
	for q := len(order) - 1; q >= 0; q-- {
		k := order[q]
		if ws[k] >= m.AutoLink {
			break
		}
		if below+ns[k]*post[k] > ReviewMiss*allMatches {
			m.Review = ws[k]
			break
		}
		below += ns[k] * post[k]
	}
	// A pair more likely the same child than not is never taken for a new
	// child without a person deciding; and a review item should at least
	// be a plausible match.
	m.Review = max(min(m.Review, 0, m.AutoLink), WeightOf(0.01))
	m.EstimatedRec = 1
	if allMatches > 0 {
		above := 0.0
		for i := range ws {
			if ws[i] >= m.Review {
				above += ns[i] * post[i]
			}
		}
		m.EstimatedRec = above / allMatches
	}
}

// topFreq returns the frequencies of the commonest names and the mean
// frequency of the rest.
func topFreq(counts map[uint32]int, d *dict, total int) (map[string]float64, float64) {
	type nc struct {
		name string
		n    int
	}
	all := make([]nc, 0, len(counts))
	for id, n := range counts {
		all = append(all, nc{d.get(id), n})
	}
	sort.Slice(all, func(a, b int) bool {
		if all[a].n != all[b].n {
			return all[a].n > all[b].n
		}
		return all[a].name < all[b].name
	})
	out := map[string]float64{}
	rest, restN := 0, 0
	for k, c := range all {
		if k < TFNames {
			out[c.name] = float64(c.n) / float64(total)
			continue
		}
		rest += c.n
		restN++
	}
	mean := 1.0 / float64(total)
	if restN > 0 {
		mean = float64(rest) / float64(restN) / float64(total)
	}
	return out, mean
}
