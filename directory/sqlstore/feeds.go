package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	gosync "sync"
	"time"

	"signpost"
	"signpost/directory"
	"signpost/directory/match"
)

// ScanIdentities calls fn for every child neither archived nor merged. The
// table is read in row-id ranges by two readers at once (as the embedded
// store reads it), and fn is called from one goroutine.
func (s *Core) ScanIdentities(ctx context.Context, fn func(match.Identity) error) error {
	auths, err := s.AuthorityNames(ctx)
	if err != nil {
		return s.Wrap("reading authorities", err)
	}
	var maxID int64
	if err := s.R.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM children`).Scan(&maxID); err != nil {
		return s.Wrap("reading children", err)
	}
	const span = 50000
	type part struct {
		ids []match.Identity
		err error
	}
	// Parts are handed out in order and their results delivered in order,
	// so the index is built the same way every time.
	n := int((maxID + span - 1) / span)
	results := make([]chan part, n)
	for i := range results {
		results[i] = make(chan part, 1)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next int
	var mu gosync.Mutex
	var wg gosync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n || ctx.Err() != nil {
					return
				}
				ids, err := s.scanRange(ctx, int64(i)*span+1, int64(i+1)*span, auths)
				results[i] <- part{ids, err}
			}
		}()
	}
	defer wg.Wait()
	for i := 0; i < n; i++ {
		var p part
		select {
		case p = <-results[i]:
		case <-ctx.Done():
			return s.Wrap("reading children", ctx.Err())
		}
		if p.err != nil {
			return s.Wrap("reading children", p.err)
		}
		for _, id := range p.ids {
			if err := fn(id); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Core) AuthorityNames(ctx context.Context) (map[int64]string, error) {
	rows, err := s.R.QueryContext(ctx, `SELECT id, name FROM authorities`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[int64]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		m[id] = name
	}
	return m, rows.Err()
}

func (s *Core) scanRange(ctx context.Context, lo, hi int64, auths map[int64]string) ([]match.Identity, error) {
	rows, err := s.Query(ctx, `SELECT signpost_id, given_name, family_name, dob, gender, postcode, COALESCE(nhs_number, ''), COALESCE(upn, ''),
		COALESCE(authority_id, 0), shielded, status FROM children WHERE id BETWEEN ? AND ? AND status != 'archived' AND merged_into = ''`, lo, hi)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]match.Identity, 0, hi-lo+1)
	var sid, status string
	var auth int64
	for rows.Next() {
		var id match.Identity
		if err := rows.Scan(&sid, &id.GivenName, &id.FamilyName, &id.DateOfBirth, &id.Gender, &id.Postcode, &id.NHSNumber, &id.UPN, &auth, &id.Shielded, &status); err != nil {
			return nil, err
		}
		id.Serial = SerialOf(sid)
		id.Authority = auths[auth]
		id.Deceased = status == signpost.StatusDeceased
		out = append(out, id)
	}
	return out, rows.Err()
}

// SerialOf returns the serial of a Signpost ID ("SP" + eight digits + check).
func SerialOf(id string) int {
	if len(id) != 11 {
		return 0
	}
	n, _ := strconv.Atoi(id[2:10])
	return n
}

// AllocateSerials reserves n serials no child has had and returns the first.
func (s *Core) AllocateSerials(ctx context.Context, n int) (int, error) {
	if n < 1 {
		return 0, signpost.FieldError("n", "allocate at least one serial")
	}
	var first int
	err := s.Write(ctx, func(tx *sql.Tx) error {
		var counter int
		if err := tx.QueryRowContext(ctx, `SELECT value FROM counters WHERE name = 'serial'`).Scan(&counter); err != nil {
			return err
		}
		first = counter + 1
		if !s.IDs().Keyed() {
			// IDs issued in order: children stored with IDs of their own
			// (tests) count too.
			var top sql.NullString
			if err := tx.QueryRowContext(ctx, `SELECT MAX(signpost_id) FROM children`).Scan(&top); err != nil {
				return err
			}
			first = max(counter, SerialOf(top.String)) + 1
		}
		if first+n-1 >= 100_000_000 {
			return &signpost.Error{Kind: signpost.KindConflict, Message: "the Signpost ID space (eight digits) is used up"}
		}
		_, err := tx.ExecContext(ctx, `UPDATE counters SET value = ? WHERE name = 'serial'`, first+n-1)
		return err
	})
	return first, s.Wrap("reserving Signpost IDs", err)
}

// ReleaseSerials gives back the unused end [from, to) of the last
// allocation, if it is still the last.
func (s *Core) ReleaseSerials(ctx context.Context, from, to int) error {
	if from >= to {
		return nil
	}
	return s.Wrap("releasing Signpost IDs", s.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE counters SET value = ? WHERE name = 'serial' AND value = ?`, from-1, to-1)
		return err
	}))
}

