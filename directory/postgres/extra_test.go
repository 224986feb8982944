package postgres_test

// The Store methods directory/storetest does not reach, on PostgreSQL.

import (
	"errors"
	"testing"
	"time"

	"signpost"
	"signpost/directory"
)

func TestMethodsBeyondTheSuite(t *testing.T) {
	_, st, _ := two(t)
	must(t, st.Ping(ctx))

	// Settings.
	if v, err := st.Setting(ctx, "policy"); err != nil || v != "" {
		t.Errorf("an unset setting = %q, %v; want \"\" as the embedded store", v, err)
	}
	must(t, st.SetSetting(ctx, "policy", "a"))
	must(t, st.SetSetting(ctx, "policy", "b"))
	if v, err := st.Setting(ctx, "policy"); err != nil || v != "b" {
		t.Errorf("Setting = %q, %v; want b", v, err)
	}

	// Shielding, read from the store.
	id1, id2 := signpost.SignpostID(1), signpost.SignpostID(2)
	must(t, st.SetShield(ctx, id1, &directory.Shield{Reason: "risk", ReviewDate: "2030-01-01", By: "ann", At: time.Now()}))
	got, err := st.ShieldedNow(ctx, []string{id1, id2})
	if err != nil || !got[id1] || got[id2] {
		t.Errorf("ShieldedNow = %v, %v", got, err)
	}
	must(t, st.ClearShield(ctx, id1))
	if got, err := st.ShieldedNow(ctx, []string{id1}); err != nil || got[id1] {
		t.Errorf("ShieldedNow after ClearShield = %v, %v", got, err)
	}

	// Views off the caseload, counted once per child and capped.
	ann, err := st.Account(ctx, "ann")
	must(t, err)
	day := "2026-12-02"
	view := func(id string) (int, error) {
		return st.RecordView(ctx, directory.ViewRecord{UserID: ann.ID, ChildID: id, Expires: time.Now().Add(time.Hour), Day: day, OffCaseload: true, Max: 2})
	}
	for _, tc := range []struct {
		id   string
		want int
	}{{id1, 1}, {id1, 1}, {id2, 2}} {
		n, err := view(tc.id)
		if err != nil || n != tc.want {
			t.Errorf("RecordView(%s) = %d, %v; want %d", tc.id, n, err, tc.want)
		}
	}
	if _, err := view(signpost.SignpostID(3)); !isKind(err, signpost.KindRateLimited) {
		t.Errorf("a third child over a cap of 2: %v", err)
	}

	// The day's counts are never lowered.
	must(t, st.SaveAccessCounts(ctx, []directory.AccessCount{{UserID: ann.ID, Day: day, Action: "search", N: 5}}))
	must(t, st.SaveAccessCounts(ctx, []directory.AccessCount{{UserID: ann.ID, Day: day, Action: "search", N: 3}}))
	if n, err := st.AccessCount(ctx, ann.ID, day, "search"); err != nil || n != 5 {
		t.Errorf("AccessCount = %d, %v; want 5", n, err)
	}
	if n, err := st.AccessCount(ctx, ann.ID, day, "view_miss"); err != nil || n != 0 {
		t.Errorf("AccessCount of nothing = %d, %v", n, err)
	}
}

// Text PostgreSQL cannot hold (a NUL, bytes that are not UTF-8) in a look-up
// finds nothing, as in the embedded store, rather than failing.
func TestUnstorableTextFindsNothing(t *testing.T) {
	_, st, _ := two(t)
	for _, id := range []string{"dev\x00ice", "dev\xffice"} {
		if _, err := st.Device(ctx, id); !isKind(err, signpost.KindNotFound) {
			t.Errorf("Device(%q): %v, want not found", id, err)
		}
		if _, err := st.Account(ctx, id); !isKind(err, signpost.KindNotFound) {
			t.Errorf("Account(%q): %v, want not found", id, err)
		}
		if _, err := st.MoveDevice(ctx, id, directory.DeviceMove{To: signpost.DeviceWipeOrdered, By: "operator", At: time.Now()}); !isKind(err, signpost.KindNotFound) {
			t.Errorf("MoveDevice(%q): %v, want not found", id, err)
		}
	}
}

func isKind(err error, k signpost.ErrorKind) bool {
	var de *signpost.Error
	return errors.As(err, &de) && de.Kind == k
}
