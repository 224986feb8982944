package signpost

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// The v1 wire messages. JSON names are snake_case and fixed by the contract in
// the directory package doc (the wire protocol, v1): both the directory and the
// sync client use these types.

// SessionRequest signs a user in on a device (POST /v1/session).
type SessionRequest struct {
	Username   string `json:"username"`
	Password   string `json:"password"`
	OTP        string `json:"otp"`
	DeviceID   string `json:"device_id"`
	DeviceName string `json:"device_name"`
}

// SessionResponse carries the bearer token for later requests.
type SessionResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	User      User      `json:"user"`
	Policy    Policy    `json:"policy"`
	// ServerTime is the directory's clock, so a device can measure its time
	// offline by the directory's clock rather than its own.
	ServerTime time.Time `json:"server_time"`
	// DeviceCredential is a second secret for this device, issued at every
	// sign-in (replacing the last): it reads no record and is accepted only
	// by GET /v1/devices/self/directive and the device's wipe receipt, so a
	// locked laptop can keep it outside its encrypted cache and still learn
	// that it must wipe.
	DeviceCredential string `json:"device_credential,omitempty"`
}

// User is the signed-in person as the app sees them.
type User struct {
	Username        string `json:"username"`
	DisplayName     string `json:"display_name"`
	Role            string `json:"role"`
	JobTitle        string `json:"job_title,omitempty"`
	Organisation    string `json:"organisation"`
	Authority       string `json:"authority,omitempty"`
	Phone           string `json:"phone,omitempty"`
	Email           string `json:"email,omitempty"`
	ChildProtection bool   `json:"child_protection,omitempty"`
}

// Policy is set by the directory and obeyed by every device cache.
type Policy struct {
	IdleLockMinutes       int `json:"idle_lock_minutes"`
	OfflineLockHours      int `json:"offline_lock_hours"`
	OfflineWipeDays       int `json:"offline_wipe_days"`
	MaxPassphraseAttempts int `json:"max_passphrase_attempts"`
	LookupRetentionDays   int `json:"lookup_retention_days"`

	// The directory's limits on one account in a day, against someone
	// reading the directory record by record. They stay in the directory:
	// ForDevices leaves them out of what devices are sent.

	// MaxOffCaseloadViewsPerDay is how many records of children not on
	// their caseload a person may open in a day; past it, views are refused
	// until the next day.
	MaxOffCaseloadViewsPerDay int `json:"max_off_caseload_views_per_day,omitempty"`
	// Past these, the account's authority's management team is alerted and
	// the account is slowed for the rest of the day: searches, records
	// opened off the caseload, and Signpost IDs asked for that do not exist.
	HarvestSearchesPerDay int `json:"harvest_searches_per_day,omitempty"`
	HarvestViewsPerDay    int `json:"harvest_views_per_day,omitempty"`
	HarvestMissesPerDay   int `json:"harvest_misses_per_day,omitempty"`
	// Issue 14, slice access: an alert not acknowledged within this many
	// hours is escalated in the management team's list (directory only).
	AlertEscalateHours int `json:"alert_escalate_hours,omitempty"`

	// DeviceStaleDays: issue 14, accounts slice (Policy.StaleDays).
	DeviceStaleDays int `json:"device_stale_days,omitempty"`
}

// DefaultPolicy is the policy until the directory says otherwise.
func DefaultPolicy() Policy {
	return Policy{IdleLockMinutes: 10, OfflineLockHours: 72, OfflineWipeDays: 30, MaxPassphraseAttempts: 10, LookupRetentionDays: 30,
		MaxOffCaseloadViewsPerDay: 50, HarvestSearchesPerDay: 100, HarvestViewsPerDay: 30, HarvestMissesPerDay: 20,
		AlertEscalateHours: 24} // issue 14, slice access
}

