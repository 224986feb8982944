// Package feed reads and writes the directory's four national data feeds:
// birth registrations, death registrations, the school census and GP
// registrations. Each is a CSV file (RFC 4180, UTF-8, comma separated) with a
// header row naming its columns; docs/feeds.md documents them. A Reader
// validates every row and reports a bad one by line number, with the field
// and reason, and carries on with the rest of the file.
package feed

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"signpost"
)

// Kind is a feed.
type Kind string

// The four feeds.
const (
	Births Kind = "births"
	Deaths Kind = "deaths"
	School Kind = "school"
	GP     Kind = "gp"
)

// Kinds lists the feeds in the order a national load applies them.
var Kinds = []Kind{Births, School, GP, Deaths}

// ParseKind returns the feed named s.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == strings.ToLower(strings.TrimSpace(s)) {
			return k, nil
		}
	}
	return "", signpost.FieldError("feed", "unknown feed %q: use births, deaths, school or gp", s)
}

// Columns of each feed, in the order a Writer writes them. A file may put
// them in any order; the header row says which is which.
var Columns = map[Kind][]string{
	Births: {"nhs_number", "given_name", "family_name", "sex", "date_of_birth", "address", "postcode", "la_code"},
	Deaths: {"nhs_number", "given_name", "family_name", "date_of_birth", "postcode", "date_of_death"},
	School: {"upn", "given_name", "family_name", "sex", "date_of_birth", "postcode", "school_urn", "school_name", "start_date", "la_code"},
	GP:     {"nhs_number", "given_name", "family_name", "sex", "date_of_birth", "postcode", "practice_ods", "practice_name", "start_date", "la_code"},
}

// optional columns may be left out of the header altogether.
var optional = map[Kind]map[string]bool{
	Births: {"address": true, "la_code": true},
	Deaths: {"given_name": true, "family_name": true, "date_of_birth": true, "postcode": true},
	School: {"sex": true, "postcode": true, "la_code": true},
	GP:     {"sex": true, "postcode": true, "la_code": true},
}

// Record is one valid feed row, normalised: identifiers without spaces,
// postcode in its standard form, sex lower case, dates YYYY-MM-DD.
type Record struct {
	Kind Kind
	Line int

	NHSNumber   string
	UPN         string
	GivenName   string
	FamilyName  string
	Sex         string
	DateOfBirth string
	Address     string
	Postcode    string
	LACode      string
	// SettingCode and SettingName are the school (URN) or GP practice (ODS code).
	SettingCode string
	SettingName string
	StartDate   string
	DateOfDeath string
}

// Hash identifies a row's content (not its line): the same row in a file
// sent twice hashes the same.
func (r *Record) Hash() [32]byte {
	h := sha256.New()
	for _, f := range []string{string(r.Kind), r.NHSNumber, r.UPN, r.GivenName, r.FamilyName, r.Sex, r.DateOfBirth, r.Address,
		r.Postcode, r.LACode, r.SettingCode, r.SettingName, r.StartDate, r.DateOfDeath} {
		h.Write([]byte(f))
		h.Write([]byte{0})
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// Reject is a row that was not imported.
type Reject struct {
	Line   int
	Field  string
	Reason string
}

// ErrHeader is wrapped by errors about a file's header row.
var ErrHeader = errors.New("bad header row")

// Reader reads one feed file.
type Reader struct {
	kind  Kind
	csv   *csv.Reader
	col   map[string]int // column → position
	width int
	today time.Time
	count *countingReader
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// NewReader reads the header row of a feed file. today bounds dates: none
// may be in the future, and a date of birth must be of someone under 25.
func NewReader(kind Kind, r io.Reader, today time.Time) (*Reader, error) {
	cols, ok := Columns[kind]
	if !ok {
		return nil, signpost.FieldError("feed", "unknown feed %q", kind)
	}
	cr := &countingReader{r: r}
	br := bufio.NewReaderSize(cr, 1<<20)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3) // a byte-order mark from a spreadsheet
	}
	c := csv.NewReader(br)
	c.FieldsPerRecord = -1
	c.ReuseRecord = true
	head, err := c.Read()
	if err == io.EOF {
		return nil, &signpost.Error{Kind: signpost.KindInvalid, Message: "the file is empty: a feed starts with a header row", Err: ErrHeader}
	}
	if err != nil {
		return nil, &signpost.Error{Kind: signpost.KindInvalid, Message: "the header row cannot be read as CSV", Err: fmt.Errorf("%w: %v", ErrHeader, err)}
	}
	known := map[string]bool{}
	for _, c := range cols {
		known[c] = true
	}
	fr := &Reader{kind: kind, csv: c, col: map[string]int{}, width: len(head), today: today, count: cr}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(h))
		if !known[h] {
			return nil, &signpost.Error{Kind: signpost.KindInvalid, Message: fmt.Sprintf("the header names a column %q that a %s feed does not have (columns: %s)", h, kind, strings.Join(cols, ", ")), Err: ErrHeader}
		}
		if _, dup := fr.col[h]; dup {
			return nil, &signpost.Error{Kind: signpost.KindInvalid, Message: fmt.Sprintf("the header names column %q twice", h), Err: ErrHeader}
		}
		fr.col[h] = i
	}
	for _, c := range cols {
		if _, ok := fr.col[c]; !ok && !optional[kind][c] {
			return nil, &signpost.Error{Kind: signpost.KindInvalid, Message: fmt.Sprintf("the header has no %q column, which a %s feed needs", c, kind), Err: ErrHeader}
		}
	}
	return fr, nil
}

