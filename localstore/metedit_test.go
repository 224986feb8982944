package localstore

import (
	"context"
	"strings"
	"testing"

	"signpost"
)

func jo() *signpost.Identity {
	return &signpost.Identity{GivenName: "Jo", FamilyName: "Fixture", DateOfBirth: "2015-03-04", Postcode: "LS1 4AP"}
}

// provisional returns the caseload's provisional rows.
func provisional(t *testing.T, s *Store, filter string) []CaseSummary {
	t.Helper()
	cs, err := s.Caseload(context.Background(), filter)
	must(t, err)
	var out []CaseSummary
	for _, c := range cs {
		if c.Provisional {
			out = append(out, c)
		}
	}
	return out
}

func TestChildMetOfflineIsOnTheCaseloadUntilThePullBringsTheRecord(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	must(t, f.s.ApplyPull(ctx, pull(child(2, "Alex", "Other", true))))
	m := mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutMetChild, Identity: jo(), Role: "Outreach worker"})

	cs, err := f.s.Caseload(ctx, "")
	must(t, err)
	if len(cs) != 2 || !cs[0].Provisional || cs[1].Provisional { // Fixture sorts before Other
		t.Fatalf("caseload %+v", cs)
	}
	p := cs[0]
	if p.SignpostID != "" || p.GivenName != "Jo" || p.DateOfBirth != "2015-03-04" || p.Role != "Outreach worker" || !p.PendingChange || p.ChangeID != m.ID {
		t.Fatalf("provisional row %+v", p)
	}
	if got := provisional(t, f.s, "fixt"); len(got) != 1 {
		t.Fatalf("filter by name keeps %d provisional rows, want 1", len(got))
	}
	if got := provisional(t, f.s, "alex"); len(got) != 0 {
		t.Fatalf("filter for another child keeps %+v", got)
	}

	// Applied: the change leaves the queue; the outbox says whom it was
	// matched to and the row waits for the record.
	_, err = f.s.NextBatch(ctx, 10)
	must(t, err)
	matched := signpost.SignpostID(1)
	must(t, f.s.MarkResults(ctx, []signpost.MutationResult{{ID: m.ID, Status: signpost.ResultApplied, ChildID: matched, InvolvementID: "inv-new"}}))
	u, err := f.s.Unsent(ctx)
	must(t, err)
	if u.Total() != 0 {
		t.Fatalf("unsent after the answer %+v", u)
	}
	it := outboxStates(t, f.s)[m.ID]
	if it.State != StateSent || it.MatchedTo != matched || it.ChildID != "" || it.Description != "Met Jo Fixture (born 4 Mar 2015), not on this laptop" {
		t.Fatalf("outcome item %+v", it)
	}
	got := provisional(t, f.s, "")
	if len(got) != 1 || got[0].MatchedTo != matched || got[0].PendingChange {
		t.Fatalf("before the pull %+v", got)
	}

	// The pull brings the record: it replaces the provisional row.
	must(t, f.s.ApplyPull(ctx, pull(child(1, "Jo", "Fixture", true))))
	cs, err = f.s.Caseload(ctx, "")
	must(t, err)
	if len(cs) != 2 || cs[0].Provisional || cs[0].SignpostID != matched {
		t.Fatalf("after the pull %+v", cs)
	}
	if outboxStates(t, f.s)[m.ID].MatchedTo != matched {
		t.Fatal("the outcome went with the pull; she has not read it yet")
	}
	must(t, f.s.Dismiss(ctx, m.ID))
	if _, ok := outboxStates(t, f.s)[m.ID]; ok {
		t.Fatal("the dismissed outcome is still listed")
	}
}

func TestAMatchedChildWhoseRecordDoesNotComeLeavesTheCaseloadAfterThePull(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	m := mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutMetChild, Identity: jo()})
	_, err := f.s.NextBatch(ctx, 10)
	must(t, err)
	must(t, f.s.MarkResults(ctx, []signpost.MutationResult{{ID: m.ID, Status: signpost.ResultApplied, ChildID: signpost.SignpostID(1)}}))
	page := pull()
	page.More = true
	must(t, f.s.ApplyPull(ctx, page))
	if got := provisional(t, f.s, ""); len(got) != 1 {
		t.Fatalf("gone after a first page: %+v", got)
	}
	must(t, f.s.ApplyPull(ctx, pull())) // the last page, without her (shielded meanwhile, say)
	if got := provisional(t, f.s, ""); len(got) != 0 {
		t.Fatalf("still waiting after the pull: %+v", got)
	}
	if outboxStates(t, f.s)[m.ID].MatchedTo == "" {
		t.Fatal("the Changes tab lost whom she was matched to")
	}
}

func TestChildMetOfflineRefusedShowsTheReasonOnTheCaseload(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	m := mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutMetChild, Identity: jo()})
	_, err := f.s.NextBatch(ctx, 10)
	must(t, err)
	reason := "3 children could be this child; search online to choose the right one"
	must(t, f.s.MarkResults(ctx, []signpost.MutationResult{{ID: m.ID, Status: signpost.ResultRejected, Reason: reason, Candidates: 3}}))
	got := provisional(t, f.s, "")
	if len(got) != 1 || got[0].Refused != reason || got[0].PendingChange || got[0].MatchedTo != "" {
		t.Fatalf("refused row %+v", got)
	}
	must(t, f.s.Dismiss(ctx, m.ID))
	if got := provisional(t, f.s, ""); len(got) != 0 {
		t.Fatalf("dismissed but still on the caseload: %+v", got)
	}
}

