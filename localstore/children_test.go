package localstore

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"signpost"
)

func TestShieldingRemovesTheUnshieldedCopy(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	jamie := child(1, "Jamie", "Fixture", true)
	alex := child(2, "Alex", "Other", true)
	must(t, f.s.ApplyPull(ctx, pull(jamie, alex)))
	// A change to Alex is unsent when Alex leaves the scope.
	m := mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: alex.SignpostID, Value: true})

	redacted := jamie.Redact(nurse)
	resp := pull(*redacted)
	resp.Removals = []signpost.Removal{
		{SignpostID: jamie.SignpostID, Reason: signpost.RemovedShielded},
		{SignpostID: alex.SignpostID, Reason: signpost.RemovedLeftScope},
	}
	resp.Cursor = "7"
	must(t, f.s.ApplyPull(ctx, resp))

	c, err := f.s.Child(ctx, jamie.SignpostID)
	must(t, err)
	if !c.Shielded || !c.Redacted || c.Address != "" || c.Postcode != "" || len(c.Carers) != 0 || c.School != nil || c.ContactVia == "" {
		t.Fatalf("shielded copy keeps withheld fields: %+v", c)
	}
	if len(c.Involvements) != 1 || !c.Involvements[0].Mine {
		t.Fatalf("shielded copy involvements %+v", c.Involvements)
	}
	_, err = f.s.Child(ctx, alex.SignpostID)
	wantKind(t, err, signpost.KindNotFound)
	cs, err := f.s.Caseload(ctx, "")
	must(t, err)
	if len(cs) != 1 || cs[0].SignpostID != jamie.SignpostID || !cs[0].Shielded {
		t.Fatalf("caseload %+v", cs)
	}
	// Searching by the withheld postcode finds nothing; by name and date of
	// birth finds the shielded child.
	got, err := f.s.SearchCache(ctx, signpost.SearchRequest{FamilyName: "Fixture", GivenName: "Jamie", Postcode: "LS1 4AP"})
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("found by a withheld field: %+v", got)
	}
	got, err = f.s.SearchCache(ctx, signpost.SearchRequest{FamilyName: "Other", DateOfBirth: "2015-03-04"})
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("a removed child is still found: %+v", got)
	}
	got, err = f.s.SearchCache(ctx, signpost.SearchRequest{FamilyName: "Fixture", DateOfBirth: "2015-03-04"})
	must(t, err)
	if len(got) != 1 || !got[0].Shielded {
		t.Fatalf("shielded child by visible fields: %+v", got)
	}
	// The unsent change stays for the directory to judge.
	if _, ok := outboxStates(t, f.s)[m.ID]; !ok {
		t.Fatal("removing a child dropped its unsent change")
	}
	items, err := f.s.Outbox(ctx)
	must(t, err)
	if items[0].Description != "Record a CAF for child "+alex.SignpostID {
		t.Fatalf("description %q", items[0].Description)
	}
	cur, err := f.s.Cursor(ctx)
	must(t, err)
	if cur != "7" {
		t.Fatalf("cursor %q", cur)
	}
}

func TestApplyPullValidatesBeforeWriting(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	bad := child(1, "Jamie", "Fixture", true)
	bad.SignpostID = "SP1"
	resp := pull(child(2, "Alex", "Other", true), bad)
	wantKind(t, f.s.ApplyPull(ctx, resp), signpost.KindInvalid)
	cs, err := f.s.Caseload(ctx, "")
	must(t, err)
	if len(cs) != 0 {
		t.Fatalf("a refused pull was partly applied: %+v", cs)
	}
	wantKind(t, f.s.ApplyPull(ctx, nil), signpost.KindInvalid)
}

