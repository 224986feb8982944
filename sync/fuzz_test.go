package sync_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"signpost"
	"signpost/localstore"
	psync "signpost/sync"
)

// The directory's answers to a push and a pull are untrusted input to the
// device: a proxy, a captive portal or a broken directory may send anything.
// These fuzz targets serve arbitrary bytes, with an arbitrary status, as that
// answer through a real HTTP server to the real client and sync engine over a
// real device cache, and check that the engine returns a domain error (or
// succeeds), never panics, and never applies part of an answer: after a
// failed sync the cache is as it was, and no change is left in flight.

// fuzzStatuses are the statuses an answer may come with.
var fuzzStatuses = []int{200, 200, 200, 201, 204, 400, 401, 403, 404, 409, 410, 413, 429, 500, 502, 503}

// fuzzDirectory is an HTTP server that answers one endpoint with what the
// fuzzer gives and everything else sensibly. In a fuzzed push answer, $0, $1
// and $2 stand for the ids of the changes pushed, so the fuzzer can answer
// the very changes it was sent.
type fuzzDirectory struct {
	mu     gosync.Mutex
	path   string // the endpoint that gets the fuzzed answer
	status int
	body   []byte
	served int             // fuzzed answers served in this sync (one at most)
	loops  []string        // changes pushed again after a 2xx answer in this sync
	ok     map[string]bool // changes a 2xx answer was given for in this sync
}

func (d *fuzzDirectory) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	defer d.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	var req signpost.PushRequest
	if r.URL.Path == "/v1/sync/push" {
		_ = json.NewDecoder(r.Body).Decode(&req)
		for _, m := range req.Mutations {
			if d.ok[m.ID] {
				d.loops = append(d.loops, m.ID)
			}
		}
	}
	// The fuzzed answer is the first answer of its endpoint in a sync; the
	// rest are sensible, so a sync that fails failed on the fuzzed answer.
	if r.URL.Path == d.path && d.served == 0 {
		d.served++
		body := d.body
		for i, m := range req.Mutations {
			body = bytes.ReplaceAll(body, []byte("$"+strconv.Itoa(i)), []byte(m.ID))
		}
		if d.status/100 == 2 {
			for _, m := range req.Mutations {
				d.ok[m.ID] = true
			}
		}
		w.WriteHeader(d.status)
		_, _ = w.Write(body)
		return
	}
	switch r.URL.Path {
	case "/v1/sync/pull":
		d.final(w, r)
	case "/v1/sync/push":
		for _, m := range req.Mutations {
			d.ok[m.ID] = true
		}
		res := signpost.PushResponse{Results: []signpost.MutationResult{}}
		for _, m := range req.Mutations {
			res.Results = append(res.Results, signpost.MutationResult{ID: m.ID, Status: signpost.ResultApplied})
		}
		b, _ := json.Marshal(res)
		_, _ = w.Write(b)
	default:
		_, _ = w.Write([]byte(`{}`))
	}
}

// final answers a pull with an empty last page.
func (d *fuzzDirectory) final(w http.ResponseWriter, r *http.Request) {
	cursor := r.URL.Query().Get("cursor")
	if cursor == "" {
		cursor = "1"
	}
	b, _ := json.Marshal(signpost.PullResponse{Changes: []signpost.Child{}, Removals: []signpost.Removal{}, Directives: []signpost.Directive{},
		Cursor: cursor, ServerTime: time.Now().UTC()})
	_, _ = w.Write(b)
}

// fuzzCache is a real device cache for the nurse, holding one child of her
// caseload, recreated when an answer wipes it.
type fuzzCache struct {
	t      testing.TB
	dir    string
	n      int
	st     *localstore.Store
	engine *psync.Engine
	client *psync.Client
}

// caseloadChild is the nurse's child as the directory sends it (both forms of
// "hers": the username some versions send, and "mine").
const caseloadChild = `{"signpost_id":"SP000000018","given_name":"Jamie","family_name":"Fixture","date_of_birth":"2015-03-14","gender":"male",
	"shielded":false,"status":"active","authority":"Leeds","address":"22 Park Row, Leeds","postcode":"LS1 4AP",
	"involvements":[{"id":"0190a6f0-0000-7000-8000-000000000001","practitioner":"Nadia Shah","username":"nurse","mine":true,
	"organisation":"Leeds Community Healthcare NHS Trust","role":"School nurse","started_on":"2024-09-10","caf":false,"lead_professional":false}]}`

func (c *fuzzCache) open(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	c.n++
	var err error
	c.st, err = localstore.Create(ctx, filepath.Join(c.dir, "cache", string(rune('a'+c.n%26))+uuid.NewString()[:8]), passphrase, fastKDF)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.st.SetUser(ctx, signpost.User{Username: "nurse", DisplayName: "Nadia Shah", Role: signpost.RolePractitioner}); err != nil {
		t.Fatal(err)
	}
	if err := c.st.SetToken(ctx, "a token"); err != nil {
		t.Fatal(err)
	}
	var p signpost.PullResponse
	if err := json.Unmarshal([]byte(`{"changes":[`+caseloadChild+`],"removals":[],"directives":[],"cursor":"7","server_time":"`+time.Now().UTC().Format(time.RFC3339)+`"}`), &p); err != nil {
		t.Fatal(err)
	}
	if err := c.st.ApplyPull(ctx, &p); err != nil {
		t.Fatal(err)
	}
	c.engine = psync.NewEngine(c.client, c.st, psync.EngineOptions{BatchSize: 200})
}

