package sync_test

// Issue 17: the chaos test with two directory instances on one PostgreSQL.
// Each trial queues 1,000 offline views, syncs through one instance, kills
// it (kill -9) at a random point of the sync, and finishes the sync through
// the other: every change must reach the directory exactly once.

import (
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
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"signpost/directory"
	"signpost/directory/demo"
	"signpost/directory/postgres"
	"signpost/directory/postgres/pgtest"
	"signpost/localstore"
	psync "signpost/sync"
)

const pgRole = "directory-postgres" // $SIGNPOST_CHAOS_ROLE of a directory on $SIGNPOST_CHAOS_STORE as a PostgreSQL URL

// A process started in the PostgreSQL directory's role serves and never
// returns to the tests (TestMain in chaos_test.go knows the other roles).
func init() {
	if os.Getenv(roleEnv) == pgRole {
		os.Exit(runPostgresDirectory())
	}
}

func runPostgresDirectory() int {
	st, err := postgres.Open(context.Background(), os.Getenv(storeEnv))
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

func postgresDirectory(t *testing.T, url, addr string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), roleEnv+"="+pgRole, storeEnv+"="+url, addrEnv+"="+addr)
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

func TestChaosTwoDirectoriesOnPostgreSQL(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	addrs := [2]string{freeAddr(t), freeAddr(t)}

	// Seed, enrol the nurse's cache and sync once, in this process.
	st, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Seed(ctx, st, 100, time.Now(), cheap); err != nil {
		t.Fatal(err)
	}
	srv := directory.NewServer(st, directory.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ln, err := net.Listen("tcp", addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv}
	go hs.Serve(ln)
	cacheDir := filepath.Join(memDir(t), "cache")
	cache, err := localstore.Create(ctx, cacheDir, passphrase, fastKDF)
	if err != nil {
		t.Fatal(err)
	}
	e := psync.NewEngine(mustClient(t, addrs[0]), cache, psync.EngineOptions{})
	if _, err := e.SignIn(ctx, "nurse", demo.Password, otp(t), "chaos laptop"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	cs, _ := cache.Caseload(ctx, "")
	var caseload []string
	for _, c := range cs {
		caseload = append(caseload, c.SignpostID)
	}
	dev := cache.DeviceID()
	cache.Close()
	hs.Close()
	srv.Close()
	st.Close()

	rng := rand.New(rand.NewPCG(5, 6))
	total, interrupted := 0, 0
	window := time.Duration(0)
	for trial := 0; trial < chaosTrials(t); trial++ {
		queueViews(t, cacheDir, caseload, 1000)
		total += 1000
		// The device syncs through one instance (they take turns), which is
		// killed mid-sync, then goes on through the other.
		first, second := addrs[trial%2], addrs[(trial+1)%2]
		a := postgresDirectory(t, url, first)
		b := postgresDirectory(t, url, second)
		if window > 0 {
			go func(d time.Duration) {
				time.Sleep(d)
				a.Process.Signal(syscall.SIGKILL)
			}(time.Duration(rng.Int64N(int64(window))))
		}
		started := time.Now()
		cache := unlocked(t, cacheDir)
		c, _ := psync.NewClient(psync.ClientOptions{BaseURL: "http://" + first, Retries: 1, RetryWait: 10 * time.Millisecond})
		_, err := psync.NewEngine(c, cache, psync.EngineOptions{BatchSize: 200}).Sync(ctx)
		if window == 0 {
			window = time.Since(started)
		}
		if err != nil {
			if !psync.IsOffline(err) {
				t.Fatalf("sync interrupted by the directory's death: %v (want offline)", err)
			}
			interrupted++
		}
		cache.Close()
		a.Process.Signal(syscall.SIGKILL)
		a.Wait()
		settle(t, cacheDir, second)
		kill(b)
	}

	// Every view once: as many mutations of the nurse's, and offline view
	// events from the laptop, as views queued.
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var muts, views int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM mutations m JOIN users u ON u.id = m.user_id WHERE u.username = 'nurse'`).Scan(&muts); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM audit WHERE device_id = $1 AND action = 'offline_view'`, dev).Scan(&views); err != nil {
		t.Fatal(err)
	}
	if muts != total || views != total {
		t.Fatalf("PostgreSQL holds %d mutations and %d view events; want exactly %d of each (lost %d, duplicated %d)",
			muts, views, total, max(0, total-views), max(0, views-total))
	}
	t.Logf("%d trials, %d changes over two instances, the first killed mid-sync in %d (kill window %v)", chaosTrials(t), total, interrupted, window)
}

func mustClient(t *testing.T, addr string) *psync.Client {
	c, err := psync.NewClient(psync.ClientOptions{BaseURL: "http://" + addr})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
