package signpost

import (
	"strings"
	"unicode"
)

// Name matching shared by the directory (signposting search, "met a child"
// matching) and the device cache (offline search): normalisation, Soundex,
// optimal-string-alignment edit distance and a small table of name variants.

// NormaliseName lower-cases a name and keeps letters only ("O'Brien-Smith" →
// "obriensmith"); accented Latin letters lose their accents.
func NormaliseName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.ToLower(s) {
		if r < 128 {
			if r >= 'a' && r <= 'z' {
				b.WriteRune(r)
			}
			continue
		}
		if f, ok := foldAccent[r]; ok {
			b.WriteRune(f)
		} else if unicode.IsLetter(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

var foldAccent = map[rune]rune{
	'à': 'a', 'á': 'a', 'â': 'a', 'ä': 'a', 'ã': 'a', 'å': 'a', 'ç': 'c', 'è': 'e', 'é': 'e', 'ê': 'e', 'ë': 'e',
	'ì': 'i', 'í': 'i', 'î': 'i', 'ï': 'i', 'ñ': 'n', 'ò': 'o', 'ó': 'o', 'ô': 'o', 'ö': 'o', 'õ': 'o', 'ø': 'o',
	'ù': 'u', 'ú': 'u', 'û': 'u', 'ü': 'u', 'ý': 'y', 'ÿ': 'y',
}

// Soundex returns the American Soundex code of a normalised name ("" for "").
func Soundex(name string) string {
	if name == "" {
		return ""
	}
	code := []byte{name[0] - 32, '0', '0', '0'}
	last := soundexDigit(name[0])
	n := 1
	for i := 1; i < len(name) && n < 4; i++ {
		c := name[i]
		d := soundexDigit(c)
		if d != 0 && d != last {
			code[n] = d
			n++
		}
		if c != 'h' && c != 'w' {
			last = d
		}
	}
	if code[0] < 'A' || code[0] > 'Z' {
		code[0] = '?'
	}
	return string(code)
}

func soundexDigit(c byte) byte {
	switch c {
	case 'b', 'f', 'p', 'v':
		return '1'
	case 'c', 'g', 'j', 'k', 'q', 's', 'x', 'z':
		return '2'
	case 'd', 't':
		return '3'
	case 'l':
		return '4'
	case 'm', 'n':
		return '5'
	case 'r':
		return '6'
	}
	return 0
}

// EditDistance returns the optimal-string-alignment distance between a and b
// (insertions, deletions, substitutions and adjacent transpositions), stopping
// early once it exceeds max (it then returns max+1).
func EditDistance(a, b string, max int) int {
	if a == b {
		return 0
	}
	la, lb := len(a), len(b)
	if la-lb > max || lb-la > max {
		return max + 1
	}
	var buf [3][33]int
	var prev2, prev, cur []int
	if lb+1 <= len(buf[0]) {
		prev2, prev, cur = buf[0][:lb+1], buf[1][:lb+1], buf[2][:lb+1]
	} else {
		prev2, prev, cur = make([]int, lb+1), make([]int, lb+1), make([]int, lb+1)
	}
	for j := 0; j <= lb; j++ {
		prev[j] = j
	}
	for i := 1; i <= la; i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= lb; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > max {
			return max + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[lb], max+1)
}

// nameGroups lists given names that are the same name to a practitioner.
var nameGroups = [][]string{
	{"james", "jim", "jimmy", "jamie", "jimmie"},
	{"william", "will", "bill", "billy", "liam", "willie"},
	{"robert", "rob", "bob", "bobby", "robbie"},
	{"richard", "rich", "rick", "dick", "richie"},
	{"thomas", "tom", "tommy"},
	{"joseph", "joe", "joey"},
	{"daniel", "dan", "danny"},
	{"samuel", "sam", "sammy"},
	{"samantha", "sam", "sammy"},
	{"alexander", "alex", "alfie", "xander"},
	{"alexandra", "alex", "lexi", "alexa"},
	{"elizabeth", "liz", "lizzie", "beth", "betty", "eliza", "libby"},
	{"katherine", "catherine", "kate", "katie", "cathy", "kathryn", "kat"},
	{"margaret", "maggie", "peggy", "meg"},
	{"michael", "mike", "mikey", "mick"},
	{"matthew", "matt", "matty"},
	{"christopher", "chris", "kit"},
	{"nicholas", "nick", "nicky"},
	{"benjamin", "ben", "benny"},
	{"jonathan", "jon", "jonny", "john", "johnny", "jack"},
	{"edward", "ed", "eddie", "ted", "teddy", "ned"},
	{"henry", "harry", "hal"},
	{"charles", "charlie", "chas"},
	{"charlotte", "charlie", "lottie"},
	{"oliver", "ollie", "olly"},
	{"olivia", "liv", "livvy"},
	{"isabella", "isabelle", "isobel", "bella", "izzy"},
	{"emily", "em", "emmy"},
	{"amelia", "millie", "mia"},
	{"jessica", "jess", "jessie"},
	{"rebecca", "becky", "becca"},
	{"victoria", "vicky", "tori"},
	{"abigail", "abbie", "abby"},
	{"joshua", "josh"},
	{"zachary", "zach", "zak"},
	{"frederick", "fred", "freddie"},
	{"theodore", "theo", "ted"},
	{"mohammed", "muhammad", "mohammad", "mohamed"},
}

var nameVariants = func() map[string][]int {
	m := map[string][]int{}
	for i, g := range nameGroups {
		for _, n := range g {
			m[n] = append(m[n], i)
		}
	}
	return m
}()

// NameVariants reports whether two normalised given names are variants of one
// name (Jim and James).
func NameVariants(a, b string) bool {
	ga, gb := nameVariants[a], nameVariants[b]
	for _, x := range ga {
		for _, y := range gb {
			if x == y {
				return true
			}
		}
	}
	return false
}

// NameScore scores how well a searched name q matches a held name h, both
// normalised: 1 exact; 0.9 a known variant; 0.85 same Soundex and close; 0.8 one
// edit; 0.65 two edits on a long name; 0.6 same Soundex; else 0.
func NameScore(q, h string) float64 {
	switch {
	case q == "" || h == "":
		return 0
	case q == h:
		return 1
	case NameVariants(q, h):
		return 0.9
	}
	d := EditDistance(q, h, 2)
	same := Soundex(q) == Soundex(h)
	switch {
	case same && d <= 2:
		return 0.85
	case d == 1:
		return 0.8
	case d == 2 && len(q) >= 6:
		return 0.65
	case same:
		return 0.6
	}
	return 0
}

// DateScore scores a searched date q against a held date h: 1 same, 0.8 day
// and month swapped, 0.5 one digit wrong in the day or year, else 0.
func DateScore(q, h string) float64 {
	if q == h {
		return 1
	}
	if s, ok := SwapDayMonth(q); ok && s == h {
		return 0.8
	}
	if len(q) == 10 && len(h) == 10 && q[5:7] == h[5:7] && EditDistance(q, h, 1) == 1 {
		return 0.5
	}
	return 0
}

// Candidate is a held child as the matcher sees it: normalised names and keys.
type Candidate struct {
	SignpostID  string
	GivenName   string // normalised
	FamilyName  string // normalised
	DateOfBirth string
	Gender      string
	Postcode    string // normalised
	Shielded    bool
	// Given and Family are the names as written, for display.
	Given, Family string
}

// Query is a search as the matcher sees it: normalised names.
type Query struct {
	GivenName   string
	FamilyName  string
	DateOfBirth string
	Gender      string
	Postcode    string
}

// MatchThreshold is the lowest score that counts as a match.
const MatchThreshold = 0.75

// ConfidentThreshold is the score above which an identity match is taken as the
// same child without asking a person.
const ConfidentThreshold = 0.93

// Score returns how well candidate c matches query q, in [0, 1]: a weighted mean
// over the fields the query gave. A family name that does not match, or a
// given date of birth that does not match, scores 0 whatever else matches.
func Score(q Query, c Candidate) float64 {
	var sum, weight float64
	if q.FamilyName != "" {
		s := NameScore(q.FamilyName, c.FamilyName)
		if s == 0 {
			return 0
		}
		sum, weight = sum+3*s, weight+3
	}
	if q.DateOfBirth != "" {
		s := DateScore(q.DateOfBirth, c.DateOfBirth)
		if s == 0 {
			return 0
		}
		sum, weight = sum+3*s, weight+3
	}
	if q.GivenName != "" {
		s := NameScore(q.GivenName, c.GivenName)
		if s == 0 && len(q.GivenName) == 1 && strings.HasPrefix(c.GivenName, q.GivenName) {
			s = 0.7
		}
		sum, weight = sum+2*s, weight+2
	}
	if q.Postcode != "" {
		s := 0.0
		switch {
		case q.Postcode == c.Postcode:
			s = 1
		case OutwardCode(q.Postcode) == OutwardCode(c.Postcode):
			s = 0.6
		}
		sum, weight = sum+2*s, weight+2
	}
	if q.Gender != "" {
		s := 0.0
		if strings.EqualFold(q.Gender, c.Gender) {
			s = 1
		}
		sum, weight = sum+0.5*s, weight+0.5
	}
	if weight == 0 {
		return 0
	}
	return float64(int(sum/weight*1000+0.5)) / 1000
}
