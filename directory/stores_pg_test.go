package directory_test

// Issue 17: the directory's end-to-end tests on either store. With
// SIGNPOST_TEST_STORE=postgres (and SIGNPOST_TEST_POSTGRES), newEnv puts
// the directory on a PostgreSQL database of its own; "another process" is
// then another instance on the same database.

import (
	"context"
	"os"
	"testing"

	"signpost/directory"
	"signpost/directory/postgres"
	"signpost/directory/postgres/pgtest"
	"signpost/directory/sqlcipher"
)

// testStore is what the tests use of a store: directory.Store, the
// in-memory search index, and the audit read by action.
type testStore interface {
	directory.Store
	BuildSearchIndex(ctx context.Context) error
	SearchIndexSize() (int, bool)
	AuditOfAction(ctx context.Context, action string, limit int) ([]directory.AuditEvent, error)
}

var (
	_ testStore = (*sqlcipher.Store)(nil)
	_ testStore = (*postgres.Store)(nil)
)

// onPostgres reports whether the tests run on PostgreSQL.
func onPostgres() bool { return os.Getenv("SIGNPOST_TEST_STORE") == "postgres" }

// openTestStore opens the store a test's directory runs on: the embedded
// one at path, or a new PostgreSQL database (its URL returned).
func openTestStore(t *testing.T, path string, key []byte) (testStore, string, error) {
	if onPostgres() {
		url := pgtest.URL(t)
		st, err := postgres.Open(context.Background(), url)
		return st, url, err
	}
	st, err := sqlcipher.Open(context.Background(), path, key)
	return st, "", err
}

// openOther opens the test's store again, as another process (an admin
// command) or another instance would.
func (e *env) openOther(ctx context.Context) (testStore, error) {
	if e.pgURL != "" {
		return postgres.Open(ctx, e.pgURL)
	}
	return sqlcipher.Open(ctx, e.path, e.key)
}
