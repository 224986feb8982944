package match

import (
	"fmt"
	"slices"
	gosync "sync"
	"testing"
	"time"

	"signpost"
	"signpost/directory/population"
)

func TestPackingRoundTrips(t *testing.T) {
	for _, pc := range []string{"LS1 4AP", "M14 5AB", "SW1A 1AA", "EC1V 9LT", "B29 6BD", "GIR 0AA"} {
		if got := unpackPostcode(packPostcode(pc)); got != pc {
			t.Errorf("postcode %q came back %q", pc, got)
		}
	}
	for _, upn := range []string{"P207000016049", "A12345678901B", "Z000000000000"} {
		if got := unpackUPN(packUPN(upn)); got != upn {
			t.Errorf("UPN %q came back %q", upn, got)
		}
	}
	for _, nhs := range []string{"9434765919", "0000000000", "4010232137"} {
		if got := unpackNHS(packNHS(nhs)); got != nhs {
			t.Errorf("NHS number %q came back %q", nhs, got)
		}
	}
	for _, d := range []string{"1900-01-01", "2015-03-14", "2024-02-29", "2078-12-31"} {
		if got := unpackDate(packDate(d)); got != d {
			t.Errorf("date %q came back %q", d, got)
		}
	}
	for _, bad := range []string{"2015-02-30", "2015-13-01", "15-03-14", ""} {
		if packDate(bad) != 0 {
			t.Errorf("impossible date %q packed", bad)
		}
	}
}

// The family-name filter must keep exactly the names signpost.NameScore
// scores above zero: a search may skip only children it could never return.
func TestFamilyFilterIsExactlyNameScore(t *testing.T) {
	g := population.New(7, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))
	x := New(false)
	var fams []string
	for s := 1; s <= 3000; s++ {
		c := g.Next(s)
		fams = append(fams, c.FamilyName)
		ty, _ := g.Typo(c)
		fams = append(fams, ty.FamilyName)
	}
	fams = append(fams, "James", "Jamie", "O'Brien", "Obrien", "Müller", "Muller", "Ng", "Li", "Lee", "Smyth", "Smith", "Smithson")
	for i, f := range fams {
		x.Put(Identity{Serial: i + 1, GivenName: "A", FamilyName: f, DateOfBirth: "2015-03-14"})
	}
	queries := append([]string{}, fams[:900]...)
	for i := 0; i < 300; i++ { // names no child has
		ty, _ := g.Typo(g.Next(5000 + i))
		queries = append(queries, ty.FamilyName)
	}
	queries = append(queries, "jamie", "smiht", "mueller", "x", "ab", "aa", "aaa", "obbrien")
	for _, q := range queries {
		qn := signpost.NormaliseName(q)
		want := map[int]bool{}
		for i, f := range fams {
			if signpost.NameScore(qn, signpost.NormaliseName(f)) > 0 {
				want[i+1] = true
			}
		}
		got := map[int]bool{}
		x.Candidates(Keys{DatesOfBirth: []string{"2015-03-14"}, FamilyName: qn}, func(id Identity) bool {
			got[id.Serial] = true
			return true
		})
		for s := range want {
			if !got[s] {
				t.Errorf("query %q: filter dropped %q, which scores", q, fams[s-1])
			}
		}
		for s := range got {
			if !want[s] {
				t.Errorf("query %q: filter kept %q, which cannot score", q, fams[s-1])
			}
		}
	}
}

