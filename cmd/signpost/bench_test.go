package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	gosync "sync"
	"syscall"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/pquerna/otp/totp"

	"signpost"
	"signpost/device"
	demodir "signpost/directory/demo"
	"signpost/directory/sqlcipher"
	"signpost/localstore"
	"signpost/ui"
)

// The app's benchmarks (make bench): cold start to the first window, unlock
// to a 500-child caseload on screen, and resident memory after opening 100
// records. They run against a real directory (bin/signpost-directory, in its
// own process so its memory is not counted) and a real cache made with the
// default Argon2 cost. Cold start and memory run the real binary in a real
// window under Xvfb; unlock-to-caseload drives the same screens in Fyne's
// test driver (the real services, no GL), where the moment the list holds
// 500 rows can be observed exactly.

const benchPassphrase = "a benchmark cache passphrase"

// benchEnv is a directory process and an enrolled, locked cache.
type benchEnv struct {
	bin   string // the app binary
	cache string // the cache folder
	url   string
	dir   *exec.Cmd
}

var (
	benchOnce gosync.Once
	benchE    *benchEnv
	benchErr  error
)

// setupBench builds the binaries, starts a demo directory in its own process,
// gives the nurse a caseload of 500 and enrols her on a cache. It is shared by
// the benchmarks of one run.
func setupBench(b *testing.B) *benchEnv {
	b.Helper()
	benchOnce.Do(func() { benchE, benchErr = newBenchEnv() })
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchE
}

func newBenchEnv() (*benchEnv, error) {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "signpost-bench-")
	if err != nil {
		return nil, err
	}
	e := &benchEnv{bin: filepath.Join(tmp, "signpost"), cache: filepath.Join(tmp, "cache")}
	dirBin := filepath.Join(tmp, "signpost-directory")
	tags := "-tags=" + testBinaryTags()
	for _, c := range [][]string{{"build", tags, "-o", e.bin, "."}, {"build", tags, "-o", dirBin, "../signpost-directory"}} {
		if out, err := exec.Command("go", c...).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go %s: %v\n%s", strings.Join(c, " "), err, out)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	data := filepath.Join(tmp, "directory")
	e.url = "http://" + addr
	e.dir = exec.Command(dirBin, "serve", "--demo", "--data", data, "--listen", addr)
	if err := e.dir.Start(); err != nil {
		return nil, err
	}
	ready := false
	for i := 0; i < 300 && !ready; i++ {
		if resp, err := http.Get(e.url + "/healthz"); err == nil {
			resp.Body.Close()
			ready = resp.StatusCode == http.StatusOK
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !ready {
		return nil, fmt.Errorf("the directory at %s did not start", e.url)
	}

	// 475 more children for the nurse, written straight into the store.
	st, err := sqlcipher.OpenDir(ctx, data, "")
	if err != nil {
		return nil, err
	}
	added := 0
	for serial := 3000; added < 475 && serial < 9000; serial++ {
		inv := signpost.Involvement{Role: "School nurse", StartedOn: "2025-09-01", CAF: serial%9 == 0, LeadProfessional: serial%13 == 0}
		if _, err := st.AddInvolvement(ctx, st.IDCodec().ID(serial), "nurse", inv); err == nil {
			added++
		}
	}
	st.Close()
	if added < 475 {
		return nil, fmt.Errorf("only %d involvements added", added)
	}

	s, err := device.New(ctx, device.Options{Dir: e.cache, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return nil, err
	}
	code, _ := totp.GenerateCode(demodir.TOTPSecret, time.Now())
	if err := s.Enrol(ctx, device.EnrolRequest{Server: e.url, Username: "nurse", Password: demodir.Password, OTP: code,
		DeviceName: "bench-laptop", Passphrase: benchPassphrase}, nil); err != nil {
		return nil, err
	}
	n, _ := s.Caseload(ctx, "")
	s.Close()
	if len(n) != 500 {
		return nil, fmt.Errorf("caseload of %d, want 500", len(n))
	}
	return e, nil
}

// TestMain stops the benchmarks' directory process. In a child started by
// runAsCommand it is the signpost command instead.
func TestMain(m *testing.M) {
	if os.Getenv(asCommand) != "" {
		main()
	}
	if os.Getenv(emptyWindow) != "" {
		runEmptyWindow()
		os.Exit(0)
	}
	code := m.Run()
	if benchE != nil && benchE.dir != nil && benchE.dir.Process != nil {
		benchE.dir.Process.Signal(os.Interrupt)
		benchE.dir.Wait()
		os.RemoveAll(filepath.Dir(benchE.cache))
	}
	os.Exit(code)
}

// xvfb starts a virtual screen for the benchmark, or skips it.
func xvfb(b *testing.B) string {
	b.Helper()
	for _, tool := range []string{"Xvfb", "xdotool"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Skipf("%s is not installed (make deps installs it)", tool)
		}
	}
	for n := 150; n < 200; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X%d-lock", n)); err == nil {
			continue
		}
		d := fmt.Sprintf(":%d", n)
		x := exec.Command("Xvfb", d, "-screen", "0", "1366x768x24", "-nolisten", "tcp")
		if err := x.Start(); err != nil {
			b.Skipf("Xvfb: %v", err)
		}
		b.Cleanup(func() { x.Process.Kill(); x.Wait() })
		for i := 0; i < 100; i++ {
			if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
				return d
			}
			time.Sleep(50 * time.Millisecond)
		}
		b.Fatalf("Xvfb on %s did not start", d)
	}
	b.Skip("no free X display")
	return ""
}

