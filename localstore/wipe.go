package localstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"time"

	"signpost"
)

// Why a cache was wiped.
const (
	WipeOrdered  = "ordered"  // the app or the directory asked for it
	WipeAttempts = "attempts" // too many wrong passphrases in a row
	WipeOffline  = "offline"  // too long without contact with the directory
)

// WipeReport says what a wipe destroyed. The sync client turns it into the
// receipt it sends to the directory.
type WipeReport struct {
	// PendingLost is the number of changes and offline view events the
	// directory did not hold: pending, in flight, and refused ones kept in
	// the outbox (a refused change never reached the directory either). For
	// a cache wiped while locked it is the count kept in the key file, which
	// is updated after every change.
	PendingLost int
	// Lost counts PendingLost by kind of change (signpost.MutSetCAF…); nil
	// when the kinds could not be known (a key file from an older version).
	Lost    map[string]int
	WipedAt time.Time
	Reason  string // WipeOrdered, WipeAttempts or WipeOffline
}

// setUnsent records in the key file what the directory does not hold.
func (k *keyFile) setUnsent(u Unsent) {
	k.Pending = u.Total()
	k.Unsent = nil
	if len(u.Kinds) > 0 {
		k.Unsent = maps.Clone(u.Kinds)
	}
}

// LockedFacts is what a locked cache can say of itself from its key file,
// without the passphrase: how many wrong passphrases it takes before it wipes
// itself, and how many items the directory does not hold (by kind). It never
// says anything about a child.
type LockedFacts struct {
	AttemptsLeft int
	Unsent       int            // changes and offline views a wipe would lose
	Kinds        map[string]int // Unsent by kind of change
}

// LockedFacts reads the facts from the key file held in memory; it does no
// I/O. A wiped or closed cache has none (zero).
func (s *Store) LockedFacts() LockedFacts {
	kf := s.kf.Load()
	if kf == nil {
		return LockedFacts{}
	}
	return LockedFacts{AttemptsLeft: max(kf.Policy.MaxAttempts-kf.FailedAttempts, 0), Unsent: kf.Pending, Kinds: maps.Clone(kf.Unsent)}
}

// WipedError is the cause inside a *signpost.Error of kind wiped, carrying
// the report of the wipe.
type WipedError struct{ Report WipeReport }

func (e *WipedError) Error() string {
	return fmt.Sprintf("cache wiped (%s); %d unsent lost", e.Report.Reason, e.Report.PendingLost)
}

// WipeReportOf returns the report carried by an error of kind wiped.
func WipeReportOf(err error) (WipeReport, bool) {
	var we *WipedError
	if errors.As(err, &we) {
		return we.Report, true
	}
	return WipeReport{}, false
}

// Why says why the cache was wiped, as the sentence the app's wiped screen
// shows. It is the one wording of the reasons: the error of kind wiped and
// the sync engine's event say the same.
func (r WipeReport) Why() string {
	switch r.Reason {
	case WipeAttempts:
		return "The Signpost records on this laptop were wiped after too many wrong passphrases."
	case WipeOffline:
		return "The Signpost records on this laptop were wiped after too long without contact with the directory."
	default:
		return "This device was wiped by your IT service."
	}
}

// lostKinds is how a wipe receipt names each kind of change, in the order it
// lists them.
var lostKinds = []struct{ kind, one, many string }{
	{signpost.MutStartInvolvement, "involvement started", "involvements started"},
	{signpost.MutEndInvolvement, "involvement ended", "involvements ended"},
	{signpost.MutSetCAF, "CAF flag", "CAF flags"},
	{signpost.MutSetLead, "lead-professional flag", "lead-professional flags"},
	{signpost.MutHandOverLead, "lead-professional handover", "lead-professional handovers"},
	{signpost.MutMetChild, "child met in the field", "children met in the field"},
	{signpost.MutView, "record opened offline", "records opened offline"},
}

// LostText says how many changes a wipe lost and of which kinds: "2 changes
// lost: 1 involvement started, 1 CAF flag" ("" when none were lost).
func (r WipeReport) LostText() string {
	if r.PendingLost <= 0 {
		return ""
	}
	text := fmt.Sprintf("%d %s lost", r.PendingLost, plural(r.PendingLost, "change", "changes"))
	if kinds := r.LostKinds(); kinds != "" {
		text += ": " + kinds
	}
	return text
}

// LostKinds lists the kinds of change a wipe lost: "1 involvement started,
// 1 CAF flag" ("" when none, or not known).
func (r WipeReport) LostKinds() string {
	var parts []string
	for _, k := range lostKinds {
		if n := r.Lost[k.kind]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, plural(n, k.one, k.many)))
		}
	}
	return strings.Join(parts, ", ")
}

