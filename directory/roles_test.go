package directory_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"signpost"
	"signpost/directory"
	"signpost/directory/demo"
)

// The role × endpoint matrix (issue 10): every v1 endpoint asked by every
// kind of caller, each cell with the status it must get and what must not
// reach it. Riley Shielded's hidden fields reach only Leeds' management team
// and break-glass by the roles allowed it; nothing about any child reaches
// the IT admin; no practitioner's username is in a child record or a pull
// (item 2), and the caller's own involvements are marked "mine" by the
// server. Every check names the item it needs, and the test ends with the
// failing checks grouped by item, as the hostile catalogue does.

// matrixRoles are the callers, in the order of a row's statuses.
var matrixRoles = []string{"practitioner", "child protection", "management here", "management elsewhere", "IT admin", "no token", "disabled user", "revoked device"}

// caller is one role in the matrix.
type caller struct {
	role, user string
	token, dev string
	signedIn   bool // an active device and account: the request gets past sign-in
}

// statuses are a row's statuses, one per role in matrixRoles order.
type statuses [8]int

// matrixRow is one endpoint and what each role gets from it.
type matrixRow struct {
	endpoint string
	method   string
	path     func(c *caller) string
	body     func(c *caller) string
	want     statuses
	// needs is the item a role's status depends on ("v1" when not listed).
	needs map[string]string
	// records: the answer is a child record (or a pull of them), so the
	// username and "mine" checks apply.
	records bool
	// full lists the roles that may see Riley's hidden fields here.
	full map[string]bool
}

type matrixEnv struct {
	*hostileEnv
	callers []*caller
	users   []string
}

