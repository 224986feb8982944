package sync_test

// Issue 16, end to end through the real directory, the real sync client and
// real device caches: who is told what, and nobody else.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"signpost"
	"signpost/directory"
	"signpost/directory/demo"
	"signpost/localstore"
	psync "signpost/sync"

	"github.com/google/uuid"
)

// device is one practitioner's laptop: a cache, a client and an engine.
type device struct {
	t      *testing.T
	user   string
	dir    string
	cache  *localstore.Store
	client *psync.Client
	engine *psync.Engine
	last   psync.Event
}

func (w *world) device(user string) *device {
	t := w.t
	t.Helper()
	ctx := context.Background()
	d := &device{t: t, user: user, dir: filepath.Join(t.TempDir(), "cache-"+user)}
	var err error
	if d.cache, err = localstore.Create(ctx, d.dir, passphrase, fastKDF); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.cache.Close() })
	if d.client, err = psync.NewClient(psync.ClientOptions{BaseURL: "http://" + w.addr, Retries: 1}); err != nil {
		t.Fatal(err)
	}
	d.engine = psync.NewEngine(d.client, d.cache, psync.EngineOptions{OnEvent: func(ev psync.Event) { d.last = ev }})
	if _, err := d.engine.SignIn(ctx, user, demo.Password, otp(t), user+"'s laptop"); err != nil {
		t.Fatalf("%s signing in: %v", user, err)
	}
	d.sync()
	return d
}

func (d *device) sync() psync.Report {
	d.t.Helper()
	rep, err := d.engine.Sync(context.Background())
	if err != nil {
		d.t.Fatalf("%s syncing: %v", d.user, err)
	}
	return rep
}

func (d *device) enqueue(m signpost.Mutation) {
	d.t.Helper()
	if _, err := d.cache.Enqueue(context.Background(), m); err != nil {
		d.t.Fatalf("%s enqueueing %s: %v", d.user, m.Kind, err)
	}
}

// push sends one change straight to the directory (for a child not yet in
// the cache) and syncs.
func (d *device) push(m signpost.Mutation) signpost.MutationResult {
	d.t.Helper()
	m.ID, m.At = newMutationID(), nowUTC()
	res, err := d.client.Push(context.Background(), []signpost.Mutation{m})
	if err != nil || len(res) != 1 {
		d.t.Fatalf("%s pushing %s: %+v %v", d.user, m.Kind, res, err)
	}
	d.sync()
	return res[0]
}

// notes returns the cached notifications of kind about child (all kinds for "").
func (d *device) notes(kind, child string) []signpost.Notification {
	d.t.Helper()
	ns, err := d.cache.Notifications(context.Background(), 0)
	if err != nil {
		d.t.Fatal(err)
	}
	var out []signpost.Notification
	for _, n := range ns {
		if (kind == "" || n.Kind == kind) && (child == "" || n.ChildID == child) {
			out = append(out, n)
		}
	}
	return out
}

func (d *device) involvement(child, username string) string {
	d.t.Helper()
	c, err := d.cache.Child(context.Background(), child)
	if err != nil {
		d.t.Fatal(err)
	}
	for _, inv := range c.Involvements {
		if inv.Mine && inv.Active() {
			return inv.ID
		}
	}
	d.t.Fatalf("%s has no active involvement with %s in the cache", d.user, child)
	return ""
}

// online is a signed-in client with no cache (a management team).
func (w *world) online(user string) *psync.Client {
	w.t.Helper()
	c, err := psync.NewClient(psync.ClientOptions{BaseURL: "http://" + w.addr, Retries: 1})
	if err != nil {
		w.t.Fatal(err)
	}
	signIn(w.t, c, user)
	return c
}

