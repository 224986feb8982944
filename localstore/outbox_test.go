package localstore

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/uuid"

	"signpost"
)

func mustEnqueue(t *testing.T, s *Store, m signpost.Mutation) signpost.Mutation {
	t.Helper()
	saved, err := s.Enqueue(context.Background(), m)
	if err != nil {
		t.Fatalf("Enqueue %s: %v", m.Kind, err)
	}
	return saved
}

func outboxStates(t *testing.T, s *Store) map[string]OutboxItem {
	t.Helper()
	items, err := s.Outbox(context.Background())
	must(t, err)
	m := map[string]OutboxItem{}
	for _, it := range items {
		m[it.ID] = it
	}
	return m
}

func ids(ms []signpost.Mutation) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

func TestEnqueueAssignsUUIDv7AndAppliesOptimisticStart(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	jamie := child(1, "Jamie", "Fixture", false)
	must(t, f.s.SaveLookup(ctx, &jamie))
	cs, err := f.s.Caseload(ctx, "")
	must(t, err)
	if len(cs) != 0 {
		t.Fatalf("a looked-up child is on the caseload: %+v", cs)
	}
	m := mustEnqueue(t, f.s, signpost.Mutation{ID: "ignored", Kind: signpost.MutStartInvolvement, ChildID: strings.ToLower(jamie.SignpostID), Role: "School nurse"})
	u, err := uuid.Parse(m.ID)
	if err != nil || u.Version() != 7 {
		t.Fatalf("id %q is not a UUIDv7", m.ID)
	}
	if m.At.IsZero() || m.ChildID != jamie.SignpostID {
		t.Fatalf("saved %+v", m)
	}
	cs, err = f.s.Caseload(ctx, "")
	must(t, err)
	if len(cs) != 1 || !cs[0].PendingChange || cs[0].SignpostID != jamie.SignpostID {
		t.Fatalf("caseload after starting: %+v", cs)
	}
	c, err := f.s.Child(ctx, jamie.SignpostID)
	must(t, err)
	inv := c.Involvements[len(c.Involvements)-1]
	if inv.ID != "pending:"+m.ID || !inv.Mine || inv.Practitioner != nurseName || inv.StartedOn != "2025-03-10" || inv.Role != "School nurse" {
		t.Fatalf("optimistic involvement %+v", inv)
	}
	items, err := f.s.Outbox(ctx)
	must(t, err)
	if len(items) != 1 || items[0].Description != "Start involvement with Jamie Fixture" || items[0].State != StatePending || !items[0].Created.Equal(f.clock.Now()) {
		t.Fatalf("outbox %+v", items)
	}
	// Starting again is refused locally; so is changing a child not cached.
	_, err = f.s.Enqueue(ctx, signpost.Mutation{Kind: signpost.MutStartInvolvement, ChildID: jamie.SignpostID})
	wantKind(t, err, signpost.KindConflict)
	_, err = f.s.Enqueue(ctx, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: signpost.SignpostID(99), Value: true})
	wantKind(t, err, signpost.KindNotFound)
	_, err = f.s.Enqueue(ctx, signpost.Mutation{Kind: signpost.MutView, ChildID: jamie.SignpostID})
	wantKind(t, err, signpost.KindInvalid)
	_, err = f.s.Enqueue(ctx, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: "SP123"})
	if de := wantKind(t, err, signpost.KindInvalid); de.Field != "child_id" {
		t.Fatalf("field %q", de.Field)
	}
}

