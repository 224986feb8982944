package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"signpost"
)

// Issue 13: the window fits a small laptop's 1024×600 screen, title bar and
// all: no tab, for no role, asks for more than 1000×560.
func TestEveryTabFitsA1024x600Screen(t *testing.T) {
	roles := []struct {
		name string
		user signpost.User
		tabs []string
	}{
		{"practitioner", signpost.User{Username: "nurse", DisplayName: "Nadia Shah", Role: signpost.RolePractitioner,
			JobTitle: "School nurse", Organisation: "Leeds Community Healthcare NHS Trust"}, []string{tabCaseload, tabSearch, tabOutbox, tabSettings}},
		{"manager", signpost.User{Username: "manager", DisplayName: "Maria Green", Role: signpost.RoleManagement, Authority: "Leeds"},
			[]string{tabCaseload, tabSearch, tabOutbox, tabSettings}},
		{"IT admin", signpost.User{Username: "itadmin", DisplayName: "Ian Taylor", Role: signpost.RoleITAdmin, JobTitle: "IT service desk"},
			[]string{tabDevices, tabSettings}},
	}
	limit := fyne.NewSize(1000, 560)
	for _, r := range roles {
		t.Run(r.name, func(t *testing.T) {
			f := readyFake()
			if r.user.Role == signpost.RoleITAdmin {
				f = itFake()
			}
			f.state.User = r.user
			// Jamie's record at its widest: the lead professional, with
			// someone to hand over to.
			if rec := f.records["SP000000018"]; rec != nil {
				rec.Child.Involvements[0].LeadProfessional = true
				rec.Child.Involvements[1].EndedOn = ""
			}
			h := newHarness(t, f)
			h.app.Window().Resize(fyne.NewSize(1024, 600))
			// The status bar with all it can say at once.
			f.emit(Status{Pending: 3, Refused: 1, Views: 2, SignInNeeded: true, LastSynced: h.now.Add(-time.Hour),
				OfflineLockAt: h.now.Add(48 * time.Hour), Message: "The directory asks you to sign in again; your changes waiting to sync are kept."})
			h.settle()
			for _, tab := range r.tabs {
				h.app.home.selectTab(tab)
				h.settle()
				if tab == tabCaseload {
					openCase(t, h, "SP000000018")
				}
				got := h.app.Window().Content().MinSize()
				t.Logf("%s: %v", tab, got)
				if got.Width > limit.Width || got.Height > limit.Height {
					t.Errorf("%s asks for %v, more than %v", tab, got, limit)
				}
			}
		})
	}
}
