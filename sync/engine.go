package sync

import (
	"context"
	"errors"
	"math/rand/v2"
	gosync "sync"
	"time"

	"signpost"
	"signpost/localstore"
)

// Phases an Event reports.
const (
	PhaseIdle         = "idle"          // synced; waiting for changes
	PhasePushing      = "pushing"       // sending the outbox
	PhasePulling      = "pulling"       // receiving changes
	PhaseOffline      = "offline"       // the directory cannot be reached; retrying
	PhaseSignInNeeded = "signin_needed" // the token was refused: sign in again (the outbox is kept)
	PhaseLocked       = "locked"        // the directory ordered the cache locked
	PhaseWiped        = "wiped"         // the cache was wiped (by the IT service or by policy)
	PhaseStopped      = "stopped"       // Run returned
)

// Event is the engine's progress and state, for the app to show.
type Event struct {
	Phase      string
	Done       int // changes pushed, or children pulled, so far in this phase
	Total      int // changes to push (0 while pulling: the total is not known)
	Online     bool
	LastSynced time.Time // the last complete sync, by the directory's clock
	Pending    int       // changes not yet confirmed by the directory
	// Unsent counts the outbox apart: changes, offline views, refused
	// changes (zero while the cache is locked).
	Unsent  localstore.Unsent
	Err     error // the last error, if any
	Wipe    *localstore.WipeReport
	Message string
	// Notified, on the idle event that ends a sync, counts the
	// notifications that sync brought (issue 16): the app raises a desktop
	// notification naming no child ("2 updates about children you work with").
	Notified int
}

// EngineOptions tune an Engine; zero values take the defaults.
type EngineOptions struct {
	BatchSize int // changes per push (default 200)
	PageSize  int // children per pull page (default 500)
	// RetryMin and RetryMax bound the wait between attempts while offline
	// (exponential with jitter; defaults 2 s and 60 s).
	RetryMin, RetryMax time.Duration
	// OnEvent receives events, in order, from the engine's goroutine. It must
	// not block for long.
	OnEvent func(Event)
	Now     func() time.Time
}

// Engine syncs one device cache with the directory.
type Engine struct {
	c        *Client
	st       *localstore.Store
	opts     EngineOptions
	deviceID string // kept: a wiped cache no longer knows it, the receipt needs it

	mu         gosync.Mutex
	online     bool
	lastSynced time.Time
	lastErr    error
	kick       chan struct{}
	syncMu     gosync.Mutex // one sync at a time
}

// NewEngine returns an engine for the cache st and the directory client c.
func NewEngine(c *Client, st *localstore.Store, opts EngineOptions) *Engine {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 200
	}
	if opts.BatchSize > localstore.MaxBatch {
		opts.BatchSize = localstore.MaxBatch
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 500
	}
	if opts.RetryMin <= 0 {
		opts.RetryMin = 2 * time.Second
	}
	if opts.RetryMax <= 0 {
		opts.RetryMax = 60 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Engine{c: c, st: st, opts: opts, deviceID: st.DeviceID(), kick: make(chan struct{}, 1)}
}

func (e *Engine) emit(ctx context.Context, ev Event) {
	e.mu.Lock()
	ev.Online, ev.LastSynced = e.online, e.lastSynced
	if ev.Err == nil {
		ev.Err = e.lastErr
	}
	e.mu.Unlock()
	if !e.st.Locked() {
		if ev.Pending == 0 {
			ev.Pending, _ = e.st.PendingCount(ctx)
		}
		ev.Unsent, _ = e.st.Unsent(ctx)
	}
	if e.opts.OnEvent != nil {
		e.opts.OnEvent(ev)
	}
}

func (e *Engine) setOnline(online bool, err error) {
	e.mu.Lock()
	e.online, e.lastErr = online, err
	e.mu.Unlock()
}

// Online reports whether the last contact with the directory succeeded.
func (e *Engine) Online() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.online
}