func TestEnqueueFlagsAndEndOnOwnInvolvement(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	must(t, f.s.ApplyPull(ctx, pull(child(1, "Jamie", "Fixture", true))))
	id := signpost.SignpostID(1)
	mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: id, Value: true})
	mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutSetLead, ChildID: id, Value: true})
	cs, err := f.s.Caseload(ctx, "")
	must(t, err)
	if len(cs) != 1 || !cs[0].CAF || !cs[0].LeadProfessional || !cs[0].PendingChange {
		t.Fatalf("badges %+v", cs)
	}
	mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutEndInvolvement, ChildID: id, On: "2025-03-09"})
	cs, err = f.s.Caseload(ctx, "")
	must(t, err)
	if len(cs) != 0 {
		t.Fatalf("ended involvement still on the caseload: %+v", cs)
	}
	c, err := f.s.Child(ctx, id)
	must(t, err)
	own := c.Involvements[1]
	if own.EndedOn != "2025-03-09" || own.LeadProfessional || !own.CAF {
		t.Fatalf("own involvement after ending %+v", own)
	}
	_, err = f.s.Enqueue(ctx, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: id, Value: false})
	wantKind(t, err, signpost.KindConflict) // no current involvement
	items, err := f.s.Outbox(ctx)
	must(t, err)
	want := []string{"Record a CAF for Jamie Fixture", "Become lead professional for Jamie Fixture", "End involvement with Jamie Fixture"}
	for i, it := range items {
		if it.Description != want[i] {
			t.Errorf("item %d: %q, want %q", i, it.Description, want[i])
		}
	}
}

func TestMetChildIsValidatedAndQueued(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	bad := []struct {
		name  string
		id    *signpost.Identity
		field string
	}{
		{"no identity", nil, "identity"},
		{"no given name", &signpost.Identity{FamilyName: "Fixture", DateOfBirth: "2015-03-04", Postcode: "LS1 4AP"}, "given_name"},
		{"bad postcode", &signpost.Identity{GivenName: "Jo", FamilyName: "Fixture", DateOfBirth: "2015-03-04", Postcode: "nowhere"}, "postcode"},
		{"future birth", &signpost.Identity{GivenName: "Jo", FamilyName: "Fixture", DateOfBirth: "2030-01-01", Postcode: "LS1 4AP"}, "date_of_birth"},
	}
	for _, tc := range bad {
		_, err := f.s.Enqueue(ctx, signpost.Mutation{Kind: signpost.MutMetChild, Identity: tc.id})
		if de := wantKind(t, err, signpost.KindInvalid); de.Field != tc.field {
			t.Errorf("%s: field %q, want %q", tc.name, de.Field, tc.field)
		}
	}
	m := mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutMetChild, Identity: &signpost.Identity{GivenName: "Jo", FamilyName: "Fixture", DateOfBirth: "2015-03-04", Postcode: "ls14ap"}})
	if m.Identity.Postcode != "LS1 4AP" {
		t.Fatalf("postcode not normalised: %+v", m.Identity)
	}
	items, err := f.s.Outbox(ctx)
	must(t, err)
	if len(items) != 1 || items[0].Description != "Met Jo Fixture (born 4 Mar 2015), not on this laptop" {
		t.Fatalf("outbox %+v", items)
	}
}

