package main

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
	"signpost/ui"
)

// services is the app's ui.Services: the encrypted cache, the directory
// client and the sync engine. The engine runs in the background while the
// cache is unlocked; every change is saved in the cache first and the engine
// is kicked to send it.
type services struct {
	dir    string
	caFile string
	hint   string
	log    *slog.Logger
	opts   localstore.Options // the cache's options (tests use small Argon2 costs)
	engine psync.EngineOptions

	mu       gosync.Mutex
	st       *localstore.Store // nil until there is a cache
	client   *psync.Client
	eng      *psync.Engine
	stage    ui.Stage
	user     signpost.User
	policy   signpost.Policy
	server   string
	wiped    *ui.Wiped
	status   ui.Status
	subs     map[int]func(ui.Status)
	nextSub  int
	progress func(ui.Status) // enrolment's progress, while it runs
	cancel   context.CancelFunc
	done     chan struct{}
	session  *signpost.SessionResponse // a sign-in made while locked, kept for Unlock
}

// serviceOptions configure newServices.
type serviceOptions struct {
	Dir    string // the cache's folder
	CAFile string
	Hint   string // shown on the unlock screen
	Logger *slog.Logger
	Store  localstore.Options
	Engine psync.EngineOptions
}

var _ ui.Services = (*services)(nil)

// newServices opens the cache in opts.Dir (locked), or notes that there is
// none yet (enrol) or that it was wiped.
func newServices(ctx context.Context, opts serviceOptions) (*services, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Store.Logger == nil {
		opts.Store.Logger = opts.Logger
	}
	s := &services{dir: opts.Dir, caFile: opts.CAFile, hint: opts.Hint, log: opts.Logger, opts: opts.Store,
		engine: opts.Engine, subs: map[int]func(ui.Status){}, policy: signpost.DefaultPolicy()}
	st, err := localstore.Open(ctx, opts.Dir, opts.Store)
	switch {
	case err == nil:
		s.st, s.stage = st, ui.StageLocked
		if c, _ := st.LastContact(); !c.Server.IsZero() {
			s.status.LastSynced = c.Server
		}
	case signpost.KindOf(err) == signpost.KindNotFound:
		s.stage = ui.StageEnrol
	case signpost.KindOf(err) == signpost.KindWiped:
		rep, _ := localstore.WipeReportOf(err)
		s.stage, s.wiped = ui.StageWiped, wipedFrom(rep, signpost.MessageOf(err))
	default:
		return nil, err
	}
	return s, nil
}

func wipedFrom(rep localstore.WipeReport, msg string) *ui.Wiped {
	if msg == "" {
		msg = "This device was wiped by your IT service."
		switch rep.Reason {
		case localstore.WipeAttempts:
			msg = "This laptop's Signpost cache was wiped after too many wrong passphrases."
		case localstore.WipeOffline:
			msg = "This laptop's Signpost cache was wiped after too long without contact with the directory."
		}
	}
	return &ui.Wiped{Message: msg, Lost: rep.PendingLost, At: rep.WipedAt}
}

// State returns a snapshot; it does no I/O.
func (s *services) State() ui.State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ui.State{Stage: s.stage, User: s.user, Policy: s.policy, Server: s.server, Hint: s.hint, Wiped: s.wiped, Online: s.status.Online}
}

// Subscribe registers f for status updates.
func (s *services) Subscribe(f func(ui.Status)) func() {
	s.mu.Lock()
	id := s.nextSub
	s.nextSub++
	s.subs[id] = f
	st := s.status
	s.mu.Unlock()
	f(st)
	return func() {
		s.mu.Lock()
		delete(s.subs, id)
		s.mu.Unlock()
	}
}

// publish updates the status with change and tells the subscribers.
func (s *services) publish(change func(*ui.Status)) {
	s.mu.Lock()
	change(&s.status)
	st := s.status
	fs := make([]func(ui.Status), 0, len(s.subs)+1)
	for _, f := range s.subs {
		fs = append(fs, f)
	}
	if s.progress != nil {
		fs = append(fs, s.progress)
	}
	s.mu.Unlock()
	for _, f := range fs {
		f(st)
	}
}