// Check reports a policy that makes no sense: a limit below 1, or a harvest
// threshold above the daily cap it warns of.
func (p Policy) Check() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"idle_lock_minutes", p.IdleLockMinutes}, {"offline_lock_hours", p.OfflineLockHours}, {"offline_wipe_days", p.OfflineWipeDays},
		{"max_passphrase_attempts", p.MaxPassphraseAttempts}, {"lookup_retention_days", p.LookupRetentionDays},
		{"max_off_caseload_views_per_day", p.MaxOffCaseloadViewsPerDay}, {"harvest_searches_per_day", p.HarvestSearchesPerDay},
		{"harvest_views_per_day", p.HarvestViewsPerDay}, {"harvest_misses_per_day", p.HarvestMissesPerDay},
		{"alert_escalate_hours", p.AlertEscalateHours}} { // alert_escalate_hours: issue 14, slice access
		if f.v < 1 {
			return FieldError(f.name, "%s must be at least 1", f.name)
		}
	}
	if p.OfflineWipeDays*24 < p.OfflineLockHours {
		return FieldError("offline_wipe_days", "a device must lock (offline_lock_hours) before it wipes (offline_wipe_days)")
	}
	return nil
}

// ForDevices returns the policy as devices are sent it: without the
// directory's own limits.
func (p Policy) ForDevices() Policy {
	p.MaxOffCaseloadViewsPerDay, p.HarvestSearchesPerDay, p.HarvestViewsPerDay, p.HarvestMissesPerDay = 0, 0, 0, 0
	p.AlertEscalateHours = 0 // issue 14, slice access
	p.DeviceStaleDays = 0    // issue 14, accounts slice: the directory's, for IT staff
	return p
}

// SearchRequest is a signposting search (POST /v1/search).
type SearchRequest struct {
	GivenName   string `json:"given_name,omitempty"`
	FamilyName  string `json:"family_name,omitempty"`
	DateOfBirth string `json:"date_of_birth,omitempty"`
	Gender      string `json:"gender,omitempty"`
	Postcode    string `json:"postcode,omitempty"`
	NHSNumber   string `json:"nhs_number,omitempty"`
	UPN         string `json:"upn,omitempty"`
	SignpostID  string `json:"signpost_id,omitempty"`
	Reason      string `json:"reason,omitempty"`
}

// MaxMatches is the most matches a search returns; more is "too many".
const MaxMatches = 10

// SearchResponse answers a search: at most MaxMatches matches, or TooMany.
type SearchResponse struct {
	Matches []Match `json:"matches"`
	TooMany bool    `json:"too_many"`
}

// Match is one child found by a search: identity only.
type Match struct {
	SignpostID  string  `json:"signpost_id"`
	GivenName   string  `json:"given_name"`
	FamilyName  string  `json:"family_name"`
	DateOfBirth string  `json:"date_of_birth"`
	Gender      string  `json:"gender"`
	Shielded    bool    `json:"shielded"`
	Score       float64 `json:"score"`
}

// Mutation kinds: every change a practitioner makes in the app.
const (
	MutStartInvolvement = "start_involvement"
	MutEndInvolvement   = "end_involvement"
	MutSetCAF           = "set_caf"
	MutSetLead          = "set_lead"
	// MutHandOverLead hands the lead-professional role from the sender to
	// another practitioner working with the child now (To: the id of their
	// involvement); the sender must be the lead.
	MutHandOverLead = "hand_over_lead"
	MutMetChild     = "met_child"
	MutView         = "view"
)

