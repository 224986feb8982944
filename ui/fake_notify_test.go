package ui

import (
	"context"
	"strings"

	"signpost"
)

// notifyFake is the fake's side of issue 16, slice app: the notifications
// in the "cache", the mute settings, the desktop notifications raised.
type notifyFake struct {
	notes   []signpost.Notification
	muted   []string
	desktop []string // "title: content" of each desktop notification
}

func (f *fake) setNotes(ns ...signpost.Notification) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nf.notes = append([]signpost.Notification(nil), ns...)
}

func (f *fake) desktop() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.nf.desktop...)
}

func (f *fake) Notifications(ctx context.Context) ([]signpost.Notification, error) {
	if err := f.call("Notifications"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]signpost.Notification(nil), f.nf.notes...), nil
}

func (f *fake) MarkNotificationsRead(ctx context.Context, ids []string) error {
	if err := f.call("MarkNotificationsRead %s", strings.Join(ids, ",")); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.nf.notes {
		for _, id := range ids {
			if f.nf.notes[i].ID == id {
				f.nf.notes[i].Read = true
			}
		}
	}
	return nil
}

func (f *fake) NotificationSettings(ctx context.Context) (signpost.NotificationSettings, error) {
	if err := f.call("NotificationSettings"); err != nil {
		return signpost.NotificationSettings{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return signpost.NotificationSettings{Muted: append([]string{}, f.nf.muted...), Mutable: signpost.MutableKinds}, nil
}

func (f *fake) SetNotificationSettings(ctx context.Context, muted []string) (signpost.NotificationSettings, error) {
	if err := f.call("SetNotificationSettings %s", strings.Join(muted, ",")); err != nil {
		return signpost.NotificationSettings{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nf.muted = append([]string{}, muted...)
	return signpost.NotificationSettings{Muted: append([]string{}, muted...), Mutable: signpost.MutableKinds}, nil
}

func (f *fake) SendNotification(title, content string) {
	f.call("SendNotification")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nf.desktop = append(f.nf.desktop, title+": "+content)
}

func (f *fake) StartInvolvementMarked(ctx context.Context, childID, role, on string, sensitive, shown bool) error {
	return f.call("StartInvolvementMarked %s %s %s sensitive=%v shown=%v", childID, role, on, sensitive, shown)
}

func (f *fake) SetSensitive(ctx context.Context, childID string, sensitive, shown bool) error {
	return f.call("SetSensitive %s sensitive=%v shown=%v", childID, sensitive, shown)
}

func (f *fake) OfferLead(ctx context.Context, childID, to string) error {
	return f.call("OfferLead %s %s", childID, to)
}

func (f *fake) AnswerLead(ctx context.Context, childID string, accept bool) error {
	return f.call("AnswerLead %s accept=%v", childID, accept)
}

func (f *fake) EndInvolvementConfirmed(ctx context.Context, childID, on string) error {
	return f.call("EndInvolvementConfirmed %s %s", childID, on)
}

func (f *fake) RetryConfirmed(ctx context.Context, id string) error {
	return f.call("RetryConfirmed %s", id)
}
