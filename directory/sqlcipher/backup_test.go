package sqlcipher_test

// Issue 17, operations: online backup and restore.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"signpost"
	"signpost/directory"
	"signpost/directory/demo"
	"signpost/directory/sqlcipher"
)

// tableRows reads every row of every table of an encrypted file, each row
// written out as text, sorted: table → rows.
func tableRows(t *testing.T, path string, key []byte, pageSize int) map[string][]string {
	t.Helper()
	db := openFile(t, path, key, pageSize)
	defer db.Close()
	// One read transaction: one snapshot of the whole file.
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var tables []string
	rs, err := tx.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	for rs.Next() {
		var n string
		rs.Scan(&n)
		tables = append(tables, n)
	}
	rs.Close()
	out := map[string][]string{}
	for _, tb := range tables {
		rows, err := tx.Query(`SELECT * FROM "` + tb + `"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		out[tb] = []string{}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out[tb] = append(out[tb], fmt.Sprintf("%q", vals))
		}
		rows.Close()
		sort.Strings(out[tb])
	}
	return out
}

func openFile(t *testing.T, path string, key []byte, pageSize int) *sql.DB {
	t.Helper()
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + url.Values{
		"_pragma_key": {"x'" + hex.EncodeToString(key) + "'"}, "_pragma_cipher_page_size": {fmt.Sprint(pageSize)}, "_query_only": {"1"}}.Encode()
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// scalar answers a query of one number on an encrypted file.
func scalar(t *testing.T, path string, key []byte, pageSize int, query string) int64 {
	t.Helper()
	db := openFile(t, path, key, pageSize)
	defer db.Close()
	var n int64
	if err := db.QueryRow(query).Scan(&n); err != nil {
		t.Fatalf("%s on %s: %v", query, path, err)
	}
	return n
}

func digest(rows []string) string {
	h := sha256.New()
	for _, r := range rows {
		h.Write([]byte(r + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// subset reports whether every row of a is in b (both sorted).
func subset(a, b []string) bool {
	set := map[string]int{}
	for _, r := range b {
		set[r]++
	}
	for _, r := range a {
		if set[r] == 0 {
			return false
		}
		set[r]--
	}
	return true
}

// files are a store's two files and their cipher page sizes.
var files = []struct {
	name string
	page int
}{{"directory.db", 4096}, {"directory-audit.db", 1024}}

func TestBackupDuringWritesRestoresASnapshot(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlcipher.OpenDir(ctx, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := demo.Seed(ctx, st, 300, time.Now(), directory.PasswordParams{Memory: 1024, Time: 1, Threads: 1}); err != nil {
		t.Fatal(err)
	}
	storeKey, err := sqlcipher.LoadOrCreateKey(filepath.Join(dir, "store.key"))
	if err != nil {
		t.Fatal(err)
	}
	before := map[string]map[string][]string{}
	for _, f := range files {
		before[f.name] = tableRows(t, filepath.Join(dir, f.name), storeKey, f.page)
	}

	// A writer adds children and audit events until the backup is done.
	stop := make(chan struct{})
	var wrote atomic.Int64
	var wg gosync.WaitGroup
	started := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			c := signpost.Child{SignpostID: signpost.SignpostID(90000000 + i), GivenName: "Wrenna", FamilyName: "Backupwell", DateOfBirth: "2014-04-03", Gender: "female", Authority: "Leeds"}
			if err := st.CreateChild(ctx, &c); err != nil {
				t.Errorf("writing during the backup: %v", err)
				return
			}
			if err := st.Audit(ctx, []directory.AuditEvent{{At: time.Now(), Username: "nurse", Action: "view", ChildID: c.SignpostID, Reason: "checking a referral"}}); err != nil {
				t.Errorf("auditing during the backup: %v", err)
				return
			}
			if wrote.Add(1) == 3 {
				close(started)
			}
			select {
			case <-stop:
				return
			default:
			}
		}
	}()
	<-started
	atStart := wrote.Load()
	backup := filepath.Join(t.TempDir(), "signpost.backup")
	man, err := sqlcipher.Backup(ctx, dir, "", backup)
	atEnd := wrote.Load()
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if len(man.Files) != 2 {
		t.Fatalf("manifest: %+v", man)
	}
	t.Logf("children written while the backup ran: %d (%d before it, %d in all)", atEnd-atStart, atStart, wrote.Load())

	// Nothing readable in the backup.
	b, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Fixture", "Jamie", "Shielded", "Backupwell", "Wrenna", "LS1 4AP", "checking a referral", "SQLite format 3"} {
		if bytes.Contains(b, []byte(s)) {
			t.Errorf("the backup holds %q in plaintext", s)
		}
	}
	if fi, _ := os.Stat(backup); fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, want 0600", fi.Mode().Perm())
	}

	to := filepath.Join(t.TempDir(), "restored")
	if _, err := sqlcipher.Restore(ctx, backup, to, filepath.Join(dir, "store.key")); err != nil {
		t.Fatal(err)
	}
	// Each table of the copy is one snapshot: everything there before the
	// backup, and nothing that was never written. Tables no one wrote meanwhile
	// are identical, by count and digest.
	for _, f := range files {
		after := tableRows(t, filepath.Join(dir, f.name), storeKey, f.page)
		got := tableRows(t, filepath.Join(to, f.name), storeKey, f.page)
		if len(got) != len(after) {
			t.Errorf("%s: %d tables restored, %d in the store", f.name, len(got), len(after))
		}
		for tb, rows := range after {
			g, s := got[tb], before[f.name][tb]
			if tb == "counters" {
				// Updated in place (the change sequence): checked below.
				if len(g) != len(rows) {
					t.Errorf("counters: %d restored, %d in the store", len(g), len(rows))
				}
				continue
			}
			if !subset(s, g) || !subset(g, rows) {
				t.Errorf("%s %s: restored %d rows (digest %s) are not between the %d before the backup and the %d after", f.name, tb, len(g), digest(g), len(s), len(rows))
			}
			if len(s) == len(rows) && digest(g) != digest(rows) {
				t.Errorf("%s %s, untouched meanwhile: restored %d rows digest %s, store %d rows digest %s", f.name, tb, len(g), digest(g), len(rows), digest(rows))
			}
		}
		t.Logf("%s: %d tables; children %d before, %d restored, %d after", f.name, len(got), len(before[f.name]["children"]), len(got["children"]), len(after["children"]))
	}
	// The change sequence restored is the one of the children restored.
	restored := filepath.Join(to, "directory.db")
	if seq, last := scalar(t, restored, storeKey, 4096, `SELECT value FROM counters WHERE name = 'seq'`),
		scalar(t, restored, storeKey, 4096, `SELECT max(seq) FROM children`); seq != last {
		t.Errorf("restored change sequence %d, but the last restored child has seq %d", seq, last)
	}
	// The audit of every restored child is restored (the directory file is
	// copied first).
	var restoredKids, audited int
	for _, r := range tableRows(t, filepath.Join(to, "directory.db"), storeKey, 4096)["children"] {
		if strings.Contains(r, "Backupwell") {
			restoredKids++
		}
	}
	for _, r := range tableRows(t, filepath.Join(to, "directory-audit.db"), storeKey, 1024)["audit"] {
		if strings.Contains(r, "checking a referral") {
			audited++
		}
	}
	if audited < restoredKids {
		t.Errorf("%d children written during the backup are restored but only %d of their views are audited", restoredKids, audited)
	}

	// The copy opens as a store and answers.
	rst, err := sqlcipher.OpenDir(ctx, to, filepath.Join(dir, "store.key"))
	if err != nil {
		t.Fatal(err)
	}
	defer rst.Close()
	fx, err := demo.Fixtures(ctx, rst)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := rst.Child(ctx, fx.Jamie); err != nil || c.GivenName != "Jamie" {
		t.Errorf("Jamie in the restored store: %+v, %v", c, err)
	}
}

func TestRestoreRefusesAWrongKeyADamagedFileAndAStoreInTheWay(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlcipher.OpenDir(ctx, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Seed(ctx, st, 20, time.Now(), directory.PasswordParams{Memory: 1024, Time: 1, Threads: 1}); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(t.TempDir(), "b")
	if _, err := sqlcipher.Backup(ctx, dir, "", backup); err != nil {
		t.Fatal(err)
	}
	st.Close()
	good := filepath.Join(dir, "store.key")
	otherKey := filepath.Join(t.TempDir(), "other.key")
	if _, err := sqlcipher.LoadOrCreateKey(otherKey); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(backup)
	write := func(name string, data []byte) string {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flipped := bytes.Clone(b)
	flipped[len(flipped)/2] ^= 0xff
	for _, tc := range []struct {
		name, from, key, to string
		kind                signpost.ErrorKind
		says                string
	}{
		{"wrong key", backup, otherKey, "", signpost.KindForbidden, "does not open the backup"},
		{"no key", backup, filepath.Join(t.TempDir(), "none.key"), "", signpost.KindInvalid, "cannot be read"},
		{"a byte flipped", write("flipped", flipped), good, "", signpost.KindInvalid, "damaged"},
		{"cut short", write("short", b[:len(b)/3]), good, "", signpost.KindInvalid, "damaged"},
		{"not a backup", write("text", []byte("hello, this is not a backup\n")), good, "", signpost.KindInvalid, "damaged"},
		{"a store in the way", backup, good, dir, signpost.KindConflict, "already holds a store"},
		{"no such file", filepath.Join(t.TempDir(), "missing"), good, "", signpost.KindNotFound, "cannot be read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			to := tc.to
			if to == "" {
				to = filepath.Join(t.TempDir(), "restored")
			}
			_, err := sqlcipher.Restore(ctx, tc.from, to, tc.key)
			if err == nil {
				t.Fatal("restored")
			}
			var de *signpost.Error
			if !errors.As(err, &de) || de.Kind != tc.kind || !strings.Contains(de.Message, tc.says) {
				t.Fatalf("error %v (%T), want a %s error saying %q", err, err, tc.kind, tc.says)
			}
			if tc.to == "" {
				if _, err := os.Stat(filepath.Join(to, "directory.db")); err == nil {
					t.Errorf("a failed restore left a store in %s", to)
				}
			}
		})
	}
	// And a backup with the wrong key file is refused before it copies.
	if _, err := sqlcipher.Backup(ctx, dir, otherKey, filepath.Join(t.TempDir(), "b2")); signpost.KindOf(err) != signpost.KindForbidden {
		t.Errorf("backup with the wrong key: %v, want forbidden", err)
	}
}
