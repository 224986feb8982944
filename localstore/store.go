package localstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	gosync "sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"signpost"
)

// maxPassphraseBytes bounds the input to Argon2.
const maxPassphraseBytes = 1024

// Options tune a Store. The zero value is right for the app.
type Options struct {
	// Now is the clock; tests inject one to move time. Default time.Now.
	Now func() time.Time
	// KDF are the Argon2id parameters for Create and ChangePassphrase; the
	// zero value means DefaultKDF. Unlock uses those stored in the key file.
	KDF KDFParams
	// Policy is the policy a new cache starts with (zero fields take the
	// DefaultPolicy values) until the directory sends its own.
	Policy signpost.Policy
	// Logger receives operational warnings. It never receives child data.
	Logger *slog.Logger
}

// Store is one practitioner's encrypted cache in one folder. It is safe for
// concurrent use. A Store is locked (no key in memory, database closed) or
// unlocked; every data method of a locked Store fails with kind locked.
type Store struct {
	dir string
	now func() time.Time
	kdf KDFParams
	log *slog.Logger

	// mu guards the state below. Data methods hold it shared for their
	// transaction; Unlock, Lock, Wipe and ChangePassphrase hold it exclusively.
	mu     gosync.RWMutex
	db     *sql.DB
	key    []byte
	wiped  *WipeReport
	closed bool

	// kfMu serialises key-file writes and the write transactions whose result
	// (the pending count) goes into the key file, so the file always ends up
	// with the latest count. Lock order: mu, then kfMu.
	kfMu gosync.Mutex
	kf   atomic.Pointer[keyFile]
}

func newStore(dir string, opts Options) (*Store, error) {
	if strings.TrimSpace(dir) == "" {
		return nil, signpost.FieldError("dir", "Signpost needs a folder for this laptop's data")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, signpost.Internal("finding the folder of this laptop's Signpost data", err)
	}
	s := &Store{dir: abs, now: opts.Now, kdf: opts.KDF, log: opts.Logger}
	if s.now == nil {
		s.now = time.Now
	}
	if s.kdf == (KDFParams{}) {
		s.kdf = DefaultKDF()
	}
	if err := s.kdf.validate(); err != nil {
		return nil, &signpost.Error{Kind: signpost.KindInvalid, Field: "kdf", Message: "the key-derivation settings are out of range", Err: err}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

func (s *Store) dbPath() string { return filepath.Join(s.dir, dbFileName) }

func checkNewPassphrase(p string) error {
	if utf8.RuneCountInString(p) < signpost.MinPassphraseLen {
		return signpost.FieldError("passphrase", "the passphrase must be at least %d characters long; a short sentence is easy to remember and hard to guess", signpost.MinPassphraseLen)
	}
	if len(p) > maxPassphraseBytes {
		return signpost.FieldError("passphrase", "the passphrase is too long (at most %d bytes)", maxPassphraseBytes)
	}
	return nil
}

// Create makes a new cache in dir (created with mode 0700 if needed), protected
// by passphrase, and returns it unlocked. It fails with kind conflict if a
// cache already exists there. Files left by a cache whose key file is gone are
// unreadable by anyone and are removed first.
func Create(ctx context.Context, dir, passphrase string, opts Options) (*Store, error) {
	if err := checkNewPassphrase(passphrase); err != nil {
		return nil, err
	}
	s, err := newStore(dir, opts)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, dbErr("setting up this laptop's Signpost data", err)
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return nil, diskErr("creating the folder for this laptop's Signpost data", err)
	}
	if _, err := os.Stat(filepath.Join(s.dir, keyFileName)); err == nil {
		return nil, &signpost.Error{Kind: signpost.KindConflict, Message: "Signpost is already set up in this folder"}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, diskErr("checking the folder of this laptop's Signpost data", err)
	}
	if _, err := destroy(s.dir); err != nil {
		return nil, diskErr("clearing unreadable old Signpost data from this laptop", err)
	}

	dataKey := make([]byte, KeySize)
	if _, err := rand.Read(dataKey); err != nil {
		return nil, signpost.Internal("making the key of this laptop's Signpost data", err)
	}
	now := s.now().UTC()
	policy := normalisePolicy(opts.Policy)
	kf := &keyFile{DeviceID: uuid.NewString(), Policy: lockPolicyOf(policy), Contact: newContact(time.Time{}, now)}
	if err := kf.wrap(passphrase, dataKey, s.kdf); err != nil {
		clear(dataKey)
		return nil, signpost.Internal("protecting the key of this laptop's Signpost data", err)
	}
	fail := func(err error) (*Store, error) {
		clear(dataKey)
		destroy(s.dir)
		return nil, err
	}
	// The database first, the key file last: until the key file exists there
	// is no cache, and a crash in between leaves only unreadable files. The
	// empty file is made here with mode 0600; SQLite gives its WAL and SHM
	// files the same mode.
	f, err := os.OpenFile(s.dbPath(), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fail(diskErr("creating the database of this laptop's Signpost data", err))
	}
	f.Close()
	db, err := openDB(ctx, s.dbPath(), dataKey)
	if err != nil {
		return fail(err)
	}
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		return initMeta(ctx, tx, kf.DeviceID, policy, kf.Contact)
	})
	if err != nil {
		db.Close()
		return fail(dbErr("setting up this laptop's Signpost data", err))
	}
	if err := createKeyFile(s.dir, kf); err != nil {
		db.Close()
		return fail(err)
	}
	s.db, s.key = db, dataKey
	s.kf.Store(kf)
	return s, nil
}