// Message is Why, followed by whether changes were lost.
func (r WipeReport) Message() string {
	if r.PendingLost > 0 {
		return r.Why() + " Changes that had not reached the directory were lost."
	}
	return r.Why()
}

func wipedError(rep WipeReport) error {
	why := rep.Why()
	msg := strings.ToLower(why[:1]) + strings.TrimSuffix(why[1:], ".")
	if rep.PendingLost > 0 {
		msg += fmt.Sprintf("; %d unsent %s lost", rep.PendingLost, plural(rep.PendingLost, "change was", "changes were"))
		if kinds := rep.LostKinds(); kinds != "" {
			msg += " (" + kinds + ")"
		}
	}
	return &signpost.Error{Kind: signpost.KindWiped, Message: msg + "; sign in online to start again", Err: &WipedError{Report: rep}}
}

// Wipe crypto-erases the cache: it closes the database, zeroes the key,
// overwrites the key file with random bytes, syncs and deletes it, then deletes
// the database, WAL and SHM files and the device credential. It works on a locked cache and needs no
// passphrase. Wiping again returns the first report.
func (s *Store) Wipe(ctx context.Context) (WipeReport, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.wiped != nil {
		return *s.wiped, nil
	}
	return s.wipeLocked(ctx, WipeOrdered)
}

// wipeFor wipes for reason and returns the error of kind wiped to give the
// caller; s.mu is held exclusively.
func (s *Store) wipeFor(ctx context.Context, reason string) error {
	_, err := s.wipeLocked(ctx, reason)
	if s.wiped != nil {
		if err != nil {
			s.log.Warn("localstore: removing wiped cache files", "err", err)
		}
		return wipedError(*s.wiped)
	}
	return err
}

// wipeLocked wipes; s.mu is held exclusively.
func (s *Store) wipeLocked(ctx context.Context, reason string) (WipeReport, error) {
	rep := WipeReport{PendingLost: -1, WipedAt: s.now().UTC(), Reason: reason}
	if s.db != nil {
		if u, err := countUnsent(ctx, s.db); err == nil {
			rep.PendingLost, rep.Lost = u.Total(), u.Kinds
		}
		s.db.Close()
		clear(s.key)
		s.db, s.key = nil, nil
	}
	if rep.PendingLost < 0 {
		rep.PendingLost = 0
		if kf := s.kf.Load(); kf != nil {
			rep.PendingLost, rep.Lost = kf.Pending, maps.Clone(kf.Unsent)
		}
	}
	keyGone, err := destroy(s.dir)
	if keyGone {
		s.wiped = &rep
		s.kf.Store(nil)
	}
	if err != nil {
		return rep, diskErr("wiping this laptop's Signpost data", err)
	}
	return rep, nil
}

// WipeDir wipes the cache in dir without opening it: for a cache whose key
// file is damaged, or when no Store is at hand. PendingLost comes from the key
// file if it can be read. Wiping a folder with no cache is not an error.
func WipeDir(ctx context.Context, dir string) (WipeReport, error) {
	rep := WipeReport{WipedAt: time.Now().UTC(), Reason: WipeOrdered}
	if err := ctx.Err(); err != nil {
		return rep, dbErr("wiping this laptop's Signpost data", err)
	}
	if kf, err := readKeyFile(dir); err == nil {
		rep.PendingLost, rep.Lost = kf.Pending, kf.Unsent
	}
	if _, err := destroy(dir); err != nil {
		return rep, diskErr("wiping this laptop's Signpost data", err)
	}
	return rep, nil
}

// destroy removes every file of the cache in dir, the key first. keyGone
// reports whether no readable key remains.
func destroy(dir string) (keyGone bool, err error) {
	keys := append([]string{filepath.Join(dir, keyFileName)}, tempKeyFiles(dir)...)
	for _, k := range keys {
		if err := shred(k); err != nil {
			return false, err
		}
		if err := os.Remove(k); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return false, err
		}
	}
	if err := syncDir(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	db := filepath.Join(dir, dbFileName)
	var errs []error
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		if err := os.Remove(db + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	// The device credential goes with the cache: a new one comes with the
	// next enrolment.
	creds, _ := filepath.Glob(filepath.Join(dir, "."+credFileName+"-*.tmp"))
	for _, c := range append(creds, filepath.Join(dir, credFileName)) {
		if err := os.Remove(c); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := syncDir(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		errs = append(errs, err)
	}
	return true, errors.Join(errs...)
}

// countPendingSQL counts the changes and view events not yet confirmed.
const countPendingSQL = `SELECT count(*) FROM outbox WHERE state IN ('pending', 'in_flight')`
