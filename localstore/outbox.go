package localstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"signpost"
)

// States of an outbox item. An applied change leaves the outbox.
const (
	StatePending  = "pending"   // waiting to be pushed
	StateInFlight = "in_flight" // pushed, answer not yet recorded
	StateRejected = "rejected"  // refused by the directory; kept until dismissed or retried
	// StateSent is a child met in the field whose change the directory
	// applied: it has left the queue, and its item says whom the directory
	// matched her to (MatchedTo) until the practitioner dismisses it.
	StateSent = "sent"
)

// MaxBatch is the most changes NextBatch returns (the directory's push limit).
const MaxBatch = 1000

// OutboxItem is one queued change as the app lists it.
type OutboxItem struct {
	ID          string
	Kind        string
	ChildID     string
	Description string // "Start involvement with Jamie Fixture"
	Created     time.Time
	State       string
	Reason      string // the directory's reason, for a rejected change
	// What an edit may change (Edit): the date and role of an involvement
	// started or ended, the identity and role of a child met in the field.
	On       string
	Role     string
	Identity *signpost.Identity
	// MatchedTo is the Signpost ID of the child the directory matched a
	// child met in the field to (state sent).
	MatchedTo string
}

func newID() (string, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", err
	}
	return id.String(), nil
}

// prepareChange validates a change from the app and fills in what the store
// owns: a fresh UUIDv7 id and, if unset, the time.
func prepareChange(m *signpost.Mutation, now time.Time) error {
	if err := checkFields(m, now); err != nil {
		return err
	}
	id, err := newID()
	if err != nil {
		return signpost.Internal("numbering the change", err)
	}
	m.ID = id
	if m.At.IsZero() {
		m.At = now
	}
	m.At = m.At.UTC()
	return nil
}

// checkFields validates and normalises the fields of a change from the app
// (all but its id and time), as Enqueue and Edit take it.
func checkFields(m *signpost.Mutation, now time.Time) error {
	m.Role, m.Reason, m.On = strings.TrimSpace(m.Role), strings.TrimSpace(m.Reason), strings.TrimSpace(m.On)
	m.PrevHash, m.Hash = "", ""
	switch m.Kind {
	case signpost.MutReadNotifications: // issue 16
		return checkReadNotifications(m)
	case signpost.MutStartInvolvement, signpost.MutEndInvolvement, signpost.MutSetCAF, signpost.MutSetLead, signpost.MutHandOverLead,
		signpost.MutSetSensitive, signpost.MutOfferLead, signpost.MutAcceptLead, signpost.MutDeclineLead: // issue 16: the last four
		checkIssue16Fields(m)
		if !signpost.ValidSignpostID(m.ChildID) {
			return signpost.FieldError("child_id", "that is not a valid Signpost ID (SP, eight digits and a check digit)")
		}
		m.ChildID = signpost.NormaliseSignpostID(m.ChildID)
		if m.Identity != nil {
			return signpost.FieldError("identity", "only a child met in the field is given by identity")
		}
		if m.Kind != signpost.MutSetCAF && m.Kind != signpost.MutSetLead {
			m.Value = false
		}
		if m.To = strings.TrimSpace(m.To); m.Kind != signpost.MutHandOverLead && m.Kind != signpost.MutOfferLead { // issue 16: offer_lead
			m.To = ""
		} else if m.To == "" {
			return signpost.FieldError("to", "choose the practitioner to hand the lead-professional role to")
		}
	case signpost.MutMetChild:
		if m.ChildID != "" {
			return signpost.FieldError("child_id", "a child met in the field is given by identity, not by Signpost ID")
		}
		if err := checkIdentity(m.Identity, now); err != nil {
			return err
		}
		m.Value = false
	case signpost.MutView:
		return signpost.FieldError("kind", "views are recorded by opening the record")
	default:
		return signpost.FieldError("kind", "unknown kind of change %q", m.Kind)
	}
	if len(m.Role) > 100 {
		return signpost.FieldError("role", "role is longer than 100 characters")
	}
	if len(m.Reason) > 500 {
		return signpost.FieldError("reason", "reason is longer than 500 characters")
	}
	if m.On != "" {
		if _, ok := signpost.ParseDate(m.On); !ok {
			return signpost.FieldError("on", "the date must be a real date written YYYY-MM-DD")
		}
	}
	return nil
}

