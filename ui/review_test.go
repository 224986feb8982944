package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"signpost"
)

// Issue 14, slice review: the "To review" tab and merging records.

var (
	reviewJamie = signpost.SignpostID(12345678)
	reviewOther = signpost.SignpostID(23456789)
)

func reviewerFake() *fake {
	f := newFake(StageReady)
	f.state.User = signpost.User{Username: "manager", DisplayName: "Maria Green", Role: signpost.RoleManagement, Authority: "Leeds"}
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.Local)
	f.review.items = []signpost.ReviewSummary{
		{ID: 1, Feed: "births", CreatedAt: at, GivenName: "Jaime", FamilyName: "Fixtur", DateOfBirth: "2015-03-14", Reason: "a possible match: some details differ", Candidates: 2, BestScore: 0.82},
		{ID: 2, Feed: "school", CreatedAt: at, GivenName: "Noor", FamilyName: "Newborn", DateOfBirth: "2026-10-01", Reason: "more than one child matches", Candidates: 1, BestScore: 0.7},
		{ID: 3, Feed: "gp", CreatedAt: at, GivenName: "Test", FamilyName: "Row", Reason: "a possible match: some details differ", Candidates: 1, BestScore: 0.6},
	}
	f.review.details = map[int64]*signpost.ReviewDetail{1: {ID: 1, Feed: "births", Status: "open", Score: 0.82,
		Why:      []string{"a possible match: some details differ", "two candidates score alike"},
		Incoming: []signpost.ReviewField{{Name: "given_name", Label: "Given name", Incoming: "Jaime"}, {Name: "family_name", Label: "Family name", Incoming: "Fixtur"}},
		Candidates: []signpost.ReviewCandidateView{
			{SignpostID: reviewJamie, Score: 0.82, Fields: []signpost.ReviewField{
				{Name: "given_name", Label: "Given name", Incoming: "Jaime", Held: "Jamie", Differs: true},
				{Name: "family_name", Label: "Family name", Incoming: "Fixtur", Held: "Fixture", Differs: true},
				{Name: "postcode", Label: "Postcode", Incoming: "LS1 4AP", Held: "LS1 4AP"}}, Why: []string{"given name differs", "family name differs"}},
			{SignpostID: reviewOther, Score: 0.8, Shielded: true, Withheld: true, Authority: "Manchester", Fields: []signpost.ReviewField{
				{Name: "given_name", Label: "Given name", Incoming: "Jaime"}}, Why: []string{"shielded child", "details withheld"}},
		}}}
	f.review.preview = &signpost.MergePreview{Survivor: reviewJamie, Retired: reviewOther,
		Child: &signpost.Child{SignpostID: reviewJamie, GivenName: "Jamie", FamilyName: "Fixture", DateOfBirth: "2015-03-14", Gender: "male", Postcode: "LS1 4AP", Shielded: true,
			Involvements: []signpost.Involvement{{Practitioner: "Nadia Shah", Organisation: "Leeds Community Healthcare NHS Trust"}, {Practitioner: "Sean O'Connell", Organisation: "Manchester City Council"}}},
		Notes: []string{"the shielding of " + reviewOther + " is carried over: the merged record is shielded"}}
	return f
}

func TestToReviewIsAManagementTabWithTheOpenCountInItsTitle(t *testing.T) {
	for _, role := range []string{signpost.RolePractitioner, signpost.RoleITAdmin} {
		f := newFake(StageReady)
		f.state.User.Role = role
		h := newHarness(t, f)
		if h.app.home.review != nil || h.app.home.items[tabReview] != nil || f.called("Reviews") {
			t.Errorf("%s has a To review tab", role)
		}
	}
	f := reviewerFake()
	h := newHarness(t, f)
	it := h.app.home.items[tabReview]
	if it == nil || it.Text != "To review (3)" {
		t.Fatalf("the management team's tab: %+v", it)
	}
	h.app.home.selectTab(tabReview)
	h.settle()
	h.contains("3 records to review, oldest first.")
	s := h.app.home.review
	row := s.newRow().(*reviewRow)
	s.updateRow(0, row)
	if got := row.text.String(); !strings.Contains(got, "Jaime Fixtur") || !strings.Contains(got, "Births feed") || !strings.Contains(got, "best score 0.82") {
		t.Errorf("the oldest row: %q", got)
	}
}

