package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"

	"signpost"
	"signpost/directory"
	"signpost/directory/feed"
	"signpost/directory/importer"
	"signpost/directory/population"
)

const feedsUsage = `feeds, review and retention:
  import       --feed KIND FILE [--feed KIND FILE ...] [--rejects FILE] [--outcomes FILE]
               [--bulk] [--cache-mb N] [--memory-mb N] [--today YYYY-MM-DD] [--cpu-profile FILE] [--workers N]
               KIND is births, deaths, school or gp (docs/feeds.md); feeds are applied in the
               order given; bad rows are reported by line in the rejects file (one per feed:
               FILE gets the feed's name added when there are several)
  review       list [--authority A] [--status open|linked|created|dismissed]
               show --id N
               link --id N --child SP...   the record is that child
               create --id N               the record is a child the directory does not hold
               dismiss --id N              the record is not applied
  merge        --from SP... --into SP...   two records of one child: keep --into
  consent      --child SP... [--withdraw]  keep the record to 25 (archived at 18 without)
  maintenance  [--today YYYY-MM-DD]        archive and purge by the retention rules (serve runs it daily)
  generate     --children N --seed S --out DIR [--today YYYY-MM-DD] [--errors default|realistic]
               synthetic national feeds with the errors real feeds have, and their ground
               truth; --errors realistic adds the richer error model of docs/feeds.md
  match        explain --feed KIND --row FILE:LINE [--today YYYY-MM-DD]
               how the row would be decided now: the decision, the candidates (Signpost IDs)
               and each field's comparison level and weight (issue 15)`

// feedCommand runs the feed, review and retention commands; ok is false for
// any other command.
func feedCommand(ctx context.Context, cmd string, args []string, stdout, stderr io.Writer) (ok bool, err error) {
	switch cmd {
	case "import":
		return true, runImport(ctx, args, stdout, stderr)
	case "review":
		return true, runReview(ctx, args, stdout, stderr)
	case "merge", "consent", "maintenance":
		return true, runAdmin(ctx, cmd, args, stdout, stderr)
	case "generate":
		return true, runGenerate(args, stdout, stderr)
	case "match": // issue 15: match explain (explain.go)
		return true, runMatch(ctx, args, stdout, stderr)
	}
	return false, nil
}

// newFlags returns the flags every command takes (--data, --key-file) and
// the Main they set.
func newFlags(cmd string, stderr io.Writer) (*flag.FlagSet, *Main) {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	m := NewMain()
	fs.StringVar(&m.DataDir, "data", "signpost-data", "folder holding the store and its key")
	fs.StringVar(&m.KeyFile, "key-file", "", "file holding the store key (64 hex digits); created 0600 if absent (default DATA/store.key)")
	return fs, m
}

// dayFlag parses --today (default: now, in UTC).
func dayFlag(v string) (time.Time, error) {
	if v == "" {
		n := time.Now().UTC()
		return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC), nil
	}
	t, ok := signpost.ParseDate(v)
	if !ok {
		return time.Time{}, signpost.FieldError("today", "--today must be a date written YYYY-MM-DD")
	}
	return t, nil
}

type feedArg struct {
	kind feed.Kind
	path string
}

// splitFeeds takes the --feed KIND FILE pairs out of args.
func splitFeeds(args []string) ([]feedArg, []string, error) {
	var feeds []feedArg
	var rest []string
	for i := 0; i < len(args); i++ {
		if a := args[i]; a == "--feed" || a == "-feed" {
			if i+2 >= len(args) {
				return nil, nil, errors.New("--feed needs a kind and a file: --feed births births.csv")
			}
			k, err := feed.ParseKind(args[i+1])
			if err != nil {
				return nil, nil, err
			}
			feeds = append(feeds, feedArg{k, args[i+2]})
			i += 2
			continue
		}
		rest = append(rest, args[i])
	}
	return feeds, rest, nil
}

