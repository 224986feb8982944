package localstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	sqlite3 "github.com/mutecomm/go-sqlcipher/v4"

	"signpost"
)

//go:embed migrations/*.sql
var migrations embed.FS

// driverName is this package's own registration of the SQLCipher driver; the
// directory registers another, and nobody registers "sqlite3".
const driverName = "sqlcipher-localstore"

var cipherDriver = &sqlite3.SQLiteDriver{
	ConnectHook: func(c *sqlite3.SQLiteConn) error {
		// A sized page cache keeps encrypted reads close to plain ones: 8 MiB of
		// decrypted pages, held in C memory the Go heap limit does not see, is
		// four times a 500-child caseload's whole file (SQLCipher's 64 MiB
		// would grow with every record read, the cache's lifetime). Temporary
		// tables and sort spills stay in memory, so nothing decrypted reaches a
		// temp file. secure_delete zeroes freed cells, so a purged record does
		// not linger (even encrypted) in free pages.
		_, err := c.Exec("PRAGMA cache_size = -8192; PRAGMA temp_store = MEMORY; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;", nil)
		return err
	},
}

func init() { sql.Register(driverName, cipherDriver) }

// connector opens connections with the raw data key. It builds the DSN only
// when a connection is made, so the sql.DB does not hold the key as a string
// for its whole life. A nil key opens the file unencrypted (benchmarks only).
type connector struct {
	path string
	key  []byte
}

func (c *connector) dsn() string {
	q := url.Values{
		"_journal_mode": {"WAL"},
		"_synchronous":  {"FULL"},
		"_foreign_keys": {"1"},
		"_busy_timeout": {"5000"},
	}
	if c.key != nil {
		// A raw key in x'…' form: SQLCipher uses it as is and skips its own KDF.
		q.Set("_pragma_key", "x'"+hex.EncodeToString(c.key)+"'")
	}
	return "file:" + (&url.URL{Path: c.path}).EscapedPath() + "?" + q.Encode()
}

func (c *connector) Connect(context.Context) (driver.Conn, error) { return cipherDriver.Open(c.dsn()) }
func (c *connector) Driver() driver.Driver                        { return cipherDriver }

// openDB opens the cache database at path with the data key, checks that the
// key opens it, and brings the schema up to date. A cache from a newer schema
// is refused before anything is written.
func openDB(ctx context.Context, path string, key []byte) (*sql.DB, error) {
	if len(key) != KeySize {
		// SQLCipher would silently take a raw key of another length as a passphrase.
		return nil, signpost.Internal("opening this laptop's Signpost data", fmt.Errorf("data key is %d bytes, want %d", len(key), KeySize))
	}
	return openConn(ctx, &connector{path: path, key: key})
}

func openConn(ctx context.Context, c *connector) (*sql.DB, error) {
	db := sql.OpenDB(c)
	// One connection: writes never contend for the lock, and a transaction
	// always sees its own writes. The cache serves one person.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := checkDB(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// checkDB reads the schema, which fails if the key does not decrypt the file.
func checkDB(ctx context.Context, db *sql.DB) error {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master`).Scan(&n); err != nil {
		return dbErr("opening this laptop's Signpost data", err)
	}
	return nil
}

type migration struct {
	version int
	name    string
}

func migrationList() ([]migration, error) {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var ms []migration
	for _, name := range names {
		v, err := strconv.Atoi(strings.SplitN(filepath.Base(name), "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %s has no number", name)
		}
		ms = append(ms, migration{v, name})
	}
	return ms, nil
}

// migrate applies the embedded migrations that the database has not seen,
// each in its own transaction.
func migrate(ctx context.Context, db *sql.DB) error {
	ms, err := migrationList()
	if err != nil {
		return signpost.Internal("reading the layout of this laptop's Signpost data", err)
	}
	latest := 0
	for _, m := range ms {
		latest = max(latest, m.version)
	}
	var exists int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&exists); err != nil {
		return dbErr("reading the layout of this laptop's Signpost data", err)
	}
	current := 0
	if exists > 0 {
		if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
			return dbErr("reading the layout of this laptop's Signpost data", err)
		}
	}
	if current > latest {
		return &signpost.Error{Kind: signpost.KindConflict, Message: fmt.Sprintf(
			"this laptop's Signpost data was written by a newer version of Signpost (schema %d; this app knows up to %d); update the app to open it", current, latest)}
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		body, err := migrations.ReadFile(m.name)
		if err != nil {
			return signpost.Internal("reading the layout of this laptop's Signpost data", err)
		}
		err = inTx(ctx, db, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, m.version, ts(time.Now()))
			return err
		})
		if err != nil {
			return dbErr("updating the layout of this laptop's Signpost data", err)
		}
	}
	return nil
}

// inTx runs fn in one transaction and commits it.
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

// tsLayout has fixed width, so stored times sort as strings.
const tsLayout = "2006-01-02T15:04:05.000000000Z"

func ts(t time.Time) string { return t.UTC().Format(tsLayout) }

func parseTS(s string) time.Time {
	t, _ := time.Parse(tsLayout, s)
	return t
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// dbErr turns a database error into a domain error that says what was being
// done, without the raw SQLite text in the message.
func dbErr(doing string, err error) error {
	if err == nil {
		return nil
	}
	var de *signpost.Error
	if errors.As(err, &de) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &signpost.Error{Kind: signpost.KindUnavailable, Message: "cancelled or took too long while " + doing, Err: err}
	}
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code {
		case sqlite3.ErrNotADB:
			return &signpost.Error{Kind: signpost.KindConflict, Message: "this laptop's Signpost data does not match its key file (it is damaged, or not Signpost's); nothing was changed", Err: err}
		case sqlite3.ErrCorrupt:
			return &signpost.Error{Kind: signpost.KindConflict, Message: "this laptop's Signpost data is damaged", Err: err}
		case sqlite3.ErrFull:
			return diskFull(doing, err)
		case sqlite3.ErrIoErr, sqlite3.ErrCantOpen, sqlite3.ErrReadonly, sqlite3.ErrPerm:
			if isDiskFull(se.SystemErrno) {
				return diskFull(doing, err)
			}
			if se.ExtendedCode == sqlite3.ErrIoErrWrite || se.ExtendedCode == sqlite3.ErrIoErrFsync {
				return &signpost.Error{Kind: signpost.KindUnavailable, Message: "the disk could not be written (is it full?) while " + doing + ": free some space and try again; nothing was saved", Err: err}
			}
			return &signpost.Error{Kind: signpost.KindUnavailable, Message: "the disk could not be read or written while " + doing + "; nothing was saved", Err: err}
		case sqlite3.ErrBusy, sqlite3.ErrLocked:
			return &signpost.Error{Kind: signpost.KindUnavailable, Message: "this laptop's Signpost data is busy (is Signpost open twice?) while " + doing, Err: err}
		}
	}
	return diskErr(doing, err)
}

// diskErr translates a file-system error.
func diskErr(doing string, err error) error {
	var de *signpost.Error
	if errors.As(err, &de) {
		return err
	}
	var errno syscall.Errno
	if errors.As(err, &errno) && isDiskFull(errno) {
		return diskFull(doing, err)
	}
	return signpost.Internal(doing, err)
}

func isDiskFull(errno syscall.Errno) bool {
	return errno == syscall.ENOSPC || errno == syscall.EDQUOT || errno == syscall.EFBIG
}

func diskFull(doing string, err error) error {
	return &signpost.Error{Kind: signpost.KindUnavailable, Message: "the disk is full while " + doing + ": free some space and try again; nothing was saved", Err: err}
}
