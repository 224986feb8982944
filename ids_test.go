package signpost_test

import (
	"testing"
	"time"

	"signpost"
)

func TestValidNHSNumber(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"9434765919", true},
		{"943 476 5919", true},
		{"943-476-5919", true},
		{"9434765918", false},  // wrong check digit
		{"9434765870", true},   // check digit 0 from remainder 11
		{"1000000010", false},  // remainder gives check 10: never valid
		{"943476591", false},   // nine digits
		{"94347659199", false}, // eleven digits
		{"94347A5919", false},
		{"", false},
	} {
		if got := signpost.ValidNHSNumber(tc.in); got != tc.want {
			t.Errorf("ValidNHSNumber(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestValidUPN(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"P207000016049", true}, // valid although vendor documents say Q: see the directory package doc, Identifiers
		{"p207000016049", true},
		{"Q207000016049", false},
		{"P20700001604", false},
		{"P2070000160499", false},
		{"P20700001604I", false}, // I is not in the check alphabet
		{"1207000016049", false},
		{"", false},
	} {
		if got := signpost.ValidUPN(tc.in); got != tc.want {
			t.Errorf("ValidUPN(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestValidPostcode(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"LS1 4AP", true},
		{"ls14ap", true},
		{"M1 1AE", true},
		{"B33 8TH", true},
		{"CR2 6XH", true},
		{"DN55 1PT", true},
		{"W1A 0AX", true},
		{"EC1A 1BB", true},
		{"GIR 0AA", true},
		{"LS1", false},
		{"QS1 4AP", false}, // Q never starts a postcode
		{"LS1 4AC", false}, // C never in the inward unit
		{"12345", false},
		{"", false},
	} {
		if got := signpost.ValidPostcode(tc.in); got != tc.want {
			t.Errorf("ValidPostcode(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
	if got := signpost.NormalisePostcode(" ls1  4ap "); got != "LS1 4AP" {
		t.Errorf("NormalisePostcode = %q", got)
	}
}

func TestSignpostID(t *testing.T) {
	for _, n := range []int{1, 42, 12345678, 99999999} {
		id := signpost.SignpostID(n)
		if !signpost.ValidSignpostID(id) {
			t.Errorf("SignpostID(%d) = %q is not valid", n, id)
		}
		bad := []byte(id)
		bad[5] = '0' + (bad[5]-'0'+1)%10
		if signpost.ValidSignpostID(string(bad)) {
			t.Errorf("%q with one digit changed is still valid", bad)
		}
	}
	id := signpost.SignpostID(12345678)
	if spaced := "sp " + id[2:6] + " " + id[6:]; !signpost.ValidSignpostID(spaced) {
		t.Errorf("ValidSignpostID(%q) = false; lower case and spaces should be forgiven", spaced)
	}
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"SP12345678", false},
		{"XX123456782", false},
		{"9434765919", false}, // an NHS number is never a Signpost ID
		{"", false},
	} {
		if got := signpost.ValidSignpostID(tc.in); got != tc.want {
			t.Errorf("ValidSignpostID(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestCheckDateOfBirth(t *testing.T) {
	today := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"2015-03-14", true},
		{"2026-11-23", true},  // born today
		{"2026-11-24", false}, // future
		{"2001-11-24", true},  // 24 years old
		{"2001-11-23", false}, // 25 today
		{"1990-01-01", false},
		{"2015-02-30", false}, // impossible
		{"2015-13-01", false},
		{"14/03/2015", false},
		{"", false},
	} {
		_, err := signpost.CheckDateOfBirth("date_of_birth", tc.in, today)
		if (err == nil) != tc.ok {
			t.Errorf("CheckDateOfBirth(%q) error = %v, want ok=%v", tc.in, err, tc.ok)
		}
		if err != nil && signpost.FieldOf(err) != "date_of_birth" {
			t.Errorf("CheckDateOfBirth(%q) error names field %q", tc.in, signpost.FieldOf(err))
		}
	}
}

func TestSwapDayMonth(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"2015-03-04", "2015-04-03", true},
		{"2015-03-14", "", false}, // 14 is no month
		{"2015-05-05", "", false}, // same date
		{"2016-02-12", "2016-12-02", true},
	} {
		got, ok := signpost.SwapDayMonth(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("SwapDayMonth(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
