package directory_test

// Issue 16: benchmarks of notification fan-out and delivery.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"signpost"
	"signpost/directory"
	"signpost/directory/demo"
	"signpost/directory/match"
	"signpost/directory/sqlcipher"
)

// fanoutStore is a demo store of n children in which the first moved
// children not shielded each have two practitioners working with them (one
// the lead), and Leeds, Manchester and Bradford each have a management team
// of three. It is kept in the temporary folder between runs, under a name
// of its own (the benchmark moves its children).
func fanoutStore(b *testing.B, n, moved int) (*sqlcipher.Store, []string) {
	b.Helper()
	ctx := context.Background()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("signpost-bench-fanout-%d-%d-v1", n, moved))
	st, err := sqlcipher.OpenDir(ctx, dir, "")
	if err != nil {
		b.Fatal(err)
	}
	var ids []string
	err = st.ScanIdentities(ctx, func(id match.Identity) error {
		if len(ids) < moved && !id.Shielded && !id.Deceased && (id.Authority == "Leeds" || id.Authority == "Manchester") {
			ids = append(ids, id.SignpostID())
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if done, _ := st.Setting(ctx, "bench_fanout"); done == "yes" && len(ids) == moved {
		return st, ids
	}
	start := time.Now()
	if err := demo.Seed(ctx, st, n, time.Now(), cheap); err != nil {
		b.Fatal(err)
	}
	ids = ids[:0]
	if err := st.ScanIdentities(ctx, func(id match.Identity) error {
		if len(ids) < moved && !id.Shielded && !id.Deceased && (id.Authority == "Leeds" || id.Authority == "Manchester") {
			ids = append(ids, id.SignpostID())
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	if len(ids) < moved {
		b.Fatalf("only %d children of Leeds or Manchester to move", len(ids))
	}
	for _, o := range [][2]string{{"Bench Leeds Team", "Leeds"}, {"Bench Manchester Team", "Manchester"}, {"Bench Bradford Team", "Bradford"}} {
		if err := st.CreateOrganisation(ctx, o[0], o[1], true); err != nil && signpost.KindOf(err) != signpost.KindConflict {
			b.Fatal(err)
		}
		for i := range 3 {
			a := directory.Account{User: signpost.User{Username: fmt.Sprintf("mgr-%s-%d", o[1], i), DisplayName: "Manager " + strconv.Itoa(i),
				Role: signpost.RoleManagement, Organisation: o[0]}, PasswordHash: "x", TOTPSecret: demo.TOTPSecret, Accredited: true}
			if err := st.CreateAccount(ctx, &a); err != nil && signpost.KindOf(err) != signpost.KindConflict {
				b.Fatal(err)
			}
		}
	}
	const practitioners = 200 // 100 children each
	for i := range practitioners {
		a := directory.Account{User: signpost.User{Username: fmt.Sprintf("prac-%d", i), DisplayName: "Practitioner " + strconv.Itoa(i),
			Role: signpost.RolePractitioner, Organisation: "Bench Leeds Team", Phone: "0113 496 0000"}, PasswordHash: "x", TOTPSecret: demo.TOTPSecret, Accredited: true}
		if err := st.CreateAccount(ctx, &a); err != nil && signpost.KindOf(err) != signpost.KindConflict {
			b.Fatal(err)
		}
	}
	for i, id := range ids {
		for j, user := range []string{fmt.Sprintf("prac-%d", i%practitioners), fmt.Sprintf("prac-%d", (i+1)%practitioners)} {
			if _, err := st.AddInvolvement(ctx, id, user, signpost.Involvement{Role: "Support worker", StartedOn: "2024-01-10", LeadProfessional: j == 0}); err != nil {
				b.Fatal(err)
			}
		}
	}
	if _, err := directory.DrainNotifications(ctx, st); err != nil { // the seeding's own events
		b.Fatal(err)
	}
	if err := st.SetSetting(ctx, "bench_fanout", "yes"); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d children, %d with two practitioners, in %v", n, moved, time.Since(start).Round(time.Millisecond))
	return st, ids
}

// BenchmarkMoveFanout: a feed moves 10,000 children of a 100,000-child
// store to another authority (Leeds ↔ Manchester); each move is told to two
// practitioners and the new authority's management team of three.
// Reported: notifications created per second (feed and fan-out together),
// moves per second, and the heap in use at the end.
func BenchmarkMoveFanout(b *testing.B) {
	n, moved := 100_000, 10_000
	if os.Getenv("SIGNPOST_BENCH_SMALL") != "" {
		n, moved = 10_000, 1_000
	}
	st, ids := fanoutStore(b, n, moved)
	defer st.Close()
	ctx := context.Background()
	told := 0
	var feedTime time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		us := make([]directory.ChildUpdate, len(ids))
		for j, id := range ids {
			c, err := st.Child(ctx, id)
			if err != nil {
				b.Fatal(err)
			}
			to, pc := "E08000003", "M1 1AE"
			if c.Authority == "Manchester" {
				to, pc = "E08000035", "LS1 4AP"
			}
			us[j] = directory.ChildUpdate{SignpostID: id, Postcode: pc, AuthorityCode: to}
		}
		b.StartTimer()
		t0 := time.Now()
		if _, err := st.ApplyFeed(ctx, &directory.FeedBatch{Updates: us, At: time.Now()}); err != nil {
			b.Fatal(err)
		}
		feedTime += time.Since(t0)
		got, err := directory.DrainNotifications(ctx, st)
		if err != nil {
			b.Fatal(err)
		}
		if want := len(ids) * 5; got < want {
			b.Fatalf("iteration %d: %d notifications, want at least %d", i, got, want)
		}
		told += got
	}
	b.StopTimer()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(told)/b.Elapsed().Seconds(), "notifications/s")
	b.ReportMetric(float64(len(ids)*b.N)/b.Elapsed().Seconds(), "moves/s")
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "MB-heap")
	b.ReportMetric(feedTime.Seconds()/b.Elapsed().Seconds()*100, "%-in-feed")
}

// BenchmarkPullNotifications: a pull that carries 1,000 waiting
// notifications, through the HTTP server.
func BenchmarkPullNotifications(b *testing.B) {
	st, _ := benchStore(b, 1_000)
	defer st.Close()
	ctx := context.Background()
	clk := benchClock()
	srv := directory.NewServer(st, directory.Config{Now: clk.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	defer srv.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	e := &env{t: b, http: hs, clock: clk}
	token, _ := e.login("nurse")
	var p signpost.PullResponse
	e.do("GET", "/v1/sync/pull", token, nil).json(b, &p)
	nurse, err := st.Account(ctx, "nurse")
	if err != nil {
		b.Fatal(err)
	}
	fx, err := demo.Fixtures(ctx, st)
	if err != nil {
		b.Fatal(err)
	}
	ns := make([]directory.NotificationRecord, 1000)
	for i := range ns {
		ns[i] = directory.NotificationRecord{UserID: nurse.ID, Username: "nurse", Notification: signpost.Notification{Kind: signpost.NoteNewInvolvement,
			ChildID: fx.Jamie, ChildName: "Jamie Fixture", At: time.Now(), Text: "Sean O'Connell (Social worker, Manchester City Council Children's Services, Manchester) started working with Jamie Fixture on 1 December 2026. Contact: 0161 496 0202, sean.oconnell@example.gov.uk.",
			About: &signpost.NotifiedPractitioner{Name: "Sean O'Connell", Organisation: "Manchester City Council Children's Services", Authority: "Manchester", Role: "Social worker", Phone: "0161 496 0202"}}}
	}
	if _, err := st.Notify(ctx, nil, ns); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		var got signpost.PullResponse
		e.do("GET", "/v1/sync/pull?cursor="+p.Cursor, token, nil).json(b, &got)
		if len(got.Notifications) != 1000 {
			b.Fatalf("pulled %d notifications, want 1000", len(got.Notifications))
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/pull")
}