// window waits for the window titled Signpost on display d.
func window(d string, p *os.Process, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		out, _ := exec.Command("xdotool", "search", "--onlyvisible", "--name", "^Signpost$").Output()
		if id := strings.TrimSpace(string(out)); id != "" {
			return strings.Fields(id)[0], nil
		}
		if p != nil && p.Signal(syscall.Signal(0)) != nil {
			return "", fmt.Errorf("the app exited")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return "", fmt.Errorf("no window within %s", timeout)
}

// rssMB reads a process's resident memory (VmRSS) and its peak (VmHWM).
func rssMB(pid int) (rss, peak float64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb / 1024
		case "VmHWM:":
			peak = kb / 1024
		}
	}
	return rss, peak
}

// mapping is one file's (or anonymous memory's) share of a process's
// resident memory.
type mapping struct {
	name string
	mb   float64
}

// smapsMB rolls /proc/PID/smaps up by what is mapped: each file by its base
// name, anonymous memory (the Go heap, C's malloc arenas, GL buffers) as
// [anon], largest first.
func smapsMB(pid int) []mapping {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		return nil
	}
	by := map[string]float64{}
	name := ""
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 5 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":"):
			name = "[anon]"
			if len(f) >= 6 {
				name = filepath.Base(strings.Join(f[5:], " "))
			}
		case len(f) >= 2 && f[0] == "Rss:":
			kb, _ := strconv.ParseFloat(f[1], 64)
			by[name] += kb / 1024
		}
	}
	var ms []mapping
	for n, mb := range by {
		ms = append(ms, mapping{n, mb})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].mb > ms[j].mb })
	return ms
}

// topMappings lists the first n mappings as "name MB".
func topMappings(ms []mapping, n int) string {
	var top []string
	for _, m := range ms[:min(n, len(ms))] {
		top = append(top, fmt.Sprintf("%s %.1f", m.name, m.mb))
	}
	return strings.Join(top, ", ")
}

// testBinaryTags returns the build tags this test binary was built with:
// the app is built with the same ones (make bench passes the release tags),
// so the app and the empty window it is compared with are built alike.
func testBinaryTags() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-tags" {
				return s.Value
			}
		}
	}
	return ""
}

// emptyWindow, in a child's environment, makes the test binary open an empty
// Fyne window titled Signpost, the same size as the app's, and nothing else:
// the baseline the app's own memory is measured against.
const emptyWindow = "SIGNPOST_BENCH_EMPTY_WINDOW"

func runEmptyWindow() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	fa := app.NewWithID(appID + ".bench")
	w := fa.NewWindow("Signpost")
	w.SetContent(container.NewStack())
	w.Resize(fyne.NewSize(1280, 700))
	w.SetMaster()
	context.AfterFunc(ctx, func() { fyne.Do(fa.Quit) })
	w.ShowAndRun()
}

// emptyWindowMB runs the test binary as an empty window under display d
// and returns its resident memory once it has settled.
func emptyWindowMB(b *testing.B, d string) float64 {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run", "^$")
	cfg := b.TempDir()
	cmd.Env = append(os.Environ(), emptyWindow+"=1", "DISPLAY="+d, "LANG=en_GB.UTF-8", "XDG_CONFIG_HOME="+cfg)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer stopApp(cmd)
	if _, err := window(d, cmd.Process, 30*time.Second); err != nil {
		b.Fatalf("the empty window: %v", err)
	}
	time.Sleep(3 * time.Second)
	rss, _ := rssMB(cmd.Process.Pid)
	return rss
}