func TestOutboxStatesOrderAndRejectedDoesNotBlock(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	must(t, f.s.ApplyPull(ctx, pull(child(1, "Jamie", "Fixture", true), child(2, "Alex", "Other", true))))
	a := mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: signpost.SignpostID(1), Value: true})
	b := mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: signpost.SignpostID(2), Value: true})
	c := mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutSetLead, ChildID: signpost.SignpostID(2), Value: true})

	batch, err := f.s.NextBatch(ctx, 2)
	must(t, err)
	if got := ids(batch); len(got) != 2 || got[0] != a.ID || got[1] != b.ID {
		t.Fatalf("first batch %v, want oldest first [%s %s]", got, a.ID, b.ID)
	}
	st := outboxStates(t, f.s)
	if st[a.ID].State != StateInFlight || st[b.ID].State != StateInFlight || st[c.ID].State != StatePending {
		t.Fatalf("states %+v", st)
	}
	n, err := f.s.PendingCount(ctx)
	must(t, err)
	if n != 3 {
		t.Fatalf("pending count %d, want 3 (in flight counts)", n)
	}
	must(t, f.s.MarkResults(ctx, []signpost.MutationResult{
		{ID: a.ID, Status: signpost.ResultRejected, Reason: "you have no current involvement with this child"},
		{ID: b.ID, Status: signpost.ResultApplied},
		{ID: uuid.Must(uuid.NewV7()).String(), Status: signpost.ResultApplied}, // unknown: ignored
	}))
	// The rejected change stays, with its reason; the next batch goes on behind it.
	batch, err = f.s.NextBatch(ctx, 10)
	must(t, err)
	if got := ids(batch); len(got) != 1 || got[0] != c.ID {
		t.Fatalf("second batch %v, want [%s]", got, c.ID)
	}
	st = outboxStates(t, f.s)
	if it := st[a.ID]; it.State != StateRejected || it.Reason != "you have no current involvement with this child" {
		t.Fatalf("rejected item %+v", it)
	}
	if _, ok := st[b.ID]; ok {
		t.Fatal("an applied change is still in the outbox")
	}
	// The rejection undid the optimistic CAF on Jamie.
	cs, err := f.s.Caseload(ctx, "Jamie")
	must(t, err)
	if len(cs) != 1 || cs[0].CAF || cs[0].PendingChange {
		t.Fatalf("Jamie after rejection %+v", cs)
	}
	n, err = f.s.PendingCount(ctx)
	must(t, err)
	if n != 1 {
		t.Fatalf("pending count %d, want 1", n)
	}
	// Returning a failed push puts it back in its place.
	must(t, f.s.ReturnToPending(ctx, []string{c.ID}))
	batch, err = f.s.NextBatch(ctx, 10)
	must(t, err)
	if got := ids(batch); len(got) != 1 || got[0] != c.ID {
		t.Fatalf("after ReturnToPending %v", got)
	}
	_, err = f.s.NextBatch(ctx, 0)
	wantKind(t, err, signpost.KindInvalid)
}

func TestDuplicateResultsFollowTheFirstAnswer(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	must(t, f.s.ApplyPull(ctx, pull(child(1, "Jamie", "Fixture", true))))
	a := mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: signpost.SignpostID(1), Value: true})
	b := mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutSetLead, ChildID: signpost.SignpostID(1), Value: true})
	_, err := f.s.NextBatch(ctx, 10)
	must(t, err)
	must(t, f.s.MarkResults(ctx, []signpost.MutationResult{
		{ID: a.ID, Status: signpost.ResultDuplicate, FirstStatus: signpost.ResultApplied},
		{ID: b.ID, Status: signpost.ResultDuplicate, FirstStatus: signpost.ResultRejected, Reason: "someone else is lead professional"},
	}))
	st := outboxStates(t, f.s)
	if _, ok := st[a.ID]; ok {
		t.Fatal("a duplicate of an applied change is still queued")
	}
	if it := st[b.ID]; it.State != StateRejected || it.Reason != "someone else is lead professional" {
		t.Fatalf("duplicate of a rejected change: %+v", it)
	}
}

func TestMarkResultsIsOneTransaction(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	must(t, f.s.ApplyPull(ctx, pull(child(1, "Jamie", "Fixture", true), child(2, "Alex", "Other", true))))
	a := mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: signpost.SignpostID(1), Value: true})
	b := mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: signpost.SignpostID(2), Value: true})
	_, err := f.s.NextBatch(ctx, 10)
	must(t, err)
	// Damage Alex's stored copy so that recording the rejection fails part way.
	_, err = f.s.db.ExecContext(ctx, `UPDATE children SET server_body = 'not json' WHERE signpost_id = ?`, signpost.SignpostID(2))
	must(t, err)
	err = f.s.MarkResults(ctx, []signpost.MutationResult{
		{ID: a.ID, Status: signpost.ResultApplied},
		{ID: b.ID, Status: signpost.ResultRejected, Reason: "no"},
	})
	wantKind(t, err, signpost.KindInternal)
	st := outboxStates(t, f.s)
	if st[a.ID].State != StateInFlight || st[b.ID].State != StateInFlight {
		t.Fatalf("a failed MarkResults left part of its work: %+v", st)
	}
}

