package directory

import (
	"context"
	"strconv"
	"strings"
	"time"

	"signpost"
	"signpost/directory/match"
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
	// Changed returns a channel that is closed at the next change committed
	// by this process to children, involvements, scope or devices.
	Changed() <-chan struct{}
	// Head returns the change number the store has reached (by any
	// process's writes).
	Head(ctx context.Context) (int64, error)
	// Affected returns the users whose pull the changes numbered in
	// (from, to] may change (a changed child in their scope, a scope event
	// of theirs, a move of one of their devices) and the devices moved.
	Affected(ctx context.Context, from, to int64, now time.Time) (users []int64, devices []string, err error)

	CreateAuthority(ctx context.Context, code, name string) error
	// SetAuthorityContact sets the phone and email of the management team
	// of an authority (by code or name); NotFound for one not held.
	SetAuthorityContact(ctx context.Context, authority, phone, email string) error
	CreateOrganisation(ctx context.Context, name, authorityCode string, accredited bool) error
	// CreateAccount stores a new user; a.ID is set.
	CreateAccount(ctx context.Context, a *Account) error
	Account(ctx context.Context, username string) (*Account, error)
	SetAccountDisabled(ctx context.Context, username string, disabled bool) error

	// EnrolDevice records a device for a user on first sign-in and returns the
	// stored device (an existing one is returned unchanged but for its name).
	EnrolDevice(ctx context.Context, id, name string, userID int64, at time.Time) (*DeviceRecord, error)
	Device(ctx context.Context, id string) (*DeviceRecord, error)
	// Devices lists a page of devices, most recently seen first.
	Devices(ctx context.Context, f DeviceFilter) ([]signpost.Device, error)
	TouchDevice(ctx context.Context, id string, at time.Time) error
	// RecordWipeReceipt marks the device wiped with the device's counts and
	// ends its sessions, only while a wipe is ordered (CheckDeviceMove; else
	// KindConflict). The counts and date are the caller's to check.
	RecordWipeReceipt(ctx context.Context, id string, r signpost.WipeReceipt) error

	// CreateSession stores a session and sweeps old ones: the device's own
	// expired sessions (it has a new token now) and every session that
	// expired more than WipeGrace ago. Other expired sessions are kept: a
	// device ordered to wipe later may still use its expired token for its
	// last push and its receipt.
	CreateSession(ctx context.Context, s *Session) error
	// Session returns the session of a token hash, expired or not.
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
	// ShieldedNow returns which of the children given are shielded, read
	// from the store itself (not from any index kept in memory).
	ShieldedNow(ctx context.Context, signpostIDs []string) (map[string]bool, error)
	SetShield(ctx context.Context, signpostID string, s *Shield) error
	ClearShield(ctx context.Context, signpostID string) error
	// AddLookup puts a child in a user's scope until expires.
	AddLookup(ctx context.Context, userID int64, signpostID string, expires time.Time) error
	// RecordView records that someone opened a child's record: the look-up
	// that keeps it in their scope until v.Expires and, for a child off
	// their caseload, that child in the day's count. It returns the number
	// of children off their caseload opened on v.Day; once v.Max are
	// counted, a child not yet among them is refused (KindRateLimited) and
	// nothing is recorded.
	RecordView(ctx context.Context, v ViewRecord) (int, error)
	// AccessCount returns the stored count of action (search, view_miss)
	// by a user on day (YYYY-MM-DD, England's calendar).
	AccessCount(ctx context.Context, userID int64, day, action string) (int, error)
	// SaveAccessCounts stores counts of the day; a count is never lowered.
	SaveAccessCounts(ctx context.Context, cs []AccessCount) error

	// Push applies each mutation exactly once, in order, recording its id with
	// its result in the same transaction; a replay returns the first result.
	Push(ctx context.Context, a Actor, ms []signpost.Mutation, now time.Time) ([]signpost.MutationResult, error)
	// Pull returns, unredacted, what changed in a's scope after cursor.
	Pull(ctx context.Context, a Actor, cursor Cursor, limit int, now time.Time) (*PullPage, error)
	// HasChanges reports whether Pull after cursor would return anything.
	HasChanges(ctx context.Context, a Actor, cursor Cursor, now time.Time) (bool, error)

	// Audit records events (one transaction for the lot).
	Audit(ctx context.Context, evs []AuditEvent) error
	// AuditForChild returns every audit event about a child, oldest first.
	AuditForChild(ctx context.Context, signpostID string) ([]AuditEvent, error)
	// Alert records something the owning authority must look at
	// (break-glass, harvest). An alert whose Dedupe key was already used is
	// not recorded again.
	Alert(ctx context.Context, al Alert) error
	// Alerts lists an authority's alerts, newest first, one page.
	Alerts(ctx context.Context, f AlertFilter) ([]Alert, error)

	Setting(ctx context.Context, key string) (string, error)
	SetSetting(ctx context.Context, key, value string) error

	// Feeds, record matching, review and retention.

	// ScanIdentities calls fn for every child the matcher may match: every
	// child neither archived nor merged.
	ScanIdentities(ctx context.Context, fn func(match.Identity) error) error
	// IDCodec turns the serials AllocateSerials gives into Signpost IDs
	// (in an order that cannot be guessed) and back.
	IDCodec() *signpost.IDCodec
	// AllocateSerials reserves n Signpost serials that no child has ever had
	// and returns the first; the counter never goes back.
	AllocateSerials(ctx context.Context, n int) (int, error)
	// ReleaseSerials gives back the serials [from, to) of the last
	// allocation, unused, if no other has been made since.
	ReleaseSerials(ctx context.Context, from, to int) error
	// ApplyFeed applies a batch of import decisions in one transaction.
	ApplyFeed(ctx context.Context, b *FeedBatch) (*FeedResult, error)
	// SetConsent records whether a child's record may be kept to 25.
	SetConsent(ctx context.Context, signpostID string, consent bool) error
	// Reviews lists review items, oldest first.
	Reviews(ctx context.Context, f ReviewFilter) ([]ReviewItem, error)
	// ReviewItem returns one review item.
	ReviewItem(ctx context.Context, id int64) (*ReviewItem, error)
	// Issue 14, slice review: the open count for the review tab's badge,
	// and a merge tried and rolled back.
	// CountReviews counts the review items f selects (Limit and After aside).
	CountReviews(ctx context.Context, f ReviewFilter) (int, error)
	// PreviewMerge returns the record merging from into into would give,
	// changing nothing (MergeOrder's rules; KindConflict as ApplyFeed's).
	PreviewMerge(ctx context.Context, from, into string, now time.Time) (*signpost.Child, error)
	// Retain applies the retention rules as of today: archives the records
	// of the dead after a year and of young people at 18 (25 with consent),
	// and purges records six years after they were archived.
	Retain(ctx context.Context, today time.Time) (*Retention, error)

	// Sign-in and device safety.

	// UseTOTPStep records that a security code of time step step (RFC 6238)
	// was accepted for the user, and reports true, if step is later than the
	// last one recorded; else it changes nothing and reports false (a code
	// is used once: RFC 6238 section 5.2). Check and record are one atomic
	// step, so two sign-ins racing with one code cannot both pass.
	UseTOTPStep(ctx context.Context, userID, step int64) (bool, error)
	// MoveDevice moves a device to m.To in one transaction, if
	// CheckDeviceMove allows it from the device's state (else KindConflict;
	// an unknown device is KindNotFound), and returns the device as stored.
	// Ordering a wipe records m.At, m.By and m.Reason (ordering it again
	// changes only the reason, if one is given); cancelling it (to active)
	// clears them; revoking ends every session of the device and its
	// credential.
	MoveDevice(ctx context.Context, id string, m DeviceMove) (*DeviceRecord, error)
	// SetDeviceCredential replaces the SHA-256 of the device's credential.
	SetDeviceCredential(ctx context.Context, id string, hash []byte) error
	// DeviceByCredential returns the device whose credential has this
	// SHA-256 (KindNotFound if none: a wiped or revoked device has none).
	DeviceByCredential(ctx context.Context, hash []byte) (*DeviceRecord, error)

	// Issue 14, slice access (directory/access.go).

	// AckAlert acknowledges an alert of ack.Authority and returns it
	// (KindNotFound for one not of that authority; KindConflict if it was
	// already acknowledged).
	AckAlert(ctx context.Context, ack AlertAck) (*Alert, error)
	// AlertCounts counts an authority's unacknowledged alerts, and of
	// those the ones raised before escalateBefore.
	AlertCounts(ctx context.Context, authority string, escalateBefore time.Time) (signpost.AlertCounts, error)
	// Shielded lists a page of an authority's shielded children, earliest
	// review date first.
	Shielded(ctx context.Context, f ShieldedFilter) ([]signpost.ShieldedChild, error)
	// AccessReport lists a page of the audit events about a child (those
	// naming it and searches that returned it), newest first, with each
	// user's name and organisation and each device's name.
	AccessReport(ctx context.Context, f AccessFilter) ([]signpost.AccessEntry, error)
	// Issue 14, accounts slice: a management team's accounts,
	// organisations and contact (accounts_api.go).

	// Accounts lists a page of the users of an authority's organisations
	// (by authority name), by username after f.After.
	Accounts(ctx context.Context, f AccountFilter) ([]signpost.AccountSummary, error)
	// SetAccountTOTP replaces a user's TOTP secret and ends every session of theirs.
	SetAccountTOTP(ctx context.Context, username, secret string) error
	// SetAccountPassword replaces a user's password hash; mustChange (a
	// reset) makes their next sign-in ask for a new one and ends every
	// session of theirs.
	SetAccountPassword(ctx context.Context, username, hash string, mustChange bool) error
	// Organisations lists a page of an authority's organisations by id.
	Organisations(ctx context.Context, f OrganisationFilter) ([]signpost.Organisation, error)
	// Organisation returns one organisation and its authority's name.
	Organisation(ctx context.Context, id int64) (*OrganisationRecord, error)
	// SetOrganisationAccredited turns an organisation's accreditation on or
	// off; its users' devices are read again at their next request.
	SetOrganisationAccredited(ctx context.Context, id int64, accredited bool) error
	// AuthorityContact returns the phone and email of an authority's
	// management team (by code or name).
	AuthorityContact(ctx context.Context, authority string) (phone, email string, err error)
	// SetDeviceAgent records the app version and OS a device last reported.
	SetDeviceAgent(ctx context.Context, id, version, os string) error
	// RevokedSession returns the device whose session of this token hash
	// a revoke ended (KindNotFound if none), so the laptop is told.
	RevokedSession(ctx context.Context, tokenHash []byte) (deviceID string, err error)

	// Issue 16 (directory/notify.go): notifications. Changes that someone
	// must be told of (an involvement started or ended, a handover, a
	// child moved to another authority by a feed) leave a NotifyEvent in
	// their own transaction; the directory turns pending events into
	// notifications (Notify), which deletes the events in the same
	// transaction.

	// NotifyEvents returns up to limit pending events, oldest first.
	NotifyEvents(ctx context.Context, limit int) ([]NotifyEvent, error)
	// Notify stores notifications under one new change number, leaving out
	// those of a kind their recipient has muted (signpost.Mutable kinds
	// only), deletes the events done, audits every notification stored
	// (action "notify", the recipient as user) and returns those stored
	// with ID and Seq set.
	Notify(ctx context.Context, done []int64, ns []NotificationRecord) ([]NotificationRecord, error)
	// DeliverNotifications returns a user's notifications numbered in
	// (after, upTo], oldest first, and marks them delivered (not read).
	DeliverNotifications(ctx context.Context, userID, after, upTo int64, at time.Time) ([]signpost.Notification, error)
	// Notifications lists a page of a user's notifications, newest first,
	// with ids below before (0 for the newest), and counts the unread.
	Notifications(ctx context.Context, userID, before int64, limit int) ([]signpost.Notification, int, error)
	// ReadNotifications marks a user's notifications read (ids of others'
	// are ignored): how many were newly marked, how many stay unread.
	ReadNotifications(ctx context.Context, userID int64, ids []string, at time.Time) (marked, unread int, err error)
	// MutedKinds returns the kinds a user has muted; SetMutedKinds
	// replaces them (the caller checks signpost.Mutable).
	MutedKinds(ctx context.Context, userID int64) ([]string, error)
	SetMutedKinds(ctx context.Context, userID int64, kinds []string) error
	// ManagementTeam returns the enabled management-team accounts of an
	// authority (by code or name).
	ManagementTeam(ctx context.Context, authority string) ([]Account, error)

	// Issue 17, shared limits (directory/shared.go): limits that hold
	// across several directory processes on one store.

	// Shared reports whether other directory processes may use this store
	// at the same time (PostgreSQL: yes; the embedded file, held by one
	// process: no). Where it does, the directory keeps its sign-in limits
	// and the day's harvest counts in the store, not in its own memory.
	Shared() bool
	// TakeToken spends one token of key's bucket b as of now and returns
	// 0; if the bucket is empty it spends nothing and returns how long
	// until it holds a token again. A key never taken holds b.Burst tokens.
	// Check and spend are one atomic step across every process.
	TakeToken(ctx context.Context, key string, b Bucket, now time.Time) (time.Duration, error)
	// ReturnToken gives back one token taken from key's bucket b (for an
	// attempt that turned out not to count).
	ReturnToken(ctx context.Context, key string, b Bucket) error
	// ForgetTokens fills key's bucket again.
	ForgetTokens(ctx context.Context, key string) error
	// AddAccessCount adds c.N to the user's count of c.Action on c.Day
	// and returns the new count, atomically across every process.
	AddAccessCount(ctx context.Context, c AccessCount) (int, error)
}

