package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"signpost"
)

// Tests of what testers tripped over in issue 13: wording, navigation, the
// status bar, caseload rows, the wiped screen, contacts and the forgotten
// passphrase.

// TestNoScreenSaysCache: people know "this laptop", not "the cache".
func TestNoScreenSaysCache(t *testing.T) {
	cases := []struct {
		name  string
		stage Stage
		show  func(h *harness) string // extra text not in the walk (placeholders)
	}{
		{"enrol", StageEnrol, func(h *harness) string { return "" }},
		{"unlock", StageLocked, func(h *harness) string {
			test.Tap(h.app.unlock.forgot)
			return h.app.unlock.pass.PlaceHolder
		}},
		{"settings", StageReady, func(h *harness) string {
			h.app.home.selectTab(tabSettings)
			return ""
		}},
		{"met a child", StageReady, func(h *harness) string {
			h.tap(h.app.home.caseload.met)
			return ""
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := readyFake()
			f.state.Stage = c.stage
			h := newHarness(t, f)
			extra := c.show(h)
			h.settle()
			if got := h.texts() + extra; strings.Contains(strings.ToLower(got), "cache") {
				t.Errorf("the %s screen says cache:\n%s", c.name, got)
			}
		})
	}
	h := newHarness(t, newFake(StageLocked))
	if p := h.app.unlock.pass.PlaceHolder; p != "Passphrase for this laptop" {
		t.Errorf("unlock placeholder %q", p)
	}
}

// goItems is the Go menu's labels, or nil when there is none.
func goItems(h *harness) []string {
	var out []string
	for _, m := range h.app.Window().MainMenu().Items {
		if m.Label != "Go" {
			continue
		}
		for _, it := range m.Items {
			out = append(out, it.Label)
		}
	}
	return out
}

func TestTheGoMenuListsOnlyTheTabsTheRoleHas(t *testing.T) {
	cases := []struct {
		name string
		user signpost.User
		want string
	}{
		{"practitioner", signpost.User{Username: "nurse", Role: signpost.RolePractitioner},
			"Caseload|What's new|Search the directory|Changes waiting to sync|Settings"}, // What's new: issue 16
		{"IT admin", signpost.User{Username: "itadmin", Role: signpost.RoleITAdmin}, "Devices|Settings"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := readyFake()
			f.state.User = c.user
			h := newHarness(t, f)
			if got := strings.Join(goItems(h), "|"); got != c.want {
				t.Errorf("Go menu %q, want %q", got, c.want)
			}
			for _, m := range h.app.Window().MainMenu().Items {
				for _, it := range m.Items {
					if it.Label == "Devices" {
						it.Action()
						if !h.app.home.selected(tabDevices) {
							t.Error("Go › Devices does not open Devices")
						}
					}
				}
			}
			h.app.lockNow()
			h.settle()
			if got := goItems(h); got != nil {
				t.Errorf("locked, the Go menu still lists %v", got)
			}
		})
	}
}

func TestAManagementTeamLandsOnSearchUnlessTheirCaseloadHasChildren(t *testing.T) {
	manager := signpost.User{Username: "manager", DisplayName: "Maria Green", Role: signpost.RoleManagement, Authority: "Leeds"}
	f := readyFake()
	f.state.User, f.cases = manager, nil
	h := newHarness(t, f)
	if !h.app.home.selected(tabSearch) {
		t.Error("a manager with an empty caseload does not land on Search")
	}
	if h.app.Window().Canvas().Focused() != h.app.home.search.family {
		t.Error("the family name field is not focused")
	}

	f = readyFake()
	f.state.User = manager
	h = newHarness(t, f)
	if !h.app.home.selected(tabCaseload) {
		t.Error("a manager with children on their caseload does not land on it")
	}

	f = readyFake()
	f.cases = nil
	h = newHarness(t, f)
	if !h.app.home.selected(tabCaseload) {
		t.Error("a practitioner with an empty caseload was moved off it")
	}
}

const offlineMessage = "Your work is saved on this laptop and will be sent when the directory can be reached again; the directory cannot be reached now, retrying every minute."

