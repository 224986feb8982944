package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"signpost"
)

// statusBar is always visible once unlocked: online or offline, the last
// sync, how many changes wait, progress while syncing, and Sync now.
type statusBar struct {
	app        *App
	onlineIcon *widget.Icon
	online     *widget.Label
	synced     *widget.Label
	pending    *widget.Label
	refused    *button
	views      *widget.Label
	step       *widget.Label
	progress   *widget.ProgressBar
	spinner    *widget.ProgressBarInfinite
	message    *widget.Label
	signIn     *button
	syncNow    *button
	signInDlg  *formDialog

	// A sync asked for with Sync now shows "Syncing…" at once and "Synced
	// just now" after, however fast it was.
	asked    time.Time // when Sync now was tapped; zero when answered
	seen     bool      // a sync was seen running since
	syncedAt time.Time // when the asked-for sync finished well
	last     Status
}

// How long Sync now's feedback lasts: "Synced just now" after a sync, and
// "Syncing…" when no sync is reported at all.
const (
	syncedShown = 4 * time.Second
	askedShown  = 30 * time.Second
)

func newStatusBar(a *App) *statusBar {
	return &statusBar{app: a}
}

func (s *statusBar) build() fyne.CanvasObject {
	s.onlineIcon = widget.NewIcon(theme.NewWarningThemedResource(theme.MediaRecordIcon()))
	s.online = widget.NewLabel("Connecting…")
	s.synced = widget.NewLabel("")
	s.pending = widget.NewLabel("")
	s.refused = newButton("", theme.ErrorIcon(), func() { s.app.goTo(tabOutbox) })
	s.refused.Importance = widget.DangerImportance
	s.refused.Hide()
	s.views = widget.NewLabel("")
	s.views.Hide()
	s.step = widget.NewLabel("")
	s.step.Hide()
	s.progress = widget.NewProgressBar()
	s.progress.Hide()
	s.spinner = widget.NewProgressBarInfinite()
	s.spinner.Stop()
	s.spinner.Hide()
	// The message has a line of its own and wraps: at 1024 px the status
	// items leave no room beside them, and a cut-off sentence helps nobody.
	s.message = wrapped("")
	s.message.Importance = widget.WarningImportance
	s.message.Hide()
	s.signIn = newButton("Sign in again…", theme.LoginIcon(), s.onSignIn)
	s.signIn.Importance = widget.WarningImportance
	s.signIn.Hide()
	s.syncNow = newButton("Sync now", theme.ViewRefreshIcon(), s.onSyncNow)
	bars := container.NewStack(container.NewGridWrap(fyne.NewSize(160, s.progress.MinSize().Height), s.progress), s.spinner)
	// The items wrap onto a second line when the window is narrow (1024 px
	// holds them all on one only when little is to be said).
	left := container.New(&flowLayout{}, s.onlineIcon, s.online, widget.NewSeparator(), s.synced, widget.NewSeparator(),
		s.pending, s.refused, s.views, s.step, container.NewCenter(bars))
	right := container.NewHBox(s.signIn, s.syncNow)
	bar := container.NewBorder(nil, nil, nil, container.NewVBox(right), left)
	return container.NewVBox(widget.NewSeparator(), bar, s.message)
}