func TestRetryQueuesAFreshCopyAndDismissRemoves(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	must(t, f.s.ApplyPull(ctx, pull(child(1, "Jamie", "Fixture", true))))
	a := mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: signpost.SignpostID(1), Value: true})
	b := mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutSetLead, ChildID: signpost.SignpostID(1), Value: true})
	_, err := f.s.NextBatch(ctx, 10)
	must(t, err)
	must(t, f.s.MarkResults(ctx, []signpost.MutationResult{
		{ID: a.ID, Status: signpost.ResultRejected, Reason: "try later"},
		{ID: b.ID, Status: signpost.ResultRejected, Reason: "not allowed"},
	}))
	cs, err := f.s.Caseload(ctx, "")
	must(t, err)
	if cs[0].CAF || cs[0].LeadProfessional || cs[0].PendingChange {
		t.Fatalf("after rejections %+v", cs[0])
	}
	// Only a rejected change can be retried or dismissed.
	_, err = f.s.Retry(ctx, uuid.Must(uuid.NewV7()).String())
	wantKind(t, err, signpost.KindNotFound)

	newID, err := f.s.Retry(ctx, a.ID)
	must(t, err)
	if newID == a.ID {
		t.Fatal("Retry reused the rejected id, which the directory answers as a duplicate rejection")
	}
	if u, err := uuid.Parse(newID); err != nil || u.Version() != 7 {
		t.Fatalf("new id %q", newID)
	}
	_, err = f.s.Retry(ctx, newID)
	wantKind(t, err, signpost.KindConflict)
	st := outboxStates(t, f.s)
	if _, ok := st[a.ID]; ok {
		t.Fatal("the old copy is still there")
	}
	if st[newID].State != StatePending {
		t.Fatalf("retried copy %+v", st[newID])
	}
	cs, err = f.s.Caseload(ctx, "")
	must(t, err)
	if !cs[0].CAF || !cs[0].PendingChange {
		t.Fatalf("a retried change does not show again: %+v", cs[0])
	}
	batch, err := f.s.NextBatch(ctx, 10)
	must(t, err)
	if len(batch) != 1 || batch[0].ID != newID || batch[0].Kind != signpost.MutSetCAF || !batch[0].Value || !batch[0].At.Equal(a.At) {
		t.Fatalf("retried batch %+v", batch)
	}

	must(t, f.s.Dismiss(ctx, b.ID))
	if _, ok := outboxStates(t, f.s)[b.ID]; ok {
		t.Fatal("a dismissed change is still listed")
	}
	wantKind(t, f.s.Dismiss(ctx, b.ID), signpost.KindNotFound)
	wantKind(t, f.s.Dismiss(ctx, newID), signpost.KindConflict) // in flight
}

func TestDirtyChildKeepsUnconfirmedChangesOverAPull(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	id := signpost.SignpostID(1)
	must(t, f.s.ApplyPull(ctx, pull(child(1, "Jamie", "Fixture", true))))
	caf := mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: id, Value: true})
	_, err := f.s.NextBatch(ctx, 10) // CAF in flight
	must(t, err)
	lead := mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutSetLead, ChildID: id, Value: true})

	// The directory sends an older copy of the child (without our changes) but
	// with a new address.
	moved := child(1, "Jamie", "Fixture", true)
	moved.Address, moved.Postcode = "2 New Road, Leeds", "LS2 7AB"
	must(t, f.s.ApplyPull(ctx, pull(moved)))
	c, err := f.s.Child(ctx, id)
	must(t, err)
	own := c.Involvements[1]
	if c.Address != "2 New Road, Leeds" || !own.CAF || !own.LeadProfessional {
		t.Fatalf("after a pull over unconfirmed changes: address %q own %+v", c.Address, own)
	}
	cs, err := f.s.Caseload(ctx, "")
	must(t, err)
	if !cs[0].PendingChange {
		t.Fatal("a child with unconfirmed changes is not dirty")
	}
	// The in-flight change is confirmed; the pending one keeps the child dirty.
	must(t, f.s.MarkResults(ctx, []signpost.MutationResult{{ID: caf.ID, Status: signpost.ResultApplied}}))
	cs, err = f.s.Caseload(ctx, "")
	must(t, err)
	if !cs[0].PendingChange || !cs[0].CAF || !cs[0].LeadProfessional {
		t.Fatalf("after confirming one of two: %+v", cs[0])
	}
	_, err = f.s.NextBatch(ctx, 10)
	must(t, err)
	must(t, f.s.MarkResults(ctx, []signpost.MutationResult{{ID: lead.ID, Status: signpost.ResultApplied}}))
	cs, err = f.s.Caseload(ctx, "")
	must(t, err)
	if cs[0].PendingChange || !cs[0].CAF || !cs[0].LeadProfessional {
		t.Fatalf("after confirming both, the changes still show until the next pull: %+v", cs[0])
	}
	// The next pull carries the directory's copy with both changes.
	done := moved
	done.Involvements = append([]signpost.Involvement(nil), moved.Involvements...)
	done.Involvements[1].CAF, done.Involvements[1].LeadProfessional = true, true
	must(t, f.s.ApplyPull(ctx, pull(done)))
	cs, err = f.s.Caseload(ctx, "")
	must(t, err)
	if cs[0].PendingChange || !cs[0].CAF || !cs[0].LeadProfessional {
		t.Fatalf("after the final pull: %+v", cs[0])
	}
}

