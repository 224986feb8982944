package postgres_test

// Several directory instances on one PostgreSQL (issue 17): none holds state
// another needs.

import (
	"context"
	"errors"
	"fmt"
	neturl "net/url"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"signpost"
	"signpost/directory"
	"signpost/directory/postgres"
	"signpost/directory/postgres/pgtest"
)

var ctx = context.Background()

// two opens two instances on one new database, seeded with an authority,
// an organisation, users ann and ben and three children.
func two(t *testing.T) (url string, a, b *postgres.Store) {
	t.Helper()
	url = pgtest.URL(t)
	open := func() *postgres.Store {
		st, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	// Both at once: one migrates, the other waits for it.
	var wg gosync.WaitGroup
	var sa, sb *postgres.Store
	wg.Add(2)
	go func() { defer wg.Done(); sa = open() }()
	go func() { defer wg.Done(); sb = open() }()
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	must(t, sa.CreateAuthority(ctx, "E08000035", "Leeds"))
	must(t, sb.CreateOrganisation(ctx, "Leeds Health", "Leeds", true))
	for _, u := range []string{"ann", "ben"} {
		must(t, sa.CreateAccount(ctx, &directory.Account{User: signpost.User{Username: u, DisplayName: u, Role: signpost.RolePractitioner, Organisation: "Leeds Health"},
			PasswordHash: "x", TOTPSecret: "y"}))
	}
	var cs []signpost.Child
	for i := 1; i <= 3; i++ {
		cs = append(cs, signpost.Child{SignpostID: signpost.SignpostID(i), GivenName: "Jamie", FamilyName: fmt.Sprint("Fixture", i), DateOfBirth: "2015-03-14",
			Postcode: "LS1 4AP", Authority: "Leeds"})
	}
	must(t, sb.CreateChildren(ctx, cs))
	return url, sa, sb
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func actorOn(t *testing.T, st directory.Store, user string) directory.Actor {
	t.Helper()
	a, err := st.Account(ctx, user)
	must(t, err)
	dev := uuid.NewString()
	_, err = st.EnrolDevice(ctx, dev, "laptop", a.ID, time.Now())
	must(t, err)
	return directory.Actor{UserID: a.ID, Username: a.Username, Role: a.Role, Authority: a.Authority, DeviceID: dev}
}

func TestChangedWakesOtherInstance(t *testing.T) {
	_, a, b := two(t)
	for i, c := range []struct{ from, to *postgres.Store }{{a, b}, {b, a}} {
		ch := c.to.Changed()
		_, err := c.from.AddInvolvement(ctx, signpost.SignpostID(i+1), "ben", signpost.Involvement{StartedOn: "2024-01-01"})
		must(t, err)
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			t.Fatalf("%d: a commit on one instance did not wake the other's Changed (LISTEN/NOTIFY)", i)
		}
	}
}

func TestPushExactlyOnceAcrossInstances(t *testing.T) {
	_, a, b := two(t)
	ann := actorOn(t, a, "ann")
	var ms []signpost.Mutation
	for i := 1; i <= 3; i++ {
		ms = append(ms, signpost.Mutation{ID: uuid.Must(uuid.NewV7()).String(), Kind: signpost.MutStartInvolvement, ChildID: signpost.SignpostID(i), Role: "Nurse", At: time.Now()})
	}
	// The same push, racing through both instances eight times each.
	var wg gosync.WaitGroup
	var applied atomic.Int32
	for i := range 16 {
		st := a
		if i%2 == 1 {
			st = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := st.Push(ctx, ann, ms, time.Now())
			if err != nil {
				t.Error(err)
				return
			}
			for _, r := range res {
				if r.Status == "applied" {
					applied.Add(1)
				} else if r.Status != "duplicate" {
					t.Errorf("result %+v", r)
				}
			}
		}()
	}
	wg.Wait()
	if n := applied.Load(); n != int32(len(ms)) {
		t.Errorf("%d mutations applied across 16 racing pushes, want %d (each once)", n, len(ms))
	}
	for i := 1; i <= 3; i++ {
		c, err := b.Child(ctx, signpost.SignpostID(i))
		must(t, err)
		if len(c.Involvements) != 1 {
			t.Errorf("child %d has %d involvements, want 1", i, len(c.Involvements))
		}
	}
}

func TestTOTPStepUsedOnceAcrossInstances(t *testing.T) {
	_, a, b := two(t)
	ann, err := a.Account(ctx, "ann")
	must(t, err)
	var wg gosync.WaitGroup
	var accepted atomic.Int32
	for i := range 16 {
		st := a
		if i%2 == 1 {
			st = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := st.UseTOTPStep(ctx, ann.ID, 500)
			if err != nil {
				t.Error(err)
			}
			if ok {
				accepted.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := accepted.Load(); n != 1 {
		t.Errorf("16 racing uses of one step on two instances: %d accepted, want 1", n)
	}
}

func TestPullSeesOtherInstancesWritesInOrder(t *testing.T) {
	_, a, b := two(t)
	ann := actorOn(t, a, "ann")
	// Writes through both instances at once; a pull through either, page by
	// page, must end with every child in scope (no change number skipped).
	var wg gosync.WaitGroup
	for i := 1; i <= 3; i++ {
		st := a
		if i%2 == 0 {
			st = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 5 {
				if err := st.AddLookup(ctx, ann.UserID, signpost.SignpostID(i), time.Now().Add(time.Duration(j+1)*time.Hour)); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	cur := directory.Cursor{}
	for {
		p, err := b.Pull(ctx, ann, cur, 1, time.Now())
		must(t, err)
		for _, c := range p.Changes {
			seen[c.SignpostID] = true
		}
		cur = p.Cursor
		if !p.More {
			break
		}
	}
	if len(seen) != 3 {
		t.Errorf("pulled %d children, want 3: %v", len(seen), seen)
	}
	ha, err := a.Head(ctx)
	must(t, err)
	hb, err := b.Head(ctx)
	must(t, err)
	if ha != hb || ha == 0 {
		t.Errorf("heads %d and %d differ", ha, hb)
	}
}

func TestErrorsAreKinds(t *testing.T) {
	_, a, _ := two(t)
	kind := func(err error) signpost.ErrorKind {
		var de *signpost.Error
		if !errors.As(err, &de) {
			t.Fatalf("%v (%T) is not a *signpost.Error", err, err)
		}
		return de.Kind
	}
	if k := kind(a.CreateAuthority(ctx, "E08000035", "Leeds")); k != signpost.KindConflict {
		t.Errorf("a second authority of one code: %s, want conflict", k)
	}
	if _, err := a.Account(ctx, "nobody"); kind(err) != signpost.KindNotFound {
		t.Errorf("Account(nobody): %v", err)
	}
	if _, err := a.Child(ctx, signpost.SignpostID(999)); kind(err) != signpost.KindNotFound {
		t.Errorf("Child(999): %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := a.Account(cctx, "ann"); kind(err) != signpost.KindUnavailable {
		t.Errorf("a cancelled read: %v", err)
	}
}

// The audit is append-only: the directory works as a role with no UPDATE,
// DELETE or TRUNCATE on the audit tables (the GRANTs the README gives), and
// that role cannot change what was recorded.
func TestAuditAppendOnlyRole(t *testing.T) {
	url, a, _ := two(t)
	admin, err := pgx.Connect(ctx, url)
	must(t, err)
	defer admin.Close(ctx)
	role := "signpost_app_" + uuid.NewString()[:8]
	for _, q := range []string{
		`CREATE ROLE ` + role + ` LOGIN`,
		`GRANT USAGE ON SCHEMA public TO ` + role,
		`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ` + role,
		`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ` + role,
		`REVOKE UPDATE, DELETE, TRUNCATE ON audit, audit_children, audit_mutations FROM ` + role,
	} {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, url)
		if err == nil {
			c.Exec(ctx, `DROP OWNED BY `+role)
			c.Exec(ctx, `DROP ROLE `+role)
			c.Close(ctx)
		}
	})
	a.Close()
	appURL, err := pgconnURL(url, role)
	must(t, err)
	st, err := postgres.Open(ctx, appURL)
	if err != nil {
		t.Fatalf("opening as %s: %v", role, err)
	}
	defer st.Close()
	ann := actorOn(t, st, "ann")
	must(t, st.Audit(ctx, []directory.AuditEvent{{At: time.Now(), UserID: ann.UserID, Username: "ann", DeviceID: ann.DeviceID, Action: "view", ChildID: signpost.SignpostID(1)}}))
	res, err := st.Push(ctx, ann, []signpost.Mutation{{ID: uuid.Must(uuid.NewV7()).String(), Kind: signpost.MutStartInvolvement, ChildID: signpost.SignpostID(1), Role: "Nurse", At: time.Now()}}, time.Now())
	if err != nil || res[0].Status != "applied" {
		t.Fatalf("push as %s: %+v %v", role, res, err)
	}
	evs, err := st.AuditForChild(ctx, signpost.SignpostID(1))
	if err != nil || len(evs) == 0 {
		t.Fatalf("audit as %s: %v %v", role, evs, err)
	}
	// Issue 16: the role tells of the push (the notifications' numbers, the
	// audit of the telling) and removes its event.
	pending, err := st.NotifyEvents(ctx, 10)
	if err != nil || len(pending) != 1 {
		t.Fatalf("events as %s: %+v %v", role, pending, err)
	}
	told, err := st.Notify(ctx, []int64{pending[0].ID}, []directory.NotificationRecord{{UserID: ann.UserID, Username: "ann", Event: pending[0].ID,
		Notification: signpost.Notification{Kind: signpost.NoteNewInvolvement, ChildID: signpost.SignpostID(1), At: time.Now(), Text: "told"}}})
	if err != nil || len(told) != 1 {
		t.Fatalf("notify as %s: %+v %v", role, told, err)
	}
	app, err := pgx.Connect(ctx, appURL)
	must(t, err)
	defer app.Close(ctx)
	for _, q := range []string{`UPDATE audit SET reason = 'x'`, `DELETE FROM audit`, `DELETE FROM audit_children`, `TRUNCATE audit`} {
		if _, err := app.Exec(ctx, q); err == nil {
			t.Errorf("%s as %s succeeded: the audit is not append-only", q, role)
		}
	}
}

// pgconnURL returns url with its user replaced.
func pgconnURL(raw, user string) (string, error) {
	u, err := neturl.Parse(raw)
	if err != nil {
		return "", err
	}
	u.User = neturl.User(user)
	q := u.Query()
	q.Set("user", user)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// A record one instance keeps in memory shows an authority's new contact
// once another instance has changed it.
func TestRecordCacheFollowsAnotherInstancesContactChange(t *testing.T) {
	_, a, b := two(t)
	id := signpost.SignpostID(1)
	if _, err := a.Child(ctx, id); err != nil { // now kept by a
		t.Fatal(err)
	}
	must(t, b.SetAuthorityContact(ctx, "Leeds", "0113 496 0999", "leeds-new@example.org"))
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := a.Child(ctx, id)
		must(t, err)
		if c.TeamContact.Phone == "0113 496 0999" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("a still shows the old contact %+v 5 s after b changed it", c.TeamContact)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
