package device

import (
	"time"

	"signpost"
)

// Stage is where the device is in its life: enrolling, locked, ready, wiped.
type Stage int

// Stages.
const (
	StageEnrol  Stage = iota // no cache on this device: enrol
	StageLocked              // a cache, locked: ask for the passphrase
	StageReady               // unlocked
	StageWiped               // the cache was wiped
)

// State is a snapshot of the device's state.
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
	// AttemptsLeft and Unsent are what a locked cache tells from its key
	// file: wrong passphrases left before it erases itself, and the changes
	// and offline views that erasing would lose (zero unless locked).
	AttemptsLeft int
	Unsent       int
}

// Wiped describes a wipe for the "this device was wiped" screen.
type Wiped struct {
	Message string
	Lost    int // changes that had not reached the directory, refused ones included
	// Kinds says which kinds of change were lost: "1 involvement started,
	// 1 CAF flag" ("" when not known).
	Kinds string
	At    time.Time
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
	// Pending counts the changes a person made that wait for the directory
	// (or are being sent); Views the records opened offline whose views wait
	// to be logged; Refused the changes the directory refused, kept until
	// sent again or discarded.
	Pending int
	Views   int
	Refused int
	// Message explains the last problem, if any (plain English).
	Message string
	// SignInNeeded: the directory refused the session; sign in again.
	SignInNeeded bool
	// Locked: the directory ordered the cache locked (or it locked itself).
	Locked bool
	// Wiped: the cache was wiped; State().Wiped says more.
	Wiped bool
	// OfflineLockAt is when, by this laptop's clock, the cache locks for
	// having had no contact with the directory (the policy's
	// offline_lock_hours after the last one), until an online sign-in;
	// zero before the first contact.
	OfflineLockAt time.Time
}

// EnrolRequest is what the enrolment screen collects.
type EnrolRequest struct {
	Server     string
	Username   string
	Password   string
	OTP        string
	DeviceName string
	Passphrase string
	// NewPassword, when set, is chosen at this sign-in (issue 14, accounts
	// slice: the directory asks for one after a password reset).
	NewPassword string
}

// SignInRequest signs in to the directory again.
type SignInRequest struct {
	Server   string // needed while the cache is locked
	Username string // needed while the cache is locked
	Password string
	OTP      string
	// NewPassword, when set, is chosen at this sign-in (issue 14, accounts slice).
	NewPassword string
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
	Refused     bool // the directory refused a change, kept until sent again or discarded

	// Provisional: a child met in the field, not on this laptop yet (no ID
	// until the directory has matched her; then MatchedTo until the pull
	// brings the record).
	Provisional   bool
	ChangeID      string // the met-child change, for a provisional row
	Role          string // the role she recorded, for a provisional row
	RefusedReason string // the directory's reason, when it refused the met-child change
	MatchedTo     string // the Signpost ID the directory matched her to
}

// Change states.
const (
	ChangePending  = "pending"
	ChangeInFlight = "in_flight"
	ChangeRejected = "rejected"
	// ChangeSent is a child met in the field whose change the directory
	// applied; MatchedTo says whom it matched her to.
	ChangeSent = "sent"
)

// Change is one queued change.
type Change struct {
	ID          string
	Kind        string // signpost.MutSetCAF…; signpost.MutView for a record opened offline
	ChildID     string
	Description string
	Created     time.Time
	State       string
	Reason      string // the directory's reason, for a refused change
	// What Edit may correct: the date and role of an involvement started,
	// the date of one ended, the identity and role of a child met in the field.
	On       string
	Role     string
	Identity *signpost.Identity
	// MatchedTo is the Signpost ID the directory matched a child met in
	// the field to (state sent).
	MatchedTo string
}

// ChangeEdit is a correction to a change waiting to sync: each field
// replaces the change's own (On: YYYY-MM-DD, "" for the day it was made).
type ChangeEdit struct {
	On       string
	Role     string
	Identity *signpost.Identity
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
