package directory

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	gosync "sync"
	"sync/atomic"
	"time"

	"signpost"
)

// MaxBody is the largest request body accepted.
const MaxBody = 1 << 20

// Config tunes a Server; zero values take the defaults.
type Config struct {
	SessionTTL  time.Duration // default 12 h
	WaitTimeout time.Duration // long-poll, default 25 s
	SearchRate  float64       // searches per second per user, default 2
	SearchBurst int           // default 20
	// PerUserInflight is how many requests of one user are answered at
	// once (default 8; long-polls apart): past it, 429.
	PerUserInflight int
	// PushBytesPerSecond and PushBurstBytes limit how much one user may
	// push (defaults 256 KiB a second, 8 MiB at once: a week offline is a
	// few hundred KiB).
	PushBytesPerSecond float64
	PushBurstBytes     int
	PullLimit          int // default page size, 500
	Now                func() time.Time
	Logger             *slog.Logger
	PasswordCost       PasswordParams
	// PasswordSlots bounds the password checks that run at once (default:
	// the CPU count). Each is a memory-hard hash (19 MiB with
	// DefaultPasswordParams), so this bounds the memory sign-in can take; a
	// sign-in waits at most PasswordWait (default 2 s) for a slot, else it is
	// answered 503 with Retry-After.
	PasswordSlots int
	PasswordWait  time.Duration
	// SignInAddrRate and SignInAddrBurst bound failed sign-ins per client
	// address (default 30 per 15 minutes, 30 at once), besides the 5 per 15
	// minutes per account: fresh usernames do not buy fresh guesses.
	SignInAddrRate  float64
	SignInAddrBurst int
	// Decider makes the review and merge decisions (issue 14, slice
	// review): directory/importer's, the code the command line runs. Without
	// one the review and merge actions answer 503.
	Decider Decider
}

// Server serves the v1 API over a Store.
type Server struct {
	store Store
	cfg   Config
	log   *slog.Logger
	audit *auditor
	mux   *http.ServeMux

	searches   *limiter // searches and records opened, per user
	signin     *tokens  // failed sign-ins per account name (issue 17: shared, shared.go)
	signinAddr *tokens  // failed sign-ins per client address (issue 17: shared)
	passwords  *gate    // password checks at once
	slow       *tokens  // accounts past a harvest threshold (issue 17: shared)
	hub        *hub     // wakes long-polls
	auth       *authCache
	inflight   *inflight
	countsStop chan struct{}
	countsDone chan struct{}
	closeOnce  gosync.Once
	pushed     *limiter // bytes pushed, per user
	watch      *watch
	metrics    *metrics // issue 17, operations (metrics.go)

	policyMu gosync.Mutex
	policy   *signpost.Policy
	policyAt time.Time

	// passwordChecks counts the password hashes computed at sign-in, so
	// tests can prove how many guesses were actually checked.
	passwordChecks atomic.Int64
	// beforeSearch, set only by tests, runs as a search starts its work.
	beforeSearch func(context.Context)
}

