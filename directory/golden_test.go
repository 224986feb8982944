package directory_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"signpost"
	"signpost/directory/demo"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ with what the directory answers")

// TestWireFormatMatchesTheGoldenFiles holds the v1 wire format to the files
// in testdata/: the request and answer bodies of a sign-in, a search, a child
// plain and shielded, a pull and a push, as the real directory writes them.
// Values that differ from run to run (Signpost IDs, tokens, times, UUIDs,
// security codes) are replaced by placeholders; field names, nesting and
// every other value must be exactly the file's. Run with -update to rewrite
// the files after a deliberate change, and read the diff.
func TestWireFormatMatchesTheGoldenFiles(t *testing.T) {
	// No generated children: the demo's named children have fixed dates,
	// so nothing in the answers depends on the day the test runs.
	e := newEnv(t, 0, nil)
	ids := map[string]string{e.jamie: "<jamie>", e.riley: "<riley>"}
	for i, id := range e.fixtures.SamSmiths {
		ids[id] = fmt.Sprintf("<sam-smith-%d>", i+1)
	}
	g := golden{t: t, e: e, ids: ids}

	session := signpost.SessionRequest{Username: "nurse", Password: demo.Password, OTP: code(t, e.clock.Now()),
		DeviceID: uuid.NewString(), DeviceName: "nurse's laptop"}
	var s signpost.SessionResponse
	if err := json.Unmarshal(g.exchange("session", "POST", "/v1/session", "", session, 200), &s); err != nil || s.Token == "" {
		t.Fatalf("no token: %v", err)
	}
	e.clock.Add(30 * time.Second) // a security code signs in once
	token := s.Token

	// The pull comes before the views, which add to what the nurse may see.
	g.exchange("pull", "GET", "/v1/sync/pull?limit=2", token, nil, 200)
	g.exchange("search", "POST", "/v1/search", token,
		signpost.SearchRequest{FamilyName: "Fixture", GivenName: "Jamie", DateOfBirth: "2015-03-14", Reason: "Health assessment"}, 200)
	g.exchange("search-too-many", "POST", "/v1/search", token,
		signpost.SearchRequest{FamilyName: "Smith", DateOfBirth: "2016-01-01", Reason: "Health assessment"}, 200)
	g.exchange("child", "GET", "/v1/children/"+e.jamie+"?reason=Health+assessment", token, nil, 200)
	g.exchange("child-shielded", "GET", "/v1/children/"+e.riley+"?reason=Health+assessment", token, nil, 200)

	start := mut(signpost.MutStartInvolvement, e.fixtures.SamSmiths[0])
	start.Role, start.On = "School nurse", "2025-09-01"
	view := mut(signpost.MutView, e.jamie)
	view.At, view.Reason = e.clock.Now(), "home visit"
	view.Hash = view.ViewHash()
	unknown := mut(signpost.MutSetCAF, signpost.SignpostID(99999999))
	unknown.Value = true
	g.exchange("push", "POST", "/v1/sync/push", token, signpost.PushRequest{Mutations: []signpost.Mutation{start, view, unknown}}, 200)
	g.exchange("error", "POST", "/v1/search", token, signpost.SearchRequest{FamilyName: "Smith"}, 400)
}

// golden records exchanges with the directory and compares them with testdata/.
type golden struct {
	t   *testing.T
	e   *env
	ids map[string]string // Signpost ID → placeholder
}

// exchange sends body (nil for none) and compares the exchange with
// testdata/name.json, or writes it there with -update. It returns the answer's
// body as sent.
func (g golden) exchange(name, method, path, token string, body any, status int) []byte {
	g.t.Helper()
	var req []byte
	if body != nil {
		var err error
		if req, err = json.Marshal(body); err != nil {
			g.t.Fatal(err)
		}
	}
	r := g.e.do(method, path, token, body)
	if r.status != status {
		g.t.Fatalf("%s: %s %s answered %d %s, want %d", name, method, path, r.status, r.body, status)
	}
	got := g.normalise(name, method, path, req, r)
	file := filepath.Join("testdata", name+".json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			g.t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			g.t.Fatal(err)
		}
		return r.body
	}
	want, err := os.ReadFile(file)
	if err != nil {
		g.t.Fatalf("%s: %v (run go test -run TestWireFormat -update to write it)", name, err)
	}
	if !bytes.Equal(got, want) {
		g.t.Errorf("%s: the wire format changed (go test -run TestWireFormat -update rewrites %s)\n%s", name, file, lineDiff(string(want), string(got)))
	}
	return r.body
}

// normalise renders an exchange as indented JSON, with the values that
// differ between runs replaced.
func (g golden) normalise(name, method, path string, req []byte, r resp) []byte {
	g.t.Helper()
	decode := func(b []byte) any {
		if len(b) == 0 {
			return nil
		}
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			g.t.Fatalf("%s: %v in %s", name, err, b)
		}
		return v
	}
	for id, p := range g.ids {
		path = strings.ReplaceAll(path, id, p)
	}
	x := map[string]any{"method": method, "path": path, "status": r.status,
		"request": g.placeholders("", decode(req)), "response": g.placeholders("", decode(r.body))}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(x); err != nil {
		g.t.Fatal(err)
	}
	return out.Bytes()
}

// placeholders replaces, in v under key, the values that differ between runs.
func (g golden) placeholders(key string, v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			v[k] = g.placeholders(k, x)
		}
		return v
	case []any:
		for i, x := range v {
			v[i] = g.placeholders(key, x)
		}
		return v
	case string:
		switch {
		case v == "":
			return v
		case key == "token" || key == "device_credential" || key == "otp" || key == "hash" || key == "prev_hash":
			return "<" + key + ">"
		case g.ids[v] != "":
			return g.ids[v]
		case strings.HasPrefix(v, "SP") && signpost.ValidSignpostID(v):
			return "<signpost-id>"
		}
		if _, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return "<time>"
		}
		if _, err := uuid.Parse(v); err == nil && len(v) == 36 {
			return "<uuid>"
		}
		for id, p := range g.ids { // in messages
			v = strings.ReplaceAll(v, id, p)
		}
		return v
	}
	return v
}

// lineDiff shows the lines of want and got that differ, with their numbers.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  want %s\n   got %s\n", i+1, wl, gl)
		}
	}
	return b.String()
}
