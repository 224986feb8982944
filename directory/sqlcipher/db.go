// Package sqlcipher is the embedded directory store: one SQLCipher-encrypted
// SQLite file, keyed with a raw 256-bit key, with numbered embedded migrations,
// WAL and foreign keys. Writes go through one connection (so they never contend
// for the lock); reads use a pool.
package sqlcipher

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	gosync "sync"
	"time"

	sqlite3 "github.com/mutecomm/go-sqlcipher/v4"

	"signpost"
	"signpost/directory"
	"signpost/directory/sqlstore"
)

//go:embed migrations/*.sql audit_migrations/*.sql
var migrations embed.FS

const driverName = "sqlcipher-directory"

func init() {
	sql.Register(driverName, &sqlite3.SQLiteDriver{
		ConnectHook: func(c *sqlite3.SQLiteConn) error {
			// A sized page cache keeps encrypted reads close to plain ones; temp
			// tables stay in memory so nothing decrypted reaches a temp file.
			// cipher_memory_security (on by default in this SQLCipher) mlocks
			// every allocation: as root mlock never fails, the process's memory
			// map splinters into tens of thousands of areas, and at a million
			// children every allocation (Go's too) failed with ENOMEM. Off.
			_, err := c.Exec("PRAGMA cipher_memory_security = OFF; PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;", nil)
			return err
		},
	})
}

// Store is the SQLCipher implementation of directory.Store. It keeps two
// encrypted files under one key: the directory (children, users, devices,
// sync) and, beside it, the audit log (PATH without .db + "-audit.db").
type Store struct {
	path string
	w    *sql.DB // the one writer of the directory
	r    *sql.DB // its readers
	aw   *sql.DB // the one writer of the audit log
	ar   *sql.DB // its readers

	stmts gosync.Map // query → *sql.Stmt, prepared once per pool

	ids *signpost.IDCodec // serial → Signpost ID, keyed per store

	writes *combiner // the directory file's writes, combined
	// pendingAudit holds the audit events the writes of the transaction
	// being combined left, committed together just before it; only the
	// combiner's goroutine touches it.
	pendingAudit   []directory.AuditEvent
	records        *sqlstore.Records // whole child records as last read
	*sqlstore.Core                   // issue 17: the methods written once for both SQL stores (directory/sqlstore; core.go)
	limits         memTokens         // issue 17, shared limits (limits.go)

	// The audit file is written on every search. Its checkpoints (copying
	// the write-ahead log into the file, with two fsyncs) run on a
	// connection of their own, so no search waits for one.
	acp     *sql.DB
	acpStop chan struct{}
	acpDone chan struct{}
}

