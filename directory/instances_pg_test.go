package directory_test

// Issue 17: two directory instances on one PostgreSQL, each a real Server
// over its own postgres.Store, none holding state the other needs.

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"signpost"
	"signpost/directory"
	"signpost/directory/demo"
	"signpost/directory/postgres"
	"signpost/directory/postgres/pgtest"
)

// twoInstances starts two directories on one new PostgreSQL database seeded
// with the demo, sharing one clock.
func twoInstances(t *testing.T) (a, b *env) {
	t.Helper()
	ctx := context.Background()
	url := pgtest.URL(t)
	clk := &clock{t: time.Now().UTC()}
	start := func(seed bool) *env {
		st, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		if seed {
			if err := demo.Seed(ctx, st, 20, clk.Now(), cheap); err != nil {
				t.Fatal(err)
			}
			if err := directory.SetPolicy(ctx, st, laxPolicy()); err != nil {
				t.Fatal(err)
			}
		}
		srv := directory.NewServer(st, directory.Config{Now: clk.Now, SearchRate: 1000, SearchBurst: 1000, WaitTimeout: 8 * time.Second,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		hs := httptest.NewServer(srv)
		fx, err := demo.Fixtures(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			hs.Close()
			srv.Close()
			st.Close()
		})
		return &env{t: t, server: srv, http: hs, clock: clk, jamie: fx.Jamie, riley: fx.Riley, fixtures: fx}
	}
	a = start(true)
	b = start(false)
	return a, b
}

// A wipe ordered through one instance reaches a device long-polling on the
// other within 5 s (LISTEN/NOTIFY wakes the other's hub).
func TestWipeOrderedOnOneInstanceReachesALongPollOnTheOther(t *testing.T) {
	a, b := twoInstances(t)
	nurse, dev := b.login("nurse")
	wait := b.waitFor(nurse, b.cursorOf(nurse))
	time.Sleep(300 * time.Millisecond) // the long-poll is waiting on b
	ordered := time.Now()
	if r := a.orderWipe(dev); r.status != 202 {
		t.Fatalf("order wipe through a: %d %s", r.status, r.body)
	}
	select {
	case r := <-wait:
		var wr signpost.WaitResponse
		r.json(t, &wr)
		wiped := false
		for _, d := range wr.Directives {
			wiped = wiped || d.Kind == signpost.DirectiveWipe
		}
		if !wiped {
			t.Fatalf("b's long-poll answered without the wipe: %s", r.body)
		}
		t.Logf("the wipe reached b's long-poll %v after it was ordered on a", time.Since(ordered).Round(time.Millisecond))
	case <-time.After(5 * time.Second):
		t.Fatal("a wipe ordered on one instance did not reach a long-poll on the other within 5 s")
	}
}

// A push replayed through the other instance is a duplicate, and a change
// pushed on one is pulled from the other.
func TestPushOnOneInstancePulledAndReplayedOnTheOther(t *testing.T) {
	a, b := twoInstances(t)
	nurse, dev := a.login("nurse")
	var first signpost.PullResponse
	a.do("GET", "/v1/sync/pull", nurse, nil).json(t, &first)
	if len(first.Changes) == 0 {
		t.Fatal("the nurse has no caseload")
	}
	child := first.Changes[0].SignpostID
	m := mut(signpost.MutSetCAF, child)
	m.Value = true
	if r := a.push(nurse, m)[0]; r.Status != signpost.ResultApplied {
		t.Fatalf("push on a: %+v", r)
	}
	// The same device's session is good on b: sessions live in the database.
	if r := b.push(nurse, m)[0]; r.Status != signpost.ResultDuplicate {
		t.Fatalf("the replay on b: %+v, want duplicate", r)
	}
	var p signpost.PullResponse
	b.do("GET", "/v1/sync/pull", nurse, nil).json(t, &p)
	found := false
	for _, c := range p.Changes {
		if c.SignpostID == child {
			for _, inv := range c.Involvements {
				found = found || inv.CAF
			}
		}
	}
	if !found {
		t.Errorf("the CAF pushed on a is not in the pull from b (device %s)", dev)
	}
}