func checkIdentity(id *signpost.Identity, now time.Time) error {
	if id == nil {
		return signpost.FieldError("identity", "a child met in the field needs given name, family name, date of birth and postcode")
	}
	id.GivenName, id.FamilyName, id.Gender = strings.TrimSpace(id.GivenName), strings.TrimSpace(id.FamilyName), strings.ToLower(strings.TrimSpace(id.Gender))
	switch {
	case signpost.NormaliseName(id.GivenName) == "" || len(id.GivenName) > 100:
		return signpost.FieldError("given_name", "given name must contain letters (at most 100 characters)")
	case signpost.NormaliseName(id.FamilyName) == "" || len(id.FamilyName) > 100:
		return signpost.FieldError("family_name", "family name must contain letters (at most 100 characters)")
	case !signpost.ValidPostcode(id.Postcode):
		return signpost.FieldError("postcode", "%q is not a UK postcode", id.Postcode)
	case id.Gender != "" && !signpost.ValidGender(id.Gender):
		return signpost.FieldError("gender", "gender must be male, female, other or unknown")
	}
	if _, err := signpost.CheckDateOfBirth("date_of_birth", id.DateOfBirth, now); err != nil {
		return err
	}
	id.Postcode = signpost.NormalisePostcode(id.Postcode)
	return nil
}

func insertOutbox(ctx context.Context, tx *sql.Tx, m *signpost.Mutation, now time.Time) error {
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO outbox (id, kind, child_id, body, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.Kind, m.ChildID, string(body), StatePending, ts(now), ts(now))
	return err
}

// Enqueue saves a practitioner's change durably, with its optimistic effect on
// the cached child, in one transaction: when it returns the change is saved
// and the app may say so. Kinds: start and end involvement, set CAF and set
// lead (Value true or false) on the practitioner's active involvement, and a
// child met in the field (MutMetChild with Identity). The store gives the
// change a fresh UUIDv7 id and, if At is zero, the current time; it returns
// the change as saved. An involvement change needs the child in the cache.
func (s *Store) Enqueue(ctx context.Context, m signpost.Mutation) (signpost.Mutation, error) {
	if m.Identity != nil {
		id := *m.Identity
		m.Identity = &id
	}
	now := s.now().UTC()
	if err := prepareChange(&m, now); err != nil {
		return signpost.Mutation{}, err
	}
	err := s.write(ctx, "saving your change", func(tx *sql.Tx) error { return enqueue(ctx, tx, &m, now) })
	if err != nil {
		return signpost.Mutation{}, err
	}
	return m, nil
}

func enqueue(ctx context.Context, tx *sql.Tx, m *signpost.Mutation, now time.Time) error {
	if m.Kind != signpost.MutMetChild && m.Kind != signpost.MutReadNotifications { // read_notifications: issue 16
		e, err := loadEnv(ctx, tx, now)
		if err != nil {
			return err
		}
		if e.user.Username == "" {
			return &signpost.Error{Kind: signpost.KindUnauthorized, Message: "sign in online first: this laptop does not yet know who you are"}
		}
		cc, err := loadChild(ctx, tx, m.ChildID)
		if err != nil {
			return err
		}
		if cc == nil {
			return errNotCached(m.ChildID)
		}
		if err := checkChange(cc.view, m, e.user.Username, e.now); err != nil {
			return err
		}
		applyChange(cc.view, m, e.user)
		if err := putChild(ctx, tx, cc.view, cc.server, true, cc.expiresAt, e.user.Username, e.now, e.retention()); err != nil {
			return err
		}
	}
	return insertOutbox(ctx, tx, m, now)
}

