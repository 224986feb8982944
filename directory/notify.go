package directory

// Issue 16: notifications. Changes someone must be told of leave a
// NotifyEvent in the store in their own transaction; DrainNotifications
// turns them into one notification per person who must be told, with only
// what that person may see (shielding and sensitive services apply), and
// stores them in one transaction that deletes the events. Pull delivers
// them; GET /v1/notifications lists them for those without a cache.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/google/uuid"

	"signpost"
)

// drainMu makes one drain at a time in this process (the store's Notify
// guards against another process's).
var drainMu sync.Mutex

// DrainNotifications turns every pending notification event into
// notifications and returns how many were stored.
func DrainNotifications(ctx context.Context, st Store) (int, error) {
	drainMu.Lock()
	defer drainMu.Unlock()
	f := &fanout{st: st, accounts: map[string]*Account{}, teams: map[string][]Account{}}
	total := 0
	for {
		evs, err := st.NotifyEvents(ctx, 500)
		if err != nil || len(evs) == 0 {
			return total, err
		}
		f.children = prefetch(ctx, st, evs)
		var ns []NotificationRecord
		done := make([]int64, 0, len(evs))
		for _, ev := range evs {
			got, err := f.notes(ctx, ev)
			if err != nil {
				return total, err
			}
			ns = append(ns, got...)
			done = append(done, ev.ID)
		}
		stored, err := st.Notify(ctx, done, ns)
		if err != nil {
			return total, err
		}
		total += len(stored)
	}
}

// drain runs DrainNotifications for a request; a failure is logged, never
// the request's (the events stay pending and are done at the next drain).
func (s *Server) drain(ctx context.Context) {
	if _, err := DrainNotifications(context.WithoutCancel(ctx), s.store); err != nil {
		s.log.Warn("notifications are pending", "error", signpost.MessageOf(err))
	}
}

// drainIfIdle drains unless a drain is running already: a pull does it, so
// events another process left (an import run from the command line, a
// directory that stopped between a change and its telling) are told soon.
func (s *Server) drainIfIdle(ctx context.Context) {
	if !drainMu.TryLock() {
		return
	}
	drainMu.Unlock()
	s.drain(ctx)
}

type fanout struct {
	st       Store
	accounts map[string]*Account // by username; nil for one not found
	teams    map[string][]Account
	children map[string]fetched // the events' children, read ahead
}

type fetched struct {
	c   *signpost.Child
	err error
}

// prefetchers is how many children a drain reads at once.
const prefetchers = 3

// prefetch reads the children of a page of events, a few at a time.
func prefetch(ctx context.Context, st Store, evs []NotifyEvent) map[string]fetched {
	out := make(map[string]fetched, len(evs))
	var ids []string
	for _, ev := range evs {
		if _, ok := out[ev.ChildID]; !ok {
			out[ev.ChildID] = fetched{}
			ids = append(ids, ev.ChildID)
		}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	next := make(chan string)
	for range prefetchers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range next {
				c, err := st.Child(ctx, id)
				mu.Lock()
				out[id] = fetched{c, err}
				mu.Unlock()
			}
		}()
	}
	for _, id := range ids {
		next <- id
	}
	close(next)
	wg.Wait()
	return out
}

