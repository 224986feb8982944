package directory

import (
	"net/http"
	"strings"
	"time"
	"unicode"

	"signpost"
)

// View returns what a may see of a child: a shielded record is redacted for
// everyone but the management team of its authority, and a's own
// involvements are marked Mine.
func View(a Actor, c *signpost.Child) *signpost.Child {
	if c.Shielded && !signpost.CanSeeShielded(a.Role, a.Authority, c) {
		return markMine(a, c.Redact(a.Username))
	}
	return markMine(a, c)
}

// markMine returns a copy of c with a's own involvements marked Mine.
func markMine(a Actor, c *signpost.Child) *signpost.Child {
	v := *c
	v.Involvements = make([]signpost.Involvement, len(c.Involvements))
	for i, inv := range c.Involvements {
		inv.Mine = a.Username != "" && inv.Username == a.Username
		inv = sensitiveView(a, inv) // issue 16 (notify.go): a sensitive service without consent
		v.Involvements[i] = inv
	}
	return &v
}

func onCaseload(a Actor, c *signpost.Child) bool {
	for _, inv := range c.Involvements {
		if inv.Username == a.Username && inv.Active() {
			return true
		}
	}
	return false
}

// childFor reads a live child for a request, validating the id in the path.
func (s *Server) childFor(r *http.Request, a Actor) (*signpost.Child, error) {
	if a.Role == signpost.RoleITAdmin {
		return nil, &signpost.Error{Kind: signpost.KindForbidden, Message: "IT administrators manage devices; they cannot open children's records"}
	}
	id := r.PathValue("id")
	if !signpost.ValidSignpostID(id) {
		return nil, signpost.FieldError("id", "that is not a valid Signpost ID (SP, eight digits and a check digit)")
	}
	c, err := s.store.Child(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if c.Status == signpost.StatusArchived || c.MergedInto != "" {
		if c.MergedInto != "" {
			return nil, &signpost.Error{Kind: signpost.KindNotFound, Message: "this record was merged into " + c.MergedInto}
		}
		return nil, &signpost.Error{Kind: signpost.KindNotFound, Message: "child " + c.SignpostID + " was not found"}
	}
	return c, nil
}

// handleChild opens one child's record. Every opening counts against the
// per-account rate limit (with searches); a record off the caseload needs a
// reason and counts towards the day's cap; a Signpost ID that does not
// exist counts as a miss. All three are watched for harvesting.
func (s *Server) handleChild(w http.ResponseWriter, r *http.Request, a Actor) {
	ctx := r.Context()
	reason := r.URL.Query().Get("reason")
	if err := signpost.CheckReason("reason", reason, signpost.MaxReasonLen); err != nil {
		s.fail(w, r, err)
		return
	}
	reason = strings.TrimSpace(reason)
	if id := r.PathValue("id"); strings.ContainsFunc(id, unicode.IsSpace) {
		s.fail(w, r, signpost.FieldError("id", "a Signpost ID in a path has no spaces or line breaks"))
		return
	}
	if a.Role == signpost.RoleITAdmin {
		s.fail(w, r, &signpost.Error{Kind: signpost.KindForbidden, Message: "IT administrators manage devices; they cannot open children's records"})
		return
	}
	if !signpost.ValidSignpostID(r.PathValue("id")) {
		s.fail(w, r, signpost.FieldError("id", "that is not a valid Signpost ID (SP, eight digits and a check digit)"))
		return
	}
	if !s.searches.Allow(a.Username) {
		s.fail(w, r, retryLater(s.searches.Wait(a.Username), signpost.KindRateLimited, "too many searches and records opened in a short time; wait a moment and try again"))
		return
	}
	now := s.cfg.Now()
	c, err := s.childFor(r, a)
	if signpost.KindOf(err) == signpost.KindNotFound {
		// Asking for Signpost IDs that do not exist is how a walk through
		// the ID space looks.
		if herr := s.slowed(ctx, a, "misses"); herr != nil {
			s.fail(w, r, herr)
			return
		}
		id := signpost.NormaliseSignpostID(r.PathValue("id"))
		s.audit.record(ctx, AuditEvent{At: now, UserID: a.UserID, Username: a.Username, DeviceID: a.DeviceID, Action: "view_miss",
			Params: `{"signpost_id":"` + id + `"}`, Reason: reason})
		s.noteCount(ctx, a, "misses", s.watch.add(ctx, s.store, a, s.today(), "view_miss"))
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	off := !onCaseload(a, c)
	if reason == "" && off {
		s.fail(w, r, signpost.FieldError("reason", "say why you are opening this record: the child is not on your caseload"))
		return
	}
	if off {
		if err := s.slowed(ctx, a, "views"); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	p := s.Policy(ctx)
	n, err := s.store.RecordView(ctx, ViewRecord{UserID: a.UserID, ChildID: c.SignpostID, Expires: now.AddDate(0, 0, p.LookupRetentionDays),
		Day: s.today(), OffCaseload: off, Max: p.MaxOffCaseloadViewsPerDay})
	if signpost.KindOf(err) == signpost.KindRateLimited {
		s.audit.record(ctx, AuditEvent{At: now, UserID: a.UserID, Username: a.Username, DeviceID: a.DeviceID, Action: "view_refused",
			ChildID: c.SignpostID, Reason: reason, Flags: "daily_cap"})
		if s.watch.firstAlert(a, s.today(), "cap") {
			s.alertHarvest(ctx, a, "cap", n, p.MaxOffCaseloadViewsPerDay, s.today())
		}
		err = retryLater(s.untilTomorrow(), signpost.KindRateLimited, "%s", signpost.MessageOf(err))
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if off {
		s.noteCount(ctx, a, "views", n)
	}
	if err := s.audit.write(ctx, AuditEvent{At: now, UserID: a.UserID, Username: a.Username, DeviceID: a.DeviceID,
		Action: "view", ChildID: c.SignpostID, Reason: reason}); err != nil {
		s.fail(w, r, auditFailed(ctx, "recording the view in the audit", err))
		return
	}
	writeJSON(w, http.StatusOK, View(a, c))
}

func (s *Server) handleBreakGlass(w http.ResponseWriter, r *http.Request, a Actor) {
	var req signpost.BreakGlassRequest
	if err := decode(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := signpost.CheckReason("reason", req.Reason, signpost.MaxReasonLen); err != nil {
		s.fail(w, r, err)
		return
	}
	req.Reason = strings.TrimSpace(req.Reason)
	if req.Reason == "" {
		s.fail(w, r, signpost.FieldError("reason", "break-glass needs a reason; it is recorded and sent to the child's authority"))
		return
	}
	if !signpost.CanBreakGlass(a.Role, a.ChildProtection) {
		s.fail(w, r, &signpost.Error{Kind: signpost.KindForbidden, Message: "only management teams and child-protection practitioners may use break-glass"})
		return
	}
	c, err := s.childFor(r, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !c.Shielded {
		s.fail(w, r, &signpost.Error{Kind: signpost.KindConflict, Message: "this record is not shielded: open it as usual"})
		return
	}
	if err := signpost.CheckBreakGlassReason("reason", req.Reason); err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.cfg.Now()
	if err := s.audit.write(r.Context(), AuditEvent{At: now, UserID: a.UserID, Username: a.Username, DeviceID: a.DeviceID,
		Action: "break_glass", ChildID: c.SignpostID, Reason: req.Reason, Flags: "break_glass"}); err != nil {
		s.fail(w, r, auditFailed(r.Context(), "recording break-glass in the audit", err))
		return
	}
	if err := s.store.Alert(r.Context(), Alert{At: now, Authority: c.Authority, ChildID: c.SignpostID, Username: a.Username, Kind: "break_glass", Reason: req.Reason}); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Warn("break-glass access", "user", a.Username, "authority", c.Authority)
	full := markMine(a, c)
	if !signpost.CanSeeShielded(a.Role, a.Authority, c) {
		full.Shielding = nil // the shielding's history is its own team's
	}
	writeJSON(w, http.StatusOK, full)
}

// shieldChild reads the child a may shield or unshield (signpost.CheckShield):
// the role is checked before the child is read.
func (s *Server) shieldChild(r *http.Request, a Actor) (*signpost.Child, error) {
	if err := signpost.CheckShield(a.Role, a.Authority, nil); err != nil {
		return nil, err
	}
	c, err := s.childFor(r, a)
	if err != nil {
		return nil, err
	}
	if err := signpost.CheckShield(a.Role, a.Authority, c); err != nil {
		return nil, err
	}
	return c, nil
}

func (s *Server) handleShield(w http.ResponseWriter, r *http.Request, a Actor) {
	var req signpost.ShieldRequest
	if err := decode(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := signpost.CheckReason("reason", req.Reason, signpost.MaxReasonLen); err != nil {
		s.fail(w, r, err)
		return
	}
	req.Reason = strings.TrimSpace(req.Reason)
	now := s.cfg.Now()
	if req.Reason == "" {
		s.fail(w, r, signpost.FieldError("reason", "shielding needs a reason"))
		return
	}
	if err := signpost.CheckReason("reason", req.Reason, signpost.MaxReasonLen); err != nil {
		s.fail(w, r, err)
		return
	}
	review, ok := signpost.ParseDate(strings.TrimSpace(req.ReviewDate))
	if !ok {
		s.fail(w, r, signpost.FieldError("review_date", "review date must be a real date written YYYY-MM-DD"))
		return
	}
	if !review.After(now) || review.After(now.AddDate(1, 0, 0)) {
		s.fail(w, r, signpost.FieldError("review_date", "review date must be within the next 12 months"))
		return
	}
	c, err := s.shieldChild(r, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.store.SetShield(r.Context(), c.SignpostID, &Shield{Reason: req.Reason, ReviewDate: review.Format(signpost.DateLayout), By: a.Username, At: now}); err != nil {
		s.fail(w, r, err)
		return
	}
	action := "shield"
	if c.Shielded {
		action = "shield_renew" // issue 14, slice access: a renewal, the old shielding kept in the store's history
	}
	s.finishShield(w, r, a, c.SignpostID, action, req.Reason, now)
}

// handleUnshield lifts a shielding. The reason, required and audited as
// shielding's is, comes in a JSON body {"reason": "..."} (or, as before,
// ?reason=); it is checked before the child is read, and its absence is
// refused once the role and the child allow unshielding.
func (s *Server) handleUnshield(w http.ResponseWriter, r *http.Request, a Actor) {
	var req signpost.UnshieldRequest
	if r.ContentLength != 0 {
		if err := decode(r, &req); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if req.Reason == "" {
		req.Reason = r.URL.Query().Get("reason")
	}
	if err := signpost.CheckReason("reason", req.Reason, signpost.MaxReasonLen); err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.shieldChild(r, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reason := strings.TrimSpace(req.Reason)
	if reason == "" {
		s.fail(w, r, signpost.FieldError("reason", "unshielding needs a reason; it is recorded in the audit"))
		return
	}
	if err := s.store.ClearShield(r.Context(), c.SignpostID); err != nil {
		s.fail(w, r, err)
		return
	}
	s.finishShield(w, r, a, c.SignpostID, "unshield", reason, s.cfg.Now())
}

func (s *Server) finishShield(w http.ResponseWriter, r *http.Request, a Actor, id, action, reason string, now time.Time) {
	s.audit.record(r.Context(), AuditEvent{At: now, UserID: a.UserID, Username: a.Username, DeviceID: a.DeviceID, Action: action, ChildID: id, Reason: reason})
	c, err := s.store.Child(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, View(a, c))
}
