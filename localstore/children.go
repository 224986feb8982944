package localstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"signpost"
)

// errNotCached is the error for a child that is not in the cache.
func errNotCached(id string) error {
	return &signpost.Error{Kind: signpost.KindNotFound, Message: fmt.Sprintf("child %s is not on this laptop; search online to find them", id)}
}

// visibleSQL hides signposting results past their expiry until they are purged.
const visibleSQL = `(on_caseload = 1 OR dirty = 1 OR expires_at IS NULL OR expires_at > ?)`

// cachedChild is a children row as the code uses it.
type cachedChild struct {
	view       *signpost.Child
	server     string // the directory's copy, as JSON
	expiresAt  string // "" for none
	onCaseload bool
}

// loadChild reads a child's row; it returns nil if the child is not cached.
func loadChild(ctx context.Context, tx *sql.Tx, id string) (*cachedChild, error) {
	var body string
	var exp sql.NullString
	var cc cachedChild
	err := tx.QueryRowContext(ctx, `SELECT body, server_body, expires_at, on_caseload FROM children WHERE signpost_id = ?`, id).
		Scan(&body, &cc.server, &exp, &cc.onCaseload)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	cc.expiresAt = exp.String
	if cc.view, err = decodeChild(body); err != nil {
		return nil, err
	}
	return &cc, nil
}

func decodeChild(s string) (*signpost.Child, error) {
	var c signpost.Child
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return nil, fmt.Errorf("decoding a cached child: %w", err)
	}
	if c.Involvements == nil {
		c.Involvements = []signpost.Involvement{}
	}
	return &c, nil
}

// activeInvolvement returns the index of the signed-in user's active
// involvement in c (the directory marks it Mine), or -1.
func activeInvolvement(c *signpost.Child, username string) int {
	if username == "" {
		return -1
	}
	for i, inv := range c.Involvements {
		if inv.Mine && inv.Active() {
			return i
		}
	}
	return -1
}

