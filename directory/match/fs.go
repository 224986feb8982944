package match

// Issue 15: a Fellegi–Sunter model for deciding feed rows on their details.
//
// A candidate pair (a feed record and a child held) is compared field by
// field; each field falls in one comparison level (exact, phonetic, close,
// ...). Each level has an m probability (of that level among pairs that are
// the same child) and a u probability (among pairs that are not). A pair's
// match weight is the prior log-odds plus the sum over fields of
// log2(m/u); its match probability is 2^w / (1 + 2^w). m and u are
// estimated from the data (fs_em.go): u from random pairs of identities, m
// by expectation–maximisation over the pairs blocking (blocking.go) finds.
// Agreeing exactly on a name weighs by how rare the name is (a term-frequency
// adjustment): m / f(name) instead of m / u.

import (
	"fmt"
	"math"
	"strings"

	"signpost"
)

// Field is a compared field.
type Field int

// Fields compared.
const (
	FieldGiven Field = iota
	FieldFamily
	FieldDOB
	FieldSex
	FieldPostcode
	NumFields
)

// NumLevels is the most levels a field has.
const NumLevels = 7

var fieldNames = [NumFields]string{"given_name", "family_name", "date_of_birth", "sex", "postcode"}

// String names the field.
func (f Field) String() string { return fieldNames[f] }

// Levels of a name comparison. LvlMissing is 0 in every field: either side
// has no value, and it weighs nothing.
const (
	LvlMissing = 0
	// names
	NameExact    = 1
	NamePhonetic = 2 // same Soundex, or a known variant (Jim, James)
	NameClose    = 3 // Jaro-Winkler ≥ 0.9 or one edit (Damerau)
	NameInitial  = 4 // one side is the other's initial
	NameSwapped  = 5 // given and family exchanged (both names agree crosswise)
	NameElse     = 6
	// date of birth
	DOBExact   = 1
	DOBSwapped = 2 // day and month exchanged
	DOBDigit   = 3 // one digit differs
	DOBYearMon = 4 // same year and month
	DOBElse    = 5
	// sex
	SexAgree    = 1
	SexDisagree = 2
	// postcode
	PCExact    = 1
	PCSector   = 2 // same outward code and first digit of the inward
	PCDistrict = 3 // same outward code
	PCElse     = 4
)

var levelNames = [NumFields][NumLevels]string{
	{"missing", "exact", "phonetic", "close", "initial", "swapped", "else"},
	{"missing", "exact", "phonetic", "close", "initial", "swapped", "else"},
	{"missing", "exact", "day_month_swapped", "one_digit", "same_year_month", "else"},
	{"missing", "agree", "disagree"},
	{"missing", "exact", "sector", "district", "else"},
}

// levelsOf is how many levels each field uses.
var levelsOf = [NumFields]int{7, 7, 6, 3, 5}

// LevelName names a level of a field.
func LevelName(f Field, l uint8) string { return levelNames[f][l] }

// Vector is a pair's comparison levels, one per field.
type Vector [NumFields]uint8

// pattern packs a vector into an integer (3 bits a field).
func (v Vector) pattern() uint32 {
	var p uint32
	for f := range v {
		p = p<<3 | uint32(v[f])
	}
	return p
}

func vectorOf(p uint32) Vector {
	var v Vector
	for f := NumFields - 1; f >= 0; f-- {
		v[f] = uint8(p & 7)
		p >>= 3
	}
	return v
}

