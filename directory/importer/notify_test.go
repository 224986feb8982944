package importer_test

// Issue 16: a school census that moves a child to another authority tells
// the practitioners working with the child and the new authority's
// management team, through the importer's own apply path.

import (
	"context"
	"testing"

	"signpost"
	"signpost/directory"
	"signpost/directory/feed"
)

func TestACensusMoveIsTold(t *testing.T) {
	st := feedStore(t)
	ctx := context.Background()
	importText(t, st, feed.Births, birthsHead+nhs(1)+",Jamie,Fixture,M,2015-03-14,22 Park Row,LS1 4AP,E08000035\n")
	importText(t, st, feed.School, schoolHead+upn(1)+",Jamie,Fixture,M,2015-03-14,LS1 4AP,107950,Park Row Primary,2019-09-04,E08000035\n")
	jamie := st.IDCodec().ID(1)
	for _, o := range [][2]string{{"Leeds Health", "Leeds"}, {"Manchester Team", "Manchester"}, {"Bradford Team", "Bradford"}} {
		if err := st.CreateOrganisation(ctx, o[0], o[1], true); err != nil {
			t.Fatal(err)
		}
	}
	users := map[string]int64{}
	for _, u := range []struct{ name, role, org string }{{"nurse", signpost.RolePractitioner, "Leeds Health"}, {"other", signpost.RolePractitioner, "Leeds Health"},
		{"mcr", signpost.RoleManagement, "Manchester Team"}, {"bfd", signpost.RoleManagement, "Bradford Team"}} {
		a := &directory.Account{User: signpost.User{Username: u.name, DisplayName: u.name, Role: u.role, Organisation: u.org}, PasswordHash: "x", TOTPSecret: "y"}
		if err := st.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		users[u.name] = a.ID
	}
	if _, err := st.AddInvolvement(ctx, jamie, "nurse", signpost.Involvement{Role: "School nurse", StartedOn: "2024-09-01", LeadProfessional: true}); err != nil {
		t.Fatal(err)
	}
	r := importText(t, st, feed.School, schoolHead+upn(1)+",Jamie,Fixture,M,2015-03-14,M1 1AE,200001,Manchester Primary,2025-04-22,E08000003\n")
	if r.sum.Updated != 1 {
		t.Fatalf("the census did not update Jamie: %+v %s", r.sum, r.outcomes)
	}
	if c, _ := st.Child(ctx, jamie); c.Authority != "Manchester" {
		t.Fatalf("Jamie's authority after the census: %q", c.Authority)
	}
	if evs, _ := st.NotifyEvents(ctx, 10); len(evs) != 0 {
		t.Errorf("events left pending after the import: %+v", evs)
	}
	told := map[string]int{}
	for name, id := range users {
		ns, _, err := st.Notifications(ctx, id, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range ns {
			if n.Kind == signpost.NoteMovedArea && n.ChildID == jamie && n.Authority == "Manchester" && n.FromAuthority == "Leeds" {
				told[name]++
			}
		}
	}
	if told["nurse"] != 1 || told["mcr"] != 1 || told["other"] != 0 || told["bfd"] != 0 || len(told) != 2 {
		t.Errorf("told of the move: %v, want the nurse and Manchester's team once each, nobody else", told)
	}
}
