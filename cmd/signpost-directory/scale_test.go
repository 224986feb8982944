package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	gosync "sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pquerna/otp/totp"

	"signpost"
	"signpost/directory"
	"signpost/directory/demo"
	"signpost/directory/feed"
	"signpost/directory/population"
	"signpost/directory/sqlcipher"
)

// TestBenchScale is `make bench-scale CHILDREN=N`: it generates N people's
// national feeds, imports them with the real program (a separate process, so
// its time and memory are its own), scores the matching against the ground
// truth, then serves the store on loopback and measures signposting
// searches from concurrent clients. It prints one name=value line per
// figure. It runs only when SIGNPOST_SCALE_CHILDREN is set.
//
//	SIGNPOST_SCALE_CHILDREN  N (required)
//	SIGNPOST_SCALE_DIR       work folder (default a new one under the temporary folder, removed after)
//	SIGNPOST_SCALE_CLIENTS   concurrent search clients (default 16)
//	SIGNPOST_SCALE_SECONDS   length of the sustained search run (default 30)
//	SIGNPOST_SCALE_REUSE     1: keep and reuse the generated feeds and the imported store in DIR
//	                         (regenerated if made with another error model); feeds: reuse
//	                         the feeds generated for the same N and error model, import afresh
//	SIGNPOST_SCALE_ERRORS    the generator's error model: default or realistic (docs/feeds.md)
//	SIGNPOST_SCALE_WORKERS   the import's --workers (default 1)
//	SIGNPOST_SCALE_PROFILE   FILE: the import's --cpu-profile
func TestBenchScale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("SIGNPOST_SCALE_CHILDREN"))
	if n <= 0 {
		t.Skip("set SIGNPOST_SCALE_CHILDREN (make bench-scale CHILDREN=N)")
	}
	clients := envInt("SIGNPOST_SCALE_CLIENTS", 16)
	seconds := envInt("SIGNPOST_SCALE_SECONDS", 30)
	reuse := os.Getenv("SIGNPOST_SCALE_REUSE") == "1"
	model, err := population.ParseErrorModel(os.Getenv("SIGNPOST_SCALE_ERRORS"))
	if err != nil {
		t.Fatalf("SIGNPOST_SCALE_ERRORS (make bench-scale ERRORS=...): %v", err)
	}
	dir := os.Getenv("SIGNPOST_SCALE_DIR")
	if dir == "" {
		d, err := os.MkdirTemp("", "signpost-scale-")
		if err != nil {
			t.Fatal(err)
		}
		dir = d
		defer os.RemoveAll(dir)
	}
	ctx := context.Background()
	today := time.Now().UTC().Truncate(24 * time.Hour)
	figure := func(name string, format string, v any) { fmt.Printf("%s="+format+"\n", name, v) }
	figure("children", "%d", n)
	figure("cpus", "%d", runtime.NumCPU())
	figure("errors", "%s", model)

	bin := filepath.Join(dir, "signpost-directory")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("building: %v\n%s", err, out)
	}
	feeds := filepath.Join(dir, "feeds")
	data := filepath.Join(dir, "data")
	imported := filepath.Join(data, "imported")
	reuseFeeds := os.Getenv("SIGNPOST_SCALE_REUSE") == "feeds"
	generated := filepath.Join(dir, "generated")
	generatedAs := fmt.Sprintf("children=%d errors=%s today=%s", n, model, today.Format(signpost.DateLayout))
	if !reuse || importedWith(imported) != model {
		os.RemoveAll(data)
		if b, _ := os.ReadFile(generated); !reuseFeeds || string(b) != generatedAs {
			os.RemoveAll(feeds)
			os.Remove(generated)
			start := time.Now()
			mustRun(t, bin, "generate", "--children", strconv.Itoa(n), "--seed", "1", "--out", feeds, "--today", today.Format(signpost.DateLayout),
				"--errors", string(model))
			figure("generate_s", "%.1f", time.Since(start).Seconds())
			os.WriteFile(generated, []byte(generatedAs), 0o600)
		}

		// Accounts and authorities (the demo's, with no generated children).
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

		args := []string{"import", "--data", data, "--bulk", "--today", today.Format(signpost.DateLayout), "--outcomes", filepath.Join(dir, "outcomes.csv"),
			"--rejects", filepath.Join(dir, "rejects.csv")}
		if w := os.Getenv("SIGNPOST_SCALE_WORKERS"); w != "" {
			args = append(args, "--workers", w)
		}
		if f := os.Getenv("SIGNPOST_SCALE_PROFILE"); f != "" {
			args = append(args, "--cpu-profile", f)
		}
		rows := 0
		for _, k := range feed.Kinds {
			args = append(args, "--feed", string(k), filepath.Join(feeds, population.FeedFiles[k]))
			rows += lineCount(t, filepath.Join(feeds, population.FeedFiles[k])) - 1
		}
		cmd := exec.Command(bin, args...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		if err := cmd.Run(); err != nil {
			t.Fatalf("import: %v\n%s", err, out.String())
		}
		secs := time.Since(start).Seconds()
		t.Logf("import:\n%s", out.String())
		figure("import_total_s", "%.1f", secs)
		figure("import_per_s", "%.0f", float64(n)/secs)
		figure("import_rows", "%d", rows)
		figure("import_rows_per_s", "%.0f", float64(rows)/secs)
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			figure("import_rss_mb", "%.0f", float64(ru.Maxrss)/1024)
		}
		os.WriteFile(imported, []byte(time.Now().Format(time.RFC3339)+" errors="+string(model)), 0o600)
	}
	figure("store_mb", "%.0f", float64(dirSize(data))/(1<<20))

	m := NewMain()
	m.DataDir, m.Listen, m.Maintenance = data, "127.0.0.1:0", false
	m.Config.SearchRate, m.Config.SearchBurst, m.Config.PerUserInflight = 1e9, 1e9, 1000
	m.Config.PasswordCost = directory.PasswordParams{Memory: 1024, Time: 1, Threads: 1}
	start := time.Now()
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	// The search mix is far more than a person's day: the harvest limits
	// (issue 12) would refuse it, as they should refuse a person.
	p := signpost.DefaultPolicy()
	p.MaxOffCaseloadViewsPerDay, p.HarvestSearchesPerDay, p.HarvestViewsPerDay, p.HarvestMissesPerDay = 1e9, 1e9, 1e9, 1e9
	if err := directory.SetPolicy(ctx, m.Store, p); err != nil {
		t.Fatal(err)
	}
	figure("serve_start_s", "%.1f", time.Since(start).Seconds())
	// Searches are measured once the in-memory index is built (until then
	// they read the store's indexes, and a directory that has been serving
	// has it).
	for {
		if _, ok := m.Store.SearchIndexSize(); ok {
			break
		}
		if time.Since(start) > 30*time.Minute {
			t.Fatal("the search index was not built in 30 minutes")
		}
		time.Sleep(100 * time.Millisecond)
	}
	figure("serve_index_s", "%.1f", time.Since(start).Seconds())

	merged, err := sqlcipher.MergedInto(ctx, m.Store)
	if err != nil {
		t.Fatal(err)
	}
	if q := linkage(t, dir, feeds, merged); q != nil {
		figure("match_precision", "%.4f", q.Precision)
		figure("match_recall", "%.4f", q.Recall)
		figure("match_review_rows", "%d", q.Review)
		// As if a person decided every review item right (ScoreLinkage).
		figure("match_review_right", "%d", q.ReviewRight)
		figure("match_recall_with_review", "%.4f", q.RecallWithReview)
		figure("match_precision_with_review", "%.4f", q.PrecisionWithReview)
		figure("match_false_merges", "%d", q.FalseMerges)
	}
	if counts, err := sqlcipher.CountChildren(ctx, m.Store); err == nil {
		figure("children_active", "%d", counts[signpost.StatusActive])
	}

	token := signIn(t, m.URL())
	bodies := searchMix(n, today, 20000)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}}
	search := func(body []byte) (time.Duration, string, error) {
		t0 := time.Now()
		req, _ := http.NewRequest("POST", m.URL()+"/v1/search", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := client.Do(req)
		if err != nil {
			return 0, "", err
		}
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		d := time.Since(t0)
		if res.StatusCode != 200 {
			return d, "", fmt.Errorf("%d %s", res.StatusCode, raw)
		}
		var sr signpost.SearchResponse
		if err := json.Unmarshal(raw, &sr); err != nil {
			return d, "", err
		}
		switch {
		case sr.TooMany:
			return d, "too_many", nil
		case len(sr.Matches) > 0:
			return d, "found", nil
		}
		return d, "none", nil
	}
	// Warm up (a directory that has been serving has its caches warm),
	// then a sustained run.
	for i := 0; i < min(len(bodies), 2000); i++ {
		if _, _, err := search(bodies[i]); err != nil {
			t.Fatal(err)
		}
	}
	var mu gosync.Mutex
	var lat []time.Duration
	outcomes := map[string]int{}
	var failed int
	var firstErr error
	stop := time.Now().Add(time.Duration(seconds) * time.Second)
	var wg gosync.WaitGroup
	begin := time.Now()
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var mine []time.Duration
			for i := w; time.Now().Before(stop); i += clients {
				d, what, err := search(bodies[i%len(bodies)])
				mu.Lock()
				if err != nil {
					failed++
					if firstErr == nil {
						firstErr = err
					}
				} else {
					outcomes[what]++
				}
				mu.Unlock()
				mine = append(mine, d)
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(begin)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	figure("search_clients", "%d", clients)
	figure("search_p50_ms", "%.2f", ms(lat[len(lat)/2]))
	figure("search_p99_ms", "%.2f", ms(lat[len(lat)*99/100]))
	figure("searches_per_s", "%.0f", float64(len(lat))/elapsed.Seconds())
	figure("search_found_ratio", "%.3f", float64(outcomes["found"])/float64(len(lat)))
	figure("search_too_many_ratio", "%.3f", float64(outcomes["too_many"])/float64(len(lat)))
	if failed > 0 {
		t.Errorf("%d searches failed; the first: %v", failed, firstErr)
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// importedWith returns the error model of the feeds a reusable scale run
// imported ("" if there is none; markers from before the choice are the
// default model's).
func importedWith(marker string) population.ErrorModel {
	b, err := os.ReadFile(marker)
	if err != nil {
		return ""
	}
	if _, m, ok := strings.Cut(string(b), " errors="); ok {
		return population.ErrorModel(m)
	}
	return population.DefaultErrors
}

func mustRun(t *testing.T, bin string, args ...string) {
	t.Helper()
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", bin, args, err, out)
	}
}

func lineCount(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	buf := make([]byte, 1<<20)
	for {
		k, err := f.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if err != nil {
			return n
		}
	}
}

func dirSize(dir string) int64 {
	var total int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			total += fi.Size()
		}
		return nil
	})
	return total
}

