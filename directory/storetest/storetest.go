// Package storetest is the suite every implementation of directory.Store must
// pass: accounts, devices, sessions, children, candidates, exactly-once push,
// pull scope and removals, shielding and audit.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"signpost"
	"signpost/directory"
)

// Open returns a new, empty store for one test.
type Open func(t *testing.T) directory.Store

// Run runs the whole suite against stores made by open.
func Run(t *testing.T, open Open) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, directory.Store)
	}{
		{"AccountsAndSessions", testAccountsAndSessions},
		{"DevicesAndWipe", testDevicesAndWipe},
		{"ChildrenRoundTrip", testChildrenRoundTrip},
		{"Candidates", testCandidates},
		{"PushExactlyOnce", testPushExactlyOnce},
		{"PullScopeAndRemovals", testPullScopeAndRemovals},
		{"AuditForChild", testAuditForChild},
		{"ChangedSignals", testChangedSignals},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := open(t)
			seed(t, st)
			tc.fn(t, st)
		})
	}
}

var ctx = context.Background()

func seed(t *testing.T, st directory.Store) {
	t.Helper()
	must(t, st.CreateAuthority(ctx, "E08000035", "Leeds"))
	must(t, st.CreateOrganisation(ctx, "Leeds Health", "Leeds", true))
	for _, u := range []string{"ann", "ben"} {
		must(t, st.CreateAccount(ctx, &directory.Account{User: signpost.User{Username: u, DisplayName: u, Role: signpost.RolePractitioner, Organisation: "Leeds Health", Phone: "0113 496 0000"},
			PasswordHash: "x", TOTPSecret: "y"}))
	}
	must(t, st.CreateChildren(ctx, []signpost.Child{child(1, "Jamie", "Fixture", "2015-03-14"), child(2, "Riley", "Other", "2012-07-01"), child(3, "Sam", "Smith", "2016-01-01")}))
}

