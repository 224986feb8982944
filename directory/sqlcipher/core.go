package sqlcipher

// Issue 17: the store methods shared with the other SQL store are written
// once in directory/sqlstore, and the Store embeds its sqlstore.Core; these
// are this store's dialect and the hooks the Core calls.

import (
	"context"
	"database/sql"
	"strings"

	"signpost/directory"
	"signpost/directory/sqlstore"
)

// dialect is how this store's engine spells what the two stores differ in.
var dialect = sqlstore.Dialect{
	NextSeq:      nextSeq,
	Wrap:         wrap,
	CountIf:      func(cond string) string { return "COALESCE(sum(" + cond + "), 0)" },
	Greatest:     func(a, b string) string { return "MAX(" + a + ", " + b + ")" },
	Bool:         func(expr string) string { return expr },
	GroupConcat:  func(expr string) string { return "group_concat(" + expr + ")" },
	ILike:        "LIKE",
	InsertIgnore: func(insert string) string { return strings.Replace(insert, "INSERT INTO", "INSERT OR IGNORE INTO", 1) },
	InsertID: func(ctx context.Context, tx *sql.Tx, insert string, args ...any) (int64, error) {
		res, err := tx.ExecContext(ctx, insert, args...)
		if err != nil {
			return 0, err
		}
		return res.LastInsertId()
	},
	ExecID: func(ctx context.Context, ins *sql.Stmt, args ...any) (int64, error) {
		res, err := ins.ExecContext(ctx, args...)
		if err != nil {
			return 0, err
		}
		id, _ := res.LastInsertId()
		return id, nil
	},
}

// initCore sets up the shared methods once the databases are open.
func (s *Store) initCore() {
	s.Core = &sqlstore.Core{Dialect: dialect, R: s.r, AR: s.ar, Write: s.write, Broadcast: s.broadcast,
		Read: s.read, Calm: calm, IDs: s.IDCodec, InsertCreates: dialect.InsertChildren, UpdateSQL: updateSQL,
		Pushed: s.pushed, QueryRow: s.queryRow, Query: s.QueryContext, MarkDelivered: markDelivered, AccountsChanged: func() { s.records.AccountsChanged() },
		Cache: func() *sqlstore.Records { return s.records }, AuditTx: func(ctx context.Context, fn func(tx *sql.Tx) error) error { return inTx(ctx, s.aw, fn) }}
}

// pushed leaves a push's offline view events to be committed to the audit
// file first, keyed by mutation id, with those of the other writes combined
// with the push (see commitPendingAudit).
func (s *Store) pushed(ctx context.Context, tx *sql.Tx, evs []directory.AuditEvent) error {
	s.pendingAudit = append(s.pendingAudit, evs...)
	return nil
}

// The shared helpers of a change, as this store's code calls them.
var (
	logScope          = dialect.LogScope
	touchChild        = dialect.TouchChild
	inScope           = dialect.InScope
	insertInvolvement = dialect.InsertInvolvement
	logNotify         = sqlstore.LogNotify
)

type rowScanner = sqlstore.RowScanner

const scopeEnter = sqlstore.ScopeEnter

var (
	nullable = sqlstore.Nullable
	ts       = sqlstore.TS
	parseTS  = sqlstore.ParseTS
	b2i      = sqlstore.B2I
	notFound = sqlstore.NotFound
)
