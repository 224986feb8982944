package signpost

import (
	"regexp"
	"strings"
	"time"
)

// ValidNHSNumber reports whether s is a valid 10-digit NHS number (modulus 11,
// weights 10..2 on the first nine digits). Spaces and hyphens are ignored.
func ValidNHSNumber(s string) bool {
	s = stripSeparators(s)
	if len(s) != 10 {
		return false
	}
	sum := 0
	for i := 0; i < 10; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		if i < 9 {
			sum += int(s[i]-'0') * (10 - i)
		}
	}
	check := 11 - sum%11
	switch check {
	case 11:
		check = 0
	case 10:
		return false
	}
	return int(s[9]-'0') == check
}

// NormaliseNHSNumber returns the NHS number with separators removed.
func NormaliseNHSNumber(s string) string { return stripSeparators(s) }

// upnAlphabet is the DfE check-letter alphabet (no I, O, S).
const upnAlphabet = "ABCDEFGHJKLMNPQRTUVWXYZ"

// ValidUPN reports whether s is a valid 13-character Unique Pupil Number: a check
// letter, then 12 characters (the last may be a letter in a temporary UPN) whose
// weighted sum (weights 2..13) modulo 23 indexes the check alphabet.
func ValidUPN(s string) bool {
	s = strings.ToUpper(stripSeparators(s))
	if len(s) != 13 {
		return false
	}
	sum := 0
	for i := 1; i < 13; i++ {
		c := s[i]
		var v int
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case i == 12 && strings.IndexByte(upnAlphabet, c) >= 0:
			v = strings.IndexByte(upnAlphabet, c)
		default:
			return false
		}
		sum += v * (i + 1)
	}
	return s[0] == upnAlphabet[sum%23]
}

// NormaliseUPN returns the UPN upper-cased with separators removed.
func NormaliseUPN(s string) string { return strings.ToUpper(stripSeparators(s)) }

var postcodeRE = regexp.MustCompile(`^(GIR 0AA|([A-PR-UWYZ][0-9][0-9]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?|[A-PR-UWYZ][0-9][A-HJKSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]) [0-9][ABD-HJLNP-UW-Z]{2})$`)

// NormalisePostcode upper-cases a postcode and puts exactly one space before the
// inward code ("ls14ap" → "LS1 4AP"). It does not validate.
func NormalisePostcode(s string) string {
	s = strings.ToUpper(strings.Join(strings.Fields(s), ""))
	if len(s) < 5 {
		return s
	}
	return s[:len(s)-3] + " " + s[len(s)-3:]
}

// ValidPostcode reports whether s, once normalised, has the BS 7666 shape of a UK postcode.
func ValidPostcode(s string) bool { return postcodeRE.MatchString(NormalisePostcode(s)) }

// OutwardCode returns the part of a normalised postcode before the space.
func OutwardCode(postcode string) string {
	if i := strings.IndexByte(postcode, ' '); i > 0 {
		return postcode[:i]
	}
	return postcode
}

// A Signpost ID is "SP" followed by eight digits and a Luhn check digit, e.g.
// SP100000009. It is our own number: it says nothing about the child and is
// never an NHS number (those have ten digits and no prefix).

// SignpostID returns the Signpost ID for serial n (0 < n < 10^8).
func SignpostID(n int) string {
	digits := []byte{'0', '0', '0', '0', '0', '0', '0', '0'}
	for i := 7; i >= 0 && n > 0; i-- {
		digits[i] = byte('0' + n%10)
		n /= 10
	}
	return "SP" + string(digits) + string(rune('0'+luhnCheck(digits)))
}

// ValidSignpostID reports whether s is a well-formed Signpost ID with a correct
// check digit. Case, spaces and hyphens are forgiven.
func ValidSignpostID(s string) bool {
	s = NormaliseSignpostID(s)
	if len(s) != 11 || s[:2] != "SP" {
		return false
	}
	for i := 2; i < 11; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return int(s[10]-'0') == luhnCheck([]byte(s[2:10]))
}

// NormaliseSignpostID upper-cases s and removes separators.
func NormaliseSignpostID(s string) string { return strings.ToUpper(stripSeparators(s)) }

// luhnCheck returns the Luhn check digit for the digits given.
func luhnCheck(digits []byte) int {
	sum := 0
	double := true
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return (10 - sum%10) % 10
}

// DateLayout is the wire format of dates: YYYY-MM-DD.
const DateLayout = "2006-01-02"

// ParseDate parses a YYYY-MM-DD date, rejecting impossible dates such as 2015-02-30.
func ParseDate(s string) (time.Time, bool) {
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// MaxChildAge is the age from which a person is no longer held as a child (records
// archive at 18, or up to 25 with consent).
const MaxChildAge = 25

// CheckDateOfBirth validates a date of birth against today: a real date, not in
// the future, and a person under 25. field names the request field for errors.
func CheckDateOfBirth(field, s string, today time.Time) (time.Time, error) {
	t, ok := ParseDate(s)
	if !ok {
		return time.Time{}, FieldError(field, "date of birth must be a real date written YYYY-MM-DD")
	}
	day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	if t.After(day) {
		return time.Time{}, FieldError(field, "date of birth cannot be in the future")
	}
	if !t.After(day.AddDate(-MaxChildAge, 0, 0)) {
		return time.Time{}, FieldError(field, "date of birth is of a person aged %d or over; Signpost holds children and young people only", MaxChildAge)
	}
	return t, nil
}

// SwapDayMonth returns the date with day and month exchanged, if that is a real
// and different date ("2015-03-04" → "2015-04-03").
func SwapDayMonth(date string) (string, bool) {
	t, ok := ParseDate(date)
	if !ok || t.Day() > 12 || t.Day() == int(t.Month()) {
		return "", false
	}
	s := time.Date(t.Year(), time.Month(t.Day()), int(t.Month()), 0, 0, 0, 0, time.UTC)
	if s.Day() != int(t.Month()) {
		return "", false
	}
	return s.Format(DateLayout), true
}

func stripSeparators(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}
