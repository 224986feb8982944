package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	gosync "sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pquerna/otp/totp"

	"signpost"
	"signpost/directory"
	"signpost/directory/demo"
	"signpost/directory/feed"
	"signpost/directory/match"
	"signpost/directory/population"
	"signpost/directory/sqlcipher"
)

// TestBenchLoad is `make bench-load DEVICES=N`: a real day's mix against the
// real signpost-directory in its own process on loopback. N simulated
// laptops each sign in once, then keep a long-poll open (pulling whenever it
// says there is something) and, with 0.5–1.5 s pauses, pull, push changes
// and offline views, search, and open records. It prints one name=value
// line per figure: requests a second (long-polls apart), p50/p99/p99.9 per
// endpoint, errors by status, the server's resident memory, open files and
// CPU per request; then it checks that every change pushed is held exactly
// once. It runs only when SIGNPOST_LOAD_DEVICES is set.
//
//	SIGNPOST_LOAD_DEVICES   N (required)
//	SIGNPOST_LOAD_CHILDREN  children in the store (default 1,000,000)
//	SIGNPOST_LOAD_HISTORY   applied mutations and audit events the store already holds (default 1,000,000)
//	SIGNPOST_LOAD_SECONDS   the measured run (default 60, after 15 s of warming up)
//	SIGNPOST_LOAD_IDLE      1: the devices only hold long-polls (what idle laptops cost)
//	SIGNPOST_LOAD_DIR       work folder (default a new one, removed after)
//	SIGNPOST_LOAD_REUSE     1: keep and reuse the store in DIR
//	SIGNPOST_LOAD_PROFILE   FILE: a CPU profile of the server during the measured run goes there
func TestBenchLoad(t *testing.T) {
	devices := envInt("SIGNPOST_LOAD_DEVICES", 0)
	if devices <= 0 {
		t.Skip("set SIGNPOST_LOAD_DEVICES (make bench-load DEVICES=N)")
	}
	children := envInt("SIGNPOST_LOAD_CHILDREN", 1_000_000)
	history := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("SIGNPOST_LOAD_HISTORY")); err == nil && v >= 0 {
		history = v // 0: an empty history
	}
	seconds := envInt("SIGNPOST_LOAD_SECONDS", 60)
	idle := os.Getenv("SIGNPOST_LOAD_IDLE") == "1"
	reuse := os.Getenv("SIGNPOST_LOAD_REUSE") == "1"
	dir := os.Getenv("SIGNPOST_LOAD_DIR")
	if dir == "" {
		d, err := os.MkdirTemp("", "signpost-load-")
		if err != nil {
			t.Fatal(err)
		}
		dir = d
		defer os.RemoveAll(dir)
	}
	figure := func(name string, format string, v any) { fmt.Printf("%s="+format+"\n", name, v) }
	figure("devices", "%d", devices)
	figure("children", "%d", children)
	figure("history", "%d", history)
	figure("cpus", "%d", runtime.NumCPU())

	bin := filepath.Join(dir, "signpost-directory")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("building: %v\n%s", err, out)
	}
	data := filepath.Join(dir, fmt.Sprintf("data-%d-%d", children, history))
	phase := time.Now()
	w := loadWorld(t, bin, data, children, history, devices, reuse)
	figure("prepare_s", "%.1f", time.Since(phase).Seconds())
	figure("store_mb", "%.0f", float64(dirSize(data))/(1<<20))

	phase = time.Now()
	srv := startServer(t, bin, data, filepath.Join(dir, "serve.log"))
	defer srv.stop()
	figure("serve_ready_s", "%.1f", time.Since(phase).Seconds())
	figure("server_rss_ready_mb", "%.0f", srv.rssMB())

	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 4 * devices, MaxIdleConnsPerHost: 4 * devices, IdleConnTimeout: time.Minute}}
	lg := &loadGen{base: srv.url, client: client, world: w, stats: newStats()}

	// Sign every device in (Argon2 per sign-in, bounded by the directory:
	// measured apart from the day's mix).
	start := time.Now()
	devs := make([]*device, devices)
	var wg gosync.WaitGroup
	var signErr atomic.Value
	sem := make(chan struct{}, 8)
	for i := range devs {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			d, err := lg.signIn(i)
			if err != nil {
				signErr.Store(err)
				return
			}
			devs[i] = d
		}(i)
	}
	wg.Wait()
	if err, _ := signErr.Load().(error); err != nil {
		t.Fatalf("sign-in: %v", err)
	}
	figure("signin_all_s", "%.1f", time.Since(start).Seconds())

	ctx, cancel := context.WithCancel(context.Background())
	var synced gosync.WaitGroup // every device's first sync
	start = time.Now()
	for _, d := range devs {
		wg.Add(1)
		synced.Add(1)
		go func(d *device) { defer wg.Done(); lg.waitLoop(ctx, d, synced.Done) }(d)
		if !idle {
			wg.Add(1)
			go func(d *device) { defer wg.Done(); lg.actLoop(ctx, d) }(d)
		}
	}
	synced.Wait()
	figure("first_sync_all_s", "%.1f", time.Since(start).Seconds())
	time.Sleep(15 * time.Second) // warm up: caches are warm, long-polls are open
	lg.stats.reset()
	cpu0, rss0 := srv.cpuTicks(), srv.rssMB()
	self0 := selfCPU()
	begin := time.Now()
	peakRSS := rss0
	if p := os.Getenv("SIGNPOST_LOAD_PROFILE"); p != "" {
		go func() {
			if err := srv.profile(seconds-2, p); err != nil {
				t.Logf("profile: %v", err)
			}
		}()
	}
	for time.Since(begin) < time.Duration(seconds)*time.Second {
		time.Sleep(time.Second)
		peakRSS = max(peakRSS, srv.rssMB())
	}
	elapsed := time.Since(begin)
	snap := lg.stats.snapshot()
	cpu1, fds := srv.cpuTicks(), srv.fds()
	self1 := selfCPU()
	cancel()
	wg.Wait()

	total := 0
	for ep, ls := range snap.lat {
		if ep != "wait" {
			total += len(ls)
		}
	}
	figure("requests_per_s", "%.0f", float64(total)/elapsed.Seconds())
	eps := make([]string, 0, len(snap.lat))
	for ep := range snap.lat {
		eps = append(eps, ep)
	}
	sort.Strings(eps)
	for _, ep := range eps {
		ls := snap.lat[ep]
		figure(ep+"_count", "%d", len(ls))
		figure(ep+"_p50_ms", "%.1f", pct(ls, 0.50))
		figure(ep+"_p99_ms", "%.1f", pct(ls, 0.99))
		figure(ep+"_p999_ms", "%.1f", pct(ls, 0.999))
	}
	errs := 0
	for k, n := range snap.errors {
		figure("errors_"+k, "%d", n)
		errs += n
	}
	figure("errors", "%d", errs)
	figure("server_rss_mb", "%.0f", peakRSS)
	figure("server_fds", "%d", fds)
	cpuSecs := float64(cpu1-cpu0) / 100
	figure("server_cpu_percent", "%.1f", 100*cpuSecs/elapsed.Seconds())
	if total > 0 {
		figure("server_cpu_ms_per_request", "%.2f", 1000*cpuSecs/float64(total))
	}
	figure("generator_cpu_percent", "%.1f", 100*(self1-self0)/elapsed.Seconds())

	if !idle {
		phase = time.Now()
		lg.checkExactlyOnce(t, devs, srv, data)
		figure("check_s", "%.1f", time.Since(phase).Seconds())
	}
}

