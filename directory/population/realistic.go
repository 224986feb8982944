package population

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"strings"
	"time"

	"signpost"
	"signpost/directory/feed"
)

// ErrorModel is how WriteFeedsWith corrupts the rows it writes.
type ErrorModel string

const (
	// DefaultErrors is the original model: one Typo in 4% of census rows
	// and 2% of GP rows, 1% of families moved. Its output for a seed never
	// changes, so the scale figures measured on it stay comparable.
	DefaultErrors ErrorModel = "default"
	// RealisticErrors adds the errors studies of administrative data
	// report, at their rates, chosen without regard to how the matcher
	// works (docs/feeds.md, "The realistic error model").
	RealisticErrors ErrorModel = "realistic"
)

// ParseErrorModel reads the name of an error model ("" is the default).
func ParseErrorModel(s string) (ErrorModel, error) {
	switch ErrorModel(strings.ToLower(s)) {
	case "", DefaultErrors:
		return DefaultErrors, nil
	case RealisticErrors:
		return RealisticErrors, nil
	}
	return "", fmt.Errorf("unknown error model %q: use default or realistic", s)
}

// Options are WriteFeedsWith's choices beyond size, seed and day.
type Options struct {
	Errors ErrorModel // "" is DefaultErrors
}

// Rates of the realistic model, per 10,000 eligible children or rows (see
// realisticKinds for what each applies to). docs/feeds.md gives the source
// of each figure, or says it is an assumption.
const (
	doubleBarrelledP10k = 300  // children whose family name is double-barrelled
	onePartP10k         = 4000 // of their census and GP rows, those with one part only
	realisticMovedP10k  = 1500 // families moved since the birth was registered
	moveFarP10k         = 5000 // of the moves, those to another postcode district
	gpNotUpdatedP10k    = 3000 // of the moved with a GP row, the practice not told
	familyChangedP10k   = 150  // rows with another family name altogether
	nicknameP10k        = 500  // rows, of given names with a short form or variant
	givenTypoP10k       = 100  // rows with a one-letter slip in the given name
	familyTypoP10k      = 150  // rows with a one-letter slip in the family name
	namesSwappedP10k    = 50   // rows with given and family names swapped
	dobSwapP10k         = 50   // rows, of dates that can be, with day and month swapped
	dobDigitP10k        = 50   // rows with one digit of the date of birth mis-keyed
	postcodeTypoP10k    = 100  // rows with one character of the postcode mis-keyed
	postcodeMissingP10k = 200  // rows without a postcode
	sexMissingP10k      = 50   // rows without sex
)

// RealisticKinds names the errors the realistic model makes, as FeedStats
// counts them, with their rates per 10,000 eligible children or rows.
var RealisticKinds = []struct {
	Name string
	P10k int
}{
	{"double_barrelled", doubleBarrelledP10k}, {"one_part_of_double_barrelled", onePartP10k},
	{"moved", realisticMovedP10k}, {"moved_district", moveFarP10k}, {"gp_postcode_not_updated", gpNotUpdatedP10k},
	{"family_name_changed", familyChangedP10k}, {"nickname", nicknameP10k},
	{"given_typo", givenTypoP10k}, {"family_typo", familyTypoP10k}, {"names_swapped", namesSwappedP10k},
	{"dob_day_month_swapped", dobSwapP10k}, {"dob_digit", dobDigitP10k},
	{"postcode_typo", postcodeTypoP10k}, {"postcode_missing", postcodeMissingP10k}, {"sex_missing", sexMissingP10k},
}

