// Package population generates a deterministic synthetic population of English
// children: names weighted by real frequencies, dates of birth, addresses and
// postcodes in real local authorities, NHS numbers, UPNs, carers, schools and
// GP practices. It seeds the demo directory and drives national-scale
// benchmarks, so it streams: a Generator holds a few tables and a scratch
// buffer, never the children it has made.
//
// All of it is fictional. Phone numbers are from Ofcom's ranges reserved for
// drama, e-mail addresses are at example.com and example.org. NHS numbers and
// UPNs are well formed (they pass the check-digit tests) but are made up from
// the serial number and may, by chance, equal a real person's.
package population

import (
	"math/bits"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"signpost"
)

// Generator yields children deterministically from a seed.
//
// Next(serial) depends only on the seed, the day given to New and serial, not
// on what was generated before, so a national population can be made in
// parallel by giving each worker its own Generator (same seed) and a disjoint
// range of serials. A Generator is not safe for concurrent use.
type Generator struct {
	seed     uint64
	src      rand.PCG
	t        *authTables
	n        *nameTables
	days     []dayInfo // every possible date of birth, oldest first
	septs    []string  // autumn-term start date per year, from septBase
	septBase int
	lastSept int // latest year whose autumn term has started by today
	buf      []byte
}

// dayInfo is what a date of birth implies, worked out once in New.
type dayInfo struct {
	date      string // YYYY-MM-DD
	phase     uint8  // 0 not at school, 1 primary (or nursery class), 2 secondary
	upnYY     uint8  // year the UPN was allocated, two digits
	startYear int16  // year the child started at the current phase
	start     string
}

const (
	phaseNone = iota
	phasePrimary
	phaseSecondary
)

// New returns a generator for the given seed. today fixes the population's
// ages: children are born in the 18 years up to and including today's date
// (taken in today's own location), so they are aged 0 to 17.
func New(seed int64, today time.Time) *Generator {
	g := &Generator{
		seed: mix64(uint64(seed) ^ 0x9e3779b97f4a7c15),
		t:    tables(),
		n:    names(),
		buf:  make([]byte, 0, 512),
	}
	g.src.Seed(g.seed, 0)
	g.buildDays(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC))
	return g
}

// termStart is the first day of the autumn term in year y: the first
// Wednesday on or after 1 September.
func termStart(y int) time.Time {
	t := time.Date(y, time.September, 1, 0, 0, 0, 0, time.UTC)
	for t.Weekday() != time.Wednesday {
		t = t.AddDate(0, 0, 1)
	}
	return t
}

func (g *Generator) buildDays(today time.Time) {
	earliest := today.AddDate(-18, 0, 1)
	n := int(today.Sub(earliest)/(24*time.Hour)) + 1
	four := today.AddDate(-4, 0, 0)

	g.septBase = earliest.Year() - 1
	g.lastSept = today.Year()
	if termStart(today.Year()).After(today) {
		g.lastSept--
	}
	for y := g.septBase; y <= today.Year(); y++ {
		g.septs = append(g.septs, termStart(y).Format(signpost.DateLayout))
	}

	all := make([]byte, 0, n*10)
	g.days = make([]dayInfo, n)
	t := earliest
	for i := range g.days {
		all = t.AppendFormat(all, signpost.DateLayout)
		d := &g.days[i]
		if !t.After(four) {
			// Academic cohort: children born September to August start
			// reception together in the September after they turn four.
			cohort := t.Year()
			if t.Month() < time.September {
				cohort--
			}
			rec, y7 := cohort+5, cohort+12
			switch {
			case !termStart(y7).After(today):
				d.phase, d.startYear, d.upnYY = phaseSecondary, int16(y7), uint8(rec%100)
				d.start = g.septs[y7-g.septBase]
			case !termStart(rec).After(today):
				d.phase, d.startYear, d.upnYY = phasePrimary, int16(rec), uint8(rec%100)
				d.start = g.septs[rec-g.septBase]
			default:
				// Four, but reception is next September: in the school's
				// nursery class since last September.
				nur := rec - 1
				d.phase, d.startYear, d.upnYY = phasePrimary, int16(nur), uint8(nur%100)
				if termStart(nur).After(today) {
					d.start = time.Date(nur, time.September, 1, 0, 0, 0, 0, time.UTC).Format(signpost.DateLayout)
				} else {
					d.start = g.septs[nur-g.septBase]
				}
			}
		}
		t = t.AddDate(0, 0, 1)
	}
	s := string(all)
	for i := range g.days {
		g.days[i].date = s[i*10 : i*10+10]
	}
}

