package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"signpost"
)

// Issue 16, slice app: What's new, the desktop notification, the settings,
// sensitive services on a record and the lead-professional handover.

func sean() *signpost.NotifiedPractitioner {
	return &signpost.NotifiedPractitioner{Name: "Sean O'Connell", Organisation: "Manchester City Council Children's Services", Authority: "Manchester",
		Role: "Social worker", Phone: "0161 496 0202", Email: "sean.oconnell@example.gov.uk"}
}

// notes are three notifications, newest first, as the cache lists them:
// two unread.
func notes(now time.Time) []signpost.Notification {
	return []signpost.Notification{
		{ID: "n3", Kind: signpost.NoteNewInvolvement, ChildID: "SP000000018", ChildName: "Jamie Fixture", At: now.Add(-10 * time.Minute), About: sean(),
			Authority: "Leeds", Text: "Sean O'Connell (Social worker, Manchester City Council Children's Services, Manchester) started working with Jamie Fixture on 23 November 2026. Contact: 0161 496 0202, sean.oconnell@example.gov.uk."},
		{ID: "n2", Kind: signpost.NoteNewInvolvement, ChildID: "SP000000034", ChildName: "Sam Smith", At: now.Add(-time.Hour), Withheld: true,
			ContactVia: "the management team of Manchester", Text: "A service that is not named here has started working with Sam Smith — contact the management team of Manchester."},
		{ID: "n1", Kind: signpost.NoteEndedInvolvement, ChildID: "SP000000018", ChildName: "Jamie Fixture", At: now.Add(-48 * time.Hour), Read: true, About: sean(),
			Text: "Sean O'Connell stopped working with Jamie Fixture."},
	}
}

func whatsNewTab(t *testing.T, h *harness) *whatsNewScreen {
	t.Helper()
	if h.app.home == nil || h.app.home.whatsnew == nil {
		t.Fatal("no What's new tab")
	}
	h.app.home.selectTab(tabWhatsNew)
	h.settle()
	return h.app.home.whatsnew
}

func tabTitle(h *harness, tab string) string {
	return h.app.home.items[tab].Text
}

func TestWhatsNewListsNotificationsNewestFirstAndMarksThemRead(t *testing.T) {
	f := readyFake()
	f.setNotes(notes(time.Date(2026, 11, 23, 10, 0, 0, 0, time.Local))...)
	h := newHarness(t, f)
	if got := tabTitle(h, tabWhatsNew); got != "What's new (2)" {
		t.Fatalf("tab title %q, want What's new (2)", got)
	}
	w := whatsNewTab(t, h)
	h.contains("2 unread of 3 notifications, newest first.",
		"Someone new is working with Jamie Fixture", "Sean O'Connell (Social worker, Manchester City Council Children's Services, Manchester) started working with Jamie Fixture",
		"0161 496 0202", "sean.oconnell@example.gov.uk", "today 09:50",
		"Someone new is working with Sam Smith", "A service that is not named here has started working with Sam Smith — contact the management team of Manchester.",
		"<Details withheld>", "Someone stopped working with Jamie Fixture")
	// Newest first, as the cache lists them.
	got := h.texts()
	if a, b, c := strings.Index(got, "with Jamie Fixture on"), strings.Index(got, "with Sam Smith —"), strings.Index(got, "stopped working with Jamie"); !(a < b && b < c) {
		t.Errorf("not newest first: %d %d %d", a, b, c)
	}
	// The contact is shown once, as links, not again in the sentence.
	if strings.Count(got, "sean.oconnell@example.gov.uk") != 2 { // n3 and n1 each show it once
		t.Errorf("the contact is repeated:\n%s", got)
	}
	if w.cards["n1"].read != nil {
		t.Error("a read notification offers Mark read")
	}

	h.tap(w.cards["n2"].read)
	if !f.called("MarkNotificationsRead n2") {
		t.Fatalf("calls %v", f.calls)
	}
	if got := tabTitle(h, tabWhatsNew); got != "What's new (1)" {
		t.Errorf("after marking one read the title is %q", got)
	}
	h.tap(w.markAll)
	if !f.called("MarkNotificationsRead n3") {
		t.Fatalf("calls %v", f.calls)
	}
	if got := tabTitle(h, tabWhatsNew); got != "What's new" {
		t.Errorf("after marking all read the title is %q", got)
	}
	if !w.markAll.Disabled() {
		t.Error("Mark all read stays enabled with nothing unread")
	}
	// Still read after the list is read again (from the cache).
	w.load()
	h.settle()
	if got := tabTitle(h, tabWhatsNew); got != "What's new" {
		t.Errorf("after reading the list again the title is %q", got)
	}
	h.lacks("<New>")
}

