package device

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	gosync "sync"
	"time"
	"unicode"
	"unicode/utf8"

	"signpost"
	"signpost/localstore"
	psync "signpost/sync"
)

// Device is this laptop's side of Signpost: the encrypted cache, the
// directory client and the sync engine. Unless Options.Headless, the engine
// runs in the background while the cache is unlocked; every change is saved
// in the cache first and the engine is kicked to send it.
//
// Its methods are safe for concurrent use. Every method but State, Subscribe
// and SyncNow may block (disk, network, Argon2). Errors are *signpost.Error
// with a kind and a person-safe message.
type Device struct {
	dir      string
	caFile   string
	hint     string
	headless bool
	log      *slog.Logger
	opts     localstore.Options // the cache's options (tests use small Argon2 costs)
	engine   psync.EngineOptions

	mu       gosync.Mutex
	st       *localstore.Store // nil until there is a cache
	client   *psync.Client
	eng      *psync.Engine
	stage    Stage
	user     signpost.User
	policy   signpost.Policy
	server   string
	wiped    *Wiped
	status   Status
	subs     map[int]func(Status)
	nextSub  int
	progress func(Status) // enrolment's progress, while it runs
	cancel   context.CancelFunc
	done     chan struct{}
	session  *signpost.SessionResponse // a sign-in made while locked, kept for Unlock

	poll        time.Duration // how often a locked laptop asks for its directive
	watchCancel context.CancelFunc
	watchDone   chan struct{}
	watchKick   chan struct{} // ask now (the app was just locked)
}

// Options configure New.
type Options struct {
	Dir    string // the cache's folder
	CAFile string // an extra certificate authority to trust (PEM)
	Hint   string // shown on the unlock screen
	// Headless: the engine never runs in the background (the command line
	// syncs once, with Sync, and exits).
	Headless bool
	Logger   *slog.Logger
	Store    localstore.Options
	Engine   psync.EngineOptions
	// DirectivePoll is how often a locked app (or one not yet unlocked)
	// asks the directory, with the device credential, whether it must wipe:
	// at start, on locking and then this often (default a minute; negative:
	// never). A headless device never asks in the background.
	DirectivePoll time.Duration
}

// New opens the cache in opts.Dir (locked), or notes that there is none yet
// (StageEnrol) or that it was wiped (StageWiped).
func New(ctx context.Context, opts Options) (*Device, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Store.Logger == nil {
		opts.Store.Logger = opts.Logger
	}
	d := &Device{dir: opts.Dir, caFile: opts.CAFile, hint: opts.Hint, headless: opts.Headless, log: opts.Logger, opts: opts.Store,
		engine: opts.Engine, subs: map[int]func(Status){}, policy: signpost.DefaultPolicy(), poll: opts.DirectivePoll, watchKick: make(chan struct{}, 1)}
	if d.poll == 0 {
		d.poll = time.Minute
	}
	st, err := localstore.Open(ctx, opts.Dir, opts.Store)
	switch {
	case err == nil:
		d.st, d.stage = st, StageLocked
		if c, _ := st.LastContact(); !c.Server.IsZero() {
			d.status.LastSynced = c.Server
		}
	case signpost.KindOf(err) == signpost.KindNotFound:
		d.stage = StageEnrol
	case signpost.KindOf(err) == signpost.KindWiped:
		rep, _ := localstore.WipeReportOf(err)
		d.stage, d.wiped = StageWiped, wipedFrom(rep, signpost.MessageOf(err))
	default:
		return nil, err
	}
	d.startWatch()
	return d, nil
}

// wipedFrom describes a wipe for the wiped screen: msg, or if empty why the
// report says the cache was wiped.
func wipedFrom(rep localstore.WipeReport, msg string) *Wiped {
	if msg == "" {
		msg = rep.Why()
	}
	return &Wiped{Message: msg, Lost: rep.PendingLost, Kinds: rep.LostKinds(), At: rep.WipedAt}
}

// State returns a snapshot; it does no I/O.
func (d *Device) State() State {
	d.mu.Lock()
	defer d.mu.Unlock()
	st := State{Stage: d.stage, User: d.user, Policy: d.policy, Server: d.server, Hint: d.hint, Wiped: d.wiped, Online: d.status.Online}
	if d.stage == StageLocked && d.st != nil {
		f := d.st.LockedFacts()
		st.AttemptsLeft, st.Unsent = f.AttemptsLeft, f.Unsent
	}
	return st
}

