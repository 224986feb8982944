package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"signpost"
	"signpost/directory/population"
)

// cli runs the program's commands on one data folder.
type cli struct {
	t   *testing.T
	dir string
}

func (c cli) run(args ...string) (string, error) {
	c.t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), append(args, "--data", c.dir), &out, &errb)
	return out.String() + errb.String(), err
}

func (c cli) ok(args ...string) string {
	c.t.Helper()
	out, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("%v: %v\n%s", args, err, out)
	}
	return out
}

// id returns the Signpost ID the store in the folder gives serial n (the
// n-th child it created).
func (c cli) id(n int) string {
	c.t.Helper()
	m := NewMain()
	m.DataDir = c.dir
	st, err := m.OpenStore(context.Background())
	if err != nil {
		c.t.Fatal(err)
	}
	defer st.Close()
	return st.IDCodec().ID(n)
}

func (c cli) authorities() {
	for _, a := range population.Authorities() {
		c.ok("create-authority", "--code", a.Code, "--name", a.Name)
	}
}

func TestGenerateAndImportCommands(t *testing.T) {
	c := cli{t, t.TempDir()}
	feeds := t.TempDir()
	gen := func(out string) string {
		var b bytes.Buffer
		if err := run(context.Background(), []string{"generate", "--children", "400", "--seed", "9", "--out", out, "--today", "2025-06-01"}, &b, &b); err != nil {
			t.Fatalf("generate: %v\n%s", err, b.String())
		}
		return b.String()
	}
	out := gen(feeds)
	if !strings.Contains(out, "generated 400 people") {
		t.Errorf("generate printed %q", out)
	}
	// The same seed makes the same files.
	again := t.TempDir()
	gen(again)
	for _, f := range []string{"births.csv", "school.csv", "gp.csv", "deaths.csv", population.TruthFile} {
		a, _ := os.ReadFile(filepath.Join(feeds, f))
		b, _ := os.ReadFile(filepath.Join(again, f))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs with one seed (%d bytes)", f, len(a))
		}
	}
	// A bad row in the census, by line.
	school := filepath.Join(feeds, "school.csv")
	f, _ := os.OpenFile(school, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("Q207000016049,Bad,Check,M,2015-03-14,LS1 4AP,107950,Park Row Primary,2019-09-04,E08000035\n")
	f.Close()
	c.authorities()
	args := []string{"import", "--today", "2025-06-01", "--rejects", filepath.Join(feeds, "rejects.csv")}
	for _, k := range []string{"births", "school", "gp", "deaths"} {
		args = append(args, "--feed", k, filepath.Join(feeds, k+".csv"))
	}
	first := c.ok(args...)
	summary := regexp.MustCompile(`(?m)^school: read (\d+), created (\d+), updated (\d+), unchanged (\d+), merged \d+, queued for review (\d+) .*rejected (\d+)`)
	m := summary.FindStringSubmatch(first)
	if m == nil || m[6] != "1" {
		t.Fatalf("first import printed:\n%s", first)
	}
	rejects, err := os.ReadFile(filepath.Join(feeds, "rejects-school.csv"))
	if err != nil {
		t.Fatal(err)
	}
	census, _ := os.ReadFile(school)
	lastLine := strings.Count(string(census), "\n")
	if !strings.Contains(string(rejects), "\n"+strconv.Itoa(lastLine)+",upn,") {
		t.Errorf("rejects-school.csv does not name line %d:\n%s", lastLine, rejects)
	}
	second := c.ok(args...)
	m2 := summary.FindStringSubmatch(second)
	if m2 == nil || m2[2] != "0" || m2[3] != "0" || m2[5] != "0" {
		t.Errorf("second import of the same files changed something:\n%s", second)
	}
	for _, bad := range [][]string{
		{"import"},
		{"import", "--feed", "births"},
		{"import", "--feed", "marriages", filepath.Join(feeds, "births.csv")},
		{"import", "--feed", "births", filepath.Join(feeds, "nope.csv")},
		{"import", "--feed", "births", filepath.Join(feeds, "school.csv")}, // the wrong header
		{"import", "--feed", "births", filepath.Join(feeds, "births.csv"), "--bulk", "--memory-mb", "-1"},
		{"import", "--feed", "births", filepath.Join(feeds, "births.csv"), "--bulk", "--memory-mb", "100"},
	} {
		if _, err := c.run(bad...); err == nil {
			t.Errorf("%v succeeded", bad)
		}
	}
}

