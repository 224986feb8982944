package localstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"signpost"
)

func TestCreateRefusesShortPassphrase(t *testing.T) {
	for _, p := range []string{"", "short", "elevenchars", "ééééééééééé"} {
		_, err := Create(context.Background(), t.TempDir(), p, Options{KDF: testKDF})
		de := wantKind(t, err, signpost.KindInvalid)
		if de.Field != "passphrase" || !strings.Contains(de.Message, "12 characters") {
			t.Errorf("passphrase %q: got field %q message %q", p, de.Field, de.Message)
		}
	}
}

func TestCreateRefusesExistingCache(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	_, err := Create(context.Background(), f.dir, testPass, Options{KDF: testKDF})
	wantKind(t, err, signpost.KindConflict)
	// The existing cache is untouched.
	f.reopen(t)
}

func TestOpenWithNoCacheIsNotFound(t *testing.T) {
	_, err := Open(context.Background(), t.TempDir(), Options{})
	de := wantKind(t, err, signpost.KindNotFound)
	if !strings.Contains(de.Message, "Signpost is not set up here") {
		t.Errorf("message %q", de.Message)
	}
}

func TestCacheFilesHaveMode0600(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	st, err := os.Stat(filepath.Join(f.dir, keyFileName))
	must(t, err)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", st.Mode().Perm())
	}
	for _, name := range []string{dbFileName, dbFileName + "-wal", dbFileName + "-shm"} {
		st, err := os.Stat(filepath.Join(f.dir, name))
		must(t, err)
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", name, st.Mode().Perm())
		}
	}
	dst, err := os.Stat(f.dir)
	must(t, err)
	if dst.Mode().Perm() != 0o700 {
		t.Errorf("cache folder mode %v, want 0700", dst.Mode().Perm())
	}
}

func TestDatabaseSettings(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	for _, tc := range []struct{ pragma, want string }{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL
		{"foreign_keys", "1"},
		{"temp_store", "2"},     // MEMORY
		{"cache_size", "-8192"}, // 8 MiB: the page cache is C memory, outside the Go heap limit
		{"secure_delete", "1"},
		{"cipher_memory_security", "1"},
	} {
		var got string
		must(t, f.s.db.QueryRow("PRAGMA "+tc.pragma).Scan(&got))
		if got != tc.want {
			t.Errorf("PRAGMA %s = %s, want %s", tc.pragma, got, tc.want)
		}
	}
}

func TestOpenLeavesOtherFilesAlone(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "cache.db")
	must(t, os.WriteFile(other, []byte("someone else's"), 0o600))
	_, err := Open(context.Background(), dir, Options{})
	wantKind(t, err, signpost.KindNotFound)
	s, err := Create(context.Background(), dir, testPass, Options{KDF: testKDF})
	must(t, err)
	s.Close()
	if _, err := WipeDir(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(other); err != nil || string(b) != "someone else's" {
		t.Fatalf("another program's file was touched: %q %v", b, err)
	}
}

func TestDefaultKDFIsAtLeast64MiB(t *testing.T) {
	if DefaultKDF().MemoryKiB < 64*1024 {
		t.Fatalf("DefaultKDF memory %d KiB", DefaultKDF().MemoryKiB)
	}
	dir := t.TempDir()
	s, err := Create(context.Background(), dir, testPass, Options{}) // zero KDF: the default
	must(t, err)
	defer s.Close()
	b, err := os.ReadFile(filepath.Join(dir, keyFileName))
	must(t, err)
	kf, err := parseKeyFile(b)
	must(t, err)
	if kf.KDF.MemoryKiB < 64*1024 || kf.KDF.Name != "argon2id" {
		t.Fatalf("key file KDF %+v, want argon2id with at least 64 MiB", kf.KDF)
	}
	must(t, s.Lock())
	must(t, s.Unlock(context.Background(), testPass))
}

