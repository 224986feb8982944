package demo_test

// Issue 16, slice app: the demo's notifications.

import (
	"context"
	"strings"
	"testing"
	"time"

	"signpost"
	"signpost/directory/demo"
)

func TestSeedNotificationsTellsTheNurseOnce(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	// Just after midnight in England the demo's pushes, made from three hours
	// before, fall on yesterday: a start date of "today" was refused (CI at
	// 00:xx on 2026-12-02).
	l := time.Now().In(london)
	afterMidnight := time.Date(l.Year(), l.Month(), l.Day(), 0, 30, 0, 0, london)
	if afterMidnight.After(time.Now()) {
		afterMidnight = afterMidnight.AddDate(0, 0, -1)
	}
	for name, now := range map[string]time.Time{"now": time.Now(), "just after midnight": afterMidnight} {
		t.Run(name, func(t *testing.T) { seedNotificationsOnce(t, now) })
	}
}

func seedNotificationsOnce(t *testing.T, now time.Time) {
	ctx := context.Background()
	st := openStore(t)
	seed(t, st)
	if err := demo.SeedNotifications(ctx, st, now); err != nil {
		t.Fatal(err)
	}
	if err := demo.SeedNotifications(ctx, st, now); err != nil {
		t.Fatal(err)
	}
	nurse, err := st.Account(ctx, "nurse")
	if err != nil {
		t.Fatal(err)
	}
	ns, unread, err := st.Notifications(ctx, nurse.ID, 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, n := range ns {
		kinds[n.Kind]++
	}
	if len(ns) != 5 || unread != 5 || kinds[signpost.NoteHandoverOffered] != 1 || kinds[signpost.NoteEndedInvolvement] != 1 {
		t.Fatalf("the nurse's notifications (seeded twice): %d, %d unread, %v", len(ns), unread, kinds)
	}
	withheld := 0
	for _, n := range ns {
		if n.Withheld {
			withheld++
			if n.About != nil || strings.Contains(n.Text, "O'Connell") || strings.Contains(n.Text, "sexual health") {
				t.Errorf("the sensitive service is named: %+v", n)
			}
		}
	}
	if withheld != 1 {
		t.Errorf("%d notifications withheld, want the sensitive service's alone", withheld)
	}
	social, _ := st.Account(ctx, "social")
	if ns, _, _ := st.Notifications(ctx, social.ID, 0, 50); len(ns) != 0 {
		t.Errorf("the social worker is told of her own changes: %+v", ns)
	}
}
