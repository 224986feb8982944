package localstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"signpost"
)

// Keys of the meta table.
const (
	metaDeviceID  = "device_id"
	metaUser      = "user"
	metaServerURL = "server_url"
	metaToken     = "token"
	metaCursor    = "cursor"
	metaPolicy    = "policy"
	metaContact   = "contact"
	metaAuditHead = "audit_head"
)

func getMeta(ctx context.Context, tx *sql.Tx, key string) (string, error) {
	var v string
	err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

func setMeta(ctx context.Context, tx *sql.Tx, key, value string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

func setMetaJSON(ctx context.Context, tx *sql.Tx, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return setMeta(ctx, tx, key, string(b))
}

func getMetaJSON(ctx context.Context, tx *sql.Tx, key string, v any) (bool, error) {
	s, err := getMeta(ctx, tx, key)
	if err != nil || s == "" {
		return false, err
	}
	return true, json.Unmarshal([]byte(s), v)
}

func initMeta(ctx context.Context, tx *sql.Tx, deviceID string, p signpost.Policy, c contact) error {
	if err := setMeta(ctx, tx, metaDeviceID, deviceID); err != nil {
		return err
	}
	if err := setMetaJSON(ctx, tx, metaPolicy, p); err != nil {
		return err
	}
	return setContact(ctx, tx, c)
}

// storedContact is the contact as kept in meta.
type storedContact struct {
	Server time.Time `json:"server"`
	Local  time.Time `json:"local"`
}

func setContact(ctx context.Context, tx *sql.Tx, c contact) error {
	return setMetaJSON(ctx, tx, metaContact, storedContact{Server: c.Server.UTC(), Local: c.Local.UTC()})
}

func loadContact(ctx context.Context, tx *sql.Tx) (contact, error) {
	var sc storedContact
	_, err := getMetaJSON(ctx, tx, metaContact, &sc)
	return contact{Server: sc.Server, Local: sc.Local}, err
}

func loadPolicy(ctx context.Context, tx *sql.Tx) (signpost.Policy, error) {
	var p signpost.Policy
	if _, err := getMetaJSON(ctx, tx, metaPolicy, &p); err != nil {
		return p, err
	}
	return normalisePolicy(p), nil
}

func loadUser(ctx context.Context, tx *sql.Tx) (signpost.User, error) {
	var u signpost.User
	_, err := getMetaJSON(ctx, tx, metaUser, &u)
	return u, err
}

func (s *Store) metaString(ctx context.Context, key, doing string) (string, error) {
	var v string
	err := s.read(ctx, doing, func(tx *sql.Tx) error {
		var err error
		v, err = getMeta(ctx, tx, key)
		return err
	})
	return v, err
}

func (s *Store) setMetaString(ctx context.Context, key, value, doing string) error {
	return s.write(ctx, doing, func(tx *sql.Tx) error { return setMeta(ctx, tx, key, value) })
}

// User returns the signed-in practitioner this cache belongs to (zero before
// SetUser).
func (s *Store) User(ctx context.Context) (signpost.User, error) {
	var u signpost.User
	err := s.read(ctx, "reading the signed-in user", func(tx *sql.Tx) error {
		var err error
		u, err = loadUser(ctx, tx)
		return err
	})
	return u, err
}

// Username returns the signed-in practitioner's username ("" before SetUser).
func (s *Store) Username(ctx context.Context) (string, error) {
	u, err := s.User(ctx)
	return u.Username, err
}

// SetUser records the practitioner the cache belongs to, as the directory
// described them at sign-in. Their username decides the caseload; their
// name and contacts fill in involvements they start offline. A cache belongs
// to one user: a different username fails with kind conflict.
func (s *Store) SetUser(ctx context.Context, u signpost.User) error {
	u.Username = strings.TrimSpace(u.Username)
	if u.Username == "" {
		return signpost.FieldError("username", "the username is missing")
	}
	return s.write(ctx, "saving the signed-in user", func(tx *sql.Tx) error {
		old, err := loadUser(ctx, tx)
		if err != nil {
			return err
		}
		if old.Username != "" && old.Username != u.Username {
			return &signpost.Error{Kind: signpost.KindConflict, Message: "Signpost on this laptop belongs to another user; each user has their own"}
		}
		if err := setMetaJSON(ctx, tx, metaUser, u); err != nil {
			return err
		}
		if old.Username == "" {
			// The caseload depends on who is signed in.
			return rebuildAll(ctx, tx, s.now())
		}
		return nil
	})
}

// ServerURL returns the directory's address saved with SetServerURL.
func (s *Store) ServerURL(ctx context.Context) (string, error) {
	return s.metaString(ctx, metaServerURL, "reading the directory's address")
}

// SetServerURL saves the directory's address.
func (s *Store) SetServerURL(ctx context.Context, u string) error {
	return s.setMetaString(ctx, metaServerURL, strings.TrimSpace(u), "saving the directory's address")
}

// Token returns the bearer token saved with SetToken. It lives only inside
// the encrypted database.
func (s *Store) Token(ctx context.Context) (string, error) {
	return s.metaString(ctx, metaToken, "reading the sign-in token")
}

// SetToken saves the bearer token from the last sign-in ("" forgets it).
func (s *Store) SetToken(ctx context.Context, token string) error {
	return s.setMetaString(ctx, metaToken, token, "saving the sign-in token")
}

// Cursor returns the sync cursor from the last ApplyPull ("" at first).
func (s *Store) Cursor(ctx context.Context) (string, error) {
	return s.metaString(ctx, metaCursor, "reading the sync position")
}

// Policy returns the directory's policy for this device, or the defaults
// until it has sent one.
func (s *Store) Policy(ctx context.Context) (signpost.Policy, error) {
	var p signpost.Policy
	err := s.read(ctx, "reading the policy", func(tx *sql.Tx) error {
		var err error
		p, err = loadPolicy(ctx, tx)
		return err
	})
	return p, err
}

// SetPolicy saves a policy from the directory (unset values take defaults).
// The limits that apply while the cache is locked go into the key file too.
func (s *Store) SetPolicy(ctx context.Context, p signpost.Policy) error {
	p = normalisePolicy(p)
	return s.writeKF(ctx, "saving the policy", func(tx *sql.Tx) error {
		return setMetaJSON(ctx, tx, metaPolicy, p)
	}, func(k *keyFile) { k.Policy = lockPolicyOf(p) })
}
