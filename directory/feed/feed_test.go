package feed

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
)

var today = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

type row struct {
	line  int
	field string // "" for a valid row
}

func readAll(t *testing.T, kind Kind, text string) ([]*Record, []*Reject) {
	t.Helper()
	r, err := NewReader(kind, strings.NewReader(text), today)
	if err != nil {
		t.Fatal(err)
	}
	var recs []*Record
	var rejs []*Reject
	for {
		rec, rj, err := r.Next()
		if err == io.EOF {
			return recs, rejs
		}
		if err != nil {
			t.Fatal(err)
		}
		if rj != nil {
			rejs = append(rejs, rj)
		} else {
			recs = append(recs, rec)
		}
	}
}

func TestBadRowsAreReportedByLineAndTheRestImports(t *testing.T) {
	for _, tc := range []struct {
		name  string
		kind  Kind
		text  string
		valid []int // lines of valid rows
		bad   []row // lines and fields of rejected rows
		check func(*testing.T, []*Record)
	}{
		{
			name: "births",
			kind: Births,
			text: "nhs_number,given_name,family_name,sex,date_of_birth,address,postcode,la_code\n" +
				"9434765919,Jamie,Fixture,M,2015-03-14,\"22 Park Row, Leeds\",ls14ap,E08000035\n" + // 2 valid
				"9434765918,Jamie,Fixture,M,2015-03-14,,LS1 4AP,\n" + // 3 bad check digit
				"9434765919,Jamie,Fixture,M,2015-02-30,,LS1 4AP,\n" + // 4 impossible date
				"9434765919,Jamie,Fixture,M,2015-03-14,,NOT A PC,\n" + // 5 bad postcode
				"9434765919,Jamie,Fixture,M,2015-03-14,,LS1 4AP\n" + // 6 seven columns
				"9434765919,J\xe9r\xf4me,Fixture,M,2015-03-14,,LS1 4AP,\n" + // 7 Latin-1, not UTF-8
				"9434765919,Jamie,Fixture,M,2031-03-14,,LS1 4AP,\n" + // 8 future
				"9434765919,Jamie,Fixture,M,1990-03-14,,LS1 4AP,\n" + // 9 too old
				"9434765919,Jamie,Fixture,Q,2015-03-14,,LS1 4AP,\n" + // 10 sex
				"9434765919,Jamie,Fixture,M,2015-03-14,,LS1 4AP,X123\n" + // 11 LA code
				"9434765919,123,Fixture,M,2015-03-14,,LS1 4AP,\n" + // 12 no letters
				"\n" + // 13 blank: skipped
				"9434765919,Zoë,Fixture,F,2015-03-14,,LS1 4AP,\n", // 14 valid, UTF-8
			valid: []int{2, 14},
			bad:   []row{{3, "nhs_number"}, {4, "date_of_birth"}, {5, "postcode"}, {6, ""}, {7, "given_name"}, {8, "date_of_birth"}, {9, "date_of_birth"}, {10, "sex"}, {11, "la_code"}, {12, "given_name"}},
			check: func(t *testing.T, rs []*Record) {
				if r := rs[0]; r.Postcode != "LS1 4AP" || r.Sex != "male" || r.Address != "22 Park Row, Leeds" || r.LACode != "E08000035" {
					t.Errorf("normalised record = %+v", r)
				}
			},
		},
		{
			name: "deaths by NHS number or by identity",
			kind: Deaths,
			text: "nhs_number,given_name,family_name,date_of_birth,postcode,date_of_death\n" +
				"9434765919,,,,,2025-01-02\n" + // 2 valid by number
				",Jamie,Fixture,2015-03-14,LS1 4AP,2025-01-02\n" + // 3 valid by identity
				",Jamie,,2015-03-14,LS1 4AP,2025-01-02\n" + // 4 no family name
				"9434765919,,,,,2026-01-02\n" + // 5 future
				",Jamie,Fixture,2015-03-14,,2014-01-02\n", // 6 before birth
			valid: []int{2, 3},
			bad:   []row{{4, "family_name"}, {5, "date_of_death"}, {6, "date_of_death"}},
		},
		{
			name: "school census, columns in another order",
			kind: School,
			text: "given_name,family_name,upn,date_of_birth,postcode,school_urn,school_name,start_date\n" +
				"Jamie,Fixture,P207000016049,2015-03-14,LS1 4AP,107950,Park Row Primary,2019-09-04\n" + // 2 valid
				"Jamie,Fixture,Q207000016049,2015-03-14,LS1 4AP,107950,Park Row Primary,2019-09-04\n" + // 3 bad check letter
				"Jamie,Fixture,P207000016049,2015-03-14,LS1 4AP,10795,Park Row Primary,2019-09-04\n" + // 4 URN
				"Jamie,Fixture,P207000016049,2015-03-14,LS1 4AP,107950,Park Row Primary,2014-09-04\n" + // 5 before birth
				"Jamie,\"Fix\"ture,P207000016049,2015-03-14,LS1 4AP,107950,Park Row Primary,2019-09-04\n", // 6 bad quoting
			valid: []int{2},
			bad:   []row{{3, "upn"}, {4, "school_urn"}, {5, "start_date"}, {6, ""}},
			check: func(t *testing.T, rs []*Record) {
				if rs[0].UPN != "P207000016049" || rs[0].Sex != "" || rs[0].SettingCode != "107950" {
					t.Errorf("school record = %+v", rs[0])
				}
			},
		},
		{
			name: "GP registrations",
			kind: GP,
			text: "nhs_number,given_name,family_name,sex,date_of_birth,postcode,practice_ods,practice_name,start_date\n" +
				"9434765919,Jamie,Fixture,male,2015-03-14,,b86001,Leeds City Medical Practice,2015-04-01\n" + // 2 valid
				",Jamie,Fixture,male,2015-03-14,,B86001,Leeds City Medical Practice,2015-04-01\n" + // 3 no NHS number
				"9434765919,Jamie,Fixture,male,2015-03-14,,B86001,,2015-04-01\n", // 4 no practice name
			valid: []int{2},
			bad:   []row{{3, "nhs_number"}, {4, "practice_name"}},
			check: func(t *testing.T, rs []*Record) {
				if rs[0].SettingCode != "B86001" || rs[0].Postcode != "" {
					t.Errorf("GP record = %+v", rs[0])
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs, rejs := readAll(t, tc.kind, tc.text)
			var lines []int
			for _, r := range recs {
				lines = append(lines, r.Line)
			}
			if len(lines) != len(tc.valid) {
				t.Fatalf("valid rows on lines %v, want %v; rejects %+v", lines, tc.valid, rejs)
			}
			for i := range lines {
				if lines[i] != tc.valid[i] {
					t.Errorf("valid rows on lines %v, want %v", lines, tc.valid)
				}
			}
			if len(rejs) != len(tc.bad) {
				t.Fatalf("rejects %+v, want lines %v", rejs, tc.bad)
			}
			for i, rj := range rejs {
				if rj.Line != tc.bad[i].line || rj.Field != tc.bad[i].field || rj.Reason == "" {
					t.Errorf("reject %d = %+v, want line %d field %q", i, rj, tc.bad[i].line, tc.bad[i].field)
				}
			}
			if tc.check != nil {
				tc.check(t, recs)
			}
		})
	}
}

func TestHeaderErrors(t *testing.T) {
	for _, tc := range []struct{ name, text string }{
		{"empty file", ""},
		{"unknown column", "nhs_number,given_name,family_name,sex,date_of_birth,postcode,shoe_size\n"},
		{"missing column", "nhs_number,given_name,family_name,sex,postcode\n"},
		{"duplicate column", "nhs_number,nhs_number,given_name,family_name,sex,date_of_birth,postcode\n"},
	} {
		if _, err := NewReader(Births, strings.NewReader(tc.text), today); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}

func TestWriterRoundTrips(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(Births, &buf)
	if err != nil {
		t.Fatal(err)
	}
	in := &Record{Kind: Births, NHSNumber: "9434765919", GivenName: "Jamie", FamilyName: "O'Fixture", Sex: "male", DateOfBirth: "2015-03-14",
		Address: "Flat 3, \"The Row\", Leeds", Postcode: "LS1 4AP", LACode: "E08000035"}
	if line, err := w.Write(in); err != nil || line != 2 {
		t.Fatalf("Write = %d, %v", line, err)
	}
	w.Flush()
	recs, rejs := readAll(t, Births, "\xEF\xBB\xBF"+buf.String())
	if len(rejs) != 0 || len(recs) != 1 {
		t.Fatalf("read back %v %v", recs, rejs)
	}
	out := recs[0]
	out.Line = 0
	if *out != *in || out.Hash() != in.Hash() {
		t.Errorf("round trip: %+v, want %+v", out, in)
	}
}
