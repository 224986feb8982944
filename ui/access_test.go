package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"signpost"
)

// Issue 14, slice access: the management team's Alerts, Shielded and
// Subject access tabs.

func TestOnlyTheManagementTeamHasTheAccessTabs(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    *fake
		want bool
	}{{"practitioner", readyFake(), false}, {"IT admin", itFake(), false}, {"management", managerFake(), true}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.f)
			for _, tab := range []string{tabAlerts, tabShielded, tabAccess} {
				if _, ok := h.app.home.items[tab]; ok != tc.want {
					t.Errorf("tab %s shown: %v, want %v", tab, ok, tc.want)
				}
			}
			if tc.f.called("Alerts") != tc.want {
				t.Errorf("alerts read: %v, want %v", tc.f.called("Alerts"), tc.want)
			}
		})
	}
}

func TestAlertsEscalatedFirstAcknowledgedWithANote(t *testing.T) {
	f := managerFake()
	h := newHarness(t, f)
	m := h.app.home.mgmt
	if got := h.app.home.items[tabAlerts].Text; got != "Alerts (2)" {
		t.Errorf("tab %q, want the unacknowledged count", got)
	}
	h.app.home.selectTab(tabAlerts)
	h.settle()
	s := m.alerts
	h.contains("2 alerts are waiting to be acknowledged, 1 of them escalated.", "<2 unacknowledged>")
	if s.alerts[0].ID != 1 {
		t.Fatalf("the escalated alert is not at the top: %+v", s.alerts[0])
	}
	row := s.newRow().(*alertRow)
	s.updateRow(0, row)
	if row.state.Importance != widget.DangerImportance || !strings.HasPrefix(row.state.Text, "Escalated: not acknowledged within 24 hours") {
		t.Errorf("escalated row: %q (importance %v)", row.state.Text, row.state.Importance)
	}
	if !row.ack.Visible() || !row.access.Visible() {
		t.Error("the escalated break-glass alert offers no Acknowledge or See the access")
	}
	done := s.newRow().(*alertRow)
	s.updateRow(2, done)
	if done.ack.Visible() || !strings.Contains(done.state.Text, "Acknowledged by manager") {
		t.Errorf("acknowledged row: %q, ack shown %v", done.state.Text, done.ack.Visible())
	}
	harvest := s.newRow().(*alertRow)
	s.updateRow(1, harvest)
	if harvest.access.Visible() {
		t.Error("a harvest alert, about no child, links to a child's report")
	}
	// Acknowledge: a note is needed.
	h.tap(row.ack)
	h.tap(s.dlg.confirm)
	if f.called("AckAlert") || !strings.Contains(s.dlg.msg.Text, "what was done") {
		t.Fatalf("acknowledged without a note: %q", s.dlg.msg.Text)
	}
	formEntry(t, s.dlg, 0).SetText("spoke to the social worker; enquiry confirmed")
	h.tap(s.dlg.confirm)
	if !f.called("AckAlert 1 spoke to the social worker; enquiry confirmed") {
		t.Fatalf("calls %v", f.calls)
	}
	if got := h.app.home.items[tabAlerts].Text; got != "Alerts (1)" {
		t.Errorf("after the ack the tab says %q", got)
	}
	// See the access: the child's report, that user's events.
	for i, al := range s.alerts {
		if al.ID == 1 {
			s.updateRow(i, row)
		}
	}
	h.tap(row.access)
	if !h.app.home.selected(tabAccess) || !f.called("AccessReport SP000000026  social") {
		t.Fatalf("See the access: calls %v", f.calls)
	}
	h.contains("2 events in the record of SP000000026, newest first, of social only; older ones follow.")
}

func TestAlertsOfflineSayTheyNeedAConnection(t *testing.T) {
	f := managerFake()
	f.errs["Alerts"] = &signpost.Error{Kind: signpost.KindUnavailable, Message: "this needs a connection to the directory"}
	h := newHarness(t, f)
	h.app.home.selectTab(tabAlerts)
	h.settle()
	h.contains("Alerts need a connection to the directory, which this laptop cannot reach now.")
	h.lacks("cache")
}

