package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"strings"
	"time"

	"signpost"
	"signpost/directory"
)

// CreateAuthority adds a local authority.
func (s *Core) CreateAuthority(ctx context.Context, code, name string) error {
	return s.Wrap("creating an authority", s.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO authorities (code, name) VALUES (?, ?)`, code, name)
		return err
	}))
}

// SetAuthorityContact sets the phone and email of the management team of an
// authority (by code or name), which shielded records show.
func (s *Core) SetAuthorityContact(ctx context.Context, authority, phone, email string) error {
	defer s.AccountsChanged() // the records kept show the old contact
	return s.Wrap("setting an authority's contact", s.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE authorities SET phone = ?, email = ? WHERE code = ? OR name = ?`, phone, email, authority, authority)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return NotFound("authority " + authority)
		}
		return nil
	}))
}

// CreateOrganisation adds an organisation in an authority (by code or name; ""
// for a national one).
func (s *Core) CreateOrganisation(ctx context.Context, name, authority string, accredited bool) error {
	return s.Wrap("creating an organisation", s.Write(ctx, func(tx *sql.Tx) error {
		var aid sql.NullInt64
		if authority != "" {
			if err := tx.QueryRowContext(ctx, `SELECT id FROM authorities WHERE code = ? OR name = ?`, authority, authority).Scan(&aid); errors.Is(err, sql.ErrNoRows) {
				return NotFound("authority " + authority)
			} else if err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO organisations (name, authority_id, accredited) VALUES (?, ?, ?)`, name, aid, B2I(accredited))
		return err
	}))
}

// CreateAccount adds a user to an existing organisation.
func (s *Core) CreateAccount(ctx context.Context, a *directory.Account) error {
	defer s.AccountsChanged()
	return s.Wrap("creating a user", s.Write(ctx, func(tx *sql.Tx) error {
		var oid int64
		if err := tx.QueryRowContext(ctx, `SELECT id FROM organisations WHERE name = ?`, a.Organisation).Scan(&oid); errors.Is(err, sql.ErrNoRows) {
			return NotFound("organisation " + a.Organisation)
		} else if err != nil {
			return err
		}
		var err error
		a.ID, err = s.InsertID(ctx, tx, `INSERT INTO users (username, display_name, role, job_title, organisation_id, phone, email, child_protection, password_hash, totp_secret, disabled, must_change_password)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.Username, a.DisplayName, a.Role, a.JobTitle, oid, a.Phone, a.Email, B2I(a.ChildProtection), a.PasswordHash, a.TOTPSecret, B2I(a.Disabled), B2I(a.MustChangePassword))
		return err
	}))
}

const accountCols = `u.id, u.username, u.display_name, u.role, u.job_title, o.name, COALESCE(au.name, ''), u.phone, u.email,
	u.child_protection, o.accredited, u.password_hash, u.totp_secret, u.disabled, u.must_change_password
	FROM users u JOIN organisations o ON o.id = u.organisation_id LEFT JOIN authorities au ON au.id = o.authority_id`

func scanAccount(row *sql.Row) (*directory.Account, error) {
	a := &directory.Account{}
	err := row.Scan(&a.ID, &a.Username, &a.DisplayName, &a.Role, &a.JobTitle, &a.Organisation, &a.Authority, &a.Phone, &a.Email,
		&a.ChildProtection, &a.Accredited, &a.PasswordHash, &a.TOTPSecret, &a.Disabled, &a.MustChangePassword)
	return a, err
}

// Account returns the user with the given username.
func (s *Core) Account(ctx context.Context, username string) (*directory.Account, error) {
	a, err := scanAccount(s.QueryRow(ctx, `SELECT `+accountCols+` WHERE u.username = ?`, username))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, NotFound("user " + username)
	}
	return a, s.Wrap("reading a user", err)
}

