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
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"

	"signpost"
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

// BenchmarkPushPullStores pushes 500 mutations in one request and pulls a
// 500-child caseload from the start, on each store at 10,000 children.
func BenchmarkPushPullStores(b *testing.B) {
	const n = 10_000
	ctx := context.Background()
	emb, _ := benchStore(b, n)
	defer emb.Close()
	stores := []struct {
		name string
		st   directory.Store
	}{{"embedded", emb}}
	if os.Getenv("SIGNPOST_TEST_POSTGRES") != "" || os.Getenv("SIGNPOST_REQUIRE_POSTGRES") != "" {
		pg, err := postgres.Open(ctx, pgtest.URL(b))
		if err != nil {
			b.Fatal(err)
		}
		defer pg.Close()
		if err := demo.Seed(ctx, pg, n, time.Now(), cheap); err != nil {
			b.Fatal(err)
		}
		if err := directory.SetPolicy(ctx, pg, laxPolicy()); err != nil {
			b.Fatal(err)
		}
		stores = append(stores, struct {
			name string
			st   directory.Store
		}{"postgres", pg})
	}
	for _, s := range stores {
		b.Run("store="+s.name, func(b *testing.B) { benchPushPull(b, s.st) })
	}
}

func benchPushPull(b *testing.B, st directory.Store) { benchPushPullAcross(b, st, st) }

// benchPushPullAcross pushes to a server on one store and pulls from a
// server on another (two directory instances on one database), or both on
// one.
func benchPushPullAcross(b *testing.B, st, pullSt directory.Store) {
	ctx := context.Background()
	clk := benchClock()
	srv := directory.NewServer(st, directory.Config{Now: clk.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	defer srv.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	e := &env{t: b, http: hs, clock: clk}
	token, _ := e.login("nurse")
	pe, ptoken := e, token
	if pullSt != st {
		pclk := benchClock()
		psrv := directory.NewServer(pullSt, directory.Config{Now: pclk.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		defer psrv.Close()
		phs := httptest.NewServer(psrv)
		defer phs.Close()
		pe = &env{t: b, http: phs, clock: pclk}
		ptoken, _ = pe.login("nurse")
	}
	// The children the nurse works with (a CAF flag is theirs to set).
	var mine []signpost.Child
	cursor := ""
	for {
		var p signpost.PullResponse
		e.do("GET", "/v1/sync/pull?cursor="+cursor, token, nil).json(b, &p)
		for _, c := range p.Changes {
			for _, inv := range c.Involvements {
				if inv.Mine && inv.EndedOn == "" {
					mine = append(mine, c)
					break
				}
			}
		}
		cursor = p.Cursor
		if !p.More {
			break
		}
	}
	if len(mine) == 0 {
		b.Fatal("the nurse has no caseload")
	}
	// A caseload of 500: look-ups of children the nurse does not work with.
	nurse, err := st.Account(ctx, "nurse")
	if err != nil {
		b.Fatal(err)
	}
	for serial := 1000; serial < 1000+500; serial++ {
		if err := st.AddLookup(ctx, nurse.ID, st.IDCodec().ID(serial), clk.Now().Add(30*24*time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
	var push, pull time.Duration
	pulled := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ms := make([]signpost.Mutation, 500)
		for j := range ms {
			ms[j] = signpost.Mutation{ID: uuid.Must(uuid.NewV7()).String(), Kind: signpost.MutSetCAF, ChildID: mine[j%len(mine)].SignpostID, Value: j%2 == 0, At: time.Now()}
		}
		t0 := time.Now()
		for _, r := range e.push(token, ms...) {
			if r.Status != signpost.ResultApplied {
				b.Fatalf("push result %+v", r)
			}
		}
		push += time.Since(t0)
		t0 = time.Now()
		cursor := ""
		pulled = 0
		for {
			var p signpost.PullResponse
			pe.do("GET", "/v1/sync/pull?cursor="+cursor, ptoken, nil).json(b, &p)
			pulled += len(p.Changes)
			cursor = p.Cursor
			if !p.More {
				break
			}
		}
		pull += time.Since(t0)
	}
	b.StopTimer()
	if pulled < 500 {
		b.Errorf("pulled %d children, want a caseload of 500", pulled)
	}
	b.ReportMetric(float64(push.Microseconds())/1000/float64(b.N), "ms/push500")
	b.ReportMetric(float64(pull.Microseconds())/1000/float64(b.N), "ms/pull500")
}
