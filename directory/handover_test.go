package directory_test

import (
	"context"
	"testing"

	"signpost"
)

// The lead professional hands the role to another practitioner working with
// the child now, in one change; no one else can, and not to anyone else.
func TestLeadProfessionalHandsOver(t *testing.T) {
	e := newEnv(t, 20, nil)
	social, _ := e.login("social")
	nurse, _ := e.login("nurse")
	start := mut(signpost.MutStartInvolvement, e.jamie)
	start.Role = "Social worker"
	socialInv := e.push(social, start)[0].InvolvementID
	lead := mut(signpost.MutSetLead, e.jamie)
	lead.Value = true
	if r := e.push(nurse, lead)[0]; r.Status != signpost.ResultApplied {
		t.Fatalf("nurse becoming lead: %+v", r)
	}
	c, err := e.store.Child(context.Background(), e.jamie)
	if err != nil {
		t.Fatal(err)
	}
	var ended string
	for _, inv := range c.Involvements {
		if !inv.Active() {
			ended = inv.ID
		}
	}
	if ended == "" {
		t.Fatal("the fixture has no ended involvement with Jamie")
	}
	hand := func(token, to string) signpost.MutationResult {
		m := mut(signpost.MutHandOverLead, e.jamie)
		m.To = to
		return e.push(token, m)[0]
	}
	for _, tc := range []struct {
		what, token, to string
	}{
		{"by someone who is not the lead", social, socialInv},
		{"to an involvement that ended", nurse, ended},
		{"to no one", nurse, ""},
		{"to an involvement of another child", nurse, "0193a5b2-0000-7000-8000-000000000000"},
	} {
		if r := hand(tc.token, tc.to); r.Status != signpost.ResultRejected || r.Reason == "" {
			t.Errorf("handing over %s: %+v, want rejected with a reason", tc.what, r)
		}
	}
	if r := hand(nurse, socialInv); r.Status != signpost.ResultApplied {
		t.Fatalf("handing over to the social worker: %+v", r)
	}
	c, _ = e.store.Child(context.Background(), e.jamie)
	leads := map[string]bool{}
	for _, inv := range c.Involvements {
		if inv.LeadProfessional {
			leads[inv.Username] = true
		}
	}
	if len(leads) != 1 || !leads["social"] {
		t.Fatalf("leads after the handover: %v, want social alone", leads)
	}
}
