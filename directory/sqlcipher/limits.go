package sqlcipher

// Issue 17, shared limits. The embedded file is held by one process, so its
// token buckets live in memory (Shared is false: the directory does not
// use them, but they behave as PostgreSQL's, for the shared suite).

import (
	"context"
	"database/sql"
	gosync "sync"
	"time"

	"signpost/directory"
)

// memTokens holds the buckets' times (directory.Bucket.TakeAt).
type memTokens struct {
	mu  gosync.Mutex
	tat map[string]int64
}

// memTokensMax bounds the keys held; full buckets are forgotten first.
const memTokensMax = 100_000

// Shared reports false: one process holds the file.
func (s *Store) Shared() bool { return false }

// TakeToken spends one token of key's bucket, or says how long until one.
func (s *Store) TakeToken(ctx context.Context, key string, b directory.Bucket, now time.Time) (time.Duration, error) {
	t := &s.limits
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tat == nil {
		t.tat = map[string]int64{}
	}
	n := now.UnixNano()
	if _, ok := t.tat[key]; !ok && len(t.tat) >= memTokensMax {
		for k, v := range t.tat {
			if v <= n {
				delete(t.tat, k)
			}
		}
	}
	next, wait := b.TakeAt(t.tat[key], n)
	if wait == 0 {
		t.tat[key] = next
	}
	return wait, nil
}

// ReturnToken gives one token back.
func (s *Store) ReturnToken(ctx context.Context, key string, b directory.Bucket) error {
	t := &s.limits
	t.mu.Lock()
	defer t.mu.Unlock()
	if v, ok := t.tat[key]; ok {
		t.tat[key] = v - b.Every.Nanoseconds()
	}
	return nil
}

// ForgetTokens fills key's bucket again.
func (s *Store) ForgetTokens(ctx context.Context, key string) error {
	s.limits.mu.Lock()
	delete(s.limits.tat, key)
	s.limits.mu.Unlock()
	return nil
}

// AddAccessCount adds to a count of the day and returns it.
func (s *Store) AddAccessCount(ctx context.Context, c directory.AccessCount) (int, error) {
	var n int
	err := inTx(calm(ctx), s.aw, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO access_counts (user_id, day, action, n) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id, day, action) DO UPDATE SET n = n + excluded.n`, c.UserID, c.Day, c.Action, c.N); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT n FROM access_counts WHERE user_id = ? AND day = ? AND action = ?`, c.UserID, c.Day, c.Action).Scan(&n)
	})
	return n, wrap("counting the day's events", err)
}
