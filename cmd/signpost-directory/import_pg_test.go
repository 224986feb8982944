package main

// Issue 17: import (and review) on PostgreSQL through the real command.

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"signpost/directory/population"
	"signpost/directory/postgres/pgtest"
)

// The same feeds imported into PostgreSQL (--store) and into the embedded
// store give the same counts: its births batch is large enough to be
// written with COPY.
func TestImportIntoPostgresMatchesEmbedded(t *testing.T) {
	url := pgtest.URL(t)
	feeds := t.TempDir()
	var b bytes.Buffer
	if err := run(context.Background(), []string{"generate", "--children", "3000", "--seed", "5", "--out", feeds, "--today", "2025-06-01"}, &b, &b); err != nil {
		t.Fatalf("generate: %v\n%s", err, b.String())
	}
	args := []string{"import", "--today", "2025-06-01"}
	for _, k := range []string{"births", "school", "gp", "deaths"} {
		args = append(args, "--feed", k, filepath.Join(feeds, k+".csv"))
	}
	embedded := cli{t, t.TempDir()}
	embedded.authorities()
	pg := cli{t, t.TempDir()}
	for _, a := range population.Authorities() {
		pg.ok("create-authority", "--code", a.Code, "--name", a.Name, "--store", url)
	}
	counts := regexp.MustCompile(`(?m)^(\w+): read \d+, created \d+, updated \d+, unchanged \d+, merged \d+, queued for review \d+`)
	want := counts.FindAllString(embedded.ok(args...), -1)
	out := pg.ok(append(args, "--store", url)...)
	got := counts.FindAllString(out, -1)
	if len(want) != 4 || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("PostgreSQL import:\n%s\nembedded:\n%s\n(PostgreSQL printed:\n%s)", strings.Join(got, "\n"), strings.Join(want, "\n"), out)
	}
	if !strings.Contains(want[0], "created ") || strings.Contains(want[0], "created 0,") {
		t.Fatalf("the births feed created nobody: %s", want[0])
	}
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM children`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n < 2000 {
		t.Errorf("%d children in PostgreSQL after importing 3,000 people", n)
	}
	// The review queue is the same list through --store.
	pl := pg.ok("review", "list", "--store", url)
	el := embedded.ok("review", "list")
	if strings.Count(pl, "\n") != strings.Count(el, "\n") {
		t.Errorf("review list: %d lines on PostgreSQL, %d embedded", strings.Count(pl, "\n"), strings.Count(el, "\n"))
	}
	// --bulk is refused on PostgreSQL, before anything is read.
	if out, err := pg.run(append(args, "--bulk", "--store", url)...); err == nil || !strings.Contains(out+err.Error(), "--bulk") {
		t.Errorf("--bulk on PostgreSQL: %v\n%s", err, out)
	}
}
