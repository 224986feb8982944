package postgres

import "testing"

func TestRebind(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT 1`:                          `SELECT 1`,
		`SELECT ? , ?`:                      `SELECT $1 , $2`,
		`WHERE a = ?1 AND b = ?2 OR c = ?1`: `WHERE a = $1 AND b = $2 OR c = $1`,
		`WHERE a = '?' AND b = ? -- why?` + "\n" + `?`:   `WHERE a = '?' AND b = $1 -- why?` + "\n" + `$2`,
		`SELECT "odd?" FROM t WHERE x LIKE ? ESCAPE '\'`: `SELECT "odd?" FROM t WHERE x LIKE $1 ESCAPE '\'`,
	} {
		if got := rebind(in); got != want {
			t.Errorf("rebind(%q) = %q, want %q", in, got, want)
		}
	}
}