// Leaving out children with another given name before scoring must change
// no decision: same outcome, child, score and candidates, for duplicates
// with typos, siblings and twins at one address, and strangers.
func TestGivenFilterChangesNoDecision(t *testing.T) {
	today := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	g := population.New(5, today)
	x := New(true)
	var kids []signpost.Child
	for s := 1; s <= 20000; s++ {
		c := g.Next(s)
		// Few dates and postcodes, so each chain holds many children.
		c.DateOfBirth = fmt.Sprintf("2015-03-%02d", 1+s%12)
		c.Postcode = []string{"LS1 4AP", "LS6 1AA", "M14 5AB", "B29 6BD", ""}[s%5]
		kids = append(kids, c)
		x.Put(Identity{Serial: s, GivenName: c.GivenName, FamilyName: c.FamilyName, DateOfBirth: c.DateOfBirth, Gender: c.Gender, Postcode: c.Postcode})
	}
	var recs []Record
	for i := 0; i < 3000; i++ {
		c := kids[(i*37)%len(kids)]
		r := Record{GivenName: c.GivenName, FamilyName: c.FamilyName, DateOfBirth: c.DateOfBirth, Gender: c.Gender, Postcode: c.Postcode}
		switch i % 5 {
		case 1:
			ty, _ := g.Typo(c)
			r = Record{GivenName: ty.GivenName, FamilyName: ty.FamilyName, DateOfBirth: ty.DateOfBirth, Gender: ty.Gender, Postcode: ty.Postcode}
		case 2: // a sibling at the same address
			r.GivenName = g.Next(100000 + i).GivenName
		case 3: // a stranger with this family name
			o := g.Next(200000 + i)
			r.GivenName, r.Postcode = o.GivenName, o.Postcode
		case 4:
			r.Postcode = ""
		}
		recs = append(recs, r)
	}
	defer func() { filterGiven = true }()
	differ := 0
	for _, r := range recs {
		filterGiven = true
		a := x.MatchDetails(r, 0)
		filterGiven = false
		b := x.MatchDetails(r, 0)
		if fmt.Sprint(a) != fmt.Sprint(b) {
			differ++
			if differ <= 5 {
				t.Errorf("record %+v:\nwith the filter    %+v\nwithout the filter %+v", r, a, b)
			}
		}
	}
	if differ > 0 {
		t.Errorf("%d of %d decisions differ", differ, len(recs))
	}
}

func TestPutReplaceRemove(t *testing.T) {
	x := New(true)
	a := Identity{Serial: 70000, GivenName: "Jamie", FamilyName: "Fixture", DateOfBirth: "2015-03-14", Gender: "male", Postcode: "LS1 4AP", NHSNumber: "9434765919", UPN: "P207000016049", Authority: "Leeds"}
	x.Put(a)
	if got, ok := x.Get(70000); !ok || got != a {
		t.Fatalf("Get = %+v, %v", got, ok)
	}
	if got, ok := x.ByNHSNumber("9434765919"); !ok || got.Serial != 70000 {
		t.Errorf("by NHS number: %+v %v", got, ok)
	}
	// Moving house and a new date of birth re-file the child.
	b := a
	b.Postcode, b.DateOfBirth, b.NHSNumber = "LS6 1AA", "2015-04-03", ""
	x.Put(b)
	count := func(k Keys) int {
		n := 0
		x.Candidates(k, func(Identity) bool { n++; return true })
		return n
	}
	if count(Keys{DatesOfBirth: []string{"2015-03-14"}}) != 0 || count(Keys{Postcode: "LS1 4AP"}) != 0 {
		t.Error("old keys still find the child")
	}
	if count(Keys{DatesOfBirth: []string{"2015-04-03"}}) != 1 || count(Keys{Postcode: "LS6 1AA"}) != 1 {
		t.Error("new keys do not find the child")
	}
	if _, ok := x.ByNHSNumber("9434765919"); ok {
		t.Error("a dropped NHS number still finds the child")
	}
	if x.Len() != 1 {
		t.Errorf("Len = %d", x.Len())
	}
	x.Remove(70000)
	if _, ok := x.Get(70000); ok || x.Len() != 0 || count(Keys{Postcode: "LS6 1AA"}) != 0 {
		t.Error("removed child still held")
	}
}

