package directory_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"signpost"
	"signpost/directory"
	"signpost/directory/demo"
	"signpost/directory/population"
	"signpost/directory/sqlcipher"
)

// benchStore opens a demo store of n children. Stores of a million children
// take a while to seed, so they are kept in the temporary folder between runs
// (they are synthetic data, encrypted like any store).
func benchStore(b *testing.B, n int) (*sqlcipher.Store, time.Time) {
	b.Helper()
	ctx := context.Background()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("signpost-bench-%d-v1", n))
	if n < 100000 {
		dir = b.TempDir()
	}
	st, err := sqlcipher.OpenDir(ctx, dir, "")
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := demo.Seed(ctx, st, n, time.Now(), cheap); err != nil {
		b.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		b.Logf("seeded %d children in %v (%.0f/s)", n, d.Round(time.Millisecond), float64(n)/d.Seconds())
	}
	// A benchmark searches far more than a day's work.
	if err := directory.SetPolicy(ctx, st, laxPolicy()); err != nil {
		b.Fatal(err)
	}
	// serve answers searches from its in-memory index once built.
	if err := st.BuildSearchIndex(ctx); err != nil {
		b.Fatal(err)
	}
	v, err := st.Setting(ctx, "demo_seeded")
	if err != nil {
		b.Fatal(err)
	}
	seeded, _ := time.Parse(time.RFC3339, v)
	return st, seeded
}

// benchSteps moves each benchmark's clock to a time step of its own: a
// security code signs in once, and the benchmarks sign the nurse in again
// and again on one store.
var benchSteps atomic.Int64

func benchClock() *clock {
	return &clock{t: time.Now().Add(time.Duration(benchSteps.Add(1)) * time.Minute)}
}

// searchMix returns a realistic mix of searches for children of the demo
// population: exact, typo, day/month swap, name + postcode, and too-many.
func searchMix(n, count int, seeded time.Time) []signpost.SearchRequest {
	gen := population.New(demo.PopulationSeed, seeded)
	out := make([]signpost.SearchRequest, 0, count)
	for i := 0; len(out) < count; i++ {
		serial := 15 + (i*7919)%n
		c := gen.Next(serial)
		switch i % 10 {
		case 0, 1, 2, 3:
			out = append(out, signpost.SearchRequest{FamilyName: c.FamilyName, DateOfBirth: c.DateOfBirth, Reason: "bench"})
		case 4, 5:
			t, _ := gen.Typo(c)
			out = append(out, signpost.SearchRequest{GivenName: t.GivenName, FamilyName: t.FamilyName, DateOfBirth: t.DateOfBirth})
		case 6:
			if s, ok := signpost.SwapDayMonth(c.DateOfBirth); ok {
				out = append(out, signpost.SearchRequest{FamilyName: c.FamilyName, DateOfBirth: s})
			} else {
				out = append(out, signpost.SearchRequest{FamilyName: c.FamilyName, GivenName: c.GivenName, DateOfBirth: c.DateOfBirth})
			}
		case 7, 8:
			out = append(out, signpost.SearchRequest{GivenName: c.GivenName, FamilyName: c.FamilyName, Postcode: c.Postcode})
		case 9:
			out = append(out, signpost.SearchRequest{FamilyName: "Smith", DateOfBirth: "2016-01-01"})
		}
		// A typo or a swap may move a date of birth past today: a search
		// the directory refuses, not one a practitioner makes.
		if d, ok := signpost.ParseDate(out[len(out)-1].DateOfBirth); ok && d.After(time.Now()) {
			out[len(out)-1] = signpost.SearchRequest{FamilyName: c.FamilyName, DateOfBirth: c.DateOfBirth}
		}
	}
	return out
}

func benchSearch(b *testing.B, n int) {
	st, seeded := benchStore(b, n)
	defer st.Close()
	for _, workers := range []int{4, 16} {
		b.Run(fmt.Sprintf("clients=%d", workers), func(b *testing.B) { benchSearchWith(b, st, n, seeded, workers) })
	}
}

// Issue 17: any directory.Store (bench_stores_test.go runs it on PostgreSQL too).
func benchSearchWith(b *testing.B, st directory.Store, n int, seeded time.Time, workers int) {
	benchSearchAcross(b, []directory.Store{st}, n, seeded, workers)
}