// Issue 16: notification events and records (directory/notify.go).

// NotifyEvent is a change someone must be told of.
type NotifyEvent struct {
	ID   int64
	Kind string // a signpost notification kind
	// ChildID is the Signpost ID of the child.
	ChildID string
	// InvolvementID is the involvement it is about (started, ended,
	// offering, accepting or declining); ToInvolvement the one offered the
	// lead-professional role.
	InvolvementID, ToInvolvement string
	ActorID                      int64
	// FromAuthority and ToAuthority are the names of the authorities of a
	// move (moved_area).
	FromAuthority, ToAuthority string
	At                         time.Time
}

// NotificationRecord is a notification for one user.
type NotificationRecord struct {
	UserID   int64
	Username string
	Seq      int64
	// Event is the NotifyEvent it comes of: if another process has
	// already done that event, Notify stores none of its notifications.
	Event int64
	signpost.Notification
}

// Bucket is a token bucket's shape (Store.TakeToken): one token comes back
// every Every, up to Burst.
type Bucket struct {
	Every time.Duration
	Burst int
}

// DeviceFilter selects a page of devices: those after After (a device's
// DevicePos from a previous page; "" for the first), at most Limit (0 for
// 100).
type DeviceFilter struct {
	After string
	Limit int

	// Issue 14, accounts slice: IT staff's filters, and the order.
	User, Name   string    // a part of the username, of the device's name
	State        string    // one state; "" for all
	NotSeenSince time.Time // only devices last seen before; zero for all
	Oldest       bool      // least recently seen first
}