// loadWorld is what the simulated devices know: their accounts, their
// caseloads, and people to search for.
type world struct {
	users    []string
	caseload [][]string // Signpost IDs, per user
	others   []string   // children on no one's caseload
	searches [][]byte
}

const loadPassword = "load-password-1"

// loadWorld builds (or, reusing, reads back) the store: the national
// population of children (generated and imported as bench-scale does), one
// practitioner per device with a caseload of 20, and the history.
func loadWorld(t *testing.T, bin, data string, children, history, devices int, reuse bool) *world {
	t.Helper()
	ctx := context.Background()
	today := time.Now().UTC().Truncate(24 * time.Hour)
	marker := filepath.Join(data, "built")
	if _, err := os.Stat(marker); !reuse || err != nil {
		os.RemoveAll(data)
		feeds := filepath.Join(filepath.Dir(data), "feeds-"+strconv.Itoa(children))
		if _, err := os.Stat(filepath.Join(feeds, population.TruthFile)); err != nil {
			mustRun(t, bin, "generate", "--children", strconv.Itoa(children), "--seed", "1", "--out", feeds, "--today", today.Format(signpost.DateLayout))
		}
		m := NewMain()
		m.DataDir = data
		st, err := m.OpenStore(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := demo.Seed(ctx, st, 0, today, directory.PasswordParams{Memory: 1024, Time: 1, Threads: 1}); err != nil {
			t.Fatal(err)
		}
		st.Close()
		args := []string{"import", "--data", data, "--bulk", "--today", today.Format(signpost.DateLayout)}
		for _, k := range feed.Kinds {
			args = append(args, "--feed", string(k), filepath.Join(feeds, population.FeedFiles[k]))
		}
		mustRun(t, bin, args...)
		os.WriteFile(marker, []byte("0"), 0o600)
	}
	m := NewMain()
	m.DataDir = data
	st, err := m.OpenStore(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var ids []string
	if err := st.ScanIdentities(ctx, func(id match.Identity) error {
		if !id.Shielded && !id.Deceased {
			ids = append(ids, id.SignpostID())
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sort.Strings(ids)
	w := &world{}
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	built, _ := os.ReadFile(marker)
	have, _ := strconv.Atoi(strings.TrimSpace(string(built)))
	const perCaseload = 20
	if devices*perCaseload > len(ids)/2 {
		t.Fatalf("%d devices need %d children on caseloads; the store has %d", devices, devices*perCaseload, len(ids))
	}
	hash := directory.HashPassword(loadPassword, directory.DefaultPasswordParams)
	for i := 0; i < devices; i++ {
		u := fmt.Sprintf("load%05d", i)
		w.users = append(w.users, u)
		w.caseload = append(w.caseload, ids[i*perCaseload:(i+1)*perCaseload])
		if i < have {
			continue
		}
		a := &directory.Account{User: signpost.User{Username: u, DisplayName: "Load " + u, Role: signpost.RolePractitioner, JobTitle: "School nurse",
			Organisation: "Leeds Community Healthcare NHS Trust", Phone: "0113 496 0000", Email: u + "@example.nhs.uk"},
			PasswordHash: hash, TOTPSecret: demo.TOTPSecret, Accredited: true}
		if err := st.CreateAccount(ctx, a); err != nil && signpost.KindOf(err) != signpost.KindConflict {
			t.Fatal(err)
		}
		for _, c := range w.caseload[i] {
			if _, err := st.AddInvolvement(ctx, c, u, signpost.Involvement{Role: "School nurse", StartedOn: "2025-09-01"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	w.others = ids[devices*perCaseload:]
	if have == 0 && history > 0 {
		// The history belongs to an account of its own, so the load's
		// exactly-once counts stay the devices'.
		a := &directory.Account{User: signpost.User{Username: "history", DisplayName: "History", Role: signpost.RolePractitioner,
			Organisation: "Leeds Community Healthcare NHS Trust"}, PasswordHash: hash, TOTPSecret: demo.TOTPSecret, Accredited: true}
		if err := st.CreateAccount(ctx, a); err != nil && signpost.KindOf(err) != signpost.KindConflict {
			t.Fatal(err)
		}
		dev := uuid.NewString()
		if _, err := st.EnrolDevice(ctx, dev, "history", a.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := sqlcipher.SeedHistory(ctx, st, a.ID, "history", dev, w.others[:min(len(w.others), 200_000)], history, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if devices > have {
		os.WriteFile(marker, []byte(strconv.Itoa(devices)), 0o600)
	}
	// The load does far more in a minute than a day's work: the harvest
	// limits would slow it, as they should slow a person.
	p := signpost.DefaultPolicy()
	p.MaxOffCaseloadViewsPerDay, p.HarvestSearchesPerDay, p.HarvestViewsPerDay, p.HarvestMissesPerDay = 1e9, 1e9, 1e9, 1e9
	if err := directory.SetPolicy(ctx, st, p); err != nil {
		t.Fatal(err)
	}
	w.searches = searchMix(children, today, 20000)
	return w
}

// server is signpost-directory serve in a process of its own.
type server struct {
	cmd   *exec.Cmd
	url   string
	pprof string // the server's profiles, when asked for
}

// profile writes a CPU profile of the server over the next seconds to path.
func (s *server) profile(seconds int, path string) error {
	res, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", s.pprof, seconds))
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

func startServer(t *testing.T, bin, data, logPath string) *server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"serve", "--data", data, "--listen", addr, "--maintenance=false"}
	s := &server{url: "http://" + addr}
	if os.Getenv("SIGNPOST_LOAD_PROFILE") != "" {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		s.pprof = l.Addr().String()
		l.Close()
		args = append(args, "--pprof", s.pprof)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.cmd = cmd
	deadline := time.Now().Add(10 * time.Minute)
	for {
		b, _ := os.ReadFile(logPath)
		if bytes.Contains(b, []byte("search index ready")) {
			break
		}
		if time.Now().After(deadline) {
			s.stop()
			t.Fatalf("the directory did not get ready:\n%s", b)
		}
		time.Sleep(200 * time.Millisecond)
	}
	return s
}

func (s *server) stop() {
	if s.cmd.Process != nil {
		s.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			s.cmd.Process.Kill()
			<-done
		}
	}
}

func (s *server) procFile(name string) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/%s", s.cmd.Process.Pid, name))
	return string(b)
}

// cpuTicks is the server's user and system CPU, in clock ticks (1/100 s).
func (s *server) cpuTicks() int64 {
	f := strings.Fields(s.procFile("stat"))
	if len(f) < 15 {
		return 0
	}
	u, _ := strconv.ParseInt(f[13], 10, 64)
	k, _ := strconv.ParseInt(f[14], 10, 64)
	return u + k
}

func (s *server) rssMB() float64 {
	for _, line := range strings.Split(s.procFile("status"), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

func (s *server) fds() int {
	es, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", s.cmd.Process.Pid))
	return len(es)
}

func selfCPU() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// stats are the latencies per endpoint and the errors by endpoint and status.
type stats struct {
	mu     gosync.Mutex
	lat    map[string][]time.Duration
	errors map[string]int
}

func newStats() *stats { return &stats{lat: map[string][]time.Duration{}, errors: map[string]int{}} }

func (s *stats) add(ep string, d time.Duration, status int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case err != nil:
		s.errors[ep+"_timeout_or_transport"]++
	case status >= 300:
		s.errors[ep+"_"+strconv.Itoa(status)]++
	default:
		s.lat[ep] = append(s.lat[ep], d)
	}
}

func (s *stats) reset() {
	s.mu.Lock()
	s.lat, s.errors = map[string][]time.Duration{}, map[string]int{}
	s.mu.Unlock()
}

func (s *stats) snapshot() *stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := newStats()
	for k, v := range s.lat {
		out.lat[k] = slices.Clone(v)
	}
	for k, v := range s.errors {
		out.errors[k] = v
	}
	return out
}

func pct(ls []time.Duration, p float64) float64 {
	if len(ls) == 0 {
		return 0
	}
	slices.Sort(ls)
	i := min(len(ls)-1, int(float64(len(ls))*p))
	return float64(ls[i].Microseconds()) / 1000
}

// device is one simulated laptop.
type device struct {
	n        int
	user, id string
	token    string
	rng      *rand.Rand

	mu     gosync.Mutex
	cursor string
	// pushed holds every mutation the device sent, by id; unanswered ones
	// are sent again (as the sync engine does) until answered.
	pushed   map[string]signpost.Mutation
	unsent   []signpost.Mutation
	views    map[string]int // offline views pushed, by child
	prevHash string
}

type loadGen struct {
	base   string
	client *http.Client
	world  *world
	stats  *stats
}

func (lg *loadGen) do(ctx context.Context, ep, method, path, token string, body any, out any, timeout time.Duration) (int, error) {
	var rd io.Reader
	if body != nil {
		switch b := body.(type) {
		case []byte:
			rd = bytes.NewReader(b)
		default:
			j, _ := json.Marshal(b)
			rd = bytes.NewReader(j)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, method, lg.base+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	start := time.Now()
	res, err := lg.client.Do(req)
	if err != nil {
		if ctx.Err() != nil && !strings.Contains(err.Error(), "deadline") {
			return 0, err // the run is over
		}
		lg.stats.add(ep, time.Since(start), 0, err)
		return 0, err
	}
	raw, err := io.ReadAll(res.Body)
	res.Body.Close()
	d := time.Since(start)
	lg.stats.add(ep, d, res.StatusCode, err)
	if err == nil && out != nil && res.StatusCode == 200 {
		err = json.Unmarshal(raw, out)
	}
	return res.StatusCode, err
}

func (lg *loadGen) signIn(i int) (*device, error) {
	d := &device{n: i, user: lg.world.users[i], id: uuid.NewString(), rng: rand.New(rand.NewPCG(uint64(i), 7)),
		pushed: map[string]signpost.Mutation{}, views: map[string]int{}}
	for attempt := 0; ; attempt++ {
		code, _ := totp.GenerateCode(demo.TOTPSecret, time.Now())
		var s signpost.SessionResponse
		status, err := lg.do(context.Background(), "session", "POST", "/v1/session", "", signpost.SessionRequest{Username: d.user, Password: loadPassword, OTP: code,
			DeviceID: d.id, DeviceName: d.user + "'s laptop"}, &s, time.Minute)
		if err == nil && status == 200 {
			d.token = s.Token
			return d, nil
		}
		if attempt > 40 {
			return nil, fmt.Errorf("%s: %d %v", d.user, status, err)
		}
		time.Sleep(time.Second) // busy (503), or a code already used: the next step
	}
}

// pullAll pulls every page after the device's cursor.
func (lg *loadGen) pullAll(ctx context.Context, d *device) {
	for {
		d.mu.Lock()
		cursor := d.cursor
		d.mu.Unlock()
		var p signpost.PullResponse
		status, err := lg.do(ctx, "pull", "GET", "/v1/sync/pull?cursor="+cursor, d.token, nil, &p, 40*time.Second)
		if err != nil || status != 200 {
			return
		}
		d.mu.Lock()
		d.cursor = p.Cursor
		d.mu.Unlock()
		if !p.More {
			return
		}
	}
}

// waitLoop keeps a long-poll open, pulling whenever it says to.
func (lg *loadGen) waitLoop(ctx context.Context, d *device, synced func()) {
	lg.pullAll(ctx, d)
	synced()
	for ctx.Err() == nil {
		d.mu.Lock()
		cursor := d.cursor
		d.mu.Unlock()
		var wr signpost.WaitResponse
		status, err := lg.do(ctx, "wait", "GET", "/v1/sync/wait?cursor="+cursor, d.token, nil, &wr, 40*time.Second)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil || status != 200:
			time.Sleep(time.Second)
		case wr.Changed:
			lg.pullAll(ctx, d)
		}
	}
}

// actLoop is a practitioner at work: a pull, a push, a search or a record
// opened, with a pause of 0.5 to 1.5 s before each.
func (lg *loadGen) actLoop(ctx context.Context, d *device) {
	for ctx.Err() == nil {
		pause := 500*time.Millisecond + time.Duration(d.rng.Int64N(int64(time.Second)))
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		switch d.rng.IntN(4) {
		case 0:
			lg.pullAll(ctx, d)
		case 1:
			lg.push(ctx, d)
		case 2:
			body := lg.world.searches[d.rng.IntN(len(lg.world.searches))]
			lg.do(ctx, "search", "POST", "/v1/search", d.token, body, nil, 40*time.Second)
		case 3:
			caseload := lg.world.caseload[d.n]
			if d.rng.IntN(5) == 0 {
				id := lg.world.others[d.rng.IntN(len(lg.world.others))]
				lg.do(ctx, "view", "GET", "/v1/children/"+id+"?reason=referral+from+school", d.token, nil, nil, 40*time.Second)
			} else {
				lg.do(ctx, "view", "GET", "/v1/children/"+caseload[d.rng.IntN(len(caseload))], d.token, nil, nil, 40*time.Second)
			}
		}
	}
}

// push sends one to three new changes (offline views and CAF flags on the
// caseload) with whatever is still unanswered.
func (lg *loadGen) push(ctx context.Context, d *device) {
	d.mu.Lock()
	caseload := lg.world.caseload[d.n]
	for i := 0; i < 1+d.rng.IntN(3); i++ {
		child := caseload[d.rng.IntN(len(caseload))]
		m := signpost.Mutation{ID: uuid.Must(uuid.NewV7()).String(), ChildID: child, At: time.Now().UTC()}
		if d.rng.IntN(10) < 7 {
			m.Kind, m.Reason, m.PrevHash = signpost.MutView, "home visit", d.prevHash
			m.Hash = m.ViewHash()
			d.prevHash = m.Hash
			d.views[child]++
		} else {
			m.Kind, m.Value = signpost.MutSetCAF, d.rng.IntN(2) == 0
		}
		d.pushed[m.ID] = m
		d.unsent = append(d.unsent, m)
	}
	batch := slices.Clone(d.unsent)
	d.mu.Unlock()
	var pr signpost.PushResponse
	status, err := lg.do(ctx, "push", "POST", "/v1/sync/push", d.token, signpost.PushRequest{Mutations: batch}, &pr, 40*time.Second)
	if err != nil || status != 200 || len(pr.Results) != len(batch) {
		return // kept, and sent again with the next push
	}
	d.mu.Lock()
	d.unsent = d.unsent[len(batch):]
	d.mu.Unlock()
}

// checkExactlyOnce sends every device's unanswered changes until answered,
// then proves every change pushed is held once: each device's mutations
// counted in the store equal the distinct ids it sent, and its offline views
// in the audit the views it sent.
func (lg *loadGen) checkExactlyOnce(t *testing.T, devs []*device, srv *server, data string) {
	ctx := context.Background()
	for _, d := range devs {
		for tries := 0; len(d.unsent) > 0; tries++ {
			var pr signpost.PushResponse
			status, err := lg.do(ctx, "final_push", "POST", "/v1/sync/push", d.token, signpost.PushRequest{Mutations: d.unsent}, &pr, time.Minute)
			if err == nil && status == 200 {
				d.unsent = nil
			} else if tries > 10 {
				t.Fatalf("%s's last push: %d %v", d.user, status, err)
			}
		}
	}
	srv.stop()
	m := NewMain()
	m.DataDir = data
	st, err := m.OpenStore(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	pushed, bad := 0, 0
	muts, evs, err := sqlcipher.CountByDevice(ctx, st, "offline_view")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range devs {
		n, v := muts[d.id], evs[d.id]
		views := 0
		for _, k := range d.views {
			views += k
		}
		pushed += len(d.pushed)
		if n != len(d.pushed) || v != views {
			bad++
			if bad <= 5 {
				t.Errorf("%s: %d changes pushed, %d held; %d offline views pushed, %d in the audit", d.user, len(d.pushed), n, views, v)
			}
		}
	}
	fmt.Printf("pushed_changes=%d\nexactly_once_failures=%d\n", pushed, bad)
}
