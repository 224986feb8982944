// Package postgres is the directory store on PostgreSQL 15+ (issue 17), for an
// operator who outgrows one machine: several directory instances in front of
// one database, none holding state another needs.
//
// It keeps the embedded store's schema and semantics (directory/sqlcipher;
// both pass directory/storetest): the connections come from a pgx pool
// (github.com/jackc/pgx/v5/pgxpool), every call carries its context,
// statements are prepared and cached per connection by pgx, and the schema
// is brought up to date by numbered embedded migrations, each in its own
// transaction, recorded in schema_migrations.
//
// Writes take one transaction-scoped advisory lock, so they are applied one
// at a time across every instance, as the embedded store's single writer
// applies them: change numbers are committed in order (a pull never skips
// one committed late), a pushed mutation id is recorded with its result in
// the transaction that applies it (a replay through any instance finds it),
// and the TOTP step, serials and counts are read and written atomically.
// Commits that concern long-polls are announced with NOTIFY; every instance
// LISTENs and wakes its own waiters.
package postgres

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"signpost"
	"signpost/directory"
	"signpost/directory/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// channel is the NOTIFY channel of committed changes.
const channel = "signpost_changed"

// writeLock is the advisory lock every write transaction holds.
const writeLock = 0x5349474e // "SIGN"

// Store is the PostgreSQL implementation of directory.Store.
type Store struct {
	pool *pgxpool.Pool
	db   *sql.DB // over pool, with ? placeholders (conn.go)
	// The embedded store's names for its writer, readers and audit file:
	// here all one database.
	w, r, aw, ar *sql.DB

	ids            *signpost.IDCodec
	records        *sqlstore.Records
	*sqlstore.Core // issue 17: the methods written once for both SQL stores (directory/sqlstore; core.go)

	listenStop context.CancelFunc
	listenDone chan struct{}
}

var _ directory.Store = (*Store)(nil)

// Open connects to the database at url (a postgres:// URL or key=value
// string), brings its schema up to date and starts listening for the
// changes other instances commit.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, &signpost.Error{Kind: signpost.KindInvalid, Message: "the PostgreSQL URL cannot be read: " + redactErr(err), Err: err}
	}
	if !strings.Contains(url, "pool_max_conns") {
		// pgx's default (the number of CPUs, at least 4) is too few for a
		// directory whose long-polls, searches and pushes overlap; one
		// connection is held by LISTEN.
		cfg.MaxConns = 16
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, &signpost.Error{Kind: signpost.KindUnavailable, Message: "PostgreSQL does not answer: " + redactErr(err), Err: err}
	}
	db := sql.OpenDB(connector{stdlib.GetPoolConnector(pool)})
	db.SetMaxIdleConns(0) // the pgx pool keeps the connections
	s := &Store{pool: pool, db: db, w: db, r: db, aw: db, ar: db, records: sqlstore.NewRecords()}
	s.initCore() // issue 17, slice hdedup
	if err := migrate(ctx, db); err != nil {
		db.Close()
		pool.Close()
		return nil, err
	}
	if s.ids, err = loadIDCodec(ctx, s); err != nil {
		db.Close()
		pool.Close()
		return nil, err
	}
	lctx, cancel := context.WithCancel(context.Background())
	s.listenStop, s.listenDone = cancel, make(chan struct{})
	ready := make(chan error, 1)
	go s.listen(lctx, ready)
	if err := <-ready; err != nil {
		cancel()
		<-s.listenDone
		db.Close()
		pool.Close()
		return nil, fmt.Errorf("listening for changes: %w", err)
	}
	return s, nil
}

// redactErr is an error's text without the password a URL may carry.
func redactErr(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "password="); i >= 0 {
		j := strings.IndexAny(msg[i:], " &")
		if j < 0 {
			j = len(msg) - i
		}
		msg = msg[:i] + "password=xxxxx" + msg[i+j:]
	}
	return msg
}

