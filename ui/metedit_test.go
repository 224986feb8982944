package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"signpost"
)

const refusedReason = "12 children could be this child; search online to choose the right one"

// metOfflineFake is readyFake with two children met offline: Ada waiting to
// sync, and a Sam the directory could not tell from others.
func metOfflineFake() *fake {
	f := readyFake()
	f.cases = append(f.cases,
		Case{GivenName: "Ada", FamilyName: "Field", DateOfBirth: "2014-05-06", Provisional: true, Pending: true, Role: "Outreach worker", ChangeID: "met1"},
		Case{GivenName: "Sam", FamilyName: "Smithe", DateOfBirth: "2016-01-01", Provisional: true, RefusedReason: refusedReason, ChangeID: "met2"})
	return f
}

func detailColour(t *testing.T, r *caseRow) fyne.ThemeColorName {
	t.Helper()
	if len(r.detail.Segments) != 1 {
		t.Fatalf("detail %v", r.detail.Segments)
	}
	return r.detail.Segments[0].(*widget.TextSegment).Style.ColorName
}

func TestAChildMetOfflineIsOnTheCaseloadAtOnceAndItsRefusalInTheErrorColour(t *testing.T) {
	f := metOfflineFake()
	h := newHarness(t, f)
	s := h.app.home.caseload
	h.contains("3 children · 2 met offline", "Field, Ada", "Born 6 May 2014 · Outreach worker · Met offline — waiting to sync", "<Met offline>",
		"Born 1 Jan 2016 · Refused by the directory: "+refusedReason)
	rows := map[string]*caseRow{}
	for i, c := range s.cases {
		r := newCaseRow().(*caseRow)
		s.updateRow(i, r)
		rows[c.GivenName+" "+c.FamilyName] = r
	}
	ada, sam := rows["Ada Field"], rows["Sam Smithe"]
	if !ada.badges[badgeMetOffline].Visible() || ada.badges[badgePending].Visible() || ada.badges[badgeRefused].Visible() {
		t.Error("Ada's badges: want Met offline alone")
	}
	if strings.Contains(ada.detail.String(), "SP") {
		t.Errorf("a child met offline shows an ID before the directory gave one: %q", ada.detail.String())
	}
	if !sam.badges[badgeRefused].Visible() || sam.badges[badgeMetOffline].Visible() || detailColour(t, sam) != theme.ColorNameError {
		t.Error("the refused child is not shown in the error colour")
	}
	if detailColour(t, ada) == theme.ColorNameError {
		t.Error("the waiting child is shown as refused")
	}
	// A row reused for a real child gets its ID back, whole.
	s.updateRow(0, ada)
	if !strings.Contains(ada.detail.String(), "SP000000018") || ada.detail.Truncation != fyne.TextTruncateOff || ada.badges[badgeMetOffline].Visible() {
		t.Errorf("reused row %q", ada.detail.String())
	}

	// Choosing her opens no record (there is none yet): it says what happens.
	for i, c := range s.cases {
		if c.Provisional && c.RefusedReason == "" {
			s.onSelect(i)
		}
	}
	h.settle()
	if f.called("ViewChild") {
		t.Fatal("a provisional row opened a record")
	}
	h.contains("Ada Field, met offline", "the record then takes this line's place")
}

func TestAfterTheSyncChangesSaysWhomTheChildMetOfflineWasMatchedTo(t *testing.T) {
	f := metOfflineFake()
	h := newHarness(t, f)
	// The push: the directory matched Ada; before the pull her row waits.
	f.mu.Lock()
	f.cases[3] = Case{GivenName: "Ada", FamilyName: "Field", DateOfBirth: "2014-05-06", Provisional: true, MatchedTo: "SP000000042", ChangeID: "met1"}
	f.outbox = []Change{{ID: "met1", Kind: signpost.MutMetChild, Description: "Met Ada Field (born 2014-05-06), not on this laptop", State: ChangeSent,
		MatchedTo: "SP000000042", Created: time.Date(2026, 11, 23, 9, 15, 0, 0, time.Local)}}
	f.mu.Unlock()
	h.app.changed()
	h.settle()
	h.contains("Born 6 May 2014 · Matched to SP000000042 · the record comes with the next sync")

	h.app.home.selectTab(tabOutbox)
	h.settle()
	h.contains("Matched to SP000000042 by the directory", "1 child met offline was matched by the directory")
	h.lacks("waiting to sync.")
	s := h.app.home.outbox
	row := s.newRow().(*changeRow)
	s.updateRow(0, row)
	if !row.discard.Visible() || row.edit.Visible() || row.cancel.Visible() || row.state.Importance != widget.SuccessImportance {
		t.Fatalf("sent row: discard %v edit %v cancel %v importance %v", row.discard.Visible(), row.edit.Visible(), row.cancel.Visible(), row.state.Importance)
	}

	// The pull: the real record takes the provisional row's place.
	f.mu.Lock()
	f.cases[3] = Case{ID: "SP000000042", GivenName: "Ada", FamilyName: "Field", DateOfBirth: "2014-05-06"}
	f.mu.Unlock()
	h.app.home.selectTab(tabCaseload)
	h.app.changed()
	h.settle()
	h.contains("Born 6 May 2014 · SP000000042")
	h.lacks("Matched to SP000000042 · the record comes")
	h.tap(row.discard)
	if !f.called("Dismiss met1") {
		t.Fatalf("calls %v", f.calls)
	}
}

