package sqlcipher

import (
	"context"
	"database/sql"
	"encoding/json"

	"signpost"
	"signpost/directory"
)

// CreateChild stores a new child with carers, school and GP.
func (s *Store) CreateChild(ctx context.Context, c *signpost.Child) error {
	return s.CreateChildren(ctx, []signpost.Child{*c})
}

// CreateChildren stores many children in one transaction.
func (s *Store) CreateChildren(ctx context.Context, cs []signpost.Child) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		ins, err := tx.PrepareContext(ctx, `INSERT INTO children (signpost_id, given_name, family_name, given_norm, family_norm, dob, gender, address, postcode,
			authority_id, nhs_number, upn, status, shielded, merged_into, school_code, school_name, school_phone, school_started, gp_code, gp_name, gp_phone, gp_started, seq)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT id FROM authorities WHERE name = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		carer, err := tx.PrepareContext(ctx, `INSERT INTO carers (child_id, pos, name, relationship, pr, phone, email) VALUES (?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer carer.Close()
		seq, err := nextSeq(ctx, tx)
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
			res, err := ins.ExecContext(ctx, c.SignpostID, c.GivenName, c.FamilyName, signpost.NormaliseName(c.GivenName), signpost.NormaliseName(c.FamilyName),
				c.DateOfBirth, c.Gender, c.Address, signpost.NormalisePostcode(c.Postcode), c.Authority,
				nullable(signpost.NormaliseNHSNumber(c.NHSNumber)), nullable(signpost.NormaliseUPN(c.UPN)), status, b2i(c.Shielded), c.MergedInto,
				sc.Code, sc.Name, sc.Phone, sc.StartedOn, gp.Code, gp.Name, gp.Phone, gp.StartedOn, seq)
			if err != nil {
				return err
			}
			id, _ := res.LastInsertId()
			for j, cr := range c.Carers {
				if _, err := carer.ExecContext(ctx, id, j, cr.Name, cr.Relationship, b2i(cr.ParentalResponsibility), cr.Phone, cr.Email); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if si := s.Core.Search.Load(); si != nil {
		si.MarkStale()
	}
	return wrap("storing children", err)
}

// QueryContext runs a read on the reader pool as a cached prepared statement.
func (s *Store) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ctx = calm(ctx)
	st, err := s.prep(ctx, s.r, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// Audit records events in one transaction of the audit file.
func (s *Store) Audit(ctx context.Context, evs []directory.AuditEvent) error {
	ctx = calm(ctx)
	return wrap("recording the audit", inTx(ctx, s.aw, func(tx *sql.Tx) error { return insertAudit(ctx, tx, evs) }))
}

func insertAudit(ctx context.Context, tx *sql.Tx, evs []directory.AuditEvent) error {
	ins, err := tx.PrepareContext(ctx, `INSERT INTO audit (at, user_id, username, device_id, action, child_id, reason, params, results, flags, claimed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer ins.Close()
	about, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO audit_children (child_id, audit_id) VALUES (?, ?)`)
	if err != nil {
		return err
	}
	defer about.Close()
	for _, ev := range evs {
		if ev.Mutation != "" {
			var seen int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM audit_mutations WHERE mutation = ?`, ev.Mutation).Scan(&seen); err != nil {
				return err
			}
			if seen > 0 {
				continue
			}
		}
		results := ""
		if len(ev.Results) > 0 {
			b, _ := json.Marshal(ev.Results)
			results = string(b)
		}
		claimed := ""
		if !ev.ClaimedAt.IsZero() {
			claimed = ts(ev.ClaimedAt)
		}
		res, err := ins.ExecContext(ctx, ts(ev.At), ev.UserID, ev.Username, ev.DeviceID, ev.Action, ev.ChildID, ev.Reason, ev.Params, results, ev.Flags, claimed)
		if err != nil {
			return err
		}
		id, _ := res.LastInsertId()
		if ev.Mutation != "" {
			if _, err := tx.ExecContext(ctx, `INSERT INTO audit_mutations (mutation, audit_id) VALUES (?, ?)`, ev.Mutation, id); err != nil {
				return err
			}
		}
		ids := ev.Results
		if ev.ChildID != "" {
			ids = append([]string{ev.ChildID}, ids...)
		}
		for _, c := range ids {
			if _, err := about.ExecContext(ctx, c, id); err != nil {
				return err
			}
		}
	}
	return nil
}
