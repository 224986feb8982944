package directory_test

// Issue 17, operations: /metrics after real requests.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"signpost"
	"signpost/directory"
)

// scrape reads the metrics a listener serves, as name{labels} → value.
func scrape(t *testing.T, url string) (map[string]float64, []byte) {
	t.Helper()
	res, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET /metrics: %d %s", res.StatusCode, b)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out, b
}

func TestMetricsCountRealRequestsAndNameNoChild(t *testing.T) {
	e := newEnv(t, 50, func(c *directory.Config) { c.SearchRate, c.SearchBurst = 0.001, 4 })
	ml, err := directory.ServeMetrics("127.0.0.1:0", e.server.MetricsHandler())
	if err != nil {
		t.Fatal(err)
	}
	defer ml.Close()
	before, _ := scrape(t, ml.URL())

	nurse, dev := e.login("nurse")
	e.search(nurse, signpost.SearchRequest{FamilyName: "Fixture", DateOfBirth: "2015-03-14"})
	e.search(nurse, signpost.SearchRequest{FamilyName: "Smith", DateOfBirth: "2016-01-01"}) // twelve Sam Smiths: too many
	if r := e.do("GET", "/v1/children/"+e.jamie+"?reason=checking+a+referral", nurse, nil); r.status != 200 {
		t.Fatalf("child: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/v1/children/"+e.riley+"?reason=checking+a+referral", nurse, nil); r.status != 200 {
		t.Fatalf("child: %d %s", r.status, r.body)
	}
	caf := mut(signpost.MutSetCAF, e.jamie)
	caf.Value = true
	e.push(nurse, caf, mut(signpost.MutSetCAF, e.jamie))
	if r := e.do("GET", "/v1/sync/pull", nurse, nil); r.status != 200 {
		t.Fatalf("pull: %d %s", r.status, r.body)
	}
	// The burst of 4 is spent (2 searches, 2 records opened): refused.
	if r := e.do("POST", "/v1/search", nurse, signpost.SearchRequest{FamilyName: "Fixture", DateOfBirth: "2015-03-14"}); r.status != 429 {
		t.Fatalf("search past the limit: %d %s, want 429", r.status, r.body)
	}
	if r := e.do("GET", "/v1/no/such/"+e.jamie, nurse, nil); r.status != 404 {
		t.Fatalf("unknown path: %d", r.status)
	}
	if r := e.orderWipe(dev); r.status != 202 {
		t.Fatalf("wipe order: %d %s", r.status, r.body)
	}

	after, text := scrape(t, ml.URL())
	moved := func(name string) float64 { return after[name] - before[name] }
	for name, want := range map[string]float64{
		`signpost_http_requests_total{route="POST /v1/session",status="200"}`:           2, // the nurse and the IT admin
		`signpost_http_requests_total{route="GET /v1/children/{id}",status="200"}`:      2,
		`signpost_http_requests_total{route="POST /v1/search",status="429"}`:            1,
		`signpost_http_requests_total{route="unmatched",status="404"}`:                  1,
		`signpost_http_requests_total{route="POST /v1/devices/{id}/wipe",status="202"}`: 1,
		`signpost_http_request_duration_seconds_count{route="GET /v1/children/{id}"}`:   2,
		`signpost_searches_total`:                              2,
		`signpost_search_too_many_total`:                       1,
		`signpost_rate_limited_total{route="POST /v1/search"}`: 1,
		`signpost_sync_pushes_total`:                           1,
		`signpost_sync_pulls_total`:                            1,
		`signpost_sync_push_mutations_count`:                   1,
		`signpost_sync_push_mutations_sum`:                     2,
		`signpost_sync_mutations_total{result="applied"}`:      2,
		`signpost_wipe_orders_outstanding`:                     1,
	} {
		if got := moved(name); got != want {
			t.Errorf("%s moved by %v, want %v", name, got, want)
		}
	}
	// No child, user or device reaches the metrics.
	for _, s := range append([]string{e.jamie, e.riley, dev, "nurse", "itadmin"}, childNames...) {
		if bytes.Contains(text, []byte(s)) {
			t.Errorf("the metrics name %q", s)
		}
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", text)
	}
}

// failingPull is the real store whose pulls fail, as a broken disk would.
type failingPull struct{ directory.Store }

func (failingPull) Pull(context.Context, directory.Actor, directory.Cursor, int, time.Time) (*directory.PullPage, error) {
	return nil, signpost.Internal("reading the caseload", errors.New("disk I/O error"))
}

func TestMetricsCountStoreErrorsByRoute(t *testing.T) {
	e := newEnv(t, 20, nil)
	nurse, _ := e.login("nurse")
	srv := directory.NewServer(failingPull{e.store}, directory.Config{Now: e.clock.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	defer srv.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	ml, err := directory.ServeMetrics("127.0.0.1:0", srv.MetricsHandler())
	if err != nil {
		t.Fatal(err)
	}
	defer ml.Close()
	req, _ := http.NewRequest("GET", hs.URL+"/v1/sync/pull", nil)
	req.Header.Set("Authorization", "Bearer "+nurse)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 500 || bytes.Contains(b, []byte("disk I/O")) {
		t.Fatalf("pull from a failing store: %d %s, want 500 without the cause", res.StatusCode, b)
	}
	got, text := scrape(t, ml.URL())
	if n := got[`signpost_store_errors_total{route="GET /v1/sync/pull"}`]; n != 1 {
		t.Errorf("store errors of GET /v1/sync/pull: %v, want 1\n%s", n, text)
	}
	if n := got[`signpost_http_requests_total{route="GET /v1/sync/pull",status="500"}`]; n != 1 {
		t.Errorf("500s of GET /v1/sync/pull: %v, want 1", n)
	}
}

func TestMetricsOnlyOnLoopback(t *testing.T) {
	e := newEnv(t, 0, nil)
	for _, addr := range []string{"0.0.0.0:9464", ":9464", "192.0.2.1:9464", "example.org:9464"} {
		if l, err := directory.ServeMetrics(addr, e.server.MetricsHandler()); err == nil {
			l.Close()
			t.Errorf("metrics served on %s", addr)
		}
	}
	// And not on the API's own listener.
	if r := e.do("GET", "/metrics", "", nil); r.status != 404 {
		t.Errorf("GET /metrics on the API: %d, want 404", r.status)
	}
}