// Model is an estimated Fellegi–Sunter model. It is saved with the store
// (JSON) so that later imports decide as the first did.
type Model struct {
	Version int `json:"version"`
	// Prior is the probability that a record and a random child held are
	// the same child (λ), when the model was estimated.
	Prior float64 `json:"prior"`
	// OneToOne: a record is at most one child, so a candidate's prior is
	// set against the other candidates compared (Rho is the share of
	// records that are a child held); else each pair is weighed alone with
	// Prior. Estimated models are one-to-one; DefaultModel is not.
	OneToOne bool    `json:"one_to_one"`
	Rho      float64 `json:"rho"`
	// M and U by field and level (level 0, missing, is unused: weight 0).
	M [NumFields][NumLevels]float64 `json:"m"`
	U [NumFields][NumLevels]float64 `json:"u"`
	// TF is the frequency of the commonest names among the identities
	// (normalised), for the term-frequency adjustment of exact agreement;
	// TFRest is the mean frequency of a name not listed.
	TFGiven      map[string]float64 `json:"tf_given"`
	TFFamily     map[string]float64 `json:"tf_family"`
	TFRestGiven  float64            `json:"tf_rest_given"`
	TFRestFamily float64            `json:"tf_rest_family"`
	// AutoLink and Review are match weights: a best candidate at or above
	// AutoLink is the same child; from Review up to AutoLink a person
	// decides. They are chosen from the model for TargetFDR.
	AutoLink  float64 `json:"auto_link"`
	Review    float64 `json:"review"`
	TargetFDR float64 `json:"target_fdr"`
	// How it was estimated.
	Estimated    bool    `json:"estimated"` // from data (false: the priors, not saved)
	Iterations   int     `json:"iterations"`
	Converged    bool    `json:"converged"`
	BlockedPairs int     `json:"blocked_pairs"`
	RandomPairs  int     `json:"random_pairs"`
	Records      int     `json:"records"`
	Identities   int     `json:"identities"`
	Seed         uint64  `json:"seed"`
	EstimatedFDR float64 `json:"estimated_fdr"`    // among pairs at or above AutoLink
	EstimatedRec float64 `json:"estimated_recall"` // of matches, at or above Review

	w [NumFields][NumLevels]float64 // log2(m/u), made by prepare
	// log2 of m of exact agreement, for the TF adjustment
	exactGiven, exactFamily float64
	prior                   float64 // log2 odds of the prior
}

// ModelVersion is the version of Model's saved form.
const ModelVersion = 1

// SettingKey is the store setting the model is saved under.
const SettingKey = "match_model_v1"

// prepare works out the weights.
func (m *Model) prepare() {
	for f := Field(0); f < NumFields; f++ {
		for l := 1; l < levelsOf[f]; l++ {
			mu, u := max(m.M[f][l], 1e-9), max(m.U[f][l], 1e-9)
			m.w[f][l] = math.Log2(mu / u)
		}
	}
	// The swapped level's evidence is counted once, in the given name.
	m.w[FieldFamily][NameSwapped] = 0
	m.exactGiven = math.Log2(max(m.M[FieldGiven][NameExact], 1e-9))
	m.exactFamily = math.Log2(max(m.M[FieldFamily][NameExact], 1e-9))
	p := min(max(m.Prior, 1e-9), 1-1e-9)
	m.prior = math.Log2(p / (1 - p))
}

// Ready makes a model read from JSON usable.
func (m *Model) Ready() error {
	if m.Version != ModelVersion {
		return fmt.Errorf("match model version %d, want %d", m.Version, ModelVersion)
	}
	m.prepare()
	return nil
}

// pairPrior is the prior log-odds of candidate j, whose Bayes factor
// (2^ its fields' weights) is bf, among candidates whose factors add up to
// sum, in an index of n children. One-to-one: the record is one of the n
// children with probability Rho, each alike before comparing, so
// P(j) = bf / ((1−Rho)/Rho·n + sum); the prior's log-odds is then
// −log2((1−Rho)/Rho·n + sum − bf).
func (m *Model) pairPrior(bf, sum float64, n int) float64 {
	if !m.OneToOne {
		return m.prior
	}
	rho := min(max(m.Rho, 1e-6), 1-1e-6)
	return -math.Log2((1-rho)/rho*float64(max(n, 1)) + max(sum-bf, 0))
}

// Probability turns a match weight into a match probability.
func Probability(w float64) float64 { return 1 / (1 + math.Exp2(-w)) }

// WeightOf is the weight of a probability.
func WeightOf(p float64) float64 { return math.Log2(p / (1 - p)) }

// Comparison is how one candidate compared with a record: per field its
// level and weight, the prior, and the total.
type Comparison struct {
	Levels  Vector
	Weights [NumFields]float64
	Prior   float64
	Weight  float64 // Prior + the sum of Weights
}

// Probability is the comparison's match probability.
func (c *Comparison) Probability() float64 { return Probability(c.Weight) }

// String says, for a person, each field's level and weight (no names).
func (c *Comparison) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "prior %+.2f", c.Prior)
	for f := Field(0); f < NumFields; f++ {
		fmt.Fprintf(&b, "; %s %s %+.2f", f, LevelName(f, c.Levels[f]), c.Weights[f])
	}
	fmt.Fprintf(&b, "; total %+.2f (probability %.4f)", c.Weight, c.Probability())
	return b.String()
}

