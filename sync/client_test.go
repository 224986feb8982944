package sync_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pquerna/otp/totp"

	"signpost"
	"signpost/directory"
	"signpost/directory/demo"
	"signpost/directory/sqlcipher"
	psync "signpost/sync"
)

var cheap = directory.PasswordParams{Memory: 1024, Time: 1, Threads: 1}

// directoryServer starts the real directory over a real store on port 0.
func directoryServer(t *testing.T, children int) (*httptest.Server, *sqlcipher.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlcipher.Open(ctx, filepath.Join(t.TempDir(), "directory.db"), bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Seed(ctx, st, children, time.Now(), cheap); err != nil {
		t.Fatal(err)
	}
	srv := directory.NewServer(st, directory.Config{WaitTimeout: 3 * time.Second, SearchRate: 1000, SearchBurst: 1000,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close(); st.Close() })
	return hs, st
}

func otp(t *testing.T) string {
	c, err := totp.GenerateCode(demo.TOTPSecret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func signIn(t *testing.T, c *psync.Client, user string) string {
	t.Helper()
	dev := uuid.NewString()
	if _, err := c.SignIn(context.Background(), signpost.SessionRequest{Username: user, Password: demo.Password, OTP: otp(t), DeviceID: dev, DeviceName: "test laptop"}); err != nil {
		t.Fatal(err)
	}
	return dev
}

func TestClientRoundTripsTheWire(t *testing.T) {
	hs, _ := directoryServer(t, 50)
	ctx := context.Background()
	c, err := psync.NewClient(psync.ClientOptions{BaseURL: hs.URL})
	if err != nil {
		t.Fatal(err)
	}
	signIn(t, c, "nurse")
	s, err := c.Search(ctx, signpost.SearchRequest{FamilyName: "Fixture", DateOfBirth: "2015-03-14"})
	if err != nil || len(s.Matches) != 1 {
		t.Fatalf("search: %+v %v", s, err)
	}
	child, err := c.Child(ctx, s.Matches[0].SignpostID, "")
	if err != nil || child.GivenName != "Jamie" || len(child.Involvements) == 0 {
		t.Fatalf("child: %+v %v", child, err)
	}
	p, err := c.Pull(ctx, "", 10)
	if err != nil || len(p.Changes) != 10 || !p.More {
		t.Fatalf("pull: %d changes, more=%v, %v", len(p.Changes), p.More, err)
	}
	res, err := c.Push(ctx, []signpost.Mutation{{ID: uuid.Must(uuid.NewV7()).String(), Kind: signpost.MutSetLead, ChildID: child.SignpostID, Value: true, At: time.Now()}})
	if err != nil || res[0].Status != signpost.ResultApplied {
		t.Fatalf("push: %+v %v", res, err)
	}
	// Errors come back as the same domain error, field and all.
	_, err = c.Search(ctx, signpost.SearchRequest{FamilyName: "Fixture", DateOfBirth: "2015-02-30"})
	if signpost.KindOf(err) != signpost.KindInvalid || signpost.FieldOf(err) != "date_of_birth" {
		t.Errorf("bad date: %v", err)
	}
	if _, err := c.Devices(ctx, ""); signpost.KindOf(err) != signpost.KindForbidden {
		t.Errorf("nurse listing devices: %v", err)
	}
}

func TestClientErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := psync.NewClient(psync.ClientOptions{BaseURL: "http://signpost.example.org"}); signpost.FieldOf(err) != "server" {
		t.Errorf("plain http off loopback: %v", err)
	}
	if _, err := psync.NewClient(psync.ClientOptions{BaseURL: "not a url"}); signpost.FieldOf(err) != "server" {
		t.Errorf("bad url: %v", err)
	}
	if _, err := psync.NewClient(psync.ClientOptions{BaseURL: "https://x.example", CAFile: "/nonexistent"}); signpost.FieldOf(err) != "ca_file" {
		t.Errorf("missing CA file: %v", err)
	}

	hs, _ := directoryServer(t, 20)
	c, _ := psync.NewClient(psync.ClientOptions{BaseURL: hs.URL})
	_, err := c.SignIn(ctx, signpost.SessionRequest{Username: "nurse", Password: demo.Password, OTP: "000000", DeviceID: uuid.NewString(), DeviceName: "x"})
	if signpost.KindOf(err) != signpost.KindUnauthorized || !strings.Contains(signpost.MessageOf(err), "security code") {
		t.Errorf("wrong TOTP: %v", err)
	}
	c.SetToken("expired-or-made-up")
	if _, err := c.Pull(ctx, "", 0); signpost.KindOf(err) != signpost.KindUnauthorized {
		t.Errorf("bad token: %v", err)
	}

	// Garbage, 5xx with retries, and a directory that hangs.
	var calls atomic.Int32
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		switch r.URL.Path {
		case "/v1/sync/pull":
			w.Write([]byte("<html>proxy login</html>"))
		case "/v1/search":
			w.WriteHeader(502)
			w.Write([]byte("bad gateway"))
		default:
			time.Sleep(3 * time.Second)
		}
	}))
	defer garbage.Close()
	g, _ := psync.NewClient(psync.ClientOptions{BaseURL: garbage.URL, Timeout: 300 * time.Millisecond, Retries: 2, RetryWait: 10 * time.Millisecond, RetryMaxWait: 20 * time.Millisecond})
	if _, err := g.Pull(ctx, "", 0); signpost.KindOf(err) != signpost.KindUnavailable || !strings.Contains(signpost.MessageOf(err), "cannot read") {
		t.Errorf("garbage body: %v", err)
	}
	calls.Store(0)
	if _, err := g.Search(ctx, signpost.SearchRequest{}); signpost.KindOf(err) != signpost.KindUnavailable || calls.Load() != 3 {
		t.Errorf("502: %v after %d calls, want unavailable after 3", err, calls.Load())
	}
	start := time.Now()
	_, err = g.Devices(ctx, "")
	if !psync.IsOffline(err) || time.Since(start) > 2500*time.Millisecond {
		t.Errorf("hanging directory: %v after %v", err, time.Since(start))
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.Pull(cctx, "", 0); err == nil {
		t.Error("cancelled context still pulled")
	}
}

func TestClientSeesWipeDirective(t *testing.T) {
	hs, st := directoryServer(t, 20)
	ctx := context.Background()
	c, _ := psync.NewClient(psync.ClientOptions{BaseURL: hs.URL})
	dev := signIn(t, c, "nurse")
	if _, err := st.MoveDevice(ctx, dev, directory.DeviceMove{To: signpost.DeviceWipeOrdered, By: "itadmin", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	_, err := c.Pull(ctx, "", 0)
	var gone *psync.GoneError
	if !errorsAs(err, &gone) || len(gone.Directives) != 1 || gone.Directives[0].Kind != signpost.DirectiveWipe {
		t.Fatalf("pull after wipe order: %v", err)
	}
	if psync.IsOffline(err) {
		t.Error("a wipe order is not being offline")
	}
	if err := c.Wiped(ctx, dev, signpost.WipeReceipt{Pushed: 1}); err != nil {
		t.Errorf("receipt: %v", err)
	}
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