func TestReviewListPagesOnWithShowMore(t *testing.T) {
	f := reviewerFake()
	f.review.pageSize = 2
	h := reviewHarness(t, f)
	s := h.app.home.review
	if len(s.items) != 2 || !s.more.Visible() {
		t.Fatalf("first page: %d items, more shown %v", len(s.items), s.more.Visible())
	}
	h.contains("3 records to review, oldest first; 2 shown.")
	h.tap(s.more)
	if len(s.items) != 3 || s.items[2].ID != 3 || s.more.Visible() || !f.called("Reviews 2") {
		t.Errorf("after Show more: %d items, more shown %v, calls %v", len(s.items), s.more.Visible(), f.calls)
	}
}

func TestReviewDetailHighlightsWhatDiffersAndSaysWhyItWasHeld(t *testing.T) {
	f := reviewerFake()
	h := reviewHarness(t, f)
	s := h.app.home.review
	s.list.Select(0)
	h.settle()
	h.contains("Births feed record — best score 0.82", "Held because: a possible match: some details differ; two candidates score alike.",
		reviewJamie+" (score 0.82)", reviewJamie+": given name differs · family name differs", reviewOther+": shielded child · details withheld")
	var differs, same *widget.Label
	walkLabels(s.grid, func(l *widget.Label) {
		switch l.Text {
		case "≠ Fixture":
			differs = l
		case "LS1 4AP":
			same = l
		}
	})
	if differs == nil || !differs.TextStyle.Bold || differs.Importance != widget.WarningImportance {
		t.Errorf("a field that differs is not bold in the warning colour: %+v", differs)
	}
	if same == nil || same.TextStyle.Bold || same.Importance == widget.WarningImportance {
		t.Errorf("a field that agrees is highlighted: %+v", same)
	}
	h.contains("withheld")
	h.lacks("cache")
	if len(s.links) != 1 || s.links[0].Text != "Link to "+reviewJamie+"…" {
		t.Fatalf("%d link buttons, want one per candidate but another authority's shielded child", len(s.links))
	}
}

func TestEachReviewDecisionAsksAReasonAndTheListMovesOn(t *testing.T) {
	f := reviewerFake()
	h := reviewHarness(t, f)
	s := h.app.home.review
	s.list.Select(0)
	h.settle()
	h.tap(s.links[0])
	h.tap(s.dlg.confirm)
	if s.dlg.msg.Text != "Say why; it is recorded in the audit." || f.called("DecideReview") {
		t.Fatalf("no reason: %q %v", s.dlg.msg.Text, f.calls)
	}
	formEntry(t, s.dlg, 0).SetText("the same child, misspelt")
	h.tap(s.dlg.confirm)
	if !f.called("DecideReview 1 link " + reviewJamie + " the same child, misspelt") {
		t.Fatalf("calls %v", f.calls)
	}
	h.contains("Record 1 linked to " + reviewJamie + ".")
	if it := h.app.home.items[tabReview]; it.Text != "To review (2)" || len(s.items) != 2 || s.cur != nil {
		t.Errorf("after linking: tab %q, %d items", it.Text, len(s.items))
	}

	// Create new and Dismiss ask too.
	f.review.details[2] = &signpost.ReviewDetail{ID: 2, Feed: "school", Why: []string{"more than one child matches"}}
	s.list.Select(0)
	h.settle()
	h.tap(s.create)
	formEntry(t, s.dlg, 0).SetText("a child we do not hold")
	h.tap(s.dlg.confirm)
	if !f.called("DecideReview 2 create  a child we do not hold") {
		t.Fatalf("calls %v", f.calls)
	}
	h.contains("Record 2: new child SP900000018 created.")
	f.review.details[3] = &signpost.ReviewDetail{ID: 3, Feed: "gp", Why: []string{"a possible match"}}
	s.list.Select(0)
	h.settle()
	h.tap(s.dismiss)
	formEntry(t, s.dlg, 0).SetText("a test row sent by mistake")
	h.tap(s.dlg.confirm)
	if !f.called("DecideReview 3 dismiss  a test row sent by mistake") {
		t.Fatalf("calls %v", f.calls)
	}
	h.contains("Record 3 dismissed.", "Nothing to review: every record from the feeds was matched.")
	if it := h.app.home.items[tabReview]; it.Text != "To review" {
		t.Errorf("with nothing left the tab says %q", it.Text)
	}
}