// NewServer returns a server over store. Close it to flush the audit.
func NewServer(store Store, cfg Config) *Server {
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.WaitTimeout == 0 {
		cfg.WaitTimeout = 25 * time.Second
	}
	if cfg.SearchRate == 0 {
		cfg.SearchRate = 2
	}
	if cfg.SearchBurst == 0 {
		cfg.SearchBurst = 20
	}
	if cfg.PushBytesPerSecond == 0 {
		cfg.PushBytesPerSecond = 256 << 10
	}
	if cfg.PushBurstBytes == 0 {
		cfg.PushBurstBytes = 8 << 20
	}
	if cfg.PerUserInflight == 0 {
		cfg.PerUserInflight = 8
	}
	if cfg.PullLimit == 0 {
		cfg.PullLimit = 500
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.PasswordCost == (PasswordParams{}) {
		cfg.PasswordCost = DefaultPasswordParams
	}
	if cfg.PasswordSlots <= 0 {
		cfg.PasswordSlots = runtime.NumCPU()
	}
	if cfg.PasswordWait <= 0 {
		cfg.PasswordWait = 2 * time.Second
	}
	if cfg.SignInAddrRate == 0 {
		cfg.SignInAddrRate = 30.0 / 900
	}
	if cfg.SignInAddrBurst == 0 {
		cfg.SignInAddrBurst = 30
	}
	s := &Server{
		store:      store,
		cfg:        cfg,
		log:        cfg.Logger,
		audit:      newAuditor(store, cfg.Logger),
		mux:        http.NewServeMux(),
		searches:   newLimiter(cfg.SearchRate, cfg.SearchBurst, cfg.Now),
		signin:     newTokens("signin", 5.0/900, 5, store, cfg.Now), // five failed sign-ins per 15 minutes per username
		signinAddr: newTokens("signin_addr", cfg.SignInAddrRate, cfg.SignInAddrBurst, store, cfg.Now),
		passwords:  newGate(cfg.PasswordSlots, cfg.PasswordWait),
		slow:       newTokens("slow", slowRate, 1, store, cfg.Now),
		pushed:     newLimiter(cfg.PushBytesPerSecond, cfg.PushBurstBytes, cfg.Now),
		watch:      newWatch(),
		hub:        newHub(store, cfg.Logger, cfg.Now),
		auth:       newAuthCache(),
		inflight:   &inflight{max: cfg.PerUserInflight, n: map[int64]int{}},
		countsStop: make(chan struct{}),
		countsDone: make(chan struct{}),
	}
	s.metrics = newMetrics(store) // issue 17, operations
	s.hub.onMove = func(ids []string) { s.auth.forgetDevices(ids...) }
	s.routes()
	go s.runCounts(s.countsStop, s.countsDone)
	return s
}

// Close flushes the audit writer and saves the day's counts. It may be
// called more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		close(s.countsStop)
		<-s.countsDone
		s.hub.close()
	})
	return s.audit.Close()
}

func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.handleHealth)
	s.mux.HandleFunc("POST /v1/session", s.handleSession)
	s.mux.Handle("POST /v1/search", s.authed(s.handleSearch, activeOnly))
	s.mux.Handle("GET /v1/children/{id}", s.authed(s.handleChild, activeOnly))
	s.mux.Handle("POST /v1/children/{id}/break-glass", s.authed(s.handleBreakGlass, activeOnly))
	s.mux.Handle("POST /v1/children/{id}/shield", s.authed(s.handleShield, activeOnly))
	s.mux.Handle("DELETE /v1/children/{id}/shield", s.authed(s.handleUnshield, activeOnly))
	s.mux.Handle("POST /v1/sync/push", s.authed(s.handlePush, lastWords))
	s.mux.Handle("GET /v1/sync/pull", s.authed(s.handlePull, activeOnly))
	s.mux.Handle("GET /v1/sync/wait", s.authed(s.handleWait, activeOnly))
	s.mux.Handle("GET /v1/alerts", s.authed(s.handleAlerts, activeOnly))
	s.mux.Handle("GET /v1/devices", s.authed(s.handleDevices, activeOnly))
	s.mux.Handle("POST /v1/devices/{id}/wipe", s.authed(s.handleOrderWipe, activeOnly))
	s.mux.Handle("DELETE /v1/devices/{id}/wipe", s.authed(s.handleCancelWipe, activeOnly))
	s.mux.Handle("POST /v1/devices/{id}/wiped", s.orCredential(s.authed(s.handleWiped, receipt), s.handleWiped))
	s.mux.HandleFunc("GET /v1/devices/self/directive", s.handleDirective)
	// Issue 14, slice review: the review queue and merges.
	s.mux.Handle("GET /v1/reviews", s.authed(s.handleReviews, activeOnly))
	s.mux.Handle("GET /v1/reviews/{id}", s.authed(s.handleReview, activeOnly))
	s.mux.Handle("POST /v1/reviews/{id}", s.authed(s.handleDecideReview, activeOnly))
	s.mux.Handle("POST /v1/merges/preview", s.authed(s.handleMergePreview, activeOnly))
	s.mux.Handle("POST /v1/merges", s.authed(s.handleMerge, activeOnly))
	// Issue 14, slice access (directory/access.go).
	s.mux.Handle("POST /v1/alerts/{id}/ack", s.authed(s.handleAckAlert, activeOnly))
	s.mux.Handle("GET /v1/shielded", s.authed(s.handleShielded, activeOnly))
	s.mux.Handle("GET /v1/children/{id}/access", s.authed(s.handleAccessReport, activeOnly))
	s.mux.Handle("GET /v1/children/{id}/access.csv", s.authed(s.handleAccessCSV, activeOnly))
	s.accountRoutes() // issue 14, accounts slice (accounts_api.go)
	s.deviceRoutes()  // issue 14, accounts slice (accounts_devices.go)
	s.openAPIRoutes() // issue 17, operations (openapi.go)
	s.notifyRoutes()  // issue 16 (notify.go)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, signpost.Errorf(signpost.KindNotFound, "there is no %s %s in the v1 API", r.Method, r.URL.Path))
	})
}

