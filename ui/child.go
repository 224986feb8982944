package ui

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"signpost"
)

// childScreen shows one child's record: identity, carers, school, GP, who
// works with the child now and who did before (with phone and email), the
// practitioner's changes waiting to sync, and what they may do. A shielded
// record shows only what the rules allow and whom to contact.
type childScreen struct {
	app    *App
	root   *fyne.Container
	rec    *Record
	id     string
	reason string
	gen    int
	// opening: a record was asked for and has not arrived; a refresh then
	// must not bring back the record it replaces.
	opening bool
	// Widgets of the record on show, for the handlers (and tests).
	name       *widget.Label
	badges     *fyne.Container
	shielded   *banner
	start      *button
	end        *button
	caf        *widget.Check
	lead       *widget.Check
	handover   *button
	breakGlass *button
	shield     *button
	unshield   *button
	setting    bool // the checks are being set from the record, not by a person
	dlg        *formDialog

	// Issue 14, slice review: merge with another record (merge.go).
	merge *button

	// Issue 16, slice app (child16.go): one's own involvement from a
	// sensitive service, and the answer to a lead-professional offer.
	sensitive, consent *widget.Check
	accept, decline    *button
}

func newChildScreen(a *App) *childScreen { return &childScreen{app: a} }

func (s *childScreen) build() fyne.CanvasObject {
	s.root = container.NewStack()
	s.placeholder("Choose a child to see who else works with them.")
	return s.root
}

func (s *childScreen) placeholder(text string) {
	l := wrapped(text)
	l.Alignment = fyne.TextAlignCenter
	l.TextStyle = fyne.TextStyle{Italic: true}
	s.root.Objects = []fyne.CanvasObject{container.NewCenter(container.New(&fixedWidth{w: 360}, l))}
	s.root.Refresh()
}

// open opens child id's record; the view is recorded in the audit. When the
// child is not on the caseload and no reason was given, it asks for one.
func (s *childScreen) open(id, reason string) {
	s.gen++
	gen := s.gen
	s.opening = true
	s.rec = nil
	s.placeholder("Opening the record…")
	fetch(s.app.br, func(ctx context.Context) (*Record, error) { return s.app.svc.ViewChild(ctx, id, reason) },
		func(rec *Record, err error) {
			if gen != s.gen {
				return
			}
			s.opening = false
			if err != nil {
				if signpost.FieldOf(err) == "reason" && reason == "" {
					s.placeholder("Say why you are opening this record.")
					s.dlg = s.app.askReason("This child is not on your caseload. Your reason is recorded with your name, and the child's authority can see it.",
						func(r string) { s.open(id, r) })
					return
				}
				s.app.log.Warn("ui: opening a record", "kind", signpost.KindOf(err), "err", err)
				_, msg := explain(err)
				s.placeholder("The record could not be opened. " + msg)
				return
			}
			s.id, s.reason = id, reason
			s.show(rec)
		})
}

// refresh re-reads the record on show (after a change or a sync), without
// recording another view.
func (s *childScreen) refresh() {
	if s.opening || s.rec == nil || s.rec.BrokeGlass {
		return
	}
	s.gen++
	gen, id := s.gen, s.rec.Child.SignpostID
	fetch(s.app.br, func(ctx context.Context) (*Record, error) { return s.app.svc.Refresh(ctx, id) },
		func(rec *Record, err error) {
			if gen != s.gen {
				return
			}
			if err != nil {
				if signpost.KindOf(err) == signpost.KindNotFound {
					s.rec = nil
					s.placeholder("This record is no longer on this laptop.")
					return
				}
				s.app.showError("reading the record again", err)
				return
			}
			s.show(rec)
		})
}

