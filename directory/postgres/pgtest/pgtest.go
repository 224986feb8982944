// Package pgtest gives tests a fresh PostgreSQL database of their own on the
// server SIGNPOST_TEST_POSTGRES names (scripts/pgtest.sh starts one; make
// test runs it). Without that variable the tests skip, unless
// SIGNPOST_REQUIRE_POSTGRES is set (make test sets it): then they fail, so
// PostgreSQL tests never silently skip there. Issue 17.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// URL returns the URL of a new, empty database, dropped when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("SIGNPOST_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("SIGNPOST_REQUIRE_POSTGRES") != "" {
			t.Fatal("SIGNPOST_REQUIRE_POSTGRES is set but SIGNPOST_TEST_POSTGRES is not: start a server with scripts/pgtest.sh start")
		}
		t.Skip("SIGNPOST_TEST_POSTGRES is not set (scripts/pgtest.sh start prints it)")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("cannot connect to the test PostgreSQL (SIGNPOST_TEST_POSTGRES): %v", err)
	}
	defer admin.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	name := "signpost_t_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE template0"); err != nil {
		t.Fatalf("creating a test database: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			return
		}
		defer c.Close(ctx)
		c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return withDatabase(t, base, name)
}

// withDatabase returns base naming database name instead.
func withDatabase(t testing.TB, base, name string) string {
	if strings.HasPrefix(base, "postgres://") || strings.HasPrefix(base, "postgresql://") {
		u, err := url.Parse(base)
		if err != nil {
			t.Fatalf("SIGNPOST_TEST_POSTGRES: %v", err)
		}
		u.Path = "/" + name
		return u.String()
	}
	return base + " dbname=" + name
}
