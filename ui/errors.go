package ui

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"signpost"
)

// showError tells the person what went wrong in plain English and logs the
// full error. Every error a screen cannot show in place ends here: never a
// raw Go or SQL error in front of a practitioner. Once the laptop is wiped the
// wiped screen stands alone: no dialog covers it.
func (a *App) showError(doing string, err error) {
	if err == nil {
		return
	}
	a.log.Warn("ui: "+doing, "kind", signpost.KindOf(err), "err", err)
	title, msg := explain(err)
	a.lastError = msg
	if signpost.KindOf(err) == signpost.KindWiped || a.stage == StageWiped {
		// The wiped screen says it all: no pop-up over it, however late the
		// failed work answers. Work that finds the wipe first goes there.
		if a.stage != StageWiped && a.svc.State().Stage == StageWiped {
			a.route()
		}
		return
	}
	if a.win == nil {
		return
	}
	a.showInfo(title, msg)
}

// explain turns an error into a dialog title and a sentence a person can act on.
func explain(err error) (title, msg string) {
	msg = sentence(signpost.MessageOf(err))
	switch signpost.KindOf(err) {
	case signpost.KindInvalid:
		return "Please check what you entered", msg
	case signpost.KindNotFound:
		return "Not found", msg
	case signpost.KindUnauthorized:
		return "Sign-in needed", msg
	case signpost.KindForbidden:
		return "Not allowed", msg
	case signpost.KindConflict:
		return "That could not be done", msg
	case signpost.KindGone:
		return "This device is to be wiped", msg
	case signpost.KindTooMany:
		return "Too many matches", msg
	case signpost.KindTooLarge:
		return "Too much at once", msg
	case signpost.KindRateLimited:
		return "Please wait a moment", msg
	case signpost.KindUnavailable:
		return "You are offline", msg + " Your work is kept on this laptop and will be sent when the directory can be reached."
	case signpost.KindLocked:
		return "Signpost is locked", msg
	case signpost.KindWiped:
		return "This device was wiped", msg
	}
	return "Something went wrong", msg + " If it happens again, tell your IT service the time it happened."
}

// sentence starts s with a capital letter and ends it with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, "!") {
		s += "."
	}
	return s
}