func newMatrixEnv(t *testing.T) *matrixEnv {
	t.Helper()
	e := newEnv(t, 50, nil)
	ctx := context.Background()
	if err := e.store.CreateOrganisation(ctx, "Manchester Signpost Team", "Manchester", true); err != nil {
		t.Fatal(err)
	}
	for _, a := range []directory.Account{
		{User: signpost.User{Username: "mcrmanager", DisplayName: "Morgan Manchester", Role: signpost.RoleManagement, Organisation: "Manchester Signpost Team"}},
		{User: signpost.User{Username: "leaver", DisplayName: "Lee Leaver", Role: signpost.RolePractitioner, Organisation: "Leeds Community Healthcare NHS Trust"}},
		{User: signpost.User{Username: "wiper", DisplayName: "Test wiper", Role: signpost.RolePractitioner, Organisation: "Leeds Community Healthcare NHS Trust"}},
	} {
		a.PasswordHash, a.TOTPSecret, a.Accredited = directory.HashPassword(demo.Password, cheap), demo.TOTPSecret, true
		if err := e.store.CreateAccount(ctx, &a); err != nil {
			t.Fatal(err)
		}
	}
	u, _ := url.Parse(e.http.URL)
	m := &matrixEnv{hostileEnv: &hostileEnv{env: e, addr: u.Host, tokens: map[string]string{}, devs: map[string]string{}},
		users: []string{"nurse", "social", "manager", "mcrmanager", "itadmin", "leaver", "wiper"}}
	login := func(user string) (string, string) {
		tok, dev := e.login(user)
		e.clock.Add(30 * time.Second) // a security code is good for one sign-in
		return tok, dev
	}
	for i, user := range []string{"nurse", "social", "manager", "mcrmanager", "itadmin"} {
		c := &caller{role: matrixRoles[i], user: user, signedIn: true}
		c.token, c.dev = login(user)
		m.callers = append(m.callers, c)
	}
	m.callers = append(m.callers, &caller{role: "no token", user: "nobody", dev: uuid.NewString()})
	disabled := &caller{role: "disabled user", user: "leaver"}
	disabled.token, disabled.dev = login("leaver")
	if err := e.store.SetAccountDisabled(ctx, "leaver", true); err != nil {
		t.Fatal(err)
	}
	revoked := &caller{role: "revoked device", user: "nurse"}
	revoked.token, revoked.dev = login("nurse")
	if _, err := e.store.MoveDevice(ctx, revoked.dev, directory.DeviceMove{To: signpost.DeviceRevoked, By: "itadmin", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	m.callers = append(m.callers, disabled, revoked)
	m.tokens["itadmin"] = m.callers[4].token
	return m
}

func matrixRows(m *matrixEnv) []matrixRow {
	jamie, riley := m.jamie, m.riley
	fixed := func(s string) func(*caller) string { return func(*caller) string { return s } }
	signedIn5 := func(ok int) statuses { return statuses{ok, ok, ok, ok, ok, 401, 401, 401} }
	children := statuses{200, 200, 200, 200, 403, 401, 401, 401}
	adminOnly := statuses{403, 403, 403, 403, 200, 401, 401, 401}
	managerHere := statuses{403, 403, 200, 403, 403, 401, 401, 401}
	return []matrixRow{
		{endpoint: "GET /healthz", method: "GET", path: fixed("/healthz"), want: statuses{200, 200, 200, 200, 200, 200, 200, 200}},
		{endpoint: "POST /v1/session", method: "POST", path: fixed("/v1/session"), body: func(c *caller) string {
			dev := uuid.NewString()
			if c.role == "revoked device" {
				dev = c.dev
			}
			b, _ := json.Marshal(signpost.SessionRequest{Username: c.user, Password: demo.Password, OTP: "{otp}", DeviceID: dev, DeviceName: "Matrix laptop"})
			return string(b)
		}, want: statuses{200, 200, 200, 200, 200, 401, 401, 403}},
		{endpoint: "POST /v1/search", method: "POST", path: fixed("/v1/search"),
			body: fixed(`{"family_name":"Shielded","date_of_birth":"2012-07-01","reason":"checking a referral"}`), want: children, records: true},
		{endpoint: "GET /v1/children/{riley}", method: "GET", path: fixed("/v1/children/" + riley + "?reason=checking+a+referral"),
			want: children, records: true, full: map[string]bool{"management here": true}},
		{endpoint: "GET /v1/children/{jamie}", method: "GET", path: fixed("/v1/children/" + jamie + "?reason=checking+a+referral"),
			want: children, records: true},
		{endpoint: "POST /v1/children/{riley}/break-glass", method: "POST", path: fixed("/v1/children/" + riley + "/break-glass"),
			body: fixed(`{"reason":"section 47 enquiry"}`), want: statuses{403, 200, 200, 200, 403, 401, 401, 401}, records: true,
			full: map[string]bool{"child protection": true, "management here": true, "management elsewhere": true}},
		{endpoint: "POST /v1/sync/push", method: "POST", path: fixed("/v1/sync/push"), body: func(*caller) string {
			return mutationsJSON(map[string]any{"id": uuid.Must(uuid.NewV7()).String(), "kind": signpost.MutSetCAF, "child_id": jamie, "value": true, "at": "{now}"})
		}, want: signedIn5(200)},
		{endpoint: "GET /v1/sync/pull", method: "GET", path: fixed("/v1/sync/pull"), want: signedIn5(200), records: true,
			full: map[string]bool{"management here": true}},
		{endpoint: "GET /v1/sync/wait", method: "GET", path: fixed("/v1/sync/wait?cursor=0"), want: signedIn5(200)},
		{endpoint: "GET /v1/devices", method: "GET", path: fixed("/v1/devices"), want: adminOnly},
		{endpoint: "POST /v1/children/{jamie}/shield", method: "POST", path: fixed("/v1/children/" + jamie + "/shield"),
			body: fixed(`{"reason":"fled domestic abuse","review_date":"{review}"}`), want: managerHere, records: true},
		{endpoint: "DELETE /v1/children/{jamie}/shield", method: "DELETE", path: fixed("/v1/children/" + jamie + "/shield?reason=review+done"),
			want: managerHere, records: true},
		{endpoint: "POST /v1/devices/{id}/wipe", method: "POST", path: func(c *caller) string { return "/v1/devices/{target}/wipe" },
			want: statuses{403, 403, 403, 403, 202, 401, 401, 401}},
		// A device's receipt for its own wipe, with no wipe ordered: 409 once
		// item 5 lands. Each signed-in role reports from a device of its own,
		// so a receipt accepted today does not end the role's other cells.
		{endpoint: "POST /v1/devices/{own}/wiped", method: "POST", path: fixed("/v1/devices/{own}/wiped"),
			body: fixed(`{"pushed":0,"lost":0,"wiped_at":"{now}"}`), want: statuses{409, 409, 409, 409, 409, 401, 401, 401},
			needs: map[string]string{"practitioner": "item 5", "child protection": "item 5", "management here": "item 5", "management elsewhere": "item 5", "IT admin": "item 5"}},
		// Issue 16 (notify.go): notifications, their settings and the
		// handover online. No fixture caller is Jamie's lead or offered the
		// role, so every practitioner and team is refused (409).
		{endpoint: "GET /v1/notifications", method: "GET", path: fixed("/v1/notifications"), want: signedIn5(200)},
		{endpoint: "POST /v1/notifications/read", method: "POST", path: fixed("/v1/notifications/read"), body: fixed(`{"ids":["1"]}`), want: signedIn5(200)},
		{endpoint: "GET /v1/notifications/settings", method: "GET", path: fixed("/v1/notifications/settings"), want: signedIn5(200)},
		{endpoint: "PUT /v1/notifications/settings", method: "PUT", path: fixed("/v1/notifications/settings"),
			body: fixed(`{"muted":["ended_involvement"]}`), want: signedIn5(200)},
		{endpoint: "POST /v1/children/{jamie}/lead/offer", method: "POST", path: fixed("/v1/children/" + jamie + "/lead/offer"),
			body: fixed(`{"to":"0193a5b2-0000-7000-8000-000000000000"}`), want: statuses{409, 409, 409, 409, 403, 401, 401, 401}},
		{endpoint: "POST /v1/children/{jamie}/lead/answer", method: "POST", path: fixed("/v1/children/" + jamie + "/lead/answer"),
			body: fixed(`{"accept":true}`), want: statuses{409, 409, 409, 409, 403, 401, 401, 401}},
	}
}

// failure is one failed check of one cell.
type failure struct{ needs, msg string }

// childNames are strings that identify a fixture child.
var childNames = []string{"Jamie", "Fixture", "Riley", "Shielded", "Park Row", "LS1 4AP", "Sam", "Smith"}

func (m *matrixEnv) cell(t *testing.T, row matrixRow, i int) []failure {
	t.Helper()
	c := m.callers[i]
	m.clock.Add(30 * time.Second) // a fresh security code for a sign-in
	now := m.clock.Now()
	token, dev := c.token, c.dev
	if row.endpoint == "POST /v1/devices/{own}/wiped" && c.signedIn {
		token, dev = m.loginT(t, c.user)
		now = m.clock.Now()
	}
	target := ""
	if strings.Contains(row.path(c), "{target}") {
		_, target = m.loginT(t, "wiper")
		now = m.clock.Now()
	}
	fill := strings.NewReplacer("{otp}", code(t, now), "{now}", now.UTC().Format(time.RFC3339Nano),
		"{review}", signpost.Today(now).AddDate(0, 6, 0).Format(signpost.DateLayout), "{own}", dev, "{target}", target)
	var header []string
	if token != "" {
		header = append(header, "Authorization: Bearer "+token)
	}
	body := ""
	if row.body != nil {
		body = fill.Replace(row.body(c))
	}
	status, _, b, err := m.send(row.method, fill.Replace(row.path(c)), header, "", body)
	if err != nil {
		return []failure{{"v1", "no answer: " + err.Error()}}
	}
	var out []failure
	add := func(needs, format string, args ...any) {
		out = append(out, failure{needs, fmt.Sprintf(format, args...)})
	}
	needs := "v1"
	if n, ok := row.needs[c.role]; ok {
		needs = n
	}
	if status != row.want[i] {
		add(needs, "status %d, want %d: %s", status, row.want[i], clip(b))
	}
	if status >= 400 {
		if _, err := errorBody(b); err != nil {
			add("item 14", "%v", err)
		}
	}
	if l := leaks(b); len(l) > 0 && !row.full[c.role] {
		add("v1", "Riley's hidden fields reach the %s: %v", c.role, l)
	}
	if c.role == "IT admin" {
		for _, s := range append([]string{`"signpost_id"`}, childNames...) {
			if bytes.Contains(b, []byte(s)) {
				add("v1", "the IT admin is sent %q about a child: %s", s, clip(b))
				break
			}
		}
	}
	if row.records && status == 200 {
		out = append(out, m.checkRecords(t, c, b, row.full[c.role])...)
	}
	return out
}

// checkRecords checks the child records in an answer: Riley's withheld
// fields absent unless full, no practitioner's username anywhere, and "mine"
// on exactly the caller's own involvements.
func (m *matrixEnv) checkRecords(t *testing.T, c *caller, b []byte, full bool) []failure {
	t.Helper()
	var out []failure
	var named []string
	for _, u := range m.users {
		if bytes.Contains(b, []byte(`"`+u+`"`)) {
			named = append(named, u)
		}
	}
	if len(named) > 0 {
		out = append(out, failure{"item 2", fmt.Sprintf("usernames on the wire: %v", named)})
	}
	var page struct {
		Changes []json.RawMessage `json:"changes"`
	}
	records := []json.RawMessage{b}
	if json.Unmarshal(b, &page) == nil && page.Changes != nil {
		records = page.Changes
	}
	var withName, unmarked, wrongly int
	for _, raw := range records {
		var rec struct {
			SignpostID   string                       `json:"signpost_id"`
			Involvements []map[string]json.RawMessage `json:"involvements"`
		}
		if err := json.Unmarshal(raw, &rec); err != nil || rec.SignpostID == "" || rec.Involvements == nil {
			continue // a search answer: identities only
		}
		if rec.SignpostID == m.riley && !full {
			var keys map[string]json.RawMessage
			_ = json.Unmarshal(raw, &keys)
			for _, k := range []string{"address", "postcode", "nhs_number", "upn", "carers", "school", "gp"} {
				if _, ok := keys[k]; ok {
					out = append(out, failure{"v1", fmt.Sprintf("Riley's %s reaches the %s", k, c.role)})
				}
			}
		}
		truth, err := m.store.Child(context.Background(), rec.SignpostID)
		if err != nil {
			out = append(out, failure{"v1", fmt.Sprintf("child %s in the answer: %v", rec.SignpostID, err)})
			continue
		}
		owner := map[string]string{}
		for _, inv := range truth.Involvements {
			owner[inv.ID] = inv.Username
		}
		for _, inv := range rec.Involvements {
			var id string
			_ = json.Unmarshal(inv["id"], &id)
			mine := false
			if v, ok := inv["mine"]; ok {
				_ = json.Unmarshal(v, &mine)
			}
			if _, ok := inv["username"]; ok {
				withName++
			}
			own := owner[id] == c.user
			switch {
			case own && !mine:
				unmarked++
			case !own && mine:
				wrongly++
			}
		}
	}
	if withName > 0 {
		out = append(out, failure{"item 2", fmt.Sprintf("%d involvements carry a username", withName)})
	}
	if unmarked > 0 {
		out = append(out, failure{"item 2", fmt.Sprintf("%d of the caller's own involvements are not marked mine", unmarked)})
	}
	if wrongly > 0 {
		out = append(out, failure{"item 2", fmt.Sprintf("%d involvements of others are marked mine", wrongly)})
	}
	return out
}

func TestRoleEndpointMatrix(t *testing.T) {
	m := newMatrixEnv(t)
	rows := matrixRows(m)
	if len(rows) < 13 {
		t.Fatalf("the matrix covers %d endpoints; v1 has 13", len(rows))
	}
	// Failed checks are summarised by what they need.
	failed := map[string][]string{}
	cells := 0
	for _, row := range rows {
		for i, role := range matrixRoles {
			cells++
			name := row.endpoint + " as " + role
			t.Run(name, func(t *testing.T) {
				for _, f := range m.cell(t, row, i) {
					t.Errorf("[needs %s] %s", f.needs, f.msg)
					failed[f.needs] = append(failed[f.needs], name+": "+clipString(f.msg, 120))
				}
			})
		}
	}
	var needs []string
	n := 0
	for k, v := range failed {
		needs = append(needs, k)
		n += len(v)
	}
	sort.Slice(needs, func(i, j int) bool { return needsOrder(needs[i]) < needsOrder(needs[j]) })
	var sb strings.Builder
	for _, k := range needs {
		fmt.Fprintf(&sb, "\n  needs %-9s %3d failed checks", k, len(failed[k]))
		for _, f := range failed[k] {
			fmt.Fprintf(&sb, "\n      %s", f)
		}
	}
	t.Logf("summary: %d cells (%d endpoints × %d roles), %d failed checks%s", cells, len(rows), len(matrixRoles), n, sb.String())
}

func clipString(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