// mix64 is the SplitMix64 finaliser.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// intn returns a number in [0, n) (n > 0) from the PCG stream.
func (g *Generator) intn(n int) int {
	hi, _ := bits.Mul64(g.src.Uint64(), uint64(n))
	return int(hi)
}

// chance reports true with probability pct/100.
func (g *Generator) chance(pct int) bool { return g.intn(100) < pct }

// weighted is a frequency-weighted list of names, sampled in constant time
// with Vose's alias method (built with integers, so identical everywhere).
type weighted struct {
	names  []string
	groups []uint8
	w      []uint64
	total  uint64
	// prob[i] (out of total) is the chance slot i keeps its own entry;
	// otherwise it yields alias[i].
	prob  []uint64
	alias []int32
}

func (w *weighted) add(name string, weight int, group uint8) {
	w.names = append(w.names, name)
	w.groups = append(w.groups, group)
	w.w = append(w.w, uint64(weight))
	w.total += uint64(weight)
	w.prob = nil
}

// build makes the alias table; call it after the last add.
func (w *weighted) build() *weighted {
	n := len(w.w)
	w.prob, w.alias = make([]uint64, n), make([]int32, n)
	scaled := make([]uint64, n) // weight × n; the average slot holds total
	var small, large []int32
	for i, x := range w.w {
		scaled[i] = x * uint64(n)
		w.alias[i] = int32(i)
		if scaled[i] < w.total {
			small = append(small, int32(i))
		} else {
			large = append(large, int32(i))
		}
	}
	for len(small) > 0 && len(large) > 0 {
		s, l := small[len(small)-1], large[len(large)-1]
		small = small[:len(small)-1]
		w.prob[s], w.alias[s] = scaled[s], l
		scaled[l] -= w.total - scaled[s]
		if scaled[l] < w.total {
			large = large[:len(large)-1]
			small = append(small, l)
		}
	}
	for _, i := range large {
		w.prob[i] = w.total
	}
	for _, i := range small { // only by rounding; cannot happen with integers
		w.prob[i] = w.total
	}
	return w
}

func newWeighted(list []nameW) *weighted {
	w := &weighted{}
	for _, e := range list {
		w.add(e.name, e.w, 0)
	}
	return w.build()
}

// pick returns an index of w with probability proportional to its weight. One
// 64-bit draw gives both the slot (high part of u·n) and the coin (the
// fraction left over, scaled to total).
func (g *Generator) pick(w *weighted) int {
	slot, frac := bits.Mul64(g.src.Uint64(), uint64(len(w.prob)))
	coin, _ := bits.Mul64(frac, w.total)
	if coin < w.prob[slot] {
		return int(slot)
	}
	return int(w.alias[slot])
}

type nameTables struct {
	surnames  *weighted
	groupSurn [numGroups]*weighted
	children  [numGroups][2]*weighted
	carers    [numGroups][2]*weighted
	grandmas  *weighted
}

var names = sync.OnceValue(func() *nameTables {
	n := &nameTables{surnames: &weighted{}}
	for i := range n.groupSurn {
		n.groupSurn[i] = &weighted{}
	}
	for _, s := range surnames {
		n.surnames.add(s.name, s.w, s.group)
		n.groupSurn[s.group].add(s.name, s.w, s.group)
	}
	n.surnames.build()
	for _, w := range n.groupSurn {
		w.build()
	}
	n.children[groupGeneral] = [2]*weighted{newWeighted(boys), newWeighted(girls)}
	for gr := 1; gr < numGroups; gr++ {
		n.children[gr] = [2]*weighted{newWeighted(groupChildNames[gr][0]), newWeighted(groupChildNames[gr][1])}
	}
	for gr := range numGroups {
		n.carers[gr] = [2]*weighted{newWeighted(carerNames[gr][0]), newWeighted(carerNames[gr][1])}
	}
	n.grandmas = newWeighted(grandmothers)
	return n
})

