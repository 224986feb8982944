package ui

import (
	"testing"

	"fyne.io/fyne/v2/widget"

	"signpost"
)

// The lead professional hands the role to another practitioner working with
// the child now; the button is not there for anyone else.
func TestTheLeadProfessionalHandsTheRoleOver(t *testing.T) {
	f := readyFake()
	j := jamie()
	j.Involvements[0].LeadProfessional = true
	j.Involvements = append(j.Involvements, signpost.Involvement{ID: "i9", Practitioner: "Fay Worker", Username: "fay",
		Organisation: "Leeds Children's Services", Role: "Family support worker", StartedOn: "2025-05-01"})
	f.records["SP000000018"].Child = j
	h := newHarness(t, f)
	c := openCase(t, h, "SP000000018")
	if c.handover == nil {
		t.Fatal("no Hand over lead professional button for the lead professional")
	}
	h.tap(c.handover)
	if opts := formSelect(t, c.dlg, 0).Options; len(opts) != 1 || opts[0] != "Fay Worker — Family support worker, Leeds Children's Services" {
		t.Fatalf("choices %q, want Fay alone (Sean's involvement ended)", opts)
	}
	h.tap(c.dlg.confirm)
	if f.called("OfferLead") {
		t.Fatal("handed over to no one")
	}
	h.contains("Choose the practitioner who takes the role on")
	formSelect(t, c.dlg, 0).SetSelectedIndex(0)
	h.tap(c.dlg.confirm)
	if !f.called("OfferLead SP000000018 i9") {
		t.Fatalf("calls %v", f.calls)
	}

	// Not the lead: no button.
	j.Involvements[0].LeadProfessional = false
	c.open("SP000000018", "")
	h.settle()
	if c.handover != nil {
		t.Error("a practitioner who is not the lead is offered the handover")
	}
}

// formSelect is the i-th choice list of a form dialog.
func formSelect(t *testing.T, d *formDialog, i int) *widget.Select {
	t.Helper()
	var found []*widget.Select
	for _, o := range d.content.Objects {
		if form, ok := o.(*widget.Form); ok {
			for _, it := range form.Items {
				if s, ok := it.Widget.(*widget.Select); ok {
					found = append(found, s)
				}
			}
		}
	}
	if i >= len(found) {
		t.Fatalf("the dialog has %d choice lists", len(found))
	}
	return found[i]
}
