package sync_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	gosync "sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"signpost"
	"signpost/directory"
	"signpost/directory/demo"
	"signpost/directory/sqlcipher"
	"signpost/localstore"
	psync "signpost/sync"
)

// clock is a settable time source shared by the directory and the device.
type clock struct {
	mu gosync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newClockedWorld is newWorld with the directory on server and the device on
// device: two clocks, so a test can let time pass (or set a device's clock
// wrong).
func newClockedWorld(t *testing.T, children int, server, device *clock) *world {
	t.Helper()
	ctx := context.Background()
	st, err := sqlcipher.Open(ctx, filepath.Join(t.TempDir(), "directory.db"), bytes.Repeat([]byte{5}, 32))
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Seed(ctx, st, children, server.Now(), cheap); err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, store: st}
	w.server = directory.NewServer(st, directory.Config{Now: server.Now, WaitTimeout: 2 * time.Second, SearchRate: 1000, SearchBurst: 1000,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w.addr = ln.Addr().String()
	w.serve(ln)
	t.Cleanup(func() {
		w.stop()
		w.server.Close()
		st.Close()
	})
	opts := fastKDF
	opts.Now = device.Now
	w.cache, err = localstore.Create(ctx, filepath.Join(t.TempDir(), "cache"), passphrase, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.cache.Close() })
	w.client, err = psync.NewClient(psync.ClientOptions{BaseURL: "http://" + w.addr, Timeout: 5 * time.Second, Retries: 1, RetryWait: 10 * time.Millisecond, RetryMaxWait: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	w.engine = psync.NewEngine(w.client, w.cache, psync.EngineOptions{Now: device.Now,
		OnEvent: func(ev psync.Event) { w.mu.Lock(); w.events = append(w.events, ev); w.mu.Unlock() }})
	return w
}

func TestWipeOrderReachesACacheWhoseSessionExpired(t *testing.T) {
	for _, tc := range []struct {
		name string
		skew time.Duration // of the device's clock from the directory's
	}{
		{"device clock right", 0},
		// Its receipt's date is refused; it is sent again undated, and the
		// directory dates it by its arrival.
		{"device clock a day slow", -24 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			server := &clock{t: time.Now().UTC()}
			device := &clock{t: server.Now().Add(tc.skew)}
			w := newClockedWorld(t, 100, server, device)
			code, err := totp.GenerateCode(demo.TOTPSecret, server.Now())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.engine.SignIn(ctx, "nurse", demo.Password, code, "Test laptop"); err != nil {
				t.Fatal(err)
			}
			w.sync()
			cs := w.caseload()
			const queued = 3
			for i := range queued {
				w.enqueue(signpost.MutSetCAF, cs[i].SignpostID, true)
			}
			// The laptop sits closed overnight: its 12 h session expires.
			server.Add(13 * time.Hour)
			device.Add(13 * time.Hour)
			dir, dev := w.cache.Dir(), w.cache.DeviceID()
			ordered := server.Now()
			if _, err := w.store.MoveDevice(ctx, dev, directory.DeviceMove{To: signpost.DeviceWipeOrdered, By: "itadmin", At: ordered}); err != nil {
				t.Fatal(err)
			}
			server.Add(time.Minute)
			device.Add(time.Minute)

			// One sync: the last changes go, the cache wipes, the receipt follows.
			if _, err := w.engine.Sync(ctx); signpost.KindOf(err) != signpost.KindWiped {
				t.Fatalf("sync with an expired session after a wipe order: %v, want wiped", err)
			}
			if n := countMutations(t, w, "nurse"); n != queued {
				t.Errorf("the directory recorded %d of the nurse's changes, want %d (each once)", n, queued)
			}
			for i := range queued {
				c, err := w.store.Child(ctx, cs[i].SignpostID)
				if err != nil {
					t.Fatal(err)
				}
				for _, inv := range c.Involvements {
					if inv.Username == "nurse" && inv.Active() && !inv.CAF {
						t.Errorf("%s: the queued CAF change did not reach the directory", cs[i].SignpostID)
					}
				}
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				t.Errorf("left after the wipe: %s", e.Name())
			}
			d, err := w.store.Device(ctx, dev)
			if err != nil {
				t.Fatal(err)
			}
			if d.State != signpost.DeviceWiped || d.Receipt == nil || d.Receipt.Pushed != queued || d.Receipt.Lost != 0 {
				t.Fatalf("device after the wipe: %+v receipt %+v, want wiped with %d pushed and none lost", d.Device, d.Receipt, queued)
			}
			if at := d.Receipt.WipedAt; at.Before(ordered) || at.After(server.Now()) {
				t.Errorf("receipt dated %v, want between the order (%v) and now (%v)", at, ordered, server.Now())
			}
		})
	}
}