// setUnsent shows the outbox's counts in the status.
func setUnsent(ps *Status, u localstore.Unsent) {
	ps.Pending, ps.Views, ps.Refused = u.Changes, u.Views, u.Refused
	// Issue 16, slice app: notifications marked read are not changes a
	// person made (they go with the outbox all the same).
	ps.Pending = max(0, ps.Pending-u.Kinds[signpost.MutReadNotifications])
}

// Subscribe registers f for status updates.
func (d *Device) Subscribe(f func(Status)) func() {
	d.mu.Lock()
	id := d.nextSub
	d.nextSub++
	d.subs[id] = f
	st := d.status
	d.mu.Unlock()
	f(st)
	return func() {
		d.mu.Lock()
		delete(d.subs, id)
		d.mu.Unlock()
	}
}

// publish updates the status with change and tells the subscribers.
func (d *Device) publish(change func(*Status)) {
	d.mu.Lock()
	change(&d.status)
	d.status.OfflineLockAt = time.Time{}
	if d.st != nil && d.policy.OfflineLockHours > 0 {
		if c, since := d.st.LastContact(); !c.Server.IsZero() {
			d.status.OfflineLockAt = time.Now().Add(time.Duration(d.policy.OfflineLockHours)*time.Hour - since)
		}
	}
	st := d.status
	fs := make([]func(Status), 0, len(d.subs)+1)
	for _, f := range d.subs {
		fs = append(fs, f)
	}
	if d.progress != nil {
		fs = append(fs, d.progress)
	}
	d.mu.Unlock()
	for _, f := range fs {
		f(st)
	}
}

// onEvent turns the engine's events into the status the app shows, and
// follows the engine into the locked and wiped states.
func (d *Device) onEvent(ev psync.Event) {
	if ev.Phase == psync.PhaseIdle && d.store() != nil {
		if p, err := d.store().Policy(context.Background()); err == nil {
			d.mu.Lock()
			d.policy = p
			d.mu.Unlock()
		}
	}
	switch ev.Phase {
	case psync.PhaseWiped:
		rep := localstore.WipeReport{}
		if ev.Wipe != nil {
			rep = *ev.Wipe
		}
		d.mu.Lock()
		d.stage, d.wiped = StageWiped, wipedFrom(rep, ev.Message)
		d.mu.Unlock()
	case psync.PhaseLocked:
		d.mu.Lock()
		if d.stage == StageReady {
			d.stage = StageLocked
		}
		d.mu.Unlock()
	}
	d.publish(func(st *Status) {
		setUnsent(st, ev.Unsent)
		// The engine says offline until its first answer: during a sync's
		// first step that means "not yet known", not "offline".
		switch {
		case ev.Online:
			st.Online, st.Checking = true, false
		case ev.Phase == psync.PhasePushing || ev.Phase == psync.PhasePulling || ev.Phase == psync.PhaseStopped:
		default:
			st.Online, st.Checking = false, false
		}
		if !ev.LastSynced.IsZero() {
			st.LastSynced = ev.LastSynced
		}
		st.Syncing, st.Done, st.Total, st.Step = false, ev.Done, ev.Total, ""
		if ev.Phase != psync.PhaseStopped {
			// Stopped follows a wipe or a lock: those stay in force.
			st.Locked, st.Wiped = false, false
		}
		switch ev.Phase {
		case psync.PhasePushing:
			st.Syncing, st.Step = true, "Sending changes"
		case psync.PhasePulling:
			st.Syncing, st.Step = true, "Receiving records"
		case psync.PhaseIdle:
			st.Message, st.SignInNeeded = "", false
			if ev.Err != nil {
				st.Message = sentenceOf(ev.Err)
			}
		case psync.PhaseOffline:
			st.Online = false
			st.Message = "The directory cannot be reached; retrying. Your work is saved."
		case psync.PhaseSignInNeeded:
			st.SignInNeeded = true
			st.Message = "The directory asks you to sign in again; your changes waiting to sync are kept."
		case psync.PhaseLocked:
			st.Locked = true
			st.Message = ev.Message
		case psync.PhaseWiped:
			st.Wiped = true
			st.Message = ev.Message
		case psync.PhaseStopped:
			st.Done, st.Total = 0, 0
		}
	})
}

// sentenceOf is an error's safe message as a sentence.
func sentenceOf(err error) string {
	m := strings.TrimSpace(signpost.MessageOf(err))
	if m == "" {
		return ""
	}
	r, n := utf8.DecodeRuneInString(m)
	return string(unicode.ToUpper(r)) + strings.TrimSuffix(m[n:], ".") + "."
}

