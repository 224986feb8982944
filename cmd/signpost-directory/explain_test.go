package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Issue 15: match explain shows why a row is decided as it is: the
// decision, the candidates by Signpost ID and each field's level and weight,
// with the model the first import estimated and saved.
func TestMatchExplain(t *testing.T) {
	c := cli{t, t.TempDir()}
	feeds := t.TempDir()
	var b bytes.Buffer
	if err := run(context.Background(), []string{"generate", "--children", "1500", "--seed", "4", "--out", feeds, "--today", "2025-06-01"}, &b, &b); err != nil {
		t.Fatalf("generate: %v\n%s", err, b.String())
	}
	c.authorities()
	out := filepath.Join(feeds, "outcomes.csv")
	c.ok("import", "--today", "2025-06-01", "--outcomes", out, "--feed", "births", filepath.Join(feeds, "births.csv"),
		"--feed", "school", filepath.Join(feeds, "school.csv"))

	// A death registered without an NHS number, with the details of the
	// first birth registration: decided on its details alone.
	f, _ := os.Open(filepath.Join(feeds, "births.csv"))
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) < 2 {
		t.Fatalf("births: %v", err)
	}
	r := rows[1] // nhs_number,given_name,family_name,sex,date_of_birth,address,postcode,la_code
	deaths := filepath.Join(feeds, "death.csv")
	var w bytes.Buffer
	cw := csv.NewWriter(&w)
	cw.Write([]string{"nhs_number", "given_name", "family_name", "date_of_birth", "postcode", "date_of_death"})
	cw.Write([]string{"", r[1], r[2], r[4], r[6], "2025-05-01"})
	// Line 3: the same names born on another day of the year, elsewhere.
	other := r[4][:5] + "12-28"
	if other == r[4] {
		other = r[4][:5] + "11-27"
	}
	cw.Write([]string{"", r[1], r[2], other, "SW1A 1AA", "2025-05-01"})
	cw.Flush()
	os.WriteFile(deaths, w.Bytes(), 0o600)
	outcomes, _ := os.ReadFile(filepath.Join(feeds, "outcomes-births.csv"))
	want := regexp.MustCompile(`(?m)^2,created,(SP[0-9A-Z-]+)`).FindStringSubmatch(string(outcomes))
	if want == nil {
		t.Fatalf("births outcomes:\n%.300s", outcomes)
	}
	got := c.ok("match", "explain", "--today", "2025-06-01", "--feed", "deaths", "--row", deaths+":2")
	t.Logf("match explain:\n%s", got)
	for _, s := range []string{"model: the store's (estimated", "decision: the same child, " + want[1], "candidate " + want[1] + ": weight",
		"given_name     exact", "date_of_birth  exact", "postcode       exact", "family_name"} {
		if !strings.Contains(got, s) {
			t.Errorf("explain does not say %q:\n%s", s, got)
		}
	}
	for _, name := range []string{r[1], r[2]} {
		if strings.Contains(got, name) {
			t.Errorf("explain prints a name (%s):\n%s", name, got)
		}
	}
	far := c.ok("match", "explain", "--today", "2025-06-01", "--feed", "deaths", "--row", deaths+":3")
	for _, s := range []string{"decision: a child not held", "nearest (below review) " + want[1] + ": weight", "date_of_birth  else", "postcode       else"} {
		if !strings.Contains(far, s) {
			t.Errorf("explain does not say %q:\n%s", s, far)
		}
	}
	for _, bad := range [][]string{{"match"}, {"match", "explain", "--feed", "deaths", "--row", deaths}, {"match", "explain", "--feed", "deaths", "--row", deaths + ":9"}} {
		if _, err := c.run(bad...); err == nil {
			t.Errorf("%v succeeded", bad)
		}
	}
}