// shortForms maps a given name to the short forms, nicknames and other
// spellings a school or practice may hold instead. It is the generator's own
// table, kept apart from the matcher's list of variants on purpose: some of
// these the matcher may not know.
var shortForms = map[string][]string{
	"Alexander": {"Alex", "Xander", "Sandy"}, "Alexandra": {"Alex", "Lexi", "Sasha"},
	"Elizabeth": {"Beth", "Liz", "Lizzie", "Eliza", "Libby"}, "William": {"Bill", "Will", "Billy", "Liam"},
	"James": {"Jim", "Jamie", "Jimmy"}, "Thomas": {"Tom", "Tommy"}, "Joseph": {"Joe", "Joey"},
	"Daniel": {"Dan", "Danny"}, "Samuel": {"Sam", "Sammy"}, "Benjamin": {"Ben", "Benji"},
	"Matthew": {"Matt"}, "Michael": {"Mike", "Mikey", "Mick"}, "Edward": {"Ed", "Eddie", "Ted", "Ned"},
	"Henry": {"Harry", "Hal"}, "Harrison": {"Harry"}, "Oliver": {"Ollie", "Olly"}, "Joshua": {"Josh"},
	"Zachary": {"Zach", "Zack", "Zak"}, "Freddie": {"Fred", "Frederick"}, "Alfie": {"Alfred", "Alf"},
	"Archie": {"Archibald"}, "Theodore": {"Theo", "Teddy"}, "Sebastian": {"Seb"}, "Nathan": {"Nate"},
	"Jacob": {"Jake"}, "Muhammad": {"Mohammed", "Mohammad", "Mohamed", "Muhammed", "Mohd"},
	"Mohammed": {"Muhammad", "Mohammad", "Mohamed", "Mohd"}, "Ibrahim": {"Ebrahim"}, "Yusuf": {"Yousef", "Yusef"},
	"Zakariya": {"Zakaria", "Zachariah"}, "Charlotte": {"Lottie", "Charlie"}, "Olivia": {"Liv", "Livvy"},
	"Isabella": {"Bella", "Izzy", "Isabel"}, "Isabelle": {"Izzy", "Belle"}, "Jessica": {"Jess", "Jessie"},
	"Rebecca": {"Becky", "Becca"}, "Victoria": {"Vicky", "Tori"}, "Abigail": {"Abbie", "Abby"},
	"Katherine": {"Kate", "Katie", "Kathy"}, "Samantha": {"Sam", "Sammie"}, "Emily": {"Em", "Emmy"},
	"Amelia": {"Millie", "Amy"}, "Florence": {"Flo", "Florrie"}, "Eleanor": {"Ellie", "Nell"},
	"Matilda": {"Tilly", "Tilda"}, "Penelope": {"Penny"}, "Beatrice": {"Bea"}, "Arabella": {"Bella"},
	"Evelyn": {"Evie"}, "Harriet": {"Hattie"}, "Sophia": {"Sophie"}, "Aisha": {"Ayesha"},
	"Fatima": {"Fatimah"}, "Maryam": {"Mariam"},
}

// realistic makes the realistic model's errors for one person at a time,
// from a stream of its own, so the population and the events the default
// model decides (born abroad, duplicates, deaths) are the same under both.
type realistic struct {
	g     *Generator
	st    *FeedStats
	seed  uint64
	today time.Time
	areas map[string][]areaSpec // authority name → its postcode areas
	rng   *rand.Rand

	// the person's
	double bool // the family name is double-barrelled
}

func newRealistic(g *Generator, st *FeedStats, seed int64, today time.Time) *realistic {
	m := &realistic{g: g, st: st, seed: uint64(seed), today: today, areas: map[string][]areaSpec{}}
	for _, d := range g.t.data {
		m.areas[d.spec.name] = d.spec.areas
	}
	return m
}

// maybe counts a row or child as eligible for kind and reports whether the
// error is to be made, at p10k per 10,000.
func (m *realistic) maybe(kind string, p10k int) bool {
	m.st.Eligible[kind]++
	return m.rng.IntN(10000) < p10k
}

// made counts an error made.
func (m *realistic) made(kind string) { m.st.Errors[kind]++ }

