package localstore

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"signpost"
)

// The messages of the store's errors reach the screen: they speak of this
// laptop's Signpost data, never of a "cache", a word a nurse does not use.
func TestErrorMessagesSpeakOfThisLaptopNotACache(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		err  func(t *testing.T) error
	}{
		{"no folder", func(t *testing.T) error {
			_, err := Create(ctx, "", testPass, Options{KDF: testKDF})
			return err
		}},
		{"closed", func(t *testing.T) error {
			s, err := Create(ctx, t.TempDir(), testPass, Options{KDF: testKDF})
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			_, err = s.Caseload(ctx, "")
			return err
		}},
		{"database missing", func(t *testing.T) error {
			dir := t.TempDir()
			s, err := Create(ctx, dir, testPass, Options{KDF: testKDF})
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			if err := os.Remove(filepath.Join(dir, dbFileName)); err != nil {
				t.Fatal(err)
			}
			s, err = Open(ctx, dir, Options{KDF: testKDF})
			if err != nil {
				return err
			}
			defer s.Close()
			return s.Unlock(ctx, testPass)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.err(t)
			if err == nil {
				t.Fatal("no error")
			}
			msg := signpost.MessageOf(err)
			if strings.Contains(strings.ToLower(msg), "cache") || !strings.Contains(msg, "this laptop") {
				t.Errorf("message %q: say this laptop's Signpost data, not cache", msg)
			}
		})
	}
}
