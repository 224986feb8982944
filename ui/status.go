package ui

import (
	"context"
	"fmt"
	"strings"

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
	refused    *widget.Button
	views      *widget.Label
	step       *widget.Label
	progress   *widget.ProgressBar
	spinner    *widget.ProgressBarInfinite
	message    *widget.Label
	signIn     *widget.Button
	syncNow    *widget.Button
	signInDlg  *formDialog
}

func newStatusBar(a *App) *statusBar {
	return &statusBar{app: a}
}

func (s *statusBar) build() fyne.CanvasObject {
	s.onlineIcon = widget.NewIcon(theme.NewWarningThemedResource(theme.MediaRecordIcon()))
	s.online = widget.NewLabel("Connecting…")
	s.synced = widget.NewLabel("")
	s.pending = widget.NewLabel("")
	s.refused = widget.NewButtonWithIcon("", theme.ErrorIcon(), func() { s.app.goTo(tabOutbox) })
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
	s.message = widget.NewLabel("")
	s.message.Importance = widget.WarningImportance
	s.message.Truncation = fyne.TextTruncateEllipsis
	s.message.Hide()
	s.signIn = widget.NewButtonWithIcon("Sign in again…", theme.LoginIcon(), s.onSignIn)
	s.signIn.Importance = widget.WarningImportance
	s.signIn.Hide()
	s.syncNow = widget.NewButtonWithIcon("Sync now", theme.ViewRefreshIcon(), s.onSyncNow)
	bars := container.NewStack(container.NewGridWrap(fyne.NewSize(160, s.progress.MinSize().Height), s.progress), s.spinner)
	left := container.NewHBox(s.onlineIcon, s.online, widget.NewSeparator(), s.synced, widget.NewSeparator(), s.pending, s.refused, s.views, s.step, container.NewCenter(bars))
	right := container.NewHBox(s.signIn, s.syncNow)
	bar := container.NewBorder(nil, nil, left, right, s.message)
	return container.NewVBox(widget.NewSeparator(), bar)
}

// apply shows a status.
func (s *statusBar) apply(st Status) {
	now := s.app.now()
	switch {
	case st.Checking:
		s.onlineIcon.SetResource(theme.MediaRecordIcon())
		s.online.SetText("Connecting…")
	case st.Online:
		s.onlineIcon.SetResource(theme.NewSuccessThemedResource(theme.MediaRecordIcon()))
		s.online.SetText("Online")
	default:
		s.onlineIcon.SetResource(theme.NewWarningThemedResource(theme.MediaRecordIcon()))
		s.online.SetText("Offline: working from this laptop")
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
	if st.Syncing {
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
	} else {
		s.step.Hide()
		s.progress.Hide()
		s.spinner.Stop()
		s.spinner.Hide()
		s.syncNow.Enable()
	}
	s.message.SetText(st.Message)
	showIf(s.message, st.Message != "" && !st.Syncing)
	showIf(s.signIn, st.SignInNeeded)
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

func (s *statusBar) onSyncNow() {
	s.app.touch()
	s.app.svc.SyncNow()
}

// onSignIn asks for the password and a one-time code when the directory
// refused the saved session. The changes waiting are kept meanwhile.
func (s *statusBar) onSignIn() {
	s.app.touch()
	pw := widget.NewPasswordEntry()
	otp := widget.NewEntry()
	otp.SetPlaceHolder("6 digits from your authenticator app")
	s.signInDlg = s.app.newFormDialog("Sign in to the directory", "Sign in",
		"The directory asks you to sign in again. Your changes waiting to sync are kept.",
		[]*widget.FormItem{widget.NewFormItem("Password", pw), widget.NewFormItem("One-time code", otp)},
		func() error { return checkSignIn(pw.Text, otp.Text) },
		func() job {
			req := SignInRequest{Password: pw.Text, OTP: strings.TrimSpace(otp.Text)}
			return func(ctx context.Context) error { return s.app.svc.SignIn(ctx, req) }
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
