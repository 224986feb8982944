package demo

// Issue 16, slice app (the one directory file of that slice): the demo's
// notifications, so that the nurse's What's new has something in it. The
// Manchester social worker starts working with three children on the
// nurse's caseload (one as a sensitive service shown without consent),
// stops working with one of them again, and offers the nurse the
// lead-professional role for Jamie.

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"signpost"
	"signpost/directory"
)

const demoNotifyKey = "demo_notifications"

// SeedNotifications makes the demo's notifications, after Seed. It does
// nothing a second time. Tests seed with Seed alone.
func SeedNotifications(ctx context.Context, st directory.Store, now time.Time) error {
	if v, err := st.Setting(ctx, demoNotifyKey); err != nil || v != "" {
		return err
	}
	fx, err := Fixtures(ctx, st)
	if err != nil {
		return err
	}
	actor := func(username, dev string) (directory.Actor, error) {
		a, err := st.Account(ctx, username)
		if err != nil {
			return directory.Actor{}, err
		}
		if _, err := st.EnrolDevice(ctx, dev, "Demo laptop", a.ID, now); err != nil {
			return directory.Actor{}, err
		}
		return directory.Actor{UserID: a.ID, Username: a.Username, Role: a.Role, Authority: a.Authority, DeviceID: dev, ChildProtection: a.ChildProtection}, nil
	}
	social, err := actor("social", "demo-social-laptop")
	if err != nil {
		return fmt.Errorf("seeding the demo's notifications: %w", err)
	}
	nurse, err := st.Account(ctx, "nurse")
	if err != nil {
		return fmt.Errorf("seeding the demo's notifications: %w", err)
	}
	nurseActor := directory.Actor{UserID: nurse.ID, Username: nurse.Username, Role: nurse.Role, Authority: nurse.Authority}
	page, err := st.Pull(ctx, nurseActor, directory.Cursor{}, 40, now)
	if err != nil {
		return fmt.Errorf("seeding the demo's notifications: %w", err)
	}
	var others []string
	nurseInv := ""
	for _, c := range page.Changes {
		if c.SignpostID == fx.Jamie {
			for _, in := range c.Involvements {
				if in.Username == "nurse" && in.Active() {
					nurseInv = in.ID
				}
			}
			continue
		}
		if !c.Shielded && c.Authority == "Leeds" && len(others) < 2 {
			others = append(others, c.SignpostID)
		}
	}
	if nurseInv == "" || len(others) < 2 {
		return fmt.Errorf("seeding the demo's notifications: the nurse's caseload is not the demo's")
	}
	at := now.Add(-3 * time.Hour)
	push := func(m signpost.Mutation) error {
		at = at.Add(20 * time.Minute)
		m.ID, m.At = uuid.Must(uuid.NewV7()).String(), at
		if m.Kind == signpost.MutStartInvolvement || m.Kind == signpost.MutEndInvolvement {
			// The day in England when it is pushed: three hours before a
			// seeding just after midnight is yesterday, and the directory
			// refuses a start date after the day it is told.
			m.On = signpost.Today(at).Format(signpost.DateLayout)
		}
		res, err := st.Push(ctx, social, []signpost.Mutation{m}, at)
		if err != nil {
			return err
		}
		if len(res) == 1 && res[0].Status != "" && res[0].Status != signpost.ResultApplied {
			return fmt.Errorf("the demo's %s was %s: %s", m.Kind, res[0].Status, res[0].Reason)
		}
		return nil
	}
	steps := []signpost.Mutation{
		{Kind: signpost.MutStartInvolvement, ChildID: others[1], Role: "Social worker"},
		{Kind: signpost.MutEndInvolvement, ChildID: others[1]},
		{Kind: signpost.MutStartInvolvement, ChildID: others[0], Role: "Young people's sexual health nurse", Sensitive: true},
		{Kind: signpost.MutStartInvolvement, ChildID: fx.Jamie, Role: "Social worker"},
		{Kind: signpost.MutSetLead, ChildID: fx.Jamie, Value: true},
		{Kind: signpost.MutOfferLead, ChildID: fx.Jamie, To: nurseInv},
	}
	for _, m := range steps {
		if err := push(m); err != nil {
			return fmt.Errorf("seeding the demo's notifications: %w", err)
		}
	}
	if _, err := directory.DrainNotifications(ctx, st); err != nil {
		return fmt.Errorf("seeding the demo's notifications: %w", err)
	}
	return st.SetSetting(ctx, demoNotifyKey, now.UTC().Format(time.RFC3339))
}