func TestStartedInvolvementTakesTheDirectorysID(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	jamie := child(1, "Jamie", "Fixture", false)
	must(t, f.s.SaveLookup(ctx, &jamie))
	m := mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutStartInvolvement, ChildID: jamie.SignpostID})
	_, err := f.s.NextBatch(ctx, 1)
	must(t, err)
	// A pull that already has the involvement (the push reached the directory
	// but the answer was lost) must not show it twice.
	withInv := child(1, "Jamie", "Fixture", true)
	must(t, f.s.ApplyPull(ctx, pull(withInv)))
	c, err := f.s.Child(ctx, jamie.SignpostID)
	must(t, err)
	if len(c.Involvements) != 2 {
		t.Fatalf("involvements %+v", c.Involvements)
	}
	must(t, f.s.ApplyPull(ctx, pull(jamie))) // the directory's copy without it
	must(t, f.s.MarkResults(ctx, []signpost.MutationResult{{ID: m.ID, Status: signpost.ResultApplied, ChildID: jamie.SignpostID, InvolvementID: "inv-real"}}))
	c, err = f.s.Child(ctx, jamie.SignpostID)
	must(t, err)
	if got := c.Involvements[len(c.Involvements)-1].ID; got != "inv-real" {
		t.Fatalf("involvement id %q, want the directory's", got)
	}
}

func TestInFlightChangesReturnToPendingOnUnlock(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	must(t, f.s.ApplyPull(ctx, pull(child(1, "Jamie", "Fixture", true))))
	a := mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: signpost.SignpostID(1), Value: true})
	_, err := f.s.NextBatch(ctx, 10)
	must(t, err)
	f.reopen(t)
	st := outboxStates(t, f.s)
	if st[a.ID].State != StatePending {
		t.Fatalf("after a restart: %+v", st[a.ID])
	}
	batch, err := f.s.NextBatch(ctx, 10)
	must(t, err)
	if len(batch) != 1 || batch[0].ID != a.ID {
		t.Fatalf("re-sent batch %v", ids(batch))
	}
	must(t, f.s.ResetInFlight(ctx))
	if st := outboxStates(t, f.s); st[a.ID].State != StatePending {
		t.Fatalf("after ResetInFlight: %+v", st[a.ID])
	}
}

