package signpost

import (
	"testing"
	"time"
)

// TestRedactSaysWhomToAskAndLeavesOutTheShieldingsHistory: a redacted copy
// carries the team's contact and the viewer's own work, and neither the
// shielding's history nor anyone else's work.
func TestRedactSaysWhomToAskAndLeavesOutTheShieldingsHistory(t *testing.T) {
	full := &Child{SignpostID: SignpostID(1), GivenName: "Riley", FamilyName: "Shielded", Authority: "Leeds", Shielded: true, Address: "1 Hidden Lane",
		Involvements: []Involvement{{ID: "a", Username: "nurse"}, {ID: "b", Username: "other"}},
		Shielding:    &Shielding{By: "Maria Green", At: time.Now(), Reason: "fled", ReviewDate: "2027-01-01"},
		TeamContact:  AuthorityContact{Phone: "0113 496 0000", Email: "leeds-signpost@example.org"}}
	r := full.Redact("nurse")
	want := AuthorityContact{Team: "the management team of Leeds", Phone: "0113 496 0000", Email: "leeds-signpost@example.org"}
	if r.WithheldContact == nil || *r.WithheldContact != want || r.ContactVia != want.Team {
		t.Errorf("withheld contact %+v, contact via %q; want %+v", r.WithheldContact, r.ContactVia, want)
	}
	if r.Shielding != nil || r.Address != "" || len(r.Involvements) != 1 || r.Involvements[0].ID != "a" {
		t.Errorf("redacted copy %+v", r)
	}
	// Redacting a redacted copy (as a cache may) keeps whom to ask.
	if again := r.Redact("nurse"); again.WithheldContact == nil || *again.WithheldContact != want {
		t.Errorf("redacted twice: %+v", again.WithheldContact)
	}
	// With no authority, the team is the child's local authority's.
	if r := (&Child{Shielded: true}).Redact(""); r.WithheldContact == nil || r.WithheldContact.Team != ContactVia("") {
		t.Errorf("no authority: %+v", r.WithheldContact)
	}
}