// ServeHTTP logs each request (method, route, status, time; never a query
// string or a body, which may name a child) and recovers from panics.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: 200}
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic serving request", "route", r.Pattern, "panic", fmt.Sprint(p))
			s.fail(rec, r, signpost.Internal("answering the request", fmt.Errorf("panic: %v", p)))
		}
		s.log.Debug("request", "method", r.Method, "route", r.Pattern, "status", rec.status, "ms", time.Since(start).Milliseconds())
		s.metrics.observe(r.Pattern, rec.status, time.Since(start)) // issue 17, operations
	}()
	r.Body = http.MaxBytesReader(rec, r.Body, MaxBody)
	// The mux would answer a path that is not clean (.., //, a trailing
	// slash) with a redirect and an HTML body, and one it cannot route (a
	// CONNECT to a host) with plain text. No v1 path is either: JSON 404.
	if !cleanPath(r.URL.Path) {
		s.fail(rec, r, signpost.Errorf(signpost.KindNotFound, "there is no %s %s in the v1 API (paths have no empty, . or .. parts)", r.Method, signpost.Printable(r.URL.Path)))
		return
	}
	// A query key given twice is ambiguous (which reason is audited, which
	// cursor is pulled from?): refused, not guessed.
	for k, vs := range r.URL.Query() {
		if len(vs) > 1 && queryKeys[k] {
			s.fail(rec, r, signpost.FieldError(k, "%s is given %d times; give it once", signpost.Printable(k), len(vs)))
			return
		}
	}
	// Method mismatches on known paths get our JSON error, not the mux's text.
	if _, pattern := s.mux.Handler(r); pattern == "" || pattern == "/" {
		if allow := s.allowed(r); allow != "" {
			rec.Header().Set("Allow", allow)
			writeJSON(rec, http.StatusMethodNotAllowed, signpost.ErrorResponse{Error: &signpost.Error{Kind: signpost.KindInvalid,
				Message: fmt.Sprintf("%s is not allowed on %s; use %s", r.Method, r.URL.Path, allow)}})
			return
		}
		if pattern == "" {
			s.fail(rec, r, signpost.Errorf(signpost.KindNotFound, "there is no %s %s in the v1 API", r.Method, signpost.Printable(r.URL.Path)))
			return
		}
	}
	s.mux.ServeHTTP(rec, r)
}

// queryKeys are the query parameters the v1 API reads.
var queryKeys = map[string]bool{"reason": true, "cursor": true, "limit": true, "before": true, "after": true}

// Issue 14, accounts slice: the devices list's filters.
func init() {
	for _, k := range []string{"user", "name", "state", "not_seen_days", "sort"} {
		queryKeys[k] = true
	}
}

// cleanPath reports whether p is an absolute path with no empty, . or ..
// parts and no trailing slash (but for the root).
func cleanPath(p string) bool {
	return strings.HasPrefix(p, "/") && path.Clean(p) == p
}