// onEvent turns the engine's events into the status the app shows, and
// follows the engine into the locked and wiped states.
func (s *services) onEvent(ev psync.Event) {
	if ev.Phase == psync.PhaseIdle && s.store() != nil {
		if p, err := s.store().Policy(context.Background()); err == nil {
			s.mu.Lock()
			s.policy = p
			s.mu.Unlock()
		}
	}
	switch ev.Phase {
	case psync.PhaseWiped:
		rep := localstore.WipeReport{}
		if ev.Wipe != nil {
			rep = *ev.Wipe
		}
		s.mu.Lock()
		s.stage, s.wiped = ui.StageWiped, wipedFrom(rep, ev.Message)
		s.mu.Unlock()
	case psync.PhaseLocked:
		s.mu.Lock()
		if s.stage == ui.StageReady {
			s.stage = ui.StageLocked
		}
		s.mu.Unlock()
	}
	s.publish(func(st *ui.Status) {
		st.Pending = ev.Pending
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

func (s *services) store() *localstore.Store {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st
}

// ready returns the unlocked cache, client and engine, or an error saying
// why there are none.
func (s *services) ready() (*localstore.Store, *psync.Client, *psync.Engine, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stage == ui.StageWiped {
		return nil, nil, nil, &signpost.Error{Kind: signpost.KindWiped, Message: "this laptop's cache was wiped"}
	}
	if s.st == nil || s.st.Locked() {
		return nil, nil, nil, &signpost.Error{Kind: signpost.KindLocked, Message: "Signpost is locked; unlock it first"}
	}
	return s.st, s.client, s.eng, nil
}

// Enrol signs in for the first time, creates the cache and runs the first sync.
func (s *services) Enrol(ctx context.Context, req ui.EnrolRequest, progress func(ui.Status)) error {
	s.mu.Lock()
	if s.stage != ui.StageEnrol && s.stage != ui.StageWiped {
		s.mu.Unlock()
		return &signpost.Error{Kind: signpost.KindConflict, Message: "this laptop is already set up"}
	}
	s.mu.Unlock()
	c, err := psync.NewClient(psync.ClientOptions{BaseURL: req.Server, CAFile: s.caFile})
	if err != nil {
		return err
	}
	st, err := localstore.Create(ctx, s.dir, req.Passphrase, s.opts)
	releaseKDFMemory()
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.progress = progress
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.progress = nil
		s.mu.Unlock()
	}()
	e := s.newEngine(c, st)
	if _, err := e.SignIn(ctx, req.Username, req.Password, req.OTP, req.DeviceName); err != nil {
		// A cache that never signed in holds nothing worth keeping.
		if _, werr := st.Wipe(context.WithoutCancel(ctx)); werr != nil {
			s.log.Warn("removing the new cache after a failed sign-in", "err", werr)
		}
		return err
	}
	if err := st.SetServerURL(ctx, req.Server); err != nil {
		st.Close()
		return err
	}
	if _, err := e.Sync(ctx); err != nil {
		if k := signpost.KindOf(err); k == signpost.KindWiped || k == signpost.KindLocked {
			return err
		}
		// Signed in but the first sync failed: the engine retries in the background.
		s.log.Warn("first sync", "kind", signpost.KindOf(err), "err", err)
	}
	s.mu.Lock()
	s.st, s.client, s.eng, s.server, s.wiped = st, c, e, req.Server, nil
	s.progress = nil // the first sync is over; the engine's events go to the status bar
	s.mu.Unlock()
	return s.afterUnlock(ctx)
}

func (s *services) newEngine(c *psync.Client, st *localstore.Store) *psync.Engine {
	opts := s.engine
	opts.OnEvent = s.onEvent
	return psync.NewEngine(c, st, opts)
}

// Unlock opens the cache and starts syncing.
func (s *services) Unlock(ctx context.Context, passphrase string) error {
	st := s.store()
	if st == nil {
		return &signpost.Error{Kind: signpost.KindNotFound, Message: "there is no Signpost cache on this laptop; set it up first"}
	}
	err := st.Unlock(ctx, passphrase)
	releaseKDFMemory()
	if err != nil {
		if signpost.KindOf(err) == signpost.KindWiped {
			rep, _ := localstore.WipeReportOf(err)
			s.mu.Lock()
			s.stage, s.wiped = ui.StageWiped, wipedFrom(rep, "")
			s.mu.Unlock()
		}
		return err
	}
	return s.afterUnlock(ctx)
}

// releaseKDFMemory gives back to the system the memory Argon2 used (64 MiB
// by default) to unwrap the cache key: the Go runtime would otherwise keep it
// resident for minutes, which counts against a laptop's memory all day.
func releaseKDFMemory() { debug.FreeOSMemory() }

// afterUnlock reads who the cache belongs to, connects and starts the engine.
func (s *services) afterUnlock(ctx context.Context) error {
	st := s.store()
	s.mu.Lock()
	session := s.session
	s.session = nil
	s.mu.Unlock()
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
	pending, _ := st.PendingCount(ctx)
	contact, _ := st.LastContact()

	s.mu.Lock()
	c, e := s.client, s.eng
	s.mu.Unlock()
	if c == nil || e == nil {
		if c, err = psync.NewClient(psync.ClientOptions{BaseURL: server, CAFile: s.caFile}); err != nil {
			return err
		}
		e = s.newEngine(c, st)
	}
	if token != "" {
		c.SetToken(token)
	}
	s.mu.Lock()
	s.client, s.eng, s.user, s.policy, s.server, s.stage = c, e, user, policy, server, ui.StageReady
	s.mu.Unlock()
	s.publish(func(ps *ui.Status) {
		ps.Pending, ps.Locked, ps.Wiped, ps.Syncing = pending, false, false, false
		ps.Online, ps.Checking = false, true
		if !contact.Server.IsZero() {
			ps.LastSynced = contact.Server
		}
	})
	s.startEngine()
	return nil
}

// startEngine runs the engine until Lock (or until it stops by itself).
func (s *services) startEngine() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancel != nil || s.eng == nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	s.cancel, s.done = cancel, done
	e := s.eng
	go func() {
		defer close(done)
		err := e.Run(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Info("sync stopped", "kind", signpost.KindOf(err), "err", err)
		}
		s.mu.Lock()
		if s.done == done {
			s.cancel, s.done = nil, nil
		}
		s.mu.Unlock()
	}()
}

// stopEngine stops the engine and waits for it.
func (s *services) stopEngine() {
	s.mu.Lock()
	cancel, done := s.cancel, s.done
	s.cancel, s.done = nil, nil
	s.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// SignIn signs in again: while unlocked through the engine (which keeps the
// token), while locked straight to the directory, keeping the session for
// Unlock.
func (s *services) SignIn(ctx context.Context, req ui.SignInRequest) error {
	s.mu.Lock()
	st, e, stage, username := s.st, s.eng, s.stage, s.user.Username
	s.mu.Unlock()
	if st == nil {
		return &signpost.Error{Kind: signpost.KindNotFound, Message: "there is no Signpost cache on this laptop; set it up first"}
	}
	host, _ := os.Hostname()
	if stage == ui.StageReady && e != nil {
		if _, err := e.SignIn(ctx, username, req.Password, req.OTP, host); err != nil {
			return err
		}
		s.publish(func(ps *ui.Status) { ps.SignInNeeded, ps.Message = false, "" })
		s.startEngine()
		e.Kick()
		return nil
	}
	c, err := psync.NewClient(psync.ClientOptions{BaseURL: req.Server, CAFile: s.caFile})
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
			s.log.Warn("sending the wipe receipt", "err", rerr)
		}
		s.mu.Lock()
		s.stage, s.wiped = ui.StageWiped, wipedFrom(rep, "")
		s.mu.Unlock()
		return &signpost.Error{Kind: signpost.KindWiped, Message: "your IT service ordered this laptop wiped; it has been"}
	}
	if err != nil {
		return err
	}
	if err := st.RecordContact(ctx, resp.ServerTime); err != nil {
		return err
	}
	s.mu.Lock()
	s.session = resp
	s.client = c
	s.eng = s.newEngine(c, st)
	s.mu.Unlock()
	return nil
}