// Offset returns how many bytes of the file have been read (for progress).
func (r *Reader) Offset() int64 { return r.count.n }

// Next returns the next row: a valid record, or the reason it was rejected.
// It returns io.EOF after the last row.
func (r *Reader) Next() (*Record, *Reject, error) {
	for {
		fields, err := r.csv.Read()
		if err == io.EOF {
			return nil, nil, io.EOF
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, &Reject{Line: pe.StartLine, Reason: "the row is not valid CSV: " + pe.Err.Error()}, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("reading the %s feed: %w", r.kind, err)
		}
		line, _ := r.csv.FieldPos(0) // only after a row was read: FieldPos panics on a row that failed to parse
		if len(fields) == 1 && strings.TrimSpace(fields[0]) == "" {
			continue // a blank line
		}
		if len(fields) != r.width {
			return nil, &Reject{Line: line, Reason: fmt.Sprintf("the row has %d columns; the header has %d", len(fields), r.width)}, nil
		}
		for i, f := range fields {
			if !utf8.ValidString(f) {
				return nil, &Reject{Line: line, Field: r.name(i), Reason: "the text is not UTF-8 (save the file as UTF-8)"}, nil
			}
		}
		rec := &Record{Kind: r.kind, Line: line}
		if rj := r.fill(rec, fields); rj != nil {
			rj.Line = line
			return nil, rj, nil
		}
		return rec, nil, nil
	}
}

func (r *Reader) name(i int) string {
	for n, j := range r.col {
		if j == i {
			return n
		}
	}
	return ""
}

func (r *Reader) get(fields []string, col string) string {
	i, ok := r.col[col]
	if !ok {
		return ""
	}
	return strings.TrimSpace(fields[i])
}

var (
	laCodeRE = regexp.MustCompile(`^E(0[6-9]|10)[0-9]{6}$`)
	urnRE    = regexp.MustCompile(`^[0-9]{6}$`)
	odsRE    = regexp.MustCompile(`^[A-Z0-9]{3,9}$`)
)

