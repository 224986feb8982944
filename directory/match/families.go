package match

import (
	"slices"
	gosync "sync"

	"signpost"
)

// families is the dictionary of distinct normalised family names, with what
// finds, for a searched name q, every held name h with
// signpost.NameScore(q, h) > 0: h has q's Soundex, or is a known variant of
// q, or is one edit from q (two when q is long). Names within two edits
// share a string two deletions away from each (a transposition is a
// deletion on each side), so each name is filed under every string its
// deletions of up to two letters make (hashed), and q's deletions find
// every candidate, which the edit distance then confirms. The cost depends
// on the lengths of names, not on how many children there are.
type families struct {
	d      dict
	code   []uint16            // each name's Soundex (sdxCode)
	sdx    map[uint16][]uint32 // Soundex → names
	group  []uint32            // names with known variants
	delTop map[uint64]uint32   // hash of a deletion string → first posting+1
	post   []posting
	// memo keeps q → compatible names, cleared when a name is added.
	// Searches read the index together, so it has a lock of its own.
	memoMu gosync.Mutex
	memo   map[string]compat
}

// compat is what can match a searched family name: the names, sorted, and
// their distinct Soundex codes.
type compat struct {
	names []uint32
	codes []uint16
	code  uint16 // the searched name's own: every name with it matches
	upTo  int    // names interned when it was made
}

func (c *compat) has(f *families, name uint32) bool {
	if f.code[name] == c.code {
		return true
	}
	_, ok := slices.BinarySearch(c.names, name)
	return ok
}

type posting struct {
	name uint32
	next uint32 // posting+1
}

func (f *families) init() {
	f.d.intern("")
	f.code = []uint16{0}
	f.sdx = map[uint16][]uint32{}
	f.delTop = map[uint64]uint32{}
	f.memo = map[string]compat{}
}

func (f *families) intern(norm string) uint32 {
	if i, ok := f.d.id[norm]; ok {
		return i
	}
	i := f.d.intern(norm)
	if norm == "" {
		return i
	}
	sx := sdxCode(norm)
	f.code = append(f.code, sx)
	f.sdx[sx] = append(f.sdx[sx], i)
	if inVariantGroup(norm) {
		f.group = append(f.group, i)
	}
	deletions(norm, func(h uint64) {
		f.post = append(f.post, posting{name: i, next: f.delTop[h]})
		f.delTop[h] = uint32(len(f.post))
	})
	return i
}

// compatible returns the names h with signpost.NameScore(q, h) > 0. It may
// run in several goroutines at once, but not with intern.
func (f *families) compatible(q string) compat {
	f.memoMu.Lock()
	c, ok := f.memo[q]
	f.memoMu.Unlock()
	if ok && c.upTo == len(f.d.s) {
		return c
	}
	if ok && len(f.d.s)-c.upTo <= 64 {
		// Names added since: check each (they are few) and keep the rest.
		// (With many, the deletion index below is cheaper than checking
		// them one by one.)
		c.names = slices.Clone(c.names)
		for i := c.upTo; i < len(f.d.s); i++ {
			if signpost.NameScore(q, f.d.s[i]) > 0 {
				c.names = append(c.names, uint32(i))
			}
		}
		c = f.finish(c.names, q)
	} else {
		c = f.compute(q)
	}
	f.memoMu.Lock()
	if len(f.memo) >= 1<<18 {
		clear(f.memo)
	}
	f.memo[q] = c
	f.memoMu.Unlock()
	return c
}

func (f *families) compute(q string) compat {
	var out []uint32
	if c, ok := f.sdx[sdxCode(q)]; ok {
		out = append(out, c...) // the same Soundex always scores
	}
	if inVariantGroup(q) {
		for _, i := range f.group {
			if signpost.NameVariants(q, f.d.s[i]) {
				out = append(out, i)
			}
		}
	}
	deletions(q, func(h uint64) {
		for p := f.delTop[h]; p != 0; p = f.post[p-1].next {
			i := f.post[p-1].name
			d := signpost.EditDistance(q, f.d.s[i], 2)
			if d <= 1 || (d == 2 && len(q) >= 6) {
				out = append(out, i)
			}
		}
	})
	return f.finish(out, q)
}

func (f *families) finish(names []uint32, q string) compat {
	slices.Sort(names)
	c := compat{names: slices.Compact(names), code: sdxCode(q), upTo: len(f.d.s)}
	for _, i := range c.names {
		c.codes = append(c.codes, f.code[i])
	}
	slices.Sort(c.codes)
	c.codes = slices.Compact(c.codes)
	return c
}

// deletions calls fn with the hash of s and of every string made by
// deleting one or two of its bytes (each distinct string at least once).
func deletions(s string, fn func(uint64)) {
	fn(hashSkip(s, -1, -1))
	for i := 0; i < len(s); i++ {
		if i > 0 && s[i] == s[i-1] {
			continue // deleting either of two equal neighbours makes one string
		}
		fn(hashSkip(s, i, -1))
		for j := i + 1; j < len(s); j++ {
			if j > i+1 && s[j] == s[j-1] {
				continue
			}
			fn(hashSkip(s, i, j))
		}
	}
}

// hashSkip is FNV-1a of s without the bytes at i and j.
func hashSkip(s string, i, j int) uint64 {
	h := uint64(14695981039346656037)
	for k := 0; k < len(s); k++ {
		if k == i || k == j {
			continue
		}
		h ^= uint64(s[k])
		h *= 1099511628211
	}
	h ^= uint64(len(s) - b2i(i >= 0) - b2i(j >= 0))
	h *= 1099511628211
	return h
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
