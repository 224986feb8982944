package ui

import (
	"errors"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"signpost"
)

func TestLockingLeavesNoChildOnScreen(t *testing.T) {
	f := readyFake()
	h := newHarness(t, f)
	openCase(t, h, "SP000000018")
	h.contains("Jamie Fixture", "0161 496 0202")
	h.app.Window().Canvas().(fyne.Shortcutable).TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyL, Modifier: fyne.KeyModifierShortcutDefault})
	h.settle()
	if !f.called("Lock") || h.app.stage != StageLocked || h.app.home != nil {
		t.Fatalf("Ctrl+L did not lock: stage %v calls %v", h.app.stage, f.calls)
	}
	h.contains("Signpost is locked")
	h.lacks("Jamie", "Fixture", "0161 496 0202", "Riley")
}

func TestAutoLockAfterThePolicysIdleMinutes(t *testing.T) {
	f := readyFake()
	f.state.Policy.IdleLockMinutes = 10
	h := newHarness(t, f)
	h.now = h.now.Add(9 * time.Minute)
	h.app.checkIdle()
	h.settle()
	if h.app.stage != StageReady {
		t.Fatal("locked before the idle limit")
	}
	h.typeIn(h.app.home.caseload.filter, "j") // activity
	h.settle()
	h.now = h.now.Add(9 * time.Minute)
	h.app.checkIdle()
	if h.app.stage != StageReady {
		t.Fatal("typing did not postpone the lock")
	}
	h.now = h.now.Add(2 * time.Minute)
	h.app.checkIdle()
	h.settle()
	if h.app.stage != StageLocked || !f.called("Lock") {
		t.Fatal("not locked after 10 minutes idle")
	}
}

func TestSyncStatusIsAlwaysVisible(t *testing.T) {
	f := readyFake()
	h := newHarness(t, f)
	bar := h.app.home.status
	h.contains("Offline: working from this laptop", "Not synced yet", "Nothing waiting to sync")

	f.emit(Status{Online: true, Syncing: true, Step: "Sending changes", Done: 2, Total: 5, Pending: 5})
	h.settle()
	if !bar.progress.Visible() || bar.progress.Value != 2 || bar.progress.Max != 5 || bar.step.Text != "Sending changes: 2 of 5" {
		t.Errorf("while pushing: progress %v %v/%v step %q", bar.progress.Visible(), bar.progress.Value, bar.progress.Max, bar.step.Text)
	}
	if !bar.syncNow.Disabled() {
		t.Error("Sync now enabled during a sync")
	}
	f.emit(Status{Online: true, Syncing: true, Step: "Receiving records", Done: 120})
	h.settle()
	if !bar.spinner.Visible() || bar.progress.Visible() {
		t.Error("pulling has no known total: the bar should be indefinite")
	}
	f.emit(Status{Online: true, LastSynced: h.now.Add(-time.Minute), Pending: 0})
	h.settle()
	h.contains("Online", "Last synced today 09:59", "Nothing waiting to sync")
	if bar.progress.Visible() || bar.spinner.Visible() {
		t.Error("progress shown after the sync")
	}
	h.tap(bar.syncNow)
	if !f.called("SyncNow") {
		t.Error("Sync now did nothing")
	}
	f.emit(Status{Online: true, SignInNeeded: true, Message: "The directory asks you to sign in again; your changes waiting to sync are kept."})
	h.settle()
	if !bar.signIn.Visible() {
		t.Fatal("no Sign in again button")
	}
	h.tap(bar.signIn)
	formEntry(t, bar.signInDlg, 0).SetText("demo-password-1")
	formEntry(t, bar.signInDlg, 1).SetText("654321")
	h.tap(bar.signInDlg.confirm)
	if !f.called("SignIn   654321") {
		t.Errorf("calls %v", f.calls)
	}
}