// side is one side of a comparison, prepared once.
type side struct {
	given, family         string // normalised
	givenID, familyID     uint32 // in the index's dictionaries (0: not there)
	givenCode, familyCode uint16 // sdxCode
	dob                   uint16 // packed
	dobs                  string // YYYY-MM-DD
	sex                   uint8
	pc                    uint64
	// The weights of exact agreement on this side's names under model tf
	// (term frequencies: a record's, worked out at its first exact
	// agreement, not at each).
	tf                *Model
	tfGiven, tfFamily float64
}

// weigh compares a and b and returns the comparison's weight; levels and
// weights go in c if it is not nil.
func (m *Model) weigh(a, b *side, c *Comparison) float64 {
	var v Vector
	v[FieldGiven], v[FieldFamily] = nameLevels(a, b)
	v[FieldDOB] = dobLevel(a, b)
	v[FieldSex] = sexLevel(a.sex, b.sex)
	v[FieldPostcode] = pcLevel(a.pc, b.pc)
	total := m.prior
	var ws [NumFields]float64
	for f := Field(0); f < NumFields; f++ {
		l := v[f]
		if l == LvlMissing {
			continue
		}
		w := m.w[f][l]
		if l == NameExact && (f == FieldGiven || f == FieldFamily) {
			if a.tf != m {
				a.tf = m
				a.tfGiven = m.exactGiven - math.Log2(m.tf(m.TFGiven, m.TFRestGiven, a.given, m.U[FieldGiven][NameExact]))
				a.tfFamily = m.exactFamily - math.Log2(m.tf(m.TFFamily, m.TFRestFamily, a.family, m.U[FieldFamily][NameExact]))
			}
			if w = a.tfGiven; f == FieldFamily {
				w = a.tfFamily
			}
		}
		ws[f] = w
		total += w
	}
	if c != nil {
		*c = Comparison{Levels: v, Weights: ws, Prior: m.prior, Weight: total}
	}
	return total
}

// compare is weigh with the levels and weights, and the given prior.
func (m *Model) compare(a, b *side, prior float64) *Comparison {
	c := &Comparison{}
	m.weigh(a, b, c)
	c.Weight += prior - c.Prior
	c.Prior = prior
	return c
}

// tf is a name's frequency among the identities (the chance a random other
// child has it), the u of exact agreement on that name; u when unknown.
func (m *Model) tf(table map[string]float64, rest float64, name string, u float64) float64 {
	f, ok := table[name]
	if !ok {
		f = rest
	}
	if f <= 0 {
		f = u
	}
	return max(f, 1e-7)
}

// vector compares without weighing (estimation).
func vector(a, b *side) Vector {
	var v Vector
	v[FieldGiven], v[FieldFamily] = nameLevels(a, b)
	v[FieldDOB] = dobLevel(a, b)
	v[FieldSex] = sexLevel(a.sex, b.sex)
	v[FieldPostcode] = pcLevel(a.pc, b.pc)
	return v
}

func nameLevels(a, b *side) (uint8, uint8) {
	g := nameLevel(a.given, b.given, a.givenID, b.givenID, a.givenCode, b.givenCode, true)
	f := nameLevel(a.family, b.family, a.familyID, b.familyID, a.familyCode, b.familyCode, false)
	if g >= NameInitial && f >= NameInitial && a.given != "" && a.family != "" && b.given != "" && b.family != "" {
		// Swapped: each name agrees with the other's other name.
		g2 := nameLevel(a.given, b.family, 0, 0, a.givenCode, b.familyCode, false)
		f2 := nameLevel(a.family, b.given, 0, 0, a.familyCode, b.givenCode, false)
		if g2 <= NameClose && f2 <= NameClose {
			return NameSwapped, NameSwapped
		}
	}
	return g, f
}

func nameLevel(a, b string, ai, bi uint32, ac, bc uint16, given bool) uint8 {
	switch {
	case a == "" || b == "":
		return LvlMissing
	case ai != 0 && ai == bi, a == b:
		return NameExact
	case len(a) == 1 || len(b) == 1:
		if a[0] == b[0] {
			return NameInitial
		}
		return NameElse
	case ac == bc && ac != 0, given && signpost.NameVariants(a, b):
		return NamePhonetic
	case signpost.EditDistance(a, b, 1) <= 1, JaroWinkler(a, b) >= 0.9, partOf(a, b):
		return NameClose
	}
	return NameElse
}

