package sync

// Issue 16: notifications, mute settings and the lead-professional handover.
// The app gets its notifications through pull (the engine stores them in the
// cache); these calls are for management teams, who keep no cache, and for
// the settings screen.

import (
	"context"
	"net/http"
	"net/url"

	"signpost"
)

// Notifications lists a page of the user's notifications, newest first
// (before is "" for the first page, else the Next of the one before).
func (c *Client) Notifications(ctx context.Context, before string) (*signpost.NotificationsResponse, error) {
	var out signpost.NotificationsResponse
	path := "/v1/notifications"
	if before != "" {
		path += "?before=" + url.QueryEscape(before)
	}
	return &out, c.do(ctx, c.r, http.MethodGet, path, nil, &out)
}

// ReadNotifications marks notifications read (online; the app's cache
// sends the same through its outbox with localstore.MarkNotificationsRead).
func (c *Client) ReadNotifications(ctx context.Context, ids []string) (*signpost.ReadNotificationsResponse, error) {
	var out signpost.ReadNotificationsResponse
	return &out, c.do(ctx, c.r, http.MethodPost, "/v1/notifications/read", signpost.ReadNotificationsRequest{IDs: ids}, &out)
}

// NotificationSettings returns the user's mute settings.
func (c *Client) NotificationSettings(ctx context.Context) (*signpost.NotificationSettings, error) {
	var out signpost.NotificationSettings
	return &out, c.do(ctx, c.r, http.MethodGet, "/v1/notifications/settings", nil, &out)
}

// SetNotificationSettings replaces the user's mute settings (only
// signpost.MutableKinds may be muted) and returns them as stored.
func (c *Client) SetNotificationSettings(ctx context.Context, s signpost.NotificationSettings) (*signpost.NotificationSettings, error) {
	var out signpost.NotificationSettings
	return &out, c.do(ctx, c.r, http.MethodPut, "/v1/notifications/settings", s, &out)
}

// OfferLead offers the lead-professional role for child id to the
// practitioner of involvement to (online; offline, enqueue MutOfferLead).
func (c *Client) OfferLead(ctx context.Context, id, to string) (*signpost.Child, error) {
	var out signpost.HandoverResponse
	if err := c.do(ctx, c.r, http.MethodPost, "/v1/children/"+url.PathEscape(id)+"/lead/offer", signpost.HandoverRequest{To: to}, &out); err != nil {
		return nil, err
	}
	return out.Child, nil
}

// AnswerLead accepts or declines the offer made to the caller for child id.
func (c *Client) AnswerLead(ctx context.Context, id string, accept bool) (*signpost.Child, error) {
	var out signpost.HandoverResponse
	if err := c.do(ctx, c.r, http.MethodPost, "/v1/children/"+url.PathEscape(id)+"/lead/answer", signpost.HandoverAnswer{Accept: accept}, &out); err != nil {
		return nil, err
	}
	return out.Child, nil
}
