package main

// Issue 17: serve on PostgreSQL, and its refusal of a database reached
// without verified TLS.

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"signpost/directory/postgres/pgtest"
)

func TestCheckStoreURLRefusesRemoteDatabaseWithoutVerifiedTLS(t *testing.T) {
	t.Setenv("PGSSLMODE", "")
	for _, tc := range []struct {
		url      string
		insecure bool
		ok       bool
	}{
		{"postgres://signpost@db.example.org/signpost", false, false},
		{"postgres://signpost@db.example.org/signpost?sslmode=require", false, false},
		{"postgres://signpost@db.example.org/signpost?sslmode=disable", false, false},
		{"host=db.example.org dbname=signpost sslmode=prefer", false, false},
		{"postgres://signpost@10.0.0.5:5432/signpost", false, false},
		{"postgres://signpost@127.0.0.1,db.example.org/signpost", false, false}, // a fallback host counts too
		{"postgres://signpost@db.example.org/signpost?sslmode=verify-full", false, true},
		{"host=db.example.org dbname=signpost sslmode=verify-ca", false, true},
		{"postgres://signpost@db.example.org/signpost", true, true},
		{"postgres://signpost@127.0.0.1/signpost?sslmode=disable", false, true},
		{"postgres://signpost@localhost/signpost", false, true},
		{"postgres://signpost@[::1]:5432/signpost", false, true},
		{"postgres:///signpost?host=/var/run/postgresql", false, true},
		{"host=/var/run/postgresql dbname=signpost", false, true},
	} {
		err := CheckStoreURL(tc.url, tc.insecure)
		if (err == nil) != tc.ok {
			t.Errorf("CheckStoreURL(%q, insecure=%v) = %v, want ok=%v", tc.url, tc.insecure, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "verify-full") {
			t.Errorf("CheckStoreURL(%q): %v does not say what to do", tc.url, err)
		}
	}
}

func TestServeRefusesRemoteStoreWithoutTLSBeforeConnecting(t *testing.T) {
	t.Setenv("PGSSLMODE", "")
	// db.invalid never resolves: a refusal that tried to connect would say so.
	err := run(context.Background(), []string{"serve", "--data", t.TempDir(), "--listen", "127.0.0.1:0", "--store", "postgres://signpost@db.invalid/signpost"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "sslmode") {
		t.Fatalf("serve --store on a remote host without TLS: %v", err)
	}
	t.Setenv("SIGNPOST_STORE", "postgres://signpost@db.invalid/signpost?sslmode=require")
	err = run(context.Background(), []string{"serve", "--data", t.TempDir(), "--listen", "127.0.0.1:0"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "sslmode") {
		t.Fatalf("SIGNPOST_STORE on a remote host with sslmode=require: %v", err)
	}
}

func TestMainServesDemoFromPostgreSQL(t *testing.T) {
	ctx := context.Background()
	m := NewMain()
	m.DataDir, m.Listen, m.Demo, m.DemoChildren = t.TempDir(), "127.0.0.1:0", true, 200
	m.StoreURL = pgtest.URL(t)
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.Store != nil || m.PGStore == nil {
		t.Fatalf("--store postgres:// opened the embedded store")
	}
	res, err := http.Get(m.URL() + "/healthz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", res, err)
	}
	res.Body.Close()
	c, err := m.PGStore.Child(ctx, m.PGStore.IDCodec().ID(1))
	if err != nil || c.FamilyName != "Fixture" || c.GivenName != "Jamie" {
		t.Fatalf("Jamie Fixture = %+v, %v", c, err)
	}
}