// allowed returns the methods the path accepts, if any.
func (s *Server) allowed(r *http.Request) string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete, http.MethodPut} { // PUT: issue 14, accounts slice
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, p := s.mux.Handler(probe); p != "" && p != "/" {
			out = append(out, m)
		}
	}
	return strings.Join(out, ", ")
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	if err := s.store.Ping(r.Context()); err != nil {
		s.fail(w, r, &signpost.Error{Kind: signpost.KindUnavailable, Message: "the store does not answer", Err: err})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// statusOf maps an error kind to its HTTP status.
func statusOf(kind signpost.ErrorKind) int {
	switch kind {
	case signpost.KindInvalid:
		return http.StatusBadRequest
	case signpost.KindNotFound:
		return http.StatusNotFound
	case signpost.KindUnauthorized:
		return http.StatusUnauthorized
	case signpost.KindForbidden:
		return http.StatusForbidden
	case signpost.KindConflict:
		return http.StatusConflict
	case signpost.KindGone, signpost.KindWiped:
		return http.StatusGone
	case signpost.KindTooMany, signpost.KindRateLimited:
		return http.StatusTooManyRequests
	case signpost.KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case signpost.KindUnavailable:
		return http.StatusServiceUnavailable
	case signpost.KindLocked:
		return http.StatusLocked
	}
	return http.StatusInternalServerError
}

// fail writes err as the JSON error body. Internal causes go to the log
// only. Every 429 and 503 says when to try again (Retry-After, in seconds).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var de *signpost.Error
	switch {
	case r.Context().Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || signpost.KindOf(err) == signpost.KindUnavailable):
		// The client went away: nobody hears the answer and nothing went
		// wrong here, whatever the error on the way out called it.
		s.log.Debug("client went away", "route", r.Pattern)
		de = &signpost.Error{Kind: signpost.KindUnavailable, Message: "the request was cancelled"}
	case !errors.As(err, &de):
		de = signpost.Internal("answering the request", err)
		fallthrough
	default:
		if statusOf(de.Kind) >= 500 {
			s.log.Error("request failed", "route", r.Pattern, "kind", de.Kind, "err", err)
		}
	}
	status := statusOf(de.Kind)
	if r.Context().Err() == nil {
		s.metrics.failed(r.Pattern, de.Kind) // issue 17, operations
	}
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		after := time.Second
		var re *retryError
		if errors.As(err, &re) {
			after = re.after
		}
		w.Header().Set("Retry-After", strconv.Itoa(retrySeconds(after)))
	}
	body := map[string]any{"error": &signpost.Error{Kind: de.Kind, Message: de.Message, Field: de.Field}}
	if de.Kind == signpost.KindGone {
		body["directives"] = []signpost.Directive{{Kind: signpost.DirectiveWipe, Reason: "your IT service ordered this device to be wiped"}}
	}
	if errors.Is(err, errRevoked) { // issue 14, accounts slice: the cache locks
		body["directives"] = []signpost.Directive{{Kind: signpost.DirectiveLock, Reason: errRevoked.Message}}
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// decode reads a JSON body strictly into v: one object, no unknown fields.
// An error names the field at fault as encoding/json does ("mutations.at").
func decode(r *http.Request, v any) error {
	b, err := io.ReadAll(r.Body) // at most MaxBody
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return &signpost.Error{Kind: signpost.KindTooLarge, Field: "body", Message: fmt.Sprintf("the body is larger than %d bytes", MaxBody)}
	} else if err != nil {
		return &signpost.Error{Kind: signpost.KindUnavailable, Message: "the request body could not be read", Err: err}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	if err == nil {
		if _, err2 := dec.Token(); err2 != io.EOF {
			return &signpost.Error{Kind: signpost.KindInvalid, Field: "body", Message: "the body must hold exactly one JSON object"}
		}
		return nil
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return &signpost.Error{Kind: signpost.KindInvalid, Field: "body", Message: "the body is empty; a JSON object is needed"}
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return &signpost.Error{Kind: signpost.KindInvalid, Field: "body", Message: "the body is not valid JSON"}
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return &signpost.Error{Kind: signpost.KindInvalid, Field: field, Message: fmt.Sprintf("%s must be a JSON %s", field, jsonType(typ.Type.Kind().String()))}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &signpost.Error{Kind: signpost.KindInvalid, Field: field, Message: fmt.Sprintf("unknown field %q", field)}
	}
	// A time that does not parse fails in time.Time's own decoding, which
	// does not say where: find the field.
	var doc any
	if json.Unmarshal(b, &doc) == nil {
		if field := badTime(doc, reflect.TypeOf(v), ""); field != "" {
			return &signpost.Error{Kind: signpost.KindInvalid, Field: field, Message: fmt.Sprintf("%s must be a time written like 2025-03-14T09:30:00Z (RFC 3339)", field)}
		}
	}
	return &signpost.Error{Kind: signpost.KindInvalid, Field: "body", Message: "the body could not be read as the expected JSON object"}
}

var timeType = reflect.TypeFor[time.Time]()

// badTime returns the path, named as encoding/json names fields in its
// errors (dotted, without indexes), of the first time.Time in t whose value
// in the decoded JSON doc is not an RFC 3339 string; "" if none.
func badTime(doc any, t reflect.Type, at string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType {
		if doc == nil {
			return "" // null leaves a time unset
		}
		var tm time.Time
		if s, ok := doc.(string); !ok || tm.UnmarshalText([]byte(s)) != nil {
			return at
		}
		return ""
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		items, _ := doc.([]any)
		for _, it := range items {
			if f := badTime(it, t.Elem(), at); f != "" {
				return f
			}
		}
	case reflect.Struct:
		obj, _ := doc.(map[string]any)
		for i := range t.NumField() {
			sf := t.Field(i)
			name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if !sf.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			for k, val := range obj {
				if strings.EqualFold(k, name) {
					path := name
					if at != "" {
						path = at + "." + name
					}
					if f := badTime(val, sf.Type, path); f != "" {
						return f
					}
				}
			}
		}
	}
	return ""
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "struct", "map", "ptr":
		return "object"
	}
	return "number"
}