// DevicePos is where a device stands in the list (most recently seen first,
// then by id), to page on from it.
func DevicePos(d signpost.Device) string {
	return d.LastSeen.UTC().Format(time.RFC3339Nano) + "|" + d.ID
}

// DeviceMove is a change of a device's state: to what, by whom, when.
type DeviceMove struct {
	To string
	By string // the username of the IT administrator, or "operator" at the command line
	At time.Time
	// Reason is why a wipe is ordered (signpost.WipeLost…; "" for none).
	Reason string
}

// WipeGrace is how long after its session expired a device ordered to wipe
// may still use its token for its last words (its push and its receipt): as
// with Intune, a wipe order is honoured for 94 days. Sessions are swept
// once they have been expired for longer.
const WipeGrace = 94 * 24 * time.Hour

// FeedBatch is a batch of import decisions, applied in one transaction in
// this order: creates, updates, merges, review items, resolution.
type FeedBatch struct {
	Creates []NewChild
	Updates []ChildUpdate
	Merges  []MergeOrder
	Reviews []ReviewItem
	// Resolve marks a review item resolved in the same transaction.
	Resolve *Resolution
	At      time.Time
}

// NewChild is a child created from a feed record.
type NewChild struct {
	signpost.Child
	// AuthorityCode is the ONS code of the child's authority (Authority may
	// be empty); an authority the directory does not know is left unset.
	AuthorityCode string
	DateOfDeath   string
}