func TestReviewOfflineSaysItNeedsAConnection(t *testing.T) {
	f := reviewerFake()
	f.errs["Reviews"] = &signpost.Error{Kind: signpost.KindUnavailable, Message: "the records to review and merges need a connection to the directory, which cannot be reached; try again when you are online"}
	h := reviewHarness(t, f)
	h.contains("The records to review and merges need a connection to the directory, which cannot be reached; try again when you are online.")
	if len(h.app.win.Canvas().Overlays().List()) != 0 {
		t.Error("being offline opened a dialog")
	}
}

func TestMergeShowsThePreviewAndItsConfirmationIsNotTheDefault(t *testing.T) {
	f := reviewerFake()
	h := reviewHarness(t, f)
	s := h.app.home.review
	h.tap(s.merge)
	m := s.merger
	formEntry(t, m.ask, 0).SetText(reviewOther)
	formEntry(t, m.ask, 1).SetText("SP123")
	h.tap(m.ask.confirm)
	if !strings.Contains(m.ask.msg.Text, "Give two Signpost IDs") || f.called("PreviewMerge") {
		t.Fatalf("a bad ID: %q %v", m.ask.msg.Text, f.calls)
	}
	formEntry(t, m.ask, 1).SetText(reviewJamie)
	h.tap(m.ask.confirm)
	if !f.called("PreviewMerge "+reviewOther+" "+reviewJamie) || m.confirm == nil {
		t.Fatalf("calls %v", f.calls)
	}
	h.contains(reviewJamie+" is kept (the older record); "+reviewOther+" is retired", "Shielded: yes",
		"2 involvements: Nadia Shah, Leeds Community Healthcare NHS Trust; Sean O'Connell, Manchester City Council.",
		"The shielding of "+reviewOther+" is carried over: the merged record is shielded.")
	if c := m.confirm.confirm; c.Importance == widget.HighImportance || c.Importance != widget.DangerImportance {
		t.Errorf("the merge button's importance is %v: it must look destructive and not be the default", c.Importance)
	}
	reason := formEntry(t, m.confirm, 0)
	reason.SetText("one child, registered twice")
	h.app.win.Canvas().Focus(reason)
	h.press(fyne.KeyReturn)
	if f.called("Merge ") {
		t.Fatal("Enter merged the records")
	}
	h.tap(m.confirm.confirm)
	if !f.called("Merge " + reviewJamie + " " + reviewOther + " one child, registered twice") {
		t.Fatalf("calls %v", f.calls)
	}
	h.contains(reviewOther + " merged into " + reviewJamie + ".")
}

func TestAChildsRecordOffersAMergeOnlyToItsAuthoritysTeam(t *testing.T) {
	f, h, c := asLeedsManagement(t)
	if c.merge == nil || !c.merge.Visible() {
		t.Fatal("Leeds' team has no Merge on a Leeds child's record")
	}
	f.review.preview = &signpost.MergePreview{Survivor: "SP000000018", Retired: reviewOther, Child: &signpost.Child{SignpostID: "SP000000018", GivenName: "Jamie", FamilyName: "Fixture", DateOfBirth: "2015-03-14"}}
	h.tap(c.merge)
	dlg := h.app.win.Canvas().Overlays().Top()
	if dlg == nil {
		t.Fatal("no merge dialog")
	}
	h.contains("Merge two records of one child", "SP000000018")
	if f.called("PreviewMerge") {
		t.Error("the preview ran before it was asked for")
	}

	// Manchester's team, and practitioners, have no merge on it.
	for _, u := range []signpost.User{{Username: "mcr", Role: signpost.RoleManagement, Authority: "Manchester"}, {Username: "nurse", Role: signpost.RolePractitioner, Authority: "Leeds"}} {
		f := readyFake()
		f.state.User = u
		h := newHarness(t, f)
		c := h.app.home.caseload.child
		c.open("SP000000018", "Review")
		h.settle()
		if c.merge != nil {
			t.Errorf("%s of %s may merge a Leeds child", u.Role, u.Authority)
		}
	}
}

// reviewHarness opens the app on the To review tab.
func reviewHarness(t *testing.T, f *fake) *harness {
	t.Helper()
	h := newHarness(t, f)
	h.app.home.selectTab(tabReview)
	h.settle()
	return h
}

// walkLabels calls fn for every label under o.
func walkLabels(o fyne.CanvasObject, fn func(*widget.Label)) {
	switch w := o.(type) {
	case *widget.Label:
		fn(w)
	case *fyne.Container:
		for _, c := range w.Objects {
			walkLabels(c, fn)
		}
	}
}
