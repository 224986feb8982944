package directory

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"

	"signpost"
)

// Search runs a signposting search for a. It validates the request, finds
// candidates through the indexed keys, scores them, applies the shielding rules
// and the 10-match cap, and audits the search with its parameters and results.
func (s *Server) Search(ctx context.Context, a Actor, req signpost.SearchRequest) (*signpost.SearchResponse, error) {
	if a.Role == signpost.RoleITAdmin {
		return nil, &signpost.Error{Kind: signpost.KindForbidden, Message: "IT administrators manage devices; they cannot search for children"}
	}
	q, keys, hidden, err := s.parseSearch(req)
	if err != nil {
		return nil, err
	}
	if !s.searches.Allow(a.Username) {
		return nil, retryLater(s.searches.Wait(a.Username), signpost.KindRateLimited, "too many searches and records opened in a short time; wait a moment and try again")
	}
	if s.beforeSearch != nil {
		s.beforeSearch(ctx)
	}
	if err := s.slowed(a, "searches"); err != nil {
		return nil, err
	}
	// Counted before it is audited: the first count of the day reads the
	// audit's, which this search is not yet in.
	searches := s.watch.add(ctx, s.store, a, s.today(), "search")
	keys.FamilyName = q.FamilyName
	cands, err := s.store.Candidates(ctx, keys)
	if err != nil {
		return nil, err
	}
	byID := keys.NHSNumber != "" || keys.UPN != "" || keys.SignpostID != ""
	resp := &signpost.SearchResponse{Matches: []signpost.Match{}}
	type scored struct {
		c     signpost.Candidate
		score float64
	}
	var hits []scored
	for _, c := range cands {
		// A shielded child is found only through its visible fields.
		if c.Shielded && hidden {
			continue
		}
		score := 1.0
		if !byID {
			score = signpost.Score(q, c)
		}
		if score >= signpost.MatchThreshold {
			hits = append(hits, scored{c, score})
		}
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].score != hits[j].score {
			return hits[i].score > hits[j].score
		}
		return hits[i].c.SignpostID < hits[j].c.SignpostID
	})
	if hidden && len(hits) > 0 && len(hits) <= signpost.MaxMatches {
		// The in-memory index may lag a shielding by another process (or
		// one committed while this search read it): a search on a hidden
		// field checks its few matches against the store itself, so a
		// shielded child is never found through its postcode or numbers.
		var hitIDs []string
		for _, h := range hits {
			hitIDs = append(hitIDs, h.c.SignpostID)
		}
		now, err := s.store.ShieldedNow(ctx, hitIDs)
		if err != nil {
			return nil, err
		}
		kept := hits[:0]
		for _, h := range hits {
			if !now[h.c.SignpostID] {
				kept = append(kept, h)
			}
		}
		hits = kept
	}
	var ids []string
	if len(hits) > signpost.MaxMatches {
		resp.TooMany = true
	} else {
		for _, h := range hits {
			ids = append(ids, h.c.SignpostID)
		}
	}
	params := req
	params.Reason = ""
	pj, _ := json.Marshal(params)
	flags := ""
	if resp.TooMany {
		flags = "too_many"
	}
	if err := s.audit.write(ctx, AuditEvent{At: s.cfg.Now(), UserID: a.UserID, Username: a.Username, DeviceID: a.DeviceID,
		Action: "search", Reason: strings.TrimSpace(req.Reason), Params: string(pj), Results: ids, Flags: flags}); err != nil {
		return nil, auditFailed(ctx, "recording the search in the audit", err)
	}
	s.noteCount(ctx, a, "searches", searches)
	if resp.TooMany {
		return resp, nil
	}
	for _, h := range hits {
		c := h.c
		resp.Matches = append(resp.Matches, signpost.Match{SignpostID: c.SignpostID, GivenName: c.Given, FamilyName: c.Family,
			DateOfBirth: c.DateOfBirth, Gender: c.Gender, Shielded: c.Shielded, Score: h.score})
	}
	return resp, nil
}

var genders = map[string]bool{"male": true, "female": true, "other": true, "unknown": true}

