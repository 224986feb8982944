package population

import (
	"slices"

	"signpost"
)

// nicknames maps a given name to names a practitioner might write for the same
// child. Every pair is in signpost's variant table (signpost.NameVariants
// reports true for it; a test checks), so the matcher knows them.
var nicknames = map[string][]string{
	"James": {"Jim", "Jamie", "Jimmy"}, "Jamie": {"James"},
	"William": {"Will", "Billy", "Bill"}, "Liam": {"William"},
	"Thomas": {"Tom", "Tommy"}, "Tommy": {"Thomas", "Tom"},
	"Joseph": {"Joe", "Joey"}, "Daniel": {"Dan", "Danny"}, "Samuel": {"Sam", "Sammy"},
	"Samantha":  {"Sam", "Sammy"},
	"Alexander": {"Alex", "Xander"}, "Alex": {"Alexander"},
	"Alexandra": {"Alex", "Lexi", "Alexa"}, "Lexi": {"Alexandra"},
	"Elizabeth": {"Liz", "Lizzie", "Beth", "Libby", "Eliza"}, "Eliza": {"Elizabeth"},
	"Katherine": {"Kate", "Katie", "Kathryn", "Catherine"}, "Katie": {"Katherine", "Kate"},
	"Matthew": {"Matt", "Matty"}, "Michael": {"Mike", "Mikey"}, "Benjamin": {"Ben", "Benny"},
	"Edward": {"Ed", "Eddie", "Ted", "Ned"}, "Teddy": {"Edward", "Ted"},
	"Henry": {"Harry", "Hal"}, "Harry": {"Henry"}, "Charlie": {"Charles"},
	"Charlotte": {"Lottie", "Charlie"}, "Lottie": {"Charlotte"},
	"Oliver": {"Ollie", "Olly"}, "Ollie": {"Oliver"}, "Olivia": {"Liv", "Livvy"},
	"Isabella": {"Bella", "Izzy", "Isabelle", "Isobel"}, "Isabelle": {"Isabella", "Isobel", "Izzy"},
	"Bella": {"Isabella"}, "Emily": {"Em", "Emmy"}, "Amelia": {"Millie"}, "Millie": {"Amelia"},
	"Jessica": {"Jess", "Jessie"}, "Rebecca": {"Becky", "Becca"}, "Victoria": {"Vicky", "Tori"},
	"Abigail": {"Abbie", "Abby"}, "Abbie": {"Abigail"}, "Joshua": {"Josh"}, "Zachary": {"Zach", "Zak"},
	"Freddie": {"Frederick", "Fred"}, "Theodore": {"Theo"}, "Theo": {"Theodore"},
	"Muhammad": {"Mohammed", "Mohammad", "Mohamed"}, "Mohammed": {"Muhammad", "Mohammad", "Mohamed"},
}

// Kinds of data-entry error Typo makes, with their relative weights.
var typoKinds = []struct {
	name string
	w    int
}{
	{"family_typo", 14}, {"family_transpose", 10}, {"family_drop", 10},
	{"given_typo", 10}, {"given_transpose", 8}, {"given_drop", 8},
	{"given_variant", 20}, {"dob_swap", 20},
}

// keyboard lists the QWERTY neighbours of each letter, for slips of the finger.
var keyboard = [26]string{
	"qwsz", "vghn", "xdfv", "serfcx", "wrsd", "drtgvc", "ftyhbv", "gyujnb", "uojk", "huikmn",
	"jiolm", "kop", "njk", "bhjm", "ipkl", "ol", "wa", "etdf", "awedxz", "ryfg",
	"yihj", "cfgb", "qeas", "zsdc", "tugh", "asx",
}

