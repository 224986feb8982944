package directory_test

import (
	"context"
	gosync "sync"
	"testing"
	"time"

	"signpost"
	"signpost/directory"
	"signpost/directory/demo"
)

// jamieByPostcode is a search on a hidden field: it must never find a
// shielded child.
var jamieByPostcode = signpost.SearchRequest{GivenName: "Jamie", FamilyName: "Fixture", Postcode: "LS1 4AP", Reason: "school referral"}

func TestPostcodeSearchNeverFindsAChildShieldedByAnotherProcess(t *testing.T) {
	e := newEnv(t, 200, nil)
	ctx := context.Background()
	if err := e.store.BuildSearchIndex(ctx); err != nil {
		t.Fatal(err)
	}
	nurse, _ := e.login("nurse")
	if r := e.search(nurse, jamieByPostcode); len(r.Matches) != 1 {
		t.Fatalf("before shielding: %+v", r)
	}
	// An admin command in another process shields Jamie: this process's
	// index does not hear of it at once.
	other, err := e.openOther(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.SetShield(ctx, e.jamie, &directory.Shield{Reason: "refuge", ReviewDate: "2030-01-01", By: "manager", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if r := e.search(nurse, jamieByPostcode); len(r.Matches) != 0 {
		t.Fatalf("a search by postcode found a child shielded a moment ago: %+v", r)
	}
}

func TestSearchesRacingAShieldNeverFindTheChildAfterIt(t *testing.T) {
	e := newEnv(t, 200, nil)
	ctx := context.Background()
	if err := e.store.BuildSearchIndex(ctx); err != nil {
		t.Fatal(err)
	}
	nurse, _ := e.login("nurse")
	manager, _ := e.login("manager")
	var mu gosync.Mutex
	var shieldedAt time.Time
	type result struct {
		started time.Time
		found   bool
	}
	var results []result
	var wg gosync.WaitGroup
	stop := make(chan struct{})
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				select {
				case <-stop:
					return
				default:
				}
				start := time.Now()
				r := e.do("POST", "/v1/search", nurse, jamieByPostcode)
				if r.status != 200 {
					continue
				}
				var sr signpost.SearchResponse
				r.json(t, &sr)
				mu.Lock()
				results = append(results, result{start, len(sr.Matches) > 0})
				mu.Unlock()
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	r := e.do("POST", "/v1/children/"+e.jamie+"/shield", manager, signpost.ShieldRequest{Reason: "family fleeing abuse", ReviewDate: time.Now().AddDate(0, 3, 0).Format(signpost.DateLayout)})
	if r.status != 200 {
		t.Fatalf("shield: %d %s", r.status, r.body)
	}
	mu.Lock()
	shieldedAt = time.Now()
	mu.Unlock()
	time.Sleep(100 * time.Millisecond)
	close(stop)
	wg.Wait()
	after := 0
	for _, res := range results {
		if res.started.After(shieldedAt) {
			after++
			if res.found {
				t.Fatalf("a search started %v after the shielding was answered found the child", res.started.Sub(shieldedAt))
			}
		}
	}
	if after == 0 {
		t.Fatal("no search ran after the shielding: the test proved nothing")
	}
}

func TestShieldingNeedsAnAuthorityOnBothSides(t *testing.T) {
	e := newEnv(t, 20, nil)
	ctx := context.Background()
	must(t, e.store.CreateOrganisation(ctx, "National Team", "", true))
	must(t, e.store.CreateAccount(ctx, &directory.Account{User: signpost.User{Username: "nomad", DisplayName: "No Where", Role: signpost.RoleManagement, Organisation: "National Team"},
		PasswordHash: directory.HashPassword(demo.Password, cheap), TOTPSecret: demo.TOTPSecret, Accredited: true}))
	first, err := e.store.AllocateSerials(ctx, 1)
	must(t, err)
	orphan := signpost.Child{SignpostID: e.store.IDCodec().ID(first), GivenName: "Ola", FamilyName: "Nowhere", DateOfBirth: "2014-04-04", Gender: "female"}
	must(t, e.store.CreateChild(ctx, &orphan))
	req := signpost.ShieldRequest{Reason: "adoption placement", ReviewDate: time.Now().AddDate(0, 3, 0).Format(signpost.DateLayout)}
	nomad, _ := e.login("nomad")
	manager, _ := e.login("manager")
	for _, tc := range []struct {
		name, token, child string
		status             int
	}{
		{"a team with no authority, a child with none", nomad, orphan.SignpostID, 403},
		{"a team with no authority, a Leeds child", nomad, e.jamie, 403},
		{"Leeds' team, a child with no authority", manager, orphan.SignpostID, 409},
	} {
		if r := e.do("POST", "/v1/children/"+tc.child+"/shield", tc.token, req); r.status != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, r.status, r.body, tc.status)
		}
	}
	if c, _ := e.store.Child(ctx, orphan.SignpostID); c.Shielded {
		t.Fatal("a child with no authority was shielded: nobody could see it")
	}
}
