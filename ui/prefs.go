package ui

import "fyne.io/fyne/v2"

// Preference keys. Preferences are a plain file in the user's profile: only
// what is not secret goes there (never a passphrase, token, name or child).
const (
	prefIdleLockMinutes = "idle_lock_minutes" // the person's choice, capped by the policy
	prefLastServer      = "last_directory"    // the directory address last enrolled with
	prefWindowWidth     = "window_width"
	prefWindowHeight    = "window_height"
)

// prefs are the app's typed preferences.
type prefs struct{ p fyne.Preferences }

// idleLockMinutes returns the chosen auto-lock time, never more than the
// policy allows (max) and at least a minute. 0 means "as the policy says".
func (p prefs) idleLockMinutes(max int) int {
	if max <= 0 {
		max = 10
	}
	m := p.p.IntWithFallback(prefIdleLockMinutes, 0)
	if m <= 0 || m > max {
		return max
	}
	return m
}

func (p prefs) setIdleLockMinutes(m int) { p.p.SetInt(prefIdleLockMinutes, m) }

func (p prefs) lastServer() string { return p.p.StringWithFallback(prefLastServer, "") }

func (p prefs) setLastServer(u string) { p.p.SetString(prefLastServer, u) }

// windowSize returns the saved window size, or one that fits a 1366×768 screen.
func (p prefs) windowSize() fyne.Size {
	w := p.p.FloatWithFallback(prefWindowWidth, 1280)
	h := p.p.FloatWithFallback(prefWindowHeight, 700)
	return fyne.NewSize(float32(max(w, 800)), float32(max(h, 560)))
}

func (p prefs) setWindowSize(s fyne.Size) {
	p.p.SetFloat(prefWindowWidth, float64(s.Width))
	p.p.SetFloat(prefWindowHeight, float64(s.Height))
}
