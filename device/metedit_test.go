package device

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"signpost"
)

// gate is a directory the test can take off the network: while it is down
// every connection is dropped unanswered, as when the signal goes.
type gate struct {
	h    http.Handler
	down atomic.Bool
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if g.down.Load() {
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
				return
			}
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	g.h.ServeHTTP(w, r)
}

// gatedDirectory is startTestDirectory behind a gate.
func gatedDirectory(t *testing.T) (*testDirectory, *gate) {
	t.Helper()
	d := startTestDirectory(t, 50)
	g := &gate{h: d.srv}
	d.hs.Close()
	d.hs = httptest.NewServer(g)
	return d, g
}

func outboxItem(t *testing.T, s *Device, id string) (Change, bool) {
	t.Helper()
	items, err := s.Outbox(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.ID == id {
			return it, true
		}
	}
	return Change{}, false
}

// editBetweenTries edits a change while the engine, offline, keeps trying
// to send it: a change is in flight during each try and refuses the edit
// (kind conflict), so the edit is made between two tries.
func editBetweenTries(t *testing.T, s *Device, id string, e ChangeEdit) error {
	t.Helper()
	var err error
	waitFor(t, "a moment between two tries to send", func() bool {
		err = s.EditChange(context.Background(), id, e)
		return signpost.KindOf(err) != signpost.KindConflict
	})
	return err
}

func provisionalCases(t *testing.T, s *Device) []Case {
	t.Helper()
	cs, err := s.Caseload(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var out []Case
	for _, c := range cs {
		if c.Provisional {
			out = append(out, c)
		}
	}
	return out
}

// A child met offline is on the caseload at once; the change is corrected
// before it syncs, sent once as corrected, and the Changes tab then says
// whom the directory matched her to, while a child it could not tell apart
// shows its refusal; the pull brings the real record in place of the row.
func TestServicesChildMetOfflineIsMatchedAndAnEditedChangeSyncsOnce(t *testing.T) {
	ctx := context.Background()
	d, g := gatedDirectory(t)
	s, rec := enrolled(t, d, "nurse")
	g.down.Store(true)
	waitFor(t, "the app is idle after the first sync", func() bool { st := rec.last(); return !st.Syncing })

	// Offline: a Sam Smith with the wrong postcode (then corrected), one
	// the directory cannot tell from eleven others, and an involvement
	// ended today (then corrected to yesterday).
	sam := signpost.Identity{GivenName: "Sam", FamilyName: "Smith", DateOfBirth: "2016-01-01", Postcode: "LS99 9ZZ"}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.MetChild(ctx, sam, "School nurse"))
	vague := signpost.Identity{GivenName: "Sam", FamilyName: "Smith", DateOfBirth: "2016-01-01", Postcode: "LS7 3AA"}
	must(s.MetChild(ctx, vague, "School nurse"))
	must(s.EndInvolvement(ctx, d.fx.Jamie, ""))

	items, err := s.Outbox(ctx)
	must(err)
	if len(items) != 3 {
		t.Fatalf("outbox %+v", items)
	}
	metID, vagueID, endID := items[0].ID, items[1].ID, items[2].ID
	if p := provisionalCases(t, s); len(p) != 2 || p[0].ID != "" || !p[0].Pending || p[0].Role != "School nurse" || p[0].FamilyName != "Smith" {
		t.Fatalf("provisional rows offline %+v", p)
	}

	sam.Postcode = "LS6 1AA"
	must(editBetweenTries(t, s, metID, ChangeEdit{Identity: &sam, Role: "Outreach nurse"}))
	yesterday := signpost.Today(time.Now()).AddDate(0, 0, -1).Format(signpost.DateLayout)
	must(editBetweenTries(t, s, endID, ChangeEdit{On: yesterday}))
	if err := editBetweenTries(t, s, endID, ChangeEdit{On: "2999-01-01"}); signpost.KindOf(err) != signpost.KindInvalid {
		t.Fatalf("an end in the future was accepted: %v", err)
	}
	if it, _ := outboxItem(t, s, metID); it.Identity == nil || it.Identity.Postcode != "LS6 1AA" || it.Role != "Outreach nurse" {
		t.Fatalf("edited met child %+v", it)
	}

	// Online again: everything is sent.
	g.down.Store(false)
	s.SyncNow()
	var matched Change
	waitFor(t, "the met child is matched", func() bool {
		s.SyncNow()
		it, ok := outboxItem(t, s, metID)
		matched = it
		return ok && it.State == ChangeSent
	})
	want := ""
	for _, id := range d.fx.SamSmiths {
		c, err := d.store.Child(ctx, id)
		must(err)
		if c.Postcode == "LS6 1AA" {
			want = id
		}
	}
	if matched.MatchedTo != want || want == "" {
		t.Fatalf("matched to %q, want the Sam Smith of LS6 1AA (%q)", matched.MatchedTo, want)
	}
	refused, ok := outboxItem(t, s, vagueID)
	if !ok || refused.State != ChangeRejected || !strings.Contains(refused.Reason, "could be this child") {
		t.Fatalf("the vague one %+v", refused)
	}
	if _, ok := outboxItem(t, s, endID); ok {
		t.Fatal("the edited end is still waiting")
	}
	waitFor(t, "the pull brings the matched record in place of the row", func() bool {
		cs, _ := s.Caseload(ctx, "")
		found, rows := false, 0
		for _, c := range cs {
			found = found || (c.ID == want && !c.Provisional)
			if c.Provisional {
				rows++
			}
		}
		return found && rows == 1
	})
	if p := provisionalCases(t, s); p[0].RefusedReason != refused.Reason || p[0].Pending {
		t.Fatalf("the refused row %+v", p[0])
	}

	// The directory holds each change once, with the corrected values.
	c, err := d.store.Child(ctx, want)
	must(err)
	n := 0
	for _, inv := range c.Involvements {
		if inv.Username == "nurse" {
			n++
			if inv.Role != "Outreach nurse" {
				t.Errorf("the involvement started with role %q, want the corrected one", inv.Role)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d involvements of the nurse with Sam, want 1", n)
	}
	j, err := d.store.Child(ctx, d.fx.Jamie)
	must(err)
	ended := 0
	for _, inv := range j.Involvements {
		if inv.Username == "nurse" {
			if inv.EndedOn != yesterday {
				t.Errorf("Jamie's involvement ended on %q, want the corrected %s", inv.EndedOn, yesterday)
			}
			ended++
		}
	}
	if ended != 1 {
		t.Errorf("%d involvements of the nurse with Jamie, want 1", ended)
	}
}
