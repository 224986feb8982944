package directory

import (
	"context"
	"math"
	gosync "sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"signpost"
)

// limiterKeys bounds how many keys a limiter remembers.
const limiterKeys = 100_000

// limiter is a token bucket per key (a user, an account name, a client
// address), each a golang.org/x/time/rate.Limiter. The map of keys is
// bounded: a key whose bucket has refilled is idle (a new bucket would be the
// same) and is forgotten first. It reads time from the server's clock, so
// tests can move it. It is safe for concurrent use.
type limiter struct {
	limit rate.Limit
	burst int
	now   func() time.Time

	mu   gosync.Mutex
	keys map[string]*rate.Limiter
}

// newLimiter allows perSecond events per key on average, and burst at once.
func newLimiter(perSecond float64, burst int, now func() time.Time) *limiter {
	return &limiter{limit: rate.Limit(perSecond), burst: burst, now: now, keys: map[string]*rate.Limiter{}}
}

// bucket returns key's bucket, making it if needed.
func (l *limiter) bucket(key string, now time.Time) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.keys[key]
	if ok {
		return b
	}
	if len(l.keys) >= limiterKeys {
		for k, v := range l.keys {
			if v.TokensAt(now) >= float64(l.burst) {
				delete(l.keys, k)
			}
		}
		// Still full (a flood of fresh keys): forget an arbitrary half
		// rather than grow without bound or refuse every new key. The
		// per-address limit and the password-check slots still hold.
		if len(l.keys) >= limiterKeys {
			n := len(l.keys) / 2
			for k := range l.keys {
				if n == 0 {
					break
				}
				delete(l.keys, k)
				n--
			}
		}
	}
	b = rate.NewLimiter(l.limit, l.burst)
	l.keys[key] = b
	return b
}

// Allow spends one of key's tokens and reports whether there was one.
func (l *limiter) Allow(key string) bool {
	now := l.now()
	return l.bucket(key, now).AllowN(now, 1)
}

// AllowN spends n of key's tokens and reports whether there were n.
func (l *limiter) AllowN(key string, n int) bool {
	now := l.now()
	return l.bucket(key, now).AllowN(now, n)
}

// WaitN returns how long until key has n tokens again (for n above the
// burst, how long until a full bucket).
func (l *limiter) WaitN(key string, n int) time.Duration {
	now := l.now()
	l.mu.Lock()
	b, ok := l.keys[key]
	l.mu.Unlock()
	if !ok {
		return 0
	}
	missing := float64(min(n, l.burst)) - b.TokensAt(now)
	if missing <= 0 {
		return 0
	}
	if l.limit <= 0 {
		return math.MaxInt64
	}
	return time.Duration(missing / float64(l.limit) * float64(time.Second))
}

// Take spends one of key's tokens, if there is one, and returns a function
// that gives it back (for an attempt that turned out not to count: a
// successful sign-in, or one the directory was too busy to check).
func (l *limiter) Take(key string) (refund func(), ok bool) {
	now := l.now()
	r := l.bucket(key, now).ReserveN(now, 1)
	if !r.OK() || r.DelayFrom(now) > 0 {
		r.CancelAt(now)
		return func() {}, false
	}
	// Cancelled as of the moment it was taken, so the whole token comes back.
	return func() { r.CancelAt(now) }, true
}

// Wait returns how long until key has a token again; 0 if it has one now.
func (l *limiter) Wait(key string) time.Duration {
	now := l.now()
	l.mu.Lock()
	b, ok := l.keys[key]
	l.mu.Unlock()
	if !ok {
		return 0
	}
	missing := 1 - b.TokensAt(now)
	if missing <= 0 {
		return 0
	}
	if l.limit <= 0 {
		return math.MaxInt64
	}
	return time.Duration(missing / float64(l.limit) * float64(time.Second))
}

// Forget resets key: its next event starts with a full bucket.
func (l *limiter) Forget(key string) {
	l.mu.Lock()
	delete(l.keys, key)
	l.mu.Unlock()
}

// retryError is a refusal that says when to try again; fail sends it as the
// Retry-After header.
type retryError struct {
	err   *signpost.Error
	after time.Duration
}

func (e *retryError) Error() string { return e.err.Error() }
func (e *retryError) Unwrap() error { return e.err }

// retryLater returns a refusal of kind with a safe message, to be tried
// again after the given time.
func retryLater(after time.Duration, kind signpost.ErrorKind, format string, args ...any) error {
	return &retryError{err: signpost.Errorf(kind, format, args...), after: after}
}

// retrySeconds is the Retry-After value for a wait: whole seconds, at least 1.
func retrySeconds(d time.Duration) int {
	if d >= time.Duration(math.MaxInt32)*time.Second {
		return math.MaxInt32
	}
	return max(1, int(math.Ceil(d.Seconds())))
}

// gate bounds how many password checks run at once. Each is a memory-hard
// hash (19 MiB with DefaultPasswordParams), so the number of slots bounds the
// memory sign-in can take, whoever asks, signed in or not. A check waits at
// most wait for a slot, and only a bounded number wait at all.
type gate struct {
	slots   chan struct{}
	wait    time.Duration
	waiting atomic.Int64
	queue   int64
}

func newGate(slots int, wait time.Duration) *gate {
	return &gate{slots: make(chan struct{}, slots), wait: wait, queue: int64(16 * slots)}
}

var errBusy = &signpost.Error{Kind: signpost.KindUnavailable, Message: "the directory is busy signing other people in; try again in a moment"}

// enter takes a slot and returns the function that frees it. When none comes
// free in time it returns an unavailable error to retry after a second.
func (g *gate) enter(ctx context.Context) (leave func(), err error) {
	leave = func() { <-g.slots }
	select {
	case g.slots <- struct{}{}:
		return leave, nil
	default:
	}
	if g.waiting.Add(1) > g.queue {
		g.waiting.Add(-1)
		return nil, &retryError{err: errBusy, after: time.Second}
	}
	defer g.waiting.Add(-1)
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return leave, nil
	case <-t.C:
		return nil, &retryError{err: errBusy, after: time.Second}
	case <-ctx.Done():
		return nil, &signpost.Error{Kind: signpost.KindUnavailable, Message: "the sign-in was cancelled", Err: ctx.Err()}
	}
}
