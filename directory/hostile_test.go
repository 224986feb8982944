package directory_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"signpost"
	"signpost/directory"
	"signpost/directory/demo"
)

// The hostile-request catalogue (issue 10, "Keep them closed"): every kind of
// malformed, oversized, tricky or misdirected request a v1 endpoint may be
// sent, each with the answer the issue demands once its fixes have landed.
// Every row is sent as raw bytes over TCP to the real server (so the test,
// not a client library, decides the method, path and headers), and then
// /healthz and a normal search must still work.
//
// Each row names the item of issue 10 its behaviour depends on (needs):
// rows of an item not yet fixed fail, and the test ends with a summary of the
// failures grouped by item, so the lead can see what remains. "v1" marks the
// contract as it already stands (a failure there is a regression); "proposed"
// marks a behaviour this suite asks for that the issue does not spell out.

// hostile is one row of the catalogue.
type hostile struct {
	name  string
	needs string
	// as signs the request: nurse, social, manager, itadmin, pusher (a Leeds
	// practitioner for push rows), fresh (a new device of its own, active),
	// wiping (a new device with an outstanding wipe order), or "" for none.
	as     string
	method string
	path   string   // may hold {dev} (the row's device), {id1} (a fixed UUID for the row)
	header []string // extra header lines; {token} is the nurse's token
	ctype  string   // Content-Type; application/json when there is a body and this is ""
	body   string   // may hold {dev}, {id1}, {otp}
	before []string // bodies sent first, to the same method and path, answers ignored

	status int    // 0: any 4xx
	kind   string // error kind; "" when status < 400
	field  string // error field: exact, "" for none, "*" for any, "~x" for a path ending in x
	allow  string // methods the Allow header must list (a 405)
	retry  bool   // a Retry-After header is needed
	// results are the statuses a push must answer, one per mutation (HTTP 200).
	results []string
	// reasonHas must be in the reason of every rejected result.
	reasonHas string
	// noLeak: the answer must hold none of Riley Shielded's hidden fields.
	noLeak bool
}

// hostileEnv is the world the catalogue runs in.
type hostileEnv struct {
	*env
	addr   string
	tokens map[string]string
	devs   map[string]string
	sam    string // a Leeds Sam Smith, for shielding rows
	samMcr string // a Manchester Sam Smith
	// unknown is a valid Signpost ID that no child has.
	unknown string
	gone    string // a device that has been wiped
	// goneToken was the wiped device's token.
	goneToken string
	// pusherID is a mutation id the pusher has used.
	pusherID string
}

func newHostileEnv(t *testing.T) *hostileEnv {
	t.Helper()
	e := newEnv(t, 50, nil)
	ctx := context.Background()
	for _, u := range []string{"pusher", "wiper"} {
		if err := e.store.CreateAccount(ctx, &directory.Account{User: signpost.User{Username: u, DisplayName: "Test " + u, Role: signpost.RolePractitioner,
			JobTitle: "Health visitor", Organisation: "Leeds Community Healthcare NHS Trust"},
			PasswordHash: directory.HashPassword(demo.Password, cheap), TOTPSecret: demo.TOTPSecret, Accredited: true}); err != nil {
			t.Fatal(err)
		}
	}
	u, _ := url.Parse(e.http.URL)
	h := &hostileEnv{env: e, addr: u.Host, tokens: map[string]string{}, devs: map[string]string{},
		sam: samSmith(t, e, "LS6 1AA"), samMcr: samSmith(t, e, "M14 5AB"), unknown: unknownChild(t, e)}
	for _, user := range []string{"nurse", "social", "manager", "itadmin", "pusher"} {
		h.tokens[user], h.devs[user] = e.login(user)
		e.clock.Add(30 * time.Second) // a security code is good for one sign-in
	}
	// A device that has been wiped and has reported it.
	tok, dev := e.login("wiper")
	e.clock.Add(30 * time.Second)
	if r := e.do("POST", "/v1/devices/"+dev+"/wipe", h.tokens["itadmin"], nil); r.status != 202 {
		t.Fatalf("ordering a wipe: %d %s", r.status, r.body)
	}
	e.clock.Add(time.Second)
	if r := e.do("POST", "/v1/devices/"+dev+"/wiped", tok, signpost.WipeReceipt{Pushed: 1, WipedAt: e.clock.Now()}); r.status != 200 {
		t.Fatalf("receipt: %d %s", r.status, r.body)
	}
	h.gone, h.goneToken = dev, tok
	h.pusherID = uuid.Must(uuid.NewV7()).String()
	if r := e.do("POST", "/v1/sync/push", h.tokens["pusher"], signpost.PushRequest{Mutations: []signpost.Mutation{{ID: h.pusherID, Kind: signpost.MutSetCAF, ChildID: h.riley, At: e.clock.Now()}}}); r.status != 200 {
		t.Fatalf("push: %d %s", r.status, r.body)
	}
	return h
}

// device returns a token and device id for a row: its own for fresh and
// wiping, else the user's.
func (h *hostileEnv) device(t *testing.T, as string) (string, string) {
	t.Helper()
	switch as {
	case "":
		return "", h.devs["nurse"]
	case "fresh", "wiping":
		tok, dev := h.loginT(t, "wiper")
		if as == "wiping" {
			st, _, body, err := h.send("POST", "/v1/devices/"+dev+"/wipe", []string{"Authorization: Bearer " + h.tokens["itadmin"]}, "", "")
			if err != nil || st != 202 {
				t.Fatalf("ordering a wipe: %d %s %v", st, body, err)
			}
			h.clock.Add(time.Second) // so the device wipes after the order
		}
		return tok, dev
	}
	return h.tokens[as], h.devs[as]
}

// loginT signs user in on a new device from a subtest.
func (h *hostileEnv) loginT(t *testing.T, user string) (string, string) {
	t.Helper()
	dev := uuid.NewString()
	b, _ := json.Marshal(signpost.SessionRequest{Username: user, Password: demo.Password, OTP: code(t, h.clock.Now()), DeviceID: dev, DeviceName: "row laptop"})
	st, _, body, err := h.send("POST", "/v1/session", nil, "", string(b))
	if err != nil || st != 200 {
		t.Fatalf("sign-in of %s: %d %s %v", user, st, body, err)
	}
	var s signpost.SessionResponse
	if err := json.Unmarshal(body, &s); err != nil {
		t.Fatal(err)
	}
	h.clock.Add(30 * time.Second) // a security code is good for one sign-in
	return s.Token, dev
}