func (d *Device) store() *localstore.Store {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.st
}

// ready returns the unlocked cache, client and engine, or an error saying
// why there are none.
func (d *Device) ready() (*localstore.Store, *psync.Client, *psync.Engine, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stage == StageWiped {
		return nil, nil, nil, &signpost.Error{Kind: signpost.KindWiped, Message: "the Signpost records on this laptop were wiped"}
	}
	if d.st == nil || d.st.Locked() {
		return nil, nil, nil, &signpost.Error{Kind: signpost.KindLocked, Message: "Signpost is locked; unlock it first"}
	}
	return d.st, d.client, d.eng, nil
}

// Enrol signs in for the first time, creates the cache and runs the first
// sync, reporting progress. A failed first sync is retried in the background;
// a headless device returns its error (the cache is enrolled all the same).
func (d *Device) Enrol(ctx context.Context, req EnrolRequest, progress func(Status)) error {
	ctx = withNewPassword(ctx, req.NewPassword) // issue 14, accounts slice
	d.mu.Lock()
	if d.stage != StageEnrol && d.stage != StageWiped {
		d.mu.Unlock()
		return &signpost.Error{Kind: signpost.KindConflict, Message: "this laptop is already set up"}
	}
	d.mu.Unlock()
	c, err := psync.NewClient(psync.ClientOptions{BaseURL: req.Server, CAFile: d.caFile})
	if err != nil {
		return err
	}
	st, err := localstore.Create(ctx, d.dir, req.Passphrase, d.opts)
	releaseKDFMemory()
	if err != nil {
		return err
	}
	d.mu.Lock()
	d.progress = progress
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.progress = nil
		d.mu.Unlock()
	}()
	e := d.newEngine(c, st)
	resp, err := e.SignIn(ctx, req.Username, req.Password, req.OTP, req.DeviceName)
	if err != nil {
		// A cache that never signed in holds nothing worth keeping.
		if _, werr := st.Wipe(context.WithoutCancel(ctx)); werr != nil {
			d.log.Warn("removing the new cache after a failed sign-in", "err", werr)
		}
		return err
	}
	d.keepCredential(st, req.Server, resp)
	if err := st.SetServerURL(ctx, req.Server); err != nil {
		st.Close()
		return err
	}
	var syncErr error
	if _, err := e.Sync(ctx); err != nil {
		if k := signpost.KindOf(err); k == signpost.KindWiped || k == signpost.KindLocked {
			return err
		}
		// Signed in but the first sync failed: the engine retries in the
		// background, or, headless, the caller is told.
		d.log.Warn("first sync", "kind", signpost.KindOf(err), "err", err)
		if d.headless {
			syncErr = err
		}
	}
	d.mu.Lock()
	d.st, d.client, d.eng, d.server, d.wiped = st, c, e, req.Server, nil
	d.progress = nil // the first sync is over; the engine's events go to the status bar
	d.mu.Unlock()
	if err := d.afterUnlock(ctx); err != nil {
		return err
	}
	return syncErr
}

func (d *Device) newEngine(c *psync.Client, st *localstore.Store) *psync.Engine {
	opts := d.engine
	opts.OnEvent = d.onEvent
	return psync.NewEngine(c, st, opts)
}

// Unlock opens the cache and starts syncing.
func (d *Device) Unlock(ctx context.Context, passphrase string) error {
	st := d.store()
	if st == nil {
		return &signpost.Error{Kind: signpost.KindNotFound, Message: "Signpost is not set up on this laptop yet; set it up first"}
	}
	err := st.Unlock(ctx, passphrase)
	releaseKDFMemory()
	if err != nil {
		if signpost.KindOf(err) == signpost.KindWiped {
			rep, _ := localstore.WipeReportOf(err)
			d.mu.Lock()
			d.stage, d.wiped = StageWiped, wipedFrom(rep, "")
			d.mu.Unlock()
		}
		return err
	}
	return d.afterUnlock(ctx)
}

// releaseKDFMemory gives back to the system the memory Argon2 used (64 MiB
// by default) to unwrap the cache key: the Go runtime would otherwise keep it
// resident for minutes, which counts against a laptop's memory all day.
func releaseKDFMemory() { debug.FreeOSMemory() }