func (f *fanout) account(ctx context.Context, username string) (*Account, error) {
	if a, ok := f.accounts[username]; ok {
		return a, nil
	}
	a, err := f.st.Account(ctx, username)
	var de *signpost.Error
	if errors.As(err, &de) && de.Kind == signpost.KindNotFound {
		a, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	f.accounts[username] = a
	return a, nil
}

func (f *fanout) team(ctx context.Context, authority string) ([]Account, error) {
	if authority == "" {
		return nil, nil
	}
	if t, ok := f.teams[authority]; ok {
		return t, nil
	}
	t, err := f.st.ManagementTeam(ctx, authority)
	if err != nil {
		return nil, err
	}
	f.teams[authority] = t
	return t, nil
}

func findInvolvement(c *signpost.Child, id string) *signpost.Involvement {
	for i := range c.Involvements {
		if c.Involvements[i].ID == id && id != "" {
			return &c.Involvements[i]
		}
	}
	return nil
}

func leadOf(c *signpost.Child) *signpost.Involvement {
	for i := range c.Involvements {
		if c.Involvements[i].LeadProfessional && c.Involvements[i].Active() {
			return &c.Involvements[i]
		}
	}
	return nil
}

// recipient is someone to tell, and why they may see what they see.
type recipient struct {
	acct Account
	kind string
}

// notes makes the notifications of one event.
func (f *fanout) notes(ctx context.Context, ev NotifyEvent) ([]NotificationRecord, error) {
	got, ok := f.children[ev.ChildID]
	if !ok {
		got.c, got.err = f.st.Child(ctx, ev.ChildID)
	}
	c, err := got.c, got.err
	var de *signpost.Error
	if errors.As(err, &de) && de.Kind == signpost.KindNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if c.Status == signpost.StatusArchived || c.MergedInto != "" {
		return nil, nil
	}
	about := findInvolvement(c, ev.InvolvementID)
	seen := map[string]bool{}
	var to []recipient
	add := func(username, kind string) error {
		if username == "" || seen[username] {
			return nil
		}
		seen[username] = true
		a, err := f.account(ctx, username)
		if err != nil || a == nil || a.Disabled || a.ID == ev.ActorID { // the one who made the change is not told of it
			return err
		}
		to = append(to, recipient{*a, kind})
		return nil
	}
	addTeam := func(authority, kind string) error {
		t, err := f.team(ctx, authority)
		if err != nil {
			return err
		}
		for _, a := range t {
			if !seen[a.Username] && a.ID != ev.ActorID {
				seen[a.Username] = true
				to = append(to, recipient{a, kind})
			}
		}
		return nil
	}
	involved := func() error { // every practitioner working with the child now
		for _, inv := range c.Involvements {
			if inv.Active() {
				if err := add(inv.Username, ev.Kind); err != nil {
					return err
				}
			}
		}
		return nil
	}
	switch ev.Kind {
	case signpost.NoteNewInvolvement:
		if about == nil {
			return nil, nil
		}
		if err := involved(); err != nil {
			return nil, err
		}
		// A practitioner of another authority: that authority's management
		// team learns that a child of elsewhere, with people working with
		// them there, is now worked with in its area.
		if len(to) > 0 && about.Authority != "" && c.Authority != "" && about.Authority != c.Authority {
			if err := addTeam(about.Authority, signpost.NoteMovedArea); err != nil {
				return nil, err
			}
		}
	case signpost.NoteEndedInvolvement, signpost.NoteHandoverAccepted, signpost.NoteHandoverDeclined:
		if about == nil {
			return nil, nil
		}
		if err := involved(); err != nil {
			return nil, err
		}
	case signpost.NoteHandoverOffered:
		offered := findInvolvement(c, ev.ToInvolvement)
		if about == nil || offered == nil || !offered.Active() {
			return nil, nil
		}
		if err := add(offered.Username, ev.Kind); err != nil {
			return nil, err
		}
	case signpost.NoteMovedArea:
		if err := involved(); err != nil {
			return nil, err
		}
		if err := addTeam(ev.ToAuthority, ev.Kind); err != nil {
			return nil, err
		}
	default:
		return nil, nil
	}
	out := make([]NotificationRecord, 0, len(to))
	for _, r := range to {
		n := tell(c, ev, r.kind, about, &r.acct)
		out = append(out, NotificationRecord{UserID: r.acct.ID, Username: r.acct.Username, Event: ev.ID, Notification: n})
	}
	return out, nil
}

// hiddenSensitive reports whether inv is a sensitive service that a may not
// see: shown without consent only to its practitioner and to the
// management team of its authority.
func hiddenSensitive(role, authority, username string, inv *signpost.Involvement) bool {
	if !inv.Sensitive || inv.ConsentShown || (username != "" && inv.Username == username) || inv.Mine {
		return false
	}
	return !(role == signpost.RoleManagement && authority != "" && authority == inv.Authority)
}

// sensitiveView is inv as a sees it: a sensitive service without consent is
// reduced, for everyone else, to whom to contact.
func sensitiveView(a Actor, inv signpost.Involvement) signpost.Involvement {
	if !hiddenSensitive(a.Role, a.Authority, a.Username, &inv) {
		return inv
	}
	return signpost.Involvement{ID: inv.ID, Sensitive: true, EndedOn: inv.EndedOn, ContactVia: signpost.NotNamedService(inv.Authority)}
}

func practitioner(inv *signpost.Involvement) *signpost.NotifiedPractitioner {
	return &signpost.NotifiedPractitioner{Name: inv.Practitioner, Organisation: inv.Organisation, Authority: inv.Authority,
		Role: inv.Role, Phone: inv.Phone, Email: inv.Email}
}

// tell makes the notification for one recipient, with only what they may see.
func tell(c *signpost.Child, ev NotifyEvent, kind string, about *signpost.Involvement, r *Account) signpost.Notification {
	n := signpost.Notification{Kind: kind, ChildID: c.SignpostID, At: ev.At.UTC(), ChildName: c.FullName()}
	full := !c.Shielded || signpost.CanSeeShielded(r.Role, r.Authority, c)
	hidden := about != nil && hiddenSensitive(r.Role, r.Authority, r.Username, about)
	if !full {
		// Shielding: no location, no other practitioner and no contact. A
		// move names the authority the recipient knew, not the new one.
		contact := c.Authority
		if ev.Kind == signpost.NoteMovedArea && ev.FromAuthority != "" {
			contact = ev.FromAuthority
		}
		n.Withheld, n.ContactVia = true, signpost.ContactVia(contact)
		n.Text = shieldedText(kind, n.ChildName, n.ContactVia)
		return n
	}
	if ev.Kind == signpost.NoteMovedArea {
		n.Authority, n.FromAuthority = ev.ToAuthority, ev.FromAuthority
	} else {
		n.Authority = c.Authority
	}
	if about != nil && !hidden {
		n.About, n.InvolvementID = practitioner(about), about.ID
	}
	if hidden {
		n.Withheld, n.ContactVia = true, "the management team of "+orChild(about.Authority)
	}
	if kind == signpost.NoteMovedArea {
		if l := leadOf(c); l != nil && l.Username != r.Username && !hiddenSensitive(r.Role, r.Authority, r.Username, l) {
			n.LeadProfessional = practitioner(l)
		}
	}
	n.Text = text(kind, ev.Kind, &n, about, hidden)
	return n
}

func orChild(authority string) string {
	if authority == "" {
		return "the service's local authority"
	}
	return authority
}

func who(p *signpost.NotifiedPractitioner) string {
	parts := []string{}
	for _, v := range []string{p.Role, p.Organisation, p.Authority} {
		if v != "" {
			parts = append(parts, v)
		}
	}
	if len(parts) == 0 {
		return p.Name
	}
	return p.Name + " (" + strings.Join(parts, ", ") + ")"
}

func reach(p *signpost.NotifiedPractitioner) string {
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

func shieldedText(kind, child, contactVia string) string {
	what := map[string]string{
		signpost.NoteNewInvolvement:   "Someone else has started working with %s.",
		signpost.NoteMovedArea:        "The record of %s has changed.",
		signpost.NoteEndedInvolvement: "Someone has stopped working with %s.",
		signpost.NoteHandoverOffered:  "You are offered the lead-professional role for %s.",
		signpost.NoteHandoverAccepted: "The lead professional for %s has changed.",
		signpost.NoteHandoverDeclined: "An offer of the lead-professional role for %s was declined.",
	}[kind]
	if what == "" {
		what = "There is news about %s."
	}
	return fmt.Sprintf(what, child) + " This record is shielded: contact " + contactVia + "."
}

func text(kind, event string, n *signpost.Notification, about *signpost.Involvement, hidden bool) string {
	child := n.ChildName
	if hidden {
		return "A service that is not named here " + map[string]string{
			signpost.NoteNewInvolvement:   "has started working with " + child,
			signpost.NoteMovedArea:        "in " + orChild(about.Authority) + " has started working with " + child,
			signpost.NoteEndedInvolvement: "has stopped working with " + child,
			signpost.NoteHandoverAccepted: "is now the lead professional for " + child,
			signpost.NoteHandoverDeclined: "declined the lead-professional role for " + child,
			signpost.NoteHandoverOffered:  "offers you the lead-professional role for " + child,
		}[kind] + " — contact " + n.ContactVia + "."
	}
	switch {
	case kind == signpost.NoteMovedArea && event == signpost.NoteNewInvolvement && n.About != nil:
		return fmt.Sprintf("%s, a child of %s with practitioners working with them there, is now also worked with by %s.%s",
			child, orChild(n.Authority), who(n.About), reach(n.About))
	case kind == signpost.NoteMovedArea:
		t := fmt.Sprintf("%s now lives in %s (before: %s).", child, orChild(n.Authority), orChild(n.FromAuthority))
		if n.LeadProfessional != nil {
			t += " The lead professional is " + who(n.LeadProfessional) + "." + reach(n.LeadProfessional)
		}
		return t
	case n.About == nil:
		return "There is news about " + child + "."
	case kind == signpost.NoteNewInvolvement:
		return fmt.Sprintf("%s started working with %s on %s.%s", who(n.About), child, longDate(about.StartedOn), reach(n.About))
	case kind == signpost.NoteEndedInvolvement:
		return fmt.Sprintf("%s stopped working with %s.", who(n.About), child)
	case kind == signpost.NoteHandoverOffered:
		return fmt.Sprintf("%s offers you the lead-professional role for %s: accept or decline it in the child's record.%s", who(n.About), child, reach(n.About))
	case kind == signpost.NoteHandoverAccepted:
		return fmt.Sprintf("%s is now the lead professional for %s.%s", who(n.About), child, reach(n.About))
	case kind == signpost.NoteHandoverDeclined:
		return fmt.Sprintf("%s declined the lead-professional role for %s.", who(n.About), child)
	}
	return "There is news about " + child + "."
}

// longDate writes a date as people read it (2 December 2026); one that
// does not parse is written as given.
func longDate(s string) string {
	if t, ok := signpost.ParseDate(s); ok {
		return t.Format("2 January 2006")
	}
	return s
}

// Handlers.

func (s *Server) notifyRoutes() {
	s.mux.Handle("GET /v1/notifications", s.authed(s.handleNotifications, activeOnly))
	s.mux.Handle("POST /v1/notifications/read", s.authed(s.handleReadNotifications, activeOnly))
	s.mux.Handle("GET /v1/notifications/settings", s.authed(s.handleNotificationSettings, activeOnly))
	s.mux.Handle("PUT /v1/notifications/settings", s.authed(s.handleSetNotificationSettings, activeOnly))
	s.mux.Handle("POST /v1/children/{id}/lead/offer", s.authed(s.handleOfferLead, activeOnly))
	s.mux.Handle("POST /v1/children/{id}/lead/answer", s.authed(s.handleAnswerLead, activeOnly))
}

func (s *Server) handleNotifications(w http.ResponseWriter, r *http.Request, a Actor) {
	var before int64
	if v := r.URL.Query().Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			s.fail(w, r, signpost.FieldError("before", "before must be the next= of a previous page"))
			return
		}
		before = n
	}
	const page = 100
	ns, unread, err := s.store.Notifications(r.Context(), a.UserID, before, page+1)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	resp := signpost.NotificationsResponse{Notifications: ns, Unread: unread}
	if len(ns) > page {
		resp.Notifications = ns[:page]
		resp.Next = ns[page-1].ID
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) handleReadNotifications(w http.ResponseWriter, r *http.Request, a Actor) {
	var req signpost.ReadNotificationsRequest
	if err := decode(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if len(req.IDs) == 0 || len(req.IDs) > 1000 {
		s.fail(w, r, signpost.FieldError("ids", "mark from 1 to 1000 notifications read at a time"))
		return
	}
	for _, id := range req.IDs {
		if n, err := strconv.ParseInt(id, 10, 64); err != nil || n < 1 {
			s.fail(w, r, signpost.FieldError("ids", "%q is not a notification id", short(id)))
			return
		}
	}
	marked, unread, err := s.store.ReadNotifications(r.Context(), a.UserID, req.IDs, s.cfg.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, signpost.ReadNotificationsResponse{Marked: marked, Unread: unread})
}

func (s *Server) handleNotificationSettings(w http.ResponseWriter, r *http.Request, a Actor) {
	muted, err := s.store.MutedKinds(r.Context(), a.UserID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, signpost.NotificationSettings{Muted: muted, Mutable: signpost.MutableKinds})
}

func (s *Server) handleSetNotificationSettings(w http.ResponseWriter, r *http.Request, a Actor) {
	var req signpost.NotificationSettings
	if err := decode(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	for _, k := range req.Muted {
		switch {
		case !signpost.ValidNotificationKind(k):
			s.fail(w, r, signpost.FieldError("muted", "%q is not a kind of notification", short(k)))
			return
		case !signpost.Mutable(k):
			s.fail(w, r, signpost.FieldError("muted", "%s notifications are about a child's safety and cannot be muted", k))
			return
		}
	}
	if err := s.store.SetMutedKinds(r.Context(), a.UserID, req.Muted); err != nil {
		s.fail(w, r, err)
		return
	}
	s.handleNotificationSettings(w, r, a)
}

// handleOfferLead and handleAnswerLead are the handover online: the same
// change as the mutations, applied at once.
func (s *Server) handleOfferLead(w http.ResponseWriter, r *http.Request, a Actor) {
	var req signpost.HandoverRequest
	if err := decode(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if strings.TrimSpace(req.To) == "" {
		s.fail(w, r, signpost.FieldError("to", "choose the practitioner to offer the lead-professional role to"))
		return
	}
	s.handover(w, r, a, signpost.Mutation{Kind: signpost.MutOfferLead, To: strings.TrimSpace(req.To)})
}

func (s *Server) handleAnswerLead(w http.ResponseWriter, r *http.Request, a Actor) {
	var req signpost.HandoverAnswer
	if err := decode(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	m := signpost.Mutation{Kind: signpost.MutDeclineLead}
	if req.Accept {
		m.Kind = signpost.MutAcceptLead
	}
	s.handover(w, r, a, m)
}

func (s *Server) handover(w http.ResponseWriter, r *http.Request, a Actor, m signpost.Mutation) {
	if a.Role == signpost.RoleITAdmin {
		s.fail(w, r, &signpost.Error{Kind: signpost.KindForbidden, Message: "IT administrators do not record involvements"})
		return
	}
	id := r.PathValue("id")
	if !signpost.ValidSignpostID(id) {
		s.fail(w, r, signpost.FieldError("id", "that is not a valid Signpost ID (SP, eight digits and a check digit)"))
		return
	}
	now := s.cfg.Now()
	m.ID, m.ChildID, m.At = uuid.Must(uuid.NewV7()).String(), signpost.NormaliseSignpostID(id), now
	res, err := s.store.Push(r.Context(), a, []signpost.Mutation{m}, now)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(res) != 1 || res[0].Status != signpost.ResultApplied {
		kind := signpost.KindConflict
		msg := "the change was not applied"
		if len(res) == 1 {
			msg = res[0].Reason
		}
		s.fail(w, r, &signpost.Error{Kind: kind, Message: msg})
		return
	}
	s.drain(r.Context())
	c, err := s.store.Child(r.Context(), m.ChildID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, signpost.HandoverResponse{Child: View(a, c)})
}

func short(v string) string {
	if len(v) > 40 {
		return v[:40] + "…"
	}
	return v
}
