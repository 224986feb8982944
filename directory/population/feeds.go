package population

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"signpost"
	"signpost/directory/feed"
)

// FeedFiles names the files WriteFeeds makes in its folder.
var FeedFiles = map[feed.Kind]string{feed.Births: "births.csv", feed.Deaths: "deaths.csv", feed.School: "school.csv", feed.GP: "gp.csv"}

// TruthFile is the ground truth WriteFeeds writes beside the feeds: one line
// per feed row (feed, line, person), where person is the generator serial of
// the child the row is really about.
const TruthFile = "truth.csv"

// FeedStats counts what WriteFeeds wrote.
type FeedStats struct {
	Children int            // people generated
	Rows     map[string]int // rows per feed
	// Errors deliberately made, by kind: typos (as Typo names them),
	// "moved" (a new postcode in the school census and GP feed),
	// "duplicate_birth" (a registration sent twice), "second_school" (a
	// second census row after a move of school), "born_abroad" (no birth
	// registration), "death_by_identity" (no NHS number on it); and, under
	// the realistic model, the kinds RealisticKinds names.
	Errors map[string]int
	// Eligible counts, for each of the realistic model's kinds, the
	// children or rows it could have been made in, so Errors[k] /
	// Eligible[k] is its rate. Empty under the default model.
	Eligible map[string]int
}

// Rates of the errors and events WriteFeeds makes, in per mille.
const (
	bornAbroadPM     = 70 // no birth registration in England
	duplicateBirthPM = 3  // a registration sent twice
	schoolTypoPM     = 40 // one data-entry error in the census row
	movedPM          = 10 // moved house since the birth was registered
	secondSchoolPM   = 3  // in the census twice, at two schools
	gpRegisteredPM   = 970
	gpTypoPM         = 20
	deathPM          = 1 // died (about three times the real rate, so tests see some)
)

// WriteFeeds writes n people's records as the four national feeds, with
// the errors real feeds have, and the ground truth, into dir. It is
// deterministic: the same seed, n and today give the same files. Each feed
// is in the order its source would send it (births by date, the census by
// school, GP registrations by practice), so an importer cannot count on
// meeting a child's records in any order. It uses the default error model.
func WriteFeeds(dir string, n int, seed int64, today time.Time) (*FeedStats, error) {
	return WriteFeedsWith(dir, n, seed, today, Options{})
}

