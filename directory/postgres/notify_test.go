package postgres_test

// Issue 16 on PostgreSQL: notification events are recorded in the change's
// transaction and seen by every instance, and when two instances drain the
// same events at once each notification is stored exactly once.

import (
	gosync "sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"signpost"
	"signpost/directory"
	"signpost/directory/postgres"
	"signpost/directory/postgres/pgtest"
)

func TestNotificationsDrainedOnceAcrossInstances(t *testing.T) {
	_, a, b := two(t)
	ann, ben := actorOn(t, a, "ann"), actorOn(t, b, "ben")
	var ms []signpost.Mutation
	for i := 1; i <= 3; i++ {
		ms = append(ms, signpost.Mutation{ID: uuid.Must(uuid.NewV7()).String(), Kind: signpost.MutStartInvolvement, ChildID: signpost.SignpostID(i), Role: "Nurse", At: time.Now()})
	}
	res, err := a.Push(ctx, ann, ms, time.Now())
	must(t, err)
	for _, r := range res {
		if r.Status != signpost.ResultApplied {
			t.Fatalf("start = %+v", r)
		}
	}
	head, err := b.Head(ctx)
	must(t, err)

	// Both instances see the events the push committed, and both turn them
	// into the same notifications for ben.
	records := func(evs []directory.NotifyEvent) ([]int64, []directory.NotificationRecord) {
		var done []int64
		var ns []directory.NotificationRecord
		for _, ev := range evs {
			done = append(done, ev.ID)
			ns = append(ns, directory.NotificationRecord{UserID: ben.UserID, Username: ben.Username, Event: ev.ID,
				Notification: signpost.Notification{Kind: signpost.NoteNewInvolvement, ChildID: ev.ChildID, At: ev.At, Text: "Ann started working with the child"}})
		}
		return done, ns
	}
	evA, err := a.NotifyEvents(ctx, 100)
	must(t, err)
	evB, err := b.NotifyEvents(ctx, 100)
	must(t, err)
	if len(evA) != 3 || len(evB) != 3 || evA[0].ID != evB[0].ID || evA[0].Kind != signpost.NoteNewInvolvement || evA[0].ActorID != ann.UserID {
		t.Fatalf("events on the two instances: %+v and %+v", evA, evB)
	}

	// Both drain at once, several times over (new events each round).
	total := 0
	for round := range 4 {
		if round > 0 {
			m := signpost.Mutation{ID: uuid.Must(uuid.NewV7()).String(), Kind: signpost.MutSetCAF, ChildID: signpost.SignpostID(3), Value: round%2 == 1, At: time.Now()}
			must(t, pushOK(a, ann, m))
			m = signpost.Mutation{ID: uuid.Must(uuid.NewV7()).String(), Kind: signpost.MutEndInvolvement, ChildID: signpost.SignpostID(round), On: time.Now().Format(time.DateOnly), At: time.Now(), Confirm: true}
			must(t, pushOK(b, ann, m))
			if evA, err = a.NotifyEvents(ctx, 100); err != nil {
				t.Fatal(err)
			}
			if evB, err = b.NotifyEvents(ctx, 100); err != nil {
				t.Fatal(err)
			}
			if len(evA) != 1 || len(evB) != 1 || evA[0].Kind != signpost.NoteEndedInvolvement {
				t.Fatalf("round %d: events %+v and %+v, want the one end", round, evA, evB)
			}
		}
		var wg gosync.WaitGroup
		var stored [2]int
		for i, p := range []struct {
			st  directory.Store
			evs []directory.NotifyEvent
		}{{a, evA}, {b, evB}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				done, ns := records(p.evs)
				got, err := p.st.Notify(ctx, done, ns)
				if err != nil {
					t.Error(err)
					return
				}
				stored[i] = len(got)
			}()
		}
		wg.Wait()
		if want := len(evA); stored[0]+stored[1] != want || (stored[0] != 0 && stored[1] != 0) {
			t.Fatalf("round %d: the instances stored %d and %d notifications of %d events; want them stored once, by one", round, stored[0], stored[1], want)
		}
		total += len(evA)
		for _, st := range []directory.Store{a, b} {
			if evs, err := st.NotifyEvents(ctx, 100); err != nil || len(evs) != 0 {
				t.Fatalf("round %d: events left after the drain: %+v, %v", round, evs, err)
			}
		}
	}

	// Ben has each notification once, whichever instance he asks, and is
	// told of them by the other one's pull.
	for _, st := range []directory.Store{a, b} {
		ns, unread, err := st.Notifications(ctx, ben.UserID, 0, 100)
		must(t, err)
		if len(ns) != total || unread != total {
			t.Fatalf("ben's notifications: %d (%d unread), want %d", len(ns), unread, total)
		}
	}
	if ok, err := a.HasChanges(ctx, ben, directory.Cursor{Seq: head}, time.Now()); err != nil || !ok {
		t.Errorf("HasChanges for ben after notifications stored on either instance = %v, %v", ok, err)
	}
	upTo, err := a.Head(ctx)
	must(t, err)
	got, err := a.DeliverNotifications(ctx, ben.UserID, head, upTo, time.Now())
	must(t, err)
	if len(got) != total {
		t.Errorf("delivered %d notifications, want %d", len(got), total)
	}
	audit, err := b.AuditOfAction(ctx, "notify", 100)
	must(t, err)
	if len(audit) != total {
		t.Errorf("%d notify audit events, want %d (one per notification stored)", len(audit), total)
	}
	// Read on one instance, read on the other.
	marked, unread, err := b.ReadNotifications(ctx, ben.UserID, []string{got[0].ID}, time.Now())
	if err != nil || marked != 1 || unread != total-1 {
		t.Errorf("read one: marked %d, unread %d, %v", marked, unread, err)
	}
	if _, unread, _ := a.Notifications(ctx, ben.UserID, 0, 100); unread != total-1 {
		t.Errorf("unread on the other instance = %d, want %d", unread, total-1)
	}
}

