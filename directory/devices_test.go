package directory_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"signpost"
	"signpost/directory"
)

// wipeBody is a 410's body: the error, the wipe directive and, for a push,
// the results.
type wipeBody struct {
	Error      *signpost.Error           `json:"error"`
	Directives []signpost.Directive      `json:"directives"`
	Results    []signpost.MutationResult `json:"results"`
}

func (e *env) device(id string) signpost.Device {
	e.t.Helper()
	admin, _ := e.login("itadmin")
	var ds signpost.DevicesResponse
	e.do("GET", "/v1/devices", admin, nil).json(e.t, &ds)
	for _, d := range ds.Devices {
		if d.ID == id {
			return d
		}
	}
	e.t.Fatalf("device %s not listed", id)
	return signpost.Device{}
}

func (e *env) orderWipe(id string) resp {
	e.t.Helper()
	admin, _ := e.login("itadmin")
	return e.do("POST", "/v1/devices/"+id+"/wipe", admin, nil)
}

func TestWipeOrderReachesADeviceWhoseSessionExpired(t *testing.T) {
	e := newEnv(t, 20, nil)
	nurse, dev := e.login("nurse")
	e.clock.Add(13 * time.Hour) // past the 12 h session
	if r := e.do("GET", "/v1/sync/pull", nurse, nil); r.status != 401 {
		t.Fatalf("pull with an expired token before any order: %d %s, want 401", r.status, r.body)
	}
	// Others sign in meanwhile: the sweep of expired sessions must keep the nurse's.
	if r := e.orderWipe(dev); r.status != 202 {
		t.Fatalf("order wipe: %d %s", r.status, r.body)
	}
	e.login("social")

	for _, rq := range []struct {
		name, method, path string
		body               any
	}{
		{"pull", "GET", "/v1/sync/pull", nil},
		{"long-poll", "GET", "/v1/sync/wait", nil},
		{"search", "POST", "/v1/search", signpost.SearchRequest{FamilyName: "Fixture", DateOfBirth: "2015-03-14"}},
		{"child", "GET", "/v1/children/" + e.jamie + "?reason=x", nil},
		{"break-glass", "POST", "/v1/children/" + e.riley + "/break-glass", signpost.BreakGlassRequest{Reason: "checking"}},
		{"devices", "GET", "/v1/devices", nil},
		{"order a wipe", "POST", "/v1/devices/" + dev + "/wipe", nil},
		{"another device's receipt", "POST", "/v1/devices/" + strings.Repeat("0", 8) + "-0000-0000-0000-" + strings.Repeat("0", 12) + "/wiped", signpost.WipeReceipt{}},
	} {
		t.Run(rq.name, func(t *testing.T) {
			r := e.do(rq.method, rq.path, nurse, rq.body)
			var b wipeBody
			_ = json.Unmarshal(r.body, &b)
			if r.status != 410 || len(b.Directives) != 1 || b.Directives[0].Kind != signpost.DirectiveWipe {
				t.Errorf("%s with the expired token of a device ordered to wipe: %d %s, want 410 with the wipe directive", rq.name, r.status, r.body)
			}
		})
	}

	// Its last changes are still taken, once.
	last := mut(signpost.MutSetLead, e.jamie)
	last.Value = true
	for i, want := range []string{signpost.ResultApplied, signpost.ResultDuplicate} {
		r := e.do("POST", "/v1/sync/push", nurse, signpost.PushRequest{Mutations: []signpost.Mutation{last}})
		var b wipeBody
		r.json(t, &b)
		if r.status != 410 || len(b.Directives) != 1 || len(b.Results) != 1 || b.Results[0].Status != want {
			t.Errorf("push %d with the expired token: %d %s, want 410 with the result %s", i, r.status, r.body, want)
		}
	}
	c, err := e.store.Child(context.Background(), e.jamie)
	if err != nil {
		t.Fatal(err)
	}
	lead := 0
	for _, inv := range c.Involvements {
		if inv.Username == "nurse" && inv.LeadProfessional {
			lead++
		}
	}
	if lead != 1 {
		t.Errorf("the nurse's last change reached the directory %d times, want once", lead)
	}
	// And its receipt.
	if r := e.do("POST", "/v1/devices/"+dev+"/wiped", nurse, signpost.WipeReceipt{Pushed: 1, WipedAt: e.clock.Now()}); r.status != 200 {
		t.Fatalf("receipt with the expired token: %d %s", r.status, r.body)
	}
	if d := e.device(dev); d.State != signpost.DeviceWiped || d.Receipt == nil || d.Receipt.Pushed != 1 {
		t.Errorf("device after the receipt: %+v", d)
	}
}

