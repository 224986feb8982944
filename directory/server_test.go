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
	"path/filepath"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pquerna/otp/totp"

	"signpost"
	"signpost/directory"
	"signpost/directory/demo"
	"signpost/directory/sqlcipher"
)

// cheap keeps password hashing fast in tests; production uses DefaultPasswordParams.
var cheap = directory.PasswordParams{Memory: 1024, Time: 1, Threads: 1}

// laxPolicy is the default policy without the daily harvest limits.
func laxPolicy() signpost.Policy {
	p := signpost.DefaultPolicy()
	p.MaxOffCaseloadViewsPerDay, p.HarvestSearchesPerDay, p.HarvestViewsPerDay, p.HarvestMissesPerDay = 1e6, 1e6, 1e6, 1e6
	return p
}

// clock is a settable time source for the server.
type clock struct {
	mu gosync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	t      testing.TB
	store  *sqlcipher.Store
	server *directory.Server
	http   *httptest.Server
	clock  *clock
	jamie  string
	riley  string

	fixtures demo.FixtureIDs
	path     string // the store file
	key      []byte
}

// newEnv starts the real directory over a real encrypted store in a temporary
// folder, seeded with the demo fixtures and n generated children.
func newEnv(t *testing.T, n int, tweak func(*directory.Config)) *env {
	t.Helper()
	ctx := context.Background()
	key := bytes.Repeat([]byte{7}, 32)
	path := filepath.Join(t.TempDir(), "directory.db")
	st, err := sqlcipher.Open(ctx, path, key)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Now().UTC()}
	if err := demo.Seed(ctx, st, n, clk.Now(), cheap); err != nil {
		t.Fatal(err)
	}
	// Tests search far more than a day's work; the harvest limits have
	// tests of their own.
	if err := directory.SetPolicy(ctx, st, laxPolicy()); err != nil {
		t.Fatal(err)
	}
	cfg := directory.Config{Now: clk.Now, SearchRate: 1000, SearchBurst: 1000, WaitTimeout: 2 * time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if tweak != nil {
		tweak(&cfg)
	}
	srv := directory.NewServer(st, cfg)
	hs := httptest.NewServer(tapped(srv)) // issue 17, operations: openapi_test.go watches the answers
	fx, err := demo.Fixtures(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, store: st, server: srv, http: hs, clock: clk, jamie: fx.Jamie, riley: fx.Riley, fixtures: fx, path: path, key: key}
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
		st.Close()
	})
	return e
}

type resp struct {
	status int
	body   []byte
}

func (r resp) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

func (r resp) errField() (string, string) {
	var e signpost.ErrorResponse
	_ = json.Unmarshal(r.body, &e)
	if e.Error == nil {
		return "", ""
	}
	return string(e.Error.Kind), e.Error.Field
}

func (e *env) do(method, path, token string, body any) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, e.http.URL+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, b}
}

func code(t testing.TB, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(demo.TOTPSecret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// login signs user in on a new device and returns the token and device id.
// A security code is good for one sign-in, so it then moves the server's
// clock on by one TOTP step: the next sign-in has a fresh code.
func (e *env) login(user string) (string, string) {
	e.t.Helper()
	dev := uuid.NewString()
	return e.session(user, dev).Token, dev
}

// session signs user in on device dev and returns the answer.
func (e *env) session(user, dev string) signpost.SessionResponse {
	e.t.Helper()
	r := e.do("POST", "/v1/session", "", signpost.SessionRequest{Username: user, Password: demo.Password, OTP: code(e.t, e.clock.Now()), DeviceID: dev, DeviceName: user + "'s laptop"})
	if r.status != 200 {
		e.t.Fatalf("sign-in of %s: %d %s", user, r.status, r.body)
	}
	var s signpost.SessionResponse
	r.json(e.t, &s)
	e.clock.Add(30 * time.Second)
	return s
}

func TestSignInNeedsPasswordAndTOTP(t *testing.T) {
	e := newEnv(t, 50, nil)
	now := e.clock.Now()
	good := signpost.SessionRequest{Username: "nurse", Password: demo.Password, OTP: code(t, now), DeviceID: uuid.NewString(), DeviceName: "Laptop"}
	r := e.do("POST", "/v1/session", "", good)
	if r.status != 200 {
		t.Fatalf("good sign-in: %d %s", r.status, r.body)
	}
	var s signpost.SessionResponse
	r.json(t, &s)
	if s.Token == "" || s.User.Role != signpost.RolePractitioner || s.User.Authority != "Leeds" || s.Policy.MaxPassphraseAttempts != 10 {
		t.Errorf("session response = %+v", s)
	}
	wrongOTP := good
	wrongOTP.OTP = code(t, now.Add(-10*time.Minute))
	wrongPass := good
	wrongPass.Password = "demo-password-2"
	unknown := good
	unknown.Username = "nobody"
	for name, req := range map[string]signpost.SessionRequest{"wrong otp": wrongOTP, "wrong password": wrongPass, "unknown user": unknown} {
		r := e.do("POST", "/v1/session", "", req)
		if kind, _ := r.errField(); r.status != 401 || kind != "unauthorized" {
			t.Errorf("%s: %d %s, want 401 unauthorized", name, r.status, r.body)
		}
	}
	// A bearer token works, then stops working when it expires.
	if r := e.do("GET", "/v1/sync/pull", s.Token, nil); r.status != 200 {
		t.Fatalf("pull with fresh token: %d %s", r.status, r.body)
	}
	e.clock.Add(13 * time.Hour)
	if r := e.do("GET", "/v1/sync/pull", s.Token, nil); r.status != 401 {
		t.Errorf("pull with expired token: %d %s, want 401", r.status, r.body)
	}
}

func TestSignInRefusesDisabledUnaccreditedAndRepeatedFailures(t *testing.T) {
	e := newEnv(t, 20, nil)
	ctx := context.Background()
	token, _ := e.login("social")
	if err := e.store.SetAccountDisabled(ctx, "social", true); err != nil {
		t.Fatal(err)
	}
	if r := e.do("GET", "/v1/sync/pull", token, nil); r.status != 401 {
		t.Errorf("disabled user's token: %d, want 401", r.status)
	}
	r := e.do("POST", "/v1/session", "", signpost.SessionRequest{Username: "social", Password: demo.Password, OTP: code(t, e.clock.Now()), DeviceID: uuid.NewString(), DeviceName: "x"})
	if r.status != 401 || !strings.Contains(string(r.body), "disabled") {
		t.Errorf("disabled sign-in: %d %s", r.status, r.body)
	}

	if err := e.store.CreateOrganisation(ctx, "Unaccredited Youth Club", "Leeds", false); err != nil {
		t.Fatal(err)
	}
	if err := e.store.CreateAccount(ctx, &directory.Account{User: signpost.User{Username: "volunteer", DisplayName: "Val", Role: signpost.RolePractitioner, Organisation: "Unaccredited Youth Club"},
		PasswordHash: directory.HashPassword(demo.Password, cheap), TOTPSecret: demo.TOTPSecret}); err != nil {
		t.Fatal(err)
	}
	r = e.do("POST", "/v1/session", "", signpost.SessionRequest{Username: "volunteer", Password: demo.Password, OTP: code(t, e.clock.Now()), DeviceID: uuid.NewString(), DeviceName: "x"})
	if r.status != 403 || !strings.Contains(string(r.body), "accredited") {
		t.Errorf("unaccredited sign-in: %d %s, want 403", r.status, r.body)
	}

	for i := 0; i < 5; i++ {
		e.do("POST", "/v1/session", "", signpost.SessionRequest{Username: "manager", Password: "guess-" + fmt.Sprint(i), OTP: "000000", DeviceID: uuid.NewString(), DeviceName: "x"})
	}
	r = e.do("POST", "/v1/session", "", signpost.SessionRequest{Username: "manager", Password: demo.Password, OTP: code(t, e.clock.Now()), DeviceID: uuid.NewString(), DeviceName: "x"})
	if r.status != 429 {
		t.Errorf("sign-in after 5 failures: %d %s, want 429", r.status, r.body)
	}
}

// audited reports whether the audit holds an event of action on child id
// with reason.
func (e *env) audited(t *testing.T, action, id, reason string) bool {
	t.Helper()
	evs, err := e.store.AuditForChild(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.Action == action && ev.Reason == reason {
			return true
		}
	}
	return false
}

func (e *env) search(token string, req signpost.SearchRequest) signpost.SearchResponse {
	e.t.Helper()
	r := e.do("POST", "/v1/search", token, req)
	if r.status != 200 {
		e.t.Fatalf("search %+v: %d %s", req, r.status, r.body)
	}
	var s signpost.SearchResponse
	r.json(e.t, &s)
	return s
}

func ids(ms []signpost.Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.SignpostID)
	}
	return out
}