// afterUnlock reads who the cache belongs to, connects and starts the engine.
func (d *Device) afterUnlock(ctx context.Context) error {
	st := d.store()
	d.mu.Lock()
	session := d.session
	d.session = nil
	d.mu.Unlock()
	if session != nil {
		// Signed in while locked (too long offline): keep the new session.
		for _, f := range []func() error{
			func() error { return st.SetUser(ctx, session.User) },
			func() error { return st.SetToken(ctx, session.Token) },
			func() error { return st.SetPolicy(ctx, session.Policy) },
		} {
			if err := f(); err != nil {
				st.Lock()
				return err
			}
		}
	}
	user, err := st.User(ctx)
	if err != nil {
		return err
	}
	policy, err := st.Policy(ctx)
	if err != nil {
		return err
	}
	server, err := st.ServerURL(ctx)
	if err != nil {
		return err
	}
	token, _ := st.Token(ctx)
	pending, _ := st.Unsent(ctx)
	contact, _ := st.LastContact()

	d.mu.Lock()
	c, e := d.client, d.eng
	d.mu.Unlock()
	if c == nil || e == nil {
		if c, err = psync.NewClient(psync.ClientOptions{BaseURL: server, CAFile: d.caFile}); err != nil {
			return err
		}
		e = d.newEngine(c, st)
	}
	if token != "" {
		c.SetToken(token)
	}
	d.mu.Lock()
	d.client, d.eng, d.user, d.policy, d.server, d.stage = c, e, user, policy, server, StageReady
	d.mu.Unlock()
	d.startWatch()
	d.publish(func(ps *Status) {
		setUnsent(ps, pending)
		ps.Locked, ps.Wiped, ps.Syncing = false, false, false
		ps.Online, ps.Checking = false, true
		if !contact.Server.IsZero() {
			ps.LastSynced = contact.Server
		}
	})
	d.startEngine()
	return nil
}

// startEngine runs the engine until Lock (or until it stops by itself);
// a headless device never runs it in the background.
func (d *Device) startEngine() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.headless || d.cancel != nil || d.eng == nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	d.cancel, d.done = cancel, done
	e := d.eng
	go func() {
		defer close(done)
		err := e.Run(ctx)
		if err != nil && ctx.Err() == nil {
			d.log.Info("sync stopped", "kind", signpost.KindOf(err), "err", err)
		}
		d.mu.Lock()
		if d.done == done {
			d.cancel, d.done = nil, nil
		}
		d.mu.Unlock()
	}()
}

