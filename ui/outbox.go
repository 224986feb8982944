package ui

import (
	"context"
	"strings"

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

	cancelDlg *formDialog // the last "Cancel this change?" asked (tests)
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
	var waiting, views, refused int
	for _, c := range cs {
		switch {
		case c.State == ChangeRejected:
			refused++
		case c.Kind == signpost.MutView:
			views++
		default:
			waiting++
		}
	}
	if len(cs) == 0 {
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
	return strings.Join(parts, "; ") + "."
}

// changeRow is one change with its state and, when refused, Retry and Discard.
type changeRow struct {
	widget.BaseWidget
	what    *widget.Label
	state   *widget.Label
	retry   *button
	discard *button
	cancel  *button
	content fyne.CanvasObject
	id      string
}

func (s *outboxScreen) newRow() fyne.CanvasObject {
	r := &changeRow{what: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), state: widget.NewLabel("")}
	r.what.Truncation = fyne.TextTruncateEllipsis
	r.state.Truncation = fyne.TextTruncateEllipsis
	r.retry = newButton("Send again", theme.MediaReplayIcon(), func() { s.onRetry(r.id) })
	r.discard = newButton("Discard", theme.DeleteIcon(), func() { s.onDismiss(r.id) })
	r.cancel = newButton("Cancel change", theme.CancelIcon(), func() { s.onCancel(r.id, r.what.Text) })
	r.content = container.NewBorder(nil, nil, nil, container.NewHBox(r.retry, r.discard, r.cancel), container.NewVBox(r.what, r.state))
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
	showIf(r.retry, c.State == ChangeRejected)
	showIf(r.discard, c.State == ChangeRejected)
	showIf(r.cancel, c.State != ChangeRejected && c.State != ChangeInFlight && c.Kind != signpost.MutView)
	r.Refresh()
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
