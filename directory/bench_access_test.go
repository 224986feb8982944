package directory_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"signpost"
	"signpost/directory"
	"signpost/directory/demo"
	"signpost/directory/sqlcipher"
)

// Issue 14, slice access: the subject-access report of a child with 10,000
// audit events, through the real server (target p99 ≤ 50 ms at 1 M
// children). Each request is a page: the newest, or one further back.

// seedAccessEvents gives child id 10,000 audit events (views naming it and
// searches returning it), once per store.
func seedAccessEvents(b *testing.B, st *sqlcipher.Store, id string) {
	b.Helper()
	ctx := context.Background()
	if v, _ := st.Setting(ctx, "bench_access_events"); v == id {
		return
	}
	nurse, err := st.Account(ctx, "nurse")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	for batch := 0; batch < 20; batch++ {
		evs := make([]directory.AuditEvent, 500)
		for i := range evs {
			ev := directory.AuditEvent{At: now, UserID: nurse.ID, Username: "nurse", DeviceID: "bench-device", Action: "view", ChildID: id, Reason: "bench"}
			if i%3 == 0 {
				ev.Action, ev.ChildID, ev.Results = "search", "", []string{id}
			}
			evs[i] = ev
		}
		if err := st.Audit(ctx, evs); err != nil {
			b.Fatal(err)
		}
	}
	if err := st.SetSetting(ctx, "bench_access_events", id); err != nil {
		b.Fatal(err)
	}
}

// accessRequests is how many report pages one op asks for.
const accessRequests = 200

func benchAccessReport(b *testing.B, n int) {
	st, _ := benchStore(b, n)
	defer st.Close()
	fx, err := demoFixtures(st)
	if err != nil {
		b.Fatal(err)
	}
	seedAccessEvents(b, st, fx)
	clk := benchClock()
	srv := directory.NewServer(st, directory.Config{Now: clk.Now, PerUserInflight: 1000, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	defer srv.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	e := &env{t: b, http: hs, clock: clk}
	token, _ := e.login("manager")
	var first signpost.AccessReport
	e.do("GET", "/v1/children/"+fx+"/access?limit=100", token, nil).json(b, &first)
	if len(first.Entries) != 100 || first.Next == "" {
		b.Fatalf("first page: %d entries", len(first.Entries))
	}
	deep, _ := strconv.ParseInt(first.Next, 10, 64)
	deep -= 5000 // about half-way back
	client := &http.Client{}
	var lat []time.Duration
	b.ResetTimer()
	// Each op is accessRequests requests, so that make bench's -benchtime
	// 1x still gives a p99 of its own.
	for i := 0; i < b.N*accessRequests; i++ {
		path := "/v1/children/" + fx + "/access?limit=100"
		if i%2 == 1 {
			path += "&before=" + strconv.FormatInt(deep, 10)
		}
		req, _ := http.NewRequest("GET", hs.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		t0 := time.Now()
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		lat = append(lat, time.Since(t0))
		if res.StatusCode != 200 {
			b.Fatalf("status %d", res.StatusCode)
		}
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(lat[len(lat)/2]), "p50_ms")
	b.ReportMetric(ms(lat[len(lat)*99/100]), "p99_ms")
	b.Logf("children=%d requests=%d", n, len(lat))
}

// demoFixtures returns the demo's Jamie, the child the report is of.
func demoFixtures(st *sqlcipher.Store) (string, error) {
	fx, err := demo.Fixtures(context.Background(), st)
	return fx.Jamie, err
}

func BenchmarkAccessReport10k(b *testing.B) { benchAccessReport(b, 10_000) }

func BenchmarkAccessReport(b *testing.B) {
	if os.Getenv("SIGNPOST_BENCH_SMALL") != "" {
		b.Skip("SIGNPOST_BENCH_SMALL is set")
	}
	benchAccessReport(b, 1_000_000)
}