// ViewChild returns the cached record of child id and records the view, in the
// same transaction, as an offline view event in the outbox: a MutView chained
// to the previous one by hash (PrevHash, Hash = ViewHash), which the directory
// verifies. A child not on the caseload needs a reason.
func (s *Store) ViewChild(ctx context.Context, id, reason string) (*signpost.Child, error) {
	if !signpost.ValidSignpostID(id) {
		return nil, signpost.FieldError("id", "that is not a valid Signpost ID (SP, eight digits and a check digit)")
	}
	id = signpost.NormaliseSignpostID(id)
	reason = strings.TrimSpace(reason)
	if len(reason) > 500 {
		return nil, signpost.FieldError("reason", "reason is longer than 500 characters")
	}
	now := s.now().UTC()
	var c *signpost.Child
	err := s.write(ctx, "opening the record", func(tx *sql.Tx) error {
		cc, err := loadVisible(ctx, tx, id, now)
		if err != nil {
			return err
		}
		if !cc.onCaseload && reason == "" {
			return signpost.FieldError("reason", "say why you are opening this record: the child is not on your caseload")
		}
		mid, err := newID()
		if err != nil {
			return err
		}
		m := signpost.Mutation{ID: mid, Kind: signpost.MutView, ChildID: id, Reason: reason, At: now}
		if err := chainView(ctx, tx, &m); err != nil {
			return err
		}
		if err := insertOutbox(ctx, tx, &m, now); err != nil {
			return err
		}
		c = cc.view
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// chainView links a view event to the head of the chain and makes it the head.
func chainView(ctx context.Context, tx *sql.Tx, m *signpost.Mutation) error {
	head, err := getMeta(ctx, tx, metaAuditHead)
	if err != nil {
		return err
	}
	m.PrevHash = head
	m.Hash = m.ViewHash()
	return setMeta(ctx, tx, metaAuditHead, m.Hash)
}

// NextBatch returns up to n of the oldest pending changes, in order, and marks
// them in flight. The sync client pushes one batch at a time, then records the
// answers with MarkResults, or with ReturnToPending if the push failed.
func (s *Store) NextBatch(ctx context.Context, n int) ([]signpost.Mutation, error) {
	if n <= 0 {
		return nil, signpost.FieldError("n", "a batch needs at least one change")
	}
	n = min(n, MaxBatch)
	now := s.now().UTC()
	out := []signpost.Mutation{}
	err := s.write(ctx, "preparing changes to send", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT seq, body FROM outbox WHERE state = ? ORDER BY seq LIMIT ?`, StatePending, n)
		if err != nil {
			return err
		}
		var seqs []int64
		for rows.Next() {
			var seq int64
			var body string
			if err := rows.Scan(&seq, &body); err != nil {
				rows.Close()
				return err
			}
			var m signpost.Mutation
			if err := json.Unmarshal([]byte(body), &m); err != nil {
				rows.Close()
				return fmt.Errorf("decoding a queued change: %w", err)
			}
			seqs = append(seqs, seq)
			out = append(out, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, seq := range seqs {
			if _, err := tx.ExecContext(ctx, `UPDATE outbox SET state = ?, updated_at = ? WHERE seq = ?`, StateInFlight, ts(now), seq); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// MarkResults records the directory's answers to a push, all in one
// transaction. Applied (or a duplicate whose first answer was applied): the
// change leaves the outbox, and an involvement started offline takes the id
// the directory gave it. Rejected (or a duplicate first rejected): the change
// is kept as rejected with the reason, its optimistic effect is undone, and
// the changes behind it go on. Answers for unknown ids are ignored.
func (s *Store) MarkResults(ctx context.Context, results []signpost.MutationResult) error {
	now := s.now().UTC()
	return s.write(ctx, "recording the directory's answers", func(tx *sql.Tx) error {
		e, err := loadEnv(ctx, tx, now)
		if err != nil {
			return err
		}
		touched := map[string]bool{}
		for _, r := range results {
			child, err := markResult(ctx, tx, r, now)
			if err != nil {
				return err
			}
			if child != "" {
				touched[child] = true
			}
		}
		for child := range touched {
			if err := rebuild(ctx, tx, e, child); err != nil {
				return err
			}
		}
		return nil
	})
}

// markResult records one answer and returns the child whose shown copy must be
// rebuilt ("" for none).
func markResult(ctx context.Context, tx *sql.Tx, r signpost.MutationResult, now time.Time) (string, error) {
	var kind, child, state, body, created string
	err := tx.QueryRowContext(ctx, `SELECT kind, child_id, state, body, created_at FROM outbox WHERE id = ?`, r.ID).Scan(&kind, &child, &state, &body, &created)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && state == StateRejected) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	status := r.Status
	if status == signpost.ResultDuplicate {
		status = r.FirstStatus
		if status == "" {
			status = signpost.ResultApplied
		}
	}
	switch status {
	case signpost.ResultApplied:
		if _, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE id = ?`, r.ID); err != nil {
			return "", err
		}
		if kind == signpost.MutStartInvolvement && r.InvolvementID != "" {
			if err := renameInvolvement(ctx, tx, child, pendingInvolvementID(r.ID), r.InvolvementID); err != nil {
				return "", err
			}
		}
		switch kind {
		case signpost.MutView:
			return "", nil
		case signpost.MutMetChild:
			return "", keepMetOutcome(ctx, tx, r, body, created, now)
		}
		return "", updateDirty(ctx, tx, child)
	case signpost.ResultRejected:
		reason := strings.TrimSpace(r.Reason)
		if reason == "" {
			reason = "the directory refused this change"
		}
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET state = ?, reason = ?, updated_at = ? WHERE id = ?`, StateRejected, reason, ts(now), r.ID); err != nil {
			return "", err
		}
		if kind == signpost.MutView {
			return "", nil
		}
		return child, nil
	default:
		// An answer this version does not understand: send the change again.
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET state = ?, updated_at = ? WHERE id = ?`, StatePending, ts(now), r.ID)
		return "", err
	}
}

// keepMetOutcome records whom the directory matched a child met in the field
// to, so the Changes tab can say so after the change has left the outbox. An
// answer without the child's id (an older directory) keeps nothing.
func keepMetOutcome(ctx context.Context, tx *sql.Tx, r signpost.MutationResult, body, created string, now time.Time) error {
	if !signpost.ValidSignpostID(r.ChildID) {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO met_outcomes (id, body, child_id, created_at, answered_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`, r.ID, body, signpost.NormaliseSignpostID(r.ChildID), created, ts(now))
	return err
}

// renameInvolvement gives an involvement started offline its real id in the
// shown copy, so the app shows the same id before and after the next pull.
func renameInvolvement(ctx context.Context, tx *sql.Tx, child, from, to string) error {
	cc, err := loadChild(ctx, tx, child)
	if err != nil || cc == nil {
		return err
	}
	changed := false
	for i := range cc.view.Involvements {
		if cc.view.Involvements[i].ID == from {
			cc.view.Involvements[i].ID = to
			changed = true
		}
	}
	if !changed {
		return nil
	}
	body, err := json.Marshal(cc.view)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE children SET body = ? WHERE signpost_id = ?`, string(body), child)
	return err
}

// updateDirty sets a child's dirty flag from its unconfirmed changes, leaving
// its shown copy as it is (an applied change stays shown until the next pull
// brings the directory's copy with it).
func updateDirty(ctx context.Context, tx *sql.Tx, child string) error {
	_, err := tx.ExecContext(ctx, `UPDATE children SET dirty = EXISTS (SELECT 1 FROM outbox o WHERE o.child_id = children.signpost_id
		AND o.state IN ('pending', 'in_flight') AND o.kind <> ?) WHERE signpost_id = ?`, signpost.MutView, child)
	return err
}

// ReturnToPending puts in-flight changes back in the queue, in their place,
// after a push that got no answer.
func (s *Store) ReturnToPending(ctx context.Context, ids []string) error {
	now := s.now().UTC()
	return s.write(ctx, "returning changes to the queue", func(tx *sql.Tx) error {
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `UPDATE outbox SET state = ?, updated_at = ? WHERE id = ? AND state = ?`, StatePending, ts(now), id, StateInFlight); err != nil {
				return err
			}
		}
		return nil
	})
}

