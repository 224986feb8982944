package directory

import (
	"net/http"

	"signpost"
)

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
	ds, err := s.store.Devices(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, signpost.DevicesResponse{Devices: ds})
}

// OrderWipe orders a remote wipe of a device; the device gets the wipe
// directive on its next request of any kind.
func (s *Server) handleOrderWipe(w http.ResponseWriter, r *http.Request, a Actor) {
	if err := itAdmin(a); err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.store.Device(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if d.State == signpost.DeviceWiped {
		s.fail(w, r, &signpost.Error{Kind: signpost.KindConflict, Message: "this device has already been wiped"})
		return
	}
	if err := s.store.SetDeviceState(r.Context(), d.ID, signpost.DeviceWipeOrdered); err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit.record(r.Context(), AuditEvent{At: s.cfg.Now(), UserID: a.UserID, Username: a.Username, DeviceID: a.DeviceID, Action: "wipe_order", Reason: d.ID})
	d, err = s.store.Device(r.Context(), d.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, d.Device)
}

// handleWiped takes a device's receipt after it has wiped itself.
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
	if rc.Pushed < 0 || rc.Lost < 0 {
		s.fail(w, r, signpost.FieldError("pushed", "counts cannot be negative"))
		return
	}
	now := s.cfg.Now()
	if rc.WipedAt.IsZero() || rc.WipedAt.After(now) {
		rc.WipedAt = now
	}
	rc.Received = now
	if err := s.store.RecordWipeReceipt(r.Context(), id, rc); err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit.record(r.Context(), AuditEvent{At: now, UserID: a.UserID, Username: a.Username, DeviceID: id, Action: "wiped"})
	writeJSON(w, http.StatusOK, rc)
}