func TestEditCorrectsAWaitingChangeInItsPlace(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	jamie := child(1, "Jamie", "Fixture", false)
	must(t, f.s.SaveLookup(ctx, &jamie))
	id := jamie.SignpostID
	start := mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutStartInvolvement, ChildID: id, Role: "School nurse", On: "2025-03-01"})
	caf := mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: id, Value: true})
	met := mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutMetChild, Identity: jo(), Role: "School nurse"})

	edited, err := f.s.Edit(ctx, start.ID, Edit{On: "2025-02-14", Role: "Health visitor"})
	must(t, err)
	if edited.ID != start.ID || edited.On != "2025-02-14" || edited.Role != "Health visitor" || !edited.At.Equal(start.At) {
		t.Fatalf("edited %+v", edited)
	}
	c, err := f.s.Child(ctx, id)
	must(t, err)
	mine := c.Involvements[len(c.Involvements)-1]
	if mine.StartedOn != "2025-02-14" || mine.Role != "Health visitor" || !mine.CAF || mine.ID != "pending:"+start.ID {
		t.Fatalf("the optimistic view after the edit %+v", mine)
	}

	newID := &signpost.Identity{GivenName: "Joanne", FamilyName: "Fixture", DateOfBirth: "2015-04-03", Postcode: "ls61aa"}
	_, err = f.s.Edit(ctx, met.ID, Edit{Identity: newID, Role: "Outreach worker"})
	must(t, err)
	got := provisional(t, f.s, "")
	if len(got) != 1 || got[0].GivenName != "Joanne" || got[0].DateOfBirth != "2015-04-03" || got[0].Role != "Outreach worker" {
		t.Fatalf("provisional row after the edit %+v", got)
	}

	// Still in the same order, with the same ids; sent as edited.
	batch, err := f.s.NextBatch(ctx, 10)
	must(t, err)
	if len(batch) != 3 || batch[0].ID != start.ID || batch[1].ID != caf.ID || batch[2].ID != met.ID {
		t.Fatalf("batch %v", ids(batch))
	}
	if batch[0].On != "2025-02-14" || batch[2].Identity.GivenName != "Joanne" || batch[2].Identity.Postcode != "LS6 1AA" {
		t.Fatalf("sent %+v / %+v", batch[0], batch[2].Identity)
	}
}

func TestEditIsRefusedInFlightAndWhenInvalid(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	must(t, f.s.ApplyPull(ctx, pull(child(1, "Jamie", "Fixture", true))))
	id := signpost.SignpostID(1)
	caf := mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: id, Value: true})
	end := mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutEndInvolvement, ChildID: id, On: "2025-03-09"})
	met := mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutMetChild, Identity: jo()})

	bad := []struct {
		name  string
		id    string
		edit  Edit
		kind  signpost.ErrorKind
		field string
	}{
		{"not a date", end.ID, Edit{On: "2025-02-30"}, signpost.KindInvalid, "on"},
		{"in the future", end.ID, Edit{On: "2025-03-11"}, signpost.KindInvalid, "on"},
		{"before the start", end.ID, Edit{On: "2024-08-31"}, signpost.KindInvalid, "on"},
		{"role on an end", end.ID, Edit{On: "2025-03-09", Role: "Nurse"}, signpost.KindInvalid, "role"},
		{"bad postcode", met.ID, Edit{Identity: &signpost.Identity{GivenName: "Jo", FamilyName: "Fixture", DateOfBirth: "2015-03-04", Postcode: "nowhere"}}, signpost.KindInvalid, "postcode"},
		{"no identity", met.ID, Edit{}, signpost.KindInvalid, "identity"},
		{"a flag", caf.ID, Edit{}, signpost.KindConflict, ""},
		{"unknown", "no-such-change", Edit{}, signpost.KindNotFound, ""},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.s.Edit(ctx, tc.id, tc.edit)
			if de := wantKind(t, err, tc.kind); de.Field != tc.field {
				t.Errorf("field %q, want %q", de.Field, tc.field)
			}
		})
	}
	c, err := f.s.Child(ctx, id)
	must(t, err)
	if c.Involvements[1].EndedOn != "2025-03-09" {
		t.Fatalf("a refused edit changed the record: %+v", c.Involvements[1])
	}

	_, err = f.s.NextBatch(ctx, 10)
	must(t, err)
	_, err = f.s.Edit(ctx, end.ID, Edit{On: "2025-03-08"})
	if de := wantKind(t, err, signpost.KindConflict); de.Message == "" {
		t.Fatal("no reason given")
	}
	if b, _ := f.s.NextBatch(ctx, 10); len(b) != 0 {
		t.Fatalf("the refused edit put changes back in the queue: %v", ids(b))
	}
}

func TestEditIsRefusedWhenItWouldBreakAChangeQueuedAfterIt(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	jamie := child(1, "Jamie", "Fixture", false)
	must(t, f.s.SaveLookup(ctx, &jamie))
	start := mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutStartInvolvement, ChildID: jamie.SignpostID, On: "2025-03-01"})
	mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutEndInvolvement, ChildID: jamie.SignpostID, On: "2025-03-05"})
	_, err := f.s.Edit(ctx, start.ID, Edit{On: "2025-03-08"})
	de := wantKind(t, err, signpost.KindConflict)
	if !strings.Contains(de.Message, "end involvement with this child") || !strings.Contains(de.Message, "before the involvement started") {
		t.Fatalf("message %q", de.Message)
	}
	_, err = f.s.Edit(ctx, start.ID, Edit{On: "2025-03-04"}) // still before the end
	must(t, err)
}