// person starts on person s: it may give the child a double-barrelled
// family name, which all its clean rows then carry.
func (m *realistic) person(s int, c *signpost.Child) {
	m.rng = rand.New(rand.NewPCG(m.seed^0x7265616c69737469, uint64(s)*0xd1b54a32d192ed03))
	m.double = false
	if m.maybe("double_barrelled", doubleBarrelledP10k) {
		c.FamilyName += "-" + m.otherFamilyName(c.FamilyName, c.Gender)
		m.double = true
		m.made("double_barrelled")
	}
}

// otherFamilyName draws a family name other than not's (or any of its parts).
func (m *realistic) otherFamilyName(not, gender string) string {
	for {
		w := m.g.n.surnames
		slot, frac := bits.Mul64(m.rng.Uint64(), uint64(len(w.prob)))
		coin, _ := bits.Mul64(frac, w.total)
		i := int(slot)
		if coin >= w.prob[slot] {
			i = int(w.alias[slot])
		}
		name := w.names[i]
		if gender == "male" {
			name = maleForm(name)
		}
		if !strings.Contains(not, name) {
			return name
		}
	}
}

// move decides whether the family moved since the birth was registered,
// and returns the postcode the census and the GP practice hold.
func (m *realistic) move(c *signpost.Child, hasGP bool) (school, gp string) {
	if !m.maybe("moved", realisticMovedP10k) {
		return c.Postcode, c.Postcode
	}
	m.made("moved")
	now := movePostcode(m.rng, c.Postcode)
	if m.maybe("moved_district", moveFarP10k) {
		now = m.otherDistrict(c)
		m.made("moved_district")
	}
	gp = now
	if hasGP && m.maybe("gp_postcode_not_updated", gpNotUpdatedP10k) {
		gp = c.Postcode
		m.made("gp_postcode_not_updated")
	}
	return now, gp
}

// otherDistrict returns a postcode in another district of the child's
// authority (or, for an authority of one district, in another sector).
func (m *realistic) otherDistrict(c *signpost.Child) string {
	areas := m.areas[c.Authority]
	for range 20 {
		ar := areas[m.rng.IntN(len(areas))]
		pc := fmt.Sprintf("%s%d %c%c%c", ar.area, ar.lo+m.rng.IntN(ar.hi-ar.lo+1), '1'+m.rng.IntN(9),
			inwardLetters[m.rng.IntN(len(inwardLetters))], inwardLetters[m.rng.IntN(len(inwardLetters))])
		if signpost.OutwardCode(pc) != signpost.OutwardCode(c.Postcode) {
			return pc
		}
	}
	return movePostcode(m.rng, c.Postcode)
}

// row corrupts one census or GP row about the person.
func (m *realistic) row(r *feed.Record) {
	if m.double && m.maybe("one_part_of_double_barrelled", onePartP10k) {
		parts := strings.SplitN(r.FamilyName, "-", 2)
		r.FamilyName = parts[m.rng.IntN(2)]
		m.made("one_part_of_double_barrelled")
	}
	if m.maybe("family_name_changed", familyChangedP10k) {
		r.FamilyName = m.otherFamilyName(r.FamilyName, sexGender(r.Sex))
		m.made("family_name_changed")
	}
	if forms := shortForms[r.GivenName]; len(forms) > 0 && m.maybe("nickname", nicknameP10k) {
		r.GivenName = forms[m.rng.IntN(len(forms))]
		m.made("nickname")
	}
	if m.maybe("given_typo", givenTypoP10k) {
		if s, ok := m.slip(r.GivenName); ok {
			r.GivenName = s
			m.made("given_typo")
		}
	}
	if m.maybe("family_typo", familyTypoP10k) {
		if s, ok := m.slip(r.FamilyName); ok {
			r.FamilyName = s
			m.made("family_typo")
		}
	}
	if m.maybe("names_swapped", namesSwappedP10k) {
		r.GivenName, r.FamilyName = r.FamilyName, r.GivenName
		m.made("names_swapped")
	}
	if sw, ok := signpost.SwapDayMonth(r.DateOfBirth); ok && m.maybe("dob_day_month_swapped", dobSwapP10k) {
		if m.dobFits(sw, r) {
			r.DateOfBirth = sw
			m.made("dob_day_month_swapped")
		}
	}
	if m.maybe("dob_digit", dobDigitP10k) {
		if d, ok := m.dobDigit(r); ok {
			r.DateOfBirth = d
			m.made("dob_digit")
		}
	}
	if r.Postcode != "" && m.maybe("postcode_typo", postcodeTypoP10k) {
		if pc, ok := m.postcodeSlip(r.Postcode); ok {
			r.Postcode = pc
			m.made("postcode_typo")
		}
	}
	if m.maybe("postcode_missing", postcodeMissingP10k) {
		r.Postcode = ""
		m.made("postcode_missing")
	}
	if m.maybe("sex_missing", sexMissingP10k) {
		r.Sex = ""
		m.made("sex_missing")
	}
}

