package sqlcipher_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"signpost"
	"signpost/directory"
	"signpost/directory/sqlcipher"
	"signpost/directory/storetest"
)

var key = bytes.Repeat([]byte{0x42}, 32)

func TestStoreSuite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) directory.Store {
		st, err := sqlcipher.Open(context.Background(), filepath.Join(t.TempDir(), "d.db"), key)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	})
}

// The suite again with searches answered by the in-memory index.
func TestStoreSuiteWithSearchIndex(t *testing.T) {
	storetest.Run(t, func(t *testing.T) directory.Store {
		st, err := sqlcipher.Open(context.Background(), filepath.Join(t.TempDir(), "d.db"), key)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if err := st.BuildSearchIndex(context.Background()); err != nil {
			t.Fatal(err)
		}
		return st
	})
}

func TestStoreFileIsEncrypted(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "d.db")
	st, err := sqlcipher.Open(ctx, path, key)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateAuthority(ctx, "E08000035", "Leeds"); err != nil {
		t.Fatal(err)
	}
	c := signpost.Child{SignpostID: signpost.SignpostID(5), GivenName: "Quentinella", FamilyName: "Zarathustra", DateOfBirth: "2015-01-01",
		Address: "99 Secretive Avenue", Postcode: "LS1 4AP", Authority: "Leeds"}
	if err := st.CreateChild(ctx, &c); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, f := range files {
			b, _ := os.ReadFile(f)
			for _, secret := range []string{"Quentinella", "Zarathustra", "Secretive Avenue"} {
				if bytes.Contains(b, []byte(secret)) {
					t.Errorf("%s: %s holds %q in plaintext", when, filepath.Base(f), secret)
				}
			}
			if filepath.Base(f) == "d.db" && bytes.HasPrefix(b, []byte("SQLite format 3")) {
				t.Errorf("%s: the store file has a plain SQLite header", when)
			}
		}
	}
	check("while open")
	for _, f := range []string{path, path + "-wal", sqlcipher.AuditPath(path)} {
		if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, %v; want 0600", filepath.Base(f), fi.Mode().Perm(), err)
		}
	}
	st.Close()
	check("after close")

	_, err = sqlcipher.Open(ctx, path, bytes.Repeat([]byte{1}, 32))
	if signpost.KindOf(err) != signpost.KindForbidden || !strings.Contains(signpost.MessageOf(err), "key does not open") {
		t.Errorf("wrong key: %v", err)
	}
	if _, err := sqlcipher.Open(ctx, path, []byte("short")); err == nil || !strings.Contains(err.Error(), "32 bytes") {
		t.Errorf("short key: %v", err)
	}
	st, err = sqlcipher.Open(ctx, path, key)
	if err != nil {
		t.Fatalf("reopening with the right key: %v", err)
	}
	defer st.Close()
	got, err := st.Child(ctx, c.SignpostID)
	if err != nil || got.Address != c.Address {
		t.Errorf("after reopen: %+v, %v", got, err)
	}
}

func TestKeyFileCreatedPrivateAndValidated(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "store.key")
	k1, err := sqlcipher.LoadOrCreateKey(path)
	if err != nil || len(k1) != 32 {
		t.Fatalf("create: %v", err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	k2, err := sqlcipher.LoadOrCreateKey(path)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Errorf("reload gave another key: %v", err)
	}
	bad := filepath.Join(dir, "bad.key")
	os.WriteFile(bad, []byte("not hex at all"), 0o600)
	if _, err := sqlcipher.LoadOrCreateKey(bad); err == nil || !strings.Contains(err.Error(), "64 hex digits") {
		t.Errorf("bad key file: %v", err)
	}
}

func TestNotOurFileIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.db")
	os.WriteFile(path, bytes.Repeat([]byte("this is not a database "), 400), 0o600)
	if _, err := sqlcipher.Open(context.Background(), path, key); signpost.KindOf(err) != signpost.KindForbidden {
		t.Errorf("foreign file: %v", err)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "d.db")
	st, err := sqlcipher.Open(ctx, path, key)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	db, err := sql.Open("sqlcipher-directory", "file:"+path+"?_pragma_key="+url.QueryEscape("x'"+hex.EncodeToString(key)+"'"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (999, 'later')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = sqlcipher.Open(ctx, path, key)
	if signpost.KindOf(err) != signpost.KindConflict || !strings.Contains(signpost.MessageOf(err), "newer") {
		t.Errorf("newer schema: %v", err)
	}
}

// Another process's writes (the admin commands run beside serve) reach the
// in-memory search index within its refresh interval.
func TestSearchIndexSeesAnotherProcessesWrites(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "d.db")
	serve, err := sqlcipher.Open(ctx, path, key)
	if err != nil {
		t.Fatal(err)
	}
	defer serve.Close()
	if err := serve.BuildSearchIndex(ctx); err != nil {
		t.Fatal(err)
	}
	admin, err := sqlcipher.Open(ctx, path, key)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	keys := directory.CandidateKeys{DatesOfBirth: []string{"2017-05-06"}, FamilyName: "elsewhere"}
	if cs, err := serve.Candidates(ctx, keys); err != nil || len(cs) != 0 {
		t.Fatalf("before: %v %v", cs, err)
	}
	c := signpost.Child{SignpostID: signpost.SignpostID(7), GivenName: "Wren", FamilyName: "Elsewhere", DateOfBirth: "2017-05-06", Postcode: "LS1 4AP"}
	if err := admin.CreateChild(ctx, &c); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		cs, err := serve.Candidates(ctx, keys)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) == 1 && cs[0].SignpostID == c.SignpostID {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the other process's child never reached the search index")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Writes are combined into shared transactions: under many writers at once
// each write still stands alone, one that fails taking nothing of the others
// with it.
func TestCombinedWritesStandAlone(t *testing.T) {
	ctx := context.Background()
	st, err := sqlcipher.Open(ctx, filepath.Join(t.TempDir(), "d.db"), key)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.CreateAuthority(ctx, "E08000035", "Leeds"); err != nil {
		t.Fatal(err)
	}
	var wg gosync.WaitGroup
	errs := make([]error, 200)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if i%4 == 3 {
				// A duplicate authority: refused alone.
				errs[i] = st.CreateAuthority(ctx, "E08000035", "Leeds")
				return
			}
			errs[i] = st.CreateAuthority(ctx, fmt.Sprintf("E%08d", i), fmt.Sprintf("Authority %d", i))
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if i%4 == 3 && signpost.KindOf(err) != signpost.KindConflict {
			t.Errorf("write %d (a duplicate): %v", i, err)
		}
		if i%4 != 3 && err != nil {
			t.Errorf("write %d: %v", i, err)
		}
	}
	// Every write that said it committed is there, once.
	for i := range errs {
		if i%4 == 3 {
			continue
		}
		err := st.CreateOrganisation(ctx, fmt.Sprintf("Org %d", i), fmt.Sprintf("Authority %d", i), true)
		if err != nil {
			t.Fatalf("authority %d was not kept: %v", i, err)
		}
	}
}