// Sex indexes into the [2] name tables.
const (
	male   = 0
	female = 1
)

// inwardLetters are the letters allowed in the last two places of a postcode.
const inwardLetters = "ABDEFGHJLNPQRSTUWXYZ"

// upnAlphabet is the DfE check-letter alphabet (no I, O, S).
const upnAlphabet = "ABCDEFGHJKLMNPQRTUVWXYZ"

// childBlock holds a child's carers and settings in one allocation.
type childBlock struct {
	carers [2]signpost.Carer
	school signpost.Setting
	gp     signpost.Setting
}

// span is a substring of the scratch buffer.
type span struct{ a, b int32 }

func (g *Generator) mark() int32 { return int32(len(g.buf)) }

func (g *Generator) num(n int) { g.buf = strconv.AppendInt(g.buf, int64(n), 10) }

func (g *Generator) str(s string) { g.buf = append(g.buf, s...) }

// Next returns the next child. serial is used for the Signpost ID via
// signpost.SignpostID(serial) (so 0 < serial < 10^8) and for the NHS number,
// which is unique per serial in that range, and the UPN. The child is a pure
// function of the seed, New's today and serial: callers number children
// 1, 2, 3, … (or shard the range) and get the same population every time.
// Carers, School and GP of one child share a single allocation; the strings
// share one backing array.
func (g *Generator) Next(serial int) signpost.Child {
	g.src.Seed(g.seed, mix64(uint64(serial)))
	t, n := g.t, g.n
	ai := g.pick(t.weights)
	a := &t.data[ai]
	spec := a.spec

	sex := male
	gender := "male"
	if g.intn(1000) < 488 {
		sex, gender = female, "female"
	}

	// Family name, with a local bias towards some communities' surnames.
	var base string
	var grp uint8
	if spec.boostPer > 0 && g.intn(1000) < spec.boostPer {
		w := n.groupSurn[spec.boost]
		i := g.pick(w)
		base, grp = w.names[i], w.groups[i]
	} else {
		i := g.pick(n.surnames)
		base, grp = n.surnames.names[i], n.surnames.groups[i]
	}
	family := base
	if sex == male {
		family = maleForm(base)
	}

	gw := n.children[grp][sex]
	if grp != groupGeneral && g.chance(20) {
		gw = n.children[groupGeneral][sex]
	}
	given := gw.names[g.pick(gw)]

	di := g.intn(len(g.days))
	day := &g.days[di]

	g.buf = g.buf[:0]
	var addr, pc, nhs, upn span

	// Address: "Flat 3, 12 Oak Road, Leeds".
	addr.a = g.mark()
	if g.chance(10) {
		g.str("Flat ")
		g.num(1 + g.intn(24))
		g.str(", ")
	}
	g.num(1 + g.intn(180))
	g.buf = append(g.buf, ' ')
	g.str(streetFirst[g.intn(len(streetFirst))])
	g.buf = append(g.buf, ' ')
	g.str(streetSuffix[g.intn(len(streetSuffix))])
	g.str(a.townSuffix)
	addr.b = g.mark()

	// Postcode: area, district, space, digit and two letters.
	pc.a = g.mark()
	ar := &spec.areas[g.intn(len(spec.areas))]
	g.str(ar.area)
	g.num(ar.lo + g.intn(ar.hi-ar.lo+1))
	g.buf = append(g.buf, ' ', byte('1'+g.intn(9)), inwardLetters[g.intn(len(inwardLetters))], inwardLetters[g.intn(len(inwardLetters))])
	pc.b = g.mark()

	nhs.a = g.mark()
	g.buf = appendNHS(g.buf, serial)
	nhs.b = g.mark()

	// School and UPN for children of four and over.
	var schoolIdx int
	var schoolStart string
	if day.phase != phaseNone {
		prim := a.primaries[g.intn(len(a.primaries))]
		schoolIdx = prim
		if day.phase == phaseSecondary {
			schoolIdx = a.secondaries[g.intn(len(a.secondaries))]
		}
		schoolStart = day.start
		if y := int(day.startYear); y < g.lastSept && g.chance(8) {
			// Moved school in a later year.
			schoolStart = g.septs[y+1+g.intn(g.lastSept-y)-g.septBase]
		}
		upn.a = g.mark()
		g.buf = appendUPN(g.buf, spec.la, a.estab[prim], int(day.upnYY), serial)
		upn.b = g.mark()
	}

	gpIdx := g.intn(len(a.pub.GPs))
	gpDay := min(di+14+g.intn(43), len(g.days)-1)

	// Carers.
	var cs [2]carerDraft
	nc := g.carers(&cs, base, grp)
	var cnames, phones, emails [2]span
	for i := 0; i < nc; i++ {
		c := &cs[i]
		cnames[i].a = g.mark()
		g.str(c.given)
		g.buf = append(g.buf, ' ')
		g.str(c.family)
		cnames[i].b = g.mark()
		if g.chance(92) {
			phones[i].a = g.mark()
			g.str("07700 900")
			k := g.intn(1000)
			g.buf = append(g.buf, byte('0'+k/100), byte('0'+k/10%10), byte('0'+k%10))
			phones[i].b = g.mark()
		}
		if g.chance(70) {
			emails[i].a = g.mark()
			g.buf = appendLowerLetters(g.buf, c.given)
			g.buf = append(g.buf, '.')
			g.buf = appendLowerLetters(g.buf, c.family)
			if g.chance(25) {
				g.num(1 + g.intn(99))
			}
			if g.chance(60) {
				g.str("@example.com")
			} else {
				g.str("@example.org")
			}
			emails[i].b = g.mark()
		}
	}

	s := string(g.buf)
	sub := func(sp span) string { return s[sp.a:sp.b] }

	blk := new(childBlock)
	for i := 0; i < nc; i++ {
		blk.carers[i] = signpost.Carer{
			Name:                   sub(cnames[i]),
			Relationship:           cs[i].rel,
			ParentalResponsibility: cs[i].pr,
			Phone:                  sub(phones[i]),
			Email:                  sub(emails[i]),
		}
	}
	c := signpost.Child{
		SignpostID:   signpost.SignpostID(serial),
		GivenName:    given,
		FamilyName:   family,
		DateOfBirth:  day.date,
		Gender:       gender,
		Status:       signpost.StatusActive,
		Authority:    spec.name,
		Address:      sub(addr),
		Postcode:     sub(pc),
		NHSNumber:    sub(nhs),
		UPN:          sub(upn),
		Carers:       blk.carers[:nc:nc],
		Involvements: []signpost.Involvement{},
	}
	if day.phase != phaseNone {
		blk.school = a.pub.Schools[schoolIdx]
		blk.school.StartedOn = schoolStart
		c.School = &blk.school
	}
	blk.gp = a.pub.GPs[gpIdx]
	blk.gp.StartedOn = g.days[gpDay].date
	c.GP = &blk.gp
	return c
}

