package ui

import (
	"fmt"
	"strings"
	"testing"

	"signpost"
)

func TestChangePassphraseChecksLengthAndConfirmation(t *testing.T) {
	f := readyFake()
	h := newHarness(t, f)
	h.app.home.selectTab(tabSettings)
	s := h.app.home.settings
	h.typeIn(s.oldPass, "signpost demo passphrase")
	h.typeIn(s.newPass, "too short")
	h.typeIn(s.confirm, "too short")
	h.tap(s.passBtn)
	if s.passMsg.Text != "The passphrase needs at least 12 characters." {
		t.Errorf("short: %q", s.passMsg.Text)
	}
	h.typeIn(s.newPass, "a new long passphrase")
	h.typeIn(s.confirm, "a new long passphrase!")
	h.tap(s.passBtn)
	if s.passMsg.Text != "The two passphrases are not the same." {
		t.Errorf("mismatch: %q", s.passMsg.Text)
	}
	h.typeIn(s.confirm, "a new long passphrase")
	s.confirm.TypedKey(&fyneKeyReturn)
	h.settle()
	if !f.called("ChangePassphrase signpost demo passphrase a new long passphrase") {
		t.Fatalf("calls %v", f.calls)
	}
	if !strings.HasPrefix(s.passMsg.Text, "Your passphrase is changed") || s.oldPass.Text != "" || s.newPass.Text != "" {
		t.Errorf("after: %q", s.passMsg.Text)
	}
	f.errs["ChangePassphrase"] = &signpost.Error{Kind: signpost.KindUnauthorized, Message: "wrong passphrase, 8 attempts left"}
	h.typeIn(s.oldPass, "wrong one")
	h.typeIn(s.newPass, "a new long passphrase")
	h.typeIn(s.confirm, "a new long passphrase")
	h.tap(s.passBtn)
	if s.passMsg.Text != "Wrong passphrase, 8 attempts left." {
		t.Errorf("wrong old passphrase: %q", s.passMsg.Text)
	}
}

func TestAutoLockChoiceIsCappedByThePolicy(t *testing.T) {
	f := readyFake()
	f.state.Policy.IdleLockMinutes = 5
	h := newHarness(t, f)
	s := h.app.home.settings
	if got := fmt.Sprint(s.idle.Options); got != "[1 minute 2 minutes 5 minutes]" {
		t.Errorf("options %s", got)
	}
	if s.idle.Selected != "5 minutes" {
		t.Errorf("default %q", s.idle.Selected)
	}
	s.idle.SetSelected("2 minutes")
	if got := h.app.prefs.idleLockMinutes(5); got != 2 {
		t.Errorf("chosen %d", got)
	}
	if got := h.app.prefs.idleLockMinutes(1); got != 1 {
		t.Errorf("a stricter policy later must win: %d", got)
	}
}

// TestNoSecretReachesThePreferences: the preferences receive the directory's
// address and the auto-lock choice, and none of the secrets typed around them.
func TestNoSecretReachesThePreferences(t *testing.T) {
	f := newFake(StageEnrol)
	h := newHarness(t, f)
	s := h.app.enrol
	h.typeIn(s.server, "https://signpost.example.org")
	h.typeIn(s.username, "nurse")
	h.typeIn(s.password, "demo-password-1")
	h.typeIn(s.otp, "123456")
	h.typeIn(s.passphrase, "signpost demo passphrase")
	h.typeIn(s.confirm, "signpost demo passphrase")
	h.tap(s.submit)
	h.app.home.selectTab(tabSettings)
	st := h.app.home.settings
	h.typeIn(st.oldPass, "signpost demo passphrase")
	h.typeIn(st.newPass, "another demo passphrase")
	h.typeIn(st.confirm, "another demo passphrase")
	h.tap(st.passBtn)
	st.idle.SetSelected(st.idle.Options[0]) // "1 minute"
	h.app.Window().Close()

	all := map[string]any{}
	h.fa.Preferences().(interface{ ReadValues(func(map[string]any)) }).ReadValues(func(m map[string]any) {
		for k, v := range m {
			all[k] = v
		}
	})
	// The test reads what was written: first, the non-secret choices were.
	for k, want := range map[string]any{prefLastServer: "https://signpost.example.org", prefIdleLockMinutes: 1} {
		if got, ok := all[k]; !ok || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("preference %q = %v (written: %v), want %v", k, got, ok, want)
		}
	}
	dump := fmt.Sprint(all)
	for _, secret := range []string{"demo-password-1", "123456", "signpost demo passphrase", "another demo passphrase", "nurse"} {
		if strings.Contains(dump, secret) {
			t.Errorf("preferences hold %q: %s", secret, dump)
		}
	}
	for k := range all {
		switch k {
		case prefIdleLockMinutes, prefLastServer, prefWindowWidth, prefWindowHeight:
		default:
			t.Errorf("unexpected preference %q", k)
		}
	}
}