// Lock stops syncing and locks the cache.
func (s *services) Lock() error {
	s.stopEngine()
	s.mu.Lock()
	st := s.st
	if s.stage == ui.StageReady {
		s.stage = ui.StageLocked
	}
	s.mu.Unlock()
	if st == nil {
		return nil
	}
	return st.Lock()
}

// Close locks the cache and releases it.
func (s *services) Close() error {
	s.stopEngine()
	s.mu.Lock()
	st := s.st
	s.mu.Unlock()
	if st == nil {
		return nil
	}
	return st.Close()
}

// SyncNow kicks the engine (or restarts it if it had stopped).
func (s *services) SyncNow() {
	s.mu.Lock()
	e, ready, running := s.eng, s.stage == ui.StageReady, s.cancel != nil
	s.mu.Unlock()
	if e == nil || !ready {
		return
	}
	if !running {
		s.startEngine()
	}
	e.Kick()
}

// changed tells the engine to send a new change and the app how many wait.
func (s *services) changed(ctx context.Context, st *localstore.Store, e *psync.Engine) {
	if e != nil {
		e.Kick()
	}
	n, err := st.PendingCount(ctx)
	if err != nil {
		return
	}
	s.publish(func(ps *ui.Status) { ps.Pending = n })
}

// Caseload lists the caseload from the cache.
func (s *services) Caseload(ctx context.Context, filter string) ([]ui.Case, error) {
	st, _, _, err := s.ready()
	if err != nil {
		return nil, err
	}
	cs, err := st.Caseload(ctx, filter)
	if err != nil {
		return nil, err
	}
	out := make([]ui.Case, len(cs))
	for i, c := range cs {
		out[i] = ui.Case{ID: c.SignpostID, GivenName: c.GivenName, FamilyName: c.FamilyName, DateOfBirth: c.DateOfBirth,
			Shielded: c.Shielded, Lead: c.LeadProfessional, CAF: c.CAF, Pending: c.PendingChange}
	}
	return out, nil
}

