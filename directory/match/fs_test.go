package match

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"signpost/directory/feed"
	"signpost/directory/population"
)

func TestJaroWinkler(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want float64
	}{{"martha", "marhta", 0.961}, {"dwayne", "duane", 0.84}, {"dixon", "dicksonx", 0.813}, {"abc", "abc", 1}, {"abc", "xyz", 0}} {
		if got := JaroWinkler(c.a, c.b); math.Abs(got-c.want) > 0.001 {
			t.Errorf("JaroWinkler(%q, %q) = %.3f, want %.3f", c.a, c.b, got, c.want)
		}
	}
}

func TestComparisonLevels(t *testing.T) {
	x := New(true)
	m := DefaultModel()
	x.Put(Identity{Serial: 1, GivenName: "Oliver", FamilyName: "Oyelaran", DateOfBirth: "2015-03-04", Gender: "male", Postcode: "LS1 4AP"})
	cases := []struct {
		r    Record
		want Vector
	}{
		{Record{GivenName: "Oliver", FamilyName: "Oyelaran", DateOfBirth: "2015-03-04", Gender: "male", Postcode: "LS1 4AP"},
			Vector{NameExact, NameExact, DOBExact, SexAgree, PCExact}},
		{Record{GivenName: "Oyelaran", FamilyName: "Oliver", DateOfBirth: "2015-04-03", Gender: "female", Postcode: "LS1 4AQ"},
			Vector{NameSwapped, NameSwapped, DOBSwapped, SexDisagree, PCSector}},
		{Record{GivenName: "Olivr", FamilyName: "Oyelaren", DateOfBirth: "2015-03-07", Postcode: "LS1 9ZZ"},
			Vector{NamePhonetic, NamePhonetic, DOBDigit, LvlMissing, PCDistrict}},
		{Record{GivenName: "O", FamilyName: "Smith", DateOfBirth: "2015-03-27", Postcode: "LS2 4AP"},
			Vector{NameInitial, NameElse, DOBYearMon, LvlMissing, PCElse}},
		{Record{GivenName: "Aliver", FamilyName: "Oyelaran", DateOfBirth: "2016-08-20"},
			Vector{NameClose, NameExact, DOBElse, LvlMissing, LvlMissing}},
	}
	for _, c := range cases {
		s := x.recordSide(c.r)
		e := x.entrySide(0)
		var cmp Comparison
		m.weigh(&s, &e, &cmp)
		if cmp.Levels != c.want {
			t.Errorf("%+v: levels %v, want %v", c.r, cmp.Levels, c.want)
		}
		sum := cmp.Prior
		for _, w := range cmp.Weights {
			sum += w
		}
		if math.Abs(sum-cmp.Weight) > 1e-9 {
			t.Errorf("weights do not add up: %v", cmp)
		}
	}
}

// Rarer names weigh more when they agree exactly.
func TestTermFrequency(t *testing.T) {
	x := New(true)
	var recs []Record
	for s := 1; s <= 2000; s++ {
		fam := "Smith"
		if s == 7 {
			fam = "Oyelaran"
		}
		id := Identity{Serial: s, GivenName: "G" + strings.Repeat("a", s%7) + string(rune('a'+s%26)), FamilyName: fam,
			DateOfBirth: fmt.Sprintf("2015-%02d-%02d", 1+s%12, 1+s%28), Postcode: fmt.Sprintf("LS%d %dAB", 1+s%20, 1+s%9)}
		x.Put(id)
		if s%4 == 0 {
			recs = append(recs, Record{GivenName: id.GivenName, FamilyName: id.FamilyName, DateOfBirth: id.DateOfBirth, Postcode: id.Postcode})
		}
	}
	if x.Estimate(recs[:10], 1) != nil {
		t.Error("a model from 10 records")
	}
	m := x.Estimate(recs, 1)
	if m == nil {
		t.Fatal("no model")
	}
	rare := x.recordSide(Record{FamilyName: "Oyelaran"})
	common := x.recordSide(Record{FamilyName: "Smith"})
	var a, b Comparison
	m.weigh(&rare, &rare, &a)
	m.weigh(&common, &common, &b)
	if a.Weights[FieldFamily] <= b.Weights[FieldFamily]+3 {
		t.Errorf("Oyelaran weighs %.2f, Smith %.2f: the rare name should weigh much more", a.Weights[FieldFamily], b.Weights[FieldFamily])
	}
}