// startApp runs the real binary on the cache, under display d.
func startApp(b *testing.B, e *benchEnv, d string) *exec.Cmd {
	b.Helper()
	cmd := exec.Command(e.bin, "--data", e.cache)
	cfg, err := os.MkdirTemp("", "signpost-bench-config-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(cfg) })
	cmd.Env = append(os.Environ(), "DISPLAY="+d, "LANG=en_GB.UTF-8", "XDG_CONFIG_HOME="+cfg)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	return cmd
}

func stopApp(cmd *exec.Cmd) {
	cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

// BenchmarkColdStartToWindow runs the real binary on an enrolled (locked)
// cache under Xvfb and measures the time from exec to its window being
// mapped (the unlock screen). Target: 2 s.
func BenchmarkColdStartToWindow(b *testing.B) {
	e := setupBench(b)
	d := xvfb(b)
	os.Setenv("DISPLAY", d)
	var times []float64
	var rss float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for run := 0; run < 5; run++ {
			start := time.Now()
			cmd := startApp(b, e, d)
			if _, err := window(d, cmd.Process, 30*time.Second); err != nil {
				stopApp(cmd)
				b.Fatal(err)
			}
			times = append(times, float64(time.Since(start).Milliseconds()))
			time.Sleep(300 * time.Millisecond)
			rss, _ = rssMB(cmd.Process.Pid)
			stopApp(cmd)
		}
	}
	b.StopTimer()
	sort.Float64s(times)
	b.ReportMetric(times[len(times)/2], "ms-to-window(median)")
	b.ReportMetric(times[len(times)-1], "ms-to-window(max)")
	b.ReportMetric(rss, "MB-rss-at-unlock-screen")
}

// BenchmarkUnlockToCaseload500 types the passphrase into the unlock screen
// and measures until the caseload list holds all 500 children. It uses the
// real services and cache (default Argon2: 64 MiB, 3 passes) and the real
// screens in Fyne's test driver. Target: 1 s.
func BenchmarkUnlockToCaseload500(b *testing.B) {
	e := setupBench(b)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		h := newBenchUI(b, e)
		// The unlock screen's field is its own widget (it watches Caps Lock).
		pass := h.win.Canvas().Focused()
		if pass == nil {
			b.Fatal("the unlock screen does not focus the passphrase")
		}
		test.Type(pass, benchPassphrase)
		b.StartTimer()
		start := time.Now()
		pass.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		if err := h.until(30*time.Second, func() bool { return h.caseload() != nil && h.caseload().Length() == 500 }); err != nil {
			b.Fatal(err)
		}
		ms := float64(time.Since(start).Microseconds()) / 1000
		b.StopTimer()
		b.ReportMetric(ms, "ms-unlock-to-500-shown")

		// What the Argon2 unlock alone costs, for comparison.
		st, err := localstore.Open(context.Background(), e.cache, localstore.Options{})
		if err == nil {
			t0 := time.Now()
			if st.Unlock(context.Background(), benchPassphrase) == nil {
				b.ReportMetric(float64(time.Since(t0).Microseconds())/1000, "ms-of-which-cache-unlock")
			}
			st.Close()
		}
		h.close()
	}
}