func child(n int, given, family, dob string) signpost.Child {
	return signpost.Child{SignpostID: signpost.SignpostID(n), GivenName: given, FamilyName: family, DateOfBirth: dob, Gender: "male",
		Address: "1 Test Street", Postcode: "LS1 4AP", Authority: "Leeds", NHSNumber: "", Carers: []signpost.Carer{{Name: "Pat " + family, Relationship: "mother", ParentalResponsibility: true}},
		School: &signpost.Setting{Code: "100001", Name: "Test School"}, GP: &signpost.Setting{Code: "B86001", Name: "Test Surgery"}}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func actor(t *testing.T, st directory.Store, user string) directory.Actor {
	t.Helper()
	a, err := st.Account(ctx, user)
	must(t, err)
	dev := uuid.NewString()
	if _, err := st.EnrolDevice(ctx, dev, "laptop", a.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	return directory.Actor{UserID: a.ID, Username: a.Username, Role: a.Role, Authority: a.Authority, DeviceID: dev}
}

func testAccountsAndSessions(t *testing.T, st directory.Store) {
	a, err := st.Account(ctx, "ann")
	must(t, err)
	if a.Authority != "Leeds" || !a.Accredited || a.Organisation != "Leeds Health" {
		t.Errorf("account = %+v", a)
	}
	if _, err := st.Account(ctx, "nobody"); signpost.KindOf(err) != signpost.KindNotFound {
		t.Errorf("unknown account: %v, want not_found", err)
	}
	if err := st.CreateAccount(ctx, &directory.Account{User: signpost.User{Username: "ann", DisplayName: "x", Role: signpost.RolePractitioner, Organisation: "Leeds Health"}, PasswordHash: "x", TOTPSecret: "y"}); signpost.KindOf(err) != signpost.KindConflict {
		t.Errorf("duplicate username: %v, want conflict", err)
	}
	must(t, st.SetAccountDisabled(ctx, "ann", true))
	a, _ = st.Account(ctx, "ann")
	if !a.Disabled {
		t.Error("ann not disabled")
	}
	dev := uuid.NewString()
	_, err = st.EnrolDevice(ctx, dev, "laptop", a.ID, time.Now())
	must(t, err)
	se := &directory.Session{TokenHash: []byte("0123456789abcdef0123456789abcdef"), UserID: a.ID, DeviceID: dev, CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
	must(t, st.CreateSession(ctx, se))
	got, err := st.Session(ctx, se.TokenHash)
	must(t, err)
	if got.UserID != a.ID || got.DeviceID != dev || got.ExpiresAt.Unix() != se.ExpiresAt.Unix() {
		t.Errorf("session = %+v", got)
	}
	if _, err := st.Session(ctx, []byte("other")); signpost.KindOf(err) != signpost.KindNotFound {
		t.Errorf("unknown session: %v", err)
	}
}

func testDevicesAndWipe(t *testing.T, st directory.Store) {
	a := actor(t, st, "ann")
	b, _ := st.Account(ctx, "ben")
	// The same device id cannot be taken over by another user.
	d, err := st.EnrolDevice(ctx, a.DeviceID, "stolen", b.ID, time.Now())
	must(t, err)
	if d.UserID == b.ID || d.Name == "stolen" {
		t.Errorf("device taken over: %+v", d)
	}
	must(t, st.SetDeviceState(ctx, a.DeviceID, signpost.DeviceWipeOrdered))
	d, _ = st.Device(ctx, a.DeviceID)
	if d.State != signpost.DeviceWipeOrdered {
		t.Errorf("state = %s", d.State)
	}
	must(t, st.RecordWipeReceipt(ctx, a.DeviceID, signpost.WipeReceipt{Pushed: 4, Lost: 1, WipedAt: time.Now(), Received: time.Now()}))
	ds, err := st.Devices(ctx)
	must(t, err)
	if len(ds) != 1 || ds[0].State != signpost.DeviceWiped || ds[0].Receipt == nil || ds[0].Receipt.Pushed != 4 || ds[0].Receipt.Lost != 1 || ds[0].User != "ann" {
		t.Errorf("devices = %+v", ds)
	}
	if err := st.SetDeviceState(ctx, "nope", signpost.DeviceRevoked); signpost.KindOf(err) != signpost.KindNotFound {
		t.Errorf("unknown device: %v", err)
	}
}

func testChildrenRoundTrip(t *testing.T, st directory.Store) {
	c, err := st.Child(ctx, signpost.SignpostID(1))
	must(t, err)
	if c.GivenName != "Jamie" || c.Address != "1 Test Street" || len(c.Carers) != 1 || c.School == nil || c.GP == nil || c.Authority != "Leeds" || c.Status != "active" {
		t.Errorf("child = %+v", c)
	}
	id, err := st.AddInvolvement(ctx, c.SignpostID, "ann", signpost.Involvement{Role: "School nurse", StartedOn: "2024-01-01", LeadProfessional: true})
	must(t, err)
	c, _ = st.Child(ctx, c.SignpostID)
	if len(c.Involvements) != 1 || c.Involvements[0].ID != id || !c.Involvements[0].LeadProfessional || c.Involvements[0].Phone != "0113 496 0000" {
		t.Errorf("involvements = %+v", c.Involvements)
	}
	if _, err := st.Child(ctx, signpost.SignpostID(77)); signpost.KindOf(err) != signpost.KindNotFound {
		t.Errorf("unknown child: %v", err)
	}
	if err := st.CreateChild(ctx, &signpost.Child{SignpostID: "bad"}); signpost.KindOf(err) != signpost.KindInvalid {
		t.Errorf("child without valid id: %v", err)
	}
}

func testCandidates(t *testing.T, st directory.Store) {
	cs, err := st.Candidates(ctx, directory.CandidateKeys{DatesOfBirth: []string{"2015-03-14", "2012-07-01"}})
	must(t, err)
	if len(cs) != 2 {
		t.Fatalf("candidates by dob = %+v", cs)
	}
	for _, c := range cs {
		if c.FamilyName != signpost.NormaliseName(c.Family) || c.Given == "" {
			t.Errorf("candidate = %+v", c)
		}
	}
	cs, _ = st.Candidates(ctx, directory.CandidateKeys{Postcode: "LS1 4AP"})
	if len(cs) != 3 {
		t.Errorf("candidates by postcode = %d", len(cs))
	}
	cs, _ = st.Candidates(ctx, directory.CandidateKeys{SignpostID: signpost.SignpostID(3)})
	if len(cs) != 1 || cs[0].Given != "Sam" {
		t.Errorf("candidates by id = %+v", cs)
	}
	// The family-name filter may drop children whose name cannot match, never one that can.
	cs, _ = st.Candidates(ctx, directory.CandidateKeys{Postcode: "LS1 4AP", FamilyName: "fixtrue"})
	if len(cs) != 1 || cs[0].Family != "Fixture" {
		t.Errorf("candidates by postcode for a typo of Fixture = %+v", cs)
	}
	cs, _ = st.Candidates(ctx, directory.CandidateKeys{DatesOfBirth: []string{"2016-01-01"}, FamilyName: "smyth"})
	if len(cs) != 1 || cs[0].Given != "Sam" {
		t.Errorf("candidates by dob for Smyth = %+v", cs)
	}
	if cs, _ := st.Candidates(ctx, directory.CandidateKeys{}); len(cs) != 0 {
		t.Errorf("no keys gave %d candidates", len(cs))
	}
}

func testPushExactlyOnce(t *testing.T, st directory.Store) {
	a := actor(t, st, "ann")
	id := signpost.SignpostID(1)
	ms := []signpost.Mutation{
		{ID: uuid.Must(uuid.NewV7()).String(), Kind: signpost.MutStartInvolvement, ChildID: id, Role: "Nurse", At: time.Now()},
		{ID: uuid.Must(uuid.NewV7()).String(), Kind: signpost.MutSetCAF, ChildID: signpost.SignpostID(2), Value: true, At: time.Now()}, // not involved
		{ID: uuid.Must(uuid.NewV7()).String(), Kind: signpost.MutSetCAF, ChildID: id, Value: true, At: time.Now()},
	}
	res, err := st.Push(ctx, a, ms, time.Now())
	must(t, err)
	if res[0].Status != "applied" || res[1].Status != "rejected" || res[2].Status != "applied" {
		t.Fatalf("results = %+v", res)
	}
	again, err := st.Push(ctx, a, ms, time.Now())
	must(t, err)
	for i := range again {
		if again[i].Status != "duplicate" || again[i].FirstStatus != res[i].Status || again[i].InvolvementID != res[i].InvolvementID || again[i].Reason != res[i].Reason {
			t.Errorf("replay %d = %+v, first %+v", i, again[i], res[i])
		}
	}
	c, _ := st.Child(ctx, id)
	if len(c.Involvements) != 1 || !c.Involvements[0].CAF {
		t.Errorf("involvements after replay = %+v", c.Involvements)
	}
	// Another user may not reuse the id.
	b := actor(t, st, "ben")
	res, _ = st.Push(ctx, b, ms[:1], time.Now())
	if res[0].Status != "rejected" {
		t.Errorf("id reuse by another user = %+v", res[0])
	}
}

func pullAll(t *testing.T, st directory.Store, a directory.Actor, cursor int64) *directory.PullPage {
	t.Helper()
	p, err := st.Pull(ctx, a, cursor, 100, time.Now())
	must(t, err)
	return p
}

func testPullScopeAndRemovals(t *testing.T, st directory.Store) {
	a := actor(t, st, "ann")
	p := pullAll(t, st, a, 0)
	if len(p.Changes) != 0 {
		t.Fatalf("empty scope pulled %d", len(p.Changes))
	}
	if has, _ := st.HasChanges(ctx, a, p.Cursor, time.Now()); has {
		t.Error("HasChanges with nothing new")
	}
	_, err := st.Push(ctx, a, []signpost.Mutation{{ID: uuid.Must(uuid.NewV7()).String(), Kind: signpost.MutStartInvolvement, ChildID: signpost.SignpostID(1), At: time.Now()}}, time.Now())
	must(t, err)
	must(t, st.AddLookup(ctx, a.UserID, signpost.SignpostID(2), time.Now().Add(time.Hour)))
	if has, _ := st.HasChanges(ctx, a, p.Cursor, time.Now()); !has {
		t.Error("HasChanges after entering scope")
	}
	p2 := pullAll(t, st, a, p.Cursor)
	if len(p2.Changes) != 2 || p2.Cursor <= p.Cursor {
		t.Fatalf("pull after start + lookup = %d changes, cursor %d→%d", len(p2.Changes), p.Cursor, p2.Cursor)
	}
	must(t, st.SetShield(ctx, signpost.SignpostID(1), &directory.Shield{Reason: "r", ReviewDate: "2030-01-01", By: "m", At: time.Now()}))
	p3 := pullAll(t, st, a, p2.Cursor)
	if len(p3.Removals) != 1 || p3.Removals[0].Reason != signpost.RemovedShielded || len(p3.Changes) != 1 || !p3.Changes[0].Shielded {
		t.Errorf("after shielding: removals %+v, changes %d", p3.Removals, len(p3.Changes))
	}
	_, err = st.Push(ctx, a, []signpost.Mutation{{ID: uuid.Must(uuid.NewV7()).String(), Kind: signpost.MutEndInvolvement, ChildID: signpost.SignpostID(1), At: time.Now()}}, time.Now())
	must(t, err)
	p4 := pullAll(t, st, a, p3.Cursor)
	if len(p4.Removals) != 1 || p4.Removals[0].Reason != signpost.RemovedLeftScope || len(p4.Changes) != 0 {
		t.Errorf("after ending: %+v", p4)
	}
	// Expired lookups leave scope.
	p5, err := st.Pull(ctx, a, 0, 100, time.Now().Add(2*time.Hour))
	must(t, err)
	if len(p5.Changes) != 0 {
		t.Errorf("expired lookup still pulled: %d", len(p5.Changes))
	}
	// A cursor from the future starts again.
	p6 := pullAll(t, st, a, 1<<40)
	if len(p6.Changes) != 1 {
		t.Errorf("future cursor: %d changes, want a full resync of 1", len(p6.Changes))
	}
}

func testAuditForChild(t *testing.T, st directory.Store) {
	now := time.Now()
	must(t, st.Audit(ctx, []directory.AuditEvent{
		{At: now, UserID: 1, Username: "ann", Action: "search", Params: `{"family_name":"Fixture"}`, Results: []string{signpost.SignpostID(1), signpost.SignpostID(2)}},
		{At: now, UserID: 2, Username: "ben", Action: "view", ChildID: signpost.SignpostID(1), Reason: "referral"},
		{At: now, UserID: 2, Username: "ben", Action: "view", ChildID: signpost.SignpostID(3)},
	}))
	evs, err := st.AuditForChild(ctx, signpost.SignpostID(1))
	must(t, err)
	if len(evs) != 2 || evs[0].Action != "search" || len(evs[0].Results) != 2 || evs[1].Reason != "referral" {
		t.Errorf("audit for child 1 = %+v", evs)
	}
}

func testChangedSignals(t *testing.T, st directory.Store) {
	ch := st.Changed()
	_, err := st.AddInvolvement(ctx, signpost.SignpostID(2), "ben", signpost.Involvement{StartedOn: "2024-01-01"})
	must(t, err)
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Error("Changed was not signalled by a new involvement")
	}
}
