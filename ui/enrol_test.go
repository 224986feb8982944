package ui

import (
	"strings"
	"testing"

	"signpost"
)

func TestEnrolValidatesEachFieldBeforeSigningIn(t *testing.T) {
	h := newHarness(t, newFake(StageEnrol))
	s := h.app.enrol
	fill := func() {
		h.typeIn(s.server, "https://signpost.example.org")
		h.typeIn(s.username, "nurse")
		h.typeIn(s.password, "demo-password-1")
		h.typeIn(s.otp, "123456")
		h.typeIn(s.device, "Nadia's laptop")
		h.typeIn(s.passphrase, "a long enough passphrase")
		h.typeIn(s.confirm, "a long enough passphrase")
	}
	cases := []struct {
		name  string
		spoil func()
		want  string
	}{
		{"no directory address", func() { s.server.SetText("") }, "Enter the directory address"},
		{"no username", func() { s.username.SetText("") }, "Enter your username"},
		{"no password", func() { s.password.SetText("") }, "Enter your directory password"},
		{"code not six digits", func() { h.typeIn(s.otp, "12ab") }, "6 digits"},
		{"passphrase too short", func() { h.typeIn(s.passphrase, "short"); h.typeIn(s.confirm, "short") }, "at least 12 characters"},
		{"confirmation differs", func() { h.typeIn(s.confirm, "another long passphrase") }, "not the same"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fill()
			c.spoil()
			h.tap(s.submit)
			if !s.msg.Visible() || !strings.Contains(s.msg.Text, c.want) {
				t.Errorf("message %q, want it to say %q", s.msg.Text, c.want)
			}
			if h.fake.called("Enrol") {
				t.Fatal("enrolled despite a bad form")
			}
		})
	}
}

func TestEnrolSubmitsWithEnterAndOpensTheCaseload(t *testing.T) {
	f := newFake(StageEnrol)
	f.cases = []Case{{ID: "SP000000018", GivenName: "Jamie", FamilyName: "Fixture", DateOfBirth: "2015-03-14"}}
	h := newHarness(t, f)
	s := h.app.enrol
	h.typeIn(s.server, "https://signpost.example.org")
	h.typeIn(s.username, "nurse")
	h.typeIn(s.password, "demo-password-1")
	h.typeIn(s.otp, "123456")
	h.typeIn(s.device, "Nadia's laptop")
	h.typeIn(s.passphrase, "a long enough passphrase")
	h.typeIn(s.confirm, "a long enough passphrase")
	s.confirm.TypedKey(&fyneKeyReturn)
	h.settle()
	if !f.called("Enrol https://signpost.example.org nurse 123456 Nadia's laptop") {
		t.Fatalf("Enter did not enrol; calls %v", f.calls)
	}
	if h.app.stage != StageReady || h.app.home == nil {
		t.Fatalf("after enrolling the app is at stage %v", h.app.stage)
	}
	h.contains("Fixture, Jamie", "Nadia Shah")
	if got := h.app.prefs.lastServer(); got != "https://signpost.example.org" {
		t.Errorf("last directory address %q not remembered", got)
	}
}

func TestEnrolShowsTheDirectorysRefusalInPlainWords(t *testing.T) {
	f := newFake(StageEnrol)
	f.errs["Enrol"] = &signpost.Error{Kind: signpost.KindUnauthorized, Message: "wrong username, password or security code", Field: "otp"}
	h := newHarness(t, f)
	s := h.app.enrol
	h.typeIn(s.server, "https://signpost.example.org")
	h.typeIn(s.username, "nurse")
	h.typeIn(s.password, "demo-password-1")
	h.typeIn(s.otp, "000000")
	h.typeIn(s.passphrase, "a long enough passphrase")
	h.typeIn(s.confirm, "a long enough passphrase")
	h.tap(s.submit)
	if s.msg.Text != "Wrong username, password or security code." {
		t.Errorf("message %q", s.msg.Text)
	}
	if h.app.stage != StageEnrol || s.submit.Disabled() {
		t.Error("the form should stay, ready to try again")
	}
}