// ChildUpdate is what a feed record changes in a child it matched. Empty
// fields change nothing. A date of birth, names and gender come only from a
// birth registration; identifiers are filled only where the child has none;
// a school or GP practice replaces the held one unless that started later.
type ChildUpdate struct {
	SignpostID                                 string
	GivenName, FamilyName, DateOfBirth, Gender string
	Address                                    string
	// Postcode moves the child; ClearAddress drops an address the new
	// postcode makes stale.
	Postcode     string
	ClearAddress bool
	// AuthorityCode sets the authority (ONS code); with FillAuthority only
	// when the child has none or the update moves the child.
	AuthorityCode string
	FillAuthority bool
	NHSNumber     string
	UPN           string
	School, GP    *signpost.Setting
	// DateOfDeath marks the child deceased.
	DateOfDeath string
	// ByDetails is set when the record matched on details, not an
	// identifier: such an update is held back (counted in FeedResult.Held)
	// if the child has been shielded since, for a person to decide.
	ByDetails bool
}

// MergeOrder merges child From into child Into: Into keeps its Signpost ID
// and takes From's involvements, look-ups, carers and any identifier or
// setting it lacks; it is shielded if either was; From is kept as a pointer
// (merged_into) and leaves every practitioner's cache.
type MergeOrder struct {
	From, Into string
	// ByDetails holds the merge back (FeedResult.Held) if either child is
	// shielded; an operator's merge leaves it unset.
	ByDetails bool
}

