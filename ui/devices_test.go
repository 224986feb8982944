package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/widget"

	"signpost"
)

func itFake() *fake {
	f := newFake(StageReady)
	f.state.User = signpost.User{Username: "itadmin", DisplayName: "Ian Taylor", Role: signpost.RoleITAdmin, JobTitle: "IT service desk"}
	seen := time.Date(2026, 11, 23, 8, 30, 0, 0, time.Local)
	f.devices = []signpost.Device{
		{ID: "d1", User: "nurse", Name: "NADIA-LAPTOP", LastSeen: seen, State: signpost.DeviceActive},
		{ID: "d2", User: "social", Name: "SEAN-LAPTOP", LastSeen: seen, State: signpost.DeviceWiped,
			Receipt: &signpost.WipeReceipt{Pushed: 3, Lost: 1, WipedAt: time.Date(2026, 11, 22, 16, 5, 0, 0, time.Local)}},
	}
	return f
}

func TestITStaffSeeDevicesAndNoChildren(t *testing.T) {
	h := newHarness(t, itFake())
	home := h.app.home
	if home.caseload != nil || home.search != nil || home.devices == nil {
		t.Fatal("IT staff should see devices, not the caseload or search")
	}
	h.contains("2 devices enrolled.")
	s := home.devices
	active, wiped := s.newRow().(*deviceRow), s.newRow().(*deviceRow)
	s.updateRow(0, active)
	s.updateRow(1, wiped)
	if active.state.Text != "In use" || !active.wipe.Visible() {
		t.Errorf("active row %q", active.state.Text)
	}
	if wiped.state.Text != "Wiped yesterday 16:05: 3 changes sent before the wipe, 1 change lost" || wiped.wipe.Visible() {
		t.Errorf("wiped row %q", wiped.state.Text)
	}
}

func TestWipeNeedsTheLaptopsNameAndTheReceiptArrives(t *testing.T) {
	f := itFake()
	h := newHarness(t, f)
	s := h.app.home.devices
	row := s.newRow().(*deviceRow)
	s.updateRow(0, row)
	h.tap(row.wipe)
	name := formEntry(t, s.dlg, 0)
	s.reason.SetSelected("Stolen")
	name.SetText("SEAN-LAPTOP")
	h.tap(s.dlg.confirm)
	if s.dlg.msg.Text != "Type the laptop's name, NADIA-LAPTOP, to confirm." || f.called("OrderWipe") {
		t.Fatalf("wrong name: %q %v", s.dlg.msg.Text, f.calls)
	}
	name.SetText("nadia-laptop")
	h.tap(s.dlg.confirm)
	if !f.called("OrderWipe d1 stolen") {
		t.Fatalf("calls %v", f.calls)
	}
	h.contains("1 wipe is waiting for the laptop to connect")

	// The laptop connects, wipes and sends its receipt; the list polls.
	f.mu.Lock()
	f.devices[0].State = signpost.DeviceWiped
	f.devices[0].Receipt = &signpost.WipeReceipt{Pushed: 2, Lost: 0, WipedAt: time.Date(2026, 11, 23, 9, 58, 0, 0, time.Local)}
	f.mu.Unlock()
	s.poll()
	h.settle()
	s.updateRow(0, row)
	if row.state.Text != "Wiped today 09:58: 2 changes sent before the wipe, 0 changes lost" {
		t.Errorf("after the receipt: %q", row.state.Text)
	}
}

func TestTheWipeAsksWhyIsRedAndCanBeCancelled(t *testing.T) {
	f := itFake()
	h := newHarness(t, f)
	s := h.app.home.devices
	row := s.newRow().(*deviceRow)
	s.updateRow(0, row)
	if row.wipe.Importance != widget.DangerImportance || row.cancel.Visible() {
		t.Fatalf("an active row: wipe importance %v, cancel shown %v", row.wipe.Importance, row.cancel.Visible())
	}
	h.tap(row.wipe)
	if s.dlg.confirm.Importance != widget.DangerImportance {
		t.Errorf("the dialog's wipe button has importance %v, want danger", s.dlg.confirm.Importance)
	}
	formEntry(t, s.dlg, 0).SetText("NADIA-LAPTOP")
	h.tap(s.dlg.confirm)
	if s.dlg.msg.Text != "Say why the laptop is to be wiped: lost, stolen or a leaver's." || f.called("OrderWipe") {
		t.Fatalf("no reason: %q %v", s.dlg.msg.Text, f.calls)
	}
	s.reason.SetSelected("Leaver (the person has left)")
	h.tap(s.dlg.confirm)
	if !f.called("OrderWipe d1 leaver") {
		t.Fatalf("calls %v", f.calls)
	}
	h.settle()
	s.updateRow(0, row)
	if row.state.Text != "Wipe ordered (leaver): waiting for the last push, which needs the laptop unlocked" || row.wipe.Visible() || !row.cancel.Visible() {
		t.Errorf("a leaver's order: %q wipe %v cancel %v", row.state.Text, row.wipe.Visible(), row.cancel.Visible())
	}

	// A pending order is cancelled, for a reason; the laptop is in use again.
	h.tap(row.cancel)
	h.tap(s.dlg.confirm)
	if f.called("CancelWipe") || !strings.Contains(s.dlg.msg.Text, "Say why") {
		t.Fatalf("cancelled without a reason: calls %v, message %q", f.calls, s.dlg.msg.Text)
	}
	formEntry(t, s.dlg, 0).SetText("the laptop was found in the office")
	h.tap(s.dlg.confirm)
	if !f.called("CancelWipe d1 the laptop was found in the office") {
		t.Fatalf("calls %v", f.calls)
	}
	h.settle()
	s.updateRow(0, row)
	if row.state.Text != "In use" || !row.wipe.Visible() || row.cancel.Visible() {
		t.Errorf("after cancelling: %q", row.state.Text)
	}
}

func TestDeviceStatesSayWhatTheLaptopIsWaitingFor(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.Local)
	for _, c := range []struct {
		name string
		dev  signpost.Device
		want string
	}{
		{"lost", signpost.Device{State: signpost.DeviceWipeOrdered, WipeReason: signpost.WipeLost}, "Wipe ordered (lost): will wipe when next online, even locked"},
		{"stolen", signpost.Device{State: signpost.DeviceWipeOrdered, WipeReason: signpost.WipeStolen}, "Wipe ordered (stolen): will wipe when next online, even locked"},
		{"leaver", signpost.Device{State: signpost.DeviceWipeOrdered, WipeReason: signpost.WipeLeaver}, "Wipe ordered (leaver): waiting for the last push, which needs the laptop unlocked"},
		{"an order with no reason", signpost.Device{State: signpost.DeviceWipeOrdered}, "Wipe ordered: waiting for the last push, which needs the laptop unlocked"},
		{"wiped", signpost.Device{State: signpost.DeviceWiped, Receipt: &signpost.WipeReceipt{Lost: 4, WipedAt: now.Add(-time.Hour)}},
			"Wiped today 09:00: 0 changes sent before the wipe, 4 changes lost"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := deviceState(c.dev, now); got != c.want {
				t.Errorf("%q, want %q", got, c.want)
			}
		})
	}
}
