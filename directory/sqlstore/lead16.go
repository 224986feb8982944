package sqlstore

// Issue 16: sensitive services, the lead-professional offer and the
// notification events of involvement changes, applied inside Push (flags
// are 0/1 integers on both engines), and the authority moves of feed
// updates.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"signpost"
	"signpost/directory"
)

// sensitiveAudit records a marking or a change of it.
func sensitiveAudit(a directory.Actor, m *signpost.Mutation, childID string, now time.Time, sensitive, consent bool) directory.AuditEvent {
	what := "not a sensitive service"
	switch {
	case sensitive && consent:
		what = "sensitive service; the young person consented to it being shown"
	case sensitive:
		what = "sensitive service; shown only to the management team (no consent)"
	}
	return directory.AuditEvent{At: now, UserID: a.UserID, Username: a.Username, DeviceID: a.DeviceID, Action: "sensitive",
		ChildID: childID, Reason: what, Mutation: m.ID}
}

// startedIssue16 marks a new involvement sensitive when the start says so
// (before anyone is told of it) and records that others must be told.
func startedIssue16(ctx context.Context, tx *sql.Tx, a directory.Actor, m *signpost.Mutation, cid int64, invID string, now time.Time, audit *[]directory.AuditEvent) error {
	if m.Sensitive {
		if _, err := tx.ExecContext(ctx, `UPDATE involvements SET sensitive = 1, consent_shown = ? WHERE id = ?`, B2I(m.ConsentShown), invID); err != nil {
			return err
		}
		*audit = append(*audit, sensitiveAudit(a, m, signpost.NormaliseSignpostID(m.ChildID), now, true, m.ConsentShown))
	}
	return LogNotify(ctx, tx, directory.NotifyEvent{Kind: signpost.NoteNewInvolvement, InvolvementID: invID, ActorID: a.UserID, At: now}, cid)
}

// endingIssue16 refuses an unconfirmed end of the lead professional's
// involvement while someone else working with the child could take the
// role, withdraws the lead's offers, and records that others must be told.
func endingIssue16(ctx context.Context, tx *sql.Tx, a directory.Actor, m *signpost.Mutation, cid int64, invID string, now time.Time) error {
	var lead bool
	if err := tx.QueryRowContext(ctx, `SELECT lead FROM involvements WHERE id = ?`, invID).Scan(&lead); err != nil {
		return err
	}
	if lead && !m.Confirm {
		var others int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM involvements WHERE child_id = ? AND ended_on = '' AND id != ?`, cid, invID).Scan(&others); err != nil {
			return err
		}
		if others > 0 {
			return &rejection{reason: signpost.LeadLossMessage, kind: string(signpost.KindConflict)}
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE involvements SET lead_offer_from = '' WHERE lead_offer_from = ?`, invID); err != nil {
		return err
	}
	return LogNotify(ctx, tx, directory.NotifyEvent{Kind: signpost.NoteEndedInvolvement, InvolvementID: invID, ActorID: a.UserID, At: now}, cid)
}

