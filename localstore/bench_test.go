package localstore

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"signpost"
)

var (
	benchGiven  = []string{"Olivia", "Amelia", "Isla", "Ava", "Ivy", "Freya", "Lily", "Florence", "Mia", "Willow", "Noah", "Oliver", "George", "Arthur", "Muhammad", "Leo", "Harry", "Oscar", "Archie", "Henry", "Theo", "Jack", "Charlie", "Freddie", "Alfie", "Jamie", "Aisha", "Zainab", "Kacper", "Amara"}
	benchFamily = []string{"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Thomas", "Clarke", "Jackson", "Wood", "Harris", "Edwards", "Turner", "Martin", "Cooper", "Hill", "Ward", "Hughes", "Moore", "Clark", "King", "Harrison", "Lewis", "Baker", "Lee", "Allen", "Morris", "Khan", "Ahmed", "Ali", "Begum", "Hussain", "Nowak", "Kowalski", "O'Brien", "Murphy", "Kelly", "Okafor"}
)

// inward holds the letters a postcode's inward code may use.
const inward = "ABDEFGHJLNPQRSTUWXYZ"

// benchChildren returns n children with varied names, dates and postcodes;
// about one in twelve is on the test nurse's caseload.
func benchChildren(n int) []signpost.Child {
	out := make([]signpost.Child, n)
	base := time.Date(2008, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range out {
		c := child(i+1, benchGiven[(i*7)%len(benchGiven)], benchFamily[(i*13+i/len(benchFamily))%len(benchFamily)], i%12 == 0)
		c.DateOfBirth = base.AddDate(0, 0, (i*37)%(16*365)).Format(signpost.DateLayout)
		c.Postcode = fmt.Sprintf("LS%d %d%c%c", 1+i%28, i%10, inward[i%len(inward)], inward[(i/len(inward))%len(inward)])
		c.Address = fmt.Sprintf("%d Bench Street, Leeds", i+1)
		out[i] = c
	}
	return out
}

func loadChildren(b *testing.B, s *Store, cs []signpost.Child) {
	b.Helper()
	ctx := context.Background()
	if err := s.SetUser(ctx, signpost.User{Username: nurse, DisplayName: nurseName}); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < len(cs); i += 500 {
		if err := s.ApplyPull(ctx, pull(cs[i:min(i+500, len(cs))]...)); err != nil {
			b.Fatal(err)
		}
	}
}

func benchStore(b *testing.B, plain bool, n int) *Store {
	b.Helper()
	dir := filepath.Join(b.TempDir(), "cache")
	var s *Store
	if plain {
		s = newPlainStore(b, dir)
	} else {
		var err error
		if s, err = Create(context.Background(), dir, testPass, Options{KDF: testKDF}); err != nil {
			b.Fatal(err)
		}
	}
	b.Cleanup(func() { s.Close() })
	loadChildren(b, s, benchChildren(n))
	return s
}

// newPlainStore builds a Store over an unencrypted database opened with the
// same driver and settings, only without a key: the baseline for measuring
// what encryption costs.
func newPlainStore(b *testing.B, dir string) *Store {
	b.Helper()
	ctx := context.Background()
	s, err := newStore(dir, Options{KDF: testKDF})
	if err != nil {
		b.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	db, err := openConn(ctx, &connector{path: filepath.Join(s.dir, dbFileName)})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC()
	kf := &keyFile{DeviceID: "plain", Policy: lockPolicyOf(signpost.DefaultPolicy()), Contact: newContact(time.Time{}, now)}
	if err := kf.wrap(testPass, make([]byte, KeySize), testKDF); err != nil {
		b.Fatal(err)
	}
	if err := inTx(ctx, db, func(tx *sql.Tx) error { return initMeta(ctx, tx, kf.DeviceID, signpost.DefaultPolicy(), kf.Contact) }); err != nil {
		b.Fatal(err)
	}
	head := make([]byte, 16)
	f, err := os.Open(filepath.Join(s.dir, dbFileName))
	if err == nil {
		f.Read(head)
		f.Close()
	}
	if !bytes.HasPrefix(head, []byte("SQLite format 3")) {
		b.Fatal("the baseline database is not plain SQLite")
	}
	s.db = db
	s.kf.Store(kf)
	return s
}

// BenchmarkUnlock measures what a practitioner waits for: Argon2id with the
// default parameters, opening the database and the first query.
func BenchmarkUnlock(b *testing.B) {
	ctx := context.Background()
	dir := filepath.Join(b.TempDir(), "cache")
	s, err := Create(ctx, dir, testPass, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	loadChildren(b, s, benchChildren(500))
	if err := s.Lock(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(DefaultKDF().MemoryKiB)/1024, "argon2-MiB")
	b.ResetTimer()
	for range b.N {
		if err := s.Unlock(ctx, testPass); err != nil {
			b.Fatal(err)
		}
		cs, err := s.Caseload(ctx, "")
		if err != nil || len(cs) == 0 {
			b.Fatal(err, len(cs))
		}
		b.StopTimer()
		if err := s.Lock(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

func benchSearches(cs []signpost.Child) []signpost.SearchRequest {
	var reqs []signpost.SearchRequest
	for i := 0; i < len(cs); i += len(cs) / 20 {
		c := cs[i]
		reqs = append(reqs,
			signpost.SearchRequest{FamilyName: c.FamilyName, DateOfBirth: c.DateOfBirth},
			signpost.SearchRequest{FamilyName: c.FamilyName, GivenName: c.GivenName, Postcode: c.Postcode},
			signpost.SearchRequest{FamilyName: c.FamilyName + "e", GivenName: c.GivenName[:3], DateOfBirth: c.DateOfBirth},
			signpost.SearchRequest{SignpostID: c.SignpostID},
		)
	}
	return reqs
}

func runSearches(b *testing.B, s *Store, reqs []signpost.SearchRequest, i int) {
	got, err := s.SearchCache(context.Background(), reqs[i%len(reqs)])
	if err != nil && signpost.KindOf(err) != signpost.KindTooMany {
		b.Fatal(err)
	}
	_ = got
}

// BenchmarkSearchCache searches a cache of 5,000 children (target ≤ 20 ms).
func BenchmarkSearchCache(b *testing.B) {
	s := benchStore(b, false, 5000)
	reqs := benchSearches(benchChildren(5000))
	for i := range reqs {
		runSearches(b, s, reqs, i)
	}
	b.ResetTimer()
	for i := range b.N {
		runSearches(b, s, reqs, i)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/search")
}

func benchCaseload(b *testing.B, plain bool) {
	s := benchStore(b, plain, 5000)
	ctx := context.Background()
	// Time the steady state: the app's page cache (64 MiB) holds the caseload
	// after the first screen.
	if _, err := s.Caseload(ctx, ""); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		filter := ""
		if i%2 == 1 {
			filter = "smi"
		}
		cs, err := s.Caseload(ctx, filter)
		if err != nil || len(cs) == 0 {
			b.Fatal(err, len(cs))
		}
	}
}

// BenchmarkCaseloadEncrypted and BenchmarkCaseloadPlain run the same caseload
// queries over the same 5,000 children, encrypted and not.
func BenchmarkCaseloadEncrypted(b *testing.B) { benchCaseload(b, false) }

// BenchmarkCaseloadPlain is the unencrypted baseline for BenchmarkCaseloadEncrypted.
func BenchmarkCaseloadPlain(b *testing.B) { benchCaseload(b, true) }

// BenchmarkEncryptionOverhead times caseload and search queries on an
// encrypted and a plain cache of the same 5,000 children, side by side in
// blocks of ten queries, alternating which store goes first so both see the
// same machine state; it reports encrypted/plain ratios (target ≤ 1.15).
// (Alternating single queries mostly measures the CPU-cache cost of switching
// between two databases, which the app never does.)
func BenchmarkEncryptionOverhead(b *testing.B) {
	enc := benchStore(b, false, 5000)
	plain := benchStore(b, true, 5000)
	reqs := benchSearches(benchChildren(5000))
	ctx := context.Background()
	for _, s := range []*Store{enc, plain} {
		s.Caseload(ctx, "")
		for i := range reqs {
			runSearches(b, s, reqs, i)
		}
	}
	const block = 10
	caseload := func(s *Store, r int) {
		for i := range block {
			if _, err := s.Caseload(ctx, []string{"", "smi"}[i%2]); err != nil {
				b.Fatal(err)
			}
		}
	}
	search := func(s *Store, r int) {
		for i := range block {
			runSearches(b, s, reqs, r*block+i)
		}
	}
	var took [2][2]time.Duration // [caseload, search][enc, plain]
	timed := func(kind, r int, fn func(s *Store, r int)) {
		for k := range 2 {
			which := (r + k) % 2
			start := time.Now()
			fn([]*Store{enc, plain}[which], r)
			took[kind][which] += time.Since(start)
		}
	}
	const rounds = 20
	b.ResetTimer()
	for range b.N {
		for r := range rounds {
			timed(0, r, caseload)
			timed(1, r, search)
		}
	}
	b.ReportMetric(float64(took[0][0])/float64(took[0][1]), "caseload-enc/plain")
	b.ReportMetric(float64(took[1][0])/float64(took[1][1]), "search-enc/plain")
}
