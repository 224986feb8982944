package directory

// Issue 14, slice access: what a management team does about its own
// authority's alerts, shielded children and subject-access reports.

import (
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"signpost"
)

// AlertAck is an acknowledgement of alert ID, of Authority, by a person.
type AlertAck struct {
	ID        int64
	Authority string
	By        string
	Note      string
	At        time.Time
}

// ShieldedFilter selects a page of an authority's shielded children: those
// after After (ShieldedPos of the last of a previous page; "" for the
// first), at most Limit (0 for 100).
type ShieldedFilter struct {
	Authority string
	After     string
	Limit     int
}

// ShieldedPos is where a shielded child stands in the list (review date,
// then Signpost ID), to page on from it.
func ShieldedPos(c signpost.ShieldedChild) string {
	return c.Shielding.ReviewDate + "|" + c.SignpostID
}

// AccessFilter selects a page of a child's subject-access report: the
// events before BeforeID (0 for the newest), of Username only if set, at
// most Limit (0 for 100).
type AccessFilter struct {
	ChildID  string
	BeforeID int64
	Username string
	Limit    int
}

// managementOf checks that a is a management user with an authority: the
// only people who see alerts, shielded lists and access reports.
func managementOf(a Actor, what string) error {
	if a.Role != signpost.RoleManagement {
		return &signpost.Error{Kind: signpost.KindForbidden, Message: "only management teams see " + what}
	}
	if a.Authority == "" {
		return &signpost.Error{Kind: signpost.KindForbidden, Message: "your account belongs to no local authority, so it has no " + what + " to see"}
	}
	return nil
}

