package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"signpost"
)

// fake is Services for the screens' tests: canned answers, a record of calls.
// Fakes stop at this boundary; cmd/signpost tests the real services.
type fake struct {
	mu    sync.Mutex
	state State
	subs  map[int]func(Status)
	next  int
	calls []string

	cases   []Case
	records map[string]*Record
	search  func(signpost.SearchRequest) (SearchResult, error)
	outbox  []Change
	devices []signpost.Device
	errs    map[string]error // method name → error it returns
	// unlock answers Unlock, in turn; nil means success.
	unlock []error
	review reviewFake // issue 14, slice review (fake_review_test.go)
	// Issue 14, slice access (fake_access_test.go).
	acc accessFake
	// acct: issue 14, accounts slice (fake_accounts_test.go).
	acct fakeAccounts
	// nf: issue 16, slice app (fake_notify_test.go).
	nf notifyFake
}

func newFake(stage Stage) *fake {
	f := &fake{subs: map[int]func(Status){}, records: map[string]*Record{}, errs: map[string]error{}}
	f.state = State{Stage: stage, Policy: signpost.DefaultPolicy(), Server: "https://signpost.example.org",
		User: signpost.User{Username: "nurse", DisplayName: "Nadia Shah", Role: signpost.RolePractitioner, JobTitle: "School nurse", Organisation: "Leeds Community Healthcare NHS Trust"}}
	return f
}

func (f *fake) call(format string, args ...any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := fmt.Sprintf(format, args...)
	f.calls = append(f.calls, c)
	name := strings.Fields(c)[0]
	return f.errs[name]
}

// called reports whether a call starting with prefix was made.
func (f *fake) called(prefix string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.calls {
		if strings.HasPrefix(c, prefix) {
			return true
		}
	}
	return false
}

func (f *fake) setStage(s Stage) {
	f.mu.Lock()
	f.state.Stage = s
	f.mu.Unlock()
}

func (f *fake) State() State {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.state
}

func (f *fake) Subscribe(fn func(Status)) func() {
	f.mu.Lock()
	id := f.next
	f.next++
	f.subs[id] = fn
	f.mu.Unlock()
	return func() {
		f.mu.Lock()
		delete(f.subs, id)
		f.mu.Unlock()
	}
}

// emit sends a status as the engine's goroutine would.
func (f *fake) emit(st Status) {
	f.mu.Lock()
	var fs []func(Status)
	for _, fn := range f.subs {
		fs = append(fs, fn)
	}
	f.mu.Unlock()
	done := make(chan struct{})
	go func() { // from another goroutine, as the engine does
		defer close(done)
		for _, fn := range fs {
			fn(st)
		}
	}()
	<-done
}

func (f *fake) Enrol(ctx context.Context, req EnrolRequest, progress func(Status)) error {
	if err := f.call("Enrol %s %s %s %s", req.Server, req.Username, req.OTP, req.DeviceName); err != nil {
		return err
	}
	progress(Status{Syncing: true, Step: "Receiving records", Done: 25})
	f.setStage(StageReady)
	return nil
}

func (f *fake) Unlock(ctx context.Context, pass string) error {
	f.call("Unlock %s", pass)
	f.mu.Lock()
	var err error
	if len(f.unlock) > 0 {
		err, f.unlock = f.unlock[0], f.unlock[1:]
	}
	if err == nil {
		f.state.Stage = StageReady
	}
	f.mu.Unlock()
	return err
}

func (f *fake) SignIn(ctx context.Context, req SignInRequest) error {
	return f.call("SignIn %s %s %s", req.Server, req.Username, req.OTP)
}

func (f *fake) Lock() error {
	f.setStage(StageLocked)
	return f.call("Lock")
}

func (f *fake) SyncNow() { f.call("SyncNow") }