func TestDatabaseIsEncryptedAndRefusesWrongKey(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	must(t, f.s.ApplyPull(context.Background(), pull(child(1, "Jamie", "Fixture", true))))
	must(t, f.s.Lock())
	path := filepath.Join(f.dir, dbFileName)
	b, err := os.ReadFile(path)
	must(t, err)
	if bytes.HasPrefix(b, []byte("SQLite format 3")) {
		t.Fatal("the database file begins with the plain SQLite header")
	}
	wrong := make([]byte, KeySize)
	rand.Read(wrong)
	_, err = openDB(context.Background(), path, wrong)
	de := wantKind(t, err, signpost.KindConflict)
	if strings.Contains(de.Message, "file is not a database") || !strings.Contains(de.Message, "does not match its key") {
		t.Errorf("message %q", de.Message)
	}
	_, err = openDB(context.Background(), path, wrong[:16])
	wantKind(t, err, signpost.KindInternal)
}

func TestWrongPassphraseSaysAttemptsLeftAndWipesAtLimit(t *testing.T) {
	f := newFixture(t, signpost.Policy{MaxPassphraseAttempts: 3})
	ctx := context.Background()
	must(t, f.s.ApplyPull(ctx, pull(child(1, "Jamie", "Fixture", true))))
	if _, err := f.s.Enqueue(ctx, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: signpost.SignpostID(1), Value: true}); err != nil {
		t.Fatal(err)
	}
	must(t, f.s.Lock())
	for i, want := range []string{"wrong passphrase, 2 attempts left", "wrong passphrase, 1 attempt left"} {
		err := f.s.Unlock(ctx, "not the passphrase at all")
		de := wantKind(t, err, signpost.KindUnauthorized)
		if de.Message != want || de.Field != "passphrase" {
			t.Fatalf("attempt %d: %q (field %q), want %q", i+1, de.Message, de.Field, want)
		}
	}
	err := f.s.Unlock(ctx, "not the passphrase at all")
	de := wantKind(t, err, signpost.KindWiped)
	if !strings.Contains(de.Message, "wiped") || !strings.Contains(de.Message, "1 unsent change was lost") {
		t.Errorf("message %q", de.Message)
	}
	rep, ok := WipeReportOf(err)
	if !ok || rep.PendingLost != 1 || rep.Reason != WipeAttempts {
		t.Errorf("report %+v %v", rep, ok)
	}
	wantNoFiles(t, f.dir)
	// Even the right passphrase cannot bring it back.
	wantKind(t, f.s.Unlock(ctx, testPass), signpost.KindWiped)
	_, err = Open(ctx, f.dir, f.opts)
	wantKind(t, err, signpost.KindNotFound)
}

func TestWrongAttemptCounterSurvivesRestartAndResetsOnSuccess(t *testing.T) {
	f := newFixture(t, signpost.Policy{MaxPassphraseAttempts: 3})
	ctx := context.Background()
	must(t, f.s.Close())
	s, err := Open(ctx, f.dir, f.opts)
	must(t, err)
	wantKind(t, s.Unlock(ctx, "wrong wrong wrong"), signpost.KindUnauthorized)
	s.Close()
	s, err = Open(ctx, f.dir, f.opts)
	must(t, err)
	de := wantKind(t, s.Unlock(ctx, "wrong wrong wrong"), signpost.KindUnauthorized)
	if de.Message != "wrong passphrase, 1 attempt left" {
		t.Fatalf("after a restart: %q", de.Message)
	}
	must(t, s.Unlock(ctx, testPass))
	must(t, s.Lock())
	de = wantKind(t, s.Unlock(ctx, "wrong wrong wrong"), signpost.KindUnauthorized)
	if de.Message != "wrong passphrase, 2 attempts left" {
		t.Fatalf("after a right passphrase the count restarts: %q", de.Message)
	}
	s.Close()
}

func TestEmptyPassphraseIsNotCounted(t *testing.T) {
	f := newFixture(t, signpost.Policy{MaxPassphraseAttempts: 2})
	must(t, f.s.Lock())
	for range 5 {
		wantKind(t, f.s.Unlock(context.Background(), ""), signpost.KindInvalid)
	}
	must(t, f.s.Unlock(context.Background(), testPass))
}