func TestModelSavesAndDecidesTheSame(t *testing.T) {
	q := runQuality(t, 3000, population.RealisticErrors, nil)
	b, err := json.Marshal(q.model)
	if err != nil {
		t.Fatal(err)
	}
	var back Model
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if err := back.Ready(); err != nil {
		t.Fatal(err)
	}
	q1 := runQuality(t, 3000, population.RealisticErrors, q.model)
	q2 := runQuality(t, 3000, population.RealisticErrors, &back)
	if q1.decisions != q2.decisions || q1.decisions.same == 0 {
		t.Errorf("the saved model decides differently: %+v, then %+v", q1.decisions, q2.decisions)
	}
}

func TestShieldedNeverLinked(t *testing.T) {
	x := New(true)
	m := DefaultModel()
	id := Identity{Serial: 5, GivenName: "Amara", FamilyName: "Oyelaran", DateOfBirth: "2015-03-04", Gender: "female", Postcode: "LS1 4AP", Shielded: true}
	x.Put(id)
	r := Record{GivenName: "Amara", FamilyName: "Oyelaran", DateOfBirth: "2015-03-04", Gender: "female", Postcode: "LS1 4AP"}
	d := x.DecideFS(m, r, 0)
	if d.Outcome != Review || len(d.Candidates) != 1 || d.Candidates[0].Serial != 5 || d.Comparison == nil {
		t.Fatalf("a shielded child's exact details: %+v", d)
	}
	id.Shielded = false
	x.Put(id)
	if d := x.DecideFS(m, r, 0); d.Outcome != Same || d.Child.Serial != 5 {
		t.Fatalf("the same details, not shielded: %+v", d)
	}
	// A twin (another given name, the rest the same) is not the child.
	if d := x.DecideFS(m, Record{GivenName: "Zainab", FamilyName: "Oyelaran", DateOfBirth: "2015-03-04", Gender: "female", Postcode: "LS1 4AP"}, 0); d.Outcome == Same {
		t.Fatalf("a twin linked: %+v", d)
	}
}

// quality is the details-only evaluation of the model on generated feeds.
type quality struct {
	model     *Model
	decisions struct{ same, review, none int }
	// row figures
	rows, withTrue, blocked          int // rows; rows whose person is held; of those, the held record was compared
	links, rightLinks, wrongLinks    int
	reviewRows, reviewRight, newRows int
	compared                         int
}

