package sync_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"signpost"
	"signpost/directory"
	"signpost/directory/demo"
	"signpost/directory/sqlcipher"
	"signpost/localstore"
	psync "signpost/sync"
)

var fastKDF = localstore.Options{KDF: localstore.KDFParams{MemoryKiB: 8 * 1024, Iterations: 1, Threads: 1}}

const passphrase = "correct horse battery"

// world is a real directory (a real store behind a real HTTP server on a
// fixed loopback port, which can be stopped and started again) and a real
// device cache enrolled with it.
type world struct {
	t      *testing.T
	store  *sqlcipher.Store
	server *directory.Server
	addr   string
	hs     *http.Server
	cache  *localstore.Store
	client *psync.Client
	engine *psync.Engine

	mu     gosync.Mutex
	events []psync.Event
}

func newWorld(t *testing.T, children int) *world {
	t.Helper()
	ctx := context.Background()
	st, err := sqlcipher.Open(ctx, filepath.Join(t.TempDir(), "directory.db"), bytes.Repeat([]byte{5}, 32))
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Seed(ctx, st, children, time.Now(), cheap); err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, store: st}
	w.server = directory.NewServer(st, directory.Config{WaitTimeout: 2 * time.Second, SearchRate: 1000, SearchBurst: 1000,
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
	w.cache, err = localstore.Create(ctx, filepath.Join(t.TempDir(), "cache"), passphrase, fastKDF)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.cache.Close() })
	w.client, err = psync.NewClient(psync.ClientOptions{BaseURL: "http://" + w.addr, Timeout: 5 * time.Second, Retries: 1, RetryWait: 10 * time.Millisecond, RetryMaxWait: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	w.engine = psync.NewEngine(w.client, w.cache, psync.EngineOptions{BatchSize: 200, RetryMin: 50 * time.Millisecond, RetryMax: 200 * time.Millisecond,
		OnEvent: func(ev psync.Event) { w.mu.Lock(); w.events = append(w.events, ev); w.mu.Unlock() }})
	return w
}

func (w *world) serve(ln net.Listener) {
	w.hs = &http.Server{Handler: w.server}
	go w.hs.Serve(ln)
}

// stop stops the directory: nothing listens on its port until start.
func (w *world) stop() {
	if w.hs != nil {
		w.hs.Close()
		w.hs = nil
	}
}

func (w *world) start() {
	w.t.Helper()
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ {
		if ln, err = net.Listen("tcp", w.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		w.t.Fatal(err)
	}
	w.serve(ln)
}

func (w *world) signIn(user string) {
	w.t.Helper()
	if _, err := w.engine.SignIn(context.Background(), user, demo.Password, otp(w.t), "Test laptop"); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) sync() psync.Report {
	w.t.Helper()
	rep, err := w.engine.Sync(context.Background())
	if err != nil {
		w.t.Fatalf("sync: %v", err)
	}
	return rep
}

func (w *world) caseload() []localstore.CaseSummary {
	w.t.Helper()
	cs, err := w.cache.Caseload(context.Background(), "")
	if err != nil {
		w.t.Fatal(err)
	}
	return cs
}

func (w *world) pending() int {
	n, err := w.cache.PendingCount(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	return n
}

func (w *world) enqueue(kind, child string, value bool) {
	w.t.Helper()
	if _, err := w.cache.Enqueue(context.Background(), signpost.Mutation{Kind: kind, ChildID: child, Value: value}); err != nil {
		w.t.Fatalf("enqueue %s %s: %v", kind, child, err)
	}
}

func TestFirstSyncFillsTheCaseload(t *testing.T) {
	w := newWorld(t, 100)
	w.signIn("nurse")
	rep := w.sync()
	if rep.Pulled != 25 || len(w.caseload()) != 25 {
		t.Fatalf("first sync pulled %d, caseload %d; want 25", rep.Pulled, len(w.caseload()))
	}
	// An idle sync is one round trip and brings nothing.
	if rep := w.sync(); rep.Pulled != 0 || rep.Pushed != 0 {
		t.Errorf("idle sync: %+v", rep)
	}
	w.mu.Lock()
	last := w.events[len(w.events)-1]
	w.mu.Unlock()
	if last.Phase != psync.PhaseIdle || !last.Online || last.LastSynced.IsZero() {
		t.Errorf("last event %+v", last)
	}
}

func TestOfflineQueueAppliedOnceWhenTheDirectoryReturns(t *testing.T) {
	w := newWorld(t, 100)
	ctx := context.Background()
	w.signIn("nurse")
	w.sync()
	cs := w.caseload()
	w.stop()
	for i := 0; i < 100; i++ {
		w.enqueue(signpost.MutSetCAF, cs[i%len(cs)].SignpostID, i%2 == 0)
	}
	if _, err := w.engine.Sync(ctx); !psync.IsOffline(err) {
		t.Fatalf("sync with the directory stopped: %v, want offline", err)
	}
	if n := w.pending(); n != 100 {
		t.Fatalf("%d pending after a failed sync, want 100", n)
	}
	w.start()
	rep := w.sync()
	if rep.Pushed != 100 || w.pending() != 0 {
		t.Fatalf("after the directory returned: %+v, %d pending", rep, w.pending())
	}
	// Each applied once: the directory recorded exactly 100 applied mutations by nurse.
	evs := countMutations(t, w, "nurse")
	if evs != 100 {
		t.Errorf("directory recorded %d mutations, want 100", evs)
	}
	// The last value wins: child i%25 got its last toggle.
	for i, c := range cs {
		got, err := w.store.Child(ctx, c.SignpostID)
		if err != nil {
			t.Fatal(err)
		}
		want := false
		for j := 0; j < 100; j++ {
			if j%len(cs) == i {
				want = j%2 == 0
			}
		}
		for _, inv := range got.Involvements {
			if inv.Username == "nurse" && inv.Active() && inv.CAF != want {
				t.Errorf("%s CAF = %v, want %v", c.SignpostID, inv.CAF, want)
			}
		}
	}
}

// countMutations asks the directory, through a replay-free route, how many
// mutations of a user it has recorded: it pushes nothing and reads the store.
func countMutations(t *testing.T, w *world, user string) int {
	t.Helper()
	n, err := sqlcipher.CountMutations(context.Background(), w.store, user)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPoisonItemDoesNotBlockTheRest(t *testing.T) {
	w := newWorld(t, 100)
	w.signIn("nurse")
	w.sync()
	cs := w.caseload()
	for i := 0; i < 1000; i++ {
		w.enqueue(signpost.MutSetLead, cs[i%len(cs)].SignpostID, i%2 == 1)
		if i == 3 {
			// The directory will refuse this one: the nurse is not involved with the Sam Smith of Leeds.
			if _, err := w.cache.Enqueue(context.Background(), signpost.Mutation{Kind: signpost.MutMetChild,
				Identity: &signpost.Identity{GivenName: "Zebedee", FamilyName: "Nobody", DateOfBirth: "2015-01-01", Postcode: "LS1 4AP"}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	rep := w.sync()
	if rep.Pushed != 1000 || rep.Rejected != 1 {
		t.Fatalf("sync: %+v, want 1000 pushed and 1 rejected", rep)
	}
	items, err := w.cache.Outbox(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || items[0].State != localstore.StateRejected || !strings.Contains(items[0].Reason, "no child") {
		t.Errorf("outbox after sync: %+v", items)
	}
}

func TestShieldingWhileOfflinePurgesTheCachedCopy(t *testing.T) {
	w := newWorld(t, 100)
	ctx := context.Background()
	w.signIn("nurse")
	w.sync()
	jamie := w.store.IDCodec().ID(1)
	c, err := w.cache.Child(ctx, jamie)
	if err != nil || c.Address != "22 Park Row, Leeds" {
		t.Fatalf("cached Jamie: %+v %v", c, err)
	}
	if err := w.store.SetShield(ctx, jamie, &directory.Shield{Reason: "refuge", ReviewDate: "2030-01-01", By: "manager", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	w.sync()
	c, err = w.cache.Child(ctx, jamie)
	if err != nil || !c.Shielded || c.Address != "" || len(c.Carers) != 0 || c.School != nil {
		t.Fatalf("Jamie after shielding: %+v %v", c, err)
	}
	// And not in the files either (they are encrypted, but a cleartext leak must not hide behind that).
	w.cache.Lock()
	filepath.Walk(w.cache.Dir(), func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(p)
		for _, s := range []string{"Park Row", "Alex Fixture", "Jamie"} {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds %q", filepath.Base(p), s)
			}
		}
		return nil
	})
}

func TestRemoteWipeWhileLongPolling(t *testing.T) {
	w := newWorld(t, 100)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w.signIn("nurse")
	w.sync()
	runErr := make(chan error, 1)
	go func() { runErr <- w.engine.Run(ctx) }()
	time.Sleep(300 * time.Millisecond) // let it reach the long-poll
	cs := w.caseload()
	for i := 0; i < 5; i++ { // queued, not kicked: still in the outbox when the order comes
		w.enqueue(signpost.MutSetCAF, cs[i].SignpostID, true)
	}
	dir, dev := w.cache.Dir(), w.cache.DeviceID()
	if _, err := w.store.MoveDevice(context.Background(), dev, directory.DeviceMove{To: signpost.DeviceWipeOrdered, By: "itadmin", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	ordered := time.Now()
	select {
	case err := <-runErr:
		if signpost.KindOf(err) != signpost.KindWiped {
			t.Fatalf("Run ended with %v, want wiped", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the wipe order did not reach the device")
	}
	took := time.Since(ordered)
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		t.Errorf("left after wipe: %s", e.Name())
	}
	d, err := w.store.Device(context.Background(), dev)
	if err != nil {
		t.Fatal(err)
	}
	if d.State != signpost.DeviceWiped || d.Receipt == nil || d.Receipt.Pushed != 5 || d.Receipt.Lost != 0 {
		t.Errorf("device after wipe: %+v receipt %+v", d.Device, d.Receipt)
	}
	if took > 5*time.Second {
		t.Errorf("wipe took %v, want within 5 s", took)
	}
	w.mu.Lock()
	last := w.events[len(w.events)-2] // before "stopped"
	w.mu.Unlock()
	if last.Phase != psync.PhaseWiped || !strings.Contains(last.Message, "wiped by your IT service") {
		t.Errorf("event before stop: %+v", last)
	}
}

// TestARevokedDeviceLocksAndKeepsTheOutbox: a revoked device's token is
// refused with a lock directive (issue 14, accounts slice): the cache locks
// at that contact, and the changes not yet sent stay in it.
func TestARevokedDeviceLocksAndKeepsTheOutbox(t *testing.T) {
	w := newWorld(t, 50)
	w.signIn("nurse")
	w.sync()
	cs := w.caseload()
	w.enqueue(signpost.MutSetCAF, cs[0].SignpostID, true)
	if _, err := w.store.MoveDevice(context.Background(), w.cache.DeviceID(), directory.DeviceMove{To: signpost.DeviceRevoked, By: "itadmin", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	_, err := w.engine.Sync(context.Background())
	if signpost.KindOf(err) != signpost.KindUnauthorized {
		t.Fatalf("sync with a revoked device: %v", err)
	}
	if !w.cache.Locked() {
		t.Fatal("the revoked device's cache did not lock")
	}
	w.mu.Lock()
	last := w.events[len(w.events)-1]
	w.mu.Unlock()
	if last.Phase != psync.PhaseLocked {
		t.Errorf("last event %+v", last)
	}
	if err := w.cache.Unlock(context.Background(), passphrase); err != nil {
		t.Fatal(err)
	}
	if w.pending() != 1 {
		t.Errorf("pending after the lock: %d, want 1", w.pending())
	}
}

// TestRefusedTokenKeepsTheOutbox: a token the directory no longer knows
// (expired, or its session ended) asks for a sign-in; the outbox is kept.
func TestRefusedTokenKeepsTheOutbox(t *testing.T) {
	w := newWorld(t, 50)
	w.signIn("nurse")
	w.sync()
	cs := w.caseload()
	w.enqueue(signpost.MutSetCAF, cs[0].SignpostID, true)
	w.client.SetToken("not-a-token-the-directory-knows")
	if err := w.cache.SetToken(context.Background(), "not-a-token-the-directory-knows"); err != nil {
		t.Fatal(err)
	}
	_, err := w.engine.Sync(context.Background())
	if signpost.KindOf(err) != signpost.KindUnauthorized {
		t.Fatalf("sync with an unknown token: %v", err)
	}
	if w.pending() != 1 {
		t.Errorf("pending after refusal: %d, want 1", w.pending())
	}
	w.mu.Lock()
	last := w.events[len(w.events)-1]
	w.mu.Unlock()
	if last.Phase != psync.PhaseSignInNeeded {
		t.Errorf("last event %+v", last)
	}
}

func TestWrongTOTPAtSignIn(t *testing.T) {
	w := newWorld(t, 20)
	_, err := w.engine.SignIn(context.Background(), "nurse", demo.Password, "123456", "x")
	if signpost.KindOf(err) != signpost.KindUnauthorized {
		t.Errorf("wrong TOTP: %v", err)
	}
	if tok, _ := w.cache.Token(context.Background()); tok != "" {
		t.Error("a token was stored after a refused sign-in")
	}
	var de *signpost.Error
	if !errors.As(err, &de) || strings.Contains(de.Message, "sql") {
		t.Errorf("message %q", signpost.MessageOf(err))
	}
}