// perFeed returns path, with the feed's name before the extension when
// there are several feeds.
func perFeed(path string, kind feed.Kind, several bool) string {
	if path == "" || !several {
		return path
	}
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + "-" + string(kind) + ext
}

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	feeds, rest, err := splitFeeds(args)
	if err != nil {
		return err
	}
	fs, m := newFlags("import", stderr)
	addStoreFlags(fs, m) // issue 17
	rejects := fs.String("rejects", "", "write rejected rows (line, field, reason) to this CSV file")
	outcomes := fs.String("outcomes", "", "write every row's outcome (line, outcome, Signpost ID, and a review item's candidates) to this CSV file")
	bulk := fs.Bool("bulk", false, "national load: drop the search indexes and rebuild them at the end (do not serve meanwhile)")
	cacheMB := fs.Int("cache-mb", 1024, "page cache of the writer, in MiB")
	memoryMB := fs.Int("memory-mb", 7000, "with --bulk, a soft limit on the importer's own memory in MiB, the page cache on top (0: none; raise it for more than about 12 million children)")
	today := fs.String("today", "", "check dates against this day (default today)")
	cpuProfile := fs.String("cpu-profile", "", "write a CPU profile of the import to this file (for performance work)")
	workers := fs.Int("workers", 1, "goroutines comparing rows with the children ahead of deciding them (default 1: one row at a time, measured fastest on 2 cores; 0: one a CPU; the decisions are the same)")
	if err := fs.Parse(rest); err != nil {
		return flagErr(err)
	}
	if len(feeds) == 0 {
		return errors.New("give at least one --feed KIND FILE")
	}
	if *memoryMB < 0 || *memoryMB > 0 && *memoryMB < 256 {
		return fmt.Errorf("--memory-mb %d: give 0 (no limit) or at least 256 MiB", *memoryMB)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("creating the CPU profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("starting the CPU profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	day, err := dayFlag(*today)
	if err != nil {
		return err
	}
	// Open every file first: a typo in the last name should not stop a
	// national load half-way.
	files := make([]*os.File, len(feeds))
	for i, f := range feeds {
		if files[i], err = os.Open(f.path); err != nil {
			for _, o := range files[:i] {
				o.Close()
			}
			return fmt.Errorf("opening the %s feed: %w", f.kind, err)
		}
	}
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	st, err := m.openImportStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	return importer.Load(ctx, st, importer.LoadOptions{Today: day, CacheMB: *cacheMB, MemoryMB: *memoryMB, Bulk: *bulk, Stdout: stdout, Stderr: stderr},
		func(ctx context.Context, im *importer.Engine) error {
			im.Workers = *workers
			return importFeeds(ctx, im, feeds, files, *rejects, *outcomes, stdout, stderr)
		})
}

// importFeeds applies the feeds as one run and prints a summary of each.
func importFeeds(ctx context.Context, im *importer.Engine, feeds []feedArg, in []*os.File, rejectsPath, outcomesPath string, stdout, stderr io.Writer) error {
	several := len(feeds) > 1
	var closers []*os.File
	defer func() {
		for _, c := range closers {
			c.Close()
		}
	}()
	var bar *progress
	if fd, ok := stderr.(interface{ Fd() uintptr }); ok && term.IsTerminal(int(fd.Fd())) {
		bar = &progress{w: stderr}
	}
	files := make([]importer.File, len(feeds))
	for i, f := range feeds {
		opts := importer.Options{Source: filepath.Base(f.path)}
		for _, x := range []struct {
			path string
			w    *io.Writer
		}{{perFeed(rejectsPath, f.kind, several), &opts.Rejects}, {perFeed(outcomesPath, f.kind, several), &opts.Outcomes}} {
			if x.path == "" {
				continue
			}
			out, err := os.OpenFile(x.path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
			if err != nil {
				return fmt.Errorf("creating %s: %w", x.path, err)
			}
			closers = append(closers, out)
			*x.w = out
		}
		if opts.Rejects == nil {
			// Without a rejects file the first few go to standard error.
			opts.Rejects = &rejectCounter{w: stderr, kind: f.kind}
		}
		if bar != nil {
			size := int64(0)
			if fi, err := in[i].Stat(); err == nil {
				size = fi.Size()
			}
			kind := string(f.kind)
			opts.Progress = func(phase string, done, total int64) {
				if phase == "matching" {
					total = size
				}
				bar.update(kind, phase, done, total)
			}
		}
		files[i] = importer.File{Kind: f.kind, R: in[i], Opts: opts}
	}
	t := time.Now()
	sums, err := im.ImportAll(ctx, files)
	if bar != nil {
		bar.done()
	}
	secs := time.Since(t).Seconds()
	if err != nil && ctx.Err() != nil {
		// Interrupted: the counts below were decided, not all written.
		fmt.Fprintln(stdout, "stopped before the end: what follows was decided, and only part of it written")
	}
	for i, sum := range sums {
		fmt.Fprintf(stdout, "%s: %s (decided in %.1fs; %d rows compared ahead, %d again)\n", feeds[i].kind, sum, sum.Deciding.Seconds(), sum.Ahead, sum.Again)
		if sum.Held > 0 {
			fmt.Fprintf(stdout, "%s: %d matches were held back because the child was shielded meanwhile; import the file again to queue them for review\n", feeds[i].kind, sum.Held)
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return errors.New("import stopped; running the same import again completes it (a row applied twice has the effect of applying it once)")
		}
		return fmt.Errorf("importing: %w", err)
	}
	rows := 0
	for _, sum := range sums {
		rows += sum.Read
	}
	fmt.Fprintf(stdout, "applied %d rows in %.1fs (%.0f rows/s): matching %.1fs, writing new children %.1fs, applying changes %.1fs\n", rows, secs,
		float64(rows)/max(secs, 1e-9), im.Timing.Matching.Seconds(), im.Timing.Writing.Seconds(), im.Timing.Applying.Seconds())
	for _, c := range closers {
		if err := c.Sync(); err != nil {
			return err
		}
	}
	return nil
}

// rejectCounter shows the first rejected rows on standard error.
type rejectCounter struct {
	w     io.Writer
	kind  feed.Kind
	lines int
}

func (r *rejectCounter) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		r.lines++
		switch {
		case r.lines == 1: // the header
		case r.lines <= 21:
			fmt.Fprintf(r.w, "%s: rejected line %s\n", r.kind, line)
		case r.lines == 22:
			fmt.Fprintf(r.w, "%s: more rejected rows: give --rejects FILE to have them all\n", r.kind)
		}
	}
	return len(p), nil
}