func TestViewsAreAuditedAndHashChained(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	jamie := child(1, "Jamie", "Fixture", true)
	alex := child(2, "Alex", "Other", false)
	must(t, f.s.ApplyPull(ctx, pull(jamie)))
	must(t, f.s.SaveLookup(ctx, &alex))

	c, err := f.s.ViewChild(ctx, jamie.SignpostID, "")
	must(t, err)
	if c.GivenName != "Jamie" {
		t.Fatalf("viewed %+v", c)
	}
	_, err = f.s.ViewChild(ctx, alex.SignpostID, "")
	if de := wantKind(t, err, signpost.KindInvalid); de.Field != "reason" {
		t.Fatalf("field %q", de.Field)
	}
	f.clock.Advance(1500) // nanoseconds: times must survive storage exactly
	_, err = f.s.ViewChild(ctx, alex.SignpostID, "checking who the school nurse is")
	must(t, err)
	_, err = f.s.ViewChild(ctx, signpost.SignpostID(3), "x")
	wantKind(t, err, signpost.KindNotFound)

	batch, err := f.s.NextBatch(ctx, 10)
	must(t, err)
	if len(batch) != 2 {
		t.Fatalf("batch %+v", batch)
	}
	if batch[0].PrevHash != "" || batch[1].PrevHash != batch[0].Hash || batch[1].Reason != "checking who the school nurse is" {
		t.Fatalf("chain %+v", batch)
	}
	for _, m := range batch {
		if m.Kind != signpost.MutView || m.Hash != m.ViewHash() {
			t.Fatalf("view event %+v does not verify", m)
		}
	}
	items, err := f.s.Outbox(ctx)
	must(t, err)
	if items[1].Description != "Viewed the record of Alex Other" {
		t.Fatalf("description %q", items[1].Description)
	}
	// A retried view is chained again at the head.
	must(t, f.s.MarkResults(ctx, []signpost.MutationResult{{ID: batch[0].ID, Status: signpost.ResultRejected, Reason: "bad"}, {ID: batch[1].ID, Status: signpost.ResultApplied}}))
	newID, err := f.s.Retry(ctx, batch[0].ID)
	must(t, err)
	again, err := f.s.NextBatch(ctx, 10)
	must(t, err)
	if len(again) != 1 || again[0].ID != newID || again[0].PrevHash != batch[1].Hash || again[0].Hash != again[0].ViewHash() {
		t.Fatalf("retried view %+v", again)
	}
}

func TestKeyFileCountsUnsentChanges(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	must(t, f.s.ApplyPull(ctx, pull(child(1, "Jamie", "Fixture", true))))
	count := func() int {
		b, err := os.ReadFile(filepath.Join(f.dir, keyFileName))
		must(t, err)
		kf, err := parseKeyFile(b)
		must(t, err)
		return kf.Pending
	}
	a := mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: signpost.SignpostID(1), Value: true})
	_, err := f.s.ViewChild(ctx, signpost.SignpostID(1), "")
	must(t, err)
	if n := count(); n != 2 {
		t.Fatalf("key file count %d, want 2", n)
	}
	_, err = f.s.NextBatch(ctx, 1)
	must(t, err)
	must(t, f.s.MarkResults(ctx, []signpost.MutationResult{{ID: a.ID, Status: signpost.ResultApplied}}))
	if n := count(); n != 1 {
		t.Fatalf("key file count %d, want 1", n)
	}
}

func TestRefusedChangesCountAsUnsentAndLostInAWipe(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	must(t, f.s.ApplyPull(ctx, pull(child(1, "Jamie", "Fixture", true))))
	a := mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: signpost.SignpostID(1), Value: true})
	_, err := f.s.ViewChild(ctx, signpost.SignpostID(1), "")
	must(t, err)
	_, err = f.s.NextBatch(ctx, 1)
	must(t, err)
	must(t, f.s.MarkResults(ctx, []signpost.MutationResult{{ID: a.ID, Status: signpost.ResultRejected, Reason: "no"}}))
	mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutEndInvolvement, ChildID: signpost.SignpostID(1)})

	u, err := f.s.Unsent(ctx)
	must(t, err)
	want := Unsent{Changes: 1, Views: 1, Refused: 1, Kinds: map[string]int{signpost.MutSetCAF: 1, signpost.MutView: 1, signpost.MutEndInvolvement: 1}}
	if !reflect.DeepEqual(u, want) || u.Total() != 3 {
		t.Fatalf("unsent %+v, want %+v", u, want)
	}
	// Locked, the key file still knows: the unlock screen warns with it,
	// and a wipe reports the refused change lost too.
	must(t, f.s.Lock())
	if lf := f.s.LockedFacts(); lf.Unsent != 3 || lf.Kinds[signpost.MutSetCAF] != 1 || lf.AttemptsLeft != signpost.DefaultPolicy().MaxPassphraseAttempts {
		t.Fatalf("locked facts %+v", lf)
	}
	rep, err := f.s.Wipe(ctx)
	must(t, err)
	if got, want := rep.LostText(), "3 changes lost: 1 involvement ended, 1 CAF flag, 1 record opened offline"; got != want {
		t.Fatalf("lost %q, want %q", got, want)
	}
}

