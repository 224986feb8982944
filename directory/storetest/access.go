package storetest

// Issue 14, slice access: alert acknowledgement, the shielded list and the
// paged subject-access report.

import (
	"testing"
	"time"

	"signpost"
	"signpost/directory"
)

func testAccess14(t *testing.T, st directory.Store) {
	now := time.Now().UTC().Truncate(time.Second)
	must(t, st.Alert(ctx, directory.Alert{At: now.Add(-48 * time.Hour), Authority: "Leeds", ChildID: signpost.SignpostID(1), Username: "ann", Kind: "break_glass", Reason: "s47"}))
	must(t, st.Alert(ctx, directory.Alert{At: now, Authority: "Leeds", Username: "ben", Kind: "harvest", Reason: "searches"}))
	c, err := st.AlertCounts(ctx, "Leeds", now.Add(-24*time.Hour))
	must(t, err)
	if c.Unacknowledged != 2 || c.Escalated != 1 {
		t.Errorf("counts = %+v, want 2 unacknowledged, 1 escalated", c)
	}
	als, err := st.Alerts(ctx, directory.AlertFilter{Authority: "Leeds"})
	must(t, err)
	old := als[len(als)-1]
	if _, err := st.AckAlert(ctx, directory.AlertAck{ID: old.ID, Authority: "Manchester", By: "x", Note: "n", At: now}); signpost.KindOf(err) != signpost.KindNotFound {
		t.Errorf("another authority's ack: %v, want not_found", err)
	}
	al, err := st.AckAlert(ctx, directory.AlertAck{ID: old.ID, Authority: "Leeds", By: "ann", Note: "dealt with", At: now})
	must(t, err)
	if al.AckBy != "ann" || al.AckNote != "dealt with" || !al.AckAt.Equal(now) {
		t.Errorf("acknowledged = %+v", al)
	}
	if _, err := st.AckAlert(ctx, directory.AlertAck{ID: old.ID, Authority: "Leeds", By: "ben", Note: "again", At: now}); signpost.KindOf(err) != signpost.KindConflict {
		t.Errorf("second ack: %v, want conflict", err)
	}
	if als, _ = st.Alerts(ctx, directory.AlertFilter{Authority: "Leeds"}); als[len(als)-1].AckBy != "ann" {
		t.Errorf("the list does not show the acknowledgement: %+v", als)
	}
	if c, _ = st.AlertCounts(ctx, "Leeds", now.Add(-24*time.Hour)); c.Unacknowledged != 1 || c.Escalated != 0 {
		t.Errorf("counts after the ack = %+v", c)
	}

	// Shielded: due first, paged; a renewal replaces the shielding.
	must(t, st.SetShield(ctx, signpost.SignpostID(2), &directory.Shield{Reason: "later", ReviewDate: "2031-01-01", By: "ann", At: now}))
	must(t, st.SetShield(ctx, signpost.SignpostID(1), &directory.Shield{Reason: "first", ReviewDate: "2030-06-01", By: "ann", At: now}))
	must(t, st.SetShield(ctx, signpost.SignpostID(1), &directory.Shield{Reason: "sooner", ReviewDate: "2030-01-01", By: "ben", At: now}))
	cs, err := st.Shielded(ctx, directory.ShieldedFilter{Authority: "Leeds", Limit: 1})
	must(t, err)
	if len(cs) != 1 || cs[0].SignpostID != signpost.SignpostID(1) || cs[0].Shielding.Reason != "sooner" || cs[0].Shielding.By != "ben" {
		t.Fatalf("first page = %+v", cs)
	}
	cs, err = st.Shielded(ctx, directory.ShieldedFilter{Authority: "Leeds", After: directory.ShieldedPos(cs[0]), Limit: 5})
	must(t, err)
	if len(cs) != 1 || cs[0].SignpostID != signpost.SignpostID(2) {
		t.Errorf("second page = %+v", cs)
	}
	if cs, _ = st.Shielded(ctx, directory.ShieldedFilter{Authority: "Manchester"}); len(cs) != 0 {
		t.Errorf("Manchester sees Leeds' shielded children: %+v", cs)
	}

	// The access report: events naming the child and searches returning it.
	a := actor(t, st, "ann")
	must(t, st.Audit(ctx, []directory.AuditEvent{
		{At: now, UserID: a.UserID, Username: "ann", DeviceID: a.DeviceID, Action: "search", Reason: "referral", Results: []string{signpost.SignpostID(3)}},
		{At: now, UserID: a.UserID, Username: "ann", DeviceID: a.DeviceID, Action: "view", ChildID: signpost.SignpostID(3), Reason: "referral"},
		{At: now, UserID: a.UserID, Username: "ann", DeviceID: a.DeviceID, Action: "offline_view", ChildID: signpost.SignpostID(3), ClaimedAt: now.Add(-time.Hour)},
		{At: now, UserID: a.UserID, Username: "ann", Action: "view", ChildID: signpost.SignpostID(1)},
	}))
	es, err := st.AccessReport(ctx, directory.AccessFilter{ChildID: signpost.SignpostID(3), Limit: 2})
	must(t, err)
	if len(es) != 2 || es[0].Action != "offline_view" || !es[0].Offline || es[1].Action != "view" || es[0].Organisation != "Leeds Health" || es[0].DeviceName != "laptop" {
		t.Fatalf("newest page = %+v", es)
	}
	es, err = st.AccessReport(ctx, directory.AccessFilter{ChildID: signpost.SignpostID(3), BeforeID: es[1].ID, Limit: 2})
	must(t, err)
	if len(es) != 1 || es[0].Action != "search" {
		t.Errorf("last page = %+v", es)
	}
	if es, _ = st.AccessReport(ctx, directory.AccessFilter{ChildID: signpost.SignpostID(3), Username: "ben"}); len(es) != 0 {
		t.Errorf("ben's events = %+v", es)
	}
}
