package sqlcipher

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
}

func (r *rejection) Error() string { return r.reason }

func reject(format string, args ...any) error {
	return &rejection{reason: fmt.Sprintf(format, args...)}
}

// Push applies each mutation exactly once. All of them share one transaction;
// each runs in its own savepoint so a rejected one is rolled back alone and
// recorded, and never blocks those behind it.
func (s *Store) Push(ctx context.Context, a directory.Actor, ms []signpost.Mutation, now time.Time) ([]signpost.MutationResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, wrap("applying changes", err)
	}
	ctx = calm(ctx)
	results := make([]signpost.MutationResult, 0, len(ms))
	changed := false
	err := s.write(ctx, func(tx *sql.Tx) error {
		results = results[:0]
		var audit []directory.AuditEvent
		for i := range ms {
			r, ch, err := pushOne(ctx, tx, a, &ms[i], now, &audit)
			if err != nil {
				return err
			}
			changed = changed || ch
			results = append(results, r)
		}
		// Offline view events are committed to the audit file first, keyed by
		// mutation id: if the directory dies before the commit below, the
		// device's replay finds them there and they are not recorded twice.
		if len(audit) == 0 {
			return nil
		}
		return inTx(ctx, s.aw, func(atx *sql.Tx) error { return insertAudit(ctx, atx, audit) })
	})
	if err != nil {
		return nil, wrap("applying changes", err)
	}
	if changed {
		s.broadcast()
	}
	return results, nil
}