func TestOpeningANotificationOpensTheChildsRecord(t *testing.T) {
	f := readyFake()
	f.setNotes(notes(time.Date(2026, 11, 23, 10, 0, 0, 0, time.Local))...)
	h := newHarness(t, f)
	w := whatsNewTab(t, h)
	h.tap(w.cards["n3"].open)
	if !f.called("ViewChild SP000000018") || !f.called("MarkNotificationsRead n3") {
		t.Fatalf("calls %v", f.calls)
	}
	if w.child.rec == nil || w.child.rec.Child.SignpostID != "SP000000018" {
		t.Fatal("the child's record did not open")
	}
	h.contains("Jamie Fixture", "Working with this child now")

	// A tap anywhere on the card opens the record too.
	test.Tap(w.cards["n2"].card)
	h.settle()
	if !f.called("ViewChild SP000000034") || !f.called("MarkNotificationsRead n2") {
		t.Fatalf("calls %v", f.calls)
	}
}

// Shown offline from the cache: the list does not need the directory.
func TestWhatsNewIsShownOffline(t *testing.T) {
	f := readyFake()
	f.setNotes(notes(time.Date(2026, 11, 23, 10, 0, 0, 0, time.Local))...)
	h := newHarness(t, f)
	f.emit(Status{Online: false, Message: "The directory cannot be reached."})
	h.settle()
	whatsNewTab(t, h)
	h.contains("2 unread of 3 notifications", "Someone new is working with Jamie Fixture")
}

// After a sync brings notifications, one desktop notification says how
// many, naming no child; the ones already on the laptop raise none.
func TestASyncThatBringsNotificationsRaisesADesktopNotificationNamingNoChild(t *testing.T) {
	f := readyFake()
	all := notes(time.Date(2026, 11, 23, 10, 0, 0, 0, time.Local))
	f.setNotes(all[2])
	h := newHarness(t, f)
	if d := f.desktop(); len(d) != 0 {
		t.Fatalf("desktop notifications at start: %q", d)
	}
	f.setNotes(all...)
	f.emit(Status{Online: true, Syncing: true})
	h.settle()
	f.emit(Status{Online: true})
	h.settle()
	d := f.desktop()
	if len(d) != 1 || d[0] != "Signpost: 2 updates about children you work with" {
		t.Fatalf("desktop notifications %q", d)
	}
	for _, bad := range []string{"Jamie", "Sam", "Fixture", "Smith"} {
		if strings.Contains(d[0], bad) {
			t.Errorf("the desktop notification names a child: %q", d[0])
		}
	}
	if got := tabTitle(h, tabWhatsNew); got != "What's new (2)" {
		t.Errorf("tab title %q", got)
	}
	// A sync that brings nothing new raises nothing.
	f.emit(Status{Online: true, Syncing: true})
	h.settle()
	f.emit(Status{Online: true})
	h.settle()
	if d := f.desktop(); len(d) != 1 {
		t.Errorf("desktop notifications %q after a sync with nothing new", d)
	}
	if updatesText(1) != "1 update about a child you work with" {
		t.Errorf("one: %q", updatesText(1))
	}
}

func TestTheITServiceHasNoWhatsNew(t *testing.T) {
	f := readyFake()
	f.state.User = signpost.User{Username: "itadmin", Role: signpost.RoleITAdmin}
	h := newHarness(t, f)
	if _, ok := h.app.home.items[tabWhatsNew]; ok {
		t.Error("the IT service has a What's new tab")
	}
	if f.called("Notifications") {
		t.Error("the IT service's app reads notifications")
	}
}

