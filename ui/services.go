package ui

import (
	"context"

	"signpost"
	"signpost/device"
)

// Services is everything the screens ask of the app: the device cache, the
// directory and the sync engine behind one interface. The real implementation
// is *device.Device; tests drive the screens with a fake.
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

	// StartInvolvement records that the practitioner works with a child,
	// since on (YYYY-MM-DD; "" for today).
	StartInvolvement(ctx context.Context, childID, role, on string) error
	// EndInvolvement ends the practitioner's involvement on the day on
	// (YYYY-MM-DD; "" for today).
	EndInvolvement(ctx context.Context, childID, on string) error
	// SetCAF marks whether the practitioner holds a CAF/early-help assessment.
	SetCAF(ctx context.Context, childID string, on bool) error
	// SetLead marks whether the practitioner is the lead professional.
	SetLead(ctx context.Context, childID string, on bool) error
	// HandOverLead hands the lead-professional role to the practitioner of
	// involvement to.
	HandOverLead(ctx context.Context, childID, to string) error
	// MetChild records work with a child who is not in the cache, by identity.
	MetChild(ctx context.Context, id signpost.Identity, role string) error

	// Outbox lists the changes waiting for the directory, and those it refused.
	Outbox(ctx context.Context) ([]Change, error)
	// Retry queues a refused change again.
	Retry(ctx context.Context, id string) error
	// Dismiss discards a refused change.
	Dismiss(ctx context.Context, id string) error
	// Cancel takes back a change that has not been sent yet.
	Cancel(ctx context.Context, id string) error
	// EditChange corrects a change that has not been sent yet, keeping its
	// place in the queue: the date and role of an involvement started, the
	// date of one ended, the identity and role of a child met in the field.
	// A change being sent fails with kind conflict, saying why.
	EditChange(ctx context.Context, id string, e ChangeEdit) error

	// Devices lists enrolled devices (IT admin).
	Devices(ctx context.Context) ([]signpost.Device, error)
	// OrderWipe orders a device wiped (IT admin), for reason
	// (signpost.WipeLost, WipeStolen: as soon as it is online, even locked;
	// WipeLeaver: after its last push).
	OrderWipe(ctx context.Context, id, reason string) (signpost.Device, error)
	// CancelWipe cancels a wipe order not yet carried out (IT admin).
	CancelWipe(ctx context.Context, id, reason string) (signpost.Device, error)

	// Shield and Unshield change a child's shielding (management team of the
	// child's authority); BreakGlass shows a shielded record in full, once.
	Shield(ctx context.Context, id string, req signpost.ShieldRequest) (*Record, error)
	Unshield(ctx context.Context, id, reason string) (*Record, error)
	BreakGlass(ctx context.Context, id, reason string) (*Record, error)

	// Issue 14, slice review: the management team's records to review and
	// merges, online only (Reviews: a page, oldest first, after "" or the
	// Next of the page before; Merge keeps the older Signpost ID).
	Reviews(ctx context.Context, after string) (*signpost.ReviewsResponse, error)
	Review(ctx context.Context, id int64) (*signpost.ReviewDetail, error)
	DecideReview(ctx context.Context, id int64, req signpost.ReviewDecisionRequest) (*signpost.ReviewDecision, error)
	PreviewMerge(ctx context.Context, a, b string) (*signpost.MergePreview, error)
	Merge(ctx context.Context, req signpost.MergeRequest) (*signpost.MergePreview, error)
	// Issue 14, accounts slice: the management team's own authority's
	// accounts, organisations and contact details; online only.
	Accounts(ctx context.Context, after string) (signpost.AccountsResponse, error)
	CreateAccount(ctx context.Context, req signpost.NewAccountRequest) (signpost.Enrolment, error)
	// AccountAction is disable, enable, reset-authenticator or reset-password, for a reason.
	AccountAction(ctx context.Context, username, action, reason string) (signpost.Enrolment, error)
	Organisations(ctx context.Context) ([]signpost.Organisation, error)
	SetAccredited(ctx context.Context, id int64, on bool, reason string) (signpost.Organisation, error)
	TeamContact(ctx context.Context) (signpost.TeamContact, error)
	SetTeamContact(ctx context.Context, tc signpost.TeamContact) (signpost.TeamContact, error)
	// DevicesFiltered lists a page of devices matching q, and RevokeDevice
	// revokes one for a reason (IT admin).
	DevicesFiltered(ctx context.Context, q DeviceQuery) (signpost.DevicesResponse, error)
	RevokeDevice(ctx context.Context, id, reason string) (signpost.Device, error)

	// ChangePassphrase re-wraps the cache key under a new passphrase.
	ChangePassphrase(ctx context.Context, oldPass, newPass string) error
	// SetServer changes the directory's address.
	SetServer(ctx context.Context, url string) error

	// Issue 14, slice access: the management team's alerts, shielded
	// children and subject-access reports, for their own authority; online
	// only (offline they fail unavailable, saying they need a connection).

	// Alerts lists a page of alerts, newest first, with the counts.
	Alerts(ctx context.Context, before string) (signpost.AlertsResponse, error)
	// AckAlert acknowledges an alert with a note (required).
	AckAlert(ctx context.Context, id int64, note string) (signpost.Alert, error)
	// Shielded lists a page of shielded children, review due first.
	Shielded(ctx context.Context, after string) (signpost.ShieldedResponse, error)
	// AccessReport returns a page of a child's subject-access report,
	// newest first (user "" for everyone's events).
	AccessReport(ctx context.Context, childID, before, user string) (signpost.AccessReport, error)
	// ExportAccess saves the whole report as CSV at path; the export is
	// audited with reason.
	ExportAccess(ctx context.Context, childID, reason, path string) error

	// Issue 16, slice app (whatsnew.go): notifications, sensitive services
	// and the lead-professional handover.
	notifyServices
}

// The screens' types are the device's: the real Services is a
// *device.Device.
type (
	// Stage is where the app is in its life on this device.
	Stage = device.Stage
	// State is a snapshot of the app's state.
	State = device.State
	// Wiped describes a wipe for the "this device was wiped" screen.
	Wiped = device.Wiped
	// Status is the sync state the status bar shows.
	Status = device.Status
	// EnrolRequest is what the enrolment screen collects.
	EnrolRequest = device.EnrolRequest
	// SignInRequest signs in to the directory again.
	SignInRequest = device.SignInRequest
	// Case is one line of the caseload.
	Case = device.Case
	// Change is one queued change.
	Change = device.Change
	// ChangeEdit is a correction to a queued change.
	ChangeEdit = device.ChangeEdit
	// Record is a child's record as the child screen shows it.
	Record = device.Record
	// SearchResult answers a search.
	SearchResult = device.SearchResult
	// DeviceQuery filters the devices list (issue 14, accounts slice).
	DeviceQuery = device.DeviceQuery
)

// Stages.
const (
	StageEnrol  = device.StageEnrol  // no cache on this device: enrol
	StageLocked = device.StageLocked // a cache, locked: ask for the passphrase
	StageReady  = device.StageReady  // unlocked
	StageWiped  = device.StageWiped  // the cache was wiped
)

// Change states.
const (
	ChangePending  = device.ChangePending
	ChangeInFlight = device.ChangeInFlight
	ChangeRejected = device.ChangeRejected
	ChangeSent     = device.ChangeSent // a child met offline, matched by the directory
)
