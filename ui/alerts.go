package ui

import (
	"context"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"signpost"
)

// alertsScreen is the management team's list of break-glass and harvest
// alerts of their authority: escalated ones (unacknowledged past the
// policy's time) at the top in the error colour, each acknowledged with a
// note, and "See the access" opening the audit of that access.
type alertsScreen struct {
	app     *App
	m       *managementTabs
	summary *widget.Label
	count   *badge
	list    *widget.List
	refresh *button
	more    *button
	alerts  []signpost.Alert
	counts  signpost.AlertCounts
	next    string
	gen     int
	dlg     *formDialog
}

func newAlertsScreen(a *App, m *managementTabs) *alertsScreen { return &alertsScreen{app: a, m: m} }

func (s *alertsScreen) build() fyne.CanvasObject {
	s.summary = wrapped("Loading…")
	s.count = newBadge("")
	s.count.Hide()
	s.list = widget.NewList(func() int { return len(s.alerts) }, s.newRow, s.updateRow)
	s.list.OnSelected = func(widget.ListItemID) { s.list.UnselectAll() }
	s.refresh = newButton("Refresh", theme.ViewRefreshIcon(), func() { s.app.touch(); s.load() })
	s.more = newButton("Show older alerts", theme.MoreVerticalIcon(), func() { s.app.touch(); s.loadMore() })
	s.more.Hide()
	intro := wrapped("Break-glass openings of your authority's shielded records, and accounts that searched or opened records in unusual numbers. " +
		"Acknowledge each with a note of what was done; one left unacknowledged too long is escalated to the top.")
	intro.TextStyle = fyne.TextStyle{Italic: true}
	top := container.NewVBox(container.NewBorder(nil, nil, nil, s.refresh, container.NewHBox(heading("Alerts"), container.NewCenter(s.count))), intro, s.summary)
	return container.NewBorder(top, container.NewHBox(s.more), nil, nil, s.list)
}

// load reads the newest page again.
func (s *alertsScreen) load() {
	s.gen++
	gen := s.gen
	fetch(s.app.br, func(ctx context.Context) (signpost.AlertsResponse, error) { return s.app.svc.Alerts(ctx, "") },
		func(page signpost.AlertsResponse, err error) {
			if gen != s.gen {
				return
			}
			if err != nil {
				s.failed("listing alerts", err)
				return
			}
			s.alerts, s.next, s.counts = nil, page.Next, page.AlertCounts
			s.add(page.Alerts)
		})
}

// loadMore reads the page after the last one shown.
func (s *alertsScreen) loadMore() {
	if s.next == "" {
		return
	}
	gen, before := s.gen, s.next
	fetch(s.app.br, func(ctx context.Context) (signpost.AlertsResponse, error) { return s.app.svc.Alerts(ctx, before) },
		func(page signpost.AlertsResponse, err error) {
			if gen != s.gen {
				return
			}
			if err != nil {
				s.failed("listing alerts", err)
				return
			}
			s.next, s.counts = page.Next, page.AlertCounts
			s.add(page.Alerts)
		})
}

// failed says why the list could not be read: offline in the screen itself.
func (s *alertsScreen) failed(doing string, err error) {
	if signpost.KindOf(err) == signpost.KindUnavailable {
		s.summary.SetText("Alerts need a connection to the directory, which this laptop cannot reach now. Try again when you are online.")
		return
	}
	s.summary.SetText("The alerts could not be read.")
	s.app.showError(doing, err)
}

// add shows more alerts: escalated ones first, then the rest newest first.
func (s *alertsScreen) add(als []signpost.Alert) {
	all := append(s.alerts, als...)
	var esc, rest []signpost.Alert
	for _, al := range all {
		if al.Escalated && !al.Acknowledged() {
			esc = append(esc, al)
		} else {
			rest = append(rest, al)
		}
	}
	s.alerts = append(esc, rest...)
	switch c := s.counts; {
	case len(s.alerts) == 0:
		s.summary.SetText("No alerts for your authority.")
	case c.Unacknowledged == 0:
		s.summary.SetText("Every alert has been acknowledged.")
	default:
		text := plural(c.Unacknowledged, "alert is", "alerts are") + " waiting to be acknowledged"
		if c.Escalated > 0 {
			text += ", " + strconv.Itoa(c.Escalated) + " of them escalated"
		}
		s.summary.SetText(text + ".")
	}
	if c := s.counts.Unacknowledged; c > 0 {
		s.count.Text = strconv.Itoa(c) + " unacknowledged"
		s.count.Show()
		s.count.Refresh()
	} else {
		s.count.Hide()
	}
	showIf(s.more, s.next != "")
	s.m.updateAlertsTitle(s.counts)
	s.list.Refresh()
}