func TestSearchFindsWithTyposAndCapsAtTen(t *testing.T) {
	e := newEnv(t, 2000, nil)
	token, _ := e.login("social")
	for _, tc := range []struct {
		name string
		req  signpost.SearchRequest
		want string
	}{
		{"family and date of birth", signpost.SearchRequest{FamilyName: "Fixture", DateOfBirth: "2015-03-14"}, e.jamie},
		{"typo in family name", signpost.SearchRequest{FamilyName: "Fixtrue", DateOfBirth: "2015-03-14"}, e.jamie},
		{"lower case and spaces", signpost.SearchRequest{FamilyName: "  fixture ", DateOfBirth: "2015-03-14"}, e.jamie},
		{"given name variant", signpost.SearchRequest{GivenName: "James", FamilyName: "Fixture", DateOfBirth: "2015-03-14"}, e.jamie},
		{"family, given, postcode", signpost.SearchRequest{GivenName: "Jamie", FamilyName: "Fixture", Postcode: "ls14ap"}, e.jamie},
		{"NHS number", signpost.SearchRequest{NHSNumber: "943 476 5919"}, e.jamie},
		{"UPN", signpost.SearchRequest{UPN: "P207000016049"}, e.jamie},
		{"Signpost ID", signpost.SearchRequest{SignpostID: strings.ToLower(e.jamie)}, e.jamie},
	} {
		s := e.search(token, tc.req)
		if s.TooMany || len(s.Matches) == 0 || s.Matches[0].SignpostID != tc.want || s.Matches[0].FamilyName != "Fixture" {
			t.Errorf("%s: got %+v, want %s first", tc.name, s, tc.want)
		}
	}
	// Day and month swapped: Sam Smith 2016-01-01 cannot swap, so use a child of our own.
	ctx := context.Background()
	swap := signpost.Child{SignpostID: signpost.SignpostID(99999990), GivenName: "Ola", FamilyName: "Swapwell", DateOfBirth: "2014-04-03", Gender: "female", Authority: "Leeds"}
	if err := e.store.CreateChild(ctx, &swap); err != nil {
		t.Fatal(err)
	}
	if s := e.search(token, signpost.SearchRequest{FamilyName: "Swapwell", DateOfBirth: "2014-03-04"}); len(s.Matches) != 1 || s.Matches[0].SignpostID != swap.SignpostID {
		t.Errorf("day/month swap: %+v", s)
	}

	s := e.search(token, signpost.SearchRequest{FamilyName: "Smith", DateOfBirth: "2016-01-01"})
	if !s.TooMany || len(s.Matches) != 0 {
		t.Errorf("twelve Sam Smiths: too_many=%v with %d matches; want too_many and none", s.TooMany, len(s.Matches))
	}
	s = e.search(token, signpost.SearchRequest{GivenName: "Sam", FamilyName: "Smith", Postcode: "LS6 1AA"})
	if s.TooMany || len(s.Matches) != 1 {
		t.Errorf("Sam Smith at LS6 1AA: %+v, want one match", s)
	}
	if s := e.search(token, signpost.SearchRequest{FamilyName: "Nobodyhere", DateOfBirth: "2015-03-14"}); len(s.Matches) != 0 || s.TooMany {
		t.Errorf("no such child: %+v", s)
	}
}