// prep returns a prepared statement for query on db, preparing it the first
// time. database/sql re-prepares it lazily on each pooled connection.
func (s *Store) prep(ctx context.Context, db *sql.DB, query string) (*sql.Stmt, error) {
	key := stmtKey{db, query}
	if st, ok := s.stmts.Load(key); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.stmts.LoadOrStore(key, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

type stmtKey struct {
	db    *sql.DB
	query string
}

// calm returns ctx without its cancellation. The driver runs every row step
// of a cancellable query in a goroutine of its own (to interrupt it on
// cancel); for the short reads of the hot paths that cost more than the
// query, so they check for cancellation once, up front, and run calm.
func calm(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

// queryRow runs a prepared single-row read on the reader pool.
func (s *Store) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = calm(ctx)
	st, err := s.prep(ctx, s.r, query)
	if err != nil {
		// A bad statement is a programming error; let the query report it.
		return s.r.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

var _ directory.Store = (*Store)(nil)

// KeySize is the length of the raw store key in bytes.
const KeySize = 32

// LoadOrCreateKey reads a hex key from path, or creates one with mode 0600 if
// the file does not exist.
func LoadOrCreateKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key := make([]byte, KeySize)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("making a store key: %w", err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("making the key file's folder: %w", err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("creating key file %s: %w", path, err)
		}
		if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
			f.Close()
			return nil, fmt.Errorf("writing key file %s: %w", path, err)
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, fmt.Errorf("writing key file %s: %w", path, err)
		}
		return key, f.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("reading key file %s: %w", path, err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != KeySize {
		return nil, fmt.Errorf("key file %s must hold %d hex digits (a %d-bit key)", path, 2*KeySize, 8*KeySize)
	}
	return key, nil
}

// The key file and the store file in a data folder (see OpenDir).
const (
	keyFileName = "store.key"
	fileName    = "directory.db"
)

// OpenDir opens (creating if needed) the store in the data folder dir with
// the key in keyFile, or in dir's store.key when keyFile is "" (created 0600
// if absent). The folder is made 0700 if it does not exist.
func OpenDir(ctx context.Context, dir, keyFile string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("making data folder %s: %w", dir, err)
	}
	if keyFile == "" {
		keyFile = filepath.Join(dir, keyFileName)
	}
	key, err := LoadOrCreateKey(keyFile)
	if err != nil {
		return nil, &signpost.Error{Kind: signpost.KindInvalid, Message: err.Error(), Err: err}
	}
	return Open(ctx, filepath.Join(dir, fileName), key)
}

// Open opens (creating if needed) the store file at path, and the audit file
// beside it, with the raw key and brings their schemas up to date.
func Open(ctx context.Context, path string, key []byte) (*Store, error) {
	if len(key) != KeySize {
		// A key of the wrong length would silently be taken as a passphrase.
		return nil, fmt.Errorf("store key must be %d bytes, got %d", KeySize, len(key))
	}
	s := &Store{path: path, records: sqlstore.NewRecords()}
	var err error
	if s.w, s.r, err = openFile(ctx, path, key, "migrations", 4, 4096); err != nil {
		return nil, err
	}
	s.writes = newCombiner(s.w)
	s.writes.before = s.commitPendingAudit
	s.writes.mark = func() int { return len(s.pendingAudit) }
	s.writes.undo = func(n int) { s.pendingAudit = s.pendingAudit[:n] }
	s.writes.start()
	if s.aw, s.ar, err = openFile(ctx, AuditPath(path), key, "audit_migrations", 2, 1024); err != nil {
		s.writes.close()
		s.w.Close()
		s.r.Close()
		return nil, err
	}
	if err := s.startCheckpointer(ctx, AuditPath(path), key); err != nil {
		s.writes.close()
		s.w.Close()
		s.r.Close()
		s.aw.Close()
		s.ar.Close()
		return nil, err
	}
	s.initCore() // issue 17, slice hdedup
	if s.ids, err = loadIDCodec(ctx, s.w); err != nil {
		s.Close()
		return nil, translateOpen(path, err)
	}
	return s, nil
}

// idKeySetting holds the store's Signpost ID key (64 hex digits), or
// "none" for a store that issued IDs in order before they were scrambled.
const idKeySetting = "signpost_id_key"

// loadIDCodec reads the store's Signpost ID key, making one for a store
// that has none yet. A store that already holds children without a key
// issued its IDs in order, and goes on doing so (scrambling now could give
// a new child the ID of an old one).
func loadIDCodec(ctx context.Context, w *sql.DB) (*signpost.IDCodec, error) {
	var v string
	err := inTx(ctx, w, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, idKeySetting).Scan(&v)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var any int
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM children)`).Scan(&any); err != nil {
			return err
		}
		v = "none"
		if any == 0 {
			key := make([]byte, 32)
			if _, err := rand.Read(key); err != nil {
				return err
			}
			v = hex.EncodeToString(key)
		}
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

// commitPendingAudit commits the audit events the combined writes left, in
// one transaction of the audit file, before their own commit: if the
// directory dies between the two, a device's replay finds its events there
// (by mutation id) and they are not recorded twice.
func (s *Store) commitPendingAudit(ctx context.Context) error {
	if len(s.pendingAudit) == 0 {
		return nil
	}
	evs := s.pendingAudit
	s.pendingAudit = nil
	return inTx(ctx, s.aw, func(tx *sql.Tx) error { return insertAudit(ctx, tx, evs) })
}

// IDCodec returns how this store turns serials into Signpost IDs.
func (s *Store) IDCodec() *signpost.IDCodec { return s.ids }

// startCheckpointer turns off the audit writer's own checkpoints and runs
// them twice a second from a separate connection instead (a passive
// checkpoint never blocks the writer).
func (s *Store) startCheckpointer(ctx context.Context, path string, key []byte) error {
	if _, err := s.aw.ExecContext(ctx, `PRAGMA wal_autocheckpoint = 0`); err != nil {
		return fmt.Errorf("opening store %s: %w", path, err)
	}
	db, err := sql.Open(driverName, dsn(path, key, 1024))
	if err != nil {
		return fmt.Errorf("opening store %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxIdleTime(0)
	s.acp, s.acpStop, s.acpDone = db, make(chan struct{}), make(chan struct{})
	go func() {
		defer close(s.acpDone)
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-s.acpStop:
				return
			case <-t.C:
				// A failure is retried at the next tick; the log only grows meanwhile.
				_, _ = db.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
			}
		}
	}()
	return nil
}

// AuditPath returns the path of the audit file that goes with a store file.
func AuditPath(path string) string { return strings.TrimSuffix(path, ".db") + "-audit.db" }

// openFile opens one encrypted file as a single writer and a pool of readers,
// migrating it with the numbered scripts in dir.
func openFile(ctx context.Context, path string, key []byte, dir string, readers, pageSize int) (w, r *sql.DB, err error) {
	// Create the file ourselves so it is private: SQLite would use 0644, and
	// gives the -wal and -shm files the database file's permissions.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	f.Close()
	base := dsn(path, key, pageSize)
	w, err = sql.Open(driverName, base+"&_txlock=immediate")
	if err != nil {
		return nil, nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, nil, translateOpen(path, err)
	}
	if err := migrate(ctx, w, dir); err != nil {
		w.Close()
		return nil, nil, translateOpen(path, err)
	}
	if dir == "migrations" {
		if err := ensureIndexes(ctx, w); err != nil {
			w.Close()
			return nil, nil, translateOpen(path, err)
		}
	}
	r, err = sql.Open(driverName, base+"&_query_only=1")
	if err != nil {
		w.Close()
		return nil, nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)
	r.SetConnMaxIdleTime(0)
	return w, r, nil
}

// dsn is the driver's name for an encrypted file.
func dsn(path string, key []byte, pageSize int) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + url.Values{
		"_pragma_key":   {"x'" + hex.EncodeToString(key) + "'"},
		"_journal_mode": {"WAL"},
		"_foreign_keys": {"1"},
		"_busy_timeout": {"10000"},
		"_synchronous":  {"NORMAL"},
		// Fixed when the file is made; every open must give the same.
		"_pragma_cipher_page_size": {strconv.Itoa(pageSize)},
	}.Encode()
}

func translateOpen(path string, err error) error {
	if strings.Contains(err.Error(), "file is not a database") {
		return &signpost.Error{Kind: signpost.KindForbidden, Message: fmt.Sprintf("the key does not open the store %s (wrong key file, or not a Signpost store)", path), Err: err}
	}
	return fmt.Errorf("opening store %s: %w", path, err)
}

// Close closes the store.
func (s *Store) Close() error {
	s.writes.close()
	close(s.acpStop)
	<-s.acpDone
	s.stmts.Range(func(_, v any) bool { v.(*sql.Stmt).Close(); return true })
	// The last checkpoint, by the writer, before it closes.
	_, _ = s.aw.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
	return errors.Join(s.acp.Close(), s.r.Close(), s.w.Close(), s.ar.Close(), s.aw.Close())
}

// Ping reports whether the store answers.
func (s *Store) Ping(ctx context.Context) error {
	var n int
	if err := s.r.QueryRowContext(ctx, "SELECT 1").Scan(&n); err != nil {
		return signpost.Internal("checking the store", err)
	}
	return nil
}

// broadcast wakes the long-polls after a committed change.
func (s *Store) broadcast() { s.Wake() }

func migrate(ctx context.Context, w *sql.DB, dir string) error {
	if _, err := w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return err
	}
	var current int
	if err := w.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return err
	}
	names, err := fs.Glob(migrations, dir+"/*.sql")
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
		err = inTx(ctx, w, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", name, err)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, v, ts(time.Now()))
			return err
		})
		if err != nil {
			return err
		}
	}
	if current > latest {
		return &signpost.Error{Kind: signpost.KindConflict, Message: fmt.Sprintf("the store was written by a newer Signpost (schema %d; this program knows up to %d)", current, latest)}
	}
	return nil
}

// write runs fn in a write transaction of the directory file, shared with
// the other writes waiting at the time (see combiner).
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.writes.do(ctx, fn)
}

func inTx(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// read runs fn in one read transaction (a consistent snapshot).
func (s *Store) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(tx)
}

// nextSeq advances the change sequence inside a write transaction.
func nextSeq(ctx context.Context, tx *sql.Tx) (int64, error) {
	if _, err := tx.ExecContext(ctx, `UPDATE counters SET value = value + 1 WHERE name = 'seq'`); err != nil {
		return 0, err
	}
	var n int64
	err := tx.QueryRowContext(ctx, `SELECT value FROM counters WHERE name = 'seq'`).Scan(&n)
	return n, err
}

// wrap turns an error into a *signpost.Error (see sqlstore.WrapWith): a
// unique constraint failed is a conflict.
func wrap(doing string, err error) error { return sqlstore.WrapWith(doing, err, engineError) }

func engineError(doing string, err error) error {
	if strings.Contains(err.Error(), "UNIQUE constraint failed") {
		return &signpost.Error{Kind: signpost.KindConflict, Message: "that already exists (" + doing + ")", Err: err}
	}
	return nil
}