// Settings: ended involvements may be muted; moves, new involvements and
// the handover are always on, with the reason.
func TestNotificationSettingsMuteOnlyWhatMayBeMuted(t *testing.T) {
	f := readyFake()
	h := newHarness(t, f)
	h.app.home.selectTab(tabSettings)
	h.settle()
	ns := h.app.home.settings.notify
	h.contains("Someone stops working with a child I work with", "A child I work with moves to another area",
		"Always on: who else works with a child, and where the child lives, can matter for the child's safety.")
	for _, kind := range []string{signpost.NoteNewInvolvement, signpost.NoteMovedArea, signpost.NoteHandoverOffered} {
		if ch := ns.checks[kind]; !ch.Checked || !ch.Disabled() {
			t.Errorf("%s: checked %v disabled %v, want always on", kind, ch.Checked, ch.Disabled())
		}
	}
	ended := ns.checks[signpost.NoteEndedInvolvement]
	if !ended.Checked || ended.Disabled() {
		t.Fatalf("ended involvement: checked %v disabled %v", ended.Checked, ended.Disabled())
	}
	test.Tap(ended)
	h.settle()
	if !f.called("SetNotificationSettings ended_involvement") {
		t.Fatalf("calls %v", f.calls)
	}
	h.contains("Saved.")
	test.Tap(ended)
	h.settle()
	if c := f.calls[len(f.calls)-1]; c != "SetNotificationSettings " {
		t.Errorf("unmuting called %q", c)
	}
}

func TestNotificationSettingsOfflineSayWhy(t *testing.T) {
	f := readyFake()
	f.errs["NotificationSettings"] = &signpost.Error{Kind: signpost.KindUnavailable, Message: "this needs a connection to the directory, which this laptop cannot reach now; try again when you are online"}
	h := newHarness(t, f)
	h.app.home.selectTab(tabSettings)
	h.settle()
	h.contains("Your notification settings could not be read.")
	if !h.app.home.settings.notify.checks[signpost.NoteEndedInvolvement].Disabled() {
		t.Error("the mute can be changed without the settings")
	}
}

// A sensitive service shown without consent names nothing but whom to ask;
// the management team sees it in full, tagged.
func TestASensitiveServiceWithoutConsentIsNotNamed(t *testing.T) {
	f := readyFake()
	j := jamie()
	j.Involvements = append(j.Involvements, signpost.Involvement{ID: "i7", Sensitive: true, StartedOn: "2026-11-01",
		ContactVia: signpost.NotNamedService("Manchester")})
	f.records["SP000000018"].Child = j
	h := newHarness(t, f)
	openCase(t, h, "SP000000018")
	h.contains("A service that is not named here is involved — contact the management team of Manchester.")
	h.lacks("<Sensitive service>")

	// The management team: in full, with the tag.
	f2 := readyFake()
	f2.state.User = signpost.User{Username: "manager", DisplayName: "Maria Green", Role: signpost.RoleManagement, Authority: "Leeds"}
	j2 := jamie()
	j2.Involvements = append(j2.Involvements, signpost.Involvement{ID: "i7", Practitioner: "Sol Health", Organisation: "Leeds Sexual Health",
		Role: "Sexual health nurse", Phone: "0113 496 0700", StartedOn: "2026-11-01", Sensitive: true, Authority: "Leeds"})
	f2.records["SP000000018"].Child = j2
	h2 := newHarness(t, f2)
	h2.app.home.selectTab(tabCaseload)
	openCase(t, h2, "SP000000018")
	h2.contains("Sol Health", "Sexual health nurse, Leeds Sexual Health", "<Sensitive service>")
	h2.lacks("A service that is not named here")
}