func (s *Core) accountByID(ctx context.Context, id int64) (*directory.Account, error) {
	a, err := scanAccount(s.R.QueryRowContext(ctx, `SELECT `+accountCols+` WHERE u.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, NotFound("user")
	}
	return a, s.Wrap("reading a user", err)
}

// SetAccountDisabled disables or re-enables a user.
func (s *Core) SetAccountDisabled(ctx context.Context, username string, disabled bool) error {
	defer s.AccountsChanged()
	err := s.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET disabled = ? WHERE username = ?`, B2I(disabled), username)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return NotFound("user " + username)
		}
		// The account's devices get a change number: a directory keeping
		// what it read of them (in this process or another) reads again.
		seq, err := s.NextSeq(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE devices SET seq = ? WHERE user_id = (SELECT id FROM users WHERE username = ?)`, seq, username); err != nil {
			return err
		}
		return nil
	})
	if err == nil {
		s.Broadcast()
	}
	return s.Wrap("updating a user", err)
}

// UseTOTPStep records step as the user's last accepted TOTP step if it is
// later than the one recorded: one conditional update, so of two racing
// sign-ins with one code exactly one changes the row.
func (s *Core) UseTOTPStep(ctx context.Context, userID, step int64) (bool, error) {
	var used bool
	err := s.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?`, step, userID, step)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		used = n == 1
		return err
	})
	return used, s.Wrap("recording a security code", err)
}

// EnrolDevice records a device for a user, or returns the existing one.
func (s *Core) EnrolDevice(ctx context.Context, id, name string, userID int64, at time.Time) (*directory.DeviceRecord, error) {
	err := s.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO devices (id, user_id, name, enrolled_at, last_seen) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET name = excluded.name WHERE devices.user_id = excluded.user_id`, id, userID, name, TS(at), TS(at))
		return err
	})
	if err != nil {
		return nil, s.Wrap("enrolling a device", err)
	}
	return s.Device(ctx, id)
}

const deviceCols = `d.id, u.username, d.name, d.last_seen, d.state, d.receipt_pushed, d.receipt_lost, d.receipt_wiped, d.receipt_at, d.user_id, d.last_audit_hash,
	d.wipe_ordered_at, d.wipe_ordered_by, d.wipe_reason, d.app_version, d.os
	FROM devices d JOIN users u ON u.id = d.user_id`

func scanDevice(row RowScanner) (*directory.DeviceRecord, error) {
	d := &directory.DeviceRecord{}
	var lastSeen, ordered string
	var pushed, lost sql.NullInt64
	var wiped, rat sql.NullString
	if err := row.Scan(&d.ID, &d.User, &d.Name, &lastSeen, &d.State, &pushed, &lost, &wiped, &rat, &d.UserID, &d.LastAuditHash, &ordered, &d.WipeOrderedBy, &d.WipeReason,
		&d.AppVersion, &d.OS); err != nil {
		return nil, err
	}
	d.LastSeen = ParseTS(lastSeen)
	if ordered != "" {
		d.WipeOrderedAt = ParseTS(ordered)
	}
	if rat.Valid {
		d.Receipt = &signpost.WipeReceipt{Pushed: int(pushed.Int64), Lost: int(lost.Int64), WipedAt: ParseTS(wiped.String), Received: ParseTS(rat.String)}
	}
	return d, nil
}

// Device returns one device.
func (s *Core) Device(ctx context.Context, id string) (*directory.DeviceRecord, error) {
	d, err := scanDevice(s.QueryRow(ctx, `SELECT `+deviceCols+` WHERE d.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, NotFound("device")
	}
	return d, s.Wrap("reading a device", err)
}

// Devices lists a page of devices, most recently seen first (or, with
// f.Oldest, least recently), filtered by user, name, state and last contact.
func (s *Core) Devices(ctx context.Context, f directory.DeviceFilter) ([]signpost.Device, error) {
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	seen, id, _ := strings.Cut(f.After, "|")
	page, order := `(d.last_seen < ? OR (d.last_seen = ? AND d.id > ?))`, `d.last_seen DESC, d.id`
	if f.After == "" {
		seen = "\uffff" // after everything: the first page
	}
	if f.Oldest {
		page, order = `(d.last_seen > ? OR (d.last_seen = ? AND d.id > ?))`, `d.last_seen, d.id`
		if f.After == "" {
			seen = ""
		}
	}
	where, args := []string{page}, []any{seen, seen, id}
	if f.User != "" {
		where, args = append(where, `u.username `+s.ILike+` ? ESCAPE '\'`), append(args, "%"+likeEscape(f.User)+"%")
	}
	if f.Name != "" {
		where, args = append(where, `d.name `+s.ILike+` ? ESCAPE '\'`), append(args, "%"+likeEscape(f.Name)+"%")
	}
	if f.State != "" {
		where, args = append(where, `d.state = ?`), append(args, f.State)
	}
	if !f.NotSeenSince.IsZero() {
		where, args = append(where, `d.last_seen < ?`), append(args, TS(f.NotSeenSince))
	}
	rows, err := s.R.QueryContext(ctx, `SELECT `+deviceCols+` WHERE `+strings.Join(where, " AND ")+` ORDER BY `+order+` LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, s.Wrap("listing devices", err)
	}
	defer rows.Close()
	out := []signpost.Device{}
	for rows.Next() {
		d, err := scanDevice(rows)
		if err != nil {
			return nil, s.Wrap("listing devices", err)
		}
		out = append(out, d.Device)
	}
	return out, s.Wrap("listing devices", rows.Err())
}

// likeEscape escapes the wildcards of a LIKE pattern.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// TouchDevice records that the device was seen.
func (s *Core) TouchDevice(ctx context.Context, id string, at time.Time) error {
	return s.Wrap("updating a device", s.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE devices SET last_seen = ? WHERE id = ?`, TS(at), id)
		return err
	}))
}