// putChild writes a child's row: view is what the app shows, server the
// directory's copy. A child off the caseload gets an expiry if it has none;
// one on the caseload has none.
func putChild(ctx context.Context, tx *sql.Tx, view *signpost.Child, server string, dirty bool, expiresAt string, username string, now time.Time, retention time.Duration) error {
	body, err := json.Marshal(view)
	if err != nil {
		return err
	}
	i := activeInvolvement(view, username)
	onCaseload, caf, lead := i >= 0, false, false
	if onCaseload {
		caf, lead = view.Involvements[i].CAF, view.Involvements[i].LeadProfessional
		expiresAt = ""
	} else if expiresAt == "" {
		expiresAt = ts(now.Add(retention))
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO children (signpost_id, given_name, family_name, given_norm, family_norm, dob, gender, postcode,
			nhs_number, upn, shielded, on_caseload, caf, lead, dirty, body, server_body, expires_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (signpost_id) DO UPDATE SET given_name = excluded.given_name, family_name = excluded.family_name,
			given_norm = excluded.given_norm, family_norm = excluded.family_norm, dob = excluded.dob, gender = excluded.gender,
			postcode = excluded.postcode, nhs_number = excluded.nhs_number, upn = excluded.upn, shielded = excluded.shielded,
			on_caseload = excluded.on_caseload, caf = excluded.caf, lead = excluded.lead, dirty = excluded.dirty,
			body = excluded.body, server_body = excluded.server_body, expires_at = excluded.expires_at, updated_at = excluded.updated_at`,
		view.SignpostID, view.GivenName, view.FamilyName, signpost.NormaliseName(view.GivenName), signpost.NormaliseName(view.FamilyName),
		view.DateOfBirth, strings.ToLower(view.Gender), signpost.NormalisePostcode(view.Postcode),
		signpost.NormaliseNHSNumber(view.NHSNumber), signpost.NormaliseUPN(view.UPN), b2i(view.Shielded),
		b2i(onCaseload), b2i(caf), b2i(lead), b2i(dirty), string(body), server, sql.NullString{String: expiresAt, Valid: expiresAt != ""},
		ts(now))
	return err
}

// unconfirmed returns the changes to child id that the directory has not yet
// confirmed, in outbox order.
func unconfirmed(ctx context.Context, tx *sql.Tx, id string) ([]signpost.Mutation, error) {
	rows, err := tx.QueryContext(ctx, `SELECT body FROM outbox WHERE child_id = ? AND state IN ('pending', 'in_flight') AND kind <> ? ORDER BY seq`, id, signpost.MutView)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ms []signpost.Mutation
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		var m signpost.Mutation
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			return nil, fmt.Errorf("decoding a queued change: %w", err)
		}
		ms = append(ms, m)
	}
	return ms, rows.Err()
}

// env is what the (ctx, tx) helpers need to know about the cache.
type env struct {
	user   signpost.User
	policy signpost.Policy
	now    time.Time
}

func (e env) retention() time.Duration {
	return time.Duration(e.policy.LookupRetentionDays) * 24 * time.Hour
}

func loadEnv(ctx context.Context, tx *sql.Tx, now time.Time) (env, error) {
	u, err := loadUser(ctx, tx)
	if err != nil {
		return env{}, err
	}
	p, err := loadPolicy(ctx, tx)
	return env{user: u, policy: p, now: now.UTC()}, err
}

// putServerCopy stores the directory's copy of c and rebuilds the shown copy on
// it. lookupUntil, when set, extends the child's expiry as a signposting result.
//
// A copy older than the one held, or than the child's last removal (by the
// directory's change numbers), is stale and is not stored: a record fetched
// unshielded just before a shielding must not overwrite the shielded copy a
// pull brought meanwhile, nor come back after the pull purged it.
func putServerCopy(ctx context.Context, tx *sql.Tx, e env, c *signpost.Child, lookupUntil string) error {
	sent := *c
	sent.SignpostID = signpost.NormaliseSignpostID(sent.SignpostID)
	if sent.Involvements == nil {
		sent.Involvements = []signpost.Involvement{}
	}
	server, err := json.Marshal(&sent)
	if err != nil {
		return err
	}
	exp := ""
	old, err := loadChild(ctx, tx, sent.SignpostID)
	if err != nil {
		return err
	}
	if sent.Seq > 0 {
		var removedAt int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE((SELECT seq FROM removed WHERE signpost_id = ?), 0)`, sent.SignpostID).Scan(&removedAt); err != nil {
			return err
		}
		if sent.Seq < removedAt {
			return nil
		}
		if old != nil {
			held, err := decodeChild(old.server)
			if err != nil {
				return err
			}
			if sent.Seq < held.Seq {
				return nil
			}
		}
		if removedAt > 0 {
			if _, err := tx.ExecContext(ctx, `DELETE FROM removed WHERE signpost_id = ?`, sent.SignpostID); err != nil {
				return err
			}
		}
	}
	if old != nil {
		exp = old.expiresAt
	}
	if lookupUntil > exp {
		exp = lookupUntil
	}
	return rebuildFrom(ctx, tx, e, string(server), exp)
}

// rebuild rebuilds the shown copy of child id from its directory copy and its
// unconfirmed changes. A child that is not cached is left alone.
func rebuild(ctx context.Context, tx *sql.Tx, e env, id string) error {
	old, err := loadChild(ctx, tx, id)
	if err != nil || old == nil {
		return err
	}
	return rebuildFrom(ctx, tx, e, old.server, old.expiresAt)
}

func rebuildFrom(ctx context.Context, tx *sql.Tx, e env, server, expiresAt string) error {
	view, err := decodeChild(server)
	if err != nil {
		return err
	}
	ms, err := unconfirmed(ctx, tx, view.SignpostID)
	if err != nil {
		return err
	}
	for i := range ms {
		applyChange(view, &ms[i], e.user)
	}
	return putChild(ctx, tx, view, server, len(ms) > 0, expiresAt, e.user.Username, e.now, e.retention())
}