// samSmith returns the Signpost ID of the Sam Smith born 2016-01-01 at postcode.
func samSmith(t *testing.T, e *env, postcode string) string {
	t.Helper()
	cands, err := e.store.Candidates(context.Background(), directory.CandidateKeys{DatesOfBirth: []string{"2016-01-01"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cands {
		if c.Given == "Sam" && c.Family == "Smith" && c.Postcode == signpost.NormalisePostcode(postcode) {
			return c.SignpostID
		}
	}
	t.Fatalf("no Sam Smith at %s", postcode)
	return ""
}

// unknownChild returns a valid Signpost ID that no child in the store has.
func unknownChild(t *testing.T, e *env) string {
	t.Helper()
	for n := 99999999; n > 0; n -= 7919 {
		id := signpost.SignpostID(n)
		if _, err := e.store.Child(context.Background(), id); signpost.KindOf(err) == signpost.KindNotFound {
			return id
		}
	}
	t.Fatal("every Signpost ID tried is taken")
	return ""
}

// badCheckDigit returns id with its check digit changed.
func badCheckDigit(id string) string {
	d := id[len(id)-1] - '0'
	return id[:len(id)-1] + string(rune('0'+(d+1)%10))
}

// send writes one request as raw bytes and reads the answer.
func (h *hostileEnv) send(method, target string, header []string, ctype, body string) (int, http.Header, []byte, error) {
	conn, err := net.Dial("tcp", h.addr)
	if err != nil {
		return 0, nil, nil, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(60 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, target, h.addr)
	for _, l := range header {
		b.WriteString(l + "\r\n")
	}
	if body != "" || method == "POST" || method == "PUT" || method == "PATCH" {
		if ctype == "" && body != "" {
			ctype = "application/json"
		}
		if ctype != "" {
			b.WriteString("Content-Type: " + ctype + "\r\n")
		}
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("Connection: close\r\n\r\n")
	go func() {
		// Written while the answer is read, so a server that answers before
		// reading a large body does not deadlock the test.
		_, _ = io.WriteString(conn, b.String())
		_, _ = io.WriteString(conn, body)
	}()
	res, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, out, err
}

// errorBody checks that b is exactly the v1 error body and returns it.
func errorBody(b []byte) (*signpost.Error, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, fmt.Errorf("not a JSON object: %q", clip(b))
	}
	raw, ok := top["error"]
	if !ok {
		return nil, fmt.Errorf("no error member: %q", clip(b))
	}
	for k := range top {
		if k != "error" && k != "directives" && k != "results" {
			return nil, fmt.Errorf("unexpected member %q: %q", k, clip(b))
		}
	}
	var inner map[string]json.RawMessage
	if err := json.Unmarshal(raw, &inner); err != nil {
		return nil, fmt.Errorf("error is not an object: %q", clip(b))
	}
	for k := range inner {
		if k != "kind" && k != "message" && k != "field" {
			return nil, fmt.Errorf("unexpected error member %q: %q", k, clip(b))
		}
	}
	var e signpost.Error
	if err := json.Unmarshal(raw, &e); err != nil || e.Kind == "" || e.Message == "" {
		return nil, fmt.Errorf("error without kind or message: %q", clip(b))
	}
	return &e, nil
}

func clip(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

// fieldMatches applies a row's field expectation.
func fieldMatches(want, got string) bool {
	switch {
	case want == "*":
		return true
	case strings.HasPrefix(want, "~"):
		// A path such as mutations[0].at or mutations.at ends in at.
		parts := strings.FieldsFunc(got, func(r rune) bool { return r == '.' || r == '[' || r == ']' })
		return len(parts) > 0 && parts[len(parts)-1] == want[1:]
	}
	return want == got
}

func methodSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			m[p] = true
		}
	}
	return m
}

// run sends a row and checks its answer; it returns the reasons it fails.
func (h *hostileEnv) run(t *testing.T, row hostile) []string {
	t.Helper()
	// Each row gets a fresh security code: a code is good for one sign-in.
	h.clock.Add(30 * time.Second)
	tok, dev := h.device(t, row.as)
	id1 := uuid.Must(uuid.NewV7()).String()
	now := h.clock.Now()
	today := signpost.Today(now)
	times := strings.NewReplacer(
		"{now}", now.UTC().Format(time.RFC3339Nano),
		"{now+1h}", now.Add(time.Hour).UTC().Format(time.RFC3339Nano),
		"{now+1d}", now.Add(24*time.Hour).UTC().Format(time.RFC3339Nano),
		"{yesterday}", today.AddDate(0, 0, -1).Format(signpost.DateLayout),
		"{today}", today.Format(signpost.DateLayout),
		"{tomorrow}", today.AddDate(0, 0, 1).Format(signpost.DateLayout),
		"{review}", today.AddDate(0, 6, 0).Format(signpost.DateLayout),
		"{in2y}", today.AddDate(2, 0, 0).Format(signpost.DateLayout))
	fill := func(s string) string {
		s = strings.ReplaceAll(s, "{dev}", dev)
		s = strings.ReplaceAll(s, "{id1}", id1)
		if strings.Contains(s, "{otp}") {
			s = strings.ReplaceAll(s, "{otp}", code(t, now))
		}
		return times.Replace(s)
	}
	var header []string
	if tok != "" {
		header = append(header, "Authorization: Bearer "+tok)
	}
	for _, l := range row.header {
		header = append(header, strings.ReplaceAll(l, "{token}", h.tokens["nurse"]))
	}
	path := fill(row.path)
	for _, b := range row.before {
		if _, _, _, err := h.send(row.method, path, header, row.ctype, fill(b)); err != nil {
			return []string{"sending the request before: " + err.Error()}
		}
	}
	status, hdr, body, err := h.send(row.method, path, header, row.ctype, fill(row.body))
	if err != nil {
		return []string{"no answer: " + err.Error()}
	}
	var bad []string
	failf := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }
	if row.status == 0 && (status < 400 || status > 499) {
		failf("status %d, want a 4xx: %s", status, clip(body))
	} else if row.status != 0 && status != row.status {
		failf("status %d, want %d: %s", status, row.status, clip(body))
	}
	head := row.method == "HEAD"
	switch {
	case status >= 400 && !head:
		if ct := hdr.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			failf("error answer with Content-Type %q, want JSON: %s", ct, clip(body))
		}
		de, err := errorBody(body)
		if err != nil {
			failf("%v", err)
			break
		}
		if row.kind != "" && string(de.Kind) != row.kind {
			failf("kind %q, want %q: %s", de.Kind, row.kind, clip(body))
		}
		if !fieldMatches(row.field, de.Field) {
			failf("field %q, want %q: %s", de.Field, row.field, clip(body))
		}
	case status >= 200 && status < 300 && !head && len(body) > 0:
		if !json.Valid(body) {
			failf("answer is not JSON: %s", clip(body))
		}
	case status >= 300 && status < 400:
		failf("a redirect (%d to %q): the v1 API never redirects", status, hdr.Get("Location"))
	}
	if row.allow != "" {
		got := methodSet(hdr.Get("Allow"))
		for m := range methodSet(row.allow) {
			if !got[m] {
				failf("Allow %q does not list %s", hdr.Get("Allow"), m)
			}
		}
		if got[row.method] {
			failf("Allow %q lists the refused method %s", hdr.Get("Allow"), row.method)
		}
	}
	if row.retry {
		if n, err := strconv.Atoi(hdr.Get("Retry-After")); err != nil || n <= 0 {
			failf("Retry-After %q, want a number of seconds", hdr.Get("Retry-After"))
		}
	}
	if row.results != nil && status == 200 {
		var p signpost.PushResponse
		if err := json.Unmarshal(body, &p); err != nil {
			failf("push answer %s: %v", clip(body), err)
		} else if len(p.Results) != len(row.results) {
			failf("%d results, want %d: %s", len(p.Results), len(row.results), clip(body))
		} else {
			for i, r := range p.Results {
				if r.Status != row.results[i] {
					failf("mutation %d: %s (%s), want %s", i, r.Status, r.Reason, row.results[i])
				}
				if r.Status == signpost.ResultRejected && (strings.TrimSpace(r.Reason) == "" || !strings.Contains(r.Reason, row.reasonHas)) {
					failf("mutation %d rejected with reason %q, want one that says %q", i, r.Reason, row.reasonHas)
				}
			}
		}
	}
	if row.noLeak {
		if l := leaks(body); len(l) > 0 {
			failf("the answer leaks %v", l)
		}
	}
	// The server is still whole.
	if st, _, b, err := h.send("GET", "/healthz", nil, "", ""); err != nil || st != 200 {
		failf("after the row /healthz answers %d %s %v", st, clip(b), err)
	}
	q := `{"family_name":"Fixture","date_of_birth":"2015-03-14"}`
	st, _, b, err := h.send("POST", "/v1/search", []string{"Authorization: Bearer " + h.tokens["nurse"]}, "", q)
	var s signpost.SearchResponse
	if err != nil || st != 200 || json.Unmarshal(b, &s) != nil || len(s.Matches) == 0 || s.Matches[0].SignpostID != h.jamie {
		failf("after the row a normal search answers %d %s %v", st, clip(b), err)
	}
	return bad
}

// summarise runs rows as subtests and logs the failures grouped by needs.
func summarise(t *testing.T, rows []hostile, run func(*testing.T, hostile) []string) {
	t.Helper()
	seen := map[string]bool{}
	total := map[string]int{}
	failed := map[string][]string{}
	for _, row := range rows {
		if seen[row.name] {
			t.Fatalf("two rows are named %q", row.name)
		}
		seen[row.name] = true
		if row.needs == "" {
			t.Fatalf("row %q does not say what it needs", row.name)
		}
		total[row.needs]++
		ok := t.Run(row.name, func(t *testing.T) {
			for _, b := range run(t, row) {
				t.Errorf("[needs %s] %s", row.needs, b)
			}
		})
		if !ok {
			failed[row.needs] = append(failed[row.needs], row.name)
		}
	}
	var needs []string
	for n := range total {
		needs = append(needs, n)
	}
	sort.Slice(needs, func(i, j int) bool { return needsOrder(needs[i]) < needsOrder(needs[j]) })
	var sb strings.Builder
	n := 0
	for _, k := range needs {
		n += len(failed[k])
		fmt.Fprintf(&sb, "\n  needs %-9s %3d of %3d fail", k, len(failed[k]), total[k])
		for _, name := range failed[k] {
			fmt.Fprintf(&sb, "\n      %s", name)
		}
	}
	t.Logf("summary: %d rows, %d fail%s", len(rows), n, sb.String())
}

// needsOrder sorts "item 2" before "item 11", then v1 and proposed.
func needsOrder(s string) string {
	if n, err := strconv.Atoi(strings.TrimPrefix(s, "item ")); err == nil {
		return fmt.Sprintf("0 %03d", n)
	}
	return "1 " + s
}

// mutationsJSON encodes a push body.
func mutationsJSON(ms ...map[string]any) string {
	b, _ := json.Marshal(map[string]any{"mutations": ms})
	return string(b)
}

func TestHostileRequestCatalogue(t *testing.T) {
	h := newHostileEnv(t)
	rows := hostileRows(h)
	if len(rows) < 150 {
		t.Fatalf("the catalogue has %d rows; the issue asks for at least 150 kinds", len(rows))
	}
	summarise(t, rows, h.run)
}

