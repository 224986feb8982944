package ui

// Issue 14, slice access: the management team's Alerts, Shielded and
// Subject access tabs, and the subject-access screen.

import (
	"context"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"signpost"
)

// Tabs of the management team.
const (
	tabAlerts   = "alerts"
	tabShielded = "shielded"
	tabAccess   = "access"
)

// managementTabs are the tabs only a management team has.
type managementTabs struct {
	home     *homeScreen
	alerts   *alertsScreen
	shielded *shieldedScreen
	access   *accessScreen
}

// addManagementTabs adds the management team's tabs to the home screen.
func addManagementTabs(h *homeScreen, add func(key, label string, icon fyne.Resource, content fyne.CanvasObject)) *managementTabs {
	m := &managementTabs{home: h}
	m.alerts = newAlertsScreen(h.app, m)
	add(tabAlerts, "Alerts", theme.WarningIcon(), m.alerts.build())
	m.shielded = newShieldedScreen(h.app)
	add(tabShielded, "Shielded", theme.VisibilityOffIcon(), m.shielded.build())
	m.access = newAccessScreen(h.app)
	add(tabAccess, "Subject access", theme.DocumentIcon(), m.access.build())
	return m
}

// start reads the alerts, for the count on their tab.
func (m *managementTabs) start() { m.alerts.load() }

// onTab loads the tab chosen, if it is one of these.
func (m *managementTabs) onTab(it *container.TabItem) {
	switch it {
	case m.home.items[tabAlerts]:
		m.alerts.load()
	case m.home.items[tabShielded]:
		m.shielded.load()
	}
}

// updateAlertsTitle counts the unacknowledged alerts in the tab's title;
// an escalated one turns its icon to the error colour.
func (m *managementTabs) updateAlertsTitle(c signpost.AlertCounts) {
	it, ok := m.home.items[tabAlerts]
	if !ok {
		return
	}
	text, icon := "Alerts", theme.WarningIcon()
	if c.Unacknowledged > 0 {
		text = "Alerts (" + strconv.Itoa(c.Unacknowledged) + ")"
	}
	if c.Escalated > 0 {
		icon = theme.NewErrorThemedResource(theme.ErrorIcon())
	}
	if it.Text != text || it.Icon != icon {
		it.Text, it.Icon = text, icon
		m.home.tabs.Refresh()
	}
}

// openAccess shows the subject-access report of a child, of one user's
// events if user is set.
func (m *managementTabs) openAccess(childID, user string) {
	m.home.selectTab(tabAccess)
	m.access.show(childID, user)
}

// accessScreen shows a child's subject-access report as a table: who
// searched for, viewed, changed or broke glass on the record, from which
// organisation and laptop, when, why, online or offline; "Export CSV…"
// saves the whole report for the team to send (the export is audited).
type accessScreen struct {
	app     *App
	id      *entry
	user    string // the one person whose events are shown; "" for all
	showBtn *button
	all     *button
	export  *button
	more    *button
	summary *widget.Label
	table   *widget.Table
	report  signpost.AccessReport
	entries []signpost.AccessEntry
	gen     int
	dlg     *formDialog
	// choose asks where to save the report and calls save with the path;
	// tests replace it (the real one is Fyne's file save dialog).
	choose func(name string, save func(path string))
}

// accessColumns are the table's columns.
var accessColumns = []struct {
	title string
	width float32
}{{"When", 150}, {"What", 110}, {"Who", 160}, {"Organisation", 220}, {"Laptop", 140}, {"Why", 260}, {"Online", 80}}

func newAccessScreen(a *App) *accessScreen {
	s := &accessScreen{app: a}
	s.choose = s.fileSave
	return s
}

func (s *accessScreen) build() fyne.CanvasObject {
	s.id = newEntry()
	s.id.SetPlaceHolder("Signpost ID, e.g. SP 1234 5678 9")
	s.id.OnSubmitted = func(string) { s.onShow() }
	s.showBtn = newButton("Show the report", theme.SearchIcon(), s.onShow)
	s.all = newButton("Show everyone", theme.AccountIcon(), func() { s.app.touch(); s.user = ""; s.load() })
	s.all.Hide()
	s.export = newButton("Export CSV…", theme.DocumentSaveIcon(), s.onExport)
	s.export.Disable()
	s.more = newButton("Show older", theme.MoreVerticalIcon(), func() { s.app.touch(); s.loadMore() })
	s.more.Hide()
	s.summary = wrapped("Enter the Signpost ID of a child of your authority to see everyone who searched for, opened, changed or broke glass on the record.")
	s.table = widget.NewTable(func() (int, int) { return len(s.entries) + 1, len(accessColumns) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		}, s.updateCell)
	for i, c := range accessColumns {
		s.table.SetColumnWidth(i, c.width)
	}
	form := container.NewBorder(nil, nil, nil, container.NewHBox(s.showBtn, s.all, s.export), s.id)
	top := container.NewVBox(heading("Subject access"), form, s.summary)
	return container.NewBorder(top, container.NewHBox(s.more), nil, nil, s.table)
}

func (s *accessScreen) updateCell(id widget.TableCellID, o fyne.CanvasObject) {
	l := o.(*widget.Label)
	if id.Row == 0 {
		l.TextStyle = fyne.TextStyle{Bold: true}
		l.SetText(accessColumns[id.Col].title)
		return
	}
	l.TextStyle = fyne.TextStyle{}
	if id.Row-1 >= len(s.entries) {
		l.SetText("")
		return
	}
	l.SetText(accessCell(s.entries[id.Row-1], id.Col, s.app))
}