func TestPullDirectives(t *testing.T) {
	t.Run("lock", func(t *testing.T) {
		f := newFixture(t, signpost.Policy{})
		resp := pull(child(1, "Jamie", "Fixture", true))
		resp.Directives = []signpost.Directive{{Kind: signpost.DirectiveLock}}
		wantKind(t, f.s.ApplyPull(context.Background(), resp), signpost.KindLocked)
		if !f.s.Locked() {
			t.Fatal("a lock directive left the cache unlocked")
		}
		must(t, f.s.Unlock(context.Background(), testPass))
		if _, err := f.s.Child(context.Background(), signpost.SignpostID(1)); err != nil {
			t.Fatalf("the pull before the lock was not saved: %v", err)
		}
	})
	t.Run("wipe", func(t *testing.T) {
		f := newFixture(t, signpost.Policy{})
		ctx := context.Background()
		must(t, f.s.ApplyPull(ctx, pull(child(1, "Jamie", "Fixture", true))))
		mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: signpost.SignpostID(1), Value: true})
		resp := pull()
		resp.Directives = []signpost.Directive{{Kind: signpost.DirectiveWipe, Reason: "device reported stolen"}}
		err := f.s.ApplyPull(ctx, resp)
		wantKind(t, err, signpost.KindWiped)
		if rep, ok := WipeReportOf(err); !ok || rep.PendingLost != 1 {
			t.Fatalf("report %+v", rep)
		}
		wantNoFiles(t, f.dir)
	})
}

func TestSignpostingResultsExpireAndArePurged(t *testing.T) {
	f := newFixture(t, signpost.Policy{LookupRetentionDays: 30, OfflineWipeDays: 90})
	ctx := context.Background()
	kept := child(1, "Jamie", "Fixture", false)
	gone := child(2, "Alex", "Other", false)
	dirty := child(3, "Sam", "Third", false)
	must(t, f.s.SaveLookup(ctx, &kept))
	must(t, f.s.SaveLookup(ctx, &gone))
	must(t, f.s.SaveLookup(ctx, &dirty))
	f.clock.Advance(20 * 24 * time.Hour)
	must(t, f.s.RecordContact(ctx, f.clock.Now()))
	must(t, f.s.SaveLookup(ctx, &kept)) // looked up again: kept for another 30 days
	mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutStartInvolvement, ChildID: dirty.SignpostID})
	n, err := f.s.PurgeExpired(ctx)
	must(t, err)
	if n != 0 {
		t.Fatalf("purged %d before expiry", n)
	}
	f.clock.Advance(11 * 24 * time.Hour)
	must(t, f.s.RecordContact(ctx, f.clock.Now()))
	// Past its expiry a result is hidden even before the purge.
	_, err = f.s.Child(ctx, gone.SignpostID)
	wantKind(t, err, signpost.KindNotFound)
	n, err = f.s.PurgeExpired(ctx)
	must(t, err)
	if n != 1 {
		t.Fatalf("purged %d, want 1", n)
	}
	var rows int
	must(t, f.s.db.QueryRow(`SELECT count(*) FROM children WHERE signpost_id = ?`, gone.SignpostID).Scan(&rows))
	if rows != 0 {
		t.Fatal("an expired result is still stored")
	}
	if _, err := f.s.Child(ctx, kept.SignpostID); err != nil {
		t.Fatalf("a renewed result was purged: %v", err)
	}
	if _, err := f.s.Child(ctx, dirty.SignpostID); err != nil {
		t.Fatalf("a child now on the caseload was purged: %v", err)
	}
	// Unlock purges too.
	f.clock.Advance(31 * 24 * time.Hour)
	must(t, f.s.RecordContact(ctx, f.clock.Now()))
	must(t, f.s.Lock())
	must(t, f.s.Unlock(ctx, testPass))
	must(t, f.s.db.QueryRow(`SELECT count(*) FROM children`).Scan(&rows))
	if rows != 1 {
		t.Fatalf("%d children after unlock, want only the one on the caseload", rows)
	}
}

