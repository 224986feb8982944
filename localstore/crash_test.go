package localstore

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	gosync "sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"signpost"
)

// The crash tests re-run this test binary as a child process that writes to a
// real cache and reports on stdout each change once Enqueue (or ViewChild) has
// returned — the moment the app would say "saved".

const helperEnv = "LOCALSTORE_HELPER"

func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		t.Skip("helper process for the crash tests")
	}
	dir := os.Getenv("LOCALSTORE_DIR")
	var err error
	switch mode {
	case "enqueue":
		err = helperEnqueue(dir)
	case "diskfull":
		err = helperDiskFull(dir)
	default:
		err = fmt.Errorf("unknown helper mode %q", mode)
	}
	if err != nil {
		fmt.Fprintf(os.Stdout, "fatal %v\n", err)
		os.Exit(2)
	}
	os.Exit(0)
}

func say(format string, args ...any) {
	// One write per line: a pipe write this small is atomic, so a kill
	// never leaves half a line.
	os.Stdout.Write([]byte(fmt.Sprintf(format, args...) + "\n"))
}

func helperOpen(dir string) (*Store, error) {
	s, err := Open(context.Background(), dir, Options{KDF: testKDF})
	if err != nil {
		return nil, err
	}
	return s, s.Unlock(context.Background(), testPass)
}

// helperEnqueue saves changes until it is killed: CAF flips and views of the
// seeded child, and now and then a batch taken in flight.
func helperEnqueue(dir string) error {
	s, err := helperOpen(dir)
	if err != nil {
		return err
	}
	ctx := context.Background()
	id := signpost.SignpostID(1)
	for i := 0; i < 100000; i++ {
		switch {
		case i%3 == 2:
			if _, err := s.ViewChild(ctx, id, ""); err != nil {
				return err
			}
			say("view")
		case i%7 == 6:
			if _, err := s.NextBatch(ctx, 3); err != nil {
				return err
			}
		default:
			m, err := s.Enqueue(ctx, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: id, Value: i%2 == 0})
			if err != nil {
				return err
			}
			say("saved %s", m.ID)
		}
	}
	return nil
}

type lines struct {
	mu    gosync.Mutex
	all   []string
	added chan struct{}
}

func readLines(t *testing.T, cmd *exec.Cmd) (*lines, <-chan struct{}) {
	t.Helper()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	l := &lines{added: make(chan struct{}, 1)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			l.mu.Lock()
			l.all = append(l.all, sc.Text())
			l.mu.Unlock()
			select {
			case l.added <- struct{}{}:
			default:
			}
		}
	}()
	return l, done
}

func (l *lines) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.all)
}

func helperCmd(mode, dir string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, "LOCALSTORE_DIR="+dir)
	cmd.Stderr = os.Stderr
	return cmd
}

func seedCrashCache(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "cache")
	s, err := Create(context.Background(), dir, testPass, Options{KDF: testKDF})
	must(t, err)
	must(t, s.SetUser(context.Background(), signpost.User{Username: nurse, DisplayName: nurseName}))
	must(t, s.ApplyPull(context.Background(), pull(child(1, "Jamie", "Fixture", true))))
	must(t, s.Close())
	return dir
}

func TestCrashKeepsEverySavedChangeExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("crash trials are slow")
	}
	dir := seedCrashCache(t)
	ctx := context.Background()
	saved := map[string]bool{}
	views := 0
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	const trials = 50
	for trial := range trials {
		cmd := helperCmd("enqueue", dir)
		out, done := readLines(t, cmd)
		must(t, cmd.Start())
		// Kill after a random number of saved changes (0: perhaps while it
		// is still unlocking), plus a random sliver of time.
		target := rng.IntN(25)
		deadline := time.After(60 * time.Second)
		for out.count() < target {
			select {
			case <-out.added:
			case <-deadline:
				t.Fatalf("trial %d: the helper saved only %d changes in a minute", trial, out.count())
			}
		}
		time.Sleep(time.Duration(rng.IntN(3000)) * time.Microsecond)
		must(t, cmd.Process.Signal(syscall.SIGKILL))
		cmd.Wait()
		<-done

		s, err := Open(ctx, dir, Options{KDF: testKDF})
		if err != nil {
			t.Fatalf("trial %d: reopening after SIGKILL: %v", trial, err)
		}
		if err := s.Unlock(ctx, testPass); err != nil {
			t.Fatalf("trial %d: unlocking after SIGKILL: %v", trial, err)
		}
		for _, line := range out.all {
			switch {
			case strings.HasPrefix(line, "saved "):
				id := strings.TrimPrefix(line, "saved ")
				if _, err := uuid.Parse(id); err != nil {
					t.Fatalf("trial %d: bad line %q", trial, line)
				}
				saved[id] = true
			case line == "view":
				views++
			default:
				t.Fatalf("trial %d: helper said %q", trial, line)
			}
		}
		items, err := s.Outbox(ctx)
		must(t, err)
		seen := map[string]int{}
		viewRows := 0
		for _, it := range items {
			seen[it.ID]++
			if it.State != StatePending {
				t.Fatalf("trial %d: %s is %s after a restart, want pending", trial, it.ID, it.State)
			}
			if it.Kind == signpost.MutView {
				viewRows++
			}
		}
		for id := range saved {
			if seen[id] != 1 {
				t.Fatalf("trial %d: saved change %s is there %d times", trial, id, seen[id])
			}
		}
		if viewRows < views {
			t.Fatalf("trial %d: %d views reported saved, %d in the outbox", trial, views, viewRows)
		}
		var check string
		must(t, s.db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check))
		if check != "ok" {
			t.Fatalf("trial %d: integrity check: %s", trial, check)
		}
		// The view chain is unbroken across crashes.
		batch, err := s.NextBatch(ctx, MaxBatch)
		must(t, err)
		prev := ""
		for _, m := range batch {
			if m.Kind != signpost.MutView {
				continue
			}
			if m.PrevHash != prev || m.Hash != m.ViewHash() {
				t.Fatalf("trial %d: view chain broken at %s", trial, m.ID)
			}
			prev = m.Hash
		}
		must(t, s.ResetInFlight(ctx))
		must(t, s.Close())
	}
	t.Logf("%d trials: %d changes and %d views reported saved, all found exactly once", trials, len(saved), views)
	if len(saved) < trials {
		t.Fatalf("only %d changes were saved in %d trials: the test did not exercise enough", len(saved), trials)
	}
}

// helperDiskFull limits the size of files this process may write, so the
// disk "fills up" while it saves changes; it reports what it saved and the
// first error.
func helperDiskFull(dir string) error {
	s, err := helperOpen(dir)
	if err != nil {
		return err
	}
	ctx := context.Background()
	var largest int64
	for _, name := range []string{dbFileName, dbFileName + "-wal"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err == nil {
			largest = max(largest, st.Size())
		}
	}
	signal.Ignore(syscall.SIGXFSZ) // a write past the limit fails instead of killing us
	limit := uint64(largest + 64<<10)
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: limit, Max: limit}); err != nil {
		return err
	}
	for i := 0; i < 100000; i++ {
		m, err := s.Enqueue(ctx, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: signpost.SignpostID(1), Value: i%2 == 0})
		if err != nil {
			say("error %s %s", signpost.KindOf(err), signpost.MessageOf(err))
			// The store still answers reads after the failure.
			if _, err := s.Caseload(ctx, ""); err != nil {
				say("error-after %s", signpost.MessageOf(err))
			}
			return nil
		}
		say("saved %s", m.ID)
	}
	return fmt.Errorf("the file-size limit never stopped a write")
}