func onlineNotes(t *testing.T, c *psync.Client, kind, child string) []signpost.Notification {
	t.Helper()
	r, err := c.Notifications(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var out []signpost.Notification
	for _, n := range r.Notifications {
		if (kind == "" || n.Kind == kind) && (child == "" || n.ChildID == child) {
			out = append(out, n)
		}
	}
	return out
}

func addAccounts(t *testing.T, st directory.Store, orgs map[string]string, as ...directory.Account) {
	t.Helper()
	ctx := context.Background()
	for name, auth := range orgs {
		if err := st.CreateOrganisation(ctx, name, auth, true); err != nil && signpost.KindOf(err) != signpost.KindConflict {
			t.Fatal(err)
		}
	}
	for _, a := range as {
		a.PasswordHash, a.TOTPSecret, a.Accredited = directory.HashPassword(demo.Password, cheap), demo.TOTPSecret, true
		if err := st.CreateAccount(ctx, &a); err != nil {
			t.Fatal(err)
		}
	}
}

func mustNotContain(t *testing.T, what string, b []byte, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if bytes.Contains(b, []byte(s)) {
			t.Errorf("%s carries %q", what, s)
		}
	}
}

func asJSON(v any) []byte { b, _ := json.Marshal(v); return b }

func fixtureIDs(t *testing.T, st directory.Store) demo.FixtureIDs {
	t.Helper()
	fx, err := demo.Fixtures(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	return fx
}

func newMutationID() string { return uuid.Must(uuid.NewV7()).String() }

func nowUTC() time.Time { return time.Now().UTC() }

func TestNotificationsEndToEnd(t *testing.T) {
	w := newWorld(t, 0)
	ctx := context.Background()
	addAccounts(t, w.store, map[string]string{"Leeds Health Visiting": "Leeds", "Leeds Sexual Health Service": "Leeds",
		"Manchester Signpost Team": "Manchester", "Bradford Signpost Team": "Bradford"},
		directory.Account{User: signpost.User{Username: "lead", DisplayName: "Lena Lead", Role: signpost.RolePractitioner, JobTitle: "Health visitor",
			Organisation: "Leeds Health Visiting", Phone: "0113 496 0111", Email: "lena.lead@example.nhs.uk"}},
		directory.Account{User: signpost.User{Username: "leedsother", DisplayName: "Owen Other", Role: signpost.RolePractitioner, JobTitle: "Youth worker",
			Organisation: "Leeds Health Visiting", Phone: "0113 496 0999", Email: "owen.other@example.nhs.uk"}},
		directory.Account{User: signpost.User{Username: "clinic", DisplayName: "Sasha Clinic", Role: signpost.RolePractitioner, JobTitle: "Sexual health nurse",
			Organisation: "Leeds Sexual Health Service", Phone: "0113 496 0777", Email: "sasha.clinic@example.nhs.uk"}},
		directory.Account{User: signpost.User{Username: "mcrmanager", DisplayName: "Morgan Manchester", Role: signpost.RoleManagement,
			Organisation: "Manchester Signpost Team", Phone: "0161 496 0000"}},
		directory.Account{User: signpost.User{Username: "bfdmanager", DisplayName: "Bea Bradford", Role: signpost.RoleManagement,
			Organisation: "Bradford Signpost Team"}},
	)
	fx := fixtureIDs(t, w.store)
	jamie, riley := fx.Jamie, fx.Riley

	nurse := w.device("nurse")
	lead := w.device("lead")
	social := w.device("social")
	other := w.device("leedsother")
	clinic := w.device("clinic")
	mcr, bfd, leedsMgr := w.online("mcrmanager"), w.online("bfdmanager"), w.online("manager")

	// The health visitor starts working with Jamie and becomes the lead
	// professional; the nurse, working with Jamie, is told.
	lead.push(signpost.Mutation{Kind: signpost.MutStartInvolvement, ChildID: jamie, Role: "Health visitor"})
	lead.enqueue(signpost.Mutation{Kind: signpost.MutSetLead, ChildID: jamie, Value: true})
	lead.sync()
	nurse.sync()
	if got := nurse.notes(signpost.NoteNewInvolvement, jamie); len(got) != 1 || got[0].About == nil || got[0].About.Name != "Lena Lead" {
		t.Fatalf("the nurse's notifications of the health visitor starting: %+v", got)
	}

	// 1. A Manchester social worker starts working with Jamie while the
	// nurse's laptop is offline: it is told at its next sync.
	social.push(signpost.Mutation{Kind: signpost.MutStartInvolvement, ChildID: jamie, Role: "Social worker"})
	rep := nurse.sync()
	got := nurse.notes(signpost.NoteNewInvolvement, jamie)
	var sean *signpost.Notification
	for i := range got {
		if got[i].About != nil && got[i].About.Name == "Sean O'Connell" {
			sean = &got[i]
		}
	}
	if sean == nil {
		t.Fatalf("after its sync the nurse's cache has no notification of the social worker starting: %+v", got)
	}
	if sean.About.Organisation != "Manchester City Council Children's Services" || sean.About.Authority != "Manchester" ||
		sean.About.Phone != "0161 496 0202" || sean.About.Role != "Social worker" || sean.At.IsZero() || sean.Read {
		t.Errorf("the notification does not say who, where, how to reach them and when: %+v", sean.About)
	}
	if rep.Notified != 1 || nurse.last.Notified != 1 {
		t.Errorf("the sync reported %d notifications (event %d), want 1", rep.Notified, nurse.last.Notified)
	}
	if n, _ := nurse.cache.UnreadNotifications(ctx); n != 2 {
		t.Errorf("unread in the nurse's cache: %d, want 2", n)
	}
	// The lead professional is told too; the starter is not, nor anyone
	// not working with Jamie.
	lead.sync()
	other.sync()
	if len(lead.notes(signpost.NoteNewInvolvement, jamie)) != 1 || len(social.notes("", jamie)) != 0 || len(other.notes("", "")) != 0 {
		t.Errorf("told of the social worker: lead %d, social %d, an uninvolved Leeds practitioner %d; want 1, 0, 0",
			len(lead.notes(signpost.NoteNewInvolvement, jamie)), len(social.notes("", jamie)), len(other.notes("", "")))
	}
	// Manchester's management team learns that a child of Leeds is worked
	// with in its area; Bradford's and Leeds' do not.
	if n := onlineNotes(t, mcr, signpost.NoteMovedArea, jamie); len(n) != 1 {
		t.Errorf("Manchester's management team: %d notifications of the new involvement from Manchester, want 1", len(n))
	}
	if n := len(onlineNotes(t, bfd, "", "")) + len(onlineNotes(t, leedsMgr, "", "")); n != 0 {
		t.Errorf("Bradford's and Leeds' management teams were told %d things, want nothing", n)
	}

	// 2. A feed moves Jamie to Manchester: the nurse, the lead professional
	// (and the social worker, working with Jamie) and Manchester's
	// management team are told; nobody else.
	if _, err := w.store.ApplyFeed(ctx, &directory.FeedBatch{Updates: []directory.ChildUpdate{{SignpostID: jamie, Postcode: "M1 1AE",
		ClearAddress: true, AuthorityCode: "E08000003"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := directory.DrainNotifications(ctx, w.store); err != nil {
		t.Fatal(err)
	}
	for _, d := range []*device{nurse, lead, social, other} {
		d.sync()
	}
	for _, d := range []*device{nurse, lead, social} {
		m := d.notes(signpost.NoteMovedArea, jamie)
		if len(m) != 1 || m[0].Authority != "Manchester" || m[0].FromAuthority != "Leeds" {
			t.Errorf("%s's notifications of the move: %+v, want one from Leeds to Manchester", d.user, m)
		}
	}
	if m := nurse.notes(signpost.NoteMovedArea, jamie); len(m) == 1 && (m[0].LeadProfessional == nil || m[0].LeadProfessional.Name != "Lena Lead") {
		t.Errorf("the move does not name the lead professional: %+v", m[0])
	}
	moved := onlineNotes(t, mcr, signpost.NoteMovedArea, jamie)
	if len(moved) != 2 || moved[0].LeadProfessional == nil || moved[0].LeadProfessional.Phone != "0113 496 0111" ||
		!strings.Contains(moved[0].Text, "now lives in Manchester") {
		t.Errorf("Manchester's management team on the move: %+v", moved)
	}
	if n := len(other.notes("", "")) + len(onlineNotes(t, bfd, "", "")) + len(onlineNotes(t, leedsMgr, "", "")); n != 0 {
		t.Errorf("an uninvolved Leeds practitioner and Bradford's and Leeds' management teams were told %d things, want nothing", n)
	}

	// 3. Shielded Riley (on the nurse's caseload): what she is told carries
	// nothing shielding withholds.
	// Owen's cache has no Riley: he starts from the directory's answer.
	if res, err := other.client.Push(ctx, []signpost.Mutation{{ID: newMutationID(), Kind: signpost.MutStartInvolvement, ChildID: riley, Role: "Youth worker", At: nowUTC()}}); err != nil || res[0].Status != signpost.ResultApplied {
		t.Fatalf("Owen starting with Riley: %+v %v", res, err)
	}
	if _, err := w.store.ApplyFeed(ctx, &directory.FeedBatch{Updates: []directory.ChildUpdate{{SignpostID: riley, Postcode: "BD1 1AA",
		ClearAddress: true, AuthorityCode: "E08000032"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := directory.DrainNotifications(ctx, w.store); err != nil {
		t.Fatal(err)
	}
	nurse.sync()
	rn := nurse.notes("", riley)
	if len(rn) != 2 {
		t.Fatalf("the nurse's notifications about Riley: %+v, want a new involvement and a move", rn)
	}
	for _, n := range rn {
		if !n.Withheld || n.About != nil || n.LeadProfessional != nil || n.Authority != "" || n.FromAuthority != "" || n.ContactVia == "" {
			t.Errorf("a notification about shielded Riley: %+v", n)
		}
		mustNotContain(t, "a shielded child's notification", asJSON(n), "Owen", "0113 496 0999", "owen.other", "Leeds Health Visiting",
			"Youth worker", "BD1", "Bradford", "Hidden Lane", "LS2 9JT", "Woodhouse")
	}
	if n := onlineNotes(t, bfd, signpost.NoteMovedArea, riley); len(n) != 1 || n[0].Withheld {
		t.Errorf("Bradford's management team (Riley's authority now) on the move: %+v, want it in full", n)
	}

	// 4. A sensitive service without consent: never in full in another
	// practitioner's cache, pull or notifications; in full for the
	// management team of the service's authority.
	cursor, _ := nurse.cache.Cursor(ctx)
	if res, err := clinic.client.Push(ctx, []signpost.Mutation{{ID: newMutationID(), Kind: signpost.MutStartInvolvement, ChildID: jamie,
		Role: "Sexual health nurse", Sensitive: true, At: nowUTC()}}); err != nil || res[0].Status != signpost.ResultApplied {
		t.Fatalf("the sexual health service starting: %+v %v", res, err)
	}
	nurse.sync()
	secrets := []string{"Sasha", "Clinic", "0113 496 0777", "sasha.clinic", "Leeds Sexual Health", "Sexual health nurse"}
	raw := rawPull(t, w, nurse, cursor)
	if !bytes.Contains(raw, []byte("a service that is not named here is involved")) {
		t.Errorf("the pull does not say a service that is not named is involved: %s", raw)
	}
	mustNotContain(t, "the nurse's pull (wire JSON)", raw, secrets...)
	cj, err := nurse.cache.Child(ctx, jamie)
	if err != nil {
		t.Fatal(err)
	}
	mustNotContain(t, "the nurse's cached record (decrypted)", asJSON(cj), secrets...)
	mustNotContain(t, "the nurse's cached notifications (decrypted)", asJSON(nurse.notes("", "")), secrets...)
	if full, err := leedsMgr.Child(ctx, jamie, "brokering contact with a sensitive service"); err != nil {
		t.Fatal(err)
	} else if !bytes.Contains(asJSON(full), []byte("Leeds Sexual Health Service")) {
		t.Errorf("Leeds' management team does not see the sensitive service in full: %s", asJSON(full))
	}
	if sc, err := social.client.Child(ctx, jamie, ""); err != nil {
		t.Fatal(err)
	} else {
		mustNotContain(t, "the social worker's record (endpoint)", asJSON(sc), secrets...)
	}

	// 5. Handover: offered and declined, offered and accepted; everyone
	// working with Jamie is told.
	nurseInv := nurse.involvement(jamie, "nurse")
	lead.sync()
	lead.enqueue(signpost.Mutation{Kind: signpost.MutOfferLead, ChildID: jamie, To: nurseInv})
	lead.sync()
	nurse.sync()
	if n := nurse.notes(signpost.NoteHandoverOffered, jamie); len(n) != 1 {
		t.Fatalf("the nurse was not offered the role: %+v", n)
	}
	nurse.enqueue(signpost.Mutation{Kind: signpost.MutDeclineLead, ChildID: jamie})
	nurse.sync()
	lead.sync()
	if n := lead.notes(signpost.NoteHandoverDeclined, jamie); len(n) != 1 {
		t.Errorf("the lead was not told of the refusal: %+v", n)
	}
	if _, err := lead.client.OfferLead(ctx, jamie, nurseInv); err != nil {
		t.Fatal(err)
	}
	c, err := nurse.client.AnswerLead(ctx, jamie, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, inv := range c.Involvements {
		if inv.LeadProfessional != inv.Mine {
			t.Errorf("after accepting, lead professional flags: %+v", c.Involvements)
		}
	}
	lead.sync()
	social.sync()
	if len(lead.notes(signpost.NoteHandoverAccepted, jamie)) != 1 || len(social.notes(signpost.NoteHandoverAccepted, jamie)) != 1 {
		t.Errorf("told of the acceptance: lead %d, social %d; want 1 each",
			len(lead.notes(signpost.NoteHandoverAccepted, jamie)), len(social.notes(signpost.NoteHandoverAccepted, jamie)))
	}

	// 6. The lead professional's end is refused while others could take
	// the role, unless confirmed. The lead has muted endings.
	if _, err := lead.client.SetNotificationSettings(ctx, signpost.NotificationSettings{Muted: []string{signpost.NoteMovedArea}}); signpost.KindOf(err) != signpost.KindInvalid {
		t.Errorf("muting moves: %v, want invalid", err)
	}
	if s, err := lead.client.SetNotificationSettings(ctx, signpost.NotificationSettings{Muted: []string{signpost.NoteEndedInvolvement}}); err != nil || len(s.Muted) != 1 {
		t.Fatalf("muting endings: %+v %v", s, err)
	}
	nurse.sync()
	end := signpost.Mutation{ID: newMutationID(), Kind: signpost.MutEndInvolvement, ChildID: jamie, At: nowUTC()}
	res, err := nurse.client.Push(ctx, []signpost.Mutation{end})
	if err != nil || res[0].Status != signpost.ResultRejected || res[0].Kind != string(signpost.KindConflict) {
		t.Fatalf("the lead's unconfirmed end: %+v %v, want rejected as a conflict", res, err)
	}
	// The same from the app: refused, then confirmed from the outbox.
	nurse.enqueue(signpost.Mutation{Kind: signpost.MutEndInvolvement, ChildID: jamie})
	nurse.sync()
	items, err := nurse.cache.Outbox(ctx)
	if err != nil || len(items) != 1 || items[0].State != localstore.StateRejected || items[0].Reason != signpost.LeadLossMessage {
		t.Fatalf("the nurse's outbox after the unconfirmed end: %+v %v", items, err)
	}
	if _, err := nurse.cache.RetryConfirmed(ctx, items[0].ID); err != nil {
		t.Fatal(err)
	}
	if rep := nurse.sync(); rep.Pushed != 1 || rep.Rejected != 0 {
		t.Fatalf("the confirmed end: %+v", rep)
	}
	if c, _ := w.store.Child(ctx, jamie); c != nil {
		for _, inv := range c.Involvements {
			if inv.Username == "nurse" && (inv.Active() || inv.LeadProfessional) {
				t.Errorf("the nurse's involvement after the confirmed end: %+v", inv)
			}
		}
	}
	lead.sync()
	social.sync()
	if len(lead.notes(signpost.NoteEndedInvolvement, jamie)) != 0 || len(social.notes(signpost.NoteEndedInvolvement, jamie)) != 1 {
		t.Errorf("told of the end: lead (muted) %d, social %d; want 0, 1",
			len(lead.notes(signpost.NoteEndedInvolvement, jamie)), len(social.notes(signpost.NoteEndedInvolvement, jamie)))
	}

	// 7. Read in the cache, sent through the outbox.
	ids := []string{}
	for _, n := range social.notes("", "") {
		ids = append(ids, n.ID)
	}
	if n, err := social.cache.MarkNotificationsRead(ctx, ids); err != nil || n != len(ids) {
		t.Fatalf("marking read: %d %v", n, err)
	}
	social.sync()
	if r, err := social.client.Notifications(ctx, ""); err != nil || r.Unread != 0 {
		t.Errorf("unread in the directory after the read was synced: %+v %v", r, err)
	}

	// Every notification is audited, and in the subject-access report.
	evs, err := w.store.AuditForChild(ctx, jamie)
	if err != nil {
		t.Fatal(err)
	}
	notified := 0
	for _, ev := range evs {
		if ev.Action == "notify" {
			notified++
		}
	}
	if notified < 10 {
		t.Errorf("%d notifications about Jamie audited", notified)
	}
	// Jamie lives in Manchester now: its management team's subject-access
	// report lists every notification sent about him.
	sar, err := mcr.AccessReport(ctx, jamie, "", "")
	if err != nil {
		t.Fatal(err)
	}
	inReport := 0
	for _, e := range sar.Entries {
		if e.Action == "notify" {
			inReport++
		}
	}
	if inReport != notified {
		t.Errorf("the subject-access report lists %d notifications, the audit %d", inReport, notified)
	}

	// The cache files hold nothing readable.
	for _, d := range []*device{nurse, social, lead} {
		d.cache.Close()
		files, _ := filepath.Glob(filepath.Join(d.dir, "*"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			mustNotContain(t, d.user+"'s cache file "+filepath.Base(f), b, append(secrets, "Sean O'Connell", "Lena Lead", "Jamie", "Manchester")...)
		}
	}
}

// rawPull is the nurse's pull after cursor as the wire carries it.
func rawPull(t *testing.T, w *world, d *device, cursor string) []byte {
	t.Helper()
	tok, err := d.cache.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", "http://"+w.addr+"/v1/sync/pull?cursor="+cursor, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("raw pull: %d %s", resp.StatusCode, b)
	}
	return b
}

// A notification with no change to any child in the user's scope (a
// management team told of a move) is something to pull: the long-poll says
// so and the pull carries it, once. (That the wake-up comes of the
// notification itself is storetest's Affected and HasChanges check: here
// the team's own device activity may wake it too.)
func TestAManagementTeamPullsANotificationOnce(t *testing.T) {
	w := newWorld(t, 0)
	ctx := context.Background()
	addAccounts(t, w.store, map[string]string{"Manchester Signpost Team": "Manchester"},
		directory.Account{User: signpost.User{Username: "mcrmanager", DisplayName: "Morgan Manchester", Role: signpost.RoleManagement, Organisation: "Manchester Signpost Team"}})
	jamie := fixtureIDs(t, w.store).Jamie
	mcr := w.online("mcrmanager")
	first, err := mcr.Pull(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := mcr.Wait(ctx, first.Cursor); err != nil || r.Changed {
		t.Fatalf("the long-poll before anything happened: %+v %v, want nothing", r, err)
	}
	if _, err := w.store.ApplyFeed(ctx, &directory.FeedBatch{Updates: []directory.ChildUpdate{{SignpostID: jamie, Postcode: "M1 1AE", AuthorityCode: "E08000003"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := directory.DrainNotifications(ctx, w.store); err != nil {
		t.Fatal(err)
	}
	r, err := mcr.Wait(ctx, first.Cursor)
	if err != nil || !r.Changed {
		t.Fatalf("the long-poll after the move: %+v %v, want changed", r, err)
	}
	p, err := mcr.Pull(ctx, first.Cursor, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Notifications) != 1 || p.Notifications[0].Kind != signpost.NoteMovedArea || len(p.Changes) != 0 {
		t.Fatalf("the pull after the move: %d changes, notifications %+v", len(p.Changes), p.Notifications)
	}
	if again, _ := mcr.Pull(ctx, p.Cursor, 0); len(again.Notifications) != 0 {
		t.Errorf("pulled again after the cursor: %+v", again.Notifications)
	}
}