func sexGender(sex string) string {
	if sex == "M" {
		return "male"
	}
	return "female"
}

// slip makes one keying error in a name, never in its first letter: a
// neighbouring key, two letters swapped, a letter dropped or doubled.
func (m *realistic) slip(s string) (string, bool) {
	p := letterPositions(s)
	if len(p) == 0 {
		return s, false
	}
	for range 10 {
		i := p[m.rng.IntN(len(p))]
		b := []byte(s)
		switch m.rng.IntN(4) {
		case 0:
			nb := keyboard[lower(s[i])-'a']
			b[i] = withCaseOf(s[i], nb[m.rng.IntN(len(nb))])
		case 1:
			if i+1 >= len(s) || !isLetter(s[i+1]) || lower(s[i]) == lower(s[i+1]) {
				continue
			}
			b[i], b[i+1] = withCaseOf(s[i], s[i+1]), withCaseOf(s[i+1], s[i])
		case 2:
			if !droppable(s) {
				continue
			}
			b = append(b[:i:i], s[i+1:]...)
		case 3:
			b = append(b[:i+1:i+1], s[i:]...)
		}
		if out := string(b); out != s {
			return out, true
		}
	}
	return s, false
}

// dobFits reports whether d can stand as the row's date of birth: a real
// date of someone under 25, not after today or the row's start date.
func (m *realistic) dobFits(d string, r *feed.Record) bool {
	if _, err := signpost.CheckDateOfBirth("date_of_birth", d, m.today); err != nil {
		return false
	}
	return r.StartDate == "" || d <= r.StartDate
}

// dobDigit mis-keys one digit of the day, the month or the last two of the
// year of the row's date of birth.
func (m *realistic) dobDigit(r *feed.Record) (string, bool) {
	positions := []int{2, 3, 5, 6, 8, 9} // YYYY-MM-DD
	for range 20 {
		b := []byte(r.DateOfBirth)
		i := positions[m.rng.IntN(len(positions))]
		b[i] = byte('0' + m.rng.IntN(10))
		if d := string(b); d != r.DateOfBirth && m.dobFits(d, r) {
			return d, true
		}
	}
	return r.DateOfBirth, false
}

// postcodeSlip mis-keys one character of a postcode: a digit for another
// digit, or one of the last two letters for another allowed letter, so the
// postcode keeps its shape (one that does not would be rejected, not
// mismatched).
func (m *realistic) postcodeSlip(pc string) (string, bool) {
	for range 20 {
		b := []byte(pc)
		i := m.rng.IntN(len(b))
		switch c := b[i]; {
		case c >= '0' && c <= '9':
			b[i] = byte('0' + m.rng.IntN(10))
		case i >= len(b)-2:
			b[i] = inwardLetters[m.rng.IntN(len(inwardLetters))]
		default:
			continue
		}
		if out := string(b); out != pc && signpost.ValidPostcode(out) {
			return out, true
		}
	}
	return pc, false
}
