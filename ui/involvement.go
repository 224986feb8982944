package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2/widget"

	"signpost"
)

// The dialogs that record a practitioner's work with a child: start, end,
// the CAF and lead-professional flags, and a child met in the field who is
// not in the cache. Every change is saved on the laptop first and marked
// "waiting to sync" until the directory confirms it.

// checkRole validates the role a practitioner gives.
func checkRole(role string) error {
	role = strings.TrimSpace(role)
	if role == "" {
		return signpost.FieldError("role", "say what your role with the child is, e.g. School nurse")
	}
	if len(role) > 100 {
		return signpost.FieldError("role", "the role is longer than 100 characters")
	}
	return nil
}

func (s *childScreen) childName() string {
	if s.rec == nil {
		return "this child"
	}
	return s.rec.Child.FullName()
}

func (s *childScreen) onStart() {
	s.app.touch()
	if s.rec == nil {
		return
	}
	id, dob := s.rec.Child.SignpostID, s.rec.Child.DateOfBirth
	role := newEntry()
	role.SetText(s.app.svc.State().User.JobTitle)
	since := s.dateEntry()
	sensitive, consent := sensitiveFormChecks() // issue 16, slice app
	s.dlg = s.app.newFormDialog("Record that you work with "+s.childName(), "Record",
		"Other practitioners who look this child up will see your name, role, organisation, phone and email. "+
			"This is saved on this laptop now and sent to the directory at the next sync.",
		[]*widget.FormItem{widget.NewFormItem("Your role", role), widget.NewFormItem("Since", since),
			widget.NewFormItem("", sensitive), widget.NewFormItem("", consent)},
		func() error {
			if err := checkRole(role.Text); err != nil {
				return err
			}
			on, err := typedDate("on", "The start date", since)
			if err != nil {
				return err
			}
			return signpost.CheckStartDate("on", on, dob, s.app.now())
		},
		func() job {
			r := strings.TrimSpace(role.Text)
			on, _ := typedDate("on", "", since)
			if sensitive.Checked { // issue 16, slice app
				shown := consent.Checked
				return func(ctx context.Context) error { return s.app.svc.StartInvolvementMarked(ctx, id, r, on, true, shown) }
			}
			return func(ctx context.Context) error { return s.app.svc.StartInvolvement(ctx, id, r, on) }
		},
		s.afterChange)
	s.dlg.show()
	s.app.win.Canvas().Focus(role)
}

// typedDate reads a date field as people type dates (14/03/2015, 14 Mar
// 2015 or 2015-03-14), as YYYY-MM-DD; "" when empty. what names it in the
// error ("The start date").
func typedDate(field, what string, e *entry) (string, error) {
	t := strings.TrimSpace(e.Text)
	if t == "" {
		return "", nil
	}
	d, ok := signpost.ParseTypedDate(t)
	if !ok {
		return "", signpost.FieldError(field, "%s must be a real date, such as 14/03/2015 or 14 Mar 2015.", what)
	}
	return d, nil
}

// dateEntry is a date field filled with today.
func (s *childScreen) dateEntry() *entry {
	e := newEntry()
	e.SetPlaceHolder("e.g. 14/03/2015")
	e.SetText(signpost.Today(s.app.now()).Format(signpost.DateLayout))
	return e
}

// onEnd asks for the day the involvement ended and a confirmation, warning a
// lead professional that the child will have none; once saved it says so.
func (s *childScreen) onEnd() {
	s.app.touch()
	if s.rec == nil {
		return
	}
	mine := myInvolvement(s.rec.Child, s.app.svc.State().User.Username)
	if mine == nil {
		return
	}
	id, name, started := s.rec.Child.SignpostID, s.childName(), mine.StartedOn
	ended := s.dateEntry()
	intro := "End your involvement with " + name + "? You will still be listed as having worked with this child before, " +
		"and the child leaves your caseload once the directory has the change."
	if mine.LeadProfessional {
		intro += "\n\nYou are " + name + "'s lead professional. When your involvement ends, " + name +
			" will have no lead professional until another practitioner takes it on: tell the team around the child first."
	}
	// Issue 16, slice app: a lead professional whom another practitioner
	// could succeed confirms leaving the child without one (the directory
	// refuses the end otherwise).
	items := []*widget.FormItem{widget.NewFormItem("Ended on", ended)}
	confirmLoss := s.leadLossCheck(mine)
	if confirmLoss != nil {
		items = append(items, widget.NewFormItem("", confirmLoss))
	}
	var on string
	s.dlg = s.app.newFormDialog("End your involvement", "End involvement", intro,
		items,
		func() error {
			on, err := typedDate("on", "The end date", ended)
			if err != nil {
				return err
			}
			if confirmLoss != nil && !confirmLoss.Checked {
				return signpost.FieldError("confirm", "hand the lead-professional role over first, or tick the box to confirm that %s is left without a lead professional", name)
			}
			return signpost.CheckEndDate("on", on, started, s.app.now())
		},
		func() job {
			on, _ = typedDate("on", "", ended)
			if confirmLoss != nil { // issue 16, slice app
				return func(ctx context.Context) error { return s.app.svc.EndInvolvementConfirmed(ctx, id, on) }
			}
			return func(ctx context.Context) error { return s.app.svc.EndInvolvement(ctx, id, on) }
		},
		func() {
			s.app.showInfo("Involvement ended", "Your involvement with "+name+" ends on "+longDate(on)+
				". This is saved on this laptop and sent to the directory at the next sync.")
			s.afterChange()
		})
	s.dlg.show()
	s.app.win.Canvas().Focus(ended)
}

