package ui

// Issue 16, slice app: "What's new". The directory tells a practitioner when
// someone else starts or stops working with a child of hers, when the child
// moves area, and about the lead-professional handover; the notifications
// come with sync and are kept in the encrypted cache, so the list works
// offline. The tab's title counts the unread ones; after a sync that brought
// new ones the app raises a desktop notification that names no child.

import (
	"context"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"signpost"
)

const tabWhatsNew = "whatsnew"

// badgeUnread marks a notification not yet read.
const badgeUnread = "New"

// whatsNewTitle is the tab's title: "What's new (2)" with 2 unread.
func whatsNewTitle(unread int) string {
	if unread <= 0 {
		return "What's new"
	}
	return "What's new (" + strconv.Itoa(unread) + ")"
}

// updatesText is the desktop notification: how many, about no child by name.
func updatesText(n int) string {
	if n == 1 {
		return "1 update about a child you work with"
	}
	return strconv.Itoa(n) + " updates about children you work with"
}

// kindLabel says in plain words what kind of news a notification is.
func kindLabel(kind string) string {
	switch kind {
	case signpost.NoteNewInvolvement:
		return "Someone new is working with"
	case signpost.NoteMovedArea:
		return "Moved area:"
	case signpost.NoteEndedInvolvement:
		return "Someone stopped working with"
	case signpost.NoteHandoverOffered:
		return "Lead professional role offered to you for"
	case signpost.NoteHandoverAccepted:
		return "Lead professional handover accepted for"
	case signpost.NoteHandoverDeclined:
		return "Lead professional handover declined for"
	}
	return "News about"
}

// whatsNewScreen is the list, newest first, with the chosen child's record
// beside it.
type whatsNewScreen struct {
	app    *App
	notes  []signpost.Notification
	known  map[string]bool // ids seen by this window (a new unread one raises a desktop notification)
	loaded bool
	unread int
	gen    int
	// answered: handover offers answered in this window (their buttons go).
	answered map[string]bool

	summary *widget.Label
	markAll *button
	box     *fyne.Container
	child   *childScreen
	cards   map[string]*noteCard // by notification id, for the handlers (and tests)
	// onUnread hears the unread count (the tab's title).
	onUnread func(int)
}

// noteCard is one notification's row.
type noteCard struct {
	n       signpost.Notification
	open    *button
	read    *button
	accept  *button
	decline *button
	card    *tapCard
}

func newWhatsNewScreen(a *App) *whatsNewScreen {
	return &whatsNewScreen{app: a, known: map[string]bool{}, answered: map[string]bool{}, cards: map[string]*noteCard{}, child: newChildScreen(a)}
}

func (s *whatsNewScreen) build() fyne.CanvasObject {
	s.summary = wrapped("Loading…")
	s.markAll = newButton("Mark all read", theme.ConfirmIcon(), s.onMarkAll)
	s.markAll.Disable()
	s.box = container.NewVBox()
	head := container.NewVBox(container.NewBorder(nil, nil, nil, s.markAll, heading("What's new")), s.summary)
	left := container.NewBorder(head, nil, nil, nil, container.NewVScroll(s.box))
	split := container.NewHSplit(left, s.child.build())
	split.Offset = 0.45
	return split
}

// load reads the notifications kept on this laptop; after a sync, those it
// had not seen and unread raise one desktop notification.
func (s *whatsNewScreen) load() {
	s.gen++
	gen := s.gen
	fetch(s.app.br, func(ctx context.Context) ([]signpost.Notification, error) { return s.app.svc.Notifications(ctx) },
		func(ns []signpost.Notification, err error) {
			if gen != s.gen {
				return
			}
			if err != nil {
				s.app.log.Warn("ui: reading notifications", "kind", signpost.KindOf(err), "err", err)
				_, msg := explain(err)
				s.summary.SetText("Your notifications could not be read. " + msg)
				return
			}
			fresh := 0
			for _, n := range ns {
				if !s.known[n.ID] && !n.Read && s.loaded {
					fresh++
				}
				s.known[n.ID] = true
			}
			s.loaded = true
			s.show(ns)
			if fresh > 0 {
				s.app.svc.SendNotification("Signpost", updatesText(fresh))
			}
		})
}

