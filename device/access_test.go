package device

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"signpost"
)

// Issue 14, slice access: the management team's journeys through the real
// directory and the real laptop services.

func TestServicesAlertAcknowledgeJourney(t *testing.T) {
	ctx := context.Background()
	d := startTestDirectory(t, 50)
	social, _ := enrolled(t, d, "social")
	if _, err := social.BreakGlass(ctx, d.fx.Riley, "section 47 enquiry"); err != nil {
		t.Fatal(err)
	}
	manager, _ := enrolled(t, d, "manager")
	page, err := manager.Alerts(ctx, "")
	if err != nil || page.Unacknowledged != 1 || page.EscalateHours != 24 || len(page.Alerts) != 1 || page.Alerts[0].Acknowledged() {
		t.Fatalf("alerts = %+v, %v", page, err)
	}
	al := page.Alerts[0]
	// "See the access": the child's report, that user's events.
	rep, err := manager.AccessReport(ctx, al.ChildID, "", al.Username)
	if err != nil || len(rep.Entries) == 0 || rep.Entries[0].Action != "break_glass" || rep.Entries[0].DeviceName != "social-laptop" {
		t.Fatalf("the access of the alert = %+v, %v", rep, err)
	}
	if _, err := manager.AckAlert(ctx, al.ID, " "); signpost.FieldOf(err) != "note" {
		t.Errorf("an ack without a note: %v, want refused on the note", err)
	}
	got, err := manager.AckAlert(ctx, al.ID, "spoke to the social worker; enquiry confirmed")
	if err != nil || got.AcknowledgedBy != "manager" {
		t.Fatalf("ack = %+v, %v", got, err)
	}
	if _, err := manager.AckAlert(ctx, al.ID, "again"); signpost.KindOf(err) != signpost.KindConflict {
		t.Errorf("a second ack: %v, want conflict", err)
	}
	if page, _ = manager.Alerts(ctx, ""); page.Unacknowledged != 0 || !page.Alerts[0].Acknowledged() {
		t.Errorf("after the ack: %+v", page)
	}
	if _, err := social.Alerts(ctx, ""); signpost.KindOf(err) != signpost.KindForbidden {
		t.Errorf("a social worker's alerts: %v, want forbidden", err)
	}
}

func TestServicesShieldedReviewJourney(t *testing.T) {
	ctx := context.Background()
	d := startTestDirectory(t, 50)
	manager, _ := enrolled(t, d, "manager")
	list, err := manager.Shielded(ctx, "")
	if err != nil || len(list.Children) != 1 || list.Children[0].SignpostID != d.fx.Riley || list.Children[0].Shielding.Reason == "" {
		t.Fatalf("shielded = %+v, %v", list, err)
	}
	review := time.Now().AddDate(0, 6, 0).Format(signpost.DateLayout)
	if _, err := manager.Shield(ctx, d.fx.Riley, signpost.ShieldRequest{Reason: "reviewed with the police: still at risk", ReviewDate: review}); err != nil {
		t.Fatal(err)
	}
	if list, _ = manager.Shielded(ctx, ""); list.Children[0].Shielding.ReviewDate != review || list.Children[0].Overdue {
		t.Errorf("after renewing: %+v", list.Children)
	}
	if _, err := manager.Unshield(ctx, d.fx.Riley, "review found the family safe"); err != nil {
		t.Fatal(err)
	}
	if list, _ = manager.Shielded(ctx, ""); len(list.Children) != 0 {
		t.Errorf("after unshielding: %+v", list.Children)
	}
	rep, _ := manager.AccessReport(ctx, d.fx.Riley, "", "manager")
	var actions []string
	for _, e := range rep.Entries {
		actions = append(actions, e.Action)
	}
	if got := strings.Join(actions, ","); !strings.Contains(got, "unshield,shield_renew") {
		t.Errorf("the report shows %s, want the renewal then the unshielding", got)
	}
}

func TestServicesSubjectAccessExport(t *testing.T) {
	ctx := context.Background()
	d := startTestDirectory(t, 50)
	nurse, _ := enrolled(t, d, "nurse")
	if _, err := nurse.Search(ctx, signpost.SearchRequest{FamilyName: "Fixture", DateOfBirth: "2015-03-14", Reason: "a referral"}); err != nil {
		t.Fatal(err)
	}
	manager, _ := enrolled(t, d, "manager")
	path := filepath.Join(t.TempDir(), "jamie.csv")
	if err := nurse.ExportAccess(ctx, d.fx.Jamie, "SAR-7", path); signpost.KindOf(err) != signpost.KindForbidden {
		t.Errorf("a nurse's export: %v, want forbidden", err)
	}
	if err := manager.ExportAccess(ctx, d.fx.Jamie, "", path); signpost.FieldOf(err) != "reason" {
		t.Errorf("an export without a reason: %v, want refused on the reason", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("a refused export left a file: %v", err)
	}
	if err := manager.ExportAccess(ctx, d.fx.Jamie, "SAR-7 from the mother", path); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var exported, searched bool
	for _, r := range rows[1:] {
		exported = exported || (r[1] == "access_export" && r[7] == "SAR-7 from the mother")
		searched = searched || (r[1] == "search" && r[3] == "nurse" && r[4] != "" && r[8] == "online")
	}
	if rows[0][0] != "when" || !exported || !searched {
		t.Errorf("the csv (%d rows) lacks the export (%v) or the nurse's search (%v): %v", len(rows), exported, searched, rows)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("the export left %d files beside it", len(entries))
	}
}

func TestServicesAccessNeedsAConnection(t *testing.T) {
	ctx := context.Background()
	d := startTestDirectory(t, 50)
	manager, _ := enrolled(t, d, "manager")
	d.hs.Close()
	_, err := manager.Alerts(ctx, "")
	if signpost.KindOf(err) != signpost.KindUnavailable || !strings.Contains(signpost.MessageOf(err), "needs a connection to the directory") {
		t.Errorf("alerts offline: %v", err)
	}
	if err := manager.ExportAccess(ctx, d.fx.Jamie, "SAR", filepath.Join(t.TempDir(), "x.csv")); !strings.Contains(signpost.MessageOf(err), "needs a connection") {
		t.Errorf("export offline: %v", err)
	}
}
