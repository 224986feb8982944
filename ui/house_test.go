package ui

import (
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"signpost"
)

// Issue 13: every button and entry a person can reach is one of the app's
// own (a focus ring, Escape to the dialog), on every screen and dialog.

// plainWidgets lists the Fyne buttons and entries under o, the app's own
// widgets (which embed them) excepted, hidden ones included: a hidden button
// shows later.
func plainWidgets(o fyne.CanvasObject, where string, found *[]string) {
	if o == nil {
		return
	}
	switch w := o.(type) {
	case *widget.Button:
		*found = append(*found, fmt.Sprintf("%s: button %q", where, w.Text))
		return
	case *widget.Entry:
		*found = append(*found, fmt.Sprintf("%s: entry %q (placeholder %q)", where, w.Text, w.PlaceHolder))
		return
	case *fyne.Container:
		for _, c := range w.Objects {
			plainWidgets(c, where, found)
		}
		return
	case *widget.Form:
		// Its own Submit and Cancel stay hidden: the app's forms have none.
		for _, it := range w.Items {
			plainWidgets(it.Widget, where, found)
		}
		return
	case *container.AppTabs:
		// Its bar holds Fyne's own "more tabs" button, shown only when the
		// tabs overflow; the tabs' contents are the app's.
		for _, it := range w.Items {
			plainWidgets(it.Content, where, found)
		}
		return
	case *passphraseEntry:
		plainWidgets(w.ActionItem, where, found)
		plainWidgets(w.Caps, where, found)
	}
	if w, ok := o.(fyne.Widget); ok {
		for _, c := range test.WidgetRenderer(w).Objects() {
			plainWidgets(c, where, found)
		}
	}
}

// windowPlain lists the plain widgets in the window and its dialogs.
func windowPlain(h *harness, where string) []string {
	var found []string
	c := h.app.Window().Canvas()
	plainWidgets(c.Content(), where, &found)
	for _, o := range c.Overlays().List() {
		plainWidgets(o, where+" (dialog)", &found)
	}
	return found
}

// closeDialogs takes every dialog off the window.
func closeDialogs(h *harness) {
	ov := h.app.Window().Canvas().Overlays()
	for ov.Top() != nil {
		ov.Remove(ov.Top())
	}
}

func TestEveryScreenAndDialogUsesTheAppsButtonsAndEntries(t *testing.T) {
	var found []string
	check := func(h *harness, where string, open func()) {
		t.Helper()
		if open != nil {
			open()
			h.settle()
		}
		found = append(found, windowPlain(h, where)...)
		closeDialogs(h)
	}
	dialog := func(h *harness, where string, open func()) {
		t.Helper()
		check(h, where, func() {
			open()
			h.settle()
			if h.app.Window().Canvas().Overlays().Top() == nil {
				t.Errorf("%s: no dialog opened", where)
			}
		})
	}

	check(newHarness(t, newFake(StageEnrol)), "enrolment", nil)
	check(newHarness(t, newFake(StageLocked)), "unlock", nil)
	wf := newFake(StageWiped)
	wf.state.Wiped = &Wiped{Message: "This device was wiped by your IT service.", Lost: 1, Kinds: "1 CAF flag"}
	check(newHarness(t, wf), "wiped", nil)

	// A practitioner: every tab, a record, its dialogs, the rows of lists.
	f := readyFake()
	f.outbox = []Change{
		{ID: "m1", Kind: signpost.MutSetCAF, ChildID: "SP000000018", Description: "Record a CAF for Jamie Fixture", State: ChangePending},
		{ID: "m2", Kind: signpost.MutSetCAF, ChildID: "SP000000018", Description: "Record a CAF", State: ChangeRejected, Reason: "no"},
	}
	h := newHarness(t, f)
	home := h.app.home
	for _, tab := range []string{tabCaseload, tabSearch, tabOutbox, tabSettings} {
		check(h, "tab "+tab, func() { home.selectTab(tab) })
	}
	row := newCaseRow()
	home.caseload.updateRow(0, row)
	plainWidgets(row, "caseload row", &found)
	row = home.outbox.newRow()
	home.outbox.updateRow(1, row)
	plainWidgets(row, "changes row", &found)
	plainWidgets(newMatchRow(), "match row", &found)
	home.selectTab(tabCaseload)
	c := openCase(t, h, "SP000000018")
	check(h, "Jamie's record", nil)
	dialog(h, "end involvement", c.onEnd)
	dialog(h, "met a child", home.caseload.onMetChild)
	dialog(h, "cancel a change", func() { home.outbox.onCancel("m1", "Record a CAF") })
	dialog(h, "sign in again", home.status.onSignIn)
	dialog(h, "information", func() { h.app.showInfo("Saved", "It is saved.") })
	dialog(h, "reason", func() { h.app.askReason("", func(string) {}) })
	c = openSam(newHarnessOn(t, samFake(), &h))
	dialog(h, "start involvement", c.onStart)
	c = openCase(t, h, "SP000000026")
	check(h, "Riley's record", nil)

	// The management team: shield, unshield, break glass.
	_, h, c = asLeedsManagement(t)
	dialog(h, "shield", c.onShield)
	dialog(h, "break glass", func() {
		c.open("SP000000026", "Review")
		h.settle()
		c.onBreakGlass()
	})

	// IT staff: devices and their dialogs.
	h = newHarness(t, itFake())
	check(h, "devices", nil)
	row = h.app.home.devices.newRow()
	h.app.home.devices.updateRow(0, row)
	plainWidgets(row, "device row", &found)
	dialog(h, "wipe", func() { h.app.home.devices.onWipe(itFake().devices[0]) })

	if len(found) > 0 {
		t.Errorf("plain Fyne widgets (no focus ring, Escape lost):\n%s", strings.Join(found, "\n"))
	}
}