// apply shows a status.
func (s *statusBar) apply(st Status) {
	now := s.app.now()
	s.last = st
	offline := !st.Online && !st.Checking
	// Offline, a push or pull under way is only an attempt to reconnect: the
	// bar says offline, with no phase or progress left over from it.
	syncing := st.Syncing && !offline
	s.noteAsked(st, now)
	switch {
	case st.Checking:
		s.onlineIcon.SetResource(theme.MediaRecordIcon())
		s.online.SetText("Connecting…")
	case st.Online:
		s.onlineIcon.SetResource(theme.NewSuccessThemedResource(theme.MediaRecordIcon()))
		s.online.SetText("Online")
	default:
		s.onlineIcon.SetResource(theme.NewWarningThemedResource(theme.MediaRecordIcon()))
		s.online.SetText("Offline: working from this laptop" + offlineLeft(st.OfflineLockAt, now))
	}
	if st.LastSynced.IsZero() {
		s.synced.SetText("Not synced yet")
	} else {
		s.synced.SetText("Last synced " + when(st.LastSynced, now))
	}
	// A refused change shows until it is sent again or discarded; records
	// opened offline are not changes and are counted apart.
	switch {
	case st.Pending > 0:
		s.pending.SetText(plural(st.Pending, "change", "changes") + " waiting to sync")
	case st.Views > 0:
		s.pending.SetText("No changes waiting to sync")
	default:
		s.pending.SetText("Nothing waiting to sync")
	}
	showIf(s.pending, st.Pending > 0 || st.Refused == 0)
	s.refused.SetText(refusedText(st.Refused) + ": see Changes")
	showIf(s.refused, st.Refused > 0)
	s.views.SetText(viewsText(st.Views))
	showIf(s.views, st.Views > 0)
	switch {
	case syncing:
		s.step.Importance = widget.MediumImportance
		s.step.SetText(syncStep(st))
		s.step.Show()
		if st.Total > 0 {
			s.spinner.Stop()
			s.spinner.Hide()
			s.progress.Max = float64(st.Total)
			s.progress.SetValue(float64(min(st.Done, st.Total)))
			s.progress.Show()
		} else {
			s.progress.Hide()
			s.spinner.Show()
			s.spinner.Start()
		}
		s.syncNow.Disable()
	default:
		s.progress.Hide()
		s.spinner.Stop()
		s.spinner.Hide()
		switch {
		case !s.asked.IsZero():
			s.step.Importance = widget.MediumImportance
			s.step.SetText("Syncing…")
			s.step.Show()
			s.syncNow.Disable()
		case !s.syncedAt.IsZero() && now.Sub(s.syncedAt) < syncedShown:
			s.step.Importance = widget.SuccessImportance
			s.step.SetText("Synced just now")
			s.step.Show()
			s.syncNow.Enable()
		default:
			s.step.Hide()
			s.syncNow.Enable()
		}
	}
	s.message.SetText(st.Message)
	showIf(s.message, st.Message != "" && !syncing)
	showIf(s.signIn, st.SignInNeeded)
}

// offlineLeft says how long the laptop keeps working offline before it locks
// for want of contact with the directory and asks for an online sign-in:
// " for 2 days more", " for 5 hours more", "" when not known.
func offlineLeft(at, now time.Time) string {
	if at.IsZero() {
		return ""
	}
	d := at.Sub(now)
	switch {
	case d <= 0:
		return "; sign in online to keep using it"
	case d >= 48*time.Hour:
		return fmt.Sprintf(" for %d days more", int(d/(24*time.Hour)))
	case d >= 2*time.Hour:
		return fmt.Sprintf(" for %d hours more", int(d/time.Hour))
	default:
		return " for " + plural(max(1, int(d/time.Minute)), "minute", "minutes") + " more, then sign in online"
	}
}

// refusedText is "1 change refused by the directory".
func refusedText(n int) string {
	return plural(n, "change", "changes") + " refused by the directory"
}

// viewsText is "1 record opened offline, to be logged": a view is recorded in
// the audit, but it is not a change a person made.
func viewsText(n int) string {
	return plural(n, "record", "records") + " opened offline, to be logged"
}

// syncStep says what a sync is doing: "Sending changes: 3 of 10".
func syncStep(st Status) string {
	step := st.Step
	if step == "" {
		step = "Syncing"
	}
	switch {
	case st.Total > 0:
		return fmt.Sprintf("%s: %d of %d", step, st.Done, st.Total)
	case st.Done > 0:
		return fmt.Sprintf("%s: %d", step, st.Done)
	}
	return step + "…"
}

// noteAsked follows the sync Sync now asked for: it runs (seen), then ends
// well (Synced just now) or with a message (offline, refused…), which the bar
// shows instead. A sync nobody reports is given up after askedShown.
func (s *statusBar) noteAsked(st Status, now time.Time) {
	if s.asked.IsZero() {
		return
	}
	switch {
	case st.Syncing && (st.Online || st.Checking):
		s.seen = true
	case now.Sub(s.asked) >= askedShown:
		s.asked = time.Time{}
	case st.Syncing:
	case s.seen || st.Message != "" || !st.Online:
		if st.Online && st.Message == "" {
			s.syncedAt = now
			s.later(syncedShown)
		}
		s.asked, s.seen = time.Time{}, false
	}
}