// show lays the list out.
func (s *whatsNewScreen) show(ns []signpost.Notification) {
	s.notes = ns
	s.unread = 0
	for _, n := range ns {
		if !n.Read {
			s.unread++
		}
	}
	switch {
	case len(ns) == 0:
		s.summary.SetText("Nothing new. When someone starts or stops working with a child you work with, or the child moves area, you are told here.")
	case s.unread == 0:
		s.summary.SetText(plural(len(ns), "notification", "notifications") + ", all read.")
	default:
		s.summary.SetText(strconv.Itoa(s.unread) + " unread of " + plural(len(ns), "notification", "notifications") + ", newest first.")
	}
	if s.unread > 0 {
		s.markAll.Enable()
	} else {
		s.markAll.Disable()
	}
	s.cards = map[string]*noteCard{}
	objs := make([]fyne.CanvasObject, 0, len(ns))
	for _, n := range ns {
		objs = append(objs, s.card(n))
	}
	s.box.Objects = objs
	s.box.Refresh()
	if s.onUnread != nil {
		s.onUnread(s.unread)
	}
}

// card is one notification: what happened, to which child (shown only in
// the app), who, how to reach them and when; with its actions.
func (s *whatsNewScreen) card(n signpost.Notification) fyne.CanvasObject {
	c := &noteCard{n: n}
	s.cards[n.ID] = c
	child := n.ChildName
	if child == "" {
		child = "a child you work with"
	}
	// One text: what happened to whom in bold, then the directory's
	// sentence; when, and the badges, at the right.
	head := widget.NewRichText(
		&widget.TextSegment{Text: kindLabel(n.Kind) + " " + child, Style: widget.RichTextStyle{TextStyle: fyne.TextStyle{Bold: true}}},
		&widget.TextSegment{Text: noteText(n), Style: widget.RichTextStyleParagraph})
	head.Wrapping = fyne.TextWrapWord
	var bs []*badge
	if !n.Read {
		bs = append(bs, newBadge(badgeUnread))
	}
	if n.Withheld {
		bs = append(bs, newBadge(badgeWithheld))
	}
	at := widget.NewLabel(when(n.At, s.app.now()))
	at.Alignment = fyne.TextAlignTrailing
	at.SizeName = theme.SizeNameCaptionText
	side := container.NewVBox(container.NewHBox(layout.NewSpacer(), badgeRow(bs...)), at)
	objs := []fyne.CanvasObject{container.NewBorder(nil, nil, nil, side, head)}
	if p := n.About; p != nil {
		objs = append(objs, contacts(p.Phone, p.Email))
	}
	if p := n.LeadProfessional; p != nil && n.Kind == signpost.NoteMovedArea {
		objs = append(objs, dim("Lead professional: "+p.Name), contacts(p.Phone, p.Email))
	}
	id, childID := n.ID, n.ChildID
	c.open = newButton("Open record", theme.DocumentIcon(), func() { s.onOpen(id, childID) })
	acts := []fyne.CanvasObject{c.open}
	if n.Kind == signpost.NoteHandoverOffered && !s.answered[n.ID] {
		c.accept = newButton("Accept the role", theme.ConfirmIcon(), func() { s.onAnswer(id, childID, true) })
		c.accept.Importance = widget.HighImportance
		c.decline = newButton("Decline", theme.CancelIcon(), func() { s.onAnswer(id, childID, false) })
		acts = append(acts, c.accept, c.decline)
	}
	if !n.Read {
		c.read = newButton("Mark read", theme.ConfirmIcon(), func() { s.markRead([]string{id}) })
		acts = append(acts, c.read)
	}
	objs = append(objs, container.New(&flowLayout{}, acts...))
	bg := theme.ColorNameInputBackground
	if !n.Read {
		bg = theme.ColorNameHover
	}
	card := newTapCard(container.NewStack(newThemedRect(bg), container.NewPadded(container.NewVBox(objs...))), func() { s.onOpen(id, childID) })
	c.card = card
	return container.NewPadded(card)
}

// tapCard is a notification's card: a tap anywhere but on its buttons and
// links opens the child's record.
type tapCard struct {
	widget.BaseWidget
	content fyne.CanvasObject
	onTap   func()
}

func newTapCard(content fyne.CanvasObject, onTap func()) *tapCard {
	t := &tapCard{content: content, onTap: onTap}
	t.ExtendBaseWidget(t)
	return t
}

func (t *tapCard) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(t.content) }

// Tapped opens the record.
func (t *tapCard) Tapped(*fyne.PointEvent) {
	if t.onTap != nil {
		t.onTap()
	}
}

// Cursor is the pointing hand, since the card opens a record.
func (t *tapCard) Cursor() desktop.Cursor { return desktop.PointerCursor }