// Mutation is one queued change, identified by a client-made UUIDv7.
type Mutation struct {
	ID       string    `json:"id"`
	Kind     string    `json:"kind"`
	ChildID  string    `json:"child_id,omitempty"`
	Role     string    `json:"role,omitempty"`
	Value    bool      `json:"value,omitempty"`
	On       string    `json:"on,omitempty"` // date the involvement started or ended
	Identity *Identity `json:"identity,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	To       string    `json:"to,omitempty"` // hand_over_lead: the involvement that becomes the lead
	// Issue 16 (wire_notify.go): sensitive marking, confirmed lead loss,
	// notifications read.
	Sensitive     bool      `json:"sensitive,omitempty"`
	ConsentShown  bool      `json:"consent_shown,omitempty"`
	Confirm       bool      `json:"confirm,omitempty"`
	Notifications []string  `json:"notifications,omitempty"`
	At            time.Time `json:"at"`
	PrevHash      string    `json:"prev_hash,omitempty"`
	Hash          string    `json:"hash,omitempty"`
}

// Identity describes a child met in the field who is not in the cache.
type Identity struct {
	GivenName   string `json:"given_name"`
	FamilyName  string `json:"family_name"`
	DateOfBirth string `json:"date_of_birth"`
	Postcode    string `json:"postcode"`
	Gender      string `json:"gender,omitempty"`
}

// PushRequest carries queued mutations in order (POST /v1/sync/push).
type PushRequest struct {
	Mutations []Mutation `json:"mutations"`
}

// Push result statuses.
const (
	ResultApplied   = "applied"
	ResultDuplicate = "duplicate"
	ResultRejected  = "rejected"
)

// MutationResult answers one mutation. A duplicate carries the first result
// (FirstStatus, Reason, ChildID, InvolvementID) unchanged.
type MutationResult struct {
	ID            string `json:"id"`
	Status        string `json:"status"`
	FirstStatus   string `json:"first_status,omitempty"`
	Reason        string `json:"reason,omitempty"`
	ChildID       string `json:"child_id,omitempty"`
	InvolvementID string `json:"involvement_id,omitempty"`
	Candidates    int    `json:"candidates,omitempty"`
	// Kind, on a rejection, is the error kind when it is not plain
	// (issue 16: "conflict" for an unconfirmed loss of the lead professional).
	Kind string `json:"kind,omitempty"`
}

// PushResponse has one result per mutation, in order.
type PushResponse struct {
	Results []MutationResult `json:"results"`
}

// Removal reasons.
const (
	RemovedShielded  = "shielded"
	RemovedLeftScope = "left_scope"
	RemovedArchived  = "archived"
	RemovedMerged    = "merged"
)

// Removal tells a cache to delete its copy of a child. Seq is the change
// number of the removal: a copy of the child read before it is stale.
type Removal struct {
	SignpostID string `json:"signpost_id"`
	Reason     string `json:"reason"`
	MergedInto string `json:"merged_into,omitempty"`
	Seq        int64  `json:"seq,omitempty"`
}

// Directive kinds.
const (
	DirectiveWipe   = "wipe"
	DirectiveLock   = "lock"
	DirectivePolicy = "policy"
)

// Directive is an order from the directory to a device.
type Directive struct {
	Kind   string  `json:"kind"`
	Policy *Policy `json:"policy,omitempty"`
	Reason string  `json:"reason,omitempty"`
}

// PullResponse carries what changed in the user's scope since a cursor. Removals
// are applied before changes. More means another page follows at Cursor.
type PullResponse struct {
	Changes    []Child     `json:"changes"`
	Removals   []Removal   `json:"removals"`
	Directives []Directive `json:"directives"`
	Cursor     string      `json:"cursor"`
	More       bool        `json:"more"`
	ServerTime time.Time   `json:"server_time"`
	Pending    int         `json:"pending,omitempty"`
	// Notifications for this user made after the cursor (issue 16).
	Notifications []Notification `json:"notifications,omitempty"`
}

// WaitResponse answers a long-poll: whether there is something to pull.
type WaitResponse struct {
	Changed    bool        `json:"changed"`
	Directives []Directive `json:"directives"`
	Cursor     string      `json:"cursor"`
}

// ShieldRequest shields a child (POST /v1/children/{id}/shield).
type ShieldRequest struct {
	Reason     string `json:"reason"`
	ReviewDate string `json:"review_date"`
}

// UnshieldRequest lifts a child's shielding (DELETE
// /v1/children/{id}/shield): the reason is required and audited.
type UnshieldRequest struct {
	Reason string `json:"reason"`
}

// BreakGlassRequest asks for the full record of a shielded child.
type BreakGlassRequest struct {
	Reason string `json:"reason"`
}

// Device states.
const (
	DeviceActive      = "active"
	DeviceWipeOrdered = "wipe_ordered"
	DeviceWiped       = "wiped"
	DeviceRevoked     = "revoked"
)

// Device is an enrolled laptop as IT staff see it.
type Device struct {
	ID       string       `json:"id"`
	User     string       `json:"user"`
	Name     string       `json:"name"`
	LastSeen time.Time    `json:"last_seen"`
	State    string       `json:"state"`
	Receipt  *WipeReceipt `json:"receipt,omitempty"`
	// WipeOrderedAt and WipeOrderedBy say when and by whom a wipe was
	// ordered; empty for a device never ordered to wipe.
	WipeOrderedAt time.Time `json:"wipe_ordered_at,omitzero"`
	WipeOrderedBy string    `json:"wipe_ordered_by,omitempty"`
	// WipeReason is why the outstanding wipe was ordered (WipeLost,
	// WipeStolen, WipeLeaver; empty for an order that gave none, which is
	// carried out as a leaver's).
	WipeReason string `json:"wipe_reason,omitempty"`

	// Issue 14, accounts slice: the app's version and OS (from its
	// User-Agent at sign-in and sync), and whether the device has not been
	// seen for the policy's device_stale_days.
	AppVersion string `json:"app_version,omitempty"`
	OS         string `json:"os,omitempty"`
	Stale      bool   `json:"stale,omitempty"`
}

// Why a wipe is ordered (POST /v1/devices/{id}/wipe). A lost or stolen
// laptop wipes as soon as it is online, even locked; a leaver's waits until
// it is unlocked and has sent its last changes. An order with no reason is
// carried out as a leaver's, as every order was before reasons.
const (
	WipeLost   = "lost"
	WipeStolen = "stolen"
	WipeLeaver = "leaver"
)

// WipeAtOnce reports whether a wipe ordered for reason is carried out without
// waiting for the last push: a lost or stolen laptop.
func WipeAtOnce(reason string) bool { return reason == WipeLost || reason == WipeStolen }

// WipeOrder is the body of POST /v1/devices/{id}/wipe; an empty body (an
// older client) orders a wipe with no reason.
type WipeOrder struct {
	Reason string `json:"reason,omitempty"`
}

// Device actions, in a DeviceDirective.
const (
	DeviceActionNone = "none"
	DeviceActionWipe = "wipe"
)

// DeviceDirective answers GET /v1/devices/self/directive, the one question a
// device credential may ask: what this laptop must do, even while locked.
type DeviceDirective struct {
	DeviceID string `json:"device_id"`
	Action   string `json:"action"`           // DeviceActionNone or DeviceActionWipe
	Reason   string `json:"reason,omitempty"` // the wipe order's reason
	// OrderedAt is when the wipe was ordered (zero when none was).
	OrderedAt  time.Time `json:"ordered_at,omitzero"`
	ServerTime time.Time `json:"server_time"`
}

// DevicesResponse is a page of devices, most recently seen first (GET
// /v1/devices); Next, when set, is the after= of the next page.
type DevicesResponse struct {
	Devices []Device `json:"devices"`
	Next    string   `json:"next,omitempty"`
}

// WipeReceipt is what a device reports after wiping itself.
type WipeReceipt struct {
	Pushed   int       `json:"pushed"`
	Lost     int       `json:"lost"`
	WipedAt  time.Time `json:"wiped_at"`
	Received time.Time `json:"received,omitempty"`
}

// Alert kinds.
const (
	AlertBreakGlass = "break_glass"
	AlertHarvest    = "harvest"
)

// Alert is something an authority's management team must look at: a
// break-glass access to one of its children, or one of its accounts
// searching or opening records far more than a day's work needs.
type Alert struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	Kind     string    `json:"kind"`
	ChildID  string    `json:"child_id,omitempty"`
	Username string    `json:"username"`
	Reason   string    `json:"reason"`
	// Issue 14, slice access: acknowledgement, escalation, and the link
	// to the audit of the access.
	AlertState
}

// AlertsResponse is one page of alerts, newest first (GET /v1/alerts);
// Next, when set, is the before= of the next page.
type AlertsResponse struct {
	Alerts []Alert `json:"alerts"`
	Next   string  `json:"next,omitempty"`
	// Issue 14, slice access: counts over all the authority's alerts.
	AlertCounts
}

// ErrorResponse is the body of every error answer.
type ErrorResponse struct {
	Error *Error `json:"error"`
}

// ViewHash returns the hash that chains an offline view event to the one before
// it: SHA-256 over the previous hash, the mutation id, the child, the time and
// the reason. The directory recomputes it, so removed or altered events show.
func (m *Mutation) ViewHash() string {
	h := sha256.New()
	for _, part := range []string{m.PrevHash, m.ID, m.ChildID, m.At.UTC().Format(time.RFC3339Nano), m.Reason} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