// formCheck is the i-th check of a form dialog.
func formCheck(t *testing.T, d *formDialog, i int) *widget.Check {
	t.Helper()
	var found []*widget.Check
	for _, o := range d.content.Objects {
		if form, ok := o.(*widget.Form); ok {
			for _, it := range form.Items {
				if c, ok := it.Widget.(*widget.Check); ok {
					found = append(found, c)
				}
			}
		}
	}
	if i >= len(found) {
		t.Fatalf("the dialog has %d checks", len(found))
	}
	return found[i]
}

func TestRecordingWorkAsASensitiveService(t *testing.T) {
	f := readyFake()
	j := jamie()
	j.Involvements = j.Involvements[1:] // not the nurse's
	f.records["SP000000099"] = &Record{Child: j}
	j.SignpostID = "SP000000099"
	h := newHarness(t, f)
	c := h.app.home.caseload.child
	c.open("SP000000099", "Referred to me")
	h.settle()
	h.tap(c.start)
	sensitive, consent := formCheck(t, c.dlg, 0), formCheck(t, c.dlg, 1)
	if !consent.Disabled() {
		t.Error("consent can be ticked for a service that is not sensitive")
	}
	test.Tap(sensitive)
	if consent.Disabled() {
		t.Fatal("consent cannot be ticked for a sensitive service")
	}
	h.tap(c.dlg.confirm)
	if !f.called("StartInvolvementMarked SP000000099 School nurse 2026-11-23 sensitive=true shown=false") {
		t.Fatalf("calls %v", f.calls)
	}

	// One's own involvement: mark it, then record the consent.
	c2 := openCase(t, h, "SP000000018")
	if c2.sensitive == nil || c2.sensitive.Checked || !c2.consent.Disabled() {
		t.Fatal("the record does not offer the sensitive-service checks as they stand")
	}
	test.Tap(c2.sensitive)
	h.settle()
	if !f.called("SetSensitive SP000000018 sensitive=true shown=false") {
		t.Fatalf("calls %v", f.calls)
	}
	// The record as the directory has it then (the fake does not change it).
	f.mu.Lock()
	f.records["SP000000018"].Child.Involvements[0].Sensitive = true
	f.mu.Unlock()
	c2.refresh()
	h.settle()
	if !c2.sensitive.Checked || c2.consent.Disabled() {
		t.Fatal("a sensitive service's consent cannot be recorded")
	}
	test.Tap(c2.consent)
	h.settle()
	if !f.called("SetSensitive SP000000018 sensitive=true shown=true") {
		t.Fatalf("calls %v", f.calls)
	}
}

// The practitioner offered the role accepts or declines it, on the record
// and in What's new.
func TestAnOfferOfTheLeadRoleIsAcceptedOrDeclined(t *testing.T) {
	f := readyFake()
	j := jamie()
	j.Involvements[0].LeadOffered = true
	j.Involvements = append(j.Involvements, signpost.Involvement{ID: "i9", Practitioner: "Sean O'Connell", Organisation: "Manchester City Council Children's Services",
		Role: "Social worker", StartedOn: "2026-11-01", LeadProfessional: true})
	f.records["SP000000018"].Child = j
	f.setNotes(signpost.Notification{ID: "n5", Kind: signpost.NoteHandoverOffered, ChildID: "SP000000018", ChildName: "Jamie Fixture",
		At: time.Date(2026, 11, 23, 9, 0, 0, 0, time.Local), About: sean(), Text: "Sean O'Connell offers you the lead-professional role for Jamie Fixture."})
	h := newHarness(t, f)
	c := openCase(t, h, "SP000000018")
	h.contains("Sean O'Connell offers you the role of Jamie Fixture's lead professional.", "<Lead role offered>")
	if c.accept == nil || c.decline == nil {
		t.Fatal("no Accept or Decline on the record")
	}
	h.tap(c.accept)
	if !f.called("AnswerLead SP000000018 accept=true") {
		t.Fatalf("calls %v", f.calls)
	}
	h.contains("You accepted the role")
	w := whatsNewTab(t, h)
	h.contains("Lead professional role offered to you for Jamie Fixture")
	if w.cards["n5"].accept != nil || !f.called("MarkNotificationsRead n5") {
		t.Error("the offer answered on the record still asks for an answer in What's new")
	}

	// Answered in What's new (another offer, say, after a sync).
	w.answered = map[string]bool{}
	w.show(w.notes)
	h.tap(w.cards["n5"].decline)
	if !f.called("AnswerLead SP000000018 accept=false") {
		t.Fatalf("calls %v", f.calls)
	}
	if w.cards["n5"].accept != nil {
		t.Error("an answered offer still offers Accept")
	}
}

