package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"signpost"
	"signpost/directory"
)

// rejection is a business refusal of one mutation: recorded, never fatal.
type rejection struct {
	reason     string
	candidates int
	kind       string // issue 16: the error kind, when not plain
}

func (r *rejection) Error() string { return r.reason }

func reject(format string, args ...any) error {
	return &rejection{reason: fmt.Sprintf(format, args...)}
}

// Push applies each mutation exactly once. All of them share one transaction;
// each runs in its own savepoint so a rejected one is rolled back alone and
// recorded, and never blocks those behind it.
func (s *Core) Push(ctx context.Context, a directory.Actor, ms []signpost.Mutation, now time.Time) ([]signpost.MutationResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, s.Wrap("applying changes", err)
	}
	ctx = s.Calm(ctx)
	results := make([]signpost.MutationResult, 0, len(ms))
	changed := false
	err := s.Write(ctx, func(tx *sql.Tx) error {
		results = results[:0]
		var audit []directory.AuditEvent
		for i := range ms {
			r, ch, err := s.pushOne(ctx, tx, a, &ms[i], now, &audit)
			if err != nil {
				return err
			}
			changed = changed || ch
			results = append(results, r)
		}
		// Offline view events are recorded by the store (see Core.Pushed),
		// keyed by mutation id (a replay finds them).
		return s.Pushed(ctx, tx, audit)
	})
	if err != nil {
		return nil, s.Wrap("applying changes", err)
	}
	if changed {
		s.Broadcast()
	}
	return results, nil
}

