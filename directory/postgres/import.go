package postgres

// Copying a directory into PostgreSQL (signpost-directory migrate-store,
// issue 17): the embedded store's tables have the same names and columns
// here, and are copied row for row with COPY.

import (
	"context"
	"fmt"
	"regexp"
	"strconv"

	"github.com/jackc/pgx/v5"

	"signpost"
	"signpost/directory"
	"signpost/directory/sqlstore"
)

var tableName = regexp.MustCompile(`^[a-z_]+$`)

// identityTables are the tables whose id PostgreSQL numbers.
var identityTables = []string{"authorities", "organisations", "users", "children", "alerts", "reviews", "shield_history", "audit",
	"notify_events", "notifications"} // the last two: issue 16

// BeginImport readies an empty store to receive a copy: it refuses one that
// holds any account, child or audit event, and clears the settings and
// counters Open made (the copy brings the source's, with its Signpost ID
// key).
func (s *Store) BeginImport(ctx context.Context) error {
	var n int64
	if err := s.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM children) + (SELECT count(*) FROM audit) + (SELECT count(*) FROM authorities)`).Scan(&n); err != nil {
		return wrap("checking the target is empty", err)
	}
	if n > 0 {
		return conflict("the PostgreSQL store is not empty: copy into a new database")
	}
	_, err := s.pool.Exec(ctx, `DELETE FROM settings; DELETE FROM counters`)
	return wrap("readying the copy", err)
}

// ImportRows copies rows (values as the embedded store's driver gives
// them: int64, float64, string, []byte or nil) into table with COPY.
func (s *Store) ImportRows(ctx context.Context, table string, cols []string, rows [][]any) error {
	if !tableName.MatchString(table) {
		return fmt.Errorf("no table %q", table)
	}
	types := map[string]string{}
	r, err := s.pool.Query(ctx, `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`, table)
	if err != nil {
		return wrap("copying "+table, err)
	}
	for r.Next() {
		var c, t string
		if err := r.Scan(&c, &t); err != nil {
			r.Close()
			return wrap("copying "+table, err)
		}
		types[c] = t
	}
	r.Close()
	if err := r.Err(); err != nil {
		return wrap("copying "+table, err)
	}
	for _, c := range cols {
		if types[c] == "" {
			return fmt.Errorf("copying %s: the PostgreSQL store has no column %s (a newer embedded store?)", table, c)
		}
	}
	out := make([][]any, len(rows))
	for i, row := range rows {
		o := make([]any, len(row))
		for j, v := range row {
			if o[j], err = convert(v, types[cols[j]]); err != nil {
				return fmt.Errorf("copying %s, column %s: %w", table, cols[j], err)
			}
		}
		out[i] = o
	}
	_, err = s.pool.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(out))
	return wrap("copying "+table, err)
}

// convert turns a value of the embedded store into one for a column of type t.
func convert(v any, t string) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch t {
	case "bigint":
		switch x := v.(type) {
		case int64:
			return x, nil
		case bool:
			return int64(b2i(x)), nil
		case float64:
			return int64(x), nil
		case string:
			return strconv.ParseInt(x, 10, 64)
		case []byte:
			return strconv.ParseInt(string(x), 10, 64)
		}
	case "text":
		switch x := v.(type) {
		case string:
			return x, nil
		case []byte:
			return string(x), nil
		case int64:
			return strconv.FormatInt(x, 10), nil
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64), nil
		}
	case "bytea":
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return []byte(x), nil
		}
	}
	return nil, fmt.Errorf("a %T for a %s column", v, t)
}

// EndImport numbers new rows after the copied ones and reads the copied
// Signpost ID key.
func (s *Store) EndImport(ctx context.Context) error {
	for _, t := range identityTables {
		if _, err := s.pool.Exec(ctx, `SELECT setval(pg_get_serial_sequence('`+t+`', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM `+t); err != nil {
			return wrap("numbering after the copy", err)
		}
	}
	ids, err := loadIDCodec(ctx, s)
	if err != nil {
		return err
	}
	s.ids = ids
	s.records = sqlstore.NewRecords()
	s.Core.Search.Store(nil)
	return nil
}

func conflict(msg string) error {
	return &signpost.Error{Kind: signpost.KindConflict, Message: msg}
}

// TableDigest returns the number of rows of a table and the sum of their
// directory.RowDigest over the columns cols, in that order (the embedded
// store's; none: count only), to check a copy of a store.
func (s *Store) TableDigest(ctx context.Context, table string, cols []string) (n int64, sum uint64, err error) {
	if !tableName.MatchString(table) {
		return 0, 0, fmt.Errorf("no table %q", table)
	}
	list := "1"
	if len(cols) > 0 {
		list = ""
		for i, c := range cols {
			if i > 0 {
				list += ", "
			}
			list += pgx.Identifier{c}.Sanitize()
		}
	}
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return 0, 0, wrap("reading "+table, err)
	}
	defer tx.Rollback(ctx)
	rows, err := tx.Query(ctx, `SELECT `+list+` FROM `+table)
	if err != nil {
		return 0, 0, wrap("reading "+table, err)
	}
	defer rows.Close()
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return 0, 0, wrap("reading "+table, err)
		}
		n++
		if len(cols) > 0 {
			sum += directory.RowDigest(vals)
		}
	}
	return n, sum, wrap("reading "+table, rows.Err())
}