func TestCaseloadFilterAndBadges(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	a := child(1, "Zoë", "O'Brien-Smith", true)
	a.Involvements[1].LeadProfessional = true
	b := child(2, "Jamie", "Fixture", true)
	b.Involvements[1].CAF = true
	kim := child(3, "Kim", "Hidden", true)
	shielded := kim.Redact(nurse)
	other := child(4, "Not", "Mine", false)
	ended := child(5, "Was", "Mine", true)
	ended.Involvements[1].EndedOn = "2025-01-01"
	must(t, f.s.ApplyPull(ctx, pull(a, b, *shielded, other, ended)))

	all, err := f.s.Caseload(ctx, "")
	must(t, err)
	var names []string
	for _, c := range all {
		names = append(names, c.FamilyName)
	}
	if len(all) != 3 || names[0] != "Fixture" || names[1] != "Hidden" || names[2] != "O'Brien-Smith" {
		t.Fatalf("caseload %v", names)
	}
	if !all[0].CAF || all[0].LeadProfessional || !all[1].Shielded || !all[2].LeadProfessional || all[2].CAF {
		t.Fatalf("badges %+v", all)
	}
	for _, tc := range []struct {
		filter string
		want   string
	}{
		{"obrien", signpost.SignpostID(1)},
		{"ZOE O'BRIEN", signpost.SignpostID(1)},
		{"fixture jamie", signpost.SignpostID(2)},
		{"jamie fix", signpost.SignpostID(2)},
		{signpost.SignpostID(3), signpost.SignpostID(3)},
		{signpost.SignpostID(3)[8:], signpost.SignpostID(3)},
	} {
		got, err := f.s.Caseload(ctx, tc.filter)
		must(t, err)
		if len(got) != 1 || got[0].SignpostID != tc.want {
			t.Errorf("filter %q: %+v, want %s", tc.filter, got, tc.want)
		}
	}
	got, err := f.s.Caseload(ctx, "nobody")
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("filter nobody: %+v", got)
	}
}

func TestSearchCacheFollowsTheDirectorysRules(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	jamie := child(1, "James", "Fixture", true)
	jamie.DateOfBirth, jamie.NHSNumber = "2015-03-04", "943 476 5919"
	twin := child(2, "Olivia", "Fixture", false)
	twin.DateOfBirth = "2015-03-04"
	swapped := child(3, "Kai", "Fixtures", false)
	swapped.DateOfBirth = "2015-04-03"
	must(t, f.s.ApplyPull(ctx, pull(jamie)))
	must(t, f.s.SaveLookup(ctx, &twin))
	must(t, f.s.SaveLookup(ctx, &swapped))

	cases := []struct {
		name string
		req  signpost.SearchRequest
		want []string
	}{
		{"family and dob", signpost.SearchRequest{FamilyName: "Fixture", DateOfBirth: "2015-03-04"},
			[]string{jamie.SignpostID, twin.SignpostID, swapped.SignpostID}},
		{"typo and variant", signpost.SearchRequest{FamilyName: "Fixtrue", GivenName: "Jim", DateOfBirth: "2015-03-04"}, []string{jamie.SignpostID}},
		{"typo variant postcode", signpost.SearchRequest{FamilyName: "Fixtrue", GivenName: "Jimmy", Postcode: "LS1 4AP"}, []string{jamie.SignpostID}},
		{"day and month swapped", signpost.SearchRequest{FamilyName: "Fixtures", GivenName: "Kai", DateOfBirth: "2015-03-04"}, []string{swapped.SignpostID}},
		{"family given postcode", signpost.SearchRequest{FamilyName: "fixture", GivenName: "livvy", Postcode: "ls14ap"}, []string{twin.SignpostID}},
		{"signpost id", signpost.SearchRequest{SignpostID: jamie.SignpostID}, []string{jamie.SignpostID}},
		{"nhs number", signpost.SearchRequest{NHSNumber: "9434765919"}, []string{jamie.SignpostID}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.s.SearchCache(ctx, tc.req)
			must(t, err)
			var gotIDs []string
			for _, m := range got {
				gotIDs = append(gotIDs, m.SignpostID)
				if m.Score < signpost.MatchThreshold || m.Score > 1 {
					t.Errorf("score %v", m.Score)
				}
			}
			if len(gotIDs) != len(tc.want) {
				t.Fatalf("got %v, want %v", gotIDs, tc.want)
			}
			for i := range gotIDs {
				if gotIDs[i] != tc.want[i] && tc.name != "family and dob" {
					t.Fatalf("got %v, want %v", gotIDs, tc.want)
				}
			}
		})
	}
	for _, tc := range []struct {
		req   signpost.SearchRequest
		field string
	}{
		{signpost.SearchRequest{FamilyName: "Fixture"}, "date_of_birth"},
		{signpost.SearchRequest{GivenName: "James", Postcode: "LS1 4AP"}, "family_name"},
		{signpost.SearchRequest{FamilyName: "Fixture", DateOfBirth: "2015-02-30"}, "date_of_birth"},
		{signpost.SearchRequest{NHSNumber: "1234567890"}, "nhs_number"},
		// The directory's reason cap holds offline too.
		{signpost.SearchRequest{FamilyName: "Fixture", DateOfBirth: "2015-03-04", Reason: strings.Repeat("a", signpost.MaxReasonLen+1)}, "reason"},
		{signpost.SearchRequest{FamilyName: "Fixture\n", DateOfBirth: "2015-03-04"}, "family_name"},
	} {
		_, err := f.s.SearchCache(ctx, tc.req)
		if de := wantKind(t, err, signpost.KindInvalid); de.Field != tc.field {
			t.Errorf("%+v: field %q, want %q", tc.req, de.Field, tc.field)
		}
	}
}