// show lays a record out.
func (s *childScreen) show(rec *Record) {
	s.rec = rec
	c := rec.Child
	u := s.app.svc.State().User
	mine := myInvolvement(c, u.Username)
	now := s.app.now()

	s.name = heading(c.GivenName + " " + c.FamilyName)
	s.name.Selectable = true
	facts := []string{}
	if c.DateOfBirth != "" {
		facts = append(facts, fmt.Sprintf("Born %s (age %d)", longDate(c.DateOfBirth), age(c.DateOfBirth, now)))
	}
	if c.Gender != "" {
		facts = append(facts, title(c.Gender))
	}
	facts = append(facts, "Signpost ID "+c.SignpostID)
	sub := widget.NewLabel(strings.Join(facts, " · "))
	sub.Selectable = true

	var bs []*badge
	if c.Shielded {
		bs = append(bs, newBadge(badgeShielded))
	}
	if rec.OnCaseload {
		bs = append(bs, newBadge(badgeCaseload))
	}
	if mine != nil && mine.LeadProfessional {
		bs = append(bs, newBadge(badgeLead))
	}
	if mine != nil && mine.CAF {
		bs = append(bs, newBadge(badgeCAF))
	}
	if b := pendingBadge(rec.Pending); b != "" {
		bs = append(bs, newBadge(b))
	}
	s.badges = badgeRow(bs...)

	top := []fyne.CanvasObject{s.name, sub, s.badges}
	s.shielded = nil
	if c.Redacted {
		team := withheldContact(c)
		s.shielded = newBanner(theme.NewErrorThemedResource(theme.WarningIcon()), widget.DangerImportance,
			"This record is shielded. Its address, carers, school, GP and the other practitioners are withheld. "+
				"If you need to know more, contact "+team.Team+".")
		top = append(top, s.shielded.box)
		if team.Phone != "" || team.Email != "" {
			top = append(top, contacts(team.Phone, team.Email))
		}
	}
	if c.Shielding != nil && !c.Redacted {
		top = append(top, wrapped(shieldingHistory(c.Shielding)))
	}
	if rec.BrokeGlass {
		top = append(top, newBanner(theme.NewErrorThemedResource(theme.WarningIcon()), widget.DangerImportance,
			"Shown in full through break-glass. This access is recorded and the child's authority has been told.").box)
	}
	if rec.FromCache && !s.app.status.Online {
		top = append(top, newBanner(theme.InfoIcon(), widget.MediumImportance,
			"You are offline: this is the copy kept on this laptop. Your view is recorded and will be sent when you are back online.").box)
	}
	top = append(top, s.offered(mine)...) // issue 16, slice app
	top = append(top, s.actions(rec, u, mine))
	top = append(top, s.sensitiveRow(u, mine)...) // issue 16, slice app
	for _, ch := range rec.Pending {
		top = append(top, changeLine(ch))
	}
	top = append(top, widget.NewSeparator())

	var body []fyne.CanvasObject
	var now_, before []signpost.Involvement
	for _, inv := range c.Involvements {
		if inv.Active() {
			now_ = append(now_, inv)
		} else {
			before = append(before, inv)
		}
	}
	body = append(body, heading("Working with this child now"))
	if len(now_) == 0 && !c.Redacted {
		body = append(body, dim("No one is recorded as working with this child now."))
	}
	for _, inv := range now_ {
		body = append(body, involvementBox(inv, u.Username))
	}
	if c.Redacted {
		team := withheldContact(c)
		others := "Who works with this child is withheld"
		if len(now_) > 0 {
			others = "Who else works with this child is withheld"
		}
		body = append(body, dim(others+" because the record is shielded. To find out, ask "+team.Team+"."))
	}
	if len(before) > 0 || !c.Redacted {
		body = append(body, heading("Worked with this child before"))
		if len(before) == 0 {
			body = append(body, dim("No one."))
		}
		for _, inv := range before {
			body = append(body, involvementBox(inv, u.Username))
		}
	}
	if !c.Redacted {
		body = append(body, s.identity(c)...)
		body = append(body, s.carers(c)...)
		body = append(body, settingSection("School", c.School)...)
		body = append(body, settingSection("GP practice", c.GP)...)
	}
	content := container.NewVBox(append(top, body...)...)
	s.root.Objects = []fyne.CanvasObject{container.NewVScroll(container.NewPadded(content))}
	s.root.Refresh()
}

