package ui

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2/widget"

	"signpost"
)

// Shielding and break-glass, on the child screen. Shielding hides a child's
// address, carers, school, GP and practitioners from everyone but the
// management team of the child's authority; break-glass shows a shielded
// record in full once, to management teams and child-protection
// practitioners, with a reason that is recorded and sent to the authority.

func (s *childScreen) onBreakGlass() {
	s.app.touch()
	if s.rec == nil {
		return
	}
	id := s.rec.Child.SignpostID
	reason := newReasonEntry(3) // wraps as typed; Enter submits
	var rec *Record
	s.dlg = s.app.newFormDialog("Break glass", "Show the full record",
		"Use break-glass only when a child may be at risk and you need the withheld details now. "+
			"Your name, your reason and the time are recorded and sent to the child's local authority.",
		[]*widget.FormItem{widget.NewFormItem("Reason", reason)},
		func() error { return signpost.CheckBreakGlassReason("reason", reason.Text) },
		func() job {
			why := strings.TrimSpace(reason.Text)
			return func(ctx context.Context) error {
				var err error
				rec, err = s.app.svc.BreakGlass(ctx, id, why)
				return err
			}
		},
		func() { s.show(rec) })
	s.dlg.show()
	s.app.win.Canvas().Focus(reason)
}

// checkReview validates a shielding review date: a real date within the next
// 12 months.
func checkReview(s string, now time.Time) error {
	d, _ := signpost.ParseTypedDate(s)
	t, ok := signpost.ParseDate(d)
	if !ok {
		return signpost.FieldError("review_date", "the review date must be a real date, written like 14/03/2015, 14 Mar 2015 or 2015-03-14")
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	if !t.After(today) || t.After(today.AddDate(1, 0, 0)) {
		return signpost.FieldError("review_date", "the review date must be within the next 12 months")
	}
	return nil
}

func (s *childScreen) onShield() {
	s.app.touch()
	if s.rec == nil {
		return
	}
	id := s.rec.Child.SignpostID
	reason := newEntry()
	reason.SetPlaceHolder("e.g. family fleeing domestic abuse")
	review := newEntry()
	review.SetText(s.app.now().AddDate(0, 3, 0).Format("2 Jan 2006"))
	var rec *Record
	s.dlg = s.app.newFormDialog("Shield "+s.childName(), "Shield",
		"Everyone outside your management team will see only the child's name, date of birth and gender, "+
			"and will be asked to contact you. Copies on practitioners' laptops are removed at their next sync.",
		[]*widget.FormItem{widget.NewFormItem("Reason", reason), widget.NewFormItem("Review by", review)},
		func() error {
			if strings.TrimSpace(reason.Text) == "" {
				return signpost.FieldError("reason", "shielding needs a reason")
			}
			return checkReview(review.Text, s.app.now())
		},
		func() job {
			on, _ := signpost.ParseTypedDate(review.Text)
			req := signpost.ShieldRequest{Reason: strings.TrimSpace(reason.Text), ReviewDate: on}
			return func(ctx context.Context) error {
				var err error
				rec, err = s.app.svc.Shield(ctx, id, req)
				return err
			}
		},
		func() { s.show(rec) })
	s.dlg.show()
	s.app.win.Canvas().Focus(reason)
}

// onUnshield asks for a reason (recorded, as shielding's is) and shows the
// shielding's history; its confirm button is not the default, and Enter does
// not press it: lifting a shielding must be chosen.
func (s *childScreen) onUnshield() {
	s.app.touch()
	if s.rec == nil {
		return
	}
	id := s.rec.Child.SignpostID
	intro := "Practitioners will see this child's full record again, including address, carers, school, GP and who works with them."
	if sh := s.rec.Child.Shielding; sh != nil {
		intro = shieldingHistory(sh) + "\n\n" + intro
	}
	reason := newEntry()
	reason.SetPlaceHolder("e.g. review found the family safe")
	var rec *Record
	s.dlg = s.app.newFormDialog("Unshield "+s.childName(), "Unshield", intro,
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
				var err error
				rec, err = s.app.svc.Unshield(ctx, id, why)
				return err
			}
		},
		func() { s.show(rec) })
	s.dlg.guarded()
	s.dlg.show()
	s.app.win.Canvas().Focus(reason)
}