// FeedResult reports what a batch changed.
type FeedResult struct {
	Created, Updated, Unchanged, Merged, Queued, AlreadyQueued, Held int
}

// Review statuses.
const (
	ReviewOpen      = "open"
	ReviewLinked    = "linked"
	ReviewCreated   = "created"
	ReviewDismissed = "dismissed"
)

// ReviewItem is a feed record a person must match by hand.
type ReviewItem struct {
	ID     int64
	Feed   string // births, deaths, school, gp
	Source string // the file it came from
	Line   int
	// RowHash identifies the record's content: a record already queued is
	// not queued again.
	RowHash    []byte
	Record     []byte // the feed record, as JSON
	Candidates []ReviewCandidate
	Reason     string
	// Authority is the ONS code or name of the authority whose management
	// team decides (the best candidate's, else the record's).
	Authority     string
	Status        string
	CreatedAt     time.Time
	ResolvedChild string
	ResolvedBy    string
	ResolvedAt    time.Time
}

// ReviewCandidate is a child a reviewer may link a record to.
type ReviewCandidate struct {
	SignpostID string  `json:"signpost_id"`
	Score      float64 `json:"score"`
}

// ReviewFilter selects review items.
type ReviewFilter struct {
	Authority string // name or ONS code; "" for all
	Status    string // "" for open
	Limit     int
	After     int64 // issue 14, slice review: items after this id (paging)
}