// TestSearchMoreDetailNarrowsTheTwelveSamSmiths: of the demo's twelve Sam
// Smiths born 2016-01-01, a postcode beside the date of birth finds the one
// who lives there, where the date of birth alone is too many.
func TestSearchMoreDetailNarrowsTheTwelveSamSmiths(t *testing.T) {
	e := newEnv(t, 20, nil)
	token, _ := e.login("social")
	want := samSmith(t, e, "LS6 1AA")
	full := signpost.SearchRequest{FamilyName: "Smith", GivenName: "Sam", DateOfBirth: "2016-01-01", Postcode: "LS6 1AA", Reason: "Health assessment"}
	if s := e.search(token, full); s.TooMany || len(s.Matches) != 1 || s.Matches[0].SignpostID != want {
		t.Errorf("Sam Smith born 2016-01-01 at LS6 1AA: %+v, want only %s", s, want)
	}
	full.Postcode = ""
	if s := e.search(token, full); !s.TooMany || len(s.Matches) != 0 {
		t.Errorf("Sam Smith born 2016-01-01 (all twelve agree): %+v, want too many", s)
	}
}

func TestSearchIsRateLimitedPerUser(t *testing.T) {
	e := newEnv(t, 20, func(c *directory.Config) { c.SearchRate, c.SearchBurst = 0.001, 3 })
	nurse, _ := e.login("nurse")
	social, _ := e.login("social")
	q := signpost.SearchRequest{FamilyName: "Fixture", DateOfBirth: "2015-03-14"}
	for i := 0; i < 3; i++ {
		e.search(nurse, q)
	}
	if r := e.do("POST", "/v1/search", nurse, q); r.status != 429 {
		t.Errorf("fourth search: %d, want 429", r.status)
	}
	e.search(social, q) // another user has their own allowance
}

// hidden are the strings of Riley Shielded's record that only Leeds'
// management team may see.
var hidden = []string{"Hidden Lane", "LS2 9JT", "Robin Shielded", "07700 900102", "Woodhouse", "B86002"}

func leaks(body []byte) []string {
	var out []string
	for _, h := range hidden {
		if bytes.Contains(body, []byte(h)) {
			out = append(out, h)
		}
	}
	return out
}

func TestShieldingMatrixNoHiddenFieldLeaks(t *testing.T) {
	e := newEnv(t, 100, nil)
	ctx := context.Background()
	// A management user of another authority must not see Leeds' shielded child.
	if err := e.store.CreateOrganisation(ctx, "Manchester Signpost Team", "Manchester", true); err != nil {
		t.Fatal(err)
	}
	if err := e.store.CreateAccount(ctx, &directory.Account{User: signpost.User{Username: "mcrmanager", DisplayName: "M", Role: signpost.RoleManagement, Organisation: "Manchester Signpost Team"},
		PasswordHash: directory.HashPassword(demo.Password, cheap), TOTPSecret: demo.TOTPSecret, Accredited: true}); err != nil {
		t.Fatal(err)
	}
	for _, user := range []string{"nurse", "social", "manager", "mcrmanager", "itadmin"} {
		t.Run(user, func(t *testing.T) {
			token, _ := e.login(user)
			full := user == "manager"
			endpoints := []struct {
				name string
				r    resp
			}{
				{"search by name and dob", e.do("POST", "/v1/search", token, signpost.SearchRequest{FamilyName: "Shielded", DateOfBirth: "2012-07-01"})},
				{"view", e.do("GET", "/v1/children/"+e.riley+"?reason=checking", token, nil)},
				{"pull", e.do("GET", "/v1/sync/pull", token, nil)},
				{"devices", e.do("GET", "/v1/devices", token, nil)},
			}
			for _, ep := range endpoints {
				if ep.r.status >= 500 {
					t.Errorf("%s: %d", ep.name, ep.r.status)
				}
				if l := leaks(ep.r.body); len(l) > 0 && !full {
					t.Errorf("%s leaks %v to %s", ep.name, l, user)
				}
			}
			if user == "itadmin" {
				if endpoints[0].r.status != 403 || endpoints[1].r.status != 403 {
					t.Errorf("itadmin search/view: %d/%d, want 403", endpoints[0].r.status, endpoints[1].r.status)
				}
				return
			}
			var s signpost.SearchResponse
			endpoints[0].r.json(t, &s)
			if len(s.Matches) != 1 || !s.Matches[0].Shielded {
				t.Errorf("search by visible fields should find Riley, shielded: %+v", s)
			}
			var c signpost.Child
			endpoints[1].r.json(t, &c)
			if full {
				if c.Address != "1 Hidden Lane" {
					t.Errorf("manager of Leeds should see the full record, got %+v", c)
				}
			} else if c.ContactVia != "the management team of Leeds" || c.Address != "" || len(c.Carers) != 0 || c.School != nil {
				t.Errorf("redacted view = %+v", c)
			}
			// A search that used the postcode never returns a shielded child, whoever asks.
			s = e.search(token, signpost.SearchRequest{GivenName: "Riley", FamilyName: "Shielded", Postcode: "LS2 9JT"})
			if len(s.Matches) != 0 {
				t.Errorf("postcode search returned a shielded child: %+v", s)
			}
			s = e.search(token, signpost.SearchRequest{FamilyName: "Shielded", DateOfBirth: "2012-07-01", Postcode: "LS2 9JT"})
			if len(s.Matches) != 0 {
				t.Errorf("search with postcode returned a shielded child: %+v", s)
			}
		})
	}
	// The nurse's own involvement stays visible to her; the others' contacts do not.
	token, _ := e.login("nurse")
	var c signpost.Child
	e.do("GET", "/v1/children/"+e.riley, token, nil).json(t, &c)
	if len(c.Involvements) != 1 || !c.Involvements[0].Mine {
		t.Errorf("nurse's view of Riley: involvements %+v", c.Involvements)
	}
}