// ResetInFlight returns every in-flight change to pending: after a crash, a
// push may or may not have reached the directory, and sending it again is safe
// because the directory answers a replay as a duplicate. Unlock calls it.
func (s *Store) ResetInFlight(ctx context.Context) error {
	now := s.now().UTC()
	return s.write(ctx, "returning changes to the queue", func(tx *sql.Tx) error { return resetInFlight(ctx, tx, now) })
}

func resetInFlight(ctx context.Context, tx *sql.Tx, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE outbox SET state = ?, updated_at = ? WHERE state = ?`, StatePending, ts(now), StateInFlight)
	return err
}

// Unsent counts what the directory does not hold yet: the changes a person
// made (waiting or being sent), the records opened offline whose views are
// not yet logged, and the changes the directory refused, kept until they are
// sent again or discarded. It says nothing about any child.
type Unsent struct {
	Changes int // changes waiting or being sent, views apart
	Views   int // records opened offline, their views waiting to be logged
	Refused int // changes (or views) the directory refused
	// Kinds counts every item the directory does not hold, refused ones
	// included, by kind of change (signpost.MutSetCAF…).
	Kinds map[string]int
}

// Total is every item the directory does not hold: what a wipe loses.
func (u Unsent) Total() int { return u.Changes + u.Views + u.Refused }

// Unsent counts the outbox by state and kind.
func (s *Store) Unsent(ctx context.Context) (Unsent, error) {
	var u Unsent
	err := s.read(ctx, "counting unsent changes", func(tx *sql.Tx) error {
		var err error
		u, err = countUnsent(ctx, tx)
		return err
	})
	return u, err
}

// queryer is a transaction or a database.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func countUnsent(ctx context.Context, q queryer) (Unsent, error) {
	u := Unsent{Kinds: map[string]int{}}
	rows, err := q.QueryContext(ctx, `SELECT kind, state, count(*) FROM outbox GROUP BY kind, state`)
	if err != nil {
		return Unsent{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var kind, state string
		var n int
		if err := rows.Scan(&kind, &state, &n); err != nil {
			return Unsent{}, err
		}
		switch {
		case state == StateRejected:
			u.Refused += n
		case kind == signpost.MutView:
			u.Views += n
		default:
			u.Changes += n
		}
		u.Kinds[kind] += n
	}
	return u, rows.Err()
}

// PendingCount returns how many changes and view events have not yet been
// confirmed by the directory (pending or in flight): what a push has to send.
func (s *Store) PendingCount(ctx context.Context) (int, error) {
	var n int
	err := s.read(ctx, "counting unsent changes", func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, countPendingSQL).Scan(&n)
	})
	return n, err
}

// Outbox lists the queued changes in push order: pending, in flight and
// rejected, each with a short description for the practitioner; then the
// children met in the field that the directory has matched (state sent), in
// the order they were answered.
func (s *Store) Outbox(ctx context.Context) ([]OutboxItem, error) {
	out := []OutboxItem{}
	err := s.read(ctx, "reading the outbox", func(tx *sql.Tx) error {
		queued, err := queuedItems(ctx, tx)
		if err != nil {
			return err
		}
		sent, err := metOutcomes(ctx, tx)
		out = append(queued, sent...)
		return err
	})
	return out, err
}

func queuedItems(ctx context.Context, tx *sql.Tx) ([]OutboxItem, error) {
	rows, err := tx.QueryContext(ctx, `SELECT o.id, o.kind, o.child_id, o.body, o.state, o.reason, o.created_at,
			COALESCE(c.given_name, ''), COALESCE(c.family_name, '')
		FROM outbox o LEFT JOIN children c ON c.signpost_id = o.child_id ORDER BY o.seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []OutboxItem{}
	for rows.Next() {
		var it OutboxItem
		var body, created, given, family string
		if err := rows.Scan(&it.ID, &it.Kind, &it.ChildID, &body, &it.State, &it.Reason, &created, &given, &family); err != nil {
			return nil, err
		}
		m, err := decodeChange(body)
		if err != nil {
			return nil, err
		}
		it.Created = parseTS(created)
		name := strings.TrimSpace(given + " " + family)
		if name == "" {
			name = "child " + it.ChildID
		}
		it.Description = describe(m, name)
		it.On, it.Role, it.Identity = m.On, m.Role, m.Identity
		out = append(out, it)
	}
	return out, rows.Err()
}

