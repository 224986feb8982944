package demo_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"signpost"
	"signpost/directory"
	"signpost/directory/demo"
	"signpost/directory/sqlcipher"
)

func TestFixturesFindTheSeededChildren(t *testing.T) {
	ctx := context.Background()
	st, err := sqlcipher.Open(ctx, filepath.Join(t.TempDir(), "directory.db"), bytes.Repeat([]byte{3}, 32))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := demo.Fixtures(ctx, st); signpost.KindOf(err) != signpost.KindNotFound {
		t.Errorf("fixtures of a store not seeded: %v, want NotFound", err)
	}
	if err := demo.Seed(ctx, st, 0, time.Now(), directory.PasswordParams{Memory: 1024, Time: 1, Threads: 1}); err != nil {
		t.Fatal(err)
	}
	fx, err := demo.Fixtures(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		id   string
		want signpost.Child
	}{{fx.Jamie, demo.Jamie}, {fx.Riley, demo.Riley}} {
		got, err := st.Child(ctx, c.id)
		if err != nil || got.GivenName != c.want.GivenName || got.FamilyName != c.want.FamilyName || got.Shielded != c.want.Shielded {
			t.Errorf("fixture %s: %+v %v, want %s %s", c.id, got, err, c.want.GivenName, c.want.FamilyName)
		}
	}
	if len(fx.SamSmiths) != 12 {
		t.Errorf("%d Sam Smiths, want 12", len(fx.SamSmiths))
	}
}
