package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"signpost"
)

func openCase(t *testing.T, h *harness, id string) *childScreen {
	t.Helper()
	s := h.app.home.caseload
	for i, c := range s.cases {
		if c.ID == id {
			s.list.Select(i)
			h.settle()
			return s.child
		}
	}
	t.Fatalf("%s is not on the caseload", id)
	return nil
}

func TestChildRecordShowsWhoElseIsInvolvedAndHowToReachThem(t *testing.T) {
	h := newHarness(t, readyFake())
	c := openCase(t, h, "SP000000018")
	if !h.fake.called(`ViewChild SP000000018 ""`) {
		t.Fatalf("the view was not asked for (and audited): %v", h.fake.calls)
	}
	h.contains("Jamie Fixture", "Born 14 March 2015 (age 11) · Male · Signpost ID SP000000018",
		"Working with this child now", "Nadia Shah (you)", "Phone 0113 496 0101   ·   Email nadia.shah@example.nhs.uk",
		"Worked with this child before", "Sean O'Connell", "Social worker, Manchester City Council Children's Services",
		"Phone 0161 496 0202   ·   Email sean.oconnell@example.gov.uk", "1 Feb 2021 to 30 Jun 2022",
		"22 Park Row, Leeds, LS1 4AP", "Alex Fixture (mother) · has parental responsibility", "Park Row Primary School",
		"Leeds City Medical Practice", "<On your caseload>", "<CAF>", "<Waiting to sync>",
		"Your change “Record a CAF for Jamie Fixture” is saved on this laptop, waiting to sync.")
	if c.caf == nil || !c.caf.Checked || c.lead.Checked {
		t.Error("the CAF and lead checks do not show the practitioner's flags")
	}
	if c.breakGlass != nil || c.shield != nil {
		t.Error("a practitioner without child protection sees break-glass or shield")
	}
}

func TestShieldedRecordShowsOnlyWhatTheRulesAllow(t *testing.T) {
	h := newHarness(t, readyFake())
	c := openCase(t, h, "SP000000026")
	h.contains("Riley Shielded", "<Shielded>", "contact the management team of Leeds")
	h.lacks("1 Hidden Lane", "Parents and carers", "School\n", "Hidden Worker", "0113 000 0000")
	if c.breakGlass != nil {
		t.Error("a school nurse is offered break-glass")
	}
}

// TestAShieldedRecordSaysWhoWorksWithTheChildIsWithheldAndWhomToAsk: a
// practitioner who sees no one on a shielded record is told that the others
// are withheld, not that there are none, and how to reach the team to ask.
func TestAShieldedRecordSaysWhoWorksWithTheChildIsWithheldAndWhomToAsk(t *testing.T) {
	f := readyFake()
	f.state.User = signpost.User{Username: "social", DisplayName: "Sean O'Connell", Role: signpost.RolePractitioner, JobTitle: "Social worker"}
	r := riley()
	r.Involvements = []signpost.Involvement{} // none of them the social worker's
	f.records["SP000000026"] = &Record{Child: r}
	h := newHarness(t, f)
	h.app.home.selectTab(tabSearch)
	h.app.home.search.child.open("SP000000026", "Section 47 enquiry")
	h.settle()
	h.contains("Who works with this child is withheld because the record is shielded. To find out, ask the management team of Leeds.",
		"Phone 0113 496 0000", "Email leeds-signpost@example.org")
	h.lacks("No one is recorded as working with this child now.", "Hidden Worker")

	// The nurse sees her own work, and that the rest is withheld.
	h2 := newHarness(t, readyFake())
	openCase(t, h2, "SP000000026")
	h2.contains("Nadia Shah (you)", "Who else works with this child is withheld", "Phone 0113 496 0000")
	h2.lacks("No one is recorded as working with this child now.")
}

// asLeedsManagement opens Jamie's record as the management team of Leeds.
func asLeedsManagement(t *testing.T) (*fake, *harness, *childScreen) {
	t.Helper()
	f := readyFake()
	f.state.User = signpost.User{Username: "manager", DisplayName: "Maria Green", Role: signpost.RoleManagement, Authority: "Leeds"}
	h := newHarness(t, f)
	c := h.app.home.caseload.child
	c.open("SP000000018", "Review")
	h.settle()
	return f, h, c
}

