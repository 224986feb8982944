// Package ui is the Signpost desktop app's screens: enrolment, unlock, the
// caseload, search, a child's record, the outbox of changes, devices (IT
// staff), settings and the "this device was wiped" screen, with the status bar
// that is always visible.
//
// Screens talk to Services, an interface the cmd/signpost main implements with
// the encrypted cache, the directory client and the sync engine; tests drive
// them headless with a fake. No screen calls Services in a UI callback: the
// bridge runs the call in the background and applies the result with fyne.Do.
// The package never imports fyne.io/fyne/v2/app: the main makes the Fyne app.
package ui

import (
	"context"
	"io"
	"log/slog"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// Options tune an App. The zero value is right for the desktop.
type Options struct {
	// Logger receives errors in full (never shown to people). Default: discard.
	Logger *slog.Logger
	// Do applies a function on the UI thread. Default fyne.Do; tests pass a
	// queue they drain.
	Do func(func())
	// Now is the clock (auto-lock). Default time.Now.
	Now func() time.Time
	// IdleCheck is how often auto-lock looks at the clock (default 15 s;
	// negative: never, tests call checkIdle).
	IdleCheck time.Duration
	// Version is shown in Settings › About.
	Version string
}

// App is the Signpost window and the state that decides which screen it shows.
type App struct {
	fa      fyne.App
	win     fyne.Window
	svc     Services
	br      *bridge
	prefs   prefs
	log     *slog.Logger
	now     func() time.Time
	version string

	stage     Stage
	status    Status
	lastError string // the last message showError gave, for tests

	enrol  *enrolScreen
	unlock *unlockScreen
	home   *homeScreen
	wiped  *wipedScreen

	lastActive  time.Time
	stopIdle    func()
	unsubscribe func()
	closed      bool
}

// New makes the app's window on fa and shows the screen the state calls for.
// Call Window().ShowAndRun() (or fa.Run) next, and Close when it returns.
func New(fa fyne.App, svc Services, opts Options) *App {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Do == nil {
		opts.Do = fyne.Do
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.IdleCheck == 0 {
		opts.IdleCheck = 15 * time.Second
	}
	a := &App{fa: fa, svc: svc, prefs: prefs{fa.Preferences()}, log: opts.Logger, now: opts.Now, version: opts.Version}
	a.br = newBridge(opts.Do, opts.Logger)
	fa.Settings().SetTheme(newTheme())
	a.win = fa.NewWindow("Signpost")
	a.win.Resize(a.prefs.windowSize())
	a.win.SetMaster()
	a.win.SetCloseIntercept(func() {
		a.prefs.setWindowSize(a.win.Canvas().Size())
		a.win.Close()
	})
	a.installShortcuts()
	a.unsubscribe = svc.Subscribe(func(st Status) { a.br.post(func() { a.onStatus(st) }) })
	a.lastActive = a.now()
	if opts.IdleCheck > 0 {
		a.stopIdle = a.br.every(opts.IdleCheck, a.checkIdle)
	}
	a.route()
	return a
}

// Window returns the app's window.
func (a *App) Window() fyne.Window { return a.win }

// Close stops the background work. The caller closes the services after it.
func (a *App) Close() {
	if a.closed {
		return
	}
	a.closed = true
	if a.unsubscribe != nil {
		a.unsubscribe()
	}
	a.br.close()
}

// route shows the screen the services' state calls for.
func (a *App) route() {
	st := a.svc.State()
	if st.Stage != StageReady {
		a.home = nil // nothing of a child stays in a widget once locked
	}
	a.stage = st.Stage
	defer a.installMenu() // the Go menu follows the screen and the role
	switch st.Stage {
	case StageEnrol:
		a.enrol = newEnrolScreen(a)
		a.setContent(a.enrol.build(), a.enrol.first())
	case StageLocked:
		a.unlock = newUnlockScreen(a, st)
		a.setContent(a.unlock.build(), a.unlock.pass)
	case StageReady:
		a.touch()
		a.home = newHomeScreen(a, st)
		a.setContent(a.home.build(), nil)
		a.home.start()
	case StageWiped:
		a.wiped = newWipedScreen(a, st)
		a.setContent(a.wiped.build(), nil)
	}
}

func (a *App) setContent(c fyne.CanvasObject, focus fyne.Focusable) {
	// Dialogs are overlays above the content: a record's or a form's must not
	// outlive the screen it belongs to (above the unlock screen, say).
	ov := a.win.Canvas().Overlays()
	for top := ov.Top(); top != nil; top = ov.Top() {
		ov.Remove(top)
	}
	a.win.SetContent(container.NewStack(newActivity(a), c))
	if focus != nil {
		a.win.Canvas().Focus(focus)
	}
}

// onStatus applies a sync status on the UI thread.
func (a *App) onStatus(st Status) {
	prev := a.status
	a.status = st
	switch {
	case st.Wiped && a.stage != StageWiped:
		a.route()
		return
	case st.Locked && a.stage == StageReady:
		a.route()
		return
	}
	if a.home != nil {
		a.home.onStatus(prev, st)
	}
}

// touch records activity, which postpones auto-lock.
func (a *App) touch() { a.lastActive = a.now() }

// idleLimit is how long without activity the app waits before locking.
func (a *App) idleLimit() time.Duration {
	return time.Duration(a.prefs.idleLockMinutes(a.svc.State().Policy.IdleLockMinutes)) * time.Minute
}

// checkIdle locks the app after the idle limit without activity.
func (a *App) checkIdle() {
	if a.stage != StageReady {
		return
	}
	if a.now().Sub(a.lastActive) >= a.idleLimit() {
		a.log.Info("ui: locking after idle")
		a.lockNow()
	}
}

// lockNow hides everything at once, then locks the cache in the background.
func (a *App) lockNow() {
	if a.stage != StageReady {
		return
	}
	st := a.svc.State()
	st.Stage = StageLocked
	a.home = nil
	a.stage = StageLocked
	a.installMenu()
	a.unlock = newUnlockScreen(a, st)
	a.setContent(a.unlock.build(), a.unlock.pass)
	a.unlock.setBusy(true, "Locking…")
	a.br.run(func(ctx context.Context) error { return a.svc.Lock() }, func(err error) {
		if err != nil {
			a.showError("locking", err)
		}
		if a.unlock != nil {
			a.unlock.setBusy(false, "")
		}
		// The cache may have been wiped or locked meanwhile; follow the state.
		if s := a.svc.State().Stage; s != StageLocked && s != StageReady {
			a.route()
		}
	})
}

// installShortcuts adds the menu and the keyboard shortcuts: Ctrl+F search,
// Ctrl+L lock. Menu shortcuts work even while typing in a field.
func (a *App) installShortcuts() {
	a.installMenu()
	c := a.win.Canvas()
	c.AddShortcut(shortcutFind, func(fyne.Shortcut) { a.onFind() })
	c.AddShortcut(shortcutLock, func(fyne.Shortcut) { a.onLock() })
	c.AddShortcut(shortcutSync, func(fyne.Shortcut) { a.onSyncNow() })
	c.SetOnTypedKey(a.onTypedKey) // Escape closes the dialog on top (dialogs.go)
}

// The keyboard shortcuts, shown in the menu too.
var (
	shortcutFind = &desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutLock = &desktop.CustomShortcut{KeyName: fyne.KeyL, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutSync = &desktop.CustomShortcut{KeyName: fyne.KeyR, Modifier: fyne.KeyModifierShortcutDefault}
)

// installMenu sets the main menu: the Go menu lists only the tabs the
// signed-in role has (an IT admin has no caseload, search or changes), and
// none while the app is locked, wiped or not yet set up.
func (a *App) installMenu() {
	lockItem := fyne.NewMenuItem("Lock", a.onLock)
	lockItem.Shortcut = shortcutLock
	syncItem := fyne.NewMenuItem("Sync now", a.onSyncNow)
	syncItem.Shortcut = shortcutSync
	menus := []*fyne.Menu{fyne.NewMenu("Signpost", syncItem, lockItem)}
	var items []*fyne.MenuItem
	if a.home != nil {
		for _, t := range goMenu {
			if _, ok := a.home.items[t.tab]; !ok {
				continue
			}
			tab := t.tab
			it := fyne.NewMenuItem(t.label, func() { a.goTo(tab) })
			if tab == tabSearch {
				it.Action = a.onFind
				it.Shortcut = shortcutFind
			}
			items = append(items, it)
		}
	}
	if len(items) > 0 {
		menus = append(menus, fyne.NewMenu("Go", items...))
	}
	a.win.SetMainMenu(fyne.NewMainMenu(menus...))
}

// goMenu is the Go menu's entries, in order, by tab.
var goMenu = []struct{ tab, label string }{
	{tabCaseload, "Caseload"},
	{tabWhatsNew, "What's new"}, // issue 16, slice app
	{tabSearch, "Search the directory"},
	{tabOutbox, "Changes waiting to sync"},
	{tabDevices, "Devices"},
	{tabSettings, "Settings"},
}

func (a *App) onFind() {
	a.touch()
	if a.home != nil {
		a.home.showSearch()
	}
}

func (a *App) onLock() {
	a.touch()
	a.lockNow()
}

func (a *App) onSyncNow() {
	a.touch()
	switch {
	case a.home != nil:
		a.home.status.onSyncNow() // the bar shows it was asked
	case a.stage == StageReady:
		a.svc.SyncNow()
	}
}

func (a *App) goTo(tab string) {
	a.touch()
	if a.home != nil {
		a.home.selectTab(tab)
	}
}

// activity sits under every screen and notices the mouse moving over it,
// which postpones auto-lock (typing and tapping are noticed by the handlers).
type activity struct {
	widget.BaseWidget
	app *App
}

func newActivity(a *App) *activity {
	w := &activity{app: a}
	w.ExtendBaseWidget(w)
	return w
}

func (w *activity) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewStack())
}

func (w *activity) MouseIn(*desktop.MouseEvent)    { w.app.touch() }
func (w *activity) MouseMoved(*desktop.MouseEvent) { w.app.touch() }
func (w *activity) MouseOut()                      {}