func TestShieldedDueFirstRenewAndUnshield(t *testing.T) {
	f := managerFake()
	h := newHarness(t, f)
	h.app.home.selectTab(tabShielded)
	h.settle()
	s := h.app.home.mgmt.shielded
	h.contains("2 shielded children shown. 1 review is overdue.")
	row := s.newRow().(*shieldedRow)
	s.updateRow(0, row)
	if row.review.Importance != widget.DangerImportance || row.review.Text != "Review overdue: it was due by 1 November 2026." {
		t.Errorf("overdue row: %q", row.review.Text)
	}
	if !strings.Contains(row.detail.Text, "Shielded by Maria Green") || !strings.Contains(row.detail.Text, "family fleeing domestic abuse") {
		t.Errorf("who and why: %q", row.detail.Text)
	}
	// Renew: a reason and a date within 12 months, typed as people type dates.
	h.tap(row.renew)
	formEntry(t, s.dlg, 0).SetText("reviewed with the police: still at risk")
	formEntry(t, s.dlg, 1).SetText("30/02/2027")
	h.tap(s.dlg.confirm)
	if f.called("Shield SP") || !strings.Contains(s.dlg.msg.Text, "real date") {
		t.Fatalf("an impossible date was sent: %q", s.dlg.msg.Text)
	}
	formEntry(t, s.dlg, 1).SetText("1 Mar 2027")
	h.tap(s.dlg.confirm)
	if !f.called("Shield SP000000026") {
		t.Fatalf("calls %v", f.calls)
	}
	// Unshield: a reason is needed.
	h.tap(row.lift)
	h.tap(s.dlg.confirm)
	if f.called("Unshield") {
		t.Fatal("unshielded without a reason")
	}
	formEntry(t, s.dlg, 0).SetText("review found the family safe")
	h.tap(s.dlg.confirm)
	if !f.called("Unshield SP000000026 review found the family safe") {
		t.Fatalf("calls %v", f.calls)
	}
}

func TestSubjectAccessTableAndExport(t *testing.T) {
	f := managerFake()
	h := newHarness(t, f)
	h.app.home.selectTab(tabAccess)
	h.settle()
	s := h.app.home.mgmt.access
	if !s.export.Disabled() {
		t.Error("Export is offered before any report is shown")
	}
	h.typeIn(s.id, "SP 0000 0002 6")
	h.tap(s.showBtn)
	if !f.called("AccessReport SP000000026  ") {
		t.Fatalf("calls %v", f.calls)
	}
	h.contains("2 events in the record of SP000000026, newest first; older ones follow.")
	cells := map[[2]int]string{{1, 1}: "Broke glass", {1, 2}: "Sean O'Connell (social)", {1, 3}: "Leeds City Council", {1, 4}: "SEAN-LAPTOP", {2, 6}: "Offline"}
	for rc, want := range cells {
		l := widget.NewLabel("")
		s.updateCell(widget.TableCellID{Row: rc[0], Col: rc[1]}, l)
		if l.Text != want {
			t.Errorf("cell %v = %q, want %q", rc, l.Text, want)
		}
	}
	h.tap(s.more)
	if !f.called("AccessReport SP000000026 8 ") {
		t.Errorf("Show older did not page on: %v", f.calls)
	}
	// Export: where, then why; written through the services to the path.
	path := filepath.Join(t.TempDir(), "riley.csv")
	s.choose = func(name string, save func(string)) {
		if name != "subject-access-SP000000026.csv" {
			t.Errorf("suggested name %q", name)
		}
		save(path)
	}
	h.tap(s.export)
	h.tap(s.dlg.confirm)
	if f.called("ExportAccess") {
		t.Fatal("exported without a reason")
	}
	formEntry(t, s.dlg, 0).SetText("SAR-2026-014 from the mother")
	h.tap(s.dlg.confirm)
	if !f.called("ExportAccess SP000000026 SAR-2026-014 from the mother") {
		t.Fatalf("calls %v", f.calls)
	}
	if b, err := os.ReadFile(path); err != nil || !strings.HasPrefix(string(b), "when,") {
		t.Errorf("the file: %q %v", b, err)
	}
	h.contains("was saved to " + path)
}

// The management team opens a child's subject-access report from the
// child's record; a practitioner has no such button.
func TestAChildsRecordOpensItsSubjectAccessReportForTheTeam(t *testing.T) {
	for _, manager := range []bool{true, false} {
		f := managerFake()
		if !manager {
			f = readyFake()
		}
		h := newHarness(t, f)
		openCase(t, h, "SP000000018")
		b := findButton(h.app.Window().Content(), "Subject access report")
		if !manager {
			if b != nil {
				t.Error("a practitioner is offered the subject-access report")
			}
			continue
		}
		if b == nil {
			t.Fatal("no Subject access report button on the record")
		}
		h.tap(b)
		h.settle()
		if !h.app.home.selected(tabAccess) || h.app.home.mgmt.access.id.Text != "SP000000018" || !f.called("AccessReport SP000000018") {
			t.Errorf("the report did not open on the child: tab access %v, id %q, calls %v",
				h.app.home.selected(tabAccess), h.app.home.mgmt.access.id.Text, f.calls)
		}
	}
}

// findButton returns the house button with this text under o, or nil.
func findButton(o fyne.CanvasObject, text string) *button {
	switch x := o.(type) {
	case *button:
		if x.Text == text {
			return x
		}
	case *fyne.Container:
		for _, c := range x.Objects {
			if b := findButton(c, text); b != nil {
				return b
			}
		}
	case *widget.Label, *entry, *widget.Entry:
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			if b := findButton(c, text); b != nil {
				return b
			}
		}
	}
	return nil
}
