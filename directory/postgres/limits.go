package postgres

// Issue 17, shared limits: token buckets and the day's counts that every
// directory instance on the database shares (directory/shared.go).

import (
	"context"
	"database/sql"
	"errors"
	"sync/atomic"
	"time"

	"signpost/directory"
)

// Shared reports true: several directory instances may use one database.
func (s *Store) Shared() bool { return true }

// takes counts TakeToken calls, to sweep full buckets now and then.
var takes atomic.Int64

// sweepEvery is how many takes go between two sweeps of full buckets.
const sweepEvery = 1000

// TakeToken spends one token of key's bucket in one statement (the row's
// lock orders racing instances), or says how long until one comes back.
func (s *Store) TakeToken(ctx context.Context, key string, b directory.Bucket, now time.Time) (time.Duration, error) {
	n, every, limit := now.UnixNano(), b.Every.Nanoseconds(), int64(b.Burst)*b.Every.Nanoseconds()
	if takes.Add(1)%sweepEvery == 0 {
		// A bucket full again is as good as none.
		if _, err := s.db.ExecContext(ctx, `DELETE FROM limit_buckets WHERE tat <= ?`, n); err != nil {
			return 0, wrap("sweeping the limits", err)
		}
	}
	var tat int64
	err := s.db.QueryRowContext(ctx, `INSERT INTO limit_buckets AS b (key, tat) VALUES (?1, ?2::bigint + ?3::bigint)
		ON CONFLICT (key) DO UPDATE SET tat = GREATEST(b.tat, ?2::bigint) + ?3::bigint
		WHERE GREATEST(b.tat, ?2::bigint) + ?3::bigint - ?2::bigint <= ?4::bigint
		RETURNING tat`, key, n, every, limit).Scan(&tat)
	if err == nil {
		return 0, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, wrap("checking a limit", err)
	}
	// Refused: nothing was spent; say how long until a token.
	if err := s.db.QueryRowContext(ctx, `SELECT tat FROM limit_buckets WHERE key = ?`, key).Scan(&tat); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return 0, nil // forgotten meanwhile: full again
		}
		return 0, wrap("checking a limit", err)
	}
	_, wait := b.TakeAt(tat, n)
	return max(wait, time.Nanosecond), nil
}

// ReturnToken gives one token back.
func (s *Store) ReturnToken(ctx context.Context, key string, b directory.Bucket) error {
	_, err := s.db.ExecContext(ctx, `UPDATE limit_buckets SET tat = tat - ?::bigint WHERE key = ?`, b.Every.Nanoseconds(), key)
	return wrap("giving back a limit's token", err)
}

// ForgetTokens fills key's bucket again.
func (s *Store) ForgetTokens(ctx context.Context, key string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM limit_buckets WHERE key = ?`, key)
	return wrap("resetting a limit", err)
}

// AddAccessCount adds to a count of the day and returns it. The commit
// does not wait for the log to reach the disk (synchronous_commit off, for
// this transaction only): a search costs no second flush beside its audit,
// and a crash of the database may forget the last moment's counts, as a
// crash of the embedded directory forgets up to five seconds of them.
func (s *Store) AddAccessCount(ctx context.Context, c directory.AccessCount) (int, error) {
	var n int
	err := appendTx(ctx, s.aw, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `SET LOCAL synchronous_commit TO OFF`); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO access_counts (user_id, day, action, n) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id, day, action) DO UPDATE SET n = access_counts.n + excluded.n RETURNING n`,
			c.UserID, c.Day, c.Action, c.N).Scan(&n)
	})
	return n, wrap("counting the day's events", err)
}