func (f *fake) Caseload(ctx context.Context, filter string) ([]Case, error) {
	if err := f.call("Caseload %q", filter); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Case
	for _, c := range f.cases {
		if strings.Contains(strings.ToLower(c.GivenName+" "+c.FamilyName+" "+c.ID), strings.ToLower(filter)) {
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fake) record(id string) (*Record, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.records[id]
	if !ok {
		return nil, &signpost.Error{Kind: signpost.KindNotFound, Message: "child " + id + " was not found"}
	}
	cp := *r
	return &cp, nil
}

func (f *fake) ViewChild(ctx context.Context, id, reason string) (*Record, error) {
	if err := f.call("ViewChild %s %q", id, reason); err != nil {
		return nil, err
	}
	r, err := f.record(id)
	if err != nil {
		return nil, err
	}
	if !r.OnCaseload && reason == "" {
		return nil, signpost.FieldError("reason", "say why you are opening this record: the child is not on your caseload")
	}
	return r, nil
}

func (f *fake) Refresh(ctx context.Context, id string) (*Record, error) {
	if err := f.call("Refresh %s", id); err != nil {
		return nil, err
	}
	return f.record(id)
}

func (f *fake) Search(ctx context.Context, req signpost.SearchRequest) (SearchResult, error) {
	if err := f.call("Search %s %s %s", req.FamilyName, req.DateOfBirth, req.Reason); err != nil {
		return SearchResult{}, err
	}
	if f.search != nil {
		return f.search(req)
	}
	return SearchResult{}, nil
}

func (f *fake) StartInvolvement(ctx context.Context, id, role, on string) error {
	return f.call("StartInvolvement %s %s %s", id, role, on)
}

func (f *fake) EndInvolvement(ctx context.Context, id, on string) error {
	return f.call("EndInvolvement %s %s", id, on)
}

func (f *fake) SetCAF(ctx context.Context, id string, on bool) error {
	return f.call("SetCAF %s %v", id, on)
}

func (f *fake) SetLead(ctx context.Context, id string, on bool) error {
	return f.call("SetLead %s %v", id, on)
}

func (f *fake) MetChild(ctx context.Context, id signpost.Identity, role string) error {
	return f.call("MetChild %s %s %s %s %s %s", id.GivenName, id.FamilyName, id.DateOfBirth, id.Postcode, id.Gender, role)
}

func (f *fake) Outbox(ctx context.Context) ([]Change, error) {
	if err := f.call("Outbox"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Change(nil), f.outbox...), nil
}

func (f *fake) Retry(ctx context.Context, id string) error   { return f.call("Retry %s", id) }
func (f *fake) Dismiss(ctx context.Context, id string) error { return f.call("Dismiss %s", id) }
func (f *fake) Cancel(ctx context.Context, id string) error  { return f.call("Cancel %s", id) }

// EditChange records the correction and, when it succeeds, makes it in the
// fake's outbox as the device would.
func (f *fake) EditChange(ctx context.Context, id string, e ChangeEdit) error {
	var who string
	if e.Identity != nil {
		who = fmt.Sprintf(" %s %s %s %s %s", e.Identity.GivenName, e.Identity.FamilyName, e.Identity.DateOfBirth, e.Identity.Postcode, e.Identity.Gender)
	}
	if err := f.call("EditChange %s on=%s role=%s%s", id, e.On, e.Role, who); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.outbox {
		if f.outbox[i].ID == id {
			f.outbox[i].On, f.outbox[i].Role, f.outbox[i].Identity = e.On, e.Role, e.Identity
		}
	}
	return nil
}
func (f *fake) HandOverLead(ctx context.Context, childID, to string) error {
	return f.call("HandOverLead %s %s", childID, to)
}

func (f *fake) Devices(ctx context.Context) ([]signpost.Device, error) {
	if err := f.call("Devices"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]signpost.Device(nil), f.devices...), nil
}

func (f *fake) OrderWipe(ctx context.Context, id, reason string) (signpost.Device, error) {
	if err := f.call("OrderWipe %s %s", id, reason); err != nil {
		return signpost.Device{}, err
	}
	return f.moveDevice(id, func(d *signpost.Device) { d.State, d.WipeReason = signpost.DeviceWipeOrdered, reason })
}

func (f *fake) CancelWipe(ctx context.Context, id, reason string) (signpost.Device, error) {
	if err := f.call("CancelWipe %s %s", id, reason); err != nil {
		return signpost.Device{}, err
	}
	return f.moveDevice(id, func(d *signpost.Device) { d.State, d.WipeReason = signpost.DeviceActive, "" })
}

func (f *fake) moveDevice(id string, move func(*signpost.Device)) (signpost.Device, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.devices {
		if f.devices[i].ID == id {
			move(&f.devices[i])
			return f.devices[i], nil
		}
	}
	return signpost.Device{}, &signpost.Error{Kind: signpost.KindNotFound, Message: "no such device"}
}

func (f *fake) Shield(ctx context.Context, id string, req signpost.ShieldRequest) (*Record, error) {
	if err := f.call("Shield %s %s %s", id, req.Reason, req.ReviewDate); err != nil {
		return nil, err
	}
	r, err := f.record(id)
	if err == nil {
		c := *r.Child
		c.Shielded = true
		c.Shielding = &signpost.Shielding{By: f.state.User.DisplayName, At: time.Date(2026, 11, 23, 10, 0, 0, 0, time.Local), Reason: req.Reason, ReviewDate: req.ReviewDate}
		r.Child = &c
	}
	return r, err
}

func (f *fake) Unshield(ctx context.Context, id, reason string) (*Record, error) {
	if err := f.call("Unshield %s %s", id, reason); err != nil {
		return nil, err
	}
	return f.record(id)
}

func (f *fake) BreakGlass(ctx context.Context, id, reason string) (*Record, error) {
	if err := f.call("BreakGlass %s %s", id, reason); err != nil {
		return nil, err
	}
	r, err := f.record(id)
	if err != nil {
		return nil, err
	}
	full := jamie()
	full.SignpostID, full.GivenName, full.FamilyName, full.Shielded = r.Child.SignpostID, r.Child.GivenName, r.Child.FamilyName, true
	return &Record{Child: full, BrokeGlass: true}, nil
}

func (f *fake) ChangePassphrase(ctx context.Context, oldPass, newPass string) error {
	return f.call("ChangePassphrase %s %s", oldPass, newPass)
}

func (f *fake) SetServer(ctx context.Context, u string) error { return f.call("SetServer %s", u) }

// Fixtures.

func jamie() *signpost.Child {
	return &signpost.Child{SignpostID: "SP000000018", GivenName: "Jamie", FamilyName: "Fixture", DateOfBirth: "2015-03-14", Gender: "male",
		Authority: "Leeds", Address: "22 Park Row, Leeds", Postcode: "LS1 4AP", NHSNumber: "9434765919",
		Carers: []signpost.Carer{{Name: "Alex Fixture", Relationship: "mother", ParentalResponsibility: true, Phone: "07700 900101"}},
		School: &signpost.Setting{Name: "Park Row Primary School", Phone: "0113 496 0500"},
		GP:     &signpost.Setting{Name: "Leeds City Medical Practice", Phone: "0113 496 0600"},
		Involvements: []signpost.Involvement{
			{ID: "i1", Practitioner: "Nadia Shah", Username: "nurse", Mine: true, Organisation: "Leeds Community Healthcare NHS Trust", Role: "School nurse", Phone: "0113 496 0101", Email: "nadia.shah@example.nhs.uk", StartedOn: "2024-09-10", CAF: true},
			{ID: "i2", Practitioner: "Sean O'Connell", Username: "social", Organisation: "Manchester City Council Children's Services", Role: "Social worker", Phone: "0161 496 0202", Email: "sean.oconnell@example.gov.uk", StartedOn: "2021-02-01", EndedOn: "2022-06-30"},
		}}
}

func riley() *signpost.Child {
	full := &signpost.Child{SignpostID: "SP000000026", GivenName: "Riley", FamilyName: "Shielded", DateOfBirth: "2012-07-01", Gender: "female", Authority: "Leeds", Shielded: true, Address: "1 Hidden Lane",
		Involvements: []signpost.Involvement{{ID: "i3", Practitioner: "Nadia Shah", Username: "nurse", Mine: true, Role: "School nurse", StartedOn: "2025-01-15", Phone: "0113 496 0101"},
			{ID: "i4", Practitioner: "Hidden Worker", Username: "other", Role: "Family support", StartedOn: "2025-02-01", Phone: "0113 000 0000"}},
		TeamContact: signpost.AuthorityContact{Phone: "0113 496 0000", Email: "leeds-signpost@example.org"}}
	return full.Redact("nurse")
}

// harness drives the app headless: the bridge's results are queued and
// applied on the test goroutine by settle, as the Fyne main loop would.
type harness struct {
	t     *testing.T
	app   *App
	fake  *fake
	fa    fyne.App
	mu    sync.Mutex
	queue []func()
	now   time.Time
}

func newHarness(t *testing.T, f *fake) *harness {
	t.Helper()
	h := &harness{t: t, fake: f, now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.Local)}
	h.fa = test.NewTempApp(t)
	h.app = New(h.fa, f, Options{Do: h.enqueue, Now: h.clock, IdleCheck: -1, Version: "test"})
	h.app.Window().Resize(fyne.NewSize(1366, 768))
	t.Cleanup(h.app.Close)
	h.settle()
	return h
}