func (s *Core) pushOne(ctx context.Context, tx *sql.Tx, a directory.Actor, m *signpost.Mutation, now time.Time, audit *[]directory.AuditEvent) (signpost.MutationResult, bool, error) {
	res := signpost.MutationResult{ID: m.ID}
	id, err := uuid.Parse(m.ID)
	if err != nil || m.ID == "" {
		res.Status, res.Reason = signpost.ResultRejected, "the change has no valid id"
		return res, false, nil
	}
	m.ID = id.String()
	res.ID = m.ID

	// A replay answers with the first result; the same id with other
	// content is not a replay, and is refused (a client must never reuse
	// an id).
	digest := mutationDigest(m)
	var first signpost.MutationResult
	var owner int64
	var firstDigest string
	err = tx.QueryRowContext(ctx, `SELECT user_id, status, reason, child_id, involvement_id, candidates, digest FROM mutations WHERE id = ?`, m.ID).
		Scan(&owner, &first.FirstStatus, &first.Reason, &first.ChildID, &first.InvolvementID, &first.Candidates, &firstDigest)
	switch {
	case err == nil && owner != a.UserID:
		res.Status, res.Reason = signpost.ResultRejected, "the change id was already used by someone else"
		return res, false, nil
	case err == nil && firstDigest != "" && firstDigest != digest:
		res.Status, res.Reason = signpost.ResultRejected, "this change id was already used for a different change; the change was not applied (the app must give every change an id of its own)"
		return res, false, nil
	case err == nil:
		first.ID, first.Status = m.ID, signpost.ResultDuplicate
		return first, false, nil
	case !errors.Is(err, sql.ErrNoRows):
		return res, false, err
	}

	if _, err := tx.ExecContext(ctx, `SAVEPOINT m`); err != nil {
		return res, false, err
	}
	mark := len(*audit)
	err = s.apply(ctx, tx, a, m, now, &res, audit)
	var rj *rejection
	switch {
	case errors.As(err, &rj):
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO m`); err != nil {
			return res, false, err
		}
		res.Status, res.Reason, res.Candidates = signpost.ResultRejected, rj.reason, rj.candidates
		res.Kind = rj.kind // issue 16
		res.InvolvementID = ""
		*audit = (*audit)[:mark]
	case err != nil:
		return res, false, err
	default:
		res.Status = signpost.ResultApplied
	}
	if _, err := tx.ExecContext(ctx, `RELEASE m`); err != nil {
		return res, false, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO mutations (id, user_id, device_id, kind, status, reason, child_id, involvement_id, candidates, applied_at, digest)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, m.ID, a.UserID, a.DeviceID, m.Kind, res.Status, res.Reason, res.ChildID, res.InvolvementID, res.Candidates, TS(now), digest)
	return res, res.Status == signpost.ResultApplied && m.Kind != signpost.MutView, err
}

// mutationDigest is a digest of everything a mutation says (its id already
// normalised), to tell a replay from another change under a reused id.
func mutationDigest(m *signpost.Mutation) string {
	b, _ := json.Marshal(m)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// clockSkew is how far ahead of the directory's clock a device's may run.
const clockSkew = 5 * time.Minute

// checkTexts refuses a mutation whose typed text breaks the shared rules.
func checkTexts(m *signpost.Mutation) error {
	checks := []error{
		signpost.CheckText("role", m.Role, signpost.MaxRoleLen),
		signpost.CheckReason("reason", m.Reason, signpost.MaxReasonLen),
		signpost.CheckText("to", m.To, 64),
	}
	if id := m.Identity; id != nil {
		checks = append(checks,
			signpost.CheckText("given_name", id.GivenName, signpost.MaxNameLen),
			signpost.CheckText("family_name", id.FamilyName, signpost.MaxNameLen),
			signpost.CheckText("postcode", id.Postcode, 16),
			signpost.CheckText("gender", id.Gender, 16))
	}
	for _, err := range checks {
		if err != nil {
			return reject("%s", signpost.MessageOf(err))
		}
	}
	return nil
}

func (s *Core) apply(ctx context.Context, tx *sql.Tx, a directory.Actor, m *signpost.Mutation, now time.Time, res *signpost.MutationResult, audit *[]directory.AuditEvent) error {
	if err := checkTexts(m); err != nil {
		return err
	}
	day := m.On
	if day == "" {
		at := m.At
		if at.IsZero() || at.After(now) {
			at = now
		}
		day = signpost.Today(at).Format(signpost.DateLayout)
	} else if _, ok := signpost.ParseDate(day); !ok {
		return reject("the date %q is not a real date written YYYY-MM-DD", day)
	}

	if m.Kind == signpost.MutMetChild {
		return s.applyMetChild(ctx, tx, a, m, day, now, res, audit)
	}
	if m.Kind == signpost.MutView {
		return s.applyView(ctx, tx, a, m, now, res, audit)
	}
	if m.Kind == signpost.MutReadNotifications { // issue 16
		if len(m.Notifications) == 0 || len(m.Notifications) > 1000 {
			return reject("mark from 1 to 1000 notifications read at a time")
		}
		_, err := MarkNotificationsRead(ctx, tx, a.UserID, m.Notifications, now)
		return err
	}
	if a.Role == signpost.RoleITAdmin {
		return reject("IT administrators do not record involvements")
	}
	res.ChildID = signpost.NormaliseSignpostID(m.ChildID)
	cid, status, dob, err := liveChild(ctx, tx, m.ChildID)
	if err != nil {
		return err
	}
	if status != signpost.StatusActive {
		return reject("this child's record is %s; involvements can no longer be changed", status)
	}
	var invID, started string
	err = tx.QueryRowContext(ctx, `SELECT id, started_on FROM involvements WHERE child_id = ? AND user_id = ? AND ended_on = ''`, cid, a.UserID).Scan(&invID, &started)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	switch m.Kind {
	case signpost.MutStartInvolvement:
		if invID != "" { // already involved: the same outcome as starting again
			res.InvolvementID = invID
			return nil
		}
		if err := signpost.CheckStartDate("on", day, dob, now); err != nil {
			return reject("%s", signpost.MessageOf(err))
		}
		res.InvolvementID = uuid.Must(uuid.NewV7()).String()
		if err := s.InsertInvolvement(ctx, tx, res.InvolvementID, cid, a.UserID, signpost.Involvement{Role: strings.TrimSpace(m.Role), StartedOn: day}); err != nil {
			return err
		}
		return startedIssue16(ctx, tx, a, m, cid, res.InvolvementID, now, audit) // issue 16: sensitive marking, notification
	case signpost.MutEndInvolvement, signpost.MutSetCAF, signpost.MutSetLead, signpost.MutHandOverLead,
		signpost.MutSetSensitive, signpost.MutOfferLead, signpost.MutAcceptLead, signpost.MutDeclineLead: // the last four: issue 16
		if invID == "" {
			return reject("you have no current involvement with this child")
		}
		res.InvolvementID = invID
	default:
		return reject("unknown kind of change %q", m.Kind)
	}
	switch m.Kind {
	case signpost.MutEndInvolvement:
		if err := signpost.CheckEndDate("on", day, started, now); err != nil {
			return reject("%s", signpost.MessageOf(err))
		}
		if err := endingIssue16(ctx, tx, a, m, cid, invID, now); err != nil { // issue 16: lead loss, notification
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE involvements SET ended_on = ?, lead = 0, lead_offer_from = '' WHERE id = ?`, day, invID)
	case signpost.MutSetCAF:
		_, err = tx.ExecContext(ctx, `UPDATE involvements SET caf = ? WHERE id = ?`, B2I(m.Value), invID)
	case signpost.MutSetLead:
		if m.Value {
			if _, err := tx.ExecContext(ctx, `UPDATE involvements SET lead = 0 WHERE child_id = ?`, cid); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE involvements SET lead = ? WHERE id = ?`, B2I(m.Value), invID)
	case signpost.MutHandOverLead:
		if err := handOverLead(ctx, tx, cid, invID, a.UserID, m.To); err != nil {
			return err
		}
		// Issue 16: everyone working with the child is told (the new lead too).
		err = LogNotify(ctx, tx, directory.NotifyEvent{Kind: signpost.NoteHandoverAccepted, InvolvementID: m.To, ToInvolvement: invID, ActorID: a.UserID, At: now}, cid)
	case signpost.MutSetSensitive, signpost.MutOfferLead, signpost.MutAcceptLead, signpost.MutDeclineLead: // issue 16
		err = applyIssue16(ctx, tx, a, m, cid, invID, now, audit)
	}
	if err != nil {
		return err
	}
	if err := s.TouchChild(ctx, tx, cid); err != nil {
		return err
	}
	if m.Kind == signpost.MutEndInvolvement {
		in, err := s.InScope(ctx, tx, a.UserID, cid, now)
		if err != nil || in {
			return err
		}
		return s.LogScope(ctx, tx, a.UserID, cid, signpost.RemovedLeftScope)
	}
	return nil
}

// handOverLead makes involvement to (someone else's, with child cid, not
// ended) the lead in place of mine, which must be the lead.
func handOverLead(ctx context.Context, tx *sql.Tx, cid int64, mine string, me int64, to string) error {
	var lead bool
	if err := tx.QueryRowContext(ctx, `SELECT lead FROM involvements WHERE id = ?`, mine).Scan(&lead); err != nil {
		return err
	}
	if !lead {
		return reject("only the lead professional can hand the role over; you are not this child's lead professional")
	}
	var user int64
	var ended string
	err := tx.QueryRowContext(ctx, `SELECT user_id, ended_on FROM involvements WHERE id = ? AND child_id = ?`, to, cid).Scan(&user, &ended)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return reject("the practitioner to hand over to is not working with this child")
	case err != nil:
		return err
	case ended != "":
		return reject("that practitioner's involvement with this child has ended; choose someone working with the child now")
	case user == me:
		return reject("you are already the lead professional")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE involvements SET lead = 0 WHERE child_id = ?`, cid); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE involvements SET lead = 1 WHERE id = ?`, to)
	return err
}

// liveChild returns a child's row id, status and date of birth.
func liveChild(ctx context.Context, tx *sql.Tx, signpostID string) (int64, string, string, error) {
	if !signpost.ValidSignpostID(signpostID) {
		return 0, "", "", reject("%q is not a valid Signpost ID", signpostID)
	}
	var id int64
	var status, merged, dob string
	err := tx.QueryRowContext(ctx, `SELECT id, status, merged_into, dob FROM children WHERE signpost_id = ?`, signpost.NormaliseSignpostID(signpostID)).Scan(&id, &status, &merged, &dob)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", "", reject("no child with Signpost ID %s", signpost.NormaliseSignpostID(signpostID))
	}
	if merged != "" {
		return 0, "", "", reject("this record was merged into %s; use that one", merged)
	}
	return id, status, dob, err
}

// applyMetChild matches a child met in the field by identity: one confident
// match starts the involvement; none or several are rejected with the count.
// Shielded children are never matched by identity (the postcode is a hidden field).
func (s *Core) applyMetChild(ctx context.Context, tx *sql.Tx, a directory.Actor, m *signpost.Mutation, day string, now time.Time, res *signpost.MutationResult, audit *[]directory.AuditEvent) error {
	id := m.Identity
	if id == nil || strings.TrimSpace(id.FamilyName) == "" || strings.TrimSpace(id.GivenName) == "" {
		return reject("a child met in the field needs given name, family name, date of birth and postcode")
	}
	if _, err := signpost.CheckDateOfBirth("date_of_birth", id.DateOfBirth, now); err != nil {
		return reject("%s", signpost.MessageOf(err))
	}
	if !signpost.ValidPostcode(id.Postcode) {
		return reject("%q is not a UK postcode", id.Postcode)
	}
	q := signpost.Query{GivenName: signpost.NormaliseName(id.GivenName), FamilyName: signpost.NormaliseName(id.FamilyName),
		DateOfBirth: id.DateOfBirth, Postcode: signpost.NormalisePostcode(id.Postcode), Gender: id.Gender}
	keys := directory.CandidateKeys{DatesOfBirth: []string{id.DateOfBirth}, Postcode: q.Postcode, FamilyName: q.FamilyName}
	if sw, ok := signpost.SwapDayMonth(id.DateOfBirth); ok {
		keys.DatesOfBirth = append(keys.DatesOfBirth, sw)
	}
	cands, err := s.candidates(ctx, tx, keys)
	if err != nil {
		return err
	}
	var confident []string
	possible := 0
	for _, c := range cands {
		if c.Shielded {
			continue
		}
		sc := signpost.Score(q, c)
		if sc >= signpost.MatchThreshold {
			possible++
		}
		if sc >= signpost.ConfidentThreshold {
			confident = append(confident, c.SignpostID)
		}
	}
	if len(confident) != 1 {
		rj := &rejection{candidates: possible}
		if possible == 0 {
			rj.reason = "no child in the directory matches this name, date of birth and postcode; search online to find the child"
		} else {
			rj.reason = fmt.Sprintf("%d children could be this child; search online to choose the right one", possible)
		}
		return rj
	}
	sub := *m
	sub.Kind, sub.ChildID, sub.On = signpost.MutStartInvolvement, confident[0], day
	return s.apply(ctx, tx, a, &sub, now, res, audit)
}

// applyView records an offline view event in the audit, checking its hash
// chain. The device's time for it is a claim: it is kept beside the time the
// directory received it, and refused if it is in the future or before the
// device was enrolled. Only a child that exists can have been viewed, and
// only by someone who may view children.
func (s *Core) applyView(ctx context.Context, tx *sql.Tx, a directory.Actor, m *signpost.Mutation, now time.Time, res *signpost.MutationResult, audit *[]directory.AuditEvent) error {
	if a.Role == signpost.RoleITAdmin {
		return reject("IT administrators cannot open children's records, so they have no views to record")
	}
	if !signpost.ValidSignpostID(m.ChildID) {
		return reject("%q is not a valid Signpost ID", m.ChildID)
	}
	res.ChildID = signpost.NormaliseSignpostID(m.ChildID)
	var exists int
	if err := tx.QueryRowContext(ctx, `SELECT `+s.Bool(`EXISTS (SELECT 1 FROM children WHERE signpost_id = ?)`), res.ChildID).Scan(&exists); err != nil {
		return err
	}
	if exists == 0 {
		return reject("no child with Signpost ID %s: a view of it cannot have happened", res.ChildID)
	}
	var last, enrolled string
	if err := tx.QueryRowContext(ctx, `SELECT last_audit_hash, enrolled_at FROM devices WHERE id = ?`, a.DeviceID).Scan(&last, &enrolled); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	switch {
	case m.At.IsZero():
		return reject("the view has no time")
	case m.At.After(now.Add(clockSkew)):
		return reject("the view's time (%s) is in the future: check this device's clock", m.At.UTC().Format(time.RFC3339))
	case enrolled != "" && m.At.Before(ParseTS(enrolled).Add(-clockSkew)):
		return reject("the view's time (%s) is before this device was enrolled", m.At.UTC().Format(time.RFC3339))
	}
	var flags []string
	if m.PrevHash != last {
		flags = append(flags, "chain_break")
	}
	if m.Hash != m.ViewHash() {
		flags = append(flags, "hash_mismatch")
	}
	*audit = append(*audit, directory.AuditEvent{At: now, ClaimedAt: m.At, UserID: a.UserID, Username: a.Username, DeviceID: a.DeviceID,
		Action: "offline_view", ChildID: res.ChildID, Reason: m.Reason, Flags: strings.Join(flags, ","), Mutation: m.ID})
	_, err := tx.ExecContext(ctx, `UPDATE devices SET last_audit_hash = ? WHERE id = ?`, m.Hash, a.DeviceID)
	return err
}

const scopeSQL = `SELECT child_id FROM involvements WHERE user_id = ?1 AND ended_on = ''
	UNION SELECT child_id FROM lookups WHERE user_id = ?1 AND expires_at > ?2`

// Pull returns, unredacted, the children in a's scope that changed after
// cursor, the removals, and the cursor to ask from next. Archived and
// merged children are never sent: they leave every cache by a removal.
// Pages are ordered by (change number, row number), so a page that ends
// among the thousands of children a feed batch changed at one number goes
// on from there. Every child sent carries the change number of the read
// (Child.Seq), and every removal its own: a cache keeps the newest copy.
func (s *Core) Pull(ctx context.Context, a directory.Actor, cursor directory.Cursor, limit int, now time.Time) (*directory.PullPage, error) {
	if err := ctx.Err(); err != nil {
		return nil, s.Wrap("reading changes", err)
	}
	asked := ctx // a client that gives up stops the page's reading
	ctx = s.Calm(ctx)
	if limit <= 0 {
		limit = 500
	}
	page := &directory.PullPage{Changes: []signpost.Child{}, Removals: []signpost.Removal{}}
	err := s.Read(ctx, func(tx *sql.Tx) error {
		var head int64
		if err := tx.QueryRowContext(ctx, `SELECT value FROM counters WHERE name = 'seq'`).Scan(&head); err != nil {
			return err
		}
		if cursor.Seq > head || cursor.Seq < 0 {
			cursor = directory.Cursor{} // a cursor from another store: start again
		}
		after := cursor.Child
		if after == 0 {
			after = math.MaxInt64 // every child at cursor.Seq was sent
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, eff, seq FROM (
			SELECT c.id, c.seq, `+s.Greatest(`c.seq`, `COALESCE((SELECT MAX(seq) FROM scope_log l WHERE l.user_id = ?1 AND l.child_id = c.id), 0)`)+` AS eff
			FROM children c WHERE c.id IN (`+scopeSQL+`) AND c.status != 'archived' AND c.merged_into = '') AS s
			WHERE eff > ?3 OR (eff = ?3 AND id > ?5)
			ORDER BY eff, id LIMIT ?4`, a.UserID, TS(now), cursor.Seq, limit+1, after)
		if err != nil {
			return err
		}
		type idSeq struct{ id, seq, childSeq int64 }
		var ids []idSeq
		for rows.Next() {
			var x idSeq
			if err := rows.Scan(&x.id, &x.seq, &x.childSeq); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		page.Cursor = directory.Cursor{Seq: head}
		if len(ids) > limit {
			ids = ids[:limit]
			page.More = true
			page.Cursor = directory.Cursor{Seq: ids[limit-1].seq, Child: ids[limit-1].id}
		}
		for _, x := range ids {
			if err := asked.Err(); err != nil {
				return err
			}
			c, err := s.record(ctx, tx, x.id, x.childSeq)
			if err != nil {
				return err
			}
			c.Seq = head
			page.Changes = append(page.Changes, *c)
		}
		// Removals between the cursor and the end of the page. Their change
		// numbers are their own (a scope event never shares one with a
		// batch of children), so the change number alone bounds them.
		rows, err = tx.QueryContext(ctx, `SELECT l.seq, c.signpost_id, l.event, c.merged_into,
			(l.child_id IN (`+strings.ReplaceAll(strings.ReplaceAll(scopeSQL, "?1", "?3"), "?2", "?4")+`) AND c.status != 'archived' AND c.merged_into = '')
			FROM scope_log l JOIN children c ON c.id = l.child_id
			WHERE l.user_id = ?3 AND l.seq > ?1 AND l.seq <= ?2 AND l.event != 'enter' ORDER BY l.seq DESC`, cursor.Seq, page.Cursor.Seq, a.UserID, TS(now))
		if err != nil {
			return err
		}
		defer rows.Close()
		seen := map[string]bool{}
		for rows.Next() {
			var r signpost.Removal
			var event string
			var stillIn bool
			if err := rows.Scan(&r.Seq, &r.SignpostID, &event, &r.MergedInto, &stillIn); err != nil {
				return err
			}
			// A child still in scope is re-sent; only a shielding must purge
			// the old copy first. The newest removal of a child is the one
			// kept.
			if seen[r.SignpostID] || (stillIn && event != signpost.RemovedShielded) {
				continue
			}
			seen[r.SignpostID] = true
			r.Reason = event
			page.Removals = append(page.Removals, r)
		}
		slices.Reverse(page.Removals)
		return rows.Err()
	})
	if err != nil {
		return nil, s.Wrap("reading changes", err)
	}
	return page, nil
}