func TestReviewCommands(t *testing.T) {
	c := cli{t, t.TempDir()}
	c.authorities()
	dir := t.TempDir()
	births := filepath.Join(dir, "b.csv")
	school := filepath.Join(dir, "s.csv")
	os.WriteFile(births, []byte("nhs_number,given_name,family_name,sex,date_of_birth,address,postcode,la_code\n"+
		"9434765919,Sam,Smith,M,2016-01-01,,LS6 1AA,E08000035\n4010232137,Sam,Smith,M,2016-01-01,,LS6 1AA,E08000035\n"), 0o600)
	os.WriteFile(school, []byte("upn,given_name,family_name,sex,date_of_birth,postcode,school_urn,school_name,start_date,la_code\n"+
		"P207000016049,Sam,Smith,M,2016-01-01,LS6 1AA,107950,Park Row Primary,2020-09-02,E08000035\n"+
		"P207000016049,Sam,Smyth,M,2016-01-01,LS6 1AA,107950,Park Row Primary,2020-09-02,E08000035\n"), 0o600)
	c.ok("import", "--feed", "births", births, "--feed", "school", school, "--today", "2025-06-01")
	list := c.ok("review", "list", "--authority", "Leeds")
	// Two Sam Smiths born the same day at the same address: both census
	// rows (the second with a typo) wait for a person.
	if !strings.Contains(list, "2 open items") || !strings.Contains(list, "s.csv:2") || !strings.Contains(list, "more than one child matches") {
		t.Fatalf("review list:\n%s", list)
	}
	if other := c.ok("review", "list", "--authority", "Kent"); !strings.Contains(other, "0 open items") {
		t.Errorf("Kent's queue:\n%s", other)
	}
	show := c.ok("review", "show", "--id", "1")
	if !strings.Contains(show, "Park Row Primary") || !strings.Contains(show, c.id(1)) || !strings.Contains(show, "why held: more than one child matches") {
		t.Errorf("review show:\n%s", show)
	}
	if _, err := c.run("review", "link", "--id", "1", "--child", "SP000000000"); err == nil {
		t.Error("linking to an invalid Signpost ID succeeded")
	}
	out := c.ok("review", "link", "--id", "1", "--child", c.id(2), "--by", "maria")
	if !strings.Contains(out, "linked to "+c.id(2)) {
		t.Errorf("link printed %q", out)
	}
	if _, err := c.run("review", "create", "--id", "1"); err == nil {
		t.Error("resolving an item twice succeeded")
	}
	if done := c.ok("review", "list", "--status", "linked"); !strings.Contains(done, "1 linked items") {
		t.Errorf("linked items:\n%s", done)
	}
	// The second census row had the same UPN: it was applied to the same
	// child, once the first was linked, by the UPN.
	again := c.ok("import", "--feed", "school", school, "--today", "2025-06-01")
	if !strings.Contains(again, "created 0") || !strings.Contains(again, "queued for review 0") {
		t.Errorf("re-import after review:\n%s", again)
	}
	if _, err := c.run("review", "frobnicate"); err == nil {
		t.Error("an unknown review command succeeded")
	}
}

func TestMaintenanceCommandAndScheduler(t *testing.T) {
	dir := t.TempDir()
	c := cli{t, dir}
	c.authorities()
	births := filepath.Join(t.TempDir(), "b.csv")
	os.WriteFile(births, []byte("nhs_number,given_name,family_name,sex,date_of_birth,address,postcode,la_code\n"+
		"9434765919,Ed,Eighteen,M,2008-01-10,,LS6 1AA,E08000035\n4010232137,Cal,Consent,M,2008-01-10,,LS6 1AB,E08000035\n"), 0o600)
	c.ok("import", "--feed", "births", births, "--today", "2025-06-01")
	c.ok("consent", "--child", c.id(2))
	if out := c.ok("maintenance", "--today", "2026-01-09"); !strings.Contains(out, "archived 0 (died over a year ago), 0 (aged 18") {
		t.Errorf("before the birthday: %s", out)
	}
	// serve runs it at start, by its clock, and then on schedule.
	m := NewMain()
	m.DataDir, m.Listen = dir, "127.0.0.1:0"
	m.Config.Now = func() time.Time { return time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC) }
	m.MaintenanceEvery = 50 * time.Millisecond
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		ch, err := m.Store.Child(context.Background(), m.Store.IDCodec().ID(1))
		if err == nil && ch.Status == signpost.StatusArchived {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve's maintenance did not archive the 18-year-old: %+v %v", ch, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(150 * time.Millisecond) // a few more scheduled runs: idempotent
	cal, _ := m.Store.Child(context.Background(), m.Store.IDCodec().ID(2))
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if cal.Status != signpost.StatusActive {
		t.Errorf("the young person who consented was archived: %+v", cal)
	}
	if out := c.ok("maintenance", "--today", "2026-01-10"); !strings.Contains(out, "archived 0 (died over a year ago), 0 (aged 18") {
		t.Errorf("a second run the same day: %s", out)
	}
	if out := c.ok("maintenance", "--today", "2032-01-09"); !strings.Contains(out, "purged 0") {
		t.Errorf("a day short of six years: %s", out)
	}
	if out := c.ok("maintenance", "--today", "2032-01-10"); !strings.Contains(out, "purged 1") {
		t.Errorf("six years after archiving: %s", out)
	}
}

func TestGenerateErrorModel(t *testing.T) {
	var b bytes.Buffer
	out := t.TempDir()
	if err := run(context.Background(), []string{"generate", "--children", "2000", "--seed", "9", "--out", out, "--today", "2025-06-01", "--errors", "realistic"}, &b, &b); err != nil {
		t.Fatalf("generate --errors realistic: %v\n%s", err, b.String())
	}
	for _, want := range []string{"(realistic error model)", " names_swapped=", " family_name_changed=", " dob_digit="} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("generate --errors realistic printed no %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	err := run(context.Background(), []string{"generate", "--children", "10", "--out", t.TempDir(), "--errors", "harsh"}, &b, &b)
	if err == nil || !strings.Contains(err.Error(), "--errors must be default or realistic") {
		t.Errorf("generate --errors harsh: %v", err)
	}
}