func editFake() *fake {
	f := readyFake()
	ada := &signpost.Identity{GivenName: "Ada", FamilyName: "Field", DateOfBirth: "2014-05-06", Postcode: "LS1 4AP", Gender: "female"}
	f.outbox = []Change{
		{ID: "s1", Kind: signpost.MutStartInvolvement, ChildID: "SP000000034", Description: "Start involvement with Sam Smith", State: ChangePending, On: "2026-11-20", Role: "School nurse"},
		{ID: "e1", Kind: signpost.MutEndInvolvement, ChildID: "SP000000018", Description: "End involvement with Jamie Fixture", State: ChangeInFlight},
		{ID: "m1", Kind: signpost.MutMetChild, Description: "Met Ada Field (born 2014-05-06), not on this laptop", State: ChangePending, Role: "School nurse", Identity: ada},
		{ID: "c1", Kind: signpost.MutSetCAF, ChildID: "SP000000018", Description: "Record a CAF for Jamie Fixture", State: ChangePending},
		{ID: "e2", Kind: signpost.MutEndInvolvement, ChildID: "SP000000026", Description: "End involvement with Riley Shielded", State: ChangePending,
			Created: time.Date(2026, 11, 22, 16, 0, 0, 0, time.Local)},
	}
	return f
}

func TestAWaitingChangeCanBeEditedBeforeItSyncs(t *testing.T) {
	f := editFake()
	h := newHarness(t, f)
	h.app.home.selectTab(tabOutbox)
	h.settle()
	s := h.app.home.outbox
	rows := make([]*changeRow, len(f.outbox))
	for i := range rows {
		rows[i] = s.newRow().(*changeRow)
		s.updateRow(i, rows[i])
	}
	for i, want := range []bool{true, false, true, false, true} {
		if rows[i].edit.Visible() != want {
			t.Errorf("%s: Edit shown %v, want %v", f.outbox[i].ID, rows[i].edit.Visible(), want)
		}
	}

	// A start: its date and role, dates typed as people type them.
	h.tap(rows[0].edit)
	d := s.editDlg
	if d == nil || !d.form.open || d.on.Text != "2026-11-20" || d.role.Text != "School nurse" {
		t.Fatalf("the start's correction opened with %+v", d)
	}
	for _, c := range []struct{ on, want string }{
		{"31/02/2026", "The start date must be a real date, such as 14/03/2015 or 14 Mar 2015."},
		{"1 Dec 2026", "The start date cannot be in the future."},
	} {
		d.on.SetText(c.on)
		h.tap(d.form.confirm)
		if d.form.msg.Text != c.want || f.called("EditChange") {
			t.Fatalf("%s: message %q, want %q", c.on, d.form.msg.Text, c.want)
		}
	}
	d.on.SetText("14 Nov 2026")
	d.role.SetText("Health visitor")
	h.tap(d.form.confirm)
	if !f.called("EditChange s1 on=2026-11-14 role=Health visitor") || d.form.open {
		t.Fatalf("calls %v", f.calls)
	}

	// An end saved without a date: the day it was saved, corrected as 14/11/2026.
	h.tap(rows[4].edit)
	d = s.editDlg
	if d.on.Text != "2026-11-22" || d.role != nil {
		t.Fatalf("the end's correction opened with date %q", d.on.Text)
	}
	h.typeIn(d.on, "14/11/2026")
	d.on.TypedKey(&fyneKeyReturn)
	h.settle()
	if !f.called("EditChange e2 on=2026-11-14 role=") {
		t.Fatalf("calls %v", f.calls)
	}

	// A child met in the field: corrected in the dialog that recorded her.
	h.tap(rows[2].edit)
	m := s.editDlg.met
	if m == nil || m.given.Text != "Ada" || m.dob.Text != "2014-05-06" || m.gender.Selected != "Female" || m.role.Text != "School nurse" {
		t.Fatalf("the met child's correction opened with %+v", m)
	}
	h.contains("Correct the child you met")
	m.postcode.SetText("ls6 1aa")
	m.dob.SetText("06/05/2014")
	h.tap(m.form.confirm)
	if !f.called("EditChange m1 on= role=School nurse Ada Field 2014-05-06 LS6 1AA female") {
		t.Fatalf("calls %v", f.calls)
	}

	// Sent meanwhile: the laptop's reason shows in the dialog, which stays open.
	f.errs["EditChange"] = &signpost.Error{Kind: signpost.KindConflict, Message: "this change is being sent now, so it can no longer be edited"}
	h.tap(rows[0].edit)
	d = s.editDlg
	h.tap(d.form.confirm)
	if !d.form.open || !strings.Contains(d.form.msg.Text, "being sent now") {
		t.Fatalf("open %v, message %q", d.form.open, d.form.msg.Text)
	}
}
