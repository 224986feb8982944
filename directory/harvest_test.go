package directory_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"signpost"
	"signpost/directory"
)

// setPolicy stores p for the test directory.
func (e *env) setPolicy(p signpost.Policy) {
	e.t.Helper()
	if err := directory.SetPolicy(context.Background(), e.store, p); err != nil {
		e.t.Fatal(err)
	}
}

// alerts returns the alerts Leeds' management team sees through the API.
func (e *env) alerts(token string) []signpost.Alert {
	e.t.Helper()
	r := e.do("GET", "/v1/alerts", token, nil)
	if r.status != 200 {
		e.t.Fatalf("alerts: %d %s", r.status, r.body)
	}
	var out signpost.AlertsResponse
	r.json(e.t, &out)
	return out.Alerts
}

func harvestAlerts(als []signpost.Alert, user string) int {
	n := 0
	for _, al := range als {
		if al.Kind == signpost.AlertHarvest && al.Username == user {
			n++
		}
	}
	return n
}

func TestEnumerationOfIDsYieldsAtMostTheDailyCapAndAnAlert(t *testing.T) {
	e := newEnv(t, 1200, nil) // a rate limit high enough to reach the daily cap
	e.setPolicy(signpost.DefaultPolicy())
	nurse, _ := e.login("nurse")
	manager, _ := e.login("manager")
	ids := e.store.IDCodec()
	got, refused := 0, 0
	// 1,000 real Signpost IDs, as if leaked: only the daily cap of them open.
	for serial := 20; serial < 1020; serial++ {
		r := e.do("GET", "/v1/children/"+ids.ID(serial)+"?reason=checking+a+referral", nurse, nil)
		switch r.status {
		case 200:
			var c signpost.Child
			r.json(t, &c)
			mine := false
			for _, inv := range c.Involvements {
				mine = mine || (inv.Mine && inv.Active())
			}
			if !mine {
				got++
			}
		case 429:
			refused++
		case 404: // a child the demo skipped
		default:
			t.Fatalf("view %d: %d %s", serial, r.status, r.body)
		}
	}
	limit := signpost.DefaultPolicy().MaxOffCaseloadViewsPerDay
	if got > limit {
		t.Fatalf("%d records opened off the caseload in a day, cap %d", got, limit)
	}
	if refused == 0 {
		t.Fatal("no view was refused")
	}
	if n := harvestAlerts(e.alerts(manager), "nurse"); n < 1 {
		t.Fatal("no harvest alert reached Leeds' management team")
	}
	// The next pull re-delivers no more than the cap beyond the caseload.
	var pr signpost.PullResponse
	e.do("GET", "/v1/sync/pull?limit=1000", nurse, nil).json(t, &pr)
	if len(pr.Changes) > limit+25 {
		t.Fatalf("pull delivered %d children: caseload 25 + cap %d", len(pr.Changes), limit)
	}
	// Reopening a child already opened today does not count again, and
	// the cap holds across a restart of the directory.
	srv2 := directory.NewServer(e.store, directory.Config{Now: e.clock.Now, SearchRate: 1000, SearchBurst: 1000, Logger: quiet})
	defer srv2.Close()
	e.http.Config.Handler = srv2
	if r := e.do("GET", "/v1/children/"+ids.ID(2000)+"?reason=another+one", nurse, nil); r.status != 429 && r.status != 404 {
		t.Fatalf("a new child past the cap: %d %s", r.status, r.body)
	}
}

func TestWalkingSignpostIDsFindsNeighboursOfNoOneAndIsStopped(t *testing.T) {
	e := newEnv(t, 1000, nil)
	e.setPolicy(signpost.DefaultPolicy())
	nurse, _ := e.login("nurse")
	manager, _ := e.login("manager")
	start, _ := signpost.SignpostNumber(e.jamie)
	found, slowed := 0, 0
	for n := start + 1; n <= start+200; n++ {
		r := e.do("GET", "/v1/children/"+signpost.SignpostID(n)+"?reason=walking", nurse, nil)
		switch r.status {
		case 200:
			found++
		case 429:
			slowed++
		}
	}
	// 1,000 children among 10^8 numbers: a walk of 200 finds none.
	if found > 1 {
		t.Fatalf("a walk from Jamie's ID found %d children", found)
	}
	if slowed == 0 {
		t.Fatal("200 requests for IDs that do not exist were never slowed")
	}
	if harvestAlerts(e.alerts(manager), "nurse") == 0 {
		t.Fatal("no harvest alert for a walk through the ID space")
	}
}

func TestViewsCountAgainstThePerUserRateLimit(t *testing.T) {
	e := newEnv(t, 100, func(c *directory.Config) { c.SearchRate, c.SearchBurst = 0.001, 20 })
	nurse, _ := e.login("nurse")
	ok := 0
	for i := 0; i < 25; i++ {
		r := e.do("GET", "/v1/children/"+e.jamie, nurse, nil) // on her caseload: no reason needed
		if r.status == 200 {
			ok++
		} else if r.status != 429 {
			t.Fatalf("view %d: %d %s", i, r.status, r.body)
		}
	}
	if ok != 20 {
		t.Fatalf("%d of 25 views in a burst answered, want the burst of 20", ok)
	}
	if r := e.do("POST", "/v1/search", nurse, signpost.SearchRequest{FamilyName: "Fixture", DateOfBirth: "2015-03-14"}); r.status != 429 {
		t.Fatalf("a search after views spent the limit: %d %s", r.status, r.body)
	}
}