// stopEngine stops the engine and waits for it.
func (d *Device) stopEngine() {
	d.mu.Lock()
	cancel, done := d.cancel, d.done
	d.cancel, d.done = nil, nil
	d.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// SignIn signs in again: while unlocked through the engine (which keeps the
// token), while locked straight to the directory, keeping the session for
// Unlock.
func (d *Device) SignIn(ctx context.Context, req SignInRequest) error {
	ctx = withNewPassword(ctx, req.NewPassword) // issue 14, accounts slice
	d.mu.Lock()
	st, e, stage, username := d.st, d.eng, d.stage, d.user.Username
	d.mu.Unlock()
	if st == nil {
		return &signpost.Error{Kind: signpost.KindNotFound, Message: "Signpost is not set up on this laptop yet; set it up first"}
	}
	host, _ := os.Hostname()
	if stage == StageReady && e != nil {
		resp, err := e.SignIn(ctx, username, req.Password, req.OTP, host)
		if err != nil {
			return err
		}
		d.mu.Lock()
		server := d.server
		d.mu.Unlock()
		d.keepCredential(st, server, resp)
		d.publish(func(ps *Status) { ps.SignInNeeded, ps.Message = false, "" })
		d.startEngine()
		e.Kick()
		return nil
	}
	c, err := psync.NewClient(psync.ClientOptions{BaseURL: req.Server, CAFile: d.caFile})
	if err != nil {
		return err
	}
	resp, err := c.SignIn(ctx, signpost.SessionRequest{Username: req.Username, Password: req.Password, OTP: req.OTP, DeviceID: st.DeviceID(), DeviceName: host})
	var gone *psync.GoneError
	if errors.As(err, &gone) {
		// Ordered wiped: do it now, and tell the directory.
		rep, werr := st.Wipe(context.WithoutCancel(ctx))
		if werr != nil {
			return werr
		}
		rep.Reason = localstore.WipeOrdered
		if rerr := c.Wiped(context.WithoutCancel(ctx), st.DeviceID(), signpost.WipeReceipt{Lost: rep.PendingLost, WipedAt: rep.WipedAt}); rerr != nil {
			d.log.Warn("sending the wipe receipt", "err", rerr)
		}
		d.mu.Lock()
		d.stage, d.wiped = StageWiped, wipedFrom(rep, "")
		d.mu.Unlock()
		return &signpost.Error{Kind: signpost.KindWiped, Message: "your IT service ordered this laptop wiped; it has been"}
	}
	if err != nil {
		return err
	}
	d.keepCredential(st, req.Server, resp)
	if err := st.RecordContact(ctx, resp.ServerTime); err != nil {
		return err
	}
	d.mu.Lock()
	d.session = resp
	d.client = c
	d.eng = d.newEngine(c, st)
	d.mu.Unlock()
	return nil
}

// Lock stops syncing and locks the cache.
func (d *Device) Lock() error {
	d.stopEngine()
	d.mu.Lock()
	st := d.st
	if d.stage == StageReady {
		d.stage = StageLocked
	}
	d.mu.Unlock()
	if st == nil {
		return nil
	}
	err := st.Lock()
	select {
	case d.watchKick <- struct{}{}:
	default:
	}
	return err
}

// Close locks the cache and releases it.
func (d *Device) Close() error {
	d.stopWatch()
	d.stopEngine()
	d.mu.Lock()
	st := d.st
	d.mu.Unlock()
	if st == nil {
		return nil
	}
	return st.Close()
}

// SyncNow kicks the engine (or restarts it if it had stopped).
func (d *Device) SyncNow() {
	d.mu.Lock()
	e, ready, running := d.eng, d.stage == StageReady, d.cancel != nil
	d.mu.Unlock()
	if e == nil || !ready {
		return
	}
	if !running {
		d.startEngine()
	}
	e.Kick()
}

// changed tells the engine to send a new change and the app how many wait.
func (d *Device) changed(ctx context.Context, st *localstore.Store, e *psync.Engine) {
	if e != nil {
		e.Kick()
	}
	u, err := st.Unsent(ctx)
	if err != nil {
		return
	}
	d.publish(func(ps *Status) { setUnsent(ps, u) })
}

// Caseload lists the caseload from the cache.
func (d *Device) Caseload(ctx context.Context, filter string) ([]Case, error) {
	st, _, _, err := d.ready()
	if err != nil {
		return nil, err
	}
	cs, err := st.Caseload(ctx, filter)
	if err != nil {
		return nil, err
	}
	out := make([]Case, len(cs))
	for i, c := range cs {
		out[i] = Case{ID: c.SignpostID, GivenName: c.GivenName, FamilyName: c.FamilyName, DateOfBirth: c.DateOfBirth,
			Shielded: c.Shielded, Lead: c.LeadProfessional, CAF: c.CAF, Pending: c.PendingChange,
			Refused: c.RefusedChange, Provisional: c.Provisional, ChangeID: c.ChangeID, Role: c.Role, RefusedReason: c.Refused, MatchedTo: c.MatchedTo}
	}
	return out, nil
}

// ViewChild opens a record: from the cache when it is there (the view is
// recorded there and sent at the next sync), else from the directory (which
// records it), keeping a copy as a signposting result.
func (d *Device) ViewChild(ctx context.Context, id, reason string) (*Record, error) {
	st, c, e, err := d.ready()
	if err != nil {
		return nil, err
	}
	child, err := st.ViewChild(ctx, id, reason)
	if err == nil {
		d.changed(ctx, st, e)
		return d.record(ctx, st, child, true)
	}
	if signpost.KindOf(err) != signpost.KindNotFound || signpost.FieldOf(err) == "id" {
		return nil, err
	}
	child, err = c.Child(ctx, signpost.NormaliseSignpostID(id), reason)
	if err != nil {
		return nil, d.online(err, "this child's record is not on this laptop and the directory cannot be reached; try again when you are online")
	}
	if err := st.SaveLookup(ctx, child); err != nil {
		d.log.Warn("keeping a signposting result", "kind", signpost.KindOf(err), "err", err)
	}
	return d.record(ctx, st, child, false)
}

// online translates an error of a directory call: offline becomes the
// sentence given, a wipe order kicks the engine, which carries it out.
func (d *Device) online(err error, offline string) error {
	var gone *psync.GoneError
	if errors.As(err, &gone) {
		if e := d.currentEngine(); e != nil {
			e.Kick()
		}
		return &signpost.Error{Kind: signpost.KindGone, Message: "your IT service has ordered this laptop to be wiped", Err: err}
	}
	if psync.IsOffline(err) && offline != "" {
		return &signpost.Error{Kind: signpost.KindUnavailable, Message: offline, Err: err}
	}
	return err
}

func (d *Device) currentEngine() *psync.Engine {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.eng
}

// record dresses a child for the screen: on the caseload or not, and the
// practitioner's changes to the child not yet confirmed.
func (d *Device) record(ctx context.Context, st *localstore.Store, c *signpost.Child, fromCache bool) (*Record, error) {
	rec := &Record{Child: c, FromCache: fromCache}
	for _, inv := range c.Involvements {
		if inv.Mine && inv.Active() {
			rec.OnCaseload = true
		}
	}
	items, err := st.Outbox(ctx)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		if it.ChildID == c.SignpostID && it.Kind != signpost.MutView {
			rec.Pending = append(rec.Pending, describe16(change(it), c.FullName())) // describe16: issue 16, slice app
		}
	}
	return rec, nil
}

