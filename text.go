package signpost

import (
	"strings"
	"time"
	_ "time/tzdata" // so England's calendar day is known on machines without a zone database (Windows)
	"unicode"
	"unicode/utf8"
)

// Limits on the text people type, counted in characters (not bytes). Every
// text the directory stores is held to one of them; the directory package doc
// lists which field has which.
const (
	// MaxNameLen bounds names: a child's given and family names, usernames,
	// display names, job titles, organisations and device names.
	MaxNameLen = 100
	// MaxReasonLen bounds every reason a person gives: for a search, a view,
	// break-glass, shielding and unshielding, a wipe order, an offline view.
	MaxReasonLen = 500
	// MaxRoleLen bounds the role a practitioner gives an involvement.
	MaxRoleLen = 100
	// MaxPasswordLen bounds a password (Argon2 hashes all of it).
	MaxPasswordLen = 1024
	// MinPassphraseLen is the fewest characters a device cache's passphrase
	// may have: the cache refuses a shorter one, and the app says so before
	// it asks.
	MinPassphraseLen = 12
	// MinReasonLetters is how many letters or digits a reason needs at least:
	// a reason is something a person reads in an audit, not a mark.
	MinReasonLetters = 2
)

// CheckText validates free text typed by a person: valid UTF-8, at most max
// characters, and no control characters (a newline or an escape in a name
// breaks every table and log it is printed in). field names the request field
// for the error. Bidirectional-text marks are allowed (names in right-to-left
// scripts use them); Printable neutralises them when printing.
func CheckText(field, s string, max int) error {
	label := strings.ReplaceAll(field, "_", " ")
	if !utf8.ValidString(s) {
		return FieldError(field, "%s is not valid UTF-8 text", label)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return FieldError(field, "%s is longer than %d characters", label, max)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return FieldError(field, "%s must not contain control characters such as line breaks or tabs", label)
		}
	}
	return nil
}

// CheckReason validates a reason: CheckText, and visible words in it (at least
// MinReasonLetters letters or digits), so that a reason of a single space or
// an invisible character is refused. An empty reason is the caller's to allow
// or refuse.
func CheckReason(field, s string, max int) error {
	if err := CheckText(field, s, max); err != nil {
		return err
	}
	if s == "" {
		return nil
	}
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	if n < MinReasonLetters {
		return FieldError(field, "%s must say in words why; it is recorded in the audit", strings.ReplaceAll(field, "_", " "))
	}
	return nil
}

// The fewest words, and letters or digits, a break-glass reason needs: it is
// sent to the child's authority, who must be able to tell from it why the
// withheld details were needed ("check" says nothing; "police welfare check
// tonight" does).
const (
	MinBreakGlassWords   = 2
	MinBreakGlassLetters = 10
)

// CheckBreakGlassReason validates the reason for break-glass: CheckReason,
// and a sentence of at least MinBreakGlassWords words and
// MinBreakGlassLetters letters or digits. The directory refuses a shorter
// reason and the app says so before it asks, with the same message.
func CheckBreakGlassReason(field, s string) error {
	if err := CheckReason(field, s, MaxReasonLen); err != nil {
		return err
	}
	if strings.TrimSpace(s) == "" {
		return FieldError(field, "break-glass needs a reason; it is recorded and sent to the child's authority")
	}
	words, letters := 0, 0
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		words++
		letters += utf8.RuneCountInString(w)
	}
	if words < MinBreakGlassWords || letters < MinBreakGlassLetters {
		return FieldError(field, "say in a sentence why you need the withheld details, such as \"police welfare check tonight\"; it is sent to the child's authority")
	}
	return nil
}

// Longest phone number and email address the directory holds.
const (
	maxPhoneLen = 32
	maxEmailLen = 254
)

