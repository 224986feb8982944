// Package sqlstore holds the store code the embedded store
// (directory/sqlcipher) and the PostgreSQL store (directory/postgres) share:
// each rule written once over database/sql, with a small Dialect for what
// the two engines spell differently (issue 17, slice hdedup).
//
// Both stores write their SQL with ? placeholders (the PostgreSQL store's
// connector rewrites them), so most statements are the same text on both.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync/atomic"
	"time"

	"signpost"
	"signpost/directory"
)

// Dialect is what differs between the two stores' engines.
type Dialect struct {
	// NextSeq advances the change sequence inside a write transaction
	// (PostgreSQL reads it back with RETURNING).
	NextSeq func(ctx context.Context, tx *sql.Tx) (int64, error)
	// Wrap turns an engine's error into a *signpost.Error.
	Wrap func(doing string, err error) error
	// CountIf is an aggregate counting the rows where cond holds (0 when
	// none do).
	CountIf func(cond string) string
	// Greatest is the larger of two values (SQLite's scalar max).
	Greatest func(a, b string) string
	// Bool is a boolean expression as the integer 0 or 1.
	Bool func(expr string) string
	// GroupConcat joins the texts of an aggregate with commas.
	GroupConcat func(expr string) string
	// ILike is the operator of a case-insensitive LIKE.
	ILike string
	// InsertIgnore makes an INSERT INTO statement insert nothing where a
	// row would break a unique key (SQLite's INSERT OR IGNORE).
	InsertIgnore func(insert string) string
	// InsertID runs an INSERT of one row and returns the row's id (SQLite
	// 3.33 has no RETURNING; PostgreSQL has no LastInsertId).
	InsertID func(ctx context.Context, tx *sql.Tx, insert string, args ...any) (int64, error)
	// ReturningID ends a prepared INSERT whose ExecID returns the row's id
	// ("" on SQLite, which has LastInsertId).
	ReturningID string
	ExecID      func(ctx context.Context, ins *sql.Stmt, args ...any) (int64, error)
}

// Core is what the shared store methods need of a concrete store.
type Core struct {
	Dialect
	R  *sql.DB // reads of the directory
	AR *sql.DB // reads of the audit
	// Write runs fn in one write transaction, begun as the store begins
	// its writes (the embedded store combines them; the PostgreSQL store
	// takes its advisory lock).
	Write func(ctx context.Context, fn func(tx *sql.Tx) error) error
	// Broadcast wakes the long-polls after a committed change.
	Broadcast func()

	changes changes // what Changed returns (changed.go)

	// The search index (searchindex.go): nil until BuildSearchIndex.
	Search atomic.Pointer[SearchIndex]
	// Read runs fn in one read transaction (a consistent snapshot).
	Read func(ctx context.Context, fn func(tx *sql.Tx) error) error
	// Calm is the context a refresh of the search index reads with.
	Calm func(context.Context) context.Context

	// What the shared Push, Pull, children and notifications (sync.go,
	// children.go, notify.go) take of the store.
	//
	// Pushed records the offline view events a push left, keyed by
	// mutation id, as part of tx (the PostgreSQL store inserts them in tx;
	// the embedded store commits them to its audit file just before tx).
	Pushed func(ctx context.Context, tx *sql.Tx, evs []directory.AuditEvent) error
	// QueryRow and Query run a short read on the readers (the embedded
	// store's as cached prepared statements).
	QueryRow func(ctx context.Context, query string, args ...any) *sql.Row
	Query    func(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	// Cache is the store's cache of whole child records (replaced by the
	// PostgreSQL store's import).
	Cache func() *Records
	// IDs is how the store turns serials into Signpost IDs (read once it is
	// open).
	IDs func() *signpost.IDCodec
	// InsertCreates stores a feed batch's new children (feeds.go): each
	// store's own step, Dialect.InsertChildren unless it has a faster one.
	InsertCreates func(ctx context.Context, tx *sql.Tx, cs []directory.NewChild, auths map[string]int64) error
	// UpdateSQL is the statement that applies a feed's update to a child
	// (feeds.go; each engine's spelling of "is distinct from").
	UpdateSQL string
	// AccountsChanged empties the records cache (and, on PostgreSQL, the
	// other instances') after a change to what records show of accounts.
	AccountsChanged func()
	// AuditTx runs fn in a transaction of the audit, without the write
	// lock (for appends no change number orders).
	AuditTx func(ctx context.Context, fn func(tx *sql.Tx) error) error
	// MarkDelivered marks the notifications ids delivered at at (issue 16).
	MarkDelivered func(ctx context.Context, tx *sql.Tx, ids []int64, at time.Time) error
}

// Querier is a database or a transaction.
type Querier interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

// TS is the stored form of a time.
func TS(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// ParseTS reads a stored time (zero when empty).
func ParseTS(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// NotFound is the error of a thing that is not there.
func NotFound(what string) error {
	return &signpost.Error{Kind: signpost.KindNotFound, Message: what + " was not found"}
}

// ScopeUsers lists every user who has had the child in scope.
func ScopeUsers(ctx context.Context, tx *sql.Tx, childID int64) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT user_id FROM scope_log WHERE child_id = ?`, childID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var users []int64
	for rows.Next() {
		var u int64
		if err := rows.Scan(&u); err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	return users, rows.Err()
}

// LogScope records a change to a user's scope at a new change number.
func (d Dialect) LogScope(ctx context.Context, tx *sql.Tx, userID, childID int64, event string) error {
	seq, err := d.NextSeq(ctx, tx)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO scope_log (seq, user_id, child_id, event) VALUES (?, ?, ?, ?)`, seq, userID, childID, event)
	return err
}

// WrapWith turns an error into a *signpost.Error: one already is, a
// cancelled or timed-out request is unavailable, then engine's reading of
// the error (nil when it has none), and anything else internal (never the
// SQL error's text).
func WrapWith(doing string, err error, engine func(doing string, err error) error) error {
	if err == nil {
		return nil
	}
	var de *signpost.Error
	if errors.As(err, &de) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &signpost.Error{Kind: signpost.KindUnavailable, Message: "the request was cancelled or took too long while " + doing, Err: err}
	}
	if e := engine(doing, err); e != nil {
		return e
	}
	return signpost.Internal(doing, err)
}