// pageLimit reads ?limit= (1..100, default 50).
func pageLimit(q url.Values) (int, error) {
	v := q.Get("limit")
	if v == "" {
		return 50, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 100 {
		return 0, signpost.FieldError("limit", "limit must be a whole number from 1 to 100")
	}
	return n, nil
}

// AcknowledgeAlert acknowledges an alert of ack.Authority with a note
// (required) and audits it: the code of POST /v1/alerts/{id}/ack and of
// signpost-directory alerts --ack.
func AcknowledgeAlert(ctx context.Context, st Store, ack AlertAck, userID int64, deviceID string) (*Alert, error) {
	if err := signpost.CheckReason("note", ack.Note, signpost.MaxReasonLen); err != nil {
		return nil, err
	}
	if ack.Note = strings.TrimSpace(ack.Note); ack.Note == "" {
		return nil, signpost.FieldError("note", "say what was done about the alert: the note is kept with it and in the audit")
	}
	al, err := st.AckAlert(ctx, ack)
	if err != nil {
		return nil, err
	}
	ev := AuditEvent{At: ack.At, UserID: userID, Username: ack.By, DeviceID: deviceID, Action: "alert_ack", ChildID: al.ChildID, Reason: ack.Note,
		Params: `{"alert_id":` + strconv.FormatInt(al.ID, 10) + `}`}
	if err := st.Audit(ctx, []AuditEvent{ev}); err != nil {
		return nil, auditFailed(ctx, "recording the acknowledgement in the audit", err)
	}
	return al, nil
}

// wireAlert is an alert as its team sees it, escalated if unacknowledged
// and raised before escalateBefore.
func wireAlert(al Alert, escalateBefore time.Time) signpost.Alert {
	out := signpost.Alert{ID: al.ID, At: al.At, Kind: al.Kind, ChildID: al.ChildID, Username: al.Username, Reason: al.Reason}
	out.AcknowledgedBy, out.AcknowledgedAt, out.AckNote = al.AckBy, al.AckAt, al.AckNote
	out.Escalated = al.AckAt.IsZero() && al.At.Before(escalateBefore)
	if al.ChildID != "" {
		out.Access = "/v1/children/" + al.ChildID + "/access?user=" + url.QueryEscape(al.Username)
	}
	return out
}

// escalateBefore is when an unacknowledged alert raised earlier is escalated.
func (s *Server) escalateBefore(ctx context.Context) time.Time {
	return s.cfg.Now().Add(-time.Duration(s.Policy(ctx).AlertEscalateHours) * time.Hour)
}

// handleAckAlert acknowledges one of the team's alerts: {note} required,
// audited; 409 if it was acknowledged already.
func (s *Server) handleAckAlert(w http.ResponseWriter, r *http.Request, a Actor) {
	if err := managementOf(a, "alerts"); err != nil {
		s.fail(w, r, err)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, signpost.FieldError("id", "an alert's id is the whole number the list of alerts gives"))
		return
	}
	var req signpost.AlertAck
	if err := decode(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	al, err := AcknowledgeAlert(r.Context(), s.store, AlertAck{ID: id, Authority: a.Authority, By: a.Username, Note: req.Note, At: s.cfg.Now()}, a.UserID, a.DeviceID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wireAlert(*al, s.escalateBefore(r.Context())))
}

// handleShielded lists a page of the team's authority's shielded children,
// earliest review date first; those due today or earlier are overdue.
func (s *Server) handleShielded(w http.ResponseWriter, r *http.Request, a Actor) {
	if err := managementOf(a, "shielded children"); err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	limit, err := pageLimit(q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	after := q.Get("after")
	if after != "" {
		review, id, ok := strings.Cut(after, "|")
		if _, okDate := signpost.ParseDate(review); !ok || !okDate || !signpost.ValidSignpostID(id) {
			s.fail(w, r, signpost.FieldError("after", "after must be the next value a previous page gave"))
			return
		}
	}
	cs, err := s.store.Shielded(r.Context(), ShieldedFilter{Authority: a.Authority, After: after, Limit: limit + 1})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	today := s.today()
	resp := signpost.ShieldedResponse{Children: []signpost.ShieldedChild{}}
	for i, c := range cs {
		if i == limit {
			resp.Next = ShieldedPos(cs[i-1])
			break
		}
		c.Overdue = c.Shielding.ReviewDate <= today
		resp.Children = append(resp.Children, c)
	}
	writeJSON(w, http.StatusOK, resp)
}

// accessChild reads the child whose subject-access report a may read: a
// child of the authority of a's management team.
func (s *Server) accessChild(r *http.Request, a Actor) (*signpost.Child, error) {
	if err := managementOf(a, "subject-access reports"); err != nil {
		return nil, err
	}
	c, err := s.childFor(r, a)
	if err != nil {
		return nil, err
	}
	if c.Authority != a.Authority {
		return nil, &signpost.Error{Kind: signpost.KindForbidden, Message: "only the management team of the child's own authority may read its subject-access report"}
	}
	return c, nil
}

// handleAccessReport answers a page of a child's subject-access report,
// newest first; ?user= keeps one person's events (an alert links there).
func (s *Server) handleAccessReport(w http.ResponseWriter, r *http.Request, a Actor) {
	q := r.URL.Query()
	f := AccessFilter{Username: strings.TrimSpace(q.Get("user"))}
	var err error
	if f.Limit, err = pageLimit(q); err != nil {
		s.fail(w, r, err)
		return
	}
	if v := q.Get("before"); v != "" {
		if f.BeforeID, err = strconv.ParseInt(v, 10, 64); err != nil || f.BeforeID <= 0 {
			s.fail(w, r, signpost.FieldError("before", "before must be the next value a previous page gave"))
			return
		}
	}
	if err := signpost.CheckText("user", f.Username, signpost.MaxNameLen); err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.accessChild(r, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f.ChildID = c.SignpostID
	want := f.Limit
	f.Limit++
	es, err := s.store.AccessReport(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	resp := signpost.AccessReport{SignpostID: c.SignpostID, Entries: []signpost.AccessEntry{}}
	for i, e := range es {
		if i == want {
			resp.Next = strconv.FormatInt(es[i-1].ID, 10)
			break
		}
		resp.Entries = append(resp.Entries, e)
	}
	writeJSON(w, http.StatusOK, resp)
}

// handleAccessCSV sends a child's whole subject-access report as CSV, after
// recording the export in the audit. CSV, not PDF: it opens in any
// spreadsheet, needs no dependency, and streams a page at a time at any size.
func (s *Server) handleAccessCSV(w http.ResponseWriter, r *http.Request, a Actor) {
	c, err := s.accessChild(r, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reason := strings.TrimSpace(r.URL.Query().Get("reason"))
	if err := signpost.CheckReason("reason", reason, signpost.MaxReasonLen); err != nil {
		s.fail(w, r, err)
		return
	}
	if reason == "" {
		s.fail(w, r, signpost.FieldError("reason", "say why the report is exported (e.g. the subject-access request it answers); it is recorded in the audit"))
		return
	}
	if err := s.audit.write(r.Context(), AuditEvent{At: s.cfg.Now(), UserID: a.UserID, Username: a.Username, DeviceID: a.DeviceID,
		Action: "access_export", ChildID: c.SignpostID, Reason: reason}); err != nil {
		s.fail(w, r, auditFailed(r.Context(), "recording the export in the audit", err))
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="subject-access-`+c.SignpostID+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	if err := WriteAccessCSV(r.Context(), s.store, c.SignpostID, w); err != nil {
		// The header has gone: the report is cut short, and the log says so.
		s.log.Error("subject-access export cut short", "err", err)
	}
}

// accessCSVHeader names the columns of the CSV report.
var accessCSVHeader = []string{"when", "action", "name", "username", "organisation", "device", "device_id", "reason", "online_or_offline", "claimed_at", "flags"}

// WriteAccessCSV writes a child's whole subject-access report as CSV,
// newest first, reading it a page at a time: the code of GET
// /v1/children/{id}/access.csv and of signpost-directory audit --csv.
func WriteAccessCSV(ctx context.Context, st Store, childID string, out io.Writer) error {
	cw := csv.NewWriter(out)
	if err := cw.Write(accessCSVHeader); err != nil {
		return err
	}
	err := EachAccess(ctx, st, childID, func(e signpost.AccessEntry) error {
		how, claimed := "online", ""
		if e.Offline {
			how, claimed = "offline", e.ClaimedAt.UTC().Format(time.RFC3339)
		}
		return cw.Write(csvSafe(e.At.UTC().Format(time.RFC3339), e.Action, e.Name, e.Username, e.Organisation, e.DeviceName, e.DeviceID,
			e.Reason, how, claimed, e.Flags))
	})
	cw.Flush()
	if err != nil {
		return err
	}
	return cw.Error()
}

// EachAccess calls fn for every entry of a child's subject-access report,
// newest first, a page at a time.
func EachAccess(ctx context.Context, st Store, childID string, fn func(signpost.AccessEntry) error) error {
	f := AccessFilter{ChildID: childID, Limit: 500}
	for {
		es, err := st.AccessReport(ctx, f)
		if err != nil {
			return err
		}
		for _, e := range es {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(es) < f.Limit {
			return nil
		}
		f.BeforeID = es[len(es)-1].ID
	}
}

// csvSafe keeps a spreadsheet from reading a cell as a formula (a reason
// typed as "=HYPERLINK(…)"): such a cell starts with a quote mark.
func csvSafe(cells ...string) []string {
	for i, c := range cells {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			cells[i] = "'" + c
		}
	}
	return cells
}
