package directory_test

import (
	"context"
	"testing"
	"time"

	"signpost"
	"signpost/directory"
)

// waitFor starts a long-poll and returns its answer's channel.
func (e *env) waitFor(token, cursor string) <-chan resp {
	done := make(chan resp, 1)
	go func() { done <- e.do("GET", "/v1/sync/wait?cursor="+cursor, token, nil) }()
	return done
}

func (e *env) cursorOf(token string) string {
	e.t.Helper()
	cursor := ""
	for {
		var p signpost.PullResponse
		e.do("GET", "/v1/sync/pull?cursor="+cursor, token, nil).json(e.t, &p)
		cursor = p.Cursor
		if !p.More {
			return cursor
		}
	}
}

func TestLongPollWakesOnlyWhomAChangeConcerns(t *testing.T) {
	e := newEnv(t, 50, func(c *directory.Config) { c.WaitTimeout = 3 * time.Second })
	nurse, _ := e.login("nurse")
	social, _ := e.login("social")
	nurseWait := e.waitFor(nurse, e.cursorOf(nurse))
	socialCursor := e.cursorOf(social)
	socialWait := e.waitFor(social, socialCursor)
	time.Sleep(200 * time.Millisecond)

	// The nurse records a CAF on a child only she works with: her long-poll
	// wakes; the social worker's does not.
	var p signpost.PullResponse
	e.do("GET", "/v1/sync/pull", nurse, nil).json(t, &p)
	var mine string
	for _, c := range p.Changes {
		if c.SignpostID != e.jamie && c.SignpostID != e.riley {
			mine = c.SignpostID
			break
		}
	}
	m := mut(signpost.MutSetCAF, mine)
	m.Value = true
	if r := e.push(nurse, m)[0]; r.Status != signpost.ResultApplied {
		t.Fatalf("push: %+v", r)
	}
	select {
	case r := <-nurseWait:
		var wr signpost.WaitResponse
		r.json(t, &wr)
		if !wr.Changed {
			t.Fatalf("the nurse's long-poll answered without the change: %s", r.body)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the nurse's long-poll was not woken by her own change")
	}
	start := time.Now()
	r := <-socialWait
	var wr signpost.WaitResponse
	r.json(t, &wr)
	if wr.Changed || time.Since(start) < time.Second {
		t.Fatalf("the social worker's long-poll answered %s after %v: a change that is not his woke it", r.body, time.Since(start))
	}

	// A change made by another process (an admin command on the same
	// store) wakes whom it concerns within about a second.
	other, err := e.openOther(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	socialWait = e.waitFor(social, socialCursor)
	time.Sleep(200 * time.Millisecond)
	if err := other.AddLookup(context.Background(), userID(t, e, "social"), e.fixtures.SamSmiths[0], time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-socialWait:
		r.json(t, &wr)
		if !wr.Changed {
			t.Fatalf("woken without the change: %s", r.body)
		}
	case <-time.After(2500 * time.Millisecond):
		t.Fatal("a change by another process did not wake the long-poll")
	}
}

func userID(t *testing.T, e *env, username string) int64 {
	t.Helper()
	a, err := e.store.Account(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// What authenticating reads is kept a few seconds; a device moved by another
// process (signpost-directory wipe or revoke) is read again as soon as the
// hub hears of it.
func TestADeviceMovedByAnotherProcessIsRefusedWithinASecond(t *testing.T) {
	e := newEnv(t, 20, nil)
	nurse, dev := e.login("nurse")
	if r := e.do("GET", "/v1/sync/pull", nurse, nil); r.status != 200 {
		t.Fatalf("pull: %d", r.status)
	}
	other, err := e.openOther(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.MoveDevice(context.Background(), dev, directory.DeviceMove{To: signpost.DeviceRevoked, By: "operator", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2500 * time.Millisecond)
	for {
		r := e.do("GET", "/v1/sync/pull", nurse, nil)
		if r.status == 401 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("a device revoked by another process still pulls: %d", r.status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestAnAccountDisabledByAnotherProcessIsRefusedWithinASecond(t *testing.T) {
	e := newEnv(t, 20, nil)
	nurse, _ := e.login("nurse")
	if r := e.do("GET", "/v1/sync/pull", nurse, nil); r.status != 200 {
		t.Fatalf("pull: %d", r.status)
	}
	other, err := e.openOther(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.SetAccountDisabled(context.Background(), "nurse", true); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2500 * time.Millisecond)
	for {
		r := e.do("GET", "/v1/sync/pull", nurse, nil)
		if r.status == 401 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("a disabled account still pulls: %d", r.status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