func pushOne(ctx context.Context, tx *sql.Tx, a directory.Actor, m *signpost.Mutation, now time.Time, audit *[]directory.AuditEvent) (signpost.MutationResult, bool, error) {
	res := signpost.MutationResult{ID: m.ID}
	id, err := uuid.Parse(m.ID)
	if err != nil || m.ID == "" {
		res.Status, res.Reason = signpost.ResultRejected, "the change has no valid id"
		return res, false, nil
	}
	m.ID = id.String()
	res.ID = m.ID

	// A replay answers with the first result.
	var first signpost.MutationResult
	var owner int64
	err = tx.QueryRowContext(ctx, `SELECT user_id, status, reason, child_id, involvement_id, candidates FROM mutations WHERE id = ?`, m.ID).
		Scan(&owner, &first.FirstStatus, &first.Reason, &first.ChildID, &first.InvolvementID, &first.Candidates)
	switch {
	case err == nil && owner != a.UserID:
		res.Status, res.Reason = signpost.ResultRejected, "the change id was already used by someone else"
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
	err = apply(ctx, tx, a, m, now, &res, audit)
	var rj *rejection
	switch {
	case errors.As(err, &rj):
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO m`); err != nil {
			return res, false, err
		}
		res.Status, res.Reason, res.Candidates = signpost.ResultRejected, rj.reason, rj.candidates
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
	_, err = tx.ExecContext(ctx, `INSERT INTO mutations (id, user_id, device_id, kind, status, reason, child_id, involvement_id, candidates, applied_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, m.ID, a.UserID, a.DeviceID, m.Kind, res.Status, res.Reason, res.ChildID, res.InvolvementID, res.Candidates, ts(now))
	return res, res.Status == signpost.ResultApplied && m.Kind != signpost.MutView, err
}

func apply(ctx context.Context, tx *sql.Tx, a directory.Actor, m *signpost.Mutation, now time.Time, res *signpost.MutationResult, audit *[]directory.AuditEvent) error {
	day := m.On
	if day == "" {
		at := m.At
		if at.IsZero() || at.After(now) {
			at = now
		}
		day = at.UTC().Format(signpost.DateLayout)
	} else if _, ok := signpost.ParseDate(day); !ok {
		return reject("the date %q is not a real date written YYYY-MM-DD", day)
	}

	if m.Kind == signpost.MutMetChild {
		return applyMetChild(ctx, tx, a, m, day, now, res, audit)
	}
	if m.Kind == signpost.MutView {
		return applyView(ctx, tx, a, m, now, res, audit)
	}
	if a.Role == signpost.RoleITAdmin {
		return reject("IT administrators do not record involvements")
	}
	res.ChildID = signpost.NormaliseSignpostID(m.ChildID)
	cid, status, err := liveChild(ctx, tx, m.ChildID)
	if err != nil {
		return err
	}
	if status != signpost.StatusActive {
		return reject("this child's record is %s; involvements can no longer be changed", status)
	}
	var invID string
	err = tx.QueryRowContext(ctx, `SELECT id FROM involvements WHERE child_id = ? AND user_id = ? AND ended_on = ''`, cid, a.UserID).Scan(&invID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	switch m.Kind {
	case signpost.MutStartInvolvement:
		if invID != "" { // already involved: the same outcome as starting again
			res.InvolvementID = invID
			return nil
		}
		res.InvolvementID = uuid.Must(uuid.NewV7()).String()
		return insertInvolvement(ctx, tx, res.InvolvementID, cid, a.UserID, signpost.Involvement{Role: strings.TrimSpace(m.Role), StartedOn: day})
	case signpost.MutEndInvolvement, signpost.MutSetCAF, signpost.MutSetLead:
		if invID == "" {
			return reject("you have no current involvement with this child")
		}
		res.InvolvementID = invID
	default:
		return reject("unknown kind of change %q", m.Kind)
	}
	switch m.Kind {
	case signpost.MutEndInvolvement:
		_, err = tx.ExecContext(ctx, `UPDATE involvements SET ended_on = ?, lead = 0 WHERE id = ?`, day, invID)
	case signpost.MutSetCAF:
		_, err = tx.ExecContext(ctx, `UPDATE involvements SET caf = ? WHERE id = ?`, b2i(m.Value), invID)
	case signpost.MutSetLead:
		if m.Value {
			if _, err := tx.ExecContext(ctx, `UPDATE involvements SET lead = 0 WHERE child_id = ?`, cid); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE involvements SET lead = ? WHERE id = ?`, b2i(m.Value), invID)
	}
	if err != nil {
		return err
	}
	if err := touchChild(ctx, tx, cid); err != nil {
		return err
	}
	if m.Kind == signpost.MutEndInvolvement {
		in, err := inScope(ctx, tx, a.UserID, cid, now)
		if err != nil || in {
			return err
		}
		return logScope(ctx, tx, a.UserID, cid, signpost.RemovedLeftScope)
	}
	return nil
}

func liveChild(ctx context.Context, tx *sql.Tx, signpostID string) (int64, string, error) {
	if !signpost.ValidSignpostID(signpostID) {
		return 0, "", reject("%q is not a valid Signpost ID", signpostID)
	}
	var id int64
	var status, merged string
	err := tx.QueryRowContext(ctx, `SELECT id, status, merged_into FROM children WHERE signpost_id = ?`, signpost.NormaliseSignpostID(signpostID)).Scan(&id, &status, &merged)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", reject("no child with Signpost ID %s", signpost.NormaliseSignpostID(signpostID))
	}
	if merged != "" {
		return 0, "", reject("this record was merged into %s; use that one", merged)
	}
	return id, status, err
}

// applyMetChild matches a child met in the field by identity: one confident
// match starts the involvement; none or several are rejected with the count.
// Shielded children are never matched by identity (the postcode is a hidden field).
func applyMetChild(ctx context.Context, tx *sql.Tx, a directory.Actor, m *signpost.Mutation, day string, now time.Time, res *signpost.MutationResult, audit *[]directory.AuditEvent) error {
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
	cands, err := candidates(ctx, tx, keys)
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
	return apply(ctx, tx, a, &sub, now, res, audit)
}

// applyView records an offline view event in the audit, checking its hash chain.
func applyView(ctx context.Context, tx *sql.Tx, a directory.Actor, m *signpost.Mutation, now time.Time, res *signpost.MutationResult, audit *[]directory.AuditEvent) error {
	if !signpost.ValidSignpostID(m.ChildID) {
		return reject("%q is not a valid Signpost ID", m.ChildID)
	}
	res.ChildID = signpost.NormaliseSignpostID(m.ChildID)
	var last string
	if err := tx.QueryRowContext(ctx, `SELECT last_audit_hash FROM devices WHERE id = ?`, a.DeviceID).Scan(&last); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	var flags []string
	if m.PrevHash != last {
		flags = append(flags, "chain_break")
	}
	if m.Hash != m.ViewHash() {
		flags = append(flags, "hash_mismatch")
	}
	at := m.At
	if at.IsZero() {
		at = now
	}
	*audit = append(*audit, directory.AuditEvent{At: at, UserID: a.UserID, Username: a.Username, DeviceID: a.DeviceID,
		Action: "offline_view", ChildID: res.ChildID, Reason: m.Reason, Flags: strings.Join(flags, ","), Mutation: m.ID})
	_, err := tx.ExecContext(ctx, `UPDATE devices SET last_audit_hash = ? WHERE id = ?`, m.Hash, a.DeviceID)
	return err
}

const scopeSQL = `SELECT child_id FROM involvements WHERE user_id = ?1 AND ended_on = ''
	UNION SELECT child_id FROM lookups WHERE user_id = ?1 AND expires_at > ?2`

// Pull returns, unredacted, the children in a's scope that changed after
// cursor, the removals, and the cursor to ask from next. Archived and
// merged children are never sent: they leave every cache by a removal.
func (s *Store) Pull(ctx context.Context, a directory.Actor, cursor int64, limit int, now time.Time) (*directory.PullPage, error) {
	if err := ctx.Err(); err != nil {
		return nil, wrap("reading changes", err)
	}
	ctx = calm(ctx)
	if limit <= 0 {
		limit = 500
	}
	page := &directory.PullPage{Changes: []signpost.Child{}, Removals: []signpost.Removal{}}
	err := s.read(ctx, func(tx *sql.Tx) error {
		var head int64
		if err := tx.QueryRowContext(ctx, `SELECT value FROM counters WHERE name = 'seq'`).Scan(&head); err != nil {
			return err
		}
		if cursor > head || cursor < 0 {
			cursor = 0 // a cursor from another store: start again
		}
		rows, err := tx.QueryContext(ctx, `SELECT c.id, MAX(c.seq, COALESCE((SELECT MAX(seq) FROM scope_log l WHERE l.user_id = ?1 AND l.child_id = c.id), 0)) AS eff
			FROM children c WHERE c.id IN (`+scopeSQL+`) AND c.status != 'archived' AND c.merged_into = ''
			AND (c.seq > ?3 OR EXISTS (SELECT 1 FROM scope_log l WHERE l.user_id = ?1 AND l.child_id = c.id AND l.seq > ?3))
			ORDER BY eff LIMIT ?4`, a.UserID, ts(now), cursor, limit+1)
		if err != nil {
			return err
		}
		type idSeq struct{ id, seq int64 }
		var ids []idSeq
		for rows.Next() {
			var x idSeq
			if err := rows.Scan(&x.id, &x.seq); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		page.Cursor = head
		if len(ids) > limit {
			ids = ids[:limit]
			page.More = true
			page.Cursor = ids[limit-1].seq
		}
		inPage := map[int64]bool{}
		for _, x := range ids {
			inPage[x.id] = true
			_, c, _, err := scanChild(tx.QueryRowContext(ctx, `SELECT `+childCols+` WHERE c.id = ?`, x.id))
			if err != nil {
				return err
			}
			if err := fillChild(ctx, tx, x.id, c); err != nil {
				return err
			}
			page.Changes = append(page.Changes, *c)
		}
		rows, err = tx.QueryContext(ctx, `SELECT l.child_id, c.signpost_id, l.event, c.merged_into,
			(l.child_id IN (`+strings.ReplaceAll(strings.ReplaceAll(scopeSQL, "?1", "?3"), "?2", "?4")+`) AND c.status != 'archived' AND c.merged_into = '')
			FROM scope_log l JOIN children c ON c.id = l.child_id
			WHERE l.user_id = ?3 AND l.seq > ?1 AND l.seq <= ?2 AND l.event != 'enter' ORDER BY l.seq`, cursor, page.Cursor, a.UserID, ts(now))
		if err != nil {
			return err
		}
		defer rows.Close()
		seen := map[string]bool{}
		for rows.Next() {
			var cid int64
			var r signpost.Removal
			var event string
			var stillIn bool
			if err := rows.Scan(&cid, &r.SignpostID, &event, &r.MergedInto, &stillIn); err != nil {
				return err
			}
			// A child still in scope is re-sent; only a shielding must purge the old copy first.
			if seen[r.SignpostID] || (stillIn && event != signpost.RemovedShielded) {
				continue
			}
			seen[r.SignpostID] = true
			r.Reason = event
			page.Removals = append(page.Removals, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, wrap("reading changes", err)
	}
	return page, nil
}

// HasChanges reports whether a pull after cursor would return anything.
func (s *Store) HasChanges(ctx context.Context, a directory.Actor, cursor int64, now time.Time) (bool, error) {
	var n int
	err := s.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM scope_log WHERE user_id = ?1 AND seq > ?3)
		OR EXISTS (SELECT 1 FROM children c WHERE c.seq > ?3 AND c.id IN (`+scopeSQL+`))
		OR ?3 > (SELECT value FROM counters WHERE name = 'seq')`, a.UserID, ts(now), cursor).Scan(&n)
	return n == 1, wrap("checking for changes", err)
}
