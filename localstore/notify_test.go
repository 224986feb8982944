package localstore

// Issue 16: notifications in the cache.

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"signpost"
)

func TestNotificationsKeptReadAndSent(t *testing.T) {
	f := newFixture(t, signpost.DefaultPolicy())
	ctx := context.Background()
	at := f.clock.Now()
	resp := pull(child(1, "Jamie", "Fixture", true))
	resp.Notifications = []signpost.Notification{
		{ID: "7", Kind: signpost.NoteNewInvolvement, ChildID: signpost.SignpostID(1), At: at, ChildName: "Jamie Fixture",
			Text: "Sean O'Connell started working with Jamie Fixture", About: &signpost.NotifiedPractitioner{Name: "Sean O'Connell", Phone: "0161 496 0202"}},
		{ID: "8", Kind: signpost.NoteMovedArea, ChildID: signpost.SignpostID(1), At: at.Add(time.Minute), ChildName: "Jamie Fixture", Text: "Jamie Fixture now lives in Manchester"},
	}
	must(t, f.s.ApplyPull(ctx, resp))
	ns, err := f.s.Notifications(ctx, 0)
	must(t, err)
	if len(ns) != 2 || ns[0].ID != "8" || ns[1].About == nil || ns[1].About.Phone != "0161 496 0202" {
		t.Fatalf("cached = %+v", ns)
	}
	if n, _ := f.s.UnreadNotifications(ctx); n != 2 {
		t.Errorf("unread = %d", n)
	}
	// Read here: marked at once, and queued for the directory.
	marked, err := f.s.MarkNotificationsRead(ctx, []string{"7", "7", "99"})
	must(t, err)
	if marked != 1 {
		t.Errorf("marked %d, want 1", marked)
	}
	if again, _ := f.s.MarkNotificationsRead(ctx, []string{"7"}); again != 0 {
		t.Errorf("marked again: %d", again)
	}
	batch, err := f.s.NextBatch(ctx, 10)
	must(t, err)
	if len(batch) != 1 || batch[0].Kind != signpost.MutReadNotifications || len(batch[0].Notifications) != 1 || batch[0].Notifications[0] != "7" || batch[0].ChildID != "" {
		t.Fatalf("outbox = %+v", batch)
	}
	// The same notification pulled again (read nowhere else) stays read.
	must(t, f.s.ApplyPull(ctx, resp))
	if n, _ := f.s.UnreadNotifications(ctx); n != 1 {
		t.Errorf("unread after a re-pull = %d, want 1", n)
	}
	// Read on another device: the directory's mark is kept.
	resp.Notifications[1].Read = true
	must(t, f.s.ApplyPull(ctx, resp))
	if n, _ := f.s.UnreadNotifications(ctx); n != 0 {
		t.Errorf("unread after the directory's read = %d, want 0", n)
	}
	// Nothing readable on disk.
	f.reopen(t)
	if ns, _ := f.s.Notifications(ctx, 0); len(ns) != 2 || !ns[0].Read || !ns[1].Read {
		t.Errorf("after reopening = %+v", ns)
	}
	must(t, f.s.Close())
	for _, name := range cacheFiles(t, f.dir) {
		b, err := os.ReadFile(filepath.Join(f.dir, name))
		if err != nil {
			continue
		}
		for _, s := range []string{"Sean O'Connell", "0161 496 0202", "Manchester", "Jamie"} {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds %q in plain text", name, s)
			}
		}
	}
}

func TestReadNotificationsChangeIsChecked(t *testing.T) {
	f := newFixture(t, signpost.DefaultPolicy())
	ctx := context.Background()
	for _, m := range []signpost.Mutation{
		{Kind: signpost.MutReadNotifications},
		{Kind: signpost.MutReadNotifications, ChildID: signpost.SignpostID(1), Notifications: []string{"1"}},
		{Kind: signpost.MutReadNotifications, Notifications: []string{""}},
	} {
		if _, err := f.s.Enqueue(ctx, m); signpost.KindOf(err) != signpost.KindInvalid {
			t.Errorf("enqueue %+v: %v, want invalid", m, err)
		}
	}
}