// applyIssue16 applies set_sensitive, offer_lead, accept_lead and
// decline_lead to the sender's active involvement invID with child cid.
func applyIssue16(ctx context.Context, tx *sql.Tx, a directory.Actor, m *signpost.Mutation, cid int64, invID string, now time.Time, audit *[]directory.AuditEvent) error {
	var lead bool
	var offerFrom string
	var sensitive, consent bool
	if err := tx.QueryRowContext(ctx, `SELECT lead, lead_offer_from, sensitive, consent_shown FROM involvements WHERE id = ?`, invID).
		Scan(&lead, &offerFrom, &sensitive, &consent); err != nil {
		return err
	}
	switch m.Kind {
	case signpost.MutSetSensitive:
		cs := m.Sensitive && m.ConsentShown
		if sensitive == m.Sensitive && consent == cs {
			return nil // no change: nothing to audit
		}
		if _, err := tx.ExecContext(ctx, `UPDATE involvements SET sensitive = ?, consent_shown = ? WHERE id = ?`, B2I(m.Sensitive), B2I(cs), invID); err != nil {
			return err
		}
		*audit = append(*audit, sensitiveAudit(a, m, signpost.NormaliseSignpostID(m.ChildID), now, m.Sensitive, cs))
		return nil
	case signpost.MutOfferLead:
		if !lead {
			return reject("only the lead professional can offer the role; you are not this child's lead professional")
		}
		var user int64
		var ended string
		err := tx.QueryRowContext(ctx, `SELECT user_id, ended_on FROM involvements WHERE id = ? AND child_id = ?`, m.To, cid).Scan(&user, &ended)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return reject("the practitioner to offer the role to is not working with this child")
		case err != nil:
			return err
		case ended != "":
			return reject("that practitioner's involvement with this child has ended; choose someone working with the child now")
		case user == a.UserID:
			return reject("you are already the lead professional")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE involvements SET lead_offer_from = '' WHERE child_id = ?`, cid); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE involvements SET lead_offer_from = ? WHERE id = ?`, invID, m.To); err != nil {
			return err
		}
		return LogNotify(ctx, tx, directory.NotifyEvent{Kind: signpost.NoteHandoverOffered, InvolvementID: invID, ToInvolvement: m.To, ActorID: a.UserID, At: now}, cid)
	case signpost.MutAcceptLead, signpost.MutDeclineLead:
		if offerFrom == "" {
			return reject("you have not been offered the lead-professional role for this child, or the offer was withdrawn")
		}
		kind := signpost.NoteHandoverDeclined
		if m.Kind == signpost.MutAcceptLead {
			var stillLead bool
			err := tx.QueryRowContext(ctx, `SELECT lead = 1 AND ended_on = '' FROM involvements WHERE id = ?`, offerFrom).Scan(&stillLead)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if !stillLead {
				if _, err := tx.ExecContext(ctx, `UPDATE involvements SET lead_offer_from = '' WHERE id = ?`, invID); err != nil {
					return err
				}
				return reject("the offer was withdrawn: the practitioner who offered it is no longer the lead professional")
			}
			if _, err := tx.ExecContext(ctx, `UPDATE involvements SET lead = CASE WHEN id = ? THEN 1 ELSE 0 END WHERE child_id = ?`, invID, cid); err != nil {
				return err
			}
			kind = signpost.NoteHandoverAccepted
		}
		if _, err := tx.ExecContext(ctx, `UPDATE involvements SET lead_offer_from = '' WHERE id = ?`, invID); err != nil {
			return err
		}
		return LogNotify(ctx, tx, directory.NotifyEvent{Kind: kind, InvolvementID: invID, ToInvolvement: offerFrom, ActorID: a.UserID, At: now}, cid)
	}
	return fmt.Errorf("applyIssue16: kind %q", m.Kind)
}

// PendingMove is a feed update that may move a child to another authority.
type PendingMove struct {
	child    int64
	from, to int64
}

// MoveBefore reads the authority of the child a feed update names, when
// the update gives another one.
func MoveBefore(ctx context.Context, tx *sql.Tx, u *directory.ChildUpdate, auths map[string]int64) (*PendingMove, error) {
	to, ok := auths[u.AuthorityCode]
	if u.AuthorityCode == "" || !ok {
		return nil, nil
	}
	var mv PendingMove
	var from sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT id, authority_id FROM children WHERE signpost_id = ?`, u.SignpostID).Scan(&mv.child, &from)
	if errors.Is(err, sql.ErrNoRows) || !from.Valid || from.Int64 == to {
		return nil, nil // a child with no authority yet is not moving
	}
	mv.from, mv.to = from.Int64, to
	return &mv, err
}

// After records the move if the update made it.
func (mv *PendingMove) After(ctx context.Context, tx *sql.Tx, at time.Time) error {
	if mv == nil {
		return nil
	}
	var now int64
	var fromName, toName string
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(c.authority_id, 0), COALESCE((SELECT name FROM authorities WHERE id = ?2), ''),
		COALESCE((SELECT name FROM authorities WHERE id = c.authority_id), '') FROM children c WHERE c.id = ?1`, mv.child, mv.from).Scan(&now, &fromName, &toName)
	if err != nil || now == mv.from {
		return err
	}
	return LogNotify(ctx, tx, directory.NotifyEvent{Kind: signpost.NoteMovedArea, FromAuthority: fromName, ToAuthority: toName, At: at}, mv.child)
}
