package sqlstore

import (
	"context"
	"database/sql"
	gosync "sync"
	"sync/atomic"
	"time"

	"signpost"
	"signpost/directory"
	"signpost/directory/match"
)

// SearchIndex holds every live child's identity in memory, so a search by
// date of birth or postcode reads one bucket instead of dozens of encrypted
// pages or a round trip to PostgreSQL (a national population has about
// 1,700 children per date of birth). It follows the store through the
// change sequence: every write to a child gives it a new seq, so the
// children with a seq above the last one read are what changed. Writes by
// this process mark it stale at once, as do those of other PostgreSQL
// instances (announced by NOTIFY); those of other processes on the embedded
// store (the admin commands) are seen within a quarter of a second.
type SearchIndex struct {
	mu      gosync.RWMutex
	idx     *match.Index
	seq     int64
	ready   atomic.Bool
	stale   atomic.Bool
	checked atomic.Int64 // unix nanoseconds of the last look at the sequence
	refresh gosync.Mutex // one refresher at a time
}

// MarkStale has the next search look for changes.
func (si *SearchIndex) MarkStale() { si.stale.Store(true) }

// refreshEvery is how often a search looks for other processes' writes.
const refreshEvery = 250 * time.Millisecond

// BuildSearchIndex reads every live child into the in-memory search index
// and, from then on, answers searches by date of birth or postcode from
// it. Until it returns, searches read the store's indexes as before. serve
// calls it in the background at start (at 11 million children it reads for
// about a minute); tests call it directly.
func (s *Core) BuildSearchIndex(ctx context.Context) error {
	si := &SearchIndex{idx: match.New(false)}
	var head int64
	if err := s.R.QueryRowContext(ctx, `SELECT value FROM counters WHERE name = 'seq'`).Scan(&head); err != nil {
		return s.Wrap("building the search index", err)
	}
	// Changes made during the scan have a seq above head, and are read
	// again by the first refresh (putting a child twice is harmless).
	err := s.ScanIdentities(ctx, func(id match.Identity) error {
		si.idx.Put(id)
		return nil
	})
	if err != nil {
		return err
	}
	si.seq = head
	si.stale.Store(true)
	si.ready.Store(true)
	s.Search.Store(si)
	return nil
}

// SearchIndexSize returns how many children the in-memory search index
// holds, and false if it is not built.
func (s *Core) SearchIndexSize() (int, bool) {
	si := s.Search.Load()
	if si == nil {
		return 0, false
	}
	si.mu.RLock()
	defer si.mu.RUnlock()
	return si.idx.Len(), true
}

// IndexedCandidates answers a search by date of birth or postcode from the
// in-memory index; ok is false when the index cannot (not built, or a key
// it does not hold).
func (s *Core) IndexedCandidates(ctx context.Context, k directory.CandidateKeys) ([]signpost.Candidate, bool, error) {
	si := s.Search.Load()
	if si == nil || k.NHSNumber != "" || k.UPN != "" || k.SignpostID != "" || (len(k.DatesOfBirth) == 0 && k.Postcode == "") {
		return nil, false, nil
	}
	if err := s.refreshSearch(ctx, si); err != nil {
		return nil, true, err
	}
	var out []signpost.Candidate
	si.mu.RLock()
	si.idx.Candidates(match.Keys{DatesOfBirth: k.DatesOfBirth, Postcode: k.Postcode, FamilyName: k.FamilyName}, func(id match.Identity) bool {
		out = append(out, id.Candidate())
		return k.Limit <= 0 || len(out) < k.Limit
	})
	si.mu.RUnlock()
	return out, true, nil
}

// refreshSearch applies the changes made since the index last looked. A
// search never waits for it: while another search is refreshing, it reads
// the index as it is (a search on a hidden field checks its matches against
// the store, so a shielding is never missed).
func (s *Core) refreshSearch(ctx context.Context, si *SearchIndex) error {
	now := time.Now().UnixNano()
	if !si.stale.Load() && now-si.checked.Load() < int64(refreshEvery) {
		return nil
	}
	if !si.refresh.TryLock() {
		return nil
	}
	defer si.refresh.Unlock()
	if !si.stale.Load() && time.Now().UnixNano()-si.checked.Load() < int64(refreshEvery) {
		return nil // another search refreshed it meanwhile
	}
	si.stale.Store(false)
	si.checked.Store(time.Now().UnixNano())
	ctx = s.Calm(ctx)
	type change struct {
		id     match.Identity
		remove bool
	}
	var changes []change
	var head int64
	auths, err := s.AuthorityNames(ctx)
	if err != nil {
		return s.Wrap("refreshing the search index", err)
	}
	err = s.Read(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT value FROM counters WHERE name = 'seq'`).Scan(&head); err != nil {
			return err
		}
		if head == si.seq {
			return nil
		}
		rows, err := tx.QueryContext(ctx, `SELECT signpost_id, given_name, family_name, dob, gender, postcode, COALESCE(nhs_number, ''), COALESCE(upn, ''),
			COALESCE(authority_id, 0), shielded, status, merged_into FROM children WHERE seq > ?`, si.seq)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c change
			var sid, status, merged string
			var auth int64
			if err := rows.Scan(&sid, &c.id.GivenName, &c.id.FamilyName, &c.id.DateOfBirth, &c.id.Gender, &c.id.Postcode, &c.id.NHSNumber, &c.id.UPN,
				&auth, &c.id.Shielded, &status, &merged); err != nil {
				return err
			}
			c.id.Serial = SerialOf(sid)
			c.id.Authority = auths[auth]
			c.id.Deceased = status == signpost.StatusDeceased
			c.remove = status == signpost.StatusArchived || merged != ""
			changes = append(changes, c)
		}
		return rows.Err()
	})
	if err != nil {
		si.stale.Store(true)
		return s.Wrap("refreshing the search index", err)
	}
	if head == si.seq {
		return nil
	}
	si.mu.Lock()
	for _, c := range changes {
		if c.remove {
			si.idx.Remove(c.id.Serial)
		} else {
			si.idx.Put(c.id)
		}
	}
	si.seq = head
	si.mu.Unlock()
	return nil
}