// TestTheOfflineMessageIsWhole: the bar's message is on a line of its own
// and wraps, so the sentence is never cut at 1366×768 or 1024×600.
func TestTheOfflineMessageIsWhole(t *testing.T) {
	for _, size := range []fyne.Size{fyne.NewSize(1366, 768), fyne.NewSize(1024, 600)} {
		f := readyFake()
		h := newHarness(t, f)
		f.emit(Status{Online: false, Pending: 3, Refused: 1, Views: 2, LastSynced: h.now.Add(-time.Hour), Message: offlineMessage})
		h.settle()
		h.app.Window().Resize(size)
		h.app.Window().Content().Refresh()
		bar := h.app.home.status
		h.contains(offlineMessage)
		if bar.message.Truncation != fyne.TextTruncateOff || bar.message.Wrapping != fyne.TextWrapWord {
			t.Errorf("%v: the message truncates", size)
		}
		if w := h.app.Window().Content().MinSize().Width; w > size.Width {
			t.Errorf("%v: the window needs %v wide", size, w)
		}
		m := bar.message
		if m.Size().Width <= 0 || m.Size().Width > size.Width || m.Size().Height < m.MinSize().Height {
			t.Errorf("%v: the message is %v, needs %v", size, m.Size(), m.MinSize())
		}
		// Every item of the bar is inside the window.
		for _, o := range []fyne.CanvasObject{bar.online, bar.synced, bar.pending, bar.refused, bar.views, bar.syncNow} {
			p := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
			if p.X < 0 || p.X+o.Size().Width > size.Width+1 || p.Y+o.Size().Height > size.Height+1 || o.Size().Width < o.MinSize().Width {
				t.Errorf("%v: %T at %v size %v (needs %v) is cut off", size, o, p, o.Size(), o.MinSize())
			}
		}
	}
}

func TestOfflineTheBarShowsNoSyncPhase(t *testing.T) {
	f := readyFake()
	h := newHarness(t, f)
	bar := h.app.home.status
	f.emit(Status{Online: false, Message: "The directory cannot be reached; retrying. Your work is saved."})
	h.settle()
	// The engine retries: a pull starts while the directory is still away.
	f.emit(Status{Online: false, Syncing: true, Step: "Receiving records", Done: 0, Message: "The directory cannot be reached; retrying. Your work is saved."})
	h.settle()
	if bar.step.Visible() || bar.spinner.Visible() || bar.progress.Visible() {
		t.Errorf("offline, the bar shows %q with progress", bar.step.Text)
	}
	h.lacks("Receiving records")
	h.contains("Offline: working from this laptop", "The directory cannot be reached; retrying. Your work is saved.")
	// Reported offline after a sync that had begun online.
	f.emit(Status{Online: true, Syncing: true, Step: "Receiving records", Done: 40})
	h.settle()
	h.contains("Receiving records: 40")
	f.emit(Status{Online: false, Done: 40, Message: "The directory cannot be reached; retrying. Your work is saved."})
	h.settle()
	if bar.step.Visible() || bar.spinner.Visible() || bar.progress.Visible() {
		t.Errorf("reported offline, the bar still shows %q", bar.step.Text)
	}
}

func TestSyncNowShowsSyncingThenSyncedEvenWhenFast(t *testing.T) {
	f := readyFake()
	h := newHarness(t, f)
	bar := h.app.home.status
	f.emit(Status{Online: true, LastSynced: h.now.Add(-time.Hour)})
	h.settle()
	h.tap(bar.syncNow)
	if !f.called("SyncNow") {
		t.Fatal("Sync now did nothing")
	}
	if !bar.step.Visible() || bar.step.Text != "Syncing…" || !bar.syncNow.Disabled() {
		t.Errorf("after Sync now: step %q visible %v", bar.step.Text, bar.step.Visible())
	}
	// 50 ms later it is over.
	h.now = h.now.Add(50 * time.Millisecond)
	f.emit(Status{Online: true, Syncing: true, Step: "Receiving records"})
	f.emit(Status{Online: true, LastSynced: h.now})
	h.settle()
	if !bar.step.Visible() || bar.step.Text != "Synced just now" || bar.syncNow.Disabled() {
		t.Errorf("after a fast sync: step %q visible %v", bar.step.Text, bar.step.Visible())
	}
	h.now = h.now.Add(syncedShown)
	bar.apply(bar.last)
	if bar.step.Visible() {
		t.Errorf("%q still shown after %v", bar.step.Text, syncedShown)
	}

	// Offline, Sync now ends with the offline message, not "Synced".
	h.tap(bar.syncNow)
	f.emit(Status{Online: false, Message: "The directory cannot be reached; retrying. Your work is saved."})
	h.settle()
	if bar.step.Visible() {
		t.Errorf("offline after Sync now: step %q", bar.step.Text)
	}
	h.contains("The directory cannot be reached; retrying. Your work is saved.")

	// Ctrl+R shows the same feedback.
	f.emit(Status{Online: true})
	h.settle()
	h.app.onSyncNow()
	if bar.step.Text != "Syncing…" || !bar.step.Visible() {
		t.Errorf("Ctrl+R: step %q", bar.step.Text)
	}
}