// metOutcomes lists the children met in the field that the directory matched.
func metOutcomes(ctx context.Context, tx *sql.Tx) ([]OutboxItem, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, body, child_id, created_at FROM met_outcomes ORDER BY answered_at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []OutboxItem{}
	for rows.Next() {
		it := OutboxItem{Kind: signpost.MutMetChild, State: StateSent}
		var body, created string
		if err := rows.Scan(&it.ID, &body, &it.MatchedTo, &created); err != nil {
			return nil, err
		}
		m, err := decodeChange(body)
		if err != nil {
			return nil, err
		}
		it.Created = parseTS(created)
		it.Description = describe(m, "")
		it.Role, it.Identity = m.Role, m.Identity
		out = append(out, it)
	}
	return out, rows.Err()
}

func decodeChange(body string) (*signpost.Mutation, error) {
	var m signpost.Mutation
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		return nil, fmt.Errorf("decoding a queued change: %w", err)
	}
	return &m, nil
}

// describe says in a few words what a change does.
func describe(m *signpost.Mutation, name string) string {
	switch m.Kind {
	case signpost.MutStartInvolvement:
		return "Start involvement with " + name
	case signpost.MutEndInvolvement:
		return "End involvement with " + name
	case signpost.MutSetCAF:
		if m.Value {
			return "Record a CAF for " + name
		}
		return "Clear the CAF for " + name
	case signpost.MutSetLead:
		if m.Value {
			return "Become lead professional for " + name
		}
		return "Stop being lead professional for " + name
	case signpost.MutHandOverLead:
		return "Hand the lead-professional role for " + name + " to another practitioner"
	case signpost.MutMetChild:
		if id := m.Identity; id != nil {
			born := id.DateOfBirth
			if d, ok := signpost.ParseDate(born); ok {
				born = d.Format("2 Jan 2006") // as the app shows dates
			}
			return fmt.Sprintf("Met %s %s (born %s), not on this laptop", id.GivenName, id.FamilyName, born)
		}
		return "Met a child not on this laptop"
	case signpost.MutView:
		return "Viewed the record of " + name
	}
	return "Change " + m.Kind
}

