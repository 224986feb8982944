// Package match is record matching for the directory: an in-memory index of
// every live child's identity (names, date of birth, gender, postcode, NHS
// number, UPN) with the blocking a national population needs, and the rules
// that decide whether a feed record is a child already held.
//
// The index exists because the store is encrypted page by page with a cipher
// that has no hardware help: finding the children born on one day reads
// dozens of pages, each decrypted on every cold read. Held decrypted in
// memory (about 45 bytes a child), the same look-up touches one contiguous
// bucket. The index is a cache: the store stays the record, and the index is
// rebuilt from it.
package match

import (
	"slices"
	"strings"

	"signpost"
)

// Identity is what the matcher knows of a child.
type Identity struct {
	Serial      int    // the number in the Signpost ID
	GivenName   string // as written
	FamilyName  string // as written
	DateOfBirth string // YYYY-MM-DD
	Gender      string
	Postcode    string // normalised
	NHSNumber   string // normalised, or ""
	UPN         string // normalised, or ""
	Authority   string
	Shielded    bool
	Deceased    bool
}

// SignpostID returns the child's Signpost ID.
func (id Identity) SignpostID() string { return signpost.SignpostID(id.Serial) }

// Candidate returns the identity as the search scorer sees it.
func (id Identity) Candidate() signpost.Candidate {
	return signpost.Candidate{SignpostID: id.SignpostID(), GivenName: signpost.NormaliseName(id.GivenName),
		FamilyName: signpost.NormaliseName(id.FamilyName), DateOfBirth: id.DateOfBirth, Gender: id.Gender,
		Postcode: id.Postcode, Shielded: id.Shielded, Given: id.GivenName, Family: id.FamilyName}
}

const chunkBits = 16

// entry is one child, packed: names and authority are dictionary ids,
// identifiers and postcode packed into integers (0 = none).
type entry struct {
	pc     uint64
	nhs    uint64
	upn    uint64
	given  uint32 // written
	family uint32 // written
	fam    uint32 // normalised family name, in the family dictionary
	serial uint32
	dob    uint16
	auth   uint16
	gender uint8
	flags  uint8
}

const (
	flagLive     = 1 << iota // the slot holds a child
	flagShielded             // shielded
	flagDeceased             // deceased
)

// Index holds identities. It is not safe for concurrent use (reads may run
// together); callers guard it.
//
// Children are found by date of birth and family name through one map
// keyed by both, so a look-up costs the same in a town as in England: the
// family names that could match a searched one are found first, exactly,
// in a dictionary of the distinct names (see families), then each is looked
// up on each date.
type Index struct {
	chunks [][]entry // entries by index, in chunks of 1<<chunkBits
	free   []uint32  // indexes of removed entries, for reuse
	bySer  [][]uint32
	dobs   [][]uint32        // by day (days since 1900-01-01, plus one): entry indexes
	byDay  []dayCodes        // by day: the family-name Soundex codes of the children born on it, with their lists
	pcHead map[uint64]uint32 // postcode → first index+1
	nodes  [][]node          // index → its links in the chains, and what filters them
	nhs    map[uint64]uint32
	upn    map[uint64]uint32
	names  dict     // names as written
	norms  []string // NormaliseName of each name
	days   []string // dates, by day, as strings
	auths  dict
	fams   families
	givens families // normalised given names
	gvn    []uint32 // written name → its normal form in givens (given names only)
	live   int
	// ids keeps the NHS and UPN maps; an index for search alone needs neither.
	ids bool
	// Issue 15: the Fellegi–Sunter blocking chains (blocking.go), importer index only.
	fsb [numChainRules]chains
	// fsTrace, if set, sees every child DecideFS compares (quality tests).
	fsTrace func(serial int)
	// dirty, while tracked, holds the blocking keys of every child put
	// or removed (fs_prepare.go).
	dirty map[dirtyKey]struct{}
	// fsN, if set, is the number of children the FS prior takes the index
	// to hold (quality tests asking what a larger store would decide).
	fsN int
}

// dict interns strings.
type dict struct {
	id map[string]uint32
	s  []string
}

