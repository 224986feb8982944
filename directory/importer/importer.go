// Package importer is the national feeds' engine: it matches the rows of
// births, deaths, school census and GP registration files to the
// directory's children (directory/match), creates, updates and merges them
// through the store in large batches, and queues what it cannot decide for
// a person to review (LinkReview, CreateFromReview, DismissReview).
package importer

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	gosync "sync"
	"time"
	"unsafe"

	"signpost"
	"signpost/directory"
	"signpost/directory/feed"
	"signpost/directory/match"
)

// Engine applies feed files to a store. It holds every live child's
// identity in a match.Index, read from the store once and kept current as
// rows are decided, so matching a row never reads the store.
//
// Rows are decided in file order, and files in the order given. Each file
// is parsed in a goroutine of its own while the rows before are matched.
// Children created in a run are held in memory until the run's last file
// is decided, so the later files' records are folded into them, and each is
// written once, in Signpost ID order, with everything the run knows about
// it; a national load is then one pass of appends. Changes to children held
// before the run are applied at the end, sorted by Signpost ID, so each
// page of the store is rewritten once however a file is ordered (every page
// written costs a software encryption). An import that stops part-way is
// completed by running it again: applying a row twice has the effect of
// applying it once.
type Engine struct {
	st    directory.Store
	ids   *signpost.IDCodec
	idx   *match.Index
	today time.Time
	// model decides rows on their details (issue 15; fsmodel.go).
	model *match.Model
	// BatchSize is how many new children go in one transaction, and
	// UpdateBatch how many changes (defaults 20,000 and 50,000).
	BatchSize, UpdateBatch int
	// Workers is how many goroutines compare a batch of rows with the
	// children ahead of deciding them (0: GOMAXPROCS; 1, New's default,
	// decides each row alone: on two cores it was the fastest, see
	// docs/feeds.md "Deciding on both cores"). The decisions are the same
	// whatever it is.
	Workers int
	// OneRun says the Engine serves one run (a bulk Load): once its last
	// file is decided the match index is dropped, so that writing the new
	// children has its memory (at 11 M children about 3 GB, and the page
	// cache fills meanwhile), and the Engine imports nothing more.
	OneRun bool

	// Timing says how long the last run spent deciding rows, writing new
	// children and applying the rest.
	Timing struct{ Matching, Writing, Applying time.Duration }

	// Serials reserved and not yet used. A serial is the order in which
	// Signpost IDs are issued; the match index and every record know a
	// child by the number in its Signpost ID instead (ids turns one into
	// the other, in an order that cannot be guessed).
	next, end int

	// Children created in the run, not yet written: in the order made.
	news   [][]held
	count  int
	newPos [][]uint32 // serial → position+1 in news, paged (serials are dense)
	words  words      // their repeated strings
	text   arena      // and the rest
}

// held is a child created in the run, kept until it is written. It holds
// no pointers (repeated strings are numbers in the run's words, the others
// places in its text), so the collector never reads the millions of them a
// national load holds, and each takes about a third of the memory.
type held struct {
	serial                                  uint32 // the number in its Signpost ID
	given, family, dob, gender, auth, death uint32 // words
	address, postcode, nhs, upn             text
	school, gp                              heldSetting
}

type heldSetting struct{ code, name, started uint32 } // words

// words numbers the strings that repeat across millions of rows (names,
// dates, authorities, schools, practices); 0 is "".
type words struct {
	id map[string]uint32
	s  []string
}

func (w *words) of(s string) uint32 {
	if s == "" {
		return 0
	}
	if w.id == nil {
		w.id, w.s = map[string]uint32{}, []string{""}
	}
	if i, ok := w.id[s]; ok {
		return i
	}
	s = strings.Clone(s) // not a slice of the parser's larger buffer
	w.id[s] = uint32(len(w.s))
	w.s = append(w.s, s)
	return uint32(len(w.s) - 1)
}

func (w *words) str(i uint32) string { return w.s[i] }

// arena keeps strings end to end in large chunks that are never written
// over; a text is a place in it: chunk<<40 | offset<<16 | length (0 is "").
type arena struct{ chunks [][]byte }

type text uint64

const arenaChunk = 1 << 24

func (a *arena) put(s string) text {
	if s == "" {
		return 0
	}
	if len(s) >= 1<<16 {
		s = s[:1<<16-1] // feed fields are at most a few hundred bytes
	}
	n := len(a.chunks)
	if n == 0 || len(a.chunks[n-1])+len(s) > arenaChunk {
		a.chunks = append(a.chunks, make([]byte, 0, arenaChunk))
		n++
	}
	c := &a.chunks[n-1]
	off := len(*c)
	*c = append(*c, s...)
	return text(uint64(n-1)<<40 | uint64(off)<<16 | uint64(len(s)))
}

func (a *arena) str(t text) string {
	if t == 0 {
		return ""
	}
	c, off, n := t>>40, t>>16&(1<<24-1), t&(1<<16-1)
	// The bytes are never written again: a string may share them.
	return unsafe.String(&a.chunks[c][off], int(n))
}