// linkage scores the import's outcomes (one file per feed) against the truth.
func linkage(t *testing.T, dir, feeds string, merged map[string]string) *population.Linkage {
	t.Helper()
	readers := map[string]io.Reader{}
	for _, k := range feed.Kinds {
		f, err := os.Open(filepath.Join(dir, "outcomes-"+string(k)+".csv"))
		if err != nil {
			t.Logf("no outcomes for %s (%v): matching not scored", k, err)
			return nil
		}
		defer f.Close()
		readers[string(k)] = f
	}
	truth, err := os.Open(filepath.Join(feeds, population.TruthFile))
	if err != nil {
		t.Fatal(err)
	}
	defer truth.Close()
	q, err := population.ScoreLinkage(truth, readers, func(id string) string { return merged[id] })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("linkage: %+v", *q)
	return q
}

func signIn(t *testing.T, base string) string {
	t.Helper()
	code, err := totp.GenerateCode(demo.TOTPSecret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(signpost.SessionRequest{Username: "nurse", Password: demo.Password, OTP: code, DeviceID: uuid.NewString(), DeviceName: "bench"})
	res, err := http.Post(base+"/v1/session", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var s signpost.SessionResponse
	if res.StatusCode != 200 || json.NewDecoder(res.Body).Decode(&s) != nil {
		t.Fatalf("sign-in: %d", res.StatusCode)
	}
	return s.Token
}

// searchMix is a practitioner's mix of searches for people of the generated
// population: family name and date of birth (40%), with a typo (20%), with
// day and month swapped (10%), given and family name and postcode (20%), and
// a search that finds too many (10%: the demo's twelve Sam Smiths).
func searchMix(n int, today time.Time, count int) [][]byte {
	g := population.New(1, today)
	out := make([][]byte, 0, count)
	for i := 0; len(out) < count; i++ {
		c := g.Next(1 + (i*7919)%n)
		var q signpost.SearchRequest
		switch i % 10 {
		case 0, 1, 2, 3:
			q = signpost.SearchRequest{FamilyName: c.FamilyName, DateOfBirth: c.DateOfBirth}
		case 4, 5:
			ty, _ := g.Typo(c)
			q = signpost.SearchRequest{GivenName: ty.GivenName, FamilyName: ty.FamilyName, DateOfBirth: ty.DateOfBirth}
		case 6:
			if s, ok := signpost.SwapDayMonth(c.DateOfBirth); ok {
				q = signpost.SearchRequest{FamilyName: c.FamilyName, DateOfBirth: s}
			} else {
				q = signpost.SearchRequest{FamilyName: c.FamilyName, GivenName: c.GivenName, DateOfBirth: c.DateOfBirth}
			}
		case 7, 8:
			q = signpost.SearchRequest{GivenName: c.GivenName, FamilyName: c.FamilyName, Postcode: c.Postcode}
		case 9:
			q = signpost.SearchRequest{FamilyName: "Smith", DateOfBirth: "2016-01-01"}
		}
		if d, ok := signpost.ParseDate(q.DateOfBirth); ok && d.After(today) {
			q = signpost.SearchRequest{FamilyName: c.FamilyName, DateOfBirth: c.DateOfBirth} // a swap into the future
		}
		q.Reason = "scale benchmark"
		b, _ := json.Marshal(q)
		out = append(out, b)
	}
	return out
}