// ActorOf returns who is asking, in a request's context.
func ActorOf(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}

// actorKey is the context key of the signed-in Actor.
type actorKey struct{}

// access is what a route lets a device ordered to wipe do.
type access int

const (
	// activeOnly routes need an active device and a live session; a device
	// ordered to wipe gets 410 with the wipe directive.
	activeOnly access = iota
	// lastWords is push: a device ordered to wipe may still send its last
	// changes, which are applied and answered 410 with their results.
	lastWords
	// receipt is the device's own wipe receipt.
	receipt
)

// authed wraps a handler that needs a signed-in user on a device the route's
// access admits.
func (s *Server) authed(h func(http.ResponseWriter, *http.Request, Actor), ac access) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, err := s.authenticate(r, ac)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		// One person's flood of requests cannot take every worker: a few
		// at a time each (a long-poll, which mostly waits, apart).
		if r.Pattern != "GET /v1/sync/wait" {
			if !s.inflight.enter(a.UserID) {
				s.fail(w, r, retryLater(time.Second, signpost.KindRateLimited, "too many of your requests are being answered at once; wait a moment and try again"))
				return
			}
			defer s.inflight.leave(a.UserID)
		}
		h(w, r.WithContext(context.WithValue(r.Context(), actorKey{}, a)), a)
	})
}

// inflight counts each user's requests being answered.
type inflight struct {
	mu  gosync.Mutex
	max int
	n   map[int64]int
}

func (f *inflight) enter(user int64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n[user] >= f.max {
		return false
	}
	f.n[user]++
	return true
}

func (f *inflight) leave(user int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n[user]--; f.n[user] <= 0 {
		delete(f.n, user)
	}
}

var (
	errGone         = &signpost.Error{Kind: signpost.KindGone, Message: "your IT service has ordered this device to be wiped"}
	errSessionEnded = &signpost.Error{Kind: signpost.KindUnauthorized, Message: "your session has expired or is not valid; sign in again"}
)