// Open returns the cache in dir, locked. It fails with kind not_found if there
// is no cache, kind conflict if the key file is damaged or from a newer
// version, and kind wiped if the cache had to wipe itself (too long offline,
// or too many wrong passphrases): WipeReportOf then tells what was lost.
func Open(ctx context.Context, dir string, opts Options) (*Store, error) {
	s, err := newStore(dir, opts)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, dbErr("opening this laptop's Signpost data", err)
	}
	kf, err := readKeyFile(s.dir)
	if err != nil {
		// Whatever is left without a key (an interrupted wipe or create) can
		// never be read; Create and WipeDir remove it.
		return nil, err
	}
	for _, t := range tempKeyFiles(s.dir) {
		if shred(t) == nil {
			os.Remove(t)
		}
	}
	s.kf.Store(kf)
	s.mu.Lock()
	defer s.mu.Unlock()
	if kf.FailedAttempts >= kf.Policy.MaxAttempts {
		// A wipe for wrong passphrases was cut short.
		return nil, s.wipeFor(ctx, WipeAttempts)
	}
	if offlineStatus(kf, s.now()) == offlineWipe {
		return nil, s.wipeFor(ctx, WipeOffline)
	}
	return s, nil
}

// Locked reports whether the cache is locked (or wiped or closed).
func (s *Store) Locked() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.db == nil
}

// Dir returns the cache's folder.
func (s *Store) Dir() string { return s.dir }

