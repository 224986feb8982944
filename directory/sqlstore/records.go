package sqlstore

import (
	gosync "sync"
	"sync/atomic"
	"time"

	"signpost"
)

// Records keeps whole child records as last read, by row and change number,
// so that a pull or a view of a child that has not changed since reads one
// row instead of three tables. Every change to what a record shows gives
// the child a new change number (touchChild), so an entry with the child's
// current number is current; a change to an account (whose name and
// contacts a record shows) moves the epoch and empties the cache. Entries
// are kept at most recordFresh, for what another process changes without a
// change number. On PostgreSQL a change to accounts by another instance is
// announced with NOTIFY 'accounts' and empties this cache too
// (directory/postgres/db.go).
//
// Reading the three tables was a third of a busy embedded directory's work
// (every commit empties each reader's page cache, so every read of a record
// decrypted its pages again), and is three round trips to PostgreSQL per
// child.
type Records struct {
	mu    gosync.Mutex
	m     map[int64]record
	epoch atomic.Uint64
}

type record struct {
	seq   int64
	epoch uint64
	at    time.Time
	child signpost.Child
}

const (
	recordFresh = time.Minute
	recordMax   = 50_000
)

func NewRecords() *Records { return &Records{m: map[int64]record{}} }

// Get returns a copy of row id's record at change number seq, if kept.
func (r *Records) Get(id, seq int64) (*signpost.Child, bool) {
	r.mu.Lock()
	e, ok := r.m[id]
	r.mu.Unlock()
	if !ok || e.seq != seq || e.epoch != r.epoch.Load() || time.Since(e.at) > recordFresh {
		return nil, false
	}
	return CopyChild(&e.child), true
}

func (r *Records) Put(id, seq int64, c *signpost.Child) {
	e := record{seq: seq, epoch: r.epoch.Load(), at: time.Now(), child: *CopyChild(c)}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.m) >= recordMax {
		for k := range r.m { // forget about a tenth, in no order
			delete(r.m, k)
			if len(r.m) < recordMax*9/10 {
				break
			}
		}
	}
	r.m[id] = e
}

// AccountsChanged empties the cache: records show accounts' names and
// contacts.
func (r *Records) AccountsChanged() { r.epoch.Add(1) }

// CopyChild returns a copy of c that shares nothing a caller may change.
func CopyChild(c *signpost.Child) *signpost.Child {
	d := *c
	d.Carers = append([]signpost.Carer(nil), c.Carers...)
	d.Involvements = append([]signpost.Involvement{}, c.Involvements...)
	if c.School != nil {
		s := *c.School
		d.School = &s
	}
	if c.GP != nil {
		g := *c.GP
		d.GP = &g
	}
	if c.Shielding != nil {
		sh := *c.Shielding
		d.Shielding = &sh
	}
	return &d
}