// actions are the buttons a person may use on this record.
func (s *childScreen) actions(rec *Record, u signpost.User, mine *signpost.Involvement) fyne.CanvasObject {
	c := rec.Child
	s.start, s.end, s.caf, s.lead, s.breakGlass, s.shield, s.unshield, s.handover = nil, nil, nil, nil, nil, nil, nil, nil
	var objs []fyne.CanvasObject
	if u.Role != signpost.RoleITAdmin {
		if mine != nil {
			s.setting = true
			s.caf = widget.NewCheck("I hold a CAF/early-help assessment", s.onCAF)
			s.caf.SetChecked(mine.CAF)
			s.lead = widget.NewCheck("I am the lead professional", s.onLead)
			s.lead.SetChecked(mine.LeadProfessional)
			s.setting = false
			s.end = newButton("End my involvement…", theme.CancelIcon(), s.onEnd)
			objs = append(objs, s.caf, s.lead)
			if mine.LeadProfessional && len(handoverTo(c)) > 0 {
				s.handover = newButton("Hand over lead professional…", theme.MailForwardIcon(), s.onHandOver) // issue 16: an offer
				objs = append(objs, s.handover)
			}
			objs = append(objs, s.end)
		} else {
			s.start = newButton("I work with this child…", theme.ContentAddIcon(), s.onStart)
			s.start.Importance = widget.HighImportance
			objs = append(objs, s.start)
		}
	}
	if c.Redacted && signpost.CanBreakGlass(u.Role, u.ChildProtection) {
		s.breakGlass = newButton("Break glass…", theme.WarningIcon(), s.onBreakGlass)
		s.breakGlass.Importance = widget.DangerImportance
		objs = append(objs, s.breakGlass)
	}
	if signpost.CanShield(u.Role, u.Authority, c) && !c.Redacted && !rec.BrokeGlass {
		if c.Shielded {
			s.unshield = newButton("Unshield…", theme.VisibilityIcon(), s.onUnshield)
			objs = append(objs, s.unshield)
		} else {
			s.shield = newButton("Shield…", theme.VisibilityOffIcon(), s.onShield)
			objs = append(objs, s.shield)
		}
	}
	if b := s.mergeAction(rec, u); b != nil { // issue 14, slice review
		objs = append(objs, b)
	}
	if b := s.accessAction(rec, u); b != nil { // issue 14: the record's subject-access report
		objs = append(objs, b)
	}
	// The actions wrap onto a second line rather than widen the window past
	// a small laptop's 1024 pixels (a lead professional has four).
	return container.New(&flowLayout{}, objs...)
}

// withheldContact is whom a record with fields withheld sends a person to:
// the contact it carries, or the team by name alone for a copy cached
// before the directory sent one.
func withheldContact(c *signpost.Child) signpost.AuthorityContact {
	if c.WithheldContact != nil && c.WithheldContact.Team != "" {
		return *c.WithheldContact
	}
	via := c.ContactVia
	if via == "" {
		via = signpost.ContactVia(c.Authority)
	}
	return signpost.AuthorityContact{Team: via}
}

// shieldingHistory says who shielded a child, when, why and by when it is
// to be reviewed, leaving out what is not recorded.
func shieldingHistory(sh *signpost.Shielding) string {
	text := "Shielded"
	if sh.By != "" {
		text += " by " + sh.By
	}
	if !sh.At.IsZero() {
		text += " on " + sh.At.Local().Format("2 Jan 2006")
	}
	text += "."
	if sh.Reason != "" {
		text += " Reason: " + strings.TrimSuffix(sh.Reason, ".") + "."
	}
	if sh.ReviewDate != "" {
		text += " Review by " + shortDate(sh.ReviewDate) + "."
	}
	return text
}

// myInvolvement returns the user's active involvement with c, if any.
func myInvolvement(c *signpost.Child, username string) *signpost.Involvement {
	for i := range c.Involvements {
		inv := &c.Involvements[i]
		if inv.Mine && inv.Active() {
			return inv
		}
	}
	return nil
}

func (s *childScreen) identity(c *signpost.Child) []fyne.CanvasObject {
	rows := [][2]string{}
	add := func(k, v string) {
		if v != "" {
			rows = append(rows, [2]string{k, v})
		}
	}
	add("Address", strings.TrimSpace(strings.Trim(c.Address+", "+c.Postcode, ", ")))
	add("Local authority", c.Authority)
	add("NHS number", c.NHSNumber)
	add("Unique pupil number", c.UPN)
	if c.Status != "" && c.Status != signpost.StatusActive {
		add("Status", title(c.Status))
	}
	out := []fyne.CanvasObject{heading("Child")}
	out = append(out, facts(rows))
	return out
}

func (s *childScreen) carers(c *signpost.Child) []fyne.CanvasObject {
	out := []fyne.CanvasObject{heading("Parents and carers")}
	if len(c.Carers) == 0 {
		return append(out, dim("None recorded."))
	}
	for _, cr := range c.Carers {
		line := cr.Name
		if cr.Relationship != "" {
			line += " (" + cr.Relationship + ")"
		}
		if cr.ParentalResponsibility {
			line += " · has parental responsibility"
		}
		out = append(out, bold(line), contacts(cr.Phone, cr.Email))
	}
	return out
}

func settingSection(name string, st *signpost.Setting) []fyne.CanvasObject {
	out := []fyne.CanvasObject{heading(name)}
	if st == nil {
		return append(out, dim("None recorded."))
	}
	line := st.Name
	if st.StartedOn != "" {
		line += " · since " + shortDate(st.StartedOn)
	}
	return append(out, bold(line), contacts(st.Phone, ""))
}