// badgeWithheld marks a notification with things left out (a shielded
// child, a service that is not named).
const badgeWithheld = "Details withheld"

// noteText is the directory's sentence, without the contact it ends with
// when the card shows it as links.
func noteText(n signpost.Notification) string {
	t := strings.TrimSpace(n.Text)
	if p := n.About; p != nil {
		t = strings.TrimSuffix(t, reachOf(p))
	}
	if t == "" {
		t = "There is news about " + n.ChildName + "."
	}
	return t
}

// reachOf is the " Contact: …" the directory ends a sentence with.
func reachOf(p *signpost.NotifiedPractitioner) string {
	switch {
	case p.Phone != "" && p.Email != "":
		return " Contact: " + p.Phone + ", " + p.Email + "."
	case p.Phone != "":
		return " Contact: " + p.Phone + "."
	case p.Email != "":
		return " Contact: " + p.Email + "."
	}
	return ""
}

// onOpen opens the child's record beside the list and marks the
// notification read.
func (s *whatsNewScreen) onOpen(id, childID string) {
	s.app.touch()
	if childID != "" {
		s.child.open(childID, "")
	}
	s.markRead([]string{id})
}

func (s *whatsNewScreen) onMarkAll() {
	s.app.touch()
	var ids []string
	for _, n := range s.notes {
		if !n.Read {
			ids = append(ids, n.ID)
		}
	}
	s.markRead(ids)
}

// markRead marks notifications read here at once, and on the laptop (and
// for the directory) in the background.
func (s *whatsNewScreen) markRead(ids []string) {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	var fresh []string
	ns := append([]signpost.Notification(nil), s.notes...)
	for i := range ns {
		if want[ns[i].ID] && !ns[i].Read {
			ns[i].Read = true
			fresh = append(fresh, ns[i].ID)
		}
	}
	if len(fresh) == 0 {
		return
	}
	s.gen++ // a load in flight must not bring the read ones back
	s.show(ns)
	s.app.br.run(func(ctx context.Context) error { return s.app.svc.MarkNotificationsRead(ctx, fresh) }, func(err error) {
		if err != nil {
			s.app.showError("marking notifications read", err)
			s.load()
		}
	})
}

// onAnswer accepts or declines the lead-professional role offered.
func (s *whatsNewScreen) onAnswer(id, childID string, accept bool) {
	s.app.touch()
	s.app.answerLead(childID, accept, func() {
		if s.child.rec != nil && s.child.rec.Child.SignpostID == childID {
			s.child.refresh()
		}
	})
}

// answerLead queues the answer to a lead-professional offer and says what
// happens next.
func (a *App) answerLead(childID string, accept bool, done func()) {
	a.br.run(func(ctx context.Context) error { return a.svc.AnswerLead(ctx, childID, accept) }, func(err error) {
		if err != nil {
			a.showError("answering the offer", err)
			return
		}
		if accept {
			a.showInfo("You accepted the role", "You become the lead professional once the directory has your answer, at the next sync. "+
				"Everyone working with the child is told.")
		} else {
			a.showInfo("You declined the role", "The lead professional is told at the next sync and stays the lead professional.")
		}
		if done != nil {
			done()
		}
		if a.home != nil && a.home.whatsnew != nil {
			a.home.whatsnew.answeredFor(childID)
		}
		a.changed()
	})
}

// answeredFor takes Accept and Decline off the offers for a child once the
// offer is answered (on the record or here) and marks them read.
func (s *whatsNewScreen) answeredFor(childID string) {
	var ids []string
	for _, n := range s.notes {
		if n.Kind == signpost.NoteHandoverOffered && n.ChildID == childID && !s.answered[n.ID] {
			s.answered[n.ID] = true
			ids = append(ids, n.ID)
		}
	}
	if len(ids) == 0 {
		return
	}
	s.show(s.notes)
	s.markRead(ids)
}

// notifySettings is the Settings section for notifications: the kinds that
// may be muted, and those always on with the reason. Online only.
type notifySettings struct {
	app    *App
	checks map[string]*widget.Check
	msg    *widget.Label
	box    *fyne.Container
	muted  []string
	busy   bool
}

// alwaysOnReason says why a kind cannot be muted.
func alwaysOnReason(kind string) string {
	switch kind {
	case signpost.NoteNewInvolvement, signpost.NoteMovedArea:
		return "Always on: who else works with a child, and where the child lives, can matter for the child's safety."
	case signpost.NoteHandoverOffered, signpost.NoteHandoverAccepted, signpost.NoteHandoverDeclined:
		return "Always on: a child must not be left without a lead professional."
	}
	return "Always on."
}

