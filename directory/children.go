package directory

import (
	"net/http"
	"strings"
	"time"

	"signpost"
)

// canSeeShielded reports whether a may see a shielded child's full record: the
// management team of the child's own authority.
func canSeeShielded(a Actor, c *signpost.Child) bool {
	return a.Role == signpost.RoleManagement && a.Authority != "" && a.Authority == c.Authority
}

// View returns what a may see of a child: a shielded record is redacted for
// everyone but the management team of its authority.
func View(a Actor, c *signpost.Child) *signpost.Child {
	if c.Shielded && !canSeeShielded(a, c) {
		return c.Redact(a.Username)
	}
	return c
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

func (s *Server) handleChild(w http.ResponseWriter, r *http.Request, a Actor) {
	c, err := s.childFor(r, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reason := strings.TrimSpace(r.URL.Query().Get("reason"))
	if len(reason) > 500 {
		s.fail(w, r, signpost.FieldError("reason", "reason is longer than 500 characters"))
		return
	}
	if reason == "" && !onCaseload(a, c) {
		s.fail(w, r, signpost.FieldError("reason", "say why you are opening this record: the child is not on your caseload"))
		return
	}
	now := s.cfg.Now()
	if err := s.audit.write(r.Context(), AuditEvent{At: now, UserID: a.UserID, Username: a.Username, DeviceID: a.DeviceID,
		Action: "view", ChildID: c.SignpostID, Reason: reason}); err != nil {
		s.fail(w, r, auditFailed(r.Context(), "recording the view in the audit", err))
		return
	}
	days := s.Policy(r.Context()).LookupRetentionDays
	if err := s.store.AddLookup(r.Context(), a.UserID, c.SignpostID, now.AddDate(0, 0, days)); err != nil {
		s.fail(w, r, err)
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
	req.Reason = strings.TrimSpace(req.Reason)
	if req.Reason == "" {
		s.fail(w, r, signpost.FieldError("reason", "break-glass needs a reason; it is recorded and sent to the child's authority"))
		return
	}
	if len(req.Reason) > 1000 {
		s.fail(w, r, signpost.FieldError("reason", "reason is longer than 1000 characters"))
		return
	}
	if a.Role != signpost.RoleManagement && !a.ChildProtection {
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
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) shieldChild(r *http.Request, a Actor) (*signpost.Child, error) {
	if a.Role != signpost.RoleManagement {
		return nil, &signpost.Error{Kind: signpost.KindForbidden, Message: "only the management team of the child's authority may shield or unshield"}
	}
	c, err := s.childFor(r, a)
	if err != nil {
		return nil, err
	}
	if c.Authority != a.Authority {
		return nil, &signpost.Error{Kind: signpost.KindForbidden, Message: "only the management team of " + c.Authority + " may shield or unshield this child"}
	}
	return c, nil
}

func (s *Server) handleShield(w http.ResponseWriter, r *http.Request, a Actor) {
	var req signpost.ShieldRequest
	if err := decode(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	req.Reason = strings.TrimSpace(req.Reason)
	now := s.cfg.Now()
	if req.Reason == "" {
		s.fail(w, r, signpost.FieldError("reason", "shielding needs a reason"))
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
	s.finishShield(w, r, a, c.SignpostID, "shield", req.Reason, now)
}

func (s *Server) handleUnshield(w http.ResponseWriter, r *http.Request, a Actor) {
	c, err := s.shieldChild(r, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.store.ClearShield(r.Context(), c.SignpostID); err != nil {
		s.fail(w, r, err)
		return
	}
	s.finishShield(w, r, a, c.SignpostID, "unshield", strings.TrimSpace(r.URL.Query().Get("reason")), s.cfg.Now())
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
