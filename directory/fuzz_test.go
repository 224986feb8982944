package directory_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"signpost"
	"signpost/directory"
	"signpost/directory/demo"
	"signpost/directory/sqlcipher"
)

// fuzzTargets are the endpoints that decode a JSON body, with the caller
// that gets past sign-in to the decoder.
var fuzzTargets = []struct{ path, as string }{
	{"/v1/session", ""},
	{"/v1/search", "nurse"},
	{"/v1/children/{riley}/break-glass", "social"},
	{"/v1/children/{jamie}/shield", "manager"},
	{"/v1/sync/push", "nurse"},
	{"/v1/devices/{dev}/wiped", "receipt"},
}

// FuzzRequestBodies posts arbitrary bytes to every endpoint of the real
// directory that reads a JSON body: the answer is never a 5xx, is always
// JSON (the v1 error body when it is an error), and the server stays healthy.
func FuzzRequestBodies(f *testing.F) {
	ctx := context.Background()
	st, err := sqlcipher.Open(ctx, filepath.Join(f.TempDir(), "directory.db"), bytes.Repeat([]byte{7}, 32))
	if err != nil {
		f.Fatal(err)
	}
	clk := &clock{t: time.Now().UTC()}
	if err := demo.Seed(ctx, st, 20, clk.Now(), cheap); err != nil {
		f.Fatal(err)
	}
	srv := directory.NewServer(st, directory.Config{Now: clk.Now, SearchRate: 1e9, SearchBurst: 1 << 30, WaitTimeout: time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	hs := httptest.NewServer(srv)
	f.Cleanup(func() { hs.Close(); srv.Close(); st.Close() })
	e := &env{t: f, store: st, server: srv, http: hs, clock: clk}
	cands, err := st.Candidates(ctx, directory.CandidateKeys{DatesOfBirth: []string{"2015-03-14", "2012-07-01"}})
	if err != nil {
		f.Fatal(err)
	}
	for _, c := range cands {
		switch c.Family {
		case "Fixture":
			e.jamie = c.SignpostID
		case "Shielded":
			e.riley = c.SignpostID
		}
	}
	u, _ := url.Parse(hs.URL)
	h := &hostileEnv{env: e, addr: u.Host, tokens: map[string]string{}, devs: map[string]string{}}
	login := func(user string) (string, string) {
		clk.Add(30 * time.Second) // a security code is good for one sign-in
		return e.login(user)
	}
	for _, user := range []string{"nurse", "social", "manager"} {
		h.tokens[user], h.devs[user] = login(user)
	}
	h.tokens["receipt"], h.devs["receipt"] = login("itadmin")

	// Seeds: a real body for each endpoint, and the usual damage.
	seeds := []string{
		`{"username":"nurse","password":"demo-password-1","otp":"123456","device_id":"` + uuid.NewString() + `","device_name":"Laptop"}`,
		`{"family_name":"Fixture","date_of_birth":"2015-03-14","reason":"referral"}`,
		`{"reason":"section 47 enquiry"}`,
		`{"reason":"fled domestic abuse","review_date":"` + signpost.Today(clk.Now()).AddDate(0, 6, 0).Format(signpost.DateLayout) + `"}`,
		mutationsJSON(map[string]any{"id": uuid.Must(uuid.NewV7()).String(), "kind": "set_caf", "child_id": e.jamie, "value": true, "at": clk.Now().Format(time.RFC3339)},
			map[string]any{"id": uuid.Must(uuid.NewV7()).String(), "kind": "met_child", "identity": map[string]string{"given_name": "Jamie", "family_name": "Fixture", "date_of_birth": "2015-03-14", "postcode": "LS1 4AP"}},
			map[string]any{"id": uuid.Must(uuid.NewV7()).String(), "kind": "view", "child_id": e.riley, "reason": "visit", "at": clk.Now().Format(time.RFC3339)}),
		`{"pushed":3,"lost":1,"wiped_at":"` + clk.Now().Format(time.RFC3339) + `"}`,
	}
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
		f.Add(uint8(i), []byte(s[:len(s)/2]))
		f.Add(uint8(i), []byte(s+s))
	}
	f.Add(uint8(1), []byte(`{"family_name":"\u202eFix\u0000ture","date_of_birth":"2015-03-14"}`))
	f.Add(uint8(4), []byte(`{"mutations":[{"id":5,"at":"yesterday"}]}`))
	f.Add(uint8(0), []byte(`[[[[[[[[[[]]]]]]]]]]`))
	f.Add(uint8(5), []byte(`{"pushed":1e300}`))

	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		target := fuzzTargets[int(which)%len(fuzzTargets)]
		tok, dev := h.tokens[target.as], h.devs[target.as]
		path := target.path
		for k, v := range map[string]string{"{riley}": e.riley, "{jamie}": e.jamie, "{dev}": dev} {
			path = replaceAll(path, k, v)
		}
		var header []string
		if tok != "" {
			header = append(header, "Authorization: Bearer "+tok)
		}
		status, hdr, out, err := h.send("POST", path, header, "application/json", string(body))
		if err != nil {
			t.Fatalf("no answer: %v", err)
		}
		if status >= 500 {
			t.Fatalf("%s answered %d: %s", path, status, clip(out))
		}
		if !json.Valid(out) {
			t.Fatalf("%s answered %d with a body that is not JSON (%s): %q", path, status, hdr.Get("Content-Type"), clip(out))
		}
		if status >= 400 {
			if _, err := errorBody(out); err != nil {
				t.Fatalf("%s answered %d: %v", path, status, err)
			}
		}
		if st, _, b, err := h.send("GET", "/healthz", nil, "", ""); err != nil || st != 200 {
			t.Fatalf("after %s the directory is not healthy: %d %s %v", path, st, clip(b), err)
		}
		// A receipt that was taken ends that device: enrol another.
		if target.as == "receipt" && status == 200 {
			clk.Add(30 * time.Second)
			h.tokens["receipt"], h.devs["receipt"] = h.loginT(t, "itadmin")
		}
	})
}

func replaceAll(s, old, new string) string {
	return string(bytes.ReplaceAll([]byte(s), []byte(old), []byte(new)))
}