func change(it localstore.OutboxItem) Change {
	return Change{ID: it.ID, Kind: it.Kind, ChildID: it.ChildID, Description: it.Description, Created: it.Created, State: it.State, Reason: it.Reason,
		On: it.On, Role: it.Role, Identity: it.Identity, MatchedTo: it.MatchedTo}
}

// Refresh re-reads a record from the cache without recording a view.
func (d *Device) Refresh(ctx context.Context, id string) (*Record, error) {
	st, _, _, err := d.ready()
	if err != nil {
		return nil, err
	}
	c, err := st.Child(ctx, id)
	if err != nil {
		return nil, err
	}
	return d.record(ctx, st, c, true)
}

// Search asks the directory, or searches the cache when it cannot be reached.
func (d *Device) Search(ctx context.Context, req signpost.SearchRequest) (SearchResult, error) {
	st, c, _, err := d.ready()
	if err != nil {
		return SearchResult{}, err
	}
	resp, err := c.Search(ctx, req)
	if err == nil {
		return SearchResult{Matches: resp.Matches, TooMany: resp.TooMany}, nil
	}
	if !psync.IsOffline(err) {
		return SearchResult{}, d.online(err, "")
	}
	ms, err := st.SearchCache(ctx, req)
	if signpost.KindOf(err) == signpost.KindTooMany {
		return SearchResult{TooMany: true, Offline: true}, nil
	}
	if err != nil {
		return SearchResult{Offline: true}, err
	}
	return SearchResult{Matches: ms, Offline: true}, nil
}

// enqueue saves a change and kicks the engine.
func (d *Device) enqueue(ctx context.Context, m signpost.Mutation) error {
	st, _, e, err := d.ready()
	if err != nil {
		return err
	}
	if _, err := st.Enqueue(ctx, m); err != nil {
		return err
	}
	d.changed(ctx, st, e)
	return nil
}

// StartInvolvement records work with a child since on (YYYY-MM-DD; ""
// for today); a child not yet in the cache is fetched from the directory
// first (audited, with the reason).
func (d *Device) StartInvolvement(ctx context.Context, childID, role, on string) error {
	m := signpost.Mutation{Kind: signpost.MutStartInvolvement, ChildID: childID, Role: role, On: on}
	err := d.enqueue(ctx, m)
	if signpost.KindOf(err) != signpost.KindNotFound || signpost.FieldOf(err) != "" {
		return err
	}
	st, c, _, rerr := d.ready()
	if rerr != nil {
		return rerr
	}
	child, cerr := c.Child(ctx, signpost.NormaliseSignpostID(childID), "recording an involvement")
	if cerr != nil {
		return d.online(cerr, "this child is not on this laptop and the directory cannot be reached; record them as a child met in the field, by name, date of birth and postcode")
	}
	if err := st.SaveLookup(ctx, child); err != nil {
		return err
	}
	return d.enqueue(ctx, m)
}

// EndInvolvement ends the practitioner's involvement with a child on the day
// on (YYYY-MM-DD; "" for today).
func (d *Device) EndInvolvement(ctx context.Context, childID, on string) error {
	if on == "" {
		on = signpost.Today(time.Now()).Format(signpost.DateLayout)
	}
	return d.enqueue(ctx, signpost.Mutation{Kind: signpost.MutEndInvolvement, ChildID: childID, On: on})
}

// SetCAF marks whether the practitioner holds a CAF/early-help assessment.
func (d *Device) SetCAF(ctx context.Context, childID string, on bool) error {
	return d.enqueue(ctx, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: childID, Value: on})
}

// SetLead marks whether the practitioner is the lead professional.
func (d *Device) SetLead(ctx context.Context, childID string, on bool) error {
	return d.enqueue(ctx, signpost.Mutation{Kind: signpost.MutSetLead, ChildID: childID, Value: on})
}

