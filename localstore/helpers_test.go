package localstore

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"signpost"
)

// testKDF keeps Argon2 cheap in tests; one test checks the real default.
var testKDF = KDFParams{MemoryKiB: 8 * 1024, Iterations: 1, Threads: 1}

const (
	testPass  = "correct horse battery staple"
	nurse     = "nurse.jones"
	nurseName = "Nia Jones"
)

// clock is an injectable clock safe for concurrent use.
type clock struct {
	mu gosync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

type fixture struct {
	s     *Store
	dir   string
	clock *clock
	opts  Options
}

// newFixture creates a cache in a temporary folder with cheap Argon2, an
// injected clock and a signed-in user.
func newFixture(t *testing.T, policy signpost.Policy) *fixture {
	t.Helper()
	c := newClock()
	opts := Options{Now: c.Now, KDF: testKDF, Policy: policy}
	dir := filepath.Join(t.TempDir(), "cache")
	s, err := Create(context.Background(), dir, testPass, opts)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.SetUser(context.Background(), signpost.User{Username: nurse, DisplayName: nurseName, Role: signpost.RolePractitioner,
		JobTitle: "School nurse", Organisation: "Leeds Community Healthcare", Phone: "0113 000 0000"}); err != nil {
		t.Fatalf("SetUser: %v", err)
	}
	return &fixture{s: s, dir: dir, clock: c, opts: opts}
}

// reopen closes the store and opens and unlocks it again.
func (f *fixture) reopen(t *testing.T) {
	t.Helper()
	if err := f.s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s, err := Open(context.Background(), f.dir, f.opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Unlock(context.Background(), testPass); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	f.s = s
}

// child returns a full (unshielded) record of child n, with an active
// involvement of the test nurse if onCaseload.
func child(n int, given, family string, onCaseload bool) signpost.Child {
	c := signpost.Child{
		SignpostID: signpost.SignpostID(n), GivenName: given, FamilyName: family, DateOfBirth: "2015-03-04", Gender: "female",
		Status: signpost.StatusActive, Authority: "Leeds", Address: "1 Test Street, Leeds", Postcode: "LS1 4AP",
		Carers:       []signpost.Carer{{Name: "Pat " + family, Relationship: "mother", ParentalResponsibility: true, Phone: "07700 900000"}},
		School:       &signpost.Setting{Code: "100000", Name: "Leeds Primary", Phone: "0113 111 1111"},
		Involvements: []signpost.Involvement{{ID: "inv-hv", Practitioner: "Harriet Visitor", Username: "hv.smith", Organisation: "Health Visiting", Role: "Health visitor", StartedOn: "2015-04-01"}},
	}
	if onCaseload {
		c.Involvements = append(c.Involvements, signpost.Involvement{ID: "inv-" + c.SignpostID, Practitioner: nurseName, Username: nurse, Mine: true,
			Organisation: "Leeds Community Healthcare", Role: "School nurse", StartedOn: "2024-09-01"})
	}
	return c
}

func pull(changes ...signpost.Child) *signpost.PullResponse {
	return &signpost.PullResponse{Changes: changes, Removals: []signpost.Removal{}, Directives: []signpost.Directive{}, Cursor: "1"}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantKind fails unless err is a *signpost.Error of kind k.
func wantKind(t *testing.T, err error, k signpost.ErrorKind) *signpost.Error {
	t.Helper()
	var de *signpost.Error
	if !errors.As(err, &de) {
		t.Fatalf("got error %v (%T), want a *signpost.Error of kind %s", err, err, k)
	}
	if de.Kind != k {
		t.Fatalf("got kind %s (%q), want %s", de.Kind, de.Message, k)
	}
	return de
}

// cacheFiles lists the files of the cache folder.
func cacheFiles(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func wantNoFiles(t *testing.T, dir string) {
	t.Helper()
	if names := cacheFiles(t, dir); len(names) > 0 {
		t.Fatalf("files left after wipe: %s", strings.Join(names, ", "))
	}
}

// openConnRaw opens the database file with key without touching the schema.
func openConnRaw(path string, key []byte) (*sql.DB, error) {
	db := sql.OpenDB(&connector{path: path, key: key})
	db.SetMaxOpenConns(1)
	return db, db.Ping()
}
