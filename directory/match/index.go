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
	"math/bits"
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
	given  uint32
	family uint32
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

// bitem is a child in a date-of-birth bucket with what the family-name
// filter needs, so a bucket is scanned without touching the entries.
type bitem struct {
	mask uint32 // letters present in the normalised family name
	idx  uint32 // entry index
	sdx  uint16 // Soundex of the normalised family name
	n    uint8  // its length in bytes
	fl   uint8  // bvg
}

// bvg marks a family name in a given-name variant group.
const bvg = 1

// Index holds identities. It is not safe for concurrent use; callers guard it.
type Index struct {
	chunks [][]entry         // entries by index, in chunks of 1<<chunkBits
	free   []uint32          // indexes of removed entries, for reuse
	bySer  [][]uint32        // serial → index+1, paged
	dobs   [2][][]bitem      // by day (days since 1900-01-01): [0] children without an NHS number, [1] with
	pcHead map[uint64]uint32 // postcode → first index+1
	pcNext [][]uint32        // index → next index+1 at the same postcode
	nhs    map[uint64]uint32
	upn    map[uint64]uint32
	names  dict
	auths  dict
	live   int
	// ids keeps the NHS and UPN maps; an index for search alone needs neither.
	ids bool
}

// dict interns strings: names and authorities.
type dict struct {
	id    map[string]uint32
	s     []string
	norm  []string // NormaliseName of each, for names
	sdx   []uint16
	mask  []uint32
	group []bool
}

func (d *dict) intern(s string, name bool) uint32 {
	if i, ok := d.id[s]; ok {
		return i
	}
	if d.id == nil {
		d.id = map[string]uint32{"": 0}
		d.s = []string{""}
		if name {
			d.norm, d.sdx, d.mask, d.group = []string{""}, []uint16{0}, []uint32{0}, []bool{false}
		}
		if s == "" {
			return 0
		}
	}
	i := uint32(len(d.s))
	s = strings.Clone(s) // never keep a slice of a caller's larger buffer alive
	d.id[s] = i
	d.s = append(d.s, s)
	if name {
		n := signpost.NormaliseName(s)
		d.norm = append(d.norm, n)
		d.sdx = append(d.sdx, sdxCode(n))
		d.mask = append(d.mask, letterMask(n))
		d.group = append(d.group, inVariantGroup(n))
	}
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
	x := &Index{dobs: [2][][]bitem{make([][]bitem, 1<<16), make([][]bitem, 1<<16)}, pcHead: map[uint64]uint32{}, ids: withIdentifiers}
	if withIdentifiers {
		x.nhs, x.upn = map[uint64]uint32{}, map[uint64]uint32{}
	}
	x.names.intern("", true)
	x.auths.intern("", false)
	return x
}

// Len returns how many children the index holds.
func (x *Index) Len() int { return x.live }

func (x *Index) at(i uint32) *entry { return &x.chunks[i>>chunkBits][i&(1<<chunkBits-1)] }

func (x *Index) nextOf(i uint32) *uint32 { return &x.pcNext[i>>chunkBits][i&(1<<chunkBits-1)] }

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
	if i, ok := x.lookup(id.Serial); ok {
		x.unlink(i)
		x.link(i, id)
		return
	}
	i := x.alloc()
	*x.slot(id.Serial) = i + 1
	x.live++
	x.link(i, id)
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

func (x *Index) link(i uint32, id Identity) {
	e := x.at(i)
	*e = entry{
		pc: packPostcode(id.Postcode), nhs: packNHS(id.NHSNumber), upn: packUPN(id.UPN),
		given: x.names.intern(id.GivenName, true), family: x.names.intern(id.FamilyName, true),
		serial: uint32(id.Serial), dob: packDate(id.DateOfBirth), auth: uint16(x.auths.intern(id.Authority, false)),
		gender: packGender(id.Gender), flags: flagLive,
	}
	if id.Shielded {
		e.flags |= flagShielded
	}
	if id.Deceased {
		e.flags |= flagDeceased
	}
	if e.dob != 0 {
		f := e.family
		b := bitem{mask: x.names.mask[f], idx: i, sdx: x.names.sdx[f], n: uint8(min(len(x.names.norm[f]), 255))}
		if x.names.group[f] {
			b.fl |= bvg
		}
		d := &x.dobs[b2u(e.nhs != 0)][e.dob]
		*d = append(*d, b)
	}
	if e.pc != 0 {
		*x.nextOf(i) = x.pcHead[e.pc]
		x.pcHead[e.pc] = i + 1
	}
	if x.ids {
		if e.nhs != 0 {
			x.nhs[e.nhs] = i
		}
		if e.upn != 0 {
			x.upn[e.upn] = i
		}
	}
}