// TestUnshieldNeedsAReasonShowsTheHistoryAndIsNotTheDefault: the unshield
// dialog says who shielded the child, when, why and the review date; its
// button is not highlighted, Enter does not press it, and it needs a reason.
func TestUnshieldNeedsAReasonShowsTheHistoryAndIsNotTheDefault(t *testing.T) {
	f, h, c := asLeedsManagement(t)
	h.tap(c.shield)
	test.Type(formEntry(t, c.dlg, 0), "Family fleeing domestic abuse")
	formEntry(t, c.dlg, 1).SetText("23 Feb 2027")
	h.tap(c.dlg.confirm)
	if c.unshield == nil {
		t.Fatalf("no Unshield after shielding; calls %v", f.calls)
	}
	h.contains("Shielded by Maria Green on 23 Nov 2026. Reason: Family fleeing domestic abuse. Review by 23 Feb 2027.")
	h.tap(c.unshield)
	d := c.dlg
	if d.confirm.Importance == widget.HighImportance {
		t.Error("Unshield is the highlighted, default button")
	}
	h.contains("Shielded by Maria Green on 23 Nov 2026. Reason: Family fleeing domestic abuse. Review by 23 Feb 2027.\n\nPractitioners will see")
	reason := formEntry(t, d, 0)
	h.tap(d.confirm)
	if !strings.Contains(d.msg.Text, "Unshielding needs a reason") || f.called("Unshield") {
		t.Fatalf("no reason: message %q, calls %v", d.msg.Text, f.calls)
	}
	test.Type(reason, "Review found the family safe")
	reason.TypedKey(&fyneKeyReturn)
	h.settle()
	if f.called("Unshield") {
		t.Fatal("Enter in the reason unshielded the child")
	}
	h.tap(d.confirm)
	if !f.called("Unshield SP000000018 Review found the family safe") {
		t.Fatalf("calls %v", f.calls)
	}
}

func TestBreakGlassNeedsAReasonAndShowsTheFullRecord(t *testing.T) {
	f := readyFake()
	f.state.User.ChildProtection = true
	h := newHarness(t, f)
	c := openCase(t, h, "SP000000026")
	if c.breakGlass == nil {
		t.Fatal("no break-glass for a child-protection practitioner")
	}
	h.tap(c.breakGlass)
	d := c.dlg
	h.tap(d.confirm)
	if !strings.Contains(d.msg.Text, "Break-glass needs a reason") || f.called("BreakGlass") {
		t.Fatalf("no reason: message %q, calls %v", d.msg.Text, f.calls)
	}
	entry := formEntry(t, d, 0)
	test.Type(entry, "Police welfare check tonight")
	h.tap(d.confirm)
	if !f.called("BreakGlass SP000000026 Police welfare check tonight") {
		t.Fatalf("calls %v", f.calls)
	}
	h.contains("Shown in full through break-glass", "22 Park Row, Leeds")
}

func TestOffCaseloadRecordAsksWhyBeforeOpening(t *testing.T) {
	f := readyFake()
	f.records["SP000000042"] = &Record{Child: &signpost.Child{SignpostID: "SP000000042", GivenName: "Sam", FamilyName: "Smith", DateOfBirth: "2016-01-01"}}
	h := newHarness(t, f)
	c := h.app.home.caseload.child
	c.open("SP000000042", "")
	h.settle()
	if c.dlg == nil || !c.dlg.open {
		t.Fatal("no reason asked for")
	}
	h.tap(c.dlg.confirm)
	if c.dlg.msg.Text != "Say why you are opening this record; it is recorded." {
		t.Errorf("empty reason: %q", c.dlg.msg.Text)
	}
	test.Type(formEntry(t, c.dlg, 0), "Health assessment at school")
	formEntry(t, c.dlg, 0).TypedKey(&fyneKeyReturn)
	h.settle()
	if !f.called(`ViewChild SP000000042 "Health assessment at school"`) {
		t.Fatalf("calls %v", f.calls)
	}
	h.contains("Sam Smith", "[I work with this child…]")
}

