package sync_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"signpost"
	"signpost/directory"
	"signpost/directory/demo"
	"signpost/directory/sqlcipher"
	"signpost/localstore"
	psync "signpost/sync"
)

// The chaos tests kill -9 a real process in the middle of a 1,000-change
// sync, then check that every change reached the directory exactly once. The
// processes are this test binary run again in a role (TestMain).

const (
	roleEnv  = "SIGNPOST_CHAOS_ROLE"
	storeEnv = "SIGNPOST_CHAOS_STORE"
	addrEnv  = "SIGNPOST_CHAOS_ADDR"
	cacheEnv = "SIGNPOST_CHAOS_CACHE"
)

var storeKey = bytes.Repeat([]byte{3}, 32)

func TestMain(m *testing.M) {
	switch os.Getenv(roleEnv) {
	case "directory":
		os.Exit(runDirectory())
	case "client":
		os.Exit(runClient())
	}
	os.Exit(m.Run())
}

// runDirectory serves the store at $SIGNPOST_CHAOS_STORE on $SIGNPOST_CHAOS_ADDR until killed.
func runDirectory() int {
	ctx := context.Background()
	st, err := sqlcipher.Open(ctx, os.Getenv(storeEnv), storeKey)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	srv := directory.NewServer(st, directory.Config{WaitTimeout: time.Second, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ln, err := net.Listen("tcp", os.Getenv(addrEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("ready")
	http.Serve(ln, srv)
	return 0
}

// runClient syncs the cache at $SIGNPOST_CHAOS_CACHE once.
func runClient() int {
	ctx := context.Background()
	st, err := localstore.Open(ctx, os.Getenv(cacheEnv), fastKDF)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := st.Unlock(ctx, passphrase); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	c, _ := psync.NewClient(psync.ClientOptions{BaseURL: "http://" + os.Getenv(addrEnv), Retries: 1})
	e := psync.NewEngine(c, st, psync.EngineOptions{BatchSize: 200})
	if _, err := e.Sync(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	st.Close()
	return 0
}

// memDir returns a temporary folder in memory when the machine has one: a
// kill -9 loses nothing the kernel has been given, fsync or not, so the chaos
// tests need no disk and run ten times faster without one.
func memDir(t *testing.T) string {
	t.Helper()
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		d, err := os.MkdirTemp("/dev/shm", "signpost-chaos-")
		if err == nil {
			t.Cleanup(func() { os.RemoveAll(d) })
			return d
		}
	}
	return t.TempDir()
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// directoryProcess starts the directory in a process of its own.
func directoryProcess(t *testing.T, storePath, addr string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), roleEnv+"=directory", storeEnv+"="+storePath, addrEnv+"="+addr)
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 6)
	if _, err := io.ReadFull(out, buf); err != nil || string(buf) != "ready\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("directory process did not start: %q %v", buf, err)
	}
	return cmd
}

func kill(cmd *exec.Cmd) {
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
}

func chaosTrials(t *testing.T) int {
	if n, err := strconv.Atoi(os.Getenv("SIGNPOST_CHAOS_TRIALS")); err == nil && n > 0 {
		return n
	}
	if testing.Short() {
		return 5
	}
	return 50
}

// chaosSetup seeds a directory store, enrols a cache with the nurse and does
// the first sync, all in this process; it returns the paths and the caseload.
func chaosSetup(t *testing.T, addr string) (storePath, cacheDir string, deviceID string, caseload []string) {
	t.Helper()
	ctx := context.Background()
	storePath = filepath.Join(memDir(t), "directory.db")
	st, err := sqlcipher.Open(ctx, storePath, storeKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Seed(ctx, st, 100, time.Now(), cheap); err != nil {
		t.Fatal(err)
	}
	srv := directory.NewServer(st, directory.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv}
	go hs.Serve(ln)
	cacheDir = filepath.Join(memDir(t), "cache")
	cache, err := localstore.Create(ctx, cacheDir, passphrase, fastKDF)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := psync.NewClient(psync.ClientOptions{BaseURL: "http://" + addr})
	e := psync.NewEngine(c, cache, psync.EngineOptions{})
	if _, err := e.SignIn(ctx, "nurse", demo.Password, otp(t), "chaos laptop"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	cs, _ := cache.Caseload(ctx, "")
	for _, c := range cs {
		caseload = append(caseload, c.SignpostID)
	}
	deviceID = cache.DeviceID()
	cache.Close()
	hs.Close()
	srv.Close()
	st.Close()
	return storePath, cacheDir, deviceID, caseload
}

// unlocked opens the cache in dir and unlocks it.
func unlocked(t *testing.T, dir string) *localstore.Store {
	t.Helper()
	cache, err := localstore.Open(context.Background(), dir, fastKDF)
	if err != nil {
		t.Fatal(err)
	}
	if err := cache.Unlock(context.Background(), passphrase); err != nil {
		cache.Close()
		t.Fatal(err)
	}
	return cache
}

// queueViews opens the cache and records n offline views (each one a
// mutation in the outbox, chained by hash).
func queueViews(t *testing.T, cacheDir string, caseload []string, n int) {
	t.Helper()
	ctx := context.Background()
	cache := unlocked(t, cacheDir)
	defer cache.Close()
	for i := 0; i < n; i++ {
		if _, err := cache.ViewChild(ctx, caseload[i%len(caseload)], "chaos"); err != nil {
			t.Fatal(err)
		}
	}
}

// settle syncs the cache in this process until its outbox is empty.
func settle(t *testing.T, cacheDir, addr string) {
	t.Helper()
	ctx := context.Background()
	cache := unlocked(t, cacheDir)
	defer cache.Close()
	c, _ := psync.NewClient(psync.ClientOptions{BaseURL: "http://" + addr})
	e := psync.NewEngine(c, cache, psync.EngineOptions{BatchSize: 200})
	if _, err := e.Sync(ctx); err != nil {
		t.Fatalf("settling sync: %v", err)
	}
	if n, _ := cache.PendingCount(ctx); n != 0 {
		t.Fatalf("%d changes still pending after settling", n)
	}
	items, _ := cache.Outbox(ctx)
	for _, it := range items {
		t.Errorf("outbox after settling: %+v", it)
	}
}

// verify checks the directory holds each view exactly once.
func verify(t *testing.T, storePath, deviceID string, want int) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlcipher.Open(ctx, storePath, storeKey)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	muts, err := sqlcipher.CountMutations(ctx, st, "nurse")
	if err != nil {
		t.Fatal(err)
	}
	views, err := sqlcipher.CountAudit(ctx, st, deviceID, "offline_view")
	if err != nil {
		t.Fatal(err)
	}
	if muts != want || views != want {
		t.Fatalf("directory holds %d mutations and %d view events; want exactly %d of each (lost %d, duplicated %d)",
			muts, views, want, max(0, want-views), max(0, views-want))
	}
}

func TestChaosKillClientDuringSync(t *testing.T) {
	addr := freeAddr(t)
	storePath, cacheDir, dev, caseload := chaosSetup(t, addr)
	dir := directoryProcess(t, storePath, addr)
	defer kill(dir)
	rng := rand.New(rand.NewPCG(1, 2))
	total, killed := 0, 0
	window := time.Duration(0) // how long an uninterrupted sync takes; trial 0 measures it
	for trial := 0; trial < chaosTrials(t); trial++ {
		queueViews(t, cacheDir, caseload, 1000)
		total += 1000
		client := exec.Command(os.Args[0], "-test.run=^$")
		client.Env = append(os.Environ(), roleEnv+"=client", cacheEnv+"="+cacheDir, addrEnv+"="+addr)
		if err := client.Start(); err != nil {
			t.Fatal(err)
		}
		started := time.Now()
		done := make(chan error, 1)
		go func() { done <- client.Wait() }()
		var after <-chan time.Time // trial 0 runs to the end, to measure
		if window > 0 {
			after = time.After(time.Duration(rng.Int64N(int64(window))))
		}
		select {
		case <-after:
			client.Process.Signal(syscall.SIGKILL)
			<-done
			killed++
		case err := <-done:
			if err != nil {
				t.Fatalf("client process failed on its own: %v", err)
			}
			if window == 0 {
				window = time.Since(started)
			}
		}
		settle(t, cacheDir, addr)
	}
	kill(dir)
	verify(t, storePath, dev, total)
	t.Logf("%d trials, %d changes, client killed mid-sync in %d (kill window %v)", chaosTrials(t), total, killed, window)
}

func TestChaosKillDirectoryDuringSync(t *testing.T) {
	addr := freeAddr(t)
	storePath, cacheDir, dev, caseload := chaosSetup(t, addr)
	rng := rand.New(rand.NewPCG(3, 4))
	total, interrupted := 0, 0
	window := time.Duration(0)
	for trial := 0; trial < chaosTrials(t); trial++ {
		queueViews(t, cacheDir, caseload, 1000)
		total += 1000
		dir := directoryProcess(t, storePath, addr)
		if window > 0 {
			go func(d time.Duration) {
				time.Sleep(d)
				dir.Process.Signal(syscall.SIGKILL)
			}(time.Duration(rng.Int64N(int64(window))))
		}
		started := time.Now()
		ctx := context.Background()
		cache := unlocked(t, cacheDir)
		c, _ := psync.NewClient(psync.ClientOptions{BaseURL: "http://" + addr, Retries: 1, RetryWait: 10 * time.Millisecond})
		_, err := psync.NewEngine(c, cache, psync.EngineOptions{BatchSize: 200}).Sync(ctx)
		if window == 0 {
			window = time.Since(started)
			dir.Process.Signal(syscall.SIGKILL)
		}
		if err != nil {
			if !psync.IsOffline(err) {
				t.Fatalf("sync interrupted by the directory's death: %v (want offline)", err)
			}
			interrupted++
		}
		cache.Close()
		dir.Wait()
		dir = directoryProcess(t, storePath, addr)
		settle(t, cacheDir, addr)
		kill(dir)
	}
	verify(t, storePath, dev, total)
	t.Logf("%d trials, %d changes, directory killed mid-sync in %d (kill window %v)", chaosTrials(t), total, interrupted, window)
}

var _ = signpost.MutView
