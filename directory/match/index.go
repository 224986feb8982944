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
	dobs   [][]uint32           // by day (days since 1900-01-01, plus one): entry indexes
	dobFam [2]map[uint64]uint32 // day<<32 | Soundex of the family name → first index+1: [0] children without an NHS number, [1] with
	dfNext [][]uint32           // index → next index+1 with the same day and family
	pcHead map[uint64]uint32    // postcode → first index+1
	pcNext [][]uint32           // index → next index+1 at the same postcode
	nhs    map[uint64]uint32
	upn    map[uint64]uint32
	names  dict     // names as written
	norms  []string // NormaliseName of each name
	days   []string // dates, by day, as strings
	auths  dict
	fams   families
	live   int
	// ids keeps the NHS and UPN maps; an index for search alone needs neither.
	ids bool
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
	x := &Index{dobs: make([][]uint32, 1<<16), dobFam: [2]map[uint64]uint32{{}, {}}, pcHead: map[uint64]uint32{}, ids: withIdentifiers}
	if withIdentifiers {
		x.nhs, x.upn = map[uint64]uint32{}, map[uint64]uint32{}
	}
	x.names.intern("")
	x.norms = []string{""}
	x.days = make([]string, 1<<16)
	x.auths.intern("")
	x.fams.init()
	return x
}

// Len returns how many children the index holds.
func (x *Index) Len() int { return x.live }

func (x *Index) at(i uint32) *entry { return &x.chunks[i>>chunkBits][i&(1<<chunkBits-1)] }

func (x *Index) pcNextOf(i uint32) *uint32 { return &x.pcNext[i>>chunkBits][i&(1<<chunkBits-1)] }

func (x *Index) dfNextOf(i uint32) *uint32 { return &x.dfNext[i>>chunkBits][i&(1<<chunkBits-1)] }

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
		x.pcNext = append(x.pcNext, make([]uint32, 1<<chunkBits))
		x.dfNext = append(x.dfNext, make([]uint32, 1<<chunkBits))
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
	if i, ok := x.lookup(id.Serial); ok {
		old := x.at(i)
		if old.dob == e.dob && old.fam == e.fam && old.pc == e.pc && (old.nhs == 0) == (e.nhs == 0) {
			// The keys stand: only the identifiers' maps may change.
			x.unmapIDs(i, old)
			*old = e
			x.mapIDs(i, old)
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
		given: x.name(id.GivenName), family: x.name(id.FamilyName), fam: x.fams.intern(signpost.NormaliseName(id.FamilyName)),
		serial: uint32(id.Serial), dob: packDate(id.DateOfBirth), auth: uint16(x.auths.intern(id.Authority)),
		gender: packGender(id.Gender), flags: flagLive,
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

// day returns a packed date as a string, made once per day.
func (x *Index) day(d uint16) string {
	if d == 0 {
		return ""
	}
	if x.days[d] == "" {
		x.days[d] = unpackDate(d)
	}
	return x.days[d]
}

// dfKey keys children by date of birth and the Soundex of their family
// name: every same-Soundex name can match, so one look-up finds them all.
func (x *Index) dfKey(dob uint16, fam uint32) uint64 {
	return uint64(dob)<<32 | uint64(x.fams.code[fam])
}

func (x *Index) link(i uint32) {
	e := x.at(i)
	if e.dob != 0 {
		x.dobs[e.dob] = append(x.dobs[e.dob], i)
		// Children without an NHS number are few, and a record that has one
		// is compared with them alone: a map of their own stays small.
		m := x.dobFam[b2i(e.nhs != 0)]
		k := x.dfKey(e.dob, e.fam)
		*x.dfNextOf(i) = m[k]
		m[k] = i + 1
	}
	if e.pc != 0 {
		*x.pcNextOf(i) = x.pcHead[e.pc]
		x.pcHead[e.pc] = i + 1
	}
	x.mapIDs(i, e)
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
		unchain(x.dobFam[b2i(e.nhs != 0)], x.dfKey(e.dob, e.fam), i, x.dfNextOf)
	}
	if e.pc != 0 {
		unchain(x.pcHead, e.pc, i, x.pcNextOf)
	}
	x.unmapIDs(i, e)
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
	return x.scan(k, func(i uint32) bool { return fn(x.identity(i)) })
}

// scan is Candidates by entry index.
func (x *Index) scan(k Keys, fn func(uint32) bool) bool {
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
		for set := 0; set < 2; set++ {
			if set == 1 && k.WithoutNHS {
				break
			}
			m := x.dobFam[set]
			for _, code := range c.codes {
				for j := m[uint64(day)<<32|uint64(code)]; j != 0; j = *x.dfNextOf(j - 1) {
					if !c.has(&x.fams, x.at(j-1).fam) {
						continue // another name with this Soundex that cannot match
					}
					if !visit(j - 1) {
						return false
					}
				}
			}
		}
	}
	if pc := packPostcode(k.Postcode); pc != 0 {
		for j := x.pcHead[pc]; j != 0; j = *x.pcNextOf(j - 1) {
			i := j - 1
			if k.FamilyName != "" && !c.has(&x.fams, x.at(i).fam) {
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
