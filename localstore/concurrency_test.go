package localstore

import (
	"context"
	gosync "sync"
	"testing"

	"signpost"
)

// TestConcurrentUse drives the store as the app does: the UI saving changes
// and reading, the sync loop pushing and answering, and the idle timer
// locking, all at once. Any error other than "locked" fails, and the race
// detector watches the rest.
func TestConcurrentUse(t *testing.T) {
	f := newFixture(t, signpost.Policy{})
	ctx := context.Background()
	var cs []signpost.Child
	for i := 1; i <= 20; i++ {
		cs = append(cs, child(i, "Sam", "Smith", true))
	}
	must(t, f.s.ApplyPull(ctx, pull(cs...)))

	ok := func(err error) {
		if err != nil && signpost.KindOf(err) != signpost.KindLocked {
			t.Error(err)
		}
	}
	var wg gosync.WaitGroup
	for w := range 3 {
		wg.Go(func() {
			for i := range 40 {
				id := signpost.SignpostID(1 + (w*40+i)%20)
				_, err := f.s.Enqueue(ctx, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: id, Value: i%2 == 0})
				ok(err)
				_, err = f.s.ViewChild(ctx, id, "")
				ok(err)
				_, err = f.s.Caseload(ctx, "sam")
				ok(err)
			}
		})
	}
	wg.Go(func() { // the sync loop
		for range 40 {
			batch, err := f.s.NextBatch(ctx, 5)
			ok(err)
			var rs []signpost.MutationResult
			for i, m := range batch {
				st := signpost.ResultApplied
				if i == 0 {
					st = signpost.ResultRejected
				}
				rs = append(rs, signpost.MutationResult{ID: m.ID, Status: st, Reason: "test"})
			}
			ok(f.s.MarkResults(ctx, rs))
			ok(f.s.ApplyPull(ctx, pull(cs[:5]...)))
		}
	})
	wg.Go(func() { // the idle timer
		for range 10 {
			ok(f.s.Lock())
			ok(f.s.Unlock(ctx, testPass))
		}
	})
	wg.Wait()
	must(t, f.s.Unlock(ctx, testPass))
	items, err := f.s.Outbox(ctx)
	must(t, err)
	n, err := f.s.PendingCount(ctx)
	must(t, err)
	rejected := 0
	for _, it := range items {
		if it.State == StateRejected {
			rejected++
		}
	}
	if n+rejected != len(items) {
		t.Fatalf("%d items, %d pending, %d rejected", len(items), n, rejected)
	}
	// The view chain survived the interleaving.
	batch, err := f.s.NextBatch(ctx, MaxBatch)
	must(t, err)
	for _, m := range batch {
		if m.Kind == signpost.MutView && m.Hash != m.ViewHash() {
			t.Fatalf("view %s does not verify", m.ID)
		}
	}
}