// benchSearchAcross runs a server on each store (directory instances on
// one database) and sends the searches to each in turn.
func benchSearchAcross(b *testing.B, sts []directory.Store, n int, seeded time.Time, workers int) {
	type target struct{ url, token string }
	targets := make([]target, len(sts))
	for k, st := range sts {
		clk := benchClock()
		srv := directory.NewServer(st, directory.Config{Now: clk.Now, SearchRate: 1e9, SearchBurst: 1e9, PerUserInflight: 1000, Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))})
		defer srv.Close()
		hs := httptest.NewServer(srv)
		defer hs.Close()
		e := &env{t: b, http: hs, clock: clk}
		token, _ := e.login("nurse")
		targets[k] = target{hs.URL, token}
	}

	queries := searchMix(n, 4000, seeded)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	bodies := make([][]byte, len(queries))
	for i, q := range queries {
		bodies[i], _ = json.Marshal(q)
	}
	var all []time.Duration
	var elapsed time.Duration
	var tooMany, found, failed int
	var firstFailure string
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		lat := make([]time.Duration, len(bodies))
		var next int
		var mu gosync.Mutex
		var wg gosync.WaitGroup
		start := time.Now()
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					mu.Lock()
					i := next
					next++
					mu.Unlock()
					if i >= len(bodies) {
						return
					}
					t0 := time.Now()
					tg := targets[i%len(targets)]
					req, _ := http.NewRequest("POST", tg.url+"/v1/search", bytes.NewReader(bodies[i]))
					req.Header.Set("Authorization", "Bearer "+tg.token)
					res, err := client.Do(req)
					if err != nil {
						mu.Lock()
						failed++
						mu.Unlock()
						continue
					}
					var sr signpost.SearchResponse
					raw, _ := io.ReadAll(res.Body)
					derr := json.Unmarshal(raw, &sr)
					res.Body.Close()
					if res.StatusCode != 200 {
						mu.Lock()
						if firstFailure == "" {
							firstFailure = fmt.Sprintf("%d %s for %s", res.StatusCode, raw, bodies[i])
						}
						mu.Unlock()
					}
					lat[i] = time.Since(t0)
					mu.Lock()
					switch {
					case res.StatusCode != 200 || derr != nil:
						failed++
					case sr.TooMany:
						tooMany++
					case len(sr.Matches) > 0:
						found++
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		elapsed += time.Since(start)
		all = append(all, lat...)
	}
	b.StopTimer()
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(all[len(all)/2]), "p50_ms")
	b.ReportMetric(ms(all[len(all)*99/100]), "p99_ms")
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "searches/s")
	b.ReportMetric(float64(found)/float64(len(all)), "found_ratio")
	if failed > 0 {
		b.Errorf("%d searches failed; the first: %s", failed, firstFailure)
	}
	b.Logf("children=%d searches=%d workers=%d found=%d too_many=%d", n, len(all), workers, found, tooMany)
}

func BenchmarkSearch10k(b *testing.B) { benchSearch(b, 10_000) }

func BenchmarkSearch1M(b *testing.B) {
	if os.Getenv("SIGNPOST_BENCH_SMALL") != "" {
		b.Skip("SIGNPOST_BENCH_SMALL is set")
	}
	benchSearch(b, 1_000_000)
}

// BenchmarkPush500 pushes 500 mutations (CAF flags on the nurse's caseload)
// in one request.
func BenchmarkPush500(b *testing.B) {
	st, _ := benchStore(b, 10_000)
	defer st.Close()
	clk := benchClock()
	srv := directory.NewServer(st, directory.Config{Now: clk.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	defer srv.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	e := &env{t: b, http: hs, clock: clk}
	token, _ := e.login("nurse")
	var p signpost.PullResponse
	e.do("GET", "/v1/sync/pull", token, nil).json(b, &p)
	if len(p.Changes) != 25 {
		b.Fatalf("caseload of %d", len(p.Changes))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ms := make([]signpost.Mutation, 500)
		for j := range ms {
			ms[j] = signpost.Mutation{ID: uuid.Must(uuid.NewV7()).String(), Kind: signpost.MutSetCAF, ChildID: p.Changes[j%25].SignpostID, Value: j%2 == 0, At: time.Now()}
		}
		res := e.push(token, ms...)
		for _, r := range res {
			if r.Status != signpost.ResultApplied {
				b.Fatalf("push result %+v", r)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/push")
}