func (s *childScreen) onCAF(on bool) {
	if s.setting || s.rec == nil {
		return
	}
	s.app.touch()
	id := s.rec.Child.SignpostID
	s.app.br.run(func(ctx context.Context) error { return s.app.svc.SetCAF(ctx, id, on) }, func(err error) {
		if err != nil {
			s.app.showError("marking the CAF", err)
		}
		s.afterChange()
	})
}

func (s *childScreen) onLead(on bool) {
	if s.setting || s.rec == nil {
		return
	}
	s.app.touch()
	id := s.rec.Child.SignpostID
	s.app.br.run(func(ctx context.Context) error { return s.app.svc.SetLead(ctx, id, on) }, func(err error) {
		if err != nil {
			s.app.showError("marking the lead professional", err)
		}
		s.afterChange()
	})
}

// afterChange shows the record and the caseload as they are after a change.
// handoverTo lists the involvements the lead-professional role may go to:
// other practitioners working with c now.
func handoverTo(c *signpost.Child) []signpost.Involvement {
	var out []signpost.Involvement
	for _, in := range c.Involvements {
		if in.Active() && !in.Mine && in.ID != "" && !notNamed(in) { // notNamed: issue 16, one cannot choose whom one may not see
			out = append(out, in)
		}
	}
	return out
}

// onHandOver asks to whom the lead professional hands the role, then queues
// the handover.
func (s *childScreen) onHandOver() {
	s.app.touch()
	if s.rec == nil {
		return
	}
	id, name := s.rec.Child.SignpostID, s.childName()
	to := handoverTo(s.rec.Child)
	labels := make([]string, len(to))
	for i, in := range to {
		labels[i] = in.Practitioner + " — " + in.Role + ", " + in.Organisation
	}
	who := widget.NewSelect(labels, nil)
	who.PlaceHolder = "Choose a practitioner"
	// Issue 16, slice app: an offer, which the other accepts or declines.
	s.dlg = s.app.newFormDialog("Hand over the lead-professional role", "Offer the role",
		"The practitioner you choose is offered the role of "+name+"'s lead professional, and accepts or declines it in Signpost. "+
			"You stay the lead professional until they accept. The offer is saved on this laptop now and sent to the directory at the next sync.",
		[]*widget.FormItem{widget.NewFormItem("To", who)},
		func() error {
			if who.SelectedIndex() < 0 {
				return signpost.FieldError("to", "choose the practitioner who takes the role on")
			}
			return nil
		},
		func() job {
			inv := to[who.SelectedIndex()].ID
			return func(ctx context.Context) error { return s.app.svc.OfferLead(ctx, id, inv) }
		},
		s.afterChange)
	s.dlg.show()
}

func (s *childScreen) afterChange() {
	s.refresh()
	s.app.changed()
}

// changed reloads what a change made in the app affects.
func (a *App) changed() {
	if a.home == nil {
		return
	}
	if a.home.caseload != nil {
		a.home.caseload.load()
	}
	if a.home.selected(tabOutbox) {
		a.home.outbox.load()
	}
}

// metChildDialog records work with a child who is not in the cache, by name,
// date of birth and postcode; the directory finds the child (or says it
// could not) at the next sync.
type metChildDialog struct {
	app      *App
	given    *entry
	family   *entry
	dob      *entry
	postcode *entry
	gender   *widget.Select
	role     *entry
	form     *formDialog
	done     func()
	// edit, when set, is the queued change this dialog corrects.
	edit *Change
}

