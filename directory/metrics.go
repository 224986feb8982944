package directory

// Issue 17, operations: the directory's Prometheus metrics.
//
// Every label is a route pattern (the mux's, "GET /v1/children/{id}", never
// the path asked for, which holds a Signpost ID or a username), a status
// code or a push result: nothing about a child, a user or a
// device reaches a label. The metrics are served on a listener of their own
// (serve --metrics-addr, loopback only: see ServeMetrics), never on the API's.

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"signpost"
)

// metrics are one server's collectors, on a registry of its own (so two
// servers in one process, as in tests, do not collide).
type metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec   // route, status
	latency    *prometheus.HistogramVec // route
	searches   prometheus.Counter
	tooMany    prometheus.Counter
	refused    *prometheus.CounterVec // route: 429s
	pushes     prometheus.Counter
	pulls      prometheus.Counter
	pushSize   prometheus.Histogram   // mutations per push: the device's outbox as it drains
	results    *prometheus.CounterVec // status: applied, duplicate, rejected
	storeErrs  *prometheus.CounterVec // route
	wipeOrders *wipeGauge
}

// unmatchedRoute labels requests no route of the v1 API answers.
const unmatchedRoute = "unmatched"

func newMetrics(store Store) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "signpost_http_requests_total",
			Help: "Requests answered, by route pattern and status code."}, []string{"route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "signpost_http_request_duration_seconds",
			Help:    "Time to answer a request, by route pattern (GET /v1/sync/wait holds its answer up to the long-poll timeout).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}}, []string{"route"}),
		searches: prometheus.NewCounter(prometheus.CounterOpts{Name: "signpost_searches_total",
			Help: "Searches answered (matches or too many)."}),
		tooMany: prometheus.NewCounter(prometheus.CounterOpts{Name: "signpost_search_too_many_total",
			Help: "Searches answered too_many: more matches than may be shown, so none were."}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "signpost_rate_limited_total",
			Help: "Requests refused 429 (a rate limit, too many at once, or sign-in throttling), by route pattern."}, []string{"route"}),
		pushes: prometheus.NewCounter(prometheus.CounterOpts{Name: "signpost_sync_pushes_total",
			Help: "Pushes whose changes were applied (including a wiped device's last push)."}),
		pulls: prometheus.NewCounter(prometheus.CounterOpts{Name: "signpost_sync_pulls_total",
			Help: "Pulls answered."}),
		pushSize: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "signpost_sync_push_mutations",
			Help:    "Changes per push: the device's outbox as it drains (devices send theirs in pushes of at most 1000).",
			Buckets: []float64{0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000}}),
		results: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "signpost_sync_mutations_total",
			Help: "Pushed changes, by result (applied, duplicate, rejected)."}, []string{"result"}),
		storeErrs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "signpost_store_errors_total",
			Help: "Requests answered 500 for an internal error, nearly always the store's (a failed query or transaction), by route pattern."}, []string{"route"}),
		wipeOrders: &wipeGauge{store: store, desc: prometheus.NewDesc("signpost_wipe_orders_outstanding",
			"Devices ordered to wipe that have not yet confirmed it (read from the store at each scrape).", nil, nil)},
	}
	m.reg.MustRegister(m.requests, m.latency, m.searches, m.tooMany, m.refused, m.pushes, m.pulls, m.pushSize, m.results, m.storeErrs, m.wipeOrders,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// observe records one answered request.
func (m *metrics) observe(route string, status int, took time.Duration) {
	if route == "" || route == "/" {
		route = unmatchedRoute
	}
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(took.Seconds())
	if status == http.StatusTooManyRequests {
		m.refused.WithLabelValues(route).Inc()
	}
	switch {
	case route == "GET /v1/sync/pull" && status == http.StatusOK:
		m.pulls.Inc()
	}
}

// pushed records an applied push and its results.
func (m *metrics) pushed(results []signpost.MutationResult) {
	m.pushes.Inc()
	m.pushSize.Observe(float64(len(results)))
	n := map[string]int{}
	for _, r := range results {
		n[r.Status]++
	}
	for st, k := range n {
		m.results.WithLabelValues(st).Add(float64(k))
	}
}

// searched records an answered search.
func (m *metrics) searched(tooMany bool) {
	m.searches.Inc()
	if tooMany {
		m.tooMany.Inc()
	}
}

// failed records an error answered to a request if it is internal: a
// failed query or transaction of the store, nearly always (the 503s are
// back-pressure, a cancelled request or the health check, counted by status
// in signpost_http_requests_total).
func (m *metrics) failed(route string, kind signpost.ErrorKind) {
	if kind != signpost.KindInternal {
		return
	}
	if route == "" || route == "/" {
		route = unmatchedRoute
	}
	m.storeErrs.WithLabelValues(route).Inc()
}

// wipeGauge counts the outstanding wipe orders on each scrape, from the
// store (one indexed read a scrape: the scrapes are the operator's own, on
// loopback, every 15 s or so). Another directory process on the same store
// orders wipes too, so a count kept here would be wrong.
type wipeGauge struct {
	store Store
	desc  *prometheus.Desc
}

func (g *wipeGauge) Describe(ch chan<- *prometheus.Desc) { ch <- g.desc }

func (g *wipeGauge) Collect(ch chan<- prometheus.Metric) {
	n, err := g.count()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(g.desc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, float64(n))
}

func (g *wipeGauge) count() (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n := 0
	f := DeviceFilter{State: signpost.DeviceWipeOrdered, Limit: 1000}
	for {
		ds, err := g.store.Devices(ctx, f)
		if err != nil {
			return 0, err
		}
		n += len(ds)
		if len(ds) < f.Limit {
			return n, nil
		}
		f.After = DevicePos(ds[len(ds)-1])
	}
}

// MetricsHandler serves the server's metrics in Prometheus' text format.
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// ServeMetrics serves h (a MetricsHandler) at /metrics on addr, which must
// be a loopback address: the metrics say how busy the directory is and how
// it fails, which is for its operator, so they are kept off the network
// rather than behind a token to manage. A Prometheus elsewhere scrapes
// through a tunnel or a local agent.
func ServeMetrics(addr string, h http.Handler) (*Listener, error) {
	if err := CheckMetricsAddr(addr); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	return Listen(mux, ListenConfig{Addr: addr})
}

// CheckMetricsAddr reports whether addr may serve the metrics: a loopback
// host:port. A program checks it before it opens the store.
func CheckMetricsAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
		return fmt.Errorf("--metrics-addr must be a loopback address such as 127.0.0.1:9464, not %q", addr)
	}
	return nil
}
