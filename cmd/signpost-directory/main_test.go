package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMainServesDemoOnPortZeroAndReseedsNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	firstMissing := 0
	for round := 0; round < 2; round++ {
		m := NewMain()
		m.DataDir, m.Listen, m.Demo, m.DemoChildren = dir, "127.0.0.1:0", true, 200
		if err := m.Run(ctx); err != nil {
			t.Fatal(err)
		}
		res, err := http.Get(m.URL() + "/healthz")
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("healthz: %v %v", res, err)
		}
		res.Body.Close()
		c, err := m.Store.Child(ctx, m.Store.IDCodec().ID(1))
		if err != nil || c.FamilyName != "Fixture" || c.GivenName != "Jamie" || c.DateOfBirth != "2015-03-14" {
			t.Fatalf("round %d: Jamie Fixture = %+v, %v", round, c, err)
		}
		missing := 1
		for ; missing < 5000; missing++ {
			if _, err := m.Store.Child(ctx, m.Store.IDCodec().ID(missing)); err != nil {
				break
			}
		}
		if round == 0 {
			firstMissing = missing
		} else if missing != firstMissing {
			t.Errorf("reseeding changed the population: %d children, then %d", firstMissing-1, missing-1)
		}
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
	}
	fi, err := os.Stat(filepath.Join(dir, "store.key"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v %v", fi, err)
	}
}

func TestMainRefusesPlainHTTPOffLoopback(t *testing.T) {
	m := NewMain()
	m.DataDir, m.Listen = t.TempDir(), "0.0.0.0:0"
	err := m.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("plain HTTP on 0.0.0.0: %v", err)
		m.Close()
	}
}

func TestAdminCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var out, errb bytes.Buffer
	runOK := func(args ...string) string {
		t.Helper()
		out.Reset()
		errb.Reset()
		if err := run(ctx, append(args, "--data", dir), &out, &errb); err != nil {
			t.Fatalf("%v: %v (%s)", args, err, errb.String())
		}
		return out.String()
	}
	runOK("create-authority", "--code", "E08000035", "--name", "Leeds")
	runOK("create-authority", "--code", "E08000034", "--name", "Kirklees", "--phone", "01484 496 000", "--email", "kirklees-signpost@example.org")
	runOK("set-authority-contact", "--authority", "Leeds", "--phone", "0113 496 0000", "--email", "leeds-signpost@example.org")
	runOK("create-org", "--name", "Leeds Health", "--authority", "Leeds")
	t.Setenv("SIGNPOST_PASSWORD", "a-long-enough-password")
	got := runOK("create-user", "--username", "ann", "--name", "Ann Example", "--role", "practitioner", "--org", "Leeds Health")
	if !strings.Contains(got, "TOTP secret: ") || !strings.Contains(got, "otpauth://totp/Signpost:ann") {
		t.Errorf("create-user printed %q", got)
	}
	runOK("disable-user", "--username", "ann")
	if got := runOK("devices"); !strings.Contains(got, "DEVICE") {
		t.Errorf("devices printed %q", got)
	}
	for _, bad := range [][]string{
		{"create-user", "--username", "bob", "--name", "Bob", "--role", "wizard", "--org", "Leeds Health"},
		{"create-org", "--name", "X", "--authority", "Atlantis"},
		{"set-authority-contact", "--authority", "Atlantis", "--phone", "0113 496 0000"},
		{"set-authority-contact", "--authority", "Leeds"},
		{"set-authority-contact", "--authority", "Leeds", "--phone", "call the office"},
		{"set-authority-contact", "--authority", "Leeds", "--email", "leeds at example.org"},
		{"create-authority", "--code", "E08000036", "--name", "Wakefield", "--email", "nowhere"},
		{"disable-user", "--username", "nobody"},
		{"wipe", "--device", "nope"},
		{"wipe", "--device", "nope", "--reason", "misplaced"},
		{"wipe", "--device", "nope", "--cancel"},
		{"audit", "--child", "nope"},
		{"frobnicate"},
	} {
		err := run(ctx, append(bad, "--data", dir), io.Discard, io.Discard)
		if err == nil {
			t.Errorf("%v succeeded", bad)
		}
	}
}

func TestPolicyCommandShowsAndChangesThePolicy(t *testing.T) {
	c := cli{t, t.TempDir()}
	if out := c.ok("policy"); !strings.Contains(out, `"max_off_caseload_views_per_day": 50`) {
		t.Fatalf("policy:\n%s", out)
	}
	out := c.ok("policy", "--set", "max_off_caseload_views_per_day=80", "--set", "harvest_views_per_day=60")
	if !strings.Contains(out, `"max_off_caseload_views_per_day": 80`) || !strings.Contains(out, `"harvest_views_per_day": 60`) {
		t.Fatalf("after --set:\n%s", out)
	}
	if out := c.ok("policy"); !strings.Contains(out, `"max_off_caseload_views_per_day": 80`) {
		t.Fatalf("the change was not kept:\n%s", out)
	}
	for _, bad := range [][]string{{"--set", "no_such_thing=3"}, {"--set", "harvest_views_per_day=many"}, {"--set", "harvest_views_per_day=0"}, {"--set", "harvest_views_per_day"}} {
		if _, err := c.run(append([]string{"policy"}, bad...)...); err == nil {
			t.Errorf("policy %v was accepted", bad)
		}
	}
}

// Issue 17, operations: metrics only on loopback, refused before the store opens.
func TestMainRefusesMetricsOffLoopback(t *testing.T) {
	m := NewMain()
	m.DataDir, m.Listen, m.MetricsAddr = filepath.Join(t.TempDir(), "data"), "127.0.0.1:0", "0.0.0.0:9464"
	err := m.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("metrics on 0.0.0.0: %v", err)
		m.Close()
	}
	if _, err := os.Stat(m.DataDir); err == nil {
		t.Errorf("the store was opened before the metrics address was refused")
	}
}
