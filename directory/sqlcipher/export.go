package sqlcipher

// Issue 17: reading the store table by table, for migrate-store (copying a
// directory to PostgreSQL).

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"

	"signpost/directory"
)

// DirectoryTables and AuditTables are the tables of the two files, in an
// order that copies parents before their children (and the audit in id
// order).
var (
	DirectoryTables = []string{"authorities", "organisations", "users", "devices", "sessions", "revoked_sessions",
		"children", "carers", "involvements", "lookups", "scope_log", "mutations", "alerts", "settings", "counters",
		"reviews", "daily_views", "shield_history",
		"notify_events", "notifications", "notification_mutes"} // the last three: issue 16
	AuditTables = []string{"audit", "audit_children", "audit_mutations", "access_counts"}
)

var tableName = regexp.MustCompile(`^[a-z_]+$`)

// ExportTable calls fn with the column names of a table of the store (one
// of DirectoryTables or AuditTables) and then each row, in one read
// transaction, ordered by the table's first column (its key).
func (s *Store) ExportTable(ctx context.Context, table string, fn func(cols []string, row []any) error) error {
	db := s.r
	for _, t := range AuditTables {
		if t == table {
			db = s.ar
		}
	}
	if !tableName.MatchString(table) {
		return fmt.Errorf("no table %q", table)
	}
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return wrap("reading the store", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT * FROM `+table+` ORDER BY 1`)
	if err != nil {
		return wrap("reading the store", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return wrap("reading the store", err)
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return wrap("reading the store", err)
		}
		if err := fn(cols, vals); err != nil {
			return err
		}
	}
	return wrap("reading the store", rows.Err())
}

// TableDigest returns a table's columns (none if it is empty), its number
// of rows and the sum of their directory.RowDigest, to check a copy.
func (s *Store) TableDigest(ctx context.Context, table string) (cols []string, n int64, sum uint64, err error) {
	err = s.ExportTable(ctx, table, func(c []string, row []any) error {
		cols = c
		n++
		sum += directory.RowDigest(row)
		return nil
	})
	return cols, n, sum, err
}