// accessCell is the text of one cell of an entry.
func accessCell(e signpost.AccessEntry, col int, a *App) string {
	switch col {
	case 0:
		return e.At.Local().Format("2 Jan 2006 15:04")
	case 1:
		return accessAction(e.Action)
	case 2:
		if e.Name == "" {
			return signpost.Printable(e.Username)
		}
		return signpost.Printable(e.Name) + " (" + signpost.Printable(e.Username) + ")"
	case 3:
		return signpost.Printable(e.Organisation)
	case 4:
		if e.DeviceName != "" {
			return signpost.Printable(e.DeviceName)
		}
		return e.DeviceID
	case 5:
		return signpost.Printable(e.Reason)
	case 6:
		if e.Offline {
			return "Offline"
		}
		return "Online"
	}
	return ""
}

// accessAction says an audit action in words.
func accessAction(action string) string {
	switch action {
	case "search":
		return "Searched"
	case "view", "offline_view":
		return "Opened"
	case "view_refused":
		return "Refused"
	case "break_glass":
		return "Broke glass"
	case "push":
		return "Changed"
	case "shield":
		return "Shielded"
	case "shield_renew":
		return "Renewed shield"
	case "unshield":
		return "Unshielded"
	case "access_export":
		return "Exported this"
	case "alert_ack":
		return "Acknowledged"
	}
	return title(strings.ReplaceAll(action, "_", " "))
}

// show opens the report of a child, of one user if set.
func (s *accessScreen) show(childID, user string) {
	s.id.SetText(childID)
	s.user = user
	s.load()
}

func (s *accessScreen) onShow() {
	s.app.touch()
	s.user = ""
	s.load()
}

func (s *accessScreen) load() {
	id := signpost.NormaliseSignpostID(s.id.Text)
	if !signpost.ValidSignpostID(id) {
		s.summary.SetText("That is not a Signpost ID: SP, eight digits and a check digit.")
		return
	}
	s.gen++
	s.entries, s.report = nil, signpost.AccessReport{}
	s.export.Disable()
	s.table.Refresh()
	s.page(id, "")
}

func (s *accessScreen) loadMore() {
	if s.report.Next != "" {
		s.page(s.report.SignpostID, s.report.Next)
	}
}

func (s *accessScreen) page(id, before string) {
	gen, user := s.gen, s.user
	s.summary.SetText("Reading the report…")
	fetch(s.app.br, func(ctx context.Context) (signpost.AccessReport, error) {
		return s.app.svc.AccessReport(ctx, id, before, user)
	},
		func(rep signpost.AccessReport, err error) {
			if gen != s.gen {
				return
			}
			if err != nil {
				if signpost.KindOf(err) == signpost.KindUnavailable {
					s.summary.SetText("The report needs a connection to the directory, which this laptop cannot reach now. Try again when you are online.")
					return
				}
				s.summary.SetText("The report could not be read.")
				s.app.showError("reading the subject-access report", err)
				return
			}
			s.report = rep
			s.entries = append(s.entries, rep.Entries...)
			text := plural(len(s.entries), "event", "events") + " in the record of " + rep.SignpostID + ", newest first"
			if user != "" {
				text += ", of " + signpost.Printable(user) + " only"
			}
			if rep.Next != "" {
				text += "; older ones follow"
			}
			s.summary.SetText(text + ".")
			showIf(s.more, rep.Next != "")
			showIf(s.all, user != "")
			s.export.Enable()
			s.table.Refresh()
		})
}

// onExport asks where to save the whole report, then why it is exported
// (recorded in the audit), then saves it.
func (s *accessScreen) onExport() {
	s.app.touch()
	id := s.report.SignpostID
	if id == "" {
		return
	}
	s.choose("subject-access-"+id+".csv", func(path string) { s.askExportReason(id, path) })
}

func (s *accessScreen) askExportReason(id, path string) {
	reason := newEntry()
	reason.SetPlaceHolder("e.g. subject-access request SAR-2026-014 from the child's mother")
	s.dlg = s.app.newFormDialog("Export the report of "+id, "Export",
		"The whole report, every event, is saved as a CSV file (it opens in any spreadsheet) to "+path+
			". The export and its reason are recorded in the audit.",
		[]*widget.FormItem{widget.NewFormItem("Why", reason)},
		func() error {
			if strings.TrimSpace(reason.Text) == "" {
				return signpost.FieldError("reason", "say why the report is exported, e.g. the request it answers")
			}
			return signpost.CheckReason("reason", strings.TrimSpace(reason.Text), signpost.MaxReasonLen)
		},
		func() job {
			why := strings.TrimSpace(reason.Text)
			return func(ctx context.Context) error { return s.app.svc.ExportAccess(ctx, id, why, path) }
		},
		func() { s.app.showInfo("Report saved", "The subject-access report of "+id+" was saved to "+path+".") })
	s.dlg.show()
	s.app.win.Canvas().Focus(reason)
}

// fileSave asks, with Fyne's dialog, where to save a file named name.
func (s *accessScreen) fileSave(name string, save func(path string)) {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			s.app.showError("choosing where to save the report", err)
			return
		}
		if w == nil {
			return // cancelled
		}
		path := w.URI().Path()
		_ = w.Close() // the export replaces the empty file once complete
		save(path)
	}, s.app.win)
	d.SetFileName(name)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".csv"}))
	d.Show()
}