func TestStartInvolvementValidatesTheRole(t *testing.T) {
	f := readyFake()
	f.records["SP000000042"] = &Record{Child: &signpost.Child{SignpostID: "SP000000042", GivenName: "Sam", FamilyName: "Smith", DateOfBirth: "2016-01-01"}}
	h := newHarness(t, f)
	c := h.app.home.caseload.child
	c.open("SP000000042", "Health assessment")
	h.settle()
	h.tap(c.start)
	role := formEntry(t, c.dlg, 0)
	if role.Text != "School nurse" {
		t.Errorf("role not filled from the job title: %q", role.Text)
	}
	role.SetText("   ")
	h.tap(c.dlg.confirm)
	if !strings.Contains(c.dlg.msg.Text, "Say what your role with the child is") {
		t.Errorf("message %q", c.dlg.msg.Text)
	}
	role.SetText("School nurse")
	h.tap(c.dlg.confirm)
	if !f.called("StartInvolvement SP000000042 School nurse") || c.dlg.open {
		t.Fatalf("calls %v", f.calls)
	}
	if !f.called("Refresh SP000000042") {
		t.Error("the record was not shown again after the change")
	}
}

func TestARefusedChangeStaysInTheDialogInPlainWords(t *testing.T) {
	f := readyFake()
	f.errs["EndInvolvement"] = &signpost.Error{Kind: signpost.KindLocked, Message: "Signpost is locked; unlock it first"}
	h := newHarness(t, f)
	c := openCase(t, h, "SP000000018")
	h.tap(c.end)
	h.tap(c.dlg.confirm)
	if c.dlg.msg.Text != "Signpost is locked; unlock it first." || !c.dlg.open {
		t.Errorf("message %q open %v", c.dlg.msg.Text, c.dlg.open)
	}
}

func TestCAFAndLeadChecksRecordChanges(t *testing.T) {
	f := readyFake()
	h := newHarness(t, f)
	c := openCase(t, h, "SP000000018")
	test.Tap(c.lead)
	h.settle()
	if !f.called("SetLead SP000000018 true") {
		t.Fatalf("calls %v", f.calls)
	}
	c = h.app.home.caseload.child
	test.Tap(c.caf)
	h.settle()
	if !f.called("SetCAF SP000000018 false") {
		t.Fatalf("calls %v", f.calls)
	}
}

func TestManagementMayShieldWithAReviewDateWithinAYear(t *testing.T) {
	f, h, c := asLeedsManagement(t)
	if c.shield == nil {
		t.Fatal("no Shield button for Leeds' management team")
	}
	h.tap(c.shield)
	test.Type(formEntry(t, c.dlg, 0), "Family fleeing domestic abuse")
	review := formEntry(t, c.dlg, 1)
	review.SetText("2028-01-01")
	h.tap(c.dlg.confirm)
	if c.dlg.msg.Text != "The review date must be within the next 12 months." {
		t.Errorf("message %q", c.dlg.msg.Text)
	}
	review.SetText("23/02/2027")
	h.tap(c.dlg.confirm)
	if !f.called("Shield SP000000018 Family fleeing domestic abuse 2027-02-23") {
		t.Fatalf("calls %v", f.calls)
	}
	if c.unshield == nil {
		t.Error("no Unshield after shielding")
	}
}

func TestASyncEndingWhileARecordOpensDoesNotBringBackThePreviousOne(t *testing.T) {
	f := readyFake()
	h := newHarness(t, f)
	c := openCase(t, h, "SP000000018")
	f.emit(Status{Online: true, Syncing: true})
	h.settle()
	c.open("SP000000026", "")    // the practitioner moves on…
	f.emit(Status{Online: true}) // …as a sync ends
	h.settle()
	if c.rec == nil || c.rec.Child.SignpostID != "SP000000026" {
		t.Fatalf("showing %v, want Riley", c.rec)
	}
	h.contains("Riley Shielded")
	h.lacks("Jamie Fixture")
}
