package population

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"signpost/directory/feed"
)

var feedDay = time.Date(2025, time.June, 1, 0, 0, 0, 0, time.UTC)

// hashFeeds hashes the four feeds and the ground truth WriteFeeds wrote in dir.
func hashFeeds(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	names := []string{TruthFile}
	for _, k := range feed.Kinds {
		names = append(names, FeedFiles[k])
	}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		h.Write([]byte(n))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// defaultFeedsDigest is the hash of WriteFeeds(3000 children, seed 11) as it
// was before the realistic error model: the default model's output must not
// change, so the scale figures measured on it stay comparable.
const defaultFeedsDigest = "5715bd0ba9f22faed6675bd1c39f60f3e73b2cb8f4f424520e9afc58c4dd3fc1"

func TestDefaultFeedsUnchanged(t *testing.T) {
	dir := t.TempDir()
	if _, err := WriteFeeds(dir, 3000, 11, feedDay); err != nil {
		t.Fatal(err)
	}
	if got := hashFeeds(t, dir); got != defaultFeedsDigest {
		t.Errorf("the default error model's feeds changed: digest %s, want %s", got, defaultFeedsDigest)
	}
}

func TestParseErrorModel(t *testing.T) {
	for in, want := range map[string]ErrorModel{"": DefaultErrors, "default": DefaultErrors, "Realistic": RealisticErrors} {
		if got, err := ParseErrorModel(in); err != nil || got != want {
			t.Errorf("ParseErrorModel(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseErrorModel("harsh"); err == nil || !strings.Contains(err.Error(), "default or realistic") {
		t.Errorf("ParseErrorModel(harsh) = %v; want an error naming the models", err)
	}
}

// TestFeedsDeterministic: the same seed gives the same files under either
// model; the realistic model's differ from the default's.
func TestFeedsDeterministic(t *testing.T) {
	digests := map[ErrorModel]string{}
	for _, m := range []ErrorModel{DefaultErrors, RealisticErrors} {
		a, b := t.TempDir(), t.TempDir()
		for _, d := range []string{a, b} {
			if _, err := WriteFeedsWith(d, 1500, 4, feedDay, Options{Errors: m}); err != nil {
				t.Fatal(err)
			}
		}
		if ha, hb := hashFeeds(t, a), hashFeeds(t, b); ha != hb {
			t.Errorf("%s model: two runs with seed 4 differ", m)
		}
		digests[m] = hashFeeds(t, a)
	}
	if digests[DefaultErrors] == digests[RealisticErrors] {
		t.Error("the realistic model wrote the same feeds as the default")
	}
}

// TestRealisticRates generates 20,000 children and checks that every kind of
// error appears, at its rate within five standard deviations, that the
// feeds are all valid (no row rejected), and that the ground truth still
// names one person per row.
func TestRealisticRates(t *testing.T) {
	if testing.Short() {
		t.Skip("20,000 children")
	}
	dir := t.TempDir()
	st, err := WriteFeedsWith(dir, 20000, 8, feedDay, Options{Errors: RealisticErrors})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range RealisticKinds {
		n, got := st.Eligible[k.Name], st.Errors[k.Name]
		if got == 0 {
			t.Errorf("no %s error among %d eligible", k.Name, n)
			continue
		}
		p := float64(k.P10k) / 10000
		want := p * float64(n)
		sd := math.Sqrt(float64(n) * p * (1 - p))
		if math.Abs(float64(got)-want) > 5*sd+2 {
			t.Errorf("%s: %d of %d (%.2f%%), want about %.2f%%", k.Name, got, n, 100*float64(got)/float64(n), 100*p)
		}
		t.Logf("%-30s %5d of %6d = %6.2f%% (rate %.2f%%)", k.Name, got, n, 100*float64(got)/float64(n), 100*p)
	}
	// The default model's typos are not made as well.
	for _, k := range []string{"dob_swap", "given_variant", "gp_dob_swap"} {
		if st.Errors[k] != 0 {
			t.Errorf("the realistic model also made %d default %s errors", st.Errors[k], k)
		}
	}
	person := readTruth(t, dir)
	births := map[string]*feed.Record{}
	var noPostcode, noSex, otherDOB, dobErrors int
	rows := 0
	for _, k := range feed.Kinds {
		f, err := os.Open(filepath.Join(dir, FeedFiles[k]))
		if err != nil {
			t.Fatal(err)
		}
		r, err := feed.NewReader(k, f, feedDay)
		if err != nil {
			t.Fatal(err)
		}
		for {
			rec, rj, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if rj != nil {
				t.Errorf("%s line %d rejected: %s: %s", k, rj.Line, rj.Field, rj.Reason)
			}
			rows++
			if rec == nil {
				continue
			}
			p := person[string(k)+":"+strconv.Itoa(rec.Line)]
			switch k {
			case feed.Births:
				births[p] = rec
			case feed.School, feed.GP:
				noPostcode += btoi(rec.Postcode == "")
				noSex += btoi(rec.Sex == "unknown")
				if b := births[p]; b != nil {
					otherDOB += btoi(rec.DateOfBirth != b.DateOfBirth)
				}
			}
		}
		f.Close()
	}
	// The counts are of errors really in the rows.
	if noPostcode != st.Errors["postcode_missing"] || noSex != st.Errors["sex_missing"] {
		t.Errorf("%d rows without a postcode, %d without sex; FeedStats says %d and %d",
			noPostcode, noSex, st.Errors["postcode_missing"], st.Errors["sex_missing"])
	}
	dobErrors = st.Errors["dob_digit"] + st.Errors["dob_day_month_swapped"]
	if otherDOB > dobErrors || float64(otherDOB) < 0.85*float64(dobErrors) {
		// (rows of children born abroad have no registration to differ from)
		t.Errorf("%d census and GP rows have another date of birth than the registration; FeedStats made %d date errors", otherDOB, dobErrors)
	}
	b, err := os.ReadFile(filepath.Join(dir, TruthFile))
	if err != nil {
		t.Fatal(err)
	}
	if truthRows := strings.Count(string(b), "\n") - 1; truthRows != rows {
		t.Errorf("the ground truth has %d rows, the feeds %d", truthRows, rows)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// readTruth maps "feed:line" to the person the row is about.
func readTruth(t *testing.T, dir string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, TruthFile))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n")[1:] {
		f := strings.Split(l, ",")
		m[f[0]+":"+f[1]] = f[2]
	}
	return m
}
