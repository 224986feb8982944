package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"signpost"
)

func TestARefusedChangeShowsInTheStatusBarTabAndRecordUntilSentOrDiscarded(t *testing.T) {
	f := readyFake()
	f.records["SP000000018"].Pending = []Change{{ID: "m1", Kind: signpost.MutSetCAF, ChildID: "SP000000018", Description: "Record a CAF for Jamie Fixture",
		State: ChangeRejected, Reason: "you have no current involvement with this child"}}
	h := newHarness(t, f)
	f.emit(Status{Online: true, Refused: 1})
	h.settle()
	bar := h.app.home.status
	if !bar.refused.Visible() || bar.refused.Text != "1 change refused by the directory: see Changes" || bar.refused.Importance != widget.DangerImportance {
		t.Errorf("status bar refused: %q visible %v", bar.refused.Text, bar.refused.Visible())
	}
	h.lacks("Nothing waiting to sync")
	if got := h.app.home.items[tabOutbox].Text; got != "Changes (1, 1 refused)" {
		t.Errorf("tab %q", got)
	}
	c := openCase(t, h, "SP000000018")
	h.contains("<"+badgeRefused+">", "refused by the directory: you have no current involvement with this child")
	for _, o := range c.badges.Objects {
		if b, ok := o.(*badge); ok && b.Text == badgePending {
			t.Error("the record marks a refused change as waiting to sync")
		}
	}
	// Tapping the status bar's warning goes to the Changes tab.
	h.tap(bar.refused)
	if !h.app.home.selected(tabOutbox) {
		t.Error("the refused warning did not open the Changes tab")
	}
	// Sent again or discarded: the warning goes.
	f.emit(Status{Online: true})
	h.settle()
	if bar.refused.Visible() || h.app.home.items[tabOutbox].Text != "Changes" {
		t.Errorf("after discarding: refused %v tab %q", bar.refused.Visible(), h.app.home.items[tabOutbox].Text)
	}
	h.contains("Nothing waiting to sync")
}

func TestARecordOpenedOfflineIsNotCountedAsAChange(t *testing.T) {
	f := readyFake()
	f.outbox = []Change{{ID: "v1", Kind: signpost.MutView, ChildID: "SP000000018", Description: "Viewed the record of Jamie Fixture", State: ChangePending}}
	h := newHarness(t, f)
	f.emit(Status{Views: 1})
	h.settle()
	h.lacks("1 change waiting to sync")
	h.contains("No changes waiting to sync", "1 record opened offline, to be logged")
	if got := h.app.home.items[tabOutbox].Text; got != "Changes" {
		t.Errorf("tab %q counts a view", got)
	}
	h.app.home.selectTab(tabOutbox)
	h.settle()
	h.contains("1 record opened offline, to be logged.")
	row := h.app.home.outbox.newRow().(*changeRow)
	h.app.home.outbox.updateRow(0, row)
	if !strings.Contains(row.state.Text, "while offline · to be logged in the audit") {
		t.Errorf("view row %q", row.state.Text)
	}
	f.emit(Status{Pending: 2, Views: 1})
	h.settle()
	h.contains("2 changes waiting to sync", "1 record opened offline, to be logged")
	if got := h.app.home.items[tabOutbox].Text; got != "Changes (2)" {
		t.Errorf("tab %q", got)
	}
}

func TestTheWipedScreenSaysWhichChangesWereLost(t *testing.T) {
	f := newFake(StageWiped)
	f.state.Wiped = &Wiped{Message: "This device was wiped by your IT service.", Lost: 2, Kinds: "1 involvement started, 1 CAF flag"}
	h := newHarness(t, f)
	h.contains("2 changes lost: 1 involvement started, 1 CAF flag. These 2 changes had not reached the directory")
}

