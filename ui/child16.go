package ui

// Issue 16, slice app: a child's record and sensitive services (sexual
// health, mental health, substance misuse), shown only as the law allows;
// the answer to a lead-professional offer; confirming that a child is left
// without a lead professional.

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"signpost"
)

// Badges of issue 16.
const (
	badgeSensitive = "Sensitive service"
	badgeOffered   = "Lead role offered"
)

// notNamed reports whether inv is a sensitive service the directory did not
// name to this user (no consent to show it): only whom to contact is left.
func notNamed(inv signpost.Involvement) bool {
	return inv.Sensitive && inv.Practitioner == "" && inv.Organisation == "" && !inv.Mine
}

// notNamedBox is what a sensitive service shown without consent leaves:
// "A service that is not named here is involved — contact the management
// team of Leeds", and that team's phone and email when known.
func notNamedBox(inv signpost.Involvement, team *signpost.AuthorityContact) fyne.CanvasObject {
	text := inv.ContactVia
	if text == "" {
		text = signpost.NotNamedService(inv.Authority)
	}
	text = capitalise(text)
	if inv.Active() {
		text += "."
	} else {
		text += " (this involvement has ended)."
	}
	l := wrapped(text)
	l.TextStyle = fyne.TextStyle{Italic: true}
	objs := []fyne.CanvasObject{l}
	if team != nil && (team.Phone != "" || team.Email != "") {
		objs = append(objs, contacts(team.Phone, team.Email))
	}
	return container.NewPadded(container.NewStack(newThemedRect(theme.ColorNameInputBackground), container.NewVBox(objs...)))
}

func capitalise(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// sensitiveBadges tag a sensitive service shown in full (to the management
// team, to the practitioner herself, or with the young person's consent)
// and an involvement offered the lead-professional role.
func sensitiveBadges(inv signpost.Involvement) []*badge {
	var bs []*badge
	if inv.Sensitive {
		bs = append(bs, newBadge(badgeSensitive))
	}
	if inv.Active() && inv.LeadOffered {
		bs = append(bs, newBadge(badgeOffered))
	}
	return bs
}

// sensitiveFormChecks are the two checks of a new involvement: from a
// sensitive service, and whether the young person agreed to it being shown.
func sensitiveFormChecks() (sensitive, consent *widget.Check) {
	consent = widget.NewCheck("The young person agreed to it being shown to other practitioners", nil)
	consent.Disable()
	sensitive = widget.NewCheck("From a sensitive service (sexual health, mental health, substance misuse)", func(on bool) {
		if on {
			consent.Enable()
		} else {
			consent.SetChecked(false)
			consent.Disable()
		}
	})
	return sensitive, consent
}

// sensitiveRow is the sensitive-service checks of one's own involvement,
// on their own line under the actions.
func (s *childScreen) sensitiveRow(u signpost.User, mine *signpost.Involvement) []fyne.CanvasObject {
	s.sensitive, s.consent = nil, nil
	if mine == nil || u.Role == signpost.RoleITAdmin {
		return nil
	}
	return []fyne.CanvasObject{container.New(&flowLayout{}, s.sensitiveChecks(mine)...)}
}

// sensitiveChecks are the same checks on one's own involvement; changing
// them queues the change (audited by the directory).
func (s *childScreen) sensitiveChecks(mine *signpost.Involvement) []fyne.CanvasObject {
	s.setting = true
	defer func() { s.setting = false }()
	s.sensitive, s.consent = sensitiveFormChecks()
	s.sensitive.SetChecked(mine.Sensitive)
	s.consent.SetChecked(mine.Sensitive && mine.ConsentShown)
	s.sensitive.OnChanged = func(on bool) {
		if on {
			s.consent.Enable()
		}
		s.onSensitive(on, on && s.consent.Checked)
	}
	s.consent.OnChanged = func(on bool) { s.onSensitive(s.sensitive.Checked, on) }
	return []fyne.CanvasObject{s.sensitive, s.consent}
}

func (s *childScreen) onSensitive(sensitive, consent bool) {
	if s.setting || s.rec == nil {
		return
	}
	s.app.touch()
	id := s.rec.Child.SignpostID
	s.app.br.run(func(ctx context.Context) error { return s.app.svc.SetSensitive(ctx, id, sensitive, consent) }, func(err error) {
		if err != nil {
			s.app.showError("marking your service", err)
		}
		s.afterChange()
	})
}

// leadLossCheck is the confirmation a lead professional ticks to end her
// involvement when another practitioner could take the role on; nil when
// none is needed.
func (s *childScreen) leadLossCheck(mine *signpost.Involvement) *widget.Check {
	if s.rec == nil || mine == nil || !mine.LeadProfessional {
		return nil
	}
	others := 0 // a service not named here could take the role on too
	for _, in := range s.rec.Child.Involvements {
		if in.Active() && !in.Mine {
			others++
		}
	}
	if others == 0 {
		return nil
	}
	return widget.NewCheck("Leave "+s.childName()+" without a lead professional (others work with the child and could take it on)", nil)
}

// offered is the offer of the lead-professional role made to the user, with
// Accept and Decline.
func (s *childScreen) offered(mine *signpost.Involvement) []fyne.CanvasObject {
	s.accept, s.decline = nil, nil
	if mine == nil || !mine.LeadOffered || s.rec == nil {
		return nil
	}
	from := "The lead professional"
	for _, in := range s.rec.Child.Involvements {
		if in.Active() && in.LeadProfessional && !in.Mine && in.Practitioner != "" {
			from = in.Practitioner
		}
	}
	id := s.rec.Child.SignpostID
	b := newBanner(theme.MailForwardIcon(), widget.HighImportance,
		from+" offers you the role of "+s.childName()+"'s lead professional. Accept it to take the role on; everyone working with the child is told.")
	s.accept = newButton("Accept the role", theme.ConfirmIcon(), func() { s.app.answerLead(id, true, s.refresh) })
	s.accept.Importance = widget.HighImportance
	s.decline = newButton("Decline", theme.CancelIcon(), func() { s.app.answerLead(id, false, s.refresh) })
	return []fyne.CanvasObject{b.box, container.New(&flowLayout{}, s.accept, s.decline)}
}

// leadLossRefused reports whether c is an end of involvement the directory
// refused for leaving the child without a lead professional unconfirmed.
func leadLossRefused(c Change) bool {
	return c.State == ChangeRejected && c.Kind == signpost.MutEndInvolvement && strings.Contains(c.Reason, "confirm that the child is left without a lead professional")
}

// onRetryConfirmed asks, then sends a refused end of involvement again,
// confirming that the child is left without a lead professional.
func (s *outboxScreen) onRetryConfirmed(id, what string) {
	s.app.touch()
	s.confirmDlg = s.app.newFormDialog("Leave the child without a lead professional?", "End it anyway",
		what+". You are the child's lead professional and others work with the child: the directory refused to end your involvement "+
			"without a lead professional unless you confirm it. Hand the role over first if you can (on the child's record).", nil, nil,
		func() job { return func(ctx context.Context) error { return s.app.svc.RetryConfirmed(ctx, id) } },
		func() {
			s.load()
			s.app.changed()
		})
	s.confirmDlg.show()
}