// carerDraft is a carer before the strings are laid out.
type carerDraft struct {
	given, family, rel string
	pr                 bool
}

// carers fills cs with one or two carers and returns how many.
func (g *Generator) carers(cs *[2]carerDraft, base string, grp uint8) int {
	n := g.n
	mother := func(c *carerDraft) {
		w := n.carers[grp][female]
		c.given = w.names[g.pick(w)]
		c.family = femaleForm(base)
		if g.chance(12) {
			c.family = n.surnames.names[g.pick(n.surnames)]
		}
		c.rel, c.pr = "mother", true
	}
	father := func(c *carerDraft) {
		w := n.carers[grp][male]
		c.given = w.names[g.pick(w)]
		c.family = maleForm(base)
		c.rel, c.pr = "father", g.chance(92)
	}
	other := func() string { return n.surnames.names[g.pick(n.surnames)] }
	switch r := g.intn(100); {
	case r < 50:
		mother(&cs[0])
		father(&cs[1])
		return 2
	case r < 78:
		mother(&cs[0])
		return 1
	case r < 83:
		father(&cs[0])
		return 1
	case r < 89:
		mother(&cs[0])
		w := n.carers[groupGeneral][male]
		cs[1] = carerDraft{given: w.names[g.pick(w)], family: other(), rel: "stepfather", pr: g.chance(20)}
		return 2
	case r < 95:
		w := n.grandmas
		if grp != groupGeneral {
			w = n.carers[grp][female]
		}
		fam := femaleForm(base)
		if g.chance(40) {
			fam = other()
		}
		cs[0] = carerDraft{given: w.names[g.pick(w)], family: fam, rel: "grandmother", pr: g.chance(60)}
		return 1
	default:
		w := n.carers[groupGeneral][female]
		if g.chance(25) {
			w = n.carers[groupGeneral][male]
		}
		cs[0] = carerDraft{given: w.names[g.pick(w)], family: other(), rel: "foster carer", pr: false}
		return 1
	}
}