// ApplyFeed applies import decisions in one transaction.
func (s *Core) ApplyFeed(ctx context.Context, b *directory.FeedBatch) (*directory.FeedResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, s.Wrap("applying a feed", err)
	}
	ctx = s.Calm(ctx)
	res := &directory.FeedResult{}
	changed := false
	at := b.At
	if at.IsZero() {
		at = time.Now()
	}
	err := s.Write(ctx, func(tx *sql.Tx) error {
		*res = directory.FeedResult{}
		auths, err := authorityIDs(ctx, tx)
		if err != nil {
			return err
		}
		if len(b.Creates) > 0 {
			if err := s.InsertCreates(ctx, tx, b.Creates, auths); err != nil {
				return err
			}
			res.Created = len(b.Creates)
		}
		if len(b.Updates) > 0 {
			if err := s.updateChildren(ctx, tx, b.Updates, auths, res, at); err != nil {
				return err
			}
		}
		for _, m := range b.Merges {
			merged, held, err := s.MergeTx(ctx, tx, m, at)
			if err != nil {
				return err
			}
			if merged {
				res.Merged++
			}
			if held {
				res.Held++
			}
		}
		if len(b.Reviews) > 0 {
			if err := s.insertReviews(ctx, tx, b.Reviews, auths, at, res); err != nil {
				return err
			}
		}
		if r := b.Resolve; r != nil {
			x, err := tx.ExecContext(ctx, `UPDATE reviews SET status = ?, resolved_child = ?, resolved_by = ?, resolved_at = ? WHERE id = ? AND status = 'open'`,
				r.Status, r.Child, r.By, TS(r.At), r.ID)
			if err != nil {
				return err
			}
			if n, _ := x.RowsAffected(); n == 0 {
				return &signpost.Error{Kind: signpost.KindConflict, Message: "review item " + strconv.FormatInt(r.ID, 10) + " is not open: it was resolved already, or does not exist"}
			}
		}
		changed = res.Created+res.Updated+res.Merged > 0
		return nil
	})
	if err != nil {
		return nil, s.Wrap("applying a feed", err)
	}
	if changed {
		s.Broadcast()
	}
	return res, nil
}