// rejectedItem reads an outbox item that must be in the rejected state.
func rejectedItem(ctx context.Context, tx *sql.Tx, id string) (*signpost.Mutation, error) {
	var body, state string
	err := tx.QueryRowContext(ctx, `SELECT body, state FROM outbox WHERE id = ?`, id).Scan(&body, &state)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &signpost.Error{Kind: signpost.KindNotFound, Message: "that change is not in the outbox"}
	}
	if err != nil {
		return nil, err
	}
	if state != StateRejected {
		return nil, &signpost.Error{Kind: signpost.KindConflict, Message: "only a change the directory refused can be dismissed or retried"}
	}
	var m signpost.Mutation
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		return nil, fmt.Errorf("decoding a queued change: %w", err)
	}
	return &m, nil
}

// Dismiss removes a rejected change once the practitioner has read why, or
// the outcome of a child met in the field once she has read whom the
// directory matched her to.
func (s *Store) Dismiss(ctx context.Context, id string) error {
	return s.write(ctx, "dismissing a refused change", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM met_outcomes WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		if _, err := rejectedItem(ctx, tx, id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM outbox WHERE id = ?`, id)
		return err
	})
}

// Cancel takes back a change the practitioner made that has not been sent:
// it leaves the outbox and its optimistic effect on the child goes. A change
// being sent (in flight) may already be held by the directory, so it cannot
// be taken back; nor can the record of opening a child offline, which the
// audit must have (a person cannot unsee a record).
func (s *Store) Cancel(ctx context.Context, id string) error {
	now := s.now().UTC()
	return s.write(ctx, "cancelling a change", func(tx *sql.Tx) error {
		var body, state string
		err := tx.QueryRowContext(ctx, `SELECT body, state FROM outbox WHERE id = ?`, id).Scan(&body, &state)
		if errors.Is(err, sql.ErrNoRows) {
			return &signpost.Error{Kind: signpost.KindNotFound, Message: "that change is not waiting any more: it has been sent, or was cancelled"}
		}
		if err != nil {
			return err
		}
		var m signpost.Mutation
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			return fmt.Errorf("decoding a queued change: %w", err)
		}
		switch {
		case m.Kind == signpost.MutView:
			return &signpost.Error{Kind: signpost.KindConflict, Message: "opening a record offline is logged in the audit when the laptop next syncs; it cannot be cancelled"}
		case state == StateInFlight:
			return &signpost.Error{Kind: signpost.KindConflict, Message: "this change is being sent now, so it can no longer be cancelled; if the directory takes it, record the opposite change"}
		case state == StateRejected:
			return &signpost.Error{Kind: signpost.KindConflict, Message: "the directory refused this change: discard it instead"}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE id = ? AND state = ?`, id, StatePending)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return &signpost.Error{Kind: signpost.KindConflict, Message: "this change is being sent now, so it can no longer be cancelled"}
		}
		if m.ChildID == "" {
			return nil
		}
		e, err := loadEnv(ctx, tx, now)
		if err != nil {
			return err
		}
		return rebuild(ctx, tx, e, m.ChildID)
	})
}

