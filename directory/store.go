package directory

import (
	"context"
	"time"

	"signpost"
)

// Store is everything the directory keeps. The embedded implementation is
// directory/sqlcipher (one encrypted file); a PostgreSQL one can follow without
// touching the handlers. Every implementation must pass directory/storetest.
//
// Methods return *signpost.Error values for outcomes a caller acts on
// (KindNotFound, KindConflict, KindInvalid); anything else is Internal.
type Store interface {
	Ping(ctx context.Context) error
	Close() error
	// Changed returns a channel that is closed at the next committed change to
	// children, involvements, scope or devices; the long-poll waits on it.
	Changed() <-chan struct{}

	CreateAuthority(ctx context.Context, code, name string) error
	CreateOrganisation(ctx context.Context, name, authorityCode string, accredited bool) error
	// CreateAccount stores a new user; a.ID is set.
	CreateAccount(ctx context.Context, a *Account) error
	Account(ctx context.Context, username string) (*Account, error)
	SetAccountDisabled(ctx context.Context, username string, disabled bool) error

	// EnrolDevice records a device for a user on first sign-in and returns the
	// stored device (an existing one is returned unchanged but for its name).
	EnrolDevice(ctx context.Context, id, name string, userID int64, at time.Time) (*DeviceRecord, error)
	Device(ctx context.Context, id string) (*DeviceRecord, error)
	Devices(ctx context.Context) ([]signpost.Device, error)
	TouchDevice(ctx context.Context, id string, at time.Time) error
	// SetDeviceState moves a device to state (wipe_ordered, revoked, active).
	SetDeviceState(ctx context.Context, id, state string) error
	// RecordWipeReceipt marks the device wiped with the device's counts.
	RecordWipeReceipt(ctx context.Context, id string, r signpost.WipeReceipt) error

	CreateSession(ctx context.Context, s *Session) error
	Session(ctx context.Context, tokenHash []byte) (*Session, error)

	// CreateChild stores a new child with carers, school and GP.
	CreateChild(ctx context.Context, c *signpost.Child) error
	// CreateChildren stores many children in one transaction (seeding, feeds).
	CreateChildren(ctx context.Context, cs []signpost.Child) error
	// AddInvolvement records a practitioner's involvement directly (seeding, admin).
	AddInvolvement(ctx context.Context, childID, username string, inv signpost.Involvement) (string, error)
	// Child returns the full, unredacted record; redaction is the caller's job.
	Child(ctx context.Context, signpostID string) (*signpost.Child, error)
	// Candidates returns the children matching any of the keys given.
	Candidates(ctx context.Context, k CandidateKeys) ([]signpost.Candidate, error)
	SetShield(ctx context.Context, signpostID string, s *Shield) error
	ClearShield(ctx context.Context, signpostID string) error
	// AddLookup puts a child in a user's scope until expires.
	AddLookup(ctx context.Context, userID int64, signpostID string, expires time.Time) error

	// Push applies each mutation exactly once, in order, recording its id with
	// its result in the same transaction; a replay returns the first result.
	Push(ctx context.Context, a Actor, ms []signpost.Mutation, now time.Time) ([]signpost.MutationResult, error)
	// Pull returns, unredacted, what changed in a's scope after cursor.
	Pull(ctx context.Context, a Actor, cursor int64, limit int, now time.Time) (*PullPage, error)
	// HasChanges reports whether Pull after cursor would return anything.
	HasChanges(ctx context.Context, a Actor, cursor int64, now time.Time) (bool, error)

	// Audit records events (one transaction for the lot).
	Audit(ctx context.Context, evs []AuditEvent) error
	// AuditForChild returns every audit event about a child, oldest first.
	AuditForChild(ctx context.Context, signpostID string) ([]AuditEvent, error)
	// Alert records something the owning authority must look at (break-glass).
	Alert(ctx context.Context, al Alert) error
	Alerts(ctx context.Context, authority string) ([]Alert, error)

	Setting(ctx context.Context, key string) (string, error)
	SetSetting(ctx context.Context, key, value string) error
}

// Account is a user as the directory keeps them.
type Account struct {
	ID int64
	signpost.User
	Accredited   bool
	PasswordHash string
	TOTPSecret   string
	Disabled     bool
}

// DeviceRecord is a device with what only the directory needs.
type DeviceRecord struct {
	signpost.Device
	UserID        int64
	LastAuditHash string
}

// Session is a bearer token bound to a user and a device. Only the token's
// SHA-256 is kept.
type Session struct {
	TokenHash []byte
	UserID    int64
	DeviceID  string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Actor is who is asking: the signed-in user on their device.
type Actor struct {
	UserID          int64
	Username        string
	Role            string
	Authority       string
	DeviceID        string
	ChildProtection bool
	// WipeOrdered is set when the device has been ordered to wipe.
	WipeOrdered bool
}

// CandidateKeys are the indexed ways to find children; a child matching any key
// is a candidate.
type CandidateKeys struct {
	DatesOfBirth []string
	Postcode     string // normalised
	NHSNumber    string
	UPN          string
	SignpostID   string
	// Limit caps the candidates returned (0 = no cap).
	Limit int
	// FamilyName (normalised), when set, lets the store skip children whose
	// family name cannot match it (signpost.NameScore would be 0).
	FamilyName string
}

// Shield is the reason and review date of a shielding.
type Shield struct {
	Reason     string
	ReviewDate string
	By         string
	At         time.Time
}

// PullPage is one page of a pull.
type PullPage struct {
	Changes  []signpost.Child
	Removals []signpost.Removal
	Cursor   int64
	More     bool
}

// AuditEvent is one recorded search, view or change.
type AuditEvent struct {
	ID       int64
	At       time.Time
	UserID   int64
	Username string
	DeviceID string
	Action   string // search, view, break_glass, shield, unshield, push, offline_view, sign_in, wipe_order
	ChildID  string
	Reason   string
	Params   string   // the search parameters, as JSON
	Results  []string // Signpost IDs returned
	Flags    string   // e.g. "chain_break"
	// Mutation is the id of the pushed mutation that carried an offline
	// event; an event with the same Mutation is recorded only once.
	Mutation string
}

// Alert is a notice to an authority's management team.
type Alert struct {
	At        time.Time
	Authority string
	ChildID   string
	Username  string
	Kind      string
	Reason    string
}