func TestAWipeFromTheDirectoryShowsTheWipedScreen(t *testing.T) {
	f := readyFake()
	h := newHarness(t, f)
	openCase(t, h, "SP000000018")
	f.mu.Lock()
	f.state.Stage = StageWiped
	f.state.Wiped = &Wiped{Message: "This device was wiped by your IT service.", Lost: 0, At: h.now}
	f.mu.Unlock()
	f.emit(Status{Wiped: true})
	h.settle()
	if h.app.stage != StageWiped {
		t.Fatalf("stage %v", h.app.stage)
	}
	h.contains("This device was wiped by your IT service.", "No changes were lost")
	h.lacks("Jamie")
	h.tap(h.app.wiped.again)
	if h.app.stage != StageEnrol || h.app.enrol == nil {
		t.Error("Set up again does not lead to enrolment")
	}
}

func TestErrorsAreExplainedNeverRaw(t *testing.T) {
	cases := []struct {
		err        error
		title, msg string
	}{
		{signpost.Internal("reading your caseload", errSQL), "Something went wrong", "Something went wrong while reading your caseload. If it happens again, tell your IT service the time it happened."},
		{errors.New("dial tcp 10.0.0.1:443: connect: connection refused"), "Something went wrong", "Something went wrong; the details are in the log. If it happens again, tell your IT service the time it happened."},
		{&signpost.Error{Kind: signpost.KindUnavailable, Message: "the directory cannot be reached"}, "You are offline", "The directory cannot be reached. Your work is kept on this laptop and will be sent when the directory can be reached."},
		{&signpost.Error{Kind: signpost.KindForbidden, Message: "only management teams and child-protection practitioners may use break-glass"}, "Not allowed", "Only management teams and child-protection practitioners may use break-glass."},
		{&signpost.Error{Kind: signpost.KindRateLimited, Message: "too many searches; wait a minute"}, "Please wait a moment", "Too many searches; wait a minute."},
	}
	for _, c := range cases {
		title, msg := explain(c.err)
		if title != c.title || msg != c.msg {
			t.Errorf("%v:\n got %q %q\nwant %q %q", c.err, title, msg, c.title, c.msg)
		}
	}
}

func TestLockingClosesOpenDialogs(t *testing.T) {
	f := readyFake()
	h := newHarness(t, f)
	h.tap(h.app.home.caseload.met)
	d := h.app.home.caseload.metDlg
	d.given.SetText("Ada")
	d.family.SetText("Lovelace-Field")
	h.contains("Lovelace-Field")
	h.app.lockNow()
	h.settle()
	if h.app.Window().Canvas().Overlays().Top() != nil {
		t.Error("a dialog is still open above the unlock screen")
	}
	h.lacks("Lovelace-Field", "A child who is not on this laptop")
}

func TestStatusSaysConnectingUntilTheDirectoryAnswers(t *testing.T) {
	f := readyFake()
	h := newHarness(t, f)
	f.emit(Status{Checking: true, Syncing: true, Step: "Receiving records"})
	h.settle()
	h.contains("Connecting…")
	h.lacks("Offline: working from this laptop")
	f.emit(Status{Online: false, Message: "The directory cannot be reached; retrying. Your work is saved."})
	h.settle()
	h.contains("Offline: working from this laptop", "The directory cannot be reached; retrying. Your work is saved.")
}

func TestALockedAppReportedLostShowsTheWipedScreen(t *testing.T) {
	f := newFake(StageLocked)
	h := newHarness(t, f)
	if h.app.stage != StageLocked || h.app.unlock == nil {
		t.Fatalf("stage %v, want the unlock screen", h.app.stage)
	}
	// Nobody unlocks; the device's watch hears the laptop was reported lost.
	f.mu.Lock()
	f.state.Stage = StageWiped
	f.state.Wiped = &Wiped{Message: "This laptop was reported lost and has been wiped by your IT service.", Lost: 3, At: h.now}
	f.mu.Unlock()
	f.emit(Status{Wiped: true, Message: "This laptop was reported lost and has been wiped by your IT service."})
	h.settle()
	if h.app.stage != StageWiped {
		t.Fatalf("stage %v, want wiped", h.app.stage)
	}
	h.contains("reported lost", "3 changes had not reached the directory")
}
