package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"signpost"
	"signpost/directory"
)

// RowScanner is a row to scan (a *sql.Row or the current row of *sql.Rows).
type RowScanner interface{ Scan(...any) error }

// queryFunc is a read function as a querier.
type queryFunc func(ctx context.Context, query string, args ...any) (*sql.Rows, error)

func (f queryFunc) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return f(ctx, query, args...)
}

// CreateChild stores a new child with carers, school and GP.
func (s *Core) CreateChild(ctx context.Context, c *signpost.Child) error {
	return s.CreateChildren(ctx, []signpost.Child{*c})
}

// CreateChildren stores many children in one transaction.
func (s *Core) CreateChildren(ctx context.Context, cs []signpost.Child) error {
	err := s.Write(ctx, func(tx *sql.Tx) error {
		ins, err := tx.PrepareContext(ctx, `INSERT INTO children (signpost_id, given_name, family_name, given_norm, family_norm, dob, gender, address, postcode,
			authority_id, nhs_number, upn, status, shielded, merged_into, school_code, school_name, school_phone, school_started, gp_code, gp_name, gp_phone, gp_started, seq)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT id FROM authorities WHERE name = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`+s.ReturningID)
		if err != nil {
			return err
		}
		defer ins.Close()
		carer, err := tx.PrepareContext(ctx, `INSERT INTO carers (child_id, pos, name, relationship, pr, phone, email) VALUES (?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer carer.Close()
		seq, err := s.NextSeq(ctx, tx)
		if err != nil {
			return err
		}
		for i := range cs {
			c := &cs[i]
			if !signpost.ValidSignpostID(c.SignpostID) {
				return signpost.FieldError("signpost_id", "a child needs a valid Signpost ID")
			}
			status := c.Status
			if status == "" {
				status = signpost.StatusActive
			}
			var sc, gp signpost.Setting
			if c.School != nil {
				sc = *c.School
			}
			if c.GP != nil {
				gp = *c.GP
			}
			id, err := s.ExecID(ctx, ins, c.SignpostID, c.GivenName, c.FamilyName, signpost.NormaliseName(c.GivenName), signpost.NormaliseName(c.FamilyName),
				c.DateOfBirth, c.Gender, c.Address, signpost.NormalisePostcode(c.Postcode), c.Authority,
				Nullable(signpost.NormaliseNHSNumber(c.NHSNumber)), Nullable(signpost.NormaliseUPN(c.UPN)), status, B2I(c.Shielded), c.MergedInto,
				sc.Code, sc.Name, sc.Phone, sc.StartedOn, gp.Code, gp.Name, gp.Phone, gp.StartedOn, seq)
			if err != nil {
				return err
			}
			for j, cr := range c.Carers {
				if _, err := carer.ExecContext(ctx, id, j, cr.Name, cr.Relationship, B2I(cr.ParentalResponsibility), cr.Phone, cr.Email); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if si := s.Search.Load(); si != nil {
		si.MarkStale()
	}
	return s.Wrap("storing children", err)
}

// Nullable is NULL for an empty text (an optional unique key).
func Nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// childRowID returns the row id of a child by Signpost ID.
func ChildRowID(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, signpostID string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM children WHERE signpost_id = ?`, signpost.NormaliseSignpostID(signpostID)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, NotFound("child " + signpostID)
	}
	return id, err
}

// AddInvolvement records a practitioner's involvement directly.
func (s *Core) AddInvolvement(ctx context.Context, childID, username string, inv signpost.Involvement) (string, error) {
	id := inv.ID
	if id == "" {
		id = uuid.Must(uuid.NewV7()).String()
	}
	err := s.Write(ctx, func(tx *sql.Tx) error {
		cid, err := ChildRowID(ctx, tx, childID)
		if err != nil {
			return err
		}
		var uid int64
		if err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE username = ?`, username).Scan(&uid); errors.Is(err, sql.ErrNoRows) {
			return NotFound("user " + username)
		} else if err != nil {
			return err
		}
		return s.InsertInvolvement(ctx, tx, id, cid, uid, inv)
	})
	if err == nil {
		s.Broadcast()
	}
	return id, s.Wrap("recording an involvement", err)
}

const ChildCols = `c.id, c.signpost_id, c.given_name, c.family_name, c.dob, c.gender, c.address, c.postcode, COALESCE(a.name, ''),
	COALESCE(c.nhs_number, ''), COALESCE(c.upn, ''), c.status, c.shielded, c.merged_into,
	c.school_code, c.school_name, c.school_phone, c.school_started, c.gp_code, c.gp_name, c.gp_phone, c.gp_started, c.seq,
	COALESCE(a.phone, ''), COALESCE(a.email, ''), c.shield_reason, c.shield_review, c.shield_at,
	COALESCE((SELECT display_name FROM users WHERE username = c.shield_by), '')
	FROM children c LEFT JOIN authorities a ON a.id = c.authority_id`

func ScanChild(row RowScanner) (int64, *signpost.Child, int64, error) {
	c := &signpost.Child{Involvements: []signpost.Involvement{}}
	var id, seq int64
	var sc, gp signpost.Setting
	var sh signpost.Shielding
	var shieldAt string
	err := row.Scan(&id, &c.SignpostID, &c.GivenName, &c.FamilyName, &c.DateOfBirth, &c.Gender, &c.Address, &c.Postcode, &c.Authority,
		&c.NHSNumber, &c.UPN, &c.Status, &c.Shielded, &c.MergedInto,
		&sc.Code, &sc.Name, &sc.Phone, &sc.StartedOn, &gp.Code, &gp.Name, &gp.Phone, &gp.StartedOn, &seq,
		&c.TeamContact.Phone, &c.TeamContact.Email, &sh.Reason, &sh.ReviewDate, &shieldAt, &sh.By)
	c.TeamContact.Team = signpost.ContactVia(c.Authority)
	if c.Shielded {
		sh.At = ParseTS(shieldAt)
		c.Shielding = &sh
	}
	if sc.Code != "" || sc.Name != "" {
		c.School = &sc
	}
	if gp.Code != "" || gp.Name != "" {
		c.GP = &gp
	}
	return id, c, seq, err
}

// fillChild adds carers and involvements to a child read by scanChild.
func FillChild(ctx context.Context, q Querier, id int64, c *signpost.Child) error {
	rows, err := q.QueryContext(ctx, `SELECT name, relationship, pr, phone, email FROM carers WHERE child_id = ? ORDER BY pos`, id)
	if err != nil {
		return err
	}
	for rows.Next() {
		var cr signpost.Carer
		if err := rows.Scan(&cr.Name, &cr.Relationship, &cr.ParentalResponsibility, &cr.Phone, &cr.Email); err != nil {
			rows.Close()
			return err
		}
		c.Carers = append(c.Carers, cr)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = q.QueryContext(ctx, `SELECT i.id, u.display_name, u.username, o.name, CASE WHEN i.role != '' THEN i.role ELSE u.job_title END,
		u.phone, u.email, i.started_on, i.ended_on, i.caf, i.lead,
		i.sensitive, i.consent_shown, i.lead_offer_from != '', COALESCE((SELECT name FROM authorities WHERE id = o.authority_id), '')
		FROM involvements i JOIN users u ON u.id = i.user_id JOIN organisations o ON o.id = u.organisation_id
		WHERE i.child_id = ? ORDER BY i.ended_on != '', i.started_on DESC, i.id`, id)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var inv signpost.Involvement
		if err := rows.Scan(&inv.ID, &inv.Practitioner, &inv.Username, &inv.Organisation, &inv.Role, &inv.Phone, &inv.Email,
			&inv.StartedOn, &inv.EndedOn, &inv.CAF, &inv.LeadProfessional,
			&inv.Sensitive, &inv.ConsentShown, &inv.LeadOffered, &inv.Authority); err != nil { // the last four: issue 16
			return err
		}
		c.Involvements = append(c.Involvements, inv)
	}
	return rows.Err()
}

// Child returns the full record of a child.
func (s *Core) Child(ctx context.Context, signpostID string) (*signpost.Child, error) {
	if err := ctx.Err(); err != nil {
		return nil, s.Wrap("reading a child", err)
	}
	ctx = s.Calm(ctx)
	var c *signpost.Child
	err := s.Read(ctx, func(tx *sql.Tx) error {
		var id, seq int64
		err := tx.QueryRowContext(ctx, `SELECT id, seq FROM children WHERE signpost_id = ?`, signpost.NormaliseSignpostID(signpostID)).Scan(&id, &seq)
		if errors.Is(err, sql.ErrNoRows) {
			return NotFound("child " + signpostID)
		}
		if err != nil {
			return err
		}
		if c, err = s.record(ctx, tx, id, seq); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM counters WHERE name = 'seq'`).Scan(&c.Seq)
	})
	return c, s.Wrap("reading a child", err)
}

// record returns row id's whole record at change number seq: from the
// records kept, or read (and kept).
func (s *Core) record(ctx context.Context, tx *sql.Tx, id, seq int64) (*signpost.Child, error) {
	if c, ok := s.Cache().Get(id, seq); ok {
		return c, nil
	}
	_, c, got, err := ScanChild(tx.QueryRowContext(ctx, `SELECT `+ChildCols+` WHERE c.id = ?`, id))
	if err != nil {
		return nil, err
	}
	if err := FillChild(ctx, tx, id, c); err != nil {
		return nil, err
	}
	if got == seq {
		s.Cache().Put(id, seq, c)
	}
	return c, nil
}

// Candidates returns the children matching any of the keys.
func (s *Core) Candidates(ctx context.Context, k directory.CandidateKeys) ([]signpost.Candidate, error) {
	if out, ok, err := s.IndexedCandidates(ctx, k); ok {
		return out, err
	}
	out, err := s.candidates(ctx, queryFunc(s.Query), k)
	return out, s.Wrap("searching", err)
}

func (s *Core) candidates(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, k directory.CandidateKeys) ([]signpost.Candidate, error) {
	var where []string
	var args []any
	if len(k.DatesOfBirth) > 0 {
		where = append(where, `dob IN (?`+strings.Repeat(`, ?`, len(k.DatesOfBirth)-1)+`)`)
		for _, d := range k.DatesOfBirth {
			args = append(args, d)
		}
	}
	for _, kv := range []struct{ col, v string }{{"postcode", k.Postcode}, {"nhs_number", k.NHSNumber}, {"upn", k.UPN}, {"signpost_id", k.SignpostID}} {
		if kv.v != "" {
			where = append(where, kv.col+` = ?`)
			args = append(args, kv.v)
		}
	}
	if len(where) == 0 {
		return nil, nil
	}
	cond := `status != 'archived' AND merged_into = '' AND (` + strings.Join(where, ` OR `) + `)`
	limit := ""
	if k.Limit > 0 {
		limit = ` LIMIT ` + strconv.Itoa(k.Limit)
	}
	if k.FamilyName != "" && k.NHSNumber == "" && k.UPN == "" && k.SignpostID == "" {
		// A date of birth or a postcode is shared by hundreds of children in a
		// national population. First read just their distinct family names, as
		// one string from the covering index (one row instead of hundreds
		// crossing into Go), and keep those that could match.
		var packed sql.NullString
		rows, err := q.QueryContext(ctx, `SELECT `+s.GroupConcat(`DISTINCT family_norm`)+` FROM (SELECT family_norm FROM children WHERE `+cond+limit+`) AS f`, args...)
		if err != nil {
			return nil, err
		}
		if rows.Next() {
			err = rows.Scan(&packed)
		}
		rows.Close()
		if err != nil {
			return nil, err
		}
		// Normalised names are letters only, so a comma separates them safely.
		var fams []string
		for _, fam := range strings.Split(packed.String, ",") {
			if signpost.NameScore(k.FamilyName, fam) > 0 {
				fams = append(fams, fam)
			}
		}
		if len(fams) == 0 {
			return nil, nil
		}
		// Then the matching families' rows, again from the covering index.
		for _, f := range fams {
			args = append(args, f)
		}
		cond += ` AND family_norm IN (?` + strings.Repeat(`, ?`, len(fams)-1) + `)`
	}
	return scanCandidates(q.QueryContext(ctx, `SELECT `+candidateCols+` FROM children WHERE `+cond+limit, args...))
}

const candidateCols = `signpost_id, given_norm, family_norm, dob, gender, postcode, shielded, given_name, family_name`

func scanCandidates(rows *sql.Rows, err error) ([]signpost.Candidate, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []signpost.Candidate
	for rows.Next() {
		var c signpost.Candidate
		if err := rows.Scan(&c.SignpostID, &c.GivenName, &c.FamilyName, &c.DateOfBirth, &c.Gender, &c.Postcode, &c.Shielded, &c.Given, &c.Family); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ShieldedNow returns which of the children are shielded, from the table.
func (s *Core) ShieldedNow(ctx context.Context, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = signpost.NormaliseSignpostID(id)
	}
	rows, err := s.Query(ctx, `SELECT signpost_id FROM children WHERE shielded = 1 AND signpost_id IN (?`+strings.Repeat(`, ?`, len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, s.Wrap("searching", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, s.Wrap("searching", err)
		}
		out[id] = true
	}
	return out, s.Wrap("searching", rows.Err())
}

// SetShield shields a child: its record is redacted from the next response on,
// and every user who ever had it in scope is told to purge their copy.
func (s *Core) SetShield(ctx context.Context, signpostID string, sh *directory.Shield) error {
	return s.shield(ctx, signpostID, sh)
}

// ClearShield unshields a child.
func (s *Core) ClearShield(ctx context.Context, signpostID string) error {
	return s.shield(ctx, signpostID, nil)
}

func (s *Core) shield(ctx context.Context, signpostID string, sh *directory.Shield) error {
	err := s.Write(ctx, func(tx *sql.Tx) error {
		cid, err := ChildRowID(ctx, tx, signpostID)
		if err != nil {
			return err
		}
		// Issue 14, slice access: a renewal or an unshielding keeps the
		// shielding it replaces.
		if err := KeepShieldHistory(ctx, tx, cid, time.Now()); err != nil {
			return err
		}
		if sh == nil {
			_, err = tx.ExecContext(ctx, `UPDATE children SET shielded = 0, shield_reason = '', shield_review = '', shield_by = '', shield_at = '' WHERE id = ?`, cid)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE children SET shielded = 1, shield_reason = ?, shield_review = ?, shield_by = ?, shield_at = ? WHERE id = ?`,
				sh.Reason, sh.ReviewDate, sh.By, TS(sh.At), cid)
		}
		if err != nil {
			return err
		}
		if err := s.TouchChild(ctx, tx, cid); err != nil {
			return err
		}
		if sh == nil {
			return nil
		}
		// Everyone who may hold a copy purges it; those still in scope then
		// receive the redacted record.
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT user_id FROM scope_log WHERE child_id = ?`, cid)
		if err != nil {
			return err
		}
		var users []int64
		for rows.Next() {
			var u int64
			if err := rows.Scan(&u); err != nil {
				rows.Close()
				return err
			}
			users = append(users, u)
		}
		rows.Close()
		for _, u := range users {
			if err := s.LogScope(ctx, tx, u, cid, signpost.RemovedShielded); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		s.Broadcast()
	}
	return s.Wrap("shielding a child", err)
}

// AddLookup puts a child in a user's scope until expires.
func (s *Core) AddLookup(ctx context.Context, userID int64, signpostID string, expires time.Time) error {
	err := s.Write(ctx, func(tx *sql.Tx) error {
		cid, err := ChildRowID(ctx, tx, signpostID)
		if err != nil {
			return err
		}
		return s.addLookup(ctx, tx, userID, cid, expires)
	})
	if err == nil {
		s.Broadcast()
	}
	return s.Wrap("recording a look-up", err)
}

func (s *Core) addLookup(ctx context.Context, tx *sql.Tx, userID, cid int64, expires time.Time) error {
	in, err := s.InScope(ctx, tx, userID, cid, time.Now())
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO lookups (user_id, child_id, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id, child_id) DO UPDATE SET expires_at = excluded.expires_at`, userID, cid, TS(expires)); err != nil {
		return err
	}
	if in {
		return nil
	}
	return s.LogScope(ctx, tx, userID, cid, ScopeEnter)
}

// RecordView records a look-up and, off the caseload, the day's count, in
// one transaction, refusing a child past the day's cap.
func (s *Core) RecordView(ctx context.Context, v directory.ViewRecord) (int, error) {
	var n int
	err := s.Write(ctx, func(tx *sql.Tx) error {
		cid, err := ChildRowID(ctx, tx, v.ChildID)
		if err != nil {
			return err
		}
		if v.OffCaseload {
			var counted int
			if err := tx.QueryRowContext(ctx, `SELECT `+s.Bool(`EXISTS (SELECT 1 FROM daily_views WHERE user_id = ? AND day = ? AND child_id = ?)`),
				v.UserID, v.Day, cid).Scan(&counted); err != nil {
				return err
			}
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM daily_views WHERE user_id = ? AND day = ?`, v.UserID, v.Day).Scan(&n); err != nil {
				return err
			}
			if counted == 0 {
				if v.Max > 0 && n >= v.Max {
					return &signpost.Error{Kind: signpost.KindRateLimited, Message: fmt.Sprintf(
						"you have opened %d records of children not on your caseload today, the most the policy allows; your management team has been told, and can raise the limit", n)}
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO daily_views (user_id, day, child_id) VALUES (?, ?, ?)`, v.UserID, v.Day, cid); err != nil {
					return err
				}
				n++
			}
		}
		return s.addLookup(ctx, tx, v.UserID, cid, v.Expires)
	})
	if err == nil {
		s.Broadcast()
	}
	return n, s.Wrap("recording a look-up", err)
}

// AccessCount returns a user's count of action on day.
func (s *Core) AccessCount(ctx context.Context, userID int64, day, action string) (int, error) {
	var n int
	err := s.AR.QueryRowContext(s.Calm(ctx), `SELECT COALESCE((SELECT n FROM access_counts WHERE user_id = ? AND day = ? AND action = ?), 0)`,
		userID, day, action).Scan(&n)
	return n, s.Wrap("reading the audit", err)
}

// SaveAccessCounts stores counts of the day, keeping the higher of a count
// stored and the one given.
func (s *Core) SaveAccessCounts(ctx context.Context, cs []directory.AccessCount) error {
	if len(cs) == 0 {
		return nil
	}
	// Counts only rise, whoever writes first: no need of the write lock.
	return s.Wrap("saving the day's counts", s.AuditTx(s.Calm(ctx), func(tx *sql.Tx) error {
		for _, c := range cs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO access_counts (user_id, day, action, n) VALUES (?, ?, ?, ?)
				ON CONFLICT (user_id, day, action) DO UPDATE SET n = `+s.Greatest(`access_counts.n`, `excluded.n`), c.UserID, c.Day, c.Action, c.N); err != nil {
				return err
			}
		}
		return nil
	}))
}

// AuditForChild returns every event about a child or that returned it.
func (s *Core) AuditForChild(ctx context.Context, signpostID string) ([]directory.AuditEvent, error) {
	id := signpost.NormaliseSignpostID(signpostID)
	rows, err := s.AR.QueryContext(ctx, `SELECT id, at, user_id, username, device_id, action, child_id, reason, params, results, flags, claimed_at FROM audit
		WHERE id IN (SELECT audit_id FROM audit_children WHERE child_id = ?) ORDER BY id`, id)
	if err != nil {
		return nil, s.Wrap("reading the audit", err)
	}
	defer rows.Close()
	var out []directory.AuditEvent
	for rows.Next() {
		var ev directory.AuditEvent
		var at, results, claimed string
		if err := rows.Scan(&ev.ID, &at, &ev.UserID, &ev.Username, &ev.DeviceID, &ev.Action, &ev.ChildID, &ev.Reason, &ev.Params, &results, &ev.Flags, &claimed); err != nil {
			return nil, s.Wrap("reading the audit", err)
		}
		ev.At = ParseTS(at)
		if claimed != "" {
			ev.ClaimedAt = ParseTS(claimed)
		}
		if results != "" {
			_ = json.Unmarshal([]byte(results), &ev.Results)
		}
		out = append(out, ev)
	}
	return out, s.Wrap("reading the audit", rows.Err())
}