// partOf reports whether the shorter name (three letters or more) begins
// or ends the longer: one part of a double-barrelled family name
// (normalised, "joneswhitaker" and "jones"), or a short form (alex).
func partOf(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	return len(a) >= 3 && len(a) < len(b) && (strings.HasPrefix(b, a) || strings.HasSuffix(b, a))
}

func dobLevel(a, b *side) uint8 {
	switch {
	case a.dob == 0 || b.dob == 0:
		return LvlMissing
	case a.dob == b.dob:
		return DOBExact
	}
	x, y := a.dobs, b.dobs
	if x[5:7] == y[8:10] && x[8:10] == y[5:7] && x[:4] == y[:4] {
		return DOBSwapped
	}
	diff := 0
	for i := 0; i < 10; i++ {
		if x[i] != y[i] {
			diff++
		}
	}
	if diff == 1 {
		return DOBDigit
	}
	if x[:7] == y[:7] {
		return DOBYearMon
	}
	return DOBElse
}

func sexLevel(a, b uint8) uint8 {
	switch {
	case a == 0 || b == 0 || a > 2 || b > 2:
		return LvlMissing
	case a == b:
		return SexAgree
	}
	return SexDisagree
}

// pcLevel compares packed postcodes: the inward code is the last three
// characters (18 bits), its first character the sector's.
func pcLevel(a, b uint64) uint8 {
	switch {
	case a == 0 || b == 0:
		return LvlMissing
	case a == b:
		return PCExact
	case a>>12 == b>>12:
		return PCSector
	case a>>18 == b>>18:
		return PCDistrict
	}
	return PCElse
}

// JaroWinkler is the Jaro-Winkler similarity of two strings (bytes).
func JaroWinkler(a, b string) float64 {
	if a == b {
		return 1
	}
	la, lb := len(a), len(b)
	if la == 0 || lb == 0 || la > 64 || lb > 64 {
		return 0
	}
	window := max(la, lb)/2 - 1
	window = max(window, 0)
	var ma, mb uint64
	matches := 0
	for i := 0; i < la; i++ {
		lo, hi := max(0, i-window), min(lb, i+window+1)
		for j := lo; j < hi; j++ {
			if mb&(1<<j) == 0 && a[i] == b[j] {
				ma |= 1 << i
				mb |= 1 << j
				matches++
				break
			}
		}
	}
	if matches == 0 {
		return 0
	}
	trans, j := 0, 0
	for i := 0; i < la; i++ {
		if ma&(1<<i) == 0 {
			continue
		}
		for mb&(1<<j) == 0 {
			j++
		}
		if a[i] != b[j] {
			trans++
		}
		j++
	}
	mf := float64(matches)
	jaro := (mf/float64(la) + mf/float64(lb) + (mf-float64(trans/2))/mf) / 3
	prefix := 0
	for prefix < min(4, la, lb) && a[prefix] == b[prefix] {
		prefix++
	}
	return jaro + float64(prefix)*0.1*(1-jaro)
}

// DefaultModel is the model before any is estimated: m from what studies
// of administrative data report (Harron et al. 2017; the ALSPAC study in
// docs/feeds.md), u from a population like ours. It decides a store's first
// import only when there is nothing yet to estimate from (an empty store).
func DefaultModel() *Model {
	m := &Model{Version: ModelVersion, Prior: 1e-5, TargetFDR: TargetFDR}
	m.M = [NumFields][NumLevels]float64{
		{0, 0.90, 0.04, 0.02, 0.005, 0.005, 0.03},
		{0, 0.90, 0.02, 0.02, 0.001, 0.005, 0.054},
		{0, 0.97, 0.007, 0.007, 0.003, 0.013},
		{0, 0.995, 0.005},
		{0, 0.80, 0.03, 0.07, 0.10},
	}
	m.U = [NumFields][NumLevels]float64{
		{0, 0.01, 0.02, 0.01, 0.002, 0.0001, 0.958},
		{0, 0.005, 0.01, 0.005, 0.001, 0.0001, 0.979},
		{0, 0.0002, 0.0001, 0.002, 0.005, 0.9927},
		{0, 0.5, 0.5},
		{0, 0.0002, 0.002, 0.01, 0.9878},
	}
	m.prepare()
	m.AutoLink, m.Review = WeightOf(0.999), WeightOf(0.2)
	return m
}
