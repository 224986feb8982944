package sync_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"signpost"
	"signpost/localstore"
	psync "signpost/sync"
)

// bigCaseload gives the nurse n children on her caseload.
func bigCaseload(b *testing.B, w *world, n int) {
	b.Helper()
	ctx := context.Background()
	added := 25
	for serial := 1000; added < n; serial++ { // past the demo caseload's own children
		_, err := w.store.AddInvolvement(ctx, w.store.IDCodec().ID(serial), "nurse", signpost.Involvement{Role: "School nurse", StartedOn: "2025-01-01"})
		if err == nil {
			added++
		}
	}
}

// newCache makes another enrolled cache (on disk) for w's directory.
func newCache(b *testing.B, w *world, user string) (*localstore.Store, *psync.Engine) {
	b.Helper()
	ctx := context.Background()
	cache, err := localstore.Create(ctx, filepath.Join(b.TempDir(), "cache"), passphrase, fastKDF)
	if err != nil {
		b.Fatal(err)
	}
	c, _ := psync.NewClient(psync.ClientOptions{BaseURL: "http://" + w.addr})
	e := psync.NewEngine(c, cache, psync.EngineOptions{})
	if _, err := e.SignIn(ctx, user, "demo-password-1", otp(&testing.T{}), "bench laptop"); err != nil {
		b.Fatal(err)
	}
	return cache, e
}

func benchWorld(b *testing.B) *world {
	t := &testing.T{}
	w := newWorld(t, 2000)
	b.Cleanup(func() { w.stop(); w.server.Close(); w.store.Close(); w.cache.Close() })
	return w
}

func BenchmarkFirstSync500(b *testing.B) {
	w := benchWorld(b)
	bigCaseload(b, w, 500)
	var pulled int
	var total time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		cache, e := newCache(b, w, "nurse")
		b.StartTimer()
		start := time.Now()
		rep, err := e.Sync(context.Background())
		total += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		pulled = rep.Pulled
		b.StopTimer()
		cache.Close()
		b.StartTimer()
	}
	if pulled != 500 {
		b.Fatalf("pulled %d, want 500", pulled)
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/first_sync")
}

func BenchmarkPush10000(b *testing.B) {
	w := benchWorld(b)
	ctx := context.Background()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		cache, e := newCache(b, w, "nurse")
		if _, err := e.Sync(ctx); err != nil {
			b.Fatal(err)
		}
		cs, _ := cache.Caseload(ctx, "")
		for j := 0; j < 10000; j++ {
			if _, err := cache.Enqueue(ctx, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: cs[j%len(cs)].SignpostID, Value: j%2 == 0}); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		start := time.Now()
		rep, err := e.Sync(ctx)
		total += time.Since(start)
		if err != nil || rep.Pushed != 10000 {
			b.Fatalf("push: %+v %v", rep, err)
		}
		b.StopTimer()
		cache.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/push_10k")
}

func BenchmarkIdleSync(b *testing.B) {
	w := benchWorld(b)
	ctx := context.Background()
	cache, e := newCache(b, w, "nurse")
	defer cache.Close()
	if _, err := e.Sync(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Sync(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/idle_sync")
}

// BenchmarkWipeLatency measures from the IT admin's wipe order (over HTTP)
// to the device's receipt at the directory, with the device long-polling.
func BenchmarkWipeLatency(b *testing.B) {
	w := benchWorld(b)
	var total time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		cache, e := newCache(b, w, "nurse")
		dev := cache.DeviceID()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- e.Run(ctx) }()
		time.Sleep(300 * time.Millisecond)
		admin, _ := psync.NewClient(psync.ClientOptions{BaseURL: "http://" + w.addr})
		if _, err := admin.SignIn(context.Background(), signpost.SessionRequest{Username: "itadmin", Password: "demo-password-1", OTP: otp(&testing.T{}), DeviceID: "0191d6f2-0000-7000-8000-00000000000" + string(rune('a'+i%6)), DeviceName: "admin desk"}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		if _, err := admin.OrderWipe(context.Background(), dev, signpost.WipeLeaver); err != nil {
			b.Fatal(err)
		}
		for {
			d, err := w.store.Device(context.Background(), dev)
			if err == nil && d.State == signpost.DeviceWiped {
				break
			}
			if time.Since(start) > 30*time.Second {
				b.Fatal("no receipt within 30 s")
			}
			time.Sleep(5 * time.Millisecond)
		}
		total += time.Since(start)
		b.StopTimer()
		<-done
		cancel()
		b.StartTimer()
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/wipe")
}