func TestTheLastUnlockAttemptWarnsThatTheLaptopWillBeErased(t *testing.T) {
	f := newFake(StageLocked)
	f.state.AttemptsLeft, f.state.Unsent = 2, 3
	f.unlock = []error{&signpost.Error{Kind: signpost.KindUnauthorized, Message: "wrong passphrase, 1 attempt left"}}
	h := newHarness(t, f)
	s := h.app.unlock
	if s.last.Visible() {
		t.Fatal("the last-attempt warning shows with two attempts left")
	}
	f.mu.Lock()
	f.state.AttemptsLeft = 1
	f.mu.Unlock()
	h.typeIn(s.pass, "not the passphrase")
	h.tap(s.submit)
	if !s.last.Visible() || !strings.Contains(s.last.Text, "one more wrong passphrase erases this laptop's Signpost data, with the 3 changes not yet sent") {
		t.Errorf("warning %q visible %v", s.last.Text, s.last.Visible())
	}
}

func TestPassphraseWarnsOfCapsLockFromTypedLetters(t *testing.T) {
	h := newHarness(t, newFake(StageLocked))
	e := h.app.unlock.pass
	shift := &fyne.KeyEvent{Name: desktop.KeyShiftLeft}
	cases := []struct {
		name  string
		typed func()
		caps  bool
	}{
		{"capitals without Shift", func() { e.TypedRune('S'); e.TypedRune('P') }, true},
		{"small letters", func() { e.TypedRune('s') }, false},
		{"a capital with Shift", func() { e.KeyDown(shift); e.TypedRune('S'); e.KeyUp(shift) }, false},
		{"a small letter with Shift", func() { e.KeyDown(shift); e.TypedRune('s'); e.KeyUp(shift) }, true},
		{"a digit leaves it as it was", func() { e.TypedRune('1') }, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.typed()
			if e.Caps.Visible() != tc.caps {
				t.Errorf("Caps Lock warning shown %v, want %v", e.Caps.Visible(), tc.caps)
			}
		})
	}
	h.contains(capsWarning)
}

func TestEndingAnInvolvementTakesADateWarnsTheLeadAndConfirms(t *testing.T) {
	f := readyFake()
	j := jamie()
	for i := range j.Involvements {
		if j.Involvements[i].Mine {
			j.Involvements[i].LeadProfessional = true
		}
	}
	f.records["SP000000018"].Child = j
	h := newHarness(t, f)
	c := openCase(t, h, "SP000000018")
	h.tap(c.end)
	h.contains("will have no lead professional")
	date := formEntry(t, c.dlg, 0)
	if date.Text != "2026-11-23" {
		t.Errorf("end date %q, want today", date.Text)
	}
	for _, tc := range []struct{ on, msg string }{
		{"2026-11-24", "The end date cannot be in the future."},
		{"2001-01-01", "The end date cannot be before the involvement started"},
		{"31/02/2026", "The end date must be a real date, such as 14/03/2015 or 14 Mar 2015."},
	} {
		date.SetText(tc.on)
		h.tap(c.dlg.confirm)
		if !strings.HasPrefix(c.dlg.msg.Text, tc.msg) || f.called("EndInvolvement") {
			t.Errorf("%s: message %q", tc.on, c.dlg.msg.Text)
		}
	}
	date.SetText("20 Nov 2026") // as people type dates
	h.tap(c.dlg.confirm)
	if !f.called("EndInvolvement SP000000018 2026-11-20") {
		t.Fatalf("calls %v", f.calls)
	}
	h.contains("Involvement ended", "ends on 20 November 2026")
}

func TestStartingAnInvolvementTakesAStartDate(t *testing.T) {
	f := readyFake()
	f.records["SP000000042"] = &Record{Child: &signpost.Child{SignpostID: "SP000000042", GivenName: "Sam", FamilyName: "Smith", DateOfBirth: "2016-01-01"}}
	h := newHarness(t, f)
	c := h.app.home.caseload.child
	c.open("SP000000042", "Health assessment")
	h.settle()
	h.tap(c.start)
	since := formEntry(t, c.dlg, 1)
	since.SetText("2015-12-31")
	h.tap(c.dlg.confirm)
	if !strings.HasPrefix(c.dlg.msg.Text, "The start date cannot be before the child was born") {
		t.Errorf("message %q", c.dlg.msg.Text)
	}
	since.SetText("2026-09-01")
	h.tap(c.dlg.confirm)
	if !f.called("StartInvolvement SP000000042 School nurse 2026-09-01") {
		t.Fatalf("calls %v", f.calls)
	}
}
