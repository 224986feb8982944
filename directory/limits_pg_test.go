package directory_test

// Issue 17, shared limits: two directory instances on one PostgreSQL decide
// as one would. Wrong passwords split between them lock the account at the
// same count as on one; searches taking turns between them reach the day's
// harvest threshold at the same count as on one.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"

	"signpost"
	"signpost/directory"
	"signpost/directory/demo"
	"signpost/directory/postgres"
	"signpost/directory/postgres/pgtest"
)

// instancesWithPolicy starts two directories on one new PostgreSQL
// database seeded with the demo under policy p, sharing one clock, and
// returns them with a store of the test's own on the same database.
func instancesWithPolicy(t *testing.T, p signpost.Policy) (a, b *env, st directory.Store) {
	t.Helper()
	ctx := context.Background()
	url := pgtest.URL(t)
	clk := &clock{t: time.Now().UTC()}
	st, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := demo.Seed(ctx, st, 20, clk.Now(), cheap); err != nil {
		t.Fatal(err)
	}
	if err := directory.SetPolicy(ctx, st, p); err != nil {
		t.Fatal(err)
	}
	start := func() *env {
		ist, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		srv := directory.NewServer(ist, directory.Config{Now: clk.Now, SearchRate: 1000, SearchBurst: 1000,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		hs := httptest.NewServer(srv)
		t.Cleanup(func() {
			hs.Close()
			srv.Close()
			ist.Close()
		})
		return &env{t: t, server: srv, http: hs, clock: clk}
	}
	return start(), start(), st
}

// firstRefused makes attempt i on the instance at(i) for i = 1, 2, … and
// returns the number of the first answered 429 (0 if none of max was).
// Every other answer must be want.
func firstRefused(t *testing.T, max, want int, at func(i int) *env, attempt func(e *env) resp) int {
	t.Helper()
	for i := 1; i <= max; i++ {
		r := attempt(at(i))
		switch r.status {
		case http.StatusTooManyRequests:
			return i
		case want:
		default:
			t.Fatalf("attempt %d: %d %s, want %d or 429", i, r.status, r.body, want)
		}
	}
	return 0
}

func TestWrongPasswordsSplitBetweenInstancesLockTheAccountAsOneWould(t *testing.T) {
	a, b, _ := instancesWithPolicy(t, laxPolicy())
	wrong := func(user string) func(e *env) resp {
		return func(e *env) resp {
			return e.do("POST", "/v1/session", "", signpost.SessionRequest{Username: user, Password: "not the password",
				OTP: code(t, e.clock.Now()), DeviceID: uuid.NewString(), DeviceName: "x"})
		}
	}
	onA := func(int) *env { return a }
	turns := func(i int) *env {
		if i%2 == 0 {
			return b
		}
		return a
	}
	one := firstRefused(t, 20, http.StatusUnauthorized, onA, wrong("manager"))
	two := firstRefused(t, 20, http.StatusUnauthorized, turns, wrong("nurse"))
	t.Logf("wrong passwords: the first refused is number %d on one instance, %d taking turns between two", one, two)
	if one != 6 {
		t.Fatalf("on one instance the account is locked at wrong password %d, want 6 (five per 15 minutes)", one)
	}
	if two != one {
		t.Fatalf("taking turns between two instances the account is locked at wrong password %d; on one, at %d", two, one)
	}
	// Locked on both: the right password too, on either.
	right := func(e *env, user string) resp {
		return e.do("POST", "/v1/session", "", signpost.SessionRequest{Username: user, Password: demo.Password,
			OTP: code(t, e.clock.Now()), DeviceID: uuid.NewString(), DeviceName: "x"})
	}
	for _, e := range []*env{a, b} {
		if r := right(e, "nurse"); r.status != http.StatusTooManyRequests {
			t.Fatalf("the right password while locked: %d %s, want 429 on both instances", r.status, r.body)
		}
	}
	// Three minutes bring one attempt back, for both instances: spent on
	// b, it is gone on a.
	a.clock.Add(3 * time.Minute)
	if r := wrong("nurse")(b); r.status != http.StatusUnauthorized {
		t.Fatalf("three minutes on, a wrong password on b: %d %s, want 401", r.status, r.body)
	}
	if r := right(a, "nurse"); r.status != http.StatusTooManyRequests {
		t.Fatalf("the attempt b spent was spent again on a: %d %s", r.status, r.body)
	}
	// A sign-in on one instance forgets the failures for both.
	a.clock.Add(3 * time.Minute)
	if r := right(b, "nurse"); r.status != http.StatusOK {
		t.Fatalf("the right password three minutes later: %d %s", r.status, r.body)
	}
	a.clock.Add(time.Minute) // a fresh security code
	if n := firstRefused(t, 20, http.StatusUnauthorized, onA, wrong("nurse")); n != 6 {
		t.Fatalf("after a sign-in on b, a locks the account at wrong password %d, want 6", n)
	}
}

func TestHarvestThresholdOfSearchesReachedAtTheSameCountAcrossInstances(t *testing.T) {
	p := laxPolicy()
	p.HarvestSearchesPerDay = 5
	a, b, st := instancesWithPolicy(t, p)
	nurse, _ := a.login("nurse")   // Leeds
	social, _ := b.login("social") // Manchester
	search := func(token string) func(e *env) resp {
		return func(e *env) resp {
			return e.do("POST", "/v1/search", token, signpost.SearchRequest{FamilyName: "Fixture", DateOfBirth: "2015-03-14", Reason: "enquiry"})
		}
	}
	onA := func(int) *env { return a }
	turns := func(i int) *env {
		if i%2 == 0 {
			return b
		}
		return a
	}
	one := firstRefused(t, 30, http.StatusOK, onA, search(nurse))
	two := firstRefused(t, 30, http.StatusOK, turns, search(social))
	t.Logf("searches with a threshold of 5 a day: the first refused is number %d on one instance, %d taking turns between two", one, two)
	if one != 7 {
		t.Fatalf("on one instance the sixth search passes the threshold and the seventh is refused; the first refused was %d", one)
	}
	if two != one {
		t.Fatalf("taking turns between two instances the first search refused was %d; on one, %d", two, one)
	}
	// Slowed on both, and one alert for the day, not one per instance.
	for _, e := range []*env{a, b} {
		if r := search(social)(e); r.status != http.StatusTooManyRequests {
			t.Fatalf("a search while slowed: %d %s, want 429 on both instances", r.status, r.body)
		}
	}
	for _, auth := range []string{"Leeds", "Manchester"} {
		als, err := st.Alerts(context.Background(), directory.AlertFilter{Authority: auth})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, al := range als {
			if al.Kind == signpost.AlertHarvest {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s has %d harvest alerts, want 1", auth, n)
		}
	}
	// Slowed, not stopped: one search a quarter-minute, for both instances.
	a.clock.Add(15 * time.Second)
	if r := search(social)(b); r.status != http.StatusOK {
		t.Fatalf("a quarter-minute on, a search on b: %d %s", r.status, r.body)
	}
	if r := search(social)(a); r.status != http.StatusTooManyRequests {
		t.Fatalf("the quarter-minute's search b answered was answered again on a: %d %s", r.status, r.body)
	}
}

// BenchmarkSharedLimits measures what sharing the limits adds to a search
// on PostgreSQL (a count added and the day's slowing read) and to a sign-in
// (a token taken), beside the embedded store's memory:
//
//	eval "$(scripts/pgtest.sh start)"
//	go test -run '^$' -bench SharedLimits ./directory/
func BenchmarkSharedLimits(b *testing.B) {
	ctx := context.Background()
	stores := map[string]directory.Store{}
	emb, _ := benchStore(b, 10)
	defer emb.Close()
	stores["embedded"] = emb
	if os.Getenv("SIGNPOST_TEST_POSTGRES") != "" {
		pg, err := postgres.Open(ctx, pgtest.URL(b))
		if err != nil {
			b.Fatal(err)
		}
		defer pg.Close()
		stores["postgres"] = pg
	}
	for _, name := range []string{"embedded", "postgres"} {
		st := stores[name]
		if st == nil {
			continue
		}
		b.Run("store="+name+"/search-count", func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				for i := int64(0); pb.Next(); i++ {
					if _, err := st.AddAccessCount(ctx, directory.AccessCount{UserID: i % 64, Day: "2026-03-02", Action: "search", N: 1}); err != nil {
						b.Fatal(err)
					}
					if _, err := st.AccessCount(ctx, i%64, "2026-03-02", "slowed_searches"); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
		b.Run("store="+name+"/take-token", func(b *testing.B) {
			bk := directory.Bucket{Every: time.Millisecond, Burst: 1 << 20}
			now := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for i := 0; pb.Next(); i++ {
					if _, err := st.TakeToken(ctx, fmt.Sprint("k", i%64), bk, now); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
