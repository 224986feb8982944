package directory_test

// Issue 16: the handover and the notifications through the HTTP API.

import (
	"bytes"
	"testing"

	"signpost"
)

func TestLeadHandoverOnlineIsToldToEveryoneInvolved(t *testing.T) {
	e := newEnv(t, 10, nil)
	nurse, _ := e.login("nurse")
	social, _ := e.login("social")
	lead := mut(signpost.MutSetLead, e.jamie)
	lead.Value = true
	if r := e.push(nurse, lead)[0]; r.Status != signpost.ResultApplied {
		t.Fatalf("the nurse becoming lead: %+v", r)
	}
	start := e.push(social, mut(signpost.MutStartInvolvement, e.jamie))[0]
	if start.Status != signpost.ResultApplied {
		t.Fatalf("the social worker starting: %+v", start)
	}
	// Only the lead offers; only the one offered answers.
	if r := e.do("POST", "/v1/children/"+e.jamie+"/lead/offer", social, signpost.HandoverRequest{To: start.InvolvementID}); r.status != 409 {
		t.Errorf("an offer by someone not the lead: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/v1/children/"+e.jamie+"/lead/offer", nurse, signpost.HandoverRequest{}); r.status != 400 || !bytes.Contains(r.body, []byte(`"field":"to"`)) {
		t.Errorf("an offer to no one: %d %s", r.status, r.body)
	}
	r := e.do("POST", "/v1/children/"+e.jamie+"/lead/offer", nurse, signpost.HandoverRequest{To: start.InvolvementID})
	if r.status != 200 {
		t.Fatalf("the lead's offer: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/v1/children/"+e.jamie+"/lead/answer", nurse, signpost.HandoverAnswer{Accept: true}); r.status != 409 {
		t.Errorf("the lead answering her own offer: %d %s", r.status, r.body)
	}
	var offered signpost.NotificationsResponse
	e.do("GET", "/v1/notifications", social, nil).json(t, &offered)
	if len(offered.Notifications) != 1 || offered.Notifications[0].Kind != signpost.NoteHandoverOffered || offered.Unread != 1 ||
		offered.Notifications[0].About == nil || offered.Notifications[0].About.Name != "Nadia Shah" {
		t.Fatalf("the social worker's notifications after the offer: %+v", offered)
	}
	r = e.do("POST", "/v1/children/"+e.jamie+"/lead/answer", social, signpost.HandoverAnswer{Accept: true})
	if r.status != 200 {
		t.Fatalf("accepting: %d %s", r.status, r.body)
	}
	var got signpost.HandoverResponse
	r.json(t, &got)
	for _, inv := range got.Child.Involvements {
		if inv.Active() && inv.LeadProfessional != inv.Mine {
			t.Errorf("after accepting, as the social worker sees it: %+v", got.Child.Involvements)
		}
	}
	var told signpost.NotificationsResponse
	e.do("GET", "/v1/notifications", nurse, nil).json(t, &told)
	if len(told.Notifications) == 0 || told.Notifications[0].Kind != signpost.NoteHandoverAccepted {
		t.Fatalf("the nurse's notifications after the acceptance: %+v", told)
	}
	var read signpost.ReadNotificationsResponse
	e.do("POST", "/v1/notifications/read", nurse, signpost.ReadNotificationsRequest{IDs: []string{told.Notifications[0].ID}}).json(t, &read)
	if read.Marked != 1 || read.Unread != told.Unread-1 {
		t.Errorf("marking read: %+v (unread before %d)", read, told.Unread)
	}
	if r := e.do("POST", "/v1/notifications/read", nurse, signpost.ReadNotificationsRequest{IDs: []string{"x"}}); r.status != 400 {
		t.Errorf("marking a nonsense id read: %d %s", r.status, r.body)
	}
	if r := e.do("PUT", "/v1/notifications/settings", nurse, signpost.NotificationSettings{Muted: []string{signpost.NoteNewInvolvement}}); r.status != 400 ||
		!bytes.Contains(r.body, []byte(`"field":"muted"`)) {
		t.Errorf("muting new involvements: %d %s", r.status, r.body)
	}
}
