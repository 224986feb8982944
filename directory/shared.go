package directory

// Issue 17, shared limits: several directory processes on one PostgreSQL
// make the same decisions one process would.
//
// What is shared through the store when Store.Shared says other processes
// use it (Store.TakeToken, Store.AddAccessCount):
//   - failed sign-ins per account name and per client address (the limits
//     that lock an account after five wrong passwords);
//   - the day's counts of searches and of Signpost IDs asked for that do
//     not exist, on which the harvest alert and slowing depend, and whether
//     the account is slowed today, and its one event a quarter-minute then;
//   - the day's off-caseload openings, as before (Store.RecordView), and
//     TOTP steps (Store.UseTOTPStep).
//
// What stays in each process's memory, by design:
//   - the per-second token buckets that smooth bursts of searches and of
//     bytes pushed (Config.SearchRate, PushBytesPerSecond): they protect
//     the process answering, so n instances let a user n times the burst,
//     which is what n machines can take; none of the day's limits or the
//     sign-in limits rest on them;
//   - requests in flight per user (Config.PerUserInflight) and password
//     checks at once: they bound one process's workers and memory;
//   - the policy, read again within a minute.
//
// The embedded store is held by one process: its limits stay in memory
// (no write per search), exactly as before.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// tokens is a token bucket per key, in memory or, where the store is
// shared, in the store.
type tokens struct {
	name   string // keeps this limit's keys apart from others' in the store
	bucket Bucket
	local  *limiter
	store  Store // nil: memory only
	now    func() time.Time
}

// newTokens returns a bucket per key allowing perSecond on average and burst
// at once, shared through st if st is shared.
func newTokens(name string, perSecond float64, burst int, st Store, now func() time.Time) *tokens {
	t := &tokens{name: name, bucket: Bucket{Every: time.Duration(float64(time.Second) / perSecond), Burst: burst},
		local: newLimiter(perSecond, burst, now), now: now}
	if st != nil && st.Shared() {
		t.store = st
	}
	return t
}

// key is what the store holds for key: a digest, so no account name or
// network address is written there.
func (t *tokens) key(key string) string {
	sum := sha256.Sum256([]byte(t.name + "\x00" + key))
	return hex.EncodeToString(sum[:16])
}

// Take spends one of key's tokens and returns the function giving it back;
// with none it returns how long until there is one.
func (t *tokens) Take(ctx context.Context, key string) (refund func(), wait time.Duration, err error) {
	if t.store == nil {
		refund, ok := t.local.Take(key)
		if !ok {
			return refund, max(t.local.Wait(key), time.Nanosecond), nil
		}
		return refund, 0, nil
	}
	k := t.key(key)
	wait, err = t.store.TakeToken(ctx, k, t.bucket, t.now())
	if err != nil || wait > 0 {
		return func() {}, wait, err
	}
	return func() { _ = t.store.ReturnToken(context.WithoutCancel(ctx), k, t.bucket) }, 0, nil
}

// Allow spends one of key's tokens and reports whether there was one, and
// if not, how long until there is.
func (t *tokens) Allow(ctx context.Context, key string) (bool, time.Duration) {
	if t.store == nil {
		if t.local.Allow(key) {
			return true, 0
		}
		return false, t.local.Wait(key)
	}
	wait, err := t.store.TakeToken(ctx, t.key(key), t.bucket, t.now())
	if err != nil {
		// The store is unreachable: this process's own bucket holds.
		if t.local.Allow(key) {
			return true, 0
		}
		return false, t.local.Wait(key)
	}
	return wait == 0, wait
}

// Forget fills key's bucket again.
func (t *tokens) Forget(ctx context.Context, key string) {
	t.local.Forget(key)
	if t.store != nil {
		_ = t.store.ForgetTokens(context.WithoutCancel(ctx), t.key(key))
	}
}

// TakeAt is the arithmetic of Store.TakeToken. A bucket is kept as one
// time, in nanoseconds since 1970: when it will be full again (GCRA; 0, or
// any time past, for a full one). Given that time and now it returns the
// time to keep and 0 if a token is spent, else the time unchanged and how
// long until a token comes back.
func (b Bucket) TakeAt(stored, now int64) (int64, time.Duration) {
	every := b.Every.Nanoseconds()
	next := max(stored, now) + every
	if over := next - now - int64(b.Burst)*every; over > 0 {
		return stored, time.Duration(over)
	}
	return next, 0
}