// involvementBox shows one practitioner: who, their role and organisation,
// how to reach them, since when, and their flags.
func involvementBox(inv signpost.Involvement, me string) fyne.CanvasObject {
	if notNamed(inv) { // issue 16, slice app: a sensitive service shown without consent
		return notNamedBox(inv, nil)
	}
	who := inv.Practitioner
	if who == "" {
		who = "A practitioner"
	}
	if inv.Mine {
		who += " (you)"
	}
	role := strings.Trim(inv.Role+", "+inv.Organisation, ", ")
	dates := "Since " + shortDate(inv.StartedOn)
	if !inv.Active() {
		dates = shortDate(inv.StartedOn) + " to " + shortDate(inv.EndedOn)
	}
	// The badges say what stands now: an ended involvement has neither (the
	// lead is cleared when it ends, so a CAF badge alone would mislead).
	var bs []*badge
	if inv.Active() && inv.LeadProfessional {
		bs = append(bs, newBadge(badgeLead))
	}
	if inv.Active() && inv.CAF {
		bs = append(bs, newBadge(badgeCAF))
	}
	bs = append(bs, sensitiveBadges(inv)...) // issue 16, slice app
	text := lines()
	text.Truncation = fyne.TextTruncateOff
	text.Wrapping = fyne.TextWrapWord
	setLines(text, who, []string{role}, dates)
	head := container.NewBorder(nil, nil, nil, container.NewVBox(badgeRow(bs...)), text)
	return container.NewPadded(container.NewStack(newThemedRect(theme.ColorNameInputBackground),
		container.NewVBox(head, contacts(inv.Phone, inv.Email))))
}

// contacts is "Phone … · Email …" with the number and the address as links
// that open tel: and mailto: (the phone or mail app), so a practitioner calls
// or writes with one click.
func contacts(phone, email string) fyne.CanvasObject {
	var segs []widget.RichTextSegment
	add := func(label, value string, link *url.URL) {
		if value == "" {
			return
		}
		if len(segs) > 0 {
			label = "   ·   " + label
		}
		segs = append(segs, &widget.TextSegment{Text: label, Style: widget.RichTextStyleInline})
		if link == nil {
			segs = append(segs, &widget.TextSegment{Text: value, Style: widget.RichTextStyleInline})
			return
		}
		segs = append(segs, &widget.HyperlinkSegment{Text: value, URL: link})
	}
	add("Phone ", phone, contactURL("tel", phone))
	add("Email ", email, contactURL("mailto", email))
	if len(segs) == 0 {
		return dim("No contact details recorded.")
	}
	rt := widget.NewRichText(segs...)
	rt.Wrapping = fyne.TextWrapWord
	return rt
}

// contactURL is tel:01134960101 or mailto:a@b.example, or nil when the value
// cannot be one (it is then shown as plain text).
func contactURL(scheme, value string) *url.URL {
	v := strings.TrimSpace(value)
	if scheme == "tel" {
		v = strings.Map(func(r rune) rune {
			if r == '+' || (r >= '0' && r <= '9') {
				return r
			}
			return -1
		}, v)
		if len(v) < 3 {
			return nil
		}
	} else if !strings.Contains(v, "@") || strings.ContainsAny(v, " <>\"") {
		return nil
	}
	u, err := url.Parse(scheme + ":" + v)
	if err != nil {
		return nil
	}
	return u
}

// pendingBadge is the badge for a child's unconfirmed changes: refused (in
// the error colour) when the directory refused any, else waiting.
func pendingBadge(cs []Change) string {
	badge := ""
	for _, c := range cs {
		if c.State == ChangeRejected {
			return badgeRefused
		}
		badge = badgePending
	}
	return badge
}

func changeLine(ch Change) fyne.CanvasObject {
	state := "saved on this laptop, waiting to sync"
	switch ch.State {
	case ChangeInFlight:
		state = "being sent"
	case ChangeRejected:
		state = "refused by the directory: " + strings.TrimSuffix(ch.Reason, ".") + ". See Changes"
	}
	l := wrapped("Your change “" + ch.Description + "” is " + state + ".")
	if ch.State == ChangeRejected {
		l.Importance = widget.DangerImportance
	} else {
		l.Importance = widget.WarningImportance
	}
	return l
}

func facts(rows [][2]string) fyne.CanvasObject {
	objs := []fyne.CanvasObject{}
	for _, r := range rows {
		k := widget.NewLabelWithStyle(r[0], fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		v := widget.NewLabel(r[1])
		v.Selectable = true
		v.Wrapping = fyne.TextWrapWord
		objs = append(objs, k, v)
	}
	return container.New(layout.NewFormLayout(), objs...)
}

func bold(text string) *widget.Label {
	l := widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.Wrapping = fyne.TextWrapWord
	return l
}

func dim(text string) *widget.Label {
	l := wrapped(text)
	l.TextStyle = fyne.TextStyle{Italic: true}
	return l
}