func (x *Index) unlink(i uint32) {
	e := x.at(i)
	if e.flags&flagLive == 0 {
		return
	}
	if e.dob != 0 {
		d := &x.dobs[b2u(e.nhs != 0)][e.dob]
		b := *d
		for k := range b {
			if b[k].idx == i {
				b[k] = b[len(b)-1]
				*d = b[:len(b)-1]
				break
			}
		}
	}
	if e.pc != 0 {
		next := *x.nextOf(i)
		if x.pcHead[e.pc] == i+1 {
			if next == 0 {
				delete(x.pcHead, e.pc)
			} else {
				x.pcHead[e.pc] = next
			}
		} else {
			for j := x.pcHead[e.pc]; j != 0; j = *x.nextOf(j - 1) {
				if p := x.nextOf(j - 1); *p == i+1 {
					*p = next
					break
				}
			}
		}
		*x.nextOf(i) = 0
	}
	if x.ids {
		if e.nhs != 0 && x.nhs[e.nhs] == i {
			delete(x.nhs, e.nhs)
		}
		if e.upn != 0 && x.upn[e.upn] == i {
			delete(x.upn, e.upn)
		}
	}
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

// familyFilter decides, exactly, whether signpost.NameScore(q, h) > 0 for a
// held family name h, testing cheap necessary conditions first.
type familyFilter struct {
	q     string
	n     int
	mask  uint32
	sdx   uint16
	group bool
}

func newFamilyFilter(q string) familyFilter {
	return familyFilter{q: q, n: len(q), mask: letterMask(q), sdx: sdxCode(q), group: inVariantGroup(q)}
}

func (x *Index) familyCanMatch(f *familyFilter, b bitem) bool {
	if b.sdx == f.sdx {
		return true // the same Soundex always scores
	}
	if f.group && b.fl&bvg != 0 && signpost.NameVariants(f.q, x.names.norm[x.at(b.idx).family]) {
		return true
	}
	// Otherwise only an edit distance of one, or two on a long name, scores.
	if d := int(b.n) - f.n; d > 2 || d < -2 || bits.OnesCount32(b.mask^f.mask) > 4 {
		return false
	}
	h := x.names.norm[x.at(b.idx).family]
	d := signpost.EditDistance(f.q, h, 2)
	return d == 0 || d == 1 || (d == 2 && f.n >= 6)
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
// returns false. It returns false if it was stopped.
func (x *Index) Candidates(k Keys, fn func(Identity) bool) bool {
	var f *familyFilter
	if k.FamilyName != "" {
		ff := newFamilyFilter(k.FamilyName)
		f = &ff
	}
	var seen []uint32
	for di, d := range k.DatesOfBirth {
		day := packDate(d)
		if day == 0 || (di > 0 && contains16(k.DatesOfBirth[:di], day)) {
			continue
		}
		for set := 0; set < 2; set++ {
			if set == 1 && k.WithoutNHS {
				break
			}
			for _, b := range x.dobs[set][day] {
				if f != nil && !x.familyCanMatch(f, b) {
					continue
				}
				seen = append(seen, b.idx)
				if !fn(x.identity(b.idx)) {
					return false
				}
			}
		}
	}
	if pc := packPostcode(k.Postcode); pc != 0 {
		for j := x.pcHead[pc]; j != 0; j = *x.nextOf(j - 1) {
			i := j - 1
			e := x.at(i)
			if k.WithoutNHS && e.nhs != 0 {
				continue
			}
			if f != nil {
				h := x.names.norm[e.family]
				if signpost.NameScore(f.q, h) == 0 {
					continue
				}
			}
			if containsU32(seen, i) {
				continue
			}
			if !fn(x.identity(i)) {
				return false
			}
		}
	}
	return true
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

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}
