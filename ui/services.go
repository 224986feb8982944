package ui

import (
	"context"
	"time"

	"signpost"
)

// Services is everything the screens ask of the app: the device cache, the
// directory and the sync engine behind one interface. The real implementation
// lives in cmd/signpost; tests drive the screens with a fake.
//
// Every method but State, Subscribe and SyncNow may block (disk, network,
// Argon2): the screens call them only through the bridge, never in a UI
// callback. Errors are *signpost.Error with a kind and a person-safe message.
type Services interface {
	// State is a snapshot of where the app is (held in memory; it does no I/O).
	State() State
	// Subscribe registers f for sync status updates, called from any goroutine.
	// The returned function unsubscribes.
	Subscribe(f func(Status)) (cancel func())

	// Enrol signs in to the directory for the first time, creates the
	// encrypted cache protected by req.Passphrase and runs the first sync,
	// reporting progress (from any goroutine, possibly just after Enrol has
	// returned). It leaves the cache unlocked.
	Enrol(ctx context.Context, req EnrolRequest, progress func(Status)) error
	// Unlock opens the cache with its passphrase and starts syncing.
	Unlock(ctx context.Context, passphrase string) error
	// SignIn signs in to the directory again: when the directory refused the
	// saved session, or when the cache was locked for being offline too long
	// (then call Unlock after it; the address and username are needed only
	// then, since a locked cache cannot tell them).
	SignIn(ctx context.Context, req SignInRequest) error
	// Lock stops syncing and locks the cache.
	Lock() error
	// SyncNow asks for a sync at once. It does not block.
	SyncNow()

	// Caseload lists the children the practitioner works with, filtered by
	// name or Signpost ID.
	Caseload(ctx context.Context, filter string) ([]Case, error)
	// ViewChild opens a child's record; the view is audited. A child not on
	// the caseload needs a reason: without one it fails with an invalid error
	// naming the field "reason".
	ViewChild(ctx context.Context, id, reason string) (*Record, error)
	// Refresh re-reads a record already on show (after a change or a sync)
	// without recording another view.
	Refresh(ctx context.Context, id string) (*Record, error)
	// Search runs a signposting search online, or in the cache when offline.
	Search(ctx context.Context, req signpost.SearchRequest) (SearchResult, error)

	// StartInvolvement records that the practitioner works with a child.
	StartInvolvement(ctx context.Context, childID, role string) error
	// EndInvolvement ends the practitioner's involvement.
	EndInvolvement(ctx context.Context, childID string) error
	// SetCAF marks whether the practitioner holds a CAF/early-help assessment.
	SetCAF(ctx context.Context, childID string, on bool) error
	// SetLead marks whether the practitioner is the lead professional.
	SetLead(ctx context.Context, childID string, on bool) error
	// MetChild records work with a child who is not in the cache, by identity.
	MetChild(ctx context.Context, id signpost.Identity, role string) error

	// Outbox lists the changes waiting for the directory, and those it refused.
	Outbox(ctx context.Context) ([]Change, error)
	// Retry queues a refused change again.
	Retry(ctx context.Context, id string) error
	// Dismiss discards a refused change.
	Dismiss(ctx context.Context, id string) error

	// Devices lists enrolled devices (IT admin).
	Devices(ctx context.Context) ([]signpost.Device, error)
	// OrderWipe orders a device wiped at its next contact (IT admin).
	OrderWipe(ctx context.Context, id string) (signpost.Device, error)

	// Shield and Unshield change a child's shielding (management team of the
	// child's authority); BreakGlass shows a shielded record in full, once.
	Shield(ctx context.Context, id string, req signpost.ShieldRequest) (*Record, error)
	Unshield(ctx context.Context, id string) (*Record, error)
	BreakGlass(ctx context.Context, id, reason string) (*Record, error)

	// ChangePassphrase re-wraps the cache key under a new passphrase.
	ChangePassphrase(ctx context.Context, oldPass, newPass string) error
	// SetServer changes the directory's address.
	SetServer(ctx context.Context, url string) error
}

// Stage is where the app is in its life on this device.
type Stage int

// Stages.
const (
	StageEnrol  Stage = iota // no cache on this device: enrol
	StageLocked              // a cache, locked: ask for the passphrase
	StageReady               // unlocked
	StageWiped               // the cache was wiped
)

// State is a snapshot of the app's state.
type State struct {
	Stage  Stage
	User   signpost.User   // the practitioner (known once enrolled and unlocked)
	Policy signpost.Policy // the directory's policy
	Server string          // the directory's address
	// Hint is shown on the unlock screen (the demo shows its passphrase).
	Hint string
	// Wiped says what happened, on the wiped screen.
	Wiped *Wiped
	// Online is the last known connection state.
	Online bool
}

// Wiped describes a wipe for the "this device was wiped" screen.
type Wiped struct {
	Message string
	Lost    int // changes that had not reached the directory
	At      time.Time
}

// Status is the sync state the status bar shows.
type Status struct {
	Online bool
	// Checking: not yet known whether the directory can be reached (the
	// first sync after unlocking has not been answered).
	Checking   bool
	Syncing    bool
	Done       int // progress of the current sync phase
	Total      int // 0 when not known
	Step       string
	LastSynced time.Time
	Pending    int
	// Message explains the last problem, if any (plain English).
	Message string
	// SignInNeeded: the directory refused the session; sign in again.
	SignInNeeded bool
	// Locked: the directory ordered the cache locked (or it locked itself).
	Locked bool
	// Wiped: the cache was wiped; State().Wiped says more.
	Wiped bool
}

// EnrolRequest is what the enrolment screen collects.
type EnrolRequest struct {
	Server     string
	Username   string
	Password   string
	OTP        string
	DeviceName string
	Passphrase string
}

// SignInRequest signs in to the directory again.
type SignInRequest struct {
	Server   string // needed while the cache is locked
	Username string // needed while the cache is locked
	Password string
	OTP      string
}

// Case is one line of the caseload.
type Case struct {
	ID          string
	GivenName   string
	FamilyName  string
	DateOfBirth string
	Shielded    bool
	Lead        bool // the practitioner is the lead professional
	CAF         bool // the practitioner holds a CAF/early-help assessment
	Pending     bool // a change has not yet reached the directory
}

// Change states.
const (
	ChangePending  = "pending"
	ChangeInFlight = "in_flight"
	ChangeRejected = "rejected"
)

// Change is one queued change.
type Change struct {
	ID          string
	ChildID     string
	Description string
	Created     time.Time
	State       string
	Reason      string // the directory's reason, for a refused change
}

// Record is a child's record as the child screen shows it.
type Record struct {
	Child *signpost.Child
	// OnCaseload: the practitioner has an active involvement.
	OnCaseload bool
	// Pending are the practitioner's changes to this child not yet confirmed.
	Pending []Change
	// FromCache: read from this device's cache (the directory was not asked).
	FromCache bool
	// BrokeGlass: shown in full through break-glass.
	BrokeGlass bool
}

// SearchResult answers a search.
type SearchResult struct {
	Matches []signpost.Match
	TooMany bool
	// Offline: the directory could not be reached; only this device's cache
	// was searched.
	Offline bool
}
