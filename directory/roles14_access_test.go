package directory_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"
	"time"

	"signpost"
	"signpost/directory"
	"signpost/directory/demo"
)

// Issue 14, slice access: the alerts, shielded list and subject-access
// endpoints, each asked by every role.

// accessEnv is a directory with a Manchester management user beside Leeds',
// and a break-glass alert about Riley for Leeds.
type accessEnv struct {
	*env
	tokens map[string]string // by role name
	alert  int64
}

var accessRoles = []string{"practitioner", "management here", "management elsewhere", "IT admin", "no token"}

func newAccessEnv(t *testing.T) *accessEnv {
	t.Helper()
	e := newEnv(t, 50, nil)
	ctx := context.Background()
	if err := e.store.CreateOrganisation(ctx, "Manchester Signpost Team", "Manchester", true); err != nil {
		t.Fatal(err)
	}
	mcr := directory.Account{User: signpost.User{Username: "mcrmanager", DisplayName: "Morgan Manchester", Role: signpost.RoleManagement, Organisation: "Manchester Signpost Team"},
		PasswordHash: directory.HashPassword(demo.Password, cheap), TOTPSecret: demo.TOTPSecret, Accredited: true}
	if err := e.store.CreateAccount(ctx, &mcr); err != nil {
		t.Fatal(err)
	}
	a := &accessEnv{env: e, tokens: map[string]string{}}
	for role, user := range map[string]string{"practitioner": "nurse", "management here": "manager", "management elsewhere": "mcrmanager", "IT admin": "itadmin", "child protection": "social"} {
		a.tokens[role], _ = e.login(user)
	}
	// A search that returns Riley, and a break-glass on her record.
	e.search(a.tokens["child protection"], signpost.SearchRequest{FamilyName: "Shielded", DateOfBirth: "2012-07-01", Reason: "checking a referral"})
	if r := e.do("POST", "/v1/children/"+e.riley+"/break-glass", a.tokens["child protection"], signpost.BreakGlassRequest{Reason: "section 47 enquiry"}); r.status != 200 {
		t.Fatalf("break-glass: %d %s", r.status, r.body)
	}
	als, err := e.store.Alerts(ctx, directory.AlertFilter{Authority: "Leeds"})
	if err != nil || len(als) == 0 {
		t.Fatalf("no alert for Leeds: %v", err)
	}
	a.alert = als[0].ID
	return a
}

// childFields are what identifies Riley: none may reach a role that should
// not see her.
var childFields = []string{"Riley", "Shielded", "2012-07-01", "Hidden Lane", "LS2 9JT"}

func TestAccessEndpointsByRole(t *testing.T) {
	a := newAccessEnv(t)
	riley := a.riley
	type row struct {
		method, path, body string
		want               [5]int
		// sees: the roles that may be sent Riley's identity here.
		sees map[string]bool
	}
	here := map[string]bool{"management here": true}
	rows := []row{
		{method: "GET", path: "/v1/alerts", want: [5]int{403, 200, 200, 403, 401}, sees: here},
		{method: "POST", path: "/v1/alerts/" + strconv.FormatInt(a.alert, 10) + "/ack", body: `{"note":"spoke to the social worker; enquiry confirmed"}`,
			want: [5]int{403, 200, 404, 403, 401}, sees: here},
		{method: "GET", path: "/v1/shielded", want: [5]int{403, 200, 200, 403, 401}, sees: here},
		{method: "GET", path: "/v1/children/" + riley + "/access", want: [5]int{403, 200, 403, 403, 401}, sees: here},
		{method: "GET", path: "/v1/children/" + riley + "/access.csv?reason=subject+access+request+SAR-1", want: [5]int{403, 200, 403, 403, 401}, sees: here},
	}
	for _, r := range rows {
		for i, role := range accessRoles {
			t.Run(r.method+" "+r.path+" as "+role, func(t *testing.T) {
				var body any
				if r.body != "" {
					body = r.body
				}
				res := a.do(r.method, r.path, a.tokens[role], body)
				if res.status != r.want[i] {
					t.Fatalf("status %d, want %d: %s", res.status, r.want[i], clip(res.body))
				}
				if res.status >= 400 {
					if _, err := errorBody(res.body); err != nil {
						t.Error(err)
					}
				}
				if r.sees[role] {
					return
				}
				for _, f := range childFields {
					if bytes.Contains(res.body, []byte(f)) {
						t.Errorf("%q reaches the %s: %s", f, role, clip(res.body))
					}
				}
				if role == "IT admin" && bytes.Contains(res.body, []byte(riley)) {
					t.Errorf("Riley's Signpost ID reaches the IT admin")
				}
			})
		}
	}
}