// Kick asks a running engine to sync now (after a change was queued, or when
// the practitioner presses Sync now).
func (e *Engine) Kick() {
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// SignIn signs the practitioner in on this device (enrolling it the first
// time) and keeps the token, the user and the policy in the cache. On a locked
// cache it records the contact only and leaves saving them to the caller.
func (e *Engine) SignIn(ctx context.Context, username, password, otp, deviceName string) (*signpost.SessionResponse, error) {
	resp, err := e.c.SignIn(ctx, signpost.SessionRequest{Username: username, Password: password, OTP: otp, DeviceID: e.deviceID, DeviceName: deviceName})
	if err != nil {
		var g *GoneError
		if errors.As(err, &g) {
			return nil, e.wipe(ctx, 0)
		}
		return nil, err
	}
	e.setOnline(true, nil)
	if err := e.st.RecordContact(ctx, resp.ServerTime); err != nil {
		return nil, err
	}
	if e.st.Locked() {
		// A cache locked for being offline too long opens only after an online
		// sign-in: the contact is recorded (that works locked); the caller saves
		// the token, user and policy once the passphrase has unlocked it.
		return resp, nil
	}
	for _, f := range []func() error{
		func() error { return e.st.SetToken(ctx, resp.Token) },
		func() error { return e.st.SetUser(ctx, resp.User) },
		func() error { return e.st.SetPolicy(ctx, resp.Policy) },
	} {
		if err := f(); err != nil {
			return nil, err
		}
	}
	return resp, nil
}

// Report says what one Sync did.
type Report struct {
	Pushed, Rejected, Pulled, Removed int
	Notified                          int // issue 16: notifications pulled
}

// Sync pushes the whole outbox, in order and in batches, then pulls every
// page of changes. It returns a domain error: kind unavailable when offline
// (nothing is lost: unanswered changes go back to the queue), unauthorized
// when the token was refused (sign in again; the outbox is untouched), wiped
// when the directory ordered a wipe and it was carried out.
func (e *Engine) Sync(ctx context.Context) (Report, error) {
	e.syncMu.Lock()
	defer e.syncMu.Unlock()
	var rep Report
	if e.st.Locked() {
		return rep, &signpost.Error{Kind: signpost.KindLocked, Message: "Signpost is locked on this laptop; unlock it to sync"}
	}
	token, err := e.st.Token(ctx)
	if err != nil {
		return rep, err
	}
	if token == "" {
		return rep, &signpost.Error{Kind: signpost.KindUnauthorized, Message: "sign in to the directory first"}
	}
	e.c.SetToken(token)
	if err := e.push(ctx, &rep); err != nil {
		return rep, e.fail(ctx, err, rep.Pushed)
	}
	if err := e.pull(ctx, &rep); err != nil {
		return rep, e.fail(ctx, err, rep.Pushed)
	}
	c, _ := e.st.LastContact()
	e.mu.Lock()
	e.online, e.lastErr, e.lastSynced = true, nil, c.Server
	e.mu.Unlock()
	e.emit(ctx, Event{Phase: PhaseIdle, Notified: rep.Notified}) // Notified: issue 16
	return rep, nil
}

func (e *Engine) push(ctx context.Context, rep *Report) error {
	total, err := e.st.PendingCount(ctx)
	if err != nil || total == 0 {
		return err
	}
	e.emit(ctx, Event{Phase: PhasePushing, Total: total})
	for {
		batch, err := e.st.NextBatch(ctx, e.opts.BatchSize)
		if err != nil || len(batch) == 0 {
			return err
		}
		results, err := e.c.Push(ctx, batch)
		if results != nil {
			// Recorded even when the answer came with a wipe order.
			if merr := e.st.MarkResults(ctx, results); merr != nil {
				return merr
			}
			for _, r := range results {
				if r.Status == signpost.ResultRejected || r.FirstStatus == signpost.ResultRejected {
					rep.Rejected++
				} else {
					rep.Pushed++
				}
			}
		} else {
			ids := make([]string, len(batch))
			for i, m := range batch {
				ids[i] = m.ID
			}
			if rerr := e.st.ReturnToPending(context.WithoutCancel(ctx), ids); rerr != nil {
				return errors.Join(err, rerr)
			}
		}
		if err != nil {
			return err
		}
		if !understood(results) {
			return nil // changes this version cannot read the answer to wait for the next sync
		}
		e.setOnline(true, nil)
		e.emit(ctx, Event{Phase: PhasePushing, Done: rep.Pushed + rep.Rejected, Total: total})
	}
}

func (e *Engine) pull(ctx context.Context, rep *Report) error {
	cursor, err := e.st.Cursor(ctx)
	if err != nil {
		return err
	}
	e.emit(ctx, Event{Phase: PhasePulling})
	for {
		page, err := e.c.Pull(ctx, cursor, e.opts.PageSize)
		if err != nil {
			return err
		}
		e.setOnline(true, nil)
		if err := e.st.ApplyPull(ctx, page); err != nil {
			return err
		}
		rep.Pulled += len(page.Changes)
		rep.Removed += len(page.Removals)
		rep.Notified += len(page.Notifications) // issue 16
		cursor = page.Cursor
		e.emit(ctx, Event{Phase: PhasePulling, Done: rep.Pulled})
		if !page.More {
			return nil
		}
	}
}

// fail turns an error of a sync into the engine's state, and carries out a
// wipe order.
func (e *Engine) fail(ctx context.Context, err error, pushed int) error {
	var g *GoneError
	switch {
	case errors.As(err, &g):
		return e.wipe(ctx, pushed)
	case signpost.KindOf(err) == signpost.KindWiped:
		// The cache wiped itself on a directive that came with a pull.
		rep, _ := localstore.WipeReportOf(err)
		e.receipt(ctx, pushed, rep)
		e.emit(ctx, Event{Phase: PhaseWiped, Wipe: &rep, Message: rep.Message()})
		return err
	case signpost.KindOf(err) == signpost.KindLocked:
		e.emit(ctx, Event{Phase: PhaseLocked, Err: err, Message: signpost.MessageOf(err)})
		return err
	case errors.As(err, new(*RevokedError)): // issue 14, accounts slice: the cache locks at this contact
		e.setOnline(true, err)
		if lerr := e.st.Lock(); lerr != nil {
			return lerr
		}
		e.emit(ctx, Event{Phase: PhaseLocked, Err: err, Message: "your IT service has revoked this laptop's access to Signpost, so Signpost is locked on it; ask your IT service"})
		return err
	case signpost.KindOf(err) == signpost.KindUnauthorized:
		e.setOnline(true, err)
		e.emit(ctx, Event{Phase: PhaseSignInNeeded, Err: err, Message: "the directory asks you to sign in again; your unsent changes are kept"})
		return err
	case IsOffline(err):
		e.setOnline(false, err)
		e.emit(ctx, Event{Phase: PhaseOffline, Err: err, Message: signpost.MessageOf(err)})
		return err
	}
	e.setOnline(true, err)
	e.emit(ctx, Event{Phase: PhaseIdle, Err: err, Message: signpost.MessageOf(err)})
	return err
}

// wipe carries out the IT service's wipe order: one attempt to push what the
// outbox holds (the directory applies a wiping device's last push), then the
// crypto-erase, then the receipt with what was pushed and what was lost.
func (e *Engine) wipe(ctx context.Context, pushed int) error {
	ctx = context.WithoutCancel(ctx)
	for !e.st.Locked() {
		batch, err := e.st.NextBatch(ctx, localstore.MaxBatch)
		if err != nil || len(batch) == 0 {
			break
		}
		results, _ := e.c.Push(ctx, batch)
		if results == nil || e.st.MarkResults(ctx, results) != nil || !understood(results) {
			break
		}
		for _, r := range results {
			if r.Status == signpost.ResultApplied || r.FirstStatus == signpost.ResultApplied {
				pushed++
			}
		}
	}
	rep, err := e.st.Wipe(ctx)
	if err != nil {
		return err
	}
	rep.Reason = localstore.WipeOrdered
	e.receipt(ctx, pushed, rep)
	e.setOnline(true, nil)
	e.emit(ctx, Event{Phase: PhaseWiped, Wipe: &rep, Message: rep.Message()})
	return &signpost.Error{Kind: signpost.KindWiped, Message: rep.Message()}
}

func (e *Engine) receipt(ctx context.Context, pushed int, rep localstore.WipeReport) {
	at := rep.WipedAt
	if at.IsZero() {
		at = e.opts.Now()
	}
	ctx = context.WithoutCancel(ctx)
	rc := signpost.WipeReceipt{Pushed: pushed, Lost: rep.PendingLost, WipedAt: at}
	// Best effort: the directory shows the device as wipe ordered until it hears.
	if err := e.c.Wiped(ctx, e.deviceID, rc); signpost.FieldOf(err) == "wiped_at" {
		// This computer's clock is off (the wipe looks older than the order,
		// or in the future): send it undated, and the directory dates it by
		// its arrival.
		rc.WipedAt = time.Time{}
		_ = e.c.Wiped(ctx, e.deviceID, rc)
	}
}

// Run keeps the cache in step while ctx lasts: a sync, then a long-poll that
// returns as soon as there is something to pull (or a directive), then another
// sync. When the directory cannot be reached it retries with exponential
// backoff and jitter, reporting offline and online as events. It returns when
// ctx ends, when the token is refused (sign in again), or when the cache was
// wiped or locked.
func (e *Engine) Run(ctx context.Context) error {
	defer e.emit(context.WithoutCancel(ctx), Event{Phase: PhaseStopped})
	backoff := e.opts.RetryMin
	for {
		_, err := e.Sync(ctx)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err == nil:
			backoff = e.opts.RetryMin
		case IsOffline(err):
			if !e.sleep(ctx, jitter(backoff)) {
				return ctx.Err()
			}
			backoff = min(2*backoff, e.opts.RetryMax)
			continue
		case signpost.KindOf(err) == signpost.KindUnauthorized, signpost.KindOf(err) == signpost.KindWiped, signpost.KindOf(err) == signpost.KindLocked:
			return err
		default:
			// Something the next attempt may not repeat (a full disk, say): report and retry.
			if !e.sleep(ctx, jitter(backoff)) {
				return ctx.Err()
			}
			backoff = min(2*backoff, e.opts.RetryMax)
			continue
		}
		if err := e.waitForChange(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			switch ferr := e.fail(ctx, err, 0); signpost.KindOf(ferr) {
			case signpost.KindUnauthorized, signpost.KindWiped, signpost.KindLocked:
				return ferr
			}
			if !e.sleep(ctx, jitter(backoff)) {
				return ctx.Err()
			}
			backoff = min(2*backoff, e.opts.RetryMax)
		}
	}
}

// waitForChange long-polls until the directory has something for this device
// or the practitioner queued a change (Kick).
func (e *Engine) waitForChange(ctx context.Context) error {
	for {
		cursor, err := e.st.Cursor(ctx)
		if err != nil {
			return err
		}
		wctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		kicked := make(chan bool, 1)
		go func() {
			select {
			case <-e.kick:
				cancel()
				kicked <- true
			case <-done:
				kicked <- false
			}
		}()
		resp, err := e.c.Wait(wctx, cursor)
		close(done)
		wasKicked := <-kicked
		cancel()
		if wasKicked {
			return nil
		}
		if err != nil {
			return err
		}
		if resp.Changed || len(resp.Directives) > 0 {
			return nil
		}
		if n, _ := e.st.PendingCount(ctx); n > 0 {
			return nil
		}
	}
}

func (e *Engine) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-e.kick:
		return true
	case <-ctx.Done():
		return false
	}
}

// jitter spreads retries between half and all of d.
func jitter(d time.Duration) time.Duration {
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}