func (d *dict) intern(s string) uint32 {
	if d.id == nil {
		d.id = map[string]uint32{"": 0}
		d.s = []string{""}
	}
	if i, ok := d.id[s]; ok {
		return i
	}
	i := uint32(len(d.s))
	s = strings.Clone(s) // never keep a slice of a caller's larger buffer alive
	d.id[s] = i
	d.s = append(d.s, s)
	return i
}

func (d *dict) get(i uint32) string {
	if int(i) >= len(d.s) {
		return ""
	}
	return d.s[i]
}

// New returns an empty index. withIdentifiers keeps maps from NHS number and
// UPN to child (the feed importer needs them; search asks the store).
func New(withIdentifiers bool) *Index {
	x := &Index{dobs: make([][]uint32, 1<<16), byDay: make([]dayCodes, 1<<16), pcHead: map[uint64]uint32{}, ids: withIdentifiers}
	if withIdentifiers {
		x.nhs, x.upn = map[uint64]uint32{}, map[uint64]uint32{}
	}
	x.names.intern("")
	x.norms = []string{""}
	x.days = make([]string, 1<<16)
	x.auths.intern("")
	x.fams.init()
	x.givens.init()
	x.gvn = []uint32{0}
	return x
}

// Len returns how many children the index holds.
func (x *Index) Len() int { return x.live }

func (x *Index) at(i uint32) *entry { return &x.chunks[i>>chunkBits][i&(1<<chunkBits-1)] }

// node is an entry's place in the chain of children at one postcode, with
// the keys a matcher filters on beside it: walking a chain touches one
// cache line a child, and the entry only for those that pass.
type node struct {
	pc    uint32 // next index+1 in the chain
	fam   uint32 // the family name, in fams
	given uint32 // the given name, in givens
	nhs   bool   // the child has an NHS number
	pcode uint64 // the postcode, packed
}

func (x *Index) node(i uint32) *node { return &x.nodes[i>>chunkBits][i&(1<<chunkBits-1)] }

func (x *Index) pcNextOf(i uint32) *uint32 { return &x.node(i).pc }

func (x *Index) slot(serial int) *uint32 {
	p := serial >> chunkBits
	for len(x.bySer) <= p {
		x.bySer = append(x.bySer, nil)
	}
	if x.bySer[p] == nil {
		x.bySer[p] = make([]uint32, 1<<chunkBits)
	}
	return &x.bySer[p][serial&(1<<chunkBits-1)]
}

func (x *Index) lookup(serial int) (uint32, bool) {
	p := serial >> chunkBits
	if serial <= 0 || p >= len(x.bySer) || x.bySer[p] == nil {
		return 0, false
	}
	v := x.bySer[p][serial&(1<<chunkBits-1)]
	return v - 1, v != 0
}

func (x *Index) alloc() uint32 {
	if n := len(x.free); n > 0 {
		i := x.free[n-1]
		x.free = x.free[:n-1]
		return i
	}
	n := 0
	if len(x.chunks) > 0 {
		n = (len(x.chunks)-1)<<chunkBits + len(x.chunks[len(x.chunks)-1])
	}
	if n&(1<<chunkBits-1) == 0 {
		x.chunks = append(x.chunks, make([]entry, 0, 1<<chunkBits))
		x.nodes = append(x.nodes, make([]node, 1<<chunkBits))
	}
	c := &x.chunks[len(x.chunks)-1]
	*c = append(*c, entry{})
	return uint32(n)
}

// Put adds a child or replaces the one with the same serial. Children that
// are archived or merged do not belong in the index: Remove them.
func (x *Index) Put(id Identity) {
	if id.Serial <= 0 {
		return
	}
	e := x.pack(id)
	x.touch(&e)
	if i, ok := x.lookup(id.Serial); ok {
		old := x.at(i)
		x.touch(old)
		if old.dob == e.dob && old.fam == e.fam && old.pc == e.pc && (old.nhs == 0) == (e.nhs == 0) &&
			x.givenCode(old.given) == x.givenCode(e.given) { // issue 15: the FS chains key on the given name's code
			// The keys stand: only the identifiers' maps may change.
			x.unmapIDs(i, old)
			*old = e
			x.mapIDs(i, old)
			x.setGiven(i, old)
			return
		}
		x.unlink(i)
		*x.at(i) = e
		x.link(i)
		return
	}
	i := x.alloc()
	*x.slot(id.Serial) = i + 1
	x.live++
	*x.at(i) = e
	x.link(i)
}

