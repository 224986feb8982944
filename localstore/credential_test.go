package localstore

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"signpost"
)

func TestTheDeviceCredentialIsReadLockedAndGoesWithTheWipe(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	_, err := f.s.Credential()
	wantKind(t, err, signpost.KindNotFound)
	must(t, f.s.SetCredential(Credential{Server: "https://signpost.example.org", Secret: "sdc.first"}))
	must(t, f.s.SetCredential(Credential{Server: "https://signpost.example.org", Secret: "sdc.second"}))
	must(t, f.s.Close())

	s, err := Open(ctx, f.dir, f.opts) // locked: no passphrase
	must(t, err)
	c, err := s.Credential()
	must(t, err)
	if c.Secret != "sdc.second" || c.DeviceID != s.DeviceID() || c.Server != "https://signpost.example.org" {
		t.Fatalf("credential read locked: %+v (device %s)", c, s.DeviceID())
	}
	if fi, err := os.Stat(filepath.Join(f.dir, credFileName)); err != nil || fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("credential file: %v %v, want readable by its owner only", fi.Mode(), err)
	}
	if _, err := s.Wipe(ctx); err != nil {
		t.Fatal(err)
	}
	wantNoFiles(t, f.dir)
	if _, err := os.Stat(filepath.Join(f.dir, credFileName)); !os.IsNotExist(err) {
		t.Errorf("the credential survived the wipe: %v", err)
	}
}