// rebuildAll rebuilds every cached child (after the user is first set).
func rebuildAll(ctx context.Context, tx *sql.Tx, now time.Time) error {
	e, err := loadEnv(ctx, tx, now)
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT signpost_id FROM children`)
	if err != nil {
		return err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if err := rebuild(ctx, tx, e, id); err != nil {
			return err
		}
	}
	return nil
}

// changeDay is the date a change takes effect: its On date, else the day it was made.
func changeDay(m *signpost.Mutation) string {
	if m.On != "" {
		return m.On
	}
	return m.At.UTC().Format(signpost.DateLayout)
}

// pendingInvolvementID is the id an involvement started offline carries until
// the directory gives it a real one.
func pendingInvolvementID(mutationID string) string { return "pending:" + mutationID }

// applyChange applies an involvement change to c as the directory would.
func applyChange(c *signpost.Child, m *signpost.Mutation, u signpost.User) {
	i := activeInvolvement(c, u.Username)
	switch m.Kind {
	case signpost.MutStartInvolvement:
		if i >= 0 || u.Username == "" {
			return
		}
		name := u.DisplayName
		if name == "" {
			name = u.Username
		}
		role := m.Role
		if role == "" {
			role = u.JobTitle
		}
		c.Involvements = append(c.Involvements, signpost.Involvement{ID: pendingInvolvementID(m.ID), Practitioner: name, Mine: true,
			Organisation: u.Organisation, Role: role, Phone: u.Phone, Email: u.Email, StartedOn: changeDay(m)})
	case signpost.MutEndInvolvement:
		if i >= 0 {
			c.Involvements[i].EndedOn = changeDay(m)
			c.Involvements[i].LeadProfessional = false
		}
	case signpost.MutSetCAF:
		if i >= 0 {
			c.Involvements[i].CAF = m.Value
		}
	case signpost.MutSetLead:
		if i < 0 {
			return
		}
		if m.Value {
			for j := range c.Involvements {
				c.Involvements[j].LeadProfessional = false
			}
		}
		c.Involvements[i].LeadProfessional = m.Value
	case signpost.MutHandOverLead:
		if i < 0 || !c.Involvements[i].LeadProfessional {
			return
		}
		for j := range c.Involvements {
			c.Involvements[j].LeadProfessional = c.Involvements[j].ID == m.To && c.Involvements[j].Active()
		}
	}
}

// checkChange says why an involvement change cannot be made to c, or nil. A
// start or end date is judged as the directory will judge it: not in the
// future, not before the child was born, not before the involvement started.
func checkChange(c *signpost.Child, m *signpost.Mutation, username string, now time.Time) error {
	i := activeInvolvement(c, username)
	switch {
	case m.Kind == signpost.MutStartInvolvement && i >= 0:
		return &signpost.Error{Kind: signpost.KindConflict, Message: "you are already working with this child"}
	case m.Kind != signpost.MutStartInvolvement && i < 0:
		return &signpost.Error{Kind: signpost.KindConflict, Message: "you have no current involvement with this child"}
	}
	if m.Kind == signpost.MutHandOverLead {
		if !c.Involvements[i].LeadProfessional {
			return &signpost.Error{Kind: signpost.KindConflict, Message: "only the lead professional can hand the role over"}
		}
		for _, in := range c.Involvements {
			if in.ID == m.To && in.Active() && !in.Mine {
				return nil
			}
		}
		return signpost.FieldError("to", "the practitioner to hand over to is not working with this child now")
	}
	switch {
	case m.On == "":
	case m.Kind == signpost.MutStartInvolvement:
		return signpost.CheckStartDate("on", m.On, c.DateOfBirth, now)
	case m.Kind == signpost.MutEndInvolvement:
		return signpost.CheckEndDate("on", m.On, c.Involvements[i].StartedOn, now)
	}
	return nil
}

// ApplyPull applies one page of a pull in one transaction: removals first
// (the cached copy is deleted completely: a child who has been shielded loses
// its unshielded copy here, even if changes to it are unsent — those stay in
// the outbox for the directory to judge), then changes (stored as sent, with
// unconfirmed changes replayed on top), then the cursor, a policy directive and
// the time of contact. After the commit a lock directive locks the cache
// (returning kind locked) and a wipe directive wipes it (returning kind wiped,
// with the report in the error).
func (s *Store) ApplyPull(ctx context.Context, resp *signpost.PullResponse) error {
	if resp == nil {
		return signpost.FieldError("pull", "the directory's answer is empty")
	}
	for i := range resp.Changes {
		if !signpost.ValidSignpostID(resp.Changes[i].SignpostID) {
			return signpost.FieldError("changes", "the directory sent a child without a valid Signpost ID")
		}
	}
	var policy *signpost.Policy
	var wipe, lock bool
	for _, d := range resp.Directives {
		switch d.Kind {
		case signpost.DirectivePolicy:
			if d.Policy != nil {
				p := normalisePolicy(*d.Policy)
				policy = &p
			}
		case signpost.DirectiveWipe:
			wipe = true
		case signpost.DirectiveLock:
			lock = true
		}
	}
	now := s.now().UTC()
	var c contact
	if !resp.ServerTime.IsZero() {
		c = newContact(resp.ServerTime, now)
	}
	err := s.writeKF(ctx, "saving changes from the directory", func(tx *sql.Tx) error {
		e, err := loadEnv(ctx, tx, now)
		if err != nil {
			return err
		}
		if policy != nil {
			e.policy = *policy
			if err := setMetaJSON(ctx, tx, metaPolicy, *policy); err != nil {
				return err
			}
		}
		for _, r := range resp.Removals {
			id := signpost.NormaliseSignpostID(r.SignpostID)
			if _, err := tx.ExecContext(ctx, `DELETE FROM children WHERE signpost_id = ?`, id); err != nil {
				return err
			}
			if r.Seq > 0 {
				if _, err := tx.ExecContext(ctx, `INSERT INTO removed (signpost_id, seq) VALUES (?, ?)
					ON CONFLICT (signpost_id) DO UPDATE SET seq = max(seq, excluded.seq)`, id, r.Seq); err != nil {
					return err
				}
			}
		}
		for i := range resp.Changes {
			if err := putServerCopy(ctx, tx, e, &resp.Changes[i], ""); err != nil {
				return err
			}
		}
		if err := storeNotifications(ctx, tx, resp.Notifications); err != nil { // issue 16
			return err
		}
		if !resp.More { // the records of the children met offline are here now
			if _, err := tx.ExecContext(ctx, `UPDATE met_outcomes SET pulled = 1 WHERE pulled = 0`); err != nil {
				return err
			}
		}
		if resp.Cursor != "" {
			if err := setMeta(ctx, tx, metaCursor, resp.Cursor); err != nil {
				return err
			}
		}
		if !c.Local.IsZero() {
			return setContact(ctx, tx, c)
		}
		return nil
	}, func(k *keyFile) {
		if policy != nil {
			k.Policy = lockPolicyOf(*policy)
		}
		if !c.Local.IsZero() {
			k.Contact = c
		}
	})
	if err != nil {
		return err
	}
	switch {
	case wipe:
		rep, err := s.Wipe(ctx)
		if err != nil {
			return err
		}
		return wipedError(rep)
	case lock:
		if err := s.Lock(); err != nil {
			return err
		}
		return &signpost.Error{Kind: signpost.KindLocked, Message: "the directory has locked this device: unlock it with your passphrase"}
	}
	return nil
}

// SaveLookup stores a child found by an online signposting search, to be
// kept for the policy's LookupRetentionDays and then purged (unless by then
// the child is on the caseload or has unsent changes). It is stored as the
// directory sent it, redacted or not.
func (s *Store) SaveLookup(ctx context.Context, c *signpost.Child) error {
	if c == nil || !signpost.ValidSignpostID(c.SignpostID) {
		return signpost.FieldError("signpost_id", "the child has no valid Signpost ID")
	}
	now := s.now().UTC()
	return s.write(ctx, "saving a signposting result", func(tx *sql.Tx) error {
		e, err := loadEnv(ctx, tx, now)
		if err != nil {
			return err
		}
		return putServerCopy(ctx, tx, e, c, ts(now.Add(e.retention())))
	})
}

// PurgeExpired deletes signposting results past their expiry (children not on
// the caseload and without unsent changes) and returns how many. Unlock calls
// it too.
func (s *Store) PurgeExpired(ctx context.Context) (int, error) {
	var n int
	now := s.now()
	err := s.write(ctx, "purging old signposting results", func(tx *sql.Tx) error {
		var err error
		n, err = purgeExpired(ctx, tx, now)
		return err
	})
	return n, err
}

func purgeExpired(ctx context.Context, tx *sql.Tx, now time.Time) (int, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM children WHERE on_caseload = 0 AND dirty = 0 AND expires_at IS NOT NULL AND expires_at <= ?`, ts(now))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// CaseSummary is one line of the caseload with its badges.
type CaseSummary struct {
	SignpostID       string
	GivenName        string
	FamilyName       string
	DateOfBirth      string
	Shielded         bool
	LeadProfessional bool // the practitioner is the child's lead professional
	CAF              bool // the practitioner holds a CAF/early-help assessment
	PendingChange    bool // a change to the child has not reached the directory
	RefusedChange    bool // the directory refused a change to the child, kept until retried or dismissed

	// Provisional rows are children met in the field, from the outbox: no
	// Signpost ID until the directory has matched them (MatchedTo, then the
	// row waits for the pull to bring the record, which replaces it).
	Provisional bool
	ChangeID    string // the met-child change (provisional rows)
	Role        string // the role she recorded (provisional rows)
	Refused     string // the directory's reason, when it refused the change
	MatchedTo   string // the child the directory matched, awaiting the pull
}

