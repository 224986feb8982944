package device

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"signpost"
)

// Issue 16, slice app: the services the app's screens use, through the real
// directory, sync client and caches (headless devices, synced by hand).

func headless(t *testing.T, d *testDirectory, user string) *Device {
	t.Helper()
	opts := testOptions(filepath.Join(t.TempDir(), "cache"))
	opts.Headless = true
	s, _ := enrolledWith(t, d, user, opts)
	return s
}

func sync16(t *testing.T, ss ...*Device) {
	t.Helper()
	for _, s := range ss {
		if _, err := s.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

func mineOn(t *testing.T, s *Device, id string) signpost.Involvement {
	t.Helper()
	r, err := s.Refresh(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range r.Child.Involvements {
		if in.Mine && in.Active() {
			return in
		}
	}
	t.Fatalf("no involvement of mine with %s", id)
	return signpost.Involvement{}
}

func TestServicesNotificationsHandoverAndSensitiveServices(t *testing.T) {
	ctx := context.Background()
	d := startTestDirectory(t, 50)
	nurse, social := headless(t, d, "nurse"), headless(t, d, "social")
	jamie := d.fx.Jamie
	if ns, err := nurse.Notifications(ctx); err != nil || len(ns) != 0 {
		t.Fatalf("notifications before anything happened: %+v %v", ns, err)
	}

	// The Manchester social worker starts working with Jamie: the nurse is
	// told at her next sync, from her cache.
	if _, err := social.ViewChild(ctx, jamie, "referred to children's services"); err != nil {
		t.Fatal(err)
	}
	if err := social.StartInvolvement(ctx, jamie, "Social worker", ""); err != nil {
		t.Fatal(err)
	}
	sync16(t, social, nurse)
	ns, err := nurse.Notifications(ctx)
	if err != nil || len(ns) == 0 {
		t.Fatalf("the nurse's notifications: %+v %v", ns, err)
	}
	n := ns[0]
	if n.Read || n.ChildID != jamie || n.About == nil || n.About.Name != "Sean O'Connell" || n.About.Phone == "" {
		t.Fatalf("the notification: %+v", n)
	}
	if err := nurse.MarkNotificationsRead(ctx, []string{n.ID}); err != nil {
		t.Fatal(err)
	}
	if ns, _ := nurse.Notifications(ctx); !ns[0].Read {
		t.Error("not read after marking it read")
	}
	if out, _ := nurse.Outbox(ctx); len(out) != 0 {
		t.Errorf("marking read is listed as a change waiting: %+v", out)
	}
	if sum, _ := nurse.Summary(ctx); sum.Pending != 1 {
		t.Errorf("the read waits for the directory: %d pending", sum.Pending)
	}
	sync16(t, nurse)
	acct, err := d.store.Account(ctx, "nurse")
	if err != nil {
		t.Fatal(err)
	}
	if _, unread, err := d.store.Notifications(ctx, acct.ID, 0, 50); err != nil || unread != 0 {
		t.Errorf("the directory counts %d unread after the read was sent (%v)", unread, err)
	}

	// Mute ended involvements (online); new involvements cannot be muted.
	if s, err := nurse.SetNotificationSettings(ctx, []string{signpost.NoteEndedInvolvement}); err != nil || len(s.Muted) != 1 {
		t.Fatalf("muting: %+v %v", s, err)
	}
	if _, err := nurse.SetNotificationSettings(ctx, []string{signpost.NoteNewInvolvement}); signpost.KindOf(err) != signpost.KindInvalid {
		t.Errorf("muting new involvements: %v", err)
	}
	if s, err := nurse.NotificationSettings(ctx); err != nil || len(s.Muted) != 1 || s.Muted[0] != signpost.NoteEndedInvolvement {
		t.Errorf("settings: %+v %v", s, err)
	}

	// The social worker, lead professional, offers the nurse the role; she
	// sees the offer and accepts it.
	if err := social.SetLead(ctx, jamie, true); err != nil {
		t.Fatal(err)
	}
	sync16(t, social, nurse)
	if err := social.OfferLead(ctx, jamie, mineOn(t, nurse, jamie).ID); err != nil {
		t.Fatal(err)
	}
	if out, _ := social.Outbox(ctx); len(out) != 1 || out[0].Description != "Offer the lead-professional role for Jamie Fixture to another practitioner" {
		t.Errorf("the offer waiting: %+v", out)
	}
	sync16(t, social, nurse)
	if !mineOn(t, nurse, jamie).LeadOffered {
		t.Fatal("the nurse's record does not show the offer")
	}
	ns, _ = nurse.Notifications(ctx)
	if ns[0].Kind != signpost.NoteHandoverOffered || ns[0].Read {
		t.Errorf("the newest notification: %+v", ns[0])
	}
	if err := nurse.AnswerLead(ctx, jamie, true); err != nil {
		t.Fatal(err)
	}
	sync16(t, nurse, social)
	if in := mineOn(t, nurse, jamie); !in.LeadProfessional || in.LeadOffered {
		t.Fatalf("after accepting: %+v", in)
	}
	if mineOn(t, social, jamie).LeadProfessional {
		t.Error("the social worker is still the lead professional")
	}

	// The nurse, lead now, cannot end her involvement silently while the
	// social worker could take the role on; confirmed, she can.
	if err := nurse.EndInvolvement(ctx, jamie, ""); err != nil {
		t.Fatal(err)
	}
	sync16(t, nurse)
	out, _ := nurse.Outbox(ctx)
	if len(out) != 1 || out[0].State != ChangeRejected || !strings.Contains(out[0].Reason, "lead professional") {
		t.Fatalf("an unconfirmed loss of the lead: %+v", out)
	}
	if err := nurse.RetryConfirmed(ctx, out[0].ID); err != nil {
		t.Fatal(err)
	}
	sync16(t, nurse)
	if out, _ := nurse.Outbox(ctx); len(out) != 0 {
		t.Fatalf("a confirmed end: %+v", out)
	}
	if cs, _ := nurse.Caseload(ctx, "Fixture"); len(cs) != 0 {
		t.Errorf("Jamie is still on the caseload: %+v", cs)
	}
}

func TestServicesASensitiveServiceWithoutConsentIsNotNamedToOthers(t *testing.T) {
	ctx := context.Background()
	d := startTestDirectory(t, 50)
	nurse, social := headless(t, d, "nurse"), headless(t, d, "social")
	cs, err := nurse.Caseload(ctx, "")
	if err != nil || len(cs) < 3 {
		t.Fatalf("caseload: %v", err)
	}
	var child string
	for _, c := range cs {
		if !c.Shielded && c.ID != d.fx.Jamie {
			child = c.ID
			break
		}
	}
	if _, err := social.ViewChild(ctx, child, "referred to the clinic"); err != nil {
		t.Fatal(err)
	}
	if err := social.StartInvolvementMarked(ctx, child, "Sexual health nurse", "", true, false); err != nil {
		t.Fatal(err)
	}
	sync16(t, social, nurse)
	if in := mineOn(t, social, child); !in.Sensitive || in.ConsentShown {
		t.Errorf("the social worker's own involvement: %+v", in)
	}
	r, err := nurse.Refresh(ctx, child)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, in := range r.Child.Involvements {
		if in.Sensitive {
			found = true
			if in.Practitioner != "" || in.Organisation != "" || in.Phone != "" || in.Email != "" || in.Role != "" ||
				!strings.HasPrefix(in.ContactVia, "a service that is not named here is involved") {
				t.Errorf("the nurse sees the sensitive service: %+v", in)
			}
		}
	}
	if !found {
		t.Fatal("the nurse's copy has no trace of the sensitive service")
	}
	ns, _ := nurse.Notifications(ctx)
	if len(ns) == 0 || !ns[0].Withheld || ns[0].About != nil || strings.Contains(ns[0].Text, "O'Connell") {
		t.Errorf("the nurse's notification: %+v", ns)
	}

	// With consent it is shown.
	if err := social.SetSensitive(ctx, child, true, true); err != nil {
		t.Fatal(err)
	}
	sync16(t, social, nurse)
	r, _ = nurse.Refresh(ctx, child)
	shown := false
	for _, in := range r.Child.Involvements {
		shown = shown || (in.Sensitive && in.Practitioner == "Sean O'Connell")
	}
	if !shown {
		t.Errorf("with consent the nurse still does not see it: %+v", r.Child.Involvements)
	}
}

// Ended confirmed at once, a lead's involvement ends although another
// practitioner could take the role on.
func TestServicesALeadsInvolvementEndedConfirmed(t *testing.T) {
	ctx := context.Background()
	d := startTestDirectory(t, 50)
	nurse, social := headless(t, d, "nurse"), headless(t, d, "social")
	cs, _ := nurse.Caseload(ctx, "")
	var child string
	for _, c := range cs {
		if c.Lead && !c.Shielded {
			child = c.ID
			break
		}
	}
	if child == "" {
		t.Fatal("the nurse is lead professional for none of her caseload")
	}
	if _, err := social.ViewChild(ctx, child, "referred"); err != nil {
		t.Fatal(err)
	}
	if err := social.StartInvolvement(ctx, child, "Social worker", ""); err != nil {
		t.Fatal(err)
	}
	sync16(t, social, nurse)
	if err := nurse.EndInvolvementConfirmed(ctx, child, ""); err != nil {
		t.Fatal(err)
	}
	sync16(t, nurse)
	if out, _ := nurse.Outbox(ctx); len(out) != 0 {
		t.Fatalf("a confirmed end: %+v", out)
	}
	if r, err := nurse.Refresh(ctx, child); err == nil && r.OnCaseload {
		t.Error("the child is still on the caseload")
	}
}