func TestAccessBadInputIsA4xxNamingTheField(t *testing.T) {
	a := newAccessEnv(t)
	tok := a.tokens["management here"]
	alert := "/v1/alerts/" + strconv.FormatInt(a.alert, 10) + "/ack"
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		field                    string
	}{
		{"alerts limit", "GET", "/v1/alerts?limit=0", "", 400, "limit"},
		{"ack id", "POST", "/v1/alerts/abc/ack", `{"note":"done"}`, 400, "id"},
		{"ack no note", "POST", alert, `{"note":"  "}`, 400, "note"},
		{"ack unknown field", "POST", alert, `{"note":"done it","by":"x"}`, 400, "by"},
		{"ack not JSON", "POST", alert, `note`, 400, "body"},
		{"ack unknown alert", "POST", "/v1/alerts/999999/ack", `{"note":"done it"}`, 404, ""},
		{"shielded limit", "GET", "/v1/shielded?limit=101", "", 400, "limit"},
		{"shielded after", "GET", "/v1/shielded?after=tomorrow", "", 400, "after"},
		{"access id", "GET", "/v1/children/SP123/access", "", 400, "id"},
		{"access before", "GET", "/v1/children/" + a.riley + "/access?before=-4", "", 400, "before"},
		{"access limit", "GET", "/v1/children/" + a.riley + "/access?limit=x", "", 400, "limit"},
		{"access user", "GET", "/v1/children/" + a.riley + "/access?user=a%0Ab", "", 400, "user"},
		{"csv no reason", "GET", "/v1/children/" + a.riley + "/access.csv", "", 400, "reason"},
		{"csv unknown child", "GET", "/v1/children/" + unknownChild(t, a.env) + "/access.csv?reason=subject+access", "", 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body any
			if tc.body != "" {
				body = tc.body
			}
			r := a.do(tc.method, tc.path, tok, body)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			de, err := errorBody(r.body)
			if err != nil {
				t.Fatal(err)
			}
			if de.Field != tc.field {
				t.Errorf("field %q, want %q (%s)", de.Field, tc.field, de.Message)
			}
		})
	}
}

func TestAlertAcknowledgedOnceAuditedAndEscalated(t *testing.T) {
	a := newAccessEnv(t)
	tok := a.tokens["management here"]
	list := func() signpost.AlertsResponse {
		t.Helper()
		var out signpost.AlertsResponse
		r := a.do("GET", "/v1/alerts", tok, nil)
		if r.status != 200 {
			t.Fatalf("alerts: %d %s", r.status, r.body)
		}
		r.json(t, &out)
		return out
	}
	got := list()
	if got.Unacknowledged != 1 || got.Escalated != 0 || got.Alerts[0].Escalated {
		t.Fatalf("fresh alert: %+v", got)
	}
	if want := "/v1/children/" + a.riley + "/access?user=social"; got.Alerts[0].Access != want {
		t.Errorf("access link %q, want %q", got.Alerts[0].Access, want)
	}
	// The link is the audit of that access: the break-glass is in it.
	var rep signpost.AccessReport
	a.do("GET", got.Alerts[0].Access, tok, nil).json(t, &rep)
	if len(rep.Entries) == 0 || rep.Entries[0].Action != "break_glass" || rep.Entries[0].Username != "social" {
		t.Errorf("the alert's link shows %+v", rep.Entries)
	}
	a.clock.Add(25 * time.Hour)
	tok, _ = a.login("manager") // sessions last 12 hours
	if got = list(); got.Escalated != 1 || !got.Alerts[0].Escalated {
		t.Fatalf("a day later the alert is not escalated: %+v", got)
	}
	path := "/v1/alerts/" + strconv.FormatInt(a.alert, 10) + "/ack"
	r := a.do("POST", path, tok, signpost.AlertAck{Note: "spoke to the social worker"})
	if r.status != 200 {
		t.Fatalf("ack: %d %s", r.status, r.body)
	}
	var al signpost.Alert
	r.json(t, &al)
	if al.AcknowledgedBy != "manager" || al.AckNote != "spoke to the social worker" || al.Escalated || al.AcknowledgedAt.IsZero() {
		t.Errorf("acknowledged alert = %+v", al)
	}
	if r := a.do("POST", path, tok, signpost.AlertAck{Note: "again"}); r.status != 409 {
		t.Errorf("second ack: %d %s, want 409", r.status, r.body)
	}
	if got = list(); got.Unacknowledged != 0 || got.Escalated != 0 || got.Alerts[0].AcknowledgedBy != "manager" {
		t.Errorf("after the ack: %+v", got)
	}
	// The acknowledgement is in the audit with its note, with the child's events.
	if !a.audited(t, "alert_ack", a.riley, "spoke to the social worker") {
		t.Error("the acknowledgement was not audited")
	}
}