func (q *quality) String() string {
	return fmt.Sprintf("rows=%d wrong_links=%d pair_completeness=%.4f precision=%.5f recall=%.4f recall_with_review=%.4f review_share=%.4f candidates_per_row=%.1f auto_link=%.2f review=%.2f prior=%.4g em_iterations=%d converged=%v est_fdr=%.5f",
		q.rows, q.wrongLinks, ratio(q.blocked, q.withTrue), ratio(q.rightLinks, q.links), ratio(q.rightLinks, q.withTrue),
		ratio(q.rightLinks+q.reviewRight, q.withTrue), ratio(q.reviewRows, q.rows), float64(q.compared)/float64(q.rows),
		q.model.AutoLink, q.model.Review, q.model.Prior, q.model.Iterations, q.model.Converged, q.model.EstimatedFDR)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// runQuality generates n children's feeds and decides every row on its
// details alone (no NHS number or UPN: harder than an import, where most
// rows are decided by them), in feed order, against the people already
// held: a person is held, by the details of the row that first created
// them, from their first row on. The model is estimated after the birth
// registrations from the census's first rows, unless one is given.
func runQuality(t testing.TB, n int, errs population.ErrorModel, model *Model) *quality {
	t.Helper()
	dir := t.TempDir()
	today := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	if _, err := population.WriteFeedsWith(dir, n, 3, today, population.Options{Errors: errs}); err != nil {
		t.Fatal(err)
	}
	truth := readTruthFile(t, filepath.Join(dir, population.TruthFile))
	x := New(true)
	q := &quality{model: model}
	held := map[int]bool{}
	for _, k := range feed.Kinds {
		f, err := os.Open(filepath.Join(dir, population.FeedFiles[k]))
		if err != nil {
			t.Fatal(err)
		}
		fr, err := feed.NewReader(k, f, today)
		if err != nil {
			t.Fatal(err)
		}
		var recs []*feed.Record
		for {
			rec, rj, err := fr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if rj == nil {
				recs = append(recs, rec)
			}
		}
		f.Close()
		if q.model == nil && k != feed.Births {
			sample := make([]Record, 0, min(len(recs), EstimateRecords))
			for _, r := range recs[:min(len(recs), EstimateRecords)] {
				sample = append(sample, Record{GivenName: r.GivenName, FamilyName: r.FamilyName, DateOfBirth: r.DateOfBirth, Gender: r.Sex, Postcode: r.Postcode})
			}
			if n, _ := strconv.Atoi(os.Getenv("SIGNPOST_FS_PRIOR_CHILDREN")); n > 0 {
				// What if the store held n children: the prior (and the
				// thresholds estimated with it) take the index to hold n;
				// the candidates stay this size's.
				x.fsN = n
			}
			q.model = x.Estimate(sample, 1)
			if q.model == nil {
				t.Fatal("no model estimated")
			}
		}
		m := q.model
		if m == nil {
			m = DefaultModel()
		}
		for _, rec := range recs {
			p := truth[string(k)+":"+strconv.Itoa(rec.Line)]
			r := Record{GivenName: rec.GivenName, FamilyName: rec.FamilyName, DateOfBirth: rec.DateOfBirth, Gender: rec.Sex, Postcode: rec.Postcode}
			if r.Gender == "unknown" {
				r.Gender = ""
			}
			serial := p + 1
			traced := false
			x.fsTrace = func(s int) { traced = traced || s == serial }
			d := x.DecideFS(m, r, 0)
			x.fsTrace = nil
			q.rows++
			q.compared += d.Compared
			if held[p] {
				q.withTrue++
				if traced {
					q.blocked++
				}
			}
			switch d.Outcome {
			case Same:
				q.decisions.same++
				q.links++
				if d.Child.Serial == serial {
					q.rightLinks++
				} else {
					q.wrongLinks++
					if os.Getenv("SIGNPOST_FS_DEBUG") != "" {
						fmt.Printf("wrong link %s line %d: %s\n", k, rec.Line, d.Comparison)
					}
				}
			case Review:
				q.decisions.review++
				q.reviewRows++
				for _, c := range d.Candidates {
					if c.Serial == serial && held[p] {
						q.reviewRight++
					}
				}
			default:
				q.decisions.none++
				q.newRows++
			}
			if !held[p] && k != feed.Deaths {
				held[p] = true
				x.Put(Identity{Serial: serial, GivenName: r.GivenName, FamilyName: r.FamilyName, DateOfBirth: r.DateOfBirth, Gender: r.Gender, Postcode: r.Postcode})
			}
		}
	}
	return q
}

func readTruthFile(t testing.TB, path string) map[string]int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows[1:] {
		p, _ := strconv.Atoi(r[2])
		out[r[0]+":"+r[1]] = p
	}
	return out
}

// TestFSQuality measures the model on both generators (20,000 children;
// SIGNPOST_FS_CHILDREN for more, at most 200,000) and holds it to floors a
// little below the targets in docs/feeds.md.
func TestFSQuality(t *testing.T) {
	n := 20000
	if v, _ := strconv.Atoi(os.Getenv("SIGNPOST_FS_CHILDREN")); v > 0 {
		n = min(v, 200000)
	}
	if testing.Short() {
		n = 5000
	}
	for _, errs := range []population.ErrorModel{population.DefaultErrors, population.RealisticErrors} {
		t.Run(string(errs), func(t *testing.T) {
			q := runQuality(t, n, errs, nil)
			t.Logf("children=%d errors=%s %s", n, errs, q)
			b, _ := json.Marshal(q.model.M)
			t.Logf("m=%s", b)
			b, _ = json.Marshal(q.model.U)
			t.Logf("u=%s", b)
			if p := ratio(q.rightLinks, q.links); p < 0.998 {
				t.Errorf("precision %.4f", p)
			}
			if r := ratio(q.blocked, q.withTrue); r < 0.98 {
				t.Errorf("pair completeness %.4f", r)
			}
			if r := ratio(q.rightLinks, q.withTrue); r < 0.9 {
				t.Errorf("recall %.4f", r)
			}
		})
	}
}

