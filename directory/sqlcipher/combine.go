package sqlcipher

import (
	"context"
	"database/sql"
	"fmt"
	gosync "sync"
)

// Writes to the directory file are combined: one goroutine takes the writes
// waiting, runs each in a savepoint of one transaction, and commits them
// together. Under load every commit costs a re-encryption of each page it
// changed and a write of the log, and a busy directory makes hundreds of
// small writes a second (pushes, look-ups, contacts): sharing the commit
// shares that cost, and no write waits behind a queue of commits. Each
// write still stands alone: one that fails is rolled back to its savepoint
// and reports its error, the others commit; none is answered before the
// commit that holds it. A caller's cancellation is honoured before its
// write starts, never in the middle of the shared transaction.
type combiner struct {
	db   *sql.DB
	in   chan *writeReq
	done chan struct{}
	once gosync.Once

	// before, when set, runs just before each commit (after every write
	// of the transaction): the store commits there, in one transaction of
	// its own file, the audit events the writes left (an audit event a
	// push carries must be durable before the push is). mark and undo let
	// a write that fails take back what it left.
	before func(ctx context.Context) error
	mark   func() int
	undo   func(int)
}

type writeReq struct {
	ctx context.Context
	fn  func(tx *sql.Tx) error
	err chan error
}

// combineMax is the most writes one transaction takes.
const combineMax = 64

func newCombiner(db *sql.DB) *combiner {
	return &combiner{db: db, in: make(chan *writeReq, 256), done: make(chan struct{})}
}

func (c *combiner) start() { go c.run() }

func (c *combiner) close() {
	c.once.Do(func() { close(c.in) })
	<-c.done
}

// do runs fn in the next combined transaction and returns once it has
// committed (or failed).
func (c *combiner) do(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &writeReq{ctx: ctx, fn: fn, err: make(chan error, 1)}
	select {
	case c.in <- r:
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once handed over, the write is seen through: the answer waits for
	// the commit, whatever the caller's context.
	return <-r.err
}

func (c *combiner) run() {
	defer close(c.done)
	for first := range c.in {
		batch := []*writeReq{first}
	more:
		for len(batch) < combineMax {
			select {
			case r, ok := <-c.in:
				if !ok {
					break more
				}
				batch = append(batch, r)
			default:
				break more
			}
		}
		c.commit(batch)
	}
}

func (c *combiner) commit(batch []*writeReq) {
	answer := func(err error) {
		for _, r := range batch {
			if r.err != nil {
				r.err <- err
			}
		}
	}
	if len(batch) == 1 {
		// Alone: no savepoint needed.
		r := batch[0]
		if err := r.ctx.Err(); err != nil {
			r.err <- err
			return
		}
		r.err <- inTx(context.WithoutCancel(r.ctx), c.db, func(tx *sql.Tx) error {
			m := c.markNow()
			if err := runSafely(r.fn, tx); err != nil {
				c.undoTo(m)
				return err
			}
			return c.beforeCommit(context.WithoutCancel(r.ctx))
		})
		return
	}
	ctx := context.Background()
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		answer(err)
		return
	}
	results := make([]error, len(batch))
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		if _, err := tx.ExecContext(ctx, `SAVEPOINT w`); err != nil {
			tx.Rollback()
			answer(err)
			return
		}
		m := c.markNow()
		results[i] = runSafely(r.fn, tx)
		if results[i] != nil {
			c.undoTo(m)
			if _, err := tx.ExecContext(ctx, `ROLLBACK TO w`); err != nil {
				tx.Rollback()
				answer(err)
				return
			}
		}
		if _, err := tx.ExecContext(ctx, `RELEASE w`); err != nil {
			tx.Rollback()
			answer(err)
			return
		}
	}
	if err := c.beforeCommit(ctx); err != nil {
		tx.Rollback()
		answer(err)
		return
	}
	if err := tx.Commit(); err != nil {
		answer(err)
		return
	}
	for i, r := range batch {
		r.err <- results[i]
	}
}

// runSafely runs fn, turning a panic into an error (one write's bug must not
// take the others' answers with it).
func runSafely(fn func(tx *sql.Tx) error, tx *sql.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("a write panicked: %v", p)
		}
	}()
	return fn(tx)
}

func (c *combiner) markNow() int {
	if c.mark == nil {
		return 0
	}
	return c.mark()
}

func (c *combiner) undoTo(m int) {
	if c.undo != nil {
		c.undo(m)
	}
}

func (c *combiner) beforeCommit(ctx context.Context) error {
	if c.before == nil {
		return nil
	}
	return c.before(ctx)
}