// CheckPhone validates a phone number as people write them ("0113 496
// 0000", "+44 (0)113 496-0000"): digits, spaces, brackets and hyphens, a
// "+" only first, and 7 to 15 digits. An empty one is the caller's to allow
// or refuse.
func CheckPhone(field, s string) error {
	if err := CheckText(field, s, maxPhoneLen); err != nil || s == "" {
		return err
	}
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ' || r == '(' || r == ')' || r == '-' || (r == '+' && i == 0):
		default:
			return FieldError(field, "%q is not a phone number: use digits and spaces, such as 0113 496 0000", s)
		}
	}
	if digits < 7 || digits > 15 {
		return FieldError(field, "%q is not a phone number: it should have 7 to 15 digits", s)
	}
	return nil
}

// CheckEmail validates an email address: one "@" with something before it
// and a domain with a dot after it, and no spaces. An empty one is the
// caller's to allow or refuse.
func CheckEmail(field, s string) error {
	if err := CheckText(field, s, maxEmailLen); err != nil || s == "" {
		return err
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || strings.ContainsAny(s, " <>,;") || strings.Contains(domain, "@") ||
		!strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return FieldError(field, "%q is not an email address such as leeds-signpost@example.org", s)
	}
	return nil
}

// Printable returns s made safe to print in a terminal, a table or a log line:
// control characters and invisible format characters (bidirectional overrides
// and isolates, zero-width characters) are shown as \u escapes, so that text
// cannot reorder or hide what is printed after it.
func Printable(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	clean := true
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			b.WriteString(`\u`)
			const hex = "0123456789ABCDEF"
			for shift := 12; shift >= 0; shift -= 4 {
				b.WriteByte(hex[(r>>uint(shift))&0xF])
			}
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Involvement dates are checked against the child and today.
//
// CheckStartDate validates the day an involvement started: a real date, not in
// the future, and not before the child was born.
func CheckStartDate(field, on, dateOfBirth string, today time.Time) error {
	t, ok := ParseDate(on)
	if !ok {
		return FieldError(field, "the start date must be a real date written YYYY-MM-DD")
	}
	if t.After(Today(today)) {
		return FieldError(field, "the start date cannot be in the future")
	}
	if dob, ok := ParseDate(dateOfBirth); ok && t.Before(dob) {
		return FieldError(field, "the start date cannot be before the child was born (%s)", dateOfBirth)
	}
	return nil
}

// CheckEndDate validates the day an involvement ended: a real date, not in the
// future, and not before it started.
func CheckEndDate(field, on, startedOn string, today time.Time) error {
	t, ok := ParseDate(on)
	if !ok {
		return FieldError(field, "the end date must be a real date written YYYY-MM-DD")
	}
	if t.After(Today(today)) {
		return FieldError(field, "the end date cannot be in the future")
	}
	if s, ok := ParseDate(startedOn); ok && t.Before(s) {
		return FieldError(field, "the end date cannot be before the involvement started (%s)", startedOn)
	}
	return nil
}

// typedDateLayouts are the ways a person writes a date that ParseTypedDate
// reads: as the wire has it, as the app shows it, and as a form is filled in
// in England (day first).
var typedDateLayouts = []string{DateLayout, "2/1/2006", "2 Jan 2006", "2 January 2006", "2-1-2006", "2.1.2006"}

// ParseTypedDate reads a date as a person types it — "2015-03-14",
// "14/03/2015" or "14 Mar 2015" (month names in any case, in full or short)
// — and returns it as the wire writes it, YYYY-MM-DD. Impossible dates
// (31/02/2015) are refused; a day always comes before the month.
func ParseTypedDate(s string) (string, bool) {
	s = strings.Join(strings.Fields(s), " ")
	for _, layout := range typedDateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format(DateLayout), true
		}
	}
	return "", false
}

// England is the calendar by which "today" is judged: at 00:30 in summer it is
// already tomorrow in England but still today in UTC.
var england = func() *time.Location {
	if loc, err := time.LoadLocation("Europe/London"); err == nil {
		return loc
	}
	return time.UTC
}()

// Today returns the calendar day in England at t, as midnight UTC of that
// date (the form ParseDate gives), so dates compare directly.
func Today(t time.Time) time.Time {
	t = t.In(england)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