// kindSetting is the words of a kind's check.
func kindSetting(kind string) string {
	switch kind {
	case signpost.NoteNewInvolvement:
		return "Someone starts working with a child I work with"
	case signpost.NoteMovedArea:
		return "A child I work with moves to another area"
	case signpost.NoteEndedInvolvement:
		return "Someone stops working with a child I work with"
	case signpost.NoteHandoverOffered:
		return "I am offered the lead-professional role"
	case signpost.NoteHandoverAccepted:
		return "A lead-professional handover is accepted"
	case signpost.NoteHandoverDeclined:
		return "A lead-professional handover is declined"
	}
	return kind
}

func newNotifySettings(a *App) *notifySettings {
	return &notifySettings{app: a, checks: map[string]*widget.Check{}}
}

func (s *notifySettings) build() fyne.CanvasObject {
	s.msg = wrapped("")
	s.msg.Hide()
	items := []fyne.CanvasObject{heading("Notifications"),
		dim("Tell me in What's new, and with a notification on this laptop, when:")}
	kinds := signpost.NotificationKinds
	for i, kind := range kinds {
		kind := kind
		if signpost.Mutable(kind) {
			ch := widget.NewCheck(kindSetting(kind), func(on bool) { s.onCheck(kind, on) })
			s.setting(func() { ch.SetChecked(true) })
			ch.Disable() // until the settings are read
			s.checks[kind] = ch
			items = append(items, ch)
			continue
		}
		// Always on: a ticked check that cannot be changed, its words in
		// the ordinary colour (a disabled check's are too faint to read),
		// and the reason once under a run of kinds that share it.
		ch := widget.NewCheck("", nil)
		s.setting(func() { ch.SetChecked(true) })
		ch.Disable()
		s.checks[kind] = ch
		items = append(items, container.NewBorder(nil, nil, ch, nil, widget.NewLabel(kindSetting(kind)+" (always on)")))
		if i == len(kinds)-1 || signpost.Mutable(kinds[i+1]) || alwaysOnReason(kinds[i+1]) != alwaysOnReason(kind) {
			items = append(items, dim(alwaysOnReason(kind)))
		}
	}
	items = append(items, s.msg)
	s.box = container.NewVBox(items...)
	return s.box
}

// setting sets checks from the directory's answer, not from a person.
func (s *notifySettings) setting(f func()) {
	s.busy = true
	f()
	s.busy = false
}

// load reads the mute settings from the directory.
func (s *notifySettings) load() {
	fetch(s.app.br, func(ctx context.Context) (signpost.NotificationSettings, error) {
		return s.app.svc.NotificationSettings(ctx)
	},
		func(ns signpost.NotificationSettings, err error) {
			if err != nil {
				_, msg := explain(err)
				s.say("Your notification settings could not be read. "+msg, widget.WarningImportance)
				return
			}
			s.say("", widget.MediumImportance)
			s.apply(ns)
		})
}

func (s *notifySettings) apply(ns signpost.NotificationSettings) {
	s.muted = ns.Muted
	s.setting(func() {
		for kind, ch := range s.checks {
			if !signpost.Mutable(kind) {
				continue
			}
			muted := false
			for _, m := range ns.Muted {
				muted = muted || m == kind
			}
			ch.SetChecked(!muted)
			ch.Enable()
		}
	})
}

func (s *notifySettings) say(text string, imp widget.Importance) {
	s.msg.Importance = imp
	s.msg.SetText(text)
	showIf(s.msg, text != "")
}

func (s *notifySettings) onCheck(kind string, on bool) {
	if s.busy || !signpost.Mutable(kind) {
		return
	}
	s.app.touch()
	var muted []string
	for _, k := range signpost.MutableKinds {
		if ch := s.checks[k]; ch != nil && !ch.Checked {
			muted = append(muted, k)
		}
	}
	fetch(s.app.br, func(ctx context.Context) (signpost.NotificationSettings, error) {
		return s.app.svc.SetNotificationSettings(ctx, muted)
	}, func(ns signpost.NotificationSettings, err error) {
		if err != nil {
			_, msg := explain(err)
			s.say("Not saved. "+msg, widget.DangerImportance)
			s.apply(signpost.NotificationSettings{Muted: s.muted})
			return
		}
		s.say("Saved.", widget.SuccessImportance)
		s.apply(ns)
	})
}