func TestCancelTakesBackAPendingChangeAndItsEffect(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	must(t, f.s.ApplyPull(ctx, pull(child(1, "Jamie", "Fixture", true))))
	id := signpost.SignpostID(1)
	caf := mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: id, Value: true})
	sent := mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutSetLead, ChildID: id, Value: true})
	cs, err := f.s.Caseload(ctx, "")
	must(t, err)
	if !cs[0].CAF || !cs[0].PendingChange {
		t.Fatalf("before cancelling %+v", cs[0])
	}
	// The lead-professional change goes in flight; the CAF one is moved back
	// to pending, so one of each.
	batch, err := f.s.NextBatch(ctx, 10)
	must(t, err)
	must(t, f.s.ReturnToPending(ctx, []string{caf.ID}))
	if len(batch) != 2 {
		t.Fatalf("batch %d", len(batch))
	}
	wantKind(t, f.s.Cancel(ctx, sent.ID), signpost.KindConflict) // in flight: may be held already

	must(t, f.s.Cancel(ctx, caf.ID))
	st := outboxStates(t, f.s)
	if _, ok := st[caf.ID]; ok {
		t.Fatal("the cancelled change is still in the outbox")
	}
	if st[sent.ID].State != StateInFlight {
		t.Fatalf("the change in flight was touched: %+v", st[sent.ID])
	}
	cs, err = f.s.Caseload(ctx, "")
	must(t, err)
	if cs[0].CAF {
		t.Fatalf("the cancelled CAF flag still shows: %+v", cs[0])
	}
	u, err := f.s.Unsent(ctx)
	must(t, err)
	if u.Changes != 1 {
		t.Fatalf("unsent after cancelling: %+v", u)
	}
	wantKind(t, f.s.Cancel(ctx, caf.ID), signpost.KindNotFound)

	// A record opened offline stays for the audit.
	_, err = f.s.ViewChild(ctx, id, "home visit")
	must(t, err)
	views := 0
	for _, it := range outboxStates(t, f.s) {
		if it.Kind == signpost.MutView {
			views++
			wantKind(t, f.s.Cancel(ctx, it.ID), signpost.KindConflict)
		}
	}
	if views != 1 {
		t.Fatalf("%d offline views in the outbox, want 1", views)
	}
}

func TestHandOverLeadShowsAtOnceAndIsCheckedFirst(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	c := child(1, "Jamie", "Fixture", true)
	c.Involvements[1].LeadProfessional = true
	must(t, f.s.ApplyPull(ctx, pull(c)))
	id := signpost.SignpostID(1)
	// Only to someone working with the child now, and not to no one.
	_, err := f.s.Enqueue(ctx, signpost.Mutation{Kind: signpost.MutHandOverLead, ChildID: id, To: "inv-nobody"})
	wantKind(t, err, signpost.KindInvalid)
	_, err = f.s.Enqueue(ctx, signpost.Mutation{Kind: signpost.MutHandOverLead, ChildID: id})
	wantKind(t, err, signpost.KindInvalid)

	mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutHandOverLead, ChildID: id, To: "inv-hv"})
	got, err := f.s.Child(ctx, id)
	must(t, err)
	for _, in := range got.Involvements {
		if in.LeadProfessional != (in.ID == "inv-hv") {
			t.Errorf("after the handover %s lead=%v", in.Practitioner, in.LeadProfessional)
		}
	}
	// No longer the lead: a second handover is refused before it is queued.
	_, err = f.s.Enqueue(ctx, signpost.Mutation{Kind: signpost.MutHandOverLead, ChildID: id, To: "inv-hv"})
	wantKind(t, err, signpost.KindConflict)
}
