package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2/widget"

	"signpost"
)

func TestOutboxShowsRefusedChangesWithReasonAndRetryOrDiscard(t *testing.T) {
	f := readyFake()
	f.outbox = []Change{
		{ID: "m1", ChildID: "SP000000018", Description: "Record a CAF for Jamie Fixture", State: ChangePending, Created: time.Date(2026, 11, 23, 9, 15, 0, 0, time.Local)},
		{ID: "m2", ChildID: "SP000000026", Description: "Start involvement with Riley Shielded", State: ChangeRejected, Reason: "this child is shielded; contact the management team of Leeds"},
	}
	h := newHarness(t, f)
	h.app.home.selectTab(tabOutbox)
	h.settle()
	s := h.app.home.outbox
	if s.list.Length() != 2 {
		t.Fatalf("%d rows", s.list.Length())
	}
	h.contains("1 change waiting; 1 change was refused by the directory — read why")
	pending, refused := s.newRow().(*changeRow), s.newRow().(*changeRow)
	s.updateRow(0, pending)
	s.updateRow(1, refused)
	if pending.state.Text != "Saved today 09:15 · waiting to sync" || pending.retry.Visible() {
		t.Errorf("pending row: %q retry %v", pending.state.Text, pending.retry.Visible())
	}
	if refused.state.Text != "Refused by the directory: this child is shielded; contact the management team of Leeds" || !refused.retry.Visible() || !refused.discard.Visible() {
		t.Errorf("refused row: %q", refused.state.Text)
	}
	h.tap(refused.retry)
	if !f.called("Retry m2") {
		t.Error("Send again did not retry")
	}
	h.tap(refused.discard)
	if !f.called("Dismiss m2") {
		t.Error("Discard did not dismiss")
	}
}

func TestOutboxTabTitleCountsWaitingChanges(t *testing.T) {
	f := readyFake()
	h := newHarness(t, f)
	f.emit(Status{Online: true, Pending: 3})
	h.settle()
	if got := h.app.home.items[tabOutbox].Text; got != "Changes (3)" {
		t.Errorf("tab %q", got)
	}
	h.contains("3 changes waiting to sync")
}

func TestAPendingChangeCanBeCancelledBeforeItSyncs(t *testing.T) {
	f := readyFake()
	f.outbox = []Change{
		{ID: "m1", ChildID: "SP000000018", Description: "Record a CAF for Jamie Fixture", State: ChangePending, Created: time.Date(2026, 11, 23, 9, 15, 0, 0, time.Local)},
		{ID: "m2", ChildID: "SP000000018", Description: "Set lead professional for Jamie Fixture", State: ChangeInFlight},
		{ID: "m3", ChildID: "SP000000018", Description: "Opened Jamie Fixture's record", State: ChangePending, Kind: signpost.MutView},
	}
	h := newHarness(t, f)
	h.app.home.selectTab(tabOutbox)
	h.settle()
	s := h.app.home.outbox
	rows := make([]*changeRow, 3)
	for i := range rows {
		rows[i] = s.newRow().(*changeRow)
		s.updateRow(i, rows[i])
	}
	if !rows[0].cancel.Visible() || rows[1].cancel.Visible() || rows[2].cancel.Visible() {
		t.Fatalf("cancel shown: pending %v, in flight %v, offline view %v", rows[0].cancel.Visible(), rows[1].cancel.Visible(), rows[2].cancel.Visible())
	}
	h.tap(rows[0].cancel)
	d := s.cancelDlg
	if d == nil || !d.open {
		t.Fatal("no confirmation was asked")
	}
	h.contains("Record a CAF for Jamie Fixture. It has not reached the directory yet")
	if d.confirm.Importance == widget.HighImportance {
		t.Error("cancelling is the default button")
	}
	if f.called("Cancel m1") {
		t.Fatal("cancelled before confirming")
	}
	h.tap(d.confirm)
	if !f.called("Cancel m1") {
		t.Fatalf("calls %v", f.calls)
	}
}