func TestMatchDecisions(t *testing.T) {
	x := New(true)
	jamie := Identity{Serial: 1, GivenName: "Jamie", FamilyName: "Fixture", DateOfBirth: "2015-03-14", Gender: "male", Postcode: "LS1 4AP", NHSNumber: "9434765919"}
	riley := Identity{Serial: 2, GivenName: "Riley", FamilyName: "Hidden", DateOfBirth: "2012-07-01", Gender: "female", Postcode: "LS2 9JT", Shielded: true}
	sam1 := Identity{Serial: 3, GivenName: "Sam", FamilyName: "Smith", DateOfBirth: "2016-01-01", Postcode: "LS6 1AA"}
	sam2 := Identity{Serial: 4, GivenName: "Sam", FamilyName: "Smith", DateOfBirth: "2016-01-01", Postcode: "LS6 1AA"}
	for _, c := range []Identity{jamie, riley, sam1, sam2} {
		x.Put(c)
	}
	for _, tc := range []struct {
		name    string
		r       Record
		outcome Outcome
		serial  int
	}{
		{"NHS number decides", Record{GivenName: "Someone", FamilyName: "Else", NHSNumber: "9434765919"}, Same, 1},
		{"exact details", Record{GivenName: "Jamie", FamilyName: "Fixture", DateOfBirth: "2015-03-14", Postcode: "LS1 4AP"}, Same, 1},
		{"typo in family name, same date and postcode", Record{GivenName: "Jamie", FamilyName: "Fixtrue", DateOfBirth: "2015-03-14", Postcode: "LS1 4AP"}, Same, 1},
		{"day and month swapped", Record{GivenName: "Jamie", FamilyName: "Fixture", DateOfBirth: "2015-14-03"[:0] + "2015-03-14", Postcode: "LS1 4AP"}, Same, 1},
		{"typo and moved house", Record{GivenName: "Jamie", FamilyName: "Fixtrue", DateOfBirth: "2015-03-14", Postcode: "LS9 9ZZ"}, Review, 0},
		{"another NHS number is never this child", Record{GivenName: "Jamie", FamilyName: "Fixture", DateOfBirth: "2015-03-14", Postcode: "LS1 4AP", NHSNumber: "4010232137"}, None, 0},
		{"twin: another given name at the same address", Record{GivenName: "Morgan", FamilyName: "Fixture", DateOfBirth: "2015-03-14", Postcode: "LS1 4AP"}, Review, 0},
		{"unrelated", Record{GivenName: "Ada", FamilyName: "Lovelace", DateOfBirth: "2015-03-14", Postcode: "LS1 4AP"}, None, 0},
		{"shielded child is held for review", Record{GivenName: "Riley", FamilyName: "Hidden", DateOfBirth: "2012-07-01", Postcode: "LS2 9JT"}, Review, 0},
		{"two children match: ambiguous", Record{GivenName: "Sam", FamilyName: "Smith", DateOfBirth: "2016-01-01", Postcode: "LS6 1AA"}, Review, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := x.Match(tc.r)
			if d.Outcome != tc.outcome || (tc.serial != 0 && d.Child.Serial != tc.serial) {
				t.Errorf("decision %+v, want outcome %d child %d", d, tc.outcome, tc.serial)
			}
			if d.Outcome == Review && (len(d.Candidates) == 0 || d.Reason == "") {
				t.Errorf("review without candidates or reason: %+v", d)
			}
		})
	}
	// Swapped for real.
	if d := x.Match(Record{GivenName: "Jamie", FamilyName: "Fixture", DateOfBirth: "2015-14-03", Postcode: "LS1 4AP"}); d.Outcome != None {
		t.Errorf("an impossible date matched: %+v", d)
	}
	swapped := Identity{Serial: 9, GivenName: "Ola", FamilyName: "Swapwell", DateOfBirth: "2014-04-03", Postcode: "LS7 1AA"}
	x.Put(swapped)
	if d := x.Match(Record{GivenName: "Ola", FamilyName: "Swapwell", DateOfBirth: "2014-03-04", Postcode: "LS7 1AA"}); d.Outcome != Same || d.Child.Serial != 9 {
		t.Errorf("day/month swap: %+v", d)
	}
}