// Caseload lists the children with an active involvement of the signed-in
// practitioner, by family then given name, with the children she met in the
// field that are not on this laptop yet as provisional rows (waiting to sync,
// refused, or matched and waiting for the pull). A non-empty filter keeps
// those whose name or Signpost ID contains it, ignoring case, accents and
// spaces.
func (s *Store) Caseload(ctx context.Context, filter string) ([]CaseSummary, error) {
	nameF := signpost.NormaliseName(filter)
	idF := signpost.NormaliseSignpostID(filter)
	var out []CaseSummary
	err := s.read(ctx, "reading your caseload", func(tx *sql.Tx) error {
		cases, err := caseloadRows(ctx, tx, nameF, idF)
		if err != nil {
			return err
		}
		met, err := provisionalRows(ctx, tx, nameF, idF)
		out = append(cases, met...)
		return err
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if fa, fb := signpost.NormaliseName(a.FamilyName), signpost.NormaliseName(b.FamilyName); fa != fb {
			return fa < fb
		}
		return signpost.NormaliseName(a.GivenName) < signpost.NormaliseName(b.GivenName)
	})
	return out, nil
}

func caseloadRows(ctx context.Context, tx *sql.Tx, nameF, idF string) ([]CaseSummary, error) {
	q := `SELECT signpost_id, given_name, family_name, dob, shielded, lead, caf, dirty,
		EXISTS (SELECT 1 FROM outbox WHERE outbox.child_id = children.signpost_id AND outbox.state = 'rejected')
		FROM children WHERE on_caseload = 1`
	var args []any
	if nameF != "" || idF != "" {
		q += ` AND ((?1 <> '' AND (instr(given_norm || family_norm, ?1) > 0 OR instr(family_norm || given_norm, ?1) > 0))
			OR (?2 <> '' AND instr(signpost_id, ?2) > 0))`
		args = append(args, nameF, idF)
	}
	rows, err := tx.QueryContext(ctx, q+` ORDER BY family_norm, given_norm, signpost_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []CaseSummary{}
	for rows.Next() {
		var c CaseSummary
		if err := rows.Scan(&c.SignpostID, &c.GivenName, &c.FamilyName, &c.DateOfBirth, &c.Shielded, &c.LeadProfessional, &c.CAF, &c.PendingChange, &c.RefusedChange); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// provisionalRows lists the children met in the field that are not on the
// caseload yet: changes waiting, being sent or refused, and those the
// directory matched whose record has not come yet (no pull has completed
// since the answer: one that did not bring her, because she was shielded
// meanwhile, say, ends the row too; the Changes tab still says whom).
func provisionalRows(ctx context.Context, tx *sql.Tx, nameF, idF string) ([]CaseSummary, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, body, state, reason, '' FROM outbox WHERE kind = ?
		UNION ALL
		SELECT m.id, m.body, ?, '', m.child_id FROM met_outcomes m
			WHERE m.pulled = 0 AND NOT EXISTS (SELECT 1 FROM children c WHERE c.signpost_id = m.child_id AND c.on_caseload = 1)`,
		signpost.MutMetChild, StateSent)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []CaseSummary{}
	for rows.Next() {
		var c CaseSummary
		var body, state, reason string
		if err := rows.Scan(&c.ChangeID, &body, &state, &reason, &c.MatchedTo); err != nil {
			return nil, err
		}
		m, err := decodeChange(body)
		if err != nil {
			return nil, err
		}
		if m.Identity == nil {
			continue
		}
		c.Provisional, c.Role = true, m.Role
		c.GivenName, c.FamilyName, c.DateOfBirth = m.Identity.GivenName, m.Identity.FamilyName, m.Identity.DateOfBirth
		c.PendingChange = state == StatePending || state == StateInFlight
		if state == StateRejected {
			c.Refused = reason
		}
		if provisionalMatches(c, nameF, idF) {
			out = append(out, c)
		}
	}
	return out, rows.Err()
}

