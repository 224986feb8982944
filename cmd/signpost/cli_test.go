package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"signpost/directory"
	demodir "signpost/directory/demo"
	"signpost/directory/sqlcipher"
)

// TestHeadlessCommandsEndToEnd drives the binary's commands against a real
// directory and a real cache, as a support engineer would from a terminal.
func TestHeadlessCommandsEndToEnd(t *testing.T) {
	ctx := context.Background()
	st, err := sqlcipher.Open(ctx, filepath.Join(t.TempDir(), "d.db"), bytes.Repeat([]byte{4}, 32))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := demodir.Seed(ctx, st, 50, time.Now(), directory.PasswordParams{Memory: 1024, Time: 1, Threads: 1}); err != nil {
		t.Fatal(err)
	}
	fx, err := demodir.Fixtures(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	srv := directory.NewServer(st, directory.Config{SearchRate: 100, SearchBurst: 100, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	defer srv.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()

	data := filepath.Join(t.TempDir(), "cache")
	t.Setenv("SIGNPOST_PASSWORD", demodir.Password)
	t.Setenv("SIGNPOST_PASSPHRASE", "a long cache passphrase")
	sh := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(ctx, append([]string{"--data", data}, args...), strings.NewReader(""), &out, &errb)
		return code, out.String(), errb.String()
	}
	code, _ := totp.GenerateCode(demodir.TOTPSecret, time.Now())

	if c, _, e := sh("status"); c != 1 || !strings.Contains(e, "enrol first") {
		t.Errorf("status before enrolling: %d %q", c, e)
	}
	if c, _, e := sh("enrol", "--server", hs.URL, "--user", "nurse", "--otp", "000000"); c != 1 || !strings.Contains(e, "security code") {
		t.Errorf("enrol with a wrong code: %d %q", c, e)
	}
	if c, o, e := sh("enrol", "--server", hs.URL, "--user", "nurse", "--otp", code); c != 0 || !strings.Contains(o, "25 children") {
		t.Fatalf("enrol: %d %q %q", c, o, e)
	}
	if c, o, _ := sh("status"); c != 0 || !strings.Contains(o, "caseload:     25 children") {
		t.Errorf("status: %d %q", c, o)
	}
	if c, o, _ := sh("search", "--family", "Fixtrue", "--dob", "2015-03-14"); c != 0 || !strings.Contains(o, "Jamie Fixture") {
		t.Errorf("search: %d %q", c, o)
	}
	if c, o, _ := sh("search", "--family", "Smith", "--dob", "2016-01-01"); c != 0 || !strings.Contains(o, "Too many matches — add detail (a given name or a postcode)") {
		t.Errorf("too-many search: %d %q", c, o)
	}
	if c, o, _ := sh("search", "--family", "Smith", "--given", "Sam", "--dob", "1 Jan 2016", "--postcode", "LS6 1AA", "--reason", "health assessment"); c != 0 || strings.Count(o, "Sam Smith") != 1 {
		t.Errorf("the Sam Smith at LS6 1AA, born 1 Jan 2016: %d %q", c, o)
	}
	if c, _, e := sh("search", "--family", "Smith", "--dob", "2016-02-30"); c != 1 || !strings.Contains(e, "real date") {
		t.Errorf("bad date: %d %q", c, e)
	}
	if c, o, e := sh("involvement", "end", "--child", fx.Jamie); c != 0 || !strings.Contains(o, "synced") {
		t.Errorf("end involvement: %d %q %q", c, o, e)
	}
	if c, o, e := sh("involvement", "start", "--child", fx.Jamie, "--role", "School nurse"); c != 0 || !strings.Contains(o, "saved and synced") {
		t.Errorf("start again (fetched online): %d %q %q", c, o, e)
	}
	if c, _, e := sh("involvement", "start", "--child", "12345"); c != 1 || !strings.Contains(e, "Signpost ID") {
		t.Errorf("bad child id: %d %q", c, e)
	}
	if c, _, e := sh("involvement", "pause", "--child", fx.Jamie); c != 1 || !strings.Contains(e, "start or involvement end") {
		t.Errorf("bad verb: %d %q", c, e)
	}
	// Offline: the directory is gone; search falls back to the cache, changes queue.
	hs.Close()
	if c, o, _ := sh("search", "--family", "Fixture", "--dob", "2015-03-14"); c != 0 || !strings.Contains(o, "offline") || !strings.Contains(o, "Jamie") {
		t.Errorf("offline search: %d %q", c, o)
	}
	if c, o, _ := sh("involvement", "end", "--child", fx.Jamie); c != 0 || !strings.Contains(o, "waiting to sync") {
		t.Errorf("offline change: %d %q", c, o)
	}
	if c, _, e := sh("sync"); c != 3 || !strings.Contains(e, "cannot reach") {
		t.Errorf("offline sync: exit %d %q, want 3", c, e)
	}
	if c, o, _ := sh("status"); c != 0 || !strings.Contains(o, "waiting:      1 changes") {
		t.Errorf("status offline: %q", o)
	}
	t.Setenv("SIGNPOST_PASSPHRASE", "not the passphrase")
	if c, _, e := sh("status"); c != 1 || !strings.Contains(e, "wrong passphrase") {
		t.Errorf("wrong passphrase: %d %q", c, e)
	}
	if c, o, _ := sh("wipe"); c != 0 || !strings.Contains(o, "1 unsent changes were lost") {
		t.Errorf("wipe: %d %q", c, o)
	}
	if entries, _ := os.ReadDir(data); len(entries) != 0 {
		t.Errorf("files left after wipe: %v", entries)
	}
	if c, _, _ := sh("frobnicate"); c != 2 {
		t.Errorf("unknown command: exit %d, want 2", c)
	}
}