// Remove drops a child (archived, merged or purged).
func (x *Index) Remove(serial int) {
	i, ok := x.lookup(serial)
	if !ok {
		return
	}
	x.touch(x.at(i))
	x.unlink(i)
	*x.at(i) = entry{}
	*x.slot(serial) = 0
	x.free = append(x.free, i)
	x.live--
}

// Get returns the child with the serial.
func (x *Index) Get(serial int) (Identity, bool) {
	i, ok := x.lookup(serial)
	if !ok {
		return Identity{}, false
	}
	return x.identity(i), true
}

// ByNHSNumber returns the child holding an NHS number (index built with identifiers).
func (x *Index) ByNHSNumber(nhs string) (Identity, bool) {
	k := packNHS(nhs)
	if k == 0 || x.nhs == nil {
		return Identity{}, false
	}
	i, ok := x.nhs[k]
	if !ok {
		return Identity{}, false
	}
	return x.identity(i), true
}

// ByUPN returns a child holding a UPN (index built with identifiers).
func (x *Index) ByUPN(upn string) (Identity, bool) {
	k := packUPN(upn)
	if k == 0 || x.upn == nil {
		return Identity{}, false
	}
	i, ok := x.upn[k]
	if !ok {
		return Identity{}, false
	}
	return x.identity(i), true
}

func (x *Index) pack(id Identity) entry {
	e := entry{
		pc: packPostcode(id.Postcode), nhs: packNHS(id.NHSNumber), upn: packUPN(id.UPN),
		given: x.givenName(id.GivenName), family: x.name(id.FamilyName), fam: x.fams.intern(signpost.NormaliseName(id.FamilyName)),
		serial: uint32(id.Serial), dob: packDate(id.DateOfBirth), auth: uint16(x.auths.intern(id.Authority)),
		gender: packGender(id.Gender), flags: flagLive,
	}
	if e.dob != 0 && x.days[e.dob] == "" {
		x.days[e.dob] = unpackDate(e.dob)
	}
	if id.Shielded {
		e.flags |= flagShielded
	}
	if id.Deceased {
		e.flags |= flagDeceased
	}
	return e
}

// name interns a written name and keeps its normal form.
func (x *Index) name(s string) uint32 {
	i := x.names.intern(s)
	for int(i) >= len(x.norms) {
		x.norms = append(x.norms, signpost.NormaliseName(x.names.s[len(x.norms)]))
	}
	return i
}

// givenName interns a written given name, and its normal form in givens.
// Only the importer's index keeps givens (MatchDetails filters on them; a
// search index's children all have given name 0 there, which filters
// nothing).
func (x *Index) givenName(s string) uint32 {
	i := x.name(s)
	for int(i) >= len(x.gvn) {
		x.gvn = append(x.gvn, 0)
	}
	if x.ids && x.gvn[i] == 0 && x.norms[i] != "" {
		x.gvn[i] = x.givens.intern(x.norms[i])
	}
	return i
}

// day returns a packed date as a string, made once per day (by pack, so
// reads that run together never write).
func (x *Index) day(d uint16) string {
	if d == 0 {
		return ""
	}
	if s := x.days[d]; s != "" {
		return s
	}
	return unpackDate(d)
}

// dayCodes lists the children born on one day whose family names have one
// Soundex code: every same-Soundex name can match, so one look-up finds
// them all. A day's codes are a short sorted slice (a few hundred at
// national scale), searched in cache rather than hashed into a map of
// millions, and each list is read in one sweep of memory, with the keys a
// matcher filters on beside each child: at national scale a list holds
// dozens, most of whom the filters leave out without touching their entry.
type dayCodes struct {
	codes []uint16 // sorted: a few cache lines to search
	// lists of each code, oldest first: [0] children without an NHS
	// number, [1] with. Children without are few, and a record that has
	// one is compared with them alone.
	lists [][2][]member
}

