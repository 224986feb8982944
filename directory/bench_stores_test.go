package directory_test

// Issue 17: search on the embedded store and on PostgreSQL, side by side in
// one run, at 100,000 children (the same mix as BenchmarkSearch1M):
//
//	eval "$(scripts/pgtest.sh start)"
//	go test -run '^$' -bench SearchStores -benchtime 1x ./directory/
//	scripts/pgtest.sh stop
//
// PostgreSQL is measured twice: with the in-memory index serve builds
// (fed from the change sequence) and with the database's own indexes
// (children_dob_search, children_postcode_search).

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"signpost/directory"
	"signpost/directory/demo"
	"signpost/directory/postgres"
	"signpost/directory/postgres/pgtest"
)

func BenchmarkSearchStores100k(b *testing.B) {
	const n = 100_000
	ctx := context.Background()
	type store struct {
		name   string
		st     directory.Store
		seeded time.Time
	}
	var stores []store
	emb, seeded := benchStore(b, n)
	defer emb.Close()
	stores = append(stores, store{"embedded", emb, seeded})
	if os.Getenv("SIGNPOST_TEST_POSTGRES") != "" || os.Getenv("SIGNPOST_REQUIRE_POSTGRES") != "" {
		url := pgtest.URL(b)
		pg, err := postgres.Open(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		defer pg.Close()
		start := time.Now()
		if err := demo.Seed(ctx, pg, n, time.Now(), cheap); err != nil {
			b.Fatal(err)
		}
		b.Logf("seeded %d children into PostgreSQL in %v", n, time.Since(start).Round(time.Millisecond))
		if err := directory.SetPolicy(ctx, pg, laxPolicy()); err != nil {
			b.Fatal(err)
		}
		v, _ := pg.Setting(ctx, "demo_seeded")
		pseeded, _ := time.Parse(time.RFC3339, v)
		stores = append(stores, store{"postgres-sql", pg, pseeded})
		// The same database, read through the in-memory index.
		pgi, err := postgres.Open(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		defer pgi.Close()
		if err := pgi.BuildSearchIndex(ctx); err != nil {
			b.Fatal(err)
		}
		stores = append(stores, store{"postgres-index", pgi, pseeded})
	} else {
		b.Log("SIGNPOST_TEST_POSTGRES is not set: the embedded store only")
	}
	for _, s := range stores {
		for _, workers := range []int{4, 16} {
			b.Run(fmt.Sprintf("store=%s/clients=%d", s.name, workers), func(b *testing.B) { benchSearchWith(b, s.st, n, s.seeded, workers) })
		}
	}
}