func TestDiskFullGivesAClearErrorAndLosesNothing(t *testing.T) {
	dir := seedCrashCache(t)
	cmd := helperCmd("diskfull", dir)
	out, done := readLines(t, cmd)
	must(t, cmd.Start())
	<-done
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper: %v (%v)", err, out.all)
	}
	var saved []string
	var failure string
	for _, line := range out.all {
		switch {
		case strings.HasPrefix(line, "saved "):
			saved = append(saved, strings.TrimPrefix(line, "saved "))
		case strings.HasPrefix(line, "error "):
			failure = line
		default:
			t.Fatalf("helper said %q", line)
		}
	}
	// A file-size limit fails the write with EFBIG, which SQLite reports as an
	// I/O error rather than "full"; TestRealDiskFull covers ENOSPC.
	if failure != "error unavailable the disk could not be written (is it full?) while saving your change: free some space and try again; nothing was saved" {
		t.Fatalf("failure %q", failure)
	}
	if len(saved) == 0 {
		t.Fatal("the limit stopped the first write; the test proves nothing")
	}
	s, err := helperOpen(dir)
	must(t, err)
	defer s.Close()
	ctx := context.Background()
	items, err := s.Outbox(ctx)
	must(t, err)
	have := map[string]bool{}
	for _, it := range items {
		have[it.ID] = true
	}
	for _, id := range saved {
		if !have[id] {
			t.Fatalf("change %s was reported saved before the disk filled, and is gone", id)
		}
	}
	if len(items) != len(saved) {
		t.Fatalf("%d changes in the outbox, %d reported saved: the failed one was half-saved", len(items), len(saved))
	}
	var check string
	must(t, s.db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check))
	if check != "ok" {
		t.Fatalf("integrity check: %s", check)
	}
	mustEnqueue(t, s, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: signpost.SignpostID(1), Value: true})
	t.Logf("%d changes saved before the disk filled; all kept", len(saved))
}

// TestRealDiskFull fills a small tmpfs (where the test may mount one) so that
// writes fail with ENOSPC, as on a full laptop disk.
func TestRealDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs")
	}
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
			t.Errorf("umount: %v %s", err, out)
		}
	})
	ctx := context.Background()
	dir := filepath.Join(mnt, "cache")
	s, err := Create(ctx, dir, testPass, Options{KDF: testKDF})
	must(t, err)
	t.Cleanup(func() { s.Close() })
	must(t, s.SetUser(ctx, signpost.User{Username: nurse}))
	must(t, s.ApplyPull(ctx, pull(child(1, "Jamie", "Fixture", true))))

	var st syscall.Statfs_t
	must(t, syscall.Statfs(mnt, &st))
	filler := filepath.Join(mnt, "filler")
	must(t, os.WriteFile(filler, make([]byte, int64(st.Bavail)*st.Bsize-128<<10), 0o600))

	var saved []string
	var failure error
	for range 10000 {
		m, err := s.Enqueue(ctx, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: signpost.SignpostID(1), Value: len(saved)%2 == 0})
		if err != nil {
			failure = err
			break
		}
		saved = append(saved, m.ID)
	}
	de := wantKind(t, failure, signpost.KindUnavailable)
	if de.Message != "the disk is full while saving your change: free some space and try again; nothing was saved" {
		t.Fatalf("message %q (%v)", de.Message, failure)
	}
	if len(saved) == 0 {
		t.Fatal("the disk was full before the first change; the test proves nothing")
	}
	if _, err := s.Caseload(ctx, ""); err != nil {
		t.Fatalf("reading after the disk filled: %v", err)
	}
	s.Close()

	// Unlocking records the attempt first. The key file is overwritten in
	// place, so recording it needs no free space: on a full disk a wrong
	// passphrase is still counted (no free guess), and the right one opens
	// the cache for reading.
	s, err = Open(ctx, dir, Options{KDF: testKDF})
	must(t, err)
	wantKind(t, s.Unlock(ctx, testPass+"!"), signpost.KindUnauthorized)
	if kf, err := readKeyFile(dir); err != nil || kf.FailedAttempts != 1 {
		t.Fatalf("a wrong passphrase on a full disk: key file %+v, %v; want the attempt counted", kf, err)
	}
	must(t, s.Unlock(ctx, testPass))
	if _, err := s.Caseload(ctx, ""); err != nil {
		t.Fatalf("reading after unlocking on a full disk: %v", err)
	}
	must(t, s.Lock())
	must(t, os.Remove(filler))
	must(t, s.Unlock(ctx, testPass))
	items, err := s.Outbox(ctx)
	must(t, err)
	if len(items) != len(saved) {
		t.Fatalf("%d changes kept, %d saved", len(items), len(saved))
	}
	for i, it := range items {
		if it.ID != saved[i] {
			t.Fatalf("change %d is %s, want %s", i, it.ID, saved[i])
		}
	}
	t.Logf("%d changes saved before ENOSPC; all kept", len(saved))
}
