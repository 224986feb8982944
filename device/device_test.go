package device

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"signpost"
	"signpost/directory"
	demodir "signpost/directory/demo"
	"signpost/directory/sqlcipher"
	"signpost/localstore"
	psync "signpost/sync"
)

// testDirectory is a real directory with the demo data on httptest.
type testDirectory struct {
	store *sqlcipher.Store
	srv   *directory.Server
	hs    *httptest.Server
	fx    demodir.FixtureIDs // the named children's Signpost IDs
}

func startTestDirectory(t testing.TB, children int) *testDirectory {
	t.Helper()
	ctx := context.Background()
	st, err := sqlcipher.Open(ctx, filepath.Join(t.TempDir(), "d.db"), bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	if err := demodir.Seed(ctx, st, children, time.Now(), directory.PasswordParams{Memory: 1024, Time: 1, Threads: 1}); err != nil {
		t.Fatal(err)
	}
	srv := directory.NewServer(st, directory.Config{SearchRate: 100, SearchBurst: 100, WaitTimeout: time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	fx, err := demodir.Fixtures(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	d := &testDirectory{store: st, srv: srv, hs: httptest.NewServer(srv), fx: fx}
	t.Cleanup(func() {
		d.hs.Close()
		srv.Close()
		st.Close()
	})
	return d
}

// testKDF keeps Argon2 cheap in tests.
var testKDF = localstore.KDFParams{MemoryKiB: 8 * 1024, Iterations: 1, Threads: 1}

// statuses records the status updates services publish.
type statuses struct {
	mu  gosync.Mutex
	all []Status
}

func (r *statuses) add(st Status) {
	r.mu.Lock()
	r.all = append(r.all, st)
	r.mu.Unlock()
}

func (r *statuses) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.all)
}

func (r *statuses) last() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.all) == 0 {
		return Status{}
	}
	return r.all[len(r.all)-1]
}

// enrolled returns services enrolled as user on a fresh cache.
func enrolled(t *testing.T, d *testDirectory, user string) (*Device, *statuses) {
	t.Helper()
	return enrolledWith(t, d, user, testOptions(filepath.Join(t.TempDir(), "cache")))
}

// testOptions are the options of a test device with its cache in dir.
func testOptions(dir string) Options {
	return Options{Dir: dir, Store: localstore.Options{KDF: testKDF},
		Engine: psync.EngineOptions{RetryMin: 20 * time.Millisecond, RetryMax: 200 * time.Millisecond}}
}

