package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/widget"

	"signpost"
)

// Issue 14, accounts slice: the IT Devices tab's filters, stale flag,
// version and OS, who ordered a wipe, and Revoke.

func itFake14() *fake {
	f := itFake()
	seen := time.Date(2026, 11, 23, 8, 30, 0, 0, time.Local)
	f.devices[0].AppVersion, f.devices[0].OS = "1.4.2", "windows; amd64"
	f.devices = append(f.devices,
		signpost.Device{ID: "d3", User: "manager", Name: "MARIA-LAPTOP", LastSeen: seen.AddDate(0, 0, -20), State: signpost.DeviceActive, Stale: true},
		signpost.Device{ID: "d4", User: "leaver", Name: "LEE-LAPTOP", LastSeen: seen.AddDate(0, 0, -2), State: signpost.DeviceWipeOrdered,
			WipeOrderedBy: "itadmin", WipeOrderedAt: seen.AddDate(0, 0, -1), WipeReason: signpost.WipeLeaver})
	return f
}

func TestDevicesShowVersionStaleAndWhoOrderedTheWipe(t *testing.T) {
	h := newHarness(t, itFake14())
	s := h.app.home.devices
	h.contains("4 devices enrolled. 1 has not been seen for a while.")
	row := func(i int) *deviceRow {
		r := s.newRow().(*deviceRow)
		s.updateRow(i, r)
		return r
	}
	if r := row(0); !strings.Contains(r.detail.Text, "Signpost 1.4.2 on windows; amd64") || r.stale.Visible() || !r.revoke.Visible() {
		t.Errorf("row 0: %q stale %v revoke %v", r.detail.Text, r.stale.Visible(), r.revoke.Visible())
	}
	if r := row(1); r.revoke.Visible() {
		t.Error("a wiped laptop offers Revoke")
	}
	if r := row(2); !r.stale.Visible() || r.stale.Text != badgeStale {
		t.Error("a laptop not seen for 20 days is not flagged")
	}
	if r := row(3); r.order.Text != "Ordered by itadmin yesterday 08:30: leaver" || !r.order.Visible() {
		t.Errorf("who ordered the wipe: %q", r.order.Text)
	}
}

func TestDevicesFiltersAndOrderGoToTheDirectory(t *testing.T) {
	f := itFake14()
	h := newHarness(t, f)
	s := h.app.home.devices
	h.typeIn(s.user, "lea")
	s.state.SetSelected("Wipe ordered")
	s.notSeen.SetSelected("Not seen for 7 days")
	s.order.SetSelected("Least recently seen first")
	h.settle()
	if !f.called("DevicesFiltered user=lea name= state=wipe_ordered days=7 oldest=true") {
		t.Fatalf("calls %v", f.calls)
	}
	h.contains("1 device matches the filters.")
}

func TestDevicesOfflineSayTheyNeedAConnection(t *testing.T) {
	f := itFake14()
	f.errs["DevicesFiltered"] = &signpost.Error{Kind: signpost.KindUnavailable, Message: "cannot reach the directory"}
	h := newHarness(t, f)
	h.contains("The list of devices needs a connection to the directory, which cannot be reached; try again when you are online.")
}

func TestRevokeAsksWhyAndEnterDoesNotRevoke(t *testing.T) {
	f := itFake14()
	h := newHarness(t, f)
	s := h.app.home.devices
	r := s.newRow().(*deviceRow)
	s.updateRow(0, r)
	h.tap(r.revoke)
	d := s.dlg
	if d.confirm.Importance != widget.DangerImportance {
		t.Errorf("the revoke button is %v, want danger", d.confirm.Importance)
	}
	h.contains("Signpost locks on it at its next contact")
	h.tap(d.confirm)
	if f.called("RevokeDevice") || d.msg.Text == "" {
		t.Fatal("revoked without a reason")
	}
	reason := d.content.Objects[1].(*widget.Form).Items[0].Widget.(*entry)
	h.typeIn(reason, "not returned by a leaver")
	reason.TypedKey(&fyneKeyReturn)
	h.settle()
	if f.called("RevokeDevice") {
		t.Fatal("Enter revoked the laptop: the destructive button must not be the default")
	}
	h.tap(d.confirm)
	if !f.called("RevokeDevice d1 reason=not returned by a leaver") {
		t.Fatalf("calls %v", f.calls)
	}
	s.updateRow(0, r)
	if r.state.Text != "Revoked" || r.revoke.Visible() {
		t.Errorf("after revoking: %q revoke %v", r.state.Text, r.revoke.Visible())
	}
}

func TestTheDevicesTabFitsA1024By600Window(t *testing.T) {
	h := newHarness(t, itFake14())
	if w := h.app.home.tabs.MinSize().Width; w > 1024 {
		t.Errorf("the Devices tab needs %v wide, more than 1024", w)
	}
	h2 := newHarness(t, accountsManagerFake())
	if w := h2.app.home.tabs.MinSize().Width; w > 1024 {
		t.Errorf("the manager's tabs need %v wide, more than 1024", w)
	}
}
