package directory_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"

	"signpost"
)

// signInWithCredential signs user in on device dev and returns the session
// token and the device credential.
func (e *env) signInWithCredential(user, dev string) (token, cred string) {
	e.t.Helper()
	s := e.session(user, dev)
	if s.DeviceCredential == "" || s.DeviceCredential == s.Token {
		e.t.Fatalf("sign-in gave no device credential of its own: %+v", s)
	}
	return s.Token, s.DeviceCredential
}

func (e *env) directive(cred string) (signpost.DeviceDirective, resp) {
	e.t.Helper()
	var d signpost.DeviceDirective
	r := e.do("GET", "/v1/devices/self/directive", cred, nil)
	if r.status == 200 {
		r.json(e.t, &d)
	}
	return d, r
}

func TestADeviceCredentialReadsNothingButTheDirective(t *testing.T) {
	e := newEnv(t, 20, nil)
	dev := uuid.NewString()
	nurse, cred := e.signInWithCredential("nurse", dev)
	admin, _ := e.login("itadmin")
	for _, rq := range []struct {
		name, method, path string
		body               any
	}{
		{"search", "POST", "/v1/search", signpost.SearchRequest{FamilyName: "Smith", DateOfBirth: "2015-03-04"}},
		{"child", "GET", "/v1/children/" + "SP1234567890", nil},
		{"pull", "GET", "/v1/sync/pull", nil},
		{"wait", "GET", "/v1/sync/wait", nil},
		{"push", "POST", "/v1/sync/push", signpost.PushRequest{}},
		{"devices", "GET", "/v1/devices", nil},
		{"alerts", "GET", "/v1/alerts", nil},
		{"order a wipe", "POST", "/v1/devices/" + dev + "/wipe", nil},
		{"cancel a wipe", "DELETE", "/v1/devices/" + dev + "/wipe", map[string]string{"reason": "found it"}},
		{"break glass", "POST", "/v1/children/SP1234567890/break-glass", signpost.BreakGlassRequest{Reason: "x"}},
	} {
		t.Run(rq.name, func(t *testing.T) {
			if r := e.do(rq.method, rq.path, cred, rq.body); r.status != 401 || !strings.Contains(string(r.body), "device credential") {
				t.Errorf("%s with the device credential: %d %s, want 401 naming the credential", rq.name, r.status, r.body)
			}
		})
	}
	if d, r := e.directive(cred); r.status != 200 || d.Action != signpost.DeviceActionNone || d.DeviceID != dev {
		t.Errorf("directive of an active device: %d %s", r.status, r.body)
	}
	if _, r := e.directive(nurse); r.status != 401 {
		t.Errorf("directive with a session token: %d %s, want 401", r.status, r.body)
	}
	if _, r := e.directive(""); r.status != 401 {
		t.Errorf("directive with no token: %d %s, want 401", r.status, r.body)
	}

	// A lost laptop: the credential learns it must wipe, and why.
	if r := e.do("POST", "/v1/devices/"+dev+"/wipe", admin, signpost.WipeOrder{Reason: "misplaced"}); r.status != 400 || !strings.Contains(string(r.body), `"field":"reason"`) {
		t.Errorf("an unknown reason: %d %s, want 400 naming reason", r.status, r.body)
	}
	if r := e.do("POST", "/v1/devices/"+dev+"/wipe", admin, signpost.WipeOrder{Reason: signpost.WipeLost}); r.status != 202 {
		t.Fatalf("order a wipe (lost): %d %s", r.status, r.body)
	}
	if d, r := e.directive(cred); d.Action != signpost.DeviceActionWipe || d.Reason != signpost.WipeLost || d.OrderedAt.IsZero() {
		t.Errorf("directive after a lost order: %d %s", r.status, r.body)
	}
	if d := e.device(dev); d.WipeReason != signpost.WipeLost {
		t.Errorf("devices list after a lost order: %+v", d)
	}

	// Cancelled (only by IT), then ordered again: stolen.
	if r := e.do("DELETE", "/v1/devices/"+dev+"/wipe", nurse, nil); r.status != 410 && r.status != 403 {
		t.Errorf("the nurse cancels: %d %s, want refused", r.status, r.body)
	}
	// Cancelling, as every IT action, needs a reason.
	if r := e.do("DELETE", "/v1/devices/"+dev+"/wipe", admin, nil); r.status != 400 || !strings.Contains(string(r.body), `"field":"reason"`) {
		t.Fatalf("a cancel without a reason: %d %s", r.status, r.body)
	}
	if r := e.do("DELETE", "/v1/devices/"+dev+"/wipe", admin, map[string]string{"reason": "the laptop was found"}); r.status != 200 {
		t.Fatalf("cancel the order: %d %s", r.status, r.body)
	}
	if d, _ := e.directive(cred); d.Action != signpost.DeviceActionNone {
		t.Errorf("directive after the cancel: %+v", d)
	}
	if r := e.do("GET", "/v1/sync/pull", nurse, nil); r.status != 200 {
		t.Errorf("pull after the cancel: %d %s, want 200", r.status, r.body)
	}
	if r := e.do("DELETE", "/v1/devices/"+dev+"/wipe", admin, map[string]string{"reason": "the laptop was found"}); r.status != 409 {
		t.Errorf("cancel with no order: %d %s, want 409", r.status, r.body)
	}
	if r := e.do("POST", "/v1/devices/"+dev+"/wipe", admin, signpost.WipeOrder{Reason: signpost.WipeStolen}); r.status != 202 {
		t.Fatalf("order a wipe (stolen): %d %s", r.status, r.body)
	}

	// The receipt, with the credential; after it the credential is refused.
	if r := e.do("POST", "/v1/devices/"+uuid.NewString()+"/wiped", cred, signpost.WipeReceipt{Lost: 1}); r.status != 403 {
		t.Errorf("a receipt for another device: %d %s, want 403", r.status, r.body)
	}
	if r := e.do("POST", "/v1/devices/"+dev+"/wiped", cred, signpost.WipeReceipt{Lost: 3}); r.status != 200 {
		t.Fatalf("receipt with the credential: %d %s", r.status, r.body)
	}
	if d := e.device(dev); d.State != signpost.DeviceWiped || d.Receipt == nil || d.Receipt.Lost != 3 {
		t.Errorf("after the receipt: %+v", d)
	}
	if _, r := e.directive(cred); r.status != 401 {
		t.Errorf("directive of a wiped device: %d %s, want 401", r.status, r.body)
	}
	if r := e.do("DELETE", "/v1/devices/"+dev+"/wipe", admin, map[string]string{"reason": "the laptop was found"}); r.status != 409 {
		t.Errorf("cancel after the wipe: %d %s, want 409", r.status, r.body)
	}
}

func TestSigningInAgainReplacesTheDeviceCredential(t *testing.T) {
	e := newEnv(t, 20, nil)
	dev := uuid.NewString()
	_, old := e.signInWithCredential("nurse", dev)
	_, cur := e.signInWithCredential("nurse", dev)
	if _, r := e.directive(old); r.status != 401 {
		t.Errorf("the replaced credential: %d %s, want 401", r.status, r.body)
	}
	if d, r := e.directive(cur); r.status != 200 || d.DeviceID != dev {
		t.Errorf("the new credential: %d %s", r.status, r.body)
	}
}