// Edit is what a practitioner may correct in a change still waiting: the
// date (On, YYYY-MM-DD; "" for the day the change was made) and role of an
// involvement started, the date of one ended, the identity and role of a
// child met in the field. Each field replaces the change's own.
type Edit struct {
	On       string
	Role     string
	Identity *signpost.Identity
}

// Edit corrects a change that has not been sent, keeping its id and its
// place in the queue. The edited change is checked as Enqueue checks a new
// one, against the child as it will be when the change's turn comes (the
// directory's copy with the changes before it), and the child's shown copy
// is rebuilt with it. A change being sent or sent, refused, a view, or a
// flag (CAF, lead) cannot be edited: the error says what to do instead.
func (s *Store) Edit(ctx context.Context, id string, e Edit) (signpost.Mutation, error) {
	now := s.now().UTC()
	var edited signpost.Mutation
	err := s.write(ctx, "correcting a change", func(tx *sql.Tx) error {
		seq, m, err := editableItem(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := applyEdit(m, e); err != nil {
			return err
		}
		if err := checkFields(m, now); err != nil {
			return err
		}
		if err := checkEditInQueue(ctx, tx, m, seq, now); err != nil {
			return err
		}
		if err := updateQueued(ctx, tx, m, now); err != nil {
			return err
		}
		edited = *m
		if m.ChildID == "" {
			return nil
		}
		env, err := loadEnv(ctx, tx, now)
		if err != nil {
			return err
		}
		return rebuild(ctx, tx, env, m.ChildID)
	})
	if err != nil {
		return signpost.Mutation{}, err
	}
	return edited, nil
}

// editableItem reads a change that is still waiting, with its place in the queue.
func editableItem(ctx context.Context, tx *sql.Tx, id string) (int64, *signpost.Mutation, error) {
	var seq int64
	var body, state string
	err := tx.QueryRowContext(ctx, `SELECT seq, body, state FROM outbox WHERE id = ?`, id).Scan(&seq, &body, &state)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, &signpost.Error{Kind: signpost.KindNotFound, Message: "that change is not waiting any more: it has been sent, or was cancelled"}
	}
	if err != nil {
		return 0, nil, err
	}
	m, err := decodeChange(body)
	if err != nil {
		return 0, nil, err
	}
	switch {
	case m.Kind == signpost.MutView:
		return 0, nil, &signpost.Error{Kind: signpost.KindConflict, Message: "opening a record offline is logged in the audit as it happened; it cannot be edited"}
	case state == StateInFlight:
		return 0, nil, &signpost.Error{Kind: signpost.KindConflict, Message: "this change is being sent now, so it can no longer be edited; once the directory has answered, record the correction as a new change"}
	case state == StateRejected:
		return 0, nil, &signpost.Error{Kind: signpost.KindConflict, Message: "the directory refused this change: discard it and make it again with the right details"}
	}
	return seq, m, nil
}

// applyEdit puts e's fields into m, refusing fields that kind of change does
// not have.
func applyEdit(m *signpost.Mutation, e Edit) error {
	switch m.Kind {
	case signpost.MutStartInvolvement:
		if e.Identity != nil {
			return signpost.FieldError("identity", "only a child met in the field is given by identity")
		}
		m.On, m.Role = e.On, e.Role
	case signpost.MutEndInvolvement:
		if e.Identity != nil {
			return signpost.FieldError("identity", "only a child met in the field is given by identity")
		}
		if strings.TrimSpace(e.Role) != "" {
			return signpost.FieldError("role", "ending an involvement has no role to correct")
		}
		m.On = e.On
	case signpost.MutMetChild:
		if e.Identity == nil {
			return signpost.FieldError("identity", "a child met in the field needs given name, family name, date of birth and postcode")
		}
		if strings.TrimSpace(e.On) != "" {
			return signpost.FieldError("on", "a child met in the field has no date to correct")
		}
		id := *e.Identity
		m.Identity, m.Role = &id, e.Role
	default:
		return &signpost.Error{Kind: signpost.KindConflict, Message: "this change has nothing to edit: cancel it and make it again"}
	}
	return nil
}