// provisionalMatches applies the caseload filter to a provisional row: by
// name, or by the Signpost ID it was matched to.
func provisionalMatches(c CaseSummary, nameF, idF string) bool {
	if nameF == "" && idF == "" {
		return true
	}
	given, family := signpost.NormaliseName(c.GivenName), signpost.NormaliseName(c.FamilyName)
	if nameF != "" && (strings.Contains(given+family, nameF) || strings.Contains(family+given, nameF)) {
		return true
	}
	return idF != "" && c.MatchedTo != "" && strings.Contains(c.MatchedTo, idF)
}

// Child returns the cached record of child id as the app shows it (with
// unconfirmed changes), without recording a view. Showing a record to a
// person goes through ViewChild, which audits it.
func (s *Store) Child(ctx context.Context, id string) (*signpost.Child, error) {
	if !signpost.ValidSignpostID(id) {
		return nil, signpost.FieldError("id", "that is not a valid Signpost ID (SP, eight digits and a check digit)")
	}
	id = signpost.NormaliseSignpostID(id)
	var c *signpost.Child
	now := s.now()
	err := s.read(ctx, "reading a child's record", func(tx *sql.Tx) error {
		cc, err := loadVisible(ctx, tx, id, now)
		if err != nil {
			return err
		}
		c = cc.view
		return nil
	})
	return c, err
}