// Unlock opens the cache with the passphrase. A wrong passphrase fails with
// kind unauthorized ("wrong passphrase, N attempts left"); the attempt that
// reaches the policy's MaxPassphraseAttempts wipes the cache and fails with
// kind wiped. Each attempt is counted in the key file before the passphrase
// is tried, so killing the app mid-attempt does not give a free guess. After
// OfflineLockHours without contact with the directory Unlock fails with kind
// locked until RecordContact; after OfflineWipeDays it wipes. On success it
// returns in-flight changes to pending (a crash may have cut a push short) and
// purges expired signposting results.
func (s *Store) Unlock(ctx context.Context, passphrase string) error {
	if passphrase == "" {
		return signpost.FieldError("passphrase", "enter your passphrase")
	}
	if len(passphrase) > maxPassphraseBytes {
		return signpost.FieldError("passphrase", "the passphrase is too long (at most %d bytes)", maxPassphraseBytes)
	}
	if err := ctx.Err(); err != nil {
		return dbErr("unlocking this laptop's Signpost data", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.stateErr(); err != nil {
		return err
	}
	if s.db != nil {
		return nil
	}
	kf, err := readKeyFile(s.dir)
	if err != nil {
		return err
	}
	s.kf.Store(kf)
	if err := s.enforceLocked(ctx); err != nil {
		return err
	}
	dataKey, err := s.tryPassphrase(ctx, passphrase)
	if err != nil {
		return err
	}
	db, err := s.openData(ctx, dataKey)
	if err != nil {
		clear(dataKey)
		return err
	}
	s.db, s.key = db, dataKey
	return nil
}

// openData opens the database after a right passphrase, reconciles what the
// database and the key file know, and records the successful attempt.
func (s *Store) openData(ctx context.Context, dataKey []byte) (*sql.DB, error) {
	now := s.now().UTC()
	s.kfMu.Lock()
	defer s.kfMu.Unlock()
	reset := func(k *keyFile) {
		k.FailedAttempts = 0
		k.Contact.observe(now)
	}
	if _, err := os.Stat(s.dbPath()); err != nil {
		s.saveKFLocked(reset)
		return nil, &signpost.Error{Kind: signpost.KindConflict, Message: "the database of this laptop's Signpost data is missing, so it cannot be opened; wipe Signpost on this laptop and set it up again online", Err: err}
	}
	db, err := openDB(ctx, s.dbPath(), dataKey)
	if err != nil {
		s.saveKFLocked(reset)
		return nil, err
	}
	var pending Unsent
	var policy signpost.Policy
	var dbContact contact
	kf := s.kf.Load()
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		if err := resetInFlight(ctx, tx, now); err != nil {
			return err
		}
		if _, err := purgeExpired(ctx, tx, now); err != nil {
			return err
		}
		var err error
		if policy, err = loadPolicy(ctx, tx); err != nil {
			return err
		}
		if dbContact, err = loadContact(ctx, tx); err != nil {
			return err
		}
		if kf.Contact.Local.After(dbContact.Local) {
			// RecordContact ran while the cache was locked.
			if err := setContact(ctx, tx, kf.Contact); err != nil {
				return err
			}
		}
		pending, err = countUnsent(ctx, tx)
		return err
	})
	if err != nil {
		db.Close()
		s.saveKFLocked(reset)
		return nil, dbErr("opening this laptop's Signpost data", err)
	}
	err = s.saveKFLocked(func(k *keyFile) {
		if dbContact.Local.After(k.Contact.Local) {
			// A crash came between saving a contact and updating the key file.
			k.Contact = newContact(dbContact.Server, dbContact.Local)
		}
		reset(k)
		k.setUnsent(pending)
		k.Policy = lockPolicyOf(policy)
	})
	if err != nil {
		// The cache is open and correct; only the counter reset and the
		// count could not be saved. Refuse rather than run with a key file
		// that no longer matches.
		db.Close()
		return nil, err
	}
	return db, nil
}

// tryPassphrase counts the attempt, then tries passphrase. It wipes the cache
// on the attempt that reaches the limit.
func (s *Store) tryPassphrase(ctx context.Context, passphrase string) ([]byte, error) {
	s.kfMu.Lock()
	kf := s.kf.Load()
	limit := kf.Policy.MaxAttempts
	if kf.FailedAttempts >= limit {
		s.kfMu.Unlock()
		return nil, s.wipeFor(ctx, WipeAttempts)
	}
	next := kf.clone()
	next.FailedAttempts++
	if err := writeKeyFile(s.dir, next); err != nil {
		s.kfMu.Unlock()
		return nil, err
	}
	s.kf.Store(next)
	s.kfMu.Unlock()
	key, ok := next.unwrap(passphrase)
	if ok {
		return key, nil
	}
	if next.FailedAttempts >= limit {
		return nil, s.wipeFor(ctx, WipeAttempts)
	}
	left := limit - next.FailedAttempts
	return nil, &signpost.Error{Kind: signpost.KindUnauthorized, Field: "passphrase",
		Message: fmt.Sprintf("wrong passphrase, %d %s left", left, plural(left, "attempt", "attempts"))}
}

// Lock closes the database and zeroes the key. It is safe to call on a locked
// cache. The app calls it after the policy's IdleLockMinutes without use.
func (s *Store) Lock() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lockLocked()
}

func (s *Store) lockLocked() error {
	if s.db == nil {
		return nil
	}
	err := s.db.Close()
	clear(s.key)
	s.db, s.key = nil, nil
	if s.wiped == nil {
		now := s.now().UTC()
		s.saveKF(func(k *keyFile) { k.Contact.observe(now) })
	}
	if err != nil {
		return signpost.Internal("closing this laptop's Signpost data", err)
	}
	return nil
}

// Close locks the cache and releases it; the Store cannot be used again.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.lockLocked()
	s.closed = true
	return err
}