// TestACaseloadRowAlwaysShowsTheSignpostID: with every badge on and a long
// name, the row gives way in the name, never in the ID.
func TestACaseloadRowAlwaysShowsTheSignpostID(t *testing.T) {
	h := newHarness(t, readyFake())
	s := h.app.home.caseload
	s.cases = []Case{{ID: "SP000000018", GivenName: "Jamie-Alexander Christopher", FamilyName: "Featherstonehaugh-Fixture",
		DateOfBirth: "2015-03-14", Shielded: true, Lead: true, CAF: true, Pending: true}}
	row := newCaseRow().(*caseRow)
	s.updateRow(0, row)
	for _, w := range []float32{row.MinSize().Width, 360} {
		row.Resize(fyne.NewSize(w, row.MinSize().Height))
		if row.detail.String() != "Born 14 Mar 2015 · SP000000018" || row.detail.Truncation != fyne.TextTruncateOff {
			t.Fatalf("detail %q", row.detail.String())
		}
		if got, need := row.detail.Size().Width, row.detail.MinSize().Width; got < need {
			t.Errorf("row %v wide: the ID line has %v of the %v it needs", w, got, need)
		}
		if row.text.Truncation != fyne.TextTruncateEllipsis {
			t.Error("the name does not give way")
		}
	}
	if full := widget.NewRichTextWithText(row.text.String()).MinSize().Width; row.text.MinSize().Width >= full {
		t.Errorf("the name needs %v, its full width %v: it cannot give way", row.text.MinSize().Width, full)
	}
}

// TestAnEndedInvolvementShowsNoBadges: the lead is cleared when an
// involvement ends; its CAF badge alone said something no longer true.
func TestAnEndedInvolvementShowsNoBadges(t *testing.T) {
	f := readyFake()
	rec := f.records["SP000000018"]
	rec.Child.Involvements[1].CAF = true // Sean's, ended in 2022
	rec.Child.Involvements[0].LeadProfessional = true
	h := newHarness(t, f)
	openCase(t, h, "SP000000018")
	got := h.texts()
	before := got[strings.Index(got, "Worked with this child before"):]
	if strings.Contains(before, "<CAF>") || strings.Contains(before, "<Lead professional>") {
		t.Errorf("an ended involvement shows badges:\n%s", before)
	}
	now := got[strings.Index(got, "Working with this child now"):strings.Index(got, "Worked with this child before")]
	if !strings.Contains(now, "<CAF>") || !strings.Contains(now, "<Lead professional>") {
		t.Errorf("the current involvement lost its badges:\n%s", now)
	}
}