// newHarnessOn starts a harness for f and stores it in *h.
func newHarnessOn(t *testing.T, f *fake, h **harness) *harness {
	t.Helper()
	*h = newHarness(t, f)
	return *h
}

// Escape in a field of a dialog closes it, whichever field: a one-line
// entry, a passphrase, a reason.
func TestEscapeInADialogsFieldClosesIt(t *testing.T) {
	cases := []struct {
		name  string
		open  func(h *harness) *formDialog
		field func(d *formDialog) fyne.Focusable
	}{
		{"password of the sign-in", func(h *harness) *formDialog { h.app.home.status.onSignIn(); return h.app.home.status.signInDlg },
			func(d *formDialog) fyne.Focusable {
				return d.content.Objects[1].(*widget.Form).Items[0].Widget.(fyne.Focusable)
			}},
		{"one-time code of the sign-in", func(h *harness) *formDialog { h.app.home.status.onSignIn(); return h.app.home.status.signInDlg },
			func(d *formDialog) fyne.Focusable {
				return d.content.Objects[1].(*widget.Form).Items[2].Widget.(fyne.Focusable)
			}},
		{"reason for opening", func(h *harness) *formDialog { return h.app.askReason("", func(string) {}) },
			func(d *formDialog) fyne.Focusable {
				return d.content.Objects[0].(*widget.Form).Items[0].Widget.(fyne.Focusable)
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, readyFake())
			d := tc.open(h)
			h.settle()
			canvas := h.app.Window().Canvas()
			if !d.open || canvas.Overlays().Top() == nil {
				t.Fatal("the dialog did not open")
			}
			fld := tc.field(d)
			canvas.Focus(fld)
			if canvas.Focused() != fld {
				t.Fatalf("%T cannot take the focus", fld)
			}
			h.press(fyne.KeyEscape)
			if d.open || canvas.Overlays().Top() != nil {
				t.Errorf("Escape in the %T left the dialog open", fld)
			}
		})
	}
}

// Every passphrase field warns of Caps Lock, not only the unlock screen's:
// choosing one at enrolment, and changing it in Settings.
func TestEveryPassphraseFieldWarnsOfCapsLock(t *testing.T) {
	enrol := func(t *testing.T) (*harness, []*passphraseEntry) {
		h := newHarness(t, newFake(StageEnrol))
		s := h.app.enrol
		return h, []*passphraseEntry{s.password, s.passphrase, s.confirm}
	}
	settings := func(t *testing.T) (*harness, []*passphraseEntry) {
		h := newHarness(t, readyFake())
		h.app.home.selectTab(tabSettings)
		s := h.app.home.settings
		return h, []*passphraseEntry{s.oldPass, s.newPass, s.confirm}
	}
	for _, screen := range []struct {
		name   string
		fields func(*testing.T) (*harness, []*passphraseEntry)
	}{{"enrolment", enrol}, {"settings", settings}} {
		t.Run(screen.name, func(t *testing.T) {
			h, fields := screen.fields(t)
			for i, e := range fields {
				h.lacks(capsWarning)
				e.TypedRune('S')
				e.TypedRune('P')
				if !e.Caps.Visible() {
					t.Errorf("field %d: capitals typed without Shift show no Caps Lock warning", i)
				}
				h.contains(capsWarning)
				e.TypedRune('s')
				if e.Caps.Visible() {
					t.Errorf("field %d: the warning stays after a small letter", i)
				}
			}
		})
	}
}

// A child whose change the directory refused says so on the caseload row, in
// the error colour, beside "waiting to sync" when another change waits too.
func TestACaseloadRowMarksARefusedChange(t *testing.T) {
	f := readyFake()
	f.cases[0].Refused = true // Jamie: a change waits, another was refused
	f.cases[2].Refused = true // Sam: refused only
	h := newHarness(t, f)
	s := h.app.home.caseload
	want := map[string][2]bool{ // pending, refused
		"SP000000018": {true, true},
		"SP000000026": {false, false},
		"SP000000034": {false, true},
	}
	for i, c := range s.cases {
		row := newCaseRow().(*caseRow)
		s.updateRow(i, row)
		got := [2]bool{row.badges[badgePending].Visible(), row.badges[badgeRowRefused].Visible()}
		if got != want[c.ID] {
			t.Errorf("%s: waiting to sync, refused shown %v, want %v", c.ID, got, want[c.ID])
		}
		if b := row.badges[badgeRowRefused]; b.color != theme.ColorNameError {
			t.Errorf("the refused badge is in %s, not the error colour", b.color)
		}
	}
	h.contains("<" + badgeRowRefused + ">")
}