type member struct {
	i     uint32 // the entry
	fam   uint32 // its family name, in fams
	given uint32 // its given name, in givens
	pc    uint64 // its postcode, packed
}

// findCode returns where code is in a day's sorted codes, or where it
// would go, and whether it is there.
func findCode(codes []uint16, code uint16) (int, bool) {
	lo, hi := 0, len(codes)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if codes[m] < code {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(codes) && codes[lo] == code
}

// members returns the list for day, code and set, adding the code to the
// day if add is set (else nil if it has none).
func (x *Index) members(day uint16, code uint16, set int, add bool) *[]member {
	d := &x.byDay[day]
	k, ok := findCode(d.codes, code)
	if !ok {
		if !add {
			return nil
		}
		d.codes = slices.Insert(d.codes, k, code)
		d.lists = slices.Insert(d.lists, k, [2][]member{})
	}
	return &d.lists[k][set]
}

// setGiven records a new given name for entry i wherever it is filed.
func (x *Index) setGiven(i uint32, e *entry) {
	g := x.gvn[e.given]
	x.node(i).given = g
	if e.dob == 0 {
		return
	}
	if l := x.members(e.dob, x.fams.code[e.fam], b2i(e.nhs != 0), false); l != nil {
		for k := range *l {
			if (*l)[k].i == i {
				(*l)[k].given = g
			}
		}
	}
}

func (x *Index) link(i uint32) {
	e := x.at(i)
	n := x.node(i)
	n.fam, n.given, n.pcode, n.nhs = e.fam, x.gvn[e.given], e.pc, e.nhs != 0
	if e.dob != 0 {
		x.dobs[e.dob] = append(x.dobs[e.dob], i)
		l := x.members(e.dob, x.fams.code[e.fam], b2i(e.nhs != 0), true)
		*l = append(*l, member{i: i, fam: e.fam, given: n.given, pc: e.pc})
	}
	if e.pc != 0 {
		*x.pcNextOf(i) = x.pcHead[e.pc]
		x.pcHead[e.pc] = i + 1
	}
	x.mapIDs(i, e)
	x.linkFS(i, e) // issue 15
}

func (x *Index) mapIDs(i uint32, e *entry) {
	if !x.ids {
		return
	}
	if e.nhs != 0 {
		x.nhs[e.nhs] = i
	}
	if e.upn != 0 {
		x.upn[e.upn] = i
	}
}

func (x *Index) unmapIDs(i uint32, e *entry) {
	if !x.ids {
		return
	}
	if e.nhs != 0 && x.nhs[e.nhs] == i {
		delete(x.nhs, e.nhs)
	}
	if e.upn != 0 && x.upn[e.upn] == i {
		delete(x.upn, e.upn)
	}
}

// unchain removes i from a singly linked chain.
func unchain(head map[uint64]uint32, k uint64, i uint32, next func(uint32) *uint32) {
	n := *next(i)
	if head[k] == i+1 {
		if n == 0 {
			delete(head, k)
		} else {
			head[k] = n
		}
	} else {
		for j := head[k]; j != 0; j = *next(j - 1) {
			if p := next(j - 1); *p == i+1 {
				*p = n
				break
			}
		}
	}
	*next(i) = 0
}

func (x *Index) unlink(i uint32) {
	e := x.at(i)
	if e.flags&flagLive == 0 {
		return
	}
	if e.dob != 0 {
		b := x.dobs[e.dob]
		for k := range b {
			if b[k] == i {
				b[k] = b[len(b)-1]
				x.dobs[e.dob] = b[:len(b)-1]
				break
			}
		}
		if l := x.members(e.dob, x.fams.code[e.fam], b2i(e.nhs != 0), false); l != nil {
			// Deleted in place: the others keep their order.
			*l = slices.DeleteFunc(*l, func(m member) bool { return m.i == i })
		}
	}
	if e.pc != 0 {
		unchain(x.pcHead, e.pc, i, x.pcNextOf)
	}
	x.unmapIDs(i, e)
	x.unlinkFS(i, e) // issue 15
	e.flags = 0
}

func (x *Index) identity(i uint32) Identity {
	e := x.at(i)
	return Identity{
		Serial: int(e.serial), GivenName: x.names.get(e.given), FamilyName: x.names.get(e.family),
		DateOfBirth: unpackDate(e.dob), Gender: unpackGender(e.gender), Postcode: unpackPostcode(e.pc),
		NHSNumber: unpackNHS(e.nhs), UPN: unpackUPN(e.upn), Authority: x.auths.get(uint32(e.auth)),
		Shielded: e.flags&flagShielded != 0, Deceased: e.flags&flagDeceased != 0,
	}
}

// Keys says where to look for a child: dates of birth and a postcode, each
// narrowed to children whose family name could match FamilyName.
type Keys struct {
	DatesOfBirth []string
	Postcode     string // normalised
	FamilyName   string // normalised; "" takes every child under the keys
	// WithoutNHS keeps only children who have no NHS number.
	WithoutNHS bool
}

// Candidates calls fn for every child under the keys, once each, until fn
// returns false. It returns false if it was stopped. With a family name, it
// keeps exactly the children whose family name signpost.NameScore scores
// above zero against it.
func (x *Index) Candidates(k Keys, fn func(Identity) bool) bool {
	return x.scan(k, nil, func(i uint32) bool { return fn(x.identity(i)) })
}

// scan is Candidates by entry index, leaving out, if keep is set, the
// children whose node it does not keep.
func (x *Index) scan(k Keys, keep func(given uint32, pc uint64) bool, fn func(uint32) bool) bool {
	var c compat
	if k.FamilyName != "" {
		c = x.fams.compatible(k.FamilyName)
	}
	var seen []uint32
	visit := func(i uint32) bool {
		if k.WithoutNHS && x.at(i).nhs != 0 {
			return true
		}
		seen = append(seen, i)
		return fn(i)
	}
	for di, d := range k.DatesOfBirth {
		day := packDate(d)
		if day == 0 || (di > 0 && contains16(k.DatesOfBirth[:di], day)) {
			continue
		}
		if k.FamilyName == "" {
			for _, i := range x.dobs[day] {
				if !visit(i) {
					return false
				}
			}
			continue
		}
		dc := &x.byDay[day]
		var found [16]int32
		at := found[:0]
		for _, code := range c.codes {
			if k, ok := findCode(dc.codes, code); ok {
				at = append(at, int32(k))
			}
		}
		for set := 0; set < 2; set++ {
			if set == 1 && k.WithoutNHS {
				break
			}
			for _, k := range at {
				// Newest first.
				ms := dc.lists[k][set]
				for q := len(ms) - 1; q >= 0; q-- {
					m := &ms[q]
					if !c.has(&x.fams, m.fam) {
						continue // another name with this Soundex that cannot match
					}
					if keep != nil && !keep(m.given, m.pc) {
						continue
					}
					if !visit(m.i) {
						return false
					}
				}
			}
		}
	}
	if pc := packPostcode(k.Postcode); pc != 0 {
		for j := x.pcHead[pc]; j != 0; j = x.node(j - 1).pc {
			i := j - 1
			n := x.node(i)
			if k.FamilyName != "" && !c.has(&x.fams, n.fam) || k.WithoutNHS && n.nhs {
				continue
			}
			if keep != nil && !keep(n.given, n.pcode) {
				continue
			}
			if containsU32(seen, i) {
				continue
			}
			if !visit(i) {
				return false
			}
		}
	}
	return true
}

// candidate is a child as the scorer sees it, made from the packed entry
// without allocating but for the postcode (millions are scored in a load).
func (x *Index) candidate(i uint32) signpost.Candidate {
	e := x.at(i)
	return signpost.Candidate{GivenName: x.norms[e.given], FamilyName: x.fams.d.s[e.fam], DateOfBirth: x.day(e.dob),
		Gender: unpackGender(e.gender), Postcode: unpackPostcode(e.pc), Shielded: e.flags&flagShielded != 0}
}

func contains16(dates []string, day uint16) bool {
	for _, d := range dates {
		if packDate(d) == day {
			return true
		}
	}
	return false
}

func containsU32(s []uint32, v uint32) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