// MetChild records work with a child who is not in the cache, by identity.
func (d *Device) MetChild(ctx context.Context, id signpost.Identity, role string) error {
	return d.enqueue(ctx, signpost.Mutation{Kind: signpost.MutMetChild, Identity: &id, Role: role})
}

// Outbox lists the changes waiting and refused.
func (d *Device) Outbox(ctx context.Context) ([]Change, error) {
	st, _, _, err := d.ready()
	if err != nil {
		return nil, err
	}
	items, err := st.Outbox(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Change, 0, len(items))
	for _, it := range items {
		if it.Kind == signpost.MutReadNotifications { // issue 16, slice app: not a person's change
			continue
		}
		out = append(out, d.named16(ctx, st, change(it))) // named16: issue 16, slice app
	}
	return out, nil
}

// Retry queues a refused change again.
func (d *Device) Retry(ctx context.Context, id string) error {
	st, _, e, err := d.ready()
	if err != nil {
		return err
	}
	if _, err := st.Retry(ctx, id); err != nil {
		return err
	}
	d.changed(ctx, st, e)
	return nil
}

// HandOverLead hands the lead-professional role for childID to the
// practitioner of involvement to (working with the child now); queued like
// every change.
func (d *Device) HandOverLead(ctx context.Context, childID, to string) error {
	return d.enqueue(ctx, signpost.Mutation{Kind: signpost.MutHandOverLead, ChildID: childID, To: to})
}

// Cancel takes back a change that has not been sent yet (not a record
// opened offline, nor one being sent).
func (d *Device) Cancel(ctx context.Context, id string) error {
	st, _, e, err := d.ready()
	if err != nil {
		return err
	}
	if err := st.Cancel(ctx, id); err != nil {
		return err
	}
	d.changed(ctx, st, e)
	return nil
}

// EditChange corrects a change that has not been sent yet, keeping its
// place in the queue (not one being sent, refused, or a record opened
// offline).
func (d *Device) EditChange(ctx context.Context, id string, e ChangeEdit) error {
	st, _, eng, err := d.ready()
	if err != nil {
		return err
	}
	if _, err := st.Edit(ctx, id, localstore.Edit{On: e.On, Role: e.Role, Identity: e.Identity}); err != nil {
		return err
	}
	d.changed(ctx, st, eng)
	return nil
}

// Dismiss discards a refused change, or the outcome of a child met in the
// field once read.
func (d *Device) Dismiss(ctx context.Context, id string) error {
	st, _, e, err := d.ready()
	if err != nil {
		return err
	}
	if err := st.Dismiss(ctx, id); err != nil {
		return err
	}
	d.changed(ctx, st, e)
	return nil
}

const needOnline = "this needs the directory, which cannot be reached; try again when you are online"

// Devices lists the enrolled devices most recently seen (IT admin).
func (d *Device) Devices(ctx context.Context) ([]signpost.Device, error) {
	_, c, _, err := d.ready()
	if err != nil {
		return nil, err
	}
	// The laptops most recently seen; the IT screen shows a page.
	page, err := c.Devices(ctx, "")
	if err != nil {
		return nil, d.online(err, needOnline)
	}
	return page.Devices, nil
}

// OrderWipe orders a device wiped (IT admin), for reason: lost or stolen
// wipes as soon as the laptop is online, even locked; leaver after its last
// push.
func (d *Device) OrderWipe(ctx context.Context, id, reason string) (signpost.Device, error) {
	_, c, _, err := d.ready()
	if err != nil {
		return signpost.Device{}, err
	}
	dev, err := c.OrderWipe(ctx, id, reason)
	if err != nil {
		return signpost.Device{}, d.online(err, needOnline)
	}
	return *dev, nil
}

// CancelWipe cancels a wipe order not yet carried out (IT admin), for a
// reason (audited).
func (d *Device) CancelWipe(ctx context.Context, id, reason string) (signpost.Device, error) {
	_, c, _, err := d.ready()
	if err != nil {
		return signpost.Device{}, err
	}
	dev, err := c.CancelWipe(ctx, id, reason)
	if err != nil {
		return signpost.Device{}, d.online(err, needOnline)
	}
	return *dev, nil
}

// Shield shields a child's record (management team of the child's authority).
func (d *Device) Shield(ctx context.Context, id string, req signpost.ShieldRequest) (*Record, error) {
	st, c, e, err := d.ready()
	if err != nil {
		return nil, err
	}
	child, err := c.Shield(ctx, id, req)
	if err != nil {
		return nil, d.online(err, needOnline)
	}
	e.Kick() // the cache learns of it at the next pull
	return d.record(ctx, st, child, false)
}

