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

// shieldedScreen is the management team's list of their authority's
// shielded children, those due for review first (overdue ones in the error
// colour), each renewed with a new review date and reason, or unshielded
// with a reason.
type shieldedScreen struct {
	app      *App
	summary  *widget.Label
	list     *widget.List
	refresh  *button
	more     *button
	children []signpost.ShieldedChild
	next     string
	gen      int
	dlg      *formDialog
}

func newShieldedScreen(a *App) *shieldedScreen { return &shieldedScreen{app: a} }

func (s *shieldedScreen) build() fyne.CanvasObject {
	s.summary = wrapped("Loading…")
	s.list = widget.NewList(func() int { return len(s.children) }, s.newRow, s.updateRow)
	s.list.OnSelected = func(widget.ListItemID) { s.list.UnselectAll() }
	s.refresh = newButton("Refresh", theme.ViewRefreshIcon(), func() { s.app.touch(); s.load() })
	s.more = newButton("Show more", theme.MoreVerticalIcon(), func() { s.app.touch(); s.loadMore() })
	s.more.Hide()
	intro := wrapped("Children of your authority whose records are shielded, those due for review first. " +
		"Review each by its date: renew it with a new date and the reason, or unshield it.")
	intro.TextStyle = fyne.TextStyle{Italic: true}
	top := container.NewVBox(container.NewBorder(nil, nil, nil, s.refresh, heading("Shielded children")), intro, s.summary)
	return container.NewBorder(top, container.NewHBox(s.more), nil, nil, s.list)
}

func (s *shieldedScreen) load() {
	s.gen++
	s.page("", true)
}

func (s *shieldedScreen) loadMore() {
	if s.next != "" {
		s.page(s.next, false)
	}
}

// page reads the page after after, replacing the list or adding to it.
func (s *shieldedScreen) page(after string, replace bool) {
	gen := s.gen
	fetch(s.app.br, func(ctx context.Context) (signpost.ShieldedResponse, error) { return s.app.svc.Shielded(ctx, after) },
		func(p signpost.ShieldedResponse, err error) {
			if gen != s.gen {
				return
			}
			if err != nil {
				if signpost.KindOf(err) == signpost.KindUnavailable {
					s.summary.SetText("The shielded list needs a connection to the directory, which this laptop cannot reach now. Try again when you are online.")
					return
				}
				s.summary.SetText("The shielded children could not be listed.")
				s.app.showError("listing shielded children", err)
				return
			}
			if replace {
				s.children = nil
			}
			s.children, s.next = append(s.children, p.Children...), p.Next
			overdue := 0
			for _, c := range s.children {
				if c.Overdue {
					overdue++
				}
			}
			text := plural(len(s.children), "shielded child", "shielded children") + " shown."
			if len(s.children) == 0 {
				text = "No child of your authority is shielded."
			}
			if overdue > 0 {
				text += " " + plural(overdue, "review is", "reviews are") + " overdue."
			}
			s.summary.SetText(text)
			showIf(s.more, s.next != "")
			s.list.Refresh()
		})
}

type shieldedRow struct {
	widget.BaseWidget
	name    *widget.Label
	detail  *widget.Label
	review  *widget.Label
	renew   *button
	lift    *button
	content fyne.CanvasObject
	c       signpost.ShieldedChild
}

func (s *shieldedScreen) newRow() fyne.CanvasObject {
	r := &shieldedRow{name: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), detail: widget.NewLabel(""), review: widget.NewLabel("")}
	r.detail.Wrapping = fyne.TextWrapWord
	r.renew = newButton("Renew…", theme.HistoryIcon(), func() { s.onRenew(r.c) })
	r.lift = newButton("Unshield…", theme.VisibilityIcon(), func() { s.onUnshield(r.c) })
	r.content = container.NewBorder(nil, nil, nil, container.NewCenter(container.NewHBox(r.renew, r.lift)), container.NewVBox(r.name, r.detail, r.review))
	r.ExtendBaseWidget(r)
	return r
}

func (r *shieldedRow) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(r.content)
}

func (s *shieldedScreen) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	if i < 0 || i >= len(s.children) {
		return
	}
	c, r := s.children[i], o.(*shieldedRow)
	r.c = c
	r.name.SetText(shieldedName(c) + " · " + c.SignpostID + " · born " + shortDate(c.DateOfBirth))
	sh := c.Shielding
	r.detail.SetText(shieldingHistory(&signpost.Shielding{By: sh.By, At: sh.At, Reason: sh.Reason}))
	if c.Overdue {
		r.review.SetText("Review overdue: it was due by " + longDate(sh.ReviewDate) + ".")
		r.review.Importance = widget.DangerImportance
	} else {
		r.review.SetText("Review by " + longDate(sh.ReviewDate) + ".")
		r.review.Importance = widget.MediumImportance
	}
	r.Refresh()
}

func shieldedName(c signpost.ShieldedChild) string {
	return strings.TrimSpace(signpost.Printable(c.GivenName) + " " + signpost.Printable(c.FamilyName))
}

// onRenew asks for the new review date and the reason, as shielding does.
func (s *shieldedScreen) onRenew(c signpost.ShieldedChild) {
	s.app.touch()
	reason := newEntry()
	reason.SetPlaceHolder("e.g. reviewed with the police: the family is still at risk")
	review := newEntry()
	review.SetText(s.app.now().AddDate(0, 3, 0).Format("2 Jan 2006"))
	s.dlg = s.app.newFormDialog("Renew the shielding of "+shieldedName(c), "Renew",
		shieldingHistory(&c.Shielding)+"\n\nThe record stays shielded until the new review date; the renewal and its reason are recorded in the audit.",
		[]*widget.FormItem{widget.NewFormItem("Reason", reason), widget.NewFormItem("Review by", review)},
		func() error {
			if strings.TrimSpace(reason.Text) == "" {
				return signpost.FieldError("reason", "renewing a shielding needs a reason")
			}
			return checkReview(review.Text, s.app.now())
		},
		func() job {
			on, _ := signpost.ParseTypedDate(review.Text)
			req := signpost.ShieldRequest{Reason: strings.TrimSpace(reason.Text), ReviewDate: on}
			return func(ctx context.Context) error {
				_, err := s.app.svc.Shield(ctx, c.SignpostID, req)
				return err
			}
		},
		s.load)
	s.dlg.show()
	s.app.win.Canvas().Focus(reason)
}

// onUnshield asks for the reason; lifting a shielding must be chosen, so
// Enter does not press the button.
func (s *shieldedScreen) onUnshield(c signpost.ShieldedChild) {
	s.app.touch()
	reason := newEntry()
	reason.SetPlaceHolder("e.g. review found the family safe")
	s.dlg = s.app.newFormDialog("Unshield "+shieldedName(c), "Unshield",
		shieldingHistory(&c.Shielding)+"\n\nPractitioners will see this child's full record again, including address, carers, school, GP and who works with them.",
		[]*widget.FormItem{widget.NewFormItem("Reason", reason)},
		func() error {
			if strings.TrimSpace(reason.Text) == "" {
				return signpost.FieldError("reason", "unshielding needs a reason; it is recorded in the audit")
			}
			return signpost.CheckReason("reason", strings.TrimSpace(reason.Text), signpost.MaxReasonLen)
		},
		func() job {
			why := strings.TrimSpace(reason.Text)
			return func(ctx context.Context) error {
				_, err := s.app.svc.Unshield(ctx, c.SignpostID, why)
				return err
			}
		},
		s.load)
	s.dlg.guarded()
	s.dlg.show()
	s.app.win.Canvas().Focus(reason)
}