const heldChunk = 1 << 14

// New reads every live child's identity from the store. today is
// the date the feeds are checked against (no date may be later).
func New(ctx context.Context, st directory.Store, today time.Time) (*Engine, error) {
	im := &Engine{st: st, ids: st.IDCodec(), idx: match.New(true), today: today, BatchSize: 20000, UpdateBatch: 50000, Workers: 1}
	err := st.ScanIdentities(ctx, func(id match.Identity) error {
		im.idx.Put(id)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := im.loadModel(ctx); err != nil { // issue 15
		return nil, err
	}
	return im, nil
}

// Children returns how many live children the importer holds.
func (im *Engine) Children() int {
	if im.idx == nil {
		return 0
	}
	return im.idx.Len()
}

// ErrOneRun is what an Engine that has served its one run (OneRun) answers.
var ErrOneRun = errors.New("importer: this engine has served its one run (OneRun) and holds no index to import with")

// Options are the outputs and reporting of one import.
type Options struct {
	// Source names the file in review items.
	Source string
	// Rejects receives one CSV line per rejected row: line, field, reason.
	// It never holds the row itself (which names a child).
	Rejects io.Writer
	// Outcomes, if set, receives one CSV line per row: line, outcome
	// (created, matched, merged, review, rejected, unmatched) and the
	// Signpost ID the row went to.
	Outcomes io.Writer
	// Progress, if set, is called now and then with the phase and how far
	// it has got: "matching" with bytes read of the file (total 0), then
	// "writing" (new children) and "applying" (changes) with counts.
	Progress func(phase string, done, total int64)
}

// File is one file of a run.
type File struct {
	Kind feed.Kind
	R    io.Reader
	Opts Options
}

// Summary counts what an import did with the rows of a file.
type Summary struct {
	Read          int // data rows read
	Created       int // new children
	Updated       int // rows that changed a child
	Unchanged     int // rows that matched a child and changed nothing (already applied)
	Merged        int // duplicate records merged
	Queued        int // rows queued for review
	AlreadyQueued int // rows already in the review queue
	Held          int // matches held back: the child was shielded meanwhile (run again to queue them)
	Rejected      int // invalid rows, in the rejects file
	Unmatched     int // death registrations of children the directory does not hold
	// Ahead counts the rows decided on comparisons made on several
	// goroutines (Engine.Workers), and Again those whose comparisons were
	// made again after a row before them changed what they compare with.
	Ahead, Again int
	// Deciding is how long the file's rows took to decide (the run then
	// writes every file's decisions together).
	Deciding time.Duration
}

// String is the summary in one line, as the import command prints it.
func (s *Summary) String() string {
	return fmt.Sprintf("read %d, created %d, updated %d, unchanged %d, merged %d, queued for review %d (already queued %d), held %d, rejected %d, unmatched %d",
		s.Read, s.Created, s.Updated, s.Unchanged, s.Merged, s.Queued, s.AlreadyQueued, s.Held, s.Rejected, s.Unmatched)
}

// pending is a change to a child held before the run, kept compact: a
// national file holds millions of them until they are applied. Its fields
// are places in the run's texts, not strings: a string cut from a parsed
// row keeps the whole row alive (names and address too), and millions of
// pointers are for the collector to read (at 11 M children the school
// census and GP feeds' 17.8 M changes held 5 GB that way).
type pending struct {
	serial uint32
	detail bool // matched on details, not an identifier
	f      [8]text
}

// texts keeps a run's pending changes' strings end to end; those that
// repeat across millions of rows (authorities, schools, practices, dates)
// are kept once.
type texts struct {
	arena
	seen map[string]text
}

func (t *texts) put(s string, repeats bool) text {
	if !repeats || s == "" {
		return t.arena.put(s)
	}
	if v, ok := t.seen[s]; ok {
		return v
	}
	v := t.arena.put(s)
	if t.seen == nil {
		t.seen = map[string]text{}
	}
	if len(t.seen) < 1<<20 {
		t.seen[strings.Clone(s)] = v
	}
	return v
}

// run holds one file's work in progress.
type run struct {
	im       *Engine
	kind     feed.Kind
	opts     Options
	sum      Summary
	updates  []pending
	texts    texts // the updates' strings
	merges   []directory.MergeOrder
	reviews  []directory.ReviewItem
	rejects  *csv.Writer
	outcomes *csv.Writer
	line     []string
}

// Import reads one feed file and applies it.
func (im *Engine) Import(ctx context.Context, kind feed.Kind, r io.Reader, opts Options) (*Summary, error) {
	sums, err := im.ImportAll(ctx, []File{{Kind: kind, R: r, Opts: opts}})
	if len(sums) == 0 {
		return &Summary{}, err
	}
	return sums[0], err
}

// ImportAll reads feed files in order and applies them as one run.
func (im *Engine) ImportAll(ctx context.Context, files []File) ([]*Summary, error) {
	runs := make([]*run, 0, len(files))
	sums := make([]*Summary, 0, len(files))
	if im.idx == nil {
		return sums, ErrOneRun
	}
	defer im.forget()
	t0 := time.Now()
	for _, f := range files {
		ru := &run{im: im, kind: f.Kind, opts: f.Opts, line: make([]string, 4)}
		runs = append(runs, ru)
		sums = append(sums, &ru.sum)
		var err error
		t := time.Now()
		// Labelled, so a CPU profile (import --cpu-profile) tells the feeds apart.
		pprof.Do(ctx, pprof.Labels("feed", string(f.Kind)), func(ctx context.Context) { err = ru.read(ctx, f.R) })
		ru.sum.Deciding = time.Since(t)
		if err != nil {
			return sums, err
		}
	}
	t1 := time.Now()
	im.Timing.Matching = t1.Sub(t0)
	if im.OneRun {
		// Nothing compares with the children any more: give the index's
		// memory back before the page cache fills with the new children.
		im.idx = nil
		debug.FreeOSMemory()
	}
	if err := im.writeNew(ctx, runs); err != nil {
		return sums, err
	}
	t2 := time.Now()
	im.Timing.Writing = t2.Sub(t1)
	for _, ru := range runs {
		if err := ru.finish(ctx); err != nil {
			return sums, err
		}
	}
	im.Timing.Applying = time.Since(t2)
	// Serials reserved and not used go back, so imports do not eat the
	// eight-digit space.
	if err := im.st.ReleaseSerials(ctx, im.next, im.end); err != nil {
		return sums, err
	}
	im.next, im.end = 0, 0
	for _, ru := range runs {
		for _, w := range []*csv.Writer{ru.rejects, ru.outcomes} {
			if w != nil {
				w.Flush()
				if err := w.Error(); err != nil {
					return sums, fmt.Errorf("writing the import report: %w", err)
				}
			}
		}
	}
	return sums, nil
}

// forget drops the run's held children (written, or abandoned on error:
// their identities stay in the index only if they were written).
func (im *Engine) forget() {
	if im.count > 0 && im.idx != nil {
		// An error left children unwritten: the index must not keep them.
		for _, chunk := range im.news {
			for i := range chunk {
				im.idx.Remove(int(chunk[i].serial))
			}
		}
	}
	im.news, im.count, im.newPos = nil, 0, nil
	im.words, im.text = words{}, arena{}
}

// item is a parsed row: a record or a rejection.
type item struct {
	rec *feed.Record
	rj  *feed.Reject
}

type parsed struct {
	items  []item
	offset int64
	err    error
}

// read parses the file in a goroutine and decides its rows as they come.
func (ru *run) read(ctx context.Context, r io.Reader) error {
	im := ru.im
	fr, err := feed.NewReader(ru.kind, r, im.today)
	if err != nil {
		return err
	}
	if ru.opts.Rejects != nil {
		ru.rejects = csv.NewWriter(ru.opts.Rejects)
		ru.rejects.Write([]string{"line", "field", "reason"})
	}
	if ru.opts.Outcomes != nil {
		ru.outcomes = csv.NewWriter(ru.opts.Outcomes)
		ru.outcomes.Write([]string{"line", "outcome", "signpost_id", "candidates"})
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := make(chan parsed, 8)
	go func() {
		defer close(ch)
		for {
			p := parsed{items: make([]item, 0, 1024)}
			for len(p.items) < cap(p.items) {
				rec, rj, err := fr.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					p.err = err
					break
				}
				p.items = append(p.items, item{rec, rj})
			}
			p.offset = fr.Offset()
			select {
			case ch <- p:
			case <-ctx.Done():
				return
			}
			if p.err != nil || len(p.items) < cap(p.items) {
				return
			}
		}
	}()
	// Issue 15: without an estimated model, the file's first rows are read
	// before any is decided, and the model is estimated from them.
	var early []parsed
	var sample []match.Record
	estimate := im.needsModel()
	process := func(p parsed) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		preps := im.prepare(p.items)
		if preps != nil {
			im.idx.Track()
			defer im.idx.Untrack()
		}
		for k, it := range p.items {
			ru.sum.Read++
			if it.rj != nil {
				ru.reject(it.rj.Line, it.rj.Field, it.rj.Reason)
				continue
			}
			var prep *match.Prepared
			if preps != nil {
				prep = preps[k]
			}
			if err := ru.decide(ctx, it.rec, prep); err != nil {
				return err
			}
		}
		if p.err != nil {
			return signpost.Internal("reading the feed", p.err)
		}
		if ru.opts.Progress != nil {
			ru.opts.Progress("matching", p.offset, 0)
		}
		return nil
	}
	for p := range ch {
		if estimate {
			early = append(early, p)
			for _, it := range p.items {
				if it.rec != nil {
					sample = append(sample, matchRecord(it.rec))
				}
			}
			if len(sample) < match.EstimateRecords && p.err == nil {
				continue
			}
			if err := im.ensureModel(ctx, sample); err != nil {
				return err
			}
			for _, q := range early {
				if err := process(q); err != nil {
					return err
				}
			}
			early, sample, estimate = nil, nil, false
			continue
		}
		if err := process(p); err != nil {
			return err
		}
	}
	if estimate {
		if err := im.ensureModel(ctx, sample); err != nil {
			return err
		}
		for _, q := range early {
			if err := process(q); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

func (ru *run) reject(line int, field, reason string) {
	ru.sum.Rejected++
	if ru.rejects != nil {
		ru.rejects.Write([]string{strconv.Itoa(line), field, reason})
	}
	ru.outcome(line, "rejected", "")
}

func (ru *run) outcome(line int, what, id string) {
	ru.outcomeWith(line, what, id, "")
}

// outcomeWith is outcome with the Signpost IDs of a review item's
// candidates (space-separated), so the outcomes can be scored as if a
// person decided the item (population.ScoreLinkage).
func (ru *run) outcomeWith(line int, what, id, candidates string) {
	if ru.outcomes == nil {
		return
	}
	ru.line[0], ru.line[1], ru.line[2], ru.line[3] = strconv.Itoa(line), what, id, candidates
	ru.outcomes.Write(ru.line)
}

func matchRecord(rec *feed.Record) match.Record {
	return match.Record{GivenName: rec.GivenName, FamilyName: rec.FamilyName, DateOfBirth: rec.DateOfBirth, Gender: knownSex(rec.Sex),
		Postcode: rec.Postcode, NHSNumber: rec.NHSNumber, UPN: rec.UPN}
}

// knownSex is the sex a record states, or "" when it says unknown.
func knownSex(s string) string {
	if s == "unknown" {
		return ""
	}
	return s
}

// prepare compares a batch's rows with the children on Workers
// goroutines, ahead of deciding them in order (match.PrepareFS): nil when
// rows are decided alone. The index is not written meanwhile.
func (im *Engine) prepare(items []item) []*match.Prepared {
	workers := im.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if workers < 2 || len(items) < 2*workers {
		return nil
	}
	preps := make([]*match.Prepared, len(items))
	var wg gosync.WaitGroup
	per := (len(items) + workers - 1) / workers
	for lo := 0; lo < len(items); lo += per {
		hi := min(lo+per, len(items))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := lo; k < hi; k++ {
				if rec := items[k].rec; rec != nil {
					preps[k] = im.prepareRow(rec, len(items))
				}
			}
		}()
	}
	wg.Wait()
	return preps
}

// prepareRow makes the comparisons decide will make for rec: on its
// details, or, matched by an identifier, for the second record decide
// looks for.
func (im *Engine) prepareRow(rec *feed.Record, slack int) *match.Prepared {
	r := matchRecord(rec)
	d, ok := im.idx.MatchIdentifier(r)
	if !ok {
		return im.idx.PrepareFS(im.model, r, 0, slack)
	}
	if d.Outcome != match.Same {
		return nil
	}
	return im.idx.PrepareFS(im.model, dupProbe(rec, d.Child), d.Child.Serial, slack)
}

// dupProbe is the record that finds a second record of child, matched by
// an identifier: its details, with no identifier that contradicts it.
func dupProbe(rec *feed.Record, child match.Identity) match.Record {
	probe := matchRecord(rec)
	probe.NHSNumber = firstOf(child.NHSNumber, rec.NHSNumber)
	probe.UPN = firstOf(child.UPN, rec.UPN)
	return probe
}

func (ru *run) decidePrepared(r match.Record, except int, prep *match.Prepared) match.Decision {
	d, ahead := ru.im.idx.DecidePrepared(ru.im.model, r, except, prep)
	switch {
	case ahead:
		ru.sum.Ahead++
	case prep != nil:
		ru.sum.Again++
	}
	return d
}

// decide decides a row, with the comparisons prepared for it (nil: none).
func (ru *run) decide(ctx context.Context, rec *feed.Record, prep *match.Prepared) error {
	im := ru.im
	// Issue 15: details by the FS model.
	r := matchRecord(rec)
	d, ok := im.idx.MatchIdentifier(r)
	if !ok {
		d = ru.decidePrepared(r, 0, prep)
	}
	switch d.Outcome {
	case match.Review:
		ru.queue(rec, d)
		return nil
	case match.None:
		if ru.kind == feed.Deaths {
			ru.sum.Unmatched++
			if ru.rejects != nil {
				ru.rejects.Write([]string{strconv.Itoa(rec.Line), "", "no child in the directory matches this death registration"})
			}
			ru.outcome(rec.Line, "unmatched", "")
			return nil
		}
		serial, err := im.serial(ctx)
		if err != nil {
			return err
		}
		h := im.hold(rec, im.ids.Number(serial), serial)
		im.idx.Put(im.identity(h))
		ru.sum.Created++
		ru.outcome(rec.Line, "created", signpost.SignpostID(int(h.serial)))
		return nil
	}
	child := d.Child
	if d.ByIdentifier {
		// The same child may be held twice (a record that once failed to
		// match): look for a second record with these details and no
		// identifier that contradicts this one.
		if dup := ru.decidePrepared(dupProbe(rec, child), child.Serial, prep); dup.Outcome == match.Same {
			into, from := child, dup.Child
			if im.ids.SerialOf(from.Serial) < im.ids.SerialOf(into.Serial) { // the older record survives
				into, from = from, into
			}
			if into.Shielded || from.Shielded {
				ru.queue(rec, match.Decision{Outcome: match.Review, Candidates: []match.Scored{{Identity: child, Score: 1}, {Identity: dup.Child, Score: dup.Score}},
					Reason: "the record matches two children, one of them shielded: are they the same child?"})
				return nil
			}
			ru.merges = append(ru.merges, directory.MergeOrder{From: from.SignpostID(), Into: into.SignpostID(), ByDetails: true})
			child = mergedIdentity(into, from)
			im.idx.Remove(from.Serial)
			im.idx.Put(child)
			ru.sum.Merged++
			ru.outcome(rec.Line, "merged", child.SignpostID())
			// The merge moves the other record's identifiers; the change
			// must not set them first (an NHS number is held once).
			ru.update(rec, child, false, from)
			return nil
		}
	}
	ru.update(rec, child, !d.ByIdentifier, match.Identity{})
	ru.outcome(rec.Line, "matched", child.SignpostID())
	return nil
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// mergedIdentity is the survivor of a merge as the index sees it.
func mergedIdentity(into, from match.Identity) match.Identity {
	into.NHSNumber = firstOf(into.NHSNumber, from.NHSNumber)
	into.UPN = firstOf(into.UPN, from.UPN)
	if into.Postcode == "" {
		into.Postcode = from.Postcode
	}
	into.Authority = firstOf(into.Authority, from.Authority)
	into.Shielded = into.Shielded || from.Shielded
	return into
}

// update records the change rec makes to child (leaving out identifiers
// that merged, a record merged into it, holds), and makes it in the index.
func (ru *run) update(rec *feed.Record, child match.Identity, detail bool, merged match.Identity) {
	im := ru.im
	f, repeats := pendingOf(rec, child.Postcode)
	for i := range f {
		if f[i] != "" && (f[i] == merged.NHSNumber || f[i] == merged.UPN) {
			f[i] = ""
		}
	}
	next := child
	switch rec.Kind {
	case feed.Births:
		next.GivenName, next.FamilyName, next.DateOfBirth = rec.GivenName, rec.FamilyName, rec.DateOfBirth
		if next.Postcode == "" {
			next.Postcode = rec.Postcode
		}
		if s := knownSex(rec.Sex); s != "" {
			next.Gender = s
		}
	case feed.School, feed.GP:
		if rec.Postcode != "" {
			next.Postcode = rec.Postcode
		}
	case feed.Deaths:
		next.Deceased = true
	}
	next.NHSNumber = firstOf(child.NHSNumber, rec.NHSNumber)
	next.UPN = firstOf(child.UPN, rec.UPN)
	if next != child {
		im.idx.Put(next)
	}
	if h := im.heldChild(child.Serial); h != nil {
		// Created in this run: the change goes into the record to write.
		if im.fold(h, changeOf(rec.Kind, child.Serial, detail, &f)) {
			ru.sum.Updated++
		} else {
			ru.sum.Unchanged++
		}
		return
	}
	p := pending{serial: uint32(child.Serial), detail: detail}
	for i, v := range f {
		p.f[i] = ru.texts.put(v, repeats&(1<<i) != 0)
	}
	ru.updates = append(ru.updates, p)
}

// pendingOf is the change a record makes to a child who lives at
// heldPostcode, as its fields (changeOf says which is which) and which of
// them repeat across rows. A birth registration sets the names, date of
// birth and sex (it is the authority on them) but gives an address only to
// a child who has none: later feeds know better where a child lives.
func pendingOf(rec *feed.Record, heldPostcode string) (f [8]string, repeats uint8) {
	switch rec.Kind {
	case feed.Births:
		f = [8]string{rec.GivenName, rec.FamilyName, rec.DateOfBirth, knownSex(rec.Sex), rec.Address, rec.Postcode, rec.LACode, rec.NHSNumber}
		if heldPostcode != "" {
			f[4], f[5] = "", ""
		}
		repeats = 1<<2 | 1<<3 | 1<<6
	case feed.School, feed.GP:
		f = [8]string{rec.Postcode, rec.LACode, rec.SettingCode, rec.SettingName, rec.StartDate, rec.UPN, rec.NHSNumber}
		repeats = 1<<1 | 1<<2 | 1<<3 | 1<<4
	case feed.Deaths:
		f[0], repeats = rec.DateOfDeath, 1
	}
	return f, repeats
}

// change turns a pending change of a kind of feed into the store's form
// (its strings share the texts' bytes).
func (p *pending) change(kind feed.Kind, t *texts) directory.ChildUpdate {
	var f [8]string
	for i, v := range p.f {
		f[i] = t.str(v)
	}
	return changeOf(kind, int(p.serial), p.detail, &f)
}

// changeOf is the store's form of pendingOf's fields.
func changeOf(kind feed.Kind, serial int, detail bool, f *[8]string) directory.ChildUpdate {
	u := directory.ChildUpdate{SignpostID: signpost.SignpostID(serial), ByDetails: detail}
	switch kind {
	case feed.Births:
		u.GivenName, u.FamilyName, u.DateOfBirth, u.Gender, u.Address, u.Postcode, u.AuthorityCode, u.NHSNumber = f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]
		u.ClearAddress, u.FillAuthority = u.Address == "", true
	case feed.School, feed.GP:
		u.Postcode, u.ClearAddress, u.AuthorityCode, u.FillAuthority = f[0], true, f[1], true
		s := &signpost.Setting{Code: f[2], Name: f[3], StartedOn: f[4]}
		if kind == feed.School {
			u.School = s
		} else {
			u.GP = s
		}
		u.UPN, u.NHSNumber = f[5], f[6]
	case feed.Deaths:
		u.DateOfDeath = f[0]
	}
	return u
}

// queue puts a record in the review queue.
func (ru *run) queue(rec *feed.Record, d match.Decision) {
	item := reviewItem(rec, d, ru.opts.Source)
	ru.reviews = append(ru.reviews, item)
	if ru.outcomes != nil {
		ids := make([]string, len(item.Candidates))
		for i, c := range item.Candidates {
			ids[i] = c.SignpostID
		}
		ru.outcomeWith(rec.Line, "review", "", strings.Join(ids, " "))
	}
}

func reviewItem(rec *feed.Record, d match.Decision, source string) directory.ReviewItem {
	h := rec.Hash()
	body, _ := json.Marshal(recordJSON(rec))
	item := directory.ReviewItem{Feed: string(rec.Kind), Source: source, Line: rec.Line, RowHash: h[:], Record: body, Reason: d.Reason, Authority: rec.LACode}
	for _, c := range d.Candidates {
		item.Candidates = append(item.Candidates, directory.ReviewCandidate{SignpostID: c.SignpostID(), Score: c.Score})
	}
	// The best candidate's management team decides; else the record's authority's.
	if len(d.Candidates) > 0 && d.Candidates[0].Authority != "" {
		item.Authority = d.Candidates[0].Authority
	}
	return item
}

// recordJSON is a feed record as a review item keeps it.
func recordJSON(r *feed.Record) map[string]string {
	m := map[string]string{}
	for k, v := range map[string]string{"nhs_number": r.NHSNumber, "upn": r.UPN, "given_name": r.GivenName, "family_name": r.FamilyName,
		"sex": r.Sex, "date_of_birth": r.DateOfBirth, "address": r.Address, "postcode": r.Postcode, "la_code": r.LACode,
		"setting_code": r.SettingCode, "setting_name": r.SettingName, "start_date": r.StartDate, "date_of_death": r.DateOfDeath} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}

// RecordOf reads back the feed record a review item keeps.
func RecordOf(item *directory.ReviewItem) (*feed.Record, error) {
	var m map[string]string
	if err := json.Unmarshal(item.Record, &m); err != nil {
		return nil, signpost.Internal("reading a review item", err)
	}
	return &feed.Record{Kind: feed.Kind(item.Feed), Line: item.Line, NHSNumber: m["nhs_number"], UPN: m["upn"], GivenName: m["given_name"],
		FamilyName: m["family_name"], Sex: m["sex"], DateOfBirth: m["date_of_birth"], Address: m["address"], Postcode: m["postcode"],
		LACode: m["la_code"], SettingCode: m["setting_code"], SettingName: m["setting_name"], StartDate: m["start_date"], DateOfDeath: m["date_of_death"]}, nil
}

// newChildFrom is the child a record creates, whose Signpost ID has number.
func newChildFrom(rec *feed.Record, number int) directory.NewChild {
	var im Engine
	h := im.heldFrom(rec, number)
	return im.child(&h)
}

// heldFrom is the child a record creates, packed.
func (im *Engine) heldFrom(rec *feed.Record, number int) held {
	w, t := &im.words, &im.text
	h := held{serial: uint32(number), given: w.of(rec.GivenName), family: w.of(rec.FamilyName), dob: w.of(rec.DateOfBirth),
		gender: w.of(knownSex(rec.Sex)), address: t.put(rec.Address), postcode: t.put(rec.Postcode), nhs: t.put(rec.NHSNumber),
		upn: t.put(rec.UPN), auth: w.of(rec.LACode)}
	s := heldSetting{w.of(rec.SettingCode), w.of(rec.SettingName), w.of(rec.StartDate)}
	switch rec.Kind {
	case feed.School:
		h.school = s
	case feed.GP:
		h.gp = s
	}
	return h
}

// hold keeps a new child of the run, whose Signpost ID has number and
// which has serial, until it is written.
func (im *Engine) hold(rec *feed.Record, number, serial int) *held {
	if im.count%heldChunk == 0 {
		im.news = append(im.news, make([]held, 0, heldChunk))
	}
	c := &im.news[len(im.news)-1]
	*c = append(*c, im.heldFrom(rec, number))
	im.count++
	p := serial >> chunkShift
	for len(im.newPos) <= p {
		im.newPos = append(im.newPos, nil)
	}
	if im.newPos[p] == nil {
		im.newPos[p] = make([]uint32, 1<<chunkShift)
	}
	im.newPos[p][serial&(1<<chunkShift-1)] = uint32(im.count)
	return &(*c)[len(*c)-1]
}

const chunkShift = 16

// heldChild returns the child whose Signpost ID has number if the run
// created it.
func (im *Engine) heldChild(number int) *held {
	serial := im.ids.SerialOf(number)
	p := serial >> chunkShift
	if serial <= 0 || p >= len(im.newPos) || im.newPos[p] == nil {
		return nil
	}
	pos := im.newPos[p][serial&(1<<chunkShift-1)]
	if pos == 0 {
		return nil
	}
	pos--
	return &im.news[pos/heldChunk][pos%heldChunk]
}

func (im *Engine) identity(h *held) match.Identity {
	w, t := &im.words, &im.text
	return match.Identity{Serial: int(h.serial), GivenName: w.str(h.given), FamilyName: w.str(h.family), DateOfBirth: w.str(h.dob),
		Gender: w.str(h.gender), Postcode: t.str(h.postcode), NHSNumber: t.str(h.nhs), UPN: t.str(h.upn), Authority: w.str(h.auth),
		Deceased: h.death != 0}
}

func (im *Engine) child(h *held) directory.NewChild {
	w, t := &im.words, &im.text
	c := directory.NewChild{Child: signpost.Child{SignpostID: signpost.SignpostID(int(h.serial)), GivenName: w.str(h.given), FamilyName: w.str(h.family),
		DateOfBirth: w.str(h.dob), Gender: w.str(h.gender), Address: t.str(h.address), Postcode: t.str(h.postcode), NHSNumber: t.str(h.nhs),
		UPN: t.str(h.upn), Status: signpost.StatusActive}, AuthorityCode: w.str(h.auth), DateOfDeath: w.str(h.death)}
	if h.death != 0 {
		c.Status = signpost.StatusDeceased
	}
	if h.school.code != 0 {
		c.School = &signpost.Setting{Code: w.str(h.school.code), Name: w.str(h.school.name), StartedOn: w.str(h.school.started)}
	}
	if h.gp.code != 0 {
		c.GP = &signpost.Setting{Code: w.str(h.gp.code), Name: w.str(h.gp.name), StartedOn: w.str(h.gp.started)}
	}
	return c
}

// fold makes a change in a child not yet written, as the store would make
// it in one written (see directory.ChildUpdate), and reports whether anything changed.
func (im *Engine) fold(h *held, u directory.ChildUpdate) bool {
	w, t := &im.words, &im.text
	before := *h
	moves := u.Postcode != "" && u.Postcode != t.str(h.postcode)
	set := func(dst *uint32, v string) {
		if v != "" {
			*dst = w.of(v)
		}
	}
	// A text is replaced only by a different string (the same string put
	// again would be another place, and look like a change).
	setText := func(dst *text, v string) {
		if v != t.str(*dst) {
			*dst = t.put(v)
		}
	}
	set(&h.given, u.GivenName)
	set(&h.family, u.FamilyName)
	set(&h.dob, u.DateOfBirth)
	set(&h.gender, u.Gender)
	switch {
	case u.Address != "":
		setText(&h.address, u.Address)
	case u.ClearAddress && moves:
		h.address = 0
	}
	if u.Postcode != "" {
		setText(&h.postcode, u.Postcode)
	}
	if u.AuthorityCode != "" && (!u.FillAuthority || h.auth == 0 || moves) {
		h.auth = w.of(u.AuthorityCode)
	}
	if h.nhs == 0 {
		h.nhs = t.put(u.NHSNumber)
	}
	if h.upn == 0 {
		h.upn = t.put(u.UPN)
	}
	for _, x := range []struct {
		s  *signpost.Setting
		to *heldSetting
	}{{u.School, &h.school}, {u.GP, &h.gp}} {
		if x.s != nil && x.s.Code != "" && x.s.StartedOn >= w.str(x.to.started) {
			*x.to = heldSetting{w.of(x.s.Code), w.of(x.s.Name), w.of(x.s.StartedOn)}
		}
	}
	if u.DateOfDeath != "" {
		h.death = w.of(u.DateOfDeath)
	}
	return *h != before
}

// serial returns a new Signpost serial, reserving them from the store in blocks.
func (im *Engine) serial(ctx context.Context) (int, error) {
	if im.next >= im.end {
		const block = 10000
		first, err := im.st.AllocateSerials(ctx, block)
		if err != nil {
			return 0, err
		}
		im.next, im.end = first, first+block
	}
	im.next++
	return im.next - 1, nil
}

func (ru *run) apply(ctx context.Context, b *directory.FeedBatch) error {
	b.At = ru.im.today
	res, err := ru.im.st.ApplyFeed(ctx, b)
	if err != nil {
		return err
	}
	ru.sum.Updated += res.Updated
	ru.sum.Unchanged += res.Unchanged
	ru.sum.Queued += res.Queued
	ru.sum.AlreadyQueued += res.AlreadyQueued
	ru.sum.Held += res.Held
	// Issue 16: a child moved to another authority is told to those
	// working with the child and to the new authority's management team.
	_, err = directory.DrainNotifications(ctx, ru.im.st)
	return err
}

// writeNew writes the children the run created, in Signpost ID order (so
// each page of the store's ID index is written once), and drops them from
// memory as it goes.
func (im *Engine) writeNew(ctx context.Context, runs []*run) error {
	var progress func(string, int64, int64)
	if len(runs) > 0 {
		progress = runs[len(runs)-1].opts.Progress
	}
	total := int64(im.count)
	batch := make([]directory.NewChild, 0, im.BatchSize)
	written := 0
	keys := make([]uint32, im.count)
	for ci, chunk := range im.news {
		for i := range chunk {
			keys[ci*heldChunk+i] = chunk[i].serial
		}
	}
	order := radixOrder(keys)
	keys = nil
	// A chunk of held children goes once all of it is written (serials are
	// issued in the order children are made, so nearly always in turn).
	left := make([]int32, len(im.news))
	for ci := range im.news {
		left[ci] = int32(len(im.news[ci]))
	}
	for n, pos := range order {
		ci := pos / heldChunk
		batch = append(batch, im.child(&im.news[ci][pos%heldChunk]))
		if left[ci]--; left[ci] == 0 {
			im.news[ci] = nil
		}
		if len(batch) == cap(batch) || n == len(order)-1 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if _, err := im.st.ApplyFeed(ctx, &directory.FeedBatch{Creates: batch, At: im.today}); err != nil {
				return err
			}
			written += len(batch)
			batch = batch[:0]
			if progress != nil {
				progress("writing", int64(written), total)
			}
		}
	}
	im.news, im.count, im.newPos = nil, 0, nil
	im.words, im.text = words{}, arena{}
	return nil
}

// finish applies the changes to children held before the run, in
// Signpost ID order, then the merges and the review items.
func (ru *run) finish(ctx context.Context) error {
	order := sortBySerial(ru.updates)
	batch := &directory.FeedBatch{}
	total := int64(len(order))
	for n, i := range order {
		batch.Updates = append(batch.Updates, ru.updates[i].change(ru.kind, &ru.texts))
		if len(batch.Updates) >= ru.im.UpdateBatch || n == len(order)-1 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := ru.apply(ctx, batch); err != nil {
				return err
			}
			batch.Updates = batch.Updates[:0]
			if ru.opts.Progress != nil {
				ru.opts.Progress("applying", int64(n+1), total)
			}
		}
	}
	ru.updates, ru.texts = nil, texts{}
	if len(ru.merges) > 0 || len(ru.reviews) > 0 {
		if err := ru.apply(ctx, &directory.FeedBatch{Merges: ru.merges, Reviews: ru.reviews}); err != nil {
			return err
		}
	}
	ru.merges, ru.reviews = nil, nil
	return nil
}

// sortBySerial returns the indexes of ps in order of Signpost ID, keeping
// file order within a child.
func sortBySerial(ps []pending) []uint32 {
	keys := make([]uint32, len(ps))
	for i := range ps {
		keys[i] = ps[i].serial
	}
	return radixOrder(keys)
}

// radixOrder returns the indexes of keys (Signpost ID numbers, below 2^27)
// in ascending order of key, equal keys in their given order: a
// least-significant-digit radix sort in two passes of 14 bits, in linear
// time for the millions of a national load (and without a table as large
// as the ID space, as a counting sort would need).
func radixOrder(keys []uint32) []uint32 {
	const bits = 14
	out := make([]uint32, len(keys))
	for i := range out {
		out[i] = uint32(i)
	}
	tmp := make([]uint32, len(keys))
	var counts [1<<bits + 1]int
	for shift := uint(0); shift < 28; shift += bits {
		clear(counts[:])
		for _, i := range out {
			counts[(keys[i]>>shift)&(1<<bits-1)+1]++
		}
		for d := 1; d < len(counts); d++ {
			counts[d] += counts[d-1]
		}
		for _, i := range out {
			d := (keys[i] >> shift) & (1<<bits - 1)
			tmp[counts[d]] = i
			counts[d]++
		}
		out, tmp = tmp, out
	}
	return out
}