// Unshield lifts a child's shielding, for a reason (required, and audited).
func (d *Device) Unshield(ctx context.Context, id, reason string) (*Record, error) {
	st, c, e, err := d.ready()
	if err != nil {
		return nil, err
	}
	child, err := c.Unshield(ctx, id, reason)
	if err != nil {
		return nil, d.online(err, needOnline)
	}
	e.Kick()
	return d.record(ctx, st, child, false)
}

// BreakGlass shows a shielded record in full, once. The full record is never
// kept in the cache.
func (d *Device) BreakGlass(ctx context.Context, id, reason string) (*Record, error) {
	st, c, _, err := d.ready()
	if err != nil {
		return nil, err
	}
	child, err := c.BreakGlass(ctx, id, reason)
	if err != nil {
		return nil, d.online(err, needOnline)
	}
	rec, err := d.record(ctx, st, child, false)
	if err != nil {
		return nil, err
	}
	rec.BrokeGlass = true
	return rec, nil
}

// ChangePassphrase re-wraps the cache key under a new passphrase; too many
// wrong old passphrases wipe the cache.
func (d *Device) ChangePassphrase(ctx context.Context, oldPass, newPass string) error {
	st, _, _, err := d.ready()
	if err != nil {
		return err
	}
	err = st.ChangePassphrase(ctx, oldPass, newPass)
	releaseKDFMemory()
	if signpost.KindOf(err) == signpost.KindWiped {
		d.stopEngine()
		rep, _ := localstore.WipeReportOf(err)
		d.mu.Lock()
		d.stage, d.wiped = StageWiped, wipedFrom(rep, "")
		d.mu.Unlock()
	}
	return err
}

// SetServer changes the directory's address and reconnects.
func (d *Device) SetServer(ctx context.Context, u string) error {
	st, _, _, err := d.ready()
	if err != nil {
		return err
	}
	c, err := psync.NewClient(psync.ClientOptions{BaseURL: u, CAFile: d.caFile})
	if err != nil {
		return err
	}
	if err := st.SetServerURL(ctx, u); err != nil {
		return err
	}
	if cred, err := st.Credential(); err == nil {
		cred.Server = u
		if err := st.SetCredential(cred); err != nil {
			d.log.Warn("keeping the device credential's directory address", "kind", signpost.KindOf(err), "err", err)
		}
	}
	if tok, err := st.Token(ctx); err == nil && tok != "" {
		c.SetToken(tok)
	}
	d.stopEngine()
	d.mu.Lock()
	d.client, d.eng, d.server = c, d.newEngine(c, st), u
	d.mu.Unlock()
	d.startEngine()
	return nil
}

// Sync sends the changes waiting and receives the directory's, once, and
// says what it did: for a headless device, whose engine does not run in the
// background.
func (d *Device) Sync(ctx context.Context) (psync.Report, error) {
	_, _, e, err := d.ready()
	if err != nil {
		return psync.Report{}, err
	}
	return e.Sync(ctx)
}

// Summary is what an unlocked cache says of itself, for the command line's
// status.
type Summary struct {
	User     signpost.User
	Server   string // the directory's address
	DeviceID string
	// LastSynced is the directory's time at the last contact (zero: never),
	// Since how long ago that was.
	LastSynced time.Time
	Since      time.Duration
	Caseload   int      // children on the caseload
	Pending    int      // changes and offline views waiting for the directory
	Refused    []Change // changes the directory refused
}

// Summary reads the summary of the unlocked cache.
func (d *Device) Summary(ctx context.Context) (Summary, error) {
	st, _, _, err := d.ready()
	if err != nil {
		return Summary{}, err
	}
	var sum Summary
	sum.User, _ = st.User(ctx)
	sum.Server, _ = st.ServerURL(ctx)
	sum.DeviceID = st.DeviceID()
	contact, since := st.LastContact()
	sum.LastSynced, sum.Since = contact.Server, since
	sum.Pending, _ = st.PendingCount(ctx)
	cases, _ := st.Caseload(ctx, "")
	for _, c := range cases {
		if !c.Provisional { // a child met offline counts once the record is here
			sum.Caseload++
		}
	}
	items, _ := st.Outbox(ctx)
	for _, it := range items {
		if it.State == localstore.StateRejected {
			sum.Refused = append(sum.Refused, change(it))
		}
	}
	return sum, nil
}
