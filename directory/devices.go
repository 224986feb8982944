package directory

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"signpost"
)

// deviceMoves are the only moves between device states; wiped and revoked
// are final:
//
//	active       → wipe_ordered (IT orders a wipe) | revoked (IT revokes it)
//	wipe_ordered → wiped (the device's receipt)    | revoked
//	             | active (IT cancels the order before it is carried out)
//
// Ordering a wipe of a device already ordered to wipe changes nothing.
var deviceMoves = map[string][]string{
	signpost.DeviceActive:      {signpost.DeviceWipeOrdered, signpost.DeviceRevoked},
	signpost.DeviceWipeOrdered: {signpost.DeviceWiped, signpost.DeviceRevoked, signpost.DeviceActive},
}

// CheckDeviceMove returns nil if a device in state from may move to state to
// (deviceMoves), else a conflict saying why. Every Store checks it inside the
// transaction that moves the device.
func CheckDeviceMove(from, to string) error {
	if slices.Contains(deviceMoves[from], to) || (from == signpost.DeviceWipeOrdered && to == signpost.DeviceWipeOrdered) {
		return nil
	}
	conflict := func(msg string) error { return &signpost.Error{Kind: signpost.KindConflict, Message: msg} }
	switch {
	case from == signpost.DeviceRevoked && to == signpost.DeviceWipeOrdered:
		return conflict("this device was revoked, which is final: its sessions have ended and it can no longer reach the directory, so it cannot be wiped remotely")
	case from == signpost.DeviceRevoked:
		return conflict("this device was revoked, which is final")
	case from == signpost.DeviceWiped:
		return conflict("this device has already been wiped, which is final; to use it again, enrol it with a new cache")
	case to == signpost.DeviceWiped:
		return conflict("there is no wipe order for this device: a receipt answers one")
	case to == signpost.DeviceActive && from == signpost.DeviceActive:
		return conflict("there is no wipe order for this device to cancel")
	case to == signpost.DeviceActive:
		return conflict("a device cannot be made active again; enrol it with a new cache")
	}
	return conflict("a device cannot move from " + from + " to " + to)
}

func itAdmin(a Actor) error {
	if a.Role != signpost.RoleITAdmin {
		return &signpost.Error{Kind: signpost.KindForbidden, Message: "only IT administrators manage devices"}
	}
	return nil
}

func (s *Server) handleDevices(w http.ResponseWriter, r *http.Request, a Actor) {
	if err := itAdmin(a); err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	f := DeviceFilter{Limit: 100}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			s.fail(w, r, signpost.FieldError("limit", "limit must be a whole number from 1 to 500"))
			return
		}
		f.Limit = n
	}
	if v := q.Get("after"); v != "" {
		seen, id, ok := strings.Cut(v, "|")
		if _, err := time.Parse(time.RFC3339Nano, seen); !ok || err != nil || uuid.Validate(id) != nil {
			s.fail(w, r, signpost.FieldError("after", "after must be the next value a previous page gave"))
			return
		}
		f.After = v
	}
	if err := s.deviceFilters(r, &f); err != nil { // issue 14, accounts slice
		s.fail(w, r, err)
		return
	}
	want := f.Limit
	f.Limit++
	ds, err := s.store.Devices(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	resp := signpost.DevicesResponse{Devices: ds}
	if len(ds) > want {
		resp.Devices = ds[:want]
		resp.Next = DevicePos(ds[want-1])
	}
	s.markStale(r.Context(), resp.Devices) // issue 14, accounts slice
	writeJSON(w, http.StatusOK, resp)
}

