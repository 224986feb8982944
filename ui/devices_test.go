package ui

import (
	"testing"
	"time"

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
	name.SetText("SEAN-LAPTOP")
	h.tap(s.dlg.confirm)
	if s.dlg.msg.Text != "Type the laptop's name, NADIA-LAPTOP, to confirm." || f.called("OrderWipe") {
		t.Fatalf("wrong name: %q %v", s.dlg.msg.Text, f.calls)
	}
	name.SetText("nadia-laptop")
	h.tap(s.dlg.confirm)
	if !f.called("OrderWipe d1") {
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
