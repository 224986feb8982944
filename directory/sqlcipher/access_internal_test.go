package sqlcipher

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"signpost"
	"signpost/directory"
)

// Issue 14, slice access: renewing a shielding or lifting it keeps the
// shielding it replaces.
func TestShieldRenewalKeepsHistory(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "d.db"), bytes.Repeat([]byte{3}, 32))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.CreateAuthority(ctx, "E08000035", "Leeds"); err != nil {
		t.Fatal(err)
	}
	id := signpost.SignpostID(1)
	if err := st.CreateChildren(ctx, []signpost.Child{{SignpostID: id, GivenName: "A", FamilyName: "B", DateOfBirth: "2015-01-01", Authority: "Leeds"}}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, reason := range []string{"first", "renewed"} {
		if err := st.SetShield(ctx, id, &directory.Shield{Reason: reason, ReviewDate: "2030-01-01", By: "manager", At: now}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.ClearShield(ctx, id); err != nil {
		t.Fatal(err)
	}
	rows, err := st.r.QueryContext(ctx, `SELECT reason FROM shield_history ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var r string
		_ = rows.Scan(&r)
		got = append(got, r)
	}
	if len(got) != 2 || got[0] != "first" || got[1] != "renewed" {
		t.Errorf("history = %v, want [first renewed]", got)
	}
}