func newMetChildDialog(a *App, done func()) *metChildDialog {
	return &metChildDialog{app: a, done: done}
}

func (d *metChildDialog) show() {
	d.given = newEntry()
	d.family = newEntry()
	d.dob = newEntry()
	d.dob.SetPlaceHolder("e.g. 14/03/2015")
	d.postcode = newEntry()
	d.postcode.SetPlaceHolder("e.g. LS1 4AP")
	d.gender = widget.NewSelect([]string{"Female", "Male", "Other", "Unknown"}, nil)
	d.gender.PlaceHolder = "(optional)"
	d.role = newEntry()
	d.role.SetText(d.app.svc.State().User.JobTitle)
	title, confirm := "A child who is not on this laptop", "Record"
	intro := "Record that you work with a child you met who is not on this laptop. " +
		"The directory matches them by name, date of birth and postcode when you are next online."
	if d.edit != nil {
		d.fill(d.edit)
		title, confirm = "Correct the child you met", "Save"
		intro = "This has not reached the directory yet. Correct the name, date of birth, postcode or your role; " +
			"the directory matches the child by them when you are next online."
	}
	d.form = d.app.newFormDialog(title, confirm, intro,
		[]*widget.FormItem{
			widget.NewFormItem("Given name", d.given),
			widget.NewFormItem("Family name", d.family),
			widget.NewFormItem("Date of birth", d.dob),
			widget.NewFormItem("Postcode", d.postcode),
			widget.NewFormItem("Gender", d.gender),
			widget.NewFormItem("Your role", d.role),
		},
		d.validate,
		func() job {
			id, role := d.identity(), strings.TrimSpace(d.role.Text)
			if d.edit != nil {
				change := d.edit.ID
				return func(ctx context.Context) error {
					return d.app.svc.EditChange(ctx, change, ChangeEdit{Identity: &id, Role: role})
				}
			}
			return func(ctx context.Context) error { return d.app.svc.MetChild(ctx, id, role) }
		},
		d.done)
	d.form.show()
	d.app.win.Canvas().Focus(d.given)
}

// fill puts a queued change's identity and role in the fields.
func (d *metChildDialog) fill(c *Change) {
	if id := c.Identity; id != nil {
		d.given.SetText(id.GivenName)
		d.family.SetText(id.FamilyName)
		d.dob.SetText(id.DateOfBirth)
		d.postcode.SetText(id.Postcode)
		if id.Gender != "" {
			d.gender.SetSelected(title(id.Gender))
		}
	}
	d.role.SetText(c.Role)
}

func (d *metChildDialog) identity() signpost.Identity {
	return signpost.Identity{
		GivenName: strings.TrimSpace(d.given.Text), FamilyName: strings.TrimSpace(d.family.Text),
		DateOfBirth: typedDOB(d.dob), Postcode: signpost.NormalisePostcode(d.postcode.Text),
		Gender: strings.ToLower(d.gender.Selected),
	}
}

// validate checks the identity as the cache and the directory will.
func (d *metChildDialog) validate() error {
	id := d.identity()
	switch {
	case signpost.NormaliseName(id.GivenName) == "":
		return signpost.FieldError("given_name", "the given name must contain letters")
	case signpost.NormaliseName(id.FamilyName) == "":
		return signpost.FieldError("family_name", "the family name must contain letters")
	case len(id.GivenName) > 100 || len(id.FamilyName) > 100:
		return signpost.FieldError("family_name", "names are at most 100 characters")
	}
	if _, err := typedDate("date_of_birth", "The date of birth", d.dob); err != nil {
		return err
	}
	if _, err := signpost.CheckDateOfBirth("date_of_birth", id.DateOfBirth, d.app.now()); err != nil {
		return err
	}
	if strings.TrimSpace(d.postcode.Text) == "" {
		return signpost.FieldError("postcode", "enter the postcode where the child lives")
	}
	if !signpost.ValidPostcode(id.Postcode) {
		return signpost.FieldError("postcode", "“%s” is not a UK postcode; write it like LS1 4AP", strings.TrimSpace(d.postcode.Text))
	}
	return checkRole(d.role.Text)
}

// typedDOB is the date of birth typed, as YYYY-MM-DD when it reads as a
// date (the identity's own checks say what is wrong otherwise).
func typedDOB(e *entry) string {
	if d, err := typedDate("date_of_birth", "The date of birth", e); err == nil {
		return d
	}
	return strings.TrimSpace(e.Text)
}
