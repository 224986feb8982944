package directory_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"signpost"
	"signpost/directory"
	"signpost/directory/sqlcipher"
)

// Issue 14, slice review: the review list through the real server at many
// review items. Target: p99 ≤ 50 ms at 1 M children.

// reviewBenchAuthorities share the queue; Leeds' team reads its part.
var reviewBenchAuthorities = []string{"Leeds", "Manchester", "Bradford", "Sheffield", "Birmingham"}

// seedReviews queues one review item per 20 children (a national load
// holds back a few per cent of rows), spread over the authorities; queued
// again on a kept store, they are not duplicated (the row hash).
func seedReviews(b *testing.B, st *sqlcipher.Store, n int) int {
	b.Helper()
	ctx := context.Background()
	ids := st.IDCodec()
	total := max(n/20, 200)
	const batch = 5000
	for from := 0; from < total; from += batch {
		var items []directory.ReviewItem
		for i := from; i < min(from+batch, total); i++ {
			rec, _ := json.Marshal(map[string]string{"given_name": "Given" + strconv.Itoa(i), "family_name": "Family" + strconv.Itoa(i%997),
				"date_of_birth": "2015-03-14", "sex": "female", "postcode": "LS1 4AP"})
			items = append(items, directory.ReviewItem{Feed: "births", Source: "bench.csv", Line: i + 2, RowHash: []byte("bench-review-" + strconv.Itoa(i)),
				Record: rec, Reason: "a possible match: some details differ", Authority: reviewBenchAuthorities[i%len(reviewBenchAuthorities)],
				Candidates: []directory.ReviewCandidate{{SignpostID: ids.ID(1 + i%n), Score: 0.8}, {SignpostID: ids.ID(1 + (i*7)%n), Score: 0.78}}})
		}
		if _, err := st.ApplyFeed(ctx, &directory.FeedBatch{Reviews: items, At: time.Now()}); err != nil {
			b.Fatal(err)
		}
	}
	return total
}

func benchReviewList(b *testing.B, n int) {
	st, _ := benchStore(b, n)
	defer st.Close()
	total := seedReviews(b, st, n)
	ctx := context.Background()
	leeds, err := st.Reviews(ctx, directory.ReviewFilter{Authority: "Leeds", Limit: 1 << 30})
	if err != nil || len(leeds) == 0 {
		b.Fatalf("Leeds' queue: %d items, %v", len(leeds), err)
	}
	clk := benchClock()
	srv := directory.NewServer(st, directory.Config{Now: clk.Now, PerUserInflight: 1000, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	defer srv.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	e := &env{t: b, http: hs, clock: clk}
	token, _ := e.login("manager")

	// The first page (what the tab opens on) and pages further on.
	rng := rand.New(rand.NewSource(1))
	paths := make([]string, 200)
	for i := range paths {
		paths[i] = "/v1/reviews"
		if i%4 != 0 {
			paths[i] += "?after=" + strconv.FormatInt(leeds[rng.Intn(len(leeds))].ID, 10)
		}
	}
	var lat []time.Duration
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		for _, p := range paths {
			t0 := time.Now()
			res := e.do("GET", p, token, nil)
			lat = append(lat, time.Since(t0))
			if res.status != 200 {
				b.Fatalf("GET %s: %d %s", p, res.status, res.body)
			}
			var page signpost.ReviewsResponse
			if err := json.Unmarshal(res.body, &page); err != nil || page.Open != len(leeds) || len(page.Reviews) > 50 {
				b.Fatalf("GET %s: open %d of %d, %d items, %v", p, page.Open, len(leeds), len(page.Reviews), err)
			}
		}
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(lat[len(lat)/2]), "p50_ms")
	b.ReportMetric(ms(lat[len(lat)*99/100]), "p99_ms")
	b.Logf("children=%d review items=%d (Leeds %d) requests=%d", n, total, len(leeds), len(lat))
}

// BenchmarkReviewList reads pages of Leeds' review queue through the real
// server: SIGNPOST_BENCH_CHILDREN sets the children (default 1,000,000;
// SIGNPOST_BENCH_SMALL runs 10,000 instead).
func BenchmarkReviewList(b *testing.B) {
	n := 1_000_000
	if os.Getenv("SIGNPOST_BENCH_SMALL") != "" {
		n = 10_000
	}
	if v := os.Getenv("SIGNPOST_BENCH_CHILDREN"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 100 {
			b.Fatalf("SIGNPOST_BENCH_CHILDREN=%q: give a number of children, at least 100", v)
		}
	}
	b.Run(fmt.Sprintf("children=%d", n), func(b *testing.B) { benchReviewList(b, n) })
}
