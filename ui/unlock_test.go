package ui

import (
	"testing"

	"signpost"
)

func TestUnlockSaysHowManyAttemptsAreLeft(t *testing.T) {
	f := newFake(StageLocked)
	f.unlock = []error{&signpost.Error{Kind: signpost.KindUnauthorized, Message: "wrong passphrase, 9 attempts left"}}
	f.state.Hint = "Demo: the passphrase is “signpost demo passphrase”."
	h := newHarness(t, f)
	s := h.app.unlock
	h.contains("Signpost is locked", "Demo: the passphrase is")

	h.tap(s.submit)
	if s.msg.Text != "Type your passphrase." || f.called("Unlock") {
		t.Fatalf("empty passphrase: message %q, calls %v", s.msg.Text, f.calls)
	}
	h.typeIn(s.pass, "not the passphrase")
	h.tap(s.submit)
	if s.msg.Text != "Wrong passphrase, 9 attempts left." {
		t.Errorf("message %q", s.msg.Text)
	}
	if s.pass.Text != "" {
		t.Error("the wrong passphrase stays in the field")
	}
	h.typeIn(s.pass, "signpost demo passphrase")
	s.pass.TypedKey(&fyneKeyReturn)
	h.settle()
	if h.app.stage != StageReady {
		t.Fatalf("Enter did not unlock: stage %v", h.app.stage)
	}
}

func TestUnlockAsksForSignInAfterTooLongOffline(t *testing.T) {
	f := newFake(StageLocked)
	f.unlock = []error{&signpost.Error{Kind: signpost.KindLocked, Message: "this laptop has been offline too long; sign in to the directory to open it"}}
	h := newHarness(t, f)
	s := h.app.unlock
	if s.signIn.Visible() {
		t.Fatal("sign-in fields shown before they are needed")
	}
	h.typeIn(s.pass, "signpost demo passphrase")
	h.tap(s.submit)
	if !s.signIn.Visible() {
		t.Fatal("no sign-in fields after the cache refused for being offline too long")
	}
	h.typeIn(s.username, "nurse")
	h.typeIn(s.password, "demo-password-1")
	h.typeIn(s.otp, "12345")
	h.tap(s.submit)
	if s.msg.Text == "" || f.called("SignIn") {
		t.Fatalf("a 5-digit code was sent: %q %v", s.msg.Text, f.calls)
	}
	h.typeIn(s.otp, "123456")
	h.typeIn(s.pass, "signpost demo passphrase")
	h.tap(s.submit)
	if !f.called("SignIn https://signpost.example.org nurse 123456") {
		t.Fatalf("no sign-in: %v", f.calls)
	}
	if h.app.stage != StageReady {
		t.Fatalf("stage %v after signing in and unlocking", h.app.stage)
	}
}

func TestAnUnlockThatWipesShowsTheWipedScreen(t *testing.T) {
	f := newFake(StageLocked)
	f.unlock = []error{&signpost.Error{Kind: signpost.KindWiped, Message: "too many wrong passphrases: the records on this laptop were wiped"}}
	h := newHarness(t, f)
	h.typeIn(h.app.unlock.pass, "wrong again")
	f.mu.Lock()
	f.state.Wiped = &Wiped{Message: "The Signpost records on this laptop were wiped after too many wrong passphrases.", Lost: 2}
	f.mu.Unlock()
	h.app.unlock.onSubmit()
	f.setStage(StageWiped)
	h.settle()
	if h.app.stage != StageWiped {
		t.Fatalf("stage %v", h.app.stage)
	}
	h.contains("This device was wiped", "too many wrong passphrases", "2 changes had not reached the directory")
}
