package directory

import (
	"net/http"
	"strconv"

	"signpost"
)

// handleAlerts lists a page of the alerts of the management user's own
// authority, newest first: break-glass accesses to its children and harvest
// alerts about its accounts. ?before=ID pages on; ?limit=N (1..100).
func (s *Server) handleAlerts(w http.ResponseWriter, r *http.Request, a Actor) {
	if a.Role != signpost.RoleManagement {
		s.fail(w, r, &signpost.Error{Kind: signpost.KindForbidden, Message: "only management teams see alerts"})
		return
	}
	if a.Authority == "" {
		s.fail(w, r, &signpost.Error{Kind: signpost.KindForbidden, Message: "your account belongs to no local authority, so it has no alerts to see"})
		return
	}
	q := r.URL.Query()
	f := AlertFilter{Authority: a.Authority, Limit: 50}
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			s.fail(w, r, signpost.FieldError("before", "before must be the next value a previous page gave"))
			return
		}
		f.BeforeID = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			s.fail(w, r, signpost.FieldError("limit", "limit must be a whole number from 1 to 100"))
			return
		}
		f.Limit = n
	}
	als, err := s.store.Alerts(r.Context(), AlertFilter{Authority: f.Authority, BeforeID: f.BeforeID, Limit: f.Limit + 1})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	resp := signpost.AlertsResponse{Alerts: []signpost.Alert{}}
	cutoff := s.escalateBefore(r.Context())
	if resp.AlertCounts, err = s.store.AlertCounts(r.Context(), a.Authority, cutoff); err != nil {
		s.fail(w, r, err)
		return
	}
	resp.EscalateHours = s.Policy(r.Context()).AlertEscalateHours
	for i, al := range als {
		if i == f.Limit {
			resp.Next = strconv.FormatInt(als[i-1].ID, 10)
			break
		}
		resp.Alerts = append(resp.Alerts, wireAlert(al, cutoff))
	}
	writeJSON(w, http.StatusOK, resp)
}
