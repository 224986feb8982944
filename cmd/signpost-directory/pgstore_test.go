package main

// Issue 17: serve on PostgreSQL, and its refusal of a database reached
// without verified TLS.

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"signpost"
	"signpost/directory"
	"signpost/directory/postgres"
	"signpost/directory/postgres/pgtest"
	"signpost/directory/sqlcipher"
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

func TestMigrateStoreCopiesTheDirectory(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	m := NewMain()
	m.DataDir, m.Listen, m.Demo, m.DemoChildren, m.SearchIndex, m.Maintenance = dir, "127.0.0.1:0", true, 300, false, false
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	src := m.Store
	jamie := src.IDCodec().ID(1)
	want, err := src.Child(ctx, jamie)
	if err != nil {
		t.Fatal(err)
	}
	ann, err := src.Account(ctx, "nurse")
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Audit(ctx, []directory.AuditEvent{{At: time.Now(), UserID: ann.ID, Username: "nurse", Action: "view", ChildID: jamie}}); err != nil {
		t.Fatal(err)
	}
	// A device, its session and a push: sync state the copy must keep.
	if _, err := src.EnrolDevice(ctx, "dev-1", "laptop", ann.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	token := bytes.Repeat([]byte{7}, 32)
	if err := src.CreateSession(ctx, &directory.Session{TokenHash: token, UserID: ann.ID, DeviceID: "dev-1", CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	actor := directory.Actor{UserID: ann.ID, Username: "nurse", Role: ann.Role, DeviceID: "dev-1"}
	push := []signpost.Mutation{{ID: "0190f0e4-0000-7000-8000-000000000001", Kind: signpost.MutStartInvolvement, ChildID: src.IDCodec().ID(2), Role: "Nurse", At: time.Now()}}
	if res, err := src.Push(ctx, actor, push, time.Now()); err != nil || res[0].Status != "applied" {
		t.Fatalf("push: %+v %v", res, err)
	}
	// Issue 16: a notification told, the push's event still pending and a
	// mute: the copy keeps them.
	told, err := src.Notify(ctx, nil, []directory.NotificationRecord{{UserID: ann.ID, Username: "nurse",
		Notification: signpost.Notification{Kind: signpost.NoteNewInvolvement, ChildID: jamie, At: time.Now().UTC().Truncate(time.Second), Text: "told the nurse"}}})
	if err != nil || len(told) != 1 {
		t.Fatalf("notify: %+v, %v", told, err)
	}
	for i := 3; i < 300; i++ { // a start by the nurse leaves an event pending
		c, err := src.Child(ctx, src.IDCodec().ID(i))
		if err != nil || slices.ContainsFunc(c.Involvements, func(inv signpost.Involvement) bool { return inv.Username == "nurse" }) {
			continue
		}
		start := []signpost.Mutation{{ID: uuid.Must(uuid.NewV7()).String(), Kind: signpost.MutStartInvolvement, ChildID: c.SignpostID, Role: "Nurse", At: time.Now()}}
		if res, err := src.Push(ctx, actor, start, time.Now()); err != nil || res[0].Status != "applied" {
			t.Fatalf("push: %+v %v", res, err)
		}
		break
	}
	pending, err := src.NotifyEvents(ctx, 100)
	if err != nil || len(pending) == 0 {
		t.Fatalf("pending events: %+v, %v", pending, err)
	}
	if err := src.SetMutedKinds(ctx, ann.ID, []string{signpost.NoteEndedInvolvement}); err != nil {
		t.Fatal(err)
	}
	wantAudit, err := src.AuditForChild(ctx, jamie)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	url := pgtest.URL(t)
	var out bytes.Buffer
	if err := run(ctx, []string{"migrate-store", "--from", dir, "--to", url}, &out, io.Discard); err != nil {
		t.Fatalf("migrate-store: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "every table's count and digest match") || strings.Contains(out.String(), "MISMATCH") {
		t.Fatalf("migrate-store printed:\n%s", out.String())
	}
	for _, table := range []string{"notify_events", "notifications", "notification_mutes", "settings"} { // issue 16
		if !strings.Contains(out.String(), "\n"+table+" ") {
			t.Errorf("migrate-store did not copy and check %s:\n%s", table, out.String())
		}
	}
	t.Logf("migrate-store:\n%s", out.String())
	// A second copy into the same database is refused.
	if err := run(ctx, []string{"migrate-store", "--from", dir, "--to", url}, io.Discard, io.Discard); err == nil {
		t.Error("a copy into a database that is not empty was accepted")
	}

	dst, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if dst.IDCodec().ID(1) != jamie {
		t.Fatalf("the copy issues Signpost IDs with another key: %s, want %s", dst.IDCodec().ID(1), jamie)
	}
	got, err := dst.Child(ctx, jamie)
	if err != nil || got.FamilyName != want.FamilyName || got.DateOfBirth != want.DateOfBirth || len(got.Carers) != len(want.Carers) || len(got.Involvements) != len(want.Involvements) {
		t.Fatalf("copied child = %+v, %v; want %+v", got, err, want)
	}
	gotAudit, err := dst.AuditForChild(ctx, jamie)
	if err != nil || len(gotAudit) != len(wantAudit) {
		t.Fatalf("copied audit: %d events, %v; want %d", len(gotAudit), err, len(wantAudit))
	}
	for i := range gotAudit {
		if gotAudit[i].ID != wantAudit[i].ID || gotAudit[i].Action != wantAudit[i].Action {
			t.Errorf("audit event %d = %+v, want %+v (the order is kept)", i, gotAudit[i], wantAudit[i])
		}
	}
	// New rows are numbered after the copied ones.
	if err := dst.CreateAuthority(ctx, "E99999999", "Newtown"); err != nil {
		t.Errorf("a new authority after the copy: %v", err)
	}
	if err := dst.Audit(ctx, []directory.AuditEvent{{At: time.Now(), UserID: ann.ID, Username: "nurse", Action: "view", ChildID: jamie}}); err != nil {
		t.Errorf("a new audit event after the copy: %v", err)
	}
	if _, err := dst.Account(ctx, "nurse"); err != nil {
		t.Errorf("the nurse's account: %v", err)
	}
	// The digest tells a changed row: one name changed in the copy.
	src2, err := sqlcipher.OpenDir(ctx, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer src2.Close()
	cols, _, want64, err := src2.TableDigest(ctx, "children")
	if err != nil {
		t.Fatal(err)
	}
	admin, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, `UPDATE children SET given_name = 'Jamey' WHERE signpost_id = $1`, jamie); err != nil {
		t.Fatal(err)
	}
	if _, got64, err := dst.TableDigest(ctx, "children", cols); err != nil || got64 == want64 {
		t.Errorf("the digest of children did not change with a name (%x, %v)", got64, err)
	}
	if se, err := dst.Session(ctx, token); err != nil || se.DeviceID != "dev-1" {
		t.Errorf("the copied session: %+v, %v", se, err)
	}
	if res, err := dst.Push(ctx, actor, push, time.Now()); err != nil || res[0].Status != "duplicate" {
		t.Errorf("replaying a push made before the copy: %+v, %v; want duplicate", res, err)
	}
	// Issue 16: the copied notifications, pending events and mutes, and a
	// notification stored after the copy numbered after the copied one.
	if ns, unread, err := dst.Notifications(ctx, ann.ID, 0, 10); err != nil || len(ns) != 1 || unread != 1 || ns[0].ID != told[0].ID || ns[0].Text != "told the nurse" {
		t.Errorf("the copied notifications: %+v (%d unread), %v; want %+v", ns, unread, err, told)
	}
	if evs, err := dst.NotifyEvents(ctx, 100); err != nil || len(evs) != len(pending) || evs[0].ID != pending[0].ID || evs[0].ChildID != pending[0].ChildID {
		t.Errorf("the copied pending events: %+v, %v; want %+v", evs, err, pending)
	}
	if kinds, err := dst.MutedKinds(ctx, ann.ID); err != nil || len(kinds) != 1 || kinds[0] != signpost.NoteEndedInvolvement {
		t.Errorf("the copied mutes: %v, %v", kinds, err)
	}
	more, err := dst.Notify(ctx, []int64{pending[0].ID}, []directory.NotificationRecord{{UserID: ann.ID, Username: "nurse", Event: pending[0].ID,
		Notification: signpost.Notification{Kind: signpost.NoteNewInvolvement, ChildID: jamie, At: time.Now(), Text: "after the copy"}}})
	if err != nil || len(more) != 1 || more[0].ID == told[0].ID {
		t.Errorf("a notification after the copy: %+v, %v", more, err)
	}
}

func TestAdminCommandsOnPostgreSQL(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	var out, errb bytes.Buffer
	runOK := func(args ...string) string {
		t.Helper()
		out.Reset()
		errb.Reset()
		if err := run(ctx, append(args, "--store", url), &out, &errb); err != nil {
			t.Fatalf("%v: %v (%s)", args, err, errb.String())
		}
		return out.String()
	}
	runOK("create-authority", "--code", "E08000035", "--name", "Leeds")
	runOK("set-authority-contact", "--authority", "Leeds", "--phone", "0113 496 0000", "--email", "leeds-signpost@example.org")
	runOK("create-org", "--name", "Leeds Health", "--authority", "Leeds")
	t.Setenv("SIGNPOST_PASSWORD", "a-long-enough-password")
	if got := runOK("create-user", "--username", "ann", "--name", "Ann Example", "--role", "practitioner", "--org", "Leeds Health"); !strings.Contains(got, "TOTP secret: ") {
		t.Errorf("create-user printed %q", got)
	}
	runOK("disable-user", "--username", "ann")
	runOK("policy", "--set", "harvest_views_per_day=60")
	if got := runOK("policy"); !strings.Contains(got, `"harvest_views_per_day": 60`) {
		t.Errorf("policy on PostgreSQL printed %q", got)
	}
	if got := runOK("devices"); !strings.Contains(got, "DEVICE") {
		t.Errorf("devices printed %q", got)
	}
	st, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a, err := st.Account(ctx, "ann")
	if err != nil || !a.Disabled || a.Organisation != "Leeds Health" {
		t.Fatalf("ann in PostgreSQL = %+v, %v", a, err)
	}
	if err := run(ctx, []string{"disable-user", "--username", "nobody", "--store", url}, io.Discard, io.Discard); err == nil {
		t.Error("disable-user of nobody succeeded")
	}
	t.Setenv("PGSSLMODE", "")
	if err := run(ctx, []string{"devices", "--store", "postgres://signpost@db.invalid/signpost"}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "sslmode") {
		t.Errorf("an admin command on a remote database without TLS: %v", err)
	}
}