func TestChangePassphraseKeepsDataAndDoesNotTouchTheDatabase(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	must(t, f.s.ApplyPull(ctx, pull(child(1, "Jamie", "Fixture", true))))
	must(t, f.s.Lock())
	before, err := os.ReadFile(filepath.Join(f.dir, dbFileName))
	must(t, err)
	const newPass = "a different long passphrase"
	wantKind(t, f.s.ChangePassphrase(ctx, testPass, "too short"), signpost.KindInvalid)
	wantKind(t, f.s.ChangePassphrase(ctx, "not the old one at all", newPass), signpost.KindUnauthorized)
	must(t, f.s.ChangePassphrase(ctx, testPass, newPass))
	after, err := os.ReadFile(filepath.Join(f.dir, dbFileName))
	must(t, err)
	if !bytes.Equal(before, after) {
		t.Fatal("changing the passphrase rewrote the database")
	}
	wantKind(t, f.s.Unlock(ctx, testPass), signpost.KindUnauthorized)
	must(t, f.s.Unlock(ctx, newPass))
	cs, err := f.s.Caseload(ctx, "")
	must(t, err)
	if len(cs) != 1 || cs[0].GivenName != "Jamie" {
		t.Fatalf("caseload after the change: %+v", cs)
	}
	// While unlocked too, and the store stays unlocked.
	must(t, f.s.ChangePassphrase(ctx, newPass, testPass))
	if f.s.Locked() {
		t.Fatal("changing the passphrase locked the cache")
	}
	f.reopen(t)
}

func TestOfflineTooLongLocksUntilContact(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	must(t, f.s.Lock())
	f.clock.Advance(71 * time.Hour)
	must(t, f.s.Unlock(ctx, testPass))
	must(t, f.s.Lock())
	f.clock.Advance(2 * time.Hour) // 73 hours since the last contact
	de := wantKind(t, f.s.Unlock(ctx, testPass), signpost.KindLocked)
	if !strings.Contains(de.Message, "sign in online") || !strings.Contains(de.Message, "72 hours") {
		t.Errorf("message %q", de.Message)
	}
	// A wrong passphrase is not even tried, so it is not counted.
	wantKind(t, f.s.Unlock(ctx, "wrong wrong wrong"), signpost.KindLocked)
	// After an online sign-in.
	must(t, f.s.RecordContact(ctx, f.clock.Now().Add(-5*time.Minute)))
	must(t, f.s.Unlock(ctx, testPass))
	c, ago := f.s.LastContact()
	if !c.Local.Equal(f.clock.Now()) || ago != 0 {
		t.Errorf("last contact %+v %v", c, ago)
	}
}

func TestOfflineLimitLocksAnOpenCache(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	f.clock.Advance(73 * time.Hour)
	_, err := f.s.Caseload(ctx, "")
	wantKind(t, err, signpost.KindLocked)
	if !f.s.Locked() {
		t.Fatal("the cache stayed unlocked past the offline limit")
	}
}

func TestOfflineTooLongWipesOnOpen(t *testing.T) {
	f := newFixture(t, signpost.Policy{OfflineWipeDays: 30})
	ctx := context.Background()
	must(t, f.s.ApplyPull(ctx, pull(child(1, "Jamie", "Fixture", true))))
	for range 2 {
		_, err := f.s.Enqueue(ctx, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: signpost.SignpostID(1), Value: true})
		must(t, err)
	}
	must(t, f.s.Close())
	f.clock.Advance(30*24*time.Hour + time.Minute)
	_, err := Open(ctx, f.dir, f.opts)
	wantKind(t, err, signpost.KindWiped)
	rep, ok := WipeReportOf(err)
	if !ok || rep.PendingLost != 2 || rep.Reason != WipeOffline {
		t.Fatalf("report %+v", rep)
	}
	wantNoFiles(t, f.dir)
}

func TestWindingTheClockBackDoesNotExtendGrace(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	f.clock.Advance(70 * time.Hour)
	must(t, f.s.Lock()) // the cache has seen 70 hours pass
	f.clock.Advance(-60 * time.Hour)
	must(t, f.s.Unlock(ctx, testPass))
	must(t, f.s.Lock())
	f.clock.Advance(3 * time.Hour) // the clock shows 13 hours, but 73 have passed
	wantKind(t, f.s.Unlock(ctx, testPass), signpost.KindLocked)
}