// later shows the status again after d, when feedback shown for a moment ends.
func (s *statusBar) later(d time.Duration) {
	time.AfterFunc(d, func() {
		s.app.br.post(func() {
			if s.app.home != nil && s.app.home.status == s {
				s.apply(s.last)
			}
		})
	})
}

func (s *statusBar) onSyncNow() {
	s.app.touch()
	s.asked, s.seen, s.syncedAt = s.app.now(), false, time.Time{}
	s.later(askedShown)
	s.apply(s.last)
	s.app.svc.SyncNow()
}

// onSignIn asks for the password and a one-time code when the directory
// refused the saved session. The changes waiting are kept meanwhile.
func (s *statusBar) onSignIn() {
	s.app.touch()
	pw := newPassphraseEntry()
	otp := newEntry()
	otp.SetPlaceHolder("6 digits from your authenticator app")
	s.signInDlg = s.app.newFormDialog("Sign in to the directory", "Sign in",
		"The directory asks you to sign in again. Your changes waiting to sync are kept.",
		[]*widget.FormItem{widget.NewFormItem("Password", pw), widget.NewFormItem("", pw.Caps), widget.NewFormItem("One-time code", otp)},
		func() error { return checkSignIn(pw.Text, otp.Text) },
		func() job {
			req := SignInRequest{Password: pw.Text, OTP: strings.TrimSpace(otp.Text)}
			return func(ctx context.Context) error {
				err := s.app.svc.SignIn(ctx, req)
				if signpost.FieldOf(err) == signpost.FieldNewPassword { // issue 14, accounts slice: after a reset
					s.app.br.post(func() { s.askNewPassword(req) })
				}
				return err
			}
		},
		func() { s.signIn.Hide(); s.app.svc.SyncNow() })
	s.signInDlg.show()
	s.app.win.Canvas().Focus(pw)
}

// checkSignIn checks a password and one-time code before they are sent.
func checkSignIn(password, otp string) error {
	if password == "" {
		return signpost.FieldError("password", "enter your directory password")
	}
	otp = strings.TrimSpace(otp)
	if len(otp) != 6 || strings.Trim(otp, "0123456789") != "" {
		return signpost.FieldError("otp", "the one-time code is the 6 digits your authenticator app shows now")
	}
	return nil
}

// flowLayout lays objects left to right, each at its minimum width and all at
// the height of the tallest, starting a new row when the next does not fit.
// Its minimum is the widest object, as tall as the rows it needed when last
// laid out (before that, at flowGuess wide).
type flowLayout struct{ width float32 }

// flowGuess is the width a flow assumes before it is first laid out.
const flowGuess = 1000

func (l *flowLayout) rows(objs []fyne.CanvasObject, width float32, place bool) (minW, height float32) {
	pad := theme.Padding()
	var rowH float32
	for _, o := range objs {
		if o.Visible() {
			rowH = max(rowH, o.MinSize().Height)
		}
	}
	x, y, n := float32(0), float32(0), 0
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		ms := o.MinSize()
		minW = max(minW, ms.Width)
		if n > 0 && x+ms.Width > width {
			x, y = 0, y+rowH+pad
		}
		if place {
			o.Move(fyne.NewPos(x, y))
			o.Resize(fyne.NewSize(ms.Width, rowH))
		}
		x += ms.Width + pad
		n++
	}
	if n == 0 {
		return 0, 0
	}
	return minW, y + rowH
}

// Layout places the objects in rows of size's width.
func (l *flowLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	l.width = size.Width
	l.rows(objs, size.Width, true)
}

// MinSize is the widest object by the rows the last width needed.
func (l *flowLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	w := l.width
	if w <= 0 {
		w = flowGuess
	}
	minW, h := l.rows(objs, w, false)
	return fyne.NewSize(minW, h)
}

// askNewPassword asks for a new password after a reset and signs in with it
// (issue 14, accounts slice).
func (s *statusBar) askNewPassword(req SignInRequest) {
	s.app.askNewPassword(func(np string) {
		req.NewPassword = np
		s.app.br.run(func(ctx context.Context) error { return s.app.svc.SignIn(ctx, req) }, func(err error) {
			if err != nil {
				s.app.showError("signing in", err)
				return
			}
			if s.signInDlg != nil {
				s.signInDlg.d.Hide()
			}
			s.signIn.Hide()
			s.app.svc.SyncNow()
		})
	})
}
