package signpost

import "time"

// Issue 14, slice access: what a management team sees of the alerts, the
// shielded children and the subject-access reports of its own authority.

// AlertState is what an alert carries beyond what happened: whether the
// team has acknowledged it (by whom, when, with what note), whether it is
// escalated (unacknowledged for longer than the policy's
// alert_escalate_hours), and where to read the audit of the access.
type AlertState struct {
	AcknowledgedBy string    `json:"acknowledged_by,omitempty"`
	AcknowledgedAt time.Time `json:"acknowledged_at,omitzero"`
	AckNote        string    `json:"ack_note,omitempty"`
	Escalated      bool      `json:"escalated,omitempty"`
	// Access is the path of the audit of the access the alert is about:
	// the child's subject-access report filtered to the user who raised
	// it ("" for an alert about no child, such as a harvest alert).
	Access string `json:"access,omitempty"`
}

// Acknowledged reports whether the team has acknowledged the alert.
func (s AlertState) Acknowledged() bool { return !s.AcknowledgedAt.IsZero() }

// AlertCounts counts an authority's alerts not yet acknowledged, and of
// those the escalated ones, over all of them (not just one page).
type AlertCounts struct {
	Unacknowledged int `json:"unacknowledged"`
	Escalated      int `json:"escalated"`
	// EscalateHours is the policy's time after which an unacknowledged
	// alert is escalated (alert_escalate_hours), for the list to say so.
	EscalateHours int `json:"escalate_hours,omitempty"`
}

// AlertAck acknowledges an alert (POST /v1/alerts/{id}/ack): the note,
// required, says what the team did about it.
type AlertAck struct {
	Note string `json:"note"`
}

// ShieldedChild is one shielded child of the team's authority: who the
// child is, and the shielding (who, when, why, review date).
type ShieldedChild struct {
	SignpostID  string    `json:"signpost_id"`
	GivenName   string    `json:"given_name"`
	FamilyName  string    `json:"family_name"`
	DateOfBirth string    `json:"date_of_birth"`
	Shielding   Shielding `json:"shielding"`
	// Overdue is set when the review date is today or past.
	Overdue bool `json:"overdue,omitempty"`
}

// ShieldedResponse is a page of an authority's shielded children, those
// due for review first (GET /v1/shielded); Next, when set, is the after= of
// the next page.
type ShieldedResponse struct {
	Children []ShieldedChild `json:"children"`
	Next     string          `json:"next,omitempty"`
}

// AccessEntry is one line of a subject-access report: who searched for,
// viewed, changed or broke glass on a child, from which organisation and
// device, when, why, and whether online or offline.
type AccessEntry struct {
	ID           int64     `json:"id"`
	At           time.Time `json:"at"`
	Action       string    `json:"action"`
	Username     string    `json:"username"`
	Name         string    `json:"name"`
	Organisation string    `json:"organisation"`
	DeviceID     string    `json:"device_id,omitempty"`
	DeviceName   string    `json:"device_name,omitempty"`
	Reason       string    `json:"reason,omitempty"`
	// Offline is set for what a laptop recorded without a connection:
	// ClaimedAt is when the laptop says it happened, At when the directory
	// heard of it.
	Offline   bool      `json:"offline,omitempty"`
	ClaimedAt time.Time `json:"claimed_at,omitzero"`
	Flags     string    `json:"flags,omitempty"`
}

// AccessReport is a page of a child's subject-access report, newest first
// (GET /v1/children/{id}/access); Next, when set, is the before= of the
// next page.
type AccessReport struct {
	SignpostID string        `json:"signpost_id"`
	Entries    []AccessEntry `json:"entries"`
	Next       string        `json:"next,omitempty"`
}