// progress draws a progress bar on a terminal.
type progress struct {
	w     io.Writer
	last  time.Time
	start time.Time
}

func (p *progress) update(label, phase string, done, total int64) {
	now := time.Now()
	if p.start.IsZero() {
		p.start = now
	}
	if now.Sub(p.last) < 200*time.Millisecond && done != total {
		return
	}
	p.last = now
	frac := 0.0
	if total > 0 {
		frac = min(float64(done)/float64(total), 1)
	}
	const width = 30
	n := int(frac * width)
	fmt.Fprintf(p.w, "\r%-7s %-9s [%s%s] %3.0f%%  %5.0fs ", label, phase, strings.Repeat("=", n), strings.Repeat(" ", width-n), frac*100, now.Sub(p.start).Seconds())
}

func (p *progress) done() { fmt.Fprintln(p.w) }

func runReview(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("review needs list, show, link, create or dismiss")
	}
	sub, args := args[0], args[1:]
	fs, m := newFlags("review "+sub, stderr)
	addStoreFlags(fs, m) // issue 17
	authority := fs.String("authority", "", "authority name or ONS code")
	status := fs.String("status", directory.ReviewOpen, "open, linked, created or dismissed")
	id := fs.Int64("id", 0, "review item number")
	child := fs.String("child", "", "Signpost ID")
	by := fs.String("by", "", "who decides (default the user running the command)")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if *by == "" {
		*by = "operator"
		if u, err := user.Current(); err == nil && u.Username != "" {
			*by = u.Username
		}
	}
	switch sub {
	case "list", "show", "link", "create", "dismiss":
	default:
		return fmt.Errorf("unknown review command %q: use list, show, link, create or dismiss", sub)
	}
	if sub != "list" && *id <= 0 {
		return errors.New("--id is required")
	}
	st, err := m.openAdminStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now().UTC()
	switch sub {
	case "list":
		items, err := st.Reviews(ctx, directory.ReviewFilter{Authority: *authority, Status: *status})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%-6s  %-7s  %-28s  %-20s  %-40s  %s\n", "ID", "FEED", "SOURCE", "AUTHORITY", "CANDIDATES", "REASON")
		for _, it := range items {
			var cands []string
			for _, c := range it.Candidates {
				cands = append(cands, fmt.Sprintf("%s (%.2f)", c.SignpostID, c.Score))
			}
			fmt.Fprintf(stdout, "%-6d  %-7s  %-28s  %-20s  %-40s  %s\n", it.ID, it.Feed, it.Source+":"+strconv.Itoa(it.Line), it.Authority, strings.Join(cands, ", "), it.Reason)
		}
		fmt.Fprintf(stdout, "%d %s items\n", len(items), *status)
		return nil
	case "show":
		it, err := st.ReviewItem(ctx, *id)
		if err != nil {
			return err
		}
		var rec map[string]string
		_ = json.Unmarshal(it.Record, &rec)
		keys := make([]string, 0, len(rec))
		for k := range rec {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fmt.Fprintf(stdout, "review item %d (%s): %s feed, %s line %d, authority %s\nreason: %s\nrecord:\n", it.ID, it.Status, it.Feed, it.Source, it.Line, it.Authority, it.Reason)
		for _, k := range keys {
			fmt.Fprintf(stdout, "  %-14s %s\n", k, rec[k])
		}
		// The comparison GET /v1/reviews/{id} gives the management team.
		detail, err := directory.ReviewDetailOf(ctx, st, it, "")
		if err != nil {
			return err
		}
		if len(detail.Why) > 0 {
			fmt.Fprintf(stdout, "why held: %s\n", strings.Join(detail.Why, "; "))
		}
		fmt.Fprintln(stdout, "candidates:")
		for i, c := range it.Candidates {
			ch, err := st.Child(ctx, c.SignpostID)
			if err != nil {
				fmt.Fprintf(stdout, "  %s (score %.2f): %s\n", c.SignpostID, c.Score, signpost.MessageOf(err))
				continue
			}
			fmt.Fprintf(stdout, "  %s (score %.2f): %s %s, born %s, %s, %s; NHS %s, UPN %s; %s%s\n", c.SignpostID, c.Score, ch.GivenName, ch.FamilyName,
				ch.DateOfBirth, ch.Gender, ch.Postcode, orNone(ch.NHSNumber), orNone(ch.UPN), ch.Status, map[bool]string{true: ", shielded"}[ch.Shielded])
			if i < len(detail.Candidates) && len(detail.Candidates[i].Why) > 0 {
				fmt.Fprintf(stdout, "    %s\n", strings.Join(detail.Candidates[i].Why, "; "))
			}
		}
		if it.ResolvedChild != "" || it.ResolvedBy != "" {
			fmt.Fprintf(stdout, "resolved %s by %s: %s\n", it.ResolvedAt.Format(time.DateTime), it.ResolvedBy, it.ResolvedChild)
		}
		return nil
	case "link":
		if err := importer.LinkReview(ctx, st, *id, *child, *by, now); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "review item %d linked to %s\n", *id, signpost.NormaliseSignpostID(*child))
	case "create":
		sid, err := importer.CreateFromReview(ctx, st, *id, *by, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "review item %d: created %s\n", *id, sid)
	case "dismiss":
		if err := importer.DismissReview(ctx, st, *id, *by, now); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "review item %d dismissed\n", *id)
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func runAdmin(ctx context.Context, cmd string, args []string, stdout, stderr io.Writer) error {
	fs, m := newFlags(cmd, stderr)
	addStoreFlags(fs, m) // issue 17
	from := fs.String("from", "", "Signpost ID of the record merged away")
	into := fs.String("into", "", "Signpost ID of the record kept")
	child := fs.String("child", "", "Signpost ID")
	withdraw := fs.Bool("withdraw", false, "withdraw the consent")
	today := fs.String("today", "", "run as of this day (default today)")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if cmd == "consent" && !signpost.ValidSignpostID(*child) {
		return errors.New("--child must be a valid Signpost ID")
	}
	st, err := m.openAdminStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	switch cmd {
	case "merge":
		if err := importer.Merge(ctx, st, *from, *into, time.Now().UTC()); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "merged %s into %s\n", signpost.NormaliseSignpostID(*from), signpost.NormaliseSignpostID(*into))
	case "consent":
		if err := st.SetConsent(ctx, *child, !*withdraw); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: kept to 25 = %v\n", signpost.NormaliseSignpostID(*child), !*withdraw)
	case "maintenance":
		day, err := dayFlag(*today)
		if err != nil {
			return err
		}
		r, err := directory.Maintain(ctx, st, day)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "retention as of %s: archived %d (died over a year ago), %d (aged 18, or 25 with consent), %d merged records; purged %d (archived six years)\n",
			day.Format(signpost.DateLayout), r.ArchivedDeceased, r.ArchivedAdult, r.ArchivedMerged, r.Purged)
	}
	return nil
}