// pushOK pushes one mutation and wants it applied.
func pushOK(st directory.Store, a directory.Actor, m signpost.Mutation) error {
	res, err := st.Push(ctx, a, []signpost.Mutation{m}, time.Now())
	if err != nil {
		return err
	}
	if res[0].Status != signpost.ResultApplied {
		return &signpost.Error{Kind: signpost.KindInvalid, Message: "push " + m.Kind + ": " + res[0].Status + " " + res[0].Reason}
	}
	return nil
}

// BenchmarkNotifyAndDeliver1000: one Notify of 1,000 notifications for one
// user (an event's fan-out, stored under the write lock with its audit),
// then their delivery to a pull. Reported: ms per store and per delivery.
func BenchmarkNotifyAndDeliver1000(b *testing.B) {
	st, err := postgres.Open(ctx, pgtest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := st.CreateAuthority(ctx, "E08000035", "Leeds"); err != nil {
		b.Fatal(err)
	}
	if err := st.CreateOrganisation(ctx, "Leeds Health", "Leeds", true); err != nil {
		b.Fatal(err)
	}
	if err := st.CreateAccount(ctx, &directory.Account{User: signpost.User{Username: "ben", DisplayName: "Ben", Role: signpost.RolePractitioner, Organisation: "Leeds Health"},
		PasswordHash: "x", TOTPSecret: "y"}); err != nil {
		b.Fatal(err)
	}
	ben, err := st.Account(ctx, "ben")
	if err != nil {
		b.Fatal(err)
	}
	ns := make([]directory.NotificationRecord, 1000)
	for i := range ns {
		ns[i] = directory.NotificationRecord{UserID: ben.ID, Username: "ben", Notification: signpost.Notification{Kind: signpost.NoteNewInvolvement,
			ChildID: signpost.SignpostID(i%50 + 1), At: time.Now(), Text: "Ann (School nurse, Leeds Health, Leeds) started working with the child. Contact: 0113 496 0101."}}
	}
	var storing, delivering time.Duration
	b.ResetTimer()
	for range b.N {
		head, err := st.Head(ctx)
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		stored, err := st.Notify(ctx, nil, ns)
		if err != nil || len(stored) != len(ns) {
			b.Fatalf("stored %d, %v", len(stored), err)
		}
		t1 := time.Now()
		got, err := st.DeliverNotifications(ctx, ben.ID, head, stored[0].Seq, time.Now())
		if err != nil || len(got) != len(ns) {
			b.Fatalf("delivered %d, %v", len(got), err)
		}
		storing, delivering = storing+t1.Sub(t0), delivering+time.Since(t1)
	}
	b.ReportMetric(float64(storing.Microseconds())/1000/float64(b.N), "ms/notify")
	b.ReportMetric(float64(delivering.Microseconds())/1000/float64(b.N), "ms/deliver")
}
