package device

// Issue 16, slice app: the notifications kept in the cache, the mute
// settings, sensitive services and the lead-professional handover, for the
// app's screens.

import (
	"context"
	"strings"
	"time"

	"signpost"
	"signpost/localstore"
)

// notificationsShown is how many notifications the app lists (newest).
const notificationsShown = 200

// Notifications lists the notifications kept in the cache, newest first.
func (d *Device) Notifications(ctx context.Context) ([]signpost.Notification, error) {
	st, _, _, err := d.ready()
	if err != nil {
		return nil, err
	}
	return st.Notifications(ctx, notificationsShown)
}

// MarkNotificationsRead marks notifications read in the cache and queues
// the read for the directory.
func (d *Device) MarkNotificationsRead(ctx context.Context, ids []string) error {
	st, _, e, err := d.ready()
	if err != nil {
		return err
	}
	n, err := st.MarkNotificationsRead(ctx, ids)
	if err != nil {
		return err
	}
	if n > 0 && e != nil {
		e.Kick()
	}
	return nil
}

// NotificationSettings returns the kinds the user has muted (online only).
func (d *Device) NotificationSettings(ctx context.Context) (signpost.NotificationSettings, error) {
	_, c, _, err := d.ready()
	if err != nil {
		return signpost.NotificationSettings{}, err
	}
	s, err := c.NotificationSettings(ctx)
	if err != nil {
		return signpost.NotificationSettings{}, d.online(err, needConnection)
	}
	return *s, nil
}

// SetNotificationSettings replaces the kinds the user has muted.
func (d *Device) SetNotificationSettings(ctx context.Context, muted []string) (signpost.NotificationSettings, error) {
	_, c, _, err := d.ready()
	if err != nil {
		return signpost.NotificationSettings{}, err
	}
	if muted == nil {
		muted = []string{}
	}
	s, err := c.SetNotificationSettings(ctx, signpost.NotificationSettings{Muted: muted})
	if err != nil {
		return signpost.NotificationSettings{}, d.online(err, needConnection)
	}
	return *s, nil
}

// SendNotification does nothing on the device: the app's window raises
// desktop notifications (cmd/signpost wraps the device with Fyne's).
func (d *Device) SendNotification(title, content string) {}

// StartInvolvementMarked records work with a child from a sensitive
// service, marked from the start so that it is never shown in full.
func (d *Device) StartInvolvementMarked(ctx context.Context, childID, role, on string, sensitive, consentShown bool) error {
	if !sensitive {
		return d.StartInvolvement(ctx, childID, role, on)
	}
	m := signpost.Mutation{Kind: signpost.MutStartInvolvement, ChildID: childID, Role: role, On: on, Sensitive: true, ConsentShown: consentShown}
	return d.enqueue(ctx, m)
}

// SetSensitive changes the marking of the user's own involvement.
func (d *Device) SetSensitive(ctx context.Context, childID string, sensitive, consentShown bool) error {
	return d.enqueue(ctx, signpost.Mutation{Kind: signpost.MutSetSensitive, ChildID: childID, Sensitive: sensitive, ConsentShown: consentShown})
}

// OfferLead offers the lead-professional role to the practitioner of
// involvement to.
func (d *Device) OfferLead(ctx context.Context, childID, to string) error {
	return d.enqueue(ctx, signpost.Mutation{Kind: signpost.MutOfferLead, ChildID: childID, To: to})
}

// AnswerLead accepts or declines the offer made to the user.
func (d *Device) AnswerLead(ctx context.Context, childID string, accept bool) error {
	kind := signpost.MutDeclineLead
	if accept {
		kind = signpost.MutAcceptLead
	}
	return d.enqueue(ctx, signpost.Mutation{Kind: kind, ChildID: childID})
}

// EndInvolvementConfirmed ends the lead professional's involvement,
// confirming that the child is left without one.
func (d *Device) EndInvolvementConfirmed(ctx context.Context, childID, on string) error {
	if on == "" {
		on = signpost.Today(time.Now()).Format(signpost.DateLayout)
	}
	return d.enqueue(ctx, signpost.Mutation{Kind: signpost.MutEndInvolvement, ChildID: childID, On: on, Confirm: true})
}

// RetryConfirmed queues again a refused end of involvement, confirming that
// the child is left without a lead professional.
func (d *Device) RetryConfirmed(ctx context.Context, id string) error {
	st, _, e, err := d.ready()
	if err != nil {
		return err
	}
	if _, err := st.RetryConfirmed(ctx, id); err != nil {
		return err
	}
	d.changed(ctx, st, e)
	return nil
}

// describe16 says in plain words what a change of issue 16 does, for the
// child named, when the cache describes it only by its kind ("Change
// offer_lead").
func describe16(c Change, name string) Change {
	if !strings.HasPrefix(c.Description, "Change ") {
		return c
	}
	if name == "" {
		name = "a child"
	}
	switch c.Kind {
	case signpost.MutOfferLead:
		c.Description = "Offer the lead-professional role for " + name + " to another practitioner"
	case signpost.MutAcceptLead:
		c.Description = "Accept the lead-professional role for " + name
	case signpost.MutDeclineLead:
		c.Description = "Decline the lead-professional role for " + name
	case signpost.MutSetSensitive:
		c.Description = "Change how your sensitive service is shown on the record of " + name
	}
	return c
}

// named16 is describe16 with the child's name read from the cache.
func (d *Device) named16(ctx context.Context, st *localstore.Store, c Change) Change {
	if !strings.HasPrefix(c.Description, "Change ") || c.ChildID == "" {
		return c
	}
	name := ""
	if child, err := st.Child(ctx, c.ChildID); err == nil {
		name = child.FullName()
	}
	return describe16(c, name)
}