// TestSearchCacheMoreDetailNarrowsTooMany: offline, as online, a postcode
// beside the date of birth finds the one Sam Smith who lives there.
func TestSearchCacheMoreDetailNarrowsTooMany(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	var cs []signpost.Child
	for i := 1; i <= signpost.MaxMatches+2; i++ {
		c := child(i, "Sam", "Smith", true)
		c.Postcode = fmt.Sprintf("LS%d 1AA", i)
		cs = append(cs, c)
	}
	must(t, f.s.ApplyPull(ctx, pull(cs...)))
	req := signpost.SearchRequest{FamilyName: "Smith", GivenName: "Sam", DateOfBirth: "2015-03-04"}
	_, err := f.s.SearchCache(ctx, req)
	wantKind(t, err, signpost.KindTooMany)
	req.Postcode = "LS6 1AA"
	got, err := f.s.SearchCache(ctx, req)
	if err != nil || len(got) != 1 || got[0].SignpostID != signpost.SignpostID(6) {
		t.Errorf("Sam Smith at LS6 1AA: %+v %v, want only %s", got, err, signpost.SignpostID(6))
	}
}

func TestSearchCacheSaysTooMany(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	var cs []signpost.Child
	for i := 1; i <= signpost.MaxMatches+1; i++ {
		cs = append(cs, child(i, "Sam", "Smith", true))
	}
	must(t, f.s.ApplyPull(ctx, pull(cs...)))
	_, err := f.s.SearchCache(ctx, signpost.SearchRequest{FamilyName: "Smith", DateOfBirth: "2015-03-04"})
	wantKind(t, err, signpost.KindTooMany)
	got, err := f.s.SearchCache(ctx, signpost.SearchRequest{SignpostID: signpost.SignpostID(3)})
	must(t, err)
	if len(got) != 1 {
		t.Fatalf("by id: %+v", got)
	}
}

func TestSetUserBelongsToOneUser(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	err := f.s.SetUser(ctx, signpost.User{Username: "someone.else"})
	wantKind(t, err, signpost.KindConflict)
	must(t, f.s.SetUser(ctx, signpost.User{Username: nurse, DisplayName: "Nia Jones-Smith"}))
	u, err := f.s.Username(ctx)
	must(t, err)
	if u != nurse {
		t.Fatalf("username %q", u)
	}
	must(t, f.s.SetToken(ctx, "tok"))
	must(t, f.s.SetServerURL(ctx, " https://directory.example "))
	tok, err := f.s.Token(ctx)
	must(t, err)
	url, err := f.s.ServerURL(ctx)
	must(t, err)
	if tok != "tok" || url != "https://directory.example" || f.s.DeviceID() == "" {
		t.Fatalf("token %q url %q device %q", tok, url, f.s.DeviceID())
	}
	f.reopen(t)
	if tok, _ := f.s.Token(ctx); tok != "tok" {
		t.Fatalf("token after reopen %q", tok)
	}
	must(t, f.s.Lock())
	_, err = f.s.Token(ctx)
	wantKind(t, err, signpost.KindLocked)
}