// ready makes sure the cache is usable and, for push answers, holds three
// unsent changes.
func (c *fuzzCache) ready(t testing.TB, changes bool) {
	t.Helper()
	ctx := context.Background()
	// Each answer is judged by itself: a change an earlier answer left in
	// flight goes back to the queue, as it would when the app restarts.
	if !c.st.Locked() {
		if err := c.st.ResetInFlight(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if c.st.Locked() {
		if err := c.st.Unlock(ctx, passphrase); err != nil {
			c.st.Close()
			c.open(t)
		}
	}
	items, err := c.st.Outbox(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pending := 0
	for _, it := range items {
		switch it.State {
		case localstore.StateRejected:
			if err := c.st.Dismiss(ctx, it.ID); err != nil {
				t.Fatal(err)
			}
		case localstore.StatePending:
			pending++
		}
	}
	for ; changes && pending < 3; pending++ {
		var err error
		if pending%2 == 0 {
			_, err = c.st.ViewChild(ctx, "SP000000018", "home visit")
		} else {
			_, err = c.st.Enqueue(ctx, signpost.Mutation{Kind: signpost.MutMetChild,
				Identity: &signpost.Identity{GivenName: "Ola", FamilyName: "Fieldwell", DateOfBirth: "2016-05-04", Postcode: "LS6 1AA"}})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// snapshot is what a sync may change, as text: the cursor, the policy, the
// last contact, the outbox and every child the answer names or the cache holds.
func (c *fuzzCache) snapshot(t testing.TB, ids []string) string {
	t.Helper()
	ctx := context.Background()
	var s struct {
		Cursor   string
		Policy   signpost.Policy
		Contact  localstore.Contact
		Outbox   []localstore.OutboxItem
		Children map[string]*signpost.Child
	}
	s.Cursor, _ = c.st.Cursor(ctx)
	s.Policy, _ = c.st.Policy(ctx)
	s.Contact, _ = c.st.LastContact()
	s.Outbox, _ = c.st.Outbox(ctx)
	s.Children = map[string]*signpost.Child{}
	cases, _ := c.st.Caseload(ctx, "")
	for _, cs := range cases {
		ids = append(ids, cs.SignpostID)
	}
	for _, id := range ids {
		ch, err := c.st.Child(ctx, id)
		if err == nil {
			s.Children[id] = ch
		}
	}
	b, _ := json.Marshal(s)
	return string(b)
}

func newFuzzCache(f *testing.F, path string) (*fuzzCache, *fuzzDirectory) {
	d := &fuzzDirectory{path: path, ok: map[string]bool{}}
	hs := httptest.NewServer(d)
	f.Cleanup(hs.Close)
	client, err := psync.NewClient(psync.ClientOptions{BaseURL: hs.URL, Timeout: 5 * time.Second, Retries: 1, RetryWait: time.Millisecond, RetryMaxWait: 2 * time.Millisecond})
	if err != nil {
		f.Fatal(err)
	}
	c := &fuzzCache{t: f, dir: f.TempDir(), client: client}
	c.open(f)
	f.Cleanup(func() { c.st.Close() })
	return c, d
}

// syncOnce runs one sync against the fuzzed answer and checks what it did.
func syncOnce(t *testing.T, c *fuzzCache, d *fuzzDirectory, status uint8, body []byte) {
	c.ready(t, d.path == "/v1/sync/push")
	var named signpost.PullResponse
	_ = json.Unmarshal(body, &named)
	var ids []string
	for _, ch := range named.Changes {
		ids = append(ids, ch.SignpostID)
	}
	for _, r := range named.Removals {
		ids = append(ids, r.SignpostID)
	}
	before := c.snapshot(t, ids)
	d.mu.Lock()
	d.status, d.body, d.served, d.loops, d.ok = fuzzStatuses[int(status)%len(fuzzStatuses)], body, 0, nil, map[string]bool{}
	d.mu.Unlock()

	_, err := c.engine.Sync(context.Background())

	var de *signpost.Error
	// (MessageOf is what the app shows: a directory's error without a message
	// is shown as a generic sentence.)
	if err != nil && (!errors.As(err, &de) || de.Kind == "" || strings.TrimSpace(signpost.MessageOf(err)) == "") {
		t.Fatalf("the sync failed with %v (%T), not a domain error", err, err)
	}
	d.mu.Lock()
	if len(d.loops) > 0 {
		t.Errorf("changes %v were pushed again in the same sync after the directory had answered them: the engine loops on the answer", d.loops)
	}
	d.mu.Unlock()
	kind := signpost.KindOf(err)
	if kind == signpost.KindWiped || kind == signpost.KindLocked || c.st.Locked() {
		// The answer carried a directive, and the cache obeyed it whole.
		if kind == signpost.KindWiped {
			c.st.Close()
			c.open(t)
		}
		return
	}
	items, oerr := c.st.Outbox(context.Background())
	if oerr != nil {
		t.Fatalf("reading the outbox after the sync: %v", oerr)
	}
	for _, it := range items {
		if it.State == localstore.StateInFlight {
			t.Fatalf("change %s (%s) is left in flight after the sync (%v): the answer did not answer it, and it will not be sent again until the app restarts", it.ID, it.Kind, err)
		}
	}
	if err != nil {
		if after := c.snapshot(t, ids); after != before {
			t.Fatalf("the sync failed (%v) but changed the cache:\nbefore %s\nafter  %s", err, before, after)
		}
	}
}

// FuzzPullAnswer serves arbitrary bytes as the directory's answer to a pull.
func FuzzPullAnswer(f *testing.F) {
	c, d := newFuzzCache(f, "/v1/sync/pull")
	now := time.Now().UTC().Format(time.RFC3339)
	for _, s := range []string{
		`{"changes":[` + caseloadChild + `],"removals":[],"directives":[{"kind":"policy","policy":{"idle_lock_minutes":5,"offline_lock_hours":48,"offline_wipe_days":20,"max_passphrase_attempts":8,"lookup_retention_days":10}}],"cursor":"9","more":false,"server_time":"` + now + `"}`,
		`{"changes":[],"removals":[{"signpost_id":"SP000000018","reason":"shielded"}],"directives":[],"cursor":"10","more":true,"server_time":"` + now + `"}`,
		`{"changes":[` + caseloadChild + `,{"signpost_id":"SP123","given_name":"Bad"}],"removals":[],"directives":[],"cursor":"11"}`,
		`{"changes":[],"removals":[],"directives":[{"kind":"lock"}],"cursor":"12","server_time":"` + now + `"}`,
		`{"changes":[],"removals":[],"directives":[{"kind":"wipe"}],"cursor":"13"}`,
		`{"error":{"kind":"gone","message":"wipe"},"directives":[{"kind":"wipe"}]}`,
		`{"error":{"kind":"unauthorized","message":"sign in"}}`,
		`<html>captive portal</html>`,
		`{"changes":null,"cursor":"","server_time":"0001-01-01T00:00:00Z"}`,
	} {
		for _, st := range []uint8{0, 10, 6} {
			f.Add(st, []byte(s))
		}
		f.Add(uint8(0), []byte(s[:len(s)/2]))
	}
	f.Fuzz(func(t *testing.T, status uint8, body []byte) { syncOnce(t, c, d, status, body) })
}

// FuzzPushAnswer serves arbitrary bytes as the directory's answer to a push.
func FuzzPushAnswer(f *testing.F) {
	c, d := newFuzzCache(f, "/v1/sync/push")
	for _, s := range []string{
		`{"results":[{"id":"$0","status":"applied"},{"id":"$1","status":"rejected","reason":"no"},{"id":"$2","status":"duplicate","first_status":"applied"}]}`,
		`{"results":[{"id":"$0","status":"applied"},{"id":"$1","status":"applied"},{"id":"$2","status":"applied","involvement_id":"0190a6f0-0000-7000-8000-000000000009"}]}`,
		`{"results":[{"id":"$0","status":"applied2"},{"id":"$1","status":"rejected"},{"id":"$2","status":"duplicate","first_status":"rejected"}]}`,
		`{"results":[{"id":"$0","status":"applied"},{"id":"$0","status":"applied"},{"id":"$0","status":"applied"}]}`,
		`{"results":[{"id":"$0","status":""},{"id":"$1"},{"id":"$2","status":"duplicate"}]}`,
		`{"results":[{"id":"x","status":"applied"},{"id":"y","status":"rejected","reason":"no"},{"id":"z","status":"duplicate","first_status":"applied"}]}`,
		`{"results":[]}`,
		`{"results":[{"id":"x","status":"applied"}]}`,
		`{"results":[{"id":"x","status":"applied2"},{"id":"y","status":"later"},{"id":"z","status":""}]}`,
		`{"error":{"kind":"gone","message":"wipe"},"directives":[{"kind":"wipe"}],"results":[{"id":"$0","status":"applied"},{"id":"$1","status":"applied"},{"id":"$2","status":"applied"}]}`,
		`{"error":{"kind":"invalid","message":"bad","field":"mutations"}}`,
		`{"error":{"kind":"too_large","message":"big","field":"body"}}`,
		`<html>captive portal</html>`,
		`{"results":null}`,
	} {
		for _, st := range []uint8{0, 10, 5} {
			f.Add(st, []byte(s))
		}
		f.Add(uint8(0), []byte(s[:len(s)/2]))
	}
	f.Fuzz(func(t *testing.T, status uint8, body []byte) { syncOnce(t, c, d, status, body) })
}