func loadVisible(ctx context.Context, tx *sql.Tx, id string, now time.Time) (*cachedChild, error) {
	var visible bool
	err := tx.QueryRowContext(ctx, `SELECT `+visibleSQL+` FROM children WHERE signpost_id = ?`, ts(now), id).Scan(&visible)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !visible) {
		return nil, errNotCached(id)
	}
	if err != nil {
		return nil, err
	}
	cc, err := loadChild(ctx, tx, id)
	if err == nil && cc == nil {
		return nil, errNotCached(id)
	}
	return cc, err
}

// candidateSQL is the condition that finds the cached children plan may match.
func candidateSQL(plan signpost.SearchPlan) (string, []any) {
	switch {
	case plan.SignpostID != "":
		return `signpost_id = ?`, []any{plan.SignpostID}
	case plan.NHSNumber != "":
		return `nhs_number = ?`, []any{plan.NHSNumber}
	case plan.UPN != "":
		return `upn = ?`, []any{plan.UPN}
	case len(plan.DatesOfBirth) > 0:
		args := make([]any, len(plan.DatesOfBirth))
		for i, d := range plan.DatesOfBirth {
			args[i] = d
		}
		return `dob IN (?` + strings.Repeat(`, ?`, len(args)-1) + `)`, args
	}
	return `postcode = ?`, []any{plan.Postcode}
}

// SearchCache searches the cached children offline with the directory's
// rules and ranking (signpost.PlanSearch and signpost.Rank). More than
// signpost.MaxMatches matches fail with kind too_many ("add detail"), as the
// directory answers.
func (s *Store) SearchCache(ctx context.Context, req signpost.SearchRequest) ([]signpost.Match, error) {
	now := s.now()
	plan, err := signpost.PlanSearch(req, now)
	if err != nil {
		return nil, err
	}
	where, args := candidateSQL(plan)
	var cands []signpost.Candidate
	err = s.read(ctx, "searching this laptop's Signpost data", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT signpost_id, given_name, family_name, given_norm, family_norm, dob, gender, postcode, shielded
			FROM children WHERE `+where+` AND `+visibleSQL, append(args, ts(now))...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c signpost.Candidate
			if err := rows.Scan(&c.SignpostID, &c.Given, &c.Family, &c.GivenName, &c.FamilyName, &c.DateOfBirth, &c.Gender, &c.Postcode, &c.Shielded); err != nil {
				return err
			}
			cands = append(cands, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	out, tooMany := signpost.Rank(plan, cands, signpost.MaxMatches)
	if tooMany {
		return nil, &signpost.Error{Kind: signpost.KindTooMany, Message: "too many matches, add detail"}
	}
	if out == nil {
		out = []signpost.Match{}
	}
	return out, nil
}