// handleOrderWipe orders a remote wipe of a device, with the reason of the
// order's body (none from an older client, whose body is empty). A device
// ordered to wipe gets the order on its next request of any kind; a lost or
// stolen one also while locked, through its device credential.
func (s *Server) handleOrderWipe(w http.ResponseWriter, r *http.Request, a Actor) {
	if err := itAdmin(a); err != nil {
		s.fail(w, r, err)
		return
	}
	var o signpost.WipeOrder
	if r.ContentLength != 0 {
		if err := decode(r, &o); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	switch o.Reason {
	case "", signpost.WipeLost, signpost.WipeStolen, signpost.WipeLeaver:
	default:
		s.fail(w, r, signpost.FieldError("reason", "reason must be lost, stolen or leaver"))
		return
	}
	s.moveDevice(w, r, a, DeviceMove{To: signpost.DeviceWipeOrdered, Reason: o.Reason}, "wipe_order", http.StatusAccepted)
}

// handleCancelWipe cancels a wipe order not yet carried out: the device is
// in use again, and its next request is answered as any other.
func (s *Server) handleCancelWipe(w http.ResponseWriter, r *http.Request, a Actor) {
	if err := itAdmin(a); err != nil {
		s.fail(w, r, err)
		return
	}
	// The reason comes in the body ({reason}) or as ?reason=; it is
	// required, as for every IT action, and audited.
	var req signpost.ReasonRequest
	if r.ContentLength != 0 {
		if err := decode(r, &req); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if req.Reason == "" {
		req.Reason = r.URL.Query().Get("reason")
	}
	reason, err := checkActionReason(req.Reason)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	d, err := s.store.MoveDevice(r.Context(), id, DeviceMove{To: signpost.DeviceActive, By: a.Username, At: s.cfg.Now()})
	s.auth.forgetDevices(id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.auditAdmin(r.Context(), a, "wipe_cancel", reason, map[string]any{"device": d.ID, "user": d.User})
	writeJSON(w, http.StatusOK, d.Device)
}

// moveDevice moves the device of the path for IT admin a, audits it as
// action (with the wipe's reason) and answers the device with status.
func (s *Server) moveDevice(w http.ResponseWriter, r *http.Request, a Actor, m DeviceMove, action string, status int) {
	now := s.cfg.Now()
	m.By, m.At = a.Username, now
	d, err := s.store.MoveDevice(r.Context(), r.PathValue("id"), m)
	s.auth.forgetDevices(r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit.record(r.Context(), AuditEvent{At: now, UserID: a.UserID, Username: a.Username, DeviceID: a.DeviceID, Action: action, Reason: d.ID, Flags: m.Reason})
	writeJSON(w, status, d.Device)
}

// credentialPrefix begins every device credential. It is not in the
// alphabet of a session token, so the directory tells the two apart without
// a lookup, and a credential offered for anything else is refused as one.
const credentialPrefix = "sdc."

// newDeviceCredential issues device id a new credential, replacing its last,
// and returns it; only its SHA-256 is kept.
func (s *Server) newDeviceCredential(ctx context.Context, id string) (string, error) {
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	cred := credentialPrefix + base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(cred))
	if err := s.store.SetDeviceCredential(ctx, id, sum[:]); err != nil {
		return "", err
	}
	return cred, nil
}

var errCredential = &signpost.Error{Kind: signpost.KindUnauthorized,
	Message: "the device credential is not valid: the device was wiped or revoked, or has signed in again since"}

// credentialDevice returns the device whose credential the request bears.
func (s *Server) credentialDevice(r *http.Request) (*DeviceRecord, error) {
	token, err := bearer(r)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(token, credentialPrefix) {
		return nil, &signpost.Error{Kind: signpost.KindUnauthorized, Message: "this asks for the device credential, not a session token"}
	}
	sum := sha256.Sum256([]byte(token))
	d, err := s.store.DeviceByCredential(r.Context(), sum[:])
	if signpost.KindOf(err) == signpost.KindNotFound {
		return nil, errCredential
	}
	if err != nil {
		return nil, err
	}
	if now := s.cfg.Now(); now.Sub(d.LastSeen) > touchEvery {
		if err := s.store.TouchDevice(r.Context(), d.ID, now); err != nil {
			s.log.Warn("could not record device contact", "err", err)
		} else {
			s.auth.touched(d.ID, now)
		}
	}
	return d, nil
}

// handleDirective tells a device, by its credential, what it must do: wipe
// (with the order's reason) or nothing. It is all a credential can learn.
func (s *Server) handleDirective(w http.ResponseWriter, r *http.Request) {
	d, err := s.credentialDevice(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := signpost.DeviceDirective{DeviceID: d.ID, Action: signpost.DeviceActionNone, ServerTime: s.cfg.Now()}
	if d.State == signpost.DeviceWipeOrdered {
		out.Action, out.Reason, out.OrderedAt = signpost.DeviceActionWipe, d.WipeReason, d.WipeOrderedAt
	}
	writeJSON(w, http.StatusOK, out)
}

// orCredential serves a request bearing a device credential with h, as the
// credential's device and its user; every other request goes to next.
func (s *Server) orCredential(next http.Handler, h func(http.ResponseWriter, *http.Request, Actor)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token, err := bearer(r); err != nil || !strings.HasPrefix(token, credentialPrefix) {
			next.ServeHTTP(w, r)
			return
		}
		d, err := s.credentialDevice(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		a := Actor{UserID: d.UserID, Username: d.User, DeviceID: d.ID, WipeOrdered: d.State == signpost.DeviceWipeOrdered}
		h(w, r.WithContext(context.WithValue(r.Context(), actorKey{}, a)), a)
	})
}

// MaxReceiptCount bounds the counts of a wipe receipt: a cache holds far
// fewer changes.
const MaxReceiptCount = 1_000_000

// receiptSkew is how far a device's clock may be off when it dates its wipe.
const receiptSkew = 5 * time.Minute

// handleWiped takes a device's receipt after it has wiped itself: only for an
// outstanding order, with counts a cache can hold, dated after the order and
// not in the future (give or take receiptSkew). A receipt without a date is
// dated by its arrival.
func (s *Server) handleWiped(w http.ResponseWriter, r *http.Request, a Actor) {
	var rc signpost.WipeReceipt
	if err := decode(r, &rc); err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	if id != a.DeviceID {
		s.fail(w, r, &signpost.Error{Kind: signpost.KindForbidden, Message: "a device can only report its own wipe"})
		return
	}
	d, err := s.store.Device(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := CheckDeviceMove(d.State, signpost.DeviceWiped); err != nil {
		s.fail(w, r, err)
		return
	}
	for _, c := range []struct {
		field string
		n     int
	}{{"pushed", rc.Pushed}, {"lost", rc.Lost}} {
		if c.n < 0 || c.n > MaxReceiptCount {
			s.fail(w, r, signpost.FieldError(c.field, "%s must be a count of changes from 0 to %d", c.field, MaxReceiptCount))
			return
		}
	}
	now := s.cfg.Now()
	if rc.WipedAt.IsZero() {
		rc.WipedAt = now
	}
	// An order made before the directory recorded when has no date; the
	// wipe then cannot be older than the time an order is honoured.
	ordered := d.WipeOrderedAt
	if ordered.IsZero() {
		ordered = now.Add(-WipeGrace)
	}
	switch {
	case rc.WipedAt.Before(ordered.Add(-receiptSkew)):
		s.fail(w, r, signpost.FieldError("wiped_at", "wiped_at is before the wipe was ordered (%s)", ordered.UTC().Format(time.RFC3339)))
		return
	case rc.WipedAt.After(now.Add(receiptSkew)):
		s.fail(w, r, signpost.FieldError("wiped_at", "wiped_at is in the future; the directory's time is %s", now.UTC().Format(time.RFC3339)))
		return
	}
	rc.Received = now
	err = s.store.RecordWipeReceipt(r.Context(), id, rc)
	s.auth.forgetDevices(id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit.record(r.Context(), AuditEvent{At: now, UserID: a.UserID, Username: a.Username, DeviceID: id, Action: "wiped"})
	writeJSON(w, http.StatusOK, rc)
}