// maleForm and femaleForm give the surname a man or woman of the family
// usually carries where the community's naming depends on sex.
func maleForm(s string) string {
	switch s {
	case "Kaur":
		return "Singh"
	case "Begum":
		return "Miah"
	case "Bibi":
		return "Khan"
	}
	return s
}

func femaleForm(s string) string {
	if s == "Singh" {
		return "Kaur"
	}
	return s
}

// appendLowerLetters appends s lower-cased, ASCII letters only ("O'Brien" → "obrien").
func appendLowerLetters(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			b = append(b, c)
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		}
	}
	return b
}

// nhsStem returns the nine-digit stem of the NHS number for serial: a
// pseudo-random permutation of the serial (mod 10^8) in the 4xx xxx xxx range,
// moved to 6xx xxx xxx when that stem's check digit would be 10. Changing the
// first digit from 4 to 6 changes the weighted sum by 20 ≡ 9 (mod 11), so the
// second stem is always usable, and stems stay unique for 0 <= serial < 10^8.
func nhsStem(serial int) (stem uint64, check int) {
	stem = 400_000_000 + permute8(uint64(serial)%100_000_000)
	sum := weightedSum(stem)
	if sum%11 == 1 {
		stem += 200_000_000
		sum = weightedSum(stem)
	}
	check = 11 - sum%11
	if check == 11 {
		check = 0
	}
	return stem, check
}

// permute8 is a bijection on [0, 10^8): a four-round Feistel network on two
// four-digit halves, so consecutive serials get unrelated numbers.
func permute8(x uint64) uint64 {
	const half = 10_000
	l, r := x/half, x%half
	for round := uint64(1); round <= 4; round++ {
		l, r = r, (l+mix64(r*0x100+round)%half)%half
	}
	return l*half + r
}

func weightedSum(stem uint64) int {
	sum := 0
	for w := 2; w <= 10; w++ {
		sum += int(stem%10) * w
		stem /= 10
	}
	return sum
}

// appendNHS appends the ten-digit NHS number for serial.
func appendNHS(b []byte, serial int) []byte {
	stem, check := nhsStem(serial)
	var d [10]byte
	d[9] = byte('0' + check)
	for i := 8; i >= 0; i-- {
		d[i] = byte('0' + stem%10)
		stem /= 10
	}
	return append(b, d[:]...)
}

// appendUPN appends a UPN: check letter, DfE LA number (3 digits), the
// allocating school's establishment number (4), year of allocation (2) and a
// serial (3). The last three are serial mod 1000, so UPNs are well formed but
// not guaranteed unique.
func appendUPN(b []byte, la, estab, yy, serial int) []byte {
	var d [13]byte
	put := func(at, width, v int) {
		for i := at + width - 1; i >= at; i-- {
			d[i] = byte('0' + v%10)
			v /= 10
		}
	}
	put(1, 3, la)
	put(4, 4, estab)
	put(8, 2, yy)
	s := serial % 1000
	if s < 0 {
		s = -s
	}
	put(10, 3, s)
	sum := 0
	for i := 1; i < 13; i++ {
		sum += int(d[i]-'0') * (i + 1)
	}
	d[0] = upnAlphabet[sum%23]
	return append(b, d[:]...)
}
