package signpost

import (
	"strings"
	"testing"
	"time"
)

func TestCheckTextRefusesControlsAndOverlongText(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{
		{"plain", "Nadia's laptop", true},
		{"right-to-left name", "\u0646\u0627\u062f\u064a\u0629\u200f", true},
		{"bidi override is allowed, printed neutralised", "\u202epot-pal", true},
		{"newline", "pot-pal IT\nSTATE: wiped", false},
		{"tab", "a\tb", false},
		{"escape", "a\x1b[2Jb", false},
		{"C1 control", "a\u0085b", false},
		{"invalid UTF-8", "a\xffb", false},
		{"at the limit", strings.Repeat("é", MaxNameLen), true},
		{"over the limit", strings.Repeat("é", MaxNameLen+1), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckText("device_name", tc.in, MaxNameLen)
			if (err == nil) != tc.ok {
				t.Fatalf("CheckText(%q) = %v, want ok=%v", tc.in, err, tc.ok)
			}
			if err != nil && FieldOf(err) != "device_name" {
				t.Fatalf("field = %q, want device_name", FieldOf(err))
			}
		})
	}
}

func TestCheckReasonNeedsVisibleWords(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{
		{"a sentence", "Referral from the school about attendance", true},
		{"empty is the caller's call", "", true},
		{"zero-width space", "\u200b", false},
		{"one letter", "x", false},
		{"punctuation only", "...", false},
		{"two digits", "42", true},
		{"1 MB", strings.Repeat("a", 1<<20), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := CheckReason("reason", tc.in, MaxReasonLen); (err == nil) != tc.ok {
				t.Fatalf("CheckReason = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

// A break-glass reason is a sentence the child's authority can act on: a
// word, a code or a mark is refused, here and (with the same rule) by the
// directory.
func TestCheckBreakGlassReasonWantsASentence(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{
		{"a sentence", "Police welfare check tonight", true},
		{"a statutory enquiry", "section 47 enquiry", true},
		{"two words of ten letters", "child missing", true},
		{"ten letters in two words with punctuation", "s47: strategy", true},
		{"empty", "", false},
		{"spaces", "   ", false},
		{"one word", "safeguarding", false},
		{"one long word", "welfarecheckrequestedbypolice", false},
		{"two short words", "s47 now", false},
		{"a word and punctuation", "urgent !!!", false},
		{"a line break", "police welfare\ncheck", false},
		{"too long", strings.Repeat("word ", MaxReasonLen), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckBreakGlassReason("reason", tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("CheckBreakGlassReason(%q) = %v, want ok=%v", tc.in, err, tc.ok)
			}
			if err != nil && (FieldOf(err) != "reason" || KindOf(err) != KindInvalid) {
				t.Errorf("field %q kind %v, want an invalid reason", FieldOf(err), KindOf(err))
			}
		})
	}
}

func TestPrintableNeutralisesBidiAndControls(t *testing.T) {
	for in, want := range map[string]string{
		"Nadia's laptop":               "Nadia's laptop",
		"\u202epot-pal IT":             `\u202Epot-pal IT`,
		"IT\nSTATE: wiped":             `IT\u000ASTATE: wiped`,
		"zero\u200bwidth":              `zero\u200Bwidth`,
		"\u2066isolate\u2069 and more": `\u2066isolate\u2069 and more`,
	} {
		if got := Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestInvolvementDates(t *testing.T) {
	now := time.Date(2026, 6, 30, 23, 30, 0, 0, time.UTC) // 00:30 on 1 July in England
	for _, tc := range []struct {
		name, on, other string
		start, ok       bool
	}{
		{"start today", "2026-06-30", "2015-03-14", true, true},
		{"start today in England, tomorrow in UTC", "2026-07-01", "2015-03-14", true, true},
		{"start in the future", "2026-07-02", "2015-03-14", true, false},
		{"start before birth", "2015-03-13", "2015-03-14", true, false},
		{"start 0001-01-01", "0001-01-01", "2015-03-14", true, false},
		{"start not a date", "2026-02-30", "2015-03-14", true, false},
		{"end after start", "2026-06-01", "2025-01-15", false, true},
		{"end on the start day", "2025-01-15", "2025-01-15", false, true},
		{"end before start", "2025-01-14", "2025-01-15", false, false},
		{"end 9999-12-31", "9999-12-31", "2025-01-15", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.start {
				err = CheckStartDate("on", tc.on, tc.other, now)
			} else {
				err = CheckEndDate("on", tc.on, tc.other, now)
			}
			if (err == nil) != tc.ok {
				t.Fatalf("got %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

// TestParseTypedDateReadsTheWaysPeopleWriteADate: the wire's form, the form
// the app shows, and day-first numbers, all to YYYY-MM-DD.
func TestParseTypedDateReadsTheWaysPeopleWriteADate(t *testing.T) {
	for _, tc := range []struct {
		in, want string // want "" if refused
	}{
		{"2015-03-14", "2015-03-14"},
		{"14/03/2015", "2015-03-14"},
		{"14/3/2015", "2015-03-14"},
		{"4/3/2015", "2015-03-04"},
		{"14 Mar 2015", "2015-03-14"},
		{"14 mar 2015", "2015-03-14"},
		{"14 March 2015", "2015-03-14"},
		{"  14  Mar   2015 ", "2015-03-14"},
		{"14-03-2015", "2015-03-14"},
		{"14.03.2015", "2015-03-14"},
		{"31/02/2015", ""},
		{"2015-02-30", ""},
		{"03/14/2015", ""}, // month first is not how England writes it
		{"14/03/15", ""},   // a two-digit year is ambiguous
		{"14 Mars 2015", ""},
		{"", ""},
		{"yesterday", ""},
	} {
		got, ok := ParseTypedDate(tc.in)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("ParseTypedDate(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
}

// TestCheckPhoneAndEmailAcceptWhatPeopleWrite: the contact details of a
// management team, as typed by an administrator.
func TestCheckPhoneAndEmailAcceptWhatPeopleWrite(t *testing.T) {
	for _, tc := range []struct {
		phone string
		ok    bool
	}{
		{"0113 496 0000", true}, {"+44 (0)113 496-0000", true}, {"", true}, {"01134960000", true},
		{"ring me", false}, {"0113 496 0000\n", false}, {"12345", false}, {"44+113 496 0000", false}, {strings.Repeat("1", 16), false},
	} {
		if err := CheckPhone("phone", tc.phone); (err == nil) != tc.ok || (err != nil && FieldOf(err) != "phone") {
			t.Errorf("CheckPhone(%q) = %v, want ok %v", tc.phone, err, tc.ok)
		}
	}
	for _, tc := range []struct {
		email string
		ok    bool
	}{
		{"leeds-signpost@example.org", true}, {"", true}, {"a.b+c@mail.example.gov.uk", true},
		{"leeds", false}, {"@example.org", false}, {"a@b", false}, {"a@@example.org", false}, {"a b@example.org", false}, {"a@example.org.", false},
	} {
		if err := CheckEmail("email", tc.email); (err == nil) != tc.ok || (err != nil && FieldOf(err) != "email") {
			t.Errorf("CheckEmail(%q) = %v, want ok %v", tc.email, err, tc.ok)
		}
	}
}
