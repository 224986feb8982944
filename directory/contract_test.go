package directory_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"signpost"
	"signpost/directory"
	"signpost/directory/demo"
)

// raw sends a request exactly as given (no redirect followed) and returns
// the answer with its headers.
func (e *env) raw(method, path, token, body string) answer {
	e.t.Helper()
	req, err := http.NewRequest(method, e.http.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{res.StatusCode, res.Header, b}
}

func TestEveryAnswerIsTheJSONErrorBody(t *testing.T) {
	e := newEnv(t, 20, nil)
	nurse, dev := e.login("nurse")
	long := strings.Repeat("é", signpost.MaxNameLen+1) // 101 characters, 202 bytes
	session := func(mod func(*signpost.SessionRequest)) string {
		req := signpost.SessionRequest{Username: "nurse", Password: demo.Password, OTP: "123456", DeviceID: uuid.NewString(), DeviceName: "Laptop"}
		mod(&req)
		b, _ := json.Marshal(req)
		return string(b)
	}
	for _, tc := range []struct {
		name, method, path, token, body string
		status                          int
		field                           string
	}{
		{"dot-dot in the path", "GET", "/v1/children/../devices", nurse, "", 404, ""},
		{"double slash in the path", "POST", "/v1/devices//wipe", nurse, "", 404, ""},
		{"trailing slash", "GET", "/v1/devices/", nurse, "", 404, ""},
		{"encoded dot-dot", "GET", "/v1/children/%2e%2e/devices", nurse, "", 404, ""},
		{"CONNECT", "CONNECT", "/v1/search", nurse, "", 405, ""},
		{"CONNECT to a host", "CONNECT", "", nurse, "", 404, ""},
		{"device name too long", "POST", "/v1/session", "", session(func(r *signpost.SessionRequest) { r.DeviceName = long }), 400, "device_name"},
		{"device name with a line break", "POST", "/v1/session", "", session(func(r *signpost.SessionRequest) { r.DeviceName = "Lap\ntop" }), 400, "device_name"},
		{"username too long", "POST", "/v1/session", "", session(func(r *signpost.SessionRequest) { r.Username = long }), 400, "username"},
		{"password too long", "POST", "/v1/session", "", session(func(r *signpost.SessionRequest) { r.Password = strings.Repeat("p", signpost.MaxPasswordLen+1) }), 400, "password"},
		{"a name of 100 accented letters is not too long", "POST", "/v1/session", "", session(func(r *signpost.SessionRequest) { r.DeviceName = long[2:] }), 401, ""},
		{"pushed change dated yesterday", "POST", "/v1/sync/push", nurse, `{"mutations":[{"id":"` + uuid.NewString() + `","kind":"set_caf","child_id":"` + e.jamie + `","at":"yesterday"}]}`, 400, "mutations.at"},
		{"pushed change dated by a number", "POST", "/v1/sync/push", nurse, `{"mutations":[{"id":"` + uuid.NewString() + `","kind":"set_caf","child_id":"` + e.jamie + `","at":5}]}`, 400, "mutations.at"},
		{"receipt dated yesterday", "POST", "/v1/devices/" + dev + "/wiped", nurse, `{"pushed":1,"wiped_at":"yesterday"}`, 400, "wiped_at"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := e.raw(tc.method, tc.path, tc.token, tc.body)
			if a.status != tc.status {
				t.Errorf("status %d, want %d: %s", a.status, tc.status, a.body)
			}
			if loc := a.header.Get("Location"); loc != "" {
				t.Errorf("redirected to %s", loc)
			}
			if a.status < 400 {
				return
			}
			var body struct {
				Error *signpost.Error `json:"error"`
			}
			if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") || json.Unmarshal(a.body, &body) != nil || body.Error == nil || body.Error.Kind == "" || body.Error.Message == "" {
				t.Fatalf("not the JSON error body (%s): %q", ct, a.body)
			}
			if body.Error.Field != tc.field {
				t.Errorf("field %q, want %q: %s", body.Error.Field, tc.field, a.body)
			}
		})
	}
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu  gosync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestClientGoneMidSearchIsNotAnError(t *testing.T) {
	var logs syncBuffer
	e := newEnv(t, 20, func(c *directory.Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	social, _ := e.login("social")
	entered := make(chan struct{})
	var once gosync.Once
	// The search holds until the client has gone, then carries on as if it were slow.
	e.server.SetBeforeSearch(func(ctx context.Context) {
		once.Do(func() { close(entered) })
		<-ctx.Done()
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-entered; cancel() }()
	body, _ := json.Marshal(signpost.SearchRequest{FamilyName: "Fixture", DateOfBirth: "2015-03-14", Reason: "referral"})
	req, _ := http.NewRequestWithContext(ctx, "POST", e.http.URL+"/v1/search", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+social)
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("the search answered although its client went away")
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), `route="POST /v1/search"`) {
		if time.Now().After(deadline) {
			t.Fatalf("the search never finished:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	out := logs.String()
	if strings.Contains(out, "level=ERROR") || strings.Contains(out, "status=500") {
		t.Errorf("a client that went away was logged as an error:\n%s", out)
	}
	if !strings.Contains(out, `level=DEBUG msg="client went away"`) {
		t.Errorf("no debug line saying the client went away:\n%s", out)
	}
}