// parseSearch validates a search and returns the query to score with, the
// candidate keys and whether a hidden field (postcode, NHS number, UPN) was used.
func (s *Server) parseSearch(req signpost.SearchRequest) (signpost.Query, CandidateKeys, bool, error) {
	var q signpost.Query
	var k CandidateKeys
	// Text is checked as sent (a line break at the end is still one), then
	// trimmed.
	for _, f := range []struct {
		name, v string
		max     int
	}{{"given_name", req.GivenName, signpost.MaxNameLen}, {"family_name", req.FamilyName, signpost.MaxNameLen}, {"postcode", req.Postcode, 16},
		{"gender", req.Gender, 16}, {"date_of_birth", req.DateOfBirth, 16}, {"nhs_number", req.NHSNumber, 16}, {"upn", req.UPN, 16}, {"signpost_id", req.SignpostID, 16}} {
		if err := signpost.CheckText(f.name, f.v, f.max); err != nil {
			return q, k, false, err
		}
	}
	if err := signpost.CheckReason("reason", req.Reason, signpost.MaxReasonLen); err != nil {
		return q, k, false, err
	}
	trim := func(p *string) { *p = strings.TrimSpace(*p) }
	for _, p := range []*string{&req.GivenName, &req.FamilyName, &req.DateOfBirth, &req.Gender, &req.Postcode, &req.NHSNumber, &req.UPN, &req.SignpostID, &req.Reason} {
		trim(p)
	}
	for _, f := range []struct{ name, v string }{{"given_name", req.GivenName}, {"family_name", req.FamilyName}} {
		if err := signpost.CheckText(f.name, f.v, signpost.MaxNameLen); err != nil {
			return q, k, false, err
		}
		if f.v != "" && signpost.NormaliseName(f.v) == "" {
			return q, k, false, signpost.FieldError(f.name, "%s must contain letters", strings.ReplaceAll(f.name, "_", " "))
		}
	}
	if err := signpost.CheckReason("reason", req.Reason, signpost.MaxReasonLen); err != nil {
		return q, k, false, err
	}
	if req.DateOfBirth != "" {
		if _, err := signpost.CheckDateOfBirth("date_of_birth", req.DateOfBirth, s.cfg.Now()); err != nil {
			return q, k, false, err
		}
	}
	if req.Gender != "" {
		req.Gender = strings.ToLower(req.Gender)
		if !genders[req.Gender] {
			return q, k, false, signpost.FieldError("gender", "gender must be male, female, other or unknown")
		}
	}
	if req.Postcode != "" && !signpost.ValidPostcode(req.Postcode) {
		return q, k, false, signpost.FieldError("postcode", "%q is not a UK postcode", req.Postcode)
	}
	if req.NHSNumber != "" && !signpost.ValidNHSNumber(req.NHSNumber) {
		return q, k, false, signpost.FieldError("nhs_number", "that is not a valid NHS number (10 digits with a correct check digit)")
	}
	if req.UPN != "" && !signpost.ValidUPN(req.UPN) {
		return q, k, false, signpost.FieldError("upn", "that is not a valid UPN (13 characters with a correct check letter)")
	}
	if req.SignpostID != "" && !signpost.ValidSignpostID(req.SignpostID) {
		return q, k, false, signpost.FieldError("signpost_id", "that is not a valid Signpost ID (SP, eight digits and a check digit)")
	}
	q = signpost.Query{GivenName: signpost.NormaliseName(req.GivenName), FamilyName: signpost.NormaliseName(req.FamilyName),
		DateOfBirth: req.DateOfBirth, Gender: req.Gender, Postcode: signpost.NormalisePostcode(req.Postcode)}
	switch {
	case req.SignpostID != "":
		k.SignpostID = signpost.NormaliseSignpostID(req.SignpostID)
		return q, k, false, nil
	case req.NHSNumber != "":
		k.NHSNumber = signpost.NormaliseNHSNumber(req.NHSNumber)
		return q, k, true, nil
	case req.UPN != "":
		k.UPN = signpost.NormaliseUPN(req.UPN)
		return q, k, true, nil
	case q.FamilyName != "" && q.DateOfBirth != "":
		k.DatesOfBirth = []string{q.DateOfBirth}
		if sw, ok := signpost.SwapDayMonth(q.DateOfBirth); ok {
			k.DatesOfBirth = append(k.DatesOfBirth, sw)
		}
		return q, k, q.Postcode != "", nil
	case q.FamilyName != "" && q.GivenName != "" && q.Postcode != "":
		k.Postcode = q.Postcode
		return q, k, true, nil
	}
	field := "family_name"
	if q.FamilyName != "" {
		field = "date_of_birth"
	}
	return q, k, false, signpost.FieldError(field, "a search needs family name and date of birth, or family name, given name and postcode, or a Signpost ID, NHS number or UPN")
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
	writeJSON(w, http.StatusOK, resp)
}