// ViewChild opens a record: from the cache when it is there (the view is
// recorded there and sent at the next sync), else from the directory (which
// records it), keeping a copy as a signposting result.
func (s *services) ViewChild(ctx context.Context, id, reason string) (*ui.Record, error) {
	st, c, e, err := s.ready()
	if err != nil {
		return nil, err
	}
	child, err := st.ViewChild(ctx, id, reason)
	if err == nil {
		s.changed(ctx, st, e)
		return s.record(ctx, st, child, true)
	}
	if signpost.KindOf(err) != signpost.KindNotFound || signpost.FieldOf(err) == "id" {
		return nil, err
	}
	child, err = c.Child(ctx, signpost.NormaliseSignpostID(id), reason)
	if err != nil {
		return nil, s.online(err, "this child's record is not on this laptop and the directory cannot be reached; try again when you are online")
	}
	if err := st.SaveLookup(ctx, child); err != nil {
		s.log.Warn("keeping a signposting result", "kind", signpost.KindOf(err), "err", err)
	}
	return s.record(ctx, st, child, false)
}

// online translates an error of a directory call: offline becomes the
// sentence given, a wipe order kicks the engine, which carries it out.
func (s *services) online(err error, offline string) error {
	var gone *psync.GoneError
	if errors.As(err, &gone) {
		if e := s.currentEngine(); e != nil {
			e.Kick()
		}
		return &signpost.Error{Kind: signpost.KindGone, Message: "your IT service has ordered this laptop to be wiped", Err: err}
	}
	if psync.IsOffline(err) && offline != "" {
		return &signpost.Error{Kind: signpost.KindUnavailable, Message: offline, Err: err}
	}
	return err
}

func (s *services) currentEngine() *psync.Engine {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.eng
}