// Typo returns a copy of the child's identity with one realistic data-entry
// error, chosen deterministically by the generator's RNG: a one-letter typo
// (a neighbouring key), transposition or dropped letter in the family or given
// name (never the first letter), a nickname for the given name, or the day and
// month of the date of birth swapped (when both ≤ 12). It returns the changed
// child and a short description of the change: "family_typo",
// "family_transpose", "family_drop", "given_typo", "given_transpose",
// "given_drop", "given_variant" or "dob_swap" ("none" if no change applies,
// which only a one-letter name with no swappable date can cause).
//
// Everything else, the Signpost ID included, is copied; carers and settings are
// copied too, so the result shares no memory with c. Typo draws from the
// generator's stream as it stands after the last Next, so repeated calls give
// different errors, and Next's output is unaffected.
func (g *Generator) Typo(c signpost.Child) (signpost.Child, string) {
	out := c
	out.Carers = slices.Clone(c.Carers)
	out.Involvements = slices.Clone(c.Involvements)
	if c.School != nil {
		s := *c.School
		out.School = &s
	}
	if c.GP != nil {
		s := *c.GP
		out.GP = &s
	}

	swapped, canSwap := signpost.SwapDayMonth(c.DateOfBirth)
	variants := nicknames[c.GivenName]
	ok := func(kind string) bool {
		switch kind {
		case "family_typo":
			return len(letterPositions(c.FamilyName)) > 0
		case "family_transpose":
			return len(transposable(c.FamilyName)) > 0
		case "family_drop":
			return droppable(c.FamilyName)
		case "given_typo":
			return len(letterPositions(c.GivenName)) > 0
		case "given_transpose":
			return len(transposable(c.GivenName)) > 0
		case "given_drop":
			return droppable(c.GivenName)
		case "given_variant":
			return len(variants) > 0
		case "dob_swap":
			return canSwap
		}
		return false
	}
	total := 0
	for _, k := range typoKinds {
		if ok(k.name) {
			total += k.w
		}
	}
	if total == 0 {
		return out, "none"
	}
	r := g.intn(total)
	kind := ""
	for _, k := range typoKinds {
		if !ok(k.name) {
			continue
		}
		if r < k.w {
			kind = k.name
			break
		}
		r -= k.w
	}

	switch kind {
	case "family_typo":
		out.FamilyName = g.substitute(c.FamilyName)
	case "family_transpose":
		out.FamilyName = g.transpose(c.FamilyName)
	case "family_drop":
		out.FamilyName = g.drop(c.FamilyName)
	case "given_typo":
		out.GivenName = g.substitute(c.GivenName)
	case "given_transpose":
		out.GivenName = g.transpose(c.GivenName)
	case "given_drop":
		out.GivenName = g.drop(c.GivenName)
	case "given_variant":
		out.GivenName = variants[g.intn(len(variants))]
	case "dob_swap":
		out.DateOfBirth = swapped
	}
	return out, kind
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// letterPositions lists the positions after the first that hold an ASCII letter.
func letterPositions(s string) []int {
	var p []int
	for i := 1; i < len(s); i++ {
		if isLetter(s[i]) {
			p = append(p, i)
		}
	}
	return p
}

// transposable lists positions i ≥ 1 where s[i] and s[i+1] are different letters.
func transposable(s string) []int {
	var p []int
	for i := 1; i+1 < len(s); i++ {
		if isLetter(s[i]) && isLetter(s[i+1]) && lower(s[i]) != lower(s[i+1]) {
			p = append(p, i)
		}
	}
	return p
}

// droppable reports whether a letter can be dropped leaving at least two.
func droppable(s string) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		if isLetter(s[i]) {
			n++
		}
	}
	return n >= 3 && len(letterPositions(s)) > 0
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// substitute replaces one letter (not the first) with a keyboard neighbour.
func (g *Generator) substitute(s string) string {
	p := letterPositions(s)
	i := p[g.intn(len(p))]
	nb := keyboard[lower(s[i])-'a']
	r := nb[g.intn(len(nb))]
	if s[i] >= 'A' && s[i] <= 'Z' {
		r -= 'a' - 'A'
	}
	b := []byte(s)
	b[i] = r
	return string(b)
}

// transpose swaps two adjacent, different letters (not the first).
func (g *Generator) transpose(s string) string {
	p := transposable(s)
	i := p[g.intn(len(p))]
	b := []byte(s)
	x, y := b[i], b[i+1]
	// Keep the case pattern: "McDonald" may become "McDnoald", not "MDcoanld".
	b[i], b[i+1] = withCaseOf(x, y), withCaseOf(y, x)
	return string(b)
}

// drop removes one letter (not the first).
func (g *Generator) drop(s string) string {
	p := letterPositions(s)
	i := p[g.intn(len(p))]
	return s[:i] + s[i+1:]
}

// withCaseOf returns letter c in the case of letter like.
func withCaseOf(like, c byte) byte {
	if like >= 'A' && like <= 'Z' {
		return lower(c) - ('a' - 'A')
	}
	return lower(c)
}
