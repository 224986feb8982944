package directory

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"signpost"
)

// MaxPush is the most mutations one push may carry.
const MaxPush = 1000

func (s *Server) handlePush(w http.ResponseWriter, r *http.Request, a Actor) {
	// Pushes are limited by volume: every change and offline view is kept
	// for good (in the audit, or sent to everyone who opens the child).
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.fail(w, r, decodeErr(err))
		return
	}
	if !s.pushed.AllowN(a.Username, len(body)) {
		s.fail(w, r, retryLater(s.pushed.WaitN(a.Username, len(body)), signpost.KindRateLimited,
			"this device has sent a great deal in a short time; its changes are kept and will be sent again shortly"))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var req signpost.PushRequest
	if err := decode(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if len(req.Mutations) > MaxPush {
		s.fail(w, r, signpost.FieldError("mutations", "at most %d changes per push; send the rest in another", MaxPush))
		return
	}
	results, err := s.store.Push(r.Context(), a, req.Mutations, s.cfg.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.metrics.pushed(results) // issue 17, operations
	s.drain(r.Context())      // issue 16: tell whom the changes concern
	if a.WipeOrdered {
		// The device's last words: applied, and answered with the wipe order.
		writeJSON(w, http.StatusGone, map[string]any{
			"error":      errGone,
			"directives": []signpost.Directive{{Kind: signpost.DirectiveWipe, Reason: "your IT service ordered this device to be wiped"}},
			"results":    results,
		})
		return
	}
	writeJSON(w, http.StatusOK, signpost.PushResponse{Results: results})
}

func parseCursor(r *http.Request) (Cursor, error) {
	return ParseCursor(r.URL.Query().Get("cursor"))
}

func (s *Server) handlePull(w http.ResponseWriter, r *http.Request, a Actor) {
	cursor, err := parseCursor(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	limit := s.cfg.PullLimit
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			s.fail(w, r, signpost.FieldError("limit", "limit must be a whole number from 1 to 1000"))
			return
		}
		limit = n
	}
	now := s.cfg.Now()
	s.drainIfIdle(r.Context()) // issue 16: events left by another process
	// Nothing new for this user (the hub knows without a query): an empty
	// page at the same cursor.
	page := &PullPage{Changes: []signpost.Child{}, Removals: []signpost.Removal{}, Cursor: cursor}
	if has, err := s.hub.has(r.Context(), a, cursor); err != nil || has {
		if page, err = s.store.Pull(r.Context(), a, cursor, limit, now); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	policy := s.Policy(r.Context()).ForDevices()
	resp := signpost.PullResponse{
		Changes:    make([]signpost.Child, 0, len(page.Changes)),
		Removals:   page.Removals,
		Directives: []signpost.Directive{{Kind: signpost.DirectivePolicy, Policy: &policy}},
		Cursor:     page.Cursor.String(),
		More:       page.More,
		ServerTime: now,
	}
	for i := range page.Changes {
		resp.Changes = append(resp.Changes, *View(a, &page.Changes[i]))
	}
	// Issue 16: the user's notifications up to the page's cursor.
	if resp.Notifications, err = s.store.DeliverNotifications(r.Context(), a.UserID, cursor.Seq, page.Cursor.Seq, now); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// handleWait long-polls: it answers as soon as a pull after cursor would
// return something, or a directive is due, or after WaitTimeout. It waits on
// the hub, which wakes only the users a change concerns: a long-poll with
// nothing new costs no query while it waits.
func (s *Server) handleWait(w http.ResponseWriter, r *http.Request, a Actor) {
	cursor, err := parseCursor(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	timeout := time.NewTimer(s.cfg.WaitTimeout)
	defer timeout.Stop()
	for {
		woken := s.hub.watch(a.UserID) // taken before checking, so no change is missed
		dev, err := s.device(ctx, a.DeviceID, false)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if dev.State == signpost.DeviceWipeOrdered {
			s.fail(w, r, &signpost.Error{Kind: signpost.KindGone, Message: "your IT service has ordered this device to be wiped"})
			return
		}
		if dev.State != signpost.DeviceActive {
			s.fail(w, r, &signpost.Error{Kind: signpost.KindUnauthorized, Message: "this device is no longer enrolled; sign in again"})
			return
		}
		has, err := s.hub.has(ctx, a, cursor)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if has {
			writeJSON(w, http.StatusOK, signpost.WaitResponse{Changed: true, Directives: []signpost.Directive{}, Cursor: cursor.String()})
			return
		}
		select {
		case <-woken:
		case <-timeout.C:
			writeJSON(w, http.StatusOK, signpost.WaitResponse{Changed: false, Directives: []signpost.Directive{}, Cursor: cursor.String()})
			return
		case <-ctx.Done():
			return
		}
	}
}

// decodeErr is the answer to a body that could not be read.
func decodeErr(err error) error {
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return &signpost.Error{Kind: signpost.KindTooLarge, Field: "body", Message: fmt.Sprintf("the body is larger than %d bytes", MaxBody)}
	}
	return &signpost.Error{Kind: signpost.KindInvalid, Field: "body", Message: "the body could not be read", Err: err}
}
