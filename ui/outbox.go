package ui

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"signpost"
)

// outboxScreen lists the changes waiting for the directory, and those it
// refused with its reason; a refused change can be sent again or discarded.
// One refused change never holds up the others.
type outboxScreen struct {
	app     *App
	summary *widget.Label
	list    *widget.List
	changes []Change
	gen     int

	cancelDlg *formDialog   // the last "Cancel this change?" asked (tests)
	editDlg   *changeEditor // the last correction opened (tests)

	// Issue 16, slice app: the confirmation of a refused loss of the lead.
	confirmDlg *formDialog
}

func newOutboxScreen(a *App) *outboxScreen { return &outboxScreen{app: a} }

func (s *outboxScreen) build() fyne.CanvasObject {
	s.summary = wrapped("")
	s.list = widget.NewList(func() int { return len(s.changes) }, s.newRow, s.updateRow)
	s.list.OnSelected = func(widget.ListItemID) { s.list.UnselectAll() }
	intro := wrapped("Every change is saved on this laptop first and sent to the directory when it can be reached. " +
		"Records you open are listed too: each view is recorded in the audit.")
	intro.TextStyle = fyne.TextStyle{Italic: true}
	return container.NewBorder(container.NewVBox(heading("Changes waiting to sync"), intro, s.summary), nil, nil, nil, s.list)
}

func (s *outboxScreen) load() {
	s.gen++
	gen := s.gen
	fetch(s.app.br, s.app.svc.Outbox, func(cs []Change, err error) {
		if gen != s.gen {
			return
		}
		if err != nil {
			s.app.showError("reading the changes waiting to sync", err)
			return
		}
		s.changes = cs
		s.summary.SetText(outboxSummary(cs))
		s.list.Refresh()
	})
}

// outboxSummary counts the changes waiting, the records opened offline (not
// changes: their views wait to be logged) and the changes refused.
func outboxSummary(cs []Change) string {
	var waiting, views, refused, matched int
	for _, c := range cs {
		switch {
		case c.State == ChangeSent:
			matched++
		case c.State == ChangeRejected:
			refused++
		case c.Kind == signpost.MutView:
			views++
		default:
			waiting++
		}
	}
	if len(cs) == matched {
		if matched > 0 {
			return "Nothing is waiting: everything has reached the directory. " + matchedText(matched) + "."
		}
		return "Nothing is waiting: everything has reached the directory."
	}
	var parts []string
	switch {
	case waiting > 0 && refused > 0:
		parts = append(parts, plural(waiting, "change", "changes")+" waiting")
	case waiting > 0:
		parts = append(parts, plural(waiting, "change", "changes")+" waiting to sync")
	}
	if views > 0 {
		parts = append(parts, viewsText(views))
	}
	if refused > 0 {
		parts = append(parts, plural(refused, "change was", "changes were")+" refused by the directory — read why, then send again or discard")
	}
	if matched > 0 {
		parts = append(parts, matchedText(matched))
	}
	return strings.Join(parts, "; ") + "."
}

func matchedText(n int) string {
	return plural(n, "child met offline was", "children met offline were") + " matched by the directory"
}

// changeRow is one change with its state and, when refused, Retry and Discard.
type changeRow struct {
	widget.BaseWidget
	what    *widget.Label
	state   *widget.Label
	retry   *button
	discard *button
	cancel  *button
	edit    *button
	content fyne.CanvasObject
	id      string
	confirm *button // issue 16, slice app (child16.go): a refused loss of the lead, confirmed
}