func TestWipeOrderIsHonouredFor94Days(t *testing.T) {
	for _, tc := range []struct {
		name   string
		since  time.Duration // since the session expired
		status int
	}{
		{"93 days after the session expired", 93 * 24 * time.Hour, 410},
		{"95 days after", 95 * 24 * time.Hour, 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, 20, nil)
			nurse, dev := e.login("nurse")
			e.clock.Add(12*time.Hour + tc.since)
			if r := e.orderWipe(dev); r.status != 202 {
				t.Fatalf("order wipe: %d %s", r.status, r.body)
			}
			if r := e.do("GET", "/v1/sync/pull", nurse, nil); r.status != tc.status {
				t.Errorf("pull: %d %s, want %d", r.status, r.body, tc.status)
			}
		})
	}
}

func TestRevokeEndsEverySessionAndIsFinal(t *testing.T) {
	e := newEnv(t, 20, nil)
	ctx := context.Background()
	nurse, dev := e.login("nurse")
	if _, err := e.store.MoveDevice(ctx, dev, directory.DeviceMove{To: signpost.DeviceRevoked, By: "itadmin", At: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(nurse))
	if _, err := e.store.Session(ctx, sum[:]); signpost.KindOf(err) != signpost.KindNotFound {
		t.Errorf("the revoked device's session: %v, want it ended (not found)", err)
	}
	r := e.orderWipe(dev)
	if kind, _ := r.errField(); r.status != 409 || kind != "conflict" || !strings.Contains(string(r.body), "revoked") {
		t.Errorf("a wipe order on a revoked device: %d %s, want 409 saying it is revoked", r.status, r.body)
	}
	if d := e.device(dev); d.State != signpost.DeviceRevoked {
		t.Errorf("state after the refused wipe order: %s, want revoked", d.State)
	}
	// Its old token does nothing: its push is refused and not applied.
	last := mut(signpost.MutSetLead, e.jamie)
	last.Value = true
	if r := e.do("POST", "/v1/sync/push", nurse, signpost.PushRequest{Mutations: []signpost.Mutation{last}}); r.status != 401 {
		t.Errorf("push with the revoked device's token: %d %s, want 401", r.status, r.body)
	}
	c, _ := e.store.Child(ctx, e.jamie)
	for _, inv := range c.Involvements {
		if inv.Username == "nurse" && inv.LeadProfessional {
			t.Error("a revoked device's push was applied")
		}
	}
}

func TestWipeReceiptAnswersOnlyAnOrderWithSaneCounts(t *testing.T) {
	e := newEnv(t, 20, nil)
	nurse, dev := e.login("nurse")
	if r := e.do("POST", "/v1/devices/"+dev+"/wiped", nurse, signpost.WipeReceipt{Pushed: 1}); r.status != 409 {
		t.Errorf("a receipt with no wipe order: %d %s, want 409", r.status, r.body)
	}
	if d := e.device(dev); d.State != signpost.DeviceActive || d.Receipt != nil {
		t.Errorf("after a receipt with no order: %+v, want active with no receipt", d)
	}
	e.clock.Add(time.Hour)
	r := e.orderWipe(dev)
	if r.status != 202 {
		t.Fatalf("order wipe: %d %s", r.status, r.body)
	}
	var od signpost.Device
	r.json(t, &od)
	ordered := od.WipeOrderedAt
	if ordered.IsZero() || ordered.After(e.clock.Now()) {
		t.Fatalf("the order's answer gives it at %v (now %v)", ordered, e.clock.Now())
	}
	e.clock.Add(10 * time.Minute)
	now := e.clock.Now()
	for _, tc := range []struct {
		name  string
		body  string
		field string
	}{
		{"negative pushed", `{"pushed":-1,"lost":0}`, "pushed"},
		{"absurd pushed", `{"pushed":2147483647,"lost":0}`, "pushed"},
		{"absurd lost", `{"pushed":0,"lost":1000001}`, "lost"},
		{"dated 1000-01-01", `{"pushed":1,"lost":0,"wiped_at":"1000-01-01T00:00:00Z"}`, "wiped_at"},
		{"before the order", `{"pushed":1,"lost":0,"wiped_at":"` + ordered.Add(-time.Hour).Format(time.RFC3339) + `"}`, "wiped_at"},
		{"in the future", `{"pushed":1,"lost":0,"wiped_at":"` + now.Add(time.Hour).Format(time.RFC3339) + `"}`, "wiped_at"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("POST", "/v1/devices/"+dev+"/wiped", nurse, tc.body)
			if _, field := r.errField(); r.status != 400 || field != tc.field {
				t.Errorf("%d %s, want 400 naming %s", r.status, r.body, tc.field)
			}
		})
	}
	// A few minutes' clock skew is allowed.
	good := signpost.WipeReceipt{Pushed: 1_000_000, Lost: 2, WipedAt: now.Add(2 * time.Minute)}
	if r := e.do("POST", "/v1/devices/"+dev+"/wiped", nurse, good); r.status != 200 {
		t.Fatalf("a good receipt: %d %s", r.status, r.body)
	}
	d := e.device(dev)
	if d.State != signpost.DeviceWiped || d.Receipt == nil || d.Receipt.Pushed != 1_000_000 || d.Receipt.Lost != 2 || !d.Receipt.WipedAt.Equal(good.WipedAt) {
		t.Errorf("device after the receipt: %+v receipt %+v", d, d.Receipt)
	}
	if d.WipeOrderedBy != "itadmin" || !d.WipeOrderedAt.Equal(ordered) {
		t.Errorf("wipe ordered by %q at %v, want itadmin at %v", d.WipeOrderedBy, d.WipeOrderedAt, ordered)
	}
}