func TestWipeLockedCacheReportsPendingAndIsIdempotent(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	must(t, f.s.ApplyPull(ctx, pull(child(1, "Jamie", "Fixture", true))))
	for _, v := range []bool{true, false, true} {
		_, err := f.s.Enqueue(ctx, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: signpost.SignpostID(1), Value: v})
		must(t, err)
	}
	must(t, f.s.Close())
	s, err := Open(ctx, f.dir, f.opts)
	must(t, err)
	rep, err := s.Wipe(ctx) // locked: no passphrase
	must(t, err)
	if rep.PendingLost != 3 || rep.Reason != WipeOrdered || rep.Lost[signpost.MutSetCAF] != 3 || rep.LostText() != "3 changes lost: 3 CAF flags" {
		t.Fatalf("report %+v", rep)
	}
	wantNoFiles(t, f.dir)
	again, err := s.Wipe(ctx)
	must(t, err)
	if !reflect.DeepEqual(again, rep) {
		t.Fatalf("second wipe %+v, first %+v", again, rep)
	}
	wantKind(t, s.Unlock(ctx, testPass), signpost.KindWiped)
	_, err = s.Caseload(ctx, "")
	wantKind(t, err, signpost.KindWiped)
	if _, err := WipeDir(ctx, f.dir); err != nil {
		t.Fatalf("WipeDir of a wiped folder: %v", err)
	}
}

func TestWipeUnlockedCache(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	must(t, f.s.ApplyPull(ctx, pull(child(1, "Jamie", "Fixture", true))))
	_, err := f.s.ViewChild(ctx, signpost.SignpostID(1), "")
	must(t, err)
	rep, err := f.s.Wipe(ctx)
	must(t, err)
	if rep.PendingLost != 1 {
		t.Fatalf("report %+v", rep)
	}
	if !f.s.Locked() {
		t.Fatal("a wiped cache reports unlocked")
	}
	wantNoFiles(t, f.dir)
	// The folder can take a new cache.
	s, err := Create(ctx, f.dir, testPass, f.opts)
	must(t, err)
	s.Close()
}