// BenchmarkMemoryAfter100Records opens 100 records one after another in the
// real binary under Xvfb (keyboard: Down, Space on the caseload list) and
// reads its resident memory. The directory runs in its own process. Target:
// 150 MB. It reports too an empty Fyne window's resident memory, measured the
// same way (the test binary as emptyWindow), and the app's share beyond it,
// and logs both moments' memory by mapping; with SIGNPOST_HEAP_PROFILE set,
// the app writes its Go heap profile there after the last record.
func BenchmarkMemoryAfter100Records(b *testing.B) {
	e := setupBench(b)
	d := xvfb(b)
	os.Setenv("DISPLAY", d)
	for i := 0; i < b.N; i++ {
		cmd := startApp(b, e, d)
		wid, err := window(d, cmd.Process, 30*time.Second)
		if err != nil {
			stopApp(cmd)
			b.Fatal(err)
		}
		xdo := func(args ...string) {
			if out, err := exec.Command("xdotool", args...).CombinedOutput(); err != nil {
				b.Fatalf("xdotool %v: %v %s", args, err, out)
			}
		}
		time.Sleep(500 * time.Millisecond)
		// No window manager under Xvfb: the pointer gives the window the
		// keyboard, and the unlock screen has focused the passphrase.
		xdo("mousemove", "--window", wid, "640", "120")
		xdo("type", "--delay", "5", benchPassphrase)
		xdo("key", "Return")
		time.Sleep(3 * time.Second) // Argon2 and the caseload
		before, _ := rssMB(cmd.Process.Pid)
		beforeMaps := smapsMB(cmd.Process.Pid)
		// The first row sits under the filter and the count.
		xdo("mousemove", "--window", wid, "80", "250", "click", "1")
		time.Sleep(300 * time.Millisecond)
		for r := 1; r < 100; r++ {
			xdo("key", "Down", "space")
			time.Sleep(60 * time.Millisecond)
		}
		time.Sleep(3 * time.Second) // the last record, and the views pushed
		rss, peak := rssMB(cmd.Process.Pid)
		maps := smapsMB(cmd.Process.Pid)
		if os.Getenv(heapProfileEnv) != "" {
			// The Go heap at this moment, to read with go tool pprof.
			cmd.Process.Signal(syscall.SIGUSR1)
			time.Sleep(2 * time.Second)
		}
		stopApp(cmd)
		empty := emptyWindowMB(b, d)
		b.ReportMetric(before, "MB-rss-caseload-shown")
		b.ReportMetric(rss, "MB-rss-after-100-records")
		b.ReportMetric(peak, "MB-rss-peak")
		b.ReportMetric(empty, "MB-rss-empty-window")
		b.ReportMetric(rss-empty, "MB-app-beyond-empty-window")
		b.Logf("resident MB by mapping with the caseload shown: %s", topMappings(beforeMaps, 8))
		b.Logf("resident MB by mapping after 100 records: %s", topMappings(maps, 8))
	}
	b.StopTimer()
	// The same in Fyne's test driver (the screens and services without GL).
	h := newBenchUI(b, e)
	pass := h.win.Canvas().Focused()
	if pass == nil {
		b.Fatal("the unlock screen does not focus the passphrase")
	}
	test.Type(pass, benchPassphrase)
	pass.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if err := h.until(30*time.Second, func() bool { return h.caseload() != nil && h.caseload().Length() == 500 }); err != nil {
		b.Fatal(err)
	}
	list := h.caseload()
	cases, err := h.svc.Caseload(context.Background(), "")
	if err != nil {
		b.Fatal(err)
	}
	for r := 0; r < 100; r++ {
		list.Select(r)
		want := "Signpost ID " + cases[r].ID
		if err := h.until(10*time.Second, func() bool { return strings.Contains(h.text(), want) }); err != nil {
			b.Fatalf("record %d (%s): %v; the window shows:\n%s", r, cases[r].ID, err, h.text())
		}
	}
	rss, _ := rssMB(os.Getpid())
	b.ReportMetric(rss, "MB-rss-testdriver-process")
	h.close()
}

// benchUI is the app on Fyne's test driver with the real services; the
// bridge's results are applied by until, as the main loop would.
type benchUI struct {
	app   *ui.App
	win   fyne.Window
	svc   *device.Device
	mu    gosync.Mutex
	queue []func()
}

func newBenchUI(b *testing.B, e *benchEnv) *benchUI {
	b.Helper()
	svc, err := device.New(context.Background(), device.Options{Dir: e.cache, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	h := &benchUI{svc: svc}
	fa := test.NewApp()
	h.app = ui.New(fa, svc, ui.Options{Do: h.enqueue, IdleCheck: -1})
	h.win = h.app.Window()
	h.win.Resize(fyne.NewSize(1366, 768))
	return h
}

func (h *benchUI) enqueue(f func()) {
	h.mu.Lock()
	h.queue = append(h.queue, f)
	h.mu.Unlock()
}

// until applies queued UI work until cond holds.
func (h *benchUI) until(timeout time.Duration, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	for {
		h.mu.Lock()
		q := h.queue
		h.queue = nil
		h.mu.Unlock()
		for _, f := range q {
			f()
		}
		if cond() {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("gave up after %s", timeout)
		}
		if len(q) == 0 {
			time.Sleep(200 * time.Microsecond)
		}
	}
}

func (h *benchUI) close() {
	done := make(chan struct{})
	go func() { h.app.Close(); close(done) }()
	for {
		select {
		case <-done:
			h.svc.Close()
			return
		default:
			h.until(0, func() bool { return true })
			time.Sleep(time.Millisecond)
		}
	}
}

// caseload finds the caseload list in the window.
func (h *benchUI) caseload() *widget.List {
	var found *widget.List
	visit(h.win.Content(), func(o fyne.CanvasObject) bool {
		if l, ok := o.(*widget.List); ok && found == nil && l.Visible() {
			found = l
		}
		return found == nil
	})
	return found
}

// text is the window's label text.
func (h *benchUI) text() string {
	var sb strings.Builder
	visit(h.win.Content(), func(o fyne.CanvasObject) bool {
		if l, ok := o.(*widget.Label); ok {
			sb.WriteString(l.Text + "\n")
		}
		return true
	})
	return sb.String()
}

func visit(o fyne.CanvasObject, f func(fyne.CanvasObject) bool) bool {
	if o == nil || !o.Visible() {
		return true
	}
	if !f(o) {
		return false
	}
	switch w := o.(type) {
	case *fyne.Container:
		for _, c := range w.Objects {
			if !visit(c, f) {
				return false
			}
		}
	case *widget.Label, *widget.List, *widget.Entry:
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(w).Objects() {
			if !visit(c, f) {
				return false
			}
		}
	}
	return true
}