func TestShieldedListDueFirstRenewKeepsHistory(t *testing.T) {
	a := newAccessEnv(t)
	tok := a.tokens["management here"]
	review := signpost.Today(a.clock.Now()).AddDate(0, 2, 0).Format(signpost.DateLayout)
	if r := a.do("POST", "/v1/children/"+a.jamie+"/shield", tok, signpost.ShieldRequest{Reason: "fled domestic abuse", ReviewDate: review}); r.status != 200 {
		t.Fatalf("shield: %d %s", r.status, r.body)
	}
	var page signpost.ShieldedResponse
	a.do("GET", "/v1/shielded?limit=1", tok, nil).json(t, &page)
	if len(page.Children) != 1 || page.Next == "" {
		t.Fatalf("first page = %+v", page)
	}
	first := page.Children[0]
	var rest signpost.ShieldedResponse
	a.do("GET", "/v1/shielded?limit=1&after="+page.Next, tok, nil).json(t, &rest)
	if len(rest.Children) != 1 || rest.Next != "" {
		t.Fatalf("second page = %+v", rest)
	}
	if first.Shielding.ReviewDate > rest.Children[0].Shielding.ReviewDate {
		t.Errorf("not due first: %s then %s", first.Shielding.ReviewDate, rest.Children[0].Shielding.ReviewDate)
	}
	var jamie signpost.ShieldedChild
	for _, c := range append(page.Children, rest.Children...) {
		if c.SignpostID == a.jamie {
			jamie = c
		}
	}
	if jamie.Shielding.Reason != "fled domestic abuse" || jamie.Shielding.By == "" || jamie.Shielding.By == "manager" || jamie.GivenName != "Jamie" {
		t.Errorf("Jamie in the list = %+v (by is the shielder's name, not username)", jamie)
	}
	// Review now: renew with a new date and reason.
	later := signpost.Today(a.clock.Now()).AddDate(0, 6, 0).Format(signpost.DateLayout)
	if r := a.do("POST", "/v1/children/"+a.jamie+"/shield", tok, signpost.ShieldRequest{Reason: "still at risk: reviewed with police", ReviewDate: later}); r.status != 200 {
		t.Fatalf("renew: %d %s", r.status, r.body)
	}
	c, err := a.store.Child(context.Background(), a.jamie)
	if err != nil || c.Shielding == nil || c.Shielding.ReviewDate != later || c.Shielding.Reason != "still at risk: reviewed with police" {
		t.Fatalf("renewed = %+v, %v", c.Shielding, err)
	}
	if !a.audited(t, "shield_renew", a.jamie, "still at risk: reviewed with police") || !a.audited(t, "shield", a.jamie, "fled domestic abuse") {
		t.Error("the shielding and its renewal are not both in the audit")
	}
	if r := a.do("DELETE", "/v1/children/"+a.jamie+"/shield", tok, signpost.UnshieldRequest{Reason: "review found no risk"}); r.status != 200 {
		t.Fatalf("unshield: %d %s", r.status, r.body)
	}
	if !a.audited(t, "unshield", a.jamie, "review found no risk") {
		t.Error("the unshielding is not audited")
	}
}

func TestAccessReportPagedWithSearchesAndCSVAudited(t *testing.T) {
	a := newAccessEnv(t)
	tok := a.tokens["management here"]
	var rep signpost.AccessReport
	a.do("GET", "/v1/children/"+a.riley+"/access?limit=1", tok, nil).json(t, &rep)
	if len(rep.Entries) != 1 || rep.Next == "" {
		t.Fatalf("a page of one: %+v", rep)
	}
	var all []signpost.AccessEntry
	for before := ""; ; {
		var p signpost.AccessReport
		path := "/v1/children/" + a.riley + "/access?limit=2"
		if before != "" {
			path += "&before=" + before
		}
		a.do("GET", path, tok, nil).json(t, &p)
		all = append(all, p.Entries...)
		if before = p.Next; before == "" {
			break
		}
	}
	var search, glass bool
	for _, e := range all {
		search = search || (e.Action == "search" && e.Username == "social" && e.Organisation != "" && e.Name != "")
		glass = glass || (e.Action == "break_glass" && e.Reason == "section 47 enquiry" && e.DeviceName == "social's laptop")
	}
	if !search || !glass {
		t.Errorf("the report lacks the search that returned Riley (%v) or the break-glass with its device (%v): %+v", search, glass, all)
	}
	r := a.do("GET", "/v1/children/"+a.riley+"/access.csv?reason=SAR-1+from+the+mother", tok, nil)
	if r.status != 200 {
		t.Fatalf("csv: %d %s", r.status, r.body)
	}
	recs, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// The header, the export itself (audited before it is written), then the rest.
	if len(recs) != len(all)+2 || recs[0][0] != "when" || recs[1][1] != "access_export" {
		t.Fatalf("csv has %d rows for %d events: %v", len(recs), len(all), recs[:min(3, len(recs))])
	}
	if !strings.Contains(string(r.body), "section 47 enquiry") || !a.audited(t, "access_export", a.riley, "SAR-1 from the mother") {
		t.Error("the csv lacks the break-glass, or the export is not audited")
	}
}