func TestViewNeedsReasonOffCaseloadAndIsAudited(t *testing.T) {
	e := newEnv(t, 20, nil)
	social, _ := e.login("social")
	r := e.do("GET", "/v1/children/"+e.jamie, social, nil)
	if kind, field := r.errField(); r.status != 400 || kind != "invalid" || field != "reason" {
		t.Errorf("view off caseload without reason: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/v1/children/"+e.jamie+"?reason=school+asked", social, nil); r.status != 200 {
		t.Fatalf("view with reason: %d %s", r.status, r.body)
	}
	nurse, _ := e.login("nurse")
	if r := e.do("GET", "/v1/children/"+e.jamie, nurse, nil); r.status != 200 {
		t.Errorf("nurse viewing her own caseload child without reason: %d %s", r.status, r.body)
	}
	e.search(social, signpost.SearchRequest{FamilyName: "Fixture", DateOfBirth: "2015-03-14", Reason: "referral"})
	evs, err := e.store.AuditForChild(context.Background(), e.jamie)
	if err != nil {
		t.Fatal(err)
	}
	var views, searches int
	for _, ev := range evs {
		switch {
		case ev.Action == "view" && ev.Username == "social" && ev.Reason == "school asked":
			views++
		case ev.Action == "search" && ev.Username == "social" && strings.Contains(ev.Params, "Fixture") && ev.Reason == "referral":
			searches++
		}
	}
	if views != 1 || searches != 1 {
		t.Errorf("audit for Jamie: %d views and %d searches by social, want 1 and 1: %+v", views, searches, evs)
	}
}

// TestAShieldedRecordSaysHowToReachItsTeamAndShowsItsHistoryToThemOnly:
// a practitioner's redacted copy carries the phone and email of the
// management team of Leeds; that team's copy carries who shielded Riley,
// when, why and the review date, which no one else's does (not even a
// break-glass copy).
func TestAShieldedRecordSaysHowToReachItsTeamAndShowsItsHistoryToThemOnly(t *testing.T) {
	e := newEnv(t, 20, nil)
	nurse, _ := e.login("nurse")
	social, _ := e.login("social")
	manager, _ := e.login("manager")
	read := func(token, method, path string, body any) signpost.Child {
		t.Helper()
		var c signpost.Child
		r := e.do(method, path, token, body)
		if r.status != 200 {
			t.Fatalf("%s %s: %d %s", method, path, r.status, r.body)
		}
		r.json(t, &c)
		return c
	}
	want := signpost.AuthorityContact{Team: "the management team of Leeds", Phone: "0113 496 0000", Email: "leeds-signpost@example.org"}
	c := read(nurse, "GET", "/v1/children/"+e.riley+"?reason=Health+assessment", nil)
	if !c.Redacted || c.WithheldContact == nil || *c.WithheldContact != want || c.Shielding != nil {
		t.Errorf("the nurse's copy: withheld contact %+v, shielding %+v; want %+v and none", c.WithheldContact, c.Shielding, want)
	}
	c = read(manager, "GET", "/v1/children/"+e.riley+"?reason=Shielding+review", nil)
	if c.Redacted || c.WithheldContact != nil || c.Shielding == nil || c.Shielding.By != "Maria Green" || c.Shielding.Reason != demo.RileyShieldReason ||
		c.Shielding.At.IsZero() || c.Shielding.ReviewDate == "" {
		t.Errorf("the Leeds management team's copy: withheld contact %+v, shielding %+v", c.WithheldContact, c.Shielding)
	}
	c = read(social, "POST", "/v1/children/"+e.riley+"/break-glass", signpost.BreakGlassRequest{Reason: "section 47 enquiry"})
	if c.Redacted || c.Shielding != nil {
		t.Errorf("a break-glass copy: shielding %+v, want none", c.Shielding)
	}
	// A new contact shows at once.
	if err := e.store.SetAuthorityContact(context.Background(), "Leeds", "0113 496 0999", "team@example.org"); err != nil {
		t.Fatal(err)
	}
	c = read(nurse, "GET", "/v1/children/"+e.riley+"?reason=Health+assessment", nil)
	if c.WithheldContact == nil || c.WithheldContact.Phone != "0113 496 0999" || c.WithheldContact.Email != "team@example.org" {
		t.Errorf("after a new contact: %+v", c.WithheldContact)
	}
	if err := e.store.SetAuthorityContact(context.Background(), "Atlantis", "", ""); signpost.KindOf(err) != signpost.KindNotFound {
		t.Errorf("contact of an unknown authority: %v, want not found", err)
	}
}

func TestBreakGlassIsAuditedAndFlaggedToAuthority(t *testing.T) {
	e := newEnv(t, 20, nil)
	social, _ := e.login("social") // child-protection social worker
	r := e.do("POST", "/v1/children/"+e.riley+"/break-glass", social, signpost.BreakGlassRequest{Reason: "  "})
	if _, field := r.errField(); r.status != 400 || field != "reason" {
		t.Errorf("empty reason: %d %s", r.status, r.body)
	}
	// A word is not a reason the authority can act on: the same rule as the
	// app's (signpost.CheckBreakGlassReason), and nothing is shown or recorded.
	for _, word := range []string{"safeguarding", "s47 now"} {
		r = e.do("POST", "/v1/children/"+e.riley+"/break-glass", social, signpost.BreakGlassRequest{Reason: word})
		if _, field := r.errField(); r.status != 400 || field != "reason" || bytes.Contains(r.body, []byte("Hidden Lane")) {
			t.Errorf("reason %q: %d %s, want 400 on the reason", word, r.status, r.body)
		}
	}
	r = e.do("POST", "/v1/children/"+e.riley+"/break-glass", social, signpost.BreakGlassRequest{Reason: "section 47 enquiry"})
	if r.status != 200 || !bytes.Contains(r.body, []byte("1 Hidden Lane")) {
		t.Fatalf("break-glass: %d %s", r.status, r.body)
	}
	nurse, _ := e.login("nurse")
	if r := e.do("POST", "/v1/children/"+e.riley+"/break-glass", nurse, signpost.BreakGlassRequest{Reason: "curious"}); r.status != 403 || len(leaks(r.body)) > 0 {
		t.Errorf("nurse break-glass: %d %s, want 403", r.status, r.body)
	}
	als, err := e.store.Alerts(context.Background(), directory.AlertFilter{Authority: "Leeds"})
	if err != nil || len(als) != 1 || als[0].Username != "social" || als[0].Reason != "section 47 enquiry" {
		t.Errorf("alerts for Leeds = %+v, %v", als, err)
	}
	evs, _ := e.store.AuditForChild(context.Background(), e.riley)
	found := false
	for _, ev := range evs {
		found = found || (ev.Action == "break_glass" && ev.Username == "social")
	}
	if !found {
		t.Error("break-glass not in the audit")
	}
	// Break-glass shows the record once: it does not enter the social worker's sync scope.
	var p signpost.PullResponse
	e.do("GET", "/v1/sync/pull", social, nil).json(t, &p)
	for _, c := range p.Changes {
		if c.SignpostID == e.riley {
			t.Error("break-glass record reached the social worker's sync")
		}
	}
}

func mut(kind, child string) signpost.Mutation {
	return signpost.Mutation{ID: uuid.Must(uuid.NewV7()).String(), Kind: kind, ChildID: child, At: time.Now()}
}

func (e *env) push(token string, ms ...signpost.Mutation) []signpost.MutationResult {
	e.t.Helper()
	r := e.do("POST", "/v1/sync/push", token, signpost.PushRequest{Mutations: ms})
	if r.status != 200 {
		e.t.Fatalf("push: %d %s", r.status, r.body)
	}
	var p signpost.PushResponse
	r.json(e.t, &p)
	if len(p.Results) != len(ms) {
		e.t.Fatalf("push of %d got %d results", len(ms), len(p.Results))
	}
	return p.Results
}

func TestPushReplayReturnsFirstResult(t *testing.T) {
	e := newEnv(t, 20, nil)
	social, _ := e.login("social")
	start := mut(signpost.MutStartInvolvement, e.jamie)
	start.Role = "Social worker"
	first := e.push(social, start)[0]
	if first.Status != signpost.ResultApplied || first.InvolvementID == "" {
		t.Fatalf("first push: %+v", first)
	}
	again := e.push(social, start)[0]
	if again.Status != signpost.ResultDuplicate || again.FirstStatus != signpost.ResultApplied || again.InvolvementID != first.InvolvementID {
		t.Errorf("replay: %+v, want duplicate of %+v", again, first)
	}
	c, err := e.store.Child(context.Background(), e.jamie)
	if err != nil {
		t.Fatal(err)
	}
	active := 0
	for _, inv := range c.Involvements {
		if inv.Username == "social" && inv.Active() {
			active++
		}
	}
	if active != 1 {
		t.Errorf("social has %d active involvements with Jamie, want 1", active)
	}
	// A rejected one replays as rejected with the same reason.
	bad := mut(signpost.MutEndInvolvement, signpost.SignpostID(3))
	r1 := e.push(social, bad)[0]
	r2 := e.push(social, bad)[0]
	if r1.Status != signpost.ResultRejected || r2.Status != signpost.ResultDuplicate || r2.FirstStatus != signpost.ResultRejected || r2.Reason != r1.Reason || r1.Reason == "" {
		t.Errorf("rejected replay: %+v then %+v", r1, r2)
	}
}

func TestRejectedMutationDoesNotBlockTheRest(t *testing.T) {
	e := newEnv(t, 20, nil)
	social, _ := e.login("social")
	ms := []signpost.Mutation{
		mut(signpost.MutSetCAF, e.jamie),           // no current involvement: rejected
		mut(signpost.MutStartInvolvement, "SP123"), // not a Signpost ID: rejected
		{ID: "not-a-uuid", Kind: signpost.MutStartInvolvement, ChildID: e.jamie},
		mut(signpost.MutStartInvolvement, e.jamie), // applied
		mut(signpost.MutSetLead, e.jamie),          // applied
	}
	ms[4].Value = true
	res := e.push(social, ms...)
	want := []string{"rejected", "rejected", "rejected", "applied", "applied"}
	for i, r := range res {
		if r.Status != want[i] {
			t.Errorf("mutation %d: %+v, want %s", i, r, want[i])
		}
		if r.Status == "rejected" && r.Reason == "" {
			t.Errorf("mutation %d rejected without a reason", i)
		}
	}
	c, _ := e.store.Child(context.Background(), e.jamie)
	lead := ""
	for _, inv := range c.Involvements {
		if inv.LeadProfessional {
			lead += inv.Username
		}
	}
	if lead != "social" {
		t.Errorf("lead professional = %q, want social", lead)
	}
}

func TestMetChildByIdentity(t *testing.T) {
	e := newEnv(t, 20, nil)
	social, _ := e.login("social")
	met := func(given, family, dob, pc string) signpost.MutationResult {
		m := mut(signpost.MutMetChild, "")
		m.Identity = &signpost.Identity{GivenName: given, FamilyName: family, DateOfBirth: dob, Postcode: pc}
		return e.push(social, m)[0]
	}
	if r := met("Jamie", "Fixture", "2015-03-14", "LS1 4AP"); r.Status != "applied" || r.ChildID != e.jamie {
		t.Errorf("confident match: %+v", r)
	}
	if r := met("Zed", "Nobody", "2015-03-14", "LS1 4AP"); r.Status != "rejected" || r.Candidates != 0 {
		t.Errorf("no match: %+v", r)
	}
	if r := met("Riley", "Shielded", "2012-07-01", "LS2 9JT"); r.Status != "rejected" || r.Candidates != 0 {
		t.Errorf("a shielded child is never matched by postcode: %+v", r)
	}
	if r := met("Jamie", "Fixture", "2031-01-01", "LS1 4AP"); r.Status != "rejected" || !strings.Contains(r.Reason, "future") {
		t.Errorf("future date: %+v", r)
	}
}

func TestRemoteWipeGivesGoneEverywhereButReceipt(t *testing.T) {
	e := newEnv(t, 20, nil)
	nurse, dev := e.login("nurse")
	admin, _ := e.login("itadmin")
	var ds signpost.DevicesResponse
	e.do("GET", "/v1/devices", admin, nil).json(t, &ds)
	found := false
	for _, d := range ds.Devices {
		found = found || (d.ID == dev && d.User == "nurse" && d.State == "active")
	}
	if !found {
		t.Fatalf("nurse's device not listed: %+v", ds)
	}
	if r := e.do("POST", "/v1/devices/"+dev+"/wipe", nurse, nil); r.status != 403 {
		t.Errorf("nurse ordering a wipe: %d", r.status)
	}
	if r := e.do("POST", "/v1/devices/"+dev+"/wipe", admin, nil); r.status != 202 {
		t.Fatalf("order wipe: %d %s", r.status, r.body)
	}
	for _, rq := range []struct{ method, path string }{{"GET", "/v1/sync/pull"}, {"GET", "/v1/sync/wait"}, {"POST", "/v1/search"}, {"GET", "/v1/children/" + e.jamie}, {"POST", "/v1/sync/push"}} {
		r := e.do(rq.method, rq.path, nurse, "{}")
		var body struct {
			Directives []signpost.Directive `json:"directives"`
		}
		_ = json.Unmarshal(r.body, &body)
		if r.status != 410 || len(body.Directives) != 1 || body.Directives[0].Kind != "wipe" {
			t.Errorf("%s %s after wipe order: %d %s", rq.method, rq.path, r.status, r.body)
		}
	}
	r := e.do("POST", "/v1/session", "", signpost.SessionRequest{Username: "nurse", Password: demo.Password, OTP: code(t, e.clock.Now()), DeviceID: dev, DeviceName: "x"})
	if r.status != 410 {
		t.Errorf("sign-in on a device ordered to wipe: %d %s", r.status, r.body)
	}
	// Its last push still answers 410, but is applied first: a wipe loses nothing that could be sent.
	last := mut(signpost.MutSetLead, e.jamie)
	last.Value = true
	r = e.do("POST", "/v1/sync/push", nurse, signpost.PushRequest{Mutations: []signpost.Mutation{last}})
	var lastWords struct {
		Directives []signpost.Directive      `json:"directives"`
		Results    []signpost.MutationResult `json:"results"`
	}
	r.json(t, &lastWords)
	if r.status != 410 || len(lastWords.Directives) != 1 || len(lastWords.Results) != 1 || lastWords.Results[0].Status != signpost.ResultApplied {
		t.Errorf("last push: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/v1/devices/"+dev+"/wiped", nurse, signpost.WipeReceipt{Pushed: 3, Lost: 0}); r.status != 200 {
		t.Fatalf("receipt: %d %s", r.status, r.body)
	}
	e.do("GET", "/v1/devices", admin, nil).json(t, &ds)
	for _, d := range ds.Devices {
		if d.ID == dev && (d.State != "wiped" || d.Receipt == nil || d.Receipt.Pushed != 3) {
			t.Errorf("device after receipt: %+v", d)
		}
	}
}

func TestWaitWakesOnWipeOrder(t *testing.T) {
	e := newEnv(t, 20, func(c *directory.Config) { c.WaitTimeout = 20 * time.Second })
	nurse, dev := e.login("nurse")
	admin, _ := e.login("itadmin")
	var p signpost.PullResponse
	e.do("GET", "/v1/sync/pull", nurse, nil).json(t, &p)
	done := make(chan resp, 1)
	go func() { done <- e.do("GET", "/v1/sync/wait?cursor="+p.Cursor, nurse, nil) }()
	time.Sleep(200 * time.Millisecond)
	e.do("POST", "/v1/devices/"+dev+"/wipe", admin, nil)
	select {
	case r := <-done:
		if r.status != 410 {
			t.Errorf("wait after wipe order: %d %s", r.status, r.body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("long-poll did not wake on the wipe order")
	}
}

func TestPullScopeShieldingAndPaging(t *testing.T) {
	e := newEnv(t, 500, nil)
	nurse, _ := e.login("nurse")
	manager, _ := e.login("manager")
	var all []signpost.Child
	cursor := ""
	pages := 0
	for {
		var p signpost.PullResponse
		r := e.do("GET", "/v1/sync/pull?limit=10&cursor="+cursor, nurse, nil)
		if r.status != 200 {
			t.Fatalf("pull: %d %s", r.status, r.body)
		}
		r.json(t, &p)
		all = append(all, p.Changes...)
		cursor = p.Cursor
		pages++
		if !p.More {
			break
		}
	}
	if len(all) != 25 || pages != 3 {
		t.Fatalf("nurse's first sync: %d children in %d pages, want 25 in 3", len(all), pages)
	}
	// Nothing new: an idle pull is empty.
	var p signpost.PullResponse
	e.do("GET", "/v1/sync/pull?cursor="+cursor, nurse, nil).json(t, &p)
	if len(p.Changes) != 0 || len(p.Removals) != 0 {
		t.Errorf("idle pull: %+v", p)
	}
	// Shield Jamie: the nurse's next pull purges the full copy and sends a redacted one.
	r := e.do("POST", "/v1/children/"+e.jamie+"/shield", manager, signpost.ShieldRequest{Reason: "fled domestic abuse", ReviewDate: e.clock.Now().AddDate(0, 6, 0).Format("2006-01-02")})
	if r.status != 200 {
		t.Fatalf("shield: %d %s", r.status, r.body)
	}
	r = e.do("GET", "/v1/sync/pull?cursor="+cursor, nurse, nil)
	r.json(t, &p)
	if len(p.Removals) != 1 || p.Removals[0].SignpostID != e.jamie || p.Removals[0].Reason != "shielded" {
		t.Errorf("removals after shielding: %+v", p.Removals)
	}
	if len(p.Changes) != 1 || !p.Changes[0].Shielded || p.Changes[0].Address != "" || bytes.Contains(r.body, []byte("Park Row")) || bytes.Contains(r.body, []byte("LS1 4AP")) {
		t.Errorf("change after shielding: %s", r.body)
	}
	cursor = p.Cursor
	// Ending the involvement takes the child out of scope.
	res := e.push(nurse, mut(signpost.MutEndInvolvement, e.jamie))
	if res[0].Status != "applied" {
		t.Fatalf("end involvement: %+v", res[0])
	}
	e.do("GET", "/v1/sync/pull?cursor="+cursor, nurse, nil).json(t, &p)
	if len(p.Removals) != 1 || p.Removals[0].Reason != "left_scope" {
		t.Errorf("removals after ending: %+v", p.Removals)
	}
	// Only the management team of the child's authority may shield.
	social, _ := e.login("social")
	if r := e.do("DELETE", "/v1/children/"+e.jamie+"/shield", social, nil); r.status != 403 {
		t.Errorf("social unshielding: %d", r.status)
	}
	// Unshielding needs a reason, as shielding does.
	for _, body := range []any{nil, signpost.UnshieldRequest{}, signpost.UnshieldRequest{Reason: "  "}} {
		if r := e.do("DELETE", "/v1/children/"+e.jamie+"/shield", manager, body); r.status != 400 || !bytes.Contains(r.body, []byte(`"field":"reason"`)) {
			t.Errorf("manager unshielding with %+v: %d %s, want 400 on the reason", body, r.status, r.body)
		}
	}
	if r := e.do("DELETE", "/v1/children/"+e.jamie+"/shield", manager, signpost.UnshieldRequest{Reason: "Review found the family safe"}); r.status != 200 || bytes.Contains(r.body, []byte(`"shielded":true`)) {
		t.Errorf("manager unshielding: %d %s", r.status, r.body)
	}
	if !e.audited(t, "unshield", e.jamie, "Review found the family safe") {
		t.Error("the unshield's reason is not in the audit")
	}
}

func TestBadInputNeverFailsServerSide(t *testing.T) {
	e := newEnv(t, 20, nil)
	nurse, _ := e.login("nurse")
	big := `{"family_name":"` + strings.Repeat("a", 1<<20) + `"}`
	for _, tc := range []struct {
		name, method, path, token, body string
		status                          int
		field                           string
	}{
		{"no token", "POST", "/v1/search", "", `{}`, 401, ""},
		{"garbage token", "POST", "/v1/search", "garbage", `{}`, 401, ""},
		{"empty body", "POST", "/v1/search", nurse, ``, 400, "body"},
		{"not json", "POST", "/v1/search", nurse, `family=Smith`, 400, "body"},
		{"truncated json", "POST", "/v1/search", nurse, `{"family_name":"Smi`, 400, "body"},
		{"array body", "POST", "/v1/search", nurse, `[1,2]`, 400, "body"},
		{"two objects", "POST", "/v1/search", nurse, `{}{}`, 400, "body"},
		{"unknown field", "POST", "/v1/search", nurse, `{"surname":"Smith"}`, 400, "surname"},
		{"wrong type", "POST", "/v1/search", nurse, `{"family_name":42}`, 400, "family_name"},
		{"body over 1 MiB", "POST", "/v1/search", nurse, big, 413, "body"},
		{"no criteria", "POST", "/v1/search", nurse, `{}`, 400, "family_name"},
		{"family only", "POST", "/v1/search", nurse, `{"family_name":"Smith"}`, 400, "date_of_birth"},
		{"impossible date", "POST", "/v1/search", nurse, `{"family_name":"Smith","date_of_birth":"2015-02-30"}`, 400, "date_of_birth"},
		{"future date", "POST", "/v1/search", nurse, `{"family_name":"Smith","date_of_birth":"2099-01-01"}`, 400, "date_of_birth"},
		{"adult", "POST", "/v1/search", nurse, `{"family_name":"Smith","date_of_birth":"1980-01-01"}`, 400, "date_of_birth"},
		{"date format", "POST", "/v1/search", nurse, `{"family_name":"Smith","date_of_birth":"01/01/2016"}`, 400, "date_of_birth"},
		{"bad postcode", "POST", "/v1/search", nurse, `{"family_name":"Smith","given_name":"Sam","postcode":"XX"}`, 400, "postcode"},
		{"bad NHS number", "POST", "/v1/search", nurse, `{"nhs_number":"9434765918"}`, 400, "nhs_number"},
		{"bad UPN", "POST", "/v1/search", nurse, `{"upn":"Q207000016049"}`, 400, "upn"},
		{"bad Signpost ID", "POST", "/v1/search", nurse, `{"signpost_id":"SP000000000X"}`, 400, "signpost_id"},
		{"bad gender", "POST", "/v1/search", nurse, `{"family_name":"Smith","date_of_birth":"2016-01-01","gender":"x"}`, 400, "gender"},
		{"name without letters", "POST", "/v1/search", nurse, `{"family_name":"12345","date_of_birth":"2016-01-01"}`, 400, "family_name"},
		{"name too long", "POST", "/v1/search", nurse, `{"family_name":"` + strings.Repeat("a", 101) + `","date_of_birth":"2016-01-01"}`, 400, "family_name"},
		{"bad child id", "GET", "/v1/children/12345", nurse, ``, 400, "id"},
		{"sql in child id", "GET", "/v1/children/SP1'%20OR%201=1", nurse, ``, 400, "id"},
		{"unknown child", "GET", "/v1/children/" + signpost.SignpostID(99999999) + "?reason=a+visit", nurse, ``, 404, ""},
		{"bad cursor", "GET", "/v1/sync/pull?cursor=abc", nurse, ``, 400, "cursor"},
		{"negative cursor", "GET", "/v1/sync/pull?cursor=-5", nurse, ``, 400, "cursor"},
		{"bad limit", "GET", "/v1/sync/pull?limit=100000", nurse, ``, 400, "limit"},
		{"bad wait cursor", "GET", "/v1/sync/wait?cursor=1e9", nurse, ``, 400, "cursor"},
		{"push not a list", "POST", "/v1/sync/push", nurse, `{"mutations":{}}`, 400, "mutations"},
		{"push unknown kind", "POST", "/v1/sync/push", nurse, `{"mutations":[{"id":"` + uuid.NewString() + `","kind":"delete_child","child_id":"` + e.jamie + `"}]}`, 200, ""},
		{"push bad date", "POST", "/v1/sync/push", nurse, `{"mutations":[{"id":"` + uuid.NewString() + `","kind":"end_involvement","child_id":"` + e.jamie + `","on":"2020-13-45"}]}`, 200, ""},
		{"shield without reason", "POST", "/v1/children/" + e.riley + "/shield", nurse, `{"reason":"","review_date":"2030-01-01"}`, 400, "reason"},
		{"shield bad review", "POST", "/v1/children/" + e.riley + "/shield", nurse, `{"reason":"family fleeing abuse","review_date":"soon"}`, 400, "review_date"},
		{"session missing fields", "POST", "/v1/session", "", `{"username":"nurse"}`, 400, "password"},
		{"session bad device id", "POST", "/v1/session", "", `{"username":"nurse","password":"x","otp":"1","device_id":"laptop","device_name":"x"}`, 400, "device_id"},
		{"unknown path", "GET", "/v1/nothing", nurse, ``, 404, ""},
		{"wrong method", "DELETE", "/v1/search", nurse, ``, 405, ""},
		{"wipe unknown device", "POST", "/v1/devices/nope/wipe", nurse, ``, 403, ""},
		{"receipt for another device", "POST", "/v1/devices/" + uuid.NewString() + "/wiped", nurse, `{"pushed":1}`, 403, ""},
		{"negative receipt", "POST", "/v1/devices/x/wiped", nurse, `{"pushed":-1}`, 403, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tc.method, tc.path, tc.token, tc.body)
			if r.status >= 500 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			if r.status != tc.status {
				t.Errorf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if r.status >= 400 {
				kind, field := r.errField()
				if kind == "" {
					t.Errorf("error body without kind: %s", r.body)
				}
				if tc.field != "" && field != tc.field {
					t.Errorf("field %q, want %q: %s", field, tc.field, r.body)
				}
			}
		})
	}
}

func TestDemoSeedingIsIdempotent(t *testing.T) {
	e := newEnv(t, 100, nil)
	ctx := context.Background()
	social, _ := e.login("social")
	e.push(social, mut(signpost.MutStartInvolvement, e.jamie))
	if err := demo.Seed(ctx, e.store, 100, e.clock.Now(), cheap); err != nil {
		t.Fatal(err)
	}
	c, _ := e.store.Child(ctx, e.jamie)
	n := 0
	for _, inv := range c.Involvements {
		if inv.Username == "social" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("after reseeding social has %d involvements with Jamie, want the ended one and the new one", n)
	}
	cands, _ := e.store.Candidates(ctx, directory.CandidateKeys{DatesOfBirth: []string{"2016-01-01"}})
	sams := 0
	for _, c := range cands {
		if c.Family == "Smith" && c.Given == "Sam" {
			sams++
		}
	}
	if sams != 12 {
		t.Errorf("%d Sam Smiths after reseeding, want 12", sams)
	}
}

func TestLogsNeverNameAChild(t *testing.T) {
	var buf bytes.Buffer
	var mu gosync.Mutex
	w := writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return buf.Write(p) })
	e := newEnv(t, 20, func(c *directory.Config) {
		c.Logger = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	social, _ := e.login("social")
	e.search(social, signpost.SearchRequest{GivenName: "Jamie", FamilyName: "Fixture", Postcode: "LS1 4AP", Reason: "Jamie Fixture referral"})
	e.do("GET", "/v1/children/"+e.jamie+"?reason=Jamie+Fixture+at+22+Park+Row", social, nil)
	e.do("POST", "/v1/children/"+e.riley+"/break-glass", social, signpost.BreakGlassRequest{Reason: "Riley Shielded at 1 Hidden Lane"})
	e.do("POST", "/v1/search", social, `{"family_name":"Fixture","date_of_birth":"2015-02-30"}`)
	mu.Lock()
	defer mu.Unlock()
	if buf.Len() == 0 {
		t.Fatal("nothing was logged: the test proves nothing")
	}
	for _, s := range []string{"Jamie", "Fixture", "Park Row", "LS1 4AP", "Riley", "Hidden Lane"} {
		if bytes.Contains(buf.Bytes(), []byte(s)) {
			t.Errorf("log names %q:\n%s", s, buf.String())
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestRevokedDeviceIsRefused(t *testing.T) {
	e := newEnv(t, 20, nil)
	nurse, dev := e.login("nurse")
	if _, err := e.store.MoveDevice(context.Background(), dev, directory.DeviceMove{To: signpost.DeviceRevoked, By: "itadmin", At: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	// Revoking ends the device's sessions (issue 10): its token is then simply not valid.
	if r := e.do("GET", "/v1/sync/pull", nurse, nil); r.status != 401 {
		t.Errorf("revoked device's token: %d %s", r.status, r.body)
	}
	r := e.do("POST", "/v1/session", "", signpost.SessionRequest{Username: "nurse", Password: demo.Password, OTP: code(t, e.clock.Now()), DeviceID: dev, DeviceName: "x"})
	if r.status != 403 {
		t.Errorf("sign-in on a revoked device: %d %s", r.status, r.body)
	}
}