// ChangePassphrase re-wraps the data key under a new passphrase (with the
// current KDF parameters and a fresh salt). The database is not touched. A
// wrong old passphrase counts as a wrong attempt, as in Unlock.
func (s *Store) ChangePassphrase(ctx context.Context, oldPassphrase, newPassphrase string) error {
	if err := checkNewPassphrase(newPassphrase); err != nil {
		return err
	}
	if oldPassphrase == newPassphrase {
		return signpost.FieldError("passphrase", "the new passphrase must differ from the old one")
	}
	if oldPassphrase == "" {
		return signpost.FieldError("passphrase", "enter your current passphrase")
	}
	if len(oldPassphrase) > maxPassphraseBytes {
		return signpost.FieldError("passphrase", "the passphrase is too long (at most %d bytes)", maxPassphraseBytes)
	}
	if err := ctx.Err(); err != nil {
		return dbErr("changing the passphrase", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.stateErr(); err != nil {
		return err
	}
	if s.db == nil {
		kf, err := readKeyFile(s.dir)
		if err != nil {
			return err
		}
		s.kf.Store(kf)
	}
	if err := s.enforceLocked(ctx); err != nil {
		return err
	}
	dataKey, err := s.tryPassphrase(ctx, oldPassphrase)
	if err != nil {
		return err
	}
	defer clear(dataKey)
	s.kfMu.Lock()
	defer s.kfMu.Unlock()
	next := s.kf.Load().clone()
	if err := next.wrap(newPassphrase, dataKey, s.kdf); err != nil {
		return signpost.Internal("protecting the key of this laptop's Signpost data", err)
	}
	next.FailedAttempts = 0
	if err := writeKeyFile(s.dir, next); err != nil {
		return err
	}
	s.kf.Store(next)
	return nil
}

// DeviceID returns the id this cache was given at Create. It is readable while
// the cache is locked, since signing in online needs it.
func (s *Store) DeviceID() string {
	if kf := s.kf.Load(); kf != nil {
		return kf.DeviceID
	}
	return ""
}

// Contact is the last contact with the directory.
type Contact struct {
	Server time.Time // the directory's clock at the contact
	Local  time.Time // this device's clock when it was recorded
}

// LastContact returns the last contact with the directory (readable while
// locked), and how long ago it was by this device's clock, corrected for any
// winding back of the clock that the cache has noticed.
func (s *Store) LastContact() (Contact, time.Duration) {
	kf := s.kf.Load()
	if kf == nil {
		return Contact{}, 0
	}
	return Contact{Server: kf.Contact.Server, Local: kf.Contact.Local}, kf.Contact.offline(s.now())
}

// RecordContact records a successful contact with the directory at the
// directory's time serverTime: after a sign-in or any answered request. It
// works on a locked cache, so that after an online sign-in the passphrase
// opens a cache that had been locked for being offline too long.
func (s *Store) RecordContact(ctx context.Context, serverTime time.Time) error {
	if serverTime.IsZero() {
		return signpost.FieldError("server_time", "the directory's time is missing")
	}
	release, err := s.acquire(false, true)
	if err != nil {
		return err
	}
	defer release()
	now := s.now().UTC()
	s.kfMu.Lock()
	defer s.kfMu.Unlock()
	c := newContact(serverTime, now)
	if s.db != nil {
		err := inTx(ctx, s.db, func(tx *sql.Tx) error { return setContact(ctx, tx, c) })
		if err != nil {
			return dbErr("recording contact with the directory", err)
		}
	}
	return s.saveKFLocked(func(k *keyFile) { k.Contact = c })
}

// saveKF updates the key file through fn, if fn changes it.
func (s *Store) saveKF(fn func(*keyFile)) error {
	s.kfMu.Lock()
	defer s.kfMu.Unlock()
	return s.saveKFLocked(fn)
}

func (s *Store) saveKFLocked(fn func(*keyFile)) error {
	old := s.kf.Load()
	if old == nil {
		return nil
	}
	next := old.clone()
	fn(next)
	a, err1 := old.clone().marshal()
	b, err2 := next.clone().marshal()
	if err1 == nil && err2 == nil && bytes.Equal(a, b) {
		return nil
	}
	if err := writeKeyFile(s.dir, next); err != nil {
		return err
	}
	s.kf.Store(next)
	return nil
}

// stateErr says why the Store cannot be used at all, or nil.
func (s *Store) stateErr() error {
	switch {
	case s.wiped != nil:
		return wipedError(*s.wiped)
	case s.closed:
		return signpost.Internal("using this laptop's Signpost data", errors.New("the store is closed"))
	}
	return nil
}

func errLocked() error {
	return &signpost.Error{Kind: signpost.KindLocked, Message: "Signpost is locked on this laptop: unlock it with your passphrase"}
}

type offline int

const (
	online offline = iota
	offlineLocked
	offlineWipe
)

func offlineStatus(kf *keyFile, now time.Time) offline {
	d := kf.Contact.offline(now)
	switch {
	case d > time.Duration(kf.Policy.OfflineWipeDays)*24*time.Hour:
		return offlineWipe
	case d > time.Duration(kf.Policy.OfflineLockHours)*time.Hour:
		return offlineLocked
	}
	return online
}

// enforceLocked applies the offline limits; s.mu is held exclusively.
func (s *Store) enforceLocked(ctx context.Context) error {
	kf := s.kf.Load()
	switch offlineStatus(kf, s.now()) {
	case offlineWipe:
		return s.wipeFor(ctx, WipeOffline)
	case offlineLocked:
		if err := s.lockLocked(); err != nil {
			s.log.Warn("localstore: closing the cache for the offline limit", "err", err)
		}
		return &signpost.Error{Kind: signpost.KindLocked, Message: fmt.Sprintf(
			"this device has had no contact with the directory for more than %d hours: sign in online to unlock it", kf.Policy.OfflineLockHours)}
	}
	return nil
}

// acquire holds s.mu shared for one operation, after applying the offline
// limits. unlocked says the operation needs the database; allowOfflineLock
// lets it run on a cache locked for being offline (RecordContact).
func (s *Store) acquire(unlocked, allowOfflineLock bool) (release func(), err error) {
	for {
		s.mu.RLock()
		err := s.stateErr()
		if err == nil && unlocked && s.db == nil {
			err = errLocked()
		}
		if err != nil {
			s.mu.RUnlock()
			return nil, err
		}
		st := offlineStatus(s.kf.Load(), s.now())
		if st == online || (st == offlineLocked && allowOfflineLock) {
			return s.mu.RUnlock, nil
		}
		s.mu.RUnlock()
		s.mu.Lock()
		err = s.stateErr()
		if err == nil {
			err = s.enforceLocked(context.Background())
		}
		s.mu.Unlock()
		if err != nil {
			return nil, err
		}
	}
}

// read runs fn in one transaction on the unlocked cache.
func (s *Store) read(ctx context.Context, doing string, fn func(tx *sql.Tx) error) error {
	release, err := s.acquire(true, false)
	if err != nil {
		return err
	}
	defer release()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return dbErr(doing, err)
	}
	defer tx.Rollback()
	return dbErr(doing, fn(tx))
}

// write runs fn in one write transaction on the unlocked cache, and then
// brings the key file's count of unsent changes up to date.
func (s *Store) write(ctx context.Context, doing string, fn func(tx *sql.Tx) error) error {
	return s.writeKF(ctx, doing, fn, nil)
}

// writeKF is write with a key-file update (policy, contact) applied after the
// commit; a failure to save that update is returned.
func (s *Store) writeKF(ctx context.Context, doing string, fn func(tx *sql.Tx) error, update func(*keyFile)) error {
	release, err := s.acquire(true, false)
	if err != nil {
		return err
	}
	defer release()
	s.kfMu.Lock()
	defer s.kfMu.Unlock()
	var pending Unsent
	err = inTx(ctx, s.db, func(tx *sql.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		var err error
		pending, err = countUnsent(ctx, tx)
		return err
	})
	if err != nil {
		return dbErr(doing, err)
	}
	if update != nil {
		if err := s.saveKFLocked(func(k *keyFile) { update(k); k.setUnsent(pending) }); err != nil {
			return err
		}
		return nil
	}
	if err := s.saveKFLocked(func(k *keyFile) { k.setUnsent(pending) }); err != nil {
		// The change is saved; only the bare count kept for a wipe while
		// locked is stale. It is corrected at the next write or unlock.
		s.log.Warn("localstore: updating the unsent-change count in the key file", "err", err)
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// normalisePolicy fills unset or nonsensical values with the defaults and
// caps the rest so durations cannot overflow.
func normalisePolicy(p signpost.Policy) signpost.Policy {
	d := signpost.DefaultPolicy()
	fix := func(v *int, def, hi int) {
		if *v <= 0 {
			*v = def
		}
		*v = min(*v, hi)
	}
	fix(&p.IdleLockMinutes, d.IdleLockMinutes, 24*60)
	fix(&p.OfflineLockHours, d.OfflineLockHours, 24*3660)
	fix(&p.OfflineWipeDays, d.OfflineWipeDays, 3660)
	fix(&p.MaxPassphraseAttempts, d.MaxPassphraseAttempts, 1000)
	fix(&p.LookupRetentionDays, d.LookupRetentionDays, 3660)
	return p
}