type alertRow struct {
	widget.BaseWidget
	title   *widget.Label
	detail  *widget.Label
	state   *widget.Label
	ack     *button
	access  *button
	content fyne.CanvasObject
	al      signpost.Alert
}

func (s *alertsScreen) newRow() fyne.CanvasObject {
	r := &alertRow{title: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), detail: widget.NewLabel(""), state: widget.NewLabel("")}
	r.detail.Wrapping = fyne.TextWrapWord
	r.state.Wrapping = fyne.TextWrapWord
	r.ack = newButton("Acknowledge…", theme.ConfirmIcon(), func() { s.onAck(r.al) })
	r.access = newButton("See the access", theme.SearchIcon(), func() { s.onSeeAccess(r.al) })
	r.content = container.NewBorder(nil, nil, nil, container.NewCenter(container.NewHBox(r.access, r.ack)), container.NewVBox(r.title, r.detail, r.state))
	r.ExtendBaseWidget(r)
	return r
}

func (r *alertRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.content) }

func (s *alertsScreen) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	if i < 0 || i >= len(s.alerts) {
		return
	}
	al, r := s.alerts[i], o.(*alertRow)
	r.al = al
	r.title.SetText(alertTitle(al))
	r.detail.SetText(when(al.At, s.app.now()) + " · " + strings.TrimSuffix(signpost.Printable(al.Reason), ".") + ".")
	switch {
	case al.Acknowledged():
		r.state.SetText("Acknowledged by " + signpost.Printable(al.AcknowledgedBy) + " " + when(al.AcknowledgedAt, s.app.now()) + ": " + signpost.Printable(al.AckNote))
		r.state.Importance = widget.SuccessImportance
	case al.Escalated:
		r.state.SetText(escalatedText(s.counts.EscalateHours))
		r.state.Importance = widget.DangerImportance
	default:
		r.state.SetText("Not yet acknowledged.")
		r.state.Importance = widget.WarningImportance
	}
	showIf(r.ack, !al.Acknowledged())
	showIf(r.access, al.ChildID != "")
	r.Refresh()
}

// alertTitle says what happened: who broke glass on which child, or which
// account was busy.
func alertTitle(al signpost.Alert) string {
	who := signpost.Printable(al.Username)
	switch al.Kind {
	case "break_glass":
		return "Break-glass by " + who + " on " + al.ChildID
	case "harvest":
		return "Unusual numbers of searches or records opened by " + who
	}
	return title(strings.ReplaceAll(al.Kind, "_", " ")) + " · " + who
}

// onAck asks for the note the acknowledgement is kept with.
func (s *alertsScreen) onAck(al signpost.Alert) {
	s.app.touch()
	note := newReasonEntry(3)
	note.SetPlaceHolder("e.g. spoke to the social worker: section 47 enquiry confirmed")
	s.dlg = s.app.newFormDialog("Acknowledge the alert", "Acknowledge",
		alertTitle(al)+". Say what your team did about it: the note is kept with the alert and in the audit.",
		[]*widget.FormItem{widget.NewFormItem("Note", note)},
		func() error {
			if strings.TrimSpace(note.Text) == "" {
				return signpost.FieldError("note", "say what was done about the alert")
			}
			return signpost.CheckReason("note", strings.TrimSpace(note.Text), signpost.MaxReasonLen)
		},
		func() job {
			text := strings.TrimSpace(note.Text)
			return func(ctx context.Context) error {
				_, err := s.app.svc.AckAlert(ctx, al.ID, text)
				return err
			}
		},
		s.load)
	s.dlg.show()
	s.app.win.Canvas().Focus(note)
}

// onSeeAccess opens the subject-access report of the alert's child, the
// events of the account that raised it.
func (s *alertsScreen) onSeeAccess(al signpost.Alert) {
	s.app.touch()
	s.m.openAccess(al.ChildID, al.Username)
}

// escalatedText says why an alert is escalated: the policy's time when the
// directory gave it.
func escalatedText(hours int) string {
	if hours <= 0 {
		return "Escalated: not acknowledged in the time your policy allows."
	}
	return "Escalated: not acknowledged within " + plural(hours, "hour", "hours") + "."
}
