package device

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"signpost"
	"signpost/localstore"
)

// laptopNamed finds a device in the IT admin's list.
func laptopNamed(t *testing.T, it *Device, name string) signpost.Device {
	t.Helper()
	ds, err := it.Devices(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, dv := range ds {
		if dv.Name == name {
			return dv
		}
	}
	t.Fatalf("no device %s in %+v", name, ds)
	return signpost.Device{}
}

// logBuffer collects a device's log lines, safe for concurrent use.
type logBuffer struct {
	mu gosync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

const testPassphrase = "a long test passphrase"

func TestALockedLaptopReportedLostWipesItselfAndSendsItsReceipt(t *testing.T) {
	ctx := context.Background()
	d := startTestDirectory(t, 50)
	dir := filepath.Join(t.TempDir(), "cache")
	nurse, _ := enrolledWith(t, d, "nurse", testOptions(dir))
	it, _ := enrolled(t, d, "itadmin")
	laptop := laptopNamed(t, it, "nurse-laptop")
	cases, err := nurse.Caseload(ctx, "")
	if err != nil || len(cases) == 0 {
		t.Fatalf("caseload %v %v", cases, err)
	}
	if err := nurse.Close(); err != nil {
		t.Fatal(err)
	}

	// Two changes made on the laptop never reach the directory.
	st, err := localstore.Open(ctx, dir, localstore.Options{KDF: testKDF})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Unlock(ctx, testPassphrase); err != nil {
		t.Fatal(err)
	}
	for _, on := range []bool{true, false} {
		if _, err := st.Enqueue(ctx, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: cases[0].ID, Value: on}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	// The app starts again and is never unlocked; the laptop is lost.
	opts := testOptions(dir)
	opts.DirectivePoll = 50 * time.Millisecond
	locked, err := New(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { locked.Close() })
	rec := &statuses{}
	locked.Subscribe(rec.add)
	if locked.State().Stage != StageLocked {
		t.Fatalf("stage %v, want locked", locked.State().Stage)
	}
	if got, err := it.OrderWipe(ctx, laptop.ID, signpost.WipeLost); err != nil || got.WipeReason != signpost.WipeLost {
		t.Fatalf("order wipe: %+v %v", got, err)
	}
	waitFor(t, "the locked laptop wipes itself", func() bool { return locked.State().Stage == StageWiped && rec.last().Wiped })
	if w := locked.State().Wiped; w == nil || !strings.Contains(w.Message, "reported lost") || w.Lost != 2 {
		t.Errorf("wiped state %+v, want reported lost with 2 changes lost", w)
	}
	if _, err := os.Stat(filepath.Join(dir, "signpost-cache.key")); !os.IsNotExist(err) {
		t.Errorf("the key file survived the wipe: %v", err)
	}
	waitFor(t, "the receipt reaches the directory", func() bool {
		dv := laptopNamed(t, it, "nurse-laptop")
		return dv.State == signpost.DeviceWiped && dv.Receipt != nil && dv.Receipt.Lost == 2
	})
}

func TestALockedLeaversLaptopWaitsForItsLastPush(t *testing.T) {
	ctx := context.Background()
	d := startTestDirectory(t, 50)
	logs := &logBuffer{}
	opts := testOptions(filepath.Join(t.TempDir(), "cache"))
	opts.DirectivePoll = 50 * time.Millisecond
	opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
	nurse, rec := enrolledWith(t, d, "nurse", opts)
	it, _ := enrolled(t, d, "itadmin")
	laptop := laptopNamed(t, it, "nurse-laptop")
	if err := nurse.Lock(); err != nil {
		t.Fatal(err)
	}
	if _, err := it.OrderWipe(ctx, laptop.ID, signpost.WipeLeaver); err != nil {
		t.Fatal(err)
	}
	// The locked laptop hears of the order, and waits.
	waitFor(t, "the locked laptop hears of the leaver's wipe", func() bool { return strings.Contains(logs.String(), "waits for the laptop to be unlocked") })
	time.Sleep(200 * time.Millisecond) // a few more polls
	if st := nurse.State().Stage; st != StageLocked {
		t.Fatalf("a locked leaver's laptop is at stage %v, want still locked", st)
	}
	if dv := laptopNamed(t, it, "nurse-laptop"); dv.State != signpost.DeviceWipeOrdered || dv.WipeReason != signpost.WipeLeaver {
		t.Fatalf("device %+v, want a leaver's wipe still ordered", dv)
	}

	// Unlocked, it sends what it has and wipes.
	if err := nurse.Unlock(ctx, testPassphrase); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the unlocked laptop wipes after its last push", func() bool { return nurse.State().Stage == StageWiped && rec.last().Wiped })
	waitFor(t, "the receipt reaches the directory", func() bool {
		dv := laptopNamed(t, it, "nurse-laptop")
		return dv.State == signpost.DeviceWiped && dv.Receipt != nil
	})
}

func TestACancelledWipeLeavesTheLockedLaptopAlone(t *testing.T) {
	ctx := context.Background()
	d := startTestDirectory(t, 50)
	logs := &logBuffer{}
	opts := testOptions(filepath.Join(t.TempDir(), "cache"))
	opts.DirectivePoll = time.Hour // asks only at start and on locking, here
	opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	nurse, _ := enrolledWith(t, d, "nurse", opts)
	it, _ := enrolled(t, d, "itadmin")
	laptop := laptopNamed(t, it, "nurse-laptop")
	asked := func() int { return strings.Count(logs.String(), "action=none") }
	// Locked first: an unlocked laptop's engine would carry the order out
	// at once. Locking asks; the answer comes before the order.
	if err := nurse.Lock(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the locked laptop asks", func() bool { return asked() == 1 })
	if _, err := it.OrderWipe(ctx, laptop.ID, signpost.WipeStolen); err != nil {
		t.Fatal(err)
	}
	if got, err := it.CancelWipe(ctx, laptop.ID, "the laptop was found in the office"); err != nil || got.State != signpost.DeviceActive {
		t.Fatalf("cancel: %+v %v", got, err)
	}
	if err := nurse.Lock(); err != nil { // locking again asks again
		t.Fatal(err)
	}
	waitFor(t, "the locked laptop asks again and is told nothing", func() bool { return asked() == 2 })
	if st := nurse.State().Stage; st != StageLocked {
		t.Fatalf("after a cancelled order the laptop is at stage %v, want locked", st)
	}
	if err := nurse.Unlock(ctx, testPassphrase); err != nil {
		t.Fatalf("unlocking after a cancelled order: %v", err)
	}
}
