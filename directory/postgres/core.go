package postgres

// Issue 17: the store methods shared with the other SQL store are written
// once in directory/sqlstore, and the Store embeds its sqlstore.Core; these
// are this store's dialect and the hooks the Core calls.

import (
	"context"
	"database/sql"

	"signpost/directory"
	"signpost/directory/sqlstore"
)

// dialect is how this store's engine spells what the two stores differ in.
var dialect = sqlstore.Dialect{
	NextSeq:      nextSeq,
	Wrap:         wrap,
	CountIf:      func(cond string) string { return "count(*) FILTER (WHERE " + cond + ")" },
	Greatest:     func(a, b string) string { return "GREATEST(" + a + ", " + b + ")" },
	Bool:         func(expr string) string { return "(" + expr + ")::int" },
	GroupConcat:  func(expr string) string { return "string_agg(" + expr + ", ',')" },
	ILike:        "ILIKE",
	InsertIgnore: func(insert string) string { return insert + " ON CONFLICT DO NOTHING" },
	InsertID: func(ctx context.Context, tx *sql.Tx, insert string, args ...any) (int64, error) {
		var id int64
		err := tx.QueryRowContext(ctx, insert+" RETURNING id", args...).Scan(&id)
		return id, err
	},
	ReturningID: " RETURNING id",
	ExecID: func(ctx context.Context, ins *sql.Stmt, args ...any) (int64, error) {
		var id int64
		err := ins.QueryRowContext(ctx, args...).Scan(&id)
		return id, err
	},
}

// initCore sets up the shared methods once the databases are open.
func (s *Store) initCore() {
	s.Core = &sqlstore.Core{Dialect: dialect, R: s.r, AR: s.ar, Write: s.write, Broadcast: s.broadcast,
		Read: s.read, Calm: calm, IDs: s.IDCodec, InsertCreates: createChildren, UpdateSQL: updateSQL,
		Pushed: s.pushed, QueryRow: s.queryRow, Query: s.QueryContext, MarkDelivered: markDelivered, AccountsChanged: s.accountsChanged,
		Cache: func() *sqlstore.Records { return s.records }, AuditTx: func(ctx context.Context, fn func(tx *sql.Tx) error) error { return appendTx(ctx, s.aw, fn) }}
}

// pushed records a push's offline view events in the push's transaction
// (a replay through any instance finds them there).
func (s *Store) pushed(ctx context.Context, tx *sql.Tx, evs []directory.AuditEvent) error {
	return insertAudit(ctx, tx, evs)
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