// A record fetched unshielded just before a shielding, whose answer arrives
// after the pull that brought the shielded copy, must not overwrite it; nor
// may it bring back a child a pull removed.
func TestAStaleCopyNeverOverwritesANewerOne(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	full := child(3, "Kim", "Late", false)
	full.Address, full.Postcode = "1 Refuge Road", "LS6 1AA"
	full.Seq = 10
	must(t, f.s.SaveLookup(ctx, &full))

	redacted := full.Redact(nurse)
	redacted.Seq = 12
	resp := pull(*redacted)
	resp.Removals = []signpost.Removal{{SignpostID: full.SignpostID, Reason: signpost.RemovedShielded, Seq: 11}}
	must(t, f.s.ApplyPull(ctx, resp))

	late := full // the GET that was in flight
	must(t, f.s.SaveLookup(ctx, &late))
	c, err := f.s.Child(ctx, full.SignpostID)
	must(t, err)
	if !c.Shielded || c.Address != "" || c.Postcode != "" {
		t.Fatalf("a stale unshielded copy replaced the shielded one: %+v", c)
	}

	// A child removed from the cache does not come back in an older copy,
	// but does in a newer one.
	gone := child(4, "Lou", "Left", false)
	gone.Seq = 15
	must(t, f.s.SaveLookup(ctx, &gone))
	leave := pull()
	leave.Removals = []signpost.Removal{{SignpostID: gone.SignpostID, Reason: signpost.RemovedLeftScope, Seq: 20}}
	must(t, f.s.ApplyPull(ctx, leave))
	must(t, f.s.SaveLookup(ctx, &gone))
	_, err = f.s.Child(ctx, gone.SignpostID)
	wantKind(t, err, signpost.KindNotFound)
	gone.Seq = 25
	must(t, f.s.SaveLookup(ctx, &gone))
	if _, err := f.s.Child(ctx, gone.SignpostID); err != nil {
		t.Fatalf("a copy newer than the removal was not stored: %v", err)
	}
}

// A change the directory refused marks its child's caseload line until the
// practitioner sends it again or discards it; it is not "waiting to sync".
func TestCaseloadMarksAChildWithARefusedChange(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	must(t, f.s.ApplyPull(ctx, pull(child(1, "Jamie", "Fixture", true), child(2, "Alex", "Other", true))))
	a := mustEnqueue(t, f.s, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: signpost.SignpostID(1), Value: true})
	marks := func() map[string][2]bool {
		t.Helper()
		cs, err := f.s.Caseload(ctx, "")
		must(t, err)
		m := map[string][2]bool{}
		for _, c := range cs {
			m[c.SignpostID] = [2]bool{c.PendingChange, c.RefusedChange}
		}
		return m
	}
	if got := marks()[signpost.SignpostID(1)]; got != [2]bool{true, false} {
		t.Fatalf("queued: pending, refused = %v, want pending only", got)
	}
	_, err := f.s.NextBatch(ctx, 10)
	must(t, err)
	must(t, f.s.MarkResults(ctx, []signpost.MutationResult{{ID: a.ID, Status: signpost.ResultRejected, Reason: "no"}}))
	m := marks()
	if m[signpost.SignpostID(1)] != [2]bool{false, true} || m[signpost.SignpostID(2)] != [2]bool{false, false} {
		t.Fatalf("refused: %v, want Jamie refused and not pending, Alex unmarked", m)
	}
	must(t, f.s.Dismiss(ctx, a.ID))
	if got := marks()[signpost.SignpostID(1)]; got != [2]bool{false, false} {
		t.Errorf("dismissed: pending, refused = %v, want neither", got)
	}
}