func TestDamagedKeyFileIsReportedAndLosesNothing(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	must(t, f.s.ApplyPull(ctx, pull(child(1, "Jamie", "Fixture", true))))
	must(t, f.s.Close())
	path := filepath.Join(f.dir, keyFileName)
	good, err := os.ReadFile(path)
	must(t, err)
	kf, err := parseKeyFile(good)
	must(t, err)
	edit := func(fn func(k *keyFile)) []byte {
		k := kf.clone()
		fn(k)
		b, err := k.marshal()
		must(t, err)
		return b
	}
	flipped := bytes.Clone(good)
	i := bytes.Index(flipped, []byte(`"wrapped_key": "`)) + len(`"wrapped_key": "`) + 3
	flipped[i] ^= 0x01

	cases := []struct {
		name     string
		data     []byte
		openKind signpost.ErrorKind // from Open; "" if Open succeeds
		unlock   signpost.ErrorKind // from Unlock, when Open succeeds
	}{
		{"truncated", good[:len(good)/2], signpost.KindConflict, ""},
		{"empty", nil, signpost.KindConflict, ""},
		{"not ours", []byte(`{"hello": "world"}`), signpost.KindConflict, ""},
		{"bit flipped", flipped, signpost.KindConflict, ""},
		{"newer version", edit(func(k *keyFile) { k.Version = 2 }), signpost.KindConflict, ""},
		{"huge memory asked", edit(func(k *keyFile) { k.KDF.MemoryKiB = 1 << 30 }), signpost.KindConflict, ""},
		// Tampered parameters with a recomputed check: the AEAD's associated
		// data catches it, and it reads as a wrong passphrase.
		{"tampered parameters", edit(func(k *keyFile) { k.KDF.Iterations++ }), "", signpost.KindUnauthorized},
		{"tampered salt", edit(func(k *keyFile) { k.KDF.Salt[0] ^= 1 }), "", signpost.KindUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			must(t, os.WriteFile(path, tc.data, 0o600))
			s, err := Open(ctx, f.dir, f.opts)
			if tc.openKind != "" {
				de := wantKind(t, err, tc.openKind)
				if tc.name == "newer version" && !strings.Contains(de.Message, "newer version") {
					t.Errorf("message %q", de.Message)
				}
				if tc.name != "newer version" && !strings.Contains(de.Message, "damaged") {
					t.Errorf("message %q", de.Message)
				}
			} else {
				must(t, err)
				wantKind(t, s.Unlock(ctx, testPass), tc.unlock)
				s.Close()
			}
			// Nothing durable was lost: the good key file opens the cache.
			must(t, os.WriteFile(path, good, 0o600))
			s, err = Open(ctx, f.dir, f.opts)
			must(t, err)
			defer s.Close()
			must(t, s.Unlock(ctx, testPass))
			if _, err := s.Child(ctx, signpost.SignpostID(1)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestDatabaseNotOursIsRefusedUntouched(t *testing.T) {
	f := newFixture(t, signpost.Policy{MaxPassphraseAttempts: 2})
	ctx := context.Background()
	must(t, f.s.Close())
	path := filepath.Join(f.dir, dbFileName)
	junk := make([]byte, 8192)
	rand.Read(junk)
	must(t, os.WriteFile(path, junk, 0o600))
	s, err := Open(ctx, f.dir, f.opts)
	must(t, err)
	defer s.Close()
	for range 3 { // more than the attempt limit: a right passphrase is not counted
		de := wantKind(t, s.Unlock(ctx, testPass), signpost.KindConflict)
		if !strings.Contains(de.Message, "does not match its key file") {
			t.Fatalf("message %q", de.Message)
		}
	}
	after, err := os.ReadFile(path)
	must(t, err)
	if !bytes.Equal(junk, after) {
		t.Fatal("a database that is not ours was modified")
	}
	must(t, os.Remove(path))
	wantKind(t, s.Unlock(ctx, testPass), signpost.KindConflict)
	if _, err := os.Stat(path); err == nil {
		t.Fatal("unlocking created an empty database in place of the missing one")
	}
}

func TestNewerSchemaIsRefusedUnchanged(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	_, err := f.s.db.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (999, 'later')`)
	must(t, err)
	key := bytes.Clone(f.s.key)
	must(t, f.s.Close())
	s, err := Open(ctx, f.dir, f.opts)
	must(t, err)
	defer s.Close()
	de := wantKind(t, s.Unlock(ctx, testPass), signpost.KindConflict)
	if !strings.Contains(de.Message, "newer version") {
		t.Fatalf("message %q", de.Message)
	}
	if !s.Locked() {
		t.Fatal("a newer cache was opened")
	}
	// Open it raw (bypassing migrate) to check nothing was written.
	db, err := openConnRaw(filepath.Join(f.dir, dbFileName), key)
	must(t, err)
	defer db.Close()
	var n, max int
	must(t, db.QueryRow(`SELECT count(*), max(version) FROM schema_migrations`).Scan(&n, &max))
	ms, err := migrationList()
	must(t, err)
	if n != len(ms)+1 || max != 999 {
		t.Fatalf("schema_migrations has %d rows up to %d", n, max)
	}
}

func TestPolicyIsStoredInKeyFileForTheLockedCache(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	resp := pull()
	resp.ServerTime = f.clock.Now().Add(time.Hour)
	resp.Directives = []signpost.Directive{{Kind: signpost.DirectivePolicy, Policy: &signpost.Policy{OfflineLockHours: 5, MaxPassphraseAttempts: 4, LookupRetentionDays: 7}}}
	must(t, f.s.ApplyPull(ctx, resp))
	p, err := f.s.Policy(ctx)
	must(t, err)
	if p.OfflineLockHours != 5 || p.MaxPassphraseAttempts != 4 || p.LookupRetentionDays != 7 || p.OfflineWipeDays != 30 {
		t.Fatalf("policy %+v", p)
	}
	b, err := os.ReadFile(filepath.Join(f.dir, keyFileName))
	must(t, err)
	kf, err := parseKeyFile(b)
	must(t, err)
	if kf.Policy.OfflineLockHours != 5 || kf.Policy.MaxAttempts != 4 || !kf.Contact.Server.Equal(resp.ServerTime) {
		t.Fatalf("key file %+v", kf)
	}
	must(t, f.s.Lock())
	f.clock.Advance(6 * time.Hour)
	wantKind(t, f.s.Unlock(ctx, testPass), signpost.KindLocked)
}
