package directory_test

// Issue 17: the stores side by side at SIGNPOST_BENCH_CHILDREN children
// (default 100,000; make bench-stores CHILDREN=1000000), in one run:
// search at 4 and 16 clients, a push of 500 mutations and a pull of a
// 500-child caseload on the embedded store, on PostgreSQL read through the
// in-memory index (as serve does) and through its SQL indexes, then on two
// directory instances (two servers, each its own postgres.Store) on one
// database, the clients alternating between them.
//
// PostgreSQL is seeded by copying the embedded demo store with COPY, as
// signpost-directory migrate-store does.

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"signpost/directory"
	"signpost/directory/demo"
	"signpost/directory/postgres"
	"signpost/directory/postgres/pgtest"
	"signpost/directory/sqlcipher"
)

// benchChildren is SIGNPOST_BENCH_CHILDREN, else def.
func benchChildren(b *testing.B, def int) int {
	v := os.Getenv("SIGNPOST_BENCH_CHILDREN")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 10_000 {
		b.Fatalf("SIGNPOST_BENCH_CHILDREN=%q: give a number of children, at least 10000 (the caseload pulled is serials 1000 to 1499)", v)
	}
	return n
}

func BenchmarkStores(b *testing.B) {
	n := benchChildren(b, 100_000)
	ctx := context.Background()
	t0 := time.Now()
	emb, seeded := benchStore(b, n)
	defer emb.Close()
	// A store kept from a run minutes ago remembers the nurse's last
	// security code, a later step than this run's clock starts at.
	if err := emb.SetAccountTOTP(ctx, "nurse", demo.TOTPSecret); err != nil {
		b.Fatal(err)
	}
	// A parent benchmark's b.Log is not printed: these go to the output.
	fmt.Printf("stores: the embedded store of %d children ready in %v (seeded by demo.Seed, or kept in $TMPDIR from an earlier run)\n", n, time.Since(t0).Round(time.Millisecond))
	if os.Getenv("SIGNPOST_TEST_POSTGRES") == "" && os.Getenv("SIGNPOST_REQUIRE_POSTGRES") == "" {
		b.Log("SIGNPOST_TEST_POSTGRES is not set: the embedded store only")
		for _, workers := range []int{4, 16} {
			b.Run(fmt.Sprintf("search/store=embedded/clients=%d", workers), func(b *testing.B) { benchSearchWith(b, emb, n, seeded, workers) })
		}
		b.Run("pushpull/store=embedded", func(b *testing.B) { benchPushPull(b, emb) })
		return
	}
	url := pgtest.URL(b) // fails the benchmark with SIGNPOST_REQUIRE_POSTGRES=1 and no server
	start := time.Now()
	if err := copyStore(ctx, emb, url); err != nil {
		b.Fatal(err)
	}
	d := time.Since(start)
	fmt.Printf("stores: copied %d children into PostgreSQL in %v (%.0f children/s)\n", n, d.Round(time.Millisecond), float64(n)/d.Seconds())
	open := func(index bool) *postgres.Store {
		st, err := postgres.Open(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		if index {
			t0 := time.Now()
			if err := st.BuildSearchIndex(ctx); err != nil {
				b.Fatal(err)
			}
			fmt.Printf("stores: built a PostgreSQL store's in-memory search index in %v\n", time.Since(t0).Round(time.Millisecond))
		}
		return st
	}
	pgi, pgs, pg2 := open(true), open(false), open(true)
	defer pgi.Close()
	defer pgs.Close()
	defer pg2.Close()
	stores := []struct {
		name string
		sts  []directory.Store
	}{
		{"embedded", []directory.Store{emb}},
		{"postgres-index", []directory.Store{pgi}},
		{"postgres-sql", []directory.Store{pgs}},
		{"postgres-2instances", []directory.Store{pgi, pg2}},
	}
	for _, s := range stores {
		for _, workers := range []int{4, 16} {
			b.Run(fmt.Sprintf("search/store=%s/clients=%d", s.name, workers), func(b *testing.B) { benchSearchAcross(b, s.sts, n, seeded, workers) })
		}
	}
	for _, s := range stores {
		if s.name == "postgres-sql" {
			continue // push and pull do not search: the same as postgres-index
		}
		b.Run("pushpull/store="+s.name, func(b *testing.B) { benchPushPullAcross(b, s.sts[0], s.sts[len(s.sts)-1]) })
	}
}

// copyStore copies the embedded store into the empty PostgreSQL database
// at url, table by table with COPY (migrate-store's way).
func copyStore(ctx context.Context, src *sqlcipher.Store, url string) error {
	dst, err := postgres.Open(ctx, url)
	if err != nil {
		return err
	}
	defer dst.Close()
	if err := dst.BeginImport(ctx); err != nil {
		return err
	}
	for _, table := range slices.Concat(sqlcipher.DirectoryTables, sqlcipher.AuditTables) {
		var cols []string
		var batch [][]any
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			err := dst.ImportRows(ctx, table, cols, batch)
			batch = batch[:0]
			return err
		}
		err := src.ExportTable(ctx, table, func(c []string, row []any) error {
			cols = c
			batch = append(batch, slices.Clone(row))
			if len(batch) >= 20_000 {
				return flush()
			}
			return nil
		})
		if err == nil {
			err = flush()
		}
		if err != nil {
			return fmt.Errorf("copying %s: %w", table, err)
		}
	}
	return dst.EndImport(ctx)
}