// HasChanges reports whether a pull after cursor would return anything.
func (s *Core) HasChanges(ctx context.Context, a directory.Actor, cursor directory.Cursor, now time.Time) (bool, error) {
	if cursor.Child != 0 {
		return true, nil // a pull stopped among one change number's children
	}
	var n int
	err := s.QueryRow(ctx, `SELECT `+s.Bool(`EXISTS (SELECT 1 FROM scope_log WHERE user_id = ?1 AND seq > ?3)
		OR EXISTS (SELECT 1 FROM children c WHERE c.seq > ?3 AND c.id IN (`+scopeSQL+`))
		OR EXISTS (SELECT 1 FROM notifications WHERE user_id = ?1 AND seq > ?3)`+ /* issue 16 */ `
		OR ?3 > (SELECT value FROM counters WHERE name = 'seq')`), a.UserID, TS(now), cursor.Seq).Scan(&n)
	return n == 1, s.Wrap("checking for changes", err)
}

// Head returns the change number the store has reached.
func (s *Core) Head(ctx context.Context) (int64, error) {
	var head int64
	err := s.QueryRow(ctx, `SELECT value FROM counters WHERE name = 'seq'`).Scan(&head)
	return head, s.Wrap("reading the change number", err)
}

// Affected returns the users whose pull the changes numbered in (from, to]
// may change: those with a changed child in scope (an active involvement or
// a look-up), those with a scope event, and those with a device moved.
func (s *Core) Affected(ctx context.Context, from, to int64, now time.Time) ([]int64, []string, error) {
	if to <= from {
		return nil, nil, nil
	}
	devs, err := s.Query(ctx, `SELECT id FROM devices WHERE seq > ? AND seq <= ?`, from, to)
	if err != nil {
		return nil, nil, s.Wrap("finding whom changes concern", err)
	}
	var moved []string
	for devs.Next() {
		var id string
		if err := devs.Scan(&id); err != nil {
			devs.Close()
			return nil, nil, s.Wrap("finding whom changes concern", err)
		}
		moved = append(moved, id)
	}
	devs.Close()
	rows, err := s.Query(ctx, `SELECT user_id FROM scope_log WHERE seq > ?1 AND seq <= ?2
		UNION SELECT i.user_id FROM children c JOIN involvements i ON i.child_id = c.id AND i.ended_on = '' WHERE c.seq > ?1 AND c.seq <= ?2
		UNION SELECT l.user_id FROM children c JOIN lookups l ON l.child_id = c.id AND l.expires_at > ?3 WHERE c.seq > ?1 AND c.seq <= ?2
		UNION SELECT user_id FROM devices WHERE seq > ?1 AND seq <= ?2
		UNION SELECT user_id FROM notifications WHERE seq > ?1 AND seq <= ?2`, from, to, TS(now)) // notifications: issue 16
	if err != nil {
		return nil, nil, s.Wrap("finding whom changes concern", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var u int64
		if err := rows.Scan(&u); err != nil {
			return nil, nil, s.Wrap("finding whom changes concern", err)
		}
		out = append(out, u)
	}
	return out, moved, s.Wrap("finding whom changes concern", rows.Err())
}
