package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2/widget"

	"signpost"
)

// editable reports whether a change of kind can be corrected before it
// syncs: the date and role of an involvement started, the date of one ended,
// the identity and role of a child met in the field. A flag is cancelled and
// set again instead.
func editable(kind string) bool {
	switch kind {
	case signpost.MutStartInvolvement, signpost.MutEndInvolvement, signpost.MutMetChild:
		return true
	}
	return false
}

// changeEditor corrects a change waiting to sync, in its place in the
// queue. A child met in the field is corrected in the dialog that recorded
// her; an involvement's date (and, when started, role) in a small form.
type changeEditor struct {
	app  *App
	c    Change
	done func()
	role *entry // a start only
	on   *entry
	met  *metChildDialog // a child met in the field only
	form *formDialog
}

func newChangeEditor(a *App, c Change, done func()) *changeEditor {
	return &changeEditor{app: a, c: c, done: done}
}

func (d *changeEditor) show() {
	if d.c.Kind == signpost.MutMetChild {
		d.met = newMetChildDialog(d.app, d.done)
		d.met.edit = &d.c
		d.met.show()
		d.form = d.met.form
		return
	}
	d.on = newEntry()
	d.on.SetPlaceHolder("e.g. 14/03/2015")
	d.on.SetText(d.day())
	var items []*widget.FormItem
	what := "The end date"
	if d.c.Kind == signpost.MutStartInvolvement {
		d.role = newEntry()
		role := d.c.Role
		if role == "" { // saved without one: the directory records the job title
			role = d.app.svc.State().User.JobTitle
		}
		d.role.SetText(role)
		items = append(items, widget.NewFormItem("Your role", d.role), widget.NewFormItem("Since", d.on))
		what = "The start date"
	} else {
		items = append(items, widget.NewFormItem("Ended on", d.on))
	}
	d.form = d.app.newFormDialog("Correct this change", "Save",
		d.c.Description+". This has not reached the directory yet: correct it here and it is sent as corrected.",
		items,
		func() error { return d.validate(what) },
		d.prepare,
		d.done)
	d.form.show()
	if d.role != nil {
		d.app.win.Canvas().Focus(d.role)
	} else {
		d.app.win.Canvas().Focus(d.on)
	}
}

// day is the date the change takes effect: its own, else the day it was saved.
func (d *changeEditor) day() string {
	if d.c.On != "" {
		return d.c.On
	}
	return signpost.Today(d.c.Created).Format(signpost.DateLayout)
}

// validate checks what it can here; this laptop checks the rest against the
// child's record when the correction is saved (not before the child was
// born, not before the involvement started).
func (d *changeEditor) validate(what string) error {
	if d.role != nil {
		if err := checkRole(d.role.Text); err != nil {
			return err
		}
	}
	on, err := typedDate("on", what, d.on)
	if err != nil {
		return err
	}
	if on == "" {
		return signpost.FieldError("on", "%s is required, such as 14/03/2015.", what)
	}
	if d.c.Kind == signpost.MutStartInvolvement {
		return signpost.CheckStartDate("on", on, "", d.app.now())
	}
	return signpost.CheckEndDate("on", on, "", d.app.now())
}

func (d *changeEditor) prepare() job {
	id := d.c.ID
	on, _ := typedDate("on", "", d.on)
	e := ChangeEdit{On: on}
	if d.role != nil {
		e.Role = strings.TrimSpace(d.role.Text)
	}
	return func(ctx context.Context) error { return d.app.svc.EditChange(ctx, id, e) }
}