func BenchmarkMatchDetails(b *testing.B) {
	for _, n := range []int{300_000, 3_000_000} {
		b.Run(fmt.Sprintf("children=%d", n), func(b *testing.B) { benchMatchDetails(b, n) })
	}
}

func benchMatchDetails(b *testing.B, n int) {
	today := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	g := population.New(11, today)
	x := New(true)
	for s := 1; s <= n; s++ {
		c := g.Next(s)
		x.Put(Identity{Serial: s, GivenName: c.GivenName, FamilyName: c.FamilyName, DateOfBirth: c.DateOfBirth, Gender: c.Gender,
			Postcode: c.Postcode, NHSNumber: c.NHSNumber, UPN: c.UPN})
	}
	recs := make([]Record, 1000)
	for i := range recs {
		c := g.Next(1 + i*97)
		ty, _ := g.Typo(c)
		recs[i] = Record{GivenName: ty.GivenName, FamilyName: ty.FamilyName, DateOfBirth: ty.DateOfBirth, Postcode: ty.Postcode}
	}
	b.ResetTimer()
	same := 0
	for i := 0; i < b.N; i++ {
		if x.MatchDetails(recs[i%len(recs)], 0).Outcome == Same {
			same++
		}
	}
	b.ReportMetric(float64(same)/float64(b.N), "same_ratio")
}

// Searches read the index from several goroutines at once (under a read
// lock): look-ups made concurrently, while the family-name memo is being
// filled, give the answers the same look-ups give one at a time.
func TestConcurrentCandidates(t *testing.T) {
	g := population.New(3, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))
	seq, conc := New(false), New(false) // conc's memo starts empty under the goroutines
	var keys []Keys
	for s := 1; s <= 2000; s++ {
		c := g.Next(s)
		id := Identity{Serial: s, GivenName: c.GivenName, FamilyName: c.FamilyName, DateOfBirth: c.DateOfBirth, Postcode: c.Postcode}
		seq.Put(id)
		conc.Put(id)
		ty, _ := g.Typo(c)
		keys = append(keys,
			Keys{DatesOfBirth: []string{c.DateOfBirth}, FamilyName: signpost.NormaliseName(c.FamilyName)},
			Keys{DatesOfBirth: []string{c.DateOfBirth, "2015-03-14"}, FamilyName: signpost.NormaliseName(ty.FamilyName)},
			Keys{Postcode: signpost.NormalisePostcode(c.Postcode), FamilyName: signpost.NormaliseName(ty.FamilyName)})
	}
	answer := func(x *Index, k Keys) string {
		var serials []int
		x.Candidates(k, func(id Identity) bool { serials = append(serials, id.Serial); return true })
		slices.Sort(serials)
		return fmt.Sprint(serials)
	}
	want := make([]string, len(keys))
	found := 0
	for i, k := range keys {
		want[i] = answer(seq, k)
		if want[i] != "[]" {
			found++
		}
	}
	if found < len(keys)/3 { // every child's own keys find it
		t.Fatalf("only %d of %d look-ups found anyone: the test proves nothing", found, len(keys))
	}
	const workers = 4
	got := make([][]string, workers)
	var wg gosync.WaitGroup
	for w := 0; w < workers; w++ {
		got[w] = make([]string, len(keys))
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			// Every worker asks every key, each starting elsewhere, so
			// the same names are asked for at the same time.
			for j := range keys {
				i := (j + w*len(keys)/workers) % len(keys)
				got[w][i] = answer(conc, keys[i])
			}
		}(w)
	}
	wg.Wait()
	for w := range got {
		for i := range keys {
			if got[w][i] != want[i] {
				t.Fatalf("worker %d, keys %+v: concurrently %s, one at a time %s", w, keys[i], got[w][i], want[i])
			}
		}
	}
}