// Resolution closes a review item.
type Resolution struct {
	ID     int64
	Status string // linked, created or dismissed
	Child  string
	By     string
	At     time.Time
}

// Retention reports what Retain did.
type Retention struct {
	ArchivedDeceased, ArchivedAdult, ArchivedMerged, Purged int
}

// Account is a user as the directory keeps them.
type Account struct {
	ID int64
	signpost.User
	Accredited   bool
	PasswordHash string
	TOTPSecret   string
	Disabled     bool
	// MustChangePassword: issue 14, accounts slice (a password reset).
	MustChangePassword bool
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
	Cursor   Cursor
	More     bool
}

// Cursor is where a pull stopped: every change up to change number Seq was
// sent, but for, when Child is set, the children changed at Seq whose row
// number is above Child. A feed batch gives thousands of children one
// change number, and a page may end among them. On the wire it is "Seq" or
// "Seq.Child".
type Cursor struct{ Seq, Child int64 }

func (c Cursor) String() string {
	if c.Child == 0 {
		return strconv.FormatInt(c.Seq, 10)
	}
	return strconv.FormatInt(c.Seq, 10) + "." + strconv.FormatInt(c.Child, 10)
}

// ParseCursor reads a cursor a pull gave; "" is the start.
func ParseCursor(s string) (Cursor, error) {
	bad := signpost.FieldError("cursor", "cursor must be the value a previous pull returned")
	if s == "" {
		return Cursor{}, nil
	}
	seq, child, composite := strings.Cut(s, ".")
	var c Cursor
	var err error
	if c.Seq, err = strconv.ParseInt(seq, 10, 64); err != nil || c.Seq < 0 {
		return Cursor{}, bad
	}
	if composite {
		if c.Child, err = strconv.ParseInt(child, 10, 64); err != nil || c.Child <= 0 {
			return Cursor{}, bad
		}
	}
	return c, nil
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
	// ClaimedAt is when a device says an offline event happened (At is
	// when the directory received it); zero for online events.
	ClaimedAt time.Time
}

// Alert is a notice to an authority's management team.
type Alert struct {
	ID        int64
	At        time.Time
	Authority string
	ChildID   string
	Username  string
	Kind      string
	Reason    string
	// Dedupe, when set, makes the alert one of a kind: a second alert with
	// the same key is not recorded.
	Dedupe string
	// Issue 14, slice access: the acknowledgement (zero AckAt for none).
	AckBy   string
	AckAt   time.Time
	AckNote string
}

// AlertFilter selects a page of an authority's alerts, newest first.
type AlertFilter struct {
	Authority string
	BeforeID  int64 // 0 for the newest
	Limit     int   // 0 for 100
}

// AccessCount is how many events of an action a user made on a day.
type AccessCount struct {
	UserID      int64
	Day, Action string
	N           int
}

// ViewRecord is one opening of a child's record (Store.RecordView).
type ViewRecord struct {
	UserID      int64
	ChildID     string // Signpost ID
	Expires     time.Time
	Day         string // YYYY-MM-DD, England's calendar
	OffCaseload bool
	Max         int
}

// Issue 14, accounts slice.

// AccountFilter selects a page of an authority's accounts by username.
type AccountFilter struct {
	Authority string // name
	After     string // a username; "" for the first page
	Limit     int    // 0 for 100
}

// OrganisationFilter selects a page of an authority's organisations by id.
type OrganisationFilter struct {
	Authority string // name
	After     int64
	Limit     int // 0 for 100
}

// OrganisationRecord is an organisation with the name of its authority.
type OrganisationRecord struct {
	signpost.Organisation
	Authority string
}
