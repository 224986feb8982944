package directory

import (
	"context"
	"encoding/json"
	"net/http"

	"signpost"
)

// Search runs a signposting search for a. It validates the request, finds
// candidates through the indexed keys, scores them, applies the shielding rules
// and the 10-match cap, and audits the search with its parameters and results.
func (s *Server) Search(ctx context.Context, a Actor, req signpost.SearchRequest) (*signpost.SearchResponse, error) {
	if a.Role == signpost.RoleITAdmin {
		return nil, &signpost.Error{Kind: signpost.KindForbidden, Message: "IT administrators manage devices; they cannot search for children"}
	}
	plan, err := signpost.PlanSearch(req, s.cfg.Now())
	if err != nil {
		return nil, err
	}
	if !s.searches.Allow(a.Username) {
		return nil, retryLater(s.searches.Wait(a.Username), signpost.KindRateLimited, "too many searches and records opened in a short time; wait a moment and try again")
	}
	if s.beforeSearch != nil {
		s.beforeSearch(ctx)
	}
	if err := s.slowed(ctx, a, "searches"); err != nil {
		return nil, err
	}
	// Counted before it is audited: the first count of the day reads the
	// audit's, which this search is not yet in.
	searches := s.watch.add(ctx, s.store, a, s.today(), "search")
	cands, err := s.store.Candidates(ctx, candidateKeys(plan))
	if err != nil {
		return nil, err
	}
	matches, tooMany := signpost.Rank(plan, cands, signpost.MaxMatches)
	if plan.Hidden && len(matches) > 0 {
		// The in-memory index may lag a shielding by another process (or
		// one committed while this search read it): a search on a hidden
		// field checks its few matches against the store itself, so a
		// shielded child is never found through its postcode or numbers.
		var matchIDs []string
		for _, m := range matches {
			matchIDs = append(matchIDs, m.SignpostID)
		}
		now, err := s.store.ShieldedNow(ctx, matchIDs)
		if err != nil {
			return nil, err
		}
		kept := matches[:0]
		for _, m := range matches {
			if !now[m.SignpostID] {
				kept = append(kept, m)
			}
		}
		matches = kept
	}
	var ids []string
	for _, m := range matches {
		ids = append(ids, m.SignpostID)
	}
	params := req
	params.Reason = ""
	pj, _ := json.Marshal(params)
	flags := ""
	if tooMany {
		flags = "too_many"
	}
	if err := s.audit.write(ctx, AuditEvent{At: s.cfg.Now(), UserID: a.UserID, Username: a.Username, DeviceID: a.DeviceID,
		Action: "search", Reason: plan.Reason, Params: string(pj), Results: ids, Flags: flags}); err != nil {
		return nil, auditFailed(ctx, "recording the search in the audit", err)
	}
	s.noteCount(ctx, a, "searches", searches)
	if matches == nil {
		matches = []signpost.Match{}
	}
	return &signpost.SearchResponse{Matches: matches, TooMany: tooMany}, nil
}

// candidateKeys are the store's keys for the children plan may match. The
// family name lets the store skip children it could never return.
func candidateKeys(plan signpost.SearchPlan) CandidateKeys {
	return CandidateKeys{SignpostID: plan.SignpostID, NHSNumber: plan.NHSNumber, UPN: plan.UPN,
		DatesOfBirth: plan.DatesOfBirth, Postcode: plan.Postcode, FamilyName: plan.Query.FamilyName}
}

func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request, a Actor) {
	var req signpost.SearchRequest
	if err := decode(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	resp, err := s.Search(r.Context(), a, req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.metrics.searched(resp.TooMany) // issue 17, operations
	writeJSON(w, http.StatusOK, resp)
}