func (h *harness) clock() time.Time { return h.now }

func (h *harness) enqueue(f func()) {
	h.mu.Lock()
	h.queue = append(h.queue, f)
	h.mu.Unlock()
}

// settle runs the queued UI updates until no background work is left.
func (h *harness) settle() {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		h.mu.Lock()
		q := h.queue
		h.queue = nil
		h.mu.Unlock()
		for _, f := range q {
			f()
		}
		if len(q) == 0 && h.app.br.inflight.Load() == 0 {
			h.mu.Lock()
			n := len(h.queue)
			h.mu.Unlock()
			if n == 0 {
				return
			}
		}
		if time.Now().After(deadline) {
			h.t.Fatal("the app did not settle within 10 s")
		}
		time.Sleep(time.Millisecond)
	}
}

func (h *harness) typeIn(e interface {
	fyne.Focusable
	SetText(string)
}, text string) {
	h.t.Helper()
	e.SetText("")
	test.Type(e, text)
}

// tap taps a Fyne button or one of the app's (button).
func (h *harness) tap(b interface {
	fyne.Tappable
	fyne.Disableable
}) {
	h.t.Helper()
	var w *widget.Button
	switch b := b.(type) {
	case *widget.Button:
		w = b
	case *button:
		if b != nil {
			w = &b.Button
		}
	}
	if w == nil {
		h.t.Fatal("no such button")
	}
	if b.Disabled() {
		h.t.Fatalf("button %q is disabled", w.Text)
	}
	test.Tap(b)
	h.settle()
}