// WriteFeedsWith is WriteFeeds with a choice of error model. The realistic
// model draws its errors from streams of its own, so the same children are
// born abroad, registered twice, in two schools or dead under both models.
func WriteFeedsWith(dir string, n int, seed int64, today time.Time, opt Options) (*FeedStats, error) {
	model, err := ParseErrorModel(string(opt.Errors))
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(dir, ".buckets-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	g := New(seed, today)
	codes := map[string]string{}
	for _, a := range Authorities() {
		codes[a.Name] = a.Code
	}
	st := &FeedStats{Children: n, Rows: map[string]int{}, Errors: map[string]int{}, Eligible: map[string]int{}}
	var re *realistic // nil under the default model
	if model == RealisticErrors {
		re = newRealistic(g, st, seed, today)
	}
	bk := &buckets{dir: tmp, files: map[string]*bucket{}}
	defer bk.close()
	var deaths []deathRow
	put := func(kind feed.Kind, key string, person int, r *feed.Record) error {
		st.Rows[string(kind)]++
		return bk.put(string(kind)+"-"+key, person, r)
	}
	for s := 1; s <= n; s++ {
		c := g.Next(s)
		// Decisions about this person come from a stream of their own, so
		// they do not depend on the order of generation.
		rng := rand.New(rand.NewPCG(uint64(seed), uint64(s)*0x9e3779b97f4a7c15))
		pm := func(rate int) bool { return rng.IntN(1000) < rate }
		la := codes[c.Authority]
		sex := map[string]string{"male": "M", "female": "F"}[c.Gender]
		if re != nil {
			re.person(s, &c)
		}
		postcode := c.Postcode
		moved := pm(movedPM)
		if moved {
			postcode = movePostcode(rng, c.Postcode)
			if re == nil {
				st.Errors["moved"]++
			}
		}
		gpPostcode := postcode
		if re != nil {
			postcode, gpPostcode = re.move(&c, c.GP != nil)
		}
		if c.UPN != "" {
			c.UPN = uniqueUPN(c.UPN[1:4], s)
		}
		if !pm(bornAbroadPM) {
			b := &feed.Record{Kind: feed.Births, NHSNumber: c.NHSNumber, GivenName: c.GivenName, FamilyName: c.FamilyName, Sex: sex,
				DateOfBirth: c.DateOfBirth, Address: c.Address, Postcode: c.Postcode, LACode: la}
			copies := 1
			if pm(duplicateBirthPM) {
				copies = 2
				st.Errors["duplicate_birth"]++
			}
			for i := 0; i < copies; i++ {
				if err := put(feed.Births, c.DateOfBirth[:7], s, b); err != nil {
					return nil, err
				}
			}
		} else {
			st.Errors["born_abroad"]++
		}
		if c.School != nil {
			id := c
			if pm(schoolTypoPM) && re == nil {
				var kind string
				id, kind = g.Typo(c)
				st.Errors[kind]++
			}
			r := &feed.Record{Kind: feed.School, UPN: c.UPN, GivenName: id.GivenName, FamilyName: id.FamilyName, Sex: sex, DateOfBirth: id.DateOfBirth,
				Postcode: postcode, SettingCode: c.School.Code, SettingName: c.School.Name, StartDate: c.School.StartedOn, LACode: la}
			if re != nil {
				re.row(r)
			}
			if err := put(feed.School, c.School.Code, s, r); err != nil {
				return nil, err
			}
			if pm(secondSchoolPM) {
				// Moved school this year: the new school's census row
				// carries the same UPN.
				other := Authorities()[rng.IntN(len(Authorities()))].Schools
				sch := other[rng.IntN(len(other))]
				r2 := *r
				r2.GivenName, r2.FamilyName, r2.DateOfBirth = c.GivenName, c.FamilyName, c.DateOfBirth
				r2.Sex, r2.Postcode = sex, postcode
				r2.SettingCode, r2.SettingName = sch.Code, sch.Name
				if start := today.AddDate(0, 0, -1-rng.IntN(60)).Format(signpost.DateLayout); start > r2.StartDate {
					r2.StartDate = start
				}
				if re != nil {
					re.row(&r2)
				}
				if err := put(feed.School, sch.Code, s, &r2); err != nil {
					return nil, err
				}
				st.Errors["second_school"]++
			}
		}
		if pm(gpRegisteredPM) {
			id := c
			if pm(gpTypoPM) && re == nil {
				var kind string
				id, kind = g.Typo(c)
				st.Errors["gp_"+kind]++
			}
			r := &feed.Record{Kind: feed.GP, NHSNumber: c.NHSNumber, GivenName: id.GivenName, FamilyName: id.FamilyName, Sex: sex,
				DateOfBirth: id.DateOfBirth, Postcode: gpPostcode, SettingCode: c.GP.Code, SettingName: c.GP.Name, StartDate: c.GP.StartedOn, LACode: la}
			if re != nil {
				re.row(r)
			}
			if err := put(feed.GP, c.GP.Code, s, r); err != nil {
				return nil, err
			}
		}
		if pm(deathPM) {
			born, _ := signpost.ParseDate(c.DateOfBirth)
			days := int(today.Sub(born).Hours() / 24)
			died := born.AddDate(0, 0, rng.IntN(days+1)).Format(signpost.DateLayout)
			d := deathRow{person: s, rec: feed.Record{Kind: feed.Deaths, NHSNumber: c.NHSNumber, DateOfDeath: died}}
			if pm(300) {
				d.rec = feed.Record{Kind: feed.Deaths, GivenName: c.GivenName, FamilyName: c.FamilyName, DateOfBirth: c.DateOfBirth, Postcode: postcode, DateOfDeath: died}
				st.Errors["death_by_identity"]++
			}
			deaths = append(deaths, d)
			st.Rows[string(feed.Deaths)]++
		}
	}
	sort.SliceStable(deaths, func(i, j int) bool { return deaths[i].rec.DateOfDeath < deaths[j].rec.DateOfDeath })
	for _, d := range deaths {
		if err := bk.put(string(feed.Deaths)+"-", d.person, &d.rec); err != nil {
			return nil, err
		}
	}
	if err := bk.finish(dir); err != nil {
		return nil, err
	}
	return st, nil
}

type deathRow struct {
	person int
	rec    feed.Record
}

// movePostcode returns another postcode in the same district.
func movePostcode(rng *rand.Rand, pc string) string {
	out := []byte(pc)
	for string(out) == pc {
		n := len(out)
		out[n-3] = byte('1' + rng.IntN(9))
		out[n-2] = inwardLetters[rng.IntN(len(inwardLetters))]
		out[n-1] = inwardLetters[rng.IntN(len(inwardLetters))]
	}
	return string(out)
}

// uniqueUPN makes a well-formed UPN unique to serial: the DfE number of the
// authority, then nine digits from a permutation of the serial (the
// generated schools are far larger than real ones, so Next's UPNs, which
// real schools' numbering would keep unique, repeat).
func uniqueUPN(la string, serial int) string {
	b := []byte("A" + la + fmt.Sprintf("%09d", permute8(uint64(serial)%100_000_000)))
	sum := 0
	for i := 1; i < 13; i++ {
		sum += int(b[i]-'0') * (i + 1)
	}
	b[0] = upnAlphabet[sum%23]
	return string(b)
}

// buckets spread rows over temporary files by sort key, each row followed
// by the person it is about, then join them into the feeds in key order.
type buckets struct {
	dir   string
	files map[string]*bucket
}

type bucket struct {
	f *os.File
	w *feed.Writer
}

func (b *buckets) put(key string, person int, r *feed.Record) error {
	bk, ok := b.files[key]
	if !ok {
		f, err := os.Create(filepath.Join(b.dir, strings.NewReplacer("/", "_").Replace(key)+".csv"))
		if err != nil {
			return err
		}
		w, err := feed.NewWriter(r.Kind, f)
		if err != nil {
			f.Close()
			return err
		}
		bk = &bucket{f: f, w: w}
		b.files[key] = bk
	}
	fields := make([]string, 0, 12)
	for _, c := range feed.Columns[r.Kind] {
		fields = append(fields, r.Field(c))
	}
	_, err := bk.w.WriteRaw(append(fields, strconv.Itoa(person)))
	return err
}

func (b *buckets) close() {
	for _, bk := range b.files {
		bk.f.Close()
	}
}

// finish joins each feed's buckets in key order into the feed file, taking
// the person off each line into the ground truth.
func (b *buckets) finish(dir string) error {
	keys := make([]string, 0, len(b.files))
	for k, bk := range b.files {
		if err := bk.w.Flush(); err != nil {
			return err
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	truthF, err := os.Create(filepath.Join(dir, TruthFile))
	if err != nil {
		return err
	}
	defer truthF.Close()
	truth := bufio.NewWriterSize(truthF, 1<<20)
	truth.WriteString("feed,line,person\n")
	for _, kind := range feed.Kinds {
		out, err := os.Create(filepath.Join(dir, FeedFiles[kind]))
		if err != nil {
			return err
		}
		w := bufio.NewWriterSize(out, 1<<20)
		w.WriteString(strings.Join(feed.Columns[kind], ",") + "\n")
		line := 1
		for _, k := range keys {
			if !strings.HasPrefix(k, string(kind)+"-") {
				continue
			}
			bk := b.files[k]
			if _, err := bk.f.Seek(0, io.SeekStart); err != nil {
				out.Close()
				return err
			}
			sc := bufio.NewScanner(bufio.NewReaderSize(bk.f, 1<<20))
			sc.Buffer(make([]byte, 64<<10), 1<<20)
			sc.Scan() // the bucket's header
			for sc.Scan() {
				row := sc.Text()
				cut := strings.LastIndexByte(row, ',')
				line++
				w.WriteString(row[:cut])
				w.WriteByte('\n')
				truth.WriteString(string(kind) + "," + strconv.Itoa(line) + "," + row[cut+1:] + "\n")
			}
			if err := sc.Err(); err != nil {
				out.Close()
				return err
			}
		}
		if err := w.Flush(); err != nil {
			out.Close()
			return err
		}
		if err := out.Close(); err != nil {
			return err
		}
	}
	return truth.Flush()
}