func bad(field, format string, args ...any) *Reject {
	return &Reject{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// sex normalises the sex column: male, female, other, unknown (or M, F, U).
func sex(s string) (string, bool) {
	switch strings.ToLower(s) {
	case "m", "male":
		return "male", true
	case "f", "female":
		return "female", true
	case "o", "other", "x":
		return "other", true
	case "", "u", "unknown", "not known", "not specified":
		return "unknown", true
	}
	return "", false
}

func (r *Reader) fill(rec *Record, f []string) *Reject {
	g := func(c string) string { return r.get(f, c) }
	name := func(col string, required bool) (string, *Reject) {
		v := g(col)
		switch {
		case v == "" && required:
			return "", bad(col, "%s is empty", strings.ReplaceAll(col, "_", " "))
		case len(v) > 100:
			return "", bad(col, "%s is longer than 100 characters", strings.ReplaceAll(col, "_", " "))
		case v != "" && signpost.NormaliseName(v) == "":
			return "", bad(col, "%s has no letters", strings.ReplaceAll(col, "_", " "))
		}
		return v, nil
	}
	date := func(col string, required bool) (string, *Reject) {
		v := g(col)
		if v == "" {
			if required {
				return "", bad(col, "%s is empty", strings.ReplaceAll(col, "_", " "))
			}
			return "", nil
		}
		t, ok := signpost.ParseDate(v)
		if !ok {
			return "", bad(col, "%s %q is not a real date written YYYY-MM-DD", strings.ReplaceAll(col, "_", " "), v)
		}
		if t.After(r.today) {
			return "", bad(col, "%s is in the future", strings.ReplaceAll(col, "_", " "))
		}
		return v, nil
	}
	var rj *Reject
	if nhs := g("nhs_number"); nhs != "" || (r.kind == Births || r.kind == GP) {
		if !signpost.ValidNHSNumber(nhs) {
			return bad("nhs_number", "not a valid NHS number (10 digits with a correct check digit)")
		}
		rec.NHSNumber = signpost.NormaliseNHSNumber(nhs)
	}
	if r.kind == School {
		if upn := g("upn"); !signpost.ValidUPN(upn) {
			return bad("upn", "not a valid UPN (13 characters with a correct check letter)")
		} else {
			rec.UPN = signpost.NormaliseUPN(upn)
		}
	}
	identityRequired := r.kind != Deaths || rec.NHSNumber == ""
	if rec.GivenName, rj = name("given_name", identityRequired); rj != nil {
		return rj
	}
	if rec.FamilyName, rj = name("family_name", identityRequired); rj != nil {
		return rj
	}
	if rec.DateOfBirth, rj = date("date_of_birth", identityRequired); rj != nil {
		return rj
	}
	if rec.DateOfBirth != "" {
		if _, err := signpost.CheckDateOfBirth("date_of_birth", rec.DateOfBirth, r.today); err != nil {
			return bad("date_of_birth", "%s", signpost.MessageOf(err))
		}
	}
	if s, ok := sex(g("sex")); !ok {
		return bad("sex", "sex must be male, female, other or unknown (or M, F, U)")
	} else if _, has := r.col["sex"]; has {
		rec.Sex = s
	}
	if pc := g("postcode"); pc != "" || r.kind == Births {
		if !signpost.ValidPostcode(pc) {
			return bad("postcode", "%q is not a UK postcode", pc)
		}
		rec.Postcode = signpost.NormalisePostcode(pc)
	}
	if la := strings.ToUpper(g("la_code")); la != "" {
		if !laCodeRE.MatchString(la) {
			return bad("la_code", "%q is not a local authority's ONS code (E06, E07, E08, E09 or E10 and six digits)", la)
		}
		rec.LACode = la
	}
	switch r.kind {
	case Births:
		rec.Address = g("address")
		if len(rec.Address) > 200 {
			return bad("address", "address is longer than 200 characters")
		}
	case Deaths:
		if rec.DateOfDeath, rj = date("date_of_death", true); rj != nil {
			return rj
		}
		if rec.DateOfBirth != "" && rec.DateOfDeath < rec.DateOfBirth {
			return bad("date_of_death", "date of death is before the date of birth")
		}
	case School, GP:
		codeCol, nameCol, re, what := "school_urn", "school_name", urnRE, "a school URN (six digits)"
		if r.kind == GP {
			codeCol, nameCol, re, what = "practice_ods", "practice_name", odsRE, "a GP practice's ODS code (3 to 9 letters and digits)"
		}
		rec.SettingCode = strings.ToUpper(g(codeCol))
		if !re.MatchString(rec.SettingCode) {
			return bad(codeCol, "%q is not %s", rec.SettingCode, what)
		}
		rec.SettingName = g(nameCol)
		if rec.SettingName == "" || len(rec.SettingName) > 200 {
			return bad(nameCol, "%s must be given, in at most 200 characters", strings.ReplaceAll(nameCol, "_", " "))
		}
		if rec.StartDate, rj = date("start_date", true); rj != nil {
			return rj
		}
		if rec.StartDate < rec.DateOfBirth {
			return bad("start_date", "start date is before the date of birth")
		}
	}
	return nil
}

// Writer writes a feed file: the header row, then records.
type Writer struct {
	kind Kind
	w    *bufio.Writer
	row  []string
	line int
}

// NewWriter writes the header row of a feed to w.
func NewWriter(kind Kind, w io.Writer) (*Writer, error) {
	fw := &Writer{kind: kind, w: bufio.NewWriterSize(w, 1<<20), line: 1}
	fw.row = make([]string, len(Columns[kind]))
	if err := fw.writeRow(Columns[kind]); err != nil {
		return nil, err
	}
	return fw, nil
}

// Write writes one record and returns the line it is on.
func (w *Writer) Write(r *Record) (int, error) {
	for i, c := range Columns[w.kind] {
		w.row[i] = r.Field(c)
	}
	if err := w.writeRow(w.row); err != nil {
		return 0, err
	}
	w.line++
	return w.line, nil
}

// WriteRaw writes fields as they are (tests use it to make bad rows).
func (w *Writer) WriteRaw(fields []string) (int, error) {
	if err := w.writeRow(fields); err != nil {
		return 0, err
	}
	w.line++
	return w.line, nil
}

// Flush writes out what is buffered.
func (w *Writer) Flush() error { return w.w.Flush() }

func (w *Writer) writeRow(fields []string) error {
	for i, f := range fields {
		if i > 0 {
			w.w.WriteByte(',')
		}
		if strings.ContainsAny(f, ",\"\r\n") {
			w.w.WriteByte('"')
			w.w.WriteString(strings.ReplaceAll(f, `"`, `""`))
			w.w.WriteByte('"')
		} else {
			w.w.WriteString(f)
		}
	}
	_, err := w.w.WriteString("\n")
	return err
}

// Field returns the value of the named column.
func (r *Record) Field(col string) string {
	switch col {
	case "nhs_number":
		return r.NHSNumber
	case "upn":
		return r.UPN
	case "given_name":
		return r.GivenName
	case "family_name":
		return r.FamilyName
	case "sex":
		return r.Sex
	case "date_of_birth":
		return r.DateOfBirth
	case "address":
		return r.Address
	case "postcode":
		return r.Postcode
	case "la_code":
		return r.LACode
	case "school_urn", "practice_ods":
		return r.SettingCode
	case "school_name", "practice_name":
		return r.SettingName
	case "start_date":
		return r.StartDate
	case "date_of_death":
		return r.DateOfDeath
	}
	return ""
}
