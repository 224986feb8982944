package directory

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"signpost"
)

// Issue 14, accounts slice: what IT staff need of the devices list
// (filters, oldest first, a "not seen for a while" flag, the app's version
// and OS), and revoking a device with a reason.

// errRevoked answers every request of a revoked device; its body carries a
// lock directive, so the laptop locks its cache at that contact.
var errRevoked = &signpost.Error{Kind: signpost.KindUnauthorized, Message: "this device has been revoked by your IT service"}

func (s *Server) deviceRoutes() {
	s.mux.Handle("POST /v1/devices/{id}/revoke", s.authed(s.handleRevoke, activeOnly))
}

// maxNotSeenDays bounds ?not_seen_days=.
const maxNotSeenDays = 3650

// deviceFilters reads the devices list's filters: ?user= and ?name= (a part
// of each), ?state=, ?not_seen_days=N and ?sort=oldest (or newest, the
// default).
func (s *Server) deviceFilters(r *http.Request, f *DeviceFilter) error {
	q := r.URL.Query()
	for _, p := range []struct {
		key string
		to  *string
	}{{"user", &f.User}, {"name", &f.Name}} {
		v := strings.TrimSpace(q.Get(p.key))
		if err := signpost.CheckText(p.key, v, signpost.MaxNameLen); err != nil {
			return err
		}
		*p.to = v
	}
	switch v := q.Get("state"); v {
	case "", signpost.DeviceActive, signpost.DeviceWipeOrdered, signpost.DeviceWiped, signpost.DeviceRevoked:
		f.State = v
	default:
		return signpost.FieldError("state", "state must be active, wipe_ordered, wiped or revoked")
	}
	if v := q.Get("not_seen_days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxNotSeenDays {
			return signpost.FieldError("not_seen_days", "not_seen_days must be a whole number of days from 1 to %d", maxNotSeenDays)
		}
		f.NotSeenSince = s.cfg.Now().Add(-time.Duration(n) * 24 * time.Hour)
	}
	switch q.Get("sort") {
	case "", "newest":
	case "oldest":
		f.Oldest = true
	default:
		return signpost.FieldError("sort", "sort must be newest (most recently seen first) or oldest")
	}
	return nil
}

// markStale flags the devices in use that have not been seen for the
// policy's device_stale_days.
func (s *Server) markStale(ctx context.Context, ds []signpost.Device) {
	limit := time.Duration(s.Policy(ctx).StaleDays()) * 24 * time.Hour
	now := s.cfg.Now()
	for i := range ds {
		inUse := ds[i].State == signpost.DeviceActive || ds[i].State == signpost.DeviceWipeOrdered
		ds[i].Stale = inUse && now.Sub(ds[i].LastSeen) > limit
	}
}

// recordAgent keeps the app version and OS of the request's User-Agent for
// the device, when they changed. A failure is only logged: it is for IT
// staff's list, not for the request.
func (s *Server) recordAgent(ctx context.Context, d *DeviceRecord, r *http.Request) {
	version, os, ok := signpost.ParseUserAgent(r.UserAgent())
	if !ok || (version == d.AppVersion && os == d.OS) {
		return
	}
	if err := s.store.SetDeviceAgent(ctx, d.ID, version, os); err != nil {
		s.log.Warn("could not record a device's app version", "err", err)
		return
	}
	s.auth.forgetDevices(d.ID)
}

// RevokeDevice revokes a device for good: its sessions and credential end
// and every later request of it is refused, with a lock directive.
// signpost-directory revoke and POST /v1/devices/{id}/revoke both call it.
func RevokeDevice(ctx context.Context, st Store, id, by string, at time.Time) (*DeviceRecord, error) {
	return st.MoveDevice(ctx, id, DeviceMove{To: signpost.DeviceRevoked, By: by, At: at})
}

// handleRevoke revokes a device (IT admin), for a reason, audited.
func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request, a Actor) {
	if err := itAdmin(a); err != nil {
		s.fail(w, r, err)
		return
	}
	reason, err := reasonOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	if err := signpost.CheckText("id", id, 64); err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := RevokeDevice(r.Context(), s.store, id, a.Username, s.cfg.Now())
	s.auth.forgetDevices(id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.auditAdmin(r.Context(), a, "revoke", reason, map[string]any{"device": d.ID, "user": d.User})
	writeJSON(w, http.StatusOK, d.Device)
}

// endedSession says why a token has no session: its device was revoked
// (errRevoked, with a lock directive), or it expired or was never one.
func (s *Server) endedSession(ctx context.Context, hash []byte) error {
	if _, err := s.store.RevokedSession(ctx, hash); err == nil {
		return errRevoked
	}
	return errSessionEnded
}