func (s *outboxScreen) newRow() fyne.CanvasObject {
	r := &changeRow{what: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), state: widget.NewLabel("")}
	r.what.Truncation = fyne.TextTruncateEllipsis
	r.state.Truncation = fyne.TextTruncateEllipsis
	r.retry = newButton("Send again", theme.MediaReplayIcon(), func() { s.onRetry(r.id) })
	r.discard = newButton("Discard", theme.DeleteIcon(), func() { s.onDismiss(r.id) })
	r.cancel = newButton("Cancel change", theme.CancelIcon(), func() { s.onCancel(r.id, r.what.Text) })
	r.edit = newButton("Edit", theme.DocumentCreateIcon(), func() { s.onEdit(r.id) })
	r.confirm = newButton("End it anyway…", theme.ConfirmIcon(), func() { s.onRetryConfirmed(r.id, r.what.Text) }) // issue 16
	r.content = container.NewBorder(nil, nil, nil, container.NewHBox(r.edit, r.confirm, r.retry, r.discard, r.cancel), container.NewVBox(r.what, r.state))
	r.ExtendBaseWidget(r)
	return r
}

func (r *changeRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.content) }

func (s *outboxScreen) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	if i < 0 || i >= len(s.changes) {
		return
	}
	c, r := s.changes[i], o.(*changeRow)
	r.id = c.ID
	r.what.SetText(c.Description)
	saved := "Saved " + when(c.Created, s.app.now())
	switch {
	case c.State == ChangeSent:
		r.state.Importance = widget.SuccessImportance
		r.state.SetText(sentText(c, s.app.now()))
	case c.State == ChangeRejected:
		r.state.Importance = widget.DangerImportance
		r.state.SetText("Refused by the directory: " + c.Reason)
	case c.State == ChangeInFlight:
		r.state.Importance = widget.MediumImportance
		r.state.SetText(saved + " · sending now")
	case c.Kind == signpost.MutView:
		r.state.Importance = widget.MediumImportance
		r.state.SetText("Opened " + when(c.Created, s.app.now()) + " while offline · to be logged in the audit")
	default:
		r.state.Importance = widget.WarningImportance
		r.state.SetText(saved + " · waiting to sync")
	}
	waiting := c.State == ChangePending && c.Kind != signpost.MutView
	showIf(r.retry, c.State == ChangeRejected)
	showIf(r.confirm, leadLossRefused(c)) // issue 16, slice app
	showIf(r.discard, c.State == ChangeRejected || c.State == ChangeSent)
	showIf(r.cancel, waiting)
	showIf(r.edit, waiting && editable(c.Kind))
	r.Refresh()
}

// sentText says whom the directory matched a child met offline to. The
// directory only ever matches (it never creates a record from the field: a
// child it cannot match is refused), so a sent one is always a match.
func sentText(c Change, now time.Time) string {
	return "Matched to " + c.MatchedTo + " by the directory · saved " + when(c.Created, now)
}

func (s *outboxScreen) onRetry(id string) {
	s.app.touch()
	s.app.br.run(func(ctx context.Context) error { return s.app.svc.Retry(ctx, id) }, func(err error) {
		if err != nil {
			s.app.showError("sending the change again", err)
		}
		s.load()
		s.app.changed()
	})
}

// onCancel asks, then takes back a change that has not been sent.
func (s *outboxScreen) onCancel(id, what string) {
	s.app.touch()
	s.cancelDlg = s.app.newFormDialog("Cancel this change?", "Cancel the change",
		what+". It has not reached the directory yet; cancelled, it will not be sent. This cannot be undone.", nil, nil,
		func() job { return func(ctx context.Context) error { return s.app.svc.Cancel(ctx, id) } },
		func() {
			s.load()
			s.app.changed()
		})
	s.cancelDlg.guarded()
	s.cancelDlg.show()
}

// onEdit opens the correction of a change still waiting.
func (s *outboxScreen) onEdit(id string) {
	s.app.touch()
	for _, c := range s.changes {
		if c.ID == id {
			s.editDlg = newChangeEditor(s.app, c, func() {
				s.load()
				s.app.changed()
			})
			s.editDlg.show()
			return
		}
	}
}

func (s *outboxScreen) onDismiss(id string) {
	s.app.touch()
	s.app.br.run(func(ctx context.Context) error { return s.app.svc.Dismiss(ctx, id) }, func(err error) {
		if err != nil {
			s.app.showError("discarding the change", err)
		}
		s.load()
		s.app.changed()
	})
}