// deviceState reads a device's state inside a transaction.
func deviceState(ctx context.Context, tx *sql.Tx, id string) (string, error) {
	var state string
	err := tx.QueryRowContext(ctx, `SELECT state FROM devices WHERE id = ?`, id).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return "", NotFound("device")
	}
	return state, err
}

// MoveDevice moves a device to another state by directory.CheckDeviceMove.
func (s *Core) MoveDevice(ctx context.Context, id string, m directory.DeviceMove) (*directory.DeviceRecord, error) {
	var d *directory.DeviceRecord
	err := s.Write(ctx, func(tx *sql.Tx) error {
		from, err := deviceState(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := directory.CheckDeviceMove(from, m.To); err != nil {
			return err
		}
		switch {
		case from == m.To && m.Reason != "":
			// A repeated wipe order: the first one's time and author stand;
			// the reason may change (a leaver's laptop reported lost).
			_, err = tx.ExecContext(ctx, `UPDATE devices SET wipe_reason = ? WHERE id = ?`, m.Reason, id)
		case from == m.To:
		case m.To == signpost.DeviceWipeOrdered:
			_, err = tx.ExecContext(ctx, `UPDATE devices SET state = ?, wipe_ordered_at = ?, wipe_ordered_by = ?, wipe_reason = ? WHERE id = ?`, m.To, TS(m.At), m.By, m.Reason, id)
		case m.To == signpost.DeviceActive:
			// A cancelled order leaves no trace on the device (the audit keeps it).
			_, err = tx.ExecContext(ctx, `UPDATE devices SET state = ?, wipe_ordered_at = '', wipe_ordered_by = '', wipe_reason = '' WHERE id = ?`, m.To, id)
		default:
			_, err = tx.ExecContext(ctx, `UPDATE devices SET state = ? WHERE id = ?`, m.To, id)
		}
		if err != nil {
			return err
		}
		if m.To == signpost.DeviceRevoked {
			// A revoked device's tokens are worthless from now on; they are
			// remembered only to tell the laptop (issue 14, accounts slice).
			if _, err := tx.ExecContext(ctx, s.InsertIgnore(`INSERT INTO revoked_sessions (token_hash, device_id, expires_at)
				SELECT token_hash, device_id, expires_at FROM sessions WHERE device_id = ?`), id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE device_id = ?`, id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE devices SET credential_hash = NULL WHERE id = ?`, id); err != nil {
				return err
			}
		}
		// A change number of its own, so a long-poll of the device's user
		// (in this process or another) is woken by the move.
		seq, err := s.NextSeq(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE devices SET seq = ? WHERE id = ?`, seq, id); err != nil {
			return err
		}
		d, err = scanDevice(tx.QueryRowContext(ctx, `SELECT `+deviceCols+` WHERE d.id = ?`, id))
		return err
	})
	if err != nil {
		return nil, s.Wrap("moving a device to "+m.To, err)
	}
	s.Broadcast()
	return d, nil
}

// SetDeviceCredential replaces the SHA-256 of a device's credential.
func (s *Core) SetDeviceCredential(ctx context.Context, id string, hash []byte) error {
	return s.Wrap("keeping a device credential", s.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE devices SET credential_hash = ? WHERE id = ?`, hash, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return NotFound("device")
		}
		return nil
	}))
}

