package storetest

// Issue 17, shared limits: the token buckets and the day's counts that
// several directory processes on one store decide by (directory/shared.go).

import (
	gosync "sync"
	"testing"
	"time"

	"signpost/directory"
)

func testTokensAndDayCounts(t *testing.T, st directory.Store) {
	b := directory.Bucket{Every: 3 * time.Minute, Burst: 5}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	take := func(key string, at time.Time) time.Duration {
		t.Helper()
		wait, err := st.TakeToken(ctx, key, b, at)
		must(t, err)
		return wait
	}
	for i := range 5 {
		if w := take("ann", now); w != 0 {
			t.Fatalf("take %d of a full bucket of 5 refused, wait %v", i+1, w)
		}
	}
	if w := take("ann", now); w != 3*time.Minute {
		t.Fatalf("the sixth take: wait %v, want 3m (one token every 3 minutes)", w)
	}
	if w := take("ben", now); w != 0 {
		t.Fatalf("another key's bucket is not full: wait %v", w)
	}
	if w := take("ann", now.Add(time.Minute)); w != 2*time.Minute {
		t.Fatalf("a minute on: wait %v, want 2m", w)
	}
	if w := take("ann", now.Add(3*time.Minute)); w != 0 {
		t.Fatalf("three minutes on, a token came back, but the take waits %v", w)
	}
	if w := take("ann", now.Add(3*time.Minute)); w == 0 {
		t.Fatal("the token that came back was spent twice")
	}
	must(t, st.ReturnToken(ctx, "ann", b))
	if w := take("ann", now.Add(3*time.Minute)); w != 0 {
		t.Fatalf("a token given back cannot be taken: wait %v", w)
	}
	must(t, st.ForgetTokens(ctx, "ann"))
	for i := range 5 {
		if w := take("ann", now.Add(3*time.Minute)); w != 0 {
			t.Fatalf("take %d after forgetting refused, wait %v", i+1, w)
		}
	}
	must(t, st.ForgetTokens(ctx, "nobody")) // forgetting an unknown key is no error

	// Racing takes of one bucket spend exactly its tokens.
	var wg gosync.WaitGroup
	var mu gosync.Mutex
	granted := 0
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wait, err := st.TakeToken(ctx, "race", b, now)
			if err != nil {
				t.Errorf("take %d: %v", i, err)
				return
			}
			if wait == 0 {
				mu.Lock()
				granted++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if granted != 5 {
		t.Errorf("20 racing takes of a bucket of 5 were granted %d", granted)
	}

	// The day's counts: added atomically, read back, never lowered.
	ann, err := st.Account(ctx, "ann")
	must(t, err)
	day := "2026-03-02"
	add := func(n int) int {
		t.Helper()
		got, err := st.AddAccessCount(ctx, directory.AccessCount{UserID: ann.ID, Day: day, Action: "search", N: n})
		must(t, err)
		return got
	}
	if n := add(1); n != 1 {
		t.Fatalf("the first count of the day is %d", n)
	}
	if n := add(2); n != 3 {
		t.Fatalf("1 + 2 = %d", n)
	}
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := st.AddAccessCount(ctx, directory.AccessCount{UserID: ann.ID, Day: day, Action: "search", N: 1}); err != nil {
				t.Errorf("add %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	must(t, st.SaveAccessCounts(ctx, []directory.AccessCount{{UserID: ann.ID, Day: day, Action: "search", N: 4}}))
	if n, err := st.AccessCount(ctx, ann.ID, day, "search"); err != nil || n != 23 {
		t.Fatalf("after 3 and 20 racing adds and a lower save: %d, %v; want 23", n, err)
	}
	if n, err := st.AccessCount(ctx, ann.ID, "2026-03-03", "search"); err != nil || n != 0 {
		t.Errorf("the next day's count: %d, %v", n, err)
	}

}
