// Package storetest is the suite every implementation of directory.Store must
// pass: accounts, devices, sessions, children, candidates, exactly-once push,
// pull scope and removals, shielding and audit.
package storetest

import (
	"context"
	"crypto/sha256"
	"fmt"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"signpost"
	"signpost/directory"
	"signpost/directory/match"
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
		{"PullPagesThroughOneChangeNumber", testPullPagesThroughOneChangeNumber},
		{"AffectedFindsWhomChangesConcern", testAffected},
		{"AuditForChild", testAuditForChild},
		{"ChangedSignals", testChangedSignals},
		{"SerialsNeverRepeat", testSerialsNeverRepeat},
		{"FeedBatchUpdatesOnlyWhatChanges", testFeedBatchUpdates},
		{"ReviewQueue", testReviewQueue},
		{"MergeAndIdentities", testMergeAndIdentities},
		{"Retention", testRetention},
		{"TOTPStepUsedOnce", testTOTPStepUsedOnce},
		{"DeviceMovesByTheRules", testDeviceMoves},
		{"SessionSweepKeepsWhatAWipeNeeds", testSessionSweep},
		{"ReviewPagesCountsAndMergePreview", testReviewPagesAndMergePreview}, // issue 14, slice review
		// Issue 14, slice access (access.go).
		{"AlertsAcknowledgedShieldedListAccessReport", testAccess14},
		// Issue 14, accounts slice (accounts.go).
		{"ManagedAccountsAndOrganisations", testManagedAccounts},
		{"DeviceFiltersAgentAndRevokedSessions", testDeviceFilters},
		// Issue 16 (notify.go).
		{"NotificationsSensitiveAndLeadOffer", testNotifications16},
		{"TokensAndDayCounts", testTokensAndDayCounts}, // issue 17, shared limits (limits.go)
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
	_, err = st.MoveDevice(ctx, a.DeviceID, directory.DeviceMove{To: signpost.DeviceWipeOrdered, By: "it", At: time.Now()})
	must(t, err)
	d, _ = st.Device(ctx, a.DeviceID)
	if d.State != signpost.DeviceWipeOrdered {
		t.Errorf("state = %s", d.State)
	}
	must(t, st.RecordWipeReceipt(ctx, a.DeviceID, signpost.WipeReceipt{Pushed: 4, Lost: 1, WipedAt: time.Now(), Received: time.Now()}))
	ds, err := st.Devices(ctx, directory.DeviceFilter{})
	must(t, err)
	if len(ds) != 1 || ds[0].State != signpost.DeviceWiped || ds[0].Receipt == nil || ds[0].Receipt.Pushed != 4 || ds[0].Receipt.Lost != 1 || ds[0].User != "ann" {
		t.Errorf("devices = %+v", ds)
	}
	if _, err := st.MoveDevice(ctx, "nope", directory.DeviceMove{To: signpost.DeviceRevoked, At: time.Now()}); signpost.KindOf(err) != signpost.KindNotFound {
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

func pullAll(t *testing.T, st directory.Store, a directory.Actor, cursor directory.Cursor) *directory.PullPage {
	t.Helper()
	p, err := st.Pull(ctx, a, cursor, 100, time.Now())
	must(t, err)
	return p
}

func testAffected(t *testing.T, st directory.Store) {
	ann, ben := actor(t, st, "ann"), actor(t, st, "ben")
	h0, err := st.Head(ctx)
	must(t, err)
	must(t, st.AddLookup(ctx, ann.UserID, signpost.SignpostID(2), time.Now().Add(time.Hour)))
	h1, _ := st.Head(ctx)
	got, _, err := st.Affected(ctx, h0, h1, time.Now())
	must(t, err)
	if len(got) != 1 || got[0] != ann.UserID {
		t.Fatalf("after ann's look-up: %v, want only ann (%d)", got, ann.UserID)
	}
	// A change to the child concerns everyone it is in scope of.
	must(t, st.AddLookup(ctx, ben.UserID, signpost.SignpostID(2), time.Now().Add(time.Hour)))
	h2, _ := st.Head(ctx)
	_, err = st.ApplyFeed(ctx, &directory.FeedBatch{Updates: []directory.ChildUpdate{{SignpostID: signpost.SignpostID(2), School: &signpost.Setting{Code: "100010", Name: "Affected School", StartedOn: "2024-09-01"}}}, At: time.Now()})
	must(t, err)
	h3, _ := st.Head(ctx)
	got, _, err = st.Affected(ctx, h2, h3, time.Now())
	must(t, err)
	if len(got) != 2 {
		t.Fatalf("after a change to a child both looked up: %v", got)
	}
	// An expired look-up no longer concerns its user.
	got, _, err = st.Affected(ctx, h2, h3, time.Now().Add(2*time.Hour))
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("after the look-ups expired: %v", got)
	}
	if got, _, _ := st.Affected(ctx, h3, h3, time.Now()); len(got) != 0 {
		t.Fatalf("an empty range: %v", got)
	}
}

// A feed batch gives every child it changes one change number: a page that
// ends among them must go on from there, not skip the rest.
func testPullPagesThroughOneChangeNumber(t *testing.T, st directory.Store) {
	a := actor(t, st, "ann")
	ids := st.IDCodec()
	first, err := st.AllocateSerials(ctx, 1200)
	must(t, err)
	var cs []signpost.Child
	for i := 0; i < 1200; i++ {
		cs = append(cs, child(0, "Pat", "Page", "2016-01-01"))
		cs[i].SignpostID = ids.ID(first + i)
	}
	must(t, st.CreateChildren(ctx, cs))
	for _, c := range cs {
		must(t, st.AddLookup(ctx, a.UserID, c.SignpostID, time.Now().Add(time.Hour)))
	}
	cursor := directory.Cursor{}
	for more := true; more; {
		p, err := st.Pull(ctx, a, cursor, 500, time.Now())
		must(t, err)
		cursor, more = p.Cursor, p.More
	}
	var ups []directory.ChildUpdate
	for _, c := range cs {
		ups = append(ups, directory.ChildUpdate{SignpostID: c.SignpostID, School: &signpost.Setting{Code: "100009", Name: "Batch School", StartedOn: "2024-09-01"}})
	}
	_, err = st.ApplyFeed(ctx, &directory.FeedBatch{Updates: ups, At: time.Now()})
	must(t, err)
	got := map[string]bool{}
	pages := 0
	for more := true; more; pages++ {
		p, err := st.Pull(ctx, a, cursor, 500, time.Now())
		must(t, err)
		for _, c := range p.Changes {
			if c.School == nil || c.School.Name != "Batch School" {
				t.Fatalf("a stale copy was sent: %+v", c.School)
			}
			if got[c.SignpostID] {
				t.Fatalf("%s sent twice", c.SignpostID)
			}
			got[c.SignpostID] = true
		}
		if p.More && p.Cursor.Child == 0 {
			t.Fatalf("page %d ended inside one change number with a plain cursor %v", pages, p.Cursor)
		}
		if has, _ := st.HasChanges(ctx, a, p.Cursor, time.Now()); has != p.More {
			t.Errorf("HasChanges after page %d = %v, more = %v", pages, has, p.More)
		}
		if rt, err := directory.ParseCursor(p.Cursor.String()); err != nil || rt != p.Cursor {
			t.Fatalf("cursor %v does not survive the wire: %v %v", p.Cursor, rt, err)
		}
		cursor, more = p.Cursor, p.More
	}
	if len(got) != 1200 || pages != 3 {
		t.Fatalf("%d of 1200 children changed in one batch reached the cache, in %d pages", len(got), pages)
	}
}

func testPullScopeAndRemovals(t *testing.T, st directory.Store) {
	a := actor(t, st, "ann")
	p := pullAll(t, st, a, directory.Cursor{})
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
	if len(p2.Changes) != 2 || p2.Cursor.Seq <= p.Cursor.Seq {
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
	p5, err := st.Pull(ctx, a, directory.Cursor{}, 100, time.Now().Add(2*time.Hour))
	must(t, err)
	if len(p5.Changes) != 0 {
		t.Errorf("expired lookup still pulled: %d", len(p5.Changes))
	}
	// A cursor from the future starts again.
	p6 := pullAll(t, st, a, directory.Cursor{Seq: 1 << 40})
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

func testSerialsNeverRepeat(t *testing.T, st directory.Store) {
	ids := st.IDCodec()
	first, err := st.AllocateSerials(ctx, 10)
	must(t, err)
	if first < 1 {
		t.Fatalf("allocated serial %d", first)
	}
	for s := first; s < first+10; s++ {
		if _, err := st.Child(ctx, ids.ID(s)); signpost.KindOf(err) != signpost.KindNotFound {
			t.Errorf("serial %d gives %s, which a stored child has", s, ids.ID(s))
		}
	}
	// Give back all but two: the next allocation starts after them.
	must(t, st.ReleaseSerials(ctx, first+2, first+10))
	next, err := st.AllocateSerials(ctx, 1)
	must(t, err)
	if next != first+2 {
		t.Errorf("after the release: %d, want %d", next, first+2)
	}
	// A stale release (another allocation came since) gives nothing back.
	must(t, st.ReleaseSerials(ctx, first+2, first+10))
	again, _ := st.AllocateSerials(ctx, 1)
	if again != next+1 {
		t.Errorf("after a stale release: %d, want %d", again, next+1)
	}
	// A new store issues Signpost IDs in an order that cannot be walked:
	// consecutive serials are not consecutive IDs.
	if !ids.Keyed() {
		t.Fatal("a new store issues Signpost IDs in order")
	}
	near := 0
	for s := first; s < first+10; s++ {
		a, _ := signpost.SignpostNumber(ids.ID(s))
		b, _ := signpost.SignpostNumber(ids.ID(s + 1))
		if d := a - b; d > -1000 && d < 1000 {
			near++
		}
		if ids.SerialOf(a) != s {
			t.Errorf("the codec does not give serial %d back", s)
		}
	}
	if near > 0 {
		t.Errorf("%d of 10 consecutive serials got IDs within 1,000 of each other", near)
	}
}

func testFeedBatchUpdates(t *testing.T, st directory.Store) {
	first, err := st.AllocateSerials(ctx, 1)
	must(t, err)
	id := st.IDCodec().ID(first)
	res, err := st.ApplyFeed(ctx, &directory.FeedBatch{Creates: []directory.NewChild{{Child: signpost.Child{SignpostID: id, GivenName: "Nia", FamilyName: "Feed",
		DateOfBirth: "2016-02-03", Gender: "female", Postcode: "LS6 1AA", NHSNumber: "9434765919"}, AuthorityCode: "E08000035"}}})
	must(t, err)
	if res.Created != 1 {
		t.Errorf("create: %+v", res)
	}
	school := &signpost.Setting{Code: "100002", Name: "New School", StartedOn: "2021-09-01"}
	u := directory.ChildUpdate{SignpostID: id, UPN: "P207000016049", School: school, Postcode: "LS6 2BB", ClearAddress: true}
	for i, want := range []directory.FeedResult{{Updated: 1}, {Unchanged: 1}} {
		res, err := st.ApplyFeed(ctx, &directory.FeedBatch{Updates: []directory.ChildUpdate{u}})
		must(t, err)
		if *res != want {
			t.Errorf("update %d: %+v, want %+v", i, *res, want)
		}
	}
	// An older school does not replace a newer one; identifiers only fill.
	old := directory.ChildUpdate{SignpostID: id, UPN: "A111111111111", School: &signpost.Setting{Code: "100003", Name: "Old School", StartedOn: "2020-09-01"}}
	res, err = st.ApplyFeed(ctx, &directory.FeedBatch{Updates: []directory.ChildUpdate{old}})
	must(t, err)
	c, err := st.Child(ctx, id)
	must(t, err)
	if res.Unchanged != 1 || c.School == nil || c.School.Code != "100002" || c.UPN != "P207000016049" || c.Postcode != "LS6 2BB" || c.Authority != "Leeds" {
		t.Errorf("after an older record: %+v %+v", res, c)
	}
	// A death: deceased, once.
	for i := 0; i < 2; i++ {
		_, err := st.ApplyFeed(ctx, &directory.FeedBatch{Updates: []directory.ChildUpdate{{SignpostID: id, DateOfDeath: "2024-01-01"}}})
		must(t, err)
	}
	if c, _ := st.Child(ctx, id); c.Status != signpost.StatusDeceased {
		t.Errorf("status after a death: %s", c.Status)
	}
	// A match on details is held back from a shielded child.
	must(t, st.SetShield(ctx, id, &directory.Shield{Reason: "r", ReviewDate: "2030-01-01", By: "m", At: time.Now()}))
	res, err = st.ApplyFeed(ctx, &directory.FeedBatch{Updates: []directory.ChildUpdate{{SignpostID: id, Postcode: "LS7 3CC", ByDetails: true}}})
	must(t, err)
	if res.Held != 1 {
		t.Errorf("update on details of a shielded child: %+v", res)
	}
}

func testReviewQueue(t *testing.T, st directory.Store) {
	item := directory.ReviewItem{Feed: "school", Source: "census.csv", Line: 7, RowHash: []byte("0123456789abcdef0123456789abcdef"),
		Record: []byte(`{"given_name":"Sam"}`), Reason: "a possible match", Authority: "E08000035",
		Candidates: []directory.ReviewCandidate{{SignpostID: signpost.SignpostID(3), Score: 0.9}}}
	for i, want := range []directory.FeedResult{{Queued: 1}, {AlreadyQueued: 1}} {
		res, err := st.ApplyFeed(ctx, &directory.FeedBatch{Reviews: []directory.ReviewItem{item}, At: time.Now()})
		must(t, err)
		if *res != want {
			t.Errorf("queue %d: %+v", i, *res)
		}
	}
	items, err := st.Reviews(ctx, directory.ReviewFilter{Authority: "Leeds"})
	must(t, err)
	if len(items) != 1 || items[0].Line != 7 || items[0].Authority != "Leeds" || len(items[0].Candidates) != 1 || string(items[0].Record) != `{"given_name":"Sam"}` {
		t.Fatalf("review queue: %+v", items)
	}
	if other, _ := st.Reviews(ctx, directory.ReviewFilter{Authority: "Nowhere"}); len(other) != 0 {
		t.Errorf("another authority's queue: %+v", other)
	}
	res := &directory.Resolution{ID: items[0].ID, Status: directory.ReviewDismissed, By: "manager", At: time.Now()}
	_, err = st.ApplyFeed(ctx, &directory.FeedBatch{Resolve: res})
	must(t, err)
	if _, err := st.ApplyFeed(ctx, &directory.FeedBatch{Resolve: res}); signpost.KindOf(err) != signpost.KindConflict {
		t.Errorf("resolving twice: %v", err)
	}
	got, err := st.ReviewItem(ctx, items[0].ID)
	must(t, err)
	if got.Status != directory.ReviewDismissed || got.ResolvedBy != "manager" {
		t.Errorf("resolved item: %+v", got)
	}
	if _, err := st.ReviewItem(ctx, 999999); signpost.KindOf(err) != signpost.KindNotFound {
		t.Errorf("unknown item: %v", err)
	}
}

func identities(t *testing.T, st directory.Store) map[int]match.Identity {
	t.Helper()
	m := map[int]match.Identity{}
	must(t, st.ScanIdentities(ctx, func(id match.Identity) error { m[id.Serial] = id; return nil }))
	return m
}

func testMergeAndIdentities(t *testing.T, st directory.Store) {
	ids := identities(t, st)
	if len(ids) != 3 || ids[1].FamilyName != "Fixture" || ids[1].Authority != "Leeds" || ids[1].Postcode != "LS1 4AP" {
		t.Fatalf("identities: %+v", ids)
	}
	_, err := st.AddInvolvement(ctx, signpost.SignpostID(2), "ann", signpost.Involvement{StartedOn: "2024-01-01"})
	must(t, err)
	merge := func(from, into int) (*directory.FeedResult, error) {
		return st.ApplyFeed(ctx, &directory.FeedBatch{Merges: []directory.MergeOrder{{From: signpost.SignpostID(from), Into: signpost.SignpostID(into)}}, At: time.Now()})
	}
	res, err := merge(2, 1)
	must(t, err)
	if res.Merged != 1 {
		t.Errorf("merge: %+v", res)
	}
	if res, err := merge(2, 1); err != nil || res.Merged != 0 {
		t.Errorf("merging again: %+v %v", res, err)
	}
	if _, err := merge(3, 2); signpost.KindOf(err) != signpost.KindConflict {
		t.Errorf("merging into a merged record: %v", err)
	}
	c, _ := st.Child(ctx, signpost.SignpostID(1))
	if len(c.Involvements) != 1 || c.Involvements[0].Username != "ann" {
		t.Errorf("involvements after the merge: %+v", c.Involvements)
	}
	if m, _ := st.Child(ctx, signpost.SignpostID(2)); m.MergedInto != signpost.SignpostID(1) {
		t.Errorf("merged record: %+v", m)
	}
	if ids := identities(t, st); len(ids) != 2 {
		t.Errorf("identities after the merge: %+v", ids)
	}
	if cs, _ := st.Candidates(ctx, directory.CandidateKeys{DatesOfBirth: []string{"2012-07-01"}}); len(cs) != 0 {
		t.Errorf("a merged record is still a candidate: %+v", cs)
	}
}

func testRetention(t *testing.T, st directory.Store) {
	// Children 1 (2015-03-14) and 3 (2016-01-01) turn 18 in 2033 and 2034;
	// 3 consents to 25.
	must(t, st.SetConsent(ctx, signpost.SignpostID(3), true))
	day := func(s string) time.Time { d, _ := signpost.ParseDate(s); return d }
	r, err := st.Retain(ctx, day("2034-01-01"))
	must(t, err)
	if r.ArchivedAdult != 2 { // 1 and 2 (2012)
		t.Errorf("at 2034-01-01: %+v", r)
	}
	if ids := identities(t, st); len(ids) != 1 {
		t.Errorf("identities after archiving: %+v", ids)
	}
	if err := st.SetConsent(ctx, signpost.SignpostID(1), true); signpost.KindOf(err) != signpost.KindConflict {
		t.Errorf("consent for an archived record: %v", err)
	}
	r, err = st.Retain(ctx, day("2040-01-01"))
	must(t, err)
	if r.Purged != 2 || r.ArchivedAdult != 0 {
		t.Errorf("at 2040-01-01: %+v", r)
	}
	if _, err := st.Child(ctx, signpost.SignpostID(1)); signpost.KindOf(err) != signpost.KindNotFound {
		t.Errorf("a purged child: %v", err)
	}
	r, err = st.Retain(ctx, day("2041-01-01"))
	must(t, err)
	if r.ArchivedAdult != 1 {
		t.Errorf("at 2041-01-01 (25): %+v", r)
	}
}

func testTOTPStepUsedOnce(t *testing.T, st directory.Store) {
	ann, err := st.Account(ctx, "ann")
	must(t, err)
	ben, err := st.Account(ctx, "ben")
	must(t, err)
	for _, tc := range []struct {
		name string
		user int64
		step int64
		want bool
	}{
		{"a first code", ann.ID, 100, true},
		{"the same code again", ann.ID, 100, false},
		{"an earlier code", ann.ID, 99, false},
		{"the same step for another user", ben.ID, 100, true},
		{"a later code", ann.ID, 101, true},
	} {
		got, err := st.UseTOTPStep(ctx, tc.user, tc.step)
		must(t, err)
		if got != tc.want {
			t.Errorf("%s: UseTOTPStep = %v, want %v", tc.name, got, tc.want)
		}
	}
	// Racing sign-ins with one code: exactly one is accepted.
	var wg gosync.WaitGroup
	var accepted atomic.Int32
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := st.UseTOTPStep(ctx, ann.ID, 200)
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
		t.Errorf("16 racing uses of one step: %d accepted, want 1", n)
	}
}

// session stores a session for a device, expiring at expires.
func session(t *testing.T, st directory.Store, a directory.Actor, name string, created, expires time.Time) []byte {
	t.Helper()
	hash := []byte(name + "-0123456789abcdef0123456789abcdef")
	must(t, st.CreateSession(ctx, &directory.Session{TokenHash: hash, UserID: a.UserID, DeviceID: a.DeviceID, CreatedAt: created, ExpiresAt: expires}))
	return hash
}

func sessionExists(t *testing.T, st directory.Store, hash []byte) bool {
	t.Helper()
	_, err := st.Session(ctx, hash)
	if err != nil && signpost.KindOf(err) != signpost.KindNotFound {
		t.Fatal(err)
	}
	return err == nil
}

func testDeviceMoves(t *testing.T, st directory.Store) {
	now := time.Now().UTC().Truncate(time.Second)
	move := func(id, to, by string, at time.Time) (*directory.DeviceRecord, error) {
		return st.MoveDevice(ctx, id, directory.DeviceMove{To: to, By: by, At: at})
	}

	// Revoking ends every session of the device, and is final.
	rev := actor(t, st, "ann")
	live := session(t, st, rev, "live", now, now.Add(time.Hour))
	d, err := move(rev.DeviceID, signpost.DeviceRevoked, "it", now)
	must(t, err)
	if d.State != signpost.DeviceRevoked {
		t.Errorf("after revoking: %s", d.State)
	}
	if sessionExists(t, st, live) {
		t.Error("a revoked device's session survived")
	}
	for _, to := range []string{signpost.DeviceWipeOrdered, signpost.DeviceActive, signpost.DeviceRevoked} {
		if _, err := move(rev.DeviceID, to, "it", now); signpost.KindOf(err) != signpost.KindConflict {
			t.Errorf("revoked → %s: %v, want conflict", to, err)
		}
	}
	if err := st.RecordWipeReceipt(ctx, rev.DeviceID, signpost.WipeReceipt{WipedAt: now, Received: now}); signpost.KindOf(err) != signpost.KindConflict {
		t.Errorf("a receipt for a revoked device: %v, want conflict", err)
	}

	// A receipt needs an order; the order records when and by whom, once.
	wip := actor(t, st, "ben")
	keep := session(t, st, wip, "keep", now, now.Add(time.Hour))
	if err := st.RecordWipeReceipt(ctx, wip.DeviceID, signpost.WipeReceipt{WipedAt: now, Received: now}); signpost.KindOf(err) != signpost.KindConflict {
		t.Errorf("a receipt with no order: %v, want conflict", err)
	}
	d, err = move(wip.DeviceID, signpost.DeviceWipeOrdered, "it-first", now)
	must(t, err)
	if d.State != signpost.DeviceWipeOrdered || d.WipeOrderedBy != "it-first" || !d.WipeOrderedAt.Equal(now) {
		t.Errorf("after the order: %+v", d.Device)
	}
	if !sessionExists(t, st, keep) {
		t.Error("a wipe order ended the session the device needs for its last words")
	}
	d, err = move(wip.DeviceID, signpost.DeviceWipeOrdered, "it-again", now.Add(time.Hour))
	must(t, err)
	if d.WipeOrderedBy != "it-first" || !d.WipeOrderedAt.Equal(now) {
		t.Errorf("a repeated order changed the first: %+v", d.Device)
	}
	// An order not yet carried out may be cancelled, which clears it; a new
	// order gives its reason, and a repeat may change only the reason.
	d, err = move(wip.DeviceID, signpost.DeviceActive, "it", now)
	must(t, err)
	if d.State != signpost.DeviceActive || d.WipeOrderedBy != "" || !d.WipeOrderedAt.IsZero() || d.WipeReason != "" {
		t.Errorf("after cancelling the order: %+v", d.Device)
	}
	if _, err := move(wip.DeviceID, signpost.DeviceActive, "it", now); signpost.KindOf(err) != signpost.KindConflict {
		t.Errorf("cancelling with no order: %v, want conflict", err)
	}
	d, err = st.MoveDevice(ctx, wip.DeviceID, directory.DeviceMove{To: signpost.DeviceWipeOrdered, By: "it-first", At: now, Reason: signpost.WipeLeaver})
	must(t, err)
	if d.WipeReason != signpost.WipeLeaver || d.WipeOrderedBy != "it-first" {
		t.Errorf("an order with a reason: %+v", d.Device)
	}
	d, err = st.MoveDevice(ctx, wip.DeviceID, directory.DeviceMove{To: signpost.DeviceWipeOrdered, By: "it-again", At: now.Add(time.Hour), Reason: signpost.WipeLost})
	must(t, err)
	if d.WipeReason != signpost.WipeLost || d.WipeOrderedBy != "it-first" || !d.WipeOrderedAt.Equal(now) {
		t.Errorf("a repeated order with a new reason: %+v", d.Device)
	}

	// The device credential finds the device until the receipt.
	cred := sha256.Sum256([]byte("credential of " + wip.DeviceID))
	must(t, st.SetDeviceCredential(ctx, wip.DeviceID, cred[:]))
	if d, err := st.DeviceByCredential(ctx, cred[:]); err != nil || d.ID != wip.DeviceID {
		t.Errorf("device by its credential: %v %v", d, err)
	}
	if err := st.SetDeviceCredential(ctx, "no-such-device", cred[:]); signpost.KindOf(err) != signpost.KindNotFound {
		t.Errorf("a credential for no device: %v, want not found", err)
	}
	must(t, st.RecordWipeReceipt(ctx, wip.DeviceID, signpost.WipeReceipt{Pushed: 2, WipedAt: now, Received: now}))
	if sessionExists(t, st, keep) {
		t.Error("a wiped device's session survived its receipt")
	}
	if err := st.RecordWipeReceipt(ctx, wip.DeviceID, signpost.WipeReceipt{WipedAt: now, Received: now}); signpost.KindOf(err) != signpost.KindConflict {
		t.Errorf("a second receipt: %v, want conflict", err)
	}
	for _, to := range []string{signpost.DeviceWipeOrdered, signpost.DeviceRevoked, signpost.DeviceActive} {
		if _, err := move(wip.DeviceID, to, "it", now); signpost.KindOf(err) != signpost.KindConflict {
			t.Errorf("wiped → %s: %v, want conflict", to, err)
		}
	}
	if d, _ := st.Device(ctx, wip.DeviceID); d.State != signpost.DeviceWiped || d.Receipt == nil || d.Receipt.Pushed != 2 {
		t.Errorf("after the receipt: %+v", d)
	}
	if _, err := st.DeviceByCredential(ctx, cred[:]); signpost.KindOf(err) != signpost.KindNotFound {
		t.Errorf("a wiped device's credential: %v, want not found", err)
	}
}

func testSessionSweep(t *testing.T, st directory.Store) {
	now := time.Now().UTC()
	day := 24 * time.Hour
	old := actor(t, st, "ann")     // its session expired yesterday; a wipe may still be ordered
	ancient := actor(t, st, "ann") // its session expired longer ago than a wipe order is honoured
	other := actor(t, st, "ben")
	recent := session(t, st, old, "recent", now.Add(-2*day), now.Add(-day))
	gone := session(t, st, ancient, "ancient", now.Add(-100*day), now.Add(-directory.WipeGrace-day))
	session(t, st, other, "new", now, now.Add(12*time.Hour))
	if !sessionExists(t, st, recent) {
		t.Error("another device's sign-in swept a session expired a day ago (a device ordered to wipe needs it)")
	}
	if sessionExists(t, st, gone) {
		t.Error("a session expired longer than WipeGrace ago was kept")
	}
	// The device's own sign-in sweeps its expired session: it has a new token.
	session(t, st, old, "renewed", now, now.Add(12*time.Hour))
	if sessionExists(t, st, recent) {
		t.Error("a device's new sign-in kept its own expired session")
	}
}

// testReviewPagesAndMergePreview (issue 14, slice review): the review queue
// pages on after an id and counts an authority's open items; a merge
// previewed gives the survivor as the merge would and changes nothing.
func testReviewPagesAndMergePreview(t *testing.T, st directory.Store) {
	var items []directory.ReviewItem
	for i := 0; i < 3; i++ {
		items = append(items, directory.ReviewItem{Feed: "births", Line: i, RowHash: []byte(fmt.Sprintf("review-page-%02d-0123456789abcdef", i)),
			Record: []byte(`{}`), Authority: "Leeds"})
	}
	_, err := st.ApplyFeed(ctx, &directory.FeedBatch{Reviews: items, At: time.Now()})
	must(t, err)
	first, err := st.Reviews(ctx, directory.ReviewFilter{Authority: "Leeds", Limit: 2})
	must(t, err)
	rest, err := st.Reviews(ctx, directory.ReviewFilter{Authority: "Leeds", After: first[len(first)-1].ID})
	must(t, err)
	if len(first) != 2 || len(rest) != 1 || rest[0].ID <= first[1].ID {
		t.Errorf("pages: %d then %d", len(first), len(rest))
	}
	if n, err := st.CountReviews(ctx, directory.ReviewFilter{Authority: "Leeds"}); err != nil || n != 3 {
		t.Errorf("count: %d %v", n, err)
	}
	if n, _ := st.CountReviews(ctx, directory.ReviewFilter{Authority: "Nowhere"}); n != 0 {
		t.Errorf("another authority's count: %d", n)
	}
	_, err = st.AddInvolvement(ctx, signpost.SignpostID(2), "ann", signpost.Involvement{StartedOn: "2024-01-01"})
	must(t, err)
	must(t, st.SetShield(ctx, signpost.SignpostID(2), &directory.Shield{Reason: "refuge", ReviewDate: "2030-01-01", By: "ann", At: time.Now()}))
	c, err := st.PreviewMerge(ctx, signpost.SignpostID(2), signpost.SignpostID(1), time.Now())
	must(t, err)
	if c.SignpostID != signpost.SignpostID(1) || !c.Shielded || len(c.Involvements) != 1 {
		t.Errorf("preview: %+v", c)
	}
	if m, _ := st.Child(ctx, signpost.SignpostID(2)); m.MergedInto != "" {
		t.Error("the preview merged")
	}
	if j, _ := st.Child(ctx, signpost.SignpostID(1)); j.Shielded || len(j.Involvements) != 0 {
		t.Errorf("the preview changed the survivor: %+v", j)
	}
	if _, err := st.PreviewMerge(ctx, signpost.SignpostID(1), signpost.SignpostID(1), time.Now()); signpost.KindOf(err) != signpost.KindInvalid {
		t.Errorf("previewing a merge into itself: %v", err)
	}
}
