package localstore

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"signpost"
)

// secrets are strings that appear only in child data written through the store.
var secrets = []string{
	"Zebedee", "Quillfeather", "zebedee", "quillfeather", "QUILLFEATHER",
	"Marmalade Lane", "LS6 2QZ", "Philippa Quillfeather", "07700 900123",
	"Wobblesworth", "Ottoline", "ottoline", "Brambleby Academy",
	"worried about bruising",
}

// grepDir fails the test if any file under dir contains any secret.
func grepDir(t *testing.T, dir, when string) (scanned []string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		scanned = append(scanned, filepath.Base(path))
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s: %q found in %s", when, s, filepath.Base(path))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return scanned
}

func TestNoPlaintextChildDataOnDisk(t *testing.T) {
	tmp := t.TempDir()
	// Any temporary file SQLite made would land here.
	t.Setenv("SQLITE_TMPDIR", tmp)
	t.Setenv("TMPDIR", tmp)
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()

	zeb := child(1, "Zebedee", "Quillfeather", true)
	zeb.Address, zeb.Postcode = "12 Marmalade Lane, Leeds", "LS6 2QZ"
	zeb.Carers = []signpost.Carer{{Name: "Philippa Quillfeather", Relationship: "mother", Phone: "07700 900123"}}
	zeb.School = &signpost.Setting{Code: "123456", Name: "Brambleby Academy"}
	otto := child(2, "Ottoline", "Wobblesworth", false)
	var many []signpost.Child
	for i := 10; i < 400; i++ {
		many = append(many, child(i, "Ottoline", "Wobblesworth", i%2 == 0))
	}
	must(t, f.s.ApplyPull(ctx, pull(append(many, zeb)...)))
	must(t, f.s.SaveLookup(ctx, &otto))
	mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: zeb.SignpostID, Value: true})
	mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutMetChild, Identity: &signpost.Identity{GivenName: "Zebedee", FamilyName: "Quillfeather", DateOfBirth: "2016-01-02", Postcode: "LS6 2QZ"}})
	_, err := f.s.ViewChild(ctx, otto.SignpostID, "worried about bruising")
	must(t, err)
	// Queries that sort and search, so any spill to a temporary file would show.
	_, err = f.s.Caseload(ctx, "wobbles")
	must(t, err)
	_, err = f.s.SearchCache(ctx, signpost.SearchRequest{FamilyName: "Wobblesworth", DateOfBirth: "2015-03-04"})
	wantKind(t, err, signpost.KindTooMany)
	_, err = f.s.Outbox(ctx)
	must(t, err)

	scanned := grepDir(t, f.dir, "while open")
	if !strings.Contains(strings.Join(scanned, " "), dbFileName+"-wal") {
		t.Fatalf("no WAL to check while open (scanned %v)", scanned)
	}
	// The removal of a shielded child: its address must be gone too.
	resp := pull(*zeb.Redact(nurse))
	resp.Removals = []signpost.Removal{{SignpostID: zeb.SignpostID, Reason: signpost.RemovedShielded}}
	must(t, f.s.ApplyPull(ctx, resp))
	_, err = f.s.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	must(t, err)
	grepDir(t, f.dir, "after checkpoint")
	must(t, f.s.Close())
	grepDir(t, f.dir, "after close")
	if names := cacheFiles(t, tmp); len(names) > 0 {
		t.Fatalf("temporary files were written: %v", names)
	}
}