// listen holds one connection LISTENing on the change channel and wakes
// this instance's waiters at each notification (its own commits' too: a
// spurious wake-up costs a look). A lost connection is replaced, and the
// waiters woken, since a notification may have been missed meanwhile.
func (s *Store) listen(ctx context.Context, ready chan<- error) {
	defer close(s.listenDone)
	first := true
	for {
		c, err := s.pool.Acquire(ctx)
		if err == nil {
			if _, err = c.Exec(ctx, "LISTEN "+channel); err != nil {
				c.Release()
			}
		}
		if first {
			ready <- err
			first = false
			if err != nil {
				return
			}
		}
		if err == nil {
			for {
				var n *pgconn.Notification
				if n, err = c.Conn().WaitForNotification(ctx); err != nil {
					break
				}
				if n.Payload == accountsPayload {
					s.records.AccountsChanged()
				}
				s.Wake()
			}
			// The connection may be mid-wait: close it rather than reuse it.
			_ = c.Conn().Close(context.Background())
			c.Release()
		}
		if ctx.Err() != nil {
			return
		}
		s.records.AccountsChanged() // a notification may have been missed
		s.Wake()
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// idKeySetting holds the store's Signpost ID key (64 hex digits).
const idKeySetting = "signpost_id_key"

func loadIDCodec(ctx context.Context, s *Store) (*signpost.IDCodec, error) {
	var v string
	err := s.write(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, idKeySetting).Scan(&v)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return err
		}
		v = hex.EncodeToString(key)
		_, err = tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)`, idKeySetting, v)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading the Signpost ID key: %w", err)
	}
	if v == "none" {
		return signpost.NewIDCodec(nil), nil
	}
	key, err := hex.DecodeString(v)
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("the store's Signpost ID key is damaged")
	}
	return signpost.NewIDCodec(key), nil
}

// IDCodec returns how this store turns serials into Signpost IDs.
func (s *Store) IDCodec() *signpost.IDCodec { return s.ids }

// Close stops listening and closes the pool.
func (s *Store) Close() error {
	s.listenStop()
	<-s.listenDone
	err := s.db.Close()
	s.pool.Close()
	return err
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return wrap("checking the store", err)
	}
	return nil
}

// broadcast wakes this instance's waiters at once and the other instances'
// through NOTIFY (a failure to notify costs them only their poll's timeout).
func (s *Store) broadcast() {
	s.Wake()
	_, _ = s.pool.Exec(context.Background(), `SELECT pg_notify($1, '')`, channel)
}

// accountsPayload is the NOTIFY payload of a change to what whole child
// records show of accounts, organisations and authorities: every instance
// empties its cache of records (records.go).
const accountsPayload = "accounts"

// accountsChanged empties this instance's cache of records and the others'.
func (s *Store) accountsChanged() {
	s.records.AccountsChanged()
	_, _ = s.pool.Exec(context.Background(), `SELECT pg_notify($1, $2)`, channel, accountsPayload)
}

func migrate(ctx context.Context, db *sql.DB) error {
	// Two instances starting together: one migrates, the other waits.
	c, err := db.Conn(ctx)
	if err != nil {
		return wrap("migrating the store", err)
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, `SELECT pg_advisory_lock(?)`, writeLock+1); err != nil {
		return wrap("migrating the store", err)
	}
	defer c.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(?)`, writeLock+1)
	// A role that may not create tables (the directory's, once the owner
	// has migrated) finds the table there and creates nothing.
	var have bool
	if err := c.QueryRowContext(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&have); err != nil {
		return wrap("migrating the store", err)
	}
	if !have {
		if _, err := c.ExecContext(ctx, `CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
			return wrap("migrating the store", err)
		}
	}
	var current int
	if err := c.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return wrap("migrating the store", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	latest := 0
	for _, name := range names {
		v, err := strconv.Atoi(strings.SplitN(filepath.Base(name), "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s has no number", name)
		}
		latest = max(latest, v)
		if v <= current {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		tx, err := c.BeginTx(ctx, nil)
		if err != nil {
			return wrap("migrating the store", err)
		}
		// A script without arguments runs in the simple protocol, which
		// takes several statements.
		_, err = tx.ExecContext(ctx, string(body))
		if err == nil {
			_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, v, ts(time.Now()))
		}
		if err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	if current > latest {
		return &signpost.Error{Kind: signpost.KindConflict, Message: fmt.Sprintf("the store was written by a newer Signpost (schema %d; this program knows up to %d)", current, latest)}
	}
	return nil
}

// calm returns ctx without its cancellation (the embedded store's reads run
// calm for its driver's sake; here a cancelled read simply stops).
func calm(ctx context.Context) context.Context { return ctx }

// queryRow runs a single-row read.
func (s *Store) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return s.db.QueryRowContext(ctx, query, args...)
}

// write runs fn in a write transaction holding the store's write lock.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return inTx(ctx, s.db, fn)
}

func inTx(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, writeLock); err != nil {
		tx.Rollback()
		return err
	}
	if err := runSafely(fn, tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// appendTx runs fn in a transaction without the write lock: for appends
// (the audit, the day's counts) that no change number orders.
func appendTx(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := runSafely(fn, tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// runSafely runs fn, turning a panic into an error.
func runSafely(fn func(tx *sql.Tx) error, tx *sql.Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("a write failed: %v", r)
		}
	}()
	return fn(tx)
}

// read runs fn in one read-only transaction on one snapshot.
func (s *Store) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(tx)
}

// nextSeq advances the change sequence inside a write transaction.
func nextSeq(ctx context.Context, tx *sql.Tx) (int64, error) {
	var n int64
	err := tx.QueryRowContext(ctx, `UPDATE counters SET value = value + 1 WHERE name = 'seq' RETURNING value`).Scan(&n)
	return n, err
}

// wrap turns an error into a *signpost.Error (see sqlstore.WrapWith): a
// unique violation is a conflict, no rows is not found, a lost database is
// unavailable.
func wrap(doing string, err error) error { return sqlstore.WrapWith(doing, err, engineError) }

func engineError(doing string, err error) error {
	if errors.Is(err, sql.ErrNoRows) || errors.Is(err, pgx.ErrNoRows) {
		return &signpost.Error{Kind: signpost.KindNotFound, Message: "that was not found (" + doing + ")", Err: err}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505": // unique_violation
			return &signpost.Error{Kind: signpost.KindConflict, Message: "that already exists (" + doing + ")", Err: err}
		case strings.HasPrefix(pe.Code, "08"), pe.Code == "57P01", pe.Code == "57P03", pe.Code == "53300":
			return &signpost.Error{Kind: signpost.KindUnavailable, Message: "the database is unavailable while " + doing, Err: err}
		}
	}
	if pgconn.Timeout(err) || errors.Is(err, driver.ErrBadConn) {
		return &signpost.Error{Kind: signpost.KindUnavailable, Message: "the database is unavailable while " + doing, Err: err}
	}
	return nil
}