func runGenerate(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("children", 10000, "people to generate")
	seed := fs.Int64("seed", 1, "seed: the same seed gives the same files")
	out := fs.String("out", "feeds", "folder to write the feeds and truth.csv into")
	today := fs.String("today", "", "the day the population is generated on (default today)")
	errs := fs.String("errors", "default", "error model: default (the one the scale figures were measured on) or realistic (docs/feeds.md)")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	model, err := population.ParseErrorModel(*errs)
	if err != nil {
		return signpost.FieldError("errors", "--errors must be default or realistic")
	}
	if *n < 1 || *n >= 100_000_000 {
		return errors.New("--children must be from 1 to 99,999,999")
	}
	day, err := dayFlag(*today)
	if err != nil {
		return err
	}
	t := time.Now()
	stats, err := population.WriteFeedsWith(*out, *n, *seed, day, population.Options{Errors: model})
	if err != nil {
		return fmt.Errorf("generating feeds: %w", err)
	}
	fmt.Fprintf(stdout, "generated %d people in %.1fs into %s (%s error model)\n", stats.Children, time.Since(t).Seconds(), *out, model)
	for _, k := range feed.Kinds {
		fmt.Fprintf(stdout, "  %-7s %s: %d rows\n", k, population.FeedFiles[k], stats.Rows[string(k)])
	}
	kinds := make([]string, 0, len(stats.Errors))
	for k := range stats.Errors {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	fmt.Fprint(stdout, "  deliberate errors and events:")
	for _, k := range kinds {
		fmt.Fprintf(stdout, " %s=%d", k, stats.Errors[k])
	}
	fmt.Fprintf(stdout, "\n  ground truth: %s\n", filepath.Join(*out, population.TruthFile))
	return nil
}
