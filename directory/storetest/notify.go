package storetest

// Issue 16: notification events, notifications, mutes, the management
// team, sensitive involvements and the lead-professional offer.

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"signpost"
	"signpost/directory"
)

func push16(t *testing.T, st directory.Store, a directory.Actor, m signpost.Mutation) signpost.MutationResult {
	t.Helper()
	m.ID, m.At = uuid.Must(uuid.NewV7()).String(), time.Now()
	res, err := st.Push(ctx, a, []signpost.Mutation{m}, time.Now())
	must(t, err)
	return res[0]
}

func events16(t *testing.T, st directory.Store) []directory.NotifyEvent {
	t.Helper()
	evs, err := st.NotifyEvents(ctx, 100)
	must(t, err)
	return evs
}

func testNotifications16(t *testing.T, st directory.Store) {
	ann, ben := actor(t, st, "ann"), actor(t, st, "ben")
	id := signpost.SignpostID(1)
	must(t, st.CreateAccount(ctx, &directory.Account{User: signpost.User{Username: "meg", DisplayName: "Meg", Role: signpost.RoleManagement, Organisation: "Leeds Health"},
		PasswordHash: "x", TOTPSecret: "y"}))
	team, err := st.ManagementTeam(ctx, "E08000035")
	must(t, err)
	if len(team) != 1 || team[0].Username != "meg" || team[0].Authority != "Leeds" {
		t.Fatalf("Leeds' management team (by code) = %+v", team)
	}
	if team, _ := st.ManagementTeam(ctx, "Leeds"); len(team) != 1 {
		t.Errorf("Leeds' management team (by name) = %+v", team)
	}

	// A start leaves an event; a rejected change leaves none.
	r := push16(t, st, ann, signpost.Mutation{Kind: signpost.MutStartInvolvement, ChildID: id, Role: "Nurse", Sensitive: true})
	if r.Status != signpost.ResultApplied {
		t.Fatalf("start = %+v", r)
	}
	annInv := r.InvolvementID
	push16(t, st, ann, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: signpost.SignpostID(2), Value: true}) // not involved
	evs := events16(t, st)
	if len(evs) != 1 || evs[0].Kind != signpost.NoteNewInvolvement || evs[0].ChildID != id || evs[0].InvolvementID != annInv || evs[0].ActorID != ann.UserID {
		t.Fatalf("events after a start = %+v", evs)
	}
	c, _ := st.Child(ctx, id)
	if inv := c.Involvements[0]; !inv.Sensitive || inv.ConsentShown || inv.Authority != "Leeds" {
		t.Errorf("a start marked sensitive = %+v", inv)
	}
	r = push16(t, st, ann, signpost.Mutation{Kind: signpost.MutSetSensitive, ChildID: id, Sensitive: true, ConsentShown: true})
	c, _ = st.Child(ctx, id)
	if r.Status != signpost.ResultApplied || !c.Involvements[0].ConsentShown {
		t.Errorf("consent given = %+v %+v", r, c.Involvements[0])
	}

	// Notify stores, numbers, skips muted kinds and a done event's second
	// telling, and deletes the events.
	head, _ := st.Head(ctx)
	must(t, st.SetMutedKinds(ctx, ben.UserID, []string{signpost.NoteEndedInvolvement}))
	if m, _ := st.MutedKinds(ctx, ben.UserID); len(m) != 1 || m[0] != signpost.NoteEndedInvolvement {
		t.Errorf("muted = %v", m)
	}
	at := time.Now().UTC().Truncate(time.Second)
	note := func(user directory.Actor, kind string, ev int64) directory.NotificationRecord {
		return directory.NotificationRecord{UserID: user.UserID, Username: user.Username, Event: ev,
			Notification: signpost.Notification{Kind: kind, ChildID: id, At: at, Text: "told " + kind}}
	}
	stored, err := st.Notify(ctx, []int64{evs[0].ID}, []directory.NotificationRecord{note(ben, signpost.NoteNewInvolvement, evs[0].ID),
		note(ben, signpost.NoteEndedInvolvement, evs[0].ID), note(ben, signpost.NoteMovedArea, evs[0].ID), note(ann, signpost.NoteEndedInvolvement, evs[0].ID)})
	must(t, err)
	if len(stored) != 3 || stored[0].ID == "" || stored[0].Seq <= head || stored[0].Seq != stored[2].Seq || stored[1].Kind != signpost.NoteMovedArea {
		t.Fatalf("stored = %+v (head before %d)", stored, head)
	}
	if len(events16(t, st)) != 0 {
		t.Errorf("the event done is still pending")
	}
	again, err := st.Notify(ctx, []int64{evs[0].ID}, []directory.NotificationRecord{note(ben, signpost.NoteNewInvolvement, evs[0].ID)})
	must(t, err)
	if len(again) != 0 {
		t.Errorf("an event done twice told again: %+v", again)
	}
	// Pull's wake-up sees them; the audit has them.
	users, _, err := st.Affected(ctx, head, stored[0].Seq, time.Now())
	must(t, err)
	found := false
	for _, u := range users {
		found = found || u == ben.UserID
	}
	if !found {
		t.Errorf("Affected does not name the user told: %v", users)
	}
	if has, _ := st.HasChanges(ctx, ben, directory.Cursor{Seq: head}, time.Now()); !has {
		t.Errorf("HasChanges misses a notification")
	}
	aud, err := st.AuditForChild(ctx, id)
	must(t, err)
	told, marked := 0, 0
	for _, ev := range aud {
		switch ev.Action {
		case "notify":
			told++
			if ev.Username == "" || !strings.Contains(ev.Reason, "told") {
				t.Errorf("notify audit = %+v", ev)
			}
		case "sensitive":
			marked++
		}
	}
	if told != 3 || marked != 2 {
		t.Errorf("audit: %d notify (want 3), %d sensitive (want 2)", told, marked)
	}

	// Delivered after a cursor, listed newest first, read once.
	got, err := st.DeliverNotifications(ctx, ben.UserID, head, stored[0].Seq, time.Now())
	must(t, err)
	if len(got) != 2 || got[0].Kind != signpost.NoteNewInvolvement || got[0].Read {
		t.Fatalf("delivered = %+v", got)
	}
	if got, _ := st.DeliverNotifications(ctx, ben.UserID, stored[0].Seq, stored[0].Seq, time.Now()); len(got) != 0 {
		t.Errorf("delivered again after the cursor: %+v", got)
	}
	list, unread, err := st.Notifications(ctx, ben.UserID, 0, 10)
	must(t, err)
	if len(list) != 2 || unread != 2 || list[0].ID != stored[1].ID {
		t.Errorf("listed = %+v unread %d", list, unread)
	}
	marked, unread, err = st.ReadNotifications(ctx, ben.UserID, []string{stored[0].ID, stored[0].ID, "nonsense"}, time.Now())
	must(t, err)
	if marked != 1 || unread != 1 {
		t.Errorf("read: marked %d unread %d, want 1 1", marked, unread)
	}
	if m, _, _ := st.ReadNotifications(ctx, ann.UserID, []string{stored[1].ID}, time.Now()); m != 0 { // ben's
		t.Errorf("someone else's notification marked read")
	}
	// Read through a push, too.
	r = push16(t, st, ben, signpost.Mutation{Kind: signpost.MutReadNotifications, Notifications: []string{stored[1].ID}})
	if _, unread, _ := st.Notifications(ctx, ben.UserID, 0, 10); r.Status != signpost.ResultApplied || unread != 0 {
		t.Errorf("read by push = %+v, unread %d", r, unread)
	}

	// The offer: only by the lead, to someone working with the child now;
	// declined, then accepted; an unconfirmed loss of the lead refused.
	r = push16(t, st, ben, signpost.Mutation{Kind: signpost.MutStartInvolvement, ChildID: id, Role: "Social worker"})
	benInv := r.InvolvementID
	if r := push16(t, st, ann, signpost.Mutation{Kind: signpost.MutOfferLead, ChildID: id, To: benInv}); r.Status != signpost.ResultRejected {
		t.Errorf("an offer by someone not the lead = %+v", r)
	}
	push16(t, st, ann, signpost.Mutation{Kind: signpost.MutSetLead, ChildID: id, Value: true})
	if r := push16(t, st, ann, signpost.Mutation{Kind: signpost.MutOfferLead, ChildID: id, To: benInv}); r.Status != signpost.ResultApplied {
		t.Fatalf("the lead's offer = %+v", r)
	}
	c, _ = st.Child(ctx, id)
	for _, inv := range c.Involvements {
		if inv.LeadOffered != (inv.ID == benInv) {
			t.Errorf("offered flags = %+v", c.Involvements)
		}
	}
	if r := push16(t, st, ben, signpost.Mutation{Kind: signpost.MutDeclineLead, ChildID: id}); r.Status != signpost.ResultApplied {
		t.Errorf("decline = %+v", r)
	}
	if r := push16(t, st, ben, signpost.Mutation{Kind: signpost.MutAcceptLead, ChildID: id}); r.Status != signpost.ResultRejected {
		t.Errorf("accepting a declined offer = %+v", r)
	}
	push16(t, st, ann, signpost.Mutation{Kind: signpost.MutOfferLead, ChildID: id, To: benInv})
	if r := push16(t, st, ben, signpost.Mutation{Kind: signpost.MutAcceptLead, ChildID: id}); r.Status != signpost.ResultApplied {
		t.Fatalf("accept = %+v", r)
	}
	c, _ = st.Child(ctx, id)
	for _, inv := range c.Involvements {
		if inv.LeadProfessional != (inv.ID == benInv) || inv.LeadOffered {
			t.Errorf("after accepting = %+v", c.Involvements)
		}
	}
	r = push16(t, st, ben, signpost.Mutation{Kind: signpost.MutEndInvolvement, ChildID: id})
	if r.Status != signpost.ResultRejected || r.Kind != string(signpost.KindConflict) {
		t.Errorf("the lead ending, unconfirmed, with Ann still working = %+v", r)
	}
	if r := push16(t, st, ben, signpost.Mutation{Kind: signpost.MutEndInvolvement, ChildID: id, Confirm: true}); r.Status != signpost.ResultApplied {
		t.Errorf("the lead ending, confirmed = %+v", r)
	}
	var kinds []string
	for _, ev := range events16(t, st) {
		kinds = append(kinds, ev.Kind)
	}
	want := []string{signpost.NoteNewInvolvement, signpost.NoteHandoverOffered, signpost.NoteHandoverDeclined, signpost.NoteHandoverOffered,
		signpost.NoteHandoverAccepted, signpost.NoteEndedInvolvement}
	if strings.Join(kinds, ",") != strings.Join(want, ",") {
		t.Errorf("events = %v, want %v", kinds, want)
	}

	// A feed that moves a child to another authority leaves a move.
	must(t, st.CreateAuthority(ctx, "E08000003", "Manchester"))
	_, err = st.ApplyFeed(ctx, &directory.FeedBatch{Updates: []directory.ChildUpdate{{SignpostID: id, Postcode: "M1 1AE", AuthorityCode: "E08000003"},
		{SignpostID: signpost.SignpostID(2), Postcode: "LS2 9JT", AuthorityCode: "E08000035"}}, At: time.Now()})
	must(t, err)
	var moves []directory.NotifyEvent
	for _, ev := range events16(t, st) {
		if ev.Kind == signpost.NoteMovedArea {
			moves = append(moves, ev)
		}
	}
	if len(moves) != 1 || moves[0].ChildID != id || moves[0].FromAuthority != "Leeds" || moves[0].ToAuthority != "Manchester" {
		t.Errorf("moves = %+v, want one of child 1 from Leeds to Manchester", moves)
	}
}