// A lead professional whom another practitioner could succeed confirms
// leaving the child without one; the confirmation goes with the change.
func TestEndingTheLeadsInvolvementAsksToConfirmTheLoss(t *testing.T) {
	f := readyFake()
	j := jamie()
	j.Involvements[0].LeadProfessional = true
	j.Involvements = append(j.Involvements, signpost.Involvement{ID: "i9", Practitioner: "Fay Worker", Organisation: "Leeds Children's Services",
		Role: "Family support worker", StartedOn: "2025-05-01"})
	f.records["SP000000018"].Child = j
	h := newHarness(t, f)
	c := openCase(t, h, "SP000000018")
	h.tap(c.end)
	h.tap(c.dlg.confirm)
	if f.called("EndInvolvement") {
		t.Fatal("ended without the confirmation")
	}
	h.contains("Hand the lead-professional role over first, or tick the box")
	test.Tap(formCheck(t, c.dlg, 0))
	h.tap(c.dlg.confirm)
	if !f.called("EndInvolvementConfirmed SP000000018 2026-11-23") {
		t.Fatalf("calls %v", f.calls)
	}
}

// A service not named here cannot be chosen for the role (one cannot pick
// whom one may not see), but could take it on: ending still asks.
func TestAServiceNotNamedIsNoHandoverChoiceButCountsForTheLoss(t *testing.T) {
	f := readyFake()
	j := jamie()
	j.Involvements[0].LeadProfessional = true
	j.Involvements = append(j.Involvements, signpost.Involvement{ID: "i7", Sensitive: true, StartedOn: "2026-11-01", ContactVia: signpost.NotNamedService("Leeds")})
	f.records["SP000000018"].Child = j
	h := newHarness(t, f)
	c := openCase(t, h, "SP000000018")
	if c.handover != nil {
		t.Error("the lead role can be offered to a service not named here")
	}
	h.tap(c.end)
	h.tap(c.dlg.confirm)
	if f.called("EndInvolvement") {
		t.Fatal("ended without the confirmation")
	}
	test.Tap(formCheck(t, c.dlg, 0))
	h.tap(c.dlg.confirm)
	if !f.called("EndInvolvementConfirmed SP000000018") {
		t.Fatalf("calls %v", f.calls)
	}
}

// A refused loss of the lead is sent again, confirmed, from Changes.
func TestARefusedLossOfTheLeadIsConfirmedFromChanges(t *testing.T) {
	f := readyFake()
	f.outbox = []Change{
		{ID: "m1", Kind: signpost.MutEndInvolvement, ChildID: "SP000000018", Description: "End involvement with Jamie Fixture", State: ChangeRejected, Reason: signpost.LeadLossMessage},
		{ID: "m2", Kind: signpost.MutEndInvolvement, ChildID: "SP000000026", Description: "End involvement with Riley Shielded", State: ChangeRejected, Reason: "the end date is before the start"},
	}
	h := newHarness(t, f)
	h.app.home.selectTab(tabOutbox)
	h.settle()
	s := h.app.home.outbox
	lost, other := s.newRow().(*changeRow), s.newRow().(*changeRow)
	s.updateRow(0, lost)
	s.updateRow(1, other)
	if !lost.confirm.Visible() || other.confirm.Visible() {
		t.Fatalf("End it anyway shown: %v for the lead loss, %v for another refusal", lost.confirm.Visible(), other.confirm.Visible())
	}
	h.tap(lost.confirm)
	h.contains("Leave the child without a lead professional?")
	h.tap(s.confirmDlg.confirm)
	if !f.called("RetryConfirmed m1") {
		t.Fatalf("calls %v", f.calls)
	}
}
