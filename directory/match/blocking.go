package match

// Issue 15: blocking for the Fellegi–Sunter model. A pair is compared when
// any rule holds:
//
//	R1  postcode + given-name code          (a chain in the importer's index;
//	    the search index walks its postcode chains)
//	R2  date of birth + family-name code    (the index's day lists; also the
//	    date with day and month swapped)
//	R3  date of birth + given-name code as the family-name code: the swapped
//	    given/family rule (a child whose names were exchanged files under the
//	    record's given name's code as family name)
//	R4  date of birth + given-name code     (a family name changed)
//	R5  family-name code + year of birth, narrowed by given-name code
//	    (a one-digit slip in the day or month)
//	R6  family-name code + given-name code + day and month of birth
//	    (a slip in the year)
//	R7  given-name code + year of birth + postcode district (a family name
//	    changed, and the date mis-keyed or the child moved)
//
// R2 uses the structures the index already has; R1 and R4 to R7 are chains
// in open-addressed tables of 64-bit keys (a few bytes a child each),
// linked through a next-array per rule. Rules run narrowest first; each
// stops at MaxPerRule candidates, and the wide ones (R4 on) are skipped
// once a candidate reaches the auto-link weight.

// MaxPerRule is the most candidates one blocking rule yields for a record.
const MaxPerRule = 48

const (
	rulePCGiven = iota // R1 in the importer's index
	ruleDOBGiven
	ruleFamGivenYear
	ruleFamGivenDay
	ruleGivenYearDistrict
	numChainRules
)

// chains is an open-addressed table from key to a chain of entries.
type chains struct {
	keys []uint64 // 0: empty
	head []uint32 // first entry+1
	n    int
	next [][]uint32 // entry → next entry+1 in its chain, paged
}

func (c *chains) slot(k uint64) (int, bool) {
	if len(c.keys) == 0 {
		return -1, false
	}
	mask := len(c.keys) - 1
	h := int(mix(k)) & mask
	for {
		switch c.keys[h] {
		case k:
			return h, true
		case 0:
			return h, false
		}
		h = (h + 1) & mask
	}
}

func mix(k uint64) uint64 {
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	k *= 0xc4ceb9fe1a85ec53
	k ^= k >> 33
	return k
}

func (c *chains) nextOf(i uint32) *uint32 {
	p := int(i >> chunkBits)
	for len(c.next) <= p {
		c.next = append(c.next, make([]uint32, 1<<chunkBits))
	}
	return &c.next[p][i&(1<<chunkBits-1)]
}

func (c *chains) grow() {
	old, oldHead := c.keys, c.head
	size := max(1024, 2*len(old))
	c.keys, c.head = make([]uint64, size), make([]uint32, size)
	for s, k := range old {
		if k != 0 {
			h, _ := c.slot(k)
			c.keys[h], c.head[h] = k, oldHead[s]
		}
	}
}

func (c *chains) add(k uint64, i uint32) {
	if (c.n+1)*4 > len(c.keys)*3 { // at most three quarters full
		c.grow()
	}
	h, ok := c.slot(k)
	if !ok {
		c.keys[h] = k
		c.n++
	}
	*c.nextOf(i) = c.head[h]
	c.head[h] = i + 1
}

// remove takes i out of k's chain (an emptied chain keeps its key).
func (c *chains) remove(k uint64, i uint32) {
	h, ok := c.slot(k)
	if !ok {
		return
	}
	n := *c.nextOf(i)
	if c.head[h] == i+1 {
		c.head[h] = n
	} else {
		for j := c.head[h]; j != 0; j = *c.nextOf(j - 1) {
			if p := c.nextOf(j - 1); *p == i+1 {
				*p = n
				break
			}
		}
	}
	*c.nextOf(i) = 0
}

func (c *chains) first(k uint64) uint32 {
	h, ok := c.slot(k)
	if !ok {
		return 0
	}
	return c.head[h]
}

// blockKeys are the chain keys of a child; 0 where a rule does not apply.
func blockKeys(dob uint16, dobs string, fam, given uint16, pc uint64) [numChainRules]uint64 {
	var k [numChainRules]uint64
	if given == 0 {
		return k
	}
	const top = 1 << 63
	if pc != 0 {
		// A packed postcode is at most 42 bits (seven characters of 6), a
		// name code under 14.
		k[rulePCGiven] = top | uint64(rulePCGiven)<<56 | pc<<14 | uint64(given)&(1<<14-1)
	}
	if dob != 0 {
		k[ruleDOBGiven] = top | uint64(ruleDOBGiven)<<56 | uint64(dob)<<16 | uint64(given)
		y, _ := atoi(dobs[:4])
		md, _ := atoi(dobs[5:7] + dobs[8:10])
		if fam != 0 {
			k[ruleFamGivenYear] = top | uint64(ruleFamGivenYear)<<56 | uint64(fam)<<32 | uint64(given)<<16 | uint64(y)
			k[ruleFamGivenDay] = top | uint64(ruleFamGivenDay)<<56 | uint64(fam)<<32 | uint64(given)<<16 | uint64(md)
		}
		if pc != 0 {
			// The district (outward code) fits in 24 bits (four characters of 6).
			k[ruleGivenYearDistrict] = top | uint64(ruleGivenYearDistrict)<<56 | (pc>>18&(1<<24-1))<<28 | uint64(given)<<12 | uint64(y-1900)&0xfff
		}
	}
	return k
}

func (x *Index) givenCode(written uint32) uint16 {
	if int(written) >= len(x.gvn) {
		return 0
	}
	return x.givens.code[x.gvn[written]]
}

func (x *Index) entryKeys(e *entry) [numChainRules]uint64 {
	k := blockKeys(e.dob, x.day(e.dob), x.fams.code[e.fam], x.givenCode(e.given), e.pc)
	if e.nhs != 0 {
		for r := range k {
			k[r] = withNHS(k[r])
		}
	}
	return k
}

// withNHS is a chain key for the children who have an NHS number: they
// are chained apart, so a record that has one (compared only with children
// who have none) never walks them.
func withNHS(k uint64) uint64 {
	if k == 0 {
		return 0
	}
	return k | 1<<62
}

// chain keys use bits 0-55 for the key, 56-61 for the rule, 62 for NHS, 63 set.

// linkFS files entry i under its chain keys (importer index only).
func (x *Index) linkFS(i uint32, e *entry) {
	if !x.ids {
		return
	}
	for r, k := range x.entryKeys(e) {
		if k != 0 {
			x.fsb[r].add(k, i)
		}
	}
}

func (x *Index) unlinkFS(i uint32, e *entry) {
	if !x.ids {
		return
	}
	for r, k := range x.entryKeys(e) {
		if k != 0 {
			x.fsb[r].remove(k, i)
		}
	}
}