// authorityIDs maps both ONS codes and names of authorities to their ids.
func authorityIDs(ctx context.Context, tx *sql.Tx) (map[string]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, code, name FROM authorities`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]int64{}
	for rows.Next() {
		var id int64
		var code, name string
		if err := rows.Scan(&id, &code, &name); err != nil {
			return nil, err
		}
		m[code], m[name] = id, id
	}
	return m, rows.Err()
}

func authorityArg(auths map[string]int64, v string) any {
	if id, ok := auths[v]; ok && v != "" {
		return id
	}
	return nil
}

const insertChildSQL = `INSERT INTO children (signpost_id, given_name, family_name, given_norm, family_norm, dob, gender, address, postcode,
	authority_id, nhs_number, upn, status, date_of_death, school_code, school_name, school_phone, school_started, gp_code, gp_name, gp_phone, gp_started, seq)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// ChildRow is a new child's values in insertChildSQL's order (the
// PostgreSQL store's COPY writes the same row).
func ChildRow(c *directory.NewChild, auths map[string]int64, seq int64) ([]any, error) {
	if !signpost.ValidSignpostID(c.SignpostID) {
		return nil, signpost.FieldError("signpost_id", "a child needs a valid Signpost ID")
	}
	status := signpost.StatusActive
	if c.DateOfDeath != "" {
		status = signpost.StatusDeceased
	}
	var sc, gp signpost.Setting
	if c.School != nil {
		sc = *c.School
	}
	if c.GP != nil {
		gp = *c.GP
	}
	auth := authorityArg(auths, c.AuthorityCode)
	if auth == nil {
		auth = authorityArg(auths, c.Authority)
	}
	return []any{c.SignpostID, c.GivenName, c.FamilyName, signpost.NormaliseName(c.GivenName), signpost.NormaliseName(c.FamilyName),
		c.DateOfBirth, c.Gender, c.Address, c.Postcode, auth, Nullable(c.NHSNumber), Nullable(c.UPN), status, c.DateOfDeath,
		sc.Code, sc.Name, sc.Phone, sc.StartedOn, gp.Code, gp.Name, gp.Phone, gp.StartedOn, seq}, nil
}

// InsertChildren stores a feed's new children under one change number, a
// prepared insert each (the stores' Core.InsertCreates unless a store has
// a faster way).
func (d Dialect) InsertChildren(ctx context.Context, tx *sql.Tx, cs []directory.NewChild, auths map[string]int64) error {
	ins, err := tx.PrepareContext(ctx, insertChildSQL)
	if err != nil {
		return err
	}
	defer ins.Close()
	seq, err := d.NextSeq(ctx, tx)
	if err != nil {
		return err
	}
	for i := range cs {
		row, err := ChildRow(&cs[i], auths, seq)
		if err != nil {
			return err
		}
		if _, err := ins.ExecContext(ctx, row...); err != nil {
			return err
		}
	}
	return nil
}

func (s *Core) updateChildren(ctx context.Context, tx *sql.Tx, us []directory.ChildUpdate, auths map[string]int64, res *directory.FeedResult, at time.Time) error {
	up, err := tx.PrepareContext(ctx, s.UpdateSQL)
	if err != nil {
		return err
	}
	defer up.Close()
	seq, err := s.NextSeq(ctx, tx)
	if err != nil {
		return err
	}
	null := func(v string) any {
		if v == "" {
			return nil
		}
		return v
	}
	norm := func(v string) any {
		if v == "" {
			return nil
		}
		return signpost.NormaliseName(v)
	}
	var args [23]any
	for i := range us {
		u := &us[i]
		var sc, gp signpost.Setting
		if u.School != nil {
			sc = *u.School
		}
		if u.GP != nil {
			gp = *u.GP
		}
		args = [23]any{null(u.GivenName), norm(u.GivenName), null(u.FamilyName), norm(u.FamilyName), null(u.DateOfBirth), null(u.Gender),
			null(u.Address), B2I(u.ClearAddress), null(u.Postcode), authorityArg(auths, u.AuthorityCode), B2I(u.FillAuthority),
			null(u.NHSNumber), null(u.UPN), null(sc.Code), null(sc.Name), null(sc.StartedOn), null(gp.Code), null(gp.Name), null(gp.StartedOn),
			null(u.DateOfDeath), seq, u.SignpostID, B2I(u.ByDetails)}
		mv, err := MoveBefore(ctx, tx, u, auths) // issue 16
		if err != nil {
			return err
		}
		r, err := up.ExecContext(ctx, args[:]...)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n > 0 {
			res.Updated++
			if err := mv.After(ctx, tx, at); err != nil { // issue 16: a move is told
				return err
			}
			continue
		}
		if u.ByDetails {
			var shielded bool
			if err := tx.QueryRowContext(ctx, `SELECT shielded FROM children WHERE signpost_id = ?`, u.SignpostID).Scan(&shielded); err == nil && shielded {
				res.Held++
				continue
			}
		}
		res.Unchanged++
	}
	return nil
}

func (s *Core) insertReviews(ctx context.Context, tx *sql.Tx, items []directory.ReviewItem, auths map[string]int64, at time.Time, res *directory.FeedResult) error {
	ins, err := tx.PrepareContext(ctx, s.InsertIgnore(`INSERT INTO reviews (row_hash, feed, source, line, record, candidates, reason, authority_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`))
	if err != nil {
		return err
	}
	defer ins.Close()
	for _, it := range items {
		cands, _ := json.Marshal(it.Candidates)
		if it.Candidates == nil {
			cands = []byte("[]")
		}
		r, err := ins.ExecContext(ctx, it.RowHash, it.Feed, it.Source, it.Line, string(it.Record), string(cands), it.Reason, authorityArg(auths, it.Authority), TS(at))
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n > 0 {
			res.Queued++
		} else {
			res.AlreadyQueued++
		}
	}
	return nil
}

// MergeTx merges one child into another (see directory.MergeOrder).
func (s *Core) MergeTx(ctx context.Context, tx *sql.Tx, m directory.MergeOrder, at time.Time) (merged, held bool, err error) {
	type side struct {
		id       int64
		sid      string
		shielded bool
		merged   string
		status   string
		nhs      sql.NullString
	}
	read := func(sid string) (side, error) {
		x := side{sid: signpost.NormaliseSignpostID(sid)}
		err := tx.QueryRowContext(ctx, `SELECT id, shielded, merged_into, status, nhs_number FROM children WHERE signpost_id = ?`, x.sid).
			Scan(&x.id, &x.shielded, &x.merged, &x.status, &x.nhs)
		if errors.Is(err, sql.ErrNoRows) {
			return x, NotFound("child " + x.sid)
		}
		return x, err
	}
	from, err := read(m.From)
	if err != nil {
		return false, false, err
	}
	into, err := read(m.Into)
	if err != nil {
		return false, false, err
	}
	switch {
	case from.id == into.id:
		return false, false, signpost.FieldError("into", "a child cannot be merged into itself")
	case from.merged == into.sid:
		return false, false, nil // done before
	case from.merged != "":
		return false, false, &signpost.Error{Kind: signpost.KindConflict, Message: from.sid + " was already merged into " + from.merged}
	case into.merged != "":
		return false, false, &signpost.Error{Kind: signpost.KindConflict, Message: into.sid + " was merged into " + into.merged + "; merge into that one"}
	case from.status == signpost.StatusArchived || into.status == signpost.StatusArchived:
		return false, false, &signpost.Error{Kind: signpost.KindConflict, Message: "archived records are not merged"}
	case from.nhs.Valid && into.nhs.Valid && from.nhs.String != into.nhs.String:
		return false, false, &signpost.Error{Kind: signpost.KindConflict, Message: "the two records have different NHS numbers: they are not the same child"}
	case m.ByDetails && (from.shielded || into.shielded):
		return false, true, nil
	}
	seq, err := s.NextSeq(ctx, tx)
	if err != nil {
		return false, false, err
	}
	// Who may hold copies of either, before anything moves.
	fromUsers, err := ScopeUsers(ctx, tx, from.id)
	if err != nil {
		return false, false, err
	}
	intoUsers, err := ScopeUsers(ctx, tx, into.id)
	if err != nil {
		return false, false, err
	}
	stmts := []struct {
		q    string
		args []any
	}{
		// An NHS number is held once: take it off the merged record first.
		{`UPDATE children SET nhs_number = NULL WHERE id = ?`, []any{from.id}},
		{`UPDATE children AS i SET
			nhs_number = COALESCE(i.nhs_number, ?3), upn = COALESCE(i.upn, f.upn),
			address = CASE WHEN i.postcode = '' THEN f.address ELSE i.address END,
			postcode = CASE WHEN i.postcode = '' THEN f.postcode ELSE i.postcode END,
			authority_id = COALESCE(i.authority_id, f.authority_id),
			school_code = CASE WHEN f.school_started > i.school_started THEN f.school_code ELSE i.school_code END,
			school_name = CASE WHEN f.school_started > i.school_started THEN f.school_name ELSE i.school_name END,
			school_phone = CASE WHEN f.school_started > i.school_started THEN f.school_phone ELSE i.school_phone END,
			school_started = ` + s.Greatest(`i.school_started`, `f.school_started`) + `,
			gp_code = CASE WHEN f.gp_started > i.gp_started THEN f.gp_code ELSE i.gp_code END,
			gp_name = CASE WHEN f.gp_started > i.gp_started THEN f.gp_name ELSE i.gp_name END,
			gp_phone = CASE WHEN f.gp_started > i.gp_started THEN f.gp_phone ELSE i.gp_phone END,
			gp_started = ` + s.Greatest(`i.gp_started`, `f.gp_started`) + `,
			consent_to_25 = ` + s.Greatest(`i.consent_to_25`, `f.consent_to_25`) + `,
			shield_reason = CASE WHEN i.shielded = 1 THEN i.shield_reason ELSE f.shield_reason END,
			shield_review = CASE WHEN i.shielded = 1 THEN i.shield_review ELSE f.shield_review END,
			shield_by = CASE WHEN i.shielded = 1 THEN i.shield_by ELSE f.shield_by END,
			shield_at = CASE WHEN i.shielded = 1 THEN i.shield_at ELSE f.shield_at END,
			shielded = ` + s.Greatest(`i.shielded`, `f.shielded`) + `,
			seq = ?4
			FROM (SELECT * FROM children WHERE id = ?1) AS f WHERE i.id = ?2`, []any{from.id, into.id, from.nhs, seq}},
		{`UPDATE carers SET child_id = ?2 WHERE child_id = ?1 AND NOT EXISTS (SELECT 1 FROM carers WHERE child_id = ?2)`, []any{from.id, into.id}},
		// One lead professional: the survivor's stays if it has one.
		{`UPDATE involvements SET lead = 0 WHERE child_id = ?1 AND EXISTS (SELECT 1 FROM involvements WHERE child_id = ?2 AND lead = 1)`, []any{from.id, into.id}},
		{`UPDATE involvements SET child_id = ?2 WHERE child_id = ?1`, []any{from.id, into.id}},
		{`INSERT INTO lookups (user_id, child_id, expires_at) SELECT user_id, ?2, expires_at FROM lookups WHERE child_id = ?1 AND true
			ON CONFLICT (user_id, child_id) DO UPDATE SET expires_at = ` + s.Greatest(`lookups.expires_at`, `excluded.expires_at`), []any{from.id, into.id}},
		{`DELETE FROM lookups WHERE child_id = ?`, []any{from.id}},
		{`DELETE FROM carers WHERE child_id = ?`, []any{from.id}},
		{`UPDATE children SET merged_into = ?, seq = ? WHERE id = ?`, []any{into.sid, seq, from.id}},
	}
	for _, st := range stmts {
		if _, err := tx.ExecContext(ctx, st.q, st.args...); err != nil {
			return false, false, err
		}
	}
	// Every cache with the merged record drops it; those whose
	// involvements moved get the survivor; if the survivor has just become
	// shielded, every unshielded copy of it is purged first.
	for _, u := range fromUsers {
		if err := s.LogScope(ctx, tx, u, from.id, signpost.RemovedMerged); err != nil {
			return false, false, err
		}
	}
	if from.shielded && !into.shielded {
		for _, u := range intoUsers {
			if err := s.LogScope(ctx, tx, u, into.id, signpost.RemovedShielded); err != nil {
				return false, false, err
			}
		}
	}
	has := map[int64]bool{}
	for _, u := range intoUsers {
		has[u] = true
	}
	for _, u := range fromUsers {
		if has[u] {
			continue
		}
		if in, err := s.InScope(ctx, tx, u, into.id, at); err != nil {
			return false, false, err
		} else if in {
			if err := s.LogScope(ctx, tx, u, into.id, ScopeEnter); err != nil {
				return false, false, err
			}
		}
	}
	return true, false, nil
}

// SetConsent records whether a young person consented to their record
// being kept until 25.
func (s *Core) SetConsent(ctx context.Context, signpostID string, consent bool) error {
	err := s.Write(ctx, func(tx *sql.Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM children WHERE signpost_id = ?`, signpost.NormaliseSignpostID(signpostID)).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return NotFound("child " + signpostID)
		}
		if err != nil {
			return err
		}
		if status == signpost.StatusArchived {
			return &signpost.Error{Kind: signpost.KindConflict, Message: "the record is archived already"}
		}
		_, err = tx.ExecContext(ctx, `UPDATE children SET consent_to_25 = ? WHERE signpost_id = ?`, B2I(consent), signpost.NormaliseSignpostID(signpostID))
		return err
	})
	return s.Wrap("recording consent", err)
}

// Reviews lists review items, oldest first.
func (s *Core) Reviews(ctx context.Context, f directory.ReviewFilter) ([]directory.ReviewItem, error) {
	status := f.Status
	if status == "" {
		status = directory.ReviewOpen
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 1000
	}
	q := `SELECT ` + reviewCols + ` WHERE r.status = ?`
	args := []any{status}
	if f.Authority != "" {
		q += ` AND r.authority_id = (SELECT id FROM authorities WHERE code = ? OR name = ?)`
		args = append(args, f.Authority, f.Authority)
	}
	if f.After > 0 { // issue 14, slice review: paging
		q += ` AND r.id > ?`
		args = append(args, f.After)
	}
	q += ` ORDER BY r.id LIMIT ?`
	args = append(args, limit)
	rows, err := s.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.Wrap("reading the review queue", err)
	}
	defer rows.Close()
	var out []directory.ReviewItem
	for rows.Next() {
		it, err := scanReview(rows)
		if err != nil {
			return nil, s.Wrap("reading the review queue", err)
		}
		out = append(out, *it)
	}
	return out, s.Wrap("reading the review queue", rows.Err())
}

// ReviewItem returns one review item.
func (s *Core) ReviewItem(ctx context.Context, id int64) (*directory.ReviewItem, error) {
	it, err := scanReview(s.R.QueryRowContext(ctx, `SELECT `+reviewCols+` WHERE r.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, NotFound("review item " + strconv.FormatInt(id, 10))
	}
	return it, s.Wrap("reading a review item", err)
}

const reviewCols = `r.id, r.feed, r.source, r.line, r.row_hash, r.record, r.candidates, r.reason, COALESCE(a.name, ''), r.status, r.created_at,
	r.resolved_child, r.resolved_by, r.resolved_at FROM reviews r LEFT JOIN authorities a ON a.id = r.authority_id`

func scanReview(row RowScanner) (*directory.ReviewItem, error) {
	it := &directory.ReviewItem{}
	var record, cands, created, resolved string
	err := row.Scan(&it.ID, &it.Feed, &it.Source, &it.Line, &it.RowHash, &record, &cands, &it.Reason, &it.Authority, &it.Status, &created,
		&it.ResolvedChild, &it.ResolvedBy, &resolved)
	if err != nil {
		return nil, err
	}
	it.Record = []byte(record)
	_ = json.Unmarshal([]byte(cands), &it.Candidates)
	it.CreatedAt, it.ResolvedAt = ParseTS(created), ParseTS(resolved)
	return it, nil
}
