package signpost

import (
	"slices"
	"time"
)

// Issue 16: notifications, sensitive services and the lead-professional
// handover. Wire names are snake_case and, once released, fixed: add, never
// rename.

// Notification kinds.
const (
	// NoteNewInvolvement: someone started working with a child you work
	// with (or, to a management team, a practitioner of its authority
	// started working with a child of another authority).
	NoteNewInvolvement = "new_involvement"
	// NoteMovedArea: a child you work with now belongs to another local
	// authority (a feed's new address); to the new authority's management
	// team: a child with practitioners elsewhere now lives in its area.
	NoteMovedArea = "moved_area"
	// NoteEndedInvolvement: someone stopped working with a child you work
	// with. The one kind a user may mute.
	NoteEndedInvolvement = "ended_involvement"
	// NoteHandoverOffered: the lead professional offers you the role
	// (accept or decline with MutAcceptLead / MutDeclineLead).
	NoteHandoverOffered  = "handover_offered"
	NoteHandoverAccepted = "handover_accepted"
	NoteHandoverDeclined = "handover_declined"
)

// NotificationKinds lists every kind, in the order the app shows them in
// its settings.
var NotificationKinds = []string{NoteNewInvolvement, NoteMovedArea, NoteEndedInvolvement,
	NoteHandoverOffered, NoteHandoverAccepted, NoteHandoverDeclined}

// MutableKinds are the kinds that are not about a child's safety, which a
// user may mute. Moves and new involvements can never be muted.
var MutableKinds = []string{NoteEndedInvolvement}

// Mutable reports whether a user may mute notifications of kind.
func Mutable(kind string) bool { return slices.Contains(MutableKinds, kind) }

// ValidNotificationKind reports whether kind is one of NotificationKinds.
func ValidNotificationKind(kind string) bool { return slices.Contains(NotificationKinds, kind) }

// Notification is one thing the directory tells one user about a child. It
// carries only what that user may see: for a shielded child no location and
// no other practitioner's contact (About is nil, Authority empty, ContactVia
// says whom to ask); for a sensitive service shown without consent no
// organisation, practitioner or contact (About is nil, ContactVia names the
// management team to ask).
type Notification struct {
	ID      string    `json:"id"`
	Kind    string    `json:"kind"`
	ChildID string    `json:"child_id"`
	At      time.Time `json:"at"`
	// Read is set once the user has marked it read (on any device).
	Read bool `json:"read,omitempty"`
	// ChildName is the child's given and family name (a shielded record
	// shows them too).
	ChildName string `json:"child_name,omitempty"`
	// Text is the sentence to show, made by the directory from the fields
	// below and nothing else.
	Text string `json:"text"`
	// About is the practitioner the notification is about (who started,
	// ended, offered, accepted or declined), with how to reach them.
	About *NotifiedPractitioner `json:"about,omitempty"`
	// Authority is the child's authority now (the new one for a move);
	// FromAuthority the one before a move. Both empty for a shielded child.
	Authority     string `json:"authority,omitempty"`
	FromAuthority string `json:"from_authority,omitempty"`
	// LeadProfessional is the child's lead professional (name,
	// organisation, authority and contact), on a move told to the new
	// authority's management team; nil when there is none or it is
	// withheld.
	LeadProfessional *NotifiedPractitioner `json:"lead_professional,omitempty"`
	// ContactVia, when something was withheld, is whom to contact instead
	// ("the management team of Leeds").
	ContactVia string `json:"contact_via,omitempty"`
	// Withheld is true when fields were left out (shielded child or
	// sensitive service without consent).
	Withheld bool `json:"withheld,omitempty"`
	// InvolvementID is the involvement the notification is about, when
	// the user may see it (a handover offer names the offering one).
	InvolvementID string `json:"involvement_id,omitempty"`
}

// NotifiedPractitioner is a practitioner as a notification names them.
type NotifiedPractitioner struct {
	Name         string `json:"name"`
	Organisation string `json:"organisation"`
	Authority    string `json:"authority,omitempty"`
	Role         string `json:"role,omitempty"`
	Phone        string `json:"phone,omitempty"`
	Email        string `json:"email,omitempty"`
}

// NotificationsResponse answers GET /v1/notifications (for management teams
// and anyone without a cache): the newest first; Next, when set, is the
// before= of the next page. Unread counts all the user's unread ones.
type NotificationsResponse struct {
	Notifications []Notification `json:"notifications"`
	Next          string         `json:"next,omitempty"`
	Unread        int            `json:"unread"`
}

// ReadNotificationsRequest marks notifications read (POST
// /v1/notifications/read). The app sends the same as a mutation of kind
// MutReadNotifications (IDs in Notifications), through its outbox.
type ReadNotificationsRequest struct {
	IDs []string `json:"ids"`
}

// ReadNotificationsResponse says how many were newly marked read.
type ReadNotificationsResponse struct {
	Marked int `json:"marked"`
	Unread int `json:"unread"`
}

// NotificationSettings are a user's mute settings (GET and PUT
// /v1/notifications/settings). Muted may hold only MutableKinds; a PUT
// with another kind is refused (field "muted").
type NotificationSettings struct {
	Muted []string `json:"muted"`
	// Mutable, in an answer, lists the kinds that may be muted.
	Mutable []string `json:"mutable,omitempty"`
}

// Mutation kinds of issue 16.
const (
	// MutSetSensitive marks the sender's involvement with ChildID as from
	// a sensitive service (Value) and whether the young person consented
	// to it being shown (ConsentShown). Audited, as is every change.
	MutSetSensitive = "set_sensitive"
	// MutOfferLead: the lead professional offers the role to the
	// practitioner of involvement To (active, with the same child).
	MutOfferLead = "offer_lead"
	// MutAcceptLead and MutDeclineLead answer an offer made to the
	// sender's involvement with ChildID.
	MutAcceptLead  = "accept_lead"
	MutDeclineLead = "decline_lead"
	// MutReadNotifications marks the notifications in Notifications read.
	MutReadNotifications = "read_notifications"
)

// Notes on new Mutation fields (in wire.go, marked issue 16):
//   - Sensitive, ConsentShown: on start_involvement (marked from the start)
//     and set_sensitive.
//   - Confirm: on end_involvement of the lead professional, confirms that
//     the child is left without one although another practitioner working
//     with the child could take the role; without it such an end is
//     rejected with Kind "conflict" in the result.
//   - Notifications: the ids read, for read_notifications.

// NotNamedService is what others see in place of a sensitive service shown
// without consent.
func NotNamedService(authority string) string {
	return "a service that is not named here is involved — contact " + ContactVia(authority)
}

// LeadLossMessage is the refusal of an end of involvement that would leave
// the child without a lead professional unconfirmed.
const LeadLossMessage = "you are this child's lead professional and others are working with the child: hand the role over first, or confirm that the child is left without a lead professional"

// HandoverRequest is the body of POST /v1/children/{id}/lead/offer: the
// involvement (of another practitioner working with the child now) offered
// the lead-professional role.
type HandoverRequest struct {
	To string `json:"to"`
}

// HandoverAnswer is the body of POST /v1/children/{id}/lead/answer: accept
// or decline the offer made to the caller's involvement.
type HandoverAnswer struct {
	Accept bool `json:"accept"`
}

// HandoverResponse answers both: the child's record as the caller sees it
// after the change.
type HandoverResponse struct {
	Child *Child `json:"child"`
}