// DeviceByCredential returns the device whose credential has this SHA-256.
func (s *Core) DeviceByCredential(ctx context.Context, hash []byte) (*directory.DeviceRecord, error) {
	d, err := scanDevice(s.QueryRow(ctx, `SELECT `+deviceCols+` WHERE d.credential_hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, NotFound("device")
	}
	return d, s.Wrap("reading a device by its credential", err)
}

// RecordWipeReceipt marks a device wiped, keeping the device's counts, if a
// wipe was ordered.
func (s *Core) RecordWipeReceipt(ctx context.Context, id string, r signpost.WipeReceipt) error {
	err := s.Write(ctx, func(tx *sql.Tx) error {
		from, err := deviceState(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := directory.CheckDeviceMove(from, signpost.DeviceWiped); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE devices SET state = 'wiped', receipt_pushed = ?, receipt_lost = ?, receipt_wiped = ?, receipt_at = ?, credential_hash = NULL WHERE id = ?`,
			r.Pushed, r.Lost, TS(r.WipedAt), TS(r.Received), id); err != nil {
			return err
		}
		// A wiped device's tokens are worthless from now on.
		_, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE device_id = ?`, id)
		return err
	})
	if err != nil {
		return s.Wrap("recording a wipe receipt", err)
	}
	s.Broadcast()
	return nil
}

// CreateSession stores a session, sweeping the device's own expired ones and
// all those expired for longer than directory.WipeGrace.
func (s *Core) CreateSession(ctx context.Context, se *directory.Session) error {
	return s.Wrap("creating a session", s.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE device_id = ? AND expires_at < ?`, se.DeviceID, TS(se.CreatedAt)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < ?`, TS(se.CreatedAt.Add(-directory.WipeGrace))); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM revoked_sessions WHERE expires_at < ?`, TS(se.CreatedAt.Add(-directory.WipeGrace))); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET last_sign_in = ? WHERE id = ?`, TS(se.CreatedAt), se.UserID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, device_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			se.TokenHash, se.UserID, se.DeviceID, TS(se.CreatedAt), TS(se.ExpiresAt))
		return err
	}))
}

// Session returns the session with the given token hash.
func (s *Core) Session(ctx context.Context, hash []byte) (*directory.Session, error) {
	se := &directory.Session{TokenHash: hash}
	var created, expires string
	err := s.QueryRow(ctx, `SELECT user_id, device_id, created_at, expires_at FROM sessions WHERE token_hash = ?`, hash).
		Scan(&se.UserID, &se.DeviceID, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, NotFound("session")
	}
	se.CreatedAt, se.ExpiresAt = ParseTS(created), ParseTS(expires)
	return se, s.Wrap("reading a session", err)
}

// Setting returns a setting, or "" when unset.
func (s *Core) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.R.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, s.Wrap("reading a setting", err)
}

// SetSetting stores a setting.
func (s *Core) SetSetting(ctx context.Context, key, value string) error {
	return s.Wrap("saving a setting", s.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
		return err
	}))
}

// Alert records a notice for an authority; one with a Dedupe key already
// used is not recorded again.
func (s *Core) Alert(ctx context.Context, al directory.Alert) error {
	return s.Wrap("recording an alert", s.Write(ctx, func(tx *sql.Tx) error {
		var dedupe any
		if al.Dedupe != "" {
			dedupe = al.Dedupe
		}
		_, err := tx.ExecContext(ctx, s.InsertIgnore(`INSERT INTO alerts (at, authority, child_id, username, kind, reason, dedupe) VALUES (?, ?, ?, ?, ?, ?, ?)`),
			TS(al.At), al.Authority, al.ChildID, al.Username, al.Kind, al.Reason, dedupe)
		return err
	}))
}

// Alerts lists a page of an authority's alerts, newest first.
func (s *Core) Alerts(ctx context.Context, f directory.AlertFilter) ([]directory.Alert, error) {
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	before := f.BeforeID
	if before <= 0 {
		before = math.MaxInt64
	}
	rows, err := s.R.QueryContext(ctx, `SELECT id, at, authority, child_id, username, kind, reason, COALESCE(dedupe, ''), ack_by, ack_at, ack_note FROM alerts
		WHERE authority = ? AND id < ? ORDER BY id DESC LIMIT ?`, f.Authority, before, limit)
	if err != nil {
		return nil, s.Wrap("listing alerts", err)
	}
	defer rows.Close()
	var out []directory.Alert
	for rows.Next() {
		var al directory.Alert
		var at, ackAt string
		if err := rows.Scan(&al.ID, &at, &al.Authority, &al.ChildID, &al.Username, &al.Kind, &al.Reason, &al.Dedupe, &al.AckBy, &ackAt, &al.AckNote); err != nil {
			return nil, s.Wrap("listing alerts", err)
		}
		al.At = ParseTS(at)
		if ackAt != "" { // issue 14, slice access
			al.AckAt = ParseTS(ackAt)
		}
		out = append(out, al)
	}
	return out, s.Wrap("listing alerts", rows.Err())
}

// Issue 14, accounts slice: what a management team manages.

// Accounts lists a page of the users of an authority's organisations, by
// username.
func (s *Core) Accounts(ctx context.Context, f directory.AccountFilter) ([]signpost.AccountSummary, error) {
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := s.R.QueryContext(ctx, `SELECT u.username, u.display_name, u.role, u.job_title, o.name, u.disabled, u.must_change_password, u.last_sign_in,
		(SELECT COUNT(*) FROM devices d WHERE d.user_id = u.id AND d.state IN ('active', 'wipe_ordered'))
		FROM users u JOIN organisations o ON o.id = u.organisation_id JOIN authorities au ON au.id = o.authority_id
		WHERE au.name = ? AND u.username > ? ORDER BY u.username LIMIT ?`, f.Authority, f.After, limit)
	if err != nil {
		return nil, s.Wrap("listing accounts", err)
	}
	defer rows.Close()
	out := []signpost.AccountSummary{}
	for rows.Next() {
		var a signpost.AccountSummary
		var last string
		if err := rows.Scan(&a.Username, &a.DisplayName, &a.Role, &a.JobTitle, &a.Organisation, &a.Disabled, &a.MustChangePassword, &last, &a.Devices); err != nil {
			return nil, s.Wrap("listing accounts", err)
		}
		if last != "" {
			a.LastSignIn = ParseTS(last)
		}
		out = append(out, a)
	}
	return out, s.Wrap("listing accounts", rows.Err())
}

// SetAccountTOTP replaces a user's TOTP secret and ends their sessions.
func (s *Core) SetAccountTOTP(ctx context.Context, username, secret string) error {
	return s.changeAccount(ctx, "resetting an authenticator", username, true,
		`UPDATE users SET totp_secret = ?, totp_last_step = 0 WHERE username = ?`, secret, username)
}

// SetAccountPassword replaces a user's password hash; a reset (mustChange)
// ends their sessions.
func (s *Core) SetAccountPassword(ctx context.Context, username, hash string, mustChange bool) error {
	return s.changeAccount(ctx, "setting a password", username, mustChange,
		`UPDATE users SET password_hash = ?, must_change_password = ? WHERE username = ?`, hash, B2I(mustChange), username)
}

// changeAccount runs one update of a user's row and, with end, ends every
// session of theirs; their devices get a change number either way, so a
// directory keeping what it read of them reads again.
func (s *Core) changeAccount(ctx context.Context, doing, username string, end bool, query string, args ...any) error {
	defer s.AccountsChanged()
	err := s.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return NotFound("user " + username)
		}
		if end {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = ?)`, username); err != nil {
				return err
			}
		}
		return s.bumpDevices(ctx, tx, `user_id = (SELECT id FROM users WHERE username = ?)`, username)
	})
	if err == nil {
		s.Broadcast()
	}
	return s.Wrap(doing, err)
}

