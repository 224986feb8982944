package directory_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"signpost"
	"signpost/directory"
)

func TestOfflineViewsAreCheckedAndKeepBothTimes(t *testing.T) {
	e := newEnv(t, 20, nil)
	nurse, _ := e.login("nurse")
	it, _ := e.login("itadmin")
	e.clock.Add(2 * time.Hour) // the devices were enrolled two hours ago
	now := e.clock.Now()
	view := func(child string, at time.Time) signpost.Mutation {
		m := mut(signpost.MutView, child)
		m.At, m.Reason = at, "home visit"
		m.Hash = m.ViewHash()
		return m
	}
	for _, tc := range []struct {
		name, token string
		m           signpost.Mutation
		ok          bool
		because     string
	}{
		{"an hour ago", nurse, view(e.jamie, now.Add(-time.Hour)), true, ""},
		{"a little ahead of the directory's clock", nurse, view(e.jamie, now.Add(2*time.Minute)), true, ""},
		{"in the future", nurse, view(e.jamie, time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)), false, "future"},
		{"long before the device was enrolled", nurse, view(e.jamie, time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)), false, "enrolled"},
		{"without a time", nurse, view(e.jamie, time.Time{}), false, "no time"},
		{"of a child that does not exist", nurse, view(signpost.SignpostID(99999999), now), false, "no child"},
		{"by an IT administrator", it, view(e.jamie, now), false, "IT administrators"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.push(tc.token, tc.m)[0]
			if tc.ok != (r.Status == signpost.ResultApplied) || (!tc.ok && !strings.Contains(r.Reason, tc.because)) {
				t.Fatalf("got %+v, want ok=%v (%q)", r, tc.ok, tc.because)
			}
		})
	}
	// The subject-access report shows the device's claim beside the
	// directory's receipt, and nothing of the refused views.
	evs, err := e.store.AuditForChild(context.Background(), e.jamie)
	if err != nil {
		t.Fatal(err)
	}
	var offline []string
	for _, ev := range evs {
		if ev.Action != "offline_view" {
			continue
		}
		if ev.ClaimedAt.IsZero() || ev.At.Sub(now).Abs() > time.Minute {
			t.Errorf("offline view: claimed %v, received %v (now %v)", ev.ClaimedAt, ev.At, now)
		}
		if ev.Username == "itadmin" {
			t.Error("an IT administrator's view reached the child's subject-access report")
		}
		offline = append(offline, ev.ClaimedAt.UTC().Format(time.RFC3339))
	}
	if len(offline) != 2 {
		t.Fatalf("offline views recorded: %v, want the two accepted", offline)
	}
}

func TestReusedMutationIDWithOtherContentIsRejected(t *testing.T) {
	e := newEnv(t, 20, nil)
	social, _ := e.login("social")
	m := mut(signpost.MutStartInvolvement, e.jamie)
	m.Role = "Social worker"
	if r := e.push(social, m)[0]; r.Status != signpost.ResultApplied {
		t.Fatalf("first: %+v", r)
	}
	if r := e.push(social, m)[0]; r.Status != signpost.ResultDuplicate {
		t.Fatalf("the same change again: %+v", r)
	}
	other := m
	other.Kind, other.Role = signpost.MutEndInvolvement, ""
	r := e.push(social, other)[0]
	if r.Status != signpost.ResultRejected || !strings.Contains(r.Reason, "already used for a different change") {
		t.Fatalf("another change under the same id: %+v", r)
	}
	c, _ := e.store.Child(context.Background(), e.jamie)
	for _, inv := range c.Involvements {
		if inv.Username == "social" && inv.Active() {
			return // the involvement was not ended by the reused id
		}
	}
	t.Fatal("the change under a reused id was applied")
}