// BenchmarkFSDecide is the cost of deciding a record on its details at
// 100,000 children: ns/row and the candidates compared a row.
func BenchmarkFSDecide(b *testing.B) {
	const n = 100_000
	today := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	g := population.New(11, today)
	x := New(true)
	for s := 1; s <= n; s++ {
		c := g.Next(s)
		x.Put(Identity{Serial: s, GivenName: c.GivenName, FamilyName: c.FamilyName, DateOfBirth: c.DateOfBirth, Gender: c.Gender,
			Postcode: c.Postcode, NHSNumber: c.NHSNumber, UPN: c.UPN})
	}
	recs := make([]Record, 2000)
	for i := range recs {
		c := g.Next(1 + i*47)
		if i%2 == 1 {
			c, _ = g.Typo(c)
		}
		if i%10 == 9 {
			c = g.Next(n + 1 + i) // not held
		}
		recs[i] = Record{GivenName: c.GivenName, FamilyName: c.FamilyName, DateOfBirth: c.DateOfBirth, Gender: c.Gender, Postcode: c.Postcode}
	}
	m := x.Estimate(recs, 1)
	// with_nhs is a GP row's duplicate probe: the record has an NHS
	// number, so only children without one are compared.
	withNHS := make([]Record, len(recs))
	for i, r := range recs {
		r.NHSNumber = "9434765919"
		withNHS[i] = r
	}
	for _, bc := range []struct {
		name string
		recs []Record
	}{{"details", recs}, {"with_nhs", withNHS}} {
		b.Run(bc.name, func(b *testing.B) {
			compared, same := 0, 0
			for i := 0; i < b.N; i++ {
				d := x.DecideFS(m, bc.recs[i%len(bc.recs)], 0)
				compared += d.Compared
				if d.Outcome == Same {
					same++
				}
			}
			b.ReportMetric(float64(compared)/float64(b.N), "candidates/row")
			b.ReportMetric(float64(same)/float64(b.N), "same_ratio")
		})
	}
}

// TestPostcodeRuleFindsOnlyItsChildren: R1 (postcode + given-name code) is
// a chain of its own in the importer's index; it finds a child whose family
// name and date of birth both changed, follows the child when the postcode
// changes, and leaves out namesakes elsewhere, other given names at the
// postcode, and children with an NHS number for a record that has one.
func TestPostcodeRuleFindsOnlyItsChildren(t *testing.T) {
	x := New(true)
	var seen []int
	x.fsTrace = func(serial int) { seen = append(seen, serial) }
	x.Put(Identity{Serial: 1, GivenName: "Amelia", FamilyName: "Smith", DateOfBirth: "2015-03-04", Postcode: "LS1 4AP"})
	x.Put(Identity{Serial: 2, GivenName: "Zainab", FamilyName: "Smith", DateOfBirth: "2012-01-01", Postcode: "LS1 4AP"})
	x.Put(Identity{Serial: 3, GivenName: "Amelia", FamilyName: "Brown", DateOfBirth: "2009-05-06", Postcode: "M1 1AA"})
	x.Put(Identity{Serial: 4, GivenName: "Amelie", FamilyName: "Begum", DateOfBirth: "2010-10-10", Postcode: "LS1 4AP", NHSNumber: "9434765919"})
	// The family name and date of birth changed: only the postcode and the
	// given name's code are left to find the child by.
	r := Record{GivenName: "Amelia", FamilyName: "Jones", DateOfBirth: "2017-09-08", Postcode: "LS1 4AP"}
	compared := func(r Record) []int {
		seen = nil
		x.DecideFS(DefaultModel(), r, 0)
		slices.Sort(seen)
		return seen
	}
	if got := compared(r); !slices.Equal(got, []int{1, 4}) {
		t.Fatalf("compared %v, want 1 and 4 (Amelia and Amelie at LS1 4AP)", got)
	}
	r.NHSNumber = "9434765870"
	if got := compared(r); !slices.Equal(got, []int{1}) {
		t.Fatalf("a record with an NHS number compared %v, want 1 alone", got)
	}
	// The child moves: the old postcode's chain no longer holds her.
	x.Put(Identity{Serial: 1, GivenName: "Amelia", FamilyName: "Smith", DateOfBirth: "2015-03-04", Postcode: "M1 1AA"})
	if got := compared(r); len(got) != 0 {
		t.Fatalf("after the move, LS1 4AP compared %v", got)
	}
	r.Postcode = "M1 1AA"
	if got := compared(r); !slices.Equal(got, []int{1, 3}) {
		t.Fatalf("at M1 1AA compared %v, want 1 and 3", got)
	}
	x.Remove(3)
	if got := compared(r); !slices.Equal(got, []int{1}) {
		t.Fatalf("after a removal compared %v, want 1", got)
	}
}