// bumpDevices gives the devices matching where a new change number.
func (s *Core) bumpDevices(ctx context.Context, tx *sql.Tx, where string, args ...any) error {
	seq, err := s.NextSeq(ctx, tx)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE devices SET seq = ? WHERE `+where, append([]any{seq}, args...)...)
	return err
}

// Organisations lists a page of an authority's organisations by id.
func (s *Core) Organisations(ctx context.Context, f directory.OrganisationFilter) ([]signpost.Organisation, error) {
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := s.R.QueryContext(ctx, `SELECT o.id, o.name, o.accredited, (SELECT COUNT(*) FROM users u WHERE u.organisation_id = o.id)
		FROM organisations o JOIN authorities au ON au.id = o.authority_id WHERE au.name = ? AND o.id > ? ORDER BY o.id LIMIT ?`, f.Authority, f.After, limit)
	if err != nil {
		return nil, s.Wrap("listing organisations", err)
	}
	defer rows.Close()
	out := []signpost.Organisation{}
	for rows.Next() {
		var o signpost.Organisation
		if err := rows.Scan(&o.ID, &o.Name, &o.Accredited, &o.Users); err != nil {
			return nil, s.Wrap("listing organisations", err)
		}
		out = append(out, o)
	}
	return out, s.Wrap("listing organisations", rows.Err())
}

// Organisation returns one organisation and its authority's name.
func (s *Core) Organisation(ctx context.Context, id int64) (*directory.OrganisationRecord, error) {
	var o directory.OrganisationRecord
	err := s.QueryRow(ctx, `SELECT o.id, o.name, o.accredited, COALESCE(au.name, ''), (SELECT COUNT(*) FROM users u WHERE u.organisation_id = o.id)
		FROM organisations o LEFT JOIN authorities au ON au.id = o.authority_id WHERE o.id = ?`, id).
		Scan(&o.ID, &o.Name, &o.Accredited, &o.Authority, &o.Users)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, NotFound("organisation")
	}
	return &o, s.Wrap("reading an organisation", err)
}

// SetOrganisationAccredited turns an organisation's accreditation on or off.
func (s *Core) SetOrganisationAccredited(ctx context.Context, id int64, accredited bool) error {
	defer s.AccountsChanged()
	err := s.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE organisations SET accredited = ? WHERE id = ?`, B2I(accredited), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return NotFound("organisation")
		}
		return s.bumpDevices(ctx, tx, `user_id IN (SELECT id FROM users WHERE organisation_id = ?)`, id)
	})
	if err == nil {
		s.Broadcast()
	}
	return s.Wrap("changing an organisation's accreditation", err)
}

