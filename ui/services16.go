package ui

import (
	"context"

	"signpost"
)

// notifyServices is what the screens of issue 16 ask of the app: the
// "What's new" list kept in the cache, the desktop notification, the mute
// settings, marking one's own involvement as from a sensitive service, and
// the lead-professional handover. Part of Services.
type notifyServices interface {
	// Notifications lists the notifications kept on this laptop, newest
	// first, with their read marks (offline too).
	Notifications(ctx context.Context) ([]signpost.Notification, error)
	// MarkNotificationsRead marks notifications read here and queues the
	// read for the directory (every device of the user).
	MarkNotificationsRead(ctx context.Context, ids []string) error
	// NotificationSettings and SetNotificationSettings read and replace the
	// kinds the user has muted (online only; only signpost.MutableKinds).
	NotificationSettings(ctx context.Context) (signpost.NotificationSettings, error)
	SetNotificationSettings(ctx context.Context, muted []string) (signpost.NotificationSettings, error)
	// SendNotification raises a desktop notification. It does not block.
	// The screens never name a child in one.
	SendNotification(title, content string)

	// StartInvolvementMarked is StartInvolvement of a sensitive service
	// (sexual health, mental health, substance misuse), with whether the
	// young person agreed to it being shown to other practitioners.
	StartInvolvementMarked(ctx context.Context, childID, role, on string, sensitive, consentShown bool) error
	// SetSensitive changes the marking of the user's own involvement.
	SetSensitive(ctx context.Context, childID string, sensitive, consentShown bool) error
	// OfferLead offers the lead-professional role to the practitioner of
	// involvement to; AnswerLead accepts or declines an offer made to the
	// user. Both are queued like every change.
	OfferLead(ctx context.Context, childID, to string) error
	AnswerLead(ctx context.Context, childID string, accept bool) error
	// EndInvolvementConfirmed ends the lead professional's involvement,
	// confirming that the child is left without one although another
	// practitioner working with the child could take the role on (without
	// the confirmation the directory refuses the end).
	EndInvolvementConfirmed(ctx context.Context, childID, on string) error
	// RetryConfirmed queues again an end of involvement the directory
	// refused for leaving the child without a lead professional, confirmed.
	RetryConfirmed(ctx context.Context, id string) error
}