// enrolledWith is enrolled with opts.
func enrolledWith(t *testing.T, d *testDirectory, user string, opts Options) (*Device, *statuses) {
	t.Helper()
	ctx := context.Background()
	s, err := New(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if s.State().Stage != StageEnrol {
		t.Fatalf("a new folder is at stage %v, want enrol", s.State().Stage)
	}
	rec := &statuses{}
	s.Subscribe(rec.add)
	code, _ := totp.GenerateCode(demodir.TOTPSecret, time.Now())
	progress := &statuses{}
	err = s.Enrol(ctx, EnrolRequest{Server: d.hs.URL, Username: user, Password: demodir.Password, OTP: code,
		DeviceName: user + "-laptop", Passphrase: "a long test passphrase"}, progress.add)
	if err != nil {
		t.Fatalf("enrolling %s: %v", user, err)
	}
	if s.State().Stage != StageReady {
		t.Fatalf("after enrolling: stage %v", s.State().Stage)
	}
	if user == "nurse" && progress.count() == 0 {
		t.Error("enrolment reported no progress")
	}
	return s, rec
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestServicesEnrolLockAndUnlock(t *testing.T) {
	ctx := context.Background()
	d := startTestDirectory(t, 50)
	s, rec := enrolled(t, d, "nurse")
	st := s.State()
	if st.User.DisplayName != "Nadia Shah" || st.Server != d.hs.URL || st.Policy.IdleLockMinutes == 0 {
		t.Errorf("state after enrolling: %+v", st)
	}
	cases, err := s.Caseload(ctx, "")
	if err != nil || len(cases) != 25 {
		t.Fatalf("caseload: %d children, %v", len(cases), err)
	}
	if err := s.Lock(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Caseload(ctx, ""); signpost.KindOf(err) != signpost.KindLocked {
		t.Errorf("a locked cache answered: %v", err)
	}
	err = s.Unlock(ctx, "not the passphrase")
	if signpost.KindOf(err) != signpost.KindUnauthorized || !strings.Contains(signpost.MessageOf(err), "attempts left") {
		t.Errorf("wrong passphrase: %v", err)
	}
	if err := s.Unlock(ctx, "a long test passphrase"); err != nil {
		t.Fatal(err)
	}
	if s.State().Stage != StageReady {
		t.Errorf("stage %v after unlocking", s.State().Stage)
	}
	waitFor(t, "the status says online after the first sync", func() bool { st := rec.last(); return st.Online && !st.Checking && !st.Syncing })
	if cs, _ := s.Caseload(ctx, "fixt"); len(cs) != 1 || cs[0].GivenName != "Jamie" || !cs[0].CAF {
		t.Errorf("filtered caseload %+v", cs)
	}
	// Reopening the folder finds the cache locked.
	s.Close()
	again, err := New(ctx, Options{Dir: s.dir, Store: localstore.Options{KDF: testKDF}})
	if err != nil || again.State().Stage != StageLocked {
		t.Fatalf("reopening: %v %v", again.State().Stage, err)
	}
	again.Close()
}

func TestServicesViewSearchAndRecordInvolvementOnline(t *testing.T) {
	ctx := context.Background()
	d := startTestDirectory(t, 50)
	s, rec := enrolled(t, d, "nurse")

	jamie, err := s.ViewChild(ctx, d.fx.Jamie, "")
	if err != nil || !jamie.OnCaseload || !jamie.FromCache || len(jamie.Child.Involvements) != 2 {
		t.Fatalf("Jamie from the cache: %+v %v", jamie, err)
	}
	var sean signpost.Involvement
	for _, inv := range jamie.Child.Involvements {
		if inv.Practitioner == "Sean O'Connell" {
			sean = inv
		}
	}
	if sean.Phone == "" || sean.Email == "" || sean.EndedOn == "" {
		t.Errorf("the previous social worker's contacts: %+v", sean)
	}

	res, err := s.Search(ctx, signpost.SearchRequest{FamilyName: "Smith", DateOfBirth: "2016-01-01"})
	if err != nil || !res.TooMany || res.Offline {
		t.Errorf("Sam Smiths: %+v %v", res, err)
	}
	res, err = s.Search(ctx, signpost.SearchRequest{FamilyName: "Smith", GivenName: "Sam", Postcode: "M14 5AB", Reason: "met at a clinic"})
	if err != nil || len(res.Matches) != 1 {
		t.Fatalf("one Sam Smith: %+v %v", res, err)
	}
	sam := res.Matches[0].SignpostID

	if _, err := s.ViewChild(ctx, sam, ""); signpost.FieldOf(err) != "reason" {
		t.Fatalf("off the caseload without a reason: %v", err)
	}
	r, err := s.ViewChild(ctx, sam, "met at a clinic")
	if err != nil || r.OnCaseload || r.FromCache || r.Child.FamilyName != "Smith" {
		t.Fatalf("Sam from the directory: %+v %v", r, err)
	}
	if err := s.StartInvolvement(ctx, sam, "School nurse", ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the involvement reaches the directory", func() bool {
		r, err := s.Refresh(ctx, sam)
		return err == nil && r.OnCaseload && len(r.Pending) == 0 && rec.last().Pending == 0
	})
	if cs, _ := s.Caseload(ctx, ""); len(cs) != 26 {
		t.Errorf("caseload of %d after starting an involvement, want 26", len(cs))
	}
	if err := s.SetLead(ctx, sam, true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "lead professional confirmed", func() bool {
		cs, _ := s.Caseload(ctx, "smith")
		for _, c := range cs {
			if c.ID == sam {
				return c.Lead && !c.Pending
			}
		}
		return false
	})
}

func TestServicesOfflineSearchesTheCacheAndQueues(t *testing.T) {
	ctx := context.Background()
	d := startTestDirectory(t, 50)
	s, rec := enrolled(t, d, "nurse")
	d.hs.Close() // the signal is gone

	res, err := s.Search(ctx, signpost.SearchRequest{FamilyName: "Fixture", DateOfBirth: "2015-03-14"})
	if err != nil || !res.Offline || len(res.Matches) != 1 || res.Matches[0].GivenName != "Jamie" {
		t.Fatalf("offline search: %+v %v", res, err)
	}
	err = s.MetChild(ctx, signpost.Identity{GivenName: "Ada", FamilyName: "Field", DateOfBirth: "2014-05-06", Postcode: "LS6 1AA"}, "School nurse")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EndInvolvement(ctx, d.fx.Jamie, ""); err != nil {
		t.Fatal(err)
	}
	items, err := s.Outbox(ctx)
	if err != nil || len(items) != 2 {
		t.Fatalf("outbox %+v %v", items, err)
	}
	// Pending, or in flight while the engine tries the directory again: waiting either way.
	if !strings.Contains(items[0].Description, "Ada Field") || (items[0].State != ChangePending && items[0].State != ChangeInFlight) {
		t.Errorf("met child queued as %+v", items[0])
	}
	r, err := s.Refresh(ctx, d.fx.Jamie)
	if err != nil || len(r.Pending) != 1 || r.OnCaseload {
		t.Errorf("Jamie after ending offline: %+v %v", r, err)
	}
	waitFor(t, "the app hears it is offline", func() bool { st := rec.last(); return !st.Online && st.Pending == 2 })
	if _, err := s.Devices(ctx); signpost.KindOf(err) != signpost.KindUnavailable && signpost.KindOf(err) != signpost.KindForbidden {
		t.Errorf("devices offline: %v", err)
	}
	if _, err := s.ViewChild(ctx, d.fx.SamSmiths[0], "visit"); signpost.KindOf(err) == "" {
		t.Error("a child never cached opened offline")
	}
}

func TestServicesShieldingAndBreakGlass(t *testing.T) {
	ctx := context.Background()
	d := startTestDirectory(t, 50)
	nurse, _ := enrolled(t, d, "nurse")
	riley, err := nurse.ViewChild(ctx, d.fx.Riley, "")
	if err != nil || !riley.Child.Redacted || riley.Child.Address != "" || !strings.Contains(riley.Child.ContactVia, "Leeds") {
		t.Fatalf("the nurse's copy of a shielded child: %+v %v", riley, err)
	}
	if _, err := nurse.BreakGlass(ctx, d.fx.Riley, "worried"); signpost.KindOf(err) != signpost.KindForbidden {
		t.Errorf("a school nurse broke glass: %v", err)
	}
	social, _ := enrolled(t, d, "social")
	full, err := social.BreakGlass(ctx, d.fx.Riley, "child protection enquiry")
	if err != nil || !full.BrokeGlass || full.Child.Address == "" {
		t.Fatalf("break-glass: %+v %v", full, err)
	}
	if c, err := social.Refresh(ctx, d.fx.Riley); err == nil && c.Child.Address != "" {
		t.Error("the unredacted record was kept in the social worker's cache")
	}
	manager, _ := enrolled(t, d, "manager")
	shielded, err := manager.Shield(ctx, d.fx.Jamie, signpost.ShieldRequest{Reason: "family fleeing abuse", ReviewDate: time.Now().AddDate(0, 3, 0).Format(signpost.DateLayout)})
	if err != nil || !shielded.Child.Shielded {
		t.Fatalf("shield: %+v %v", shielded, err)
	}
	if sh := shielded.Child.Shielding; sh == nil || sh.By != "Maria Green" || sh.Reason != "family fleeing abuse" {
		t.Errorf("the management team's copy shows the shielding as %+v", sh)
	}
	nurse.SyncNow()
	waitFor(t, "the nurse's cache loses Jamie's unshielded copy", func() bool {
		r, err := nurse.Refresh(ctx, d.fx.Jamie)
		return err == nil && r.Child.Redacted && r.Child.Address == ""
	})
	// The cached redacted copy says how to reach Leeds' management team, offline too.
	r, err := nurse.Refresh(ctx, d.fx.Jamie)
	if err != nil || !r.FromCache || r.Child.WithheldContact == nil || r.Child.WithheldContact.Phone != "0113 496 0000" ||
		r.Child.WithheldContact.Email != "leeds-signpost@example.org" || r.Child.Shielding != nil {
		t.Errorf("the nurse's cached copy of shielded Jamie: %+v %v", r, err)
	}
	if _, err := manager.Unshield(ctx, d.fx.Jamie, " "); signpost.FieldOf(err) != "reason" {
		t.Errorf("unshielding without a reason: %v, want refused on the reason", err)
	}
	if _, err := manager.Unshield(ctx, d.fx.Jamie, "review found the family safe"); err != nil {
		t.Fatal(err)
	}
}

func TestServicesRemoteWipeAndReceipt(t *testing.T) {
	ctx := context.Background()
	d := startTestDirectory(t, 50)
	nurse, nurseStatus := enrolled(t, d, "nurse")
	it, _ := enrolled(t, d, "itadmin")
	devs, err := it.Devices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var laptop signpost.Device
	for _, dv := range devs {
		if dv.Name == "nurse-laptop" {
			laptop = dv
		}
	}
	if laptop.ID == "" || laptop.State != signpost.DeviceActive {
		t.Fatalf("devices %+v", devs)
	}
	if _, err := it.ViewChild(ctx, d.fx.Jamie, "curious"); err == nil {
		t.Error("IT staff opened a child's record")
	}
	got, err := it.OrderWipe(ctx, laptop.ID, signpost.WipeLeaver)
	if err != nil || got.State != signpost.DeviceWipeOrdered {
		t.Fatalf("order wipe: %+v %v", got, err)
	}
	nurse.SyncNow()
	defer func() {
		if t.Failed() {
			nurseStatus.mu.Lock()
			for _, st := range nurseStatus.all {
				t.Logf("%+v", st)
			}
			nurseStatus.mu.Unlock()
		}
	}()
	waitFor(t, "the nurse's laptop wipes itself", func() bool { return nurse.State().Stage == StageWiped && nurseStatus.last().Wiped })
	if w := nurse.State().Wiped; w == nil || !strings.Contains(w.Message, "IT service") {
		t.Errorf("wiped state %+v", w)
	}
	if _, err := nurse.Caseload(ctx, ""); signpost.KindOf(err) != signpost.KindWiped {
		t.Errorf("a wiped cache answered: %v", err)
	}
	waitFor(t, "the receipt reaches the directory", func() bool {
		ds, err := it.Devices(ctx)
		if err != nil {
			return false
		}
		for _, dv := range ds {
			if dv.ID == laptop.ID {
				return dv.State == signpost.DeviceWiped && dv.Receipt != nil
			}
		}
		return false
	})
	// Set up again on the same folder. The first enrolment spent the
	// current security code (a code signs in once), so use the next one.
	code, _ := totp.GenerateCode(demodir.TOTPSecret, time.Now().Add(30*time.Second))
	err = nurse.Enrol(ctx, EnrolRequest{Server: d.hs.URL, Username: "nurse", Password: demodir.Password, OTP: code, DeviceName: "nurse-laptop-2", Passphrase: "another test passphrase"}, nil)
	if err != nil || nurse.State().Stage != StageReady {
		t.Fatalf("enrolling again after the wipe: %v", err)
	}
}

// The status says until when the laptop works offline: the policy's
// offline_lock_hours after the last contact with the directory.
func TestStatusSaysWhenTheOfflineLockComes(t *testing.T) {
	d := startTestDirectory(t, 20)
	s, rec := enrolled(t, d, "nurse")
	waitFor(t, "a status after the first sync", func() bool { return !rec.last().OfflineLockAt.IsZero() })
	hours := s.State().Policy.OfflineLockHours
	got := time.Until(rec.last().OfflineLockAt)
	want := time.Duration(hours) * time.Hour
	if hours <= 0 || got > want || got < want-time.Minute {
		t.Fatalf("offline lock in %v, want about %v (policy %d h)", got, want, hours)
	}
}