// AuthorityContact returns the phone and email of an authority's team.
func (s *Core) AuthorityContact(ctx context.Context, authority string) (phone, email string, err error) {
	err = s.QueryRow(ctx, `SELECT phone, email FROM authorities WHERE code = ? OR name = ?`, authority, authority).Scan(&phone, &email)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", NotFound("authority " + authority)
	}
	return phone, email, s.Wrap("reading an authority's contact", err)
}

// AuditOfAction returns the last limit audit events of an action (an
// administrative one, such as account_disable), newest first: what an
// operator, or a test, reads to see who did it and why.
func (s *Core) AuditOfAction(ctx context.Context, action string, limit int) ([]directory.AuditEvent, error) {
	rows, err := s.AR.QueryContext(ctx, `SELECT id, at, user_id, username, device_id, action, reason, params FROM audit
		WHERE action = ? ORDER BY id DESC LIMIT ?`, action, limit)
	if err != nil {
		return nil, s.Wrap("reading the audit", err)
	}
	defer rows.Close()
	var out []directory.AuditEvent
	for rows.Next() {
		var ev directory.AuditEvent
		var at string
		if err := rows.Scan(&ev.ID, &at, &ev.UserID, &ev.Username, &ev.DeviceID, &ev.Action, &ev.Reason, &ev.Params); err != nil {
			return nil, s.Wrap("reading the audit", err)
		}
		ev.At = ParseTS(at)
		out = append(out, ev)
	}
	return out, s.Wrap("reading the audit", rows.Err())
}

// SetDeviceAgent records the app version and OS a device last reported.
func (s *Core) SetDeviceAgent(ctx context.Context, id, version, os string) error {
	return s.Wrap("recording a device's app version", s.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE devices SET app_version = ?, os = ? WHERE id = ?`, version, os, id)
		return err
	}))
}

// RevokedSession returns the device whose session of this token hash a
// revoke ended (KindNotFound if none).
func (s *Core) RevokedSession(ctx context.Context, hash []byte) (string, error) {
	var id string
	err := s.QueryRow(ctx, `SELECT device_id FROM revoked_sessions WHERE token_hash = ?`, hash).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", NotFound("session")
	}
	return id, s.Wrap("reading a revoked session", err)
}