func TestNoPopUpCoversTheWipedScreen(t *testing.T) {
	f := readyFake()
	h := newHarness(t, f)
	f.mu.Lock()
	f.state.Stage = StageWiped
	f.state.Wiped = &Wiped{Message: "This device was wiped by your IT service.", At: h.now}
	f.mu.Unlock()
	f.emit(Status{Wiped: true, Message: "This device was wiped by your IT service."})
	h.settle()
	if h.app.stage != StageWiped {
		t.Fatalf("stage %v", h.app.stage)
	}
	// A caseload read in flight when the wipe landed fails late.
	h.app.showError("reading the caseload", &signpost.Error{Kind: signpost.KindWiped, Message: "the Signpost records on this laptop were wiped"})
	if top := h.app.Window().Canvas().Overlays().Top(); top != nil {
		t.Errorf("a pop-up covers the wiped screen: %s", h.texts())
	}
	// Any other failure answering late stays off the wiped screen too.
	h.app.showError("reading the record again", &signpost.Error{Kind: signpost.KindLocked, Message: "Signpost is locked on this laptop"})
	if h.app.Window().Canvas().Overlays().Top() != nil {
		t.Error("a late error pops up over the wiped screen")
	}

	// Work that learns of the wipe first takes the app to the wiped screen, alone.
	f = readyFake()
	h = newHarness(t, f)
	f.setStage(StageWiped)
	h.app.showError("marking the CAF", &signpost.Error{Kind: signpost.KindWiped, Message: "the Signpost records on this laptop were wiped"})
	h.settle()
	if h.app.stage != StageWiped || h.app.Window().Canvas().Overlays().Top() != nil {
		t.Errorf("stage %v, overlay %v", h.app.stage, h.app.Window().Canvas().Overlays().Top())
	}
}

// TestPractitionersPhoneAndEmailAreLinks: tel: and mailto: open the phone
// or mail app.
func TestPractitionersPhoneAndEmailAreLinks(t *testing.T) {
	h := newHarness(t, readyFake())
	c := openCase(t, h, "SP000000018")
	links := map[string]string{}
	var visit func(o fyne.CanvasObject)
	visit = func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.RichText:
			for _, s := range w.Segments {
				if l, ok := s.(*widget.HyperlinkSegment); ok && l.URL != nil {
					links[l.Text] = l.URL.String()
				}
			}
		case *fyne.Container:
			for _, o := range w.Objects {
				visit(o)
			}
		case fyne.Widget:
			for _, o := range test.WidgetRenderer(w).Objects() {
				visit(o)
			}
		}
	}
	visit(c.root)
	for text, want := range map[string]string{
		"0113 496 0101":                "tel:01134960101",
		"nadia.shah@example.nhs.uk":    "mailto:nadia.shah@example.nhs.uk",
		"0161 496 0202":                "tel:01614960202",
		"sean.oconnell@example.gov.uk": "mailto:sean.oconnell@example.gov.uk",
	} {
		if links[text] != want {
			t.Errorf("%s links to %q, want %q (links %v)", text, links[text], want, links)
		}
	}
	if u := contactURL("mailto", "not an address"); u != nil {
		t.Errorf("a malformed email became the link %v", u)
	}
}

func TestForgotMyPassphraseSaysWhatToDoAndWhatIsLost(t *testing.T) {
	cases := []struct {
		name   string
		unsent int
		want   string
	}{
		{"unsent changes", 3, "The 3 changes made on this laptop and not yet sent to the directory would be lost."},
		{"nothing unsent", 0, "Everything done on this laptop has reached the directory, so nothing would be lost."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(StageLocked)
			f.state.Unsent = c.unsent
			h := newHarness(t, f)
			s := h.app.unlock
			if s.help.Visible() {
				t.Fatal("the help shows before it is asked for")
			}
			h.tap(s.forgot)
			h.contains("Nobody can recover a forgotten passphrase", "Ask your IT service to wipe Signpost on this laptop, then set it up again", c.want)
			if f.called("Unlock") {
				t.Error("asking for help tried to unlock")
			}
		})
	}
}

// Offline, the bar says how long the laptop keeps working before it asks for
// an online sign-in.
func TestOfflineTheBarCountsDownToTheSignIn(t *testing.T) {
	f := readyFake()
	h := newHarness(t, f)
	for _, tc := range []struct {
		left time.Duration
		want string
	}{
		{53 * time.Hour, "Offline: working from this laptop for 2 days more"},
		{5*time.Hour + 10*time.Minute, "Offline: working from this laptop for 5 hours more"},
		{40 * time.Minute, "Offline: working from this laptop for 40 minutes more, then sign in online"},
		{-time.Minute, "Offline: working from this laptop; sign in online to keep using it"},
	} {
		f.emit(Status{Online: false, OfflineLockAt: h.app.now().Add(tc.left)})
		h.settle()
		h.contains(tc.want)
	}
	f.emit(Status{Online: true, OfflineLockAt: h.app.now().Add(time.Hour)})
	h.settle()
	h.lacks("more, then sign in online")
}