func TestManySearchesAlertAndSlowTheAccount(t *testing.T) {
	e := newEnv(t, 100, nil)
	p := signpost.DefaultPolicy()
	p.HarvestSearchesPerDay = 5
	e.setPolicy(p)
	social, _ := e.login("social")
	manager, _ := e.login("manager")
	for i := 0; i < 6; i++ { // the sixth passes the threshold: answered, and alerted
		r := e.do("POST", "/v1/search", social, signpost.SearchRequest{FamilyName: "Fixture", DateOfBirth: "2015-03-14", Reason: "enquiry"})
		if r.status != 200 {
			t.Fatalf("search %d: %d %s", i, r.status, r.body)
		}
	}
	r := e.do("POST", "/v1/search", social, signpost.SearchRequest{FamilyName: "Fixture", DateOfBirth: "2015-03-14", Reason: "enquiry"})
	if kind, _ := r.errField(); r.status != 429 || kind != string(signpost.KindRateLimited) {
		t.Fatalf("a search while slowed: %d %s", r.status, r.body)
	}
	// social works for Manchester: Leeds' management team is not told.
	if harvestAlerts(e.alerts(manager), "social") != 0 {
		t.Fatal("Leeds was alerted about a Manchester account")
	}
	als, err := e.store.Alerts(context.Background(), directory.AlertFilter{Authority: "Manchester"})
	if err != nil || len(als) != 1 || als[0].Kind != signpost.AlertHarvest || als[0].Username != "social" {
		t.Fatalf("Manchester's alerts: %+v %v", als, err)
	}
	// A restart forgets no count: the threshold is still passed.
	e.server.Close()
	srv := directory.NewServer(e.store, directory.Config{Now: e.clock.Now, SearchRate: 1000, SearchBurst: 1000, Logger: quiet})
	defer srv.Close()
	e.http.Config.Handler = srv
	if onPostgres() {
		// Issue 17, shared limits: on a shared store the slowing itself is
		// in the database, its quarter-minute too.
		if r := e.do("POST", "/v1/search", social, signpost.SearchRequest{FamilyName: "Fixture", DateOfBirth: "2015-03-14", Reason: "enquiry"}); r.status != 429 {
			t.Fatalf("the first search after a restart, within the quarter-minute: %d %s, want 429", r.status, r.body)
		}
		e.clock.Add(15 * time.Second)
	}
	if r := e.do("POST", "/v1/search", social, signpost.SearchRequest{FamilyName: "Fixture", DateOfBirth: "2015-03-14", Reason: "enquiry"}); r.status != 200 {
		t.Fatalf("the first search after a restart: %d %s", r.status, r.body)
	}
	r = e.do("POST", "/v1/search", social, signpost.SearchRequest{FamilyName: "Fixture", DateOfBirth: "2015-03-14", Reason: "enquiry"})
	if r.status != 429 {
		t.Fatalf("after a restart, the account was not slowed: %d %s", r.status, r.body)
	}
	if als, _ := e.store.Alerts(context.Background(), directory.AlertFilter{Authority: "Manchester"}); len(als) != 1 {
		t.Fatalf("a restart raised the day's alert again: %d alerts", len(als))
	}
}

func TestAlertsAreForTheirAuthoritysManagementTeamOnly(t *testing.T) {
	e := newEnv(t, 50, nil)
	for _, user := range []string{"nurse", "social", "itadmin"} {
		token, _ := e.login(user)
		if r := e.do("GET", "/v1/alerts", token, nil); r.status != 403 {
			t.Errorf("%s listed alerts: %d %s", user, r.status, r.body)
		}
	}
	manager, _ := e.login("manager")
	for i := 0; i < 5; i++ {
		must(t, e.store.Alert(context.Background(), directory.Alert{At: e.clock.Now(), Authority: "Leeds", Kind: signpost.AlertBreakGlass, ChildID: e.riley, Username: "social", Reason: fmt.Sprint("enquiry ", i)}))
	}
	must(t, e.store.Alert(context.Background(), directory.Alert{At: e.clock.Now(), Authority: "Manchester", Kind: signpost.AlertBreakGlass, Username: "x", Reason: "elsewhere"}))
	var page signpost.AlertsResponse
	e.do("GET", "/v1/alerts?limit=3", manager, nil).json(t, &page)
	if len(page.Alerts) != 3 || page.Next == "" || page.Alerts[0].Reason != "enquiry 4" {
		t.Fatalf("first page: %+v", page)
	}
	var rest signpost.AlertsResponse
	e.do("GET", "/v1/alerts?limit=3&before="+page.Next, manager, nil).json(t, &rest)
	if len(rest.Alerts) != 2 || rest.Next != "" || rest.Alerts[1].Reason != "enquiry 0" {
		t.Fatalf("second page: %+v", rest)
	}
	for _, bad := range []string{"?limit=0", "?limit=101", "?before=x", "?before=-1"} {
		if r := e.do("GET", "/v1/alerts"+bad, manager, nil); r.status != 400 {
			t.Errorf("%s: %d", bad, r.status)
		}
	}
}

func TestDevicesAreNotSentTheDirectorysOwnLimits(t *testing.T) {
	e := newEnv(t, 10, nil)
	nurse, _ := e.login("nurse")
	r := e.do("GET", "/v1/sync/pull", nurse, nil)
	if bytes.Contains(r.body, []byte("harvest")) || bytes.Contains(r.body, []byte("max_off_caseload")) {
		t.Fatalf("a pull carries the directory's limits: %s", r.body)
	}
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