func hostileRows(h *hostileEnv) []hostile {
	// Times are filled in when a row runs (the clock moves on with every
	// sign-in): {now}, {now+1h}, {now+1d}, {yesterday}, {today}, {tomorrow},
	// {review} (six months on), {in2y}.

	jamie, riley, sam, samMcr, unknown := h.jamie, h.riley, h.sam, h.samMcr, h.unknown
	long := func(r string, n int) string { return strings.Repeat(r, n) }
	jstr := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	obj := func(kv ...string) string {
		var b strings.Builder
		b.WriteString("{")
		for i := 0; i+1 < len(kv); i += 2 {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(jstr(kv[i]) + ":" + kv[i+1])
		}
		b.WriteString("}")
		return b.String()
	}
	search := func(kv ...string) string {
		return obj(append([]string{"family_name", `"Fixture"`, "date_of_birth", `"2015-03-14"`}, kv...)...)
	}
	overMiB := func(field string) string { // exactly MaxBody + 1 bytes
		head := `{"` + field + `":"`
		return head + long("a", directory.MaxBody+1-len(head)-2) + `"}`
	}
	nested := `{"family_name":` + long("[", 20000) + long("]", 20000) + `}`
	session := func(kv ...string) string {
		base := map[string]string{"username": `"nurse"`, "password": jstr(demo.Password), "otp": `"{otp}"`,
			"device_id": `"` + uuid.NewString() + `"`, "device_name": `"Laptop"`}
		for i := 0; i+1 < len(kv); i += 2 {
			base[kv[i]] = kv[i+1]
		}
		var out []string
		for _, k := range []string{"username", "password", "otp", "device_id", "device_name"} {
			if v, ok := base[k]; ok && v != "" {
				out = append(out, k, v)
			}
		}
		return obj(out...)
	}
	// m makes a mutation: kind, child, then extra key/value pairs.
	m := func(kind, child string, kv ...any) map[string]any {
		mu := map[string]any{"id": uuid.Must(uuid.NewV7()).String(), "kind": kind, "at": "{now}"}
		if child != "" {
			mu["child_id"] = child
		}
		for i := 0; i+1 < len(kv); i += 2 {
			mu[kv[i].(string)] = kv[i+1]
		}
		return mu
	}
	start := func() map[string]any {
		return m(signpost.MutStartInvolvement, jamie, "on", "2024-01-10", "role", "Health visitor")
	}
	identity := func(kv ...string) map[string]any {
		id := map[string]any{"given_name": "Jamie", "family_name": "Fixture", "date_of_birth": "2015-03-14", "postcode": "LS1 4AP"}
		for i := 0; i+1 < len(kv); i += 2 {
			id[kv[i]] = kv[i+1]
		}
		return id
	}
	view := func(kv ...any) map[string]any {
		return m(signpost.MutView, jamie, append([]any{"reason", "home visit"}, kv...)...)
	}
	rej, app, dup := signpost.ResultRejected, signpost.ResultApplied, signpost.ResultDuplicate
	push := func(name, needs string, want []string, ms ...map[string]any) hostile {
		return hostile{name: name, needs: needs, as: "pusher", method: "POST", path: "/v1/sync/push", body: mutationsJSON(ms...), status: 200, results: want}
	}
	q := url.QueryEscape

	rows := []hostile{
		// /healthz
		{name: "healthz with a garbage token", needs: "v1", method: "GET", path: "/healthz", header: []string{"Authorization: Bearer garbage"}, status: 200},
		{name: "healthz with a 100 KB query", needs: "v1", method: "GET", path: "/healthz?x=" + long("a", 100<<10), status: 200},
		{name: "healthz with a body", needs: "v1", method: "GET", path: "/healthz", body: `{"x":1}`, status: 200},

		// /v1/session: bodies and types
		{name: "session empty body", needs: "v1", method: "POST", path: "/v1/session", body: ``, status: 400, kind: "invalid", field: "body"},
		{name: "session null", needs: "v1", method: "POST", path: "/v1/session", body: `null`, status: 400, kind: "invalid", field: "username"},
		{name: "session array", needs: "v1", method: "POST", path: "/v1/session", body: `[]`, status: 400, kind: "invalid", field: "body"},
		{name: "session two objects", needs: "v1", method: "POST", path: "/v1/session", body: session() + session(), status: 400, kind: "invalid", field: "body"},
		{name: "session truncated", needs: "v1", method: "POST", path: "/v1/session", body: `{"username":"nur`, status: 400, kind: "invalid", field: "body"},
		{name: "session deeply nested", needs: "v1", method: "POST", path: "/v1/session", body: strings.Replace(nested, "family_name", "username", 1), status: 400, kind: "invalid", field: "body"},
		{name: "session over 1 MiB", needs: "v1", method: "POST", path: "/v1/session", body: overMiB("username"), status: 413, kind: "too_large", field: "body"},
		{name: "session username a number", needs: "v1", method: "POST", path: "/v1/session", body: session("username", "1"), status: 400, kind: "invalid", field: "username"},
		{name: "session password an object", needs: "v1", method: "POST", path: "/v1/session", body: session("password", "{}"), status: 400, kind: "invalid", field: "password"},
		{name: "session unknown field", needs: "v1", method: "POST", path: "/v1/session", body: `{"user":"nurse"}`, status: 400, kind: "invalid", field: "user"},
		{name: "session prototype key", needs: "v1", method: "POST", path: "/v1/session", body: `{"__proto__":{"role":"itadmin"}}`, status: 400, kind: "invalid", field: "__proto__"},
		{name: "session form-encoded", needs: "v1", method: "POST", path: "/v1/session", ctype: "application/x-www-form-urlencoded", body: "username=nurse&password=x", status: 400, kind: "invalid", field: "body"},
		{name: "session missing password", needs: "v1", method: "POST", path: "/v1/session", body: session("password", ""), status: 400, kind: "invalid", field: "password"},
		{name: "session device id not a UUID", needs: "v1", method: "POST", path: "/v1/session", body: session("device_id", `"laptop"`), status: 400, kind: "invalid", field: "device_id"},
		{name: "session device id SQL", needs: "v1", method: "POST", path: "/v1/session", body: session("device_id", `"' OR 1=1 --"`), status: 400, kind: "invalid", field: "device_id"},
		{name: "session username SQL", needs: "v1", method: "POST", path: "/v1/session", body: session("username", `"nurse' OR '1'='1"`), status: 401, kind: "unauthorized"},
		{name: "session username homoglyph", needs: "v1", method: "POST", path: "/v1/session", body: session("username", `"nurѕe"`), status: 401, kind: "unauthorized"},
		{name: "session username zero-width", needs: "v1", method: "POST", path: "/v1/session", body: session("username", `"nu\u200brse"`), status: 401, kind: "unauthorized"},
		{name: "session username bidi override", needs: "v1", method: "POST", path: "/v1/session", body: session("username", `"\u202enurse"`), status: 401, kind: "unauthorized"},
		{name: "session username invalid UTF-8", needs: "v1", method: "POST", path: "/v1/session", body: strings.Replace(session(), `"nurse"`, "\"nurse\xff\xfe\"", 1), status: 401, kind: "unauthorized"},
		{name: "session otp of 1000 characters", needs: "item 14", method: "POST", path: "/v1/session", body: session("username", `"ghost-otp"`, "otp", jstr(long("1", 1000))), status: 400, kind: "invalid", field: "otp"},
		{name: "session username 101 characters", needs: "item 11", method: "POST", path: "/v1/session", body: session("username", jstr(long("n", 101))), status: 400, kind: "invalid", field: "username"},
		{name: "session username 100 two-byte characters", needs: "item 11", method: "POST", path: "/v1/session", body: session("username", jstr(long("é", 100))), status: 401, kind: "unauthorized"},
		{name: "session username with NUL", needs: "item 11", method: "POST", path: "/v1/session", body: session("username", `"nur\u0000se"`), status: 400, kind: "invalid", field: "username"},
		{name: "session username with newline", needs: "item 11", method: "POST", path: "/v1/session", body: session("username", `"nurse\nadmin"`), status: 400, kind: "invalid", field: "username"},
		{name: "session password over 1024", needs: "item 14", method: "POST", path: "/v1/session", body: session("username", `"ghost-pw"`, "password", jstr(long("p", 1025))), status: 400, kind: "invalid", field: "password"},
		{name: "session device name 101 characters", needs: "item 14", method: "POST", path: "/v1/session", body: session("username", `"ghost-dn"`, "device_name", jstr(long("d", 101))), status: 400, kind: "invalid", field: "device_name"},
		{name: "session device name with ESC", needs: "item 11", method: "POST", path: "/v1/session", body: session("username", "\"wiper\"", "device_name", `"Laptop\u001b[2J"`), status: 400, kind: "invalid", field: "device_name"},
		{name: "session device name with tab", needs: "item 11", method: "POST", path: "/v1/session", body: session("username", "\"wiper\"", "device_name", `"Lap\ttop"`), status: 400, kind: "invalid", field: "device_name"},
		{name: "session device name 100 two-byte characters", needs: "item 11", method: "POST", path: "/v1/session", body: session("username", "\"wiper\"", "device_name", jstr(long("é", 100))), status: 200},
		{name: "session unknown user 429 has Retry-After", needs: "item 8", method: "POST", path: "/v1/session",
			before: []string{session("username", `"ghost-429"`), session("username", `"ghost-429"`), session("username", `"ghost-429"`), session("username", `"ghost-429"`), session("username", `"ghost-429"`)},
			body:   session("username", `"ghost-429"`), status: 429, kind: "rate_limited", retry: true},
		{name: "session known user 429 has Retry-After", needs: "item 8", method: "POST", path: "/v1/session",
			before: []string{session("username", `"manager"`, "password", `"w1"`), session("username", `"manager"`, "password", `"w2"`), session("username", `"manager"`, "password", `"w3"`),
				session("username", `"manager"`, "password", `"w4"`), session("username", `"manager"`, "password", `"w5"`)},
			body: session("username", `"manager"`), status: 429, kind: "rate_limited", retry: true},

		// Authorization headers
		{name: "search without a token", needs: "v1", method: "POST", path: "/v1/search", body: search(), status: 401, kind: "unauthorized"},
		{name: "search with a garbage token", needs: "v1", method: "POST", path: "/v1/search", header: []string{"Authorization: Bearer garbage"}, body: search(), status: 401, kind: "unauthorized"},
		{name: "search with Basic credentials", needs: "v1", method: "POST", path: "/v1/search", header: []string{"Authorization: Basic bnVyc2U6ZGVtbw=="}, body: search(), status: 401, kind: "unauthorized"},
		{name: "search with an empty bearer", needs: "v1", method: "POST", path: "/v1/search", header: []string{"Authorization: Bearer "}, body: search(), status: 401, kind: "unauthorized"},
		{name: "search with a token and no scheme", needs: "v1", method: "POST", path: "/v1/search", header: []string{"Authorization: {token}"}, body: search(), status: 401, kind: "unauthorized"},
		{name: "search with a 500 KB token", needs: "v1", method: "POST", path: "/v1/search", header: []string{"Authorization: Bearer " + long("A", 500<<10)}, body: search(), status: 401, kind: "unauthorized"},
		{name: "search with two garbage tokens", needs: "v1", method: "POST", path: "/v1/search", header: []string{"Authorization: Bearer one", "Authorization: Bearer two"}, body: search(), status: 401, kind: "unauthorized"},
		{name: "search with garbage then a good token", needs: "v1", method: "POST", path: "/v1/search", header: []string{"Authorization: Bearer garbage", "Authorization: Bearer {token}"}, body: search(), status: 401, kind: "unauthorized"},
		{name: "search with a good token then garbage", needs: "hardening", method: "POST", path: "/v1/search", header: []string{"Authorization: Bearer {token}", "Authorization: Bearer garbage"}, body: search(), status: 401, kind: "unauthorized"},
		{name: "search with a 500 KB header", needs: "v1", as: "nurse", method: "POST", path: "/v1/search", header: []string{"X-Junk: " + long("j", 500<<10)}, body: search(), status: 200},
		{name: "search as text/plain", needs: "v1", as: "nurse", method: "POST", path: "/v1/search", ctype: "text/plain", body: search(), status: 200},

		// /v1/search: bodies and types
		{name: "search empty body", needs: "v1", as: "nurse", method: "POST", path: "/v1/search", body: ``, status: 400, kind: "invalid", field: "body"},
		{name: "search not JSON", needs: "v1", as: "nurse", method: "POST", path: "/v1/search", body: `family=Smith`, status: 400, kind: "invalid", field: "body"},
		{name: "search array", needs: "v1", as: "nurse", method: "POST", path: "/v1/search", body: `[` + search() + `]`, status: 400, kind: "invalid", field: "body"},
		{name: "search two objects", needs: "v1", as: "nurse", method: "POST", path: "/v1/search", body: search() + search(), status: 400, kind: "invalid", field: "body"},
		{name: "search object then garbage", needs: "v1", as: "nurse", method: "POST", path: "/v1/search", body: search() + `x`, status: 400, kind: "invalid", field: "body"},
		{name: "search deeply nested", needs: "v1", as: "nurse", method: "POST", path: "/v1/search", body: nested, status: 400, kind: "invalid", field: "body"},
		{name: "search over 1 MiB", needs: "v1", as: "nurse", method: "POST", path: "/v1/search", body: overMiB("family_name"), status: 413, kind: "too_large", field: "body"},
		{name: "search null", needs: "v1", as: "nurse", method: "POST", path: "/v1/search", body: `null`, status: 400, kind: "invalid", field: "family_name"},
		{name: "search family name a number", needs: "v1", as: "nurse", method: "POST", path: "/v1/search", body: `{"family_name":42,"date_of_birth":"2015-03-14"}`, status: 400, kind: "invalid", field: "family_name"},
		{name: "search date of birth a boolean", needs: "v1", as: "nurse", method: "POST", path: "/v1/search", body: `{"family_name":"Fixture","date_of_birth":true}`, status: 400, kind: "invalid", field: "date_of_birth"},
		{name: "search reason an array", needs: "v1", as: "nurse", method: "POST", path: "/v1/search", body: search("reason", `["a"]`), status: 400, kind: "invalid", field: "reason"},
		{name: "search given name an object", needs: "v1", as: "nurse", method: "POST", path: "/v1/search", body: search("given_name", `{}`), status: 400, kind: "invalid", field: "given_name"},
		{name: "search unknown field", needs: "v1", as: "nurse", method: "POST", path: "/v1/search", body: search("surname", `"Smith"`), status: 400, kind: "invalid", field: "surname"},
		{name: "search JSON injection in a name", needs: "v1", as: "nurse", method: "POST", path: "/v1/search", body: `{"family_name":"Fixture\",\"date_of_birth\":\"2015-03-14"}`, status: 400, kind: "invalid", field: "date_of_birth"},
		{name: "search SQL in family name", needs: "v1", as: "nurse", method: "POST", path: "/v1/search", body: `{"family_name":"Fixture' OR '1'='1","date_of_birth":"2015-03-14"}`, status: 200},
		{name: "search SQL drop table", needs: "v1", as: "nurse", method: "POST", path: "/v1/search", body: `{"family_name":"x'; DROP TABLE children; --","date_of_birth":"2015-03-14"}`, status: 200},
		{name: "search path in signpost id", needs: "v1", as: "nurse", method: "POST", path: "/v1/search", body: `{"signpost_id":"../../etc/passwd"}`, status: 400, kind: "invalid", field: "signpost_id"},
		{name: "search SQL in NHS number", needs: "v1", as: "nurse", method: "POST", path: "/v1/search", body: `{"nhs_number":"9434765919' OR 1=1"}`, status: 400, kind: "invalid", field: "nhs_number"},
		{name: "search postcode with newline", needs: "hardening", as: "nurse", method: "POST", path: "/v1/search", body: `{"given_name":"Jamie","family_name":"Fixture","postcode":"LS1\n4AP"}`, status: 400, kind: "invalid", field: "postcode"},
		{name: "search date 0001-01-01", needs: "v1", as: "nurse", method: "POST", path: "/v1/search", body: `{"family_name":"Fixture","date_of_birth":"0001-01-01"}`, status: 400, kind: "invalid", field: "date_of_birth"},
		{name: "search date 9999-12-31", needs: "v1", as: "nurse", method: "POST", path: "/v1/search", body: `{"family_name":"Fixture","date_of_birth":"9999-12-31"}`, status: 400, kind: "invalid", field: "date_of_birth"},
		{name: "search date 29 February of 2015", needs: "v1", as: "nurse", method: "POST", path: "/v1/search", body: `{"family_name":"Fixture","date_of_birth":"2015-02-29"}`, status: 400, kind: "invalid", field: "date_of_birth"},
		{name: "search date with a time", needs: "v1", as: "nurse", method: "POST", path: "/v1/search", body: `{"family_name":"Fixture","date_of_birth":"2015-03-14T00:00:00Z"}`, status: 400, kind: "invalid", field: "date_of_birth"},
		{name: "search date with unicode digits", needs: "v1", as: "nurse", method: "POST", path: "/v1/search", body: `{"family_name":"Fixture","date_of_birth":"２０１５-03-14"}`, status: 400, kind: "invalid", field: "date_of_birth"},
		{name: "search gender with NUL", needs: "v1", as: "nurse", method: "POST", path: "/v1/search", body: search("gender", `"male\u0000"`), status: 400, kind: "invalid", field: "gender"},
		{name: "search name of bidi marks only", needs: "v1", as: "nurse", method: "POST", path: "/v1/search", body: `{"family_name":"\u202e\u202d","date_of_birth":"2015-03-14"}`, status: 400, kind: "invalid", field: "family_name"},
		{name: "search name with zero-width space", needs: "v1", as: "nurse", method: "POST", path: "/v1/search", body: `{"family_name":"Fix\u200bture","date_of_birth":"2015-03-14"}`, status: 200},
		{name: "search name with homoglyph", needs: "v1", as: "nurse", method: "POST", path: "/v1/search", body: `{"family_name":"Fіxture","date_of_birth":"2015-03-14"}`, status: 200},
		{name: "search name with invalid UTF-8", needs: "v1", as: "nurse", method: "POST", path: "/v1/search", body: "{\"family_name\":\"Fixture\xff\",\"date_of_birth\":\"2015-03-14\"}", status: 200},
		{name: "search family name 101 characters", needs: "item 11", as: "nurse", method: "POST", path: "/v1/search", body: `{"family_name":"` + long("a", 101) + `","date_of_birth":"2015-03-14"}`, status: 400, kind: "invalid", field: "family_name"},
		{name: "search family name 100 two-byte characters", needs: "item 11", as: "nurse", method: "POST", path: "/v1/search", body: `{"family_name":"` + long("é", 100) + `","date_of_birth":"2015-03-14"}`, status: 200},
		{name: "search given name 101 characters", needs: "item 11", as: "nurse", method: "POST", path: "/v1/search", body: search("given_name", jstr(long("b", 101))), status: 400, kind: "invalid", field: "given_name"},
		{name: "search family name with NUL", needs: "item 11", as: "nurse", method: "POST", path: "/v1/search", body: `{"family_name":"Fix\u0000ture","date_of_birth":"2015-03-14"}`, status: 400, kind: "invalid", field: "family_name"},
		{name: "search family name with newline", needs: "item 11", as: "nurse", method: "POST", path: "/v1/search", body: `{"family_name":"Fixture\nSmith","date_of_birth":"2015-03-14"}`, status: 400, kind: "invalid", field: "family_name"},
		{name: "search given name with ESC", needs: "item 11", as: "nurse", method: "POST", path: "/v1/search", body: search("given_name", `"Jam\u001bie"`), status: 400, kind: "invalid", field: "given_name"},
		{name: "search reason 501 characters", needs: "item 11", as: "nurse", method: "POST", path: "/v1/search", body: search("reason", jstr(long("r", 501))), status: 400, kind: "invalid", field: "reason"},
		{name: "search reason 500 two-byte characters", needs: "item 11", as: "nurse", method: "POST", path: "/v1/search", body: search("reason", jstr(long("é", 500))), status: 200},
		{name: "search reason of 1 MB", needs: "item 11", as: "nurse", method: "POST", path: "/v1/search", body: search("reason", jstr(long("r", 1000000))), status: 400, kind: "invalid", field: "reason"},
		{name: "search reason with newline", needs: "item 13", as: "nurse", method: "POST", path: "/v1/search", body: search("reason", `"referral\nforged audit line"`), status: 400, kind: "invalid", field: "reason"},
		{name: "search reason with tab", needs: "item 13", as: "nurse", method: "POST", path: "/v1/search", body: search("reason", `"referral\tx"`), status: 400, kind: "invalid", field: "reason"},
		{name: "search reason with ESC", needs: "item 13", as: "nurse", method: "POST", path: "/v1/search", body: search("reason", `"referral\u001b[31m"`), status: 400, kind: "invalid", field: "reason"},
		{name: "search reason with NUL", needs: "item 13", as: "nurse", method: "POST", path: "/v1/search", body: search("reason", `"referral\u0000"`), status: 400, kind: "invalid", field: "reason"},
		{name: "search reason with C1 control", needs: "item 13", as: "nurse", method: "POST", path: "/v1/search", body: search("reason", `"referral\u0085"`), status: 400, kind: "invalid", field: "reason"},
		{name: "search reason a zero-width space", needs: "item 13", as: "nurse", method: "POST", path: "/v1/search", body: search("reason", `"\u200b"`), status: 400, kind: "invalid", field: "reason"},
		{name: "search reason a full stop", needs: "item 13", as: "nurse", method: "POST", path: "/v1/search", body: search("reason", `"."`), status: 400, kind: "invalid", field: "reason"},
		{name: "search reason one letter", needs: "item 13", as: "nurse", method: "POST", path: "/v1/search", body: search("reason", `"x"`), status: 400, kind: "invalid", field: "reason"},
		{name: "search reason with a bidi override", needs: "item 13", as: "nurse", method: "POST", path: "/v1/search", body: search("reason", `"\u202eschool asked"`), status: 200},

		// /v1/children/{id}
		{name: "child bad check digit", needs: "v1", as: "nurse", method: "GET", path: "/v1/children/" + badCheckDigit(jamie), status: 400, kind: "invalid", field: "id"},
		{name: "child lowercase id", needs: "v1", as: "nurse", method: "GET", path: "/v1/children/" + strings.ToLower(jamie), status: 200},
		{name: "child id of 10^8", needs: "v1", as: "nurse", method: "GET", path: "/v1/children/SP1000000000", status: 400, kind: "invalid", field: "id"},
		{name: "child negative id", needs: "v1", as: "nurse", method: "GET", path: "/v1/children/-1", status: 400, kind: "invalid", field: "id"},
		{name: "child huge id", needs: "v1", as: "nurse", method: "GET", path: "/v1/children/SP" + long("9", 10000), status: 400, kind: "invalid", field: "id"},
		{name: "child fullwidth digits", needs: "v1", as: "nurse", method: "GET", path: "/v1/children/SP" + q("０００００００１") + "8", status: 400, kind: "invalid", field: "id"},
		{name: "child Arabic-Indic digits", needs: "v1", as: "nurse", method: "GET", path: "/v1/children/SP" + q("٠٠٠٠٠٠٠١٨"), status: 400, kind: "invalid", field: "id"},
		{name: "child SQL id", needs: "v1", as: "nurse", method: "GET", path: "/v1/children/SP1'%20OR%201=1", status: 400, kind: "invalid", field: "id"},
		{name: "child NUL id", needs: "v1", as: "nurse", method: "GET", path: "/v1/children/%00", status: 400, kind: "invalid", field: "id"},
		{name: "child id with hyphens", needs: "v1", as: "nurse", method: "GET", path: "/v1/children/SP-" + jamie[2:6] + "-" + jamie[6:], status: 200},
		{name: "child id with encoded newline", needs: "hardening", as: "nurse", method: "GET", path: "/v1/children/" + jamie + "%0A", status: 400, kind: "invalid", field: "id"},
		{name: "child unknown", needs: "v1", as: "nurse", method: "GET", path: "/v1/children/" + unknown + "?reason=checking+a+referral", status: 404, kind: "not_found"},
		{name: "child shielded to a practitioner", needs: "v1", as: "nurse", method: "GET", path: "/v1/children/" + riley, status: 200, noLeak: true},
		{name: "child as IT admin", needs: "v1", as: "itadmin", method: "GET", path: "/v1/children/" + jamie + "?reason=curious+admin", status: 403, kind: "forbidden", noLeak: true},
		{name: "child many query keys", needs: "v1", as: "nurse", method: "GET", path: "/v1/children/" + jamie + "?" + strings.TrimSuffix(long("x=1&", 1000), "&"), status: 200},
		{name: "child reason 100 KB", needs: "v1", as: "social", method: "GET", path: "/v1/children/" + jamie + "?reason=" + long("r", 100<<10), status: 400, kind: "invalid", field: "reason"},
		{name: "child reason 501 characters", needs: "item 11", as: "social", method: "GET", path: "/v1/children/" + jamie + "?reason=" + long("r", 501), status: 400, kind: "invalid", field: "reason"},
		{name: "child reason 500 two-byte characters", needs: "item 11", as: "social", method: "GET", path: "/v1/children/" + jamie + "?reason=" + q(long("é", 500)), status: 200},
		{name: "child reason invalid UTF-8", needs: "item 11", as: "social", method: "GET", path: "/v1/children/" + jamie + "?reason=school%FF%FEasked", status: 400, kind: "invalid", field: "reason"},
		{name: "child reason with newline", needs: "item 13", as: "social", method: "GET", path: "/v1/children/" + jamie + "?reason=school%0D%0ASet-Cookie:%20x", status: 400, kind: "invalid", field: "reason"},
		{name: "child reason with NUL", needs: "item 13", as: "social", method: "GET", path: "/v1/children/" + jamie + "?reason=school%00asked", status: 400, kind: "invalid", field: "reason"},
		{name: "child reason with ESC", needs: "item 13", as: "social", method: "GET", path: "/v1/children/" + jamie + "?reason=school%1B%5B2J", status: 400, kind: "invalid", field: "reason"},
		{name: "child reason with C1 control", needs: "item 13", as: "social", method: "GET", path: "/v1/children/" + jamie + "?reason=school%C2%85asked", status: 400, kind: "invalid", field: "reason"},
		{name: "child reason a zero-width space", needs: "item 13", as: "social", method: "GET", path: "/v1/children/" + jamie + "?reason=%E2%80%8B", status: 400, kind: "invalid", field: "reason"},
		{name: "child reason one letter", needs: "item 13", as: "social", method: "GET", path: "/v1/children/" + jamie + "?reason=x", status: 400, kind: "invalid", field: "reason"},
		{name: "child reason given twice", needs: "hardening", as: "social", method: "GET", path: "/v1/children/" + jamie + "?reason=school+asked&reason=curious", status: 400, kind: "invalid", field: "reason"},

		// break-glass
		{name: "break-glass empty reason", needs: "v1", as: "social", method: "POST", path: "/v1/children/" + riley + "/break-glass", body: `{"reason":""}`, status: 400, kind: "invalid", field: "reason", noLeak: true},
		{name: "break-glass reason a number", needs: "v1", as: "social", method: "POST", path: "/v1/children/" + riley + "/break-glass", body: `{"reason":7}`, status: 400, kind: "invalid", field: "reason", noLeak: true},
		{name: "break-glass empty body", needs: "v1", as: "social", method: "POST", path: "/v1/children/" + riley + "/break-glass", body: ``, status: 400, kind: "invalid", field: "body", noLeak: true},
		{name: "break-glass array body", needs: "v1", as: "social", method: "POST", path: "/v1/children/" + riley + "/break-glass", body: `[{"reason":"s47"}]`, status: 400, kind: "invalid", field: "body", noLeak: true},
		{name: "break-glass two objects", needs: "v1", as: "social", method: "POST", path: "/v1/children/" + riley + "/break-glass", body: `{"reason":"section 47"}{"reason":"again"}`, status: 400, kind: "invalid", field: "body", noLeak: true},
		{name: "break-glass over 1 MiB", needs: "v1", as: "social", method: "POST", path: "/v1/children/" + riley + "/break-glass", body: overMiB("reason"), status: 413, kind: "too_large", field: "body", noLeak: true},
		{name: "break-glass unknown field", needs: "v1", as: "social", method: "POST", path: "/v1/children/" + riley + "/break-glass", body: `{"reason":"section 47","full":true}`, status: 400, kind: "invalid", field: "full", noLeak: true},
		{name: "break-glass bad id", needs: "v1", as: "social", method: "POST", path: "/v1/children/SP000000000X/break-glass", body: `{"reason":"section 47"}`, status: 400, kind: "invalid", field: "id"},
		{name: "break-glass unknown child", needs: "v1", as: "social", method: "POST", path: "/v1/children/" + unknown + "/break-glass", body: `{"reason":"section 47"}`, status: 404, kind: "not_found"},
		{name: "break-glass by a practitioner", needs: "v1", as: "nurse", method: "POST", path: "/v1/children/" + riley + "/break-glass", body: `{"reason":"curious"}`, status: 403, kind: "forbidden", noLeak: true},
		{name: "break-glass by IT admin", needs: "v1", as: "itadmin", method: "POST", path: "/v1/children/" + riley + "/break-glass", body: `{"reason":"curious"}`, status: 403, kind: "forbidden", noLeak: true},
		{name: "break-glass on an unshielded child", needs: "v1", as: "social", method: "POST", path: "/v1/children/" + jamie + "/break-glass", body: `{"reason":"section 47"}`, status: 409, kind: "conflict"},
		{name: "break-glass reason of 1 MB", needs: "v1", as: "social", method: "POST", path: "/v1/children/" + riley + "/break-glass", body: `{"reason":"` + long("r", 1000000) + `"}`, status: 400, kind: "invalid", field: "reason", noLeak: true},
		{name: "break-glass reason 501 characters", needs: "item 11", as: "social", method: "POST", path: "/v1/children/" + riley + "/break-glass", body: `{"reason":"` + long("r", 501) + `"}`, status: 400, kind: "invalid", field: "reason", noLeak: true},
		{name: "break-glass reason 500 two-byte characters", needs: "item 11", as: "social", method: "POST", path: "/v1/children/" + riley + "/break-glass", body: `{"reason":"` + long("é", 250) + " " + long("é", 249) + `"}`, status: 200}, // two words: a break-glass reason is a sentence
		{name: "break-glass reason with newline", needs: "item 13", as: "social", method: "POST", path: "/v1/children/" + riley + "/break-glass", body: `{"reason":"s47\nforged"}`, status: 400, kind: "invalid", field: "reason", noLeak: true},
		{name: "break-glass reason with NUL", needs: "item 13", as: "social", method: "POST", path: "/v1/children/" + riley + "/break-glass", body: `{"reason":"s47\u0000"}`, status: 400, kind: "invalid", field: "reason", noLeak: true},
		{name: "break-glass reason a zero-width space", needs: "item 13", as: "social", method: "POST", path: "/v1/children/" + riley + "/break-glass", body: `{"reason":"\u200b"}`, status: 400, kind: "invalid", field: "reason", noLeak: true},
		{name: "break-glass reason one letter", needs: "item 13", as: "social", method: "POST", path: "/v1/children/" + riley + "/break-glass", body: `{"reason":"x"}`, status: 400, kind: "invalid", field: "reason", noLeak: true},

		// shield
		{name: "shield empty reason", needs: "v1", as: "manager", method: "POST", path: "/v1/children/" + sam + "/shield", body: obj("reason", `""`, "review_date", `"{review}"`), status: 400, kind: "invalid", field: "reason"},
		{name: "shield impossible review date", needs: "v1", as: "manager", method: "POST", path: "/v1/children/" + sam + "/shield", body: obj("reason", `"fled abuse"`, "review_date", `"2030-02-30"`), status: 400, kind: "invalid", field: "review_date"},
		{name: "shield review date in the past", needs: "v1", as: "manager", method: "POST", path: "/v1/children/" + sam + "/shield", body: obj("reason", `"fled abuse"`, "review_date", `"{yesterday}"`), status: 400, kind: "invalid", field: "review_date"},
		{name: "shield review date today", needs: "v1", as: "manager", method: "POST", path: "/v1/children/" + sam + "/shield", body: obj("reason", `"fled abuse"`, "review_date", `"{today}"`), status: 400, kind: "invalid", field: "review_date"},
		{name: "shield review date in two years", needs: "v1", as: "manager", method: "POST", path: "/v1/children/" + sam + "/shield", body: obj("reason", `"fled abuse"`, "review_date", `"{in2y}"`), status: 400, kind: "invalid", field: "review_date"},
		{name: "shield review date 9999-12-31", needs: "v1", as: "manager", method: "POST", path: "/v1/children/" + sam + "/shield", body: obj("reason", `"fled abuse"`, "review_date", `"9999-12-31"`), status: 400, kind: "invalid", field: "review_date"},
		{name: "shield review date 0001-01-01", needs: "v1", as: "manager", method: "POST", path: "/v1/children/" + sam + "/shield", body: obj("reason", `"fled abuse"`, "review_date", `"0001-01-01"`), status: 400, kind: "invalid", field: "review_date"},
		{name: "shield review date a number", needs: "v1", as: "manager", method: "POST", path: "/v1/children/" + sam + "/shield", body: `{"reason":"fled abuse","review_date":20300101}`, status: 400, kind: "invalid", field: "review_date"},
		{name: "shield unknown field", needs: "v1", as: "manager", method: "POST", path: "/v1/children/" + sam + "/shield", body: obj("reason", `"fled abuse"`, "review_date", `"{review}"`, "shielded", "true"), status: 400, kind: "invalid", field: "shielded"},
		{name: "shield by a practitioner", needs: "v1", as: "nurse", method: "POST", path: "/v1/children/" + sam + "/shield", body: obj("reason", `"fled abuse"`, "review_date", `"{review}"`), status: 403, kind: "forbidden"},
		{name: "shield by child protection", needs: "v1", as: "social", method: "POST", path: "/v1/children/" + sam + "/shield", body: obj("reason", `"fled abuse"`, "review_date", `"{review}"`), status: 403, kind: "forbidden"},
		{name: "shield by IT admin", needs: "v1", as: "itadmin", method: "POST", path: "/v1/children/" + sam + "/shield", body: obj("reason", `"fled abuse"`, "review_date", `"{review}"`), status: 403, kind: "forbidden"},
		{name: "shield another authority's child", needs: "v1", as: "manager", method: "POST", path: "/v1/children/" + samMcr + "/shield", body: obj("reason", `"fled abuse"`, "review_date", `"{review}"`), status: 403, kind: "forbidden"},
		{name: "shield bad id", needs: "v1", as: "manager", method: "POST", path: "/v1/children/SP12/shield", body: obj("reason", `"fled abuse"`, "review_date", `"{review}"`), status: 400, kind: "invalid", field: "id"},
		{name: "shield reason 501 characters", needs: "item 11", as: "manager", method: "POST", path: "/v1/children/" + sam + "/shield", body: obj("reason", jstr(long("r", 501)), "review_date", `"{review}"`), status: 400, kind: "invalid", field: "reason"},
		{name: "shield reason with newline", needs: "item 13", as: "manager", method: "POST", path: "/v1/children/" + sam + "/shield", body: obj("reason", `"fled\nabuse"`, "review_date", `"{review}"`), status: 400, kind: "invalid", field: "reason"},
		{name: "shield reason with C1 control", needs: "item 13", as: "manager", method: "POST", path: "/v1/children/" + sam + "/shield", body: obj("reason", `"fled\u009babuse"`, "review_date", `"{review}"`), status: 400, kind: "invalid", field: "reason"},
		{name: "shield reason a zero-width space", needs: "item 13", as: "manager", method: "POST", path: "/v1/children/" + sam + "/shield", body: obj("reason", `"\u200b"`, "review_date", `"{review}"`), status: 400, kind: "invalid", field: "reason"},

		// unshield
		{name: "unshield by a practitioner", needs: "v1", as: "nurse", method: "DELETE", path: "/v1/children/" + riley + "/shield", status: 403, kind: "forbidden", noLeak: true},
		{name: "unshield by IT admin", needs: "v1", as: "itadmin", method: "DELETE", path: "/v1/children/" + riley + "/shield", status: 403, kind: "forbidden", noLeak: true},
		{name: "unshield another authority's child", needs: "v1", as: "manager", method: "DELETE", path: "/v1/children/" + samMcr + "/shield", status: 403, kind: "forbidden"},
		{name: "unshield bad id", needs: "v1", as: "manager", method: "DELETE", path: "/v1/children/SP%27%3B--/shield", status: 400, kind: "invalid", field: "id"},
		{name: "unshield reason 501 characters", needs: "item 11", as: "manager", method: "DELETE", path: "/v1/children/" + sam + "/shield?reason=" + long("r", 501), status: 400, kind: "invalid", field: "reason"},
		{name: "unshield reason with newline", needs: "item 13", as: "manager", method: "DELETE", path: "/v1/children/" + sam + "/shield?reason=review%0Adone", status: 400, kind: "invalid", field: "reason"},
		{name: "unshield reason invalid UTF-8", needs: "item 11", as: "manager", method: "DELETE", path: "/v1/children/" + sam + "/shield?reason=review%FFdone", status: 400, kind: "invalid", field: "reason"},
		{name: "unshield reason a zero-width space", needs: "item 13", as: "manager", method: "DELETE", path: "/v1/children/" + sam + "/shield?reason=%E2%80%8B", status: 400, kind: "invalid", field: "reason"},

		// push: the request
		{name: "push empty body", needs: "v1", as: "pusher", method: "POST", path: "/v1/sync/push", body: ``, status: 400, kind: "invalid", field: "body"},
		{name: "push not JSON", needs: "v1", as: "pusher", method: "POST", path: "/v1/sync/push", body: `mutations=1`, status: 400, kind: "invalid", field: "body"},
		{name: "push array", needs: "v1", as: "pusher", method: "POST", path: "/v1/sync/push", body: `[]`, status: 400, kind: "invalid", field: "body"},
		{name: "push two objects", needs: "v1", as: "pusher", method: "POST", path: "/v1/sync/push", body: `{"mutations":[]}{"mutations":[]}`, status: 400, kind: "invalid", field: "body"},
		{name: "push deeply nested", needs: "v1", as: "pusher", method: "POST", path: "/v1/sync/push", body: `{"mutations":` + long("[", 20000) + long("]", 20000) + `}`, status: 400, kind: "invalid", field: "body"},
		{name: "push over 1 MiB", needs: "v1", as: "pusher", method: "POST", path: "/v1/sync/push", body: overMiB("mutations"), status: 413, kind: "too_large", field: "body"},
		{name: "push mutations an object", needs: "v1", as: "pusher", method: "POST", path: "/v1/sync/push", body: `{"mutations":{}}`, status: 400, kind: "invalid", field: "mutations"},
		{name: "push unknown field", needs: "v1", as: "pusher", method: "POST", path: "/v1/sync/push", body: `{"mutations":[],"force":true}`, status: 400, kind: "invalid", field: "force"},
		{name: "push unknown mutation field", needs: "v1", as: "pusher", method: "POST", path: "/v1/sync/push", body: `{"mutations":[{"id":"` + uuid.NewString() + `","kind":"set_caf","user_id":1}]}`, status: 400, kind: "invalid", field: "~user_id"},
		{name: "push id a number", needs: "v1", as: "pusher", method: "POST", path: "/v1/sync/push", body: `{"mutations":[{"id":5,"kind":"set_caf"}]}`, status: 400, kind: "invalid", field: "~id"},
		{name: "push value a string", needs: "v1", as: "pusher", method: "POST", path: "/v1/sync/push", body: `{"mutations":[{"id":"` + uuid.NewString() + `","kind":"set_caf","child_id":"` + jamie + `","value":"yes"}]}`, status: 400, kind: "invalid", field: "~value"},
		{name: "push identity a string", needs: "v1", as: "pusher", method: "POST", path: "/v1/sync/push", body: `{"mutations":[{"id":"` + uuid.NewString() + `","kind":"met_child","identity":"Jamie"}]}`, status: 400, kind: "invalid", field: "~identity"},
		{name: "push 1001 mutations", needs: "v1", as: "pusher", method: "POST", path: "/v1/sync/push", body: func() string {
			ms := make([]map[string]any, 1001)
			for i := range ms {
				ms[i] = m("no_such_kind", jamie)
			}
			return mutationsJSON(ms...)
		}(), status: 400, kind: "invalid", field: "mutations"},
		{name: "push 1000 mutations", needs: "v1", as: "pusher", method: "POST", path: "/v1/sync/push", body: func() string {
			ms := make([]map[string]any, 1000)
			for i := range ms {
				ms[i] = m("no_such_kind", jamie)
			}
			return mutationsJSON(ms...)
		}(), status: 200, results: func() []string {
			r := make([]string, 1000)
			for i := range r {
				r[i] = rej
			}
			return r
		}()},
		{name: "push null mutations", needs: "v1", as: "pusher", method: "POST", path: "/v1/sync/push", body: `{"mutations":null}`, status: 200, results: []string{}},
		{name: "push at not a time", needs: "item 14", as: "pusher", method: "POST", path: "/v1/sync/push", body: `{"mutations":[{"id":"` + uuid.NewString() + `","kind":"set_caf","child_id":"` + jamie + `","at":"yesterday"}]}`, status: 400, kind: "invalid", field: "~at"},
		{name: "push at a number", needs: "item 14", as: "pusher", method: "POST", path: "/v1/sync/push", body: `{"mutations":[{"id":"` + uuid.NewString() + `","kind":"set_caf","child_id":"` + jamie + `","at":12345}]}`, status: 400, kind: "invalid", field: "~at"},

		// push: each mutation
		push("push unknown kind", "v1", []string{rej}, m("delete_child", jamie)),
		push("push id not a UUID", "v1", []string{rej}, map[string]any{"id": "not-a-uuid", "kind": "set_caf", "child_id": jamie}),
		push("push id empty", "v1", []string{rej}, map[string]any{"id": "", "kind": "set_caf", "child_id": jamie}),
		push("push id SQL", "v1", []string{rej}, map[string]any{"id": "'; DELETE FROM mutations; --", "kind": "set_caf", "child_id": jamie}),
		push("push child id bad check digit", "v1", []string{rej}, m(signpost.MutStartInvolvement, badCheckDigit(jamie))),
		push("push child id SQL", "v1", []string{rej}, m(signpost.MutSetCAF, "SP1' OR '1'='1")),
		push("push child unknown", "v1", []string{rej}, m(signpost.MutStartInvolvement, unknown)),
		push("push start impossible date", "v1", []string{rej}, m(signpost.MutStartInvolvement, riley, "on", "2020-02-30")),
		push("push start month 13", "v1", []string{rej}, m(signpost.MutStartInvolvement, riley, "on", "2020-13-01")),
		push("push start date without dashes", "v1", []string{rej}, m(signpost.MutStartInvolvement, riley, "on", "20200101")),
		push("push end impossible date", "v1", []string{app, rej}, start(), m(signpost.MutEndInvolvement, jamie, "on", "2024-02-30")),
		push("push set lead with no involvement", "v1", []string{rej}, m(signpost.MutSetLead, riley, "value", true)),
		push("push set CAF on an unknown child", "v1", []string{rej}, m(signpost.MutSetCAF, unknown, "value", true)),
		push("push met child without identity", "v1", []string{rej}, m(signpost.MutMetChild, "")),
		push("push met child born 9999-12-31", "v1", []string{rej}, m(signpost.MutMetChild, "", "identity", identity("date_of_birth", "9999-12-31"))),
		push("push met child born 0001-01-01", "v1", []string{rej}, m(signpost.MutMetChild, "", "identity", identity("date_of_birth", "0001-01-01"))),
		push("push met child SQL postcode", "v1", []string{rej}, m(signpost.MutMetChild, "", "identity", identity("postcode", "' OR 1=1 --"))),
		push("push view bad child id", "v1", []string{rej}, view("child_id", "SP123")),
		push("push view of the caseload", "v1", []string{app}, view()),
		push("push role 101 characters", "item 11", []string{rej}, m(signpost.MutStartInvolvement, riley, "role", long("r", 101))),
		push("push role 100 two-byte characters", "item 11", []string{app, app}, m(signpost.MutStartInvolvement, riley, "role", long("é", 100)), m(signpost.MutEndInvolvement, riley)),
		push("push role of 1 MB", "item 11", []string{rej}, m(signpost.MutStartInvolvement, riley, "role", long("r", 1000000))),
		push("push role with newline", "item 11", []string{rej}, m(signpost.MutStartInvolvement, riley, "role", "Nurse\nAdmin")),
		push("push role with tab", "item 11", []string{rej}, m(signpost.MutStartInvolvement, riley, "role", "Nurse\tAdmin")),
		push("push role with ESC", "item 11", []string{rej}, m(signpost.MutStartInvolvement, riley, "role", "Nurse\x1b[2J")),
		push("push role with NUL", "item 11", []string{rej}, m(signpost.MutStartInvolvement, riley, "role", "Nurse\x00")),
		push("push role with C1 control", "item 11", []string{rej}, m(signpost.MutStartInvolvement, riley, "role", "Nurse\u0085")),
		push("push met child name 101 characters", "item 11", []string{rej}, m(signpost.MutMetChild, "", "identity", identity("family_name", long("f", 101)))),
		push("push met child name with newline", "item 11", []string{rej}, m(signpost.MutMetChild, "", "identity", identity("given_name", "Jamie\nRoot"))),
		push("push start 0001-01-01", "item 12", []string{rej}, m(signpost.MutStartInvolvement, riley, "on", "0001-01-01")),
		push("push start 9999-12-31", "item 12", []string{rej}, m(signpost.MutStartInvolvement, riley, "on", "9999-12-31")),
		push("push start tomorrow", "item 12", []string{rej}, m(signpost.MutStartInvolvement, riley, "on", "{tomorrow}")),
		push("push start before birth", "item 12", []string{rej}, m(signpost.MutStartInvolvement, riley, "on", "2012-06-30")),
		push("push start claimed at 0001-01-02", "item 12", []string{rej}, m(signpost.MutStartInvolvement, riley, "at", "0001-01-02T00:00:00Z")),
		push("push start on the birthday", "item 12", []string{app, app}, m(signpost.MutStartInvolvement, riley, "on", "2012-07-01"), m(signpost.MutEndInvolvement, riley, "on", "{today}")),
		push("push end before start", "item 12", []string{app, rej}, start(), m(signpost.MutEndInvolvement, jamie, "on", "2024-01-09")),
		push("push end 0001-01-01", "item 12", []string{app, rej}, start(), m(signpost.MutEndInvolvement, jamie, "on", "0001-01-01")),
		push("push end 9999-12-31", "item 12", []string{app, rej}, start(), m(signpost.MutEndInvolvement, jamie, "on", "9999-12-31")),
		push("push end tomorrow", "item 12", []string{app, rej}, start(), m(signpost.MutEndInvolvement, jamie, "on", "{tomorrow}")),
		push("push met child on a future day", "item 12", []string{rej}, m(signpost.MutMetChild, "", "on", "9999-12-31",
			"identity", identity("given_name", "Sam", "family_name", "Smith", "date_of_birth", "2016-01-01", "postcode", "BD7 1DP"))),
		push("push view of an unknown child", "item 9", []string{rej}, view("child_id", unknown)),
		push("push view in the future", "item 9", []string{rej}, view("at", "{now+1d}")),
		push("push view before enrolment", "item 9", []string{rej}, view("at", "2001-01-01T00:00:00Z")),
		push("push view reason 501 characters", "item 11", []string{rej}, view("reason", long("r", 501))),
		push("push view reason with newline", "item 13", []string{rej}, view("reason", "visit\nforged")),
		push("push view reason with NUL", "item 13", []string{rej}, view("reason", "visit\x00")),
		push("push view reason a zero-width space", "item 13", []string{rej}, view("reason", "\u200b")),
		{name: "push view by IT admin", needs: "item 9", as: "itadmin", method: "POST", path: "/v1/sync/push", body: mutationsJSON(view()), status: 200, results: []string{rej}},
		{name: "push reused id same content", needs: "item 10", as: "pusher", method: "POST", path: "/v1/sync/push",
			before: []string{mutationsJSON(map[string]any{"id": "{id1}", "kind": signpost.MutSetLead, "child_id": riley, "value": true, "at": "{now}"})},
			body:   mutationsJSON(map[string]any{"id": "{id1}", "kind": signpost.MutSetLead, "child_id": riley, "value": true, "at": "{now}"}), status: 200, results: []string{dup}},
		{name: "push reused id another kind", needs: "item 10", as: "pusher", method: "POST", path: "/v1/sync/push",
			before: []string{mutationsJSON(map[string]any{"id": "{id1}", "kind": signpost.MutSetLead, "child_id": riley, "value": true, "at": "{now}"})},
			body:   mutationsJSON(map[string]any{"id": "{id1}", "kind": signpost.MutSetCAF, "child_id": riley, "value": true, "at": "{now}"}), status: 200, results: []string{rej}},
		{name: "push reused id another child", needs: "item 10", as: "pusher", method: "POST", path: "/v1/sync/push",
			before: []string{mutationsJSON(map[string]any{"id": "{id1}", "kind": signpost.MutSetLead, "child_id": riley, "value": true, "at": "{now}"})},
			body:   mutationsJSON(map[string]any{"id": "{id1}", "kind": signpost.MutSetLead, "child_id": jamie, "value": true, "at": "{now}"}), status: 200, results: []string{rej}},
		{name: "push reused id another value", needs: "item 10", as: "pusher", method: "POST", path: "/v1/sync/push",
			before: []string{mutationsJSON(map[string]any{"id": "{id1}", "kind": signpost.MutSetLead, "child_id": riley, "value": true, "at": "{now}"})},
			body:   mutationsJSON(map[string]any{"id": "{id1}", "kind": signpost.MutSetLead, "child_id": riley, "at": "{now}"}), status: 200, results: []string{rej}},
		{name: "push reused id another role", needs: "item 10", as: "pusher", method: "POST", path: "/v1/sync/push",
			before: []string{mutationsJSON(map[string]any{"id": "{id1}", "kind": signpost.MutStartInvolvement, "child_id": samMcr, "role": "Health visitor", "at": "{now}"})},
			body:   mutationsJSON(map[string]any{"id": "{id1}", "kind": signpost.MutStartInvolvement, "child_id": samMcr, "role": "Head of everything", "at": "{now}"}), status: 200, results: []string{rej}},
		{name: "push reused id by another user", needs: "v1", as: "social", method: "POST", path: "/v1/sync/push",
			body: mutationsJSON(map[string]any{"id": h.pusherID, "kind": signpost.MutSetLead, "child_id": riley, "value": true, "at": "{now}"}), status: 200, results: []string{rej}},

		// pull and wait
		{name: "pull cursor letters", needs: "v1", as: "nurse", method: "GET", path: "/v1/sync/pull?cursor=abc", status: 400, kind: "invalid", field: "cursor"},
		{name: "pull cursor negative", needs: "v1", as: "nurse", method: "GET", path: "/v1/sync/pull?cursor=-5", status: 400, kind: "invalid", field: "cursor"},
		{name: "pull cursor exponent", needs: "v1", as: "nurse", method: "GET", path: "/v1/sync/pull?cursor=1e9", status: 400, kind: "invalid", field: "cursor"},
		{name: "pull cursor overflow", needs: "v1", as: "nurse", method: "GET", path: "/v1/sync/pull?cursor=99999999999999999999", status: 400, kind: "invalid", field: "cursor"},
		{name: "pull cursor hex", needs: "v1", as: "nurse", method: "GET", path: "/v1/sync/pull?cursor=0x10", status: 400, kind: "invalid", field: "cursor"},
		{name: "pull cursor NUL", needs: "v1", as: "nurse", method: "GET", path: "/v1/sync/pull?cursor=%00", status: 400, kind: "invalid", field: "cursor"},
		{name: "pull cursor 100 KB", needs: "v1", as: "nurse", method: "GET", path: "/v1/sync/pull?cursor=" + long("7", 100<<10), status: 400, kind: "invalid", field: "cursor"},
		{name: "pull cursor given twice", needs: "hardening", as: "nurse", method: "GET", path: "/v1/sync/pull?cursor=0&cursor=5", status: 400, kind: "invalid", field: "cursor"},
		{name: "pull limit zero", needs: "v1", as: "nurse", method: "GET", path: "/v1/sync/pull?limit=0", status: 400, kind: "invalid", field: "limit"},
		{name: "pull limit negative", needs: "v1", as: "nurse", method: "GET", path: "/v1/sync/pull?limit=-1", status: 400, kind: "invalid", field: "limit"},
		{name: "pull limit 1001", needs: "v1", as: "nurse", method: "GET", path: "/v1/sync/pull?limit=1001", status: 400, kind: "invalid", field: "limit"},
		{name: "pull limit words", needs: "v1", as: "nurse", method: "GET", path: "/v1/sync/pull?limit=ten", status: 400, kind: "invalid", field: "limit"},
		{name: "pull limit huge", needs: "v1", as: "nurse", method: "GET", path: "/v1/sync/pull?limit=" + long("9", 5000), status: 400, kind: "invalid", field: "limit"},
		{name: "pull limit 1000", needs: "v1", as: "nurse", method: "GET", path: "/v1/sync/pull?limit=1000", status: 200},
		{name: "pull unknown parameter", needs: "v1", as: "nurse", method: "GET", path: "/v1/sync/pull?everything=true", status: 200},
		{name: "pull with a body", needs: "v1", as: "nurse", method: "GET", path: "/v1/sync/pull", body: `{"cursor":"0"}`, status: 200},
		{name: "pull without a token", needs: "v1", method: "GET", path: "/v1/sync/pull", status: 401, kind: "unauthorized"},
		{name: "pull on a device ordered to wipe", needs: "v1", as: "wiping", method: "GET", path: "/v1/sync/pull", status: 410, kind: "gone"},
		{name: "wait cursor letters", needs: "v1", as: "nurse", method: "GET", path: "/v1/sync/wait?cursor=abc", status: 400, kind: "invalid", field: "cursor"},
		{name: "wait cursor negative", needs: "v1", as: "nurse", method: "GET", path: "/v1/sync/wait?cursor=-1", status: 400, kind: "invalid", field: "cursor"},
		{name: "wait cursor 100 KB", needs: "v1", as: "nurse", method: "GET", path: "/v1/sync/wait?cursor=" + long("1", 100<<10), status: 400, kind: "invalid", field: "cursor"},
		{name: "wait without a token", needs: "v1", method: "GET", path: "/v1/sync/wait", status: 401, kind: "unauthorized"},
		{name: "wait on a device ordered to wipe", needs: "v1", as: "wiping", method: "GET", path: "/v1/sync/wait", status: 410, kind: "gone"},

		// devices, wipe orders and receipts
		{name: "devices as a practitioner", needs: "v1", as: "nurse", method: "GET", path: "/v1/devices", status: 403, kind: "forbidden"},
		{name: "devices without a token", needs: "v1", method: "GET", path: "/v1/devices", status: 401, kind: "unauthorized"},
		{name: "devices with odd parameters", needs: "paging", as: "itadmin", method: "GET", path: "/v1/devices?limit=abc&user=" + q("' OR 1=1"), status: 400, kind: "invalid", field: "limit"},
		{name: "wipe unknown device", needs: "v1", as: "itadmin", method: "POST", path: "/v1/devices/" + uuid.NewString() + "/wipe", status: 404, kind: "not_found"},
		{name: "wipe device id SQL", needs: "v1", as: "itadmin", method: "POST", path: "/v1/devices/x'%20OR%20'1'='1/wipe", status: 404, kind: "not_found"},
		{name: "wipe device id 10 KB", needs: "v1", as: "itadmin", method: "POST", path: "/v1/devices/" + long("d", 10000) + "/wipe", status: 404, kind: "not_found"},
		{name: "wipe device id NUL", needs: "v1", as: "itadmin", method: "POST", path: "/v1/devices/%00/wipe", status: 404, kind: "not_found"},
		{name: "wipe by a practitioner", needs: "v1", as: "nurse", method: "POST", path: "/v1/devices/" + h.devs["social"] + "/wipe", status: 403, kind: "forbidden"},
		{name: "wipe a wiped device", needs: "v1", as: "itadmin", method: "POST", path: "/v1/devices/" + h.gone + "/wipe", status: 409, kind: "conflict"},
		{name: "receipt for another device", needs: "item 3", as: "wiping", method: "POST", path: "/v1/devices/" + h.devs["nurse"] + "/wiped", body: `{"pushed":1,"lost":0}`, status: 410, kind: "gone"},
		{name: "receipt empty body", needs: "v1", as: "wiping", method: "POST", path: "/v1/devices/{dev}/wiped", body: ``, status: 400, kind: "invalid", field: "body"},
		{name: "receipt unknown field", needs: "v1", as: "wiping", method: "POST", path: "/v1/devices/{dev}/wiped", body: `{"pushed":1,"state":"active"}`, status: 400, kind: "invalid", field: "state"},
		{name: "receipt pushed a string", needs: "v1", as: "wiping", method: "POST", path: "/v1/devices/{dev}/wiped", body: `{"pushed":"3"}`, status: 400, kind: "invalid", field: "pushed"},
		{name: "receipt pushed a fraction", needs: "v1", as: "wiping", method: "POST", path: "/v1/devices/{dev}/wiped", body: `{"pushed":3.5}`, status: 400, kind: "invalid", field: "pushed"},
		{name: "receipt pushed 1e300", needs: "v1", as: "wiping", method: "POST", path: "/v1/devices/{dev}/wiped", body: `{"pushed":1e300}`, status: 400, kind: "invalid", field: "pushed"},
		{name: "receipt pushed negative", needs: "v1", as: "wiping", method: "POST", path: "/v1/devices/{dev}/wiped", body: `{"pushed":-1,"lost":0}`, status: 400, kind: "invalid", field: "pushed"},
		{name: "receipt again after the wipe was recorded", needs: "v1", method: "POST", path: "/v1/devices/" + h.gone + "/wiped", header: []string{"Authorization: Bearer " + h.goneToken},
			body: `{"pushed":1,"lost":0}`, status: 401, kind: "unauthorized"},
		{name: "receipt accepted", needs: "v1", as: "wiping", method: "POST", path: "/v1/devices/{dev}/wiped", body: `{"pushed":3,"lost":0,"wiped_at":"{now}"}`, status: 200},
		{name: "receipt lost negative", needs: "item 5", as: "wiping", method: "POST", path: "/v1/devices/{dev}/wiped", body: `{"pushed":0,"lost":-1}`, status: 400, kind: "invalid", field: "lost"},
		{name: "receipt pushed over a million", needs: "item 5", as: "wiping", method: "POST", path: "/v1/devices/{dev}/wiped", body: `{"pushed":1000001,"lost":0}`, status: 400, kind: "invalid", field: "pushed"},
		{name: "receipt lost over a million", needs: "item 5", as: "wiping", method: "POST", path: "/v1/devices/{dev}/wiped", body: `{"pushed":0,"lost":1000001}`, status: 400, kind: "invalid", field: "lost"},
		{name: "receipt counts of a million", needs: "item 5", as: "wiping", method: "POST", path: "/v1/devices/{dev}/wiped", body: `{"pushed":1000000,"lost":1000000,"wiped_at":"{now}"}`, status: 200},
		{name: "receipt wiped before the order", needs: "item 5", as: "wiping", method: "POST", path: "/v1/devices/{dev}/wiped", body: `{"pushed":1,"lost":0,"wiped_at":"2001-01-01T00:00:00Z"}`, status: 400, kind: "invalid", field: "wiped_at"},
		{name: "receipt wiped in the future", needs: "item 5", as: "wiping", method: "POST", path: "/v1/devices/{dev}/wiped", body: `{"pushed":1,"lost":0,"wiped_at":"{now+1h}"}`, status: 400, kind: "invalid", field: "wiped_at"},
		{name: "receipt without an order", needs: "item 5", as: "fresh", method: "POST", path: "/v1/devices/{dev}/wiped", body: `{"pushed":1,"lost":0,"wiped_at":"{now}"}`, status: 409, kind: "conflict"},
		{name: "receipt wiped at not a time", needs: "item 14", as: "wiping", method: "POST", path: "/v1/devices/{dev}/wiped", body: `{"pushed":1,"lost":0,"wiped_at":"just now"}`, status: 400, kind: "invalid", field: "wiped_at"},

		// paths that are not clean, and paths that are not there
		{name: "path with .. to devices", needs: "item 14", as: "nurse", method: "GET", path: "/v1/children/../devices", status: 404, kind: "not_found"},
		{name: "path with escaped ..", needs: "item 14", as: "nurse", method: "GET", path: "/v1/children/%2e%2e/devices", status: 404, kind: "not_found"},
		{name: "path with // before wipe", needs: "item 14", as: "itadmin", method: "POST", path: "/v1/devices//wipe", status: 404, kind: "not_found"},
		{name: "path starting //", needs: "item 14", as: "nurse", method: "POST", path: "//v1/search", body: search(), status: 404, kind: "not_found"},
		{name: "path with /./", needs: "item 14", as: "nurse", method: "POST", path: "/v1/./search", body: search(), status: 404, kind: "not_found"},
		{name: "path ending /..", needs: "item 14", as: "nurse", method: "GET", path: "/v1/sync/pull/..", status: 404, kind: "not_found"},
		{name: "path ../ above the root", needs: "item 14", method: "GET", path: "/../../etc/passwd", status: 404, kind: "not_found"},
		{name: "path with a trailing slash", needs: "item 14", as: "nurse", method: "POST", path: "/v1/search/", body: search(), status: 404, kind: "not_found"},
		{name: "path in capitals", needs: "item 14", as: "nurse", method: "POST", path: "/V1/SEARCH", body: search(), status: 404, kind: "not_found"},
		{name: "path child with empty id", needs: "item 14", as: "nurse", method: "GET", path: "/v1/children/", status: 404, kind: "not_found"},
		{name: "path with an encoded slash", needs: "item 14", as: "itadmin", method: "POST", path: "/v1/devices/%2F/wipe", status: 404, kind: "not_found"},
		{name: "path unknown", needs: "item 14", as: "nurse", method: "GET", path: "/v1/nothing", status: 404, kind: "not_found"},
		{name: "path v2", needs: "item 14", as: "nurse", method: "POST", path: "/v2/search", body: search(), status: 404, kind: "not_found"},
		{name: "path absolute URI", needs: "item 14", as: "nurse", method: "GET", path: "http://evil.example/v1/nothing", status: 404, kind: "not_found"},
		{name: "CONNECT authority form", needs: "item 14", method: "CONNECT", path: "evil.example:443", status: 0, field: "*"},
	}

	// Every method the API does not use, on every path.
	paths := []struct{ path, allow, as string }{
		{"/healthz", "GET", ""},
		{"/v1/session", "POST", ""},
		{"/v1/search", "POST", "nurse"},
		{"/v1/children/" + jamie, "GET", "nurse"},
		{"/v1/children/" + riley + "/break-glass", "POST", "social"},
		{"/v1/children/" + sam + "/shield", "POST, DELETE", "manager"},
		{"/v1/sync/push", "POST", "pusher"},
		{"/v1/sync/pull", "GET", "nurse"},
		{"/v1/sync/wait", "GET", "nurse"},
		{"/v1/devices", "GET", "itadmin"},
		{"/v1/devices/" + h.devs["social"] + "/wipe", "POST", "itadmin"},
		{"/v1/devices/{dev}/wiped", "POST", "wiping"},
	}
	for _, p := range paths {
		for _, method := range []string{"PUT", "PATCH", "CONNECT", "OPTIONS", "HEAD", "TRACE"} {
			row := hostile{name: method + " " + strings.NewReplacer(jamie, "{jamie}", riley, "{riley}", sam, "{sam}", h.devs["social"], "{dev}").Replace(p.path),
				needs: "item 14", as: p.as, method: method, path: p.path, status: 405, kind: "invalid", allow: p.allow}
			if method == "HEAD" && strings.Contains(p.allow, "GET") {
				row.status, row.kind, row.allow, row.needs = 200, "", "", "v1"
			}
			if method == "PUT" || method == "PATCH" {
				row.body = `{}`
			}
			rows = append(rows, row)
		}
	}
	// Known methods on the wrong path.
	for _, w := range []struct{ method, path, allow string }{
		{"GET", "/v1/search", "POST"}, {"DELETE", "/v1/search", "POST"}, {"POST", "/healthz", "GET"}, {"GET", "/v1/session", "POST"},
		{"POST", "/v1/children/" + jamie, "GET"}, {"DELETE", "/v1/children/" + jamie, "GET"}, {"GET", "/v1/children/" + sam + "/shield", "POST, DELETE"},
		{"GET", "/v1/children/" + riley + "/break-glass", "POST"}, {"GET", "/v1/sync/push", "POST"}, {"POST", "/v1/sync/pull", "GET"},
		{"DELETE", "/v1/devices", "GET"}, {"GET", "/v1/devices/" + h.devs["social"] + "/wipe", "POST"}, {"DELETE", "/v1/devices/{dev}/wiped", "POST"},
	} {
		rows = append(rows, hostile{name: w.method + " on " + strings.NewReplacer(jamie, "{jamie}", riley, "{riley}", sam, "{sam}", h.devs["social"], "{dev}").Replace(w.path) + " (wrong method)",
			needs: "item 14", as: "nurse", method: w.method, path: w.path, status: 405, kind: "invalid", allow: w.allow})
	}
	return rows
}