func TestInvolvementTextsAndDatesAreChecked(t *testing.T) {
	e := newEnv(t, 20, nil)
	social, _ := e.login("social")
	today := signpost.Today(e.clock.Now())
	start := func(role, on string) signpost.Mutation {
		m := mut(signpost.MutStartInvolvement, e.jamie)
		m.Role, m.On = role, on
		return m
	}
	for _, tc := range []struct {
		name    string
		m       signpost.Mutation
		because string
	}{
		{"a role of 800 KB", start(strings.Repeat("r", 800<<10), ""), "longer than 100"},
		{"a role with a line break", start("Social worker\nSTATE: wiped", ""), "control characters"},
		{"started 0001-01-01", start("Social worker", "0001-01-01"), "before the child was born"},
		{"started before birth", start("Social worker", "2015-03-13"), "before the child was born"},
		{"started tomorrow", start("Social worker", today.AddDate(0, 0, 2).Format(signpost.DateLayout)), "future"},
		{"started on no real day", start("Social worker", "2024-02-30"), "real date"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.push(social, tc.m)[0]
			if r.Status != signpost.ResultRejected || !strings.Contains(r.Reason, tc.because) {
				t.Fatalf("got %+v, want rejected (%q)", r, tc.because)
			}
		})
	}
	if r := e.push(social, start("Social worker", "2024-05-01"))[0]; r.Status != signpost.ResultApplied {
		t.Fatalf("a good start: %+v", r)
	}
	end := func(on string) signpost.Mutation {
		m := mut(signpost.MutEndInvolvement, e.jamie)
		m.On = on
		return m
	}
	for _, tc := range []struct{ on, because string }{
		{"9999-12-31", "future"},
		{"2024-04-30", "before the involvement started"},
	} {
		if r := e.push(social, end(tc.on))[0]; r.Status != signpost.ResultRejected || !strings.Contains(r.Reason, tc.because) {
			t.Errorf("end on %s: %+v, want rejected (%q)", tc.on, r, tc.because)
		}
	}
	if r := e.push(social, end("2024-05-01"))[0]; r.Status != signpost.ResultApplied {
		t.Fatalf("an end on the start day: %+v", r)
	}
	// A view reason of 1 MB is refused, as is an invisible one.
	v := mut(signpost.MutView, e.jamie)
	v.Reason = strings.Repeat("a", 1<<20-200)
	if r := e.do("POST", "/v1/sync/push", social, signpost.PushRequest{Mutations: []signpost.Mutation{v}}); r.status != 413 && !strings.Contains(string(r.body), "longer than 500") {
		t.Errorf("a 1 MB reason: %d %.200s", r.status, r.body)
	}
	v = mut(signpost.MutView, e.jamie)
	v.Reason = "\u200b"
	if r := e.push(social, v)[0]; r.Status != signpost.ResultRejected || !strings.Contains(r.Reason, "in words") {
		t.Errorf("an invisible reason: %+v", r)
	}
}

func TestPushIsLimitedByVolume(t *testing.T) {
	e := newEnv(t, 20, func(c *directory.Config) { c.PushBytesPerSecond, c.PushBurstBytes = 1024, 256<<10 })
	nurse, _ := e.login("nurse")
	big := func() signpost.PushRequest {
		var ms []signpost.Mutation
		for i := 0; i < 400; i++ {
			m := mut(signpost.MutView, e.jamie)
			m.Reason = strings.Repeat("a visit to school ", 25)
			m.Hash = m.ViewHash()
			ms = append(ms, m)
		}
		return signpost.PushRequest{Mutations: ms}
	}
	refused := 0
	for i := 0; i < 10; i++ {
		r := e.do("POST", "/v1/sync/push", nurse, big())
		switch r.status {
		case 200:
		case 429:
			refused++
			if kind, _ := r.errField(); kind != string(signpost.KindRateLimited) {
				t.Fatalf("push refused with %s", r.body)
			}
		default:
			t.Fatalf("push %d: %d %.200s", i, r.status, r.body)
		}
	}
	if refused == 0 {
		t.Fatal("ten pushes of ~200 KiB in a row were never limited")
	}
}