// bearer returns the request's one bearer token.
func bearer(r *http.Request) (string, error) {
	if len(r.Header.Values("Authorization")) > 1 {
		return "", &signpost.Error{Kind: signpost.KindUnauthorized, Message: "the request has more than one Authorization header; send one bearer token"}
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if token = strings.TrimSpace(token); !ok || token == "" {
		return "", &signpost.Error{Kind: signpost.KindUnauthorized, Message: "sign in first: the request has no bearer token"}
	}
	return token, nil
}

// authenticate finds who is asking from the bearer token. The device's state
// is checked before the token's age: a device ordered to wipe gets the order
// however old its token is (up to WipeGrace after it expired), and may still
// send its last push and its own receipt with it, and nothing else.
func (s *Server) authenticate(r *http.Request, ac access) (Actor, error) {
	ctx := r.Context()
	token, err := bearer(r)
	if err != nil {
		return Actor{}, err
	}
	if strings.HasPrefix(token, credentialPrefix) {
		return Actor{}, &signpost.Error{Kind: signpost.KindUnauthorized, Message: "a device credential only asks whether the device must wipe; sign in for this"}
	}
	sum := sha256.Sum256([]byte(token))
	now := s.cfg.Now()
	se, acc, cached := s.auth.session(string(sum[:]), now)
	if !cached {
		var err error
		if se, err = s.store.Session(ctx, sum[:]); signpost.KindOf(err) == signpost.KindNotFound {
			return Actor{}, s.endedSession(ctx, sum[:]) // issue 14, accounts slice
		} else if err != nil {
			return Actor{}, err
		}
	}
	// A write (a push, a receipt) reads the device afresh: one revoked or
	// ordered to wipe a moment ago, by this process or another, writes
	// nothing more; reads may answer from what is kept (the hub drops it
	// within a second of any move).
	fresh := ac == lastWords || ac == receipt
	dev, err := s.device(ctx, se.DeviceID, fresh)
	if err != nil {
		return Actor{}, err
	}
	switch dev.State {
	case signpost.DeviceWipeOrdered:
		if now.Sub(se.ExpiresAt) > WipeGrace {
			return Actor{}, errSessionEnded
		}
		if ac == activeOnly || (ac == receipt && r.PathValue("id") != dev.ID) {
			return Actor{}, errGone
		}
	case signpost.DeviceRevoked:
		return Actor{}, errRevoked // issue 14, accounts slice: with a lock directive
	case signpost.DeviceWiped:
		return Actor{}, &signpost.Error{Kind: signpost.KindUnauthorized, Message: "this device was wiped; enrol it again"}
	default:
		if !now.Before(se.ExpiresAt) {
			return Actor{}, errSessionEnded
		}
	}
	if !cached {
		if acc, err = s.accountByID(ctx, se.UserID, dev.User); err != nil {
			return Actor{}, err
		}
		s.auth.put(string(sum[:]), se, acc, dev, now)
	}
	if acc.Disabled || !acc.Accredited {
		switch {
		case dev.State == signpost.DeviceWipeOrdered && ac == lastWords:
			// The changes of a disabled account are not taken; the wipe is still ordered.
			return Actor{}, errGone
		case dev.State == signpost.DeviceWipeOrdered:
			// Its receipt is still welcome.
		case acc.Disabled:
			return Actor{}, &signpost.Error{Kind: signpost.KindUnauthorized, Message: "your account is disabled; contact your IT service"}
		default:
			return Actor{}, &signpost.Error{Kind: signpost.KindForbidden, Message: "your organisation is not accredited to use Signpost"}
		}
	}
	if now.Sub(dev.LastSeen) > touchEvery {
		if err := s.store.TouchDevice(ctx, dev.ID, now); err != nil {
			s.log.Warn("could not record device contact", "err", err)
		} else {
			s.auth.touched(dev.ID, now)
		}
		s.recordAgent(ctx, dev, r) // issue 14, accounts slice
	}
	return Actor{UserID: acc.ID, Username: acc.Username, Role: acc.Role, Authority: acc.Authority, DeviceID: dev.ID, ChildProtection: acc.ChildProtection,
		WipeOrdered: dev.State == signpost.DeviceWipeOrdered}, nil
}

// touchEvery is how often a device's last contact is written: IT asks
// "not seen for days", and thousands of laptops each written every minute
// were a write every few milliseconds.
const touchEvery = 5 * time.Minute

// device reads a device, from the cache while it is fresh.
func (s *Server) device(ctx context.Context, id string, fresh bool) (*DeviceRecord, error) {
	now := s.cfg.Now()
	if d, ok := s.auth.device(id, now); ok && !fresh {
		return d, nil
	}
	d, err := s.store.Device(ctx, id)
	if err != nil {
		return nil, err
	}
	s.auth.mu.Lock()
	s.auth.putDevice(d, now)
	s.auth.mu.Unlock()
	return d, nil
}

func (s *Server) accountByID(ctx context.Context, id int64, username string) (*Account, error) {
	acc, err := s.store.Account(ctx, username)
	if err != nil {
		return nil, err
	}
	if acc.ID != id {
		return nil, &signpost.Error{Kind: signpost.KindUnauthorized, Message: "your session is not valid; sign in again"}
	}
	return acc, nil
}

// policyFresh is how long the policy is kept before it is read again (the
// operator changes it with signpost-directory policy, another process).
const policyFresh = time.Minute

// Policy returns the directory's policy: what devices must follow, and the
// directory's own limits.
func (s *Server) Policy(ctx context.Context) signpost.Policy {
	s.policyMu.Lock()
	defer s.policyMu.Unlock()
	if s.policy != nil && time.Since(s.policyAt) < policyFresh {
		return *s.policy
	}
	p, err := StoredPolicy(ctx, s.store)
	if err != nil {
		s.log.Warn("stored policy is unreadable; using defaults", "err", err)
	}
	s.policy, s.policyAt = &p, time.Now()
	return p
}