// record dresses a child for the screen: on the caseload or not, and the
// practitioner's changes to the child not yet confirmed.
func (s *services) record(ctx context.Context, st *localstore.Store, c *signpost.Child, fromCache bool) (*ui.Record, error) {
	rec := &ui.Record{Child: c, FromCache: fromCache}
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
			rec.Pending = append(rec.Pending, change(it))
		}
	}
	return rec, nil
}

func change(it localstore.OutboxItem) ui.Change {
	return ui.Change{ID: it.ID, ChildID: it.ChildID, Description: it.Description, Created: it.Created, State: it.State, Reason: it.Reason}
}

// Refresh re-reads a record from the cache without recording a view.
func (s *services) Refresh(ctx context.Context, id string) (*ui.Record, error) {
	st, _, _, err := s.ready()
	if err != nil {
		return nil, err
	}
	c, err := st.Child(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.record(ctx, st, c, true)
}

// Search asks the directory, or searches the cache when it cannot be reached.
func (s *services) Search(ctx context.Context, req signpost.SearchRequest) (ui.SearchResult, error) {
	st, c, _, err := s.ready()
	if err != nil {
		return ui.SearchResult{}, err
	}
	resp, err := c.Search(ctx, req)
	if err == nil {
		return ui.SearchResult{Matches: resp.Matches, TooMany: resp.TooMany}, nil
	}
	if !psync.IsOffline(err) {
		return ui.SearchResult{}, s.online(err, "")
	}
	ms, err := st.SearchCache(ctx, req)
	if signpost.KindOf(err) == signpost.KindTooMany {
		return ui.SearchResult{TooMany: true, Offline: true}, nil
	}
	if err != nil {
		return ui.SearchResult{Offline: true}, err
	}
	return ui.SearchResult{Matches: ms, Offline: true}, nil
}

// enqueue saves a change and kicks the engine.
func (s *services) enqueue(ctx context.Context, m signpost.Mutation) error {
	st, _, e, err := s.ready()
	if err != nil {
		return err
	}
	if _, err := st.Enqueue(ctx, m); err != nil {
		return err
	}
	s.changed(ctx, st, e)
	return nil
}

// StartInvolvement records work with a child; a child not yet in the cache
// is fetched from the directory first (audited, with the reason).
func (s *services) StartInvolvement(ctx context.Context, childID, role string) error {
	m := signpost.Mutation{Kind: signpost.MutStartInvolvement, ChildID: childID, Role: role}
	err := s.enqueue(ctx, m)
	if signpost.KindOf(err) != signpost.KindNotFound || signpost.FieldOf(err) != "" {
		return err
	}
	st, c, _, rerr := s.ready()
	if rerr != nil {
		return rerr
	}
	child, cerr := c.Child(ctx, signpost.NormaliseSignpostID(childID), "recording an involvement")
	if cerr != nil {
		return s.online(cerr, "this child is not on this laptop and the directory cannot be reached; record them as a child met in the field, by name, date of birth and postcode")
	}
	if err := st.SaveLookup(ctx, child); err != nil {
		return err
	}
	return s.enqueue(ctx, m)
}

func (s *services) EndInvolvement(ctx context.Context, childID string) error {
	return s.enqueue(ctx, signpost.Mutation{Kind: signpost.MutEndInvolvement, ChildID: childID, On: time.Now().Format(signpost.DateLayout)})
}

func (s *services) SetCAF(ctx context.Context, childID string, on bool) error {
	return s.enqueue(ctx, signpost.Mutation{Kind: signpost.MutSetCAF, ChildID: childID, Value: on})
}

func (s *services) SetLead(ctx context.Context, childID string, on bool) error {
	return s.enqueue(ctx, signpost.Mutation{Kind: signpost.MutSetLead, ChildID: childID, Value: on})
}

func (s *services) MetChild(ctx context.Context, id signpost.Identity, role string) error {
	return s.enqueue(ctx, signpost.Mutation{Kind: signpost.MutMetChild, Identity: &id, Role: role})
}

// Outbox lists the changes waiting and refused.
func (s *services) Outbox(ctx context.Context) ([]ui.Change, error) {
	st, _, _, err := s.ready()
	if err != nil {
		return nil, err
	}
	items, err := st.Outbox(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ui.Change, len(items))
	for i, it := range items {
		out[i] = change(it)
	}
	return out, nil
}

func (s *services) Retry(ctx context.Context, id string) error {
	st, _, e, err := s.ready()
	if err != nil {
		return err
	}
	if _, err := st.Retry(ctx, id); err != nil {
		return err
	}
	s.changed(ctx, st, e)
	return nil
}

func (s *services) Dismiss(ctx context.Context, id string) error {
	st, _, e, err := s.ready()
	if err != nil {
		return err
	}
	if err := st.Dismiss(ctx, id); err != nil {
		return err
	}
	s.changed(ctx, st, e)
	return nil
}

const needOnline = "this needs the directory, which cannot be reached; try again when you are online"

func (s *services) Devices(ctx context.Context) ([]signpost.Device, error) {
	_, c, _, err := s.ready()
	if err != nil {
		return nil, err
	}
	// The laptops most recently seen; the IT screen shows a page.
	page, err := c.Devices(ctx, "")
	if err != nil {
		return nil, s.online(err, needOnline)
	}
	return page.Devices, nil
}

func (s *services) OrderWipe(ctx context.Context, id string) (signpost.Device, error) {
	_, c, _, err := s.ready()
	if err != nil {
		return signpost.Device{}, err
	}
	d, err := c.OrderWipe(ctx, id)
	if err != nil {
		return signpost.Device{}, s.online(err, needOnline)
	}
	return *d, nil
}

func (s *services) Shield(ctx context.Context, id string, req signpost.ShieldRequest) (*ui.Record, error) {
	st, c, e, err := s.ready()
	if err != nil {
		return nil, err
	}
	child, err := c.Shield(ctx, id, req)
	if err != nil {
		return nil, s.online(err, needOnline)
	}
	e.Kick() // the cache learns of it at the next pull
	return s.record(ctx, st, child, false)
}

func (s *services) Unshield(ctx context.Context, id string) (*ui.Record, error) {
	st, c, e, err := s.ready()
	if err != nil {
		return nil, err
	}
	child, err := c.Unshield(ctx, id)
	if err != nil {
		return nil, s.online(err, needOnline)
	}
	e.Kick()
	return s.record(ctx, st, child, false)
}

// BreakGlass shows a shielded record in full, once. The full record is never
// kept in the cache.
func (s *services) BreakGlass(ctx context.Context, id, reason string) (*ui.Record, error) {
	st, c, _, err := s.ready()
	if err != nil {
		return nil, err
	}
	child, err := c.BreakGlass(ctx, id, reason)
	if err != nil {
		return nil, s.online(err, needOnline)
	}
	rec, err := s.record(ctx, st, child, false)
	if err != nil {
		return nil, err
	}
	rec.BrokeGlass = true
	return rec, nil
}

func (s *services) ChangePassphrase(ctx context.Context, oldPass, newPass string) error {
	st, _, _, err := s.ready()
	if err != nil {
		return err
	}
	err = st.ChangePassphrase(ctx, oldPass, newPass)
	releaseKDFMemory()
	if signpost.KindOf(err) == signpost.KindWiped {
		s.stopEngine()
		rep, _ := localstore.WipeReportOf(err)
		s.mu.Lock()
		s.stage, s.wiped = ui.StageWiped, wipedFrom(rep, "")
		s.mu.Unlock()
	}
	return err
}

// SetServer changes the directory's address and reconnects.
func (s *services) SetServer(ctx context.Context, u string) error {
	st, _, _, err := s.ready()
	if err != nil {
		return err
	}
	c, err := psync.NewClient(psync.ClientOptions{BaseURL: u, CAFile: s.caFile})
	if err != nil {
		return err
	}
	if err := st.SetServerURL(ctx, u); err != nil {
		return err
	}
	if tok, err := st.Token(ctx); err == nil && tok != "" {
		c.SetToken(tok)
	}
	s.stopEngine()
	s.mu.Lock()
	s.client, s.eng, s.server = c, s.newEngine(c, st), u
	s.mu.Unlock()
	s.startEngine()
	return nil
}
