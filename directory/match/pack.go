package match

import (
	"strings"
	"time"

	"signpost"
)

// Packing keeps an entry free of pointers (the collector never scans
// millions of them) and small.

var epoch = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

// packDate returns days since 1900-01-01, plus one (0 = none or invalid).
func packDate(s string) uint16 {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0
	}
	y, ok1 := atoi(s[0:4])
	m, ok2 := atoi(s[5:7])
	d, ok3 := atoi(s[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > 31 || y < 1900 || y > 2078 {
		return 0
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return 0
	}
	return uint16(t.Sub(epoch)/(24*time.Hour)) + 1
}

func unpackDate(v uint16) string {
	if v == 0 {
		return ""
	}
	return epoch.AddDate(0, 0, int(v)-1).Format(signpost.DateLayout)
}

func atoi(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// packNHS returns the ten digits as a number, plus one.
func packNHS(s string) uint64 {
	if len(s) != 10 {
		return 0
	}
	var v uint64
	for i := 0; i < 10; i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0
		}
		v = v*10 + uint64(s[i]-'0')
	}
	return v + 1
}

func unpackNHS(v uint64) string {
	if v == 0 {
		return ""
	}
	v--
	b := make([]byte, 10)
	for i := 9; i >= 0; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return string(b)
}

// packUPN packs a 13-character UPN: a letter, eleven digits and a digit or
// letter. Anything else packs to 0.
func packUPN(s string) uint64 {
	if len(s) != 13 || s[0] < 'A' || s[0] > 'Z' {
		return 0
	}
	v := uint64(s[0] - 'A')
	for i := 1; i < 12; i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0
		}
		v = v*10 + uint64(s[i]-'0')
	}
	c := s[12]
	switch {
	case c >= '0' && c <= '9':
		v = v*36 + uint64(c-'0')
	case c >= 'A' && c <= 'Z':
		v = v*36 + 10 + uint64(c-'A')
	default:
		return 0
	}
	return v + 1
}

func unpackUPN(v uint64) string {
	if v == 0 {
		return ""
	}
	v--
	b := make([]byte, 13)
	c := v % 36
	v /= 36
	if c < 10 {
		b[12] = byte('0' + c)
	} else {
		b[12] = byte('A' + c - 10)
	}
	for i := 11; i >= 1; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	b[0] = byte('A' + v)
	return string(b)
}

// packPostcode packs a normalised postcode ("LS1 4AP") in 6 bits a
// character, without the space (the inward code is always the last three).
func packPostcode(s string) uint64 {
	if len(s) < 6 || len(s) > 8 || s[len(s)-4] != ' ' {
		return 0
	}
	var v uint64
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		var k uint64
		switch {
		case c == ' ' && i == len(s)-4:
			continue
		case c >= '0' && c <= '9':
			k = 1 + uint64(c-'0')
		case c >= 'A' && c <= 'Z':
			k = 11 + uint64(c-'A')
		default:
			return 0
		}
		v = v<<6 | k
		n++
	}
	return v
}

func unpackPostcode(v uint64) string {
	if v == 0 {
		return ""
	}
	var b [8]byte
	n := 0
	for ; v != 0; v >>= 6 {
		k := v & 63
		if k <= 10 {
			b[n] = byte('0' + k - 1)
		} else {
			b[n] = byte('A' + k - 11)
		}
		n++
	}
	// b holds the characters last first.
	out := make([]byte, 0, n+1)
	for i := n - 1; i >= 0; i-- {
		if i == 2 {
			out = append(out, ' ')
		}
		out = append(out, b[i])
	}
	return string(out)
}

func packGender(g string) uint8 {
	switch strings.ToLower(g) {
	case "male":
		return 1
	case "female":
		return 2
	case "other":
		return 3
	case "unknown":
		return 4
	}
	return 0
}

func unpackGender(v uint8) string {
	return [...]string{"", "male", "female", "other", "unknown"}[min(v, 4)]
}

// sdxCode packs signpost.Soundex of a normalised name into 16 bits.
func sdxCode(norm string) uint16 {
	s := signpost.Soundex(norm)
	if len(s) != 4 {
		return 0
	}
	v := uint16(26)
	if s[0] >= 'A' && s[0] <= 'Z' {
		v = uint16(s[0] - 'A')
	}
	for i := 1; i < 4; i++ {
		v = v*7 + uint16(s[i]-'0')
	}
	return v + 1
}

// inVariantGroup reports whether a normalised name has known variants: a
// name in a variant group is a variant of itself, any other name of none.
func inVariantGroup(norm string) bool { return norm != "" && signpost.NameVariants(norm, norm) }