// press types key as the window does: to the focused widget, or with
// nothing focused to the window's key handler.
func (h *harness) press(key fyne.KeyName) {
	h.t.Helper()
	c := h.app.Window().Canvas()
	ev := &fyne.KeyEvent{Name: key}
	if f := c.Focused(); f != nil {
		f.TypedKey(ev)
	} else if on := c.OnTypedKey(); on != nil {
		on(ev)
	}
	h.settle()
}

// texts returns every piece of text visible in the window, overlays
// (dialogs) included.
func (h *harness) texts() string {
	c := h.app.Window().Canvas()
	var b strings.Builder
	walk(c.Content(), &b)
	for _, o := range c.Overlays().List() {
		walk(o, &b)
	}
	return b.String()
}

func walk(o fyne.CanvasObject, b *strings.Builder) {
	if o == nil || !o.Visible() {
		return
	}
	switch w := o.(type) {
	case *widget.Label:
		b.WriteString(w.Text + "\n")
	case *widget.Button:
		b.WriteString("[" + w.Text + "]\n")
	case *button:
		b.WriteString("[" + w.Text + "]\n")
	case *entry:
		b.WriteString(w.Text + "\n")
	case *widget.Check:
		b.WriteString("[" + w.Text + "]\n")
	case *widget.Entry:
		b.WriteString(w.Text + "\n")
	case *badge:
		b.WriteString("<" + w.Text + ">\n")
	case *widget.RichText:
		b.WriteString(w.String() + "\n")
		return
	}
	switch o.(type) {
	case *widget.Label, *widget.Button, *button, *entry, *widget.Check, *badge:
		return
	}
	switch w := o.(type) {
	case *fyne.Container:
		for _, c := range w.Objects {
			walk(c, b)
		}
	case fyne.Widget:
		if _, ok := w.(*widget.Entry); ok {
			return
		}
		for _, c := range test.WidgetRenderer(w).Objects() {
			walk(c, b)
		}
	}
}

// contains fails the test unless the window shows each of want.
func (h *harness) contains(want ...string) {
	h.t.Helper()
	got := h.texts()
	for _, w := range want {
		if !strings.Contains(got, w) {
			h.t.Errorf("the window does not show %q; it shows:\n%s", w, got)
		}
	}
}

// lacks fails the test if the window shows any of bad.
func (h *harness) lacks(bad ...string) {
	h.t.Helper()
	got := h.texts()
	for _, w := range bad {
		if strings.Contains(got, w) {
			h.t.Errorf("the window shows %q and must not; it shows:\n%s", w, got)
		}
	}
}

var fyneKeyReturn = fyne.KeyEvent{Name: fyne.KeyReturn}

// errSQL is the kind of raw error that must never reach a person.
var errSQL = errors.New("SQLITE_ERROR: no such table: children")

// formEntry returns the i-th entry of a form dialog.
func formEntry(t *testing.T, d *formDialog, i int) *widget.Entry {
	t.Helper()
	var found []*widget.Entry
	var visit func(o fyne.CanvasObject)
	visit = func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Entry:
			found = append(found, w)
			return
		case *entry:
			found = append(found, &w.Entry)
			return
		case *passphraseEntry:
			found = append(found, &w.Entry)
			return
		case *fyne.Container:
			for _, c := range w.Objects {
				visit(c)
			}
		case *widget.Form:
			for _, it := range w.Items {
				visit(it.Widget)
			}
		}
	}
	visit(d.content)
	if i >= len(found) {
		t.Fatalf("the dialog has %d entries, not %d", len(found), i+1)
	}
	return found[i]
}