func TestDeviceMovesAreOnlyTheDocumentedOnes(t *testing.T) {
	states := []string{signpost.DeviceActive, signpost.DeviceWipeOrdered, signpost.DeviceWiped, signpost.DeviceRevoked}
	allowed := map[[2]string]bool{
		{signpost.DeviceActive, signpost.DeviceWipeOrdered}:      true,
		{signpost.DeviceActive, signpost.DeviceRevoked}:          true,
		{signpost.DeviceWipeOrdered, signpost.DeviceWiped}:       true,
		{signpost.DeviceWipeOrdered, signpost.DeviceRevoked}:     true,
		{signpost.DeviceWipeOrdered, signpost.DeviceWipeOrdered}: true, // a repeated order changes nothing
		{signpost.DeviceWipeOrdered, signpost.DeviceActive}:      true, // IT cancels the order
	}
	for _, from := range states {
		for _, to := range states {
			err := directory.CheckDeviceMove(from, to)
			if want := allowed[[2]string{from, to}]; want != (err == nil) {
				t.Errorf("%s → %s: %v, want allowed=%v", from, to, err, want)
			}
			if err != nil && (signpost.KindOf(err) != signpost.KindConflict || signpost.MessageOf(err) == "") {
				t.Errorf("%s → %s refused with %v, want a conflict with a message", from, to, err)
			}
		}
	}
}

func TestDevicesListIsPaged(t *testing.T) {
	e := newEnv(t, 20, nil)
	admin, _ := e.login("itadmin")
	for i := 0; i < 7; i++ {
		e.login("nurse")
	}
	seen := map[string]bool{}
	after, pages := "", 0
	for {
		path := "/v1/devices?limit=3"
		if after != "" {
			path += "&after=" + url.QueryEscape(after)
		}
		r := e.do("GET", path, admin, nil)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", path, r.status, r.body)
		}
		var page signpost.DevicesResponse
		r.json(t, &page)
		pages++
		if len(page.Devices) > 3 {
			t.Fatalf("a page of %d, limit 3", len(page.Devices))
		}
		for _, d := range page.Devices {
			if seen[d.ID] {
				t.Fatalf("%s listed twice", d.ID)
			}
			seen[d.ID] = true
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	if len(seen) != 8 || pages != 3 {
		t.Fatalf("%d devices in %d pages, want 8 in 3", len(seen), pages)
	}
	for _, bad := range []string{"?limit=0", "?limit=501", "?after=yesterday", "?after=" + url.QueryEscape("2026-01-01T00:00:00Z|not-a-uuid")} {
		if r := e.do("GET", "/v1/devices"+bad, admin, nil); r.status != 400 {
			t.Errorf("%s: %d", bad, r.status)
		}
	}
}
