package sqlcipher

// Issue 17, operations: why the backup does not use VACUUM INTO.

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// VACUUM INTO writes an online copy, and in this SQLCipher (4.4.2, SQLite
// 3.33) the copy of the directory file (cipher pages of 4096 bytes, the
// default) opens with the store's key; but the copy of the audit file
// (pages of 1024) opens with the key at neither page size, and VACUUM INTO
// refuses a query-only connection. So Backup uses SQLite's backup API for
// both. If this test fails, VACUUM INTO has changed and may be reconsidered.
func TestVacuumIntoKeepsTheKeyOnlyAtTheDefaultPageSize(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	key := bytes.Repeat([]byte{7}, 32)
	st, err := Open(ctx, filepath.Join(dir, "directory.db"), key)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.CreateAuthority(ctx, "E08000035", "Leeds"); err != nil {
		t.Fatal(err)
	}
	opens := func(path string, page int) bool {
		db, err := sql.Open(driverName, dsn(path, key, page)+"&_query_only=1")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		err = db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master`).Scan(new(int))
		if err != nil && !strings.Contains(err.Error(), "not a database") {
			t.Fatalf("opening %s: %v", path, err)
		}
		return err == nil
	}
	for _, tc := range []struct {
		name string
		db   *sql.DB
		page int
		want bool
	}{{"directory", st.w, directoryPages, true}, {"audit", st.aw, auditPageSize, false}} {
		out := filepath.Join(dir, tc.name+"-copy.db")
		if _, err := tc.db.ExecContext(ctx, `VACUUM INTO '`+out+`'`); err != nil {
			t.Fatalf("VACUUM INTO of the %s file: %v", tc.name, err)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.HasPrefix(b, []byte("SQLite format 3")) || bytes.Contains(b, []byte("Leeds")) {
			t.Fatalf("VACUUM INTO wrote a plaintext copy of the %s file", tc.name)
		}
		if got := opens(out, tc.page) || opens(out, directoryPages) || opens(out, auditPageSize); got != tc.want {
			t.Errorf("the key opens VACUUM INTO's copy of the %s file: %v, want %v", tc.name, got, tc.want)
		}
	}
	ro, err := sql.Open(driverName, dsn(filepath.Join(dir, "directory.db"), key, directoryPages)+"&_query_only=1")
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.ExecContext(ctx, `VACUUM INTO '`+filepath.Join(dir, "ro-copy.db")+`'`); err == nil {
		t.Errorf("VACUUM INTO works on a query-only connection")
	}
}