// checkEditInQueue checks an edited involvement change against the child as
// it will be when the change's turn comes (the directory's copy with the
// unconfirmed changes queued before it), and the changes queued after it
// against the child as the edit leaves it: correcting a start to a day
// after the queued end would have the directory refuse the end.
func checkEditInQueue(ctx context.Context, tx *sql.Tx, m *signpost.Mutation, seq int64, now time.Time) error {
	if m.ChildID == "" {
		return nil
	}
	e, err := loadEnv(ctx, tx, now)
	if err != nil {
		return err
	}
	cc, err := loadChild(ctx, tx, m.ChildID)
	if err != nil {
		return err
	}
	if cc == nil {
		return errNotCached(m.ChildID)
	}
	view, err := decodeChild(cc.server)
	if err != nil {
		return err
	}
	queue, err := queuedFor(ctx, tx, m.ChildID)
	if err != nil {
		return err
	}
	for _, q := range queue {
		switch {
		case q.seq < seq:
		case q.seq == seq:
			if err := checkChange(view, m, e.user.Username, e.now); err != nil {
				return err
			}
			q.m = m
		default:
			if err := checkChange(view, q.m, e.user.Username, e.now); err != nil {
				return &signpost.Error{Kind: signpost.KindConflict, Field: "on", Message: fmt.Sprintf(
					"with this correction the change queued after it (%s) could not be made: %s; correct or cancel that one first",
					strings.ToLower(describe(q.m, "this child")), signpost.MessageOf(err))}
			}
		}
		applyChange(view, q.m, e.user)
	}
	return nil
}

// queued is an unconfirmed change with its place in the queue.
type queued struct {
	seq int64
	m   *signpost.Mutation
}

// queuedFor returns the unconfirmed changes to child id in queue order.
func queuedFor(ctx context.Context, tx *sql.Tx, id string) ([]queued, error) {
	rows, err := tx.QueryContext(ctx, `SELECT seq, body FROM outbox WHERE child_id = ? AND state IN ('pending', 'in_flight') AND kind <> ? ORDER BY seq`,
		id, signpost.MutView)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []queued
	for rows.Next() {
		var q queued
		var body string
		if err := rows.Scan(&q.seq, &body); err != nil {
			return nil, err
		}
		if q.m, err = decodeChange(body); err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, rows.Err()
}

// updateQueued writes an edited change over the waiting one, in its place.
func updateQueued(ctx context.Context, tx *sql.Tx, m *signpost.Mutation, now time.Time) error {
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE outbox SET body = ?, updated_at = ? WHERE id = ? AND state = ?`, string(body), ts(now), m.ID, StatePending)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return &signpost.Error{Kind: signpost.KindConflict, Message: "this change is being sent now, so it can no longer be edited"}
	}
	return nil
}

// Retry queues a rejected change again and returns its new id. The copy needs
// a fresh UUIDv7: the directory would answer the old id with its first
// answer, the rejection. A view event is chained again at the head. The copy
// goes to the back of the queue and its optimistic effect shows again.
func (s *Store) Retry(ctx context.Context, id string) (string, error) {
	now := s.now().UTC()
	var newIDStr string
	err := s.write(ctx, "retrying a refused change", func(tx *sql.Tx) error {
		m, err := rejectedItem(ctx, tx, id)
		if err != nil {
			return err
		}
		if m.ID, err = newID(); err != nil {
			return err
		}
		if m.Kind == signpost.MutView {
			if err := chainView(ctx, tx, m); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE id = ?`, id); err != nil {
			return err
		}
		if err := insertOutbox(ctx, tx, m, now); err != nil {
			return err
		}
		newIDStr = m.ID
		if m.ChildID == "" || m.Kind == signpost.MutView {
			return nil
		}
		e, err := loadEnv(ctx, tx, now)
		if err != nil {
			return err
		}
		return rebuild(ctx, tx, e, m.ChildID)
	})
	return newIDStr, err
}
