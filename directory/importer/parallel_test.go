package importer_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"signpost"
	"signpost/directory"
	"signpost/directory/feed"
	"signpost/directory/importer"
	"signpost/directory/population"
	"signpost/directory/sqlcipher"
)

// Issue 15: rows compared on two goroutines ahead of being decided must be
// decided exactly as rows decided one by one: the same outcome for every
// row (duplicates within a feed and across feeds, merges, deaths, reviews)
// and the same children, merges and review items in the store, in a first
// run and in a second run over children held before it.
func TestParallelDecidingDecidesAsSequential(t *testing.T) {
	for _, errs := range []population.ErrorModel{population.DefaultErrors, population.RealisticErrors} {
		t.Run(string(errs), func(t *testing.T) {
			dir := t.TempDir()
			if _, err := population.WriteFeedsWith(dir, 5000, 23, feedDay, population.Options{Errors: errs}); err != nil {
				t.Fatal(err)
			}
			seq := importTwice(t, dir, 1)
			par := importTwice(t, dir, 2)
			if par.ahead == 0 {
				t.Fatal("no row was decided on comparisons made ahead: the parallel path did not run")
			}
			t.Logf("parallel: %d rows decided on comparisons made ahead, %d compared again", par.ahead, par.again)
			if seq.ahead != 0 {
				t.Errorf("one worker decided %d rows ahead, want 0", seq.ahead)
			}
			for k := range seq.outcomes {
				if seq.outcomes[k] != par.outcomes[k] {
					t.Errorf("outcomes of %s differ:\n%s", k, firstDiff(seq.outcomes[k], par.outcomes[k]))
				}
			}
			if seq.store != par.store {
				t.Errorf("the stores differ:\n%s", firstDiff(seq.store, par.store))
			}
			if strings.Contains(seq.store, "\nreviews 0\n") || errs == population.RealisticErrors && strings.Contains(seq.store, "\nmerged 0\n") {
				t.Fatal("the store snapshot holds no reviews (or, with realistic errors, no merges): the test would not see them differ")
			}
		})
	}
}

type runResult struct {
	outcomes     map[string]string // run and kind → outcomes CSV
	store        string
	ahead, again int
}

// importTwice imports the feeds in dir twice, into a new store, with
// workers deciding goroutines.
func importTwice(t *testing.T, dir string, workers int) runResult {
	t.Helper()
	ctx := context.Background()
	st := feedStore(t)
	res := runResult{outcomes: map[string]string{}}
	for run := 1; run <= 2; run++ {
		im, err := importer.New(ctx, st, feedDay)
		if err != nil {
			t.Fatal(err)
		}
		im.Workers = workers
		var files []importer.File
		outs := map[feed.Kind]*bytes.Buffer{}
		for _, kind := range feed.Kinds {
			f, err := os.Open(filepath.Join(dir, population.FeedFiles[kind]))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			outs[kind] = &bytes.Buffer{}
			files = append(files, importer.File{Kind: kind, R: f, Opts: importer.Options{Source: string(kind), Outcomes: outs[kind]}})
		}
		sums, err := im.ImportAll(ctx, files)
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range sums {
			res.ahead += s.Ahead
			res.again += s.Again
			kind := files[i].Kind
			res.outcomes[fmt.Sprintf("run %d %s", run, kind)] = outs[kind].String() + s.String()
		}
	}
	res.store = storeDump(t, st)
	// Each store numbers its Signpost IDs with a key of its own: compare
	// serials.
	for k, v := range res.outcomes {
		res.outcomes[k] = serialsOnly(t, st, v)
	}
	res.store = serialsOnly(t, st, res.store)
	return res
}

// serialsOnly writes the Signpost IDs in s as the serials they stand for in
// st (each store numbers its Signpost IDs with a key of its own).
func serialsOnly(t *testing.T, st *sqlcipher.Store, s string) string {
	t.Helper()
	codec := st.IDCodec()
	return spID.ReplaceAllStringFunc(s, func(id string) string {
		n, ok := codec.SerialOfID(id)
		if !ok {
			return id
		}
		return fmt.Sprintf("serial %d", n)
	})
}

var spID = regexp.MustCompile(`SP[0-9]{9}`)

// storeDump is every child, merge and review item in the store.
func storeDump(t *testing.T, st *sqlcipher.Store) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	counts, err := sqlcipher.CountChildren(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "%v\n", counts)
	for serial, missing := 1, 0; missing < 20000; serial++ {
		c, err := st.Child(ctx, st.IDCodec().ID(serial))
		if signpost.KindOf(err) == signpost.KindNotFound {
			missing++
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		missing = 0
		sc, gp := c.School, c.GP
		c.School, c.GP = nil, nil
		c.Seq = 0
		fmt.Fprintf(&b, "%+v %+v %+v\n", *c, sc, gp)
	}
	merged, err := sqlcipher.MergedInto(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	// By serial: each store numbers its Signpost IDs with a key of its own.
	codec := st.IDCodec()
	var merges []string
	for from, into := range merged {
		f, _ := codec.SerialOfID(from)
		i, _ := codec.SerialOfID(into)
		merges = append(merges, fmt.Sprintf("merged %d into %d", f, i))
	}
	sort.Strings(merges)
	fmt.Fprintf(&b, "merged %d\n%s\n", len(merged), strings.Join(merges, "\n"))
	rs, err := st.Reviews(ctx, directory.ReviewFilter{})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "reviews %d\n", len(rs))
	for _, r := range rs {
		fmt.Fprintf(&b, "%s %s %d %s %s %s %+v\n", r.Feed, r.Source, r.Line, r.Reason, r.Authority, r.Record, r.Candidates)
	}
	return b.String()
}

// firstDiff shows the first line where a and b differ.
func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < min(len(la), len(lb)); i++ {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d:\n  one by one: %s\n  parallel:   %s", i+1, la[i], lb[i])
		}
	}
	return fmt.Sprintf("%d lines against %d", len(la), len(lb))
}
